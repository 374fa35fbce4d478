// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"

void tb_vctx_init(struct tb_vctx *c, struct tb_diag *diag, json_t *root, const char *kind)
{
	memset(c, 0, sizeof(*c));
	c->diag = diag;
	c->root = root;
	c->kind = kind;
}

static size_t vpush(struct tb_vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t vpush(struct tb_vctx *c, const char *fmt, ...)
{
	size_t mark = c->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->len, sizeof(c->path) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len += (size_t)n < sizeof(c->path) - c->len ? (size_t)n : sizeof(c->path) - c->len - 1;
	return mark;
}

size_t tb_vpush_field(struct tb_vctx *c, const char *name)
{
	return c->len ? vpush(c, ".%s", name) : vpush(c, "%s", name);
}

size_t tb_vpush_index(struct tb_vctx *c, size_t i)
{
	return vpush(c, "[%zu]", i);
}

void tb_vpop(struct tb_vctx *c, size_t mark)
{
	c->len = mark;
	c->path[mark] = '\0';
}

static void vreport(struct tb_vctx *c, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	c->errors++;
	if (c->len)
		tb_diag_add(c->diag, "%s: %s", c->path, msg);
	else
		tb_diag_add(c->diag, "%s", msg);
}

void tb_verror(struct tb_vctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
}

void tb_verror_at(struct tb_vctx *c, const char *field, const char *fmt, ...)
{
	size_t mark = tb_vpush_field(c, field);
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
	tb_vpop(c, mark);
}

const char *tb_type_name(enum tb_type t)
{
	switch (t) {
	case TB_T_ANY: return "any value";
	case TB_T_STRING: return "a string";
	case TB_T_INT: return "an integer";
	case TB_T_NUMBER: return "a number";
	case TB_T_BOOL: return "a boolean";
	case TB_T_OBJECT: return "an object";
	case TB_T_ARRAY: return "a list";
	case TB_T_STRMAP: return "a map of strings";
	case TB_T_INT_OR_STRING: return "an integer or a string";
	}
	return "?";
}

static bool type_ok(enum tb_type t, json_t *v)
{
	switch (t) {
	case TB_T_ANY: return true;
	case TB_T_STRING: return json_is_string(v);
	case TB_T_INT: return json_is_integer(v);
	case TB_T_NUMBER: return json_is_number(v);
	case TB_T_BOOL: return json_is_boolean(v);
	case TB_T_OBJECT: return json_is_object(v);
	case TB_T_ARRAY: return json_is_array(v);
	case TB_T_STRMAP: return json_is_object(v);
	case TB_T_INT_OR_STRING: return json_is_integer(v) || json_is_string(v);
	}
	return false;
}

static void check_one_of(struct tb_vctx *c, const char *const *one_of, json_t *v)
{
	const char *s = json_string_value(v);
	char allowed[512] = "";
	size_t len = 0;

	for (const char *const *o = one_of; *o; o++)
		if (!strcmp(s, *o))
			return;
	for (const char *const *o = one_of; *o && len < sizeof(allowed); o++)
		len += snprintf(allowed + len, sizeof(allowed) - len, "%s%s", o == one_of ? "" : ", ", *o);
	tb_verror(c, "'%s' is not one of: %s", s, allowed);
}

static void check_strmap(struct tb_vctx *c, json_t *v)
{
	const char *k;
	json_t *e;

	json_object_foreach(v, k, e) {
		if (!json_is_string(e))
			tb_verror_at(c, k, "must be a string, not %s", json_is_null(e) ? "null" : "another type");
	}
}

/* Type, nested schema and one_of; the field's own check is the caller's business. */
static void value_validate(struct tb_vctx *c, const struct tb_field *f, enum tb_type t, json_t *v)
{
	if (!type_ok(t, v)) {
		tb_verror(c, "must be %s", tb_type_name(t));
		return;
	}
	if (t == TB_T_OBJECT && f->sub)
		tb_schema_validate(c, f->sub, v);
	else if (t == TB_T_STRMAP)
		check_strmap(c, v);
	else if (t == TB_T_STRING && f->one_of)
		check_one_of(c, f->one_of, v);
	else if (t == TB_T_STRING && (f->flags & TB_REQUIRED) && !*json_string_value(v))
		tb_verror(c, "must not be empty");
}

void tb_field_validate(struct tb_vctx *c, const struct tb_field *f, json_t *v)
{
	unsigned before = c->errors;
	size_t i;
	json_t *e;

	if (json_is_null(v) && (f->flags & TB_NULLABLE))
		return;
	if ((f->flags & TB_OMITEMPTY) && json_is_string(v) && !*json_string_value(v))
		return;
	if (f->type != TB_T_ARRAY) {
		value_validate(c, f, f->type, v);
		if (f->check && c->errors == before)
			f->check(c, v);
		return;
	}
	if (!json_is_array(v)) {
		tb_verror(c, "must be a list");
		return;
	}
	json_array_foreach(v, i, e) {
		size_t mark = tb_vpush_index(c, i);
		unsigned el_before = c->errors;

		value_validate(c, f, f->sub ? TB_T_OBJECT : f->elem, e);
		if (f->check && c->errors == el_before)
			f->check(c, e);
		tb_vpop(c, mark);
	}
}

static const struct tb_field *find_field(const struct tb_schema *s, const char *name)
{
	for (const struct tb_field *f = s->fields; f && f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static void fill_default(struct tb_vctx *c, const struct tb_field *f, json_t *obj)
{
	json_error_t jerr;
	json_t *def = json_loads(f->def, JSON_DECODE_ANY, &jerr);

	if (!def) {
		tb_verror_at(c, f->name, "internal error: bad default '%s'", f->def);
		return;
	}
	json_object_set_new(obj, f->name, def);
}

void tb_schema_validate(struct tb_vctx *c, const struct tb_schema *s, json_t *obj)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		tb_verror(c, "must be an object");
		return;
	}
	json_object_foreach(obj, key, v) {
		const struct tb_field *f = find_field(s, key);
		size_t mark;

		if (!f) {
			if (!(s->flags & TB_SCHEMA_OPEN))
				tb_verror_at(c, key, "unknown field");
			continue;
		}
		mark = tb_vpush_field(c, key);
		tb_field_validate(c, f, v);
		tb_vpop(c, mark);
	}
	for (const struct tb_field *f = s->fields; f && f->name; f++) {
		if (json_object_get(obj, f->name))
			continue;
		if (f->flags & TB_REQUIRED)
			tb_verror_at(c, f->name, "required field is missing");
		else if (f->def)
			fill_default(c, f, obj);
	}
	if (s->check)
		s->check(c, obj);
}
