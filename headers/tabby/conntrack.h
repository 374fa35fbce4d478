/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conntrack entries, shared by BPF and userspace (GC, dumps, `policy trace`).
 *
 * One entry per flow and endpoint serves both directions: the key holds the two ends in a
 * canonical order (the lower (address, port) first), so a packet and its reply build the
 * same key. The endpoint's ifindex is part of the key because each endpoint's policy is its
 * own: a flow between two local workloads has one entry per endpoint, each created when that
 * endpoint's policy allowed it.
 */
#ifndef TABBY_CONNTRACK_H
#define TABBY_CONNTRACK_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#include <netinet/in.h>
#endif

#include "tabby/config.h"

#define TB_CT_MAP_NAME "tb_ct_v4"
#define TB_CT_DEFAULT_ENTRIES 262144

struct tb_ct_key {
	__u32 addr_a[4];	/* network order; IPv4 in [0] */
	__u32 addr_b[4];
	__u32 ifindex;		/* the endpoint whose policy admitted the flow */
	__u16 port_a;		/* host order; ICMP: the echo identifier on both sides */
	__u16 port_b;
	__u8 family;		/* TB_AF_INET / TB_AF_INET6 */
	__u8 proto;
	__u8 pad[2];
};

enum tb_ct_state {
	TB_CT_NONE = 0,
	TB_CT_OPEN = 1,		/* non-TCP flow */
	TB_CT_SYN_SENT = 2,
	TB_CT_SYN_RECV = 3,	/* SYN-ACK seen */
	TB_CT_ESTABLISHED = 4,
	TB_CT_FIN_WAIT = 5,	/* FIN seen in one direction */
	TB_CT_FINS_SEEN = 6,	/* FIN seen in both directions */
	TB_CT_RESET = 7,	/* RST seen */
};

/* tb_ct_value.flags */
#define TB_CT_F_OPENER_A (1u << 0)	/* the first packet went from a to b */
#define TB_CT_F_FIN_A (1u << 1)		/* a sent FIN */
#define TB_CT_F_FIN_B (1u << 2)
#define TB_CT_F_REPLY_SEEN (1u << 3)

/* A flow's state, as userspace reads and writes it (an entry holds it in its own layout). */
struct tb_ct_value {
	__u64 created_ns;	/* CLOCK_MONOTONIC, to TB_CT_COARSE_SHIFT */
	__u64 last_seen_ns;	/* refreshed at most once per TB_CT_REFRESH_NS */
	__u32 rule_id;		/* rule that admitted the flow (TB_RULE_NONE if none) */
	__u8 state;		/* enum tb_ct_state */
	__u8 flags;		/* TB_CT_F_* */
	__u8 pad[2];
};

#define TB_CT_REFRESH_NS (TB_NSEC_PER_SEC / 10)

/*
 * The table: a set-associative cache of flows in one array map (BPF_F_MMAPABLE, so that
 * userspace walks and expires it through memory, without a syscall per entry). A flow's key
 * hashes to one set of TB_CT_WAYS ways; each way is one cache line holding the whole entry,
 * its tag included, so a new flow writes one line of the set and never reads it.
 *
 * In front of the sets sits a dense array of per-set metadata, 32 bytes per set (1 MiB for the
 * default table), far smaller than the sets (16 MiB), where every line of a set costs a DRAM
 * access (~130-150 ns on the machines measured, docs/perf.md). A set's metadata is one
 * 32-byte record, so that a lookup and a new flow read one line of it:
 * - The index word: a byte per way holding a 7-bit fingerprint of the way's key
 *   (TB_CT_FP_EMPTY, TB_CT_FP_BUSY, or 1..128). A flow the table does not hold is known from
 *   the index alone in all but ~6% of lookups, and a new flow finds an empty way there. Its
 *   bytes also say who owns a way: a writer claims a way by compare-and-swap of the set's
 *   index word (its byte to TB_CT_FP_BUSY), writes the entry (tag BUSY, fields, tag), its
 *   deadline, then stores the fingerprint.
 * - The deadlines: per way, when its entry expires if no packet refreshes it, in
 *   TB_CT_DL_SHIFT units (~1.07 s) modulo 2^16. A full set evicts the way that expires first
 *   (an expired one if there is any), and counts an eviction only when that way had not
 *   expired, without reading the set.
 * (Until session 4 these were two arrays; a full set's new flow then read two random lines of
 * them, and the deadlines' line was 7% of the programs' samples on the UDP flood.)
 *
 * Elements: 0 is the header (struct tb_ct_meta, and the timeouts the deadlines were computed
 * with); 1..nmeta the sets' metadata (TB_CT_META_PER_ELEM sets each); base..base+nsets-1 the
 * sets.
 *
 * Readers take no locks: a reader whose fingerprint and tag match compares the whole key,
 * copies what it needs and checks that the tag did not change meanwhile; if it did, the way
 * does not count as a match (the packet meets policy as a new flow). Updates of a live entry
 * by its own packets (state, flags, stamps) are plain stores, as they were in a kernel hash
 * map's value.
 */
#define TB_CT_WAYS 8
#define TB_CT_TAG_EMPTY 0u
#define TB_CT_TAG_BUSY 1u
#define TB_CT_FP_EMPTY 0x00
#define TB_CT_FP_BUSY 0xff
#define TB_CT_META_PER_ELEM 16
#define TB_CT_MAGIC 0x74626334u /* "tbc4" */
/* Coarse stamps: CLOCK_MONOTONIC ns >> 20 (~1.05 ms units), wrapping after ~52 days. */
#define TB_CT_COARSE_SHIFT 20
/* Deadlines: ns >> 30 (~1.07 s units), 16 bits; told apart up to ~9.7 h either way. */
#define TB_CT_DL_SHIFT 30
#define TB_CT_DL_MAX_UNITS 0x7000u

struct tb_ct_entry {
	struct tb_ct_key key;
	__u16 tag;		/* TB_CT_TAG_EMPTY, _BUSY, or the key's tag */
	__u8 state;
	__u8 flags;		/* TB_CT_F_* */
	__u32 rule_id;
	__u32 created;		/* coarse */
	__u64 last_seen_ns;
};

/* A set's deadlines (a struct, so that BPF global functions take all of it by pointer). */
struct tb_ct_dl {
	__u16 way[TB_CT_WAYS];
};

/* A set's metadata: its index word and its deadlines, in one line with its neighbour's. */
struct tb_ct_setmeta {
	__u64 fp;
	struct tb_ct_dl dl;
	__u64 pad;
};

struct tb_ct_meta {
	__u32 magic;		/* TB_CT_MAGIC once the loader has set the table up */
	__u32 seed;		/* hash seed, chosen when the table was created */
	__u32 mask;		/* nsets - 1 (nsets is a power of two) */
	__u32 base;		/* element of set 0: 1 + metadata elements */
	__u32 pad[12];
};

struct tb_ct_set {
	union {
		struct tb_ct_entry e[TB_CT_WAYS];
		struct {
			struct tb_ct_meta meta;		/* element 0 only */
			struct tb_ct_timeouts timeouts;	/* of the last load: userspace writes */
		};
		struct tb_ct_setmeta m[TB_CT_META_PER_ELEM]; /* metadata elements */
	};
};

_Static_assert(sizeof(struct tb_ct_key) == 44, "tb_ct_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_ct_value) == 24, "tb_ct_value layout is shared with BPF");
_Static_assert(sizeof(struct tb_ct_entry) == 64, "a conntrack entry is one cache line");
_Static_assert(sizeof(struct tb_ct_meta) == 64, "tb_ct_meta is one line");
_Static_assert(sizeof(struct tb_ct_setmeta) == 32, "two sets' metadata per line");
_Static_assert(sizeof(struct tb_ct_set) == 64 * TB_CT_WAYS, "tb_ct_set is whole lines");

/* Metadata elements in front of `nsets` sets. */
static inline __u32 tb_ct_nmeta(__u32 nsets)
{
	return (nsets + TB_CT_META_PER_ELEM - 1) / TB_CT_META_PER_ELEM;
}

/* Array elements of a table of `nsets` sets: header, index, deadlines, sets. */
static inline __u32 tb_ct_elems(__u32 nsets)
{
	return 1 + tb_ct_nmeta(nsets) + nsets;
}

/* Sets for a table of `entries` flows: a power of two, at least one. */
static inline __u32 tb_ct_nsets(__u32 entries)
{
	__u32 n = 1;

	while (n < 0x40000000u && n * TB_CT_WAYS < entries)
		n <<= 1;
	return n;
}

/*
 * The key's 64-bit hash: the low bits pick the set, the high 32 the tag. Multiply-xor over
 * the key's eleven words, seeded per table so that flows cannot be chosen to collide.
 */
static inline __u64 tb_ct_hash(const struct tb_ct_key *k, __u32 seed)
{
	const __u32 *w = (const __u32 *)k;
	__u64 h = seed;
	int i;

	for (i = 0; i < 10; i += 2) {
		h ^= (__u64)w[i] << 32 | w[i + 1];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	h ^= w[10];
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return h;
}

static inline __u16 tb_ct_tag(__u64 h)
{
	/* never TB_CT_TAG_EMPTY or _BUSY */
	return (__u16)(h >> 48) | 2u;
}

/* The index byte of a key: 1..128, never TB_CT_FP_EMPTY or _BUSY. */
static inline __u8 tb_ct_fp(__u64 h)
{
	return (__u8)(((h >> 40) & 0x7f) + 1);
}

/*
 * Bit 8i+7 set where byte i of `word` equals `fp`, and possibly above such a byte (a borrow):
 * the lowest bit set is always a real match; the others are checked against the tags.
 */
static inline __u64 tb_ct_fp_match(__u64 word, __u8 fp)
{
	__u64 x = word ^ (0x0101010101010101ull * fp);

	return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

static inline __u32 tb_ct_coarse(__u64 ns)
{
	return (__u32)(ns >> TB_CT_COARSE_SHIFT);
}

/* The idle timeout that applies to an entry in its current state. */
static inline __u64 tb_ct_timeout(const volatile struct tb_ct_timeouts *t, __u8 proto, __u8 state)
{
	switch (proto) {
	case 6:	/* TCP */
		switch (state) {
		case TB_CT_SYN_SENT:
		case TB_CT_SYN_RECV:
			return t->tcp_syn_sent;
		case TB_CT_FINS_SEEN:
			return t->tcp_fins_seen;
		case TB_CT_RESET:
			return t->tcp_reset_seen;
		default:
			return t->tcp_established;
		}
	case 17:	/* UDP */
	case 136:	/* UDPLite */
		return t->udp;
	case 1:		/* ICMP */
	case 58:	/* ICMPv6 */
		return t->icmp;
	default:
		return t->generic;
	}
}

static inline __u16 tb_ct_dl_now(__u64 now_ns)
{
	return (__u16)(now_ns >> TB_CT_DL_SHIFT);
}

/*
 * The deadline of an entry last seen at `last_seen_ns` with idle timeout `timeout`: rounded
 * up by a unit and more, so that a live entry never reads as expired; an expired one reads
 * as live for at most ~3 s. Timeouts past TB_CT_DL_MAX_UNITS (~8 h) are cut to it.
 */
static inline __u16 tb_ct_deadline(__u64 last_seen_ns, __u64 timeout)
{
	__u64 units = timeout >> TB_CT_DL_SHIFT;

	if (units > TB_CT_DL_MAX_UNITS)
		units = TB_CT_DL_MAX_UNITS;
	return (__u16)((last_seen_ns >> TB_CT_DL_SHIFT) + units + 2);
}

/* Units left before deadline `dl` at `now` (tb_ct_dl_now()): <= 0 once expired. */
static inline int tb_ct_dl_left(__u16 dl, __u16 now)
{
	return (__s16)(__u16)(dl - now);
}

#endif
