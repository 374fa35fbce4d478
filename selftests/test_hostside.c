// SPDX-License-Identifier: Apache-2.0
/*
 * The host-side reconciler against the real kernel: what a sweep repairs, what it removes,
 * what it never touches, and the grace period. Each case runs in a network namespace of its
 * own (hostside_fixture.h).
 */
#include <criterion/criterion.h>

#include "hostside_reconciler.h"

/* tabA (the endpoint's) and tabB (nobody's), both up: where every case starts. */
#define VETHS                                                                                      \
	"ip link add tabA type veth peer name wlA && ip link add tabB type veth peer name wlB && " \
	"for l in tabA wlA tabB wlB; do ip link set $l up; done"

static const struct tb_ir_cidr ep_ips[] = {
    {.family = 4, .len = 32, .addr = {10, 65, 0, 5}},
    {.family = 6, .len = 128, .addr = {0xfd, 0, 0, 0x65, [15] = 5}},
};

/* The endpoint's host side as the CNI plugin leaves it; every check passes. */
static const char *const healthy[] = {
    "ip -4 route show 10.65.0.5/32 | grep -q 'dev tabA proto 84'",
    "ip -6 route show fd00:65::5/128 | grep -q 'dev tabA proto 84'",
    "ip link show tabA | grep -q ee:ee:ee:ee:ee:ee",
    "grep -qx 1 /proc/sys/net/ipv4/conf/tabA/proxy_arp",
    "grep -qx 0 /proc/sys/net/ipv4/neigh/tabA/proxy_delay",
    "grep -qx 1 /proc/sys/net/ipv4/conf/tabA/forwarding",
    "grep -qx 0 /proc/sys/net/ipv6/conf/tabA/accept_dad",
    "grep -qx 1 /proc/sys/net/ipv6/conf/tabA/proxy_ndp",
    "grep -qx 1 /proc/sys/net/ipv6/conf/tabA/forwarding",
};

static int all_healthy(const char *when)
{
	for (size_t i = 0; i < sizeof(healthy) / sizeof(healthy[0]); i++)
		if (hs_sh("%s", healthy[i]))
			return hs_fail("%s: failed: %s", when, healthy[i]);
	return 0;
}

struct breakage {
	const char *name;
	const char *cmd;
};

static const struct breakage breakages[] = {
    {"v4 route deleted", "ip route del 10.65.0.5/32"},
    {"v6 route deleted", "ip -6 route del fd00:65::5/128"},
    {"v4 route moved to another tab link", "ip route replace 10.65.0.5/32 dev tabB"},
    {"MAC changed", "ip link set tabA address 02:00:00:00:00:01"},
    {"proxy_arp off", "echo 0 > /proc/sys/net/ipv4/conf/tabA/proxy_arp"},
    {"proxy_delay back", "echo 80 > /proc/sys/net/ipv4/neigh/tabA/proxy_delay"},
    {"v4 forwarding off", "echo 0 > /proc/sys/net/ipv4/conf/tabA/forwarding"},
    {"DAD on", "echo 1 > /proc/sys/net/ipv6/conf/tabA/accept_dad"},
    {"proxy_ndp off", "echo 0 > /proc/sys/net/ipv6/conf/tabA/proxy_ndp"},
    {"v6 forwarding off", "echo 0 > /proc/sys/net/ipv6/conf/tabA/forwarding"},
    {"everything at once", "ip route del 10.65.0.5/32 && ip link set tabA address "
			   "02:00:00:00:00:01 && echo 0 > /proc/sys/net/ipv4/conf/tabA/proxy_arp"},
};

/* An endpoint update builds the host side at once; a sweep repairs one breakage, then the
 * next sweep finds nothing to do. */
static int repair_case(struct hostside *h, const void *arg)
{
	const struct breakage *b = arg;
	struct hostside_stats st;
	uint64_t repairs;
	int e;

	e = hostside_endpoint_update(h, "wep/a", "tabA", ep_ips, 2);
	if (e)
		return hs_fail("endpoint update: %s", strerror(-e));
	if (all_healthy("after the update") || hostside_sweep(h))
		return -1;
	hostside_get_stats(h, &st);
	if (st.repairs)
		return hs_fail("a sweep of a healthy host side repaired %llu things",
			       (unsigned long long)st.repairs);
	if (hs_sh("%s", b->cmd))
		return hs_fail("%s: cannot break it", b->name);
	e = hostside_sweep(h);
	hostside_get_stats(h, &st);
	if (e || !st.repairs)
		return hs_fail("%s: sweep %s, %llu repairs", b->name, strerror(-e),
			       (unsigned long long)st.repairs);
	repairs = st.repairs;
	if (all_healthy(b->name) || hostside_sweep(h))
		return -1;
	hostside_get_stats(h, &st);
	if (st.repairs != repairs || st.links_removed || st.routes_removed)
		return hs_fail("%s: the sweep after the repair changed things", b->name);
	return 0;
}

Test(hostside, repairs)
{
	for (size_t i = 0; i < sizeof(breakages) / sizeof(breakages[0]); i++)
		HS_RUN_CASE(VETHS, 1000, repair_case, &breakages[i]);
}

struct item {
	const char *what;
	const char *make;    /* creates it */
	const char *present; /* exit 0 while it exists */
	bool kept;
};

static const struct item items[] = {
    {"orphaned tab veth", "true", "ip link show tabB", false},
    {"tab-named bridge", "ip link add tabbr type bridge", "ip link show tabbr", true},
    {"veth not named tab", "ip link add wl9 type veth peer name wl9p", "ip link show wl9", true},
    {"the endpoint's route", "true", "ip route show 10.65.0.5/32 | grep -q tabA", true},
    {"foreign /32 over the endpoint's link", "ip route add 10.65.0.9/32 dev tabA",
     "ip route show 10.65.0.9/32 | grep -q tabA", false},
    {"foreign /128 over the endpoint's link", "ip -6 route add fd00:65::99/128 dev tabA",
     "ip -6 route show fd00:65::99/128 | grep -q tabA", false},
    {"/24 over the endpoint's link", "ip route add 10.65.9.0/24 dev tabA",
     "ip route show 10.65.9.0/24 | grep -q tabA", true},
    {"/32 with a gateway over the endpoint's link",
     "ip route add 10.65.0.10/32 via 169.254.1.1 dev tabA onlink",
     "ip route show 10.65.0.10/32 | grep -q tabA", true},
    {"/32 over a veth not named tab",
     "ip link add wl8 type veth peer name wl8p && ip link set wl8 up && ip link set wl8p up "
     "&& ip route add 10.66.0.7/32 dev wl8",
     "ip route show 10.66.0.7/32 | grep -q wl8", true},
    {"tabby blackhole of no block", "ip route add blackhole 10.65.1.0/26 proto 84",
     "ip route show 10.65.1.0/26 | grep -q blackhole", false},
    {"tabby v6 blackhole of no block", "ip -6 route add blackhole fd00:65:9::/122 proto 84",
     "ip -6 route show fd00:65:9::/122 | grep -q blackhole", false},
    {"someone else's blackhole", "ip route add blackhole 10.65.2.0/26 proto static",
     "ip route show 10.65.2.0/26 | grep -q blackhole", true},
    {"the blackhole of an affine block", "true",
     "ip route show 10.65.3.0/26 | grep -q 'blackhole.*proto 84'", true},
};

#define N_ITEMS (sizeof(items) / sizeof(items[0]))

/* One sweep with no grace: exactly the items not kept are gone. */
static int removal_case(struct hostside *h, const void *arg)
{
	struct hostside_stats st;
	struct tb_cidr block;
	int e;

	tb_cidr_parse("10.65.3.0/26", &block);
	if (hostside_endpoint_update(h, "wep/a", "tabA", ep_ips, 2) ||
	    hostside_block_add(h, &block))
		return hs_fail("cannot set the desired state");
	for (size_t i = 0; i < N_ITEMS; i++) {
		if (hs_sh("%s", items[i].make) || hs_sh("%s >/dev/null", items[i].present))
			return hs_fail("cannot make: %s", items[i].what);
	}
	e = hostside_sweep(h);
	if (e)
		return hs_fail("sweep: %s", strerror(-e));
	for (size_t i = 0; i < N_ITEMS; i++) {
		bool there = !hs_sh("%s >/dev/null 2>&1", items[i].present);

		if (there != items[i].kept)
			return hs_fail("%s: %s", items[i].what, there ? "still there" : "removed");
	}
	hostside_get_stats(h, &st);
	if (st.links_removed != 1 || st.routes_removed != 2 || st.blackholes_removed != 2)
		return hs_fail("stats: %llu links, %llu routes, %llu blackholes removed",
			       (unsigned long long)st.links_removed,
			       (unsigned long long)st.routes_removed,
			       (unsigned long long)st.blackholes_removed);
	return 0;
}

Test(hostside, removes_only_what_is_tabbys)
{
	HS_RUN_CASE(VETHS, 0, removal_case, NULL);
}

/*
 * With a grace period an orphan survives the sweep that finds it; it goes at the first sweep
 * after the grace period — unless an endpoint claimed it in between.
 */
static int grace_case(struct hostside *h, const void *arg)
{
	static const struct tb_ir_cidr c_ip = {.family = 4, .len = 32, .addr = {10, 65, 0, 7}};

	if (hs_sh("ip link add tabC type veth peer name wlC && ip link set tabC up && "
		  "ip link set wlC up && ip route add 10.65.0.9/32 dev tabA && "
		  "ip route add 10.65.0.7/32 dev tabC") ||
	    hostside_endpoint_update(h, "wep/a", "tabA", ep_ips, 2))
		return hs_fail("setup failed");
	if (hostside_sweep(h) || hs_sh("ip link show tabB >/dev/null && ip link show tabC "
				       ">/dev/null && ip route show 10.65.0.9/32 | grep -q tabA"))
		return hs_fail("an orphan went before its grace period");
	/* The CNI plugin's endpoint for tabC reaches the agent late. */
	if (hostside_endpoint_update(h, "wep/c", "tabC", &c_ip, 1))
		return hs_fail("endpoint update failed");
	usleep(350 * 1000);
	if (hostside_sweep(h))
		return hs_fail("second sweep failed");
	if (!hs_sh("ip link show tabB >/dev/null 2>&1") ||
	    !hs_sh("ip route show 10.65.0.9/32 | grep -q tabA"))
		return hs_fail("orphans outlived the grace period");
	if (hs_sh("ip route show 10.65.0.7/32 | grep -q 'tabC proto 84'"))
		return hs_fail("the claimed link or its route went");
	return 0;
}

Test(hostside, grace_period)
{
	HS_RUN_CASE(VETHS, 0.3, grace_case, NULL);
}
