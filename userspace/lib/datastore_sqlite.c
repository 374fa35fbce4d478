// SPDX-License-Identifier: Apache-2.0
/*
 * The local datastore: SQLite in WAL mode, shared by every process on the host (tabbyd,
 * tabbyctl, CNI plugins running in parallel). This file opens the store, checks that it is a
 * tabby store of a schema it knows, and creates it when new.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datastore_sqlite.h"
#include "log.h"

static const char *const stmt_sql[SQ__COUNT] = {
	[SQ_BEGIN_READ] = "BEGIN DEFERRED",
	[SQ_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_STATE] = "SELECT revision, compact_rev, seq FROM state WHERE id = 1",
	[SQ_STATE_SET] = "UPDATE state SET revision = ?1, seq = ?2 WHERE id = 1",
	[SQ_STATE_SET_COMPACT] = "UPDATE state SET compact_rev = ?1 WHERE id = 1",
	[SQ_KV_GET] = "SELECT value, create_rev, mod_rev FROM kv WHERE key = ?1",
	[SQ_KV_META] = "SELECT create_rev, mod_rev FROM kv WHERE key = ?1",
	[SQ_KV_RANGE] = "SELECT key, value, create_rev, mod_rev FROM kv "
			"WHERE key >= ?1 AND key < ?2 ORDER BY key",
	[SQ_KV_UPSERT] = "INSERT OR REPLACE INTO kv(key, value, create_rev, mod_rev) "
			 "VALUES(?1, ?2, ?3, ?4)",
	[SQ_KV_DELETE] = "DELETE FROM kv WHERE key = ?1",
	/* prev_value is read from kv before the write changes it: no copy through C. */
	[SQ_LOG_ADD] = "INSERT INTO log(seq, rev, type, key, value, prev_value, create_rev) "
		       "VALUES(?6, ?1, ?2, ?3, ?4, (SELECT value FROM kv WHERE key = ?3), ?5)",
	/* Reads only the rows it deletes plus one: the first row after rev ends the scan. */
	[SQ_LOG_COMPACT] = "DELETE FROM log WHERE seq < coalesce((SELECT seq FROM log "
			   "WHERE rev > ?1 ORDER BY seq LIMIT 1), 9223372036854775807)",
};

static const char schema_sql[] =
	"CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1),"
	" revision INTEGER NOT NULL, compact_rev INTEGER NOT NULL, seq INTEGER NOT NULL);"
	"INSERT INTO state(id, revision, compact_rev, seq) VALUES(1, 0, 0, 0);"
	"CREATE TABLE kv(key TEXT PRIMARY KEY, value TEXT NOT NULL,"
	" create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID;"
	/* seq comes from state.seq: it never goes back, even when compaction empties the log. */
	"CREATE TABLE log(seq INTEGER PRIMARY KEY, rev INTEGER NOT NULL,"
	" type INTEGER NOT NULL, key TEXT NOT NULL, value TEXT, prev_value TEXT,"
	" create_rev INTEGER NOT NULL);";

/* Creates every missing directory above path (mkdir -p of its parent). */
static int make_parents(const char *path)
{
	char *dir = strdup(path);
	int err = 0;

	if (!dir)
		return -ENOMEM;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			err = -errno;
			tb_err("datastore %s: cannot create directory %s: %s", path, dir,
			       strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return err;
}

/* Refuses what root would be let through by SQLite but an ordinary user would not, early. */
static int check_access(const char *path)
{
	if (access(path, F_OK) == 0 && access(path, R_OK | W_OK)) {
		tb_err("datastore %s: %s", path, strerror(errno));
		return errno == ENOENT ? -EIO : -errno;
	}
	return 0;
}

/* Creates the schema in a new, empty store, or checks an existing one. */
static int schema_init(sqlite3 *db, const char *path)
{
	int64_t app = 0, version = 0, tables = 0;
	int err;

	err = tb_sq_exec_int(db, path, "BEGIN IMMEDIATE", NULL);
	if (err)
		return err;
	/* Read inside the write lock: another process may have created it meanwhile. */
	err = tb_sq_exec_int(db, path, "PRAGMA application_id", &app);
	if (!err)
		err = tb_sq_exec_int(db, path, "PRAGMA user_version", &version);
	if (!err)
		err = tb_sq_exec_int(db, path, "SELECT count(*) FROM sqlite_master", &tables);
	if (err)
		goto rollback;
	if (app == 0 && tables == 0) {
		err = tb_sq_error(db, path, sqlite3_exec(db, schema_sql, NULL, NULL, NULL),
				  "create schema");
		if (!err)
			err = tb_sq_exec_int(db, path, "PRAGMA application_id = 1413628505", NULL);
		if (!err)
			err = tb_sq_exec_int(db, path, "PRAGMA user_version = 1", NULL);
		if (err)
			goto rollback;
		tb_info("datastore %s: created (schema version %d)", path, TB_SQ_SCHEMA_VERSION);
	} else if (app != TB_SQ_APPLICATION_ID) {
		tb_err("datastore %s: an SQLite database, but not a tabby datastore", path);
		err = -EIO;
		goto rollback;
	} else if (version != TB_SQ_SCHEMA_VERSION) {
		tb_err("datastore %s: schema version %lld, this build knows %d", path,
		       (long long)version, TB_SQ_SCHEMA_VERSION);
		err = -EIO;
		goto rollback;
	}
	return tb_sq_exec_int(db, path, "COMMIT", NULL);
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

_Static_assert(TB_SQ_APPLICATION_ID == 1413628505, "application_id pragma literal");
_Static_assert(TB_SQ_SCHEMA_VERSION == 1, "user_version pragma literal");

static int64_t env_int(const char *name, int64_t def, int64_t min)
{
	const char *v = getenv(name);
	char *end;
	long long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < min) {
		tb_warn("%s=%s: not an integer >= %lld, using %lld", name, v, (long long)min,
			(long long)def);
		return def;
	}
	return n;
}

/* WAL with synchronous=FULL survives power loss; NORMAL only a crash of the process. */
static int apply_sync(struct tb_ds_sqlite *s)
{
	const char *v = getenv("TABBY_DATASTORE_SYNC");
	const char *sql = "PRAGMA synchronous = FULL";

	if (v && !strcmp(v, "normal"))
		sql = "PRAGMA synchronous = NORMAL";
	else if (v && *v && strcmp(v, "full"))
		tb_warn("TABBY_DATASTORE_SYNC=%s: expected full or normal, using full", v);
	return tb_sq_exec_int(s->db, s->path, sql, NULL);
}

static int prepare_all(struct tb_ds_sqlite *s)
{
	int rc;

	for (int i = 0; i < SQ__COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&s->st[i], NULL);
		if (rc != SQLITE_OK) {
			/* A missing table here means someone else's database under our id. */
			tb_err("datastore %s: schema does not match this build: %s", s->path,
			       sqlite3_errmsg(s->db));
			return -EIO;
		}
	}
	return 0;
}

static void sqlite_close(struct tb_ds *ds)
{
	struct tb_ds_sqlite *s = tb_sq(ds);

	for (int i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close_v2(s->db);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	free(s->notify_path);
	free(s->path);
	free(s);
}

static int sqlite_open(const struct tb_ds_config *cfg, struct tb_ds **out)
{
	struct tb_sq_state state;
	struct tb_ds_sqlite *s;
	int err;

	/* SQLite would take "" as a private temporary database: not a shared store. */
	if (!cfg->path || !*cfg->path) {
		tb_err("datastore: empty path");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &tb_ds_sqlite_ops;
	s->notify_fd = -1;
	s->path = strdup(cfg->path);
	if (!s->path || asprintf(&s->notify_path, "%s-notify", cfg->path) < 0) {
		s->notify_path = NULL;
		err = -ENOMEM;
		goto fail;
	}
	s->history = env_int("TABBY_DATASTORE_HISTORY", TB_SQ_DEFAULT_HISTORY, 1);
	s->busy_ms = env_int("TABBY_DATASTORE_BUSY_TIMEOUT_MS", TB_SQ_DEFAULT_BUSY_MS, 0);
	s->busy.timeout_ns = s->busy_ms * 1000000;
	s->busy.seed = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	err = make_parents(s->path);
	if (!err)
		err = check_access(s->path);
	if (!err)
		err = tb_sq_conn_open(s->path, &s->busy, &s->db);
	if (!err)
		err = apply_sync(s);
	if (!err)
		err = schema_init(s->db, s->path);
	if (!err)
		err = prepare_all(s);
	/* A store that passed the checks above but lost its state row is corrupt too. */
	if (!err)
		err = tb_sq_read_state(s, &state);
	if (err)
		goto fail;
	s->notify_fd = open(s->notify_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (s->notify_fd < 0)
		tb_warn("datastore %s: cannot open %s (%s): watchers in other processes will "
			"notice this process's writes only by polling",
			s->path, s->notify_path, strerror(errno));
	*out = &s->base;
	return 0;
fail:
	sqlite_close(&s->base);
	return err;
}

const struct tb_ds_ops tb_ds_sqlite_ops = {
	.name = "local",
	.open = sqlite_open,
	.close = sqlite_close,
	.revision = tb_sq_revision,
	.get = tb_sq_get,
	.list = tb_sq_list,
	.put = tb_sq_put,
	.del = tb_sq_del,
	.txn = tb_sq_txn,
	.compact = tb_sq_compact,
	.watch_open = tb_sq_watch_open,
	.watch_next = tb_sq_watch_next,
	.watch_fd = tb_sq_watch_fd,
	.watch_close = tb_sq_watch_close,
};
