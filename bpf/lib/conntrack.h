/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conntrack: one entry per (endpoint, flow) serving both directions (see
 * headers/tabby/conntrack.h for the key and the table's layout). A flow's later packets and
 * its replies pass without policy; TCP state is followed for the timeouts; an entry idle past
 * its state's timeout is treated as absent even before the userspace GC frees its way. The
 * table is a set-associative cache: a full set evicts the way that expires first, so a full
 * table never refuses a new flow.
 */
#ifndef TABBY_BPF_CONNTRACK_H
#define TABBY_BPF_CONNTRACK_H

#include "lib/consts.h"
#include "lib/config.h"
#include "lib/counters.h"
#include "lib/parse.h"
#include "tabby/conntrack.h"

/* max_entries is set by the loader: tb_ct_elems() of its sets. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct tb_ct_set);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tb_ct_v4 SEC(".maps");

/* Where a key lives: its set, the set's index word and deadlines (one line), tag, fingerprint. */
struct tb_ct_where {
	struct tb_ct_set *set;
	__u64 *fpw;
	struct tb_ct_dl *dl;
	__u16 tag;
	__u8 fp;
};

static __always_inline int tb_ct_locate(const struct tb_ct_key *k, struct tb_ct_where *w)
{
	__u32 idx = 0, s;
	struct tb_ct_set *hdr = bpf_map_lookup_elem(&tb_ct_v4, &idx), *meta;
	__u64 h;

	if (!hdr || hdr->meta.magic != TB_CT_MAGIC)
		return -1;
	h = tb_ct_hash(k, hdr->meta.seed);
	s = (__u32)h & hdr->meta.mask;
	idx = hdr->meta.base + s;
	w->set = bpf_map_lookup_elem(&tb_ct_v4, &idx);
	idx = 1 + s / TB_CT_META_PER_ELEM;
	meta = bpf_map_lookup_elem(&tb_ct_v4, &idx);
	if (!w->set || !meta)
		return -1;
	w->fpw = &meta->m[s & (TB_CT_META_PER_ELEM - 1)].fp;
	w->dl = &meta->m[s & (TB_CT_META_PER_ELEM - 1)].dl;
	w->tag = tb_ct_tag(h);
	w->fp = tb_ct_fp(h);
	return 0;
}

static __always_inline int tb_ct_key_eq(const struct tb_ct_key *a, const struct tb_ct_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 diff = 0;

#pragma unroll
	for (int i = 0; i < 11; i++)
		diff |= x[i] ^ y[i];
	return !diff;
}

/*
 * The way holding key k in a set, or -1. The set is read only on a fingerprint match.
 *
 * Its branches on which ways match multiply the verifier's states for whatever follows them,
 * so it is only inlined into global BPF functions (tb_ct_meet(), tb_ct_pick_way()), which
 * the verifier checks once, on their own; elsewhere it is called as tb_ct_find_way_fn().
 * Inlined everywhere, the program took 680k instructions (and in one configuration over the
 * 1M limit) and 1.5 s to verify; this way 330k and 0.6 s, for ~16 ns more on a conntrack hit.
 */
static __always_inline int tb_ct_find_way(struct tb_ct_set *set, __u64 *fpw,
					  const struct tb_ct_key *k, __u32 tag, __u32 fp)
{
	__u64 m;

	if (!set || !fpw || !k)
		return -1;
	m = tb_ct_fp_match(READ_ONCE(*fpw), (__u8)fp);
	if (!m)
		return -1;
#pragma unroll
	for (int i = 0; i < TB_CT_WAYS; i++) {
		if (!(m & (0x80ull << (8 * i))))
			continue;
		if (READ_ONCE(set->e[i].tag) != tag)
			continue;
		if (tb_ct_key_eq(&set->e[i].key, k))
			return i;
	}
	return -1;
}

/* tb_ct_find_way() as a global function, for callers outside the global functions. */
__noinline int tb_ct_find_way_fn(struct tb_ct_set *set, __u64 *fpw, const struct tb_ct_key *k,
				 __u32 tag, __u32 fp)
{
	return tb_ct_find_way(set, fpw, k, tag, fp);
}

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

static __always_inline int tb_ct_stale(__u8 proto, __u8 state, __u64 last_seen_ns, __u64 now)
{
	return now - last_seen_ns > tb_ct_timeout(&tb_cfg.ct, proto, state);
}

/* The deadline of an entry in `state` last seen at `seen` (headers/tabby/conntrack.h). */
static __always_inline __u16 tb_ct_deadline_of(__u8 proto, __u8 state, __u64 seen)
{
	return tb_ct_deadline(seen, tb_ct_timeout(&tb_cfg.ct, proto, state));
}

/* TCP state after a packet of an existing flow; `from_a` says which end sent it. */
static __always_inline void tb_ct_tcp_advance(struct tb_ct_entry *v, __u8 flags, int from_a,
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

/* A packet meeting a flow's entry: what tb_ct_meet() needs and gives back. */
struct tb_ct_meeting {
	__u64 now;
	__u32 tag;		/* the key's tag (16 bits) */
	__u32 rule_id;		/* out: the rule that admitted the flow */
	__u32 fp;
	__u8 proto;
	__u8 tcp_flags;
	__u8 fwd;
	__u8 stale;		/* out: the entry was past its timeout */
};

/*
 * The packet's flow in a set: on a hit, advances its state and gives the rule that admitted
 * it. Returns enum tb_ct_rc. A global function, verified once on its own: inlined, its
 * branches (state, direction, timeouts) multiplied the states of the rest of the program.
 */
__noinline int tb_ct_meet(struct tb_ct_set *set, __u64 *fpw, struct tb_ct_dl *dl,
			  const struct tb_ct_key *k, struct tb_ct_meeting *m)
{
	struct tb_ct_entry *e;
	__u8 state, flags;
	int way, reply, refresh;
	__u64 seen;

	if (!set || !fpw || !dl || !k || !m)
		return TB_CT_MISS;
	way = tb_ct_find_way(set, fpw, k, m->tag, m->fp);
	if (way < 0)
		return TB_CT_MISS;
	way &= TB_CT_WAYS - 1;
	e = &set->e[way];
	state = READ_ONCE(e->state);
	flags = READ_ONCE(e->flags);
	seen = READ_ONCE(e->last_seen_ns);
	m->rule_id = READ_ONCE(e->rule_id);
	/* Rewritten for another flow while we read it: not ours any more. */
	if (READ_ONCE(e->tag) != m->tag)
		return TB_CT_MISS;
	if (tb_ct_stale(m->proto, state, seen, m->now)) {
		m->stale = 1;
		return TB_CT_MISS_EXISTS;
	}
	/* A TCP SYN (without ACK) always meets policy, as in Calico: a reused 4-tuple is a new
	 * connection under the current policy. */
	if (m->proto == IPPROTO_TCP && (m->tcp_flags & (TB_TCP_SYN | TB_TCP_ACK)) == TB_TCP_SYN)
		return TB_CT_MISS_EXISTS;
	reply = !!(flags & TB_CT_F_OPENER_A) != !!m->fwd;
	if (m->proto == IPPROTO_TCP)
		tb_ct_tcp_advance(e, m->tcp_flags, m->fwd, reply);
	if (reply && !(flags & TB_CT_F_REPLY_SEEN))
		e->flags |= TB_CT_F_REPLY_SEEN;
	/* Refresh coarsely: a write per packet would bounce the line between CPUs. The
	 * deadline follows the refresh and any state change (its timeout may differ). */
	refresh = m->now - seen > TB_CT_REFRESH_NS;
	if (refresh) {
		e->last_seen_ns = m->now;
		seen = m->now;
	}
	if (refresh || READ_ONCE(e->state) != state)
		WRITE_ONCE(dl->way[way], tb_ct_deadline_of(m->proto, READ_ONCE(e->state), seen));
	return reply ? TB_CT_REPLY : TB_CT_HIT;
}

/*
 * Looks the packet's flow up and, on a hit, advances its state and gives the rule that
 * admitted the flow (for its counters); see tb_ct_meet().
 */
static __always_inline int tb_ct_lookup(const struct tb_ct_key *k, int fwd,
					const struct tb_parsed *p, __u64 now, __u32 bytes,
					__u32 *rule_id)
{
	struct tb_ct_meeting m = { .now = now, .proto = p->flow.proto,
				   .tcp_flags = p->tcp_flags, .fwd = !!fwd };
	struct tb_ct_where w;
	int rc;

	if (tb_ct_locate(k, &w))
		return TB_CT_MISS;
	m.tag = w.tag;
	m.fp = w.fp;
	rc = tb_ct_meet(w.set, w.fpw, w.dl, k, &m);
	if (m.stale)
		tb_stat(TB_STAT_CT_STALE, bytes);
	if (rc == TB_CT_HIT || rc == TB_CT_REPLY)
		*rule_id = m.rule_id;
	return rc;
}

/* Lookup without side effects, for ICMP errors that quote a flow. */
static __always_inline int tb_ct_known(const struct tb_ct_key *k, __u64 now)
{
	struct tb_ct_where w;
	struct tb_ct_entry *e;
	int way;

	if (tb_ct_locate(k, &w))
		return 0;
	way = tb_ct_find_way_fn(w.set, w.fpw, k, w.tag, w.fp);
	if (way < 0)
		return 0;
	e = &w.set->e[way & (TB_CT_WAYS - 1)];
	return !tb_ct_stale(k->proto, READ_ONCE(e->state), READ_ONCE(e->last_seen_ns), now);
}

/* Index of the lowest byte flagged in a tb_ct_fp_match() result (m != 0). */
static __always_inline int tb_ct_first_byte(__u64 m)
{
	int i = 0;

	if (!(m & 0x80808080ull)) {
		i += 4;
		m >>= 32;
	}
	if (!(m & 0x8080ull)) {
		i += 2;
		m >>= 16;
	}
	if (!(m & 0x80ull))
		i += 1;
	return i;
}

/*
 * The way a new flow takes: its own entry when the lookup found one (stale, or a SYN's
 * reused tuple), else an empty way (known from the index alone), else the way that expires
 * first (known from the deadlines alone: the set itself is not read). `packed` holds the
 * key's tag (bits 32-47), the deadline clock now (bits 16-31, tb_ct_dl_now()),
 * TB_CT_PICK_EXISTS when the lookup found the flow's entry, and the fingerprint (low 8).
 * Returns the way, with TB_CT_PICK_VICTIM set when that evicts another flow's live entry,
 * or -1. A global function for the verifier's sake, as tb_ct_meet().
 */
#define TB_CT_PICK_VICTIM 0x100
#define TB_CT_PICK_EXISTS 0x100ull

static __always_inline __u64 tb_ct_pick_args(__u16 tag, __u64 now, int exists, __u8 fp)
{
	return (__u64)tag << 32 | (__u64)tb_ct_dl_now(now) << 16 |
	       (exists ? TB_CT_PICK_EXISTS : 0) | fp;
}

__noinline int tb_ct_pick_way(struct tb_ct_set *set, __u64 *fpw, struct tb_ct_dl *dl,
			      const struct tb_ct_key *k, __u64 packed)
{
	__u16 now_dl = (__u16)(packed >> 16);
	int way, left, pick = -1, soonest = 0;
	__u64 m, word;

	if (!set || !fpw || !dl || !k)
		return -1;
	/* A miss was just established by the lookup: no need to search the set again. */
	if (packed & TB_CT_PICK_EXISTS) {
		way = tb_ct_find_way(set, fpw, k, (__u16)(packed >> 32), (__u8)packed);
		if (way >= 0)
			return way;
	}
	word = READ_ONCE(*fpw);
	m = tb_ct_fp_match(word, TB_CT_FP_EMPTY);
	if (m)
		return tb_ct_first_byte(m);
#pragma unroll
	for (int i = 0; i < TB_CT_WAYS; i++) {
		if (((word >> (8 * i)) & 0xff) == TB_CT_FP_BUSY)
			continue;
		left = tb_ct_dl_left(READ_ONCE(dl->way[i]), now_dl);
		if (pick < 0 || left < soonest) {
			pick = i;
			soonest = left;
		}
	}
	if (pick < 0)
		return -1;
	return soonest > 0 ? pick | TB_CT_PICK_VICTIM : pick;
}

/*
 * Writes a new flow's entry into a way the caller claimed in the index, and the way's
 * deadline; the tag last. `packed` holds the admitting rule (bits 32-63), the key's tag
 * (16-31), whether the packet went from end a to end b (bit 8) and the way (low 3 bits).
 * A global function with scalar arguments, verified once: inlined, or given its arguments
 * in a stack struct, it took the programs from 330k to 540-630k verifier instructions.
 */
#define TB_CT_FILL_FWD 0x100ull

static __always_inline __u64 tb_ct_fill_args(__u32 rule_id, __u16 tag, int fwd, int way)
{
	return (__u64)rule_id << 32 | (__u64)tag << 16 | (fwd ? TB_CT_FILL_FWD : 0) | (__u64)way;
}

__noinline int tb_ct_fill(struct tb_ct_entry *e, struct tb_ct_dl *dl, const struct tb_ct_key *k,
			  __u64 packed, __u64 now)
{
	__u8 state;

	if (!e || !dl || !k)
		return -1;
	state = k->proto == IPPROTO_TCP ? TB_CT_SYN_SENT : TB_CT_OPEN;
	WRITE_ONCE(e->tag, TB_CT_TAG_BUSY);
	__builtin_memcpy(&e->key, k, sizeof(*k));
	e->state = state;
	e->flags = packed & TB_CT_FILL_FWD ? TB_CT_F_OPENER_A : 0;
	e->rule_id = (__u32)(packed >> 32);
	e->created = tb_ct_coarse(now);
	e->last_seen_ns = now;
	WRITE_ONCE(dl->way[packed & (TB_CT_WAYS - 1)], tb_ct_deadline_of(k->proto, state, now));
	/*
	 * Publish the tag; the caller then stores the fingerprint. Stores are not reordered with
	 * each other on x86; where they may be, a reader that sees the tag early reads a key
	 * that is not yet its flow's and takes the way for no match (a new flow meets policy
	 * again).
	 */
	WRITE_ONCE(e->tag, (__u16)(packed >> 16));
	return 0;
}

/*
 * Records a flow policy allowed. A failed write (another CPU took the way first) is counted;
 * the packet still passes and the flow's next packet tries again. Writes over the flow's own
 * stale entry count as replaced, over another live flow's as evicted.
 */
static __always_inline void tb_ct_create(const struct tb_ct_key *k, int fwd, __u32 rule_id,
					 __u64 now, __u32 bytes, int exists)
{
	struct tb_ct_where w;
	__u64 word, claimed;
	int way, victim;

	if (tb_ct_locate(k, &w)) {
		tb_stat(TB_STAT_CT_CREATE_FAIL, bytes);
		return;
	}
	word = READ_ONCE(*w.fpw);
	way = tb_ct_pick_way(w.set, w.fpw, w.dl, k, tb_ct_pick_args(w.tag, now, exists, w.fp));
	if (way < 0) {
		tb_stat(TB_STAT_CT_CREATE_FAIL, bytes);
		return;
	}
	victim = way & TB_CT_PICK_VICTIM;
	way &= TB_CT_WAYS - 1;
	/* Claim the way in the (cache-resident) index: the set itself is only written. */
	claimed = word | (0xffull << (8 * way));
	if (((word >> (8 * way)) & 0xff) == TB_CT_FP_BUSY ||
	    __sync_val_compare_and_swap(w.fpw, word, claimed) != word) {
		tb_stat(TB_STAT_CT_CREATE_FAIL, bytes);
		return;
	}
	tb_ct_fill(&w.set->e[way], w.dl, k, tb_ct_fill_args(rule_id, w.tag, fwd, way), now);
	WRITE_ONCE(((__u8 *)w.fpw)[way], w.fp);
	if (victim)
		tb_stat(TB_STAT_CT_EVICTED, bytes);
	tb_stat(TB_STAT_CT_CREATED, bytes);
	if (exists)
		tb_stat(TB_STAT_CT_REPLACED, bytes);
}

#endif
