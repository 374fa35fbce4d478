// SPDX-License-Identifier: Apache-2.0
/* Reading the manifests named by -f: files, stdin, directories (optionally recursive). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl_files.h"

static int append_docs(struct tb_doc_list *dst, struct tb_doc_list *src)
{
	struct tb_doc *d;

	if (!src->n)
		return 0;
	d = realloc(dst->docs, (dst->n + src->n) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d + dst->n, src->docs, src->n * sizeof(*d));
	dst->docs = d;
	dst->n += src->n;
	free(src->docs);
	src->docs = NULL;
	src->n = 0;
	return 0;
}

static bool manifest_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

static int read_one(const char *path, bool recursive, bool top, struct tb_doc_list *out,
		    struct tb_diag *diag);

static int read_dir(const char *path, bool recursive, struct tb_doc_list *out, struct tb_diag *diag)
{
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort), r = 0;

	if (n < 0) {
		tb_diag_add(diag, "%s: %s", path, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		char *child;

		if (!r && ents[i]->d_name[0] != '.' && asprintf(&child, "%s/%s", path, ents[i]->d_name) >= 0) {
			struct stat st;

			if (stat(child, &st) == 0 && (S_ISDIR(st.st_mode) ? recursive : manifest_name(child)))
				r = read_one(child, recursive, false, out, diag);
			free(child);
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

static int read_one(const char *path, bool recursive, bool top, struct tb_doc_list *out,
		    struct tb_diag *diag)
{
	struct tb_doc_list l = { 0 };
	struct stat st;
	int r;

	if (strcmp(path, "-") && stat(path, &st)) {
		tb_diag_add(diag, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (strcmp(path, "-") && S_ISDIR(st.st_mode))
		return read_dir(path, recursive, out, diag);
	r = tb_manifest_read_file(path, &l, diag);
	if (!r)
		r = append_docs(out, &l);
	tb_doc_list_free(&l);
	return r;
}

int ctl_read_manifests(struct ctl_args *a, struct tb_doc_list *out, struct tb_diag *diag)
{
	int r = 0;

	for (size_t i = 0; i < a->nfiles; i++) {
		size_t before = out->n;
		int e = read_one(a->files[i], a->recursive, true, out, diag);

		if (e) {
			r = r ? r : e;
			continue;
		}
		if (out->n == before && !a->skip_empty) {
			tb_diag_add(diag, "%s: no resources specified (use --skip-empty to allow this)",
				    a->files[i]);
			r = r ? r : -ENODATA;
		}
	}
	return r;
}

int ctl_apply_namespace(struct ctl_args *a, struct tb_doc_list *docs, struct tb_diag *diag)
{
	int r = 0;

	if (!a->namespace)
		return 0;
	for (size_t i = 0; i < docs->n; i++) {
		json_t *obj = docs->docs[i].obj, *meta = json_object_get(obj, "metadata");
		const struct tb_kind *k = tb_kind_for(
			json_string_value(json_object_get(obj, "apiVersion")) ?: "",
			json_string_value(json_object_get(obj, "kind")) ?: "");
		const char *ns = json_string_value(json_object_get(meta, "namespace"));
		char where[256];

		if (!k || !tb_kind_namespaced(k) || !json_is_object(meta))
			continue;
		if (!ns || !*ns) {
			json_object_set_new(meta, "namespace", json_string(a->namespace));
		} else if (strcmp(ns, a->namespace)) {
			tb_doc_describe(&docs->docs[i], where, sizeof(where));
			tb_diag_add(diag, "%s: the resource's namespace '%s' does not match --namespace '%s'",
				    where, ns, a->namespace);
			r = -EINVAL;
		}
	}
	return r;
}

void ctl_print_diag(const struct tb_diag *d)
{
	tb_diag_print(d, stderr);
}
