// SPDX-License-Identifier: Apache-2.0
/*
 * Parsing through the workload programs: every protocol in IPv4 and IPv6 reaches policy as a
 * new flow, ARP and neighbour discovery pass, and every malformed or truncated variant is
 * dropped with its own reason. The test-only deny map (UDP and SCTP to port 53, towards the
 * workload) proves the ports were parsed where they had to be found behind options and
 * extension headers.
 *
 * BPF_PROG_TEST_RUN refuses frames shorter than Ethernet + the base IP header (-EINVAL), so
 * a frame cut inside the Ethernet or base IP header cannot be fed here; cuts inside IPv4
 * options, extension headers and L4 headers exercise the same bounds checks.
 */
#include <criterion/criterion.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include "helpers/bpf_run.h"
#include "helpers/dp_fixture.h"

#define V6 .family = TB_AF_INET6
#define SYN .tcp_flags = TB_TCP_SYN
#define UDP53 .proto = IPPROTO_UDP, .sport = 3333, .dport = 53
#define HOP IPPROTO_HOPOPTS
#define RT IPPROTO_ROUTING
#define DST IPPROTO_DSTOPTS

struct parse_case {
	const char *name;
	struct tb_pkt_spec spec;
	struct tb_expect exp;
};

static const struct parse_case cases[] = {
	/* Every protocol reaches policy (the stub classifier allows). */
	{ "v4 tcp syn", { .sport = 1000, .dport = 80, SYN }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 udp", { .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 udplite", { .proto = IPPROTO_UDPLITE, .sport = 1, .dport = 2 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 sctp", { .proto = IPPROTO_SCTP, .sport = 1, .dport = 2 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 icmp echo", { .proto = IPPROTO_ICMP, .icmp_type = 8, .icmp_id = 7 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 icmp router advert", { .proto = IPPROTO_ICMP, .icmp_type = 9 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 gre", { .proto = IPPROTO_GRE, .payload_len = 8 }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 esp", { .proto = IPPROTO_ESP, .payload_len = 16 }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 proto 0", { .raw_proto = true }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 proto 255", { .proto = 255 }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 icmpv6 number in v4", { .proto = 58, .payload_len = 8 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v4 ethernet padding",
	  { .proto = IPPROTO_UDP, .dport = 54, .payload_len = 12, .bad_tot_len = 28 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 tcp syn", { V6, .sport = 1000, .dport = 80, SYN }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 udp", { V6, .proto = IPPROTO_UDP, .sport = 1, .dport = 2 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 udplite", { V6, .proto = IPPROTO_UDPLITE, .sport = 1, .dport = 2 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 sctp", { V6, .proto = IPPROTO_SCTP, .sport = 1, .dport = 2 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 icmpv6 echo", { V6, .proto = IPPROTO_ICMPV6, .icmp_type = 128, .icmp_id = 1 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 no next header", { V6, .proto = IPPROTO_NONE }, TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 esp after dstopts", { V6, .proto = IPPROTO_ESP, .n_ext = 1, .ext = { DST } },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 payload length 0 (jumbo)", { V6, .proto = IPPROTO_UDP, .bad_tot_len = 0 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	/* Passed without policy. */
	{ "arp", { .eth_proto = 0x0806 }, TB_PASS(TB_STAT_NON_IP) },
	{ "v6 neighbour solicitation", { V6, .proto = IPPROTO_ICMPV6, .icmp_type = 135 },
	  TB_PASS(TB_STAT_ND) },
	{ "v6 neighbour advertisement", { V6, .proto = IPPROTO_ICMPV6, .icmp_type = 136 },
	  TB_PASS(TB_STAT_ND) },
	{ "v6 mldv2 report", { V6, .proto = IPPROTO_ICMPV6, .icmp_type = 143 },
	  TB_PASS(TB_STAT_ND) },
	/* Ports found where they are, so the test deny applies. */
	{ "v4 udp 53 denied", { UDP53 }, TB_DROP(TB_DROP_POLICY_DENY) },
	{ "v4 sctp 53 denied", { .proto = IPPROTO_SCTP, .dport = 53 },
	  TB_DROP(TB_DROP_POLICY_DENY) },
	{ "v4 options, udp 53 denied", { UDP53, .ip_opt_len = 40 }, TB_DROP(TB_DROP_POLICY_DENY) },
	{ "v6 udp 53 denied", { V6, UDP53 }, TB_DROP(TB_DROP_POLICY_DENY) },
	{ "v6 hop,rt,dst,ah then udp 53 denied",
	  { V6, UDP53, .n_ext = 4, .ext = { HOP, RT, DST, IPPROTO_AH } },
	  TB_DROP(TB_DROP_POLICY_DENY) },
	/* Past the first 1024 bytes headers are copied by the helper, not read directly. */
	{ "v6 1 KiB hop-by-hop then udp 53 denied",
	  { V6, UDP53, .n_ext = 1, .ext = { HOP }, .ext_pad = 1024 },
	  TB_DROP(TB_DROP_POLICY_DENY) },
	{ "v6 1 KiB hop-by-hop then udp 54",
	  { V6, .proto = IPPROTO_UDP, .dport = 54, .n_ext = 1, .ext = { HOP }, .ext_pad = 1024 },
	  TB_PASS(TB_STAT_POLICY_ALLOW) },
	{ "v6 1 KiB hop-by-hop then tcp cut",
	  { V6, SYN, .n_ext = 1, .ext = { HOP }, .ext_pad = 1024, .cut = TB_CUT_L4,
	    .cut_keep = 12, .bad_tot_len = 1044 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 8 ext headers then udp 53 denied",
	  { V6, UDP53, .n_ext = 8, .ext = { HOP, DST, RT, DST, RT, DST, RT, DST } },
	  TB_DROP(TB_DROP_POLICY_DENY) },
	/* Not IP. */
	{ "lldp", { .eth_proto = 0x88cc }, TB_DROP(TB_DROP_UNSUPPORTED_L3) },
	{ "vlan tag", { .eth_proto = 0x8100 }, TB_DROP(TB_DROP_UNSUPPORTED_L3) },
	/* Malformed or truncated. */
	{ "v4 version 5", { .bad_ip_version = 5 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 version 6 in v4 frame", { .bad_ip_version = 6 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 ihl 4", { .bad_ihl = 4 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 ihl past the packet", { .proto = IPPROTO_UDP, .bad_ihl = 15 },
	  TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 total length past frame", { .bad_tot_len = 1000 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 total length below header", { .bad_tot_len = 12 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 options cut", { .ip_opt_len = 8, .cut = TB_CUT_L3, .cut_keep = 24,
			      .bad_tot_len = 24 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 tcp cut", { SYN, .cut = TB_CUT_L4, .cut_keep = 10 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 tcp cut by total length", { SYN, .bad_tot_len = 30 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 tcp data offset 4", { SYN, .bad_tcp_doff = 4 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 tcp data offset 15", { SYN, .bad_tcp_doff = 15 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 udp cut", { UDP53, .cut = TB_CUT_L4, .cut_keep = 4 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 udplite cut", { .proto = IPPROTO_UDPLITE, .cut = TB_CUT_L4, .cut_keep = 7 },
	  TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 sctp cut", { .proto = IPPROTO_SCTP, .cut = TB_CUT_L4, .cut_keep = 10 },
	  TB_DROP(TB_DROP_MALFORMED) },
	{ "v4 icmp cut", { .proto = IPPROTO_ICMP, .icmp_type = 8, .cut = TB_CUT_L4,
			   .cut_keep = 4 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 version 4", { V6, .bad_ip_version = 4 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 payload length past frame", { V6, .bad_tot_len = 500 },
	  TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 tcp cut", { V6, SYN, .cut = TB_CUT_L4, .cut_keep = 19 },
	  TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 udp cut", { V6, UDP53, .cut = TB_CUT_L4, .cut_keep = 7 },
	  TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 icmpv6 cut", { V6, .proto = IPPROTO_ICMPV6, .icmp_type = 128, .cut = TB_CUT_L4,
			     .cut_keep = 6 }, TB_DROP(TB_DROP_MALFORMED) },
	{ "v6 ext header longer than packet", { V6, UDP53, .n_ext = 1, .ext = { HOP },
						.bad_ext_len = 10 }, TB_DROP(TB_DROP_BAD_EXT_HDR) },
	{ "v6 ext header cut by payload length",
	  { V6, UDP53, .n_ext = 2, .ext = { HOP, DST }, .bad_tot_len = 12 },
	  TB_DROP(TB_DROP_BAD_EXT_HDR) },
	{ "v6 ah longer than packet", { V6, UDP53, .n_ext = 1, .ext = { IPPROTO_AH },
					.bad_ext_len = 40 }, TB_DROP(TB_DROP_BAD_EXT_HDR) },
	{ "v6 9 ext headers", { V6, UDP53, .n_ext = 9,
				.ext = { HOP, DST, RT, DST, RT, DST, RT, DST, RT } },
	  TB_DROP(TB_DROP_BAD_EXT_HDR) },
};

Test(bpf_parse, table)
{
	struct tb_fixture f;
	char why[160];
	int fails = 0;

	if (tb_fixture_open(&f, 0))
		cr_assert_fail("datapath did not load");
	if (tb_fixture_deny(&f, IPPROTO_UDP, TB_DIR_INGRESS, 53, TB_DROP_POLICY_DENY) ||
	    tb_fixture_deny(&f, IPPROTO_SCTP, TB_DIR_INGRESS, 53, TB_DROP_POLICY_DENY))
		cr_assert_fail("cannot seed the test deny map");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];

		if (tb_fixture_check(&f, TB_HOOK_EGRESS, &c->spec, c->exp, why, sizeof(why))) {
			cr_log_error("%s: %s", c->name, why);
			fails++;
		}
	}
	tb_fixture_close(&f);
	cr_expect_eq(fails, 0, "%d of %zu parse cases failed", fails,
		     sizeof(cases) / sizeof(cases[0]));
}

/* The same packets from the workload's side meet the other program and the other direction. */
Test(bpf_parse, from_workload_direction)
{
	static const struct tb_pkt_spec udp = { UDP53 };
	struct tb_fixture f;
	char why[160];

	if (tb_fixture_open(&f, 0))
		cr_assert_fail("datapath did not load");
	if (tb_fixture_deny(&f, IPPROTO_UDP, TB_DIR_INGRESS, 53, TB_DROP_POLICY_DENY))
		cr_assert_fail("cannot seed the test deny map");
	/* Egress policy of the workload is not the denied direction. */
	if (tb_fixture_check(&f, TB_HOOK_INGRESS, &udp, TB_PASS(TB_STAT_POLICY_ALLOW), why,
			     sizeof(why)))
		cr_expect_fail("from workload: %s", why);
	tb_fixture_close(&f);
}

/* IPv4 BIG TCP: total length 0 is only valid on a GSO skb, where the skb's length holds. */
Test(bpf_parse, ipv4_big_tcp)
{
	static const struct tb_pkt_spec big = { .sport = 40000, .dport = 53, SYN,
						.zero_tot_len = true, .payload_len = 100 };
	struct __sk_buff gso = { .gso_size = 1400, .gso_segs = 2 }, plain = { 0 };
	static struct tb_run_result res;
	uint64_t before, after, b;
	static struct tb_pkt pkt;
	struct tb_fixture f;
	const char *why = NULL;

	if (tb_fixture_open(&f, 0))
		cr_assert_fail("datapath did not load");
	/* Denying the port proves the ports were found behind the zero length. */
	if (tb_pkt_build(&big, &pkt) ||
	    tb_fixture_deny(&f, IPPROTO_TCP, TB_DIR_INGRESS, 53, TB_DROP_POLICY_DENY) ||
	    tb_percpu_counter(f.drops_fd, TB_DROP_POLICY_DENY, &before, &b) ||
	    tb_bpf_run_ctx(f.prog[TB_HOOK_EGRESS], pkt.data, pkt.len, &gso, sizeof(gso), &res) ||
	    tb_percpu_counter(f.drops_fd, TB_DROP_POLICY_DENY, &after, &b)) {
		why = "setup or run failed";
		goto out;
	}
	if (res.retval != 2 || after != before + 1) {
		why = "GSO packet with total length 0 was not parsed through";
		goto out;
	}
	if (tb_percpu_counter(f.drops_fd, TB_DROP_MALFORMED, &before, &b) ||
	    tb_bpf_run_ctx(f.prog[TB_HOOK_EGRESS], pkt.data, pkt.len, &plain, sizeof(plain),
			   &res) ||
	    tb_percpu_counter(f.drops_fd, TB_DROP_MALFORMED, &after, &b) || res.retval != 2 ||
	    after != before + 1)
		why = "total length 0 without GSO was not malformed";
out:
	tb_fixture_close(&f);
	if (why)
		cr_assert_fail("%s", why);
}
