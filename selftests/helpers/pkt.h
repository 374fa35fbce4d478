/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet builder for BPF tests: Ethernet + IPv4/IPv6 (+ IPv6 extension headers) + TCP, UDP,
 * UDPLite, SCTP, ICMP, ICMPv6 or any other protocol, fragments, ICMP errors that embed another
 * packet, truncations and deliberately broken header fields.
 *
 * A packet is described by a struct tb_pkt_spec so that test tables hold packets as data:
 * every field left zero takes a sensible default (IPv4 10.0.0.1 -> 10.0.0.2, TTL 64, ...).
 * The IPv4 header checksum is computed; L4 checksums are left zero because the datapath never
 * checks them.
 */
#ifndef TABBY_SELFTESTS_PKT_H
#define TABBY_SELFTESTS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tabby/flow.h"

#define TB_PKT_MAX 2048
#define TB_PKT_MAX_EXT 12

/* TCP flag bits as in the header's 13th byte. */
#define TB_TCP_FIN 0x01
#define TB_TCP_SYN 0x02
#define TB_TCP_RST 0x04
#define TB_TCP_PSH 0x08
#define TB_TCP_ACK 0x10

/* Where tb_pkt_spec.cut cuts the packet: keep `cut_keep` bytes from the start of that layer. */
enum tb_pkt_cut {
	TB_CUT_NONE = 0,
	TB_CUT_L2,	/* inside the Ethernet header */
	TB_CUT_L3,	/* inside the IPv4/IPv6 base header (options included) */
	TB_CUT_EXT,	/* inside the IPv6 extension headers */
	TB_CUT_L4,	/* inside the L4 header (or ICMP error's embedded packet) */
};

struct tb_pkt_spec {
	/* L2: eth_proto 0 means from family; set it (host order) for ARP, VLAN or garbage. */
	uint16_t eth_proto;
	/* L3 */
	uint8_t family;		/* TB_AF_INET (default) or TB_AF_INET6 */
	const char *src;	/* textual address; NULL: 10.0.0.1 / fd00::1 */
	const char *dst;	/* NULL: 10.0.0.2 / fd00::2 */
	uint8_t proto;		/* IPPROTO_*; 0 with family set means TCP unless raw_proto */
	bool raw_proto;		/* take proto literally even when 0 (IPv6: hop-by-hop) */
	uint8_t ttl;		/* 0: 64 */
	/* IPv4 options: this many bytes of NOPs after the base header (multiple of 4, <= 40). */
	uint8_t ip_opt_len;
	/* Fragments: offset in bytes (multiple of 8), more-fragments, identification. For IPv6
	 * they go into a fragment extension header, which must appear in ext[]; for IPv4 into the
	 * base header. A fragment with frag_off != 0 carries no L4 header, only payload. */
	uint16_t frag_off;
	bool frag_more;
	uint32_t frag_id;
	bool dont_frag;
	/* IPv6 extension headers in order (IPPROTO_HOPOPTS, ROUTING, DSTOPTS, FRAGMENT, AH). */
	uint8_t ext[TB_PKT_MAX_EXT];
	uint8_t n_ext;
	uint16_t ext_pad;	/* extra bytes (multiple of 8) of Pad1 in hop-by-hop/dest options */
	/* L4 */
	uint16_t sport, dport;	/* host order; TCP, UDP, UDPLite, SCTP */
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;	/* echo request/reply */
	/* ICMP/ICMPv6 errors: the packet they quote (built without Ethernet; its L3 + L4). */
	const struct tb_pkt_spec *inner;
	uint16_t payload_len;	/* bytes of 0xab after the L4 header */
	/* Deliberate damage (0 = correct value). */
	uint8_t bad_ip_version;	/* write this version nibble */
	uint8_t bad_ihl;	/* write this IHL (IPv4), e.g. 4 */
	uint16_t bad_tot_len;	/* IPv4 total length / IPv6 payload length to write */
	bool zero_tot_len;	/* write 0 there (IPv4 BIG TCP, IPv6 jumbogram) */
	uint8_t bad_tcp_doff;	/* TCP data offset, e.g. 4 or 15 */
	uint8_t bad_ext_len;	/* hdr-ext-len byte written into every IPv6 extension header */
	/* Truncation */
	enum tb_pkt_cut cut;
	uint16_t cut_keep;
};

struct tb_pkt {
	uint8_t data[TB_PKT_MAX];
	uint32_t len;
	uint32_t l3_off;	/* start of the IP header */
	uint32_t l4_off;	/* start of the L4 header (after extension headers) */
};

/* Builds the packet; 0, or -EINVAL for an unparseable address or bad spec, -ENOSPC. */
int tb_pkt_build(const struct tb_pkt_spec *spec, struct tb_pkt *out);

/* The flow the datapath should parse from a (well-formed, first-fragment) spec. */
int tb_pkt_spec_flow(const struct tb_pkt_spec *spec, struct tb_flow *flow);

/* Copies spec into *out with source and destination (addresses and ports) swapped. */
void tb_pkt_spec_reverse(const struct tb_pkt_spec *spec, struct tb_pkt_spec *out);

#endif
