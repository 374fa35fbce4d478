// SPDX-License-Identifier: Apache-2.0
/*
 * The packet builder the BPF tests rely on: lengths, offsets and the header bytes that the
 * datapath parses, so that a datapath test failure is never the builder's fault.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>

#include "helpers/pkt.h"

struct pkt_case {
	const char *name;
	struct tb_pkt_spec spec;
	uint32_t len;
	uint32_t l4_off;
	/* up to 4 (offset, byte) probes */
	struct {
		uint32_t off;
		uint8_t val;
	} probe[4];
	int n_probe;
};

static const struct tb_pkt_spec inner_udp = { .proto = IPPROTO_UDP, .sport = 53, .dport = 999 };

static const struct pkt_case cases[] = {
	{ "ipv4 tcp syn", { .sport = 1000, .dport = 80, .tcp_flags = TB_TCP_SYN }, 54, 34,
	  { { 12, 0x08 }, { 14, 0x45 }, { 23, IPPROTO_TCP }, { 47, TB_TCP_SYN } }, 4 },
	{ "ipv4 udp payload", { .proto = IPPROTO_UDP, .sport = 1, .dport = 2, .payload_len = 10 },
	  52, 34, { { 16, 0 }, { 17, 38 }, { 39, 18 }, { 51, 0xab } }, 4 },
	{ "ipv4 options", { .proto = IPPROTO_UDP, .ip_opt_len = 8 }, 50, 42,
	  { { 14, 0x47 }, { 34, 1 } }, 2 },
	{ "ipv4 non-first fragment", { .proto = IPPROTO_UDP, .frag_off = 16, .payload_len = 8 },
	  42, 34, { { 20, 0 }, { 21, 2 } }, 2 },
	{ "ipv4 first fragment", { .proto = IPPROTO_UDP, .frag_more = true, .frag_id = 7 },
	  42, 34, { { 19, 7 }, { 20, 0x20 } }, 2 },
	{ "ipv6 udp", { .family = TB_AF_INET6, .proto = IPPROTO_UDP }, 62, 54,
	  { { 12, 0x86 }, { 14, 0x60 }, { 19, 8 }, { 20, IPPROTO_UDP } }, 4 },
	{ "ipv6 ext chain", { .family = TB_AF_INET6, .proto = IPPROTO_TCP, .n_ext = 3,
			      .ext = { IPPROTO_HOPOPTS, IPPROTO_AH, IPPROTO_FRAGMENT } },
	  106, 86, { { 20, IPPROTO_HOPOPTS }, { 54, IPPROTO_AH }, { 62, IPPROTO_FRAGMENT },
		     { 78, IPPROTO_TCP } }, 4 },
	{ "icmp error quoting udp", { .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 3,
				      .inner = &inner_udp },
	  70, 34, { { 34, 3 }, { 42, 0x45 }, { 51, IPPROTO_UDP }, { 63, 53 } }, 4 },
	{ "arp", { .eth_proto = 0x0806 }, 42, 42, { { 12, 0x08 }, { 13, 0x06 } }, 2 },
	{ "cut inside tcp", { .cut = TB_CUT_L4, .cut_keep = 10 }, 44, 34, { { 14, 0x45 } }, 1 },
	{ "cut inside ipv6", { .family = TB_AF_INET6, .cut = TB_CUT_L3, .cut_keep = 39 }, 53, 54,
	  { { 14, 0x60 } }, 1 },
};

Test(bpf_pkt, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pkt_case *c = &cases[i];
		struct tb_pkt p;
		int err = tb_pkt_build(&c->spec, &p);

		if (err)
			cr_expect_fail("%s: build failed: %d", c->name, err);
		if (p.len != c->len || p.l4_off != c->l4_off)
			cr_expect_fail("%s: len %u l4 %u, want %u %u", c->name, p.len, p.l4_off,
				       c->len, c->l4_off);
		for (int j = 0; j < c->n_probe; j++) {
			uint32_t off = c->probe[j].off;

			if (off >= TB_PKT_MAX || p.data[off] != c->probe[j].val)
				cr_expect_fail("%s: byte %u is 0x%02x, want 0x%02x", c->name, off,
					p.data[off], c->probe[j].val);
		}
	}
}

Test(bpf_pkt, ipv4_header_checksum)
{
	struct tb_pkt p;
	uint32_t sum = 0;

	if (tb_pkt_build(&(struct tb_pkt_spec){ .proto = IPPROTO_UDP }, &p))
		goto fail;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p.data[14 + i] << 8 | p.data[15 + i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	if (sum != 0xffff)
		goto fail;
	return;
fail:
	cr_expect_fail("checksum does not verify");
}

Test(bpf_pkt, flow_and_reverse)
{
	struct tb_pkt_spec s = { .family = TB_AF_INET6, .proto = IPPROTO_SCTP, .src = "fd00::a",
				 .sport = 5, .dport = 6 }, r;
	struct tb_flow f, g;

	tb_pkt_spec_reverse(&s, &r);
	if (tb_pkt_spec_flow(&s, &f) || tb_pkt_spec_flow(&r, &g))
		goto fail;
	if (f.sport != 5 || g.sport != 6 || f.family != TB_AF_INET6 || f.proto != IPPROTO_SCTP)
		goto fail;
	if (memcmp(f.saddr, g.daddr, 16) || memcmp(f.daddr, g.saddr, 16))
		goto fail;
	return;
fail:
	cr_expect_fail("flow/reverse mismatch");
}

Test(bpf_pkt, bad_address_refused)
{
	struct tb_pkt p;

	cr_expect_eq(tb_pkt_build(&(struct tb_pkt_spec){ .src = "nope" }, &p), -EINVAL);
}
