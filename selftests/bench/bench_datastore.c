// SPDX-License-Identifier: Apache-2.0
/*
 * Local datastore benchmark: put latency, compare-and-swap increment throughput from one and
 * from eight processes, and put-to-watch-event latency across processes. Prints one JSON row
 * per line (see Makefile).
 *
 * Every write is durable (WAL, synchronous=FULL): it costs one fdatasync, and on a shared VM
 * that swings from 0.2 to 4 ms between minutes. So the peer of the write rows is that floor
 * itself, a 4 KiB write + fdatasync in the same directory, measured in the same rounds
 * interleaved with the store's writes: the ratio is what the store adds over the disk. Raw
 * sqlite3 would not be a fair peer (no revisions, CAS or change log); the watch rows have none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/bench_report.h"
#include "helpers/ds_fixture.h"

#define ROUNDS 3
#define PUTS 200		/* per round */
#define CAS_ONE 100		/* per round */
#define SYNCS 200		/* per round */
#define CAS_PROCS 8
#define CAS_EACH 25		/* per process per round */
#define WATCH_EVENTS 400
#define WATCH_GAP_US 1500

static struct ds_fx fx;

/* The disk's floor under the durable writes, interleaved with them round by round. */
struct floor {
	int fd;
	int64_t lat[ROUNDS * SYNCS];
	size_t n;
};

static int floor_round(struct floor *f)
{
	static const char page[4096];
	int64_t t0;

	for (int i = 0; i < SYNCS; i++) {
		t0 = bench_now_ns();
		if (pwrite(f->fd, page, sizeof(page), (off_t)(i % 64) * 4096) != sizeof(page) ||
		    fdatasync(f->fd))
			return -errno;
		f->lat[f->n++] = bench_now_ns() - t0;
	}
	return 0;
}

static int put_round(struct tb_ds *ds, int64_t *lat)
{
	char key[64];
	int64_t t0;
	int err = 0;

	for (int i = 0; !err && i < PUTS; i++) {
		snprintf(key, sizeof(key), "/bench/put/%d", i % 100);
		t0 = bench_now_ns();
		err = tb_ds_put(ds, key, bench_resource_json, TB_REV_ANY, NULL);
		lat[i] = bench_now_ns() - t0;
	}
	return err;
}

static int cas_increment(struct tb_ds *ds, const char *key)
{
	struct tb_kv kv;
	char val[32];
	int err;

	do {
		err = tb_ds_get(ds, key, &kv);
		if (err)
			return err;
		snprintf(val, sizeof(val), "%lld", atoll(kv.value) + 1);
		err = tb_ds_put(ds, key, val, kv.mod_revision, NULL);
		tb_kv_free(&kv);
	} while (err == -ECANCELED);
	return err;
}

static int child_cas(int idx, void *arg)
{
	struct tb_ds *ds = NULL;
	int err = ds_fx_open(&fx, &ds);

	for (int i = 0; !err && i < CAS_EACH; i++)
		err = cas_increment(ds, "/bench/counter8");
	tb_ds_close(ds);
	return err;
}

/* Writes: put latency, then CAS throughput from 1 and 8 processes, all beside the floor. */
static int bench_writes(struct tb_ds *ds, struct floor *f)
{
	static int64_t put_lat[ROUNDS * PUTS];
	int64_t cas1_ns = 0, cas8_ns = 0, t0, fl50, fl99;
	double floor_rate;
	int err;

	err = tb_ds_put(ds, "/bench/counter1", "0", TB_REV_ANY, NULL);
	if (!err)
		err = tb_ds_put(ds, "/bench/counter8", "0", TB_REV_ANY, NULL);
	for (int r = 0; !err && r < ROUNDS; r++) {
		err = floor_round(f);
		if (!err)
			err = put_round(ds, put_lat + r * PUTS);
		t0 = bench_now_ns();
		for (int i = 0; !err && i < CAS_ONE; i++)
			err = cas_increment(ds, "/bench/counter1");
		cas1_ns += bench_now_ns() - t0;
		t0 = bench_now_ns();
		if (!err)
			err = ds_fx_run_children(CAS_PROCS, child_cas, NULL) ? -EIO : 0;
		cas8_ns += bench_now_ns() - t0;
	}
	if (err)
		return err;
	/* The median, not the mean: a few multi-ms stalls of the shared disk would dominate it. */
	fl50 = bench_percentile(f->lat, f->n, 0.50);
	floor_rate = 1e9 / (double)fl50;
	fl99 = bench_percentile(f->lat, f->n, 0.99);
	bench_row("datastore_put_p50", bench_percentile(put_lat, ROUNDS * PUTS, 0.50) / 1e3, "us",
		  "fdatasync p50", fl50 / 1e3, "<= 2.0");
	bench_row("datastore_put_p99", bench_percentile(put_lat, ROUNDS * PUTS, 0.99) / 1e3, "us",
		  "fdatasync p99", fl99 / 1e3, "<= 2.0");
	bench_row("datastore_cas_incr_1proc", ROUNDS * CAS_ONE / (cas1_ns / 1e9), "ops/s",
		  "1/fdatasync p50", floor_rate, ">= 0.4");
	bench_row("datastore_cas_incr_8proc", ROUNDS * CAS_PROCS * CAS_EACH / (cas8_ns / 1e9),
		  "ops/s", "1/fdatasync p50", floor_rate, ">= 0.25");
	return 0;
}

/* Shared with the writer process: when each put started and when it returned (committed). */
struct watch_times {
	int64_t put_start[WATCH_EVENTS];
	int64_t put_done[WATCH_EVENTS];
};

static struct watch_times *times;

static int child_writer(int idx, void *arg)
{
	struct tb_ds *ds = NULL;
	char val[32];
	int err = ds_fx_open(&fx, &ds);

	/* Spaced out, so each event is timed alone rather than behind a queue. */
	for (int i = 0; !err && i < WATCH_EVENTS; i++) {
		snprintf(val, sizeof(val), "%d", i);
		usleep(WATCH_GAP_US);
		times->put_start[i] = bench_now_ns();
		err = tb_ds_put(ds, "/bench/watch/k", val, TB_REV_ANY, NULL);
		times->put_done[i] = bench_now_ns();
	}
	tb_ds_close(ds);
	return err;
}

/* The writer's put includes its fdatasync: the floor, measured just before and after. */
static int bench_watch(struct tb_ds *ds, struct floor *f)
{
	int64_t seen[WATCH_EVENTS], put_lat[WATCH_EVENTS], commit_lat[WATCH_EVENTS], rev;
	struct tb_ds_event ev = { 0 };
	struct tb_ds_watch *w = NULL;
	int got = 0, r = 1, err;
	pid_t pid;

	f->n = 0;
	err = floor_round(f);
	if (!err)
		err = tb_ds_revision(ds, &rev);
	if (!err)
		err = tb_ds_watch_open(ds, "/bench/watch/", rev, &w);
	if (!err)
		err = ds_fx_start_children(1, child_writer, NULL, &pid);
	if (err)
		goto out;
	while (got < WATCH_EVENTS && (r = tb_ds_watch_next(w, &ev, 5000)) == 1) {
		seen[got] = bench_now_ns();
		if (atoi(ev.kv.value) != got)
			break;
		got++;
		tb_ds_event_free(&ev);
	}
	tb_ds_event_free(&ev);
	err = ds_fx_wait_children(1, &pid) ? -EIO : 0;
	if (!err)
		err = floor_round(f);
	if (!err && got != WATCH_EVENTS)
		err = r < 0 ? r : -EIO;
	if (err)
		goto out;
	for (int i = 0; i < WATCH_EVENTS; i++) {
		put_lat[i] = seen[i] - times->put_start[i];
		commit_lat[i] = seen[i] - times->put_done[i];
	}
	/* Put-to-event includes the writer's fdatasync; commit-to-event is the watch path alone. */
	bench_row("datastore_put_to_watch_p50",
		  bench_percentile(put_lat, WATCH_EVENTS, 0.50) / 1e3, "us", "fdatasync p50",
		  bench_percentile(f->lat, f->n, 0.50) / 1e3, "<= 3.0");
	bench_row("datastore_put_to_watch_p99",
		  bench_percentile(put_lat, WATCH_EVENTS, 0.99) / 1e3, "us", "fdatasync p99",
		  bench_percentile(f->lat, f->n, 0.99) / 1e3, "<= 3.0");
	bench_row("datastore_commit_to_watch_p50",
		  bench_percentile(commit_lat, WATCH_EVENTS, 0.50) / 1e3, "us", NULL, 0, "<= 1000");
	bench_row("datastore_commit_to_watch_p99",
		  bench_percentile(commit_lat, WATCH_EVENTS, 0.99) / 1e3, "us", NULL, 0, "<= 2000");
out:
	tb_ds_watch_close(w);
	return err;
}

#define BULK_TXN 1000
#define BULK_KEYS 10000

/* A manifest applied as one transaction, then a full list such as an agent's (re)sync. */
static int bench_bulk(struct tb_ds *ds)
{
	static struct tb_txn_op ops[BULK_TXN];
	static char keys[BULK_TXN][64];
	struct tb_kv_list l = { 0 };
	int64_t txn_ns = 0, t0;
	int err = 0;

	for (int round = 0; !err && round < BULK_KEYS / BULK_TXN; round++) {
		for (int i = 0; i < BULK_TXN; i++) {
			snprintf(keys[i], sizeof(keys[i]), "/bench/bulk/ns%d/wep-%05d", round, i);
			ops[i] = (struct tb_txn_op){ TB_TXN_PUT, keys[i], bench_resource_json,
						    TB_REV_ANY };
		}
		t0 = bench_now_ns();
		err = tb_ds_txn(ds, ops, BULK_TXN, NULL);
		txn_ns += bench_now_ns() - t0;
	}
	if (err)
		return err;
	t0 = bench_now_ns();
	err = tb_ds_list(ds, "/bench/bulk/", &l);
	t0 = bench_now_ns() - t0;
	if (!err && l.n != BULK_KEYS)
		err = -EIO;
	tb_kv_list_free(&l);
	if (err)
		return err;
	bench_row("datastore_txn_1000_puts", txn_ns / 1e6 / (BULK_KEYS / BULK_TXN), "ms", NULL, 0,
		  "<= 50");
	bench_row("datastore_list_10000_keys", t0 / 1e6, "ms", NULL, 0, "<= 50");
	return 0;
}

int main(void)
{
	static struct floor f = { .fd = -1 };
	struct tb_ds *ds = NULL;
	char floor_path[160];
	int err;

	times = mmap(NULL, sizeof(*times), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (times == MAP_FAILED) {
		perror("bench_datastore: mmap");
		return 1;
	}
	err = ds_fx_init(&fx);
	if (!err)
		err = ds_fx_open(&fx, &ds);
	if (!err) {
		snprintf(floor_path, sizeof(floor_path), "%s/store/floor", fx.dir);
		f.fd = open(floor_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (f.fd < 0)
			err = -errno;
	}
	if (!err)
		err = bench_writes(ds, &f);
	if (!err)
		err = bench_watch(ds, &f);
	if (!err)
		err = bench_bulk(ds);
	if (f.fd >= 0)
		close(f.fd);
	tb_ds_close(ds);
	ds_fx_cleanup(&fx);
	munmap(times, sizeof(*times));
	if (err) {
		fprintf(stderr, "bench_datastore: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
