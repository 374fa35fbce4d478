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

#define TB_CT_MAP_NAME "tb_ct_v1"
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

struct tb_ct_value {
	__u64 created_ns;	/* CLOCK_MONOTONIC to within a tick (bpf/lib/clock.h) */
	__u64 last_seen_ns;	/* refreshed at most once per TB_CT_REFRESH_NS */
	__u32 rule_id;		/* rule that admitted the flow (TB_RULE_NONE if none) */
	__u8 state;		/* enum tb_ct_state */
	__u8 flags;		/* TB_CT_F_* */
	__u8 opener_dir;	/* enum tb_dir of the program that created the entry */
	__u8 pad;
};

#define TB_CT_REFRESH_NS (TB_NSEC_PER_SEC / 10)

_Static_assert(sizeof(struct tb_ct_key) == 44, "tb_ct_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_ct_value) == 24, "tb_ct_value layout is shared with BPF");

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
