// SPDX-License-Identifier: Apache-2.0
/*
 * JSON input: one value or a stream of concatenated values, read with jansson so that JSON's
 * own rules hold (escapes, duplicate keys refused) where YAML's would differ.
 */
#include <errno.h>
#include <string.h>

#include "manifest.h"
#include "manifest_priv.h"

static size_t skip_space(const char *buf, size_t len, size_t off)
{
	while (off < len && strchr(" \t\r\n", buf[off]) && buf[off])
		off++;
	return off;
}

bool tb_manifest_looks_json(const char *buf, size_t len)
{
	size_t off = 0;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		off = 3;
	off = skip_space(buf, len, off);
	return off < len && (buf[off] == '{' || buf[off] == '[');
}

static int container_depth(const json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;
	int d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
			if ((d = container_depth(c)) > max)
				max = d;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if ((d = container_depth(c)) > max)
				max = d;
	} else {
		return 0;
	}
	return max + 1;
}

/* jansson counts lines and columns from where this value started: make them absolute. */
static void json_fail(const char *name, const char *buf, size_t off, const json_error_t *e,
		      struct tb_diag *diag)
{
	size_t line = 1, col = 0;

	for (size_t i = 0; i < off; i++) {
		col++;
		if (buf[i] == '\n') {
			line++;
			col = 0;
		}
	}
	if (e->line <= 1)
		col += e->column > 0 ? (size_t)e->column : 1;
	else
		col = e->column > 0 ? (size_t)e->column : 1;
	tb_diag_add(diag, "%s: line %zu column %zu: %s", name,
		    line + (e->line > 1 ? e->line - 1 : 0), col, e->text);
}

int tb_manifest_load_json(const char *buf, size_t len, const char *name, json_t **docs,
			  struct tb_diag *diag)
{
	size_t flags = JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES;
	size_t off = 0;
	json_error_t e;
	json_t *v;

	*docs = json_array();
	if (!*docs)
		return -ENOMEM;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		off = 3;
	for (off = skip_space(buf, len, off); off < len; off = skip_space(buf, len, off)) {
		v = json_loadb(buf + off, len - off, flags, &e);
		if (!v) {
			json_fail(name, buf, off, &e, diag);
			goto fail;
		}
		if (container_depth(v) > TB_YAML_MAX_DEPTH) {
			json_decref(v);
			e.line = 1;
			e.column = 1;
			snprintf(e.text, sizeof(e.text), "nesting too deep");
			json_fail(name, buf, off, &e, diag);
			goto fail;
		}
		if (json_array_append_new(*docs, v))
			goto fail;
		off += e.position;
	}
	return 0;
fail:
	json_decref(*docs);
	*docs = NULL;
	return -EINVAL;
}
