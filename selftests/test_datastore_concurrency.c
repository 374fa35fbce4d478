// SPDX-License-Identifier: Apache-2.0
/*
 * Many processes on one local store at once, as CNI plugins, tabbyctl and tabbyd are: no lost
 * update under read-then-compare-and-swap, exactly one winner per create, transactions seen
 * whole by concurrent readers, and a brand-new store created by racing first opens.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/ds_fixture.h"

static struct ds_fx fx;
static struct tb_ds *ds;

static void setup(void)
{
	cr_assert_eq(ds_fx_init(&fx), 0, "temporary directory");
	cr_assert_eq(ds_fx_open(&fx, &ds), 0, "open %s", fx.path);
}

static void teardown(void)
{
	tb_ds_close(ds);
	ds = NULL;
	ds_fx_cleanup(&fx);
}

TestSuite(datastore_concurrency, .init = setup, .fini = teardown);

#define PROCS 8
#define INCREMENTS 200

/* One read-then-CAS increment, retried until it lands. */
static int cas_increment(struct tb_ds *d, const char *key)
{
	struct tb_kv kv;
	char val[32];
	int err;

	do {
		err = tb_ds_get(d, key, &kv);
		if (err)
			return err;
		snprintf(val, sizeof(val), "%lld", atoll(kv.value) + 1);
		err = tb_ds_put(d, key, val, kv.mod_revision, NULL);
		tb_kv_free(&kv);
	} while (err == -ECANCELED);
	return err;
}

static int child_increments(int idx, void *arg)
{
	struct tb_ds *d = NULL;
	int err = ds_fx_open(&fx, &d);

	for (int i = 0; !err && i < INCREMENTS; i++)
		err = cas_increment(d, "/counter");
	tb_ds_close(d);
	return err;
}

Test(datastore_concurrency, cas_increments_lose_nothing)
{
	struct tb_kv kv = { 0 };
	int64_t seed, now;

	cr_assert_eq(tb_ds_put(ds, "/counter", "0", TB_REV_ABSENT, &seed), 0);
	cr_assert_eq(ds_fx_run_children(PROCS, child_increments, NULL), 0, "every child finished");
	cr_assert_eq(tb_ds_get(ds, "/counter", &kv), 0);
	cr_expect_eq(atoi(kv.value), PROCS * INCREMENTS, "counter %s", kv.value);
	/* Only successful swaps write: one revision each, nothing else. */
	cr_assert_eq(tb_ds_revision(ds, &now), 0);
	cr_expect_eq(now, seed + PROCS * INCREMENTS);
	cr_expect_eq(kv.mod_revision, now);
	cr_expect_eq(kv.create_revision, seed);
	tb_kv_free(&kv);
}

#define CLAIMS 60

static int child_claims(int idx, void *arg)
{
	struct tb_ds *d = NULL;
	char key[32], me[16];
	int err = ds_fx_open(&fx, &d), wins = 0;

	snprintf(me, sizeof(me), "%d", idx);
	for (int i = 0; !err && i < CLAIMS; i++) {
		snprintf(key, sizeof(key), "/claim/%02d", i);
		err = tb_ds_put(d, key, me, TB_REV_ABSENT, NULL);
		if (!err)
			wins++;
		else if (err == -ECANCELED)
			err = 0;
	}
	/* Report through the store itself. */
	snprintf(key, sizeof(key), "/wins/%d", idx);
	snprintf(me, sizeof(me), "%d", wins);
	if (!err)
		err = tb_ds_put(d, key, me, TB_REV_ABSENT, NULL);
	tb_ds_close(d);
	return err;
}

Test(datastore_concurrency, one_winner_per_create)
{
	struct tb_kv_list claims = { 0 }, wins = { 0 };
	int total = 0;

	cr_assert_eq(ds_fx_run_children(PROCS, child_claims, NULL), 0, "every child finished");
	cr_assert_eq(tb_ds_list(ds, "/claim/", &claims), 0);
	cr_assert_eq(tb_ds_list(ds, "/wins/", &wins), 0);
	cr_expect_eq(claims.n, CLAIMS);
	cr_expect_eq(wins.n, PROCS);
	for (size_t i = 0; i < wins.n; i++)
		total += atoi(wins.items[i].value);
	cr_expect_eq(total, CLAIMS, "claims won in all: %d", total);
	for (size_t i = 0; i < claims.n; i++)
		cr_expect_eq(claims.items[i].create_revision, claims.items[i].mod_revision,
			     "a claim is never overwritten");
	tb_kv_list_free(&claims);
	tb_kv_list_free(&wins);
}

#define TRANSFERS 60
#define TOTAL 1000

/* Moves one unit from /bank/a to /bank/b, both swaps in one transaction. */
static int transfer(struct tb_ds *d)
{
	struct tb_kv_list l = { 0 };
	char va[32], vb[32];
	struct tb_txn_op ops[2];
	int err;

	do {
		err = tb_ds_list(d, "/bank/", &l);
		if (err)
			return err;
		if (l.n != 2) {
			tb_kv_list_free(&l);
			return -EIO;
		}
		snprintf(va, sizeof(va), "%d", atoi(l.items[0].value) - 1);
		snprintf(vb, sizeof(vb), "%d", atoi(l.items[1].value) + 1);
		ops[0] = (struct tb_txn_op){ TB_TXN_PUT, "/bank/a", va, l.items[0].mod_revision };
		ops[1] = (struct tb_txn_op){ TB_TXN_PUT, "/bank/b", vb, l.items[1].mod_revision };
		err = tb_ds_txn(d, ops, 2, NULL);
		tb_kv_list_free(&l);
	} while (err == -ECANCELED);
	return err;
}

static int child_transfers(int idx, void *arg)
{
	struct tb_ds *d = NULL;
	int err = ds_fx_open(&fx, &d);

	for (int i = 0; !err && i < TRANSFERS; i++)
		err = transfer(d);
	tb_ds_close(d);
	return err;
}

static int read_bank(struct tb_ds *d, int *a, int *b)
{
	struct tb_kv_list l = { 0 };
	int err = tb_ds_list(d, "/bank/", &l);

	if (!err && l.n != 2)
		err = -EIO;
	if (!err) {
		*a = atoi(l.items[0].value);
		*b = atoi(l.items[1].value);
	}
	tb_kv_list_free(&l);
	return err;
}

Test(datastore_concurrency, readers_never_see_half_a_txn)
{
	int reads = 0, broken = 0, a = TOTAL, b = 0, err = 0;
	time_t deadline = time(NULL) + 30;
	pid_t pids[4];
	char v[16];

	snprintf(v, sizeof(v), "%d", TOTAL);
	cr_assert_eq(tb_ds_put(ds, "/bank/a", v, TB_REV_ABSENT, NULL), 0);
	cr_assert_eq(tb_ds_put(ds, "/bank/b", "0", TB_REV_ABSENT, NULL), 0);
	cr_assert_eq(ds_fx_start_children(4, child_transfers, NULL, pids), 0);
	/* Read while the transfers run, until the last one lands (or far too long passed). */
	while (!err && a > TOTAL - 4 * TRANSFERS && time(NULL) < deadline) {
		err = read_bank(ds, &a, &b);
		if (!err && a + b != TOTAL)
			broken++;
		reads++;
	}
	cr_expect_eq(ds_fx_wait_children(4, pids), 0, "every child finished");
	cr_expect_eq(err, 0, "read: %d", err);
	cr_expect_eq(broken, 0, "%d of %d reads saw a partial transfer", broken, reads);
	cr_expect_eq(read_bank(ds, &a, &b), 0);
	cr_expect_eq(a, TOTAL - 4 * TRANSFERS, "all transfers done (a = %d)", a);
}

static int child_first_open(int idx, void *arg)
{
	struct ds_fx *f = arg;
	struct tb_ds *d = NULL;
	char key[32];
	int err = ds_fx_open(f, &d);

	snprintf(key, sizeof(key), "/hello/%d", idx);
	if (!err)
		err = tb_ds_put(d, key, "{}", TB_REV_ABSENT, NULL);
	tb_ds_close(d);
	return err;
}

Test(datastore_concurrency, racing_first_opens_create_one_store)
{
	struct tb_kv_list l = { 0 };
	struct tb_ds *d = NULL;
	struct ds_fx fresh;
	int failed, err;

	cr_assert_eq(ds_fx_init(&fresh), 0);
	failed = ds_fx_run_children(PROCS, child_first_open, &fresh);
	err = ds_fx_open(&fresh, &d);
	if (!err)
		err = tb_ds_list(d, "/hello/", &l);
	tb_ds_close(d);
	ds_fx_cleanup(&fresh);
	cr_expect_eq(failed, 0, "every racing open and write succeeded");
	cr_expect_eq(err, 0);
	cr_expect_eq(l.n, PROCS);
	cr_expect_eq(l.revision, fresh.empty_rev + PROCS, "one schema, one revision counter");
	tb_kv_list_free(&l);
}

/* Holds the store's write lock from outside for a while, as a long writer would. */
static int child_hold_lock(int idx, void *arg)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(fx.path, &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		usleep(400 * 1000);
		rc = sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -EIO;
}

Test(datastore_concurrency, lock_waits_then_ebusy)
{
	struct tb_ds *impatient = NULL;
	int err_short, err_long;
	pid_t pid;

	if (fx.type != TB_DS_LOCAL) {
		teardown(); /* a skipped test gets no .fini */
		cr_skip_test("SQLite-only: the write lock");
	}
	setenv("TABBY_DATASTORE_BUSY_TIMEOUT_MS", "50", 1);
	cr_assert_eq(ds_fx_open(&fx, &impatient), 0);
	cr_assert_eq(ds_fx_start_children(1, child_hold_lock, NULL, &pid), 0);
	usleep(100 * 1000);
	/* A writer gives up after its busy timeout; one with the default waits its turn. */
	err_short = tb_ds_put(impatient, "/busy", "1", TB_REV_ANY, NULL);
	err_long = tb_ds_put(ds, "/busy", "2", TB_REV_ANY, NULL);
	cr_expect_eq(ds_fx_wait_children(1, &pid), 0, "lock holder");
	cr_expect_eq(err_short, -EBUSY, "short timeout: %d", err_short);
	cr_expect_eq(err_long, 0, "default timeout: %d", err_long);
	tb_ds_close(impatient);
}

static int child_transfers_forever(int idx, void *arg)
{
	struct tb_ds *d = NULL;
	int err = ds_fx_open(&fx, &d);

	while (!err)
		err = transfer(d);
	tb_ds_close(d);
	return err;
}

/* A writer killed at any instant (mid-transaction included) leaves a whole, writable store. */
Test(datastore_concurrency, killed_writer_leaves_store_consistent)
{
	int a = 0, b = 0, status;
	char v[16];
	pid_t pid;

	snprintf(v, sizeof(v), "%d", TOTAL);
	cr_assert_eq(tb_ds_put(ds, "/bank/a", v, TB_REV_ABSENT, NULL), 0);
	cr_assert_eq(tb_ds_put(ds, "/bank/b", "0", TB_REV_ABSENT, NULL), 0);
	for (int round = 0; round < 5; round++) {
		cr_assert_eq(ds_fx_start_children(1, child_transfers_forever, NULL, &pid), 0);
		usleep(20000 + round * 7000);
		kill(pid, SIGKILL);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert_eq(read_bank(ds, &a, &b), 0, "round %d: store readable", round);
		cr_expect_eq(a + b, TOTAL, "round %d: a %d + b %d", round, a, b);
		/* The dead writer's lock is gone: this write does not wait for the busy timeout. */
		cr_assert_eq(transfer(ds), 0, "round %d: writable after the kill", round);
	}
	cr_expect_lt(a, TOTAL, "the killed writers did transfer something");
}
