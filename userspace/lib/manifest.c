// SPDX-License-Identifier: Apache-2.0
/*
 * The manifest front end: picks JSON or YAML, then turns the documents of a stream into
 * resources. A `kind: List` (or any `<Kind>List`) and a top-level sequence stand for their
 * items, each remembered with the document and item index that messages quote.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "manifest.h"
#include "manifest_priv.h"

void tb_doc_list_free(struct tb_doc_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_decref(l->docs[i].obj);
		free(l->docs[i].file);
	}
	free(l->docs);
	l->docs = NULL;
	l->n = 0;
}

int tb_doc_describe(const struct tb_doc *doc, char *buf, size_t len)
{
	int n;

	if (doc->item)
		n = snprintf(buf, len, "%s: document %d item %d", doc->file, doc->index, doc->item);
	else
		n = snprintf(buf, len, "%s: document %d", doc->file, doc->index);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static int doc_push(struct tb_doc_list *l, json_t *obj, const char *name, int index, int item)
{
	struct tb_doc *d = realloc(l->docs, (l->n + 1) * sizeof(*d));

	if (!d)
		return -ENOMEM;
	l->docs = d;
	d += l->n;
	d->file = strdup(name);
	if (!d->file)
		return -ENOMEM;
	d->obj = json_incref(obj);
	d->index = index;
	d->item = item;
	l->n++;
	return 0;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a sequence";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static bool is_list_kind(json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	size_t n = kind ? strlen(kind) : 0;

	return n >= 4 && !strcmp(kind + n - 4, "List");
}

static int expand_items(struct tb_doc_list *out, json_t *items, const char *name, int index,
			struct tb_diag *diag)
{
	json_t *item;
	size_t i;
	int err = 0;

	json_array_foreach(items, i, item) {
		if (!json_is_object(item)) {
			tb_diag_add(diag, "%s: document %d item %zu: expected a mapping, found %s",
				    name, index, i + 1, type_name(item));
			err = -EINVAL;
			continue;
		}
		if (doc_push(out, item, name, index, (int)i + 1))
			return -ENOMEM;
	}
	return err;
}

static int expand(struct tb_doc_list *out, json_t *v, const char *name, int index,
		  struct tb_diag *diag)
{
	json_t *items;

	if (json_is_null(v))
		return 0;
	if (json_is_array(v))
		return expand_items(out, v, name, index, diag);
	if (!json_is_object(v)) {
		tb_diag_add(diag, "%s: document %d: expected a mapping, found %s", name, index,
			    type_name(v));
		return -EINVAL;
	}
	if (!is_list_kind(v))
		return doc_push(out, v, name, index, 0);
	items = json_object_get(v, "items");
	if (!items || json_is_null(items))
		return 0;
	if (!json_is_array(items)) {
		tb_diag_add(diag, "%s: document %d: items: expected a sequence, found %s", name,
			    index, type_name(items));
		return -EINVAL;
	}
	return expand_items(out, items, name, index, diag);
}

/* How far into the input a parser got before its first error (line, then column). */
static unsigned long long error_pos(const struct tb_diag *d, const char *name)
{
	size_t skip = strlen(name) + 2, line = 0, col = 0;

	if (!d->n || strlen(d->msgs[0]) < skip ||
	    sscanf(d->msgs[0] + skip, "line %zu column %zu", &line, &col) != 2)
		return 0;
	return ((unsigned long long)line << 32) | col;
}

/*
 * Text that starts like JSON is read as JSON; if that fails, as YAML ("{a: 1}" is YAML). When
 * both fail, the parser that got further reports: it understood more of what was meant.
 */
static int load_any(const char *buf, size_t len, const char *name, json_t **docs,
		    struct tb_diag *diag)
{
	struct tb_diag jdiag;
	int err;

	if (!tb_manifest_looks_json(buf, len))
		return tb_yaml_load(buf, len, name, docs, diag);
	tb_diag_init(&jdiag);
	err = tb_manifest_load_json(buf, len, name, docs, &jdiag);
	if (err == -EINVAL) {
		struct tb_diag ydiag;

		tb_diag_init(&ydiag);
		err = tb_yaml_load(buf, len, name, docs, &ydiag);
		if (err == -EINVAL) {
			const struct tb_diag *d =
			    error_pos(&ydiag, name) > error_pos(&jdiag, name) ? &ydiag : &jdiag;

			for (size_t i = 0; i < d->n; i++)
				tb_diag_add(diag, "%s", d->msgs[i]);
		}
		tb_diag_free(&ydiag);
	}
	tb_diag_free(&jdiag);
	return err;
}

int tb_manifest_parse(const char *buf, size_t len, const char *name, struct tb_doc_list *out,
		      struct tb_diag *diag)
{
	json_t *docs, *v;
	size_t i;
	int err, ret = 0;

	out->docs = NULL;
	out->n = 0;
	err = load_any(buf, len, name, &docs, diag);
	if (err)
		return err;
	json_array_foreach(docs, i, v) {
		err = expand(out, v, name, (int)i + 1, diag);
		if (err == -ENOMEM) {
			ret = err;
			break;
		}
		if (err)
			ret = err;
	}
	json_decref(docs);
	if (ret)
		tb_doc_list_free(out);
	return ret;
}

static int read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return (int)r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

int tb_manifest_read_file(const char *path, struct tb_doc_list *out, struct tb_diag *diag)
{
	bool is_stdin = !strcmp(path, "-");
	char *buf = NULL;
	size_t len = 0;
	int fd, err;

	out->docs = NULL;
	out->n = 0;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		tb_diag_add(diag, "%s: %s", path, strerror(-err));
		return err;
	}
	err = read_all(fd, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (err) {
		tb_diag_add(diag, "%s: %s", path, strerror(-err));
		return err;
	}
	err = tb_manifest_parse(buf ? buf : "", len, path, out, diag);
	free(buf);
	return err;
}
