// SPDX-License-Identifier: Apache-2.0
/*
 * Conntrack through the workload programs, as sequences of packets between the workload W
 * and a peer P: TCP handshakes and closes with the state followed, replies passing while
 * policy would deny them, policy changes that spare established flows, mid-flow TCP without
 * an entry, expiry, ICMP echo and unsolicited ICMP, ICMP errors for known flows, IPv6, other
 * protocols, and a table much smaller than the number of flows.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>

#include "conntrack_gc.h"
#include "helpers/bpf_run.h"
#include "helpers/ct_seq.h"

#define W4 "10.0.0.1"
#define P4 "10.0.0.2"
#define W6 "fd00::1"
#define P6 "fd00::2"

/* From the workload (its egress policy) and to it (its ingress policy). */
#define OUT(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_INGRESS, \
		 .spec = { .src = W4, .dst = P4, __VA_ARGS__ }
#define IN(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_EGRESS, \
		.spec = { .src = P4, .dst = W4, __VA_ARGS__ }
#define OUT6(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_INGRESS, \
		  .spec = { .family = TB_AF_INET6, .src = W6, .dst = P6, __VA_ARGS__ }
#define IN6(...) .kind = TB_STEP_PKT, .hook = TB_HOOK_EGRESS, \
		 .spec = { .family = TB_AF_INET6, .src = P6, .dst = W6, __VA_ARGS__ }
#define DENY(p, d, port) .kind = TB_STEP_DENY, .proto = (p), .dir = (d), .dport = (port)
#define AGE(secs, ...) .kind = TB_STEP_AGE, .age_s = (secs), .spec = { __VA_ARGS__ }

/* W:40000 -> P:80 and back. */
#define C_OUT .sport = 40000, .dport = 80
#define C_IN .sport = 80, .dport = 40000
#define F(flags) .tcp_flags = (flags)
#define SYN TB_TCP_SYN
#define ACK TB_TCP_ACK
#define FIN TB_TCP_FIN
#define RST TB_TCP_RST
#define PSH TB_TCP_PSH
#define UDP .proto = IPPROTO_UDP
#define ICMP .proto = IPPROTO_ICMP
#define ICMP6 .proto = IPPROTO_ICMPV6

#define ALLOW TB_PASS(TB_STAT_POLICY_ALLOW)
#define HIT TB_PASS(TB_STAT_CT_HIT)
#define REPLY TB_PASS(TB_STAT_CT_REPLY)
#define RELATED TB_PASS(TB_STAT_ICMP_RELATED)
#define UNSOL TB_DROP(TB_DROP_UNSOLICITED_ICMP)

/* Packets an ICMP error quotes: what W once sent to P. */
static const struct tb_pkt_spec q_udp53 = { .src = W4, .dst = P4, UDP, .sport = 40000,
					    .dport = 53 };
static const struct tb_pkt_spec q_udp54 = { .src = W4, .dst = P4, UDP, .sport = 40000,
					    .dport = 54 };
static const struct tb_pkt_spec q_tcp = { .src = W4, .dst = P4, C_OUT, F(SYN) };
/* What P sent to W, quoted by W's own error. */
static const struct tb_pkt_spec q_in_udp = { .src = P4, .dst = W4, UDP, .sport = 7000,
					     .dport = 5353 };
static const struct tb_pkt_spec q_echo5 = { .src = W4, .dst = P4, ICMP, .icmp_type = 8,
					    .icmp_id = 5 };
static const struct tb_pkt_spec q_err = { .src = W4, .dst = P4, ICMP, .icmp_type = 3,
					  .inner = &q_udp53 };
static const struct tb_pkt_spec q6_udp53 = { .family = TB_AF_INET6, .src = W6, .dst = P6, UDP,
					     .sport = 40000, .dport = 53 };
static const struct tb_pkt_spec q6_tcp = { .family = TB_AF_INET6, .src = W6, .dst = P6, C_OUT,
					   F(SYN) };

static const struct tb_sequence tcp_seqs[] = {
	{ "tcp outbound: handshake, data, close", {
		{ OUT(C_OUT, F(SYN)), .exp = ALLOW, .ct_state = TB_CT_SYN_SENT },
		{ IN(C_IN, F(SYN | ACK)), .exp = REPLY, .ct_state = TB_CT_SYN_RECV },
		{ OUT(C_OUT, F(ACK)), .exp = HIT, .ct_state = TB_CT_ESTABLISHED },
		{ IN(C_IN, F(PSH | ACK), .payload_len = 100), .exp = REPLY,
		  .ct_state = TB_CT_ESTABLISHED },
		{ OUT(C_OUT, F(FIN | ACK)), .exp = HIT, .ct_state = TB_CT_FIN_WAIT },
		{ IN(C_IN, F(FIN | ACK)), .exp = REPLY, .ct_state = TB_CT_FINS_SEEN },
		{ OUT(C_OUT, F(ACK)), .exp = HIT, .ct_state = TB_CT_FINS_SEEN },
	} },
	{ "tcp inbound: replies pass although egress policy denies them", {
		{ DENY(IPPROTO_TCP, TB_DIR_EGRESS, 5555) },
		{ IN(.sport = 5555, .dport = 22, F(SYN)), .exp = ALLOW,
		  .ct_state = TB_CT_SYN_SENT },
		{ OUT(.sport = 22, .dport = 5555, F(SYN | ACK)), .exp = REPLY,
		  .ct_state = TB_CT_SYN_RECV },
		{ IN(.sport = 5555, .dport = 22, F(ACK)), .exp = HIT,
		  .ct_state = TB_CT_ESTABLISHED },
		{ OUT(.sport = 22, .dport = 5555, F(PSH | ACK)), .exp = REPLY },
		{ .name = "new flow meets the deny", OUT(.sport = 22, .dport = 5555, F(SYN)),
		  .exp = TB_DROP(TB_DROP_POLICY_DENY) },
	} },
	{ "tcp inbound denied", {
		{ DENY(IPPROTO_TCP, TB_DIR_INGRESS, 22) },
		{ IN(.sport = 5555, .dport = 22, F(SYN)), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ IN(.sport = 5555, .dport = 22, F(SYN)), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ .name = "no entry was made", IN(.sport = 5555, .dport = 22, F(ACK)),
		  .exp = TB_DROP(TB_DROP_CT_INVALID) },
	} },
	{ "mid-flow tcp without an entry", {
		{ IN(C_IN, F(ACK)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
		{ IN(C_IN, F(SYN | ACK)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
		{ IN(C_IN, F(RST)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
		{ IN(C_IN, F(SYN | FIN)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
		{ OUT(C_OUT, F(FIN | ACK)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
		{ OUT(C_OUT, F(0)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
	} },
	{ "tcp reset", {
		{ OUT(C_OUT, F(SYN)), .exp = ALLOW },
		{ IN(C_IN, F(SYN | ACK)), .exp = REPLY },
		{ IN(C_IN, F(RST)), .exp = REPLY, .ct_state = TB_CT_RESET },
		{ OUT(C_OUT, F(ACK)), .exp = HIT, .ct_state = TB_CT_RESET },
		{ .name = "reset flow past tcpResetSeen", AGE(41, .src = W4, .dst = P4, C_OUT) },
		{ OUT(C_OUT, F(ACK)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
	} },
	{ "policy change spares established flows, not SYNs", {
		{ OUT(C_OUT, F(SYN)), .exp = ALLOW },
		{ IN(C_IN, F(SYN | ACK)), .exp = REPLY },
		{ OUT(C_OUT, F(ACK)), .exp = HIT, .ct_state = TB_CT_ESTABLISHED },
		{ DENY(IPPROTO_TCP, TB_DIR_EGRESS, 80) },
		{ OUT(C_OUT, F(PSH | ACK)), .exp = HIT },
		{ IN(C_IN, F(PSH | ACK)), .exp = REPLY },
		{ .name = "SYN on the same tuple meets policy", OUT(C_OUT, F(SYN)),
		  .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ OUT(.sport = 40001, .dport = 80, F(SYN)), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ .name = "old flow still flows", OUT(C_OUT, F(ACK)), .exp = HIT,
		  .ct_state = TB_CT_ESTABLISHED },
	} },
	{ "tcp timeouts by state", {
		{ OUT(C_OUT, F(SYN)), .exp = ALLOW },
		{ .name = "within tcpSynSent", AGE(19, .src = W4, .dst = P4, C_OUT) },
		{ IN(C_IN, F(SYN | ACK)), .exp = REPLY, .ct_state = TB_CT_SYN_RECV },
		{ OUT(C_OUT, F(ACK)), .exp = HIT, .ct_state = TB_CT_ESTABLISHED },
		{ .name = "an hour less a minute", AGE(3540, .src = W4, .dst = P4, C_OUT) },
		{ IN(C_IN, F(ACK)), .exp = REPLY },
		{ .name = "past tcpEstablished", AGE(3601, .src = W4, .dst = P4, C_OUT) },
		{ IN(C_IN, F(ACK)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
	} },
	{ "tcp ipv6", {
		{ OUT6(C_OUT, F(SYN)), .exp = ALLOW, .ct_state = TB_CT_SYN_SENT },
		{ IN6(C_IN, F(SYN | ACK)), .exp = REPLY, .ct_state = TB_CT_SYN_RECV },
		{ OUT6(C_OUT, F(ACK)), .exp = HIT, .ct_state = TB_CT_ESTABLISHED },
		{ IN6(C_IN, F(RST)), .exp = REPLY, .ct_state = TB_CT_RESET },
		{ IN6(.sport = 80, .dport = 40001, F(ACK)), .exp = TB_DROP(TB_DROP_CT_INVALID) },
	} },
};

static const struct tb_sequence other_seqs[] = {
	{ "udp: replies pass, unsolicited meets policy", {
		{ OUT(UDP, .sport = 40000, .dport = 53), .exp = ALLOW, .ct_state = TB_CT_OPEN },
		{ IN(UDP, .sport = 53, .dport = 40000), .exp = REPLY },
		{ DENY(IPPROTO_UDP, TB_DIR_INGRESS, 40000) },
		{ IN(UDP, .sport = 53, .dport = 40000), .exp = REPLY },
		{ OUT(UDP, .sport = 40000, .dport = 53), .exp = HIT },
		{ IN(UDP, .sport = 999, .dport = 40000), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
	} },
	{ "udp expiry", {
		{ OUT(UDP, .sport = 40000, .dport = 53), .exp = ALLOW },
		{ DENY(IPPROTO_UDP, TB_DIR_INGRESS, 40000) },
		{ .name = "within udpTimeout", AGE(59, .src = W4, .dst = P4, UDP, .sport = 40000,
						   .dport = 53) },
		{ IN(UDP, .sport = 53, .dport = 40000), .exp = REPLY },
		{ .name = "past udpTimeout", AGE(61, .src = W4, .dst = P4, UDP, .sport = 40000,
						 .dport = 53) },
		{ IN(UDP, .sport = 53, .dport = 40000), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
		{ .name = "a stale entry is replaced", OUT(UDP, .sport = 40000, .dport = 53),
		  .exp = ALLOW },
		{ IN(UDP, .sport = 53, .dport = 40000), .exp = REPLY },
	} },
	{ "icmp echo", {
		{ OUT(ICMP, .icmp_type = 8, .icmp_id = 7), .exp = ALLOW, .ct_state = TB_CT_OPEN },
		{ IN(ICMP, .icmp_type = 0, .icmp_id = 7), .exp = REPLY },
		{ IN(ICMP, .icmp_type = 0, .icmp_id = 8), .exp = UNSOL },
		{ .name = "a reply in the request's direction",
		  OUT(ICMP, .icmp_type = 0, .icmp_id = 7), .exp = UNSOL },
		{ IN(ICMP, .icmp_type = 8, .icmp_id = 9), .exp = ALLOW },
		{ OUT(ICMP, .icmp_type = 0, .icmp_id = 9), .exp = REPLY },
		{ .name = "past icmpTimeout", AGE(6, .src = W4, .dst = P4, ICMP, .icmp_id = 7) },
		{ IN(ICMP, .icmp_type = 0, .icmp_id = 7), .exp = UNSOL },
	} },
	{ "unsolicited icmp dropped before policy", {
		{ IN(ICMP, .icmp_type = 0, .icmp_id = 1), .exp = UNSOL },
		{ IN(ICMP, .icmp_type = 14), .exp = UNSOL },
		{ IN(ICMP, .icmp_type = 3, .icmp_code = 3, .inner = &q_udp53),
		  .exp = UNSOL },
		{ IN(ICMP, .icmp_type = 11, .inner = &q_tcp),
		  .exp = UNSOL },
		{ .name = "an error about an error", IN(ICMP, .icmp_type = 3, .inner = &q_err),
		  .exp = UNSOL },
	} },
	{ "icmp errors for known flows", {
		{ OUT(UDP, .sport = 40000, .dport = 53), .exp = ALLOW },
		{ IN(ICMP, .icmp_type = 3, .icmp_code = 3, .inner = &q_udp53), .exp = RELATED },
		{ .name = "from a router on the path", .kind = TB_STEP_PKT,
		  .hook = TB_HOOK_EGRESS, .spec = { .src = "192.168.1.1", .dst = W4, ICMP,
						    .icmp_type = 11, .inner = &q_udp53 },
		  .exp = RELATED },
		{ IN(ICMP, .icmp_type = 3, .icmp_code = 3, .inner = &q_udp54),
		  .exp = UNSOL },
		{ .name = "quoted ports cut off",
		  IN(ICMP, .icmp_type = 3, .inner = &q_udp53, .cut = TB_CUT_L4, .cut_keep = 30),
		  .exp = TB_DROP(TB_DROP_MALFORMED) },
		{ OUT(C_OUT, F(SYN)), .exp = ALLOW },
		{ IN(ICMP, .icmp_type = 3, .icmp_code = 4, .inner = &q_tcp), .exp = RELATED },
		{ OUT(ICMP, .icmp_type = 8, .icmp_id = 5), .exp = ALLOW },
		{ IN(ICMP, .icmp_type = 11, .inner = &q_echo5), .exp = RELATED },
		{ IN(UDP, .sport = 7000, .dport = 5353), .exp = ALLOW },
		{ .name = "the workload's own error about an inbound flow",
		  OUT(ICMP, .icmp_type = 3, .icmp_code = 3, .inner = &q_in_udp), .exp = RELATED },
	} },
	{ "icmpv6 echo and errors", {
		{ OUT6(ICMP6, .icmp_type = 128, .icmp_id = 3), .exp = ALLOW },
		{ IN6(ICMP6, .icmp_type = 129, .icmp_id = 3), .exp = REPLY },
		{ IN6(ICMP6, .icmp_type = 129, .icmp_id = 4),
		  .exp = UNSOL },
		{ IN6(ICMP6, .icmp_type = 1, .icmp_code = 4, .inner = &q6_udp53),
		  .exp = UNSOL },
		{ OUT6(UDP, .sport = 40000, .dport = 53), .exp = ALLOW },
		{ IN6(ICMP6, .icmp_type = 1, .icmp_code = 4, .inner = &q6_udp53), .exp = RELATED },
		{ OUT6(C_OUT, F(SYN)), .exp = ALLOW },
		{ IN6(ICMP6, .icmp_type = 2, .inner = &q6_tcp), .exp = RELATED },
	} },
	{ "other protocols", {
		{ OUT(.proto = IPPROTO_SCTP, .sport = 7, .dport = 9), .exp = ALLOW },
		{ IN(.proto = IPPROTO_SCTP, .sport = 9, .dport = 7), .exp = REPLY },
		{ OUT(.proto = IPPROTO_UDPLITE, .sport = 7, .dport = 9), .exp = ALLOW },
		{ IN(.proto = IPPROTO_UDPLITE, .sport = 9, .dport = 7), .exp = REPLY },
		{ OUT(.proto = IPPROTO_GRE), .exp = ALLOW, .ct_state = TB_CT_OPEN },
		{ IN(.proto = IPPROTO_GRE), .exp = REPLY },
		{ OUT6(.proto = IPPROTO_SCTP, .sport = 7, .dport = 9), .exp = ALLOW },
		{ IN6(.proto = IPPROTO_SCTP, .sport = 9, .dport = 7), .exp = REPLY },
		{ .name = "past genericTimeout", AGE(601, .src = W4, .dst = P4,
						     .proto = IPPROTO_GRE) },
		{ DENY(IPPROTO_GRE, TB_DIR_INGRESS, 0) },
		{ IN(.proto = IPPROTO_GRE), .exp = TB_DROP(TB_DROP_POLICY_DENY) },
	} },
};

Test(bpf_conntrack, tcp)
{
	int fails = tb_run_sequences(tcp_seqs, sizeof(tcp_seqs) / sizeof(tcp_seqs[0]));

	cr_expect_eq(fails, 0, "%d tcp steps failed", fails);
}

Test(bpf_conntrack, udp_icmp_other)
{
	int fails = tb_run_sequences(other_seqs, sizeof(other_seqs) / sizeof(other_seqs[0]));

	cr_expect_eq(fails, 0, "%d steps failed", fails);
}

/* Far more flows than entries: evicting the oldest ways keeps admitting new flows, none fails. */
Test(bpf_conntrack, full_table_never_locks_out)
{
	uint64_t fail_before, fail_after, b, live, evicted;
	struct tb_fixture f;
	char why[200];
	int bad = 0;

	if (tb_fixture_open(&f, 128))
		cr_assert_fail("datapath did not load");
	if (tb_percpu_counter(f.stats_fd, TB_STAT_CT_CREATE_FAIL, &fail_before, &b))
		goto fail;
	for (int i = 0; i < 1000; i++) {
		struct tb_pkt_spec out = { .src = W4, .dst = P4, UDP, .sport = 10000 + i,
					   .dport = 53 };
		struct tb_pkt_spec back = { .src = P4, .dst = W4, UDP, .sport = 53,
					    .dport = 10000 + i };

		if (tb_fixture_check(&f, TB_HOOK_INGRESS, &out, ALLOW, why, sizeof(why)) ||
		    tb_fixture_check(&f, TB_HOOK_EGRESS, &back, REPLY, why, sizeof(why))) {
			cr_log_error("flow %d: %s", i, why);
			bad++;
		}
	}
	if (tb_percpu_counter(f.stats_fd, TB_STAT_CT_CREATE_FAIL, &fail_after, &b) ||
	    tb_ct_count(f.ct_fd, &live) || tb_ct_evictions(f.stats_fd, &evicted))
		goto fail;
	tb_fixture_close(&f);
	cr_expect_eq(bad, 0, "%d flows were not admitted", bad);
	cr_expect_eq(fail_after, fail_before, "conntrack inserts failed");
	/* Every flow made one entry; those not in the table were evicted, and so counted. */
	cr_expect_leq(live, 128, "%lu entries in a 128-entry table", (unsigned long)live);
	cr_expect_eq(evicted, 1000 - live, "%lu evictions counted for %lu live",
		     (unsigned long)evicted, (unsigned long)live);
	return;
fail:
	tb_fixture_close(&f);
	cr_assert_fail("cannot read counters");
}
