// SPDX-License-Identifier: Apache-2.0
/*
 * What can be known about a selector without labels, computed once after parsing: the label
 * names it reads (for indexing), whether it uses global(), and whether its outcome is fixed
 * (all(), !all(), a in {} ...) so matching can skip the walk.
 */
#include <errno.h>
#include <stdlib.h>

#include "selector_int.h"

static int8_t fold(const struct tb_selector *s, uint32_t idx)
{
	const struct tb_sel_node *n = &s->nodes[idx];
	bool unknown = false;
	uint32_t i;
	int8_t c;

	switch (n->op) {
	case TB_SEL_ALL:
	case TB_SEL_GLOBAL:
		return 1;
	case TB_SEL_IN:
		return n->list.count ? -1 : 0;
	case TB_SEL_NOT_IN:
		return n->list.count ? -1 : 1;
	case TB_SEL_NOT:
		c = fold(s, n->child);
		return c < 0 ? c : !c;
	case TB_SEL_AND:
	case TB_SEL_OR:
		/* An AND is decided by one false operand, an OR by one true one. */
		for (i = 0; i < n->list.count; i++) {
			c = fold(s, s->kids[n->list.first + i]);
			if (c == (n->op == TB_SEL_OR))
				return c;
			if (c < 0)
				unknown = true;
		}
		return unknown ? -1 : n->op == TB_SEL_AND;
	default:
		return -1;
	}
}

static bool has_label(const struct tb_sel_node *n)
{
	switch (n->op) {
	case TB_SEL_ALL:
	case TB_SEL_GLOBAL:
	case TB_SEL_NOT:
	case TB_SEL_AND:
	case TB_SEL_OR:
		return false;
	default:
		return true;
	}
}

static int key_cmp(const void *a, const void *b, void *strs)
{
	const struct tb_sel_str *x = a, *y = b;

	return tb_sel_strcmp((char *)strs + x->off, x->len, (char *)strs + y->off, y->len);
}

int tb_sel_analyse(struct tb_selector *s)
{
	uint32_t i, n = 0, out;

	s->constant = fold(s, s->root);
	s->has_global = false;
	for (i = 0; i < s->n_nodes; i++) {
		if (s->nodes[i].op == TB_SEL_GLOBAL)
			s->has_global = true;
		if (has_label(&s->nodes[i]))
			n++;
	}
	free(s->keys);
	s->keys = NULL;
	s->n_keys = 0;
	if (!n)
		return 0;
	s->keys = malloc(n * sizeof(*s->keys));
	if (!s->keys)
		return -ENOMEM;
	for (i = 0; i < s->n_nodes; i++)
		if (has_label(&s->nodes[i]))
			s->keys[s->n_keys++] = s->nodes[i].label;
	qsort_r(s->keys, s->n_keys, sizeof(*s->keys), key_cmp, s->strs);
	for (i = 1, out = 1; i < s->n_keys; i++)
		if (key_cmp(&s->keys[out - 1], &s->keys[i], s->strs))
			s->keys[out++] = s->keys[i];
	s->n_keys = out;
	return 0;
}

bool tb_selector_is_all(const struct tb_selector *s)
{
	return s->constant == 1;
}

bool tb_selector_is_none(const struct tb_selector *s)
{
	return s->constant == 0;
}

bool tb_selector_has_global(const struct tb_selector *s)
{
	return s->has_global;
}

int tb_selector_for_each_label(const struct tb_selector *s, tb_selector_label_cb cb, void *ctx)
{
	uint32_t i;
	int ret;

	for (i = 0; i < s->n_keys; i++) {
		ret = cb(s->strs + s->keys[i].off, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

size_t tb_selector_label_count(const struct tb_selector *s)
{
	return s->n_keys;
}

const char *tb_selector_label(const struct tb_selector *s, size_t i)
{
	return i < s->n_keys ? s->strs + s->keys[i].off : NULL;
}
