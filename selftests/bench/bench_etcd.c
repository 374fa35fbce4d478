// SPDX-License-Identifier: Apache-2.0
/*
 * The etcd backend against a real cluster of 1 and of 3 members on loopback, data on disk
 * (/var/tmp: every write pays etcd's fsync, as in production). Prints JSON rows (Makefile).
 *
 *   etcdN_apply_writes      resource-sized puts, one after another, from one client (what
 *                           tabbyctl apply does). Peer: the same puts with etcdctl, the Go
 *                           client, as a shell uses it (one process per put).
 *   etcdN_apply_writes_vs_gateway
 *                           the same puts; peer: curl's command line sending the same JSON to
 *                           the same gateway over one kept-alive connection, the floor of any
 *                           gateway client. The ratio is what tabby's client adds or saves.
 *   etcdN_apply_100_resources
 *                           one `tabbyctl apply` of 100 resources: one transaction of 100 puts
 *                           (ms each). Peer: the same transaction through `etcdctl txn`.
 *   etcdN_put_to_watch_p50/p99
 *                           from the start of a put to the event in tabby's watcher. Peer:
 *                           `etcdctl watch` (Go client, gRPC stream) seeing the same puts.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/bench_report.h"
#include "helpers/etcd_fixture.h"

#define APPLY_ROUNDS 3
#define APPLY_PUTS 150 /* per round */
#define ETCDCTL_PUTS 60
#define WATCH_PUTS 200

static double pct_us(int64_t *v, size_t n, double p)
{
	return bench_percentile(v, n, p) / 1e3;
}

/* Time for APPLY_PUTS sequential puts of distinct keys through tabby. */
static int tabby_apply(struct tb_ds *ds, int round, int64_t *ns)
{
	int64_t t0 = bench_now_ns();
	char key[96];
	int err = 0;

	for (int i = 0; !err && i < APPLY_PUTS; i++) {
		snprintf(key, sizeof(key),
			 "/calico/resources/v3/projectcalico.org/"
			 "workloadendpoints/tabby/wep-%d-%d",
			 round, i);
		err = tb_ds_put(ds, key, bench_resource_json, TB_REV_ANY, NULL);
	}
	*ns += bench_now_ns() - t0;
	return err;
}

/* The same puts with etcdctl, a process each. */
static int etcdctl_apply(const struct etcd_fx *fx, double *wps)
{
	char script[2048];
	int64_t t0 = bench_now_ns();
	int err;

	snprintf(script, sizeof(script),
		 "i=0; while [ $i -lt %d ]; do ETCDCTL_API=3 etcdctl"
		 " --endpoints=%s put /calico/bench/ctl/wep-$i '%s' >/dev/null || exit 1;"
		 " i=$((i+1)); done",
		 ETCDCTL_PUTS, fx->endpoints, bench_resource_json);
	err = system(script) ? -EIO : 0;
	*wps = ETCDCTL_PUTS / ((bench_now_ns() - t0) / 1e9);
	return err;
}

static void b64(const char *s, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)strlen(s));
}

/* The same puts as a curl config: one process, one connection, the gateway's JSON. */
static int curl_apply(const struct etcd_fx *fx, int round, int64_t *ns)
{
	static char kb[256], vb[1024];
	char path[160], cmd[320], key[96];
	int64_t t0;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/curl.cfg", fx->dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	b64(bench_resource_json, vb);
	for (int i = 0; i < APPLY_PUTS; i++) {
		snprintf(key, sizeof(key),
			 "/calico/resources/v3/projectcalico.org/"
			 "workloadendpoints/curl/wep-%d-%d",
			 round, i);
		b64(key, kb);
		fprintf(f,
			"%surl = \"%s/v3/kv/put\"\noutput = \"/dev/null\"\n"
			"data = \"{\\\"key\\\":\\\"%s\\\",\\\"value\\\":\\\"%s\\\"}\"\n",
			i ? "next\n" : "", fx->m[0].client_url, kb, vb);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "curl -sf -K '%s'", path);
	t0 = bench_now_ns();
	err = system(cmd) ? -EIO : 0;
	*ns += bench_now_ns() - t0;
	return err;
}

#define TXN_PUTS 100
#define TXN_ROUNDS 8

/* Time for one transaction of TXN_PUTS puts through tabby. */
static int tabby_txn(struct tb_ds *ds, int round, int64_t *ns)
{
	static char keys[TXN_PUTS][96];
	struct tb_txn_op ops[TXN_PUTS];
	int64_t t0;
	int err;

	for (int i = 0; i < TXN_PUTS; i++) {
		snprintf(keys[i], sizeof(keys[i]),
			 "/calico/resources/v3/projectcalico.org/workloadendpoints/txn%d/wep-%d",
			 round, i);
		ops[i] = (struct tb_txn_op){TB_TXN_PUT, keys[i], bench_resource_json, TB_REV_ANY};
	}
	t0 = bench_now_ns();
	err = tb_ds_txn(ds, ops, TXN_PUTS, NULL);
	*ns += bench_now_ns() - t0;
	return err;
}

/* The same transaction through `etcdctl txn` (no compares, the puts, no failure branch). */
static int etcdctl_txn(const struct etcd_fx *fx, int round, int64_t *ns)
{
	char path[160], cmd[512];
	int64_t t0;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/txn.in", fx->dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "\n");
	for (int i = 0; i < TXN_PUTS; i++)
		fprintf(f,
			"put /calico/resources/v3/projectcalico.org/workloadendpoints/ctl%d/wep-%d "
			"%s\n",
			round, i, bench_resource_json);
	fprintf(f, "\n\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ETCDCTL_API=3 etcdctl --endpoints=%s txn < '%s' >/dev/null",
		 fx->endpoints, path);
	t0 = bench_now_ns();
	err = system(cmd) ? -EIO : 0;
	*ns += bench_now_ns() - t0;
	return err;
}

/* `etcdctl watch --prefix`, its output read line by line from a pipe. */
struct ctl_watch {
	pid_t pid;
	int fd;
	char buf[8192];
	size_t n;
};

static int ctl_watch_start(const struct etcd_fx *fx, const char *prefix, struct ctl_watch *c)
{
	int p[2];

	c->n = 0;
	c->fd = -1;
	if (pipe(p))
		return -errno;
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (c->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		setenv("ETCDCTL_API", "3", 1);
		execlp("etcdctl", "etcdctl", "--endpoints", fx->endpoints, "watch", "--prefix",
		       prefix, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	c->fd = p[0];
	return 0;
}

static void ctl_watch_stop(struct ctl_watch *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		waitpid(c->pid, NULL, 0);
	}
	if (c->fd >= 0)
		close(c->fd);
}

/* Reads etcdctl's output until a line starting with want: 0, or -ETIMEDOUT after ms. */
static int ctl_wait(struct ctl_watch *c, const char *want, int ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	char *nl;
	ssize_t r;

	for (;;) {
		while ((nl = memchr(c->buf, '\n', c->n))) {
			bool hit = !strncmp(c->buf, want, strlen(want));

			c->n -= nl + 1 - c->buf;
			memmove(c->buf, nl + 1, c->n);
			if (hit)
				return 0;
		}
		if (c->n == sizeof(c->buf))
			c->n = 0;
		if (poll(&p, 1, ms) <= 0)
			return -ETIMEDOUT;
		r = read(c->fd, c->buf + c->n, sizeof(c->buf) - c->n);
		if (r <= 0)
			return -EIO;
		c->n += r;
	}
}

/* etcdctl watches from "now": it is ready once it reports a put made after it started. */
static int ctl_ready(struct ctl_watch *c, struct tb_ds *ds, const char *prefix)
{
	char key[96];
	int err = -ETIMEDOUT;

	snprintf(key, sizeof(key), "%sready", prefix);
	for (int i = 0; err == -ETIMEDOUT && i < 50; i++) {
		err = tb_ds_put(ds, key, "{}", TB_REV_ANY, NULL);
		err = err ?: ctl_wait(c, key, 200);
	}
	return err;
}

static int next_event(struct tb_ds_watch *w)
{
	struct tb_ds_event ev = {0};
	int r = tb_ds_watch_next(w, &ev, 5000);

	tb_ds_event_free(&ev);
	return r == 1 ? 0 : r ? r : -ETIMEDOUT;
}

#define WATCH_ROUNDS 4

/* Put-to-event latencies: tabby's watcher and etcdctl's, in alternating rounds. */
static int watch_latency(const struct etcd_fx *fx, struct tb_ds *ds, int64_t *mine, int64_t *theirs)
{
	const char *prefix = "/calico/bench/w/";
	int per = WATCH_PUTS / WATCH_ROUNDS, n = 0, m = 0, err;
	struct ctl_watch ctl = {.pid = -1, .fd = -1};
	struct tb_ds_watch *w = NULL;
	int64_t rev, t0;
	char key[64];

	err = ctl_watch_start(fx, prefix, &ctl);
	err = err ?: ctl_ready(&ctl, ds, prefix);
	err = err ?: tb_ds_revision(ds, &rev);
	err = err ?: tb_ds_watch_open(ds, prefix, rev, &w);
	for (int r = 0; !err && r < WATCH_ROUNDS; r++) {
		for (int i = 0; !err && i < per; i++, n++) {
			snprintf(key, sizeof(key), "%stabby-%d", prefix, n);
			t0 = bench_now_ns();
			err = tb_ds_put(ds, key, bench_resource_json, TB_REV_ANY, NULL);
			err = err ?: next_event(w);
			mine[n] = bench_now_ns() - t0;
			/* etcdctl sees this put too: read it off so its pipe stays in step. */
			err = err ?: ctl_wait(&ctl, key, 5000);
		}
		for (int i = 0; !err && i < per; i++, m++) {
			snprintf(key, sizeof(key), "%sctl-%d", prefix, m);
			t0 = bench_now_ns();
			err = tb_ds_put(ds, key, bench_resource_json, TB_REV_ANY, NULL);
			err = err ?: ctl_wait(&ctl, key, 5000);
			theirs[m] = bench_now_ns() - t0;
			err = err ?: next_event(w);
		}
	}
	tb_ds_watch_close(w);
	ctl_watch_stop(&ctl);
	return err;
}

static int bench_cluster(int members)
{
	int64_t mine[WATCH_PUTS], theirs[WATCH_PUTS];
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3};
	int64_t tabby_ns = 0, curl_ns = 0, tabby_txn_ns = 0, ctl_txn_ns = 0;
	double tabby_wps, ctl_wps = 0, curl_wps;
	struct tb_ds *ds = NULL;
	struct etcd_fx fx;
	char name[64], target[32];
	int err = etcd_fx_start(&fx, members, ETCD_FX_DISK);

	if (err)
		return err;
	cfg.etcd_endpoints = fx.endpoints;
	err = tb_ds_open(&cfg, &ds);
	/* Rounds alternate, so a change in the disk's speed hits both sides alike. */
	for (int r = 0; !err && r < APPLY_ROUNDS; r++) {
		err = curl_apply(&fx, r, &curl_ns);
		err = err ?: tabby_apply(ds, r, &tabby_ns);
	}
	tabby_wps = APPLY_ROUNDS * APPLY_PUTS / (tabby_ns / 1e9);
	curl_wps = APPLY_ROUNDS * APPLY_PUTS / (curl_ns / 1e9);
	err = err ?: etcdctl_apply(&fx, &ctl_wps);
	for (int r = 0; !err && r < TXN_ROUNDS; r++) {
		err = etcdctl_txn(&fx, r, &ctl_txn_ns);
		err = err ?: tabby_txn(ds, r, &tabby_txn_ns);
	}
	err = err ?: watch_latency(&fx, ds, mine, theirs);
	if (!err) {
		snprintf(name, sizeof(name), "etcd%d_apply_writes", members);
		bench_row(name, tabby_wps, "writes/s", "etcdctl put (a process per put)", ctl_wps,
			  ">= peer");
		snprintf(name, sizeof(name), "etcd%d_apply_writes_vs_gateway", members);
		snprintf(target, sizeof(target), ">= 0.9 x peer");
		bench_row(name, tabby_wps, "writes/s", "curl -K (one connection, same JSON)",
			  curl_wps, target);
		snprintf(name, sizeof(name), "etcd%d_apply_100_resources", members);
		bench_row(name, tabby_txn_ns / 1e6 / TXN_ROUNDS, "ms",
			  "etcdctl txn (same 100 puts)", ctl_txn_ns / 1e6 / TXN_ROUNDS, "<= peer");
		snprintf(name, sizeof(name), "etcd%d_put_to_watch_p50", members);
		bench_row(name, pct_us(mine, WATCH_PUTS, 0.5), "us", "etcdctl watch",
			  pct_us(theirs, WATCH_PUTS, 0.5), "<= peer");
		snprintf(name, sizeof(name), "etcd%d_put_to_watch_p99", members);
		bench_row(name, pct_us(mine, WATCH_PUTS, 0.99), "us", "etcdctl watch",
			  pct_us(theirs, WATCH_PUTS, 0.99), "<= peer");
	}
	tb_ds_close(ds);
	etcd_fx_stop(&fx);
	return err;
}

int main(void)
{
	int err = bench_cluster(1);

	if (!err)
		err = bench_cluster(3);
	if (err)
		fprintf(stderr, "bench_etcd: %s\n", strerror(-err));
	return err ? 1 : 0;
}
