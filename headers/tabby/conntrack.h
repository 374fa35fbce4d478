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

#define TB_CT_MAP_NAME "tb_ct_v2"
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
	__u8 opener_dir;	/* enum tb_dir of the program that created the entry */
	__u8 pad;
};

#define TB_CT_REFRESH_NS (TB_NSEC_PER_SEC / 10)

/*
 * The table: a set-associative cache of flows in one array map (BPF_F_MMAPABLE, so that
 * userspace walks and expires it through memory, without a syscall per entry). A flow's key
 * hashes to one set of TB_CT_WAYS ways; the set's first cache line holds a tag and a coarse
 * last-seen stamp per way, and each way's entry is one cache line of its own.
 *
 * In front of the sets sits an index: one 64-bit word per set, a byte per way holding an
 * 7-bit fingerprint of the way's key (TB_CT_FP_EMPTY, TB_CT_FP_BUSY, or 1..128). The index is
 * 8 bytes per 8 flows (256 KiB for the default table), small enough to stay in the CPU's
 * caches and TLB where the sets (18 MiB) are not; a flow the table does not hold is known
 * from the index alone in all but ~6% of lookups, and a new flow takes an empty way without
 * reading the set. Its bytes also say who owns a way: a writer claims a way by
 * compare-and-swap of the set's index word (its byte to TB_CT_FP_BUSY), writes the entry, the
 * stamp and the tag, then stores the fingerprint.
 *
 * Elements: 0 is the header (struct tb_ct_meta); 1..nidx the index (TB_CT_FP_PER_ELEM words
 * each); base..base+nsets-1 the sets.
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
#define TB_CT_FP_PER_ELEM 64
#define TB_CT_MAGIC 0x74626375u /* "tbcu" */
/* Coarse stamps: CLOCK_MONOTONIC ns >> 20 (~1.05 ms units), wrapping after ~52 days. */
#define TB_CT_COARSE_SHIFT 20

struct tb_ct_entry {
	struct tb_ct_key key;
	__u32 rule_id;
	__u64 last_seen_ns;
	__u32 created;		/* coarse */
	__u8 state;
	__u8 flags;
	__u8 opener_dir;
	__u8 pad;
};

struct tb_ct_meta {
	__u32 magic;		/* TB_CT_MAGIC once the loader has set the table up */
	__u32 seed;		/* hash seed, chosen when the table was created */
	__u32 mask;		/* nsets - 1 (nsets is a power of two) */
	__u32 base;		/* element of set 0: 1 + index elements */
	__u32 pad[12];
};

struct tb_ct_set {
	union {
		struct {
			union {
				struct {
					__u32 tag[TB_CT_WAYS];	/* _EMPTY, _BUSY or the tag */
					__u32 seen[TB_CT_WAYS];	/* coarse last-seen stamps */
				};
				struct tb_ct_meta meta;		/* element 0 only */
			};
			struct tb_ct_entry e[TB_CT_WAYS];
		};
		__u64 fp[TB_CT_FP_PER_ELEM];	/* index elements: one word per set */
	};
};

_Static_assert(sizeof(struct tb_ct_key) == 44, "tb_ct_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_ct_value) == 24, "tb_ct_value layout is shared with BPF");
_Static_assert(sizeof(struct tb_ct_entry) == 64, "a conntrack entry is one cache line");
_Static_assert(sizeof(struct tb_ct_meta) == 64, "tb_ct_meta fills the tag line");
_Static_assert(sizeof(struct tb_ct_set) == 64 * (TB_CT_WAYS + 1), "tb_ct_set is whole lines");

/* Index elements in front of `nsets` sets. */
static inline __u32 tb_ct_nidx(__u32 nsets)
{
	return (nsets + TB_CT_FP_PER_ELEM - 1) / TB_CT_FP_PER_ELEM;
}

/* Array elements of a table of `nsets` sets: header, index, sets. */
static inline __u32 tb_ct_elems(__u32 nsets)
{
	return 1 + tb_ct_nidx(nsets) + nsets;
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

static inline __u32 tb_ct_tag(__u64 h)
{
	/* never TB_CT_TAG_EMPTY or _BUSY */
	return (__u32)(h >> 32) | 2u;
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

#endif
