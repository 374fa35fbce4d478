// SPDX-License-Identifier: Apache-2.0
/*
 * The netlink objects (nl_*.c) in a private network namespace per test: a veth pair with its
 * peer in a second namespace, addresses, routes, permanent neighbours, and the kernel's
 * extended-ack message on a refused request.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nl.h"

static char peer_ns[64];

static void setup(void)
{
	char cmd[160];

	cr_assert_eq(unshare(CLONE_NEWNET), 0, "private namespace");
	snprintf(peer_ns, sizeof(peer_ns), "tbnl-%d", getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", peer_ns);
	cr_assert_eq(system(cmd), 0);
}

static void teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", peer_ns);
	if (system(cmd))
		cr_log_warn("could not delete %s", peer_ns);
}

TestSuite(cni_nl, .init = setup, .fini = teardown, .timeout = 30);

Test(cni_nl, veth_addr_route_neigh)
{
	static const uint8_t mac[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
	char path[96];
	struct tb_nl nl, peer;
	static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
	struct tb_veth_spec spec = {.host_name = "tabtest0",
				    .host_mac = mac,
				    .peer_name = "eth7",
				    .peer_mac = peer_mac,
				    .mtu = 1400};
	struct tb_cidr dst, any;
	struct tb_ip ip, gw;
	uint8_t got[6];
	int idx, pidx;
	bool has;

	snprintf(path, sizeof(path), "/run/netns/%s", peer_ns);
	spec.peer_netns_fd = open(path, O_RDONLY);
	cr_assert_geq(spec.peer_netns_fd, 0);
	cr_assert_eq(tb_nl_open(&nl), 0);
	cr_assert_eq(tb_nl_veth_add(&nl, &spec), 0, "%s", nl.msg);
	cr_assert_eq(tb_nl_veth_add(&nl, &spec), -EEXIST);
	cr_assert_eq(tb_nl_link_get(&nl, "tabtest0", &idx, got), 0);
	cr_assert_arr_eq(got, mac, 6);
	cr_assert_eq(tb_nl_link_get(&nl, "nope0", &idx, NULL), -ENODEV);
	cr_assert_eq(tb_nl_link_set_up(&nl, idx), 0);

	cr_assert_eq(tb_nl_open_netns(&peer, path), 0);
	cr_assert_eq(tb_nl_link_get(&peer, "eth7", &pidx, got), 0, "peer born in the namespace");
	cr_assert_arr_eq(got, peer_mac, 6, "the peer has the MAC asked for");
	cr_assert_eq(tb_nl_link_set_up(&peer, pidx), 0);
	cr_assert_eq(tb_ip_parse("10.9.9.9", &ip), 0);
	cr_assert_eq(tb_nl_addr_add(&peer, pidx, &ip, 32), 0);
	cr_assert_eq(tb_nl_addr_has(&peer, pidx, &ip, 32, &has), 0);
	cr_assert(has);
	cr_assert_eq(tb_ip_parse("169.254.1.1", &gw), 0);
	cr_assert_eq(tb_nl_neigh_add_permanent(&peer, pidx, &gw, mac), 0);
	cr_assert_eq(tb_cidr_parse("169.254.1.1/32", &dst), 0);
	cr_assert_eq(tb_nl_route_replace(&peer, &dst, pidx, NULL), 0);
	cr_assert_eq(tb_cidr_parse("0.0.0.0/0", &any), 0);
	cr_assert_eq(tb_nl_route_replace(&peer, &any, pidx, &gw), 0, "%s", peer.msg);
	cr_assert_eq(tb_nl_route_has(&peer, &any, pidx, &gw, &has), 0);
	cr_assert(has);
	cr_assert_eq(tb_nl_addr_del(&peer, pidx, &ip, 32), 0);
	cr_assert_eq(tb_nl_addr_del(&peer, pidx, &ip, 32), 0, "deleting twice is fine");
	cr_assert_eq(tb_nl_addr_has(&peer, pidx, &ip, 32, &has), 0);
	cr_assert(!has);

	cr_assert_eq(tb_cidr_parse("10.9.9.9/32", &dst), 0);
	cr_assert_eq(tb_nl_route_replace(&nl, &dst, idx, NULL), 0);
	cr_assert_eq(tb_nl_route_has(&nl, &dst, idx, NULL, &has), 0);
	cr_assert(has);
	cr_assert_eq(tb_nl_route_del(&nl, &dst, idx), 0);
	cr_assert_eq(tb_nl_route_del(&nl, &dst, idx), 0, "an absent route is fine");
	cr_assert_eq(tb_nl_link_del(&nl, "tabtest0"), 0);
	cr_assert_eq(tb_nl_link_del(&nl, "tabtest0"), 0, "an absent link is fine");
	tb_nl_close(&peer);
	tb_nl_close(&nl);
	close(spec.peer_netns_fd);
}

Test(cni_nl, kernel_message_reaches_the_caller)
{
	struct tb_nl nl;
	struct tb_cidr dst;
	struct tb_ip gw;
	int r;

	cr_assert_eq(tb_nl_open(&nl), 0);
	cr_assert_eq(system("ip link set lo up"), 0);
	cr_assert_eq(tb_cidr_parse("10.1.0.0/16", &dst), 0);
	cr_assert_eq(tb_ip_parse("192.0.2.1", &gw), 0);
	/* A gateway no interface reaches: the kernel refuses and says why in an extended ack. */
	r = tb_nl_route_replace(&nl, &dst, 1, &gw);
	cr_assert_lt(r, 0);
	cr_assert_neq(nl.msg[0], '\0', "an extended-ack message (errno %d)", -r);
	cr_assert_str_eq(tb_nl_strerror(&nl, r), nl.msg);
	cr_log_info("kernel said: %s", nl.msg);
	tb_nl_close(&nl);
}
