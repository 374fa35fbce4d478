// SPDX-License-Identifier: Apache-2.0
/*
 * Watching the local datastore: read the change log table from a position, in commit order,
 * and sleep until a writer in any process says it committed (datastore_sqlite_notify.c).
 * The waiter is drained before each read of the log, so every commit is either in what was
 * read or raises a wakeup after it.
 *
 * Each watch has its own SQLite connection, so it can live in another thread than its tb_ds.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore_sqlite.h"
#include "log.h"

#define WATCH_BATCH 256

enum watch_stmt {
	WS_BEGIN,
	WS_COMMIT,
	WS_ROLLBACK,
	WS_STATE,
	WS_FIRST_AFTER,
	WS_FETCH,
	WS__COUNT,
};

static const char *const watch_sql[WS__COUNT] = {
	[WS_BEGIN] = "BEGIN DEFERRED",
	[WS_COMMIT] = "COMMIT",
	[WS_ROLLBACK] = "ROLLBACK",
	[WS_STATE] = "SELECT revision, compact_rev, seq FROM state WHERE id = 1",
	/* rev grows with seq: the first row in seq order past after_rev ends the scan. */
	[WS_FIRST_AFTER] = "SELECT seq FROM log WHERE rev > ?1 ORDER BY seq LIMIT 1",
	[WS_FETCH] = "SELECT seq, rev, type, key, value, prev_value, create_rev FROM log "
		     "WHERE seq > ?1 AND +rev > ?2 AND key >= ?3 AND key < ?4 "
		     "ORDER BY seq LIMIT 256",
};

struct tb_sq_watch {
	struct tb_ds_watch base;
	sqlite3 *db;
	char *path;
	struct tb_sq_busy busy;
	sqlite3_stmt *st[WS__COUNT];
	char *prefix;
	char *prefix_end;
	int64_t after_rev;
	/* Every change with rev <= complete_rev under prefix has been read into buf. */
	int64_t complete_rev;
	int64_t last_seq;
	bool stale;
	struct tb_sq_waiter waiter;
	struct tb_ds_event buf[WATCH_BATCH];
	size_t buf_n, buf_pos;
};

_Static_assert(WATCH_BATCH == 256, "WS_FETCH LIMIT matches the buffer");

static struct tb_sq_watch *tb_sqw(struct tb_ds_watch *w)
{
	return (struct tb_sq_watch *)w;
}

static int ws_exec(struct tb_sq_watch *w, enum watch_stmt which)
{
	sqlite3_stmt *st = w->st[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return tb_sq_error(w->db, w->path, rc, "watch");
}

/* Runs a one-row, one-integer query; *out untouched when it returns no row. */
static int ws_int(struct tb_sq_watch *w, enum watch_stmt which, int64_t *out)
{
	sqlite3_stmt *st = w->st[which];
	int rc = sqlite3_step(st), err = 0;

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		err = tb_sq_error(w->db, w->path, rc, "watch");
	sqlite3_reset(st);
	return err;
}

static int ws_state(struct tb_sq_watch *w, struct tb_sq_state *out)
{
	sqlite3_stmt *st = w->st[WS_STATE];
	int rc = sqlite3_step(st), err = 0;

	if (rc == SQLITE_ROW) {
		out->rev = sqlite3_column_int64(st, 0);
		out->compact_rev = sqlite3_column_int64(st, 1);
		out->seq = sqlite3_column_int64(st, 2);
	} else {
		err = rc == SQLITE_DONE ? -EIO : tb_sq_error(w->db, w->path, rc, "watch");
	}
	sqlite3_reset(st);
	return err;
}

static int event_from_row(sqlite3_stmt *st, struct tb_ds_event *ev)
{
	int err;

	memset(ev, 0, sizeof(*ev));
	ev->type = sqlite3_column_int(st, 2) == TB_SQ_LOG_DELETE ? TB_DS_EV_DELETE : TB_DS_EV_PUT;
	ev->kv.mod_revision = sqlite3_column_int64(st, 1);
	ev->kv.create_revision = sqlite3_column_int64(st, 6);
	err = tb_sq_column_strdup(st, 3, &ev->kv.key);
	if (!err)
		err = tb_sq_column_strdup(st, 4, &ev->kv.value);
	if (!err)
		err = tb_sq_column_strdup(st, 5, &ev->prev_value);
	if (err)
		tb_ds_event_free(ev);
	return err;
}

/* A read position: the last log row consumed and the revision read completely. */
struct watch_pos {
	int64_t last_seq;
	int64_t complete_rev;
};

/* Reads the rows after the current position into buf and says where that leaves it. */
static int fetch_rows(struct tb_sq_watch *w, const struct tb_sq_state *state,
		      struct watch_pos *pos)
{
	sqlite3_stmt *st = w->st[WS_FETCH];
	int64_t seq = w->last_seq, rev = 0;
	int rc, err = 0;

	sqlite3_bind_int64(st, 1, w->last_seq);
	sqlite3_bind_int64(st, 2, w->after_rev);
	sqlite3_bind_text(st, 3, w->prefix, -1, SQLITE_STATIC);
	if (w->prefix_end)
		sqlite3_bind_text(st, 4, w->prefix_end, -1, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, 4, 0);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		rev = sqlite3_column_int64(st, 1);
		err = event_from_row(st, &w->buf[w->buf_n]);
		if (!err)
			w->buf_n++;
	}
	if (!err && rc != SQLITE_DONE)
		err = tb_sq_error(w->db, w->path, rc, "watch");
	sqlite3_reset(st);
	*pos = (struct watch_pos){ w->last_seq, w->complete_rev };
	if (err)
		return err;
	if (w->buf_n == WATCH_BATCH) {
		/* Cut inside revision `rev` maybe: only the ones before it are complete. */
		pos->last_seq = seq;
		if (rev - 1 > pos->complete_rev)
			pos->complete_rev = rev - 1;
		return 0;
	}
	/* Everything up to the snapshot's revision was read: skip what did not match too. */
	if (state->seq > pos->last_seq)
		pos->last_seq = state->seq;
	if (state->rev > pos->complete_rev)
		pos->complete_rev = state->rev;
	return 0;
}

static int fetch(struct tb_sq_watch *w)
{
	struct tb_sq_state state;
	struct watch_pos pos;
	int err;

	w->buf_n = 0;
	w->buf_pos = 0;
	err = ws_exec(w, WS_BEGIN);
	if (err)
		return err;
	err = ws_state(w, &state);
	if (!err && state.compact_rev > w->complete_rev) {
		w->stale = true;
		err = -ESTALE;
	}
	if (!err)
		err = fetch_rows(w, &state, &pos);
	if (!err)
		err = ws_exec(w, WS_COMMIT);
	if (!err) {
		w->last_seq = pos.last_seq;
		w->complete_rev = pos.complete_rev;
		return 0;
	}
	ws_exec(w, WS_ROLLBACK);
	/* The position did not move: what was read will be read again. */
	for (size_t i = 0; i < w->buf_n; i++)
		tb_ds_event_free(&w->buf[i]);
	w->buf_n = 0;
	return err;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tb_sq_watch_next(struct tb_ds_watch *base, struct tb_ds_event *ev, int timeout_ms)
{
	struct tb_sq_watch *w = tb_sqw(base);
	int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
	int64_t left = -1;
	int err;

	for (;;) {
		if (w->buf_pos < w->buf_n) {
			*ev = w->buf[w->buf_pos];
			memset(&w->buf[w->buf_pos++], 0, sizeof(*ev));
			return 1;
		}
		if (w->stale)
			return -ESTALE;
		/* Drain first: a commit after this point raises a fresh event. */
		tb_sq_waiter_drain(&w->waiter);
		err = fetch(w);
		if (err)
			return err;
		if (w->buf_n)
			continue;
		if (timeout_ms == 0)
			return 0;
		if (timeout_ms > 0) {
			left = deadline - mono_ms();
			if (left <= 0)
				return 0;
		}
		tb_sq_waiter_wait(&w->waiter, left);
	}
}

int tb_sq_watch_fd(struct tb_ds_watch *base)
{
	return tb_sqw(base)->waiter.ifd;
}

void tb_sq_watch_close(struct tb_ds_watch *base)
{
	struct tb_sq_watch *w = tb_sqw(base);

	for (size_t i = w->buf_pos; i < w->buf_n; i++)
		tb_ds_event_free(&w->buf[i]);
	for (int i = 0; i < WS__COUNT; i++)
		sqlite3_finalize(w->st[i]);
	sqlite3_close_v2(w->db);
	tb_sq_waiter_close(&w->waiter);
	free(w->prefix_end);
	free(w->prefix);
	free(w->path);
	free(w);
}

/* Finds the position just before the first change after after_rev, -ESTALE if compacted. */
static int position(struct tb_sq_watch *w)
{
	struct tb_sq_state state;
	int64_t first = 0;
	int err;

	err = ws_exec(w, WS_BEGIN);
	if (err)
		return err;
	err = ws_state(w, &state);
	if (!err && w->after_rev < state.compact_rev)
		err = -ESTALE;
	sqlite3_bind_int64(w->st[WS_FIRST_AFTER], 1, w->after_rev);
	if (!err)
		err = ws_int(w, WS_FIRST_AFTER, &first);
	if (!err && first)
		w->last_seq = first - 1;
	else if (!err)
		w->last_seq = state.seq;
	if (!err)
		err = ws_exec(w, WS_COMMIT);
	if (err)
		ws_exec(w, WS_ROLLBACK);
	return err;
}

static int watch_init(struct tb_sq_watch *w, struct tb_ds_sqlite *s, const char *prefix)
{
	int err;

	w->path = strdup(s->path);
	w->prefix = strdup(prefix);
	if (!w->path || !w->prefix)
		return -ENOMEM;
	w->prefix_end = tb_ds_prefix_end(prefix);
	if (!w->prefix_end && errno)
		return -errno;
	w->busy = s->busy;
	err = tb_sq_conn_open(w->path, &w->busy, &w->db);
	for (int i = 0; !err && i < WS__COUNT; i++)
		if (sqlite3_prepare_v3(w->db, watch_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &w->st[i], NULL) != SQLITE_OK)
			err = tb_sq_error(w->db, w->path, sqlite3_errcode(w->db), "watch prepare");
	if (!err)
		err = position(w);
	if (err)
		return err;
	return tb_sq_waiter_init(&w->waiter, w->path, s->notify_path);
}

int tb_sq_watch_open(struct tb_ds *ds, const char *prefix, int64_t after_rev,
		     struct tb_ds_watch **out)
{
	struct tb_sq_watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->base.ops = &tb_ds_sqlite_ops;
	w->waiter.ifd = -1;
	w->after_rev = after_rev;
	w->complete_rev = after_rev;
	err = watch_init(w, tb_sq(ds), prefix);
	if (err) {
		tb_sq_watch_close(&w->base);
		return err;
	}
	*out = &w->base;
	return 0;
}
