// SPDX-License-Identifier: Apache-2.0
/*
 * The datastore's front: settings from netconf/flags, the environment and defaults, the
 * argument checks every backend would otherwise repeat, and dispatch through the backend's
 * ops table (datastore_backend.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_backend.h"
#include "log.h"

/* The etcd backend (datastore_etcd.c). */
extern const struct tb_ds_ops tb_ds_etcd_ops;

#define TB_DS_DEFAULT_ETCD_ENDPOINTS "http://127.0.0.1:2379"

int tb_ds_type_parse(const char *s, enum tb_ds_type *out)
{
	if (!s || !out)
		return -EINVAL;
	if (!strcmp(s, "local")) {
		*out = TB_DS_LOCAL;
		return 0;
	}
	if (!strcmp(s, "etcdv3")) {
		*out = TB_DS_ETCDV3;
		return 0;
	}
	/* Calico's Kubernetes API datastore is a valid Calico setting tabby does not offer. */
	if (!strcmp(s, "kubernetes"))
		return -ENOTSUP;
	return -EINVAL;
}

/* An unset field takes the environment variable, if set and not empty, else the default. */
static int fill_str(char **field, const char *env, const char *def)
{
	const char *v;

	if (*field)
		return 0;
	v = getenv(env);
	if (!v || !*v)
		v = def;
	if (!v)
		return 0;
	*field = strdup(v);
	return *field ? 0 : -ENOMEM;
}

int tb_ds_config_fill(struct tb_ds_config *cfg)
{
	const char *env;
	int err;

	if (!cfg)
		return -EINVAL;
	if (cfg->type == TB_DS_UNSET) {
		env = getenv("DATASTORE_TYPE");
		if (env && *env) {
			err = tb_ds_type_parse(env, &cfg->type);
			if (err) {
				tb_err("DATASTORE_TYPE=%s: expected local or etcdv3", env);
				return err;
			}
		} else {
			cfg->type = TB_DS_LOCAL;
		}
	}
	err = fill_str(&cfg->path, "TABBY_DATASTORE_PATH", TB_DS_DEFAULT_PATH);
	if (!err)
		err = fill_str(&cfg->etcd_endpoints, "ETCD_ENDPOINTS",
			       cfg->type == TB_DS_ETCDV3 ? TB_DS_DEFAULT_ETCD_ENDPOINTS : NULL);
	if (!err)
		err = fill_str(&cfg->etcd_ca_cert_file, "ETCD_CA_CERT_FILE", NULL);
	if (!err)
		err = fill_str(&cfg->etcd_cert_file, "ETCD_CERT_FILE", NULL);
	if (!err)
		err = fill_str(&cfg->etcd_key_file, "ETCD_KEY_FILE", NULL);
	if (!err)
		err = fill_str(&cfg->etcd_username, "ETCD_USERNAME", NULL);
	if (!err)
		err = fill_str(&cfg->etcd_password, "ETCD_PASSWORD", NULL);
	return err;
}

void tb_ds_config_free(struct tb_ds_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->etcd_endpoints);
	free(cfg->etcd_ca_cert_file);
	free(cfg->etcd_cert_file);
	free(cfg->etcd_key_file);
	free(cfg->etcd_username);
	free(cfg->etcd_password);
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = TB_DS_UNSET;
}

void tb_kv_free(struct tb_kv *kv)
{
	if (!kv)
		return;
	free(kv->key);
	free(kv->value);
	kv->key = NULL;
	kv->value = NULL;
}

void tb_kv_list_free(struct tb_kv_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		tb_kv_free(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void tb_ds_event_free(struct tb_ds_event *ev)
{
	if (!ev)
		return;
	tb_kv_free(&ev->kv);
	free(ev->prev_value);
	ev->prev_value = NULL;
}

char *tb_ds_prefix_end(const char *prefix)
{
	size_t len = strlen(prefix);
	char *end;

	while (len && (unsigned char)prefix[len - 1] == 0xff)
		len--;
	if (!len) {
		errno = 0;
		return NULL;
	}
	end = strndup(prefix, len);
	if (!end) {
		errno = ENOMEM;
		return NULL;
	}
	end[len - 1] = (char)((unsigned char)end[len - 1] + 1);
	return end;
}

static const struct tb_ds_ops *backend_for(enum tb_ds_type type)
{
	switch (type) {
	case TB_DS_LOCAL:
		return &tb_ds_sqlite_ops;
	case TB_DS_ETCDV3:
		return &tb_ds_etcd_ops;
	default:
		return NULL;
	}
}

/* Copies src (may be NULL) into an unset *dst. */
static int dup_opt(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/* A partial config is completed from the environment without touching the caller's. */
static int config_copy(struct tb_ds_config *dst, const struct tb_ds_config *src)
{
	int err = 0;

	dst->type = src->type;
	err = err ?: dup_opt(&dst->path, src->path);
	err = err ?: dup_opt(&dst->etcd_endpoints, src->etcd_endpoints);
	err = err ?: dup_opt(&dst->etcd_ca_cert_file, src->etcd_ca_cert_file);
	err = err ?: dup_opt(&dst->etcd_cert_file, src->etcd_cert_file);
	err = err ?: dup_opt(&dst->etcd_key_file, src->etcd_key_file);
	err = err ?: dup_opt(&dst->etcd_username, src->etcd_username);
	err = err ?: dup_opt(&dst->etcd_password, src->etcd_password);
	return err;
}

int tb_ds_open(const struct tb_ds_config *cfg, struct tb_ds **out)
{
	struct tb_ds_config filled = { 0 };
	const struct tb_ds_ops *ops;
	int err = 0;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (cfg)
		err = config_copy(&filled, cfg);
	if (!err)
		err = tb_ds_config_fill(&filled);
	if (err)
		goto out;
	ops = backend_for(filled.type);
	if (!ops) {
		tb_err("datastore type %d is not available in this build", filled.type);
		err = -ENOTSUP;
		goto out;
	}
	err = ops->open(&filled, out);
out:
	tb_ds_config_free(&filled);
	return err;
}

void tb_ds_close(struct tb_ds *ds)
{
	if (ds)
		ds->ops->close(ds);
}

int tb_ds_revision(struct tb_ds *ds, int64_t *rev)
{
	if (!ds || !rev)
		return -EINVAL;
	return ds->ops->revision(ds, rev);
}

int tb_ds_get(struct tb_ds *ds, const char *key, struct tb_kv *out)
{
	if (!ds || !key || !*key || !out)
		return -EINVAL;
	return ds->ops->get(ds, key, out);
}

int tb_ds_list(struct tb_ds *ds, const char *prefix, struct tb_kv_list *out)
{
	if (!ds || !prefix || !out)
		return -EINVAL;
	return ds->ops->list(ds, prefix, out);
}

/* TB_REV_ANY, TB_REV_ABSENT or a real (positive) revision. */
static bool expect_ok(int64_t expect_rev)
{
	return expect_rev >= TB_REV_ANY;
}

int tb_ds_put(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
	      int64_t *new_rev)
{
	if (!ds || !key || !*key || !value || !expect_ok(expect_rev))
		return -EINVAL;
	return ds->ops->put(ds, key, value, expect_rev, new_rev);
}

int tb_ds_delete(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev)
{
	if (!ds || !key || !*key || !expect_ok(expect_rev))
		return -EINVAL;
	return ds->ops->del(ds, key, expect_rev, new_rev);
}

int tb_ds_txn(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev)
{
	if (!ds || (n && !ops))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!ops[i].key || !*ops[i].key || !expect_ok(ops[i].expect_rev))
			return -EINVAL;
		if (ops[i].type == TB_TXN_PUT && !ops[i].value)
			return -EINVAL;
		if (ops[i].type != TB_TXN_PUT && ops[i].type != TB_TXN_DELETE)
			return -EINVAL;
	}
	return ds->ops->txn(ds, ops, n, new_rev);
}

int tb_ds_compact(struct tb_ds *ds, int64_t rev)
{
	if (!ds || rev < 0)
		return -EINVAL;
	return ds->ops->compact(ds, rev);
}

int tb_ds_watch_open(struct tb_ds *ds, const char *prefix, int64_t after_rev,
		     struct tb_ds_watch **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!ds || !prefix || after_rev < 0)
		return -EINVAL;
	return ds->ops->watch_open(ds, prefix, after_rev, out);
}

int tb_ds_watch_next(struct tb_ds_watch *w, struct tb_ds_event *ev, int timeout_ms)
{
	if (!w || !ev)
		return -EINVAL;
	return w->ops->watch_next(w, ev, timeout_ms);
}

int tb_ds_watch_fd(struct tb_ds_watch *w)
{
	return w ? w->ops->watch_fd(w) : -1;
}

void tb_ds_watch_close(struct tb_ds_watch *w)
{
	if (w)
		w->ops->watch_close(w);
}
