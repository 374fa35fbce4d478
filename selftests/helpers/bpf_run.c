// SPDX-License-Identifier: Apache-2.0
/*
 * BPF_PROG_TEST_RUN wrapper for tests and benchmarks (see bpf_run.h).
 */
#include "bpf_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tabby/counters.h"

int tb_bpf_run(int prog_fd, const void *data, size_t len, uint32_t repeat,
	       struct tb_run_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
		    .data_out = res->out, .data_size_out = sizeof(res->out),
		    .repeat = repeat ? repeat : 1);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return err < 0 ? err : -EIO;
	res->retval = (int)opts.retval;
	res->duration_ns = opts.duration;
	res->out_len = opts.data_size_out;
	return 0;
}

int tb_bpf_run_ctx(int prog_fd, const void *data, size_t len, void *ctx, size_t ctx_len,
		   struct tb_run_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
		    .data_out = res->out, .data_size_out = sizeof(res->out), .ctx_in = ctx,
		    .ctx_size_in = ctx_len, .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return err < 0 ? err : -EIO;
	res->retval = (int)opts.retval;
	res->duration_ns = opts.duration;
	res->out_len = opts.data_size_out;
	return 0;
}

int tb_bpf_run_pkt(int prog_fd, const struct tb_pkt *pkt, uint32_t repeat,
		   struct tb_run_result *res)
{
	return tb_bpf_run(prog_fd, pkt->data, pkt->len, repeat, res);
}

int tb_bpf_bench(int prog_fd, const struct tb_pkt *pkt, uint32_t repeat, int rounds,
		 uint32_t *best_ns)
{
	struct tb_run_result *res = malloc(sizeof(*res));
	uint32_t best = UINT32_MAX;
	int err = 0;

	if (!res)
		return -ENOMEM;
	for (int i = 0; i < rounds; i++) {
		err = tb_bpf_run_pkt(prog_fd, pkt, repeat, res);
		if (err)
			goto out;
		if (res->duration_ns < best)
			best = res->duration_ns;
	}
	*best_ns = best;
out:
	free(res);
	return err;
}

int tb_percpu_counter(int map_fd, uint32_t idx, uint64_t *packets, uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	struct tb_counter *vals;
	int err;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map_lookup_elem(map_fd, &idx, vals);
	if (err) {
		err = -errno;
		goto out;
	}
	*packets = 0;
	*bytes = 0;
	for (int i = 0; i < ncpu; i++) {
		*packets += vals[i].packets;
		*bytes += vals[i].bytes;
	}
out:
	free(vals);
	return err;
}
