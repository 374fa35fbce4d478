// SPDX-License-Identifier: Apache-2.0
/*
 * Packet builder for BPF tests (see pkt.h). Everything is written byte by byte in network
 * order through a bounded cursor, so a spec can never overrun the buffer.
 */
#include "pkt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_HLEN_ 14
#define PAYLOAD_BYTE 0xab

struct cursor {
	uint8_t *b;
	size_t cap;
	size_t len;
	int err;
};

static void put8(struct cursor *c, uint8_t v)
{
	if (c->len >= c->cap) {
		c->err = -ENOSPC;
		return;
	}
	c->b[c->len++] = v;
}

static void put16(struct cursor *c, uint16_t v)
{
	put8(c, v >> 8);
	put8(c, v & 0xff);
}

static void put32(struct cursor *c, uint32_t v)
{
	put16(c, v >> 16);
	put16(c, v & 0xffff);
}

static void putn(struct cursor *c, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		put8(c, s[i]);
}

static void fill(struct cursor *c, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(c, v);
}

static void set16(struct cursor *c, size_t off, uint16_t v)
{
	if (off + 2 > c->len)
		return;
	c->b[off] = v >> 8;
	c->b[off + 1] = v & 0xff;
}

static uint8_t spec_family(const struct tb_pkt_spec *s)
{
	return s->family ? s->family : TB_AF_INET;
}

static uint8_t spec_proto(const struct tb_pkt_spec *s)
{
	if (s->proto || s->raw_proto)
		return s->proto;
	return IPPROTO_TCP;
}

static int spec_addrs(const struct tb_pkt_spec *s, uint32_t src[4], uint32_t dst[4])
{
	int af = spec_family(s) == TB_AF_INET6 ? AF_INET6 : AF_INET;
	const char *sa = s->src, *da = s->dst;

	memset(src, 0, 16);
	memset(dst, 0, 16);
	if (!sa)
		sa = af == AF_INET6 ? "fd00::1" : "10.0.0.1";
	if (!da)
		da = af == AF_INET6 ? "fd00::2" : "10.0.0.2";
	if (inet_pton(af, sa, src) != 1 || inet_pton(af, da, dst) != 1)
		return -EINVAL;
	return 0;
}

static bool icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == TB_AF_INET6)
		return type < 128;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static int build_l3(const struct tb_pkt_spec *s, struct cursor *c, size_t *ext_off,
		    size_t *l4_off);

/* The L4 header (absent in non-first fragments and for protocols without one) + payload. */
static void build_l4(const struct tb_pkt_spec *s, struct cursor *c)
{
	uint8_t fam = spec_family(s), proto = spec_proto(s);

	if (s->frag_off)
		goto payload;
	switch (proto) {
	case IPPROTO_TCP:
		put16(c, s->sport);
		put16(c, s->dport);
		put32(c, s->tcp_seq);
		put32(c, s->tcp_ack);
		put8(c, (s->bad_tcp_doff ? s->bad_tcp_doff : 5) << 4);
		put8(c, s->tcp_flags);
		put16(c, 65535);	/* window */
		put32(c, 0);		/* checksum, urgent pointer */
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		put16(c, s->sport);
		put16(c, s->dport);
		put16(c, 8 + s->payload_len);
		put16(c, 0);
		break;
	case IPPROTO_SCTP:
		put16(c, s->sport);
		put16(c, s->dport);
		put32(c, 0x12345678);	/* verification tag */
		put32(c, 0);		/* checksum */
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		put8(c, s->icmp_type);
		put8(c, s->icmp_code);
		put16(c, 0);
		if (icmp_is_error(fam, s->icmp_type)) {
			put32(c, 0);	/* unused / MTU / pointer */
		} else {
			put16(c, s->icmp_id);
			put16(c, s->icmp_seq);
		}
		if (s->inner) {
			size_t e, l;

			c->err = c->err ? c->err : build_l3(s->inner, c, &e, &l);
		}
		break;
	default:
		break;
	}
payload:
	fill(c, PAYLOAD_BYTE, s->payload_len);
}

static void put_ext(const struct tb_pkt_spec *s, struct cursor *c, uint8_t type, uint8_t next)
{
	uint8_t hlen = s->bad_ext_len;

	switch (type) {
	case IPPROTO_FRAGMENT:
		put8(c, next);
		put8(c, hlen);	/* reserved */
		put16(c, (s->frag_off & 0xfff8) | (s->frag_more ? 1 : 0));
		put32(c, s->frag_id);
		break;
	case IPPROTO_AH:
		/* AH length counts 4-byte words minus 2: 16 bytes -> 2. */
		put8(c, next);
		put8(c, hlen ? hlen : 2);
		put16(c, 0);
		put32(c, 0x100);	/* SPI */
		put32(c, 1);		/* sequence */
		put32(c, 0);		/* ICV */
		break;
	case IPPROTO_ROUTING:
		put8(c, next);
		put8(c, hlen);
		put8(c, 0);	/* routing type */
		put8(c, 0);	/* segments left: ignorable */
		put32(c, 0);
		break;
	default:
		/* Hop-by-hop and destination options: one PadN option filling 8 bytes, then
		 * ext_pad bytes of Pad1 options. */
		put8(c, next);
		put8(c, hlen ? hlen : s->ext_pad / 8);
		put8(c, 1);
		put8(c, 4);
		put32(c, 0);
		fill(c, 0, s->ext_pad);
		break;
	}
}

static void build_v6(const struct tb_pkt_spec *s, struct cursor *c, const uint32_t *src,
		     const uint32_t *dst, size_t *ext_off, size_t *l4_off)
{
	size_t l3 = c->len;
	uint8_t first = s->n_ext ? s->ext[0] : spec_proto(s);

	put32(c, (uint32_t)(s->bad_ip_version ? s->bad_ip_version : 6) << 28);
	put16(c, 0);	/* payload length, set below */
	put8(c, first);
	put8(c, s->ttl ? s->ttl : 64);
	putn(c, src, 16);
	putn(c, dst, 16);
	*ext_off = c->len;
	for (int i = 0; i < s->n_ext && i < TB_PKT_MAX_EXT; i++) {
		uint8_t next = i + 1 < s->n_ext ? s->ext[i + 1] : spec_proto(s);

		put_ext(s, c, s->ext[i], next);
	}
	*l4_off = c->len;
	build_l4(s, c);
	set16(c, l3 + 4, s->zero_tot_len ? 0 : s->bad_tot_len ? s->bad_tot_len : c->len - l3 - 40);
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void build_v4(const struct tb_pkt_spec *s, struct cursor *c, const uint32_t *src,
		     const uint32_t *dst, size_t *l4_off)
{
	size_t l3 = c->len, hlen = 20 + s->ip_opt_len;
	uint8_t ver = s->bad_ip_version ? s->bad_ip_version : 4;
	uint8_t ihl = s->bad_ihl ? s->bad_ihl : hlen / 4;
	uint16_t frag = s->frag_off / 8;

	if (s->frag_more)
		frag |= 0x2000;
	if (s->dont_frag)
		frag |= 0x4000;
	put8(c, ver << 4 | (ihl & 0xf));
	put8(c, 0);
	put16(c, 0);	/* total length, set below */
	put16(c, s->frag_id & 0xffff);
	put16(c, frag);
	put8(c, s->ttl ? s->ttl : 64);
	put8(c, spec_proto(s));
	put16(c, 0);	/* checksum, set below */
	putn(c, src, 4);
	putn(c, dst, 4);
	fill(c, 1, s->ip_opt_len);	/* NOP options */
	*l4_off = c->len;
	build_l4(s, c);
	set16(c, l3 + 2, s->zero_tot_len ? 0 : s->bad_tot_len ? s->bad_tot_len : c->len - l3);
	if (!c->err && c->len >= l3 + hlen)
		set16(c, l3 + 10, ip_csum(c->b + l3, hlen));
}

static int build_l3(const struct tb_pkt_spec *s, struct cursor *c, size_t *ext_off,
		    size_t *l4_off)
{
	uint32_t src[4], dst[4];
	int err;

	if (s->ip_opt_len > 40 || s->ip_opt_len % 4 || s->n_ext > TB_PKT_MAX_EXT ||
	    s->ext_pad % 8 || s->ext_pad > 2040)
		return -EINVAL;
	err = spec_addrs(s, src, dst);
	if (err)
		return err;
	if (spec_family(s) == TB_AF_INET6) {
		build_v6(s, c, src, dst, ext_off, l4_off);
	} else {
		*ext_off = c->len;
		build_v4(s, c, src, dst, l4_off);
	}
	return c->err;
}

static void build_arp(struct cursor *c)
{
	static const uint8_t mac[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

	put16(c, 1);		/* Ethernet */
	put16(c, 0x0800);	/* IPv4 */
	put8(c, 6);
	put8(c, 4);
	put16(c, 1);		/* request */
	putn(c, mac, 6);
	put32(c, 0x0a000001);
	fill(c, 0, 6);
	put32(c, 0xa9fe0101);	/* 169.254.1.1 */
}

int tb_pkt_build(const struct tb_pkt_spec *s, struct tb_pkt *out)
{
	static const uint8_t dmac[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	struct cursor c = { .b = out->data, .cap = sizeof(out->data) };
	uint16_t eth = s->eth_proto;
	size_t ext_off = 0, l4_off = 0, cut_at;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!eth)
		eth = spec_family(s) == TB_AF_INET6 ? 0x86dd : 0x0800;
	putn(&c, dmac, 6);
	putn(&c, smac, 6);
	put16(&c, eth);
	out->l3_off = c.len;
	if (eth == 0x0806)
		build_arp(&c);
	else if (eth == 0x0800 || eth == 0x86dd)
		err = build_l3(s, &c, &ext_off, &l4_off);
	else
		fill(&c, PAYLOAD_BYTE, s->payload_len ? s->payload_len : 46);
	if (err || c.err)
		return err ? err : c.err;
	out->l4_off = l4_off ? l4_off : c.len;
	switch (s->cut) {
	case TB_CUT_L2:
		cut_at = 0;
		break;
	case TB_CUT_L3:
		cut_at = out->l3_off;
		break;
	case TB_CUT_EXT:
		cut_at = ext_off;
		break;
	case TB_CUT_L4:
		cut_at = out->l4_off;
		break;
	default:
		out->len = c.len;
		return 0;
	}
	cut_at += s->cut_keep;
	if (cut_at > c.len)
		return -EINVAL;
	out->len = cut_at;
	return 0;
}

int tb_pkt_spec_flow(const struct tb_pkt_spec *s, struct tb_flow *flow)
{
	uint8_t proto = spec_proto(s);
	int err;

	memset(flow, 0, sizeof(*flow));
	err = spec_addrs(s, flow->saddr, flow->daddr);
	if (err)
		return err;
	flow->family = spec_family(s);
	flow->proto = proto;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		flow->sport = s->sport;
		flow->dport = s->dport;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		flow->icmp_type = s->icmp_type;
		flow->icmp_code = s->icmp_code;
		break;
	default:
		break;
	}
	return 0;
}

void tb_pkt_spec_reverse(const struct tb_pkt_spec *s, struct tb_pkt_spec *out)
{
	*out = *s;
	out->src = s->dst;
	out->dst = s->src;
	out->sport = s->dport;
	out->dport = s->sport;
	if (!s->src || !s->dst) {
		int v6 = spec_family(s) == TB_AF_INET6;

		out->src = s->dst ? s->dst : (v6 ? "fd00::2" : "10.0.0.2");
		out->dst = s->src ? s->src : (v6 ? "fd00::1" : "10.0.0.1");
	}
}
