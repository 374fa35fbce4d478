// SPDX-License-Identifier: Apache-2.0
/*
 * Which selectors parse and which are refused, written from the grammar note
 * (shared/notes/selector-grammar.md): whitespace, labels, strings, operator words in and out of
 * label position, has()/all()/global() spelling, sets, negation runs, precedence and the
 * errors around each of them. A refused selector must come with a message and a byte offset.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const valid[] = {
	/* empty and blank mean all() */
	"", " ", "\t", " \t  \t",
	/* all() and global() */
	"all()", " all()", "all() ", "all( )", "all(\t)", "all(  \t )", "global()", "global( )",
	" global() ", "(all())", "((all()))", "!all()", "!global()", "all() && global()",
	/* has() */
	"has(a)", "has( a)", "has(a )", "has( a )", "has(\ta\t)", "has(calico/k8s_ns)",
	"has(projectcalico.org/namespace)", "has(a.b-c_d/e)", "has(0)", "has(-)", "has(.)",
	"has(/)", "has(_)", "has(has)", "has(all)", "has(in)", "!has(a)", "! has(a)",
	"!!has(a)", "!!!has(a)", "! ! ! has(a)", "!\thas(a)",
	/* == and != */
	"a == \"b\"", "a == 'b'", "a==\"b\"", "a=='b'", "a\t==\t\"b\"", "a == \"\"", "a == ''",
	"a != \"b\"", "a!=\"b\"", "a != ''", "a.b/c-d_e == \"x\"", "0 == \"x\"",
	"123abc == \"x\"", ".a == \"x\"", "/a == \"x\"", "-a == \"x\"", "_ == \"x\"",
	"projectcalico.org/namespace == \"default\"", "k8s-app == \"kube-dns\"",
	"A == \"B\"",
	/* strings: any byte but the closing quote, no escapes */
	"a == \"it's\"", "a == '\"'", "a == \"'\"", "a == \"\\\"", "a == '\\'", "a == \"\\n\"",
	"a == \"a b\"", "a == \"&&\"", "a == \"||\"", "a == \"!\"", "a == \"(\"", "a == \")\"",
	"a == \"{\"", "a == \"}\"", "a == \",\"", "a == \"==\"", "a == \"\t\"",
	"a == \"line\nbreak\"", "a == \"caf\xc3\xa9\"", "a == \"\xff\xfe\"", "a == \"%\"",
	"a == \"has(x)\"", "a == \"all()\"",
	/* contains / starts with / ends with */
	"a contains \"b\"", "a contains 'b'", "a contains \"\"", "a contains\"b\"",
	"a contains'b'", "a starts with \"b\"", "a starts  with \"b\"", "a starts\twith \"b\"",
	"a startswith \"b\"", "a startswith\"b\"", "a starts with\"b\"", "a ends with \"b\"",
	"a ends  with \"b\"", "a endswith \"b\"", "a ends\twith\t\"b\"", "a ends with''",
	/* in / not in */
	"a in {\"b\"}", "a in {'b'}", "a in {}", "a in { }", "a in{}", "a in{\"x\"}",
	"a in {\"b\", \"c\"}", "a in {\"b\",\"c\"}", "a in { \"b\" , \"c\" }", "a in {\"b\",}",
	"a in {\"b\", \"c\",}", "a in {\"b\" ,}", "a in {\"b\", \"b\"}", "a in {\"\"}",
	"a in {\"'\", '\"'}", "a in {\"}\"}", "a in {\",\"}", "a not in {\"b\"}", "a not in {}",
	"a notin {\"b\"}", "a notin{\"b\"}", "a not  in {\"b\"}", "a not\tin {\"b\"}",
	"a not in{}", "a not in {\"x\",}",
	/* operator words are labels unless they follow a label */
	"in == \"x\"", "has == \"x\"", "all == \"x\"", "global == \"x\"", "not in {\"a\"}",
	"not == \"x\"", "contains contains \"contains\"", "starts starts with \"x\"",
	"ends ends with \"x\"", "with == \"x\"", "startswith starts with \"x\"",
	"endswith ends with \"x\"", "notin notin {}", "in in {\"in\"}", "and == \"x\"",
	"or == \"x\"", "true == \"x\"", "a == \"b\" && in in {}", "has(x) || not not in {}",
	"contains contains'x'", "hasx == \"y\"", "all1 == \"y\"", "globalx == \"y\"",
	/* boolean structure */
	"a == \"b\" && c == \"d\"", "a == \"b\" || c == \"d\"", "a == \"b\"&&c == \"d\"",
	"a == \"b\"||c == \"d\"", "has(a) && has(b) && has(c)", "has(a) || has(b) || has(c)",
	"has(a) && has(b) || has(c) && has(d)", "(has(a) || has(b)) && has(c)",
	"!(has(a) || has(b))", "!(a == \"b\")", "!a == \"b\"", "!a in {\"x\"}",
	"!a == \"b\" && c == \"d\"", "((((has(a)))))", "( has(a) )", "(has(a))&&(has(b))",
	"!(!(has(a)))", "!!(has(a))", "a == \"b\" && !has(c) || d in {\"e\"} && !(f != \"g\")",
	"(a == \"b\" && c == \"d\") && e == \"f\"", "all() || has(a)", "!all() && has(a)",
	"global() && has(a)", "(all()) || (global())",
};

static const char *const invalid[] = {
	/* whitespace other than space and tab */
	"\n", "\r", "\v", "\f", "a == \"b\"\n", "\na == \"b\"", "a ==\n\"b\"", "a == \"b\"\r\n",
	"has(a)\n", "has(\na)", "all(\n)", "a\n== \"b\"", "a == \"b\" &&\nhas(c)",
	/* lone or malformed punctuation */
	"=", "a = \"b\"", "a === \"b\"", "a =! \"b\"", "a ! = \"b\"", "a =\"b\"", "a & b",
	"a == \"b\" & c == \"d\"", "a == \"b\" | c == \"d\"", "a == \"b\" &", "a == \"b\" |",
	"&&", "||", "a == \"b\" && && c == \"d\"", "a == \"b\" || || c == \"d\"",
	"&& a == \"b\"", "|| a == \"b\"", "a == \"b\" &&", "a == \"b\" ||", "has(foo) &&",
	"has(foo) ||", "a == \"b\" && ", "!", "!!", "! ", "!()", "!(", "()", "(", ")",
	"(has(a)", "has(a))", "((has(a))", "(has(a)))", "a == \"b\")", "(a == \"b\"",
	"{", "}", ",", "{}", "a == \"b\",", "%", "a == \"b\" && %", "a == \"b\" || %",
	"$a == \"b\"", "a$ == \"b\"", "a == \"b\" ;", "#", "a == \"b\" # comment", "@", "~a",
	"a ~= \"b\"", "a < \"b\"", "a > \"b\"", "a:b == \"c\"", "a == \"b\" c == \"d\"",
	/* strings */
	"\"a\"", "'a'", "a == \"b", "a == 'b", "a == \"b'", "a == 'b\"", "\"FOO", "'FOO",
	"a == \"b\" && c == \"", "a == b", "b == b", "a == 1", "a == true", "a == \"b\"\"c\"",
	"a == \"b\" \"c\"", "'b1' == b", "\"b\" == \"b\"", "a == (\"b\")", "a == {\"b\"}",
	/* labels */
	"b", "a", "a ", "a b", "ab cd", "caf\xc3\xa9 == \"x\"", "a\xff == \"x\"",
	"a == \"b\" && c", "a == \"b\" && c d", "has(a) has(b)", "has(a) a == \"b\"",
	/* operator words */
	"a contains", "a contains b", "a containsx \"y\"", "a contain \"y\"", "a CONTAINS \"y\"",
	"a starts \"y\"", "a starts foo \"y\"", "a starts with", "a starts withs \"y\"",
	"a startswithx \"y\"", "a start with \"y\"", "a ends \"y\"", "a ends foo \"y\"",
	"a ends withs \"y\"", "a ends with b", "a inx {\"y\"}", "a inf \"y\"", "a in \"y\"",
	"a in (\"y\")", "a in [\"y\"]", "a in y", "a in", "a not {\"y\"}", "a not", "a notx {}",
	"a not inx {}", "a not in \"y\"", "a NOT IN {\"y\"}", "a IN {\"y\"}", "a is \"y\"",
	"a squiggles \"y\"", "a == \"b\" and c == \"d\"", "a == \"b\" or c == \"d\"",
	"not a == \"b\"", "a == \"b\" AND c == \"d\"", "a == \"b\" && not c == \"d\"",
	/* sets */
	"a in {", "a in {\"b\"", "a in {\"b\",", "a in {,}", "a in {,\"b\"}", "a in {\"b\",,}",
	"a in {\"b\",, \"c\"}", "a in {\"b\" \"c\"}", "a in {b}", "a in {\"b\", c}",
	"a in {\"b\"}}", "a in {{\"b\"}}", "a in {\"b\", \"c\",,}", "a not in {", "a not in {,}",
	"a in {\"b\"; \"c\"}", "a in {\"\\\"\", \"'\"}",
	/* has(), all(), global() spelling */
	"has()", "has( )", "has(\"a\")", "has('a')", "has (a)", "has(a", "has(a b)",
	"has( foo ", "has(a,b)", "has(a)(b)", "has", "has(a)b", "HAS(a)", "Has(a)",
	"has(a == \"b\")", "all", "all(", "all(x)", "all ()", "all() ()", "all(a)", "all)",
	"ALL()", "global", "global(", "global(x)", "global ()", "all() global()", "all()all()",
	"has(a) == \"b\"", "all() == \"b\"", "!has(a) in {}",
	/* Kubernetes set-based syntax is not this language */
	"app=web", "app = web", "app: web", "app in (a, b)", "app notin (a, b)", "!app", "app",
	"app,tier", "app == web", "app != web", "environment in (production, qa)",
};

Test(selector_parse, valid)
{
	for (size_t i = 0; i < ARRAY_SIZE(valid); i++) {
		struct tb_selector *s = NULL;
		char err[256] = "";
		int ret = tb_selector_parse(valid[i], &s, err, sizeof(err));

		if (ret || !s)
			cr_expect_fail("valid[%zu] '%s' refused: %d %s", i, valid[i], ret, err);
		tb_selector_free(s);
	}
}

Test(selector_parse, invalid)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		struct tb_selector *s = NULL;
		char err[256] = "";
		int ret = tb_selector_parse(invalid[i], &s, err, sizeof(err));

		if (ret != -EINVAL || s)
			cr_expect_fail("invalid[%zu] '%s' accepted (%d)", i, invalid[i], ret);
		else if (!strstr(err, " at byte "))
			cr_expect_fail("invalid[%zu] '%s': message without offset: '%s'", i,
				       invalid[i], err);
		tb_selector_free(s);
	}
}

/* The byte offset of the error points at the offending token. */
static const struct {
	const char *src;
	const char *msg;
	size_t at;
} error_offsets[] = {
	{ "a = \"b\"", "'=='", 2 },
	{ "a == \"b", "unterminated string", 5 },
	{ "has(a) && %", "unexpected character '%'", 10 },
	{ "a == \"b\" c == \"d\"", "end of the selector", 9 },
	{ "a b", "operator", 2 },
	{ "a in \"x\"", "set literal", 5 },
	{ "a == b", "quoted string", 5 },
	{ "(has(a)", "')'", 7 },
	{ "has()", "label", 4 },
	{ "all(x)", "')'", 4 },
	{ "a == \"b\" &&", "expected an expression", 11 },
	{ "a in {\"x\" \"y\"}", "'}'", 10 },
	{ "a == \"b\"\n", "0x0a", 8 },
	{ "a &b", "'&&'", 2 },
};

Test(selector_parse, error_offsets)
{
	for (size_t i = 0; i < ARRAY_SIZE(error_offsets); i++) {
		struct tb_selector *s = NULL;
		char err[256] = "", want[32];
		int ret = tb_selector_parse(error_offsets[i].src, &s, err, sizeof(err));

		snprintf(want, sizeof(want), " at byte %zu", error_offsets[i].at);
		if (ret != -EINVAL || !strstr(err, error_offsets[i].msg) || !strstr(err, want))
			cr_expect_fail("'%s': got %d '%s', want '%s' %s", error_offsets[i].src, ret,
				       err, error_offsets[i].msg, want);
		tb_selector_free(s);
	}
}

/* Builds "<label of n bytes> == \"v\"" or "has(<label>)" and parses it. */
static int parse_long_label(size_t n, bool has)
{
	struct tb_selector *s = NULL;
	char *src = malloc(n + 16);
	int ret;

	if (!src)
		return -ENOMEM;
	strcpy(src, has ? "has(" : "");
	memset(src + strlen(src), 'a', n);
	strcpy(src + (has ? 4 : 0) + n, has ? ")" : " == \"v\"");
	ret = tb_selector_parse(src, &s, NULL, 0);
	tb_selector_free(s);
	free(src);
	return ret;
}

Test(selector_parse, label_length_limit)
{
	if (parse_long_label(1, false) || parse_long_label(TB_SELECTOR_MAX_LABEL, false))
		cr_expect_fail("labels up to %d bytes must parse", TB_SELECTOR_MAX_LABEL);
	if (parse_long_label(TB_SELECTOR_MAX_LABEL, true))
		cr_expect_fail("has() with a %d-byte label must parse", TB_SELECTOR_MAX_LABEL);
	if (parse_long_label(TB_SELECTOR_MAX_LABEL + 1, false) != -EINVAL)
		cr_expect_fail("a label of %d bytes must be refused", TB_SELECTOR_MAX_LABEL + 1);
	if (parse_long_label(TB_SELECTOR_MAX_LABEL + 1, true) != -EINVAL)
		cr_expect_fail("has() of %d bytes must be refused", TB_SELECTOR_MAX_LABEL + 1);
	if (parse_long_label(5000, false) != -EINVAL)
		cr_expect_fail("a label of 5000 bytes must be refused");
}

/* Deep nesting is refused with a message, never a crash; reasonable nesting parses. */
static int parse_nested(int depth)
{
	struct tb_selector *s = NULL;
	char *src = malloc(2 * depth + 16);
	char err[128];
	int ret;

	if (!src)
		return -ENOMEM;
	memset(src, '(', depth);
	strcpy(src + depth, "has(a)");
	memset(src + depth + 6, ')', depth);
	src[2 * depth + 6] = '\0';
	ret = tb_selector_parse(src, &s, err, sizeof(err));
	tb_selector_free(s);
	free(src);
	return ret;
}

Test(selector_parse, nesting_limit)
{
	if (parse_nested(1) || parse_nested(100) || parse_nested(TB_SELECTOR_MAX_DEPTH))
		cr_expect_fail("nesting up to %d levels must parse", TB_SELECTOR_MAX_DEPTH);
	if (parse_nested(TB_SELECTOR_MAX_DEPTH + 1) != -EINVAL)
		cr_expect_fail("nesting beyond the limit must be refused");
	if (parse_nested(100000) != -EINVAL)
		cr_expect_fail("very deep nesting must be refused");
}

/* Long flat chains and long runs of ! need no recursion and have no limit. */
Test(selector_parse, long_chains)
{
	size_t n = 20000, i;
	char *src = malloc(n * 12 + 16);
	struct tb_selector *s = NULL;
	char *p = src;
	int ret;


	cr_assert(src);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%shas(a)", i ? " || " : "");
	ret = tb_selector_parse(src, &s, NULL, 0);
	tb_selector_free(s);
	if (ret)
		cr_expect_fail("a %zu-term chain must parse: %d", n, ret);
	memset(src, '!', n);
	strcpy(src + n, "has(a)");
	s = NULL;
	ret = tb_selector_parse(src, &s, NULL, 0);
	if (ret || !s || tb_selector_match_json(s, NULL))
		cr_expect_fail("%zu negations of has(a) must parse and match an empty set", n);
	tb_selector_free(s);
	free(src);
}

Test(selector_parse, null_arguments)
{
	struct tb_selector *s = (void *)1;
	char err[64];

	if (tb_selector_parse(NULL, &s, err, sizeof(err)) != -EINVAL || s)
		cr_expect_fail("a NULL source must be refused");
	/* A message buffer too small for the message is truncated, not overrun. */
	if (tb_selector_parse("a ==", &s, err, 4) != -EINVAL || strlen(err) != 3)
		cr_expect_fail("short error buffer: '%s'", err);
	tb_selector_free(NULL);
}
