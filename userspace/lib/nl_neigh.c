// SPDX-License-Identifier: Apache-2.0
/* Neighbour entries. */
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>

#include "nl.h"

int tb_nl_neigh_add_permanent(struct tb_nl *nl, int ifindex, const struct tb_ip *ip,
			      const uint8_t mac[6])
{
	struct rtnl_neigh *n;
	struct nl_addr *dst, *ll;
	int r;

	tb_nl_begin(nl);
	n = rtnl_neigh_alloc();
	dst = nl_addr_build(ip->family, ip->a, ip->family == AF_INET ? 4 : 16);
	ll = nl_addr_build(AF_LLC, mac, 6);
	if (!n || !dst || !ll) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, ip->family);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	r = tb_nl_errno(nl, rtnl_neigh_add(n ? nl->sk : NULL, n, NLM_F_CREATE | NLM_F_REPLACE));
out:
	nl_addr_put(ll);
	nl_addr_put(dst);
	rtnl_neigh_put(n);
	return r;
}
