// SPDX-License-Identifier: Apache-2.0
/*
 * Writes to etcd: conditional writes are etcd transactions with one compare per conditional
 * operation (TB_REV_ABSENT is create_revision == 0, a revision is mod_revision == rev).
 *
 * A write whose answer was lost (the member died after it was sent, or the cluster lost its
 * leader mid-proposal) is sent again to the next member. If the condition then fails, the
 * first copy may have been applied: the keys are read back, and when every PUT holds exactly
 * its value and every DELETE's key is gone, the write is reported done. Values that carry
 * who wrote them (IPAM handles, resource versions) make this exact.
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

/* Whether ops are all in place: PUT keys hold their values, DELETE keys are absent. 1, 0 or
 * -errno; *rev gets a PUT key's mod revision (the txn's), else the store revision. */
static int txn_in_place(struct tb_etcd_conn *c, const struct tb_txn_op *ops, size_t n, int64_t *rev)
{
	json_t *t = json_pack("{s:[]}", "success"), *resp = NULL, *rs;
	int err = t ? 0 : -ENOMEM, done = 1;

	for (size_t i = 0; !err && i < n; i++)
		if (json_array_append_new(
			json_object_get(t, "success"),
			json_pack("{s:o*}", "request_range", key_obj(ops[i].key))))
			err = -ENOMEM;
	err = err ?: tb_etcd_call(c, "/v3/kv/txn", t, &resp);
	json_decref(t);
	if (err)
		return err;
	*rev = tb_etcd_header_rev(resp);
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
		done = !strcmp(kv.value, ops[i].value);
		/* Every key of one txn carries the txn's revision. */
		if (done)
			*rev = kv.mod_revision;
		tb_kv_free(&kv);
	}
	json_decref(resp);
	return done;
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
		err = txn_in_place(c, ops, n, &rev);
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
	/* Gone after a lost answer: the first copy deleted it. */
	if (err == -ENOENT && c->ambiguous)
		err = 0;
	if (!err && new_rev)
		*new_rev = tb_etcd_header_rev(resp);
	json_decref(resp);
	return err;
}
