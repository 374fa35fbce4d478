// SPDX-License-Identifier: Apache-2.0
/*
 * Watching the local datastore: every change under a prefix in revision order, from this
 * process and from others; replay from a past revision; -ESTALE after compaction and the
 * resync (list, then watch from the list's revision) that ends in the exact state.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "helpers/ds_fixture.h"
#include "helpers/kv_model.h"

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

TestSuite(datastore_watch, .init = setup, .fini = teardown);

/* What a step of a script writes, and the event a /w/ watcher must see for it (if any). */
struct step {
	enum tb_txn_op_type op;
	const char *key;
	const char *value;
	const char *want_prev; /* prev_value the event carries */
};

static const struct step script[] = {
	{ TB_TXN_PUT, "/w/a", "1", NULL },
	{ TB_TXN_PUT, "/x/outside", "0", NULL },
	{ TB_TXN_PUT, "/w/b", "2", NULL },
	{ TB_TXN_PUT, "/w/a", "3", "1" },
	{ TB_TXN_DELETE, "/w/b", NULL, "2" },
	{ TB_TXN_PUT, "/wx", "prefix is bytes", NULL },
	{ TB_TXN_DELETE, "/x/outside", NULL, "0" },
	{ TB_TXN_PUT, "/w/b", "4", NULL },
};

#define N_STEPS (sizeof(script) / sizeof(script[0]))

static bool step_matches(const struct step *s, const char *prefix)
{
	return !strncmp(s->key, prefix, strlen(prefix));
}

/* Checks one event against a step written at revision rev. NULL when it matches. */
static const char *check_event(const struct tb_ds_event *ev, const struct step *s, int64_t rev)
{
	if (ev->kv.mod_revision != rev)
		return "revision";
	if (strcmp(ev->kv.key, s->key))
		return "key";
	if (ev->type != (s->op == TB_TXN_PUT ? TB_DS_EV_PUT : TB_DS_EV_DELETE))
		return "type";
	if (s->value ? !ev->kv.value || strcmp(ev->kv.value, s->value) : ev->kv.value != NULL)
		return "value";
	if (s->want_prev ? !ev->prev_value || strcmp(ev->prev_value, s->want_prev) :
			   ev->prev_value != NULL)
		return "prev_value";
	return NULL;
}

static int write_script(struct tb_ds *d, int64_t *revs)
{
	int err = 0;

	for (size_t i = 0; !err && i < N_STEPS; i++) {
		const struct step *s = &script[i];

		if (s->op == TB_TXN_PUT)
			err = tb_ds_put(d, s->key, s->value, TB_REV_ANY, &revs[i]);
		else
			err = tb_ds_delete(d, s->key, TB_REV_ANY, &revs[i]);
	}
	return err;
}

/* Reads the events of the script (those under prefix) from w and checks them in order. */
static void expect_script(struct tb_ds_watch *w, const char *prefix, const int64_t *revs,
			  int timeout_ms)
{
	struct tb_ds_event ev = { 0 };
	const char *bad;
	int r;

	for (size_t i = 0; i < N_STEPS; i++) {
		if (!step_matches(&script[i], prefix))
			continue;
		r = tb_ds_watch_next(w, &ev, timeout_ms);
		if (r != 1) {
			cr_expect_fail("step %zu (%s): watch_next returned %d", i, script[i].key, r);
			return;
		}
		bad = check_event(&ev, &script[i], revs[i]);
		if (bad)
			cr_expect_fail("step %zu (%s): wrong %s (got %s rev %lld)", i, script[i].key,
				       bad, ev.kv.key, (long long)ev.kv.mod_revision);
		tb_ds_event_free(&ev);
	}
	r = tb_ds_watch_next(w, &ev, 0);
	if (r != 0)
		cr_expect_fail("an extra event (%d): %s", r, r == 1 ? ev.kv.key : "");
	if (r == 1)
		tb_ds_event_free(&ev);
}

Test(datastore_watch, sees_every_change_in_order)
{
	struct tb_ds_watch *w = NULL;
	int64_t revs[N_STEPS], start;

	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/w/", start, &w), 0);
	cr_assert_eq(write_script(ds, revs), 0);
	expect_script(w, "/w/", revs, 1000);
	tb_ds_watch_close(w);
}

Test(datastore_watch, replays_from_a_past_revision)
{
	struct tb_ds_watch *w = NULL;
	int64_t revs[N_STEPS];

	cr_assert_eq(write_script(ds, revs), 0);
	/* "/w" as a byte prefix also matches "/wx". */
	cr_assert_eq(tb_ds_watch_open(ds, "/w", 0, &w), 0);
	/* History arrives at once from SQLite, a moment later over etcd's stream. */
	expect_script(w, "/w", revs, 1000);
	tb_ds_watch_close(w);
}

Test(datastore_watch, txn_events_share_one_revision)
{
	struct tb_txn_op ops[] = {
		{ TB_TXN_PUT, "/w/t1", "a", TB_REV_ABSENT },
		{ TB_TXN_PUT, "/w/t2", "b", TB_REV_ABSENT },
		{ TB_TXN_PUT, "/w/t3", "c", TB_REV_ABSENT },
	};
	struct tb_ds_event ev = { 0 };
	struct tb_ds_watch *w = NULL;
	int64_t rev;

	cr_assert_eq(tb_ds_watch_open(ds, "/w/", 0, &w), 0);
	cr_assert_eq(tb_ds_txn(ds, ops, 3, &rev), 0);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(tb_ds_watch_next(w, &ev, 1000), 1, "event %zu", i);
		cr_expect_eq(ev.kv.mod_revision, rev);
		cr_expect_str_eq(ev.kv.key, ops[i].key, "events in the order of the txn");
		tb_ds_event_free(&ev);
	}
	tb_ds_watch_close(w);
}

static int child_write_script(int idx, void *arg)
{
	struct ds_fx *f = arg;
	int64_t *revs = calloc(N_STEPS, sizeof(*revs));
	struct tb_ds *d = NULL;
	int err;

	err = revs ? ds_fx_open(f, &d) : -ENOMEM;
	if (!err)
		err = write_script(d, revs);
	tb_ds_close(d);
	free(revs);
	return err;
}

Test(datastore_watch, sees_writes_of_another_process)
{
	struct tb_ds_watch *w = NULL;
	int64_t revs[N_STEPS], start;
	struct pollfd pfd;

	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/w/", start, &w), 0);
	cr_assert_geq(tb_ds_watch_fd(w), 0, "inotify available");
	cr_assert_eq(ds_fx_run_children(1, child_write_script, &fx), 0, "writer process");
	/* The fd is readable once another process has committed. */
	pfd = (struct pollfd){ .fd = tb_ds_watch_fd(w), .events = POLLIN };
	cr_expect_eq(poll(&pfd, 1, 1000), 1, "watch fd readable after a remote write");
	/* The writer's revisions: one per step, after start. */
	for (size_t i = 0; i < N_STEPS; i++)
		revs[i] = start + 1 + (int64_t)i;
	expect_script(w, "/w/", revs, 1000);
	tb_ds_watch_close(w);
}

#define BIG_N 1200

static int child_count_up(int idx, void *arg)
{
	struct ds_fx *f = arg;
	struct tb_ds *d = NULL;
	char val[32];
	int err = ds_fx_open(f, &d);

	for (int i = 0; !err && i < BIG_N; i++) {
		snprintf(val, sizeof(val), "%d", i);
		err = tb_ds_put(d, i % 2 ? "/n/odd" : "/n/even", val, TB_REV_ANY, NULL);
	}
	tb_ds_close(d);
	return err;
}

/* More events than one read batch, arriving while the watcher reads: none lost, none twice. */
Test(datastore_watch, long_stream_from_another_process)
{
	struct tb_ds_event ev = { 0 };
	struct tb_ds_watch *w = NULL;
	int64_t start, last;
	int got = 0, r = 1;
	pid_t pid;

	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/n/", start, &w), 0);
	cr_assert_eq(ds_fx_start_children(1, child_count_up, &fx, &pid), 0, "writer process");
	last = start;
	while (got < BIG_N && (r = tb_ds_watch_next(w, &ev, 2000)) == 1) {
		if (ev.kv.mod_revision != last + 1 || atoi(ev.kv.value) != got)
			break;
		last = ev.kv.mod_revision;
		got++;
		tb_ds_event_free(&ev);
	}
	tb_ds_event_free(&ev);
	tb_ds_watch_close(w);
	cr_expect_eq(ds_fx_wait_children(1, &pid), 0, "writer process");
	cr_expect_eq(got, BIG_N, "stopped at %d (r %d, rev %lld after %lld)", got, r,
		     (long long)ev.kv.mod_revision, (long long)last);
}

#define BIG_TXN 600

/* One revision bigger than a read batch: split across reads, never lost or repeated. */
Test(datastore_watch, big_txn_crosses_read_batches)
{
	static struct tb_txn_op ops[BIG_TXN];
	static char keys[BIG_TXN][32];
	struct tb_ds_event ev = { 0 };
	struct tb_ds_watch *w = NULL;
	int64_t start, rev, after;
	int got = 0, r;

	for (int i = 0; i < BIG_TXN; i++) {
		snprintf(keys[i], sizeof(keys[i]), "/w/big/%04d", i);
		ops[i] = (struct tb_txn_op){ TB_TXN_PUT, keys[i], "{}", TB_REV_ABSENT };
	}
	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/w/", start, &w), 0);
	cr_assert_eq(tb_ds_txn(ds, ops, BIG_TXN, &rev), 0);
	cr_assert_eq(tb_ds_put(ds, "/w/after", "{}", TB_REV_ANY, &after), 0);
	while ((r = tb_ds_watch_next(w, &ev, 1000)) == 1 && got < BIG_TXN) {
		if (ev.kv.mod_revision != rev || strcmp(ev.kv.key, keys[got]))
			break;
		got++;
		tb_ds_event_free(&ev);
	}
	cr_expect_eq(got, BIG_TXN, "%d of the txn's events in order", got);
	cr_expect_eq(r, 1);
	cr_expect_eq(ev.kv.mod_revision, after, "then the next revision");
	tb_ds_event_free(&ev);
	tb_ds_watch_close(w);
}

Test(datastore_watch, resync_after_compaction)
{
	struct tb_kv_list model = { 0 }, truth = { 0 };
	struct tb_ds_event ev = { 0 };
	struct tb_ds_watch *w = NULL;
	int64_t revs[N_STEPS], r;
	int err;

	cr_assert_eq(write_script(ds, revs), 0);
	cr_assert_eq(tb_ds_compact(ds, revs[3]), 0);
	err = tb_ds_watch_open(ds, "/w/", revs[2], &w);
	cr_assert_eq(err, -ESTALE, "watch from a compacted revision: %d", err);
	/* From exactly the compaction point the history is whole. */
	cr_assert_eq(tb_ds_watch_open(ds, "/w/", revs[3], &w), 0);
	tb_ds_watch_close(w);
	/* Resync: list, then watch from the list's revision; more writes come from elsewhere. */
	cr_assert_eq(tb_ds_list(ds, "/w/", &model), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/w/", model.revision, &w), 0);
	cr_assert_eq(ds_fx_run_children(1, child_write_script, &fx), 0, "writer process");
	cr_assert_eq(tb_ds_put(ds, "/w/last", "x", TB_REV_ANY, &r), 0);
	while ((err = tb_ds_watch_next(w, &ev, 1000)) == 1) {
		cr_assert_eq(kv_model_apply(&model, &ev), 0, "apply %s", ev.kv.key);
		if (ev.kv.mod_revision == r)
			break;
		tb_ds_event_free(&ev);
	}
	tb_ds_event_free(&ev);
	cr_assert_eq(err, 1, "watch ended early: %d", err);
	cr_assert_eq(tb_ds_list(ds, "/w/", &truth), 0);
	cr_expect(kv_model_equals(&model, &truth), "list + watch reproduces the store exactly");
	tb_kv_list_free(&model);
	tb_kv_list_free(&truth);
	tb_ds_watch_close(w);
}

Test(datastore_watch, watcher_overtaken_by_compaction)
{
	struct tb_ds_event ev = { 0 };
	struct tb_ds_watch *w = NULL;
	int64_t revs[N_STEPS], start;

	/* etcd streams each change as it commits: a watcher is behind only while its stream is
	 * down (test_datastore_etcd_cluster.c). */
	if (fx.type != TB_DS_LOCAL) {
		teardown(); /* a skipped test gets no .fini */
		cr_skip_test("SQLite-only: reading lazily from the log");
	}
	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/w/", start, &w), 0);
	cr_assert_eq(write_script(ds, revs), 0);
	cr_assert_eq(tb_ds_compact(ds, revs[N_STEPS - 1]), 0);
	cr_expect_eq(tb_ds_watch_next(w, &ev, 0), -ESTALE);
	cr_expect_eq(tb_ds_watch_next(w, &ev, 0), -ESTALE, "stale stays stale");
	tb_ds_watch_close(w);
}

Test(datastore_watch, automatic_compaction_keeps_recent_history)
{
	struct tb_ds_watch *w = NULL;
	struct tb_ds *d = NULL;
	int64_t rev = 0;
	int err = 0;

	/* etcd compacts by its own --auto-compaction-* settings, not per client. */
	if (fx.type != TB_DS_LOCAL) {
		teardown(); /* a skipped test gets no .fini */
		cr_skip_test("SQLite-only: TABBY_DATASTORE_HISTORY");
	}
	/* A store opened with a short history: the log is trimmed as writes go. */
	setenv("TABBY_DATASTORE_HISTORY", "50", 1);
	cr_assert_eq(ds_fx_open(&fx, &d), 0);
	for (int i = 0; !err && i < 300; i++)
		err = tb_ds_put(d, "/auto", "{}", TB_REV_ANY, &rev);
	cr_assert_eq(err, 0);
	cr_expect_eq(tb_ds_watch_open(d, "", 0, &w), -ESTALE, "old history is gone");
	cr_expect_eq(tb_ds_watch_open(d, "", rev - 50, &w), 0, "the last 50 are kept");
	tb_ds_watch_close(w);
	tb_ds_close(d);
}
