/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet parsing: Ethernet, IPv4 (options, fragments), IPv6 with its extension headers, and
 * the L4 header of TCP, UDP, UDPLite, SCTP, ICMP and ICMPv6. Every read is a copy (tb_load:
 * direct from linear data, else bpf_skb_load_bytes) with a length checked against the IP
 * packet's own length first, so a truncated or inconsistent header is reported (never read
 * past) and non-linear skbs need no pulling. Any other protocol number yields a flow with ports 0.
 */
#ifndef TABBY_BPF_PARSE_H
#define TABBY_BPF_PARSE_H

#include "lib/consts.h"
#include "tabby/drop_reasons.h"
#include "tabby/flow.h"

#define TB_MAX_EXT_HDRS 8

/* tb_parse() result that is neither a drop nor an IP packet to judge: pass untouched. */
#define TB_PARSE_PASS 1

enum tb_frag_kind {
	TB_FRAG_NONE = 0,
	TB_FRAG_FIRST = 1,	/* offset 0, more fragments: carries the L4 header */
	TB_FRAG_LATER = 2,	/* offset > 0: no L4 header */
};

enum tb_icmp_kind {
	TB_ICMP_NOT = 0,	/* not ICMP */
	TB_ICMP_REQUEST,	/* echo/timestamp/info/mask request: may start a flow */
	TB_ICMP_REPLY,		/* answers a request: needs a flow */
	TB_ICMP_ERROR,		/* quotes a packet: needs the quoted packet's flow */
	TB_ICMP_ND,		/* IPv6 neighbour discovery / MLD: passes like ARP */
	TB_ICMP_OTHER,		/* anything else: judged as a flow of its own */
};

struct tb_parsed {
	struct tb_flow flow;
	__u32 l3_off;
	__u32 l4_off;
	__u32 ip_end;		/* end of the IP packet (total length), <= skb->len */
	__u32 frag_id;
	__u16 icmp_id;		/* echo-style identifier (requests and replies) */
	__u8 tcp_flags;
	__u8 frag;		/* enum tb_frag_kind */
	__u8 frag_proto;	/* protocol field that names the fragmented payload */
	__u8 icmp_kind;		/* enum tb_icmp_kind */
	__u8 pad[2];
};

/* What the IPv6 extension header walk found. */
struct tb_ip6_walk {
	__u32 l4_off;
	__u32 frag_id;
	__u8 proto;
	__u8 frag;
	__u8 frag_proto;
	__u8 pad;
};

/* Headers further in than this are always copied through the helper. */
#define TB_DIRECT_MAX_OFF 1024

/*
 * Copies `len` header bytes at `off` into `to`: straight from the linear packet data when it
 * holds them (no helper call: the common case), else through bpf_skb_load_bytes, which also
 * reaches paged data. 0, or nonzero when the packet is shorter.
 */
static __always_inline int tb_load(struct __sk_buff *skb, __u32 off, void *to, const __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	void *at;

	if (off <= TB_DIRECT_MAX_OFF) {
		at = data + off;
		if (at + len <= data_end) {
			__builtin_memcpy(to, at, len);
			return 0;
		}
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

struct tb_ext_hdr {
	__u8 next;
	__u8 len;
};

struct tb_frag6_hdr {
	__u8 next;
	__u8 reserved;
	__be16 off_m;
	__be32 id;
};

/*
 * Walks the IPv6 extension headers from `off` (first header `nh`) up to `end`. Stops at the
 * first non-extension header, or after a non-first fragment header (what follows is payload).
 * Returns 0 or -TB_DROP_BAD_EXT_HDR for a truncated header or a chain that is too long.
 */
static __always_inline int tb_ip6_walk(struct __sk_buff *skb, __u32 off, __u8 nh, __u32 end,
				       struct tb_ip6_walk *w)
{
	struct tb_frag6_hdr fh;
	struct tb_ext_hdr eh;
	__u32 hlen;
	int i;

	w->frag = TB_FRAG_NONE;
	for (i = 0; i < TB_MAX_EXT_HDRS; i++) {
		switch (nh) {
		case TB_IPPROTO_HOPOPTS:
		case TB_IPPROTO_ROUTING:
		case TB_IPPROTO_DSTOPTS:
		case TB_IPPROTO_AH:
			if (off + sizeof(eh) > end || tb_load(skb, off, &eh, sizeof(eh)))
				return -TB_DROP_BAD_EXT_HDR;
			if (nh == TB_IPPROTO_AH)
				hlen = ((__u32)eh.len + 2) * 4;
			else
				hlen = ((__u32)eh.len + 1) * 8;
			if (off + hlen > end)
				return -TB_DROP_BAD_EXT_HDR;
			nh = eh.next;
			off += hlen;
			break;
		case TB_IPPROTO_FRAGMENT:
			if (off + sizeof(fh) > end || tb_load(skb, off, &fh, sizeof(fh)))
				return -TB_DROP_BAD_EXT_HDR;
			w->frag_id = bpf_ntohl(fh.id);
			w->frag_proto = fh.next;
			nh = fh.next;
			off += sizeof(fh);
			if (bpf_ntohs(fh.off_m) & 0xfff8) {
				w->frag = TB_FRAG_LATER;
				goto done;
			}
			if (bpf_ntohs(fh.off_m) & 1)
				w->frag = TB_FRAG_FIRST;
			break;
		default:
			goto done;
		}
	}
	/* Eight headers and still not at the payload: refuse rather than guess. */
	if (nh == TB_IPPROTO_HOPOPTS || nh == TB_IPPROTO_ROUTING || nh == TB_IPPROTO_DSTOPTS ||
	    nh == TB_IPPROTO_AH || nh == TB_IPPROTO_FRAGMENT)
		return -TB_DROP_BAD_EXT_HDR;
done:
	w->l4_off = off;
	w->proto = nh;
	return 0;
}

static __always_inline int tb_parse_ipv4(struct __sk_buff *skb, struct tb_parsed *p)
{
	struct iphdr ip;
	__u32 ihl, tot;
	__u16 frag;

	if (tb_load(skb, p->l3_off, &ip, sizeof(ip)))
		return -TB_DROP_MALFORMED;
	/* Read the version/IHL byte ourselves: bitfield order is an ABI detail. */
	if ((((__u8 *)&ip)[0] >> 4) != 4)
		return -TB_DROP_MALFORMED;
	ihl = (((__u8 *)&ip)[0] & 0xf) * 4;
	tot = bpf_ntohs(ip.tot_len);
	/* Total length 0 on a GSO skb is IPv4 BIG TCP (over 64 KiB): the skb's length holds. */
	if (!tot && skb->gso_size)
		tot = skb->len - p->l3_off;
	if (ihl < sizeof(ip) || tot < ihl || p->l3_off + tot > skb->len)
		return -TB_DROP_MALFORMED;
	p->ip_end = p->l3_off + tot;
	p->l4_off = p->l3_off + ihl;
	p->flow.family = TB_AF_INET;
	p->flow.proto = ip.protocol;
	p->flow.saddr[0] = ip.saddr;
	p->flow.daddr[0] = ip.daddr;
	frag = bpf_ntohs(ip.frag_off);
	p->frag_id = bpf_ntohs(ip.id);
	p->frag_proto = ip.protocol;
	if (frag & TB_IP_OFFMASK)
		p->frag = TB_FRAG_LATER;
	else if (frag & TB_IP_MF)
		p->frag = TB_FRAG_FIRST;
	return 0;
}

static __always_inline int tb_parse_ipv6(struct __sk_buff *skb, struct tb_parsed *p)
{
	struct tb_ip6_walk w = {};
	struct ipv6hdr ip6;
	__u32 plen;
	int rc;

	if (tb_load(skb, p->l3_off, &ip6, sizeof(ip6)))
		return -TB_DROP_MALFORMED;
	if ((((__u8 *)&ip6)[0] >> 4) != 6)
		return -TB_DROP_MALFORMED;
	plen = bpf_ntohs(ip6.payload_len);
	/* Payload length 0 is a jumbogram / BIG TCP skb: the skb's length is the packet's. */
	p->ip_end = plen ? p->l3_off + sizeof(ip6) + plen : skb->len;
	if (p->ip_end > skb->len)
		return -TB_DROP_MALFORMED;
	p->flow.family = TB_AF_INET6;
	__builtin_memcpy(p->flow.saddr, &ip6.saddr, 16);
	__builtin_memcpy(p->flow.daddr, &ip6.daddr, 16);
	rc = tb_ip6_walk(skb, p->l3_off + sizeof(ip6), ip6.nexthdr, p->ip_end, &w);
	if (rc)
		return rc;
	p->l4_off = w.l4_off;
	p->flow.proto = w.proto;
	p->frag = w.frag;
	p->frag_id = w.frag_id;
	p->frag_proto = w.frag_proto;
	return 0;
}

static __always_inline __u8 tb_icmp_kind(__u8 family, __u8 type)
{
	if (family == TB_AF_INET) {
		switch (type) {
		case 0: case 14: case 16: case 18:
			return TB_ICMP_REPLY;
		case 8: case 13: case 15: case 17:
			return TB_ICMP_REQUEST;
		case 3: case 4: case 5: case 11: case 12:
			return TB_ICMP_ERROR;
		default:
			return TB_ICMP_OTHER;
		}
	}
	switch (type) {
	case 128:
		return TB_ICMP_REQUEST;
	case 129:
		return TB_ICMP_REPLY;
	/* MLD query/report/done, router and neighbour solicitation/advertisement, MLDv2. */
	case 130: case 131: case 132: case 133: case 135: case 136: case 143:
		return TB_ICMP_ND;
	default:
		return type < 128 ? TB_ICMP_ERROR : TB_ICMP_OTHER;
	}
}

/* Ports (or ICMP type/code/id) of a packet that has its L4 header. */
static __always_inline int tb_parse_l4(struct __sk_buff *skb, struct tb_parsed *p)
{
	__u8 h[20];

	switch (p->flow.proto) {
	case IPPROTO_TCP:
		if (p->l4_off + 20 > p->ip_end || tb_load(skb, p->l4_off, h, 20))
			return -TB_DROP_MALFORMED;
		if ((h[12] >> 4) < 5 || p->l4_off + (h[12] >> 4) * 4 > p->ip_end)
			return -TB_DROP_MALFORMED;
		p->tcp_flags = h[13];
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		/* UDP and UDPLite have 8 bytes, SCTP's common header 12; ports come first. */
		if (p->l4_off + (p->flow.proto == IPPROTO_SCTP ? 12 : 8) > p->ip_end ||
		    tb_load(skb, p->l4_off, h, 8))
			return -TB_DROP_MALFORMED;
		if (p->flow.proto == IPPROTO_UDP && ((h[4] << 8) | h[5]) < 8)
			return -TB_DROP_MALFORMED;
		break;
	case IPPROTO_ICMP:
	case TB_IPPROTO_ICMPV6:
		if ((p->flow.proto == IPPROTO_ICMP) != (p->flow.family == TB_AF_INET))
			goto other;
		if (p->l4_off + 8 > p->ip_end || tb_load(skb, p->l4_off, h, 8))
			return -TB_DROP_MALFORMED;
		p->flow.icmp_type = h[0];
		p->flow.icmp_code = h[1];
		p->icmp_kind = tb_icmp_kind(p->flow.family, h[0]);
		p->icmp_id = (h[4] << 8) | h[5];
		return 0;
	default:
		goto other;
	}
	p->flow.sport = (h[0] << 8) | h[1];
	p->flow.dport = (h[2] << 8) | h[3];
	return 0;
other:
	/* ICMP in the wrong family, ESP, GRE, ...: a flow without ports. */
	return 0;
}

/*
 * Parses the packet into *p. Returns 0 for an IP packet to judge, TB_PARSE_PASS for ARP, or
 * a negative drop reason.
 */
static __always_inline int tb_parse(struct __sk_buff *skb, struct tb_parsed *p)
{
	struct ethhdr eth;
	int rc;

	if (tb_load(skb, 0, &eth, sizeof(eth)))
		return -TB_DROP_MALFORMED;
	p->l3_off = ETH_HLEN;
	if (eth.h_proto == bpf_htons(ETH_P_IP))
		rc = tb_parse_ipv4(skb, p);
	else if (eth.h_proto == bpf_htons(ETH_P_IPV6))
		rc = tb_parse_ipv6(skb, p);
	else if (eth.h_proto == bpf_htons(ETH_P_ARP))
		return TB_PARSE_PASS;
	else
		return -TB_DROP_UNSUPPORTED_L3;
	if (rc)
		return rc;
	if (p->frag == TB_FRAG_LATER)
		return 0;
	return tb_parse_l4(skb, p);
}

#endif
