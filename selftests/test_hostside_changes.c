// SPDX-License-Identifier: Apache-2.0
/*
 * The host-side reconciler following the datastore: block affinities as blackholes, an
 * endpoint that changes address or interface, an endpoint whose interface is not tabby's,
 * and a sweep over 100 orphaned links in one batch.
 */
#include <criterion/criterion.h>

#include "hostside_reconciler.h"

#define AFF "/calico/ipam/v2/host/"

struct aff_step {
	const char *key;
	const char *doc;   /* JSON; NULL: the key is deleted */
	bool consumed;	   /* an affinity of this node */
	const char *route; /* `ip route show` arguments that must print a proto 84 blackhole */
	bool present;
};

static const struct aff_step aff_steps[] = {
    {AFF "n1/ipv4/block/10.65.4.0-26", "{\"state\":\"confirmed\"}", true, "10.65.4.0/26", true},
    {AFF "n2/ipv4/block/10.65.5.0-26", "{\"state\":\"confirmed\"}", false, "10.65.5.0/26", false},
    {AFF "n10/ipv4/block/10.65.6.0-26", "{}", false, "10.65.6.0/26", false},
    {"/calico/ipam/v2/assignment/ipv4/block/10.65.7.0-26", "{}", false, "10.65.7.0/26", false},
    {AFF "n1/ipv6/block/fd00:65:4::-122", "{\"state\":\"confirmed\"}", true, "fd00:65:4::/122",
     true},
    {AFF "n1/ipv4/block/10.65.8.0-26", "{}", true, "10.65.8.0/26", true},
    {AFF "n1/ipv4/block/garbage", "{}", true, "10.65.8.0/26", true},
    {AFF "n1/ipv6/block/10.65.9.0-26", "{}", true, "10.65.9.0/26", false},
    {AFF "n1/ipv4/block/10.65.4.0-26", "{\"state\":\"pendingDeletion\"}", true, "10.65.4.0/26",
     false},
    {AFF "n1/ipv6/block/fd00:65:4::-122", NULL, true, "fd00:65:4::/122", false},
    {AFF "n1/ipv4/block/10.65.8.0-26", NULL, true, "10.65.8.0/26", false},
};

/* Affinity keys in order, each followed by a look at the routing table. */
static int affinity_case(struct hostside *h, const void *arg)
{
	for (size_t i = 0; i < sizeof(aff_steps) / sizeof(aff_steps[0]); i++) {
		const struct aff_step *s = &aff_steps[i];
		json_t *doc = s->doc ? json_loads(s->doc, 0, NULL) : NULL;
		bool consumed =
		    doc ? hostside_ds_update(h, s->key, doc) : hostside_ds_remove(h, s->key);
		bool present;

		json_decref(doc);
		present = !hs_sh("ip %s route show %s | grep -q 'blackhole.*proto 84'",
				 strchr(s->route, ':') ? "-6" : "-4", s->route);
		if (consumed != s->consumed || present != s->present)
			return hs_fail("step %zu (%s%s): consumed %d, blackhole %s", i,
				       s->doc ? "" : "del ", s->key, consumed,
				       present ? "there" : "absent");
	}
	return 0;
}

Test(hostside_changes, block_affinities)
{
	HS_RUN_CASE(NULL, 1000, affinity_case, NULL);
}

/* A block's blackhole deleted or taken over by another protocol is put back by a sweep. */
static int blackhole_repair_case(struct hostside *h, const void *arg)
{
	struct tb_cidr b4, b6;

	tb_cidr_parse("10.65.4.0/26", &b4);
	tb_cidr_parse("fd00:65:4::/122", &b6);
	if (hostside_block_add(h, &b4) || hostside_block_add(h, &b6))
		return -1;
	if (hs_sh("ip route del 10.65.4.0/26 && ip -6 route replace blackhole fd00:65:4::/122 "
		  "proto static metric 1024") ||
	    hostside_sweep(h))
		return hs_fail("break or sweep failed");
	if (hs_sh("ip route show 10.65.4.0/26 | grep -q 'blackhole.*proto 84'") ||
	    hs_sh("ip -6 route show fd00:65:4::/122 | grep -q 'blackhole.*proto 84'"))
		return hs_fail("blackholes not repaired");
	return 0;
}

Test(hostside_changes, blackhole_repair)
{
	HS_RUN_CASE(NULL, 1000, blackhole_repair_case, NULL);
}

static const struct tb_ir_cidr ip5 = {.family = 4, .len = 32, .addr = {10, 65, 0, 5}};
static const struct tb_ir_cidr ip6 = {.family = 4, .len = 32, .addr = {10, 65, 0, 6}};

/* New address: the old route goes at once. New interface: its routes move with it. */
static int endpoint_moves_case(struct hostside *h, const void *arg)
{
	if (hostside_endpoint_update(h, "wep/a", "tabA", &ip5, 1) ||
	    hostside_endpoint_update(h, "wep/a", "tabA", &ip6, 1))
		return hs_fail("updates failed");
	if (!hs_sh("ip route show 10.65.0.5/32 | grep -q .") ||
	    hs_sh("ip route show 10.65.0.6/32 | grep -q 'dev tabA proto 84'"))
		return hs_fail("address change: old route kept or new one missing");
	if (hostside_endpoint_update(h, "wep/a", "tabB", &ip6, 1) ||
	    hs_sh("ip route show 10.65.0.6/32 | grep -q 'dev tabB proto 84'") ||
	    hs_sh("test $(ip route show 10.65.0.6/32 | wc -l) = 1"))
		return hs_fail("interface change: route not moved");
	return 0;
}

Test(hostside_changes, endpoint_moves)
{
	HS_RUN_CASE("for p in A B; do ip link add tab$p type veth peer name wl$p && "
		    "ip link set tab$p up && ip link set wl$p up; done",
		    1000, endpoint_moves_case, NULL);
}

/* An endpoint naming an interface that is not tabby's: remembered, never touched. */
static int foreign_iface_case(struct hostside *h, const void *arg)
{
	if (hostside_endpoint_update(h, "wep/x", "eth9", &ip5, 1) || hostside_sweep(h))
		return hs_fail("update or sweep failed");
	if (hs_sh("ip link show eth9 | grep -q 02:00:00:00:00:09") ||
	    !hs_sh("ip route show 10.65.0.5/32 | grep -q .") ||
	    hs_sh("grep -qx 0 /proc/sys/net/ipv4/conf/eth9/proxy_arp"))
		return hs_fail("eth9 was changed");
	/* Names that could leave /proc/sys/net/.../<iface> are refused outright. */
	if (hs_is_tab_name("tab/../x") || hs_is_tab_name("tab") ||
	    hs_is_tab_name("tab0123456789abcdef") || !hs_is_tab_name("tab0123456789a"))
		return hs_fail("hs_is_tab_name misjudges a name");
	return 0;
}

Test(hostside_changes, foreign_interface_untouched)
{
	HS_RUN_CASE("ip link add eth9 type veth peer name eth9p && ip link set eth9 address "
		    "02:00:00:00:00:09 && ip link set eth9 up && ip link set eth9p up",
		    0, foreign_iface_case, NULL);
}

/*
 * 100 orphaned veths (namespaces that outlived DEL) go in one sweep, in one batch: about one
 * RCU grace period instead of 100. The bound is generous for a shared machine; one by one
 * they take 1.8-4 s here.
 */
static int many_orphans_case(struct hostside *h, const void *arg)
{
	struct hostside_stats st;

	if (hostside_sweep(h))
		return hs_fail("sweep failed");
	hostside_get_stats(h, &st);
	if (st.links_removed != 100 || hs_sh("test $(ip -o link show | wc -l) = 1"))
		return hs_fail("%llu links removed", (unsigned long long)st.links_removed);
	if (st.last_sweep_s > 1.5)
		return hs_fail("the sweep took %.0f ms", st.last_sweep_s * 1e3);
	fprintf(stderr, "hostside: 100 orphaned veths removed in one sweep of %.0f ms\n",
		st.last_sweep_s * 1e3);
	return 0;
}

Test(hostside_changes, hundred_orphans_in_one_batch)
{
	HS_RUN_CASE("for i in $(seq 1 100); do echo link add tabo$i type veth peer name wo$i; "
		    "done | ip -batch -",
		    0, many_orphans_case, NULL);
}

/*
 * Someone else's link sits in the batch's link group: the batch deletes nothing, the sweep
 * falls back to a few deletes one by one per sweep, and the stranger stays.
 */
static int stranger_in_group_case(struct hostside *h, const void *arg)
{
	struct hostside_stats st;

	if (hs_sh("for i in 1 2 3 4 5 6; do ip link add tabs$i type veth peer name ws$i; done && "
		  "ip link add other0 type veth peer name other1 && ip link set other0 group %u",
		  TB_LINK_GROUP_DOOMED))
		return hs_fail("cannot create the links");
	/* Each sweep: how many links removed in all so far. */
	for (int i = 0; i < 2; i++) {
		unsigned want = i ? 6 : HS_SLOW_DELETES;

		if (hostside_sweep(h))
			return hs_fail("sweep %d failed", i);
		hostside_get_stats(h, &st);
		if (st.links_removed != want)
			return hs_fail("sweep %d: %llu removed in all, want %u", i,
				       (unsigned long long)st.links_removed, want);
	}
	if (hs_sh("ip -d link show other0 | grep -q 'group %u'", TB_LINK_GROUP_DOOMED) ||
	    !hs_sh("ip -o link show | grep -q tabs"))
		return hs_fail("the stranger changed or orphans are left");
	return 0;
}

Test(hostside_changes, stranger_in_the_link_group)
{
	/* The links are made in the case: the group is a number formatted in. */
	HS_RUN_CASE(NULL, 0, stranger_in_group_case, NULL);
}
