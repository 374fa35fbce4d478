// SPDX-License-Identifier: Apache-2.0
/*
 * Reads, writes and compaction of the local datastore. Every write runs inside
 * BEGIN IMMEDIATE: SQLite's single writer lock serialises writers across processes, so the
 * read of a key's mod revision and the write that depends on it can never interleave with
 * another writer (no lost updates), and the global revision is bumped exactly once per commit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_sqlite.h"
#include "log.h"

int tb_sq_revision(struct tb_ds *ds, int64_t *rev)
{
	struct tb_sq_state state;
	int err = tb_sq_read_state(tb_sq(ds), &state);

	if (!err)
		*rev = state.rev;
	return err;
}

/* Fills out from a row of (key?, value, create_rev, mod_rev) starting at column col. */
static int kv_from_row(sqlite3_stmt *st, int col, struct tb_kv *out)
{
	int err = tb_sq_column_strdup(st, col, &out->value);

	out->create_revision = sqlite3_column_int64(st, col + 1);
	out->mod_revision = sqlite3_column_int64(st, col + 2);
	return err;
}

int tb_sq_get(struct tb_ds *ds, const char *key, struct tb_kv *out)
{
	struct tb_ds_sqlite *s = tb_sq(ds);
	sqlite3_stmt *st = s->st[SQ_KV_GET];
	int rc, err;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->key = strdup(key);
		err = kv_from_row(st, 0, out);
		if (!err && !out->key)
			err = -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		err = -ENOENT;
	} else {
		err = tb_sq_error(s->db, s->path, rc, "get");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err && err != -ENOENT)
		tb_kv_free(out);
	return err;
}

static int list_append(struct tb_kv_list *l, size_t *cap, sqlite3_stmt *st)
{
	struct tb_kv *kv;

	if (l->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct tb_kv *items = realloc(l->items, ncap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		l->items = items;
		*cap = ncap;
	}
	kv = &l->items[l->n];
	memset(kv, 0, sizeof(*kv));
	l->n++;
	if (tb_sq_column_strdup(st, 0, &kv->key))
		return -ENOMEM;
	return kv_from_row(st, 1, kv);
}

int tb_sq_list(struct tb_ds *ds, const char *prefix, struct tb_kv_list *out)
{
	struct tb_ds_sqlite *s = tb_sq(ds);
	sqlite3_stmt *st = s->st[SQ_KV_RANGE];
	struct tb_sq_state state;
	char *end = NULL;
	size_t cap = 0;
	int rc, err;

	memset(out, 0, sizeof(*out));
	/* One read transaction: the revision and the rows come from the same snapshot. */
	err = tb_sq_exec_stmt(s, SQ_BEGIN_READ, "list");
	if (err)
		return err;
	err = tb_sq_read_state(s, &state);
	out->revision = state.rev;
	if (!err)
		err = tb_sq_bind_prefix(st, 1, prefix, &end);
	while (!err) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW)
			err = tb_sq_error(s->db, s->path, rc, "list");
		else
			err = list_append(out, &cap, st);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(end);
	if (!err)
		err = tb_sq_exec_stmt(s, SQ_COMMIT, "list");
	if (err) {
		tb_sq_exec_stmt(s, SQ_ROLLBACK, "list");
		tb_kv_list_free(out);
	}
	return err;
}

/* 1 with the key's revisions when present, 0 when absent, or -errno. */
static int kv_meta(struct tb_ds_sqlite *s, const char *key, int64_t *create, int64_t *mod)
{
	sqlite3_stmt *st = s->st[SQ_KV_META];
	int rc, ret;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*create = sqlite3_column_int64(st, 0);
		*mod = sqlite3_column_int64(st, 1);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		ret = tb_sq_error(s->db, s->path, rc, "read key");
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

static int log_add(struct tb_ds_sqlite *s, struct tb_sq_state *next, enum tb_sq_log_type type,
		   const char *key, const char *value, int64_t create)
{
	sqlite3_stmt *st = s->st[SQ_LOG_ADD];
	int64_t rev = next->rev;

	sqlite3_bind_int64(st, 1, rev);
	sqlite3_bind_int(st, 2, type);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 4, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, create);
	sqlite3_bind_int64(st, 6, ++next->seq);
	return tb_sq_exec_stmt(s, SQ_LOG_ADD, "write change log");
}

/* Does a key at mod revision `mod` (0 = absent) satisfy the expected revision? */
static bool expect_holds(int64_t expect, int64_t mod)
{
	return expect == TB_REV_ANY || expect == mod;
}

/*
 * One operation at revision next->rev, its log row numbered after next->seq. strict_delete:
 * a delete of an absent key is -ENOENT (the single-key API) rather than a no-op (inside a
 * transaction). *changed is set when it wrote.
 */
static int apply_op(struct tb_ds_sqlite *s, const struct tb_txn_op *op, struct tb_sq_state *next,
		    bool strict_delete, bool *changed)
{
	int64_t rev = next->rev;
	int64_t create = 0, mod = 0;
	sqlite3_stmt *st;
	int found, err;

	found = kv_meta(s, op->key, &create, &mod);
	if (found < 0)
		return found;
	if (op->type == TB_TXN_DELETE && !found && strict_delete)
		return -ENOENT;
	if (!expect_holds(op->expect_rev, mod))
		return -ECANCELED;
	if (op->type == TB_TXN_DELETE) {
		if (!found)
			return 0;
		err = log_add(s, next, TB_SQ_LOG_DELETE, op->key, NULL, create);
		if (err)
			return err;
		sqlite3_bind_text(s->st[SQ_KV_DELETE], 1, op->key, -1, SQLITE_STATIC);
		err = tb_sq_exec_stmt(s, SQ_KV_DELETE, "delete");
	} else {
		if (!found)
			create = rev;
		err = log_add(s, next, TB_SQ_LOG_PUT, op->key, op->value, create);
		if (err)
			return err;
		st = s->st[SQ_KV_UPSERT];
		sqlite3_bind_text(st, 1, op->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, op->value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, create);
		sqlite3_bind_int64(st, 4, rev);
		err = tb_sq_exec_stmt(s, SQ_KV_UPSERT, "put");
	}
	if (!err)
		*changed = true;
	return err;
}

/* Drops history at and below rev, in the caller's write transaction. */
static int compact_locked(struct tb_ds_sqlite *s, int64_t rev)
{
	int err;

	sqlite3_bind_int64(s->st[SQ_LOG_COMPACT], 1, rev);
	err = tb_sq_exec_stmt(s, SQ_LOG_COMPACT, "compact");
	if (err)
		return err;
	sqlite3_bind_int64(s->st[SQ_STATE_SET_COMPACT], 1, rev);
	return tb_sq_exec_stmt(s, SQ_STATE_SET_COMPACT, "compact");
}

/*
 * Keeps the last `history` revisions. It runs once per tenth of that, so each write pays a
 * small constant share and the log stays between history and 1.1 x history revisions.
 */
static int auto_compact(struct tb_ds_sqlite *s, int64_t rev, int64_t compact)
{
	int64_t batch = s->history / 10 > 0 ? s->history / 10 : 1;

	if (rev - compact < s->history + batch)
		return 0;
	return compact_locked(s, rev - s->history);
}

static int write_ops(struct tb_ds_sqlite *s, const struct tb_txn_op *ops, size_t n,
		     bool strict_delete, int64_t *new_rev)
{
	struct tb_sq_state cur = { 0 }, next;
	bool changed = false;
	int err;

	err = tb_sq_exec_stmt(s, SQ_BEGIN_WRITE, "begin write");
	if (err)
		return err;
	err = tb_sq_read_state(s, &cur);
	next = cur;
	next.rev++;
	for (size_t i = 0; !err && i < n; i++)
		err = apply_op(s, &ops[i], &next, strict_delete, &changed);
	if (err || !changed)
		goto rollback;
	sqlite3_bind_int64(s->st[SQ_STATE_SET], 1, next.rev);
	sqlite3_bind_int64(s->st[SQ_STATE_SET], 2, next.seq);
	err = tb_sq_exec_stmt(s, SQ_STATE_SET, "bump revision");
	if (!err)
		err = auto_compact(s, next.rev, cur.compact_rev);
	if (!err)
		err = tb_sq_exec_stmt(s, SQ_COMMIT, "commit");
	if (err)
		goto rollback;
	tb_sq_notify(s);
	if (new_rev)
		*new_rev = next.rev;
	return 0;
rollback:
	/* Nothing to write (all deletes of absent keys) is success at the current revision. */
	tb_sq_exec_stmt(s, SQ_ROLLBACK, "rollback");
	if (!err && new_rev)
		*new_rev = cur.rev;
	return err;
}

int tb_sq_put(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
	      int64_t *new_rev)
{
	struct tb_txn_op op = {
		.type = TB_TXN_PUT, .key = key, .value = value, .expect_rev = expect_rev
	};

	return write_ops(tb_sq(ds), &op, 1, true, new_rev);
}

int tb_sq_del(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev)
{
	struct tb_txn_op op = { .type = TB_TXN_DELETE, .key = key, .expect_rev = expect_rev };

	return write_ops(tb_sq(ds), &op, 1, true, new_rev);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* As etcd does, a key may appear once per transaction: two writes to it have no order. */
static int check_unique_keys(const struct tb_txn_op *ops, size_t n)
{
	const char **keys;
	int err = 0;

	if (n < 2)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = ops[i].key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 1; i < n && !err; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			err = -EINVAL;
	free(keys);
	return err;
}

int tb_sq_txn(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev)
{
	int err = check_unique_keys(ops, n);

	if (err)
		return err;
	if (!n)
		return new_rev ? tb_sq_revision(ds, new_rev) : 0;
	return write_ops(tb_sq(ds), ops, n, false, new_rev);
}

int tb_sq_compact(struct tb_ds *ds, int64_t rev)
{
	struct tb_ds_sqlite *s = tb_sq(ds);
	struct tb_sq_state cur;
	int err;

	err = tb_sq_exec_stmt(s, SQ_BEGIN_WRITE, "begin compact");
	if (err)
		return err;
	err = tb_sq_read_state(s, &cur);
	if (!err && rev > cur.rev)
		err = -EINVAL; /* etcd: "required revision is a future revision" */
	if (!err && rev > cur.compact_rev)
		err = compact_locked(s, rev);
	if (!err)
		err = tb_sq_exec_stmt(s, SQ_COMMIT, "commit compact");
	if (err) {
		tb_sq_exec_stmt(s, SQ_ROLLBACK, "rollback");
		return err;
	}
	/* Wake watchers so one that fell behind learns it at once. */
	tb_sq_notify(s);
	return 0;
}
