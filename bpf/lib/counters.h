/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-CPU counters: drops by reason and datapath events (headers/tabby/counters.h). A per-CPU
 * array lookup is inlined by the verifier, so counting costs a few instructions.
 */
#ifndef TABBY_BPF_COUNTERS_H
#define TABBY_BPF_COUNTERS_H

#include "lib/consts.h"
#include "tabby/counters.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TB_DROP_SLOTS);
	__type(key, __u32);
	__type(value, struct tb_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_drops_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TB_STAT_SLOTS);
	__type(key, __u32);
	__type(value, struct tb_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_stats_v1 SEC(".maps");

static __always_inline void tb_count(void *map, __u32 idx, __u32 bytes)
{
	struct tb_counter *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void tb_stat(__u32 stat, __u32 bytes)
{
	tb_count(&tb_stats_v1, stat, bytes);
}

static __always_inline void tb_drop_count(__u32 reason, __u32 bytes)
{
	tb_count(&tb_drops_v1, reason, bytes);
}

#endif
