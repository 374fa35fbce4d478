// SPDX-License-Identifier: Apache-2.0
/* label: set, overwrite or remove one label of a resource, conditionally on its revision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "resource.h"

static int change_labels(struct ctl_args *a, json_t *doc, const char *key, const char *value,
			 const char **verb)
{
	json_t *meta = json_object_get(doc, "metadata"), *labels = json_object_get(meta, "labels");
	json_t *cur = json_object_get(labels, key);

	if (a->remove) {
		if (!cur) {
			fprintf(stderr, "cannot remove label of %s %s, key %s does not exist\n", a->pos[0],
				a->pos[1], key);
			return -ENOENT;
		}
		json_object_del(labels, key);
		*verb = "removed";
		return 0;
	}
	if (cur && !a->overwrite && strcmp(json_string_value(cur) ?: "", value)) {
		fprintf(stderr, "failed to update label of %s %s, key %s is already present. please use "
				"'--overwrite' to set a new value\n", a->pos[0], a->pos[1], key);
		return -EEXIST;
	}
	if (!labels) {
		labels = json_object();
		json_object_set_new(meta, "labels", labels);
	}
	*verb = cur ? "updated" : "set";
	json_object_set_new(labels, key, json_string(value));
	return 0;
}

int cmd_label(struct ctl_args *a)
{
	const struct tb_kind *k;
	struct tb_client *c = NULL;
	struct tb_doc_list docs = { 0 };
	struct tb_doc one = { 0 };
	const char *verb = NULL;
	char *key = NULL, *eq;
	struct tb_diag d;
	int r, n;

	tb_diag_init(&d);
	if (a->npos != 3 || (a->overwrite && a->remove)) {
		fprintf(stderr, "usage: tabbyctl label KIND NAME KEY=VALUE [--overwrite] | KIND NAME KEY --remove\n");
		return CTL_USAGE;
	}
	k = tb_kind_find(a->pos[0]);
	if (!k) {
		fprintf(stderr, "resource type '%s' is not supported\n", a->pos[0]);
		return CTL_FAIL;
	}
	key = strdup(a->pos[2]);
	eq = key ? strchr(key, '=') : NULL;
	if (!key || (!a->remove && !eq) || (a->remove && eq)) {
		fprintf(stderr, "invalid label %s\n", a->pos[2]);
		r = -EINVAL;
		goto out;
	}
	if (eq)
		*eq = '\0';
	r = ctl_open_client(a, &c);
	if (r)
		goto out;
	r = tb_client_get(c, k, tb_kind_namespaced(k) ? (a->namespace ?: "default") : NULL, a->pos[1],
			  &one.obj);
	if (r == -ENOENT)
		fprintf(stderr, "%s %s not found\n", a->pos[0], a->pos[1]);
	if (!r)
		r = change_labels(a, one.obj, key, eq ? eq + 1 : NULL, &verb);
	if (r)
		goto out;
	/* The resourceVersion read above makes the write conditional: no lost concurrent update. */
	one.file = "label";
	one.index = 1;
	docs.docs = &one;
	docs.n = 1;
	r = tb_client_write(c, &docs, &(struct tb_write_opts){ .mode = TB_WRITE_REPLACE }, &d, &n);
	if (r)
		goto out;
	if (!strcmp(verb, "removed"))
		printf("Successfully removed label %s from %s %s\n", key, a->pos[0], a->pos[1]);
	else
		printf("Successfully %s label %s on %s %s\n", verb, key, a->pos[0], a->pos[1]);
out:
	tb_diag_print(&d, stderr);
	tb_diag_free(&d);
	json_decref(one.obj);
	tb_client_close(c);
	free(key);
	return r ? CTL_FAIL : CTL_OK;
}
