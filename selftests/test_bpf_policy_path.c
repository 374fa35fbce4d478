// SPDX-License-Identifier: Apache-2.0
/*
 * The workload programs with the real classifier (no test-only policy): an interface without
 * an endpoint entry is denied, while ARP, unsolicited ICMP and mid-flow TCP are settled before
 * policy; with compiled tables the deciding rule admits the flow, its counter follows the
 * flow's packets, replies pass without policy in the other direction, a Deny rule and a tier
 * end drop with their reasons, and a policy change spares the established flow.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "helpers/bpf_run.h"
#include "helpers/dp_fixture.h"
#include "helpers/policy_spec.h"
#include "policy_compile.h"
#include "policy_maps.h"

/* BPF_PROG_TEST_RUN's skb is on the loopback device. */
#define IFINDEX 1

#define W .src = "10.0.0.1", .dst = "10.0.0.2"
#define P .src = "10.0.0.2", .dst = "10.0.0.1"

struct pol_env {
	struct tb_fixture f;
	struct tb_pol_maps *maps;
	struct tb_pol_sets sets;
	int cnt_fd;
};

static int env_open(struct pol_env *e)
{
	struct tb_pol_map_fds fds;

	memset(e, 0, sizeof(*e));
	if (tb_fixture_open_flags(&e->f, 0, 0))
		return -1;
	if (tb_fixture_pol_map_fds(&e->f, &fds) || tb_pol_maps_new(&fds, &e->maps) ||
	    tb_spec_sets(&e->sets)) {
		tb_fixture_close(&e->f);
		return -1;
	}
	e->cnt_fd = fds.cnt;
	return 0;
}

static void env_close(struct pol_env *e)
{
	tb_pol_sets_free(&e->sets);
	tb_pol_maps_free(e->maps);
	tb_fixture_close(&e->f);
}

/* Compiles `spec` and installs (or, with replace, swaps in) the endpoint's ingress tables. */
static int install(struct pol_env *e, const char *spec, int replace)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_ir *ir = tb_spec_ir(spec);
	struct tb_diag diag;
	uint32_t slot;
	int err = -1;

	tb_diag_init(&diag);
	if (!ir || tb_pol_compile(ir, &e->sets, &diag, &c))
		goto out;
	if (replace)
		err = tb_pol_maps_replace(e->maps, "list", c);
	else if (!(err = tb_pol_maps_get(e->maps, "list", c, &slot)))
		err = tb_pol_maps_attach(e->maps, IFINDEX, TB_DIR_INGRESS, slot);
out:
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
	return err;
}

static uint64_t rule_packets(struct pol_env *e, const struct tb_pkt_spec *spec)
{
	struct tb_ct_value v;
	struct tb_ct_key k;
	uint64_t pk = 0, by;

	if (tb_fixture_ct_get(&e->f, spec, IFINDEX, &k, &v) || v.rule_id == TB_RULE_NONE ||
	    tb_percpu_counter(e->cnt_fd, v.rule_id, &pk, &by))
		return 0;
	return pk;
}

struct path_case {
	const char *name;
	enum tb_dp_hook hook;
	struct tb_pkt_spec spec;
	struct tb_expect exp;
};

#define CHECK(e, c)                                                                            \
	tb_fixture_check(&(e)->f, (c).hook, &(c).spec, (c).exp, why, sizeof(why))

Test(bpf_policy_path, no_endpoint)
{
	static const struct path_case cases[] = {
		{ "syn to an unknown endpoint", TB_HOOK_EGRESS,
		  { P, .sport = 5, .dport = 80, .tcp_flags = TB_TCP_SYN },
		  TB_DROP(TB_DROP_NO_ENDPOINT) },
		{ "udp from an unknown endpoint", TB_HOOK_INGRESS,
		  { W, .proto = IPPROTO_UDP, .sport = 5, .dport = 53 },
		  TB_DROP(TB_DROP_NO_ENDPOINT) },
		{ "arp passes", TB_HOOK_INGRESS, { .eth_proto = 0x0806 }, TB_PASS(TB_STAT_NON_IP) },
		{ "unsolicited echo reply before policy", TB_HOOK_EGRESS,
		  { P, .proto = IPPROTO_ICMP, .icmp_type = 0, .icmp_id = 1 },
		  TB_DROP(TB_DROP_UNSOLICITED_ICMP) },
		{ "mid-flow tcp before policy", TB_HOOK_EGRESS,
		  { P, .sport = 5, .dport = 80, .tcp_flags = TB_TCP_ACK },
		  TB_DROP(TB_DROP_CT_INVALID) },
	};
	struct pol_env e;
	char why[200];
	int fails = 0;

	if (env_open(&e))
		cr_assert_fail("datapath with the classifier did not load");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (CHECK(&e, cases[i])) {
			cr_log_error("%s: %s", cases[i].name, why);
			fails++;
		}
	}
	env_close(&e);
	cr_expect_eq(fails, 0, "%d cases failed", fails);
}

Test(bpf_policy_path, compiled_policy_and_conntrack)
{
	static const struct tb_pkt_spec syn = { P, .sport = 1000, .dport = 80,
						.tcp_flags = TB_TCP_SYN };
	static const struct path_case flow[] = {
		{ "allowed syn", TB_HOOK_EGRESS, syn, TB_PASS(TB_STAT_POLICY_ALLOW) },
		/* No egress tables at all: the reply passes on conntrack alone. */
		{ "syn-ack reply", TB_HOOK_INGRESS,
		  { W, .sport = 80, .dport = 1000, .tcp_flags = TB_TCP_SYN | TB_TCP_ACK },
		  TB_PASS(TB_STAT_CT_REPLY) },
		{ "ack", TB_HOOK_EGRESS, { P, .sport = 1000, .dport = 80, .tcp_flags = TB_TCP_ACK },
		  TB_PASS(TB_STAT_CT_HIT) },
		{ "deny rule", TB_HOOK_EGRESS, { P, .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
		  TB_DROP(TB_DROP_POLICY_DENY) },
		{ "tier end", TB_HOOK_EGRESS,
		  { P, .sport = 1000, .dport = 81, .tcp_flags = TB_TCP_SYN },
		  TB_DROP(TB_DROP_TIER_END) },
	};
	static const struct path_case after[] = {
		{ "established flow survives the change", TB_HOOK_EGRESS,
		  { P, .sport = 1000, .dport = 80, .tcp_flags = TB_TCP_ACK },
		  TB_PASS(TB_STAT_CT_HIT) },
		{ "new flow meets the new policy", TB_HOOK_EGRESS,
		  { P, .sport = 1001, .dport = 80, .tcp_flags = TB_TCP_SYN },
		  TB_DROP(TB_DROP_POLICY_DENY) },
	};
	struct pol_env e;
	char why[200] = "";
	uint64_t pk;

	if (env_open(&e))
		cr_assert_fail("datapath with the classifier did not load");
	if (install(&e, "tier t; policy p; rule allow proto=6 dst.ports=80; rule deny proto=17",
		    0)) {
		snprintf(why, sizeof(why), "cannot install the policy");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(flow) / sizeof(flow[0]); i++) {
		if (CHECK(&e, flow[i]))
			goto fail_case;
	}
	/* The allow rule counted the SYN, the reply and the ACK. */
	pk = rule_packets(&e, &syn);
	if (pk != 3) {
		snprintf(why, sizeof(why), "allow rule counted %lu packets, want 3",
			 (unsigned long)pk);
		goto fail;
	}
	if (install(&e, "tier t; policy p; rule deny proto=6", 1)) {
		snprintf(why, sizeof(why), "cannot replace the policy");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		if (CHECK(&e, after[i]))
			goto fail_case;
	}
	env_close(&e);
	return;
fail_case:
	cr_log_error("step failed");
fail:
	env_close(&e);
	cr_assert_fail("%s", why);
}
