/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The classifier's maps. A table set is a header (by slot), a range of lines in one array all
 * sets share, and its LPM fields' entries in one trie (keys prefixed by the slot); an
 * endpoint points at a slot. Userspace writes a set completely, header last, into a free slot
 * and free lines, then flips the endpoint's entry: one map update, so a packet reads either
 * the old set or the new one. A set's lines and slot are reused only after a grace period.
 * Every table is a plain map, so the verifier inlines the lookups: no calls on this path,
 * which cost ~6.5 ns each on these machines (docs/perf.md).
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
} tb_pol_hdr_v3 SEC(".maps");

/* The lines of every set; the loader sizes it (TB_POL_DEFAULT_LINES unless told). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TB_POL_DEFAULT_LINES);
	__type(key, __u32);
	__type(value, struct tb_pol_line);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_pol_lines_v3 SEC(".maps");

/* Every set's LPM fields: slot + field key -> the class record's word in the set. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TB_POL_MAX_LPM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tb_pol_lkey);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_pol_lpm_v3 SEC(".maps");

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
	struct tb_pol_key key;	 /* an LPM field's key, as the compiler writes it */
	struct tb_pol_lkey lkey; /* ... and as the shared trie is keyed */
	struct tb_flow flow;
	__u32 slot, line_base, n_lines, nwords, nbits, mask;
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
