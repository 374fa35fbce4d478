// SPDX-License-Identifier: Apache-2.0
/* Links: the workload's veth pair. */
#include <errno.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <string.h>

#include "nl.h"

int tb_nl_veth_add(struct tb_nl *nl, const struct tb_veth_spec *spec)
{
	struct rtnl_link *link, *peer;
	struct nl_addr *mac = NULL, *pmac = NULL;
	int r;

	tb_nl_begin(nl);
	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, spec->host_name);
	rtnl_link_set_mtu(link, (unsigned)spec->mtu);
	/* Not up from birth: the kernel refuses IFF_UP on a veth whose peer is not set up yet
	 * (ENOTCONN); the caller brings each side up. */
	if (spec->host_mac) {
		mac = nl_addr_build(AF_LLC, spec->host_mac, 6);
		if (!mac) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_addr(link, mac);
	}
	if (spec->peer_mac) {
		pmac = nl_addr_build(AF_LLC, spec->peer_mac, 6);
		if (!pmac) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_addr(peer, pmac);
	}
	rtnl_link_set_name(peer, spec->peer_name);
	rtnl_link_set_mtu(peer, (unsigned)spec->mtu);
	rtnl_link_set_ns_fd(peer, spec->peer_netns_fd);
	r = tb_nl_errno(nl, rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	nl_addr_put(pmac);
	nl_addr_put(mac);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	return r;
}

int tb_nl_link_get(struct tb_nl *nl, const char *name, int *ifindex, uint8_t mac[6])
{
	struct rtnl_link *link = NULL;
	struct nl_addr *a;
	int r;

	tb_nl_begin(nl);
	r = rtnl_link_get_kernel(nl->sk, 0, name, &link);
	if (r < 0) {
		r = tb_nl_errno(nl, r);
		return r == -ENOENT || r == -ENODEV ? -ENODEV : r;
	}
	*ifindex = rtnl_link_get_ifindex(link);
	a = rtnl_link_get_addr(link);
	if (mac) {
		memset(mac, 0, 6);
		if (a && nl_addr_get_len(a) == 6)
			memcpy(mac, nl_addr_get_binary_addr(a), 6);
	}
	rtnl_link_put(link);
	return 0;
}

int tb_nl_link_set_up(struct tb_nl *nl, int ifindex)
{
	struct rtnl_link *orig, *change;
	int r;

	tb_nl_begin(nl);
	orig = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!orig || !change) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_set_flags(change, IFF_UP);
	r = tb_nl_errno(nl, rtnl_link_change(nl->sk, orig, change, 0));
out:
	rtnl_link_put(orig);
	rtnl_link_put(change);
	return r;
}

int tb_nl_link_del(struct tb_nl *nl, const char *name)
{
	struct rtnl_link *link;
	int r;

	tb_nl_begin(nl);
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	r = tb_nl_errno(nl, rtnl_link_delete(nl->sk, link));
	rtnl_link_put(link);
	return r == -ENODEV || r == -ENOENT ? 0 : r;
}
