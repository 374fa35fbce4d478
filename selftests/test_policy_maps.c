// SPDX-License-Identifier: Apache-2.0
/*
 * Table sets in BPF maps: Log records, endpoints without tables or over the limits, shared
 * and reference-counted sets, replacement with garbage collection, the largest supported
 * policy, and atomic flips under traffic.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers/policy_bpf.h"
#include "helpers/policy_spec.h"
#include "tabby/drop_reasons.h"

static int decide(struct tb_pbpf *p, uint32_t ifindex, uint32_t dir, const char *flow,
		  struct tb_policy_result *res)
{
	struct tb_flow f;

	if (tb_spec_flow(flow, &f))
		return -EINVAL;
	return tb_pbpf_decide(p, ifindex, dir, &f, 1, res, NULL);
}

struct logs {
	struct tb_pol_log_event ev[8];
	int n;
};

static int on_log(void *ctx, void *data, size_t len)
{
	struct logs *l = ctx;

	if (len >= sizeof(l->ev[0]) && l->n < 8)
		memcpy(&l->ev[l->n++], data, sizeof(l->ev[0]));
	return 0;
}

Test(policy_maps, log_records)
{
	struct tb_pol_compiled *c = tb_spec_compile(
	    "tier t; policy p; rule log proto=6; rule log src.net=10.0.0.0/8; "
	    "rule log proto=6 dst.ports=8080 dst.named=10; rule log proto=17; rule allow");
	struct tb_policy_result res;
	struct ring_buffer *rb = NULL;
	struct logs lg = {.n = 0};
	uint32_t slot, base;
	struct tb_pbpf p;
	int ok;

	if (!c || tb_pbpf_open(&p))
		cr_assert_fail("setup");
	rb = ring_buffer__new(p.log_fd, on_log, &lg, NULL);
	if (!rb || tb_pbpf_install(&p, c, "L", 4, TB_DIR_INGRESS, &slot) ||
	    tb_pol_maps_rule_id(p.maps, slot, 0, &base) ||
	    decide(&p, 4, TB_DIR_INGRESS, "tcp 10.0.0.1:7 10.0.0.2:8080", &res))
		cr_assert_fail("setup");
	ring_buffer__consume(rb);
	/* three Log rules match (the third through both of its port alternatives: one record) */
	ok = res.allow && res.rule_id == base + 4 && lg.n == 3 && lg.ev[0].rule_id == base &&
	     lg.ev[1].rule_id == base + 1 && lg.ev[2].rule_id == base + 2 &&
	     lg.ev[0].dport == 8080 && lg.ev[0].sport == 7 && lg.ev[0].proto == 6 &&
	     lg.ev[0].family == 4 && lg.ev[0].ifindex == 4 && lg.ev[0].dir == TB_DIR_INGRESS;
	if (!ok)
		cr_assert_fail("log records: %d, verdict %u rule %u", lg.n, res.allow,
			       res.rule_id - base);
	ring_buffer__free(rb);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(c);
}

Test(policy_maps, endpoints_without_tables_are_denied)
{
	struct tb_pol_compiled *c = tb_spec_compile("profile k; rule allow");
	struct tb_policy_result res;
	struct tb_pbpf p;
	int ok;

	if (!c || tb_pbpf_open(&p) || tb_pbpf_install(&p, c, "L", 5, TB_DIR_INGRESS, NULL))
		cr_assert_fail("setup");
	ok = !decide(&p, 5, TB_DIR_INGRESS, "udp 10.0.0.1:1 10.0.0.2:2", &res) && res.allow;
	ok = ok && !decide(&p, 5, TB_DIR_EGRESS, "udp 10.0.0.1:1 10.0.0.2:2", &res) && !res.allow &&
	     res.reason == TB_DROP_NO_ENDPOINT;
	ok = ok && !decide(&p, 6, TB_DIR_INGRESS, "udp 10.0.0.1:1 10.0.0.2:2", &res) &&
	     !res.allow && res.reason == TB_DROP_NO_ENDPOINT;
	ok = ok && !tb_pol_maps_set_too_large(p.maps, 5, TB_DIR_INGRESS) &&
	     !decide(&p, 5, TB_DIR_INGRESS, "udp 10.0.0.1:1 10.0.0.2:2", &res) && !res.allow &&
	     res.reason == TB_DROP_POLICY_TOO_LARGE && res.rule_id == TB_RULE_NONE;
	ok = ok && !tb_pol_maps_detach(p.maps, 5, TB_DIR_INGRESS) &&
	     !decide(&p, 5, TB_DIR_INGRESS, "udp 10.0.0.1:1 10.0.0.2:2", &res) && !res.allow &&
	     res.reason == TB_DROP_NO_ENDPOINT;
	if (!ok)
		cr_assert_fail("verdict %u reason %u", res.allow, res.reason);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(c);
}

Test(policy_maps, shared_sets_replace_and_gc)
{
	struct tb_pol_compiled *c1 = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_pol_compiled *c2 = tb_spec_compile("profile k; rule allow proto=17");
	struct tb_policy_result r1, r2;
	uint32_t s1, s2, s3;
	struct tb_pol_hdr hdr;
	struct tb_pbpf p;
	int ok;

	if (!c1 || !c2 || tb_pbpf_open(&p) || tb_pbpf_install(&p, c1, "L", 1, 0, &s1) ||
	    tb_pbpf_install(&p, NULL, "L", 2, 0, &s2))
		cr_assert_fail("setup");
	ok = s1 == s2 && tb_pol_maps_n_sets(p.maps) == 1 && c1->hash_mask;
	ok = ok && !decide(&p, 1, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r1) && r1.allow &&
	     !decide(&p, 2, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r2) && r2.allow;
	/* the policy of list L changes: both endpoints move, the old set waits for the GC */
	ok = ok && !tb_pol_maps_replace(p.maps, "L", c2) && tb_pol_maps_n_sets(p.maps) == 2;
	ok = ok && !decide(&p, 1, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r1) && !r1.allow &&
	     !decide(&p, 2, 0, "udp 10.0.0.1:1 10.0.0.2:2", &r2) && r2.allow;
	ok = ok && tb_pol_maps_gc(p.maps, 1) == 1 && tb_pol_maps_n_sets(p.maps) == 1 &&
	     !bpf_map_lookup_elem(p.fds.hdr, &s1, &hdr) && !hdr.n_lines;
	ok = ok && !tb_pbpf_install(&p, NULL, "L", 3, 0, &s3) && s3 != s1;
	ok = ok && !tb_pol_maps_detach(p.maps, 1, 0) && !tb_pol_maps_detach(p.maps, 2, 0) &&
	     tb_pol_maps_gc(p.maps, 1) == 0 && !tb_pol_maps_detach(p.maps, 3, 0) &&
	     tb_pol_maps_gc(p.maps, 1) == 1 && tb_pol_maps_n_sets(p.maps) == 0;
	if (!ok)
		cr_assert_fail("sharing: slots %u %u, %u sets", s1, s2, tb_pol_maps_n_sets(p.maps));
	tb_pbpf_close(&p);
	tb_pol_compiled_free(c1);
	tb_pol_compiled_free(c2);
}

/* n Allow rules for TCP destination ports 1..n in one tier. */
static struct tb_pol_compiled *port_rules(int n, int *err, struct tb_diag *diag)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_ir *ir = tb_ir_new();
	struct tb_ir_rule r;

	tb_pol_sets_init(&sets);
	*err = !ir || tb_ir_add_tier(ir, "t", TB_IR_DENY) || tb_ir_add_policy(ir, "p");
	for (int i = 0; i < n && !*err; i++) {
		tb_ir_rule_init(&r, TB_IR_ALLOW);
		r.protocol = 6;
		*err = tb_ir_side_add_ports(&r.dst, 0, (uint16_t)(i + 1), (uint16_t)(i + 1)) ||
		       tb_ir_add_rule(ir, 0, &r);
		tb_ir_rule_free(&r);
	}
	if (!*err)
		*err = tb_pol_compile(ir, &sets, diag, &c);
	tb_ir_free(ir);
	return c;
}

Test(policy_maps, largest_policy_and_over_the_limit)
{
	struct tb_policy_result res;
	struct tb_pol_compiled *c, *over;
	struct tb_diag diag;
	uint32_t slot, base;
	struct tb_pbpf p;
	int err, ok;

	tb_diag_init(&diag);
	c = port_rules(TB_POL_MAX_BITS - 2, &err, &diag); /* + tier end + final */
	if (err || !c || c->nbits != TB_POL_MAX_BITS || tb_pbpf_open(&p) ||
	    tb_pbpf_install(&p, c, "big", 9, 1, &slot) ||
	    tb_pol_maps_rule_id(p.maps, slot, 0, &base))
		cr_assert_fail("setup: %d", err);
	ok = !decide(&p, 9, 1, "tcp 10.0.0.1:1 10.0.0.2:16382", &res) && res.allow &&
	     res.rule_id == base + TB_POL_MAX_BITS - 3;
	ok = ok && !decide(&p, 9, 1, "tcp 10.0.0.1:1 10.0.0.2:1", &res) && res.allow &&
	     res.rule_id == base;
	ok = ok && !decide(&p, 9, 1, "tcp 10.0.0.1:1 10.0.0.2:16383", &res) && !res.allow &&
	     res.reason == TB_DROP_TIER_END;
	if (!ok)
		cr_assert_fail("largest policy: %u %u rule %u", res.allow, res.reason,
			       res.rule_id - base);
	over = port_rules(TB_POL_MAX_BITS - 1, &err, &diag);
	if (err != -E2BIG || over || diag.n != 1 || !strstr(diag.msgs[0], "TB_POL_MAX_BITS"))
		cr_assert_fail("over the limit: %d", err);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(c);
	tb_diag_free(&diag);
}

struct flipper {
	struct tb_pbpf *p;
	volatile int stop;
	long runs, bad;
	struct tb_policy_result last_bad;
};

/* Runs verdicts until stopped; each must be the old policy's or the new one's. */
static void *run_traffic(void *arg)
{
	struct flipper *fl = arg;
	struct tb_policy_result res;

	while (!fl->stop) {
		if (decide(fl->p, 8, 0, "tcp 10.0.0.1:1 10.0.0.2:80", &res)) {
			fl->bad++;
			continue;
		}
		fl->runs++;
		if (!((res.allow && res.reason == TB_DROP_NONE) ||
		      (!res.allow && res.reason == TB_DROP_POLICY_DENY))) {
			fl->bad++;
			fl->last_bad = res;
		}
	}
	return NULL;
}

Test(policy_maps, atomic_flip_under_traffic)
{
	/* sets whose tables, if mixed, would not give either answer */
	struct tb_pol_compiled *old = tb_spec_compile(
	    "tier t; policy p; rule deny proto=17; rule allow proto=6 dst.ports=80");
	struct tb_pol_compiled *new = tb_spec_compile(
	    "tier t; policy p; rule allow src.net=10.9.0.0/16; rule deny dst.net=10.0.0.0/24 "
	    "proto=6; rule allow");
	struct flipper fl = {.stop = 0};
	pthread_t th;
	struct tb_pbpf p;

	if (!old || !new || tb_pbpf_open(&p) || tb_pbpf_install(&p, old, "L", 8, 0, NULL))
		cr_assert_fail("setup");
	fl.p = &p;
	if (pthread_create(&th, NULL, run_traffic, &fl))
		cr_assert_fail("thread");
	/* flips are quick (plain map updates): go on until the traffic has seen plenty */
	for (int i = 0; i < 20 || (fl.runs < 1000 && i < 2000); i++)
		if (tb_pol_maps_replace(p.maps, "L", i % 2 ? old : new))
			fl.bad++;
	fl.stop = 1;
	pthread_join(th, NULL);
	if (fl.bad || fl.runs < 100)
		cr_assert_fail("%ld of %ld verdicts neither old nor new (last %u/%u)", fl.bad,
			       fl.runs, fl.last_bad.allow, fl.last_bad.reason);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(old);
	tb_pol_compiled_free(new);
}

Test(policy_maps, batched_install_and_replace)
{
	struct tb_pol_compiled *tcp = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_pol_compiled *udp = tb_spec_compile("profile k; rule allow proto=17");
	const struct tb_pol_compiled *cs[3] = {tcp, udp, tcp}, *swap[2] = {udp, tcp};
	const char *keys[3] = {"A", "B", "A"};
	struct tb_policy_result r[3];
	uint32_t slots[3];
	struct tb_pbpf p;
	int ok;

	if (!tcp || !udp || tb_pbpf_open(&p) || tb_pol_maps_get_many(p.maps, keys, cs, 3, slots))
		cr_assert_fail("setup");
	ok = slots[0] == slots[2] && slots[0] != slots[1] && tb_pol_maps_n_sets(p.maps) == 2;
	for (uint32_t i = 0; i < 3 && ok; i++)
		ok = !tb_pol_maps_attach(p.maps, 20 + i, 0, slots[i]);
	ok = ok && !decide(&p, 20, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r[0]) && r[0].allow &&
	     !decide(&p, 21, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r[1]) && !r[1].allow &&
	     !decide(&p, 22, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r[2]) && r[2].allow;
	/* both lists change in one batch: every endpoint follows its list */
	ok = ok && !tb_pol_maps_replace_many(p.maps, keys, swap, 2) &&
	     !decide(&p, 20, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r[0]) && !r[0].allow &&
	     !decide(&p, 21, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r[1]) && r[1].allow &&
	     !decide(&p, 22, 0, "udp 10.0.0.1:1 10.0.0.2:2", &r[2]) && r[2].allow;
	ok = ok && tb_pol_maps_gc(p.maps, 1) == 2 && tb_pol_maps_n_sets(p.maps) == 2;
	if (!ok)
		cr_assert_fail("batch: slots %u %u %u, %u sets", slots[0], slots[1], slots[2],
			       tb_pol_maps_n_sets(p.maps));
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
	tb_pol_compiled_free(udp);
}

Test(policy_maps, restart_adopts_what_is_in_the_maps)
{
	struct tb_pol_compiled *tcp = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_pol_compiled *udp = tb_spec_compile("profile k; rule allow proto=17");
	struct tb_pol_maps *m2 = NULL;
	struct tb_policy_result r;
	uint32_t s1, s2, s3, g, os, ol;
	struct tb_pbpf p;
	int ok;

	if (!tcp || !udp || tb_pbpf_open(&p) || tb_pbpf_install(&p, tcp, "L", 30, 0, &s1) ||
	    tb_pbpf_install(&p, udp, "M", 31, 0, &s2) || tb_pol_maps_rule_id(p.maps, s1, 0, &g))
		cr_assert_fail("setup");
	/* a second writer on the same maps: what a restarted agent sees */
	ok = !tb_pol_maps_new(&p.fds, &m2) && tb_pol_maps_n_sets(m2) == 2 &&
	     !tb_pol_maps_rule_owner(m2, g, &os, &ol) && os == s1 && ol == 0;
	ok = ok && !decide(&p, 30, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r) && r.allow;
	/* adopted sets are never shared by key: "L" installs anew, elsewhere */
	ok = ok && !tb_pol_maps_get(m2, "L", udp, &s3) && s3 != s1 && s3 != s2 &&
	     !tb_pol_maps_attach(m2, 30, 0, s3) && !tb_pol_maps_detach(m2, 31, 0) &&
	     !decide(&p, 30, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r) && !r.allow;
	ok = ok && tb_pol_maps_gc(m2, 1) == 2 && tb_pol_maps_n_sets(m2) == 1;
	if (!ok)
		cr_assert_fail("adoption: %u sets", m2 ? tb_pol_maps_n_sets(m2) : 0);
	tb_pol_maps_free(m2);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
	tb_pol_compiled_free(udp);
}

Test(policy_maps, most_log_steps_allowed)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = tb_ir_new();
	struct tb_policy_result res;
	struct ring_buffer *rb = NULL;
	struct logs lg = {.n = 0};
	struct tb_ir_rule r;
	struct tb_pbpf p;
	int n_logs = TB_POL_MAX_STEPS - 2; /* + the tier's step + the profile's */
	int err = !ir || tb_ir_add_tier(ir, "t", TB_IR_PASS) || tb_ir_add_policy(ir, "p");

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	tb_ir_rule_init(&r, TB_IR_LOG);
	for (int i = 0; i < n_logs && !err; i++)
		err = tb_ir_add_rule(ir, 0, &r);
	tb_ir_rule_init(&r, TB_IR_ALLOW);
	err = err || tb_ir_add_profile(ir, "k") || tb_ir_add_rule(ir, 1, &r) ||
	      tb_pol_compile(ir, &sets, &diag, &c) || tb_pbpf_open(&p);
	if (err)
		cr_assert_fail("setup");
	rb = ring_buffer__new(p.log_fd, on_log, &lg, NULL);
	/* every Log rule matches, the tier passes, the profile allows: no step is cut short */
	if (!rb || tb_pbpf_install(&p, c, "L", 4, 0, NULL) ||
	    decide(&p, 4, 0, "udp 10.0.0.1:1 10.0.0.2:2", &res) || !res.allow ||
	    ring_buffer__consume(rb) != n_logs)
		cr_assert_fail("verdict %u reason %u", res.allow, res.reason);
	ring_buffer__free(rb);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
}

Test(policy_maps, a_list_coming_back_after_its_grace_period)
{
	struct tb_pol_compiled *c = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_policy_result r;
	uint32_t s1, s2;
	struct tb_pbpf p;
	int ok;

	if (!c || tb_pbpf_open(&p) || tb_pbpf_install(&p, c, "L", 40, 0, &s1))
		cr_assert_fail("setup");
	/*
	 * The only endpoint leaves; the list returns while unreferenced (found and reused),
	 * then after housekeeping collected it (installed again), then is replaced.
	 */
	ok = !tb_pol_maps_detach(p.maps, 40, 0);
	ok = ok && !tb_pbpf_install(&p, c, "L", 41, 0, &s2) && s2 == s1 &&
	     !decide(&p, 41, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r) && r.allow &&
	     tb_pol_maps_n_sets(p.maps) == 1;
	ok = ok && !tb_pol_maps_detach(p.maps, 41, 0) && tb_pol_maps_gc(p.maps, 1) == 1;
	ok = ok && !tb_pbpf_install(&p, c, "L", 42, 0, &s2) &&
	     !decide(&p, 42, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r) && r.allow &&
	     tb_pol_maps_n_sets(p.maps) == 1;
	ok = ok && !tb_pol_maps_detach(p.maps, 42, 0);
	ok = ok && !tb_pol_maps_replace(p.maps, "L", c) && tb_pol_maps_gc(p.maps, 1) >= 1 &&
	     tb_pol_maps_n_sets(p.maps) <= 1;
	if (!ok)
		cr_assert_fail("returning list: %u sets", tb_pol_maps_n_sets(p.maps));
	tb_pbpf_close(&p);
	tb_pol_compiled_free(c);
}

/* Slots with a header, i.e. sets a restarted agent would find. */
static int headers(struct tb_pbpf *p)
{
	int n = 0;

	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		struct tb_pol_hdr hdr;

		if (!bpf_map_lookup_elem(p->fds.hdr, &s, &hdr) && hdr.n_lines)
			n++;
	}
	return n;
}

/*
 * The lines all sets share are preallocated: when a new set finds no room, its install is
 * refused with -ENOSPC and leaves nothing behind (no set, no header, no trie entry), the
 * endpoints keep their tables, and once a dead set is collected its lines serve again.
 */
Test(policy_maps, no_room_in_the_lines_is_refused_cleanly)
{
	struct tb_pol_compiled *tcp = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_pol_compiled *udp = tb_spec_compile("profile k; rule allow proto=17");
	struct tb_policy_result r;
	uint32_t s1, s2, n1, lines;
	struct tb_pbpf p;
	int ok;

	if (!tcp || !udp)
		cr_assert_fail("setup");
	/* room for the first set and less than a second one */
	n1 = (uint32_t)(tcp->n_bits / TB_POL_LINE_WORDS);
	lines = n1 + (uint32_t)(udp->n_bits / TB_POL_LINE_WORDS) - 1;
	if (tb_pbpf_open_lines(&p, lines) || tb_pbpf_install(&p, tcp, "L", 5, 0, &s1))
		cr_assert_fail("setup");
	ok = tb_pol_maps_replace(p.maps, "L", udp) == -ENOSPC && tb_pol_maps_n_sets(p.maps) == 1;
	ok = ok && headers(&p) == 1;
	ok = ok && !decide(&p, 5, 0, "tcp 10.0.0.1:1 10.0.0.2:2", &r) && r.allow &&
	     !decide(&p, 5, 0, "udp 10.0.0.1:1 10.0.0.2:2", &r) && !r.allow;
	/* the endpoint leaves, its set is collected: the lines take the other policy */
	ok = ok && !tb_pol_maps_detach(p.maps, 5, 0) && tb_pol_maps_gc(p.maps, 1) == 1;
	ok = ok && !tb_pbpf_install(&p, udp, "M", 6, 0, &s2) &&
	     !decide(&p, 6, 0, "udp 10.0.0.1:1 10.0.0.2:2", &r) && r.allow;
	if (!ok)
		cr_assert_fail(
		    "%u lines: a refused install left something, or freed lines were not reused",
		    lines);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
	tb_pol_compiled_free(udp);
}
