// SPDX-License-Identifier: Apache-2.0
/* Routes in the main table. */
#include <errno.h>
#include <netlink/route/route.h>
#include <string.h>

#include "nl.h"

static struct nl_addr *ip_nl(const struct tb_ip *ip, int prefix)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->a, ip->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, prefix);
	return a;
}

static struct rtnl_route *build(const struct tb_cidr *dst, int ifindex, const struct tb_ip *gw)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = ip_nl(&dst->ip, dst->len), *g = NULL;

	if (!rt || !nh || !d)
		goto fail;
	rtnl_route_set_family(rt, dst->ip.family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_BOOT);
	rtnl_route_set_scope(rt, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_dst(rt, d);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw) {
		g = ip_nl(gw, gw->family == AF_INET ? 32 : 128);
		if (!g)
			goto fail;
		rtnl_route_nh_set_gateway(nh, g);
		nl_addr_put(g);
	}
	rtnl_route_add_nexthop(rt, nh);
	nl_addr_put(d);
	return rt;
fail:
	nl_addr_put(d);
	if (nh)
		rtnl_route_nh_free(nh);
	rtnl_route_put(rt);
	return NULL;
}

int tb_nl_route_replace(struct tb_nl *nl, const struct tb_cidr *dst, int ifindex,
			const struct tb_ip *gw)
{
	struct rtnl_route *rt = build(dst, ifindex, gw);
	int r;

	tb_nl_begin(nl);
	if (!rt)
		return -ENOMEM;
	r = tb_nl_errno(nl, rtnl_route_add(nl->sk, rt, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_route_put(rt);
	return r;
}

int tb_nl_route_del(struct tb_nl *nl, const struct tb_cidr *dst, int ifindex)
{
	struct rtnl_route *rt = build(dst, ifindex, NULL);
	int r;

	tb_nl_begin(nl);
	if (!rt)
		return -ENOMEM;
	rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
	r = tb_nl_errno(nl, rtnl_route_delete(nl->sk, rt, 0));
	rtnl_route_put(rt);
	return r == -ESRCH || r == -ENOENT ? 0 : r;
}

struct has_ctx {
	struct nl_addr *dst;
	struct nl_addr *gw;
	int ifindex;
	bool *has;
};

static void match_nh(struct rtnl_nexthop *nh, void *arg)
{
	struct has_ctx *c = arg;
	struct nl_addr *g = rtnl_route_nh_get_gateway(nh);

	if (rtnl_route_nh_get_ifindex(nh) != c->ifindex)
		return;
	if (c->gw && (!g || nl_addr_cmp_prefix(g, c->gw)))
		return;
	*c->has = true;
}

static void match_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct has_ctx *c = arg;
	struct nl_addr *d = rtnl_route_get_dst(rt);

	if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || !d ||
	    nl_addr_get_prefixlen(d) != nl_addr_get_prefixlen(c->dst) ||
	    (nl_addr_get_prefixlen(d) && nl_addr_cmp_prefix(d, c->dst)))
		return;
	rtnl_route_foreach_nexthop(rt, match_nh, c);
}

int tb_nl_route_has(struct tb_nl *nl, const struct tb_cidr *dst, int ifindex,
		    const struct tb_ip *gw, bool *has)
{
	struct has_ctx c = {ip_nl(&dst->ip, dst->len), gw ? ip_nl(gw, 0) : NULL, ifindex, has};
	struct nl_cache *cache = NULL;
	int r;

	*has = false;
	tb_nl_begin(nl);
	if (!c.dst || (gw && !c.gw)) {
		r = -ENOMEM;
		goto out;
	}
	if (gw)
		nl_addr_set_prefixlen(c.gw, gw->family == AF_INET ? 32 : 128);
	r = tb_nl_errno(nl, rtnl_route_alloc_cache(nl->sk, dst->ip.family, 0, &cache));
	if (r)
		goto out;
	nl_cache_foreach(cache, match_route, &c);
	nl_cache_free(cache);
out:
	nl_addr_put(c.dst);
	nl_addr_put(c.gw);
	return r;
}
