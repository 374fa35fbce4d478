// SPDX-License-Identifier: Apache-2.0
/*
 * Calico's canonical form of a selector and the UID derived from it. Calico identifies
 * selectors (and shares IP sets between rules) by this UID, so both must be byte-for-byte
 * what Calico prints: single spaces around binary operators, each &&/|| chain of two or more
 * operands in one pair of parentheses, ! glued to its operand, set members sorted and unique,
 * double quotes unless the value holds one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "selector_int.h"

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

static void put(struct sbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *np;

	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct sbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_str(struct sbuf *b, const struct tb_selector *s, struct tb_sel_str str)
{
	put(b, s->strs + str.off, str.len);
}

static void put_label(struct sbuf *b, const struct tb_selector *s, struct tb_sel_str label,
		      const char *prefix)
{
	if (prefix)
		puts_(b, prefix);
	put_str(b, s, label);
}

static void put_quoted(struct sbuf *b, const struct tb_selector *s, struct tb_sel_str str)
{
	const char *q = memchr(s->strs + str.off, '"', str.len) ? "'" : "\"";

	puts_(b, q);
	put_str(b, s, str);
	puts_(b, q);
}

static const char *const op_text[] = {
	[TB_SEL_EQ] = " == ",
	[TB_SEL_NE] = " != ",
	[TB_SEL_CONTAINS] = " contains ",
	[TB_SEL_STARTS] = " starts with ",
	[TB_SEL_ENDS] = " ends with ",
	[TB_SEL_IN] = " in {",
	[TB_SEL_NOT_IN] = " not in {",
	[TB_SEL_AND] = " && ",
	[TB_SEL_OR] = " || ",
};

/* Prints node idx; every label name gets prefix (NULL for none) in front of it. */
static void print_node(struct sbuf *b, const struct tb_selector *s, uint32_t idx,
		       const char *prefix)
{
	const struct tb_sel_node *n = &s->nodes[idx];
	uint32_t i;

	switch (n->op) {
	case TB_SEL_ALL:
		puts_(b, "all()");
		break;
	case TB_SEL_GLOBAL:
		puts_(b, "global()");
		break;
	case TB_SEL_HAS:
		puts_(b, "has(");
		put_label(b, s, n->label, prefix);
		puts_(b, ")");
		break;
	case TB_SEL_NOT:
		puts_(b, "!");
		print_node(b, s, n->child, prefix);
		break;
	case TB_SEL_AND:
	case TB_SEL_OR:
		puts_(b, "(");
		for (i = 0; i < n->list.count; i++) {
			if (i)
				puts_(b, op_text[n->op]);
			print_node(b, s, s->kids[n->list.first + i], prefix);
		}
		puts_(b, ")");
		break;
	case TB_SEL_IN:
	case TB_SEL_NOT_IN:
		put_label(b, s, n->label, prefix);
		puts_(b, op_text[n->op]);
		for (i = 0; i < n->list.count; i++) {
			if (i)
				puts_(b, ", ");
			put_quoted(b, s, s->members[n->list.first + i]);
		}
		puts_(b, "}");
		break;
	default:
		put_label(b, s, n->label, prefix);
		puts_(b, op_text[n->op]);
		put_quoted(b, s, n->value);
		break;
	}
}

char *tb_selector_canonical_prefixed(const struct tb_selector *s, const char *prefix)
{
	struct sbuf b = { 0 };

	print_node(&b, s, s->root, prefix);
	if (b.err) {
		free(b.p);
		errno = -b.err;
		return NULL;
	}
	return b.p;
}

char *tb_selector_canonical(const struct tb_selector *s)
{
	return tb_selector_canonical_prefixed(s, NULL);
}

