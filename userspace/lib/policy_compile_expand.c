// SPDX-License-Identifier: Apache-2.0
/*
 * From IR rules to per-bit field conditions. A rule whose ports (or source ports) mix numbers
 * and named ports is a disjunction across two fields, so it becomes one bit per alternative,
 * adjacent, with the same action and rule id: first-match order is unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile_expand.h"

static int push_pfx(struct tb_pfx **arr, size_t *n, const struct tb_pfx *p)
{
	struct tb_pfx *np = realloc(*arr, (*n + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	*arr = np;
	np[(*n)++] = *p;
	return 0;
}

static int push_id(uint32_t **arr, size_t *n, uint32_t id)
{
	uint32_t *np = realloc(*arr, (*n + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	*arr = np;
	np[(*n)++] = id;
	return 0;
}

static void canon(struct tb_pfx *p)
{
	for (unsigned b = p->len; b < 8 * TB_POL_KEY_DATA; b++)
		p->data[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

static int add_cidrs(struct tb_pfx **arr, size_t *n, const struct tb_ir_cidr *c, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		struct tb_pfx p = {.len = (uint8_t)(8 + c[i].len)};

		p.data[0] = c[i].family;
		memcpy(p.data + 1, c[i].addr, c[i].family == 4 ? 4 : 16);
		canon(&p);
		if (push_pfx(arr, n, &p))
			return -ENOMEM;
	}
	return 0;
}

/* A port range as the minimal list of aligned prefixes of the 16-bit port. */
static int add_ranges(struct tb_pfx **arr, size_t *n, const struct tb_ir_port_range *r, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		uint32_t lo = r[i].lo, hi = r[i].hi;

		while (lo <= hi) {
			unsigned k = 0;
			struct tb_pfx p = {0};

			while (k < 16 && !(lo & ((2u << k) - 1)) && lo + (2u << k) - 1 <= hi)
				k++;
			p.data[0] = lo >> 8;
			p.data[1] = lo & 0xff;
			p.len = (uint8_t)(16 - k);
			if (push_pfx(arr, n, &p))
				return -ENOMEM;
			lo += 1u << k;
		}
	}
	return 0;
}

static int add_two(struct tb_pfx **arr, size_t *n, int a, int b)
{
	struct tb_pfx p = {.len = 8};

	p.data[0] = (uint8_t)a;
	if (b != TB_IR_ANY) {
		p.data[1] = (uint8_t)b;
		p.len = 16;
	}
	return push_pfx(arr, n, &p);
}

/* Families a rule can match: ipVersion and the families of its nets (not notNets). */
static unsigned rule_families(const struct tb_ir_rule *r)
{
	unsigned fam = 3; /* bit 0: IPv4, bit 1: IPv6 */
	const struct tb_ir_side *sides[2] = {&r->src, &r->dst};

	if (r->ip_version)
		fam &= r->ip_version == 4 ? 1 : 2;
	for (int s = 0; s < 2; s++) {
		unsigned f = 0;

		if (!sides[s]->n_nets)
			continue;
		for (size_t i = 0; i < sides[s]->n_nets; i++)
			f |= sides[s]->nets[i].family == 4 ? 1 : 2;
		fam &= f;
	}
	return fam;
}

static int proto_cond(const struct tb_ir_rule *r, struct tb_cond *c)
{
	unsigned fam = rule_families(r);
	static const int fams[2] = {4, 6};
	int err = 0;

	if (fam != 3 || r->protocol != TB_IR_ANY) {
		c->has_in = 1;
		for (int i = 0; i < 2 && !err; i++)
			if (fam & (1u << i))
				err = add_two(&c->in, &c->n_in, fams[i], r->protocol);
	}
	for (int i = 0; i < 2 && !err && r->not_protocol != TB_IR_ANY; i++)
		err = add_two(&c->notin, &c->n_notin, fams[i], r->not_protocol);
	return err;
}

static int icmp_cond(const struct tb_ir_rule *r, struct tb_cond *c)
{
	int err = 0;

	if (r->icmp_type != TB_IR_ANY) {
		c->has_in = 1;
		err = add_two(&c->in, &c->n_in, r->icmp_type, r->icmp_code);
	}
	if (!err && r->not_icmp_type != TB_IR_ANY)
		err = add_two(&c->notin, &c->n_notin, r->not_icmp_type, r->not_icmp_code);
	return err;
}

static int addr_cond(const struct tb_ir_side *s, struct tb_cond *c)
{
	int err = 0;

	c->has_in = s->n_nets != 0;
	err = add_cidrs(&c->in, &c->n_in, s->nets, s->n_nets);
	if (!err)
		err = add_cidrs(&c->notin, &c->n_notin, s->not_nets, s->n_not_nets);
	for (size_t i = 0; i < s->n_sets && !err; i++)
		err = push_id(&c->sets, &c->n_sets, s->sets[i]);
	for (size_t i = 0; i < s->n_not_sets && !err; i++)
		err = push_id(&c->notsets, &c->n_notsets, s->not_sets[i]);
	return err;
}

/* alt 0: the numeric ports, alt 1: the named ports (only when the side has them). */
static int port_conds(const struct tb_ir_side *s, int alt, struct tb_cond *pc, struct tb_cond *nc)
{
	int err = 0;

	if (s->n_ports || s->named_set) {
		if (alt == 0 && s->n_ports) {
			pc->has_in = 1;
			err = add_ranges(&pc->in, &pc->n_in, s->ports, s->n_ports);
		} else {
			err = push_id(&nc->sets, &nc->n_sets, s->named_set);
		}
	}
	if (!err)
		err = add_ranges(&pc->notin, &pc->n_notin, s->not_ports, s->n_not_ports);
	if (!err && s->not_named_set)
		err = push_id(&nc->notsets, &nc->n_notsets, s->not_named_set);
	return err;
}

int tb_side_alts(const struct tb_ir_side *s)
{
	return s->n_ports && s->named_set ? 2 : 1;
}

int tb_expand_bit(const struct tb_ir_rule *r, int src_alt, int dst_alt, struct tb_cbit *b)
{
	int err;

	memset(b, 0, sizeof(*b));
	err = proto_cond(r, &b->f[TB_PF_PROTO]);
	if (!err)
		err = icmp_cond(r, &b->f[TB_PF_ICMP]);
	if (!err)
		err = addr_cond(&r->src, &b->f[TB_PF_SRC]);
	if (!err)
		err = addr_cond(&r->dst, &b->f[TB_PF_DST]);
	if (!err)
		err = port_conds(&r->src, src_alt, &b->f[TB_PF_SPORT], &b->f[TB_PF_SRC_NAMED]);
	if (!err)
		err = port_conds(&r->dst, dst_alt, &b->f[TB_PF_DPORT], &b->f[TB_PF_DST_NAMED]);
	if (err)
		tb_cbit_free(b);
	return err;
}

void tb_cbit_free(struct tb_cbit *b)
{
	for (int f = 0; f < TB_PF_MAX; f++) {
		free(b->f[f].in);
		free(b->f[f].notin);
		free(b->f[f].sets);
		free(b->f[f].notsets);
	}
	memset(b, 0, sizeof(*b));
}

int tb_ir_rule_check(const struct tb_ir_rule *r, struct tb_diag *diag)
{
	int bad = 0;

	if (r->protocol < TB_IR_ANY || r->protocol > 255 || r->not_protocol < TB_IR_ANY ||
	    r->not_protocol > 255) {
		tb_diag_add(diag, "protocol out of range 1-255");
		bad = 1;
	}
	if ((r->icmp_type == TB_IR_ANY && r->icmp_code != TB_IR_ANY) ||
	    (r->not_icmp_type == TB_IR_ANY && r->not_icmp_code != TB_IR_ANY)) {
		tb_diag_add(diag, "icmp code given without a type");
		bad = 1;
	}
	if (r->icmp_type > 255 || r->icmp_code > 255 || r->not_icmp_type > 255 ||
	    r->not_icmp_code > 255) {
		tb_diag_add(diag, "icmp type or code out of range 0-255");
		bad = 1;
	}
	if (r->ip_version && r->ip_version != 4 && r->ip_version != 6) {
		tb_diag_add(diag, "ipVersion must be 4 or 6");
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

int tb_pol_policy_check(const struct tb_ir_policy *p, struct tb_diag *diag)
{
	uint64_t bits = 2;  /* its tier's end and the final deny */
	unsigned steps = 1; /* its tier */

	for (size_t i = 0; i < p->n_rules; i++) {
		bits += (uint64_t)tb_side_alts(&p->rules[i].src) * tb_side_alts(&p->rules[i].dst);
		steps += p->rules[i].action == TB_IR_LOG;
	}
	if (bits > TB_POL_MAX_BITS) {
		tb_diag_add(
		    diag,
		    "policy %s alone needs %llu classifier rules; the dataplane supports at "
		    "most %u per endpoint and direction (TB_POL_MAX_BITS)",
		    p->name, (unsigned long long)bits, TB_POL_MAX_BITS);
		return -E2BIG;
	}
	if (steps > TB_POL_MAX_STEPS) {
		tb_diag_add(diag,
			    "policy %s alone has %u Log rules; the dataplane supports at most %u "
			    "Log rules, tiers and profiles per endpoint and direction "
			    "(TB_POL_MAX_STEPS)",
			    p->name, steps - 1, TB_POL_MAX_STEPS);
		return -E2BIG;
	}
	return 0;
}
