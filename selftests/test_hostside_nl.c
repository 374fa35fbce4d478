// SPDX-License-Identifier: Apache-2.0
/*
 * The netlink objects the host-side reconciler stands on (nl_links.h, nl_routes.h), against
 * the real kernel, each case in a network namespace of its own.
 */
#include <criterion/criterion.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "hostside_fixture.h"
#include "nl_links.h"
#include "nl_routes.h"

#define TIMEOUT_S 20

/* Runs the shell command a case starts from (links, routes), then opens netlink. */
static int __attribute__((format(printf, 2, 3))) prepare(struct tb_nl *nl, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (hs_sh("%s", cmd))
		return hs_fail("setup failed");
	r = tb_nl_open(nl);
	return r ? hs_fail("tb_nl_open: %s", strerror(-r)) : 0;
}

static const struct tb_nl_linkinfo *by_name(const struct tb_nl_links *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* The dump keeps the prefix's links only, with kind, MAC and group. */
static int links_dump_case(void *arg)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x42};
	const struct tb_nl_linkinfo *a, *br;
	struct tb_nl_links l = {0};
	struct tb_nl nl;
	int r = -1;

	if (prepare(&nl, "ip link add tabA type veth peer name wlA && "
		    "ip link add tabbr type bridge && "
		    "ip link add other type veth peer name wlO && ip link set tabA group 7"))
		return -1;
	if (tb_nl_links_dump(&nl, "tab", &l)) {
		hs_fail("dump failed");
		goto out;
	}
	a = by_name(&l, "tabA");
	br = by_name(&l, "tabbr");
	if (l.n != 2 || !a || !br) {
		hs_fail("expected tabA and tabbr, got %zu links", l.n);
		goto out;
	}
	if (strcmp(a->kind, "veth") || strcmp(br->kind, "bridge") || a->group != 7 ||
	    (int)if_nametoindex("tabA") != a->ifindex) {
		hs_fail("tabA: kind %s group %u; tabbr: kind %s", a->kind, a->group, br->kind);
		goto out;
	}
	if (tb_nl_link_set_mac(&nl, a->ifindex, mac) ||
	    hs_sh("ip link show tabA | grep -q 02:00:00:00:00:42")) {
		hs_fail("tb_nl_link_set_mac did not take");
		goto out;
	}
	r = 0;
out:
	tb_nl_links_free(&l);
	tb_nl_close(&nl);
	return r;
}

Test(hostside_nl, links_dump)
{
	HS_RUN(links_dump_case, NULL, TIMEOUT_S);
}

/* 50 veths go in one batch; a link not in the batch stays, and so do the peers' namesakes. */
static int batch_case(void *arg)
{
	struct tb_nl_links l = {0};
	struct tb_nl nl;
	size_t deleted = 0;
	int r = -1, e;

	if (prepare(&nl, "for i in $(seq 1 50); do echo link add tabx$i type veth peer name wx$i; "
		    "done | ip -batch - && ip link add tabkeep type veth peer name wkeep"))
		return -1;
	if (tb_nl_links_dump(&nl, "tabx", &l) || l.n != 50) {
		hs_fail("expected 50 tabx links, got %zu", l.n);
		goto out;
	}
	e = tb_nl_links_del_batch(&nl, l.v, l.n, &deleted);
	if (e || deleted != 50) {
		hs_fail("batch: %s, %zu deleted", strerror(-e), deleted);
		goto out;
	}
	if (!hs_sh("ip link show wx1 2>/dev/null") || hs_sh("ip link show tabkeep >/dev/null")) {
		hs_fail("the batch took too much or too little");
		goto out;
	}
	/* A second run over links already gone is no error and deletes nothing. */
	e = tb_nl_links_del_batch(&nl, l.v, l.n, &deleted);
	if (e || deleted) {
		hs_fail("batch over gone links: %s, %zu deleted", strerror(-e), deleted);
		goto out;
	}
	r = 0;
out:
	tb_nl_links_free(&l);
	tb_nl_close(&nl);
	return r;
}

Test(hostside_nl, batch_delete)
{
	HS_RUN(batch_case, NULL, TIMEOUT_S);
}

/* Someone else's link in the borrowed group: nothing is deleted, groups are given back. */
static int batch_stranger_case(void *arg)
{
	struct tb_nl_links l = {0}, after = {0};
	struct tb_nl nl;
	size_t deleted = 0;
	int r = -1, e;

	if (prepare(&nl, "ip link add taby1 type veth peer name wy1 && "
		    "ip link set taby1 group 5 && ip link add taby2 type veth peer name wy2 && "
		    "ip link add stranger type veth peer name ws && ip link set stranger group %u",
		    TB_LINK_GROUP_DOOMED))
		return -1;
	if (tb_nl_links_dump(&nl, "taby", &l) || l.n != 2) {
		hs_fail("expected 2 taby links");
		goto out;
	}
	e = tb_nl_links_del_batch(&nl, l.v, l.n, &deleted);
	if (e != -EBUSY || deleted) {
		hs_fail("expected EBUSY and nothing deleted, got %s, %zu", strerror(-e), deleted);
		goto out;
	}
	if (tb_nl_links_dump(&nl, "", &after) || !by_name(&after, "stranger") ||
	    !by_name(&after, "taby1") || by_name(&after, "taby1")->group != 5 ||
	    by_name(&after, "taby2")->group != 0) {
		hs_fail("links or groups not as they were");
		goto out;
	}
	r = 0;
out:
	tb_nl_links_free(&after);
	tb_nl_links_free(&l);
	tb_nl_close(&nl);
	return r;
}

Test(hostside_nl, batch_refuses_strangers)
{
	HS_RUN(batch_stranger_case, NULL, TIMEOUT_S);
}

static const struct tb_nl_rt *find_rt(const struct tb_nl_rts *rts, const char *cidr)
{
	struct tb_cidr c;

	tb_cidr_parse(cidr, &c);
	for (size_t i = 0; i < rts->n; i++)
		if (rts->v[i].dst.len == c.len && tb_ip_equal(&rts->v[i].dst.ip, &c.ip))
			return &rts->v[i];
	return NULL;
}

struct put_case {
	const char *dst;
	uint8_t type;
	bool dev;	   /* through tabA */
	const char *shown; /* what `ip route show` must print for it */
};

static const struct put_case puts_[] = {
    {"10.65.0.5/32", RTN_UNICAST, true, "10.65.0.5 dev tabA proto 84 scope link"},
    {"10.65.1.0/26", RTN_BLACKHOLE, false, "blackhole 10.65.1.0/26 proto 84"},
    {"fd00:65::5/128", RTN_UNICAST, true, "fd00:65::5 dev tabA proto 84"},
    {"fd00:65:1::/122", RTN_BLACKHOLE, false, "blackhole fd00:65:1::/122 dev lo proto 84"},
};

/* Routes put with tabby's protocol read back through the dump with every field. */
static int route_put_case(void *arg)
{
	const struct put_case *c = arg;
	struct tb_nl_rts rts = {0};
	const struct tb_nl_rt *rt;
	struct tb_cidr dst;
	struct tb_nl nl;
	int r = -1, e, ifindex;

	if (prepare(&nl, "ip link add tabA type veth peer name wlA && ip link set tabA up && "
		    "ip link set wlA up"))
		return -1;
	ifindex = (int)if_nametoindex("tabA");
	tb_cidr_parse(c->dst, &dst);
	e = tb_nl_route_put(&nl, &dst, c->type, c->dev ? ifindex : 0, TB_RTPROT_TABBY);
	if (e) {
		hs_fail("put %s: %s", c->dst, tb_nl_strerror(&nl, e));
		goto out;
	}
	/* Again: a replace, not a second route. */
	e = tb_nl_route_put(&nl, &dst, c->type, c->dev ? ifindex : 0, TB_RTPROT_TABBY);
	if (e || hs_sh("ip %s route show %s | grep -qF '%s'",
		       dst.ip.family == AF_INET ? "-4" : "-6", c->dst, c->shown)) {
		hs_fail("%s: not shown as '%s'", c->dst, c->shown);
		goto out;
	}
	e = tb_nl_routes_dump(&nl, dst.ip.family, RT_TABLE_MAIN, &rts);
	rt = e ? NULL : find_rt(&rts, c->dst);
	if (!rt || rt->type != c->type || rt->protocol != TB_RTPROT_TABBY || rt->gateway ||
	    (c->dev && rt->ifindex != ifindex) || rt->table != RT_TABLE_MAIN) {
		hs_fail("%s: dump disagrees", c->dst);
		goto out;
	}
	r = 0;
out:
	tb_nl_routes_free(&rts);
	tb_nl_close(&nl);
	return r;
}

Test(hostside_nl, route_put)
{
	for (size_t i = 0; i < sizeof(puts_) / sizeof(puts_[0]); i++)
		HS_RUN(route_put_case, (void *)&puts_[i], TIMEOUT_S);
}

/* 150 deletes (past the window), a third of them already gone; other routes untouched. */
static int routes_del_case(void *arg)
{
	struct tb_nl_rts rts = {0};
	struct tb_nl_rt v[150];
	struct tb_nl nl;
	size_t deleted = 0;
	int r = -1, e, ifindex;

	if (prepare(&nl, "ip link add tabA type veth peer name wlA && ip link set tabA up && "
		    "(for i in $(seq 0 149); do echo route add 10.70.$((i / 100)).$((i %% 100))/32 "
		    "dev tabA; done; echo route add 10.71.0.1/32 dev tabA) | ip -batch -"))
		return -1;
	ifindex = (int)if_nametoindex("tabA");
	for (int i = 0; i < 150; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.%d.%d.%d/32", i % 3 ? 70 : 72, i / 100, i % 100);
		v[i] = (struct tb_nl_rt){
		    .table = RT_TABLE_MAIN, .ifindex = ifindex, .type = RTN_UNICAST};
		tb_cidr_parse(s, &v[i].dst);
	}
	e = tb_nl_routes_del(&nl, v, 150, &deleted);
	if (e || deleted != 100) {
		hs_fail("routes_del: %s, %zu deleted (want 100)", strerror(-e), deleted);
		goto out;
	}
	e = tb_nl_routes_dump(&nl, AF_INET, RT_TABLE_MAIN, &rts);
	/* 50 of 10.70.x (every third) stay, and 10.71.0.1. */
	if (e || rts.n != 51 || !find_rt(&rts, "10.71.0.1/32") || !find_rt(&rts, "10.70.0.0/32")) {
		hs_fail("after delete: %zu routes", rts.n);
		goto out;
	}
	r = 0;
out:
	tb_nl_routes_free(&rts);
	tb_nl_close(&nl);
	return r;
}

Test(hostside_nl, routes_del_pipelined)
{
	HS_RUN(routes_del_case, NULL, TIMEOUT_S);
}
