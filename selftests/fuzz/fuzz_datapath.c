// SPDX-License-Identifier: Apache-2.0
/*
 * Random frames through the workload programs (BPF_PROG_TEST_RUN): whatever the bytes, the
 * verdict is pass or drop, and exactly one of the two is counted. Conntrack and fragment
 * state build up across inputs, so later inputs meet hits, replies and fragment records.
 * Input: one byte choosing the program (bit 0), then the frame.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_loader.h"
#include "tabby/counters.h"

static struct tb_dp *dp;
static int stats_fd;

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tb_dp_config cfg = { .ct = TB_CT_DEFAULT_TIMEOUTS, .flags = TB_CFG_F_TEST_POLICY };
	struct tb_dp_opts opts = { .ct_entries = 4096, .frag_entries = 256, .cfg = &cfg };

	libbpf_set_print(silent);
	if (tb_dp_load(&opts, &dp)) {
		fprintf(stderr, "fuzz_datapath: cannot load the datapath\n");
		abort();
	}
	stats_fd = tb_dp_map_fd(dp, TB_STATS_MAP_NAME);
	return 0;
}

static uint64_t counted(void)
{
	struct tb_counter v[256];
	uint64_t sum = 0;
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0 || ncpu > 256)
		abort();
	for (uint32_t idx = TB_STAT_PASS; idx <= TB_STAT_DROP; idx++) {
		if (bpf_map_lookup_elem(stats_fd, &idx, v))
			abort();
		for (int i = 0; i < ncpu; i++)
			sum += v[i].packets;
	}
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_out = out, .data_size_out = sizeof(out));
	uint64_t before, after;
	int err;

	/* The kernel refuses frames shorter than Ethernet + an IP header before the program. */
	if (size < 2 || size > 2048)
		return 0;
	opts.data_in = data + 1;
	opts.data_size_in = size - 1;
	before = counted();
	err = bpf_prog_test_run_opts(tb_dp_prog_fd(dp, data[0] & 1 ? TB_HOOK_EGRESS :
								  TB_HOOK_INGRESS), &opts);
	if (err)
		return 0;
	after = counted();
	if (opts.retval != 0 && opts.retval != 2) {
		fprintf(stderr, "verdict %u\n", opts.retval);
		abort();
	}
	if (after - before != 1) {
		fprintf(stderr, "%lu packets counted\n", (unsigned long)(after - before));
		abort();
	}
	return 0;
}
