// SPDX-License-Identifier: Apache-2.0
/* Building, copying and freeing the policy IR. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_ir.h"

/* Grows *arr (of elem bytes) by one zeroed element; returns it or NULL. */
static void *grow(void **arr, size_t *n, size_t elem)
{
	char *p = realloc(*arr, (*n + 1) * elem);

	if (!p)
		return NULL;
	*arr = p;
	memset(p + *n * elem, 0, elem);
	return p + (*n)++ * elem;
}

static int dup_array(void **dst, const void *src, size_t n, size_t elem)
{
	*dst = NULL;
	if (!n)
		return 0;
	*dst = malloc(n * elem);
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * elem);
	return 0;
}

void tb_ir_rule_init(struct tb_ir_rule *r, enum tb_ir_action action)
{
	memset(r, 0, sizeof(*r));
	r->action = action;
	r->protocol = TB_IR_ANY;
	r->not_protocol = TB_IR_ANY;
	r->icmp_type = TB_IR_ANY;
	r->icmp_code = TB_IR_ANY;
	r->not_icmp_type = TB_IR_ANY;
	r->not_icmp_code = TB_IR_ANY;
}

int tb_ir_side_add_net(struct tb_ir_side *s, int negated, const struct tb_ir_cidr *c)
{
	struct tb_ir_cidr *slot;

	if (negated)
		slot = grow((void **)&s->not_nets, &s->n_not_nets, sizeof(*slot));
	else
		slot = grow((void **)&s->nets, &s->n_nets, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = *c;
	return 0;
}

int tb_ir_side_add_set(struct tb_ir_side *s, int negated, uint32_t id)
{
	uint32_t *slot;

	if (negated)
		slot = grow((void **)&s->not_sets, &s->n_not_sets, sizeof(*slot));
	else
		slot = grow((void **)&s->sets, &s->n_sets, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = id;
	return 0;
}

int tb_ir_side_add_ports(struct tb_ir_side *s, int negated, uint16_t lo, uint16_t hi)
{
	struct tb_ir_port_range *slot;

	if (lo > hi)
		return -EINVAL;
	if (negated)
		slot = grow((void **)&s->not_ports, &s->n_not_ports, sizeof(*slot));
	else
		slot = grow((void **)&s->ports, &s->n_ports, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->lo = lo;
	slot->hi = hi;
	return 0;
}

static void side_free(struct tb_ir_side *s)
{
	free(s->nets);
	free(s->not_nets);
	free(s->sets);
	free(s->not_sets);
	free(s->ports);
	free(s->not_ports);
	memset(s, 0, sizeof(*s));
}

static int side_copy(struct tb_ir_side *d, const struct tb_ir_side *s)
{
	*d = *s;
	d->nets = d->not_nets = NULL;
	d->sets = d->not_sets = NULL;
	d->ports = d->not_ports = NULL;
	if (dup_array((void **)&d->nets, s->nets, s->n_nets, sizeof(*s->nets)) ||
	    dup_array((void **)&d->not_nets, s->not_nets, s->n_not_nets, sizeof(*s->nets)) ||
	    dup_array((void **)&d->sets, s->sets, s->n_sets, sizeof(*s->sets)) ||
	    dup_array((void **)&d->not_sets, s->not_sets, s->n_not_sets, sizeof(*s->sets)) ||
	    dup_array((void **)&d->ports, s->ports, s->n_ports, sizeof(*s->ports)) ||
	    dup_array((void **)&d->not_ports, s->not_ports, s->n_not_ports, sizeof(*s->ports))) {
		side_free(d);
		return -ENOMEM;
	}
	return 0;
}

void tb_ir_rule_free(struct tb_ir_rule *r)
{
	side_free(&r->src);
	side_free(&r->dst);
}

int tb_ir_rule_copy(struct tb_ir_rule *dst, const struct tb_ir_rule *src)
{
	int err;

	*dst = *src;
	memset(&dst->src, 0, sizeof(dst->src));
	memset(&dst->dst, 0, sizeof(dst->dst));
	err = side_copy(&dst->src, &src->src);
	if (err)
		return err;
	err = side_copy(&dst->dst, &src->dst);
	if (err) {
		side_free(&dst->src);
		return err;
	}
	return 0;
}

struct tb_ir *tb_ir_new(void)
{
	struct tb_ir *ir = calloc(1, sizeof(*ir));

	if (!ir)
		errno = ENOMEM;
	return ir;
}

static void policy_free(struct tb_ir_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		tb_ir_rule_free(&p->rules[i]);
	free(p->rules);
	free(p->name);
}

void tb_ir_free(struct tb_ir *ir)
{
	if (!ir)
		return;
	for (size_t t = 0; t < ir->n_tiers; t++) {
		for (size_t p = 0; p < ir->tiers[t].n_policies; p++)
			policy_free(&ir->tiers[t].policies[p]);
		free(ir->tiers[t].policies);
		free(ir->tiers[t].name);
	}
	free(ir->tiers);
	for (size_t p = 0; p < ir->n_profiles; p++)
		policy_free(&ir->profiles[p]);
	free(ir->profiles);
	free(ir);
}

int tb_ir_add_tier(struct tb_ir *ir, const char *name, enum tb_ir_action default_action)
{
	struct tb_ir_tier *t;
	char *n = strdup(name);

	if (!n)
		return -ENOMEM;
	t = grow((void **)&ir->tiers, &ir->n_tiers, sizeof(*t));
	if (!t) {
		free(n);
		return -ENOMEM;
	}
	t->name = n;
	t->default_action = default_action == TB_IR_PASS ? TB_IR_PASS : TB_IR_DENY;
	return 0;
}

static int add_policy(struct tb_ir_policy **arr, size_t *n, const char *name)
{
	struct tb_ir_policy *p;
	char *nm = strdup(name);

	if (!nm)
		return -ENOMEM;
	p = grow((void **)arr, n, sizeof(*p));
	if (!p) {
		free(nm);
		return -ENOMEM;
	}
	p->name = nm;
	return 0;
}

int tb_ir_add_policy(struct tb_ir *ir, const char *name)
{
	struct tb_ir_tier *t;

	if (!ir->n_tiers)
		return -EINVAL;
	t = &ir->tiers[ir->n_tiers - 1];
	return add_policy(&t->policies, &t->n_policies, name);
}

int tb_ir_add_profile(struct tb_ir *ir, const char *name)
{
	return add_policy(&ir->profiles, &ir->n_profiles, name);
}

int tb_ir_add_rule(struct tb_ir *ir, int profile, const struct tb_ir_rule *r)
{
	struct tb_ir_policy *p;
	struct tb_ir_rule *slot, copy;
	int err;

	if (profile) {
		if (!ir->n_profiles)
			return -EINVAL;
		p = &ir->profiles[ir->n_profiles - 1];
	} else {
		if (!ir->n_tiers || !ir->tiers[ir->n_tiers - 1].n_policies)
			return -EINVAL;
		p = &ir->tiers[ir->n_tiers - 1].policies[ir->tiers[ir->n_tiers - 1].n_policies - 1];
	}
	err = tb_ir_rule_copy(&copy, r);
	if (err)
		return err;
	slot = grow((void **)&p->rules, &p->n_rules, sizeof(*slot));
	if (!slot) {
		tb_ir_rule_free(&copy);
		return -ENOMEM;
	}
	*slot = copy;
	return 0;
}

static int side_uses(const struct tb_ir_side *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_sets; i++)
		if (s->sets[i] == id)
			return 1;
	for (size_t i = 0; i < s->n_not_sets; i++)
		if (s->not_sets[i] == id)
			return 1;
	return s->named_set == id || s->not_named_set == id;
}

static int policy_uses(const struct tb_ir_policy *p, uint32_t id)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (side_uses(&p->rules[i].src, id) || side_uses(&p->rules[i].dst, id))
			return 1;
	return 0;
}

int tb_ir_uses_set(const struct tb_ir *ir, uint32_t id)
{
	for (size_t t = 0; t < ir->n_tiers; t++)
		for (size_t p = 0; p < ir->tiers[t].n_policies; p++)
			if (policy_uses(&ir->tiers[t].policies[p], id))
				return 1;
	for (size_t p = 0; p < ir->n_profiles; p++)
		if (policy_uses(&ir->profiles[p], id))
			return 1;
	return 0;
}

int tb_ir_ref_describe(const struct tb_ir *ir, const struct tb_pol_ref *ref, char *buf, size_t len)
{
	const struct tb_ir_tier *t =
	    ref->tier >= 0 && (size_t)ref->tier < ir->n_tiers ? &ir->tiers[ref->tier] : NULL;

	switch (ref->kind) {
	case TB_REF_RULE:
		if (!t || ref->policy < 0 || (size_t)ref->policy >= t->n_policies)
			return -ENOENT;
		return snprintf(buf, len, "tier %s policy %s rule %d", t->name,
				t->policies[ref->policy].name, ref->rule) < 0
			   ? -EIO
			   : 0;
	case TB_REF_TIER_END:
		if (!t)
			return -ENOENT;
		return snprintf(buf, len, "tier %s: no rule matched, defaultAction %s", t->name,
				t->default_action == TB_IR_PASS ? "Pass" : "Deny") < 0
			   ? -EIO
			   : 0;
	case TB_REF_PROFILE_RULE:
		if (ref->policy < 0 || (size_t)ref->policy >= ir->n_profiles)
			return -ENOENT;
		return snprintf(buf, len, "profile %s rule %d", ir->profiles[ref->policy].name,
				ref->rule) < 0
			   ? -EIO
			   : 0;
	case TB_REF_FINAL:
		return snprintf(buf, len, "no policy or profile matched: deny") < 0 ? -EIO : 0;
	}
	return -EINVAL;
}
