/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The classifier in BPF for tests and benchmarks: the test-only program of
 * selftests/progs/policy_test.bpf.c (tb_policy_decide on an exact flow), unpinned maps, and a
 * tb_pol_maps writer on them.
 */
#ifndef TABBY_SELFTESTS_POLICY_BPF_H
#define TABBY_SELFTESTS_POLICY_BPF_H

#include <stdint.h>

#include "tabby/flow.h"
#include "tabby/policy.h"
#include "policy_maps.h"

struct policy_test;

struct tb_pbpf {
	struct policy_test *skel;
	struct tb_pol_maps *maps;
	struct tb_pol_map_fds fds;
	int prog_fd;
	int log_fd; /* ring buffer of Log records */
};

/* Loads the program (maps unpinned, private to this test). 0 or -errno. */
int tb_pbpf_open(struct tb_pbpf *p);
/* The same with a lines array of `lines` lines (0: the program's default). */
int tb_pbpf_open_lines(struct tb_pbpf *p, uint32_t lines);
void tb_pbpf_close(struct tb_pbpf *p);

/* Runs one verdict; repeat > 1 measures (*ns: mean per run). 0 or -errno. */
int tb_pbpf_decide(struct tb_pbpf *p, uint32_t ifindex, uint32_t dir, const struct tb_flow *f,
		   uint32_t repeat, struct tb_policy_result *res, uint32_t *ns);

/* Compiles, installs under list_key and attaches the endpoint. 0 or -errno. */
int tb_pbpf_install(struct tb_pbpf *p, const struct tb_pol_compiled *c, const char *list_key,
		    uint32_t ifindex, uint32_t dir, uint32_t *slot);

/* Sum over CPUs of one rule counter. */
int tb_pbpf_counter(struct tb_pbpf *p, uint32_t rule_id, uint64_t *packets, uint64_t *bytes);

#endif
