// SPDX-License-Identifier: Apache-2.0
/* Link dumps, MAC and group changes, and the batch delete through a link group. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nl_links.h"

static void fill_info(struct rtnl_link *link, struct tb_nl_linkinfo *li)
{
	const char *kind = rtnl_link_get_type(link);
	struct nl_addr *a = rtnl_link_get_addr(link);

	memset(li, 0, sizeof(*li));
	li->ifindex = rtnl_link_get_ifindex(link);
	snprintf(li->name, sizeof(li->name), "%s", rtnl_link_get_name(link));
	snprintf(li->kind, sizeof(li->kind), "%s", kind ? kind : "");
	if (a && nl_addr_get_len(a) == 6)
		memcpy(li->mac, nl_addr_get_binary_addr(a), 6);
	li->group = rtnl_link_get_group(link);
	li->flags = rtnl_link_get_flags(link);
}

int tb_nl_links_dump(struct tb_nl *nl, const char *prefix, struct tb_nl_links *out)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	size_t plen = strlen(prefix), cap;
	int r;

	memset(out, 0, sizeof(*out));
	tb_nl_begin(nl);
	r = tb_nl_errno(nl, rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache));
	if (r)
		return r;
	cap = (size_t)nl_cache_nitems(cache);
	out->v = calloc(cap ? cap : 1, sizeof(*out->v));
	if (!out->v) {
		r = -ENOMEM;
		goto out;
	}
	for (o = nl_cache_get_first(cache); o && out->n < cap; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(link);

		if (name && !strncmp(name, prefix, plen))
			fill_info(link, &out->v[out->n++]);
	}
out:
	nl_cache_free(cache);
	return r;
}

void tb_nl_links_free(struct tb_nl_links *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Applies change (MAC, group, ...) to the link at ifindex. */
static int link_change(struct tb_nl *nl, int ifindex, struct rtnl_link *change)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int r;

	tb_nl_begin(nl);
	if (!orig)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	r = tb_nl_errno(nl, rtnl_link_change(nl->sk, orig, change, 0));
	rtnl_link_put(orig);
	return r;
}

int tb_nl_link_set_mac(struct tb_nl *nl, int ifindex, const uint8_t mac[6])
{
	struct rtnl_link *change = rtnl_link_alloc();
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
	int r = -ENOMEM;

	if (change && a) {
		rtnl_link_set_addr(change, a);
		r = link_change(nl, ifindex, change);
	}
	nl_addr_put(a);
	rtnl_link_put(change);
	return r;
}

int tb_nl_link_set_group(struct tb_nl *nl, int ifindex, uint32_t group)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return -ENOMEM;
	rtnl_link_set_group(change, group);
	r = link_change(nl, ifindex, change);
	rtnl_link_put(change);
	return r;
}

int tb_nl_link_del_group(struct tb_nl *nl, uint32_t group)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *m;

	tb_nl_begin(nl);
	m = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, IFLA_GROUP, group) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	/* nl_send_sync frees the message and waits for the kernel's answer. */
	return tb_nl_errno(nl, nl_send_sync(nl->sk, m));
}

static const struct tb_nl_linkinfo *find(const struct tb_nl_linkinfo *v, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ifindex == ifindex)
			return &v[i];
	return NULL;
}

/*
 * Whether the doomed group holds only links of v (same index and name); counts them in
 * *mine. A link whose index is in v under another name was recreated since v was read.
 */
static int group_is_ours(const struct tb_nl_links *all, const struct tb_nl_linkinfo *v, size_t n,
			 size_t *mine)
{
	*mine = 0;
	for (size_t i = 0; i < all->n; i++) {
		const struct tb_nl_linkinfo *l = &all->v[i], *o;

		if (l->group != TB_LINK_GROUP_DOOMED)
			continue;
		o = find(v, n, l->ifindex);
		if (!o || strcmp(o->name, l->name))
			return -EBUSY;
		(*mine)++;
	}
	return 0;
}

/* Every link this batch moved into the group goes back to the group it had. */
static void give_back(struct tb_nl *nl, const struct tb_nl_links *all,
		      const struct tb_nl_linkinfo *v, size_t n)
{
	for (size_t i = 0; i < all->n; i++) {
		const struct tb_nl_linkinfo *o = find(v, n, all->v[i].ifindex);

		if (all->v[i].group == TB_LINK_GROUP_DOOMED && o)
			tb_nl_link_set_group(nl, o->ifindex, o->group);
	}
}

int tb_nl_links_del_batch(struct tb_nl *nl, const struct tb_nl_linkinfo *v, size_t n,
			  size_t *deleted)
{
	struct tb_nl_links all = {0};
	struct tb_nl saved;
	size_t mine = 0;
	int r = 0;

	if (deleted)
		*deleted = 0;
	for (size_t i = 0; i < n && !r; i++) {
		r = tb_nl_link_set_group(nl, v[i].ifindex, TB_LINK_GROUP_DOOMED);
		if (r == -ENODEV || r == -ENOENT)
			r = 0; /* gone already */
	}
	if (!r)
		r = tb_nl_links_dump(nl, "", &all);
	if (!r)
		r = group_is_ours(&all, v, n, &mine);
	if (!r && mine)
		r = tb_nl_link_del_group(nl, TB_LINK_GROUP_DOOMED);
	if (!r) {
		if (deleted)
			*deleted = mine;
		goto out;
	}
	/* Keep the first error's message while the groups are given back. */
	saved = *nl;
	tb_nl_links_free(&all);
	if (!tb_nl_links_dump(nl, "", &all))
		give_back(nl, &all, v, n);
	nl->err = saved.err;
	memcpy(nl->msg, saved.msg, sizeof(nl->msg));
out:
	tb_nl_links_free(&all);
	return r;
}
