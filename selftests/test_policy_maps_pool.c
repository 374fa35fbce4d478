// SPDX-License-Identifier: Apache-2.0
/*
 * The slot pool of policy_maps_pool.c: installs into pooled slots never update the outer
 * arrays (the inner map ids at a slot stay what the refill published), a set larger than the
 * pooled maps falls back to its own maps, refills top up within their bounds, collected sets
 * give their slot back emptied, a slot is handed out only once its publish is done, and a
 * restarted agent takes pooled slots back.
 */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "helpers/policy_bpf.h"
#include "helpers/policy_spec.h"

#define TCP_SPEC "profile k; rule allow proto=6 dst.net=10.0.0.0/8; rule allow dst.net=10.9.0.0/16"
#define UDP_SPEC "profile k; rule allow proto=17"
#define TCP_FLOW "tcp 10.0.0.1:1 10.0.0.2:2"
#define UDP_FLOW "udp 10.0.0.1:1 10.0.0.2:2"

/* 1 if the endpoint's verdict on the flow is allow, 0 if deny, -1 on error. */
static int allows(struct tb_pbpf *p, uint32_t ifindex, const char *flow)
{
	struct tb_policy_result r;
	struct tb_flow f;

	if (tb_spec_flow(flow, &f) || tb_pbpf_decide(p, ifindex, 0, &f, 1, &r, NULL))
		return -1;
	return !!r.allow;
}

/* The ids of the inner maps at slot (0 where none). */
static void slot_ids(const struct tb_pbpf *p, uint32_t slot, uint32_t ids[2])
{
	ids[0] = ids[1] = 0;
	bpf_map_lookup_elem(p->fds.keys, &slot, &ids[0]);
	bpf_map_lookup_elem(p->fds.bits, &slot, &ids[1]);
}

/* The trie at slot has no entry (its lines are never read past the set's own). */
static int slot_empty(const struct tb_pbpf *p, uint32_t slot)
{
	struct tb_pol_key k;
	uint32_t ids[2];
	int fd, empty;

	slot_ids(p, slot, ids);
	fd = bpf_map_get_fd_by_id(ids[0]);
	if (fd < 0)
		return 0;
	empty = bpf_map_get_next_key(fd, NULL, &k) && errno == ENOENT;
	close(fd);
	return empty;
}

static int conf(struct tb_pbpf *p, uint32_t free_target, uint32_t max, uint32_t lines)
{
	struct tb_pol_pool_conf c = {
		.free_target = free_target, .max_pooled = max, .lines = lines, .keys = 1024,
	};

	return tb_pol_maps_pool_conf(p->maps, &c);
}

/* A refill and the end of its publish (which runs on a thread of its own). */
static int refill(struct tb_pbpf *p)
{
	int n = tb_pol_maps_refill(p->maps);

	tb_pol_maps_pool_settle(p->maps);
	return n;
}

Test(policy_maps_pool, installs_fill_pooled_slots_without_outer_updates)
{
	struct tb_pol_compiled *tcp = tb_spec_compile(TCP_SPEC), *udp = tb_spec_compile(UDP_SPEC);
	uint32_t s1, s2, refilled[8][2], before1[2], before2[2], after1[2], after2[2];
	struct tb_pol_pool_stats st;
	struct tb_pbpf p;
	int ok;

	if (!tcp || !udp || tb_pbpf_open(&p) || conf(&p, 2, 4, 1024) ||
	    refill(&p) != 2)
		cr_assert_fail("setup");
	for (uint32_t s = 0; s < 8; s++)
		slot_ids(&p, s, refilled[s]);
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = st.free == 2 && st.pooled == 2 && st.created == 2;
	ok = ok && !tb_pbpf_install(&p, tcp, "L", 1, 0, &s1) && s1 < 8;
	slot_ids(&p, s1, before1);
	ok = ok && !memcmp(before1, refilled[s1], sizeof(before1));
	ok = ok && allows(&p, 1, TCP_FLOW) == 1 && allows(&p, 1, UDP_FLOW) == 0;
	/* the refill published this slot; the install only filled it */
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.takes == 1 && st.free == 1 && before1[0] && before1[1];
	slot_ids(&p, s1, after1);
	ok = ok && !tb_pol_maps_replace(p.maps, "L", udp);
	ok = ok && !tb_pol_maps_get(p.maps, "L", NULL, &s2) && s2 != s1;
	tb_pol_maps_put(p.maps, s2);
	slot_ids(&p, s2, before2);
	ok = ok && s2 < 8 && !memcmp(before2, refilled[s2], sizeof(before2));
	ok = ok && allows(&p, 1, TCP_FLOW) == 0 && allows(&p, 1, UDP_FLOW) == 1;
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.takes == 2 && st.free == 0 && st.created == 2 && before2[0];
	/* collected: the old set's slot is emptied and free again, still published */
	ok = ok && tb_pol_maps_gc(p.maps, 1) == 1 && tb_pol_maps_n_sets(p.maps) == 1;
	slot_ids(&p, s1, after2);
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.returned == 1 && st.free == 1 && slot_empty(&p, s1) &&
	     !memcmp(before1, after1, sizeof(after1)) && !memcmp(before1, after2, sizeof(after2));
	/* and the next install takes it */
	ok = ok && !tb_pbpf_install(&p, tcp, "M", 2, 0, &s2) && s2 == s1 &&
	     allows(&p, 2, TCP_FLOW) == 1 && allows(&p, 1, UDP_FLOW) == 1;
	if (!ok)
		cr_assert_fail("pool: takes %lu free %u returned %lu", (unsigned long)st.takes,
			       st.free, (unsigned long)st.returned);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
	tb_pol_compiled_free(udp);
}

Test(policy_maps_pool, a_set_larger_than_pooled_maps_gets_its_own)
{
	struct tb_pol_compiled *tcp = tb_spec_compile(TCP_SPEC);
	struct tb_pol_pool_stats st;
	uint32_t s, ids[2];
	struct tb_pbpf p;
	int ok;

	/* pooled arrays of 1 line: every set has more */
	if (!tcp || tb_pbpf_open(&p) || conf(&p, 2, 4, 1) || refill(&p) != 2 ||
	    tcp->n_bits <= TB_POL_LINE_WORDS)
		cr_assert_fail("setup");
	ok = !tb_pbpf_install(&p, tcp, "L", 1, 0, &s) && allows(&p, 1, TCP_FLOW) == 1;
	tb_pol_maps_pool_stats(p.maps, &st);
	slot_ids(&p, s, ids);
	ok = ok && st.takes == 0 && st.fallbacks == 1 && st.free == 2 && ids[0] && ids[1];
	/* its own maps are unpublished when it is collected, the pool untouched */
	ok = ok && !tb_pol_maps_detach(p.maps, 1, 0) && tb_pol_maps_gc(p.maps, 1) == 1;
	slot_ids(&p, s, ids);
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && !ids[0] && !ids[1] && st.free == 2 && st.pooled == 2;
	if (!ok)
		cr_assert_fail("fallback: takes %lu fallbacks %lu free %u", (unsigned long)st.takes,
			       (unsigned long)st.fallbacks, st.free);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
}

Test(policy_maps_pool, refills_top_up_within_their_bounds)
{
	const char *keys[] = { "A", "B", "C" };
	struct tb_pol_compiled *tcp = tb_spec_compile(TCP_SPEC), *udp = tb_spec_compile(UDP_SPEC);
	const struct tb_pol_compiled *cs[] = { tcp, udp, tcp };
	struct tb_pol_pool_stats st;
	uint32_t slots[3], ids[2];
	struct tb_pbpf p;
	int ok;

	if (!tcp || !udp || tb_pbpf_open(&p) || conf(&p, 2, 3, 1024))
		cr_assert_fail("setup");
	/* no refill, no pool: the old path */
	ok = !tb_pol_maps_get(p.maps, "Z", tcp, &slots[0]);
	tb_pol_maps_put(p.maps, slots[0]);
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.fallbacks == 1 && st.pooled == 0;
	ok = ok && refill(&p) == 2 && refill(&p) == 0;
	/* three new lists in one batch: two from the pool, one published */
	ok = ok && !tb_pol_maps_get_many(p.maps, keys, cs, 3, slots);
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.takes == 2 && st.fallbacks == 2 && st.free == 0;
	/* max_pooled 3: one more, not two */
	ok = ok && refill(&p) == 1;
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.free == 1 && st.pooled == 3;
	/* collected with the pool below its target: back into it; above: unpublished */
	for (int i = 0; i < 3; i++)
		tb_pol_maps_put(p.maps, slots[i]);
	ok = ok && tb_pol_maps_gc(p.maps, 1) == 4;
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.free == 2 && st.pooled == 2 && st.returned == 1;
	slot_ids(&p, slots[0], ids);
	ok = ok && tb_pol_maps_n_sets(p.maps) == 0 && (!ids[0] || slot_empty(&p, slots[0]));
	if (!ok)
		cr_assert_fail("refill: free %u pooled %u takes %lu", st.free, st.pooled,
			       (unsigned long)st.takes);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
	tb_pol_compiled_free(udp);
}

Test(policy_maps_pool, a_restarted_agent_takes_pooled_slots_back)
{
	struct tb_pol_compiled *tcp = tb_spec_compile(TCP_SPEC), *udp = tb_spec_compile(UDP_SPEC);
	struct tb_pol_pool_stats st;
	struct tb_pol_maps *m2 = NULL;
	uint32_t s1, sx, s3, ids[2];
	struct tb_pbpf p;
	int ok;

	if (!tcp || !udp || tb_pbpf_open(&p) || conf(&p, 3, 4, 1024) ||
	    refill(&p) != 3 || tb_pbpf_install(&p, tcp, "L", 30, 0, &s1) ||
	    tb_pol_maps_get(p.maps, "X", udp, &sx))
		cr_assert_fail("setup");
	/* "X" was installed into a pooled slot but no endpoint ever pointed at it */
	ok = !tb_pol_maps_new(&p.fds, &m2) && tb_pol_maps_n_sets(m2) == 1;
	tb_pol_maps_pool_stats(m2, &st);
	ok = ok && st.pooled == 3 && st.free == 2 && slot_empty(&p, sx);
	ok = ok && allows(&p, 30, TCP_FLOW) == 1;
	/* the adopted free slots serve installs without outer updates */
	slot_ids(&p, sx, ids);
	ok = ok && !tb_pol_maps_get(m2, "M", udp, &s3) && (s3 == sx || s3 != s1) &&
	     !tb_pol_maps_attach(m2, 30, 0, s3) && allows(&p, 30, UDP_FLOW) == 1;
	tb_pol_maps_pool_stats(m2, &st);
	ok = ok && st.takes == 1 && st.free == 1 && st.created == 0;
	/* the adopted set in use goes back to the pool once collected */
	ok = ok && tb_pol_maps_gc(m2, 1) == 1 && tb_pol_maps_n_sets(m2) == 1;
	tb_pol_maps_pool_stats(m2, &st);
	ok = ok && st.free == 2 && st.pooled == 3 && slot_empty(&p, s1);
	if (!ok)
		cr_assert_fail("adoption: pooled %u free %u takes %lu", st.pooled, st.free,
			       (unsigned long)st.takes);
	tb_pol_maps_free(m2);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
	tb_pol_compiled_free(udp);
}

Test(policy_maps_pool, slots_are_handed_out_only_once_published)
{
	struct tb_pol_compiled *tcp = tb_spec_compile(TCP_SPEC);
	struct tb_pol_pool_stats st;
	uint32_t s, ids[2];
	struct tb_pbpf p;
	int ok, n;

	if (!tcp || tb_pbpf_open(&p) || conf(&p, 2, 4, 1024))
		cr_assert_fail("setup");
	n = tb_pol_maps_refill(p.maps);
	/* while the publish may be in flight, a second refill starts nothing */
	ok = n == 2 && tb_pol_maps_refill(p.maps) == 0;
	ok = ok && !tb_pbpf_install(&p, tcp, "L", 1, 0, &s) && allows(&p, 1, TCP_FLOW) == 1;
	slot_ids(&p, s, ids);
	tb_pol_maps_pool_stats(p.maps, &st);
	/* either way the slot the endpoint uses is whole */
	ok = ok && ids[0] && ids[1] && st.takes + st.fallbacks == 1;
	tb_pol_maps_pool_settle(p.maps);
	tb_pol_maps_pool_stats(p.maps, &st);
	ok = ok && st.pooled == 2 && st.created == 2 && st.free + st.takes == 2;
	if (!ok)
		cr_assert_fail("pending: free %u takes %lu", st.free, (unsigned long)st.takes);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
}
