// SPDX-License-Identifier: Apache-2.0
/*
 * Selector evaluation: a walk of the flat node array, no allocation. Comparisons are exact
 * and byte-wise. An absent label fails ==, in, contains, starts with, ends with and has(), and
 * so satisfies their negations != and not in.
 */
#include <string.h>

#include "selector_int.h"

int tb_sel_strcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

struct eval_ctx {
	const struct tb_selector *s;
	tb_selector_lookup_fn lookup;
	void *ctx;
};

static bool set_has(const struct tb_selector *s, const struct tb_sel_node *n, const char *v,
		    size_t vlen)
{
	const struct tb_sel_str *m = s->members + n->list.first;
	uint32_t lo = 0, hi = n->list.count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = tb_sel_strcmp(s->strs + m[mid].off, m[mid].len, v, vlen);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The positive form of a label test: NE and NOT_IN are its negation. */
static bool test_label(const struct eval_ctx *e, const struct tb_sel_node *n)
{
	const char *want = e->s->strs + n->value.off;
	size_t wlen = n->value.len, vlen = 0;
	const char *v = e->lookup(e->ctx, e->s->strs + n->label.off, n->label.len, &vlen);

	if (!v)
		return false;
	switch (n->op) {
	case TB_SEL_HAS:
		return true;
	case TB_SEL_EQ:
	case TB_SEL_NE:
		return vlen == wlen && !memcmp(v, want, wlen);
	case TB_SEL_CONTAINS:
		return wlen == 0 || memmem(v, vlen, want, wlen) != NULL;
	case TB_SEL_STARTS:
		return vlen >= wlen && !memcmp(v, want, wlen);
	case TB_SEL_ENDS:
		return vlen >= wlen && !memcmp(v + vlen - wlen, want, wlen);
	default: /* IN, NOT_IN */
		return set_has(e->s, n, v, vlen);
	}
}

static bool eval(const struct eval_ctx *e, uint32_t idx)
{
	const struct tb_sel_node *n = &e->s->nodes[idx];
	const uint32_t *kid;
	uint32_t i;

	switch (n->op) {
	case TB_SEL_ALL:
	case TB_SEL_GLOBAL:
		return true;
	case TB_SEL_NE:
	case TB_SEL_NOT_IN:
		return !test_label(e, n);
	case TB_SEL_NOT:
		return !eval(e, n->child);
	case TB_SEL_AND:
		kid = e->s->kids + n->list.first;
		for (i = 0; i < n->list.count; i++)
			if (!eval(e, kid[i]))
				return false;
		return true;
	case TB_SEL_OR:
		kid = e->s->kids + n->list.first;
		for (i = 0; i < n->list.count; i++)
			if (eval(e, kid[i]))
				return true;
		return false;
	default:
		return test_label(e, n);
	}
}

bool tb_selector_match_fn(const struct tb_selector *s, tb_selector_lookup_fn lookup, void *ctx)
{
	struct eval_ctx e = { .s = s, .lookup = lookup, .ctx = ctx };

	if (s->constant >= 0)
		return s->constant;
	return eval(&e, s->root);
}

static const char *labels_lookup(void *ctx, const char *key, size_t klen, size_t *vlen)
{
	return tb_labels_getn(ctx, key, klen, vlen);
}

bool tb_selector_match(const struct tb_selector *s, const struct tb_labels *l)
{
	return tb_selector_match_fn(s, labels_lookup, (void *)l);
}

/* Selector label names never hold a NUL, so the NUL-terminated copy is the key itself. */
static const char *json_lookup(void *ctx, const char *key, size_t klen, size_t *vlen)
{
	json_t *v = json_object_get(ctx, key);

	(void)klen;
	if (!json_is_string(v))
		return NULL;
	*vlen = json_string_length(v);
	return json_string_value(v);
}

bool tb_selector_match_json(const struct tb_selector *s, const json_t *labels)
{
	return tb_selector_match_fn(s, json_lookup, (void *)labels);
}
