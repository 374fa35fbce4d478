// SPDX-License-Identifier: Apache-2.0
/*
 * The conntrack table's own behaviour (headers/tabby/conntrack.h): userspace and BPF find
 * the same entries, userspace writes and deletes them, and a full set evicts the way that
 * expires first, counting only live entries of other flows as evictions.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>

#include "conntrack_gc.h"
#include "conntrack_table.h"
#include "helpers/dp_fixture.h"
#include "percpu_counter.h"

#define S TB_NSEC_PER_SEC

static struct tb_pkt_spec udp_flow(int i)
{
	return (struct tb_pkt_spec){ .src = "10.0.0.1", .dst = "10.0.0.2", .proto = IPPROTO_UDP,
				     .sport = (uint16_t)(20000 + i), .dport = 53 };
}

static uint64_t stat_of(struct tb_fixture *f, uint32_t stat)
{
	uint64_t n = 0;

	tb_percpu_counter_sum(f->stats_fd, stat, &n, NULL);
	return n;
}

/* Rewrites flow i's entry as last seen `idle_s` seconds ago. */
static int make_idle(struct tb_fixture *f, int i, uint32_t idle_s)
{
	struct tb_pkt_spec spec = udp_flow(i);
	struct tb_ct_value v;
	struct tb_ct_key k;
	int err = tb_fixture_ct_get(f, &spec, 1, &k, &v);

	if (err)
		return err;
	v.last_seen_ns -= (uint64_t)idle_s * S;
	v.created_ns -= (uint64_t)idle_s * S;
	return tb_ct_table_put(&f->ct, &k, &v);
}

static int admit(struct tb_fixture *f, int i, char *why, size_t len)
{
	struct tb_pkt_spec spec = udp_flow(i);

	return tb_fixture_check(f, TB_HOOK_INGRESS, &spec, TB_PASS(TB_STAT_POLICY_ALLOW), why,
				len);
}

/* Admits flows 0..n-1 as new flows, or fails the test. */
static void admit_flows(struct tb_fixture *f, int n)
{
	char why[200] = "";

	for (int i = 0; i < n; i++) {
		if (admit(f, i, why, sizeof(why)))
			cr_assert_fail("flow %d: %s", i, why);
	}
}

static int present(struct tb_fixture *f, int i)
{
	struct tb_pkt_spec spec = udp_flow(i);
	struct tb_ct_value v;
	struct tb_ct_key k;

	return !tb_fixture_ct_get(f, &spec, 1, &k, &v);
}

Test(bpf_ct_table, userspace_put_get_delete)
{
	struct tb_ct_key k = { .addr_a = { 1 }, .addr_b = { 2 }, .ifindex = 7, .port_a = 1,
			       .port_b = 2, .family = 4, .proto = IPPROTO_TCP };
	struct tb_ct_value v = { .created_ns = 5 * S, .last_seen_ns = 9 * S, .rule_id = 77,
				 .state = TB_CT_ESTABLISHED, .flags = TB_CT_F_OPENER_A }, got;
	struct tb_fixture f;
	uint64_t n;

	cr_assert_eq(tb_fixture_open(&f, 0), 0, "datapath did not load");
	cr_expect_eq(tb_ct_table_get(&f.ct, &k, &got), -ENOENT);
	cr_expect_eq(tb_ct_table_put(&f.ct, &k, &v), 0);
	cr_expect_eq(tb_ct_table_get(&f.ct, &k, &got), 0);
	cr_expect_eq(got.last_seen_ns, v.last_seen_ns);
	/* The creation stamp is kept to 2^TB_CT_COARSE_SHIFT ns. */
	cr_expect_leq(v.created_ns - got.created_ns, 1ull << TB_CT_COARSE_SHIFT);
	cr_expect_eq(got.rule_id, 77);
	cr_expect_eq(got.state, TB_CT_ESTABLISHED);
	cr_expect_eq(got.flags, TB_CT_F_OPENER_A);
	/* A second put rewrites the same way, it does not add one. */
	v.state = TB_CT_FIN_WAIT;
	cr_expect_eq(tb_ct_table_put(&f.ct, &k, &v), 0);
	cr_expect_eq(tb_ct_count(f.ct_fd, &n), 0);
	cr_expect_eq(n, 1);
	cr_expect_eq(tb_ct_table_get(&f.ct, &k, &got), 0);
	cr_expect_eq(got.state, TB_CT_FIN_WAIT);
	cr_expect_eq(tb_ct_table_delete(&f.ct, &k), 0);
	cr_expect_eq(tb_ct_table_delete(&f.ct, &k), -ENOENT);
	cr_expect_eq(tb_ct_table_get(&f.ct, &k, &got), -ENOENT);
	tb_fixture_close(&f);
}

Test(bpf_ct_table, sizes_round_up_to_whole_sets)
{
	cr_expect_eq(tb_ct_nsets(1), 1);
	cr_expect_eq(tb_ct_nsets(TB_CT_WAYS), 1);
	cr_expect_eq(tb_ct_nsets(TB_CT_WAYS + 1), 2);
	cr_expect_eq(tb_ct_nsets(TB_CT_DEFAULT_ENTRIES), TB_CT_DEFAULT_ENTRIES / TB_CT_WAYS);
	cr_expect_eq(tb_ct_nsets(100000), 16384);
}

/*
 * A table of one set: eight flows fill it; the ninth evicts the way that expires first (of
 * flows with one timeout, the one seen longest ago); an entry past its timeout is taken
 * without counting an eviction.
 */
Test(bpf_ct_table, full_set_evicts_first_to_expire)
{
	struct tb_fixture f;
	uint64_t evicted0;
	char why[200] = "";

	cr_assert_eq(tb_fixture_open(&f, TB_CT_WAYS), 0, "datapath did not load");
	cr_assert_eq(f.ct.nsets, 1);
	admit_flows(&f, TB_CT_WAYS);
	/* Flow 3 idle 30 s, flow 5 idle 20 s, the rest fresh: flow 3 goes first. */
	cr_assert_eq(make_idle(&f, 3, 30), 0);
	cr_assert_eq(make_idle(&f, 5, 20), 0);
	evicted0 = stat_of(&f, TB_STAT_CT_EVICTED);
	if (admit(&f, 100, why, sizeof(why)))
		cr_assert_fail("flow 100: %s", why);
	cr_expect(!present(&f, 3), "the oldest way was not the one evicted");
	cr_expect(present(&f, 5) && present(&f, 100) && present(&f, 0));
	cr_expect_eq(stat_of(&f, TB_STAT_CT_EVICTED), evicted0 + 1);
	/* Flow 5 past udpTimeout (60 s): taken next, and not an eviction. */
	cr_assert_eq(make_idle(&f, 5, 100), 0);
	if (admit(&f, 101, why, sizeof(why)))
		cr_assert_fail("flow 101: %s", why);
	cr_expect(!present(&f, 5) && present(&f, 101));
	cr_expect_eq(stat_of(&f, TB_STAT_CT_EVICTED), evicted0 + 1);
	tb_fixture_close(&f);
}

/* GC frees ways through the mapping; BPF then finds the flow gone and admits it anew. */
Test(bpf_ct_table, gc_frees_ways_for_bpf)
{
	struct tb_ct_timeouts t;
	struct tb_ct_gc_stats st;
	struct tb_fixture f;
	char why[200] = "";

	tb_ct_timeouts_default(&t);
	cr_assert_eq(tb_fixture_open(&f, 0), 0, "datapath did not load");
	for (int i = 0; i < 50; i++) {
		if (admit(&f, i, why, sizeof(why)))
			cr_assert_fail("flow %d: %s", i, why);
	}
	cr_assert_eq(tb_ct_gc(f.ct_fd, &t, tb_ct_now_ns() + 61 * S, &st), 0);
	cr_expect_eq(st.scanned, 50);
	cr_expect_eq(st.expired, 50);
	cr_expect_eq(st.live, 0);
	cr_expect(!present(&f, 7));
	if (admit(&f, 7, why, sizeof(why)))
		cr_assert_fail("flow 7 after GC: %s", why);
	tb_fixture_close(&f);
}

/*
 * Under a flood of new flows, an established TCP connection (tcpEstablished: 1 h) outlives
 * UDP flows (udpTimeout: 60 s) seen after it: the set evicts by deadline, not by age.
 */
Test(bpf_ct_table, full_set_keeps_long_lived_flows)
{
	struct tb_ct_key tcp = { .addr_a = { 1 }, .addr_b = { 2 }, .ifindex = 7, .port_a = 1,
				 .port_b = 2, .family = 4, .proto = IPPROTO_TCP };
	uint64_t now = tb_ct_now_ns(), evicted0;
	struct tb_ct_value v = { .created_ns = now - 50 * S, .last_seen_ns = now - 50 * S,
				 .rule_id = 1, .state = TB_CT_ESTABLISHED }, got;
	struct tb_fixture f;
	char why[200] = "";

	cr_assert_eq(tb_fixture_open(&f, TB_CT_WAYS), 0, "datapath did not load");
	cr_assert_eq(tb_ct_table_put(&f.ct, &tcp, &v), 0);
	admit_flows(&f, TB_CT_WAYS - 1);
	cr_assert_eq(make_idle(&f, 2, 5), 0);
	evicted0 = stat_of(&f, TB_STAT_CT_EVICTED);
	if (admit(&f, 100, why, sizeof(why)))
		cr_assert_fail("flow 100: %s", why);
	cr_expect_eq(tb_ct_table_get(&f.ct, &tcp, &got), 0, "the TCP connection was evicted");
	cr_expect(!present(&f, 2), "not the UDP flow that expires first");
	cr_expect(present(&f, 100));
	cr_expect_eq(stat_of(&f, TB_STAT_CT_EVICTED), evicted0 + 1);
	tb_fixture_close(&f);
}

/* A packet of a flow moves its deadline: the flow that was to expire first is kept. */
Test(bpf_ct_table, traffic_refreshes_the_deadline)
{
	struct tb_fixture f;
	uint64_t hits0;
	char why[200] = "";

	cr_assert_eq(tb_fixture_open(&f, TB_CT_WAYS), 0, "datapath did not load");
	admit_flows(&f, TB_CT_WAYS);
	cr_assert_eq(make_idle(&f, 3, 30), 0);
	cr_assert_eq(make_idle(&f, 5, 20), 0);
	/* Flow 3's next packet is a conntrack hit, which refreshes its entry and deadline. */
	hits0 = stat_of(&f, TB_STAT_CT_HIT);
	{
		struct tb_pkt_spec spec = udp_flow(3);

		if (tb_fixture_check(&f, TB_HOOK_INGRESS, &spec, TB_PASS(TB_STAT_CT_HIT), why,
				     sizeof(why)))
			cr_assert_fail("flow 3 again: %s", why);
	}
	cr_expect_eq(stat_of(&f, TB_STAT_CT_HIT), hits0 + 1);
	if (admit(&f, 100, why, sizeof(why)))
		cr_assert_fail("flow 100: %s", why);
	cr_expect(present(&f, 3), "the refreshed flow was evicted");
	cr_expect(!present(&f, 5));
	tb_fixture_close(&f);
}
