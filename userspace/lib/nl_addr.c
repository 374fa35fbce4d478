// SPDX-License-Identifier: Apache-2.0
/* Addresses. */
#include <errno.h>
#include <linux/if_addr.h>
#include <netlink/route/addr.h>
#include <string.h>

#include "nl.h"

static struct nl_addr *to_nl(const struct tb_ip *ip, int prefix)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->a, ip->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, prefix);
	return a;
}

/* The address object both add and delete send: ifindex, family and the local prefix. */
static int build(int ifindex, const struct tb_ip *ip, int prefix, struct rtnl_addr **out)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = to_nl(ip, prefix);
	int r = 0;

	if (!addr || !local) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, ip->family);
	if (rtnl_addr_set_local(addr, local) < 0)
		r = -EINVAL;
out:
	nl_addr_put(local);
	if (r)
		rtnl_addr_put(addr);
	else
		*out = addr;
	return r;
}

int tb_nl_addr_add(struct tb_nl *nl, int ifindex, const struct tb_ip *ip, int prefix)
{
	struct rtnl_addr *addr;
	int r;

	tb_nl_begin(nl);
	r = build(ifindex, ip, prefix, &addr);
	if (r)
		return r;
	if (ip->family == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	r = tb_nl_errno(nl, rtnl_addr_add(nl->sk, addr, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_addr_put(addr);
	return r;
}

int tb_nl_addr_del(struct tb_nl *nl, int ifindex, const struct tb_ip *ip, int prefix)
{
	struct rtnl_addr *addr;
	int r;

	tb_nl_begin(nl);
	r = build(ifindex, ip, prefix, &addr);
	if (r)
		return r;
	r = tb_nl_errno(nl, rtnl_addr_delete(nl->sk, addr, 0));
	if (r == -EADDRNOTAVAIL || r == -ENOENT || r == -ENODEV)
		r = 0;
	rtnl_addr_put(addr);
	return r;
}

struct has_ctx {
	int ifindex;
	struct nl_addr *want;
	bool *has;
};

static void match_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct has_ctx *c = arg;
	struct nl_addr *l = rtnl_addr_get_local(a);

	if (rtnl_addr_get_ifindex(a) == c->ifindex && l && !nl_addr_cmp(l, c->want) &&
	    nl_addr_get_prefixlen(l) == nl_addr_get_prefixlen(c->want))
		*c->has = true;
}

int tb_nl_addr_has(struct tb_nl *nl, int ifindex, const struct tb_ip *ip, int prefix, bool *has)
{
	struct nl_cache *cache = NULL;
	struct has_ctx c = {ifindex, to_nl(ip, prefix), has};
	int r;

	*has = false;
	tb_nl_begin(nl);
	if (!c.want)
		return -ENOMEM;
	r = tb_nl_errno(nl, rtnl_addr_alloc_cache(nl->sk, &cache));
	if (r)
		goto out;
	nl_cache_foreach(cache, match_addr, &c);
	nl_cache_free(cache);
out:
	nl_addr_put(c.want);
	return r;
}
