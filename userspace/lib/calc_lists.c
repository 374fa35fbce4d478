// SPDX-License-Identifier: Apache-2.0
/*
 * For one local endpoint and direction: the policies that apply, in Calico's order (tiers by
 * order then name; policies by order, unset last, then name), then its profiles, as policy IR,
 * with a key that names the list (equal keys, equal IR: the dataplane shares their tables).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc_int.h"

/* Calico's default tier sits at order 1,000,000; a tier without order comes last. */
#define DEFAULT_TIER_ORDER 1000000.0

struct applied {
	struct calc_policy *p;
	double tier_order;
	const char *tier_name;
	enum tb_ir_action tier_default;
};

static void tier_of(struct tb_calc *c, const char *name, struct applied *a)
{
	struct calc_tier *t = tb_hmap_get(&c->tiers, name);

	a->tier_name = name;
	a->tier_default = t ? t->default_action : TB_IR_DENY;
	if (t && t->has_order)
		a->tier_order = t->order;
	else if (!t && !strcmp(name, "default"))
		a->tier_order = DEFAULT_TIER_ORDER;
	else
		a->tier_order = INFINITY;
}

static int cmp_applied(const void *va, const void *vb)
{
	const struct applied *a = va, *b = vb;
	double oa, ob;
	int d;

	if (a->tier_order != b->tier_order)
		return a->tier_order < b->tier_order ? -1 : 1;
	d = strcmp(a->tier_name, b->tier_name);
	if (d)
		return d;
	oa = a->p->has_order ? a->p->order : INFINITY;
	ob = b->p->has_order ? b->p->order : INFINITY;
	if (oa != ob)
		return oa < ob ? -1 : 1;
	return strcmp(a->p->sort_name, b->p->sort_name);
}

static int collect(struct tb_calc *c, struct calc_ep *ep, int dir, struct applied **out, size_t *n)
{
	size_t i = 0, cap = 16;
	const char *k;
	void *v;

	*n = 0;
	*out = malloc(cap * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	while (tb_hmap_next(&c->policies, &i, &k, &v)) {
		struct calc_policy *p = v;

		if (!p->types[dir] || (p->host_only && ep->kind != EP_HOST) ||
		    !calc_matcher_match(c, &p->m, ep))
			continue;
		if (*n == cap) {
			struct applied *a = realloc(*out, (cap *= 2) * sizeof(*a));

			if (!a)
				return -ENOMEM;
			*out = a;
		}
		(*out)[*n].p = p;
		tier_of(c, p->tier, &(*out)[*n]);
		(*n)++;
	}
	qsort(*out, *n, sizeof(**out), cmp_applied);
	return 0;
}

/* The key: every item with its revision, and the generation of every set used. */
struct keybuf {
	char *s;
	size_t len, cap;
};

static void kb_add(struct keybuf *kb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kb_add(struct keybuf *kb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(kb->s ? kb->s + kb->len : NULL, kb->s ? kb->cap - kb->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (kb->s && kb->len + n < kb->cap) {
			kb->len += n;
			return;
		}
		kb->cap = (kb->cap + n + 1) * 2;
		kb->s = realloc(kb->s, kb->cap);
		if (!kb->s)
			return;
	}
}

static int use_sets(uint32_t **used, size_t *n_used, const uint32_t *ids, size_t n)
{
	uint32_t *u = realloc(*used, (*n_used + n + 1) * sizeof(*u));

	if (!u)
		return -ENOMEM;
	memcpy(u + *n_used, ids, n * sizeof(*u));
	*used = u;
	*n_used += n;
	return 0;
}

static int add_rules(struct tb_ir *ir, int profile, const struct calc_rules *rules)
{
	int r = 0;

	for (size_t i = 0; !r && i < rules->n; i++)
		r = tb_ir_add_rule(ir, profile, &rules->rules[i]);
	return r;
}

static int add_profiles(struct tb_calc *c, struct calc_ep *ep, int dir, struct tb_ir *ir,
			struct keybuf *kb, uint32_t **used, size_t *n_used)
{
	int r = 0;

	for (size_t i = 0; !r && i < ep->n_profiles; i++) {
		struct calc_profile *p = tb_hmap_get(&c->profiles, ep->profiles[i]);

		if (!p)
			continue;
		kb_add(kb, "R:%s@%lld|", p->key, (long long)p->rev);
		r = tb_ir_add_profile(ir, p->name);
		if (!r)
			r = add_rules(ir, 1, &p->rules[dir]);
		if (!r)
			r = use_sets(used, n_used, p->sets, p->n_sets);
	}
	return r;
}

int calc_build_ir(struct tb_calc *c, struct calc_ep *ep, int dir, struct tb_ir **irp, char **key,
		  uint32_t **used, size_t *n_used)
{
	struct keybuf kb = { 0 };
	struct tb_ir *ir = tb_ir_new();
	struct applied *a = NULL;
	const char *tier = NULL;
	size_t n = 0, first_used = *n_used;
	int r = ir ? collect(c, ep, dir, &a, &n) : -ENOMEM;

	kb_add(&kb, "%d|", dir);
	for (size_t i = 0; !r && i < n; i++) {
		if (!tier || strcmp(tier, a[i].tier_name)) {
			tier = a[i].tier_name;
			kb_add(&kb, "T:%s:%d|", tier, a[i].tier_default);
			r = tb_ir_add_tier(ir, tier, a[i].tier_default);
		}
		kb_add(&kb, "P:%s@%lld|", a[i].p->key, (long long)a[i].p->rev);
		if (!r)
			r = tb_ir_add_policy(ir, a[i].p->sort_name);
		if (!r)
			r = add_rules(ir, 0, &a[i].p->rules[dir]);
		if (!r)
			r = use_sets(used, n_used, a[i].p->sets, a[i].p->n_sets);
	}
	if (!r)
		r = add_profiles(c, ep, dir, ir, &kb, used, n_used);
	/* Only this direction's sets: the other direction's changes must not alter its key. */
	for (size_t i = first_used; !r && i < *n_used; i++) {
		struct calc_set *s = calc_set_by_id(c, (*used)[i]);

		kb_add(&kb, "S:%u@%llu|", (*used)[i], s ? (unsigned long long)s->gen : 0ull);
	}
	free(a);
	if (r || !kb.s) {
		tb_ir_free(ir);
		free(kb.s);
		return r ? r : -ENOMEM;
	}
	*irp = ir;
	*key = kb.s;
	return 0;
}
