/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flow a packet belongs to, as the BPF programs parse it and as the policy classifier,
 * conntrack and `tabbyctl policy trace` see it. Shared by BPF and userspace.
 */
#ifndef TABBY_FLOW_H
#define TABBY_FLOW_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#define TB_AF_INET 4
#define TB_AF_INET6 6

/* Direction relative to the workload (or host) endpoint the program guards. */
enum tb_dir {
	TB_DIR_INGRESS = 0,	/* towards the endpoint: its ingress policy */
	TB_DIR_EGRESS = 1,	/* from the endpoint: its egress policy */
};

/*
 * Addresses in network byte order; IPv4 in addr[0] with addr[1..3] zero. Ports in host byte
 * order (0 when the protocol has none); for ICMP/ICMPv6 icmp_type/icmp_code are set and the
 * ports are 0.
 */
struct tb_flow {
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;
	__u16 dport;
	__u8 family;		/* TB_AF_INET or TB_AF_INET6 */
	__u8 proto;		/* IP protocol number after extension headers */
	__u8 icmp_type;
	__u8 icmp_code;
};

_Static_assert(sizeof(struct tb_flow) == 40, "tb_flow layout is shared with BPF");

#endif
