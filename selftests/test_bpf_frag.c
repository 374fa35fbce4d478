// SPDX-License-Identifier: Apache-2.0
/*
 * Fragments through the workload programs: the first fragment is judged with its ports and
 * its verdict remembered, so later fragments of an allowed packet pass and those of a denied
 * one drop; a later fragment nobody has judged (unknown id, other source, record too old) is
 * dropped. IPv4 and the IPv6 fragment header, behind other extension headers too.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>

#include "helpers/ct_seq.h"

#define W4 "10.0.0.1"
#define P4 "10.0.0.2"
#define W6 "fd00::1"
#define P6 "fd00::2"

#define OUT(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_INGRESS, \
		 .spec = { .src = W4, .dst = P4, __VA_ARGS__ }
#define IN(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_EGRESS, \
		.spec = { .src = P4, .dst = W4, __VA_ARGS__ }
#define OUT6(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_INGRESS, \
		  .spec = { .family = TB_AF_INET6, .src = W6, .dst = P6, __VA_ARGS__ }
#define DENY(p, d, port) .kind = TB_STEP_DENY, .proto = (p), .dir = (d), .dport = (port)

#define UDP53 .proto = IPPROTO_UDP, .sport = 40000, .dport = 53
#define UDP54 .proto = IPPROTO_UDP, .sport = 40000, .dport = 54
#define FIRST(id) .frag_id = (id), .frag_more = true, .payload_len = 64
#define LATER(id, off) .proto = IPPROTO_UDP, .frag_id = (id), .frag_off = (off), \
		       .frag_more = true, .payload_len = 64
#define LAST(id, off) .proto = IPPROTO_UDP, .frag_id = (id), .frag_off = (off), .payload_len = 9
#define FH .n_ext = 1, .ext = { IPPROTO_FRAGMENT }

#define ALLOW TB_PASS(TB_STAT_POLICY_ALLOW)
#define FPASS TB_PASS(TB_STAT_FRAG_PASS)

static const struct tb_sequence seqs[] = {
	{ "ipv4 fragments", {
		{ OUT(UDP53, FIRST(7)), .exp = ALLOW },
		{ OUT(LATER(7, 72)), .exp = FPASS },
		{ OUT(LAST(7, 144)), .exp = FPASS },
		{ DENY(IPPROTO_UDP, TB_DIR_EGRESS, 54) },
		{ OUT(UDP54, FIRST(8)), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ .name = "later fragment of a denied packet", OUT(LATER(8, 72)),
		  .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ OUT(LAST(8, 144)), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ .name = "unknown id", OUT(LATER(9, 72)), .exp = TB_DROP(TB_DROP_FRAG_UNKNOWN) },
		{ .name = "same id, other source", .kind = TB_STEP_PKT, .hook = TB_HOOK_INGRESS,
		  .spec = { .src = "10.0.0.3", .dst = P4, LATER(7, 72) },
		  .exp = TB_DROP(TB_DROP_FRAG_UNKNOWN) },
		{ .name = "record too old", .kind = TB_STEP_AGE_FRAG,
		  .spec = { .src = W4, .dst = P4, .proto = IPPROTO_UDP, .frag_id = 7 },
		  .age_s = 31 },
		{ OUT(LATER(7, 72)), .exp = TB_DROP(TB_DROP_FRAG_UNKNOWN) },
	} },
	{ "ipv4 fragments of an established flow", {
		{ OUT(UDP53), .exp = ALLOW },
		{ DENY(IPPROTO_UDP, TB_DIR_INGRESS, 40000) },
		{ .name = "first fragment of a reply", IN(.proto = IPPROTO_UDP, .sport = 53,
							  .dport = 40000, FIRST(11)),
		  .exp = TB_PASS(TB_STAT_CT_REPLY) },
		{ IN(LATER(11, 72)), .exp = FPASS },
		{ .name = "first fragment of an unsolicited packet",
		  IN(.proto = IPPROTO_UDP, .sport = 99, .dport = 40000, FIRST(12)),
		  .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ IN(LATER(12, 72)), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
	} },
	{ "ipv4 malformed first fragment", {
		{ OUT(UDP53, FIRST(13), .cut = TB_CUT_L4, .cut_keep = 4, .bad_tot_len = 24),
		  .exp = TB_DROP(TB_DROP_MALFORMED) },
		{ OUT(LATER(13, 8)), .exp = TB_DROP(TB_DROP_FRAG_UNKNOWN) },
		{ .name = "tcp first fragment", OUT(.sport = 1, .dport = 2,
						    .tcp_flags = TB_TCP_SYN, FIRST(14)),
		  .exp = ALLOW },
		{ OUT(.proto = IPPROTO_TCP, .frag_id = 14, .frag_off = 72, .payload_len = 8),
		  .exp = FPASS },
	} },
	{ "ipv6 fragment header", {
		{ OUT6(UDP53, FIRST(70000), FH), .exp = ALLOW },
		{ OUT6(LATER(70000, 72), FH), .exp = FPASS },
		{ OUT6(LAST(70000, 144), FH), .exp = FPASS },
		{ DENY(IPPROTO_UDP, TB_DIR_EGRESS, 54) },
		{ OUT6(UDP54, FIRST(70001), FH), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ OUT6(LATER(70001, 72), FH), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ OUT6(LATER(70002, 72), FH), .exp = TB_DROP(TB_DROP_FRAG_UNKNOWN) },
		{ .name = "behind hop-by-hop and routing",
		  OUT6(UDP53, FIRST(70003), .n_ext = 3,
		       .ext = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT }),
		  .exp = TB_PASS(TB_STAT_CT_HIT) },
		{ OUT6(LATER(70003, 72), .n_ext = 3,
		       .ext = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT }),
		  .exp = FPASS },
		{ .name = "atomic fragment is a whole packet", OUT6(UDP53, .frag_id = 5, FH),
		  .exp = TB_PASS(TB_STAT_CT_HIT) },
		{ .name = "denied port behind the fragment header",
		  OUT6(UDP54, .frag_id = 6, FH), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
	} },
};

Test(bpf_frag, sequences)
{
	int fails = tb_run_sequences(seqs, sizeof(seqs) / sizeof(seqs[0]));

	cr_expect_eq(fails, 0, "%d fragment steps failed", fails);
}
