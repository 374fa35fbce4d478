// SPDX-License-Identifier: Apache-2.0
/*
 * The YAML layer's tree building: anchors and aliases (expanded as copies), merge keys,
 * keys that are not strings, and the limits that keep alias bombs and deep nesting cheap.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct tree_case {
	const char *name;
	const char *yaml;
	const char *json;	/* the array of documents it must load as */
};

static const struct tree_case tree_cases[] = {
	{ "scalar alias", "a: &x hello\nb: *x\n", "[{\"a\": \"hello\", \"b\": \"hello\"}]" },
	{ "typed alias", "a: &x 8080\nb: *x\n", "[{\"a\": 8080, \"b\": 8080}]" },
	{ "mapping alias", "a: &m {p: 1, q: [x]}\nb: *m\n",
	  "[{\"a\": {\"p\": 1, \"q\": [\"x\"]}, \"b\": {\"p\": 1, \"q\": [\"x\"]}}]" },
	{ "sequence alias in sequence", "a: &s [1, 2]\nb: [*s, *s]\n",
	  "[{\"a\": [1, 2], \"b\": [[1, 2], [1, 2]]}]" },
	{ "anchor redefined", "a: &x 1\nb: *x\nc: &x 2\nd: *x\n",
	  "[{\"a\": 1, \"b\": 1, \"c\": 2, \"d\": 2}]" },
	{ "alias as key", "a: &k name\n*k : v\n", "[{\"a\": \"name\", \"name\": \"v\"}]" },
	{ "anchors per document", "a: &x 1\n---\nx: &x 2\ny: *x\n",
	  "[{\"a\": 1}, {\"x\": 2, \"y\": 2}]" },
	{ "merge key", "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n",
	  "[{\"base\": {\"x\": 1, \"y\": 2}, \"m\": {\"y\": 3, \"x\": 1}}]" },
	{ "merge list, first wins", "a: &a {x: 1}\nb: &b {x: 2, z: 2}\nm: {<<: [*a, *b]}\n",
	  "[{\"a\": {\"x\": 1}, \"b\": {\"x\": 2, \"z\": 2}, \"m\": {\"x\": 1, \"z\": 2}}]" },
	{ "quoted << is a key", "m: {\"<<\": 1}\n", "[{\"m\": {\"<<\": 1}}]" },
	{ "non-string keys", "1: a\ntrue: b\n~: c\n1.5: d\n0x10: e\n",
	  "[{\"1\": \"a\", \"true\": \"b\", \"null\": \"c\", \"1.5\": \"d\", \"16\": \"e\"}]" },
	{ "empty key", "\"\": a\n", "[{\"\": \"a\"}]" },
	{ "key order kept", "z: 1\na: 2\nm: 3\n", "[{\"z\": 1, \"a\": 2, \"m\": 3}]" },
	{ "empty documents", "---\n---\na: 1\n", "[null, {\"a\": 1}]" },
	{ "root scalars", "1\n--- x\n--- [a]\n", "[1, \"x\", [\"a\"]]" },
};

Test(manifest_alias, trees)
{
	for (size_t i = 0; i < ARRAY_SIZE(tree_cases); i++) {
		const struct tree_case *c = &tree_cases[i];
		json_t *want = json_loads(c->json, 0, NULL);
		struct tb_diag diag;
		json_t *got = NULL;
		char *s;

		tb_diag_init(&diag);
		if (!want)
			cr_expect_fail("%s: bad expectation", c->name);
		else if (tb_yaml_load(c->yaml, strlen(c->yaml), "t", &got, &diag))
			cr_expect_fail("%s: %s", c->name, diag.n ? diag.msgs[0] : "load failed");
		else if (!json_equal(got, want)) {
			s = json_dumps(got, 0);
			cr_expect_fail("%s: got %s, want %s", c->name, s, c->json);
			free(s);
		} else if (json_is_object(json_array_get(want, 0))) {
			/* json_equal ignores key order; the loader must keep it. */
			char *a = json_dumps(got, 0), *b = json_dumps(want, 0);

			if (strcmp(a, b))
				cr_expect_fail("%s: key order: got %s, want %s", c->name, a, b);
			free(a);
			free(b);
		}
		json_decref(got);
		json_decref(want);
		tb_diag_free(&diag);
	}
}

/* Aliases are copies: changing one place of the tree leaves the others alone. */
Test(manifest_alias, copies_not_shared)
{
	const char *in = "a: &m {p: 1}\nb: *m\n";
	struct tb_diag diag;
	json_t *docs = NULL, *root;

	tb_diag_init(&diag);
	if (tb_yaml_load(in, strlen(in), "t", &docs, &diag))
		goto fail;
	root = json_array_get(docs, 0);
	json_object_set_new(json_object_get(root, "a"), "p", json_integer(2));
	if (json_integer_value(json_object_get(json_object_get(root, "b"), "p")) != 1)
		goto fail;
	json_decref(docs);
	tb_diag_free(&diag);
	return;
fail:
	cr_expect_fail("alias shares its anchor's node");
	json_decref(docs);
	tb_diag_free(&diag);
}

static char *alias_bomb(int levels)
{
	size_t cap = 64 + (size_t)levels * 64, off;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	off = (size_t)snprintf(s, cap, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < levels; i++)
		off += (size_t)snprintf(s + off, cap - off,
					"l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i,
					i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	return s;
}

static char *deep_nesting(int levels)
{
	char *s = malloc((size_t)levels * 2 + 1);

	if (!s)
		return NULL;
	memset(s, '[', (size_t)levels);
	memset(s + levels, ']', (size_t)levels);
	s[levels * 2] = '\0';
	return s;
}

struct limit_case {
	const char *name;
	char *(*make)(int);
	int arg;
	const char *want;	/* NULL: must load */
};

static const struct limit_case limit_cases[] = {
	{ "small alias fan-out loads", alias_bomb, 3, NULL },
	{ "billion laughs refused", alias_bomb, 12,
	  "t: line 6 column 35: aliases expand to too many nodes" },
	{ "nesting at the limit loads", deep_nesting, TB_YAML_MAX_DEPTH, NULL },
	{ "nesting past the limit refused", deep_nesting, TB_YAML_MAX_DEPTH + 1,
	  "t: line 1 column 257: nesting too deep" },
};

Test(manifest_alias, limits)
{
	for (size_t i = 0; i < ARRAY_SIZE(limit_cases); i++) {
		const struct limit_case *c = &limit_cases[i];
		char *in = c->make(c->arg);
		struct tb_diag diag;
		json_t *docs = NULL;
		int err;

		tb_diag_init(&diag);
		if (!in) {
			cr_expect_fail("%s: out of memory", c->name);
			continue;
		}
		err = tb_yaml_load(in, strlen(in), "t", &docs, &diag);
		if (!c->want && err)
			cr_expect_fail("%s: %s", c->name, diag.n ? diag.msgs[0] : "failed");
		if (c->want && (err != -EINVAL || !diag.n || strcmp(diag.msgs[0], c->want)))
			cr_expect_fail("%s: err %d [%s], want [%s]", c->name, err,
				       diag.n ? diag.msgs[0] : "", c->want);
		json_decref(docs);
		tb_diag_free(&diag);
		free(in);
	}
}
