// SPDX-License-Identifier: Apache-2.0
/*
 * The classifier's cost per verdict through BPF_PROG_TEST_RUN with repeat (the test-only
 * program of selftests/progs/policy_test.bpf.c: tb_policy_decide on an exact flow; mean ns
 * per run as the kernel reports it, best of 5 rounds, sizes interleaved in every round; the
 * harness's own ~30 ns are in every row and in the peer). Rows:
 *   classifier_<N>_last   a flow only the last of N rules matches (N = 10 ... 10,000);
 *   classifier_<N>_first  a flow the first rule matches;
 *   classifier_<N>_miss   a flow no rule matches (the tier's end denies it);
 * the peer of every row is the same flow kind at 10 rules (flatness: target <= 1.2 at 10,000).
 *   classifier_compile_10000, classifier_install_10000   table build and map load time.
 * Rule i allows TCP from 10.<i/256>.<i%256>.0/24 to port 1000 + i.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../helpers/policy_bpf.h"

#define REPEAT 50000
#define ROUNDS 5
#define NSIZES 4

static const int sizes[NSIZES] = {10, 100, 1000, 10000};
static const char *const kinds[3] = {"last", "first", "miss"};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct tb_ir *make_ir(int n)
{
	struct tb_ir *ir = tb_ir_new();
	int err = !ir || tb_ir_add_tier(ir, "default", TB_IR_DENY) || tb_ir_add_policy(ir, "p");

	for (int i = 0; i < n && !err; i++) {
		struct tb_ir_cidr c = {
		    .family = 4, .len = 24, .addr = {10, (uint8_t)(i / 256), (uint8_t)(i % 256)}};
		struct tb_ir_rule r;

		tb_ir_rule_init(&r, TB_IR_ALLOW);
		r.protocol = 6;
		err = tb_ir_side_add_net(&r.src, 0, &c) ||
		      tb_ir_side_add_ports(&r.dst, 0, (uint16_t)(1000 + i), (uint16_t)(1000 + i)) ||
		      tb_ir_add_rule(ir, 0, &r);
		tb_ir_rule_free(&r);
	}
	if (err) {
		tb_ir_free(ir);
		return NULL;
	}
	return ir;
}

static void make_flow(int n, int kind, struct tb_flow *f)
{
	int i = kind == 1 ? 0 : n - 1;
	uint8_t *s = (uint8_t *)f->saddr, *d = (uint8_t *)f->daddr;

	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->proto = 6;
	s[0] = 10;
	s[1] = (uint8_t)(i / 256);
	s[2] = (uint8_t)(i % 256);
	s[3] = 7;
	d[0] = 192;
	d[1] = 168;
	d[3] = 1;
	f->sport = 40000;
	f->dport = (uint16_t)(1000 + i + (kind == 2)); /* miss: the next rule's port */
}

static void row(const char *name, double v, const char *unit, const char *peer, double pv,
		const char *target)
{
	if (peer)
		printf("{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"%s\",\"peer\":\"%s\","
		       "\"peer_value\":%.1f,\"ratio\":%.3f,\"target\":\"%s\"}\n",
		       name, v, unit, peer, pv, pv > 0 ? v / pv : 0.0, target);
	else
		printf("{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"%s\",\"peer\":null,"
		       "\"peer_value\":null,\"ratio\":null,\"target\":null}\n",
		       name, v, unit);
}

/* Compiles and installs size s on ifindex 100 + s; records build times for the largest. */
static int setup(struct tb_pbpf *p, int s, double *compile_ms, double *install_ms)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = make_ir(sizes[s]);
	char key[16];
	double t0, t1, t2;
	int err;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	snprintf(key, sizeof(key), "n%d", sizes[s]);
	t0 = now_ms();
	err = ir ? tb_pol_compile(ir, &sets, &diag, &c) : -1;
	t1 = now_ms();
	if (!err)
		err = tb_pbpf_install(p, c, key, (uint32_t)(100 + s), 0, NULL);
	t2 = now_ms();
	*compile_ms = t1 - t0;
	*install_ms = t2 - t1;
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
	return err;
}

int main(void)
{
	uint32_t best[NSIZES][3];
	double compile_ms = 0, install_ms = 0;
	struct tb_pbpf p;
	char name[64];

	if (tb_pbpf_open(&p)) {
		fprintf(stderr, "bench_classifier: cannot load the test program\n");
		return 1;
	}
	for (int s = 0; s < NSIZES; s++) {
		if (setup(&p, s, &compile_ms, &install_ms)) {
			fprintf(stderr, "bench_classifier: cannot install %d rules\n", sizes[s]);
			return 1;
		}
	}
	memset(best, 0xff, sizeof(best));
	for (int r = 0; r < ROUNDS; r++) {
		for (int j = 0; j < NSIZES * 3; j++) {
			/* a different order every round */
			int k = (j * 7 + r * 5) % (NSIZES * 3), s = k / 3, kind = k % 3;
			struct tb_policy_result res;
			struct tb_flow f;
			uint32_t ns;

			make_flow(sizes[s], kind, &f);
			if (tb_pbpf_decide(&p, (uint32_t)(100 + s), 0, &f, REPEAT, &res, &ns) ||
			    (int)res.allow != (kind != 2)) {
				fprintf(stderr, "bench_classifier: wrong verdict at %d rules\n",
					sizes[s]);
				return 1;
			}
			if (ns < best[s][kind])
				best[s][kind] = ns;
		}
	}
	for (int kind = 0; kind < 3; kind++) {
		for (int s = 0; s < NSIZES; s++) {
			char peer[64];

			snprintf(name, sizeof(name), "classifier_%d_%s", sizes[s], kinds[kind]);
			snprintf(peer, sizeof(peer), "classifier_10_%s", kinds[kind]);
			row(name, best[s][kind], "ns/verdict", peer, best[0][kind],
			    s == NSIZES - 1 ? "<= 1.2" : "-");
		}
	}
	row("classifier_compile_10000", compile_ms, "ms", NULL, 0, NULL);
	row("classifier_install_10000", install_ms, "ms", NULL, 0, NULL);
	tb_pbpf_close(&p);
	return 0;
}
