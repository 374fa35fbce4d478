/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Declarative validation of JSON documents. Each resource kind describes its fields as a
 * table (name, type, default, nested schema, extra check); one engine walks document and
 * table together, fills defaults, refuses unknown fields and reports every problem with its
 * field path ("spec.ingress[2].destination.ports[0]: ...") instead of stopping at the first.
 */
#ifndef TABBY_SCHEMA_H
#define TABBY_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "diag.h"

enum tb_type {
	TB_T_ANY,	/* anything (free-form) */
	TB_T_STRING,
	TB_T_INT,	/* JSON integer */
	TB_T_NUMBER,	/* integer or real */
	TB_T_BOOL,
	TB_T_OBJECT,	/* checked against .sub */
	TB_T_ARRAY,	/* elements of type .elem (objects: against .sub) */
	TB_T_STRMAP,	/* object of string -> string (labels, annotations) */
	TB_T_INT_OR_STRING,
};

/* Field flags. */
#define TB_REQUIRED (1u << 0)	/* must be present (and, for strings, non-empty) */
#define TB_NULLABLE (1u << 1)	/* JSON null accepted and left as is */
/* "" is accepted and left as is, unchecked: Go's `validate:"omitempty,..."`, which Calico's
 * fields use, skips the checks of an empty string. */
#define TB_OMITEMPTY (1u << 2)

struct tb_vctx;
/* Checks a value beyond its type; c's path names the value. Reports with tb_verror. */
typedef void (*tb_check_fn)(struct tb_vctx *c, json_t *v);

struct tb_schema;

struct tb_field {
	const char *name;
	enum tb_type type;
	unsigned flags;
	const struct tb_schema *sub;	/* TB_T_OBJECT, or TB_T_ARRAY of objects */
	enum tb_type elem;		/* TB_T_ARRAY element type when .sub is NULL */
	const char *const *one_of;	/* strings: allowed values (NULL-terminated) */
	tb_check_fn check;		/* on the value; for arrays on each element */
	const char *def;		/* default inserted when absent, as JSON text */
};

/* Schema flags. */
#define TB_SCHEMA_OPEN (1u << 0)	/* unknown fields are accepted as they are */

struct tb_schema {
	const char *name;		/* for messages and docs, e.g. "RuleSpec" */
	const struct tb_field *fields;	/* terminated by an entry with name NULL */
	tb_check_fn check;		/* whole-object check after the fields (cross-field rules) */
	unsigned flags;
};

struct tb_vctx {
	struct tb_diag *diag;
	json_t *root;		/* the whole document */
	const char *kind;	/* the document's kind */
	char path[1024];	/* path of the value being checked ("" for the root) */
	size_t len;
	unsigned errors;	/* number of errors reported through this context */
};

void tb_vctx_init(struct tb_vctx *c, struct tb_diag *diag, json_t *root, const char *kind);
/* Path building: push returns a mark to pop back to. */
size_t tb_vpush_field(struct tb_vctx *c, const char *name);
size_t tb_vpush_index(struct tb_vctx *c, size_t i);
void tb_vpop(struct tb_vctx *c, size_t mark);

/* Reports "<path>: <message>" (or just the message at the root). */
void tb_verror(struct tb_vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports about a field of the current object without pushing: "<path>.<field>: ...". */
void tb_verror_at(struct tb_vctx *c, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Validates obj (a JSON object) against s, filling defaults. */
void tb_schema_validate(struct tb_vctx *c, const struct tb_schema *s, json_t *obj);
/* Validates one value against a field description (type, nested schema, checks). */
void tb_field_validate(struct tb_vctx *c, const struct tb_field *f, json_t *v);

const char *tb_type_name(enum tb_type t);

#endif
