// SPDX-License-Identifier: Apache-2.0
/*
 * How every scalar form is typed (plain, quoted, block, tagged), which strings the emitter
 * must quote to keep them strings, and how reals are printed. The choices are the ones
 * written down in yaml_scalar.h.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "yaml_scalar.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct typing_case {
	const char *yaml;	/* the value after "v: " */
	const char *json;	/* what it must load as, in JSON */
};

static const struct typing_case typing[] = {
	/* null */
	{ "", "null" }, { "~", "null" }, { "null", "null" }, { "Null", "null" }, { "NULL", "null" },
	{ "nULL", "\"nULL\"" }, { "'null'", "\"null\"" }, { "\"~\"", "\"~\"" }, { "''", "\"\"" },
	/* booleans: 1.2 words only; YAML 1.1 yes/no/on/off/y/n stay strings */
	{ "true", "true" }, { "True", "true" }, { "TRUE", "true" }, { "false", "false" },
	{ "False", "false" }, { "FALSE", "false" }, { "tRUE", "\"tRUE\"" }, { "yes", "\"yes\"" },
	{ "no", "\"no\"" }, { "on", "\"on\"" }, { "off", "\"off\"" }, { "y", "\"y\"" },
	{ "N", "\"N\"" }, { "\"true\"", "\"true\"" }, { "'false'", "\"false\"" },
	/* integers */
	{ "0", "0" }, { "7", "7" }, { "-7", "-7" }, { "+7", "7" }, { "-0", "0" },
	{ "9223372036854775807", "9223372036854775807" },
	{ "-9223372036854775808", "-9223372036854775808" },
	{ "9223372036854775808", "9.2233720368547758e18" }, { "0x1F", "31" }, { "0xff", "255" },
	{ "0o17", "15" }, { "0x", "\"0x\"" }, { "0xg", "\"0xg\"" }, { "0o8", "\"0o8\"" },
	{ "0755", "\"0755\"" }, { "-012", "\"-012\"" }, { "1_000", "\"1_000\"" },
	{ "1:20", "\"1:20\"" }, { "0b101", "\"0b101\"" }, { "'123'", "\"123\"" },
	{ "\"-5\"", "\"-5\"" },
	/* reals */
	{ "1.5", "1.5" }, { "-1.5", "-1.5" }, { "+.5", "0.5" }, { ".5", "0.5" }, { "1.", "1.0" },
	{ "1e3", "1000.0" }, { "1E3", "1000.0" }, { "1e-3", "0.001" }, { "-2.5e+2", "-250.0" },
	{ "0.0", "0.0" }, { "1e400", "\"1e400\"" }, { "1e", "\"1e\"" }, { ".", "\".\"" },
	{ ".e3", "\".e3\"" }, { "'1.5'", "\"1.5\"" },
	/* .inf/.nan cannot live in JSON: kept as text */
	{ ".inf", "\".inf\"" }, { "-.Inf", "\"-.Inf\"" }, { ".NaN", "\".NaN\"" },
	/* strings */
	{ "hello", "\"hello\"" }, { "10.0.0.1", "\"10.0.0.1\"" },
	{ "10.0.0.0/8", "\"10.0.0.0/8\"" },
	{ "2001-12-14", "\"2001-12-14\"" }, { "a b  c", "\"a b  c\"" }, { "tcp:22", "\"tcp:22\"" },
	{ "\"a\\tb\"", "\"a\\tb\"" }, { "'it''s'", "\"it's\"" }, { "\"\\u00e9\"", "\"\\u00e9\"" },
	{ "\"a\\0b\"", "\"a\\u0000b\"" }, { "role == 'db'", "\"role == 'db'\"" },
	{ "|\n  a\n  b", "\"a\\nb\\n\"" }, { ">\n  a\n  b", "\"a b\\n\"" },
	{ "|-\n  123", "\"123\"" }, { "|\n  true", "\"true\\n\"" },
	/* tags */
	{ "!!str 123", "\"123\"" }, { "!!str true", "\"true\"" }, { "!!str", "\"\"" },
	{ "!!int \"42\"", "42" }, { "!!float 1", "1.0" }, { "!!float '2.5'", "2.5" },
	{ "!!bool \"true\"", "true" }, { "!!null ''", "null" }, { "! 123", "\"123\"" },
	{ "!local 123", "123" }, { "!local '123'", "\"123\"" }, { "!!binary aGk=", "\"aGk=\"" },
	{ "!!timestamp 2001-12-14", "\"2001-12-14\"" },
	/* flow collections */
	{ "[1, a, \"b\", ~]", "[1, \"a\", \"b\", null]" },
	{ "{a: 1, b: [x]}", "{\"a\": 1, \"b\": [\"x\"]}" },
	{ "[]", "[]" }, { "{}", "{}" },
};

static json_t *load_value(const char *yaml, struct tb_diag *diag)
{
	json_t *docs, *v;
	char *text;

	if (asprintf(&text, "v: %s\n", yaml) < 0)
		return NULL;
	if (tb_yaml_load(text, strlen(text), "case", &docs, diag)) {
		free(text);
		return NULL;
	}
	free(text);
	v = json_incref(json_object_get(json_array_get(docs, 0), "v"));
	json_decref(docs);
	return v;
}

Test(manifest_scalar, typing)
{
	for (size_t i = 0; i < ARRAY_SIZE(typing); i++) {
		const struct typing_case *c = &typing[i];
		json_t *want = json_loads(c->json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		struct tb_diag diag;
		json_t *got;
		char *dump;

		tb_diag_init(&diag);
		got = load_value(c->yaml, &diag);
		if (!want)
			cr_expect_fail("case %zu: bad expectation %s", i, c->json);
		else if (!got)
			cr_expect_fail("case %zu (%s): load failed: %s", i, c->yaml,
				       diag.n ? diag.msgs[0] : "");
		else if (!json_equal(got, want)) {
			dump = json_dumps(got, JSON_ENCODE_ANY);
			cr_expect_fail("case %zu (%s): got %s, want %s", i, c->yaml, dump, c->json);
			free(dump);
		}
		json_decref(got);
		json_decref(want);
		tb_diag_free(&diag);
	}
}

/* Tagged scalars whose text does not fit the tag are errors that name the line. */
static const char *const bad_tagged[] = {
	"!!int abc", "!!int 1.5", "!!float abc", "!!bool yes", "!!null x", "!!int ''",
};

Test(manifest_scalar, bad_tags)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_tagged); i++) {
		struct tb_diag diag;
		json_t *got;

		tb_diag_init(&diag);
		got = load_value(bad_tagged[i], &diag);
		if (got || diag.n != 1 || !strstr(diag.msgs[0], "case: line 1 column 4:"))
			cr_expect_fail("case %zu (%s): %s", i, bad_tagged[i],
				       diag.n ? diag.msgs[0] : "no error");
		json_decref(got);
		tb_diag_free(&diag);
	}
}

struct quote_case {
	const char *s;
	bool quote;
};

static const struct quote_case quoting[] = {
	{ "", true }, { "true", true }, { "False", true }, { "null", true }, { "~", true },
	{ "123", true }, { "-1", true }, { "1.5", true }, { "1e3", true }, { ".5", true },
	{ "0x1F", true }, { "0o7", true }, { "0755", true }, { "1_000", true }, { "1:20", true },
	{ "0b11", true }, { "2001-12-14", true }, { "yes", true }, { "No", true }, { "ON", true },
	{ "off", true }, { "y", true }, { "n", true }, { "<<", true }, { "=", true },
	{ ".inf", true }, { "-.inf", true }, { ".nan", true }, { "1e400", true },
	{ "hello", false }, { "10.0.0.1", false }, { "10.0.0.0/8", false }, { "fd00::1", false },
	{ "tcp:22", false }, { "Allow", false }, { "a b", false }, { "nil", false },
	{ "yess", false }, { "kns.default", false }, { "v3", false },
};

Test(manifest_scalar, needs_quotes)
{
	for (size_t i = 0; i < ARRAY_SIZE(quoting); i++) {
		const struct quote_case *c = &quoting[i];

		if (tb_yaml_str_needs_quotes(c->s, strlen(c->s)) != c->quote)
			cr_expect_fail("case %zu (\"%s\"): want quote=%d", i, c->s, c->quote);
	}
}

struct real_case {
	double d;
	const char *text;
};

static const struct real_case reals[] = {
	{ 1.0, "1.0" }, { 0.5, "0.5" }, { -2.0, "-2.0" }, { 0.1, "0.1" }, { 100.5, "100.5" },
	{ 1e20, "1e+20" }, { 1e-7, "1e-07" }, { 1000.0, "1000.0" }, { -3e5, "-300000.0" },
	{ 1.25e16, "12500000000000000.0" }, { 1e17, "1e+17" }, { 1.5e-5, "1.5e-05" },
	{ 0.0, "0.0" }, { 1.0 / 3, "0.3333333333333333" },
};

Test(manifest_scalar, format_real)
{
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(reals); i++) {
		if (tb_yaml_format_real(reals[i].d, buf, sizeof(buf)) || strcmp(buf, reals[i].text))
			cr_expect_fail("case %zu: got %s, want %s", i, buf, reals[i].text);
	}
}

/* What each scalar prints as, on its own line: the kubectl/calicoctl look. */
struct emit_case {
	const char *json;
	const char *yaml;
};

static const struct emit_case emitted[] = {
	{ "{\"a\": \"true\"}", "a: \"true\"\n" }, { "{\"a\": \"\"}", "a: \"\"\n" },
	{ "{\"a\": \"123\"}", "a: \"123\"\n" }, { "{\"a\": 123}", "a: 123\n" },
	{ "{\"a\": 1.0}", "a: 1.0\n" }, { "{\"a\": null}", "a: null\n" },
	{ "{\"a\": \" x\"}", "a: ' x'\n" }, { "{\"a\": \"a: b\"}", "a: 'a: b'\n" },
	{ "{\"a\": \"a #b\"}", "a: 'a #b'\n" }, { "{\"a\": \"!x\"}", "a: '!x'\n" },
	{ "{\"a\": \"x\\ny\\n\"}", "a: |\n  x\n  y\n" },
	{ "{\"a\": \"10.0.0.1\"}", "a: 10.0.0.1\n" },
	{ "{\"a\": [{\"b\": 1, \"c\": 2}]}", "a:\n- b: 1\n  c: 2\n" },
	{ "{\"a\": {}, \"b\": []}", "a: {}\nb: []\n" }, { "{\"yes\": 1}", "\"yes\": 1\n" },
	{ "{\"a\": \"h\\u00e9\"}", "a: h\xc3\xa9\n" },
};

Test(manifest_scalar, emit_style)
{
	for (size_t i = 0; i < ARRAY_SIZE(emitted); i++) {
		json_t *v = json_loads(emitted[i].json, 0, NULL);
		char *text = v ? tb_yaml_dumps(v) : NULL;

		if (!text || strcmp(text, emitted[i].yaml))
			cr_expect_fail("case %zu: got [%s], want [%s]", i, text ? text : "(null)",
				emitted[i].yaml);
		free(text);
		json_decref(v);
	}
}
