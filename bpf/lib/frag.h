/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fragments: the first fragment is judged with its ports like any packet and its verdict is
 * remembered; later fragments carry no ports and take that verdict. A later fragment whose
 * first fragment was never seen (or was seen too long ago) is dropped: reassembly is not
 * attempted, so reordered fragments that overtake the first are lost.
 */
#ifndef TABBY_BPF_FRAG_H
#define TABBY_BPF_FRAG_H

#include "lib/consts.h"
#include "lib/counters.h"
#include "lib/parse.h"
#include "tabby/frag.h"

/* As the kernel's ipfrag_time: after this a fragment id may belong to another packet. */
#define TB_FRAG_TIMEOUT_NS (30 * 1000000000ull)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TB_FRAG_DEFAULT_ENTRIES);
	__type(key, struct tb_frag_key);
	__type(value, struct tb_frag_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_frag_v1 SEC(".maps");

static __always_inline void tb_frag_key_fill(struct tb_frag_key *k, const struct tb_parsed *p,
					     __u32 ifindex)
{
	__builtin_memcpy(k->saddr, p->flow.saddr, 16);
	__builtin_memcpy(k->daddr, p->flow.daddr, 16);
	k->id = p->frag_id;
	k->ifindex = ifindex;
	k->family = p->flow.family;
	k->proto = p->frag_proto;
	k->pad[0] = 0;
	k->pad[1] = 0;
}

/* A non-first fragment: 0 to pass, or the first fragment's drop reason. */
static __always_inline int tb_frag_later(const struct tb_parsed *p, __u32 ifindex, __u64 now)
{
	struct tb_frag_value *v;
	struct tb_frag_key k;

	tb_frag_key_fill(&k, p, ifindex);
	v = bpf_map_lookup_elem(&tb_frag_v1, &k);
	if (!v || now - v->seen_ns > TB_FRAG_TIMEOUT_NS)
		return -TB_DROP_FRAG_UNKNOWN;
	return v->verdict ? -(int)v->verdict : 0;
}

/* Remembers the first fragment's verdict (rc: 0 or a negative drop reason). */
static __always_inline void tb_frag_record(const struct tb_parsed *p, __u32 ifindex, int rc,
					   __u64 now, __u32 bytes)
{
	struct tb_frag_value v = { .seen_ns = now, .verdict = rc < 0 ? -rc : 0 };
	struct tb_frag_key k;

	tb_frag_key_fill(&k, p, ifindex);
	if (!bpf_map_update_elem(&tb_frag_v1, &k, &v, BPF_ANY))
		tb_stat(TB_STAT_FRAG_RECORDED, bytes);
}

#endif
