// SPDX-License-Identifier: Apache-2.0
/*
 * The networking the plugin builds, checked with real traffic:
 *
 *     [ w0 ]eth0 --- tabX[   node namespace   ]tabY --- eth0[ w1 ]
 *      10.126.0.a       forwarding on, no BPF        10.126.0.b
 *      fd00:126::a      routes /32 /128 per veth     fd00:126::b
 *
 * Each workload reaches the other over IPv4 and IPv6 at once after ADD (no DAD wait, no
 * ARP/ND delay), with the configured MTU, and the node routes to each address over its veth.
 */
#include <criterion/criterion.h>

#include "cni_harness.h"

static const char *conf =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"dual\",\"type\":\"tabby\",\"nodename\":\"n1\","
    "\"mtu\":1450,\"ipam\":{\"type\":\"tabby-ipam\",\"assign_ipv4\":\"true\","
    "\"assign_ipv6\":\"true\"}}";

static void setup(void)
{
	cr_assert_eq(h_setup(), 0, "harness setup");
	cr_assert_eq(h_pool("v4", "10.126.0.0/24"), 0);
	cr_assert_eq(h_pool("v6", "fd00:126::/112"), 0);
}

TestSuite(cni_net, .init = setup, .fini = h_teardown, .timeout = 60);

struct wl {
	const char *ns;
	char v4[64];
	char v6[64];
	char veth[16];
};

static void add(struct wl *w, const char *cid)
{
	struct h_env env = {"ADD", cid, NULL, "eth0", NULL};
	json_t *r, *ips;
	char *out;

	w->ns = h_workload_ns();
	cr_assert_not_null(w->ns);
	env.netns = w->ns;
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "ADD: %s", out);
	r = json_loads(out, 0, NULL);
	ips = json_object_get(r, "ips");
	cr_assert_eq(json_array_size(ips), 2, "one IPv4 and one IPv6 address: %s", out);
	snprintf(w->v4, sizeof(w->v4), "%s",
		 json_string_value(json_object_get(json_array_get(ips, 0), "address")));
	snprintf(w->v6, sizeof(w->v6), "%s",
		 json_string_value(json_object_get(json_array_get(ips, 1), "address")));
	*strchr(w->v4, '/') = '\0';
	*strchr(w->v6, '/') = '\0';
	snprintf(w->veth, sizeof(w->veth), "%s",
		 json_string_value(
		     json_object_get(json_array_get(json_object_get(r, "interfaces"), 0), "name")));
	json_decref(r);
	free(out);
}

static const char *nsname(const struct wl *w)
{
	return strrchr(w->ns, '/') + 1;
}

Test(cni_net, dual_stack_traffic_between_workloads)
{
	struct wl a, b;

	add(&a, "ping-a");
	add(&b, "ping-b");
	cr_assert_eq(h_sh("ip netns exec %s ping -c1 -W2 %s >/dev/null", nsname(&a), b.v4), 0,
		     "IPv4 a -> b");
	cr_assert_eq(h_sh("ip netns exec %s ping -c1 -W2 %s >/dev/null", nsname(&b), a.v4), 0,
		     "IPv4 b -> a");
	cr_assert_eq(h_sh("ip netns exec %s ping -6 -c1 -W2 %s >/dev/null", nsname(&a), b.v6), 0,
		     "IPv6 a -> b");
	cr_assert_eq(h_sh("ip netns exec %s ping -6 -c1 -W2 %s >/dev/null", nsname(&b), a.v6), 0,
		     "IPv6 b -> a");
	/* Large packets pass at the configured MTU and no further. */
	cr_assert_eq(
	    h_sh("ip netns exec %s ping -M do -s 1422 -c1 -W2 %s >/dev/null", nsname(&a), b.v4), 0,
	    "1450-byte packet");
	cr_assert_neq(h_sh("ip netns exec %s ping -M do -s 1423 -c1 -W1 %s >/dev/null 2>&1",
			   nsname(&a), b.v4),
		      0, "1451-byte packet refused");
}

Test(cni_net, host_side_as_designed)
{
	struct wl a;

	add(&a, "host-a");
	cr_assert_eq(h_sh("ip -n %s route show %s | grep -q 'dev %s'", h_node, a.v4, a.veth), 0,
		     "node route to the IPv4 address");
	cr_assert_eq(h_sh("ip -n %s -6 route show %s | grep -q 'dev %s'", h_node, a.v6, a.veth), 0,
		     "node route to the IPv6 address");
	cr_assert_eq(h_sh("ip -n %s link show %s | grep -q 'ee:ee:ee:ee:ee:ee'", h_node, a.veth), 0,
		     "host side MAC");
	cr_assert_eq(h_sh("ip netns exec %s cat /proc/sys/net/ipv4/conf/%s/proxy_arp | grep -q 1",
			  h_node, a.veth),
		     0);
	cr_assert_eq(
	    h_sh("ip -n %s route show default | grep -q 'via 169.254.1.1 dev eth0'", nsname(&a)),
	    0);
	cr_assert_eq(h_sh("ip -n %s -6 route show default | grep -q "
			  "'via fe80::ecee:eeff:feee:eeee dev eth0'",
			  nsname(&a)),
		     0);
	cr_assert_eq(h_sh("ip -n %s link show eth0 | grep -q 'mtu 1450'", nsname(&a)), 0);
}

Test(cni_net, del_leaves_the_link_to_namespace_teardown)
{
	struct h_env env = {"DEL", "gone", NULL, "eth0", NULL};
	struct wl a;
	char *out;

	add(&a, "gone");
	env.netns = a.ns;
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "DEL: %s", out);
	free(out);
	/* The released addresses are out of use at once: no node route, not in the workload. */
	cr_assert_neq(h_sh("ip -n %s route show %s | grep -q .", h_node, a.v4), 0,
		      "node route to %s removed", a.v4);
	cr_assert_neq(h_sh("ip -n %s -6 route show %s | grep -q .", h_node, a.v6), 0,
		      "node route to %s removed", a.v6);
	cr_assert_neq(h_sh("ip -n %s addr show dev eth0 | grep -q '%s'", nsname(&a), a.v4), 0,
		      "%s removed from the workload", a.v4);
	cr_assert_eq(h_sh("ip -n %s link show %s >/dev/null", h_node, a.veth), 0,
		     "the veth itself is left to the namespace teardown");
	/* The namespace's teardown removes the pair, batched, without DEL paying for it. */
	cr_assert_eq(h_sh("ip netns del %s", nsname(&a)), 0);
	for (int i = 0; i < 50; i++) {
		if (h_sh("ip -n %s link show %s >/dev/null 2>&1", h_node, a.veth))
			return;
		usleep(20000);
	}
	cr_assert_fail("%s outlived its namespace", a.veth);
}

Test(cni_net, readd_in_same_namespace_replaces_the_pair)
{
	struct h_env env = {"ADD", "again", NULL, "eth0", NULL};
	struct wl a;
	char *out;

	add(&a, "again");
	env.netns = a.ns;
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "second ADD: %s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/dual.again"), 1);
	cr_assert_eq(
	    h_sh("ip -n %s -o addr show dev eth0 | grep -c 'inet ' | grep -q '^1$'", nsname(&a)), 0,
	    "one IPv4 address, not two");
}
