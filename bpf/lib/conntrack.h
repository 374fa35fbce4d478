/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conntrack: one LRU hash entry per (endpoint, flow) serving both directions (see
 * headers/tabby/conntrack.h for the key). A flow's later packets and its replies pass without
 * policy; TCP state is followed for the timeouts; an entry idle past its state's timeout is
 * treated as absent even before the userspace GC deletes it. The map is an LRU, so a full
 * table evicts old flows instead of refusing new ones.
 */
#ifndef TABBY_BPF_CONNTRACK_H
#define TABBY_BPF_CONNTRACK_H

#include "lib/consts.h"
#include "lib/config.h"
#include "lib/counters.h"
#include "lib/parse.h"
#include "tabby/conntrack.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TB_CT_DEFAULT_ENTRIES);
	__type(key, struct tb_ct_key);
	__type(value, struct tb_ct_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_ct_v1 SEC(".maps");

enum tb_ct_rc {
	TB_CT_MISS = 0,
	TB_CT_HIT = 1,		/* packet in the opener's direction */
	TB_CT_REPLY = 2,	/* packet in the reply direction */
	TB_CT_MISS_EXISTS = 3,	/* treated as a miss, but an entry (stale, or a SYN's) is there */
};

/* Orders two (address, port) ends; any total order will do as long as it is fixed. */
static __always_inline int tb_end_before(const __u32 *x, __u16 xp, const __u32 *y, __u16 yp)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (x[i] != y[i])
			return x[i] < y[i];
	}
	return xp <= yp;
}

/*
 * Fills the canonical key for a packet from (saddr, sport) to (daddr, dport). Returns 1 when
 * the packet goes from end a to end b, 0 when from b to a.
 */
static __always_inline int tb_ct_key_fill(struct tb_ct_key *k, __u8 family, __u8 proto,
					  const __u32 *saddr, const __u32 *daddr, __u16 sport,
					  __u16 dport, __u32 ifindex)
{
	int fwd = tb_end_before(saddr, sport, daddr, dport);

	if (fwd) {
		__builtin_memcpy(k->addr_a, saddr, 16);
		__builtin_memcpy(k->addr_b, daddr, 16);
		k->port_a = sport;
		k->port_b = dport;
	} else {
		__builtin_memcpy(k->addr_a, daddr, 16);
		__builtin_memcpy(k->addr_b, saddr, 16);
		k->port_a = dport;
		k->port_b = sport;
	}
	k->ifindex = ifindex;
	k->family = family;
	k->proto = proto;
	k->pad[0] = 0;
	k->pad[1] = 0;
	return fwd;
}

/* ICMP flows use the echo identifier on both sides so a reply finds its request. */
static __always_inline int tb_ct_key_from_parsed(struct tb_ct_key *k, const struct tb_parsed *p,
						 __u32 ifindex)
{
	__u16 sp = p->flow.sport, dp = p->flow.dport;

	if (p->icmp_kind == TB_ICMP_REQUEST || p->icmp_kind == TB_ICMP_REPLY) {
		sp = p->icmp_id;
		dp = p->icmp_id;
	}
	return tb_ct_key_fill(k, p->flow.family, p->flow.proto, p->flow.saddr, p->flow.daddr, sp,
			      dp, ifindex);
}

static __always_inline int tb_ct_stale(const struct tb_ct_key *k, const struct tb_ct_value *v,
				       __u64 now)
{
	return now - v->last_seen_ns > tb_ct_timeout(&tb_cfg.ct, k->proto, v->state);
}

/* TCP state after a packet of an existing flow; `from_a` says which end sent it. */
static __always_inline void tb_ct_tcp_advance(struct tb_ct_value *v, __u8 flags, int from_a,
					      int reply)
{
	__u8 state = v->state, vflags = v->flags;

	if (flags & TB_TCP_RST) {
		state = TB_CT_RESET;
	} else if (flags & TB_TCP_FIN) {
		vflags |= from_a ? TB_CT_F_FIN_A : TB_CT_F_FIN_B;
		if ((vflags & (TB_CT_F_FIN_A | TB_CT_F_FIN_B)) == (TB_CT_F_FIN_A | TB_CT_F_FIN_B))
			state = TB_CT_FINS_SEEN;
		else if (state < TB_CT_FIN_WAIT)
			state = TB_CT_FIN_WAIT;
	} else if ((flags & (TB_TCP_SYN | TB_TCP_ACK)) == (TB_TCP_SYN | TB_TCP_ACK)) {
		if (reply && state == TB_CT_SYN_SENT)
			state = TB_CT_SYN_RECV;
	} else if ((flags & TB_TCP_ACK) && !reply && state == TB_CT_SYN_RECV) {
		state = TB_CT_ESTABLISHED;
	}
	if (state != v->state)
		v->state = state;
	if (vflags != v->flags)
		v->flags = vflags;
}

/*
 * Looks the packet's flow up and, on a hit, advances its state and gives the rule that
 * admitted the flow (for its counters). A TCP SYN (without ACK) is
 * always reported as a miss so that it meets policy, as in Calico: a reused 4-tuple is a new
 * connection under the current policy.
 */
static __always_inline int tb_ct_lookup(const struct tb_ct_key *k, int fwd,
					const struct tb_parsed *p, __u64 now, __u32 bytes,
					__u32 *rule_id)
{
	struct tb_ct_value *v = bpf_map_lookup_elem(&tb_ct_v1, k);
	int reply;

	if (!v)
		return TB_CT_MISS;
	if (tb_ct_stale(k, v, now)) {
		tb_stat(TB_STAT_CT_STALE, bytes);
		return TB_CT_MISS_EXISTS;
	}
	if (p->flow.proto == IPPROTO_TCP &&
	    (p->tcp_flags & (TB_TCP_SYN | TB_TCP_ACK)) == TB_TCP_SYN)
		return TB_CT_MISS_EXISTS;
	reply = !!(v->flags & TB_CT_F_OPENER_A) != fwd;
	if (p->flow.proto == IPPROTO_TCP)
		tb_ct_tcp_advance(v, p->tcp_flags, fwd, reply);
	if (reply && !(v->flags & TB_CT_F_REPLY_SEEN))
		v->flags |= TB_CT_F_REPLY_SEEN;
	/* Refresh coarsely: a write per packet would bounce the line between CPUs. */
	if (now - v->last_seen_ns > TB_CT_REFRESH_NS)
		v->last_seen_ns = now;
	*rule_id = v->rule_id;
	return reply ? TB_CT_REPLY : TB_CT_HIT;
}

/* Lookup without side effects, for ICMP errors that quote a flow. */
static __always_inline int tb_ct_known(const struct tb_ct_key *k, __u64 now)
{
	struct tb_ct_value *v = bpf_map_lookup_elem(&tb_ct_v1, k);

	return v && !tb_ct_stale(k, v, now);
}

/*
 * Records a flow policy allowed. A failed write is counted; the packet still passes. Writes
 * over an existing entry are counted apart, so that userspace can tell LRU evictions from
 * created - replaced - deleted - present (the kernel does not count evictions).
 */
static __always_inline void tb_ct_create(const struct tb_ct_key *k, int fwd, __u8 proto,
					 __u32 dir, __u32 rule_id, __u64 now, __u32 bytes,
					 int exists)
{
	struct tb_ct_value v = {
		.created_ns = now,
		.last_seen_ns = now,
		.rule_id = rule_id,
		.state = proto == IPPROTO_TCP ? TB_CT_SYN_SENT : TB_CT_OPEN,
		.flags = fwd ? TB_CT_F_OPENER_A : 0,
		.opener_dir = dir,
	};

	if (bpf_map_update_elem(&tb_ct_v1, k, &v, BPF_ANY)) {
		tb_stat(TB_STAT_CT_CREATE_FAIL, bytes);
		return;
	}
	tb_stat(TB_STAT_CT_CREATED, bytes);
	if (exists)
		tb_stat(TB_STAT_CT_REPLACED, bytes);
}

#endif
