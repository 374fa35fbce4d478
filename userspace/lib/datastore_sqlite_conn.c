// SPDX-License-Identifier: Apache-2.0
/*
 * The SQLite backend's connection-level helpers: opening a connection with its lock waiting,
 * mapping SQLite's result codes to -errno, and the small statement helpers the backend's
 * other files share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datastore_sqlite.h"
#include "log.h"

int tb_sq_error(sqlite3 *db, const char *path, int rc, const char *what)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int sys_errno;

	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		tb_warn("datastore %s: %s: still locked by another process after the busy timeout",
			path, what);
		return -EBUSY;
	case SQLITE_CONSTRAINT:
	case SQLITE_RANGE:
	case SQLITE_MISUSE:
		return -EINVAL;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_FULL:
		tb_err("datastore %s: %s: disk full", path, what);
		return -ENOSPC;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_READONLY:
		tb_err("datastore %s: %s: permission denied (%s)", path, what, msg);
		return -EACCES;
	case SQLITE_CANTOPEN:
		tb_err("datastore %s: %s: cannot open (%s)", path, what, msg);
		sys_errno = db ? sqlite3_system_errno(db) : 0;
		return sys_errno == EACCES || sys_errno == EPERM ? -EACCES : -EIO;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		tb_err("datastore %s: %s: corrupt or not a database (%s)", path, what, msg);
		return -EIO;
	default:
		tb_err("datastore %s: %s: %s", path, what, msg);
		return -EIO;
	}
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * SQLite's own busy handler sleeps 1, 2, 5, 10... ms between tries: under contention from a
 * few processes a waiter oversleeps every commit. Short randomised sleeps that grow to 1 ms
 * keep the lock busy instead of idle.
 */
static int busy_handler(void *arg, int count)
{
	struct tb_sq_busy *b = arg;
	int64_t now = mono_ns(), start;
	unsigned cap_us;

	if (count == 0)
		clock_gettime(CLOCK_MONOTONIC, &b->start);
	start = (int64_t)b->start.tv_sec * 1000000000 + b->start.tv_nsec;
	if (now - start >= b->timeout_ns)
		return 0;
	cap_us = count < 6 ? 20u << count : 1000u;
	if (cap_us > 1000)
		cap_us = 1000;
	usleep(cap_us / 2 + (unsigned)rand_r(&b->seed) % (cap_us / 2 + 1));
	return 1;
}

/* Runs one SQL text that returns at most one integer (pragmas). */
int tb_sq_exec_int(sqlite3 *db, const char *path, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			if (out)
				*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return tb_sq_error(db, path, rc, sql);
}

/* 1 when the pragma answered "wal", 0 when another mode, or an SQLite error code < 0. */
static int try_wal(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		mode = sqlite3_column_text(st, 0);
		rc = mode && !strcmp((const char *)mode, "wal") ? 1 : 0;
	} else {
		rc = -(rc ? rc : SQLITE_ERROR);
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Switching a new store to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY for it
 * at once, without the busy handler, when other processes are opening the same new file:
 * so retry here, within the busy timeout. Once a store is in WAL mode this is a no-op.
 */
static int set_wal(sqlite3 *db, const char *path, const struct tb_sq_busy *busy)
{
	int64_t deadline = mono_ns() + busy->timeout_ns;
	int r;

	for (;;) {
		r = try_wal(db);
		if (r == 1)
			return 0;
		if ((r == 0 || r == -SQLITE_BUSY || r == -SQLITE_LOCKED) && mono_ns() < deadline) {
			usleep(500);
			continue;
		}
		if (r == 0) {
			tb_err("datastore %s: cannot switch to WAL mode", path);
			return -EIO;
		}
		return tb_sq_error(db, path, -r, "PRAGMA journal_mode = WAL");
	}
}

int tb_sq_conn_open(const char *path, struct tb_sq_busy *busy, sqlite3 **out)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	sqlite3 *db = NULL;
	int rc, err;

	rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		err = tb_sq_error(db, path, rc, "open");
		goto fail;
	}
	sqlite3_busy_handler(db, busy_handler, busy);
	/* The first read of the header: a file that is not SQLite fails here. */
	err = tb_sq_exec_int(db, path, "PRAGMA application_id", NULL);
	if (err)
		goto fail;
	if (sqlite3_db_readonly(db, "main") == 1) {
		tb_err("datastore %s: not writable", path);
		err = -EACCES;
		goto fail;
	}
	err = set_wal(db, path, busy);
	/*
	 * The last connection to close would checkpoint the WAL and delete it: four syncs that a
	 * short-lived client (a CNI ADD) pays every time. Writers checkpoint as the WAL grows
	 * (wal_autocheckpoint), so nothing is lost by leaving it.
	 */
	if (!err && sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK)
		err = tb_sq_error(db, path, sqlite3_errcode(db), "no checkpoint on close");
	/* A large transaction grows the WAL; give the space back once it is checkpointed. */
	if (!err)
		err = tb_sq_exec_int(db, path, "PRAGMA journal_size_limit = 67108864", NULL);
	if (err)
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close_v2(db);
	return err;
}

int tb_sq_exec_stmt(struct tb_ds_sqlite *s, enum tb_sq_stmt which, const char *what)
{
	sqlite3_stmt *st = s->st[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return tb_sq_error(s->db, s->path, rc, what);
}

int tb_sq_read_state(struct tb_ds_sqlite *s, struct tb_sq_state *out)
{
	sqlite3_stmt *st = s->st[SQ_STATE];
	int rc = sqlite3_step(st), err = 0;

	if (rc == SQLITE_ROW) {
		out->rev = sqlite3_column_int64(st, 0);
		out->compact_rev = sqlite3_column_int64(st, 1);
		out->seq = sqlite3_column_int64(st, 2);
	} else if (rc == SQLITE_DONE) {
		tb_err("datastore %s: corrupt: the revision row is missing", s->path);
		err = -EIO;
	} else {
		err = tb_sq_error(s->db, s->path, rc, "read revision");
	}
	sqlite3_reset(st);
	return err;
}

int tb_sq_bind_prefix(sqlite3_stmt *st, int idx, const char *prefix, char **end_owned)
{
	char *end = tb_ds_prefix_end(prefix);

	if (!end && errno)
		return -errno;
	*end_owned = end;
	sqlite3_bind_text(st, idx, prefix, -1, SQLITE_STATIC);
	/* No upper bound: every TEXT value sorts below any BLOB, even an empty one. */
	if (end)
		sqlite3_bind_text(st, idx + 1, end, -1, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, idx + 1, 0);
	return 0;
}

int tb_sq_column_strdup(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	*out = NULL;
	if (!t)
		return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : -ENOMEM;
	*out = strdup((const char *)t);
	return *out ? 0 : -ENOMEM;
}
