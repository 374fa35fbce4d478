// SPDX-License-Identifier: Apache-2.0
/* delete: by kind and names, or every resource a manifest names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "ctl_files.h"

struct target {
	const struct tb_kind *kind;
	const char *ns;
	const char *name;
	const char *rv;
};

static int delete_one(struct tb_client *c, struct ctl_args *a, const struct target *t,
		      struct tb_diag *d)
{
	int r = tb_client_delete(c, t->kind, t->ns, t->name, t->rv, d);

	if (r == -ENOENT && a->skip_not_exists)
		return 0;
	if (r == -ENOENT)
		tb_diag_add(d, "Failed to delete '%s' resource: resource does not exist: %s(%s%s%s)",
			    t->kind->kind, t->kind->kind, t->ns ? t->ns : "", t->ns ? "/" : "", t->name);
	else if (r && r != -EPERM && r != -ECANCELED && r != -EINVAL)
		tb_diag_add(d, "Failed to delete '%s' resource %s: %s", t->kind->kind, t->name,
			    strerror(-r));
	return r;
}

static int targets_from_args(struct ctl_args *a, struct target **out, size_t *n)
{
	const struct tb_kind *k;

	if (a->npos < 2) {
		fprintf(stderr, "usage: tabbyctl delete KIND NAME... or tabbyctl delete -f FILE\n");
		return -EINVAL;
	}
	k = tb_kind_find(a->pos[0]);
	if (!k) {
		fprintf(stderr, "resource type '%s' is not supported\n", a->pos[0]);
		return -EINVAL;
	}
	if (!tb_kind_namespaced(k) && (a->namespace || a->all_namespaces)) {
		fprintf(stderr, "%s is not namespaced\n", k->kind);
		return -EINVAL;
	}
	*out = calloc(a->npos, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (int i = 1; i < a->npos; i++)
		(*out)[i - 1] = (struct target){ k, tb_kind_namespaced(k) ? (a->namespace ?: "default")
									 : NULL, a->pos[i], NULL };
	*n = a->npos - 1;
	return 0;
}

static int targets_from_docs(struct tb_doc_list *docs, struct target **out, size_t *n,
			     struct tb_diag *d)
{
	*out = calloc(docs->n + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < docs->n; i++) {
		json_t *o = docs->docs[i].obj, *meta = json_object_get(o, "metadata");
		const struct tb_kind *k = tb_kind_for(json_string_value(json_object_get(o, "apiVersion")) ?: "",
						      json_string_value(json_object_get(o, "kind")) ?: "");
		const char *name = json_string_value(json_object_get(meta, "name"));
		char where[256];

		if (!k || !name) {
			tb_doc_describe(&docs->docs[i], where, sizeof(where));
			tb_diag_add(d, "%s: %s", where, k ? "metadata.name: required field is missing"
							  : "unknown apiVersion/kind");
			return -EINVAL;
		}
		(*out)[i] = (struct target){
			k, tb_kind_namespaced(k) ? (json_string_value(json_object_get(meta, "namespace")) ?: "default") : NULL,
			name, json_string_value(json_object_get(meta, "resourceVersion")),
		};
	}
	*n = docs->n;
	return 0;
}

int cmd_delete(struct ctl_args *a)
{
	struct tb_doc_list docs = { 0 };
	struct tb_client *c = NULL;
	struct target *t = NULL;
	size_t n = 0, done = 0;
	struct tb_diag d;
	int r;

	tb_diag_init(&d);
	if (a->nfiles) {
		r = ctl_read_manifests(a, &docs, &d);
		if (!r)
			r = ctl_apply_namespace(a, &docs, &d);
		if (!r)
			r = targets_from_docs(&docs, &t, &n, &d);
	} else {
		r = targets_from_args(a, &t, &n);
	}
	if (!r)
		r = ctl_open_client(a, &c);
	for (size_t i = 0; !r && i < n; i++)
		done += delete_one(c, a, &t[i], &d) == 0;
	if (!r && done) {
		bool same = true;

		for (size_t i = 1; i < n; i++)
			same &= t[i].kind == t[0].kind;
		ctl_print_success("deleted", (int)done, same ? t[0].kind->kind : NULL);
	}
	if (!r && done < n)
		r = -ENOENT;
	ctl_print_diag(&d);
	tb_diag_free(&d);
	tb_client_close(c);
	free(t);
	tb_doc_list_free(&docs);
	return r ? CTL_FAIL : CTL_OK;
}
