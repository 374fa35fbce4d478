/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The classifier's maps. A table set lives in one slot of two arrays of maps (its LPM trie;
 * its lines: rules, bitmap words, class records and hash) plus its header; an endpoint points
 * at a slot. Userspace fills a
 * free slot completely, then flips the endpoint's entry: one map update, so a packet reads
 * either the old slot or the new one, and the kernel keeps a replaced inner map alive until
 * the programs using it are done.
 */
#ifndef TABBY_BPF_CLASSIFIER_MAPS_H
#define TABBY_BPF_CLASSIFIER_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tabby/flow.h"
#include "tabby/policy.h"

#ifndef BPF_F_NO_PREALLOC
#define BPF_F_NO_PREALLOC (1U << 0)
#endif
#ifndef BPF_F_INNER_MAP
#define BPF_F_INNER_MAP (1U << 12)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TB_POL_MAX_ENDPOINTS);
	__type(key, struct tb_pol_ep_key);
	__type(value, struct tb_pol_ep);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_pol_ep_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TB_POL_MAX_SETS);
	__type(key, __u32);
	__type(value, struct tb_pol_hdr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_pol_hdr_v2 SEC(".maps");

/*
 * Inner map templates. Sizes are given as key_size/value_size: clang 14 may emit a struct
 * used only here as a forward declaration, which libbpf cannot size. Arrays carry
 * BPF_F_INNER_MAP so that each table set's arrays can have their own length.
 */
struct tb_pol_keys_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct tb_pol_key));
	__uint(value_size, sizeof(__u32)); /* the class record's first word */
};

struct tb_pol_bits_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct tb_pol_line));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TB_POL_MAX_SETS);
	__uint(key_size, sizeof(__u32));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct tb_pol_keys_inner);
} tb_pol_keys_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, TB_POL_MAX_SETS);
	__uint(key_size, sizeof(__u32));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct tb_pol_bits_inner);
} tb_pol_bits_v2 SEC(".maps");

/* Per-rule counters by global rule id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TB_POL_MAX_RULE_IDS);
	__type(key, __u32);
	__type(value, struct tb_pol_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_pol_cnt_v1 SEC(".maps");

/* Log rule matches. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_pol_log_v1 SEC(".maps");

/*
 * Per-CPU state of one verdict: what the bpf_loop callback needs, kept here rather than on
 * the stack (the callback cannot carry map pointers, and the stack is small).
 */
struct tb_pol_scratch {
	__u64 sum[TB_POL_SUM_WORDS];
	__u64 dsum[TB_PF_MAX][TB_POL_SUM_WORDS];
	__u32 base[TB_PF_MAX][TB_POL_SUM_WORDS];
	struct tb_pol_key key; /* an LPM field's key */
	struct tb_flow flow;
	__u32 slot, nwords, nbits, mask;
	__u32 from, done, allow, reason, rule_id, ifindex, dir;
	__u32 opaque; /* a word index passed through memory: see tb_cls_wordp() */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tb_pol_scratch);
} tb_pol_scr_v1 SEC(".maps");

#endif
