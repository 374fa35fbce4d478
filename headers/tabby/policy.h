/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy classifier's tables, shared by the BPF lookup (bpf/lib/classifier.h) and the
 * userspace compiler and map writer (userspace/lib/policy_*.c).
 *
 * One compiled "table set" serves every endpoint with the same ordered policy list in one
 * direction. Each rule (after expansion), each tier end and the final catch-all get one bit in
 * priority order. Every field of the flow is looked up (in the set's LPM trie, or by exact hash
 * per prefix length, see TB_POL_MAX_LENS); the value found is the class of rules matching that
 * value: the class's summary (one bit per 64-bit word that holds a match) and its words where
 * they differ from the field's wildcard bitmap ("diff" words, stored packed, found by rank).
 * ANDing summaries first and then only the candidate words keeps the cost flat in the rule
 * count. The set's array of 64-bit words holds the rules' actions (struct tb_pol_rule, word b
 * for bit b), then each field's wildcard bitmap (nwords words per field, from word nbits), then
 * the classes' diff words.
 */
#ifndef TABBY_POLICY_H
#define TABBY_POLICY_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

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
/* Table sets alive at once (slots of the outer array-of-maps). */
#define TB_POL_MAX_SETS 4096
/* Per-rule counters (global rule ids, allocated in ranges per table set). */
#define TB_POL_MAX_RULE_IDS (1 << 18)
#define TB_POL_MAX_ENDPOINTS 65536
/* Entries of the shared hash of all sets' hashed fields. */
#define TB_POL_MAX_HASHED (1 << 21)
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

/* LPM value: the class of rules matching the looked-up value. */
struct tb_pol_class {
	__u64 sum[TB_POL_SUM_WORDS];  /* word w holds a matching rule */
	__u64 dsum[TB_POL_SUM_WORDS]; /* word w differs from the wildcard word: stored here */
	__u32 base[TB_POL_SUM_WORDS]; /* index in bits of the first diff word of each sum word */
};

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

/* Per table set, indexed by slot; written before any endpoint points at the slot. */
/*
 * A field whose prefixes have at most TB_POL_MAX_LENS distinct lengths per family (the root
 * included) is looked up in the shared hash tb_pol_hash_v1, one exact lookup per length, longest
 * first:
 * unlike an LPM walk, that costs the same for 10 entries as for 10,000. Other fields use the
 * set's LPM trie.
 */
#define TB_POL_MAX_LENS 3

struct tb_pol_hdr {
	__u32 nbits;
	__u32 nwords;
	__u32 field_mask; /* bit f: field f constrains some rule and must be looked up */
	__u32 flags;
	__u32 hash_mask; /* bit f: field f is in the hash, at lens[f][fam][0..nlens[f][fam]) */
	/* per family of the flow (0: IPv4, 1: IPv6): a prefix that fixes the family byte only
	 * concerns flows of that family */
	__u8 nlens[TB_PF_MAX][2];
	__u8 lens[TB_PF_MAX][2][TB_POL_MAX_LENS]; /* prefixlen values, longest first */
};

/* Key of tb_pol_hash_v1: the slot, then an LPM-style key masked to its prefixlen. */
struct tb_pol_hkey {
	__u32 slot;
	struct tb_pol_key key;
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
_Static_assert(sizeof(struct tb_pol_class) == 80, "tb_pol_class layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_rule) == 8, "tb_pol_rule layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_hdr) == 84, "tb_pol_hdr layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_hkey) == 32, "tb_pol_hkey layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_ep) == 8, "tb_pol_ep layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_ep_key) == 8, "tb_pol_ep_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_counter) == 16, "tb_pol_counter layout is shared with BPF");
_Static_assert(sizeof(struct tb_pol_log_event) == 56, "tb_pol_log_event layout is shared");
_Static_assert(TB_POL_MAX_BITS <= 65535, "next_bit is 16 bits");

#endif
