// SPDX-License-Identifier: Apache-2.0
/* Whole-document validation: envelope (apiVersion, kind), metadata, then the kind's spec. */
#include <errno.h>
#include <string.h>

#include "resource.h"

static void check_labels(struct tb_vctx *c, json_t *v)
{
	const char *k;
	json_t *e;

	json_object_foreach(v, k, e) {
		if (!tb_valid_label_key(k))
			tb_verror_at(c, k, "invalid label key (a qualified name: [prefix/]name, name up to 63 "
					   "characters of [-_.A-Za-z0-9] starting and ending alphanumeric)");
		else if (json_is_string(e) && !tb_valid_label_value(json_string_value(e)))
			tb_verror_at(c, k, "invalid label value '%s' (up to 63 characters of "
					   "[-_.A-Za-z0-9], starting and ending alphanumeric)",
				     json_string_value(e));
	}
}

static void check_annotations(struct tb_vctx *c, json_t *v)
{
	const char *k;
	json_t *e;

	json_object_foreach(v, k, e)
		if (!tb_valid_label_key(k))
			tb_verror_at(c, k, "invalid annotation key");
}

/* Kubernetes ObjectMeta fields: accepted so that objects read from a cluster apply as they are. */
static const struct tb_field meta_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED },
	{ "namespace", TB_T_STRING },
	{ "labels", TB_T_STRMAP, .check = check_labels },
	{ "annotations", TB_T_STRMAP, .check = check_annotations },
	{ "uid", TB_T_STRING },
	{ "resourceVersion", TB_T_STRING },
	{ "creationTimestamp", TB_T_STRING, TB_NULLABLE },
	{ "generation", TB_T_INT },
	{ "generateName", TB_T_STRING },
	{ "selfLink", TB_T_STRING },
	{ "deletionTimestamp", TB_T_STRING, TB_NULLABLE },
	{ "deletionGracePeriodSeconds", TB_T_INT },
	{ "ownerReferences", TB_T_ARRAY, .elem = TB_T_OBJECT },
	{ "finalizers", TB_T_ARRAY, .elem = TB_T_STRING },
	{ "managedFields", TB_T_ARRAY, .elem = TB_T_ANY },
	{ NULL },
};
static const struct tb_schema meta_schema = { "ObjectMeta", meta_fields };

static void check_metadata(struct tb_vctx *c, const struct tb_kind *k, json_t *doc)
{
	json_t *meta = json_object_get(doc, "metadata");
	const char *ns;
	size_t mark;

	if (!meta) {
		tb_verror(c, "metadata: required field is missing");
		return;
	}
	mark = tb_vpush_field(c, "metadata");
	tb_schema_validate(c, &meta_schema, meta);
	ns = json_string_value(json_object_get(meta, "namespace"));
	if (tb_kind_namespaced(k)) {
		if (!ns)
			json_object_set_new(meta, "namespace", json_string("default"));
		else if (!tb_valid_dns_label(ns))
			tb_verror_at(c, "namespace", "'%s' is not a valid namespace name (lowercase "
						     "alphanumerics and '-', at most 63)", ns);
	} else if (ns && *ns) {
		tb_verror_at(c, "namespace", "%s is not namespaced: remove the namespace", k->kind);
	} else if (ns) {
		json_object_del(meta, "namespace");
	}
	tb_vpop(c, mark);
}

static const struct tb_kind *check_envelope(struct tb_vctx *c, json_t *doc)
{
	const char *api = json_string_value(json_object_get(doc, "apiVersion"));
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const struct tb_kind *k;

	if (!api || !kind) {
		tb_verror(c, "%s: required field is missing", !api ? "apiVersion" : "kind");
		return NULL;
	}
	k = tb_kind_for(api, kind);
	if (!k) {
		k = tb_kind_find(kind);
		if (k && strcmp(k->kind, kind) == 0)
			tb_verror(c, "apiVersion: '%s' is not the version of %s (use %s)", api, kind,
				  k->api_version);
		else
			tb_verror(c, "kind: unknown kind '%s' for apiVersion '%s'", kind, api);
		return NULL;
	}
	return k;
}

int tb_resource_validate(json_t *doc, const struct tb_kind **kind_out, struct tb_diag *diag)
{
	static const char *const top[] = { "apiVersion", "kind", "metadata", "spec", "status", NULL };
	const struct tb_kind *k;
	struct tb_vctx c;
	const char *key;
	json_t *v;

	tb_vctx_init(&c, diag, doc, NULL);
	if (!json_is_object(doc)) {
		tb_verror(&c, "a resource must be an object");
		return -EINVAL;
	}
	k = check_envelope(&c, doc);
	if (!k)
		return -EINVAL;
	c.kind = k->kind;
	json_object_foreach(doc, key, v) {
		const char *const *t = top;

		while (*t && strcmp(*t, key))
			t++;
		if (!*t && (k->flags & TB_KIND_OWN_TOP))
			continue;
		if (!*t || (!k->spec && !strcmp(key, "spec")))
			tb_verror_at(&c, key, "unknown field");
	}
	check_metadata(&c, k, doc);
	if (k->spec) {
		json_t *spec = json_object_get(doc, "spec");
		size_t mark;

		if (!spec) {
			spec = json_object();
			json_object_set_new(doc, "spec", spec);
		}
		mark = tb_vpush_field(&c, "spec");
		tb_schema_validate(&c, k->spec, spec);
		tb_vpop(&c, mark);
	}
	if (k->check && !c.errors)
		k->check(&c, doc);
	if (kind_out)
		*kind_out = k;
	return c.errors ? -EINVAL : 0;
}
