// SPDX-License-Identifier: Apache-2.0
/*
 * Differential test through the workload programs themselves (bpf/workload.bpf.c with the
 * real classifier): random policies installed for both directions of the test run's
 * interface, random new flows built as real frames (TCP SYN, UDP, SCTP, ICMP echo requests,
 * another protocol, IPv4 and IPv6), each run through the program of a random hook with
 * conntrack emptied first. The verdict and the counter it bumps (policy_allow, or the drop
 * reason) must be the reference evaluator's. A disagreement prints the seed.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers/dp_fixture.h"
#include "helpers/pkt.h"
#include "helpers/policy_gen.h"
#include "policy_maps.h"

/* BPF_PROG_TEST_RUN's skb is on the loopback device. */
#define IFINDEX 1

struct env {
	struct tb_fixture f;
	struct tb_pol_maps *maps;
};

static int env_open(struct env *e)
{
	struct tb_pol_map_fds fds;

	memset(e, 0, sizeof(*e));
	if (tb_fixture_open_flags(&e->f, 0, 0))
		return -1;
	if (tb_fixture_pol_map_fds(&e->f, &fds) || tb_pol_maps_new(&fds, &e->maps)) {
		tb_fixture_close(&e->f);
		return -1;
	}
	return 0;
}

/* A frame for a random flow that the datapath judges as a new flow. */
static void spec_of(const struct tb_flow *f, struct tb_pkt_spec *s, char *src, char *dst)
{
	int af = f->family == TB_AF_INET ? AF_INET : AF_INET6;

	memset(s, 0, sizeof(*s));
	inet_ntop(af, f->saddr, src, INET6_ADDRSTRLEN);
	inet_ntop(af, f->daddr, dst, INET6_ADDRSTRLEN);
	s->family = f->family;
	s->src = src;
	s->dst = dst;
	s->proto = f->proto;
	s->sport = f->sport;
	s->dport = f->dport;
	if (f->proto == 1 || f->proto == 58) {
		/* the family's own ICMP, as an echo request: replies would be unsolicited */
		s->proto = f->family == TB_AF_INET ? 1 : 58;
		s->icmp_type = f->family == TB_AF_INET ? 8 : 128;
		s->icmp_code = f->icmp_code;
		s->icmp_id = 7;
	}
	if (f->proto == 6)
		s->tcp_flags = TB_TCP_SYN;
}

static int check_flow(struct env *e, const struct tb_ir *ir, const struct tb_pol_sets *sets,
		      struct tb_gen *g, char *why, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	enum tb_dp_hook hook = tb_gen_u32(g, 2) ? TB_HOOK_INGRESS : TB_HOOK_EGRESS;
	struct tb_eval_result ref;
	struct tb_pkt_spec s;
	struct tb_flow f, parsed;

	tb_gen_flow(g, &f);
	spec_of(&f, &s, src, dst);
	if (tb_pkt_spec_flow(&s, &parsed) || tb_fixture_reset(&e->f)) {
		snprintf(why, len, "building the frame");
		return -1;
	}
	/* both directions carry the same policy, so either hook must give the same verdict */
	tb_eval_flow(ir, sets, &parsed, &ref);
	return tb_fixture_check(&e->f, hook, &s,
				ref.allow ? TB_PASS(TB_STAT_POLICY_ALLOW) : TB_DROP(ref.reason),
				why, len);
}

static int run_seed(struct env *e, uint64_t seed, int nflows, char *msg, size_t len)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_ir *ir = NULL;
	struct tb_diag diag;
	char key[32], why[256];
	uint32_t slot;
	struct tb_gen g;
	int ret = -1;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	tb_gen_seed(&g, seed);
	snprintf(key, sizeof(key), "dp-%llu", (unsigned long long)seed);
	snprintf(msg, len, "seed %llu: setup failed", (unsigned long long)seed);
	if (tb_gen_sets(&g, &sets))
		goto out;
	ir = tb_gen_ir(&g, 15);
	/* the same policy in both directions: two references to one shared set */
	if (!ir || tb_pol_compile(ir, &sets, &diag, &c) ||
	    tb_pol_maps_get(e->maps, key, c, &slot) ||
	    tb_pol_maps_attach(e->maps, IFINDEX, TB_DIR_EGRESS, slot) ||
	    tb_pol_maps_get(e->maps, key, NULL, &slot) ||
	    tb_pol_maps_attach(e->maps, IFINDEX, TB_DIR_INGRESS, slot))
		goto out;
	for (int i = 0; i < nflows; i++) {
		if (check_flow(e, ir, &sets, &g, why, sizeof(why))) {
			snprintf(msg, len, "seed %llu flow %d: %s", (unsigned long long)seed, i,
				 why);
			goto out;
		}
	}
	ret = 0;
out:
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
	tb_pol_sets_free(&sets);
	return ret;
}

Test(policy_datapath, random_policies_through_workload_programs)
{
	char msg[512] = "";
	struct env e;

	if (env_open(&e))
		cr_assert_fail("loading the workload datapath");
	/* one interface (the test run's loopback), so one install per seed: fewer, longer seeds */
	for (uint64_t seed = 900001; seed <= 900040 && !msg[0]; seed++) {
		if (!run_seed(&e, seed, 45, msg, sizeof(msg)))
			msg[0] = 0;
	}
	tb_pol_maps_free(e.maps);
	tb_fixture_close(&e.f);
	if (msg[0])
		cr_assert_fail("%s", msg);
}
