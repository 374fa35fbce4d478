// SPDX-License-Identifier: Apache-2.0
/*
 * The host-side reconciler's costs, inside a private network namespace this process makes
 * for itself (everything in it dies with the process):
 *
 *   hostside.orphans100.sweep_ms   a sweep that removes 100 orphaned veths (one batch through
 *                                  a link group), against deleting them one RTM_DELLINK at a
 *                                  time (each waits for its own RCU grace period)
 *   hostside.healthy100.sweep_ms   a periodic sweep over 100 healthy endpoints (links, routes
 *                                  and 6 sysctls each read back; nothing to change)
 *   hostside.endpoint_update_us    an endpoint update applied at once (MAC, sysctls, routes)
 *
 * Three rounds, the two deletion variants alternating in order; medians.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"

/* tabbyd's sources are not in libtabby: the reconciler is compiled into this program. */
#include "../../userspace/tabbyd/hostside.c"
#include "../../userspace/tabbyd/hostside_blocks.c"
#include "../../userspace/tabbyd/hostside_repair.c"
#include "../../userspace/tabbyd/hostside_sweep.c"

#define ROUNDS 3
#define N 100

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int make_veths(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "for i in $(seq 1 %d); do echo link add tabb$i type veth peer name wb$i; "
		 "echo link set tabb$i up; echo link set wb$i up; done | ip -batch -",
		 N);
	return sh(cmd);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_d);
	return v[ROUNDS / 2];
}

/* One sweep with no grace over N orphans: ms, or -1. */
static double batch_round(void)
{
	struct hostside_opts o = {.node = "bench", .interval_s = 10, .grace_s = 0};
	struct hostside *h;
	double t0, ms = -1;

	if (make_veths() || hostside_new(&o, &h))
		return -1;
	t0 = hs_now();
	if (!hostside_sweep(h) && h->st.links_removed == N)
		ms = (hs_now() - t0) * 1e3;
	hostside_free(h);
	return ms;
}

/* The same links deleted one request each: ms, or -1. */
static double one_by_one_round(void)
{
	struct tb_nl nl;
	double t0, ms = -1;
	int r = 0;

	if (make_veths() || tb_nl_open(&nl))
		return -1;
	t0 = hs_now();
	for (int i = 1; i <= N && !r; i++) {
		char name[16];

		snprintf(name, sizeof(name), "tabb%d", i);
		r = tb_nl_link_del(&nl, name);
	}
	if (!r)
		ms = (hs_now() - t0) * 1e3;
	tb_nl_close(&nl);
	return ms;
}

/* N endpoints on N veths: the update of each (us, median of all), then healthy sweeps. */
static int healthy(double *update_us, double *sweep_ms)
{
	struct hostside_opts o = {.node = "bench", .interval_s = 10, .grace_s = 1000};
	double upd[N], sw[ROUNDS];
	struct hostside *h;
	int r = -1;

	if (make_veths() || hostside_new(&o, &h))
		return -1;
	for (int i = 0; i < N; i++) {
		struct tb_ir_cidr ip = {.family = 4, .len = 32, .addr = {10, 80, 0, 0}};
		char key[32], iface[16];
		double t0;

		ip.addr[2] = (uint8_t)(i / 250);
		ip.addr[3] = (uint8_t)(i % 250 + 1);
		snprintf(key, sizeof(key), "wep/%d", i);
		snprintf(iface, sizeof(iface), "tabb%d", i + 1);
		t0 = hs_now();
		if (hostside_endpoint_update(h, key, iface, &ip, 1))
			goto out;
		upd[i] = (hs_now() - t0) * 1e6;
	}
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = hs_now();

		if (hostside_sweep(h) || h->st.repairs)
			goto out;
		sw[k] = (hs_now() - t0) * 1e3;
	}
	qsort(upd, N, sizeof(*upd), cmp_d);
	*update_us = upd[N / 2];
	*sweep_ms = median(sw);
	r = 0;
out:
	/* The links stay: they go with the namespace when the program ends. */
	hostside_free(h);
	return r;
}

static void row(const char *name, double v, const char *unit, const char *peer, double pv,
		const char *target)
{
	if (peer)
		printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\",\"peer\":\"%s\","
		       "\"peer_value\":%.3f,\"ratio\":%.4f,\"target\":\"%s\"}\n",
		       name, v, unit, peer, pv, v / pv, target);
	else
		printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\",\"peer\":null,"
		       "\"peer_value\":null,\"ratio\":null,\"target\":\"%s\"}\n",
		       name, v, unit, target);
}

int main(void)
{
	double batch[ROUNDS], seq[ROUNDS], upd_us, sweep_ms;

	tb_log_set_level(TB_LOG_WARNING);
	if (unshare(CLONE_NEWNET) || sh("ip link set lo up")) {
		fprintf(stderr, "bench_hostside: cannot make a network namespace (root needed)\n");
		return 1;
	}
	for (int k = 0; k < ROUNDS; k++) {
		bool batch_first = k % 2 == 0;

		batch[k] = batch_first ? batch_round() : -1;
		seq[k] = one_by_one_round();
		if (!batch_first)
			batch[k] = batch_round();
		if (batch[k] < 0 || seq[k] < 0) {
			fprintf(stderr, "bench_hostside: round %d failed\n", k);
			return 1;
		}
	}
	if (healthy(&upd_us, &sweep_ms)) {
		fprintf(stderr, "bench_hostside: the healthy-node sweep failed\n");
		return 1;
	}
	row("hostside.orphans100.sweep_ms", median(batch), "ms", "one RTM_DELLINK per veth",
	    median(seq), "<= 0.1");
	row("hostside.healthy100.sweep_ms", sweep_ms, "ms", NULL, 0, "<= 50");
	row("hostside.endpoint_update_us", upd_us, "us", NULL, 0, "<= 1000");
	return 0;
}
