// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the classifier compiler: the input is read as a policy (tiers,
 * policies, rules with every field, profiles) followed by flows; the policy is compiled and
 * every flow decided by the compiled tables (the userspace copy of the BPF lookup) and by the
 * reference evaluator. Any difference in verdict, reason, deciding rule or Log records aborts.
 * Values come from small pools so that rules and flows meet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile.h"
#include "policy_eval.h"

struct rd {
	const uint8_t *p;
	size_t n;
};

static unsigned rb(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static const uint8_t protos[] = {6, 17, 1, 58, 132};
static const uint8_t icmps[] = {8, 128, 0};
static const uint16_t ports[] = {0, 22, 53, 80, 443, 1000, 8080, 65535};
static const uint8_t lens4[] = {0, 8, 24, 30, 32};
static const uint8_t lens6[] = {0, 64, 120, 126, 128};

static void addr(struct rd *r, int family, uint8_t *a)
{
	unsigned v = rb(r);

	memset(a, 0, 16);
	if (family == 4) {
		a[0] = 10;
		a[2] = (v >> 3) & 3;
		a[3] = v & 7;
	} else {
		a[0] = 0xfd;
		a[13] = (v >> 3) & 3;
		a[15] = v & 7;
	}
}

static void cidr(struct rd *r, struct tb_ir_cidr *c)
{
	unsigned v = rb(r);

	c->family = v & 1 ? 6 : 4;
	addr(r, c->family, c->addr);
	c->len = c->family == 4 ? lens4[(v >> 1) % 5] : lens6[(v >> 1) % 5];
}

static int side(struct rd *r, struct tb_ir_side *s)
{
	unsigned f = rb(r);
	struct tb_ir_cidr c;
	int err = 0;

	for (int neg = 0; neg < 2 && !err; neg++) {
		if (f & (1u << neg)) {
			cidr(r, &c);
			err = tb_ir_side_add_net(s, neg, &c);
		}
		if (!err && f & (4u << neg))
			err = tb_ir_side_add_set(s, neg, 1 + rb(r) % 3);
		if (!err && f & (16u << neg)) {
			uint16_t lo = ports[rb(r) % 8];
			unsigned hi = lo + rb(r) * 16u;

			err = tb_ir_side_add_ports(s, neg, lo, hi > 65535 ? 65535 : (uint16_t)hi);
		}
	}
	if (f & 64)
		s->named_set = 10;
	if (f & 128)
		s->not_named_set = 10;
	return err;
}

static int rule(struct rd *r, struct tb_ir *ir, int profile)
{
	unsigned a = rb(r), f = rb(r);
	struct tb_ir_rule x;
	int err;

	tb_ir_rule_init(&x, (enum tb_ir_action)(a % 4));
	if (f & 1)
		x.ip_version = a & 16 ? 6 : 4;
	if (f & 2)
		x.protocol = protos[rb(r) % 5];
	if (f & 4)
		x.not_protocol = protos[rb(r) % 5];
	if (f & 8) {
		x.icmp_type = icmps[rb(r) % 3];
		x.icmp_code = a & 32 ? (int)(rb(r) % 2) : TB_IR_ANY;
	}
	if (f & 16) {
		x.not_icmp_type = icmps[rb(r) % 3];
		x.not_icmp_code = a & 64 ? (int)(rb(r) % 2) : TB_IR_ANY;
	}
	err = side(r, &x.src);
	if (!err)
		err = side(r, &x.dst);
	if (!err)
		err = tb_ir_add_rule(ir, profile, &x);
	tb_ir_rule_free(&x);
	return err;
}

static struct tb_ir *policy(struct rd *r)
{
	struct tb_ir *ir = tb_ir_new();
	unsigned nt = rb(r) % 4, np = rb(r) % 3;
	int err = !ir;

	for (unsigned t = 0; t < nt && !err; t++) {
		unsigned n = rb(r), npol = n % 3;

		err = tb_ir_add_tier(ir, "t", n & 4 ? TB_IR_PASS : TB_IR_DENY);
		for (unsigned p = 0; p < npol && !err; p++) {
			unsigned nr = rb(r) % 5;

			err = tb_ir_add_policy(ir, "p");
			for (unsigned i = 0; i < nr && !err; i++)
				err = rule(r, ir, 0);
		}
	}
	for (unsigned p = 0; p < np && !err; p++) {
		unsigned nr = rb(r) % 5;

		err = tb_ir_add_profile(ir, "k");
		for (unsigned i = 0; i < nr && !err; i++)
			err = rule(r, ir, 1);
	}
	if (err) {
		tb_ir_free(ir);
		return NULL;
	}
	return ir;
}

static int sets_init(struct tb_pol_sets *s)
{
	struct tb_ir_cidr c = {.family = 4, .len = 30, .addr = {10, 0, 0, 0}};
	struct tb_ir_port_member m = {
	    .proto = 6, .port = 80, .addr = {.family = 4, .len = 32, .addr = {10, 0, 0, 1}}};
	int err = tb_pol_sets_add_cidr(s, 1, &c);

	c = (struct tb_ir_cidr){.family = 6, .len = 126, .addr = {0xfd}};
	err = err ?: tb_pol_sets_add_cidr(s, 1, &c);
	c = (struct tb_ir_cidr){.family = 4, .len = 24, .addr = {10, 0, 1, 0}};
	err = err ?: tb_pol_sets_add_cidr(s, 2, &c);
	err = err ?: tb_pol_sets_ensure(s, 3, 0);
	return err ?: tb_pol_sets_add_port(s, 10, &m);
}

static void flow(struct rd *r, struct tb_flow *f)
{
	unsigned v = rb(r);

	memset(f, 0, sizeof(*f));
	f->family = v & 1 ? 6 : 4;
	addr(r, f->family, (uint8_t *)f->saddr);
	addr(r, f->family, (uint8_t *)f->daddr);
	f->proto = protos[(v >> 1) % 5];
	if (f->proto == 1 || f->proto == 58) {
		f->icmp_type = icmps[rb(r) % 3];
		f->icmp_code = rb(r) % 2;
	} else {
		f->sport = ports[rb(r) % 8];
		f->dport = (uint16_t)(ports[rb(r) % 8] + (v >> 4));
	}
}

static int same(const struct tb_pol_compiled *c, const struct tb_eval_result *e,
		const struct tb_pol_sim_result *s)
{
	if (e->allow != s->allow || e->reason != s->reason || s->rule_id >= c->n_rule_ids ||
	    memcmp(&c->refs[s->rule_id], &e->decider, sizeof(e->decider)) || e->n_logs != s->n_logs)
		return 0;
	for (size_t i = 0; i < s->n_logs; i++)
		if (memcmp(&c->refs[s->logs[i]], &e->logs[i], sizeof(e->logs[i])))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	ir = policy(&r);
	if (sets_init(&sets) || !ir || tb_pol_compile(ir, &sets, &diag, &c))
		abort(); /* pools keep every generated policy valid and small */
	for (int i = 0; i < 16; i++) {
		struct tb_eval_result e;
		struct tb_pol_sim_result s;
		struct tb_flow f;

		flow(&r, &f);
		tb_eval_flow(ir, &sets, &f, &e);
		tb_pol_compiled_decide(c, &f, &s);
		if (!same(c, &e, &s))
			abort();
	}
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
	tb_pol_sets_free(&sets);
	return 0;
}
