// SPDX-License-Identifier: Apache-2.0
/* The schema engine: types, unknown and required fields, defaults, paths in messages. */
#include <criterion/criterion.h>
#include <string.h>

#include "schema.h"

static void check_even(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) % 2)
		tb_verror(c, "must be even");
}

static void check_pair(struct tb_vctx *c, json_t *obj)
{
	if (json_object_get(obj, "a") && json_object_get(obj, "b"))
		tb_verror(c, "a and b are exclusive");
}

static const char *const colours[] = { "red", "green", NULL };

static const struct tb_field inner_fields[] = {
	{ "a", TB_T_INT },
	{ "b", TB_T_INT },
	{ "even", TB_T_INT, .check = check_even },
	{ NULL },
};
static const struct tb_schema inner = { "Inner", inner_fields, check_pair };

static const struct tb_field outer_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED },
	{ "colour", TB_T_STRING, .one_of = colours, .def = "\"red\"" },
	{ "size", TB_T_NUMBER, .def = "26" },
	{ "flag", TB_T_BOOL },
	{ "labels", TB_T_STRMAP },
	{ "port", TB_T_INT_OR_STRING },
	{ "inner", TB_T_OBJECT, .sub = &inner },
	{ "list", TB_T_ARRAY, .sub = &inner },
	{ "evens", TB_T_ARRAY, .elem = TB_T_INT, .check = check_even },
	{ "maybe", TB_T_STRING, TB_NULLABLE },
	{ "any", TB_T_ANY },
	{ NULL },
};
static const struct tb_schema outer = { "Outer", outer_fields };

struct schema_case {
	const char *doc;
	const char *errors; /* expected messages joined by '|', "" when valid */
};

static const struct schema_case cases[] = {
	{ "{\"name\":\"x\"}", "" },
	{ "{}", "name: required field is missing" },
	{ "{\"name\":\"\"}", "name: must not be empty" },
	{ "{\"name\":\"x\",\"bogus\":1}", "bogus: unknown field" },
	{ "{\"name\":\"x\",\"colour\":\"blue\"}", "colour: 'blue' is not one of: red, green" },
	{ "{\"name\":\"x\",\"size\":\"big\"}", "size: must be a number" },
	{ "{\"name\":\"x\",\"size\":1.5}", "" },
	{ "{\"name\":\"x\",\"flag\":\"true\"}", "flag: must be a boolean" },
	{ "{\"name\":\"x\",\"labels\":{\"a\":1}}", "labels.a: must be a string, not another type" },
	{ "{\"name\":\"x\",\"port\":\"http\"}", "" },
	{ "{\"name\":\"x\",\"port\":true}", "port: must be an integer or a string" },
	{ "{\"name\":\"x\",\"inner\":{\"a\":1,\"b\":2}}", "inner: a and b are exclusive" },
	{ "{\"name\":\"x\",\"inner\":{\"c\":1}}", "inner.c: unknown field" },
	{ "{\"name\":\"x\",\"inner\":[]}", "inner: must be an object" },
	{ "{\"name\":\"x\",\"list\":[{},{\"even\":3}]}", "list[1].even: must be even" },
	{ "{\"name\":\"x\",\"list\":[{},5]}", "list[1]: must be an object" },
	{ "{\"name\":\"x\",\"list\":{}}", "list: must be a list" },
	{ "{\"name\":\"x\",\"evens\":[2,4,5,\"s\"]}", "evens[2]: must be even|evens[3]: must be an integer" },
	{ "{\"name\":\"x\",\"maybe\":null}", "" },
	{ "{\"name\":\"x\",\"colour\":null}", "colour: must be a string" },
	{ "{\"name\":\"x\",\"any\":[1,{\"z\":null}]}", "" },
	{ "{\"bogus\":1,\"size\":false}", "bogus: unknown field|size: must be a number|name: required field is missing" },
};

Test(schema, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = json_loads(cases[i].doc, 0, NULL);
		struct tb_diag d;
		struct tb_vctx c;
		char got[2048] = "";

		cr_assert(doc, "case %zu: bad test JSON", i);
		tb_diag_init(&d);
		tb_vctx_init(&c, &d, doc, "Test");
		tb_schema_validate(&c, &outer, doc);
		for (size_t m = 0; m < d.n; m++) {
			if (m)
				strcat(got, "|");
			strncat(got, d.msgs[m], sizeof(got) - strlen(got) - 1);
		}
		cr_expect_str_eq(got, cases[i].errors, "case %zu (%s)", i, cases[i].doc);
		cr_expect_eq(c.errors, d.n, "case %zu: error count", i);
		tb_diag_free(&d);
		json_decref(doc);
	}
}

Test(schema, defaults_filled_only_when_absent)
{
	json_t *doc = json_loads("{\"name\":\"x\",\"size\":30}", 0, NULL);
	struct tb_diag d;
	struct tb_vctx c;

	tb_diag_init(&d);
	tb_vctx_init(&c, &d, doc, "Test");
	tb_schema_validate(&c, &outer, doc);
	cr_assert_eq(d.n, 0);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "colour")), "red");
	cr_expect_eq(json_integer_value(json_object_get(doc, "size")), 30);
	cr_expect_null(json_object_get(doc, "flag"));
	tb_diag_free(&d);
	json_decref(doc);
}

Test(schema, diag_prefix_is_applied)
{
	json_t *doc = json_loads("{}", 0, NULL);
	struct tb_diag d;
	struct tb_vctx c;

	tb_diag_init(&d);
	tb_diag_set_prefix(&d, "f.yaml: document %d", 3);
	tb_vctx_init(&c, &d, doc, "Test");
	tb_schema_validate(&c, &outer, doc);
	cr_assert_eq(d.n, 1);
	cr_expect_str_eq(d.msgs[0], "f.yaml: document 3: name: required field is missing");
	tb_diag_free(&d);
	json_decref(doc);
}
