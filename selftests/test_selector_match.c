// SPDX-License-Identifier: Apache-2.0
/*
 * Selector semantics: every case is evaluated against every label set of a fixed universe.
 * A case lists (as hex digits) the sets that must match; all other sets must not. Each case is
 * checked three ways: through tb_labels, through JSON, and after re-parsing its canonical form.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define N_SETS 12

/* Key, value, key, value, ..., NULL. */
static const char *const universe[N_SETS][12] = {
	/* 0 */ { NULL },
	/* 1 */ { "a", "b", NULL },
	/* 2 */ { "a", "c", NULL },
	/* 3 */ { "a", "", NULL },
	/* 4 */ { "a", "b", "c", "d", NULL },
	/* 5 */ { "c", "d", NULL },
	/* 6 */ { "a", "bab", "b", "aaa", NULL },
	/* 7 */ { "a", "\"", "b", "'", NULL },
	/* 8 */ { "app", "web", "tier", "frontend", "env", "prod", NULL },
	/* 9 */ { "app", "db", "tier", "backend", "env", "dev", "projectcalico.org/namespace",
		  "ns1", NULL },
	/* a */ { "in", "x", "has", "y", "all", "z", "contains", "contains", "not", "a", NULL },
	/* b */ { "a", "B", NULL },
};

#define HAS_A "123467b"
#define NOT_A_B "02356789ab"

static const struct {
	const char *sel;
	const char *match; /* hex indices of the sets that match; "" for none */
} cases[] = {
	/* equality; an absent label is never equal and always unequal */
	{ "a == \"b\"", "14" },
	{ "a == 'b'", "14" },
	{ "a==\"b\"", "14" },
	{ "a != \"b\"", NOT_A_B },
	{ "a != 'b'", NOT_A_B },
	{ "a == \"\"", "3" },
	{ "a != \"\"", "012456789ab" },
	{ "a == \"B\"", "b" },
	{ "A == \"b\"", "" },
	{ "a == \"b \"", "" },
	{ "a == \"bab\"", "6" },
	{ "c == \"d\"", "45" },
	{ "c != \"d\"", "01236789ab" },
	{ "b == \"'\"", "7" },
	{ "a == '\"'", "7" },
	/* has */
	{ "has(a)", HAS_A },
	{ "!has(a)", "0589a" },
	{ "has( a )", HAS_A },
	{ "has(c)", "45" },
	{ "has(A)", "" },
	{ "has(projectcalico.org/namespace)", "9" },
	/* sets; in {} never matches, not in {} always does */
	{ "a in {\"b\"}", "14" },
	{ "a in {\"b\", \"c\"}", "124" },
	{ "a in {\"c\", \"b\", \"c\",}", "124" },
	{ "a in {}", "" },
	{ "a not in {}", "0123456789ab" },
	{ "a not in {\"b\"}", NOT_A_B },
	{ "a not in {\"b\", \"c\", \"\"}", "056789ab" },
	{ "a in {\"\"}", "3" },
	{ "a in {'\"', \"'\"}", "7" },
	{ "b in {\"'\"}", "7" },
	{ "a in {\"B\"}", "b" },
	{ "a in {\"ba\", \"ab\", \"babb\"}", "" },
	{ "app in {\"web\", \"db\"}", "89" },
	/* contains / starts with / ends with */
	{ "a contains \"a\"", "6" },
	{ "a contains \"b\"", "146" },
	{ "a contains \"\"", HAS_A },
	{ "a contains \"bab\"", "6" },
	{ "a contains \"babb\"", "" },
	{ "b contains \"aa\"", "6" },
	{ "a starts with \"b\"", "146" },
	{ "a starts with \"ba\"", "6" },
	{ "a starts with \"\"", HAS_A },
	{ "a starts with \"babx\"", "" },
	{ "a starts with \"B\"", "b" },
	{ "a startswith \"b\"", "146" },
	{ "a ends with \"b\"", "146" },
	{ "a ends with \"ab\"", "6" },
	{ "a ends with \"\"", HAS_A },
	{ "a ends with '\"'", "7" },
	{ "a endswith \"b\"", "146" },
	{ "a contains \"\\\\\"", "" },
	{ "app ends with \"b\"", "89" },
	{ "app contains \"e\"", "8" },
	/* all(), global(), empty */
	{ "", "0123456789ab" },
	{ "  ", "0123456789ab" },
	{ "all()", "0123456789ab" },
	{ "global()", "0123456789ab" },
	{ "!all()", "" },
	{ "!global()", "" },
	{ "!!all()", "0123456789ab" },
	{ "all() && has(a)", HAS_A },
	{ "!all() || c == \"d\"", "45" },
	{ "all() || has(a)", "0123456789ab" },
	/* negation binds to one primary */
	{ "!a == \"b\"", NOT_A_B },
	{ "!!a == \"b\"", "14" },
	{ "!!!a == \"b\"", NOT_A_B },
	{ "!a == \"b\" && c == \"d\"", "5" },
	{ "!(a == \"b\" && c == \"d\")", "012356789ab" },
	{ "!a in {\"b\"}", NOT_A_B },
	{ "!a not in {\"b\"}", "14" },
	{ "!(a in {\"b\"})", NOT_A_B },
	{ "!!has(a)", HAS_A },
	{ "!(!has(a))", HAS_A },
	{ "!(!(has(a)))", HAS_A },
	{ "!(has(a) || has(c))", "089a" },
	{ "!(a starts with \"b\") && has(a)", "237b" },
	/* && and || */
	{ "a == \"b\" && c == \"d\"", "4" },
	{ "a == \"b\" || c == \"d\"", "145" },
	{ "a == \"b\" && !has(c)", "1" },
	{ "a == \"b\" && a == \"c\"", "" },
	{ "(a == \"b\" || a == \"c\") && !has(c)", "12" },
	{ "a == \"b\" || a == \"c\" && !has(c)", "124" },
	{ "a == \"b\" || a == \"c\" || a == \"\"", "1234" },
	{ "a in {\"b\", \"c\"} && (c == \"d\" || b == \"aaa\")", "4" },
	{ "has(a) && has(b)", "67" },
	{ "has(b) || has(c)", "4567" },
	{ "!has(app) && !has(a)", "05a" },
	{ "a != \"b\" && a != \"c\" && has(a)", "367b" },
	{ "a == \"bab\" && b == \"aaa\"", "6" },
	{ "has(a) && (c == \"d\" || b in {\"aaa\", \"'\"})", "467" },
	{ "(a == \"b\" && c == \"d\") || (a == \"bab\" && has(b))", "46" },
	{ "has(a) && has(b) || has(c) && !has(a)", "567" },
	/* realistic endpoint selectors */
	{ "app == \"web\"", "8" },
	{ "app == \"web\" && tier == \"frontend\"", "8" },
	{ "tier starts with \"front\" || env == \"dev\"", "89" },
	{ "projectcalico.org/namespace == \"ns1\" && app != \"web\"", "9" },
	{ "env != \"prod\" && has(env)", "9" },
	{ "tier not in {\"frontend\"} && has(tier)", "9" },
	{ "app == \"web\" && tier == \"frontend\" && env in {\"prod\", \"staging\"} && !has(debug)",
	  "8" },
	{ "(app == \"db\" || app == \"cache\") && env == \"dev\"", "9" },
	{ "tier starts with \"back\" && projectcalico.org/namespace in {\"ns1\", \"ns2\"}", "9" },
	{ "!has(projectcalico.org/namespace) && has(app)", "8" },
	/* keyword-named labels */
	{ "in == \"x\"", "a" },
	{ "has(has)", "a" },
	{ "has == \"y\"", "a" },
	{ "all == \"z\"", "a" },
	{ "contains contains \"contains\"", "a" },
	{ "contains contains \"tain\" && in in {\"x\"}", "a" },
	{ "not in {\"a\"}", "a" },
	{ "not not in {\"a\"}", "0123456789b" },
	{ "not == \"a\" && all starts with \"z\"", "a" },
};

static int build(const char *const *kv, struct tb_labels *l, json_t **j)
{
	tb_labels_init(l);
	*j = json_object();
	if (!*j)
		return -1;
	for (; kv[0]; kv += 2)
		if (tb_labels_set(l, kv[0], kv[1]) ||
		    json_object_set_new(*j, kv[0], json_string(kv[1])))
			return -1;
	return 0;
}

/* Checks s against every set; returns the number of mismatches. */
static int check(const struct tb_selector *s, const char *what, const char *sel, const char *match)
{
	int bad = 0;

	for (int i = 0; i < N_SETS; i++) {
		char digit = "0123456789ab"[i];
		bool want = strchr(match, digit) != NULL;
		struct tb_labels l;
		json_t *j = NULL;

		if (build(universe[i], &l, &j)) {
			cr_expect_fail("building label set %d failed", i);
			bad++;
		} else if (tb_selector_match(s, &l) != want ||
			   tb_selector_match_json(s, j) != want) {
			cr_expect_fail("%s '%s' on set %c: want %s", what, sel, digit,
				       want ? "match" : "no match");
			bad++;
		}
		json_decref(j);
		tb_labels_free(&l);
	}
	return bad;
}

Test(selector_match, table)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tb_selector *s = NULL, *s2 = NULL;
		char err[256] = "";
		char *canon = NULL;

		if (tb_selector_parse(cases[i].sel, &s, err, sizeof(err))) {
			cr_expect_fail("'%s': %s", cases[i].sel, err);
			continue;
		}
		check(s, "selector", cases[i].sel, cases[i].match);
		canon = tb_selector_canonical(s);
		if (!canon || tb_selector_parse(canon, &s2, err, sizeof(err)))
			cr_expect_fail("'%s': canonical '%s' does not parse", cases[i].sel, canon);
		else
			check(s2, "canonical of", cases[i].sel, cases[i].match);
		free(canon);
		tb_selector_free(s2);
		tb_selector_free(s);
	}
}

/* is_all / is_none follow the outcome; has_global and the label list follow the text. */
static const struct {
	const char *sel;
	int constant; /* 1 all, 0 none, -1 depends */
	bool global;
	const char *labels; /* space-separated, sorted */
} info_cases[] = {
	{ "", 1, false, "" },
	{ "all()", 1, false, "" },
	{ "global()", 1, true, "" },
	{ "!all()", 0, false, "" },
	{ "!!all()", 1, false, "" },
	{ "a in {}", 0, false, "a" },
	{ "a not in {}", 1, false, "a" },
	{ "!(a in {})", 1, false, "a" },
	{ "all() || has(x)", 1, false, "x" },
	{ "!all() && has(x)", 0, false, "x" },
	{ "has(x) && all()", -1, false, "x" },
	{ "has(x) || !all()", -1, false, "x" },
	{ "has(b) && a == \"1\" || b in {\"2\"} && !has(c)", -1, false, "a b c" },
	{ "global() && has(projectcalico.org/namespace)", -1, true,
	  "projectcalico.org/namespace" },
	{ "z contains \"1\" || y starts with \"\" || x ends with \"\" || z != \"\"", -1, false,
	  "x y z" },
	{ "in in {\"x\"} && has(has)", -1, false, "has in" },
};

struct join {
	char buf[256];
};

static int join_label(const char *key, void *ctx)
{
	struct join *j = ctx;
	size_t n = strlen(j->buf);

	snprintf(j->buf + n, sizeof(j->buf) - n, "%s%s", n ? " " : "", key);
	return 0;
}

Test(selector_match, info)
{
	for (size_t i = 0; i < ARRAY_SIZE(info_cases); i++) {
		struct tb_selector *s = NULL;
		struct join j = { "" };

		if (tb_selector_parse(info_cases[i].sel, &s, NULL, 0)) {
			cr_expect_fail("'%s' does not parse", info_cases[i].sel);
			continue;
		}
		tb_selector_for_each_label(s, join_label, &j);
		if (tb_selector_is_all(s) != (info_cases[i].constant == 1) ||
		    tb_selector_is_none(s) != (info_cases[i].constant == 0) ||
		    tb_selector_has_global(s) != info_cases[i].global ||
		    strcmp(j.buf, info_cases[i].labels))
			cr_expect_fail("'%s': all %d none %d global %d labels '%s'",
				       info_cases[i].sel, tb_selector_is_all(s),
				       tb_selector_is_none(s), tb_selector_has_global(s), j.buf);
		if (tb_selector_label(s, tb_selector_label_count(s)))
			cr_expect_fail("'%s': label past the end", info_cases[i].sel);
		tb_selector_free(s);
	}
}

/* A non-string JSON value is an absent label; a NULL object is an empty set. */
Test(selector_match, json_edge_cases)
{
	struct tb_selector *s = NULL;
	json_t *j = json_pack("{s:i, s:s}", "a", 1, "b", "x");

	if (!j || tb_selector_parse("!has(a) && has(b)", &s, NULL, 0))
		goto fail;
	if (!tb_selector_match_json(s, j))
		goto fail;
	tb_selector_free(s);
	s = NULL;
	if (tb_selector_parse("a != \"x\" && !has(b)", &s, NULL, 0) ||
	    !tb_selector_match_json(s, NULL))
		goto fail;
	tb_selector_free(s);
	json_decref(j);
	return;
fail:
	tb_selector_free(s);
	json_decref(j);
	cr_expect_fail("JSON label edge cases");
}
