/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A loaded workload datapath for BPF tests: the two programs, their maps, the test-only deny
 * map switched on, and counter snapshots so a test can assert what one packet changed.
 */
#ifndef TABBY_SELFTESTS_DP_FIXTURE_H
#define TABBY_SELFTESTS_DP_FIXTURE_H

#include <stdint.h>

#include "bpf_loader.h"
#include "conntrack_table.h"
#include "pkt.h"
#include "policy_maps.h"
#include "tabby/conntrack.h"
#include "tabby/counters.h"

struct tb_fixture {
	struct tb_dp *dp;
	int prog[2];		/* by enum tb_dp_hook */
	int ct_fd, frag_fd, drops_fd, stats_fd, tdeny_fd;
	struct tb_ct_table ct;	/* the conntrack table, mapped */
};

/* What a packet is expected to do: verdict plus the one counter it must bump. */
struct tb_expect {
	int verdict;		/* TC_ACT_OK (0) or TC_ACT_SHOT (2) */
	uint32_t counter;	/* enum tb_drop_reason when dropped, enum tb_stat when passed */
};

#define TB_PASS(stat) ((struct tb_expect){ .verdict = 0, .counter = (stat) })
#define TB_DROP(reason) ((struct tb_expect){ .verdict = 2, .counter = (reason) })

/* Loads with small maps (ct_entries 0: 4096) and TB_CFG_F_TEST_POLICY. 0 or -errno. */
int tb_fixture_open(struct tb_fixture *f, uint32_t ct_entries);
/* The same with the given TB_CFG_F_* flags (0: the real classifier decides). */
int tb_fixture_open_flags(struct tb_fixture *f, uint32_t ct_entries, uint32_t flags);
void tb_fixture_close(struct tb_fixture *f);
/* The real classifier's maps in the fixture's workload object, for tests that install
 * compiled policy (fixtures opened without TB_CFG_F_TEST_POLICY). 0 or -ENOENT. */
int tb_fixture_pol_map_fds(const struct tb_fixture *f, struct tb_pol_map_fds *fds);
/* Empties conntrack, fragment and test-policy maps (counters are compared as deltas). */
int tb_fixture_reset(struct tb_fixture *f);

/* Test-only policy: deny new flows of (proto, dir, dport) with `reason`. */
int tb_fixture_deny(struct tb_fixture *f, uint8_t proto, uint8_t dir, uint16_t dport,
		    uint32_t reason);
int tb_fixture_undeny(struct tb_fixture *f, uint8_t proto, uint8_t dir, uint16_t dport);

/*
 * Builds `spec`, runs it through the program of `hook` and checks the verdict, that exactly
 * one packet was counted as passed or dropped, and that `exp.counter` grew by one packet of
 * the frame's length. Returns 0, or -1 with a message in `why` (for the test's report).
 */
int tb_fixture_check(struct tb_fixture *f, enum tb_dp_hook hook, const struct tb_pkt_spec *spec,
		     struct tb_expect exp, char *why, size_t why_len);

/* The conntrack entry of a packet's flow as seen by endpoint `ifindex`. 0 or -ENOENT. */
int tb_fixture_ct_get(struct tb_fixture *f, const struct tb_pkt_spec *spec, uint32_t ifindex,
		      struct tb_ct_key *key, struct tb_ct_value *val);

#endif
