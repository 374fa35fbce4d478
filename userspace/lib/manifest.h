/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifests in and out: YAML (multi-document) and JSON, `kind: List` (and any `<Kind>List`)
 * expanded into its items. Documents become jansson trees; output is YAML or JSON that
 * reads back to the same tree (round-trip stable).
 *
 * YAML scalars are typed as YAML 1.1/1.2-core-ish readers (and Kubernetes) type them: plain
 * integers, floats, true/false, null/~ become JSON numbers, booleans and null; quoted scalars
 * and everything else are strings. Object key order is kept. The exact choices (yes/no stay
 * strings, 0755 stays a string, .inf/.nan stay strings, ...) are in docs/manifests.md.
 */
#ifndef TABBY_MANIFEST_H
#define TABBY_MANIFEST_H

#include <stdio.h>
#include <jansson.h>

#include "diag.h"

struct tb_doc {
	json_t *obj;	/* the resource object (owned) */
	char *file;	/* name of the input ("-" for stdin) */
	int index;	/* 1-based index of the document in the input */
	int item;	/* 1-based index inside a List document, 0 when not from a List */
};

struct tb_doc_list {
	struct tb_doc *docs;
	size_t n;
};

/* Reads a file ("-" = stdin). Syntax errors go to diag with file and line; returns -EINVAL. */
int tb_manifest_read_file(const char *path, struct tb_doc_list *out, struct tb_diag *diag);
/* Parses a buffer; name is used in messages. Empty documents are skipped. */
int tb_manifest_parse(const char *buf, size_t len, const char *name, struct tb_doc_list *out,
		      struct tb_diag *diag);
void tb_doc_list_free(struct tb_doc_list *l);

/*
 * The YAML layer alone: *docs becomes a JSON array with one value per document of the stream
 * (an empty document is null), no List expansion. Errors as tb_manifest_parse.
 */
int tb_yaml_load(const char *buf, size_t len, const char *name, json_t **docs,
		 struct tb_diag *diag);
/*
 * Limits that keep hostile input cheap: nesting depth, and the nodes that aliases may add to a
 * stream, TB_YAML_MAX_ALIAS_NODES plus 4 per input byte (linear, where alias bombs are not).
 */
#define TB_YAML_MAX_DEPTH 256
#define TB_YAML_MAX_ALIAS_NODES 100000

/* "file: document N" or "file: document N item M", the start of every message about a doc. */
int tb_doc_describe(const struct tb_doc *doc, char *buf, size_t len);

/* Output. Returns 0 or -errno. */
int tb_yaml_dump(json_t *v, FILE *f);
char *tb_yaml_dumps(json_t *v);	/* malloc'd, NULL on error */
int tb_json_dump(json_t *v, FILE *f);	/* indented 2, key order kept, trailing newline */

#endif
