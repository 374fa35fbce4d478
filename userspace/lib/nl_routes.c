// SPDX-License-Identifier: Apache-2.0
/* Route dumps, routes with a protocol number, and pipelined deletes. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>

#include "nl_routes.h"

/* Requests in flight before the answers are read: well inside a socket's receive buffer. */
#define DEL_WINDOW 64

static void to_cidr(struct nl_addr *a, int family, struct tb_cidr *c)
{
	size_t len = family == AF_INET ? 4 : 16;

	memset(c, 0, sizeof(*c));
	c->ip.family = family;
	if (!a)
		return;
	if (nl_addr_get_len(a) == len)
		memcpy(c->ip.a, nl_addr_get_binary_addr(a), len);
	c->len = (int)nl_addr_get_prefixlen(a);
}

static void fill_rt(struct rtnl_route *rt, int family, struct tb_nl_rt *o)
{
	struct rtnl_nexthop *nh = rtnl_route_get_nnexthops(rt) ? rtnl_route_nexthop_n(rt, 0) : NULL;

	to_cidr(rtnl_route_get_dst(rt), family, &o->dst);
	o->table = rtnl_route_get_table(rt);
	o->priority = rtnl_route_get_priority(rt);
	o->type = rtnl_route_get_type(rt);
	o->protocol = rtnl_route_get_protocol(rt);
	o->scope = rtnl_route_get_scope(rt);
	o->ifindex = nh ? rtnl_route_nh_get_ifindex(nh) : 0;
	o->gateway = nh && rtnl_route_nh_get_gateway(nh);
}

int tb_nl_routes_dump(struct tb_nl *nl, int family, uint32_t table, struct tb_nl_rts *out)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	size_t cap;
	int r;

	memset(out, 0, sizeof(*out));
	tb_nl_begin(nl);
	r = tb_nl_errno(nl, rtnl_route_alloc_cache(nl->sk, family, 0, &cache));
	if (r)
		return r;
	cap = (size_t)nl_cache_nitems(cache);
	out->v = calloc(cap ? cap : 1, sizeof(*out->v));
	if (!out->v) {
		r = -ENOMEM;
		goto out;
	}
	for (o = nl_cache_get_first(cache); o && out->n < cap; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;

		if (rtnl_route_get_table(rt) == table && rtnl_route_get_family(rt) == family)
			fill_rt(rt, family, &out->v[out->n++]);
	}
out:
	nl_cache_free(cache);
	return r;
}

void tb_nl_routes_free(struct tb_nl_rts *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* A route object naming exactly rt (for a delete) or the route to add. */
static struct rtnl_route *build(const struct tb_nl_rt *rt)
{
	int alen = rt->dst.ip.family == AF_INET ? 4 : 16;
	struct rtnl_route *o = rtnl_route_alloc();
	struct nl_addr *d = nl_addr_build(rt->dst.ip.family, rt->dst.ip.a, alen);
	struct rtnl_nexthop *nh = NULL;

	if (!o || !d)
		goto fail;
	nl_addr_set_prefixlen(d, rt->dst.len);
	rtnl_route_set_family(o, rt->dst.ip.family);
	rtnl_route_set_table(o, rt->table);
	rtnl_route_set_dst(o, d);
	rtnl_route_set_type(o, rt->type);
	rtnl_route_set_protocol(o, rt->protocol);
	rtnl_route_set_priority(o, rt->priority);
	rtnl_route_set_scope(o, rt->scope);
	if (rt->ifindex) {
		nh = rtnl_route_nh_alloc();
		if (!nh)
			goto fail;
		rtnl_route_nh_set_ifindex(nh, rt->ifindex);
		rtnl_route_add_nexthop(o, nh);
	}
	nl_addr_put(d);
	return o;
fail:
	nl_addr_put(d);
	rtnl_route_put(o);
	return NULL;
}

int tb_nl_route_put(struct tb_nl *nl, const struct tb_cidr *dst, uint8_t type, int ifindex,
		    uint8_t protocol)
{
	struct tb_nl_rt want = {
	    .dst = *dst,
	    .table = RT_TABLE_MAIN,
	    .ifindex = type == RTN_BLACKHOLE ? 0 : ifindex,
	    .type = type,
	    .protocol = protocol,
	    .scope = type == RTN_UNICAST ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
	};
	struct rtnl_route *o = build(&want);
	int r;

	tb_nl_begin(nl);
	if (!o)
		return -ENOMEM;
	r = tb_nl_errno(nl, rtnl_route_add(nl->sk, o, NLM_F_CREATE | NLM_F_REPLACE));
	rtnl_route_put(o);
	return r;
}

/* Sends one delete without waiting for its answer. */
static int send_del(struct tb_nl *nl, const struct tb_nl_rt *rt)
{
	struct tb_nl_rt exact = *rt;
	struct rtnl_route *o;
	struct nl_msg *m = NULL;
	int r;

	/* Scope "nowhere" matches any scope: the other fields pick the route. */
	exact.scope = RT_SCOPE_NOWHERE;
	o = build(&exact);
	if (!o)
		return -ENOMEM;
	r = tb_nl_errno(nl, rtnl_route_build_del_request(o, 0, &m));
	if (!r)
		r = tb_nl_errno(nl, nl_send_auto(nl->sk, m));
	nlmsg_free(m);
	rtnl_route_put(o);
	return r < 0 ? r : 0;
}

int tb_nl_routes_del(struct tb_nl *nl, const struct tb_nl_rt *v, size_t n, size_t *deleted)
{
	struct tb_nl first = {0};
	size_t done = 0;
	int r = 0;

	for (size_t i = 0; i < n; i += DEL_WINDOW) {
		size_t end = i + DEL_WINDOW < n ? i + DEL_WINDOW : n, sent = 0;
		int se = 0;

		for (size_t j = i; j < end && !se; j++) {
			tb_nl_begin(nl);
			se = send_del(nl, &v[j]);
			if (se && !r) {
				r = se;
				first = *nl;
			}
			sent += !se;
		}
		/* The answers come back in order, one per request. */
		for (size_t j = 0; j < sent; j++) {
			int e;

			tb_nl_begin(nl);
			e = tb_nl_errno(nl, nl_wait_for_ack(nl->sk));
			if (!e)
				done++;
			else if (e != -ESRCH && e != -ENOENT && !r) {
				r = e;
				first = *nl;
			}
		}
	}
	if (r) {
		nl->err = first.err;
		memcpy(nl->msg, first.msg, sizeof(nl->msg));
	}
	if (deleted)
		*deleted = done;
	return r;
}
