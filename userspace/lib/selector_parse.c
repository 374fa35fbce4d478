// SPDX-License-Identifier: Apache-2.0
/*
 * The selector parser: recursive descent over Calico's grammar
 *
 *   selector = [ or ] EOF          or    = and { "||" and }       and = unary { "&&" unary }
 *   unary    = { "!" } primary     primary = has(l) | all() | global() | "(" or ")"
 *                                          | LABEL cmp STRING | LABEL (in|not in) set
 *
 * into the flat node array of selector_int.h. A chain of one operand is that operand (so
 * "(all())" is all()); an odd run of ! is one NOT node, an even run none. Chains written in
 * parentheses stay nested, which is what Calico's canonical form prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "selector_int.h"

/* Longest source accepted; keeps every offset and count well inside 32 bits. */
#define TB_SELECTOR_MAX_SRC (1u << 24)

struct parser {
	struct tb_sel_lexer lx;
	struct tb_sel_token tok;
	struct tb_selector *s;
	uint32_t cap_nodes, cap_kids, cap_members, cap_strs;
	uint32_t *stack; /* operands of the chains being parsed, innermost last */
	uint32_t n_stack, cap_stack;
};

/* Grows *arr (of elem-sized items, *cap of them) to hold at least need. */
static int grow(void **arr, uint32_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX / elem)
		return -ENOMEM;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int advance(struct parser *p)
{
	return tb_sel_lex_next(&p->lx, &p->tok);
}

static int fail(struct parser *p, const char *what)
{
	return tb_sel_error(p->lx.err, p->lx.errlen, p->tok.pos, "%s, found %s", what,
			    tb_sel_tok_name(p->tok.kind));
}

static int new_node(struct parser *p, enum tb_sel_op op)
{
	struct tb_selector *s = p->s;

	if (grow((void **)&s->nodes, &p->cap_nodes, (size_t)s->n_nodes + 1, sizeof(*s->nodes)))
		return -ENOMEM;
	memset(&s->nodes[s->n_nodes], 0, sizeof(*s->nodes));
	s->nodes[s->n_nodes].op = op;
	return s->n_nodes++;
}

/* Copies the current token's text into the string buffer, NUL-terminated. */
static int take_text(struct parser *p, struct tb_sel_str *out)
{
	struct tb_selector *s = p->s;
	size_t len = p->tok.text_len;

	if (grow((void **)&s->strs, &p->cap_strs, (size_t)s->strs_len + len + 1, 1))
		return -ENOMEM;
	memcpy(s->strs + s->strs_len, p->lx.src + p->tok.text, len);
	s->strs[s->strs_len + len] = '\0';
	out->off = s->strs_len;
	out->len = len;
	s->strs_len += len + 1;
	return 0;
}

static int member_cmp(const void *a, const void *b, void *strs)
{
	const struct tb_sel_str *x = a, *y = b;

	return tb_sel_strcmp((char *)strs + x->off, x->len, (char *)strs + y->off, y->len);
}

/* set = "{" [ STRING { "," STRING } [ "," ] ] "}" ; the current token is the "{". */
static int parse_set(struct parser *p, int node)
{
	struct tb_selector *s = p->s;
	uint32_t first = s->n_members, i, out;
	int err;

	if ((err = advance(p)))
		return err;
	while (p->tok.kind == TB_TOK_STRING) {
		if (grow((void **)&s->members, &p->cap_members, (size_t)s->n_members + 1,
			 sizeof(*s->members)))
			return -ENOMEM;
		if ((err = take_text(p, &s->members[s->n_members])))
			return err;
		s->n_members++;
		if ((err = advance(p)))
			return err;
		if (p->tok.kind != TB_TOK_COMMA)
			break;
		if ((err = advance(p)))
			return err;
	}
	if (p->tok.kind != TB_TOK_RBRACE)
		return fail(p, "expected a string or '}' in a set");
	/* Sorted and unique: membership is a binary search, and the canonical form needs it. */
	if (s->n_members - first > 1) {
		qsort_r(s->members + first, s->n_members - first, sizeof(*s->members), member_cmp,
			s->strs);
		for (i = first + 1, out = first + 1; i < s->n_members; i++)
			if (member_cmp(&s->members[out - 1], &s->members[i], s->strs))
				s->members[out++] = s->members[i];
		s->n_members = out;
	}
	s->nodes[node].list.first = first;
	s->nodes[node].list.count = s->n_members - first;
	return advance(p);
}

static enum tb_sel_op cmp_op(enum tb_sel_tok kind)
{
	switch (kind) {
	case TB_TOK_EQ:
		return TB_SEL_EQ;
	case TB_TOK_NE:
		return TB_SEL_NE;
	case TB_TOK_CONTAINS:
		return TB_SEL_CONTAINS;
	case TB_TOK_STARTS:
		return TB_SEL_STARTS;
	case TB_TOK_ENDS:
		return TB_SEL_ENDS;
	case TB_TOK_IN:
		return TB_SEL_IN;
	default:
		return TB_SEL_NOT_IN;
	}
}

/* LABEL op STRING, or LABEL (in | not in) set; the current token is the label. */
static int parse_comparison(struct parser *p)
{
	struct tb_sel_str label;
	enum tb_sel_op op;
	int node, err;

	if ((err = take_text(p, &label)) || (err = advance(p)))
		return err;
	switch (p->tok.kind) {
	case TB_TOK_EQ:
	case TB_TOK_NE:
	case TB_TOK_CONTAINS:
	case TB_TOK_STARTS:
	case TB_TOK_ENDS:
	case TB_TOK_IN:
	case TB_TOK_NOT_IN:
		op = cmp_op(p->tok.kind);
		break;
	default:
		return fail(p, "expected an operator after a label");
	}
	if ((err = advance(p)))
		return err;
	node = new_node(p, op);
	if (node < 0)
		return node;
	p->s->nodes[node].label = label;
	if (op == TB_SEL_IN || op == TB_SEL_NOT_IN) {
		if (p->tok.kind != TB_TOK_LBRACE)
			return fail(p, "expected a set literal '{...}'");
		err = parse_set(p, node);
		return err ? err : node;
	}
	if (p->tok.kind != TB_TOK_STRING)
		return fail(p, "expected a quoted string");
	if ((err = take_text(p, &p->s->nodes[node].value)) || (err = advance(p)))
		return err;
	return node;
}

static int parse_or(struct parser *p, int depth);

static int parse_primary(struct parser *p, int depth)
{
	int node, err;

	switch (p->tok.kind) {
	case TB_TOK_HAS:
		node = new_node(p, TB_SEL_HAS);
		if (node < 0 || (err = take_text(p, &p->s->nodes[node].label)))
			return node < 0 ? node : err;
		break;
	case TB_TOK_ALL:
		node = new_node(p, TB_SEL_ALL);
		break;
	case TB_TOK_GLOBAL:
		node = new_node(p, TB_SEL_GLOBAL);
		break;
	case TB_TOK_LABEL:
		return parse_comparison(p);
	case TB_TOK_LPAREN:
		if (depth >= TB_SELECTOR_MAX_DEPTH)
			return fail(p, "parentheses nested too deeply");
		if ((err = advance(p)))
			return err;
		node = parse_or(p, depth + 1);
		if (node < 0)
			return node;
		if (p->tok.kind != TB_TOK_RPAREN)
			return fail(p, "expected ')'");
		break;
	default:
		return fail(p, "expected an expression");
	}
	if (node < 0)
		return node;
	err = advance(p);
	return err ? err : node;
}

static int parse_unary(struct parser *p, int depth)
{
	bool negate = false;
	int node, operand, err;

	while (p->tok.kind == TB_TOK_NOT) {
		negate = !negate;
		if ((err = advance(p)))
			return err;
	}
	operand = parse_primary(p, depth);
	if (operand < 0 || !negate)
		return operand;
	node = new_node(p, TB_SEL_NOT);
	if (node < 0)
		return node;
	p->s->nodes[node].child = operand;
	return node;
}

static int push(struct parser *p, uint32_t v)
{
	if (grow((void **)&p->stack, &p->cap_stack, (size_t)p->n_stack + 1, sizeof(*p->stack)))
		return -ENOMEM;
	p->stack[p->n_stack++] = v;
	return 0;
}

/* operand { sep operand }: one operand is returned as is, more become one op node. */
static int parse_chain(struct parser *p, int depth, enum tb_sel_tok sep, enum tb_sel_op op)
{
	struct tb_selector *s = p->s;
	uint32_t base = p->n_stack, count;
	int node, err;

	for (;;) {
		node = op == TB_SEL_OR ? parse_chain(p, depth, TB_TOK_AND, TB_SEL_AND)
				       : parse_unary(p, depth);
		if (node < 0)
			return node;
		if ((err = push(p, node)))
			return err;
		if (p->tok.kind != sep)
			break;
		if ((err = advance(p)))
			return err;
	}
	count = p->n_stack - base;
	if (count == 1) {
		p->n_stack = base;
		return node;
	}
	node = new_node(p, op);
	if (node < 0)
		return node;
	if (grow((void **)&s->kids, &p->cap_kids, (size_t)s->n_kids + count, sizeof(*s->kids)))
		return -ENOMEM;
	memcpy(s->kids + s->n_kids, p->stack + base, count * sizeof(*s->kids));
	s->nodes[node].list.first = s->n_kids;
	s->nodes[node].list.count = count;
	s->n_kids += count;
	p->n_stack = base;
	return node;
}

static int parse_or(struct parser *p, int depth)
{
	return parse_chain(p, depth, TB_TOK_OR, TB_SEL_OR);
}

static int parse_root(struct parser *p)
{
	int node, err;

	if ((err = advance(p)))
		return err;
	if (p->tok.kind == TB_TOK_EOF)
		return new_node(p, TB_SEL_ALL);
	node = parse_or(p, 0);
	if (node < 0)
		return node;
	if (p->tok.kind != TB_TOK_EOF)
		return fail(p, "expected '&&', '||' or the end of the selector");
	return node;
}

void tb_selector_free(struct tb_selector *s)
{
	if (!s)
		return;
	free(s->nodes);
	free(s->kids);
	free(s->members);
	free(s->keys);
	free(s->strs);
	free(s);
}

int tb_selector_parse(const char *src, struct tb_selector **out, char *err, size_t errlen)
{
	struct parser p = { 0 };
	int root, ret;

	*out = NULL;
	if (!src)
		return tb_sel_error(err, errlen, 0, "no selector");
	tb_sel_lex_init(&p.lx, src, err, errlen);
	if (p.lx.len > TB_SELECTOR_MAX_SRC)
		return tb_sel_error(err, errlen, TB_SELECTOR_MAX_SRC, "selector too long");
	p.s = calloc(1, sizeof(*p.s));
	if (!p.s)
		return -ENOMEM;
	root = parse_root(&p);
	if (root < 0) {
		ret = root;
		goto fail;
	}
	p.s->root = root;
	ret = tb_sel_analyse(p.s);
	if (ret)
		goto fail;
	free(p.stack);
	*out = p.s;
	return 0;
fail:
	if (ret == -ENOMEM && err && errlen)
		tb_sel_error(err, errlen, p.tok.pos, "out of memory");
	free(p.stack);
	tb_selector_free(p.s);
	return ret;
}
