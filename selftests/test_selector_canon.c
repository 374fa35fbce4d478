// SPDX-License-Identifier: Apache-2.0
/*
 * Calico's canonical form and UID. Calico keys selectors (and the IP sets rules share) by the
 * UID of the canonical string, so both are checked byte for byte; the UIDs below are the
 * values Calico computes for these selectors.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *src;
	const char *canon;
} canon_cases[] = {
	/* all(), global(), empty */
	{ "", "all()" },
	{ " ", "all()" },
	{ "\t", "all()" },
	{ " all() ", "all()" },
	{ "all( )", "all()" },
	{ " (all() )", "all()" },
	{ "((all()))", "all()" },
	{ "global( )", "global()" },
	{ "!all()", "!all()" },
	{ "! all()", "!all()" },
	{ "!!all()", "all()" },
	/* comparisons: one space around the operator */
	{ "a==\"b\"", "a == \"b\"" },
	{ "a  ==  'b'", "a == \"b\"" },
	{ "a!='b'", "a != \"b\"" },
	{ "a\t!=\t\"b\"", "a != \"b\"" },
	{ "a contains'b'", "a contains \"b\"" },
	{ "a startswith 'b'", "a starts with \"b\"" },
	{ "a starts  with 'b'", "a starts with \"b\"" },
	{ "a starts\twith 'b'", "a starts with \"b\"" },
	{ "a endswith \"b\"", "a ends with \"b\"" },
	{ "a ends  with 'b'", "a ends with \"b\"" },
	{ "has( a )", "has(a)" },
	{ "has(\ta)", "has(a)" },
	{ "a == ''", "a == \"\"" },
	/* quote choice: " unless the value holds a " */
	{ "a == \"'\"", "a == \"'\"" },
	{ "a == '\"'", "a == '\"'" },
	{ "a == 'x\"y'", "a == 'x\"y'" },
	{ "a contains '\"'", "a contains '\"'" },
	{ "a contains \"'\"", "a contains \"'\"" },
	{ "a startswith '\"'", "a starts with '\"'" },
	{ "a endswith \"'\"", "a ends with \"'\"" },
	{ "a!='\"'", "a != '\"'" },
	{ "a == '\\'", "a == \"\\\"" },
	{ "a == 'b c'", "a == \"b c\"" },
	/* sets: sorted (byte order), de-duplicated, ", " separated */
	{ "a in {\"d\"}", "a in {\"d\"}" },
	{ "a in {}", "a in {}" },
	{ "a in { }", "a in {}" },
	{ "a not in {}", "a not in {}" },
	{ "a notin{}", "a not in {}" },
	{ "a in {\"a\", \"b\"}", "a in {\"a\", \"b\"}" },
	{ "a in {\"d\", \"a\", \"b\"}", "a in {\"a\", \"b\", \"d\"}" },
	{ "a in {\"z\", \"x\", \"y\", \"a\"}", "a in {\"a\", \"x\", \"y\", \"z\"}" },
	{ "a in {\"z\", \"z\", \"x\", \"y\", \"x\", \"a\"}", "a in {\"a\", \"x\", \"y\", \"z\"}" },
	{ "a in {'b',}", "a in {\"b\"}" },
	{ "a in {\"b\",\"a\",}", "a in {\"a\", \"b\"}" },
	{ "a in {\"B\", \"a\", \"A\", \"b\"}", "a in {\"A\", \"B\", \"a\", \"b\"}" },
	{ "a in {\"ab\", \"a\", \"\"}", "a in {\"\", \"a\", \"ab\"}" },
	{ "a in {\"'\", '\"', \"c\"}", "a in {'\"', \"'\", \"c\"}" },
	{ "a not in {\"y\", \"x\", \"y\"}", "a not in {\"x\", \"y\"}" },
	{ "a in {\"10\", \"9\", \"1\"}", "a in {\"1\", \"10\", \"9\"}" },
	/* chains: one pair of parentheses per chain of two or more */
	{ "a == \"b\" && c == \"d\"", "(a == \"b\" && c == \"d\")" },
	{ "a == \"b\"&&c == \"d\"&&e == \"f\"", "(a == \"b\" && c == \"d\" && e == \"f\")" },
	{ "a == \"b\" || c == \"d\"", "(a == \"b\" || c == \"d\")" },
	{ "has(a) && has(b) || has(c)", "((has(a) && has(b)) || has(c))" },
	{ "has(a) || has(b) && has(c)", "(has(a) || (has(b) && has(c)))" },
	{ "has(a) && has(b) || has(c) && has(d)", "((has(a) && has(b)) || (has(c) && has(d)))" },
	{ "(has(a) || has(b)) && has(c)", "((has(a) || has(b)) && has(c))" },
	{ "(a == \"b\" && c == \"d\") && e == \"f\"",
	  "((a == \"b\" && c == \"d\") && e == \"f\")" },
	{ "a == \"b\" && (c == \"d\" && e == \"f\")",
	  "(a == \"b\" && (c == \"d\" && e == \"f\"))" },
	{ "(has(a)) && (has(b))", "(has(a) && has(b))" },
	{ "((has(a)))", "has(a)" },
	{ "(has(a) && has(b))", "(has(a) && has(b))" },
	{ "((has(a) && has(b)))", "(has(a) && has(b))" },
	/* negation: glued to its operand, runs collapsed, separate ones kept */
	{ "!has(a)", "!has(a)" },
	{ "! has(a)", "!has(a)" },
	{ "!!has(b)", "has(b)" },
	{ "!!!has(b)", "!has(b)" },
	{ "! ! ! ! has(b)", "has(b)" },
	{ "!(has(a))", "!has(a)" },
	{ "!(!(has(a)))", "!!has(a)" },
	{ "!(!has(a))", "!!has(a)" },
	{ "!!(!has(a))", "!has(a)" },
	{ "!a == \"b\"", "!a == \"b\"" },
	{ "!(a == \"b\")", "!a == \"b\"" },
	{ "!a in {\"x\"}", "!a in {\"x\"}" },
	{ "!(has(a) || has(b))", "!(has(a) || has(b))" },
	{ "! (has( b)||! has(a ))", "!(has(b) || !has(a))" },
	{ "! (a == \"b\"&&! c != \"d\")", "!(a == \"b\" && !c != \"d\")" },
	{ "!a == \"b\" && c == \"d\"", "(!a == \"b\" && c == \"d\")" },
	{ "!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
	  "!(!((k == \"v\" && has(t)) || all()) && a in {\"b\", \"c\"})" },
	/* keyword-named labels print as labels */
	{ "in==\"x\"", "in == \"x\"" },
	{ "not notin {\"a\"}", "not not in {\"a\"}" },
	{ "contains contains 'contains'", "contains contains \"contains\"" },
	{ "has==\"x\"&&has(has)", "(has == \"x\" && has(has))" },
	{ "all()&&global()", "(all() && global())" },
};

Test(selector_canon, table)
{
	for (size_t i = 0; i < ARRAY_SIZE(canon_cases); i++) {
		struct tb_selector *s = NULL;
		char err[256] = "";
		char *c = NULL;

		if (tb_selector_parse(canon_cases[i].src, &s, err, sizeof(err))) {
			cr_expect_fail("'%s': %s", canon_cases[i].src, err);
			continue;
		}
		c = tb_selector_canonical(s);
		if (!c || strcmp(c, canon_cases[i].canon))
			cr_expect_fail("'%s': canonical '%s', want '%s'", canon_cases[i].src,
				       c ? c : "(null)", canon_cases[i].canon);
		free(c);
		tb_selector_free(s);
	}
}

/* A canonical form parses again, and (but for kept ! pairs) prints the same. */
Test(selector_canon, round_trip)
{
	for (size_t i = 0; i < ARRAY_SIZE(canon_cases); i++) {
		const char *want = canon_cases[i].canon;
		struct tb_selector *s = NULL;
		char *c = NULL;

		if (tb_selector_parse(want, &s, NULL, 0)) {
			cr_expect_fail("canonical '%s' does not parse", want);
			continue;
		}
		c = tb_selector_canonical(s);
		if (!strstr(want, "!!") && (!c || strcmp(c, want)))
			cr_expect_fail("'%s' re-canonicalised as '%s'", want, c ? c : "(null)");
		free(c);
		tb_selector_free(s);
	}
}

static const struct {
	const char *src;
	const char *uid;
} uid_cases[] = {
	{ "", "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug" },
	{ " all() ", "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug" },
	{ " (all() )", "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug" },
	{ "! (has( b)||! has(a ))", "s:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q" },
	{ "! (a == \"b\"&&! c != \"d\")", "s:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w" },
};

Test(selector_canon, uid)
{
	for (size_t i = 0; i < ARRAY_SIZE(uid_cases); i++) {
		struct tb_selector *s = NULL;
		char uid[TB_SELECTOR_UID_LEN];

		if (tb_selector_parse(uid_cases[i].src, &s, NULL, 0)) {
			cr_expect_fail("'%s' does not parse", uid_cases[i].src);
			continue;
		}
		if (tb_selector_uid(s, uid, sizeof(uid)) || strcmp(uid, uid_cases[i].uid))
			cr_expect_fail("'%s': uid %s, want %s", uid_cases[i].src, uid,
				       uid_cases[i].uid);
		if (tb_selector_uid(s, uid, TB_SELECTOR_UID_LEN - 1) != -ENOSPC)
			cr_expect_fail("a short UID buffer must be refused");
		tb_selector_free(s);
	}
}

/* Selectors that differ only in spelling share a UID; different ones do not. */
Test(selector_canon, uid_equivalence)
{
	static const char *const same[] = { "a == 'b' && c in {'y', 'x'}",
					    "a==\"b\"&&c in{\"x\",\"y\",\"x\",}",
					    "(a == \"b\") && (c in {\"x\", \"y\"})" };
	char first[TB_SELECTOR_UID_LEN], uid[TB_SELECTOR_UID_LEN];
	struct tb_selector *s = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		cr_assert_eq(tb_selector_parse(same[i], &s, NULL, 0), 0);
		cr_assert_eq(tb_selector_uid(s, i ? uid : first, sizeof(uid)), 0);
		tb_selector_free(s);
		if (i && strcmp(uid, first))
			cr_expect_fail("'%s' uid %s differs from %s", same[i], uid, first);
	}
	cr_assert_eq(tb_selector_parse("a == 'c' && c in {'y', 'x'}", &s, NULL, 0), 0);
	cr_assert_eq(tb_selector_uid(s, uid, sizeof(uid)), 0);
	tb_selector_free(s);
	if (!strcmp(uid, first))
		cr_expect_fail("different selectors share uid %s", uid);
}

/* Every label name gets the prefix; values, all() and global() do not. */
static const struct {
	const char *src;
	const char *prefixed;
} prefix_cases[] = {
	{ "k == 'v'", "pcns.k == \"v\"" },
	{ "k != 'v'", "pcns.k != \"v\"" },
	{ "k contains 'v'", "pcns.k contains \"v\"" },
	{ "k starts with 'v'", "pcns.k starts with \"v\"" },
	{ "k ends with 'v'", "pcns.k ends with \"v\"" },
	{ "k in {'v'}", "pcns.k in {\"v\"}" },
	{ "k not in {'v', 'u'}", "pcns.k not in {\"u\", \"v\"}" },
	{ "has(k)", "has(pcns.k)" },
	{ "!(k == 'v')", "!pcns.k == \"v\"" },
	{ "k == 'v' && x == 'y'", "(pcns.k == \"v\" && pcns.x == \"y\")" },
	{ "k == 'v' || has(x)", "(pcns.k == \"v\" || has(pcns.x))" },
	{ "all()", "all()" },
	{ "", "all()" },
	{ "global() || k == 'all()'", "(global() || pcns.k == \"all()\")" },
	{ "!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
	  "!(!((pcns.k == \"v\" && has(pcns.t)) || all()) && pcns.a in {\"b\", \"c\"})" },
};

Test(selector_canon, prefixed)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefix_cases); i++) {
		struct tb_selector *s = NULL;
		char *c = NULL;

		if (tb_selector_parse(prefix_cases[i].src, &s, NULL, 0)) {
			cr_expect_fail("'%s' does not parse", prefix_cases[i].src);
			continue;
		}
		c = tb_selector_canonical_prefixed(s, "pcns.");
		if (!c || strcmp(c, prefix_cases[i].prefixed))
			cr_expect_fail("'%s': prefixed '%s', want '%s'", prefix_cases[i].src,
				       c ? c : "(null)", prefix_cases[i].prefixed);
		free(c);
		tb_selector_free(s);
	}
}
