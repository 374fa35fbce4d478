// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam_addr.h"

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int tb_ip_parse(const char *s, struct tb_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

void tb_ip_format(const struct tb_ip *ip, char *buf, size_t len)
{
	if (!inet_ntop(ip->family, ip->a, buf, len) && len)
		buf[0] = '\0';
}

bool tb_ip_equal(const struct tb_ip *a, const struct tb_ip *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, addr_len(a->family));
}

static void mask_bits(struct tb_ip *ip, int len)
{
	int nbytes = addr_len(ip->family);

	for (int i = 0; i < nbytes; i++) {
		int keep = len - i * 8;

		if (keep >= 8)
			continue;
		ip->a[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

int tb_cidr_parse_ip(const char *s, struct tb_ip *ip, int *len)
{
	char buf[TB_CIDR_STRLEN];
	char *slash, *end;
	long l;
	int r;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	r = tb_ip_parse(buf, ip);
	if (r)
		return r;
	if (!slash) {
		*len = tb_ip_bits(ip->family);
		return 0;
	}
	errno = 0;
	l = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || l < 0 || l > tb_ip_bits(ip->family))
		return -EINVAL;
	*len = (int)l;
	return 0;
}

int tb_cidr_parse(const char *s, struct tb_cidr *out)
{
	int r = tb_cidr_parse_ip(s, &out->ip, &out->len);

	if (r)
		return r;
	mask_bits(&out->ip, out->len);
	return 0;
}

void tb_cidr_format(const struct tb_cidr *c, char *buf, size_t len)
{
	char ip[TB_IP_STRLEN];

	tb_ip_format(&c->ip, ip, sizeof(ip));
	snprintf(buf, len, "%s/%d", ip, c->len);
}

void tb_cidr_format_key(const struct tb_cidr *c, char *buf, size_t len)
{
	char ip[TB_IP_STRLEN];

	tb_ip_format(&c->ip, ip, sizeof(ip));
	snprintf(buf, len, "%s-%d", ip, c->len);
}

bool tb_cidr_contains(const struct tb_cidr *c, const struct tb_ip *ip)
{
	struct tb_ip m = *ip;

	if (ip->family != c->ip.family)
		return false;
	mask_bits(&m, c->len);
	return tb_ip_equal(&m, &c->ip);
}

bool tb_cidr_covers(const struct tb_cidr *outer, const struct tb_cidr *inner)
{
	return inner->len >= outer->len && tb_cidr_contains(outer, &inner->ip);
}

bool tb_cidr_overlaps(const struct tb_cidr *a, const struct tb_cidr *b)
{
	return tb_cidr_covers(a, b) || tb_cidr_covers(b, a);
}

uint32_t tb_cidr_size(const struct tb_cidr *c)
{
	int host = tb_ip_bits(c->ip.family) - c->len;

	return host >= 32 ? UINT32_MAX : (uint32_t)1 << host;
}

/* Adds v to the address, big-endian, carrying through all bytes. */
static void ip_add(struct tb_ip *ip, uint64_t v, int shift)
{
	int n = addr_len(ip->family);
	unsigned carry = 0;

	/* Add v << shift as a multi-byte number, byte by byte from the right. */
	for (int i = n - 1; i >= 0; i--) {
		int bitpos = (n - 1 - i) * 8 - shift;
		unsigned byte = 0;

		if (bitpos > -8 && bitpos < 64)
			byte = bitpos >= 0 ? (unsigned)((v >> bitpos) & 0xff)
					   : (unsigned)((v << -bitpos) & 0xff);
		carry += ip->a[i] + byte;
		ip->a[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

void tb_cidr_nth(const struct tb_cidr *c, uint64_t ordinal, struct tb_ip *out)
{
	*out = c->ip;
	ip_add(out, ordinal, 0);
}

/* The low 64 bits of an address as a number: a block never has more host bits than that. */
static uint64_t ip_low64(const struct tb_ip *ip)
{
	int n = addr_len(ip->family);
	uint64_t v = 0;

	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		v = (v << 8) | ip->a[i];
	return v;
}

uint64_t tb_cidr_ordinal(const struct tb_cidr *c, const struct tb_ip *ip)
{
	return ip_low64(ip) - ip_low64(&c->ip);
}

uint64_t tb_cidr_subnet_count(const struct tb_cidr *c, int sublen)
{
	int d = sublen - c->len;

	if (d < 0)
		return 0;
	return d >= 64 ? UINT64_MAX : (uint64_t)1 << d;
}

int tb_cidr_subnet(const struct tb_cidr *c, int sublen, uint64_t i, struct tb_cidr *out)
{
	if (sublen < c->len || sublen > tb_ip_bits(c->ip.family) ||
	    i >= tb_cidr_subnet_count(c, sublen))
		return -ERANGE;
	out->ip = c->ip;
	out->len = sublen;
	ip_add(&out->ip, i, tb_ip_bits(c->ip.family) - sublen);
	return 0;
}
