// SPDX-License-Identifier: Apache-2.0
/*
 * The classifier in BPF, case by case: every rule field (positive and negated), every action,
 * tiers, Pass, tier ends, profiles, IPv4 and IPv6. Each case is {policy, flow, expected
 * verdict, reason, deciding rule}; it runs through BPF_PROG_TEST_RUN, must agree with the
 * reference evaluator, and must have counted one packet on the deciding rule.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers/policy_bpf.h"
#include "helpers/policy_spec.h"
#include "policy_eval.h"
#include "tabby/drop_reasons.h"

#define A 1
#define D 0
#define NONE TB_DROP_NONE
#define PDENY TB_DROP_POLICY_DENY
#define TEND TB_DROP_TIER_END
#define PROF TB_DROP_PROFILE_DENY
#define DDENY TB_DROP_DEFAULT_DENY

struct tcase {
	const char *policy, *flow;
	int allow, reason;
	const char *decider;
};

#define T1(rules) "tier t; policy p; " rules
#define TCP4 "tcp 10.0.0.1:1000 10.0.0.2:80"
#define UDP4 "udp 10.0.0.1:1000 10.0.0.2:80"
#define TCP6 "tcp [fd00::1]:1000 [fd00::2]:80"
#define ICMP4 "icmp 10.0.0.1 10.0.0.2 icmp="
#define MIXED                                                                                      \
	"rule deny src.net=10.0.0.1/32; rule allow src.net=10.0.0.0/24; "                          \
	"rule allow src.net=fd00::1/128"

/* one case per line reads as a table */
/* clang-format off */
static const struct tcase cases[] = {
	/* protocol, ipVersion */
	{ T1("rule allow proto=6"), TCP4, A, NONE, "t0p0r0" },
	{ T1("rule allow proto=6"), UDP4, D, TEND, "t0end" },
	{ T1("rule allow !proto=17"), TCP4, A, NONE, "t0p0r0" },
	{ T1("rule allow !proto=17"), UDP4, D, TEND, "t0end" },
	{ T1("rule allow proto=132"), "132 10.0.0.1:5 10.0.0.2:6", A, NONE, "t0p0r0" },
	{ T1("rule allow ipv=6"), TCP4, D, TEND, "t0end" },
	{ T1("rule allow ipv=6"), TCP6, A, NONE, "t0p0r0" },
	{ T1("rule allow ipv=4 proto=6"), TCP6, D, TEND, "t0end" },
	/* ICMP type and code */
	{ T1("rule allow proto=1 icmp=8"), ICMP4 "8/0", A, NONE, "t0p0r0" },
	{ T1("rule allow proto=1 icmp=8"), ICMP4 "0/0", D, TEND, "t0end" },
	{ T1("rule allow proto=1 icmp=3/4"), ICMP4 "3/4", A, NONE, "t0p0r0" },
	{ T1("rule allow proto=1 icmp=3/4"), ICMP4 "3/1", D, TEND, "t0end" },
	{ T1("rule allow proto=1 !icmp=8"), ICMP4 "8/3", D, TEND, "t0end" },
	{ T1("rule allow proto=1 !icmp=8"), ICMP4 "0/0", A, NONE, "t0p0r0" },
	{ T1("rule allow proto=1 !icmp=8/1"), ICMP4 "8/0", A, NONE, "t0p0r0" },
	{ T1("rule allow proto=58 icmp=128"), "icmp6 fd00::1 fd00::2 icmp=128/0", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=58 icmp=128"), ICMP4 "128/0", D, TEND, "t0end" },
	/* nets, notNets, nested prefixes, families */
	{ T1("rule allow src.net=10.0.0.0/24"), TCP4, A, NONE, "t0p0r0" },
	{ T1("rule allow src.net=10.0.0.0/24"), "tcp 10.0.1.1:1 10.0.0.2:80", D, TEND, "t0end" },
	{ T1("rule allow !src.net=10.0.0.0/24"), TCP4, D, TEND, "t0end" },
	{ T1("rule allow !src.net=10.0.0.0/24"), "tcp 10.0.1.1:1 10.0.0.2:80", A, NONE, "t0p0r0" },
	{ T1("rule deny src.net=10.0.0.0/30; rule allow src.net=10.0.0.0/8"), TCP4, D, PDENY,
	  "t0p0r0" },
	{ T1("rule deny src.net=10.0.0.0/30; rule allow src.net=10.0.0.0/8"),
	  "tcp 10.0.0.5:1 10.0.0.2:80", A, NONE, "t0p0r1" },
	{ T1("rule allow dst.net=fd00::/64"), TCP6, A, NONE, "t0p0r0" },
	{ T1("rule allow dst.net=fd00::/64"), "tcp [fd00::1]:1 [fd01::2]:80", D, TEND, "t0end" },
	{ T1("rule allow src.net=0.0.0.0/0"), TCP6, D, TEND, "t0end" },
	{ T1("rule allow src.net=0.0.0.0/0 src.net=::/0"), TCP6, A, NONE, "t0p0r0" },
	{ T1("rule allow !dst.net=::/0"), TCP4, A, NONE, "t0p0r0" },
	/* IPv4 /32 and /24 with an IPv6 /128: hashed, each family with its own lengths */
	{ T1(MIXED), TCP4, D, PDENY, "t0p0r0" },
	{ T1(MIXED), "tcp 10.0.0.5:1 10.0.0.2:80", A, NONE, "t0p0r1" },
	{ T1(MIXED), TCP6, A, NONE, "t0p0r2" },
	{ T1(MIXED), "tcp [fd00::2]:1 [fd00::2]:80", D, TEND, "t0end" },
	{ T1(MIXED), "tcp 10.1.0.1:1 10.0.0.2:80", D, TEND, "t0end" },
	/* IP sets (selectors) */
	{ T1("rule allow src.set=1"), "tcp 10.1.2.3:1 10.0.0.2:80", A, NONE, "t0p0r0" },
	{ T1("rule allow src.set=1"), "tcp 10.2.0.1:1 10.0.0.2:80", D, TEND, "t0end" },
	{ T1("rule allow src.set=1"), "tcp [fd01::5]:1 [fd00::2]:80", A, NONE, "t0p0r0" },
	{ T1("rule allow src.set=1 src.set=2"), "tcp 10.1.2.3:1 10.0.0.2:80", D, TEND, "t0end" },
	{ T1("rule allow !dst.set=2"), "tcp 10.0.0.2:1 10.0.0.1:80", D, TEND, "t0end" },
	{ T1("rule allow !dst.set=2"), TCP4, A, NONE, "t0p0r0" },
	{ T1("rule allow src.set=99"), TCP4, D, TEND, "t0end" },
	{ T1("rule allow src.set=1 !src.net=10.1.2.0/24"), "tcp 10.1.2.3:1 10.0.0.2:80", D, TEND,
	  "t0end" },
	/* ports, notPorts, ranges */
	{ T1("rule allow proto=6 dst.ports=80-90"), "tcp 10.0.0.1:1 10.0.0.2:85", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=6 dst.ports=80-90"), "tcp 10.0.0.1:1 10.0.0.2:91", D, TEND,
	  "t0end" },
	{ T1("rule allow proto=6 dst.ports=80-90"), "tcp 10.0.0.1:1 10.0.0.2:79", D, TEND,
	  "t0end" },
	{ T1("rule allow proto=6 dst.ports=0-65535"), "tcp 10.0.0.1:1 10.0.0.2:65535", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=6 !dst.ports=22"), "tcp 10.0.0.1:1 10.0.0.2:22", D, TEND, "t0end" },
	{ T1("rule allow proto=6 !dst.ports=22"), "tcp 10.0.0.1:1 10.0.0.2:23", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=17 src.ports=53"), "udp 10.0.0.1:53 10.0.0.2:9", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=17 !src.ports=1-1023"), "udp 10.0.0.1:53 10.0.0.2:9", D, TEND,
	  "t0end" },
	/* named ports (IP+port sets), alone and mixed with numbers */
	{ T1("rule allow proto=6 dst.named=10"), "tcp 10.0.0.1:1 10.0.0.2:8080", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=6 dst.named=10"), "tcp 10.0.0.1:1 10.0.0.3:8080", D, TEND,
	  "t0end" },
	{ T1("rule allow proto=6 dst.named=10"), "tcp 10.0.0.1:1 10.0.0.2:8081", D, TEND,
	  "t0end" },
	{ T1("rule allow proto=6 dst.named=10"), "tcp [fd00::1]:1 [fd00::2]:9090", A, NONE,
	  "t0p0r0" },
	{ T1("rule allow proto=6 dst.ports=22 dst.named=10"), "tcp 10.0.0.1:1 10.0.0.3:22", A,
	  NONE, "t0p0r0" },
	{ T1("rule allow proto=6 dst.ports=22 dst.named=10"), "tcp 10.0.0.1:1 10.0.0.2:8080", A,
	  NONE, "t0p0r0" },
	{ T1("rule allow proto=6 dst.ports=22 dst.named=10"), "tcp 10.0.0.1:1 10.0.0.3:8080", D,
	  TEND, "t0end" },
	{ T1("rule allow proto=6 !dst.named=10"), "tcp 10.0.0.1:1 10.0.0.2:8080", D, TEND,
	  "t0end" },
	{ T1("rule allow proto=6 !dst.named=10"), TCP4, A, NONE, "t0p0r0" },
	{ T1("rule allow proto=6 src.named=10"), "tcp 10.0.0.2:8080 10.0.0.1:5", A, NONE,
	  "t0p0r0" },
	/* actions and ordering */
	{ T1("rule deny proto=6; rule allow"), TCP4, D, PDENY, "t0p0r0" },
	{ T1("rule deny proto=6; rule allow"), UDP4, A, NONE, "t0p0r1" },
	{ T1("rule allow proto=6; policy q; rule deny"), UDP4, D, PDENY, "t0p1r0" },
	{ T1("rule log; rule allow"), TCP4, A, NONE, "t0p0r1" },
	{ T1("rule log; rule deny"), TCP6, D, PDENY, "t0p0r1" },
	/* Pass, tier ends, tiers */
	{ "tier a; policy p; rule pass proto=6; rule deny; tier b; policy q; rule allow", TCP4, A,
	  NONE, "t1p0r0" },
	{ "tier a; policy p; rule pass proto=6; rule deny; tier b; policy q; rule allow", UDP4, D,
	  PDENY, "t0p0r1" },
	{ "tier a; policy p; rule pass; policy p2; rule deny; tier b; policy q; rule allow", TCP4,
	  A, NONE, "t1p0r0" },
	{ "tier a; policy p; rule allow proto=17; profile k; rule allow", TCP4, D, TEND, "t0end" },
	{ "tier a pass; policy p; rule allow proto=17; profile k; rule allow", TCP4, A, NONE,
	  "prof0r0" },
	{ "tier a pass; policy p; rule deny proto=17; tier b; policy q; rule allow proto=6", TCP4,
	  A, NONE, "t1p0r0" },
	{ "tier a pass; policy p; rule deny proto=17; tier b; policy q; rule allow proto=6", UDP4,
	  D, PDENY, "t0p0r0" },
	{ "tier a; policy p; rule allow proto=17; tier b; policy q; rule allow", TCP4, D, TEND,
	  "t0end" },
	{ "tier a; tier b; policy q; rule allow", TCP4, A, NONE, "t1p0r0" },
	{ "tier a; policy p; rule pass", TCP4, D, DDENY, "final" },
	{ "tier a; policy p; rule pass; profile k; rule allow proto=17", TCP4, D, DDENY, "final" },
	/* profiles */
	{ "profile k; rule allow proto=6", TCP4, A, NONE, "prof0r0" },
	{ "profile k; rule allow proto=6", UDP4, D, PROF, "final" },
	{ "", TCP6, D, PROF, "final" },
	{ "profile k; rule deny proto=6; rule allow", TCP4, D, PDENY, "prof0r0" },
	{ "profile k; rule allow proto=17; profile l; rule allow proto=6", TCP4, A, NONE,
	  "prof1r0" },
	{ "profile k; rule pass; rule deny; profile l; rule allow", TCP4, A, NONE, "prof1r0" },
	{ "profile k; rule log; profile l; rule allow ipv=6", TCP6, A, NONE, "prof1r0" },
};
/* clang-format on */

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Case idx, installed on endpoint 100 + idx: its verdict, rule and counter. */
static void run_case(struct tb_pbpf *p, const struct tcase *c, int idx, const struct tb_ir *ir,
		     const struct tb_pol_compiled *comp, uint32_t slot,
		     const struct tb_pol_sets *sets)
{
	uint32_t ifindex = 100 + (uint32_t)idx, local = TB_RULE_NONE, base;
	struct tb_policy_result res;
	struct tb_eval_result ref;
	struct tb_pol_ref want;
	struct tb_flow f;
	uint64_t pk = 0, by = 0;
	int ok;

	if (tb_spec_flow(c->flow, &f) || tb_spec_ref(c->decider, &want) ||
	    tb_pol_maps_attach(p->maps, ifindex, TB_DIR_EGRESS, slot) ||
	    tb_pol_maps_rule_id(p->maps, slot, 0, &base) ||
	    tb_pbpf_decide(p, ifindex, TB_DIR_EGRESS, &f, 1, &res, NULL))
		cr_assert_fail("case %d (%s | %s): setup failed", idx, c->policy, c->flow);
	tb_eval_flow(ir, sets, &f, &ref);
	if (res.rule_id != TB_RULE_NONE) {
		local = res.rule_id - base;
		tb_pbpf_counter(p, res.rule_id, &pk, &by);
	}
	ok = (int)res.allow == c->allow && (int)res.reason == c->reason &&
	     local < comp->n_rule_ids && !memcmp(&comp->refs[local], &want, sizeof(want)) &&
	     ref.allow == c->allow && ref.reason == c->reason &&
	     !memcmp(&ref.decider, &want, sizeof(want)) && pk == 1 && by == 62;
	if (!ok)
		cr_assert_fail("case %d (%s | %s): got %u/%u rule %u (%llu packets), reference "
			       "%d/%d",
			       idx, c->policy, c->flow, res.allow, res.reason, local,
			       (unsigned long long)pk, ref.allow, ref.reason);
}

Test(policy_bpf, table)
{
	const struct tb_pol_compiled *comp[NCASES];
	struct tb_pol_compiled *owned[NCASES];
	struct tb_ir *irs[NCASES];
	const char *keys[NCASES];
	char names[NCASES][16];
	uint32_t slots[NCASES];
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_pbpf p;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	if (tb_spec_sets(&sets) || tb_pbpf_open(&p))
		cr_assert_fail("setup");
	for (size_t i = 0; i < NCASES; i++) {
		irs[i] = tb_spec_ir(cases[i].policy);
		if (!irs[i] || tb_pol_compile(irs[i], &sets, &diag, &owned[i]))
			cr_assert_fail("case %zu (%s): does not compile", i, cases[i].policy);
		comp[i] = owned[i];
		snprintf(names[i], sizeof(names[i]), "case%zu", i);
		keys[i] = names[i];
	}
	/* one batch: the outer-map grace periods are paid once for all cases */
	if (tb_pol_maps_get_many(p.maps, keys, comp, NCASES, slots))
		cr_assert_fail("installing the cases");
	for (size_t i = 0; i < NCASES; i++)
		run_case(&p, &cases[i], (int)i, irs[i], comp[i], slots[i], &sets);
	for (size_t i = 0; i < NCASES; i++) {
		tb_pol_compiled_free(owned[i]);
		tb_ir_free(irs[i]);
	}
	tb_pbpf_close(&p);
	tb_diag_free(&diag);
	tb_pol_sets_free(&sets);
}
