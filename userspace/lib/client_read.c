// SPDX-License-Identifier: Apache-2.0
/*
 * Reading and deleting resources. Calico NetworkPolicy reads include the read-only
 * conversions of Kubernetes NetworkPolicies (knp.default.<name>), made on the fly from the
 * stored Kubernetes objects so they can never drift from them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "knp_convert.h"
#include "log.h"

/* A stored value as returned to users: with metadata.resourceVersion. */
static json_t *with_version(const char *key, const char *value, int64_t rev)
{
	json_t *doc = json_loads(value, 0, NULL);
	char buf[24];

	if (!doc) {
		tb_err("datastore value at %s is not valid JSON", key);
		errno = EIO;
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)rev);
	json_object_set_new(json_object_get(doc, "metadata"), "resourceVersion", json_string(buf));
	return doc;
}

static bool is_calico_np(const struct tb_kind *k)
{
	return !strcmp(k->kind, "NetworkPolicy") && !(k->flags & TB_KIND_K8S);
}

/* The converted form of a stored Kubernetes NetworkPolicy, carrying its resource version. */
static json_t *converted(const char *key, const char *value, int64_t rev)
{
	json_t *knp = with_version(key, value, rev), *np;
	struct tb_diag d;

	if (!knp)
		return NULL;
	tb_diag_init(&d);
	np = tb_knp_convert(knp, &d);
	if (!np) {
		tb_warn("cannot convert Kubernetes NetworkPolicy %s: %s", key, d.n ? d.msgs[0] : "?");
	} else {
		json_t *meta = json_object_get(np, "metadata");

		json_object_set(meta, "resourceVersion",
				json_object_get(json_object_get(knp, "metadata"), "resourceVersion"));
	}
	tb_diag_free(&d);
	json_decref(knp);
	return np;
}

int tb_client_get(struct tb_client *c, const struct tb_kind *k, const char *ns, const char *name,
		  json_t **out)
{
	const bool knp = is_calico_np(k) && !strncmp(name, TB_KNP_PREFIX, strlen(TB_KNP_PREFIX));
	const struct tb_kind *real = knp ? tb_kind_find("knp") : k;
	struct tb_kv kv = { 0 };
	char *key = NULL;
	int r;

	r = tb_resource_key(real, ns, knp ? name + strlen(TB_KNP_PREFIX) : name, &key);
	if (r)
		return r;
	r = tb_ds_get(c->ds, key, &kv);
	if (!r) {
		*out = knp ? converted(key, kv.value, kv.mod_revision)
			   : with_version(key, kv.value, kv.mod_revision);
		r = *out ? 0 : -EIO;
	}
	tb_kv_free(&kv);
	free(key);
	return r;
}

static int list_into(struct tb_client *c, const struct tb_kind *k, const char *ns, bool convert,
		     json_t *items, int64_t *rev)
{
	struct tb_kv_list l = { 0 };
	char *prefix = NULL;
	int r;

	r = tb_resource_prefix(k, ns, &prefix);
	if (!r)
		r = tb_ds_list(c->ds, prefix, &l);
	for (size_t i = 0; !r && i < l.n; i++) {
		json_t *doc = convert ? converted(l.items[i].key, l.items[i].value, l.items[i].mod_revision)
				      : with_version(l.items[i].key, l.items[i].value,
						     l.items[i].mod_revision);

		if (doc)
			json_array_append_new(items, doc);
		else if (!convert)
			r = -EIO;
	}
	if (!r && rev && l.revision > *rev)
		*rev = l.revision;
	tb_kv_list_free(&l);
	free(prefix);
	return r;
}

/* Items with their sort keys read once: a comparison must not walk JSON (100,000 items). */
struct sortable {
	const char *ns;
	const char *name;
	json_t *doc;
};

static int by_namespace_then_name(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	int d = strcmp(x->ns, y->ns);

	return d ? d : strcmp(x->name, y->name);
}

static void sort_items(json_t *items)
{
	size_t n = json_array_size(items);
	struct sortable *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *doc = json_incref(json_array_get(items, i));

		v[i] = (struct sortable){ tb_res_namespace(doc) ?: "", tb_res_name(doc) ?: "", doc };
	}
	qsort(v, n, sizeof(*v), by_namespace_then_name);
	json_array_clear(items);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, v[i].doc);
	free(v);
}

int tb_client_list(struct tb_client *c, const struct tb_kind *k, const char *ns, json_t **items,
		   int64_t *rev)
{
	int64_t r64 = 0;
	int r;

	*items = json_array();
	if (!*items)
		return -ENOMEM;
	r = list_into(c, k, ns, false, *items, &r64);
	if (!r && is_calico_np(k))
		r = list_into(c, tb_kind_find("knp"), ns, true, *items, &r64);
	if (r) {
		json_decref(*items);
		*items = NULL;
		return r;
	}
	sort_items(*items);
	if (rev)
		*rev = r64 ? r64 : (tb_ds_revision(c->ds, &r64) ? 0 : r64);
	return 0;
}

int tb_client_delete(struct tb_client *c, const struct tb_kind *k, const char *ns,
		     const char *name, const char *resource_version, struct tb_diag *diag)
{
	struct tb_batch b;
	char *key = NULL;
	int64_t want = TB_REV_ANY;
	int r;

	if (tb_client_readonly_name(k, name)) {
		tb_diag_add(diag, "NetworkPolicy %s/%s is converted from a Kubernetes NetworkPolicy: "
				  "delete that (kind knp) instead", ns, name);
		return -EPERM;
	}
	if (resource_version && *resource_version) {
		char *end;

		want = strtoll(resource_version, &end, 10);
		if (*end || want <= 0) {
			tb_diag_add(diag, "invalid resourceVersion '%s'", resource_version);
			return -EINVAL;
		}
	}
	tb_batch_init(&b);
	r = tb_resource_key(k, ns, name, &key);
	if (r)
		goto out;
	if (want == TB_REV_ANY) {
		struct tb_kv kv = { 0 };

		/* Deleting an absent object is an error the caller reports (or skips). */
		r = tb_ds_get(c->ds, key, &kv);
		want = kv.mod_revision;
		tb_kv_free(&kv);
		if (r)
			goto out;
	}
	r = tb_client_check_delete(c, k, name, diag);
	if (r)
		goto out;
	r = tb_batch_add(&b, TB_TXN_DELETE, key, NULL, want);
	key = NULL;
	if (!r)
		r = tb_client_delete_effects(c, k, ns, name, &b);
	if (!r)
		r = tb_batch_commit(&b, c->ds, NULL);
	if (r == -ECANCELED && resource_version && *resource_version)
		tb_diag_add(diag, "resource version '%s' is out of date", resource_version);
out:
	free(key);
	tb_batch_free(&b);
	return r;
}
