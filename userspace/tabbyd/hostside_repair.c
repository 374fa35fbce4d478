// SPDX-License-Identifier: Apache-2.0
/*
 * Putting one workload's host side right: its MAC, its sysctls, its routes, and the node's
 * block blackholes. Each function reads before it writes, so a sweep over a healthy node
 * changes nothing and counts no repairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostside_int.h"
#include "log.h"

/* The host side answers for the gateway: its IPv6 link-local must be fe80::ecee:eeff:feee:eeee. */
static const uint8_t gw_mac[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};

int hs_repair_mac(struct hostside *h, const struct hs_ep *e, int ifindex, const uint8_t mac[6])
{
	int r;

	if (!memcmp(mac, gw_mac, 6))
		return 0;
	r = tb_nl_link_set_mac(&h->nl, ifindex, gw_mac);
	if (r) {
		tb_warn("endpoint %s: cannot set the MAC of %s: %s", e->key, e->iface,
			tb_nl_strerror(&h->nl, r));
		return r;
	}
	tb_info("endpoint %s: %s had a MAC other than ee:ee:ee:ee:ee:ee; set", e->key, e->iface);
	return 1;
}

/* Reads /proc/sys/<path> into buf (newline dropped). */
static int sysctl_read(const char *path, char *buf, size_t len)
{
	char full[160];
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

struct hs_sysctl {
	const char *fmt;
	const char *value;
	bool v6;
};

/* What the CNI plugin sets on the host side (docs/cni.md), in the same order. */
static const struct hs_sysctl sysctls[] = {
    {"net/ipv4/conf/%s/proxy_arp", "1", false},	 {"net/ipv4/neigh/%s/proxy_delay", "0", false},
    {"net/ipv4/conf/%s/forwarding", "1", false}, {"net/ipv6/conf/%s/accept_dad", "0", true},
    {"net/ipv6/conf/%s/proxy_ndp", "1", true},	 {"net/ipv6/conf/%s/forwarding", "1", true},
};

int hs_repair_sysctls(struct hostside *h, const struct hs_ep *e)
{
	int fixed = 0, first = 0;

	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++) {
		const struct hs_sysctl *s = &sysctls[i];
		char path[128], cur[32] = "?";
		int r;

		if (s->v6 && !e->v6)
			continue;
		snprintf(path, sizeof(path), s->fmt, e->iface);
		r = sysctl_read(path, cur, sizeof(cur));
		if (!r && !strcmp(cur, s->value))
			continue;
		/* The link went away under us, or IPv6 is off on it: nothing to put right. */
		if (r == -ENOENT)
			continue;
		r = tb_sysctl_write(path, s->value);
		if (r) {
			tb_warn("endpoint %s: cannot set %s=%s: %s", e->key, path, s->value,
				strerror(-r));
			first = first ? first : r;
			continue;
		}
		tb_info("endpoint %s: %s was %s; set to %s", e->key, path, cur, s->value);
		fixed++;
	}
	return first ? first : fixed;
}

int hs_put_route(struct hostside *h, const struct hs_ep *e, size_t i, int ifindex)
{
	char a[TB_CIDR_STRLEN];
	int r = tb_nl_route_put(&h->nl, &e->ips[i], RTN_UNICAST, ifindex, TB_RTPROT_TABBY);

	if (r) {
		tb_cidr_format(&e->ips[i], a, sizeof(a));
		tb_warn("endpoint %s: cannot route %s through %s: %s", e->key, a, e->iface,
			tb_nl_strerror(&h->nl, r));
	}
	return r;
}

int hs_put_blackhole(struct hostside *h, const struct tb_cidr *block)
{
	char a[TB_CIDR_STRLEN];
	int r = tb_nl_route_put(&h->nl, block, RTN_BLACKHOLE, 0, TB_RTPROT_TABBY);

	tb_cidr_format(block, a, sizeof(a));
	if (r) {
		tb_warn("block %s: cannot add its blackhole route: %s", a,
			tb_nl_strerror(&h->nl, r));
		return r;
	}
	h->st.blackholes_added++;
	tb_debug("block %s: blackhole route in place", a);
	return 0;
}
