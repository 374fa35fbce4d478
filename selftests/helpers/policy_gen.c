// SPDX-License-Identifier: Apache-2.0
/* Random policies and flows from small value pools, for differential classifier tests. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "policy_gen.h"

static const uint8_t protos[] = {6, 17, 1, 58, 132, 47};
/* ICMP types: echo request (v4, v6) and echo reply, so datapath tests can send requests */
static const uint8_t icmp_types[] = {8, 128, 0};
static const uint16_t ports[] = {0, 1, 22, 53, 79, 80, 81, 443, 1000, 1023, 8080, 65535};

void tb_gen_seed(struct tb_gen *g, uint64_t seed)
{
	g->state = seed * 0x9e3779b97f4a7c15ull + 1;
}

uint32_t tb_gen_u32(struct tb_gen *g, uint32_t below)
{
	/* splitmix64 */
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return below ? (uint32_t)(z % below) : (uint32_t)z;
}

static int chance(struct tb_gen *g, int percent)
{
	return (int)tb_gen_u32(g, 100) < percent;
}

/* Pool addresses: 10.0.a.b or fd00::a:b with a < 4, b < 8. */
static void gen_addr(struct tb_gen *g, int family, uint8_t *addr)
{
	uint8_t a = (uint8_t)tb_gen_u32(g, 4), b = (uint8_t)tb_gen_u32(g, 8);

	memset(addr, 0, 16);
	if (family == 4) {
		addr[0] = 10;
		addr[2] = a;
		addr[3] = b;
	} else {
		addr[0] = 0xfd;
		addr[13] = a;
		addr[15] = b;
	}
}

static void gen_cidr(struct tb_gen *g, struct tb_ir_cidr *c)
{
	static const uint8_t l4[] = {0, 8, 16, 22, 24, 29, 30, 32, 32};
	static const uint8_t l6[] = {0, 8, 64, 112, 120, 125, 126, 128, 128};

	memset(c, 0, sizeof(*c));
	c->family = chance(g, 60) ? 4 : 6;
	gen_addr(g, c->family, c->addr);
	c->len = c->family == 4 ? l4[tb_gen_u32(g, sizeof(l4))] : l6[tb_gen_u32(g, sizeof(l6))];
}

int tb_gen_sets(struct tb_gen *g, struct tb_pol_sets *sets)
{
	for (uint32_t id = 1; id <= 4; id++) {
		int n = (int)tb_gen_u32(g, 4), err = tb_pol_sets_ensure(sets, id, 0);

		for (int i = 0; i < n && !err; i++) {
			struct tb_ir_cidr c;

			gen_cidr(g, &c);
			err = tb_pol_sets_add_cidr(sets, id, &c);
		}
		if (err)
			return err;
	}
	for (uint32_t id = 10; id <= 12; id++) {
		int n = (int)tb_gen_u32(g, 5), err = tb_pol_sets_ensure(sets, id, 1);

		for (int i = 0; i < n && !err; i++) {
			struct tb_ir_port_member m = {.proto = chance(g, 60) ? 6 : 17};

			m.port = ports[tb_gen_u32(g, sizeof(ports) / sizeof(ports[0]))];
			m.addr.family = chance(g, 60) ? 4 : 6;
			gen_addr(g, m.addr.family, m.addr.addr);
			m.addr.len = m.addr.family == 4 ? 32 : 128;
			err = tb_pol_sets_add_port(sets, id, &m);
		}
		if (err)
			return err;
	}
	return 0;
}

static int gen_ports(struct tb_gen *g, struct tb_ir_side *s, int neg)
{
	uint16_t lo = ports[tb_gen_u32(g, sizeof(ports) / sizeof(ports[0]))];
	uint32_t hi = lo + (chance(g, 50) ? 0 : tb_gen_u32(g, 2000));

	return tb_ir_side_add_ports(s, neg, lo, hi > 65535 ? 65535 : (uint16_t)hi);
}

static int gen_side(struct tb_gen *g, struct tb_ir_side *s, int l4)
{
	struct tb_ir_cidr c;
	int err = 0;

	for (int neg = 0; neg < 2 && !err; neg++) {
		int n = chance(g, 25) ? 1 + (int)tb_gen_u32(g, 2) : 0;

		for (int i = 0; i < n && !err; i++) {
			gen_cidr(g, &c);
			err = tb_ir_side_add_net(s, neg, &c);
		}
		if (!err && chance(g, 15))
			err = tb_ir_side_add_set(s, neg, 1 + tb_gen_u32(g, 5)); /* 5: unknown */
		if (!err && l4 && chance(g, 25))
			err = gen_ports(g, s, neg);
		if (!err && l4 && chance(g, 25))
			err = gen_ports(g, s, neg);
	}
	if (l4 && chance(g, 12))
		s->named_set = 10 + tb_gen_u32(g, 3);
	if (l4 && chance(g, 6))
		s->not_named_set = 10 + tb_gen_u32(g, 3);
	return err;
}

static int gen_rule(struct tb_gen *g, struct tb_ir_rule *r)
{
	static const enum tb_ir_action acts[] = {TB_IR_ALLOW, TB_IR_ALLOW, TB_IR_ALLOW, TB_IR_DENY,
						 TB_IR_DENY,  TB_IR_LOG,   TB_IR_PASS};
	int l4 = 0, err;

	tb_ir_rule_init(r, acts[tb_gen_u32(g, sizeof(acts) / sizeof(acts[0]))]);
	if (chance(g, 20))
		r->ip_version = chance(g, 50) ? 4 : 6;
	if (chance(g, 55)) {
		r->protocol = protos[tb_gen_u32(g, sizeof(protos))];
		l4 = r->protocol == 6 || r->protocol == 17 || r->protocol == 132;
		if ((r->protocol == 1 || r->protocol == 58) && chance(g, 50)) {
			r->icmp_type = icmp_types[tb_gen_u32(g, 3)];
			r->icmp_code = chance(g, 50) ? (int)tb_gen_u32(g, 2) : TB_IR_ANY;
		}
		if ((r->protocol == 1 || r->protocol == 58) && chance(g, 20)) {
			r->not_icmp_type = icmp_types[tb_gen_u32(g, 3)];
			r->not_icmp_code = chance(g, 50) ? (int)tb_gen_u32(g, 2) : TB_IR_ANY;
		}
	} else if (chance(g, 15)) {
		r->not_protocol = protos[tb_gen_u32(g, sizeof(protos))];
	}
	err = gen_side(g, &r->src, l4);
	if (!err)
		err = gen_side(g, &r->dst, l4);
	return err;
}

static int add_rules(struct tb_gen *g, struct tb_ir *ir, int profile, int n)
{
	for (int i = 0; i < n; i++) {
		struct tb_ir_rule r;
		int err = gen_rule(g, &r);

		if (!err)
			err = tb_ir_add_rule(ir, profile, &r);
		tb_ir_rule_free(&r);
		if (err)
			return err;
	}
	return 0;
}

struct tb_ir *tb_gen_ir(struct tb_gen *g, int max_rules)
{
	struct tb_ir *ir = tb_ir_new();
	int ntiers = (int)tb_gen_u32(g, 4), nprof = (int)tb_gen_u32(g, 3), err = 0;
	int per = max_rules / (2 * (ntiers + nprof) + 1) + 1;
	char name[32];

	for (int t = 0; ir && t < ntiers && !err; t++) {
		int npol = (int)tb_gen_u32(g, 3);

		snprintf(name, sizeof(name), "tier%d", t);
		err = tb_ir_add_tier(ir, name, chance(g, 30) ? TB_IR_PASS : TB_IR_DENY);
		for (int p = 0; p < npol && !err; p++) {
			snprintf(name, sizeof(name), "pol%d", p);
			err = tb_ir_add_policy(ir, name);
			if (!err)
				err = add_rules(g, ir, 0, (int)tb_gen_u32(g, (uint32_t)per + 1));
		}
	}
	for (int p = 0; ir && p < nprof && !err; p++) {
		snprintf(name, sizeof(name), "prof%d", p);
		err = tb_ir_add_profile(ir, name);
		if (!err)
			err = add_rules(g, ir, 1, (int)tb_gen_u32(g, (uint32_t)per + 1));
	}
	if (err) {
		tb_ir_free(ir);
		return NULL;
	}
	return ir;
}

void tb_gen_flow(struct tb_gen *g, struct tb_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->family = chance(g, 60) ? 4 : 6;
	gen_addr(g, f->family, (uint8_t *)f->saddr);
	gen_addr(g, f->family, (uint8_t *)f->daddr);
	f->proto = protos[tb_gen_u32(g, sizeof(protos))];
	if (f->proto == 1 || f->proto == 58) {
		f->icmp_type = icmp_types[tb_gen_u32(g, 3)];
		f->icmp_code = (uint8_t)tb_gen_u32(g, 2);
	} else if (f->proto != 47) {
		f->sport = ports[tb_gen_u32(g, sizeof(ports) / sizeof(ports[0]))];
		f->dport = ports[tb_gen_u32(g, sizeof(ports) / sizeof(ports[0]))];
		if (chance(g, 30))
			f->dport = (uint16_t)tb_gen_u32(g, 3000);
	}
}

void tb_gen_flow_str(const struct tb_flow *f, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = f->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, f->saddr, s, sizeof(s));
	inet_ntop(af, f->daddr, d, sizeof(d));
	snprintf(buf, len, "v%u %s:%u -> %s:%u proto %u icmp %u/%u", f->family, s, f->sport, d,
		 f->dport, f->proto, f->icmp_type, f->icmp_code);
}

static int ref_eq(const struct tb_pol_ref *a, const struct tb_pol_ref *b)
{
	return a->kind == b->kind && a->tier == b->tier && a->policy == b->policy &&
	       a->rule == b->rule;
}

int tb_gen_compare(const struct tb_pol_compiled *c, const struct tb_eval_result *ref, int allow,
		   int reason, uint32_t rule_id, const uint32_t *logs, size_t n_logs, char *msg,
		   size_t len)
{
	const struct tb_pol_ref *d = rule_id < c->n_rule_ids ? &c->refs[rule_id] : NULL;

	if (allow != ref->allow || reason != ref->reason || !d || !ref_eq(d, &ref->decider)) {
		snprintf(msg, len,
			 "verdict %d reason %d rule %d/%d/%d/%d, reference %d %d "
			 "%d/%d/%d/%d",
			 allow, reason, d ? (int)d->kind : -9, d ? d->tier : -9, d ? d->policy : -9,
			 d ? d->rule : -9, ref->allow, ref->reason, ref->decider.kind,
			 ref->decider.tier, ref->decider.policy, ref->decider.rule);
		return -1;
	}
	if (n_logs != ref->n_logs) {
		snprintf(msg, len, "%zu log records, reference %zu", n_logs, ref->n_logs);
		return -1;
	}
	for (size_t i = 0; i < n_logs; i++) {
		if (logs[i] >= c->n_rule_ids || !ref_eq(&c->refs[logs[i]], &ref->logs[i])) {
			snprintf(msg, len, "log record %zu differs", i);
			return -1;
		}
	}
	return 0;
}
