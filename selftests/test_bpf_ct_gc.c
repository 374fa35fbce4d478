// SPDX-License-Identifier: Apache-2.0
/*
 * Userspace conntrack expiry: the FelixConfiguration timeout names, the expiry rule (state
 * timeout after the last packet, never inside the creation grace period), and GC passes with
 * a fake clock over entries the BPF programs created.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

#include "conntrack_gc.h"
#include "helpers/dp_fixture.h"
#include "workload.skel.h"

#define S TB_NSEC_PER_SEC

Test(bpf_ct_gc, felix_names)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "creationGracePeriod", offsetof(struct tb_ct_timeouts, creation_grace) },
		{ "tcpSynSent", offsetof(struct tb_ct_timeouts, tcp_syn_sent) },
		{ "tcpEstablished", offsetof(struct tb_ct_timeouts, tcp_established) },
		{ "tcpFinsSeen", offsetof(struct tb_ct_timeouts, tcp_fins_seen) },
		{ "tcpResetSeen", offsetof(struct tb_ct_timeouts, tcp_reset_seen) },
		{ "udpTimeout", offsetof(struct tb_ct_timeouts, udp) },
		{ "genericTimeout", offsetof(struct tb_ct_timeouts, generic) },
		{ "icmpTimeout", offsetof(struct tb_ct_timeouts, icmp) },
	};
	struct tb_ct_timeouts t;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t v;

		memset(&t, 0, sizeof(t));
		if (tb_ct_timeout_set(&t, names[i].name, 1234))
			cr_expect_fail("%s refused", names[i].name);
		memcpy(&v, (char *)&t + names[i].off, sizeof(v));
		cr_expect_eq(v, 1234, "%s set the wrong field", names[i].name);
	}
	cr_expect_eq(tb_ct_timeout_set(&t, "tcpTimeWait", 1), -ENOENT);
	tb_ct_timeouts_default(&t);
	cr_expect_eq(t.tcp_established, 3600 * S);
	cr_expect_eq(t.icmp, 5 * S);
}

struct expiry_case {
	const char *name;
	uint8_t proto, state;
	uint32_t idle_s, age_s;	/* since the last packet, since creation */
	int expired;
};

static const struct expiry_case expiry_cases[] = {
	{ "syn sent, fresh", IPPROTO_TCP, TB_CT_SYN_SENT, 19, 19, 0 },
	{ "syn sent, idle", IPPROTO_TCP, TB_CT_SYN_SENT, 21, 21, 1 },
	{ "syn recv uses tcpSynSent", IPPROTO_TCP, TB_CT_SYN_RECV, 21, 21, 1 },
	{ "established, busy", IPPROTO_TCP, TB_CT_ESTABLISHED, 3599, 9000, 0 },
	{ "established, idle", IPPROTO_TCP, TB_CT_ESTABLISHED, 3601, 9000, 1 },
	{ "one fin keeps tcpEstablished", IPPROTO_TCP, TB_CT_FIN_WAIT, 600, 600, 0 },
	{ "fins seen", IPPROTO_TCP, TB_CT_FINS_SEEN, 31, 31, 1 },
	{ "reset, fresh", IPPROTO_TCP, TB_CT_RESET, 39, 39, 0 },
	{ "reset", IPPROTO_TCP, TB_CT_RESET, 41, 41, 1 },
	{ "udp", IPPROTO_UDP, TB_CT_OPEN, 61, 61, 1 },
	{ "udp fresh", IPPROTO_UDP, TB_CT_OPEN, 59, 61, 0 },
	{ "udplite", IPPROTO_UDPLITE, TB_CT_OPEN, 61, 61, 1 },
	{ "icmp", IPPROTO_ICMP, TB_CT_OPEN, 6, 11, 1 },
	{ "icmp in grace period", IPPROTO_ICMP, TB_CT_OPEN, 6, 9, 0 },
	{ "icmpv6", IPPROTO_ICMPV6, TB_CT_OPEN, 6, 11, 1 },
	{ "sctp is generic", IPPROTO_SCTP, TB_CT_OPEN, 599, 599, 0 },
	{ "gre is generic", IPPROTO_GRE, TB_CT_OPEN, 601, 601, 1 },
};

Test(bpf_ct_gc, expiry_rule)
{
	struct tb_ct_timeouts t;
	uint64_t now = 100000 * S;

	tb_ct_timeouts_default(&t);
	for (size_t i = 0; i < sizeof(expiry_cases) / sizeof(expiry_cases[0]); i++) {
		const struct expiry_case *c = &expiry_cases[i];
		struct tb_ct_key k = { .proto = c->proto };
		struct tb_ct_value v = { .state = c->state,
					 .last_seen_ns = now - (uint64_t)c->idle_s * S,
					 .created_ns = now - (uint64_t)c->age_s * S };

		cr_expect_eq(tb_ct_expired(&t, &k, &v, now), c->expired, "%s", c->name);
	}
}

/* Flows the datapath creates, one per timeout class. */
#define OUT(...) { TB_HOOK_INGRESS, { .src = "10.0.0.1", .dst = "10.0.0.2", __VA_ARGS__ } }
#define IN(...) { TB_HOOK_EGRESS, { .src = "10.0.0.2", .dst = "10.0.0.1", __VA_ARGS__ } }

static const struct {
	enum tb_dp_hook hook;
	struct tb_pkt_spec spec;
} flows[] = {
	OUT(.sport = 1, .dport = 80, .tcp_flags = TB_TCP_SYN),		/* stays SYN_SENT */
	OUT(.sport = 2, .dport = 80, .tcp_flags = TB_TCP_SYN),
	IN(.sport = 80, .dport = 2, .tcp_flags = TB_TCP_SYN | TB_TCP_ACK),
	OUT(.sport = 2, .dport = 80, .tcp_flags = TB_TCP_ACK),		/* ESTABLISHED */
	OUT(.sport = 3, .dport = 80, .tcp_flags = TB_TCP_SYN),
	IN(.sport = 80, .dport = 3, .tcp_flags = TB_TCP_RST),		/* RESET */
	OUT(.sport = 4, .dport = 80, .tcp_flags = TB_TCP_SYN),
	IN(.sport = 80, .dport = 4, .tcp_flags = TB_TCP_SYN | TB_TCP_ACK),
	OUT(.sport = 4, .dport = 80, .tcp_flags = TB_TCP_FIN | TB_TCP_ACK),
	IN(.sport = 80, .dport = 4, .tcp_flags = TB_TCP_FIN | TB_TCP_ACK),	/* FINS_SEEN */
	OUT(.proto = IPPROTO_UDP, .sport = 5, .dport = 53),
	OUT(.proto = IPPROTO_ICMP, .icmp_type = 8, .icmp_id = 6),
	OUT(.proto = IPPROTO_GRE),
};

/* GC passes at growing fake times: what is left after each. */
static const struct {
	uint32_t after_s;
	uint64_t live;
} passes[] = {
	{ 3, 7 },	/* all inside the creation grace period */
	{ 11, 6 },	/* icmpTimeout 5 s */
	{ 21, 5 },	/* tcpSynSent 20 s */
	{ 31, 4 },	/* tcpFinsSeen 30 s */
	{ 41, 3 },	/* tcpResetSeen 40 s */
	{ 61, 2 },	/* udpTimeout 60 s */
	{ 601, 1 },	/* genericTimeout 600 s */
	{ 3601, 0 },	/* tcpEstablished 1 h */
};

Test(bpf_ct_gc, passes_with_fake_clock)
{
	struct tb_ct_timeouts t;
	struct tb_fixture f;
	uint64_t start, deleted = 0;
	char why[200];

	tb_ct_timeouts_default(&t);
	if (tb_fixture_open(&f, 0))
		cr_assert_fail("datapath did not load");
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct tb_expect any = TB_PASS(TB_STAT_PASS);

		if (tb_fixture_check(&f, flows[i].hook, &flows[i].spec, any, why, sizeof(why)))
			goto fail;
	}
	start = tb_ct_now_ns();
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		struct tb_ct_gc_stats st;
		uint64_t evicted;

		if (tb_ct_gc(f.ct_fd, &t, start + (uint64_t)passes[i].after_s * S, &st)) {
			snprintf(why, sizeof(why), "gc failed");
			goto fail;
		}
		if (st.live != passes[i].live) {
			snprintf(why, sizeof(why), "after %u s: %lu live, want %lu",
				 passes[i].after_s, (unsigned long)st.live,
				 (unsigned long)passes[i].live);
			goto fail;
		}
		/* Nothing was evicted: GC deletions account for every entry gone. */
		deleted += st.expired;
		if (tb_ct_evictions(f.stats_fd, &evicted) || evicted) {
			snprintf(why, sizeof(why), "after %u s: evictions miscounted",
				 passes[i].after_s);
			goto fail;
		}
	}
	tb_fixture_close(&f);
	return;
fail:
	tb_fixture_close(&f);
	cr_assert_fail("%s", why);
}

Test(bpf_ct_gc, key_matches_bpf)
{
	struct tb_pkt_spec out = { .src = "10.0.0.9", .dst = "10.0.0.2", .proto = IPPROTO_UDP,
				   .sport = 7, .dport = 8 };
	struct tb_pkt_spec back;
	struct tb_ct_key k1, k2;
	struct tb_ct_value v;
	struct tb_fixture f;
	char why[200];

	tb_pkt_spec_reverse(&out, &back);
	if (tb_fixture_open(&f, 0))
		cr_assert_fail("datapath did not load");
	if (tb_fixture_check(&f, TB_HOOK_INGRESS, &out, TB_PASS(TB_STAT_POLICY_ALLOW), why,
			     sizeof(why)))
		goto fail;
	/* Both directions build the key of the entry BPF made. */
	if (tb_fixture_ct_get(&f, &out, 1, &k1, &v) || tb_fixture_ct_get(&f, &back, 1, &k2, &v)) {
		snprintf(why, sizeof(why), "entry not found by userspace key");
		goto fail;
	}
	if (memcmp(&k1, &k2, sizeof(k1))) {
		snprintf(why, sizeof(why), "directions build different keys");
		goto fail;
	}
	tb_fixture_close(&f);
	return;
fail:
	tb_fixture_close(&f);
	cr_assert_fail("%s", why);
}

/*
 * The datapath stamps entries with jiffies scaled to ns plus an offset (lib/clock.h): the
 * stamps must read as CLOCK_MONOTONIC, to within a tick or two, and advance at its rate.
 */
Test(bpf_ct_gc, clock_is_monotonic)
{
	struct tb_pkt_spec a = { .proto = IPPROTO_UDP, .sport = 1, .dport = 2 };
	struct tb_pkt_spec b = { .proto = IPPROTO_UDP, .sport = 3, .dport = 4 };
	struct tb_ct_value va, vb;
	struct tb_ct_key k;
	struct tb_fixture f;
	uint64_t t0, t1;
	int64_t skew, gap;
	char why[200] = "";

	if (tb_fixture_open(&f, 0))
		cr_assert_fail("datapath did not load");
	t0 = tb_ct_now_ns();
	if (tb_fixture_check(&f, TB_HOOK_INGRESS, &a, TB_PASS(TB_STAT_POLICY_ALLOW), why,
			     sizeof(why)))
		goto fail;
	usleep(300000);
	t1 = tb_ct_now_ns();
	if (tb_fixture_check(&f, TB_HOOK_INGRESS, &b, TB_PASS(TB_STAT_POLICY_ALLOW), why,
			     sizeof(why)))
		goto fail;
	if (tb_fixture_ct_get(&f, &a, 1, &k, &va) || tb_fixture_ct_get(&f, &b, 1, &k, &vb)) {
		snprintf(why, sizeof(why), "entries missing");
		goto fail;
	}
	skew = (int64_t)(va.created_ns - t0);
	gap = (int64_t)(vb.created_ns - va.created_ns) - (int64_t)(t1 - t0);
	if (skew < -20000000 || skew > 20000000 || gap < -20000000 || gap > 20000000) {
		snprintf(why, sizeof(why), "stamp off CLOCK_MONOTONIC by %ld ns, gap by %ld ns",
			 (long)skew, (long)gap);
		goto fail;
	}
	/* With a kernel config libbpf can read, the jiffies clock must be the one in use. */
	if (!access("/proc/config.gz", R_OK) &&
	    !((struct workload *)tb_dp_skel(f.dp))->bss->tb_clock_off) {
		snprintf(why, sizeof(why), "the clock offset was never set");
		goto fail;
	}
	tb_fixture_close(&f);
	return;
fail:
	tb_fixture_close(&f);
	cr_assert_fail("%s", why);
}
