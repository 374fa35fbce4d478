/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMP and ICMPv6 errors: the error quotes the IP header and the first 8 bytes of the packet
 * that caused it. The error passes only when that quoted packet belongs to a flow conntrack
 * knows for this endpoint; otherwise it is unsolicited and dropped before policy.
 */
#ifndef TABBY_BPF_ICMP_H
#define TABBY_BPF_ICMP_H

#include "lib/conntrack.h"
#include "lib/parse.h"

struct tb_quoted {
	__u32 saddr[4];
	__u32 daddr[4];
	__u32 l4_off;
	__u8 proto;
	__u8 later_frag;
};

static __always_inline int tb_quoted_ipv4(struct __sk_buff *skb, __u32 off, __u32 end,
					  struct tb_quoted *q)
{
	struct iphdr ip;
	__u32 ihl;

	if (off + sizeof(ip) > end || tb_load(skb, off, &ip, sizeof(ip)))
		return -TB_DROP_MALFORMED;
	ihl = (((__u8 *)&ip)[0] & 0xf) * 4;
	if ((((__u8 *)&ip)[0] >> 4) != 4 || ihl < sizeof(ip))
		return -TB_DROP_MALFORMED;
	q->saddr[0] = ip.saddr;
	q->daddr[0] = ip.daddr;
	q->proto = ip.protocol;
	q->l4_off = off + ihl;
	q->later_frag = !!(bpf_ntohs(ip.frag_off) & TB_IP_OFFMASK);
	return 0;
}

static __always_inline int tb_quoted_ipv6(struct __sk_buff *skb, __u32 off, __u32 end,
					  struct tb_quoted *q)
{
	struct tb_ip6_walk w = {};
	struct ipv6hdr ip6;
	int rc;

	if (off + sizeof(ip6) > end || tb_load(skb, off, &ip6, sizeof(ip6)))
		return -TB_DROP_MALFORMED;
	if ((((__u8 *)&ip6)[0] >> 4) != 6)
		return -TB_DROP_MALFORMED;
	__builtin_memcpy(q->saddr, &ip6.saddr, 16);
	__builtin_memcpy(q->daddr, &ip6.daddr, 16);
	rc = tb_ip6_walk(skb, off + sizeof(ip6), ip6.nexthdr, end, &w);
	if (rc)
		return rc;
	q->proto = w.proto;
	q->l4_off = w.l4_off;
	q->later_frag = w.frag == TB_FRAG_LATER;
	return 0;
}

/* 0 when the error quotes a known flow of this endpoint, else a negative drop reason. */
static __always_inline int tb_icmp_related(struct __sk_buff *skb, const struct tb_parsed *p,
					   __u32 ifindex, __u64 now)
{
	struct tb_quoted q = {};
	struct tb_ct_key k;
	__u16 sp = 0, dp = 0;
	__u8 h[8];
	int rc;

	if (p->flow.family == TB_AF_INET)
		rc = tb_quoted_ipv4(skb, p->l4_off + 8, p->ip_end, &q);
	else
		rc = tb_quoted_ipv6(skb, p->l4_off + 8, p->ip_end, &q);
	if (rc)
		return rc;
	/* A quoted non-first fragment has no ports to find its flow by. */
	if (q.later_frag)
		return -TB_DROP_UNSOLICITED_ICMP;
	if (q.l4_off + 8 > p->ip_end || tb_load(skb, q.l4_off, h, 8))
		return -TB_DROP_MALFORMED;
	switch (q.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		sp = (h[0] << 8) | h[1];
		dp = (h[2] << 8) | h[3];
		break;
	case IPPROTO_ICMP:
	case TB_IPPROTO_ICMPV6:
		/* Only an echo-style message has a flow; an error about an error has none. */
		rc = tb_icmp_kind(p->flow.family, h[0]);
		if (rc != TB_ICMP_REQUEST && rc != TB_ICMP_REPLY)
			return -TB_DROP_UNSOLICITED_ICMP;
		sp = (h[4] << 8) | h[5];
		dp = sp;
		break;
	default:
		break;
	}
	tb_ct_key_fill(&k, p->flow.family, q.proto, q.saddr, q.daddr, sp, dp, ifindex);
	return tb_ct_known(&k, now) ? 0 : -TB_DROP_UNSOLICITED_ICMP;
}

#endif
