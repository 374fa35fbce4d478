/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy classifier's tables, shared by the BPF lookup (bpf/lib/classifier.h) and the
 * userspace compiler and map writer (userspace/lib/policy_*.c).
 *
 * One compiled "table set" serves every endpoint with the same ordered policy list in one
 * direction. Each rule (after expansion), each tier end and the final catch-all get one bit in
 * priority order. Every field of the flow is looked up (in the set's own hash, one exact
 * lookup per prefix length, see TB_POL_MAX_LENS, or in the LPM trie all sets share); what is
 * found is the class of rules matching that value: the class's summary (one bit per 64-bit
 * word that holds a match) and its words where they differ from the field's wildcard bitmap
 * ("diff" words, stored packed, found by rank). ANDing summaries first and then only the
 * candidate words keeps the cost flat in the rule count.
 *
 * A set's memory is a range of 128-byte lines (struct tb_pol_line) in one array all sets
 * share, from line line_base of its header; word w of the set is w % 16 of its line w / 16.
 * In word order it holds the rules' actions (struct tb_pol_rule, word b for bit b), each
 * field's wildcard bitmap (nwords words per field, from word nbits), the classes' diff words,
 * the class records, and from its line hash_line the hash's buckets. Fields looked up by
 * longest prefix share one trie; their keys start with the set's slot.
 */
#ifndef TABBY_POLICY_H
#define TABBY_POLICY_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif
#include "tabby/flow.h"

/* Bits (rules after expansion + tier ends + final catch-all) per endpoint and direction. */
#define TB_POL_MAX_BITS 16384
#define TB_POL_MAX_WORDS (TB_POL_MAX_BITS / 64)
#define TB_POL_SUM_WORDS (TB_POL_MAX_WORDS / 64)
/* Log matches plus Pass jumps honoured within one verdict: bounds the BPF loop. */
#define TB_POL_MAX_STEPS 256
/*
 * Iterations of the lookup loop: each one either rules out a candidate word, takes a Log or
 * Pass step, or decides.
 */
#define TB_POL_MAX_ITERS (TB_POL_MAX_WORDS + TB_POL_MAX_STEPS + 1)
/* Table sets alive at once (slots: headers, and the trie's key prefix). */
#define TB_POL_MAX_SETS 4096
/* Lines of all sets (tb_pol_lines_v3) when the loader is not told otherwise: 16 MiB. */
#define TB_POL_DEFAULT_LINES (1u << 17)
/* Entries of the trie shared by all sets' LPM fields. */
#define TB_POL_MAX_LPM (1u << 20)
/* Per-rule counters (global rule ids, allocated in ranges per table set). */
#define TB_POL_MAX_RULE_IDS (1 << 18)
#define TB_POL_MAX_ENDPOINTS 65536
#define TB_POL_KEY_DATA 23

enum tb_pol_field {
	TB_PF_SRC = 0,	     /* family byte (4 or 6), source address (16 bytes, IPv4 first) */
	TB_PF_DST = 1,	     /* family byte, destination address */
	TB_PF_PROTO = 2,     /* family (4 or 6) byte, protocol byte */
	TB_PF_SPORT = 3,     /* source port, big-endian */
	TB_PF_DPORT = 4,     /* destination port */
	TB_PF_ICMP = 5,	     /* ICMP type byte, code byte */
	TB_PF_SRC_NAMED = 6, /* proto, source port, family, source address: named ports */
	TB_PF_DST_NAMED = 7, /* proto, destination port, family, destination address */
	TB_PF_MAX,
};

/* LPM key: prefixlen counts the field byte (8 bits) and then bits of data. */
struct tb_pol_key {
	__u32 prefixlen;
	__u8 field;
	__u8 data[TB_POL_KEY_DATA];
};

/* The class of rules matching a looked-up value (what the compiler produces). */
struct tb_pol_class {
	__u64 sum[TB_POL_SUM_WORDS];  /* word w holds a matching rule */
	__u64 dsum[TB_POL_SUM_WORDS]; /* word w differs from the wildcard word: stored here */
	__u32 base[TB_POL_SUM_WORDS]; /* index in bits of the first diff word of each sum word */
};

#define TB_POL_LINE_WORDS 16

struct tb_pol_line {
	__u64 w[TB_POL_LINE_WORDS];
};

/*
 * A class as the BPF side reads it: a record of the set's nsum summary words (nwords / 64,
 * rounded up), each as three words (sum, dsum, base), starting at a word that is a multiple of
 * 4 and within one line. Trie values and hash entries give the record's first word.
 */
#define TB_POL_REC_WORDS(nsum) (3 * (nsum))

/*
 * The hash of a set's hashed fields: buckets of TB_POL_BUCKET_ENTRIES entries, one line each.
 * An entry's key is 24 bytes: the field byte, the first 22 key data bytes masked to the
 * prefix (tb_pol_hkey_mask), and the prefix length in the last byte: the bytes a struct
 * tb_pol_key has from its field on, with the last data byte (never used by a field)
 * replaced. Keys
 * go in the first free entry of bucket h or the next one (TB_POL_HASH_PROBES), so a lookup
 * stops at the first empty entry. key[2] is 0 only in an empty entry: it holds the prefix
 * length, at least 8.
 */
#define TB_POL_BUCKET_ENTRIES 4
#define TB_POL_HASH_PROBES 2

struct tb_pol_hent {
	__u64 key[3];
	__u32 rec; /* first word of the class record */
	__u32 pad;
};

/*
 * Word i of the mask that keeps a key's first len bits (the field byte and len - 8 data bits,
 * in byte order, high bits first within a byte), on the little-endian words of a hashed key.
 */
static inline __u64 tb_pol_hkey_mask(__u32 len, __u32 i)
{
	__u32 n = len / 8, r = len % 8, t;

	if (n >= 8 * (i + 1))
		return ~0ull;
	if (n < 8 * i)
		return 0;
	t = 8 * (n - 8 * i);
	return ((1ull << t) - 1) | ((__u64)((0xff00u >> r) & 0xff) << t);
}

/*
 * A flow's hashed key words for one field, unmasked (the prefix length byte 0): the bytes
 * tb_pol_flow_key() gives from the field byte on, built from the flow in registers. On the
 * BPF side, writing the key's bytes to memory and reading them back as words stalls each load
 * until the narrow stores before it have drained. Little-endian words, as everywhere here.
 */
static inline void tb_pol_hkey_of_flow(const struct tb_flow *fl, __u32 field, __u64 k[3])
{
	int src = field == TB_PF_SRC || field == TB_PF_SRC_NAMED;
	const __u32 *a = src ? fl->saddr : fl->daddr;
	__u64 port = field == TB_PF_SPORT || field == TB_PF_SRC_NAMED ? fl->sport : fl->dport;
	__u64 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], fb = field;

	k[1] = k[2] = 0;
	switch (field) {
	case TB_PF_PROTO:
		k[0] = fb | (__u64)fl->family << 8 | (__u64)fl->proto << 16;
		return;
	case TB_PF_SPORT:
	case TB_PF_DPORT:
		k[0] = fb | (port >> 8) << 8 | (port & 0xff) << 16;
		return;
	case TB_PF_ICMP:
		k[0] = fb | (__u64)fl->icmp_type << 8 | (__u64)fl->icmp_code << 16;
		return;
	case TB_PF_SRC_NAMED:
	case TB_PF_DST_NAMED:
		/* proto, port (big-endian), family, address from byte 5 */
		k[0] = fb | (__u64)fl->proto << 8 | (port >> 8) << 16 | (port & 0xff) << 24 |
		       (__u64)fl->family << 32 | (a0 & 0xffffff) << 40;
		k[1] = a0 >> 24 | a1 << 8 | (a2 & 0xffffff) << 40;
		k[2] = a2 >> 24 | a3 << 8;
		return;
	default:
		/* family, address from byte 2 */
		k[0] = fb | (__u64)fl->family << 8 | a0 << 16 | (a1 & 0xffff) << 48;
		k[1] = a1 >> 16 | a2 << 16 | (a3 & 0xffff) << 48;
		k[2] = a3 >> 16;
		return;
	}
}

/* The bucket of a hashed key: multiply-xorshift mixing, the table's seed first. */
static inline __u32 tb_pol_hash_bucket(__u64 seed, __u64 k0, __u64 k1, __u64 k2, __u32 mask)
{
	__u64 h = (k0 ^ seed) * 0x9e3779b97f4a7c15ull;

	h = (h ^ (h >> 32) ^ k1) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 29) ^ k2) * 0x94d049bb133111ebull;
	return (__u32)(h >> 32) & mask;
}

enum tb_pol_act {
	TB_PACT_ALLOW = 0,
	TB_PACT_DENY = 1,
	TB_PACT_LOG = 2,
	TB_PACT_PASS = 3,
};

/* One bit's action, one 64-bit word. Pass and Log continue at next_bit. */
struct tb_pol_rule {
	__u32 rule_id;	/* global counter index */
	__u16 next_bit; /* Pass: first bit of the next tier (or profile) */
	__u8 action;	/* enum tb_pol_act */
	__u8 reason;	/* enum tb_drop_reason for Deny */
};

/*
 * A field whose prefixes have at most TB_POL_MAX_LENS distinct lengths per family (the root
 * included) is looked up in the set's hash, one exact lookup per length, longest first:
 * unlike an LPM walk, that costs the same for 10 entries as for 10,000. Other fields use the
 * LPM trie all sets share (tb_pol_lkey).
 */
#define TB_POL_MAX_LENS 3

/* Per table set, indexed by slot; written before any endpoint points at the slot. */
struct tb_pol_hdr {
	__u64 hash_seed;
	__u32 line_base; /* the set's first line in tb_pol_lines_v3 */
	__u32 n_lines;	 /* 0: no set in this slot */
	__u32 nbits;
	__u32 nwords;
	__u32 nsum;	  /* summary words of a class record */
	__u32 field_mask; /* bit f: field f constrains some rule and must be looked up */
	__u32 hash_mask;  /* bit f: field f is in the hash, at lens[f][fam][0..nlens[f][fam]) */
	__u32 hash_line;  /* the set's line of the hash's first bucket */
	__u32 hash_nb_mask; /* buckets - 1, a power of two */
	__u32 flags;
	/* per family of the flow (0: IPv4, 1: IPv6): a prefix that fixes the family byte only
	 * concerns flows of that family */
	__u8 nlens[TB_PF_MAX][2];
	__u8 lens[TB_PF_MAX][2][TB_POL_MAX_LENS]; /* prefixlen values, longest first */
};

/*
 * Key of the trie of all sets' LPM fields: the slot (big-endian, so that it is the prefix's
 * first 32 bits), then the field's key. prefixlen = 32 + the field key's prefixlen.
 */
struct tb_pol_lkey {
	__u32 prefixlen;
	__u32 slot_be;
	__u8 field;
	__u8 data[TB_POL_KEY_DATA];
};

struct tb_pol_ep_key {
	__u32 ifindex;
	__u32 dir; /* enum tb_dir */
};

#define TB_POL_EP_TOO_LARGE 1u /* compiled policy over the limits: deny everything */

struct tb_pol_ep {
	__u32 slot;
	__u32 flags;
};

struct tb_pol_counter {
	__u64 packets;
	__u64 bytes;
};

/* Ring buffer record of a Log rule match. */
struct tb_pol_log_event {
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 icmp_type;
	__u8 icmp_code;
	__u32 rule_id;
	__u32 ifindex;
	__u32 dir;
	__u32 pad;
};

#define TB_RULE_NONE 0xffffffffu

/* What tb_policy_decide() answers for a new flow. */
struct tb_policy_result {
	__u32 allow;   /* 1: allow the flow, 0: drop it with `reason` */
	__u32 reason;  /* enum tb_drop_reason when !allow */
	__u32 rule_id; /* the deciding rule's counter index, TB_RULE_NONE if none */
};

_Static_assert(sizeof(struct tb_pol_key) == 28, "tb_pol_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_line) == 128, "tb_pol_line layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_hent) * TB_POL_BUCKET_ENTRIES == 128, "a bucket is a line");
_Static_assert(sizeof(struct tb_pol_rule) == 8, "tb_pol_rule layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_hdr) == 112, "tb_pol_hdr layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_lkey) == 32, "tb_pol_lkey layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_ep) == 8, "tb_pol_ep layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_ep_key) == 8, "tb_pol_ep_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_counter) == 16, "tb_pol_counter layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_log_event) == 56, "tb_pol_log_event layout is shared");
_Static_assert(TB_POL_MAX_BITS <= 65535, "next_bit is 16 bits");

#endif
