// SPDX-License-Identifier: Apache-2.0
/*
 * Writes to etcd: conditional writes are etcd transactions with one compare per conditional
 * operation (TB_REV_ABSENT is create_revision == 0, a revision is mod_revision == rev).
 *
 * A write whose answer was lost (the member died after it was sent, or the cluster lost its
 * leader mid-proposal) is sent again to the next member. If the condition then fails, the
 * first copy may have been applied, and other writers may have moved the keys on since (a
 * counter incremented on top of it): the keys are read back as they were at the one revision
 * the first copy can have committed at, and when every PUT held exactly its value, written
 * there, and every DELETE's key was gone, the write is reported done. Values that carry who
 * wrote them (IPAM handles, resource versions) make this exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_etcd.h"
#include "log.h"

static struct tb_etcd_conn *conn_of(struct tb_ds *ds)
{
	return &((struct tb_etcd *)ds)->conn;
}

static json_t *key_obj(const char *key)
{
	json_t *o = json_object();

	if (o && tb_etcd_set_b64(o, "key", key)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *compare_for(const struct tb_txn_op *op)
{
	json_t *c = key_obj(op->key);
	bool absent = op->expect_rev == TB_REV_ABSENT;
	int err;

	if (!c)
		return NULL;
	err = json_object_set_new(c, "target", json_string(absent ? "CREATE" : "MOD")) ||
	      json_object_set_new(c, "result", json_string("EQUAL"));
	err = err
		  ?: tb_etcd_set_int(c, absent ? "create_revision" : "mod_revision",
				     absent ? 0 : op->expect_rev);
	if (err) {
		json_decref(c);
		return NULL;
	}
	return c;
}

static json_t *request_for(const struct tb_txn_op *op)
{
	json_t *r = key_obj(op->key);

	if (r && op->type == TB_TXN_PUT && tb_etcd_set_b64(r, "value", op->value)) {
		json_decref(r);
		return NULL;
	}
	return r ? json_pack("{s:o}",
			     op->type == TB_TXN_PUT ? "request_put" : "request_delete_range", r)
		 : NULL;
}

/* {"compare": [...], "success": [...], "failure": [range of fail_key]} */
static json_t *build_txn(const struct tb_txn_op *ops, size_t n, const char *fail_key)
{
	json_t *t = json_pack("{s:[], s:[], s:[]}", "compare", "success", "failure");
	json_t *cmp = json_object_get(t, "compare"), *succ = json_object_get(t, "success");
	json_t *fail = json_object_get(t, "failure"), *k;

	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].expect_rev != TB_REV_ANY &&
		    json_array_append_new(cmp, compare_for(&ops[i])))
			goto nomem;
		if (json_array_append_new(succ, request_for(&ops[i])))
			goto nomem;
	}
	if (fail_key) {
		k = key_obj(fail_key);
		if (!k || json_array_append_new(fail, json_pack("{s:o}", "request_range", k)))
			goto nomem;
	}
	return t;
nomem:
	json_decref(t);
	return NULL;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* etcd refuses a key twice in one txn; so does the interface (-EINVAL). */
static int check_dups(const struct tb_txn_op *ops, size_t n)
{
	const char **keys = malloc(n * sizeof(*keys));
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = ops[i].key;
	qsort(keys, n, sizeof(*keys), cmp_str_ptr);
	for (size_t i = 1; i < n && !err; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			err = -EINVAL;
	free(keys);
	return err;
}

/* A range of key as it was at revision rev. */
static json_t *range_at(const char *key, int64_t rev)
{
	json_t *r = key_obj(key);

	if (r && tb_etcd_set_int(r, "revision", rev)) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* key as it was at revision rev: 1 with *out, 0 when it did not exist then, or -errno. */
static int kv_at(struct tb_etcd_conn *c, const char *key, int64_t rev, struct tb_kv *out)
{
	json_t *req = range_at(key, rev), *resp = NULL, *kvs;
	int err = req ? tb_etcd_call(c, "/v3/kv/range", req, &resp) : -ENOMEM;

	json_decref(req);
	if (err)
		return err;
	kvs = json_object_get(resp, "kvs");
	err = json_array_size(kvs) ? tb_etcd_kv_parse(json_array_get(kvs, 0), out) : 0;
	if (!err && json_array_size(kvs))
		err = 1;
	json_decref(resp);
	return err;
}

/* key's mod revision at rev, 0 when it did not exist then. */
static int mod_rev_at(struct tb_etcd_conn *c, const char *key, int64_t rev, int64_t *out)
{
	struct tb_kv kv;
	int err = kv_at(c, key, rev, &kv);

	if (err < 0)
		return err;
	*out = err ? kv.mod_revision : 0;
	if (err)
		tb_kv_free(&kv);
	return 0;
}

/*
 * The revision in (from, hi] where key's mod revision first stopped being from, given it had
 * by hi: a mod revision is never given twice, so the key holds from on a prefix of the range
 * and one bisection finds its end.
 */
static int first_change(struct tb_etcd_conn *c, const char *key, int64_t from, int64_t hi,
			int64_t *out)
{
	int64_t lo = from, mid, m;
	int err;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		err = mod_rev_at(c, key, mid, &m);
		if (err)
			return err;
		if (m == from)
			lo = mid;
		else
			hi = mid;
	}
	*out = hi;
	return 0;
}

/*
 * The one revision a txn whose answer was lost can have committed at, seen from hi (a
 * revision its condition failed at); 0 when it cannot have. Every condition is on a key the
 * txn writes, so:
 * - a key expected at mod revision E moved from E first at that revision: exact, however
 *   often it was written since;
 * - else a key it created began its current life there (unless deleted and created again
 *   since, which this cannot see);
 * - else the keys still hold what it wrote, or it is not known to have committed.
 */
static int commit_rev(struct tb_etcd_conn *c, const struct tb_txn_op *ops, size_t n, int64_t hi,
		      int64_t *at)
{
	const struct tb_txn_op *op = NULL;
	struct tb_kv kv;
	int err;

	for (size_t i = 0; i < n && !op; i++)
		if (ops[i].expect_rev > 0)
			op = &ops[i];
	if (op) {
		err = mod_rev_at(c, op->key, hi, at);
		if (err || *at == op->expect_rev) {
			/* Still as expected: this condition held, another one failed. */
			*at = 0;
			return err;
		}
		return first_change(c, op->key, op->expect_rev, hi, at);
	}
	for (size_t i = 0; i < n; i++) {
		if (ops[i].type != TB_TXN_PUT)
			continue;
		op = &ops[i];
		if (op->expect_rev == TB_REV_ABSENT)
			break;
	}
	/* Deletes only: gone now is gone. */
	*at = hi;
	if (!op)
		return 0;
	*at = 0;
	err = kv_at(c, op->key, hi, &kv);
	if (err <= 0)
		return err;
	*at = op->expect_rev == TB_REV_ABSENT ? kv.create_revision : kv.mod_revision;
	tb_kv_free(&kv);
	return 0;
}

/* Whether the store held ops at revision rev: PUT keys their values, written at rev (every
 * key of one txn carries its revision), DELETE keys nothing. 1, 0 or -errno. */
static int txn_held_at(struct tb_etcd_conn *c, const struct tb_txn_op *ops, size_t n, int64_t rev)
{
	json_t *t = json_pack("{s:[]}", "success"), *resp = NULL, *rs;
	int err = t ? 0 : -ENOMEM, done = 1;

	for (size_t i = 0; !err && i < n; i++)
		if (json_array_append_new(
			json_object_get(t, "success"),
			json_pack("{s:o*}", "request_range", range_at(ops[i].key, rev))))
			err = -ENOMEM;
	err = err ?: tb_etcd_call(c, "/v3/kv/txn", t, &resp);
	json_decref(t);
	if (err)
		return err;
	rs = json_object_get(resp, "responses");
	for (size_t i = 0; i < n && done; i++) {
		json_t *kvs = json_object_get(
		    json_object_get(json_array_get(rs, i), "response_range"), "kvs");
		struct tb_kv kv;

		if (ops[i].type == TB_TXN_DELETE) {
			done = json_array_size(kvs) == 0;
			continue;
		}
		if (!json_array_size(kvs) || tb_etcd_kv_parse(json_array_get(kvs, 0), &kv)) {
			done = 0;
			continue;
		}
		done = kv.mod_revision == rev && !strcmp(kv.value, ops[i].value);
		tb_kv_free(&kv);
	}
	json_decref(resp);
	return done;
}

/*
 * A txn whose answer was lost, and whose copy sent again failed its condition at revision hi:
 * 1 with *rev when the first copy committed, 0 when it did not.
 */
static int txn_committed(struct tb_etcd_conn *c, const struct tb_txn_op *ops, size_t n, int64_t hi,
			 int64_t *rev)
{
	int err = commit_rev(c, ops, n, hi, rev);

	if (!err && *rev > 0)
		err = txn_held_at(c, ops, n, *rev);
	if (err == -ESTALE) {
		/* The history it would be in is compacted: neither answer would be true. */
		tb_err("etcd: cannot tell whether a write whose answer was lost was applied: "
		       "its history is compacted");
		err = -EIO;
	}
	return err;
}

/* Sends a txn; *ok is etcd's "succeeded". */
static int send_txn(struct tb_etcd_conn *c, json_t *t, size_t n, json_t **resp, bool *ok)
{
	int err = tb_etcd_call(c, "/v3/kv/txn", t, resp);

	if (err == -EINVAL)
		tb_err("etcd: a transaction of %zu operations was refused: %s", n, c->err_msg);
	*ok = !err && json_is_true(json_object_get(*resp, "succeeded"));
	return err;
}

int tb_etcd_txn(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev)
{
	struct tb_etcd_conn *c = conn_of(ds);
	json_t *t, *resp = NULL;
	int64_t rev = 0;
	bool ok;
	int err = n ? check_dups(ops, n) : 0;

	if (err)
		return err;
	t = build_txn(ops, n, NULL);
	if (!t)
		return -ENOMEM;
	err = send_txn(c, t, n, &resp, &ok);
	json_decref(t);
	if (err)
		return err;
	rev = tb_etcd_header_rev(resp);
	json_decref(resp);
	if (!ok && c->ambiguous) {
		err = txn_committed(c, ops, n, rev, &rev);
		if (err < 0)
			return err;
		ok = err == 1;
	}
	if (!ok)
		return -ECANCELED;
	if (new_rev)
		*new_rev = rev;
	return 0;
}

static int put_plain(struct tb_etcd_conn *c, const char *key, const char *value, int64_t *new_rev)
{
	json_t *req = key_obj(key), *resp = NULL;
	int err = req ? tb_etcd_set_b64(req, "value", value) : -ENOMEM;

	err = err ?: tb_etcd_call(c, "/v3/kv/put", req, &resp);
	json_decref(req);
	if (!err && new_rev)
		*new_rev = tb_etcd_header_rev(resp);
	json_decref(resp);
	return err;
}

int tb_etcd_put(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
		int64_t *new_rev)
{
	struct tb_txn_op op = {TB_TXN_PUT, key, value, expect_rev};

	if (expect_rev == TB_REV_ANY)
		return put_plain(conn_of(ds), key, value, new_rev);
	return tb_etcd_txn(ds, &op, 1, new_rev);
}

/*
 * A delete reports -ENOENT for an absent key whatever the condition, so a refused compare
 * reads the key back in the same txn (the failure branch) to tell absent from changed.
 */
int tb_etcd_delete(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev)
{
	struct tb_txn_op op = {TB_TXN_DELETE, key, NULL, expect_rev};
	struct tb_etcd_conn *c = conn_of(ds);
	json_t *t = build_txn(&op, 1, key), *resp = NULL, *r0;
	int64_t rev;
	bool ok;
	int err;

	if (!t)
		return -ENOMEM;
	err = send_txn(c, t, 1, &resp, &ok);
	json_decref(t);
	if (err)
		return err;
	r0 = json_array_get(json_object_get(resp, "responses"), 0);
	if (ok)
		err = tb_etcd_int(json_object_get(r0, "response_delete_range"), "deleted")
			  ? 0
			  : -ENOENT;
	else
		err = json_array_size(json_object_get(json_object_get(r0, "response_range"), "kvs"))
			  ? -ECANCELED
			  : -ENOENT;
	rev = tb_etcd_header_rev(resp);
	json_decref(resp);
	/* Gone after a lost answer: the first copy deleted it. */
	if (err == -ENOENT && c->ambiguous)
		err = 0;
	/* There after a lost answer: the first copy may have deleted it before it came back. */
	if (err == -ECANCELED && c->ambiguous) {
		err = txn_committed(c, &op, 1, rev, &rev);
		if (err >= 0)
			err = err ? 0 : -ECANCELED;
	}
	if (!err && new_rev)
		*new_rev = rev;
	return err;
}
