/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the SQLite backend (not a public contract): the handle, its prepared statements and
 * the helpers its files share: datastore_sqlite.c (open, schema), datastore_sqlite_conn.c
 * (connections, errors, statement helpers), datastore_sqlite_kv.c (reads, writes,
 * compaction) and datastore_sqlite_watch.c.
 *
 * Schema (version TB_SQ_SCHEMA_VERSION, marked by PRAGMA application_id/user_version):
 *   state(id=1, revision, compact_rev, seq)
 *                                        the global revision, the compaction point and the
 *                                        last change log sequence number
 *   kv(key, value, create_rev, mod_rev)  the live keys
 *   log(seq, rev, type, key, value, prev_value, create_rev)
 *                                        one row per change, seq in commit order; history
 *                                        with rev <= compact_rev is gone
 * seq is kept in the state row rather than by AUTOINCREMENT, and the log has no index on
 * rev (rev grows with seq, so seq order answers every rev question): a write then touches
 * three pages (kv, log, state) instead of five, and the WAL frames it syncs shrink alike.
 * Writers bump state.revision inside BEGIN IMMEDIATE, so writes from every process are
 * serialised and revisions never repeat. After each commit they write one byte to
 * "<path>-notify"; watchers wait on that file with inotify (see datastore_sqlite_watch.c).
 */
#ifndef TABBY_DATASTORE_SQLITE_H
#define TABBY_DATASTORE_SQLITE_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "datastore_backend.h"

#define TB_SQ_APPLICATION_ID 0x54424259 /* "TBBY" */
#define TB_SQ_SCHEMA_VERSION 1
#define TB_SQ_DEFAULT_HISTORY 10000
#define TB_SQ_DEFAULT_BUSY_MS 30000

enum tb_sq_log_type {
	TB_SQ_LOG_PUT = 0,
	TB_SQ_LOG_DELETE = 1,
};

struct tb_sq_state {
	int64_t rev;
	int64_t compact_rev;
	int64_t seq;
};

/* Statements prepared once per connection. */
enum tb_sq_stmt {
	SQ_BEGIN_READ,
	SQ_BEGIN_WRITE,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_STATE,
	SQ_STATE_SET,
	SQ_STATE_SET_COMPACT,
	SQ_KV_GET,
	SQ_KV_META,
	SQ_KV_RANGE,
	SQ_KV_UPSERT,
	SQ_KV_DELETE,
	SQ_LOG_ADD,
	SQ_LOG_COMPACT,
	SQ__COUNT,
};

/* The busy handler's state: how long one lock wait may last and when it began. */
struct tb_sq_busy {
	int64_t timeout_ns;
	struct timespec start;
	unsigned seed;
};

struct tb_ds_sqlite {
	struct tb_ds base;
	sqlite3 *db;
	char *path;
	char *notify_path;
	int notify_fd;		/* -1 when the notify file could not be opened for writing */
	int64_t history;	/* revisions of change log kept by automatic compaction */
	int64_t busy_ms;
	struct tb_sq_busy busy;
	sqlite3_stmt *st[SQ__COUNT];
};

static inline struct tb_ds_sqlite *tb_sq(struct tb_ds *ds)
{
	return (struct tb_ds_sqlite *)ds;
}

/* Opens a connection to an existing or new file with the busy handler and WAL pragmas. */
int tb_sq_conn_open(const char *path, struct tb_sq_busy *busy, sqlite3 **out);
/* Maps an SQLite result code to -errno, logging what failed for the codes that need a human. */
int tb_sq_error(sqlite3 *db, const char *path, int rc, const char *what);
/* Runs one SQL text that returns at most one integer (pragmas); out may be NULL. */
int tb_sq_exec_int(sqlite3 *db, const char *path, const char *sql, int64_t *out);
/* Runs a prepared statement that returns no rows (and resets it). */
int tb_sq_exec_stmt(struct tb_ds_sqlite *s, enum tb_sq_stmt which, const char *what);
/* Reads state in the current transaction. */
int tb_sq_read_state(struct tb_ds_sqlite *s, struct tb_sq_state *out);
/* Binds prefix as the key range [prefix, prefix_end) at parameters idx and idx + 1. */
int tb_sq_bind_prefix(sqlite3_stmt *st, int idx, const char *prefix, char **end_owned);
/* Copies a text column; NULL stays NULL. Returns -ENOMEM on failure. */
int tb_sq_column_strdup(sqlite3_stmt *st, int col, char **out);

/*
 * Wakeups between processes (datastore_sqlite_notify.c). A writer calls tb_sq_notify after
 * each commit; a watcher waits on a tb_sq_waiter.
 */
void tb_sq_notify(struct tb_ds_sqlite *s);

struct tb_sq_waiter {
	int ifd;		/* inotify descriptor, -1 when polling instead */
	const char *db_path;	/* for log lines; owned by the caller */
	char *notify_path;
};

/* Never fails for want of inotify (it falls back to polling); -ENOMEM only. */
int tb_sq_waiter_init(struct tb_sq_waiter *wt, const char *db_path, const char *notify_path);
/* Consumes pending wakeups; call before reading the log. */
void tb_sq_waiter_drain(struct tb_sq_waiter *wt);
/* Sleeps until a wakeup or at most ms (-1: the safety interval). */
void tb_sq_waiter_wait(struct tb_sq_waiter *wt, int64_t ms);
void tb_sq_waiter_close(struct tb_sq_waiter *wt);

/* Ops implemented in datastore_sqlite_kv.c and datastore_sqlite_watch.c. */
int tb_sq_revision(struct tb_ds *ds, int64_t *rev);
int tb_sq_get(struct tb_ds *ds, const char *key, struct tb_kv *out);
int tb_sq_list(struct tb_ds *ds, const char *prefix, struct tb_kv_list *out);
int tb_sq_put(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
	      int64_t *new_rev);
int tb_sq_del(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev);
int tb_sq_txn(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev);
int tb_sq_compact(struct tb_ds *ds, int64_t rev);
int tb_sq_watch_open(struct tb_ds *ds, const char *prefix, int64_t after_rev,
		     struct tb_ds_watch **out);
int tb_sq_watch_next(struct tb_ds_watch *w, struct tb_ds_event *ev, int timeout_ms);
int tb_sq_watch_fd(struct tb_ds_watch *w);
void tb_sq_watch_close(struct tb_ds_watch *w);

#endif
