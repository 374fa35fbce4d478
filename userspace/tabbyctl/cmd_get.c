// SPDX-License-Identifier: Apache-2.0
/* get: one, several or all resources of a kind, as a table, YAML, JSON or names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "ctl_files.h"
#include "ctl_output.h"
#include "selector.h"

enum out_fmt { OUT_PS, OUT_WIDE, OUT_YAML, OUT_JSON, OUT_NAME };

static int parse_output(const char *s, enum out_fmt *f)
{
	static const struct {
		const char *name;
		enum out_fmt fmt;
	} fmts[] = { { "ps", OUT_PS },	   { "wide", OUT_WIDE }, { "yaml", OUT_YAML },
		     { "yml", OUT_YAML }, { "json", OUT_JSON }, { "name", OUT_NAME } };

	*f = OUT_PS;
	if (!s)
		return 0;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (!strcmp(s, fmts[i].name)) {
			*f = fmts[i].fmt;
			return 0;
		}
	fprintf(stderr, "unrecognized output format '%s' (ps, wide, yaml, json or name)\n", s);
	return -EINVAL;
}

/*
 * An endpoint's labels as policy selectors see them: its own, over those its profiles apply
 * (labelsToApply), so that --selector answers "which endpoints does this select?".
 */
static json_t *effective_labels(json_t *doc, json_t *profiles)
{
	json_t *own = json_object_get(json_object_get(doc, "metadata"), "labels");
	json_t *names = json_object_get(json_object_get(doc, "spec"), "profiles");
	json_t *out = json_object(), *pn;
	size_t i;

	json_array_foreach(names, i, pn) {
		json_t *p = json_object_get(profiles, json_string_value(pn) ?: "");

		json_object_update(out, json_object_get(json_object_get(p, "spec"), "labelsToApply"));
	}
	json_object_update(out, own);
	return out;
}

static int load_profiles(struct tb_client *c, json_t **out)
{
	json_t *items = NULL, *p;
	size_t i;
	int r = tb_client_list(c, tb_kind_find("Profile"), NULL, &items, NULL);

	*out = json_object();
	json_array_foreach(items, i, p)
		json_object_set(*out, tb_res_name(p), p);
	json_decref(items);
	return r;
}

static int filter_selector(struct tb_client *c, const struct tb_kind *k, const char *src,
			   json_t *items)
{
	bool endpoints = !strcmp(k->kind, "WorkloadEndpoint") || !strcmp(k->kind, "HostEndpoint");
	struct tb_selector *sel = NULL;
	json_t *profiles = NULL, *keep = json_array();
	char err[256];
	size_t i;
	json_t *e;
	int r;

	r = tb_selector_parse(src, &sel, err, sizeof(err));
	if (r) {
		fprintf(stderr, "invalid selector '%s': %s\n", src, err);
		goto out;
	}
	if (endpoints)
		r = load_profiles(c, &profiles);
	json_array_foreach(items, i, e) {
		json_t *labels = endpoints ? effective_labels(e, profiles)
					   : json_incref(json_object_get(json_object_get(e, "metadata"),
									 "labels"));

		if (tb_selector_match_json(sel, labels))
			json_array_append(keep, e);
		json_decref(labels);
	}
	json_array_clear(items);
	json_array_extend(items, keep);
out:
	json_decref(keep);
	json_decref(profiles);
	tb_selector_free(sel);
	return r;
}

static void export_meta(json_t *doc)
{
	static const char *const drop[] = { "namespace", "uid", "resourceVersion", "creationTimestamp",
					    "deletionTimestamp", "deletionGracePeriodSeconds", NULL };
	json_t *meta = json_object_get(doc, "metadata");

	for (const char *const *d = drop; *d; d++)
		json_object_del(meta, *d);
}

/* Tier lists are ordered by order, unset last, as calicoctl orders them. */
static int by_order(const void *a, const void *b)
{
	json_t *oa = json_object_get(json_object_get(*(json_t *const *)a, "spec"), "order");
	json_t *ob = json_object_get(json_object_get(*(json_t *const *)b, "spec"), "order");

	if (!oa || !ob)
		return !oa - !ob;
	return json_number_value(oa) < json_number_value(ob) ? -1 : json_number_value(oa) > json_number_value(ob);
}

static void sort_tiers(json_t *items)
{
	size_t n = json_array_size(items);
	json_t **v = malloc((n + 1) * sizeof(*v));

	for (size_t i = 0; v && i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	if (!v)
		return;
	qsort(v, n, sizeof(*v), by_order);
	json_array_clear(items);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, v[i]);
	free(v);
}

static int print(const struct tb_kind *k, enum out_fmt f, bool ns_col, json_t *items,
		 bool as_list, int64_t rev)
{
	const struct kind_columns *cols = columns_for(k->kind);
	json_t *v;
	int r = 0;

	switch (f) {
	case OUT_PS:
	case OUT_WIDE:
		return ctl_print_table(f == OUT_WIDE ? cols->wide : cols->ps,
				       ns_col && cols->namespaced_column, items);
	case OUT_NAME:
		ctl_print_names(items);
		return 0;
	case OUT_YAML:
	case OUT_JSON:
		if (as_list)
			v = ctl_make_list(k->api_version, k->kind, items, rev);
		else if (json_array_size(items) == 1)
			v = json_incref(json_array_get(items, 0));
		else
			v = json_incref(items);
		r = f == OUT_YAML ? ctl_print_yaml(v) : ctl_print_json(v);
		json_decref(v);
		return r;
	}
	return -EINVAL;
}

/* Resolves the namespace to read from: NULL for all namespaces or a global kind. */
static int resolve_ns(struct ctl_args *a, const struct tb_kind *k, bool named, const char **ns)
{
	*ns = NULL;
	if (!tb_kind_namespaced(k)) {
		if (a->namespace || a->all_namespaces) {
			fprintf(stderr, "%s is not namespaced\n", k->kind);
			return -EINVAL;
		}
		return 0;
	}
	if (a->namespace && a->all_namespaces) {
		fprintf(stderr, "cannot use both --namespace and --all-namespaces flags at the same time\n");
		return -EINVAL;
	}
	if (a->all_namespaces && named) {
		fprintf(stderr, "cannot use --all-namespaces for getting a single resource\n");
		return -EINVAL;
	}
	*ns = a->all_namespaces ? NULL : (a->namespace ?: "default");
	return 0;
}

static int get_named(struct tb_client *c, const struct tb_kind *k, const char *ns, char **names,
		     int n, json_t *items)
{
	int r = 0;

	for (int i = 0; i < n; i++) {
		json_t *doc = NULL;
		int e = tb_client_get(c, k, ns, names[i], &doc);

		if (e == -ENOENT)
			fprintf(stderr, "resource does not exist: %s(%s%s%s)\n", k->kind, ns ? ns : "",
				ns ? "/" : "", names[i]);
		else if (e)
			fprintf(stderr, "failed to get %s %s: %s\n", k->kind, names[i], strerror(-e));
		else
			json_array_append_new(items, doc);
		r = r ? r : e;
	}
	return r;
}

int cmd_get(struct ctl_args *a)
{
	const struct tb_kind *k = NULL;
	struct tb_client *c = NULL;
	json_t *items = json_array();
	int64_t rev = 0;
	enum out_fmt f;
	const char *ns;
	int r;

	r = parse_output(a->output, &f);
	if (r)
		goto out;
	if (!a->npos) {
		fprintf(stderr, "usage: tabbyctl get KIND [NAME...]\n");
		r = -EINVAL;
		goto out;
	}
	k = tb_kind_find(a->pos[0]);
	if (!k) {
		fprintf(stderr, "resource type '%s' is not supported\n", a->pos[0]);
		r = -EINVAL;
		goto out;
	}
	r = resolve_ns(a, k, a->npos > 1, &ns);
	if (!r)
		r = ctl_open_client(a, &c);
	if (r)
		goto out;
	if (a->npos > 1) {
		r = get_named(c, k, ns, a->pos + 1, a->npos - 1, items);
	} else {
		json_decref(items);
		r = tb_client_list(c, k, ns, &items, &rev);
		if (!r && !strcmp(k->kind, "Tier"))
			sort_tiers(items);
	}
	if (!r && a->selector)
		r = filter_selector(c, k, a->selector, items);
	if (a->export && a->npos > 1) {
		size_t i;
		json_t *e;

		json_array_foreach(items, i, e)
			export_meta(e);
	}
	if (items && (json_array_size(items) || a->npos == 1))
		print(k, f, a->all_namespaces || (a->namespace && *a->namespace), items, a->npos == 1, rev);
out:
	json_decref(items);
	tb_client_close(c);
	return r ? CTL_FAIL : CTL_OK;
}
