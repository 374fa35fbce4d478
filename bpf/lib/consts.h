/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Protocol constants that vmlinux.h cannot carry (they are macros in the UAPI headers), and
 * the small helpers every datapath file needs.
 */
#ifndef TABBY_BPF_CONSTS_H
#define TABBY_BPF_CONSTS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif
#ifndef ETH_P_ARP
#define ETH_P_ARP 0x0806
#endif
#ifndef ETH_HLEN
#define ETH_HLEN 14
#endif
#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#ifndef TC_ACT_SHOT
#define TC_ACT_SHOT 2
#endif

/* IPv6 extension headers and protocol numbers that are macros in linux/in6.h. */
#define TB_IPPROTO_HOPOPTS 0
#define TB_IPPROTO_ROUTING 43
#define TB_IPPROTO_FRAGMENT 44
#define TB_IPPROTO_ESP 50
#define TB_IPPROTO_AH 51
#define TB_IPPROTO_ICMPV6 58
#define TB_IPPROTO_NONE 59
#define TB_IPPROTO_DSTOPTS 60

#define TB_TCP_FIN 0x01
#define TB_TCP_SYN 0x02
#define TB_TCP_RST 0x04
#define TB_TCP_ACK 0x10

/* One load the compiler may neither merge, repeat nor move across other volatile accesses. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* IPv4 frag_off field bits (host order). */
#define TB_IP_MF 0x2000
#define TB_IP_OFFMASK 0x1fff

#endif
