/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Datapath configuration: the `const volatile` struct the loader writes into the BPF
 * object's read-only data before load. One object serves every endpoint, so nothing here is
 * per endpoint; per-endpoint state lives in maps.
 */
#ifndef TABBY_CONFIG_H
#define TABBY_CONFIG_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

/*
 * Conntrack timeouts in nanoseconds, named after FelixConfiguration's bpfConntrackTimeouts
 * (creationGracePeriod, tcpSynSent, tcpEstablished, tcpFinsSeen, tcpResetSeen, udpTimeout,
 * genericTimeout, icmpTimeout). An entry idle for longer than the timeout of its state is
 * treated as absent by BPF and deleted by the userspace GC.
 */
struct tb_ct_timeouts {
	__u64 creation_grace;	/* GC never deletes an entry younger than this */
	__u64 tcp_syn_sent;	/* SYN seen, handshake not finished */
	__u64 tcp_established;	/* handshake done (or one FIN only) */
	__u64 tcp_fins_seen;	/* FIN seen in both directions */
	__u64 tcp_reset_seen;	/* RST seen */
	__u64 udp;		/* UDP and UDPLite */
	__u64 generic;		/* SCTP and every other protocol */
	__u64 icmp;		/* ICMP and ICMPv6 */
};

#define TB_NSEC_PER_SEC 1000000000ull

/*
 * Test-only: consult the tb_tdeny_v1 map (proto, direction, destination port -> drop reason)
 * before the classifier, so datapath tests can deny flows without a compiled policy. Never
 * set by tabbyd.
 */
#define TB_CFG_F_TEST_POLICY (1u << 0)
/*
 * Benchmark only: pass every packet right after parsing it (no conntrack, no policy), the
 * "parse only" baseline the conntrack-hit cost is compared with. Never set by tabbyd.
 */
#define TB_CFG_F_BENCH_PARSE_ONLY (1u << 1)

#define TB_TDENY_MAP_NAME "tb_tdeny_v1"

struct tb_tdeny_key {
	__u8 proto;
	__u8 dir;		/* enum tb_dir */
	__u16 dport;		/* host order; 0 for protocols without ports */
};

struct tb_dp_config {
	struct tb_ct_timeouts ct;
	__u32 flags;		/* TB_CFG_F_* */
	__u32 pad;
};

_Static_assert(sizeof(struct tb_ct_timeouts) == 64, "tb_ct_timeouts layout is shared with BPF");
_Static_assert(sizeof(struct tb_dp_config) == 72, "tb_dp_config layout is shared with BPF");

/* Calico's defaults (tcpFinsSeen: Calico's own 30 s, not "Auto"). */
#define TB_CT_DEFAULT_TIMEOUTS                                                                 \
	{                                                                                      \
		.creation_grace = 10 * TB_NSEC_PER_SEC, .tcp_syn_sent = 20 * TB_NSEC_PER_SEC,  \
		.tcp_established = 3600 * TB_NSEC_PER_SEC,                                     \
		.tcp_fins_seen = 30 * TB_NSEC_PER_SEC, .tcp_reset_seen = 40 * TB_NSEC_PER_SEC, \
		.udp = 60 * TB_NSEC_PER_SEC, .generic = 600 * TB_NSEC_PER_SEC,                 \
		.icmp = 5 * TB_NSEC_PER_SEC,                                                   \
	}

#endif
