/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs a BPF program on one packet with BPF_PROG_TEST_RUN and returns what it did: the
 * verdict, the packet it left behind and, with repeat > 1, the mean ns per run.
 */
#ifndef TABBY_SELFTESTS_BPF_RUN_H
#define TABBY_SELFTESTS_BPF_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

struct tb_run_result {
	int retval;		/* the program's return value (TC_ACT_*, XDP_*) */
	uint32_t duration_ns;	/* mean per run as the kernel reports it */
	uint32_t out_len;
	uint8_t out[TB_PKT_MAX];
};

/* Runs prog_fd on `len` bytes of `data` `repeat` times (0 or 1: once). 0 or -errno. */
int tb_bpf_run(int prog_fd, const void *data, size_t len, uint32_t repeat,
	       struct tb_run_result *res);

/* Same with an skb context (struct __sk_buff: ifindex, gso_size, ...) passed in. */
int tb_bpf_run_ctx(int prog_fd, const void *data, size_t len, void *ctx, size_t ctx_len,
		   struct tb_run_result *res);

/* Same for a built packet. */
int tb_bpf_run_pkt(int prog_fd, const struct tb_pkt *pkt, uint32_t repeat,
		   struct tb_run_result *res);

/* Best (lowest) mean ns per run over `rounds` runs of `repeat` each. 0 or -errno. */
int tb_bpf_bench(int prog_fd, const struct tb_pkt *pkt, uint32_t repeat, int rounds,
		 uint32_t *best_ns);

/* Sums one per-CPU struct tb_counter slot of a map. 0 or -errno. */
int tb_percpu_counter(int map_fd, uint32_t idx, uint64_t *packets, uint64_t *bytes);

#endif
