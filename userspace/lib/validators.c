// SPDX-License-Identifier: Apache-2.0
/* IP addresses and prefixes, read and printed as Go's net package does (Calico's values). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "validators.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

unsigned tb_cidr_bits(const struct tb_net *c)
{
	return c->family == AF_INET ? 32 : 128;
}

/* glibc's inet_pton already refuses IPv4 octets with leading zeros, as Go does. */
static int parse_addr(const char *s, struct tb_net *out, bool unmap)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = AF_INET;
	} else if (strchr(s, ':') && inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = AF_INET6;
		/* Go treats an IPv4-mapped address as IPv4 (To4() succeeds). */
		if (unmap && !memcmp(out->addr, v4mapped, sizeof(v4mapped))) {
			memmove(out->addr, out->addr + 12, 4);
			memset(out->addr + 4, 0, 12);
			out->family = AF_INET;
		}
	} else {
		return -EINVAL;
	}
	out->prefix = tb_cidr_bits(out);
	return 0;
}

int tb_parse_ip(const char *s, struct tb_net *out)
{
	if (!s || !*s)
		return -EINVAL;
	return parse_addr(s, out, true);
}

static int parse_len(const char *s, unsigned max, unsigned *out)
{
	unsigned n = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (unsigned)(*s - '0');
		if (n > max)
			return -EINVAL;
	}
	*out = n;
	return 0;
}

int tb_parse_cidr(const char *s, bool bare_ok, struct tb_net *out)
{
	const char *slash;
	char addr[INET6_ADDRSTRLEN + 1];
	size_t n;

	if (!s || !*s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash)
		return bare_ok ? parse_addr(s, out, true) : -EINVAL;
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	/* A prefix written in IPv6 form stays IPv6, as Go's ParseCIDR keeps it. */
	if (parse_addr(addr, out, false))
		return -EINVAL;
	if (parse_len(slash + 1, tb_cidr_bits(out), &out->prefix))
		return -EINVAL;
	out->has_prefix = true;
	return 0;
}

bool tb_cidr_is_masked(const struct tb_net *c)
{
	struct tb_net m = *c;

	tb_cidr_mask(&m);
	return !memcmp(m.addr, c->addr, sizeof(c->addr));
}

void tb_cidr_mask(struct tb_net *c)
{
	unsigned bits = tb_cidr_bits(c);

	for (unsigned i = c->prefix; i < bits; i++)
		c->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

bool tb_net_contains(const struct tb_net *outer, const struct tb_net *inner)
{
	struct tb_net a = *outer, b = *inner;

	if (a.family != b.family || b.prefix < a.prefix)
		return false;
	b.prefix = a.prefix;
	tb_cidr_mask(&a);
	tb_cidr_mask(&b);
	return !memcmp(a.addr, b.addr, sizeof(a.addr));
}

int tb_net_format_ip(const struct tb_net *c, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, tmp, sizeof(tmp)))
		return -EINVAL;
	if (strlen(tmp) >= len)
		return -ENOSPC;
	strcpy(buf, tmp);
	return 0;
}

int tb_net_format(const struct tb_net *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (tb_net_format_ip(c, ip, sizeof(ip)))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%u", ip, c->prefix);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
