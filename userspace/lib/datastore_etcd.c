// SPDX-License-Identifier: Apache-2.0
/*
 * The etcd v3 backend's ops table: open (members, TLS, auth, and one read so an unreachable
 * or refusing cluster fails here rather than at first use), reads, paged prefix lists and
 * compaction. Writes are in datastore_etcd_txn.c, the watch in datastore_etcd_watch.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_etcd.h"
#include "log.h"

static struct tb_etcd *etcd_of(struct tb_ds *ds)
{
	return (struct tb_etcd *)ds;
}

static int etcd_revision(struct tb_ds *ds, int64_t *rev)
{
	json_t *req = json_pack("{s:b}", "count_only", 1), *resp = NULL;
	int err = req ? tb_etcd_set_b64(req, "key", TB_ETCD_PROBE_KEY) : -ENOMEM;

	err = err ?: tb_etcd_call(&etcd_of(ds)->conn, "/v3/kv/range", req, &resp);
	json_decref(req);
	if (!err)
		*rev = tb_etcd_header_rev(resp);
	json_decref(resp);
	return err;
}

static void etcd_close(struct tb_ds *ds)
{
	struct tb_etcd *e = etcd_of(ds);

	tb_etcd_conn_free(&e->conn);
	free(e);
}

static int etcd_open(const struct tb_ds_config *cfg, struct tb_ds **out)
{
	struct tb_etcd *e = calloc(1, sizeof(*e));
	int64_t rev;
	int err;

	if (!e)
		return -ENOMEM;
	e->base.ops = &tb_ds_etcd_ops;
	err = tb_etcd_conn_init(&e->conn, cfg);
	if (err) {
		free(e);
		return err;
	}
	err = tb_etcd_authenticate(&e->conn);
	if (!err)
		err = etcd_revision(&e->base, &rev);
	if (err) {
		tb_err("etcd: cannot use the cluster at %s: %s", cfg->etcd_endpoints,
		       strerror(-err));
		etcd_close(&e->base);
		return err;
	}
	*out = &e->base;
	return 0;
}

static int etcd_get(struct tb_ds *ds, const char *key, struct tb_kv *out)
{
	json_t *req = json_object(), *resp = NULL, *kvs;
	int err;

	if (!req)
		return -ENOMEM;
	err = tb_etcd_set_b64(req, "key", key);
	if (!err)
		err = tb_etcd_call(&etcd_of(ds)->conn, "/v3/kv/range", req, &resp);
	json_decref(req);
	if (err)
		return err;
	kvs = json_object_get(resp, "kvs");
	err = json_array_size(kvs) ? tb_etcd_kv_parse(json_array_get(kvs, 0), out) : -ENOENT;
	json_decref(resp);
	return err;
}

/* Appends a page of kvs to out. */
static int list_append(struct tb_kv_list *out, const json_t *kvs)
{
	size_t n = json_array_size(kvs);
	struct tb_kv *items;
	int err;

	if (!n)
		return 0;
	items = realloc(out->items, (out->n + n) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	out->items = items;
	for (size_t i = 0; i < n; i++) {
		err = tb_etcd_kv_parse(json_array_get(kvs, i), &out->items[out->n]);
		if (err)
			return err;
		out->n++;
	}
	return 0;
}

/* The key right after the last one listed: the last key with a NUL byte appended. */
static int set_next_key(json_t *req, const struct tb_kv_list *out)
{
	const char *last = out->items[out->n - 1].key;
	char *b = tb_etcd_b64n(last, strlen(last) + 1);
	int err;

	if (!b)
		return -ENOMEM;
	err = json_object_set_new(req, "key", json_string(b)) ? -ENOMEM : 0;
	free(b);
	return err;
}

/* Pages of TB_ETCD_PAGE keys, every page read at the first page's revision. */
static int list_pages(struct tb_etcd *e, const char *prefix, struct tb_kv_list *out)
{
	json_t *req = json_object(), *resp = NULL;
	bool more = true;
	int err;

	if (!req)
		return -ENOMEM;
	err = tb_etcd_set_prefix(req, prefix);
	err = err ?: tb_etcd_set_int(req, "limit", TB_ETCD_PAGE);
	while (!err && more) {
		err = tb_etcd_call(&e->conn, "/v3/kv/range", req, &resp);
		if (err)
			break;
		if (!out->revision) {
			out->revision = tb_etcd_header_rev(resp);
			err = tb_etcd_set_int(req, "revision", out->revision);
		}
		err = err ?: list_append(out, json_object_get(resp, "kvs"));
		more = json_is_true(json_object_get(resp, "more")) && out->n;
		if (!err && more)
			err = set_next_key(req, out);
		json_decref(resp);
		resp = NULL;
	}
	json_decref(req);
	return err;
}

static int etcd_list(struct tb_ds *ds, const char *prefix, struct tb_kv_list *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	/* A compaction between two pages makes the first page's revision unreadable: start over
	 * at the new revision. */
	for (int tries = 0; tries < 5; tries++) {
		err = list_pages(etcd_of(ds), prefix, out);
		if (err != -ESTALE)
			break;
		tb_kv_list_free(out);
		out->revision = 0;
	}
	if (err) {
		tb_kv_list_free(out);
		out->revision = 0;
	}
	return err;
}

static int etcd_compact(struct tb_ds *ds, int64_t rev)
{
	json_t *req, *resp = NULL;
	int err;

	if (rev <= 1)
		return 0;
	req = json_object();
	if (!req)
		return -ENOMEM;
	err = tb_etcd_set_int(req, "revision", rev);
	err = err ?: tb_etcd_call(&etcd_of(ds)->conn, "/v3/kv/compaction", req, &resp);
	json_decref(req);
	json_decref(resp);
	/* Already compacted at or past rev: the history is gone either way. */
	return err == -ESTALE ? 0 : err;
}

const struct tb_ds_ops tb_ds_etcd_ops = {
    .name = "etcdv3",
    .open = etcd_open,
    .close = etcd_close,
    .revision = etcd_revision,
    .get = etcd_get,
    .list = etcd_list,
    .put = tb_etcd_put,
    .del = tb_etcd_delete,
    .txn = tb_etcd_txn,
    .compact = etcd_compact,
    .watch_open = tb_etcd_watch_open,
    .watch_next = tb_etcd_watch_next,
    .watch_fd = tb_etcd_watch_fd,
    .watch_close = tb_etcd_watch_close,
};
