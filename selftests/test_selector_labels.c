// SPDX-License-Identifier: Apache-2.0
/*
 * Label sets: sorted lookup, overwrite and removal (with the string pool reclaiming dead
 * bytes), JSON in and out, and inheritance through a parent that the child's own labels
 * override, which is how endpoint labels sit over profile and namespace labels.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "labels.h"
#include "selector.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A sequence of operations and the lookups expected after it. */
static const struct {
	const char *name;
	const char *ops[8]; /* "+k=v" sets, "-k" unsets */
	const char *expect[6]; /* "k=v" present with value v, "!k" absent */
	size_t count;
} op_cases[] = {
	{ "empty", { NULL }, { "!a", "!", NULL }, 0 },
	{ "one", { "+a=b", NULL }, { "a=b", "!b", "!A", NULL }, 1 },
	{ "overwrite", { "+a=b", "+a=c", NULL }, { "a=c", NULL }, 1 },
	{ "overwrite longer", { "+a=b", "+a=longer value", NULL }, { "a=longer value", NULL }, 1 },
	{ "overwrite same", { "+a=b", "+a=b", NULL }, { "a=b", NULL }, 1 },
	{ "empty value", { "+a=", NULL }, { "a=", NULL }, 1 },
	{ "empty key", { "+=x", NULL }, { "=x", "!a", NULL }, 1 },
	{ "sorted insert", { "+m=1", "+a=2", "+z=3", "+b=4", NULL },
	  { "a=2", "b=4", "m=1", "z=3", "!c", NULL }, 4 },
	{ "prefix keys", { "+ab=1", "+a=2", "+abc=3", NULL },
	  { "a=2", "ab=1", "abc=3", "!abcd", NULL }, 3 },
	{ "unset", { "+a=1", "+b=2", "-a", NULL }, { "!a", "b=2", NULL }, 1 },
	{ "unset then set", { "+a=1", "-a", "+a=3", NULL }, { "a=3", NULL }, 1 },
	{ "unset missing", { "+a=1", "-b", NULL }, { "a=1", NULL }, 1 },
	{ "case", { "+a=1", "+A=2", NULL }, { "a=1", "A=2", NULL }, 2 },
};

static int apply(struct tb_labels *l, const char *op)
{
	char key[64];
	const char *eq = strchr(op, '=');

	int err;

	if (op[0] == '-') {
		/* Removing a label that is not there is reported, and changes nothing. */
		err = tb_labels_unset(l, op + 1);
		return err == -ENOENT ? 0 : err;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - op - 1), op + 1);
	return tb_labels_set(l, key, eq + 1);
}

static bool expect_one(const struct tb_labels *l, const char *e)
{
	char key[64];
	const char *eq = strchr(e, '='), *v;

	if (e[0] == '!')
		return tb_labels_get(l, e + 1) == NULL;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - e), e);
	v = tb_labels_get(l, key);
	return v && !strcmp(v, eq + 1) && tb_labels_get_own(l, key) == v;
}

Test(selector_labels, operations)
{
	for (size_t i = 0; i < ARRAY_SIZE(op_cases); i++) {
		struct tb_labels l;

		tb_labels_init(&l);
		for (size_t k = 0; op_cases[i].ops[k]; k++)
			if (apply(&l, op_cases[i].ops[k]))
				cr_expect_fail("%s: %s failed", op_cases[i].name,
					       op_cases[i].ops[k]);
		for (size_t k = 0; op_cases[i].expect[k]; k++)
			if (!expect_one(&l, op_cases[i].expect[k]))
				cr_expect_fail("%s: %s does not hold", op_cases[i].name,
					       op_cases[i].expect[k]);
		if (tb_labels_count(&l) != op_cases[i].count)
			cr_expect_fail("%s: %zu labels, want %zu", op_cases[i].name,
				       tb_labels_count(&l), op_cases[i].count);
		tb_labels_free(&l);
	}
}

/* Many overwrites must not grow the pool without bound: dead bytes are reclaimed. */
Test(selector_labels, pool_reclaims)
{
	struct tb_labels l;
	char v[32];

	tb_labels_init(&l);
	for (int i = 0; i < 100000; i++) {
		snprintf(v, sizeof(v), "value-%d", i);
		if (tb_labels_set(&l, i % 2 ? "a" : "b", v))
			goto fail;
	}
	if (l.pool_cap > 4096 || strcmp(tb_labels_get(&l, "a"), "value-99999"))
		goto fail;
	tb_labels_free(&l);
	return;
fail:
	tb_labels_free(&l);
	cr_expect_fail("pool grew to %u bytes", l.pool_cap);
}

Test(selector_labels, json_round_trip)
{
	json_t *in = json_pack("{s:s, s:s, s:s, s:s}", "app", "web", "tier", "", "a/b.c", "x y",
			       "z", "\"'");
	struct tb_labels l;
	json_t *out = NULL;

	tb_labels_init(&l);
	if (!in || tb_labels_from_json(&l, in) || tb_labels_count(&l) != 4)
		goto fail;
	if (strcmp(tb_labels_get(&l, "a/b.c"), "x y") || strcmp(tb_labels_get(&l, "tier"), ""))
		goto fail;
	out = tb_labels_to_json(&l);
	if (!out || !json_equal(in, out))
		goto fail;
	/* Loading again replaces, never merges. */
	json_decref(out);
	out = json_pack("{s:s}", "only", "one");
	if (!out || tb_labels_from_json(&l, out) || tb_labels_count(&l) != 1 ||
	    tb_labels_get(&l, "app"))
		goto fail;
	json_decref(out);
	out = NULL;
	if (tb_labels_from_json(&l, NULL) || tb_labels_count(&l) != 0)
		goto fail;
	tb_labels_free(&l);
	json_decref(in);
	return;
fail:
	tb_labels_free(&l);
	json_decref(in);
	json_decref(out);
	cr_expect_fail("JSON round trip");
}

Test(selector_labels, json_invalid)
{
	static const char *const bad[] = {
		"[]", "\"x\"", "{\"a\": 1}", "{\"a\": \"b\", \"c\": null}", "{\"a\": {}}",
		"{\"a\": true}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		struct tb_labels l;

		tb_labels_init(&l);
		if (!j || tb_labels_from_json(&l, j) != -EINVAL || tb_labels_count(&l) != 0)
			cr_expect_fail("'%s' must be refused", bad[i]);
		tb_labels_free(&l);
		json_decref(j);
	}
}

static int count_cb(const char *key, const char *value, void *ctx)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	snprintf(buf + n, 256 - n, "%s%s=%s", n ? "," : "", key, value);
	return 0;
}

/* Namespace -> profile -> endpoint: the closest set wins, the parent shows through. */
Test(selector_labels, inheritance)
{
	struct tb_labels ns, prof, ep;
	struct tb_selector *s = NULL;
	char walk[256] = "";

	tb_labels_init(&ns);
	tb_labels_init(&prof);
	tb_labels_init(&ep);
	tb_labels_set_parent(&prof, &ns);
	tb_labels_set_parent(&ep, &prof);
	if (tb_labels_set(&ns, "pcns.team", "blue") || tb_labels_set(&ns, "env", "ns-env") ||
	    tb_labels_set(&prof, "env", "prof-env") || tb_labels_set(&prof, "role", "db") ||
	    tb_labels_set(&ep, "app", "web") || tb_labels_set(&ep, "role", "cache"))
		goto fail;
	if (strcmp(tb_labels_get(&ep, "pcns.team"), "blue") ||
	    strcmp(tb_labels_get(&ep, "env"), "prof-env") ||
	    strcmp(tb_labels_get(&ep, "role"), "cache") || tb_labels_get_own(&ep, "env"))
		goto fail;
	tb_labels_for_each(&ep, count_cb, walk);
	if (strcmp(walk, "app=web,role=cache,env=prof-env,pcns.team=blue"))
		goto fail;
	if (tb_selector_parse("role == \"cache\" && env == \"prof-env\" && pcns.team == \"blue\"",
			      &s, NULL, 0) ||
	    !tb_selector_match(s, &ep) || tb_selector_match(s, &prof))
		goto fail;
	/* A change to the parent is seen by the child at once; removing an own label uncovers. */
	if (tb_labels_set(&ns, "pcns.team", "red") || tb_selector_match(s, &ep) ||
	    tb_labels_unset(&ep, "role") || strcmp(tb_labels_get(&ep, "role"), "db"))
		goto fail;
	tb_selector_free(s);
	tb_labels_free(&ep);
	tb_labels_free(&prof);
	tb_labels_free(&ns);
	return;
fail:
	tb_selector_free(s);
	tb_labels_free(&ep);
	tb_labels_free(&prof);
	tb_labels_free(&ns);
	cr_expect_fail("inheritance (walk '%s')", walk);
}

Test(selector_labels, merge_copy_equal)
{
	struct tb_labels a, b, c;
	bool ok;

	tb_labels_init(&a);
	tb_labels_init(&b);
	tb_labels_init(&c);
	ok = !tb_labels_set(&a, "x", "1") && !tb_labels_set(&a, "y", "2") &&
	     !tb_labels_set(&b, "y", "3") && !tb_labels_set(&b, "z", "4") &&
	     !tb_labels_merge(&a, &b) && tb_labels_count(&a) == 3 &&
	     !strcmp(tb_labels_get(&a, "y"), "3") && !tb_labels_copy(&c, &a) &&
	     tb_labels_equal(&a, &c) && !tb_labels_equal(&a, &b) && !tb_labels_set(&c, "x", "9") &&
	     !tb_labels_equal(&a, &c) && !strcmp(tb_labels_get(&a, "x"), "1");
	if (!ok)
		cr_expect_fail("merge, copy and equal");
	if (tb_labels_set(&a, NULL, "v") != -EINVAL || tb_labels_set(&a, "k", NULL) != -EINVAL)
		cr_expect_fail("NULL key or value must be refused");
	tb_labels_free(&a);
	tb_labels_free(&b);
	tb_labels_free(&c);
}
