// SPDX-License-Identifier: Apache-2.0
/* Reference evaluator of the policy IR: one rule at a time, exactly as Calico orders them. */
#include <string.h>

#include "tabby/drop_reasons.h"
#include "policy_eval.h"

static int in_nets(const struct tb_ir_cidr *nets, size_t n, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++)
		if (tb_ir_cidr_contains(&nets[i], family, addr))
			return 1;
	return 0;
}

static int in_set(const struct tb_pol_sets *sets, uint32_t id, int family, const uint8_t *addr)
{
	const struct tb_ir_set *s = tb_pol_sets_get(sets, id);

	return s && !s->is_port_set && in_nets(s->cidrs, s->n_cidrs, family, addr);
}

static int in_port_set(const struct tb_pol_sets *sets, uint32_t id, uint8_t proto, uint16_t port,
		       int family, const uint8_t *addr)
{
	const struct tb_ir_set *s = tb_pol_sets_get(sets, id);

	if (!s || !s->is_port_set)
		return 0;
	for (size_t i = 0; i < s->n_port_members; i++) {
		const struct tb_ir_port_member *m = &s->port_members[i];

		if (m->proto == proto && m->port == port &&
		    tb_ir_cidr_contains(&m->addr, family, addr))
			return 1;
	}
	return 0;
}

static int in_ranges(const struct tb_ir_port_range *r, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return 1;
	return 0;
}

static int side_matches(const struct tb_ir_side *s, const struct tb_pol_sets *sets,
			const struct tb_flow *f, const uint32_t *addr32, uint16_t port)
{
	const uint8_t *addr = (const uint8_t *)addr32;

	if (s->n_nets && !in_nets(s->nets, s->n_nets, f->family, addr))
		return 0;
	if (in_nets(s->not_nets, s->n_not_nets, f->family, addr))
		return 0;
	for (size_t i = 0; i < s->n_sets; i++)
		if (!in_set(sets, s->sets[i], f->family, addr))
			return 0;
	for (size_t i = 0; i < s->n_not_sets; i++)
		if (in_set(sets, s->not_sets[i], f->family, addr))
			return 0;
	/* ports: the numeric ranges OR the named ports; notPorts: neither */
	if (s->n_ports || s->named_set) {
		int hit = in_ranges(s->ports, s->n_ports, port) ||
			  (s->named_set &&
			   in_port_set(sets, s->named_set, f->proto, port, f->family, addr));
		if (!hit)
			return 0;
	}
	if (in_ranges(s->not_ports, s->n_not_ports, port))
		return 0;
	if (s->not_named_set &&
	    in_port_set(sets, s->not_named_set, f->proto, port, f->family, addr))
		return 0;
	return 1;
}

int tb_eval_rule_matches(const struct tb_ir_rule *r, const struct tb_pol_sets *sets,
			 const struct tb_flow *f)
{
	if (r->ip_version && r->ip_version != f->family)
		return 0;
	if (r->protocol != TB_IR_ANY && r->protocol != f->proto)
		return 0;
	if (r->not_protocol != TB_IR_ANY && r->not_protocol == f->proto)
		return 0;
	if (r->icmp_type != TB_IR_ANY &&
	    (r->icmp_type != f->icmp_type ||
	     (r->icmp_code != TB_IR_ANY && r->icmp_code != f->icmp_code)))
		return 0;
	if (r->not_icmp_type != TB_IR_ANY && r->not_icmp_type == f->icmp_type &&
	    (r->not_icmp_code == TB_IR_ANY || r->not_icmp_code == f->icmp_code))
		return 0;
	return side_matches(&r->src, sets, f, f->saddr, f->sport) &&
	       side_matches(&r->dst, sets, f, f->daddr, f->dport);
}

static void add_log(struct tb_eval_result *res, struct tb_pol_ref ref)
{
	if (res->n_logs < TB_EVAL_MAX_LOGS)
		res->logs[res->n_logs++] = ref;
}

static void decide(struct tb_eval_result *res, enum tb_ir_action act, struct tb_pol_ref ref)
{
	res->allow = act == TB_IR_ALLOW;
	res->reason = res->allow ? TB_DROP_NONE : TB_DROP_POLICY_DENY;
	res->decider = ref;
}

/* Runs the rules of one policy; returns 1 if decided, -1 on Pass, 0 to go on. */
static int run_rules(const struct tb_ir_policy *p, struct tb_pol_ref ref,
		     const struct tb_pol_sets *sets, const struct tb_flow *f,
		     struct tb_eval_result *res)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct tb_ir_rule *r = &p->rules[i];

		if (!tb_eval_rule_matches(r, sets, f))
			continue;
		ref.rule = (int)i;
		switch (r->action) {
		case TB_IR_ALLOW:
		case TB_IR_DENY:
			decide(res, r->action, ref);
			return 1;
		case TB_IR_LOG:
			add_log(res, ref);
			break;
		case TB_IR_PASS:
			return -1;
		}
	}
	return 0;
}

/* Returns 1 when the tier decided, 0 when it passed to what follows. */
static int run_tier(const struct tb_ir *ir, size_t t, const struct tb_pol_sets *sets,
		    const struct tb_flow *f, struct tb_eval_result *res)
{
	const struct tb_ir_tier *tier = &ir->tiers[t];
	struct tb_pol_ref ref = {.kind = TB_REF_RULE, .tier = (int)t};

	if (!tier->n_policies)
		return 0;
	for (size_t p = 0; p < tier->n_policies; p++) {
		int r;

		ref.policy = (int)p;
		r = run_rules(&tier->policies[p], ref, sets, f, res);
		if (r > 0)
			return 1;
		if (r < 0)
			return 0;
	}
	if (tier->default_action == TB_IR_PASS)
		return 0;
	res->allow = 0;
	res->reason = TB_DROP_TIER_END;
	res->decider =
	    (struct tb_pol_ref){.kind = TB_REF_TIER_END, .tier = (int)t, .policy = -1, .rule = -1};
	return 1;
}

void tb_eval_flow(const struct tb_ir *ir, const struct tb_pol_sets *sets, const struct tb_flow *f,
		  struct tb_eval_result *res)
{
	int applied = 0;

	memset(res, 0, sizeof(*res));
	for (size_t t = 0; t < ir->n_tiers; t++) {
		applied |= ir->tiers[t].n_policies != 0;
		if (run_tier(ir, t, sets, f, res))
			return;
	}
	for (size_t p = 0; p < ir->n_profiles; p++) {
		struct tb_pol_ref ref = {.kind = TB_REF_PROFILE_RULE, .tier = -1, .policy = (int)p};

		/* Pass in a profile skips to the next profile */
		if (run_rules(&ir->profiles[p], ref, sets, f, res) > 0)
			return;
	}
	res->allow = 0;
	res->reason = applied ? TB_DROP_DEFAULT_DENY : TB_DROP_PROFILE_DENY;
	res->decider =
	    (struct tb_pol_ref){.kind = TB_REF_FINAL, .tier = -1, .policy = -1, .rule = -1};
}
