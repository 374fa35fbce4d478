// SPDX-License-Identifier: Apache-2.0
/*
 * A full sweep: read the node's `tab*` veths and its main routing table back, repair what
 * the endpoints and blocks want, remove what belongs to none of them. Removal is
 * conservative by construction: only a veth named `tab*`, only a blackhole carrying
 * TB_RTPROT_TABBY, only a /32 (/128) without gateway over such a veth — and a link or
 * workload route only once it has been orphaned for the grace period.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside_int.h"
#include "log.h"

struct hs_link {
	struct tb_nl_linkinfo *li;
	struct hs_ep *owners; /* chained through next_on_link */
};

struct sweep {
	struct hostside *h;
	struct tb_nl_links links; /* the `tab*` veths */
	struct hs_link *hl;
	struct tb_hmap by_name;	    /* name -> hs_link */
	struct tb_hmap by_index;    /* "ifindex" -> hs_link */
	struct tb_hmap blocks_seen; /* block key -> the block, once its blackhole was found */
	struct tb_nl_rt *doomed;    /* routes to delete */
	size_t n_doomed, cap_doomed;
	uint64_t gen;
	double now;
	int err;
};

static void fail(struct sweep *s, int r)
{
	if (r < 0 && !s->err)
		s->err = r;
	if (r < 0)
		s->h->st.errors++;
}

/* Whether the thing under key has been orphaned for the grace period (tracked from now). */
static bool orphan_due(struct sweep *s, const char *key)
{
	struct hs_orphan *o = tb_hmap_get(&s->h->orphans, key);

	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o || tb_hmap_put(&s->h->orphans, key, o, NULL)) {
			free(o);
			return false; /* out of memory: keep it, try next time */
		}
		o->since = s->now;
	}
	o->seen = s->gen;
	return s->now - o->since >= s->h->o.grace_s;
}

static int load_links(struct sweep *s)
{
	size_t n = 0;
	int r = tb_nl_links_dump(&s->h->nl, TB_VETH_PREFIX, &s->links);

	if (r)
		return r;
	/* Keep tabby's veths; a bridge or tunnel that happens to be named tab* is not ours. */
	for (size_t i = 0; i < s->links.n; i++)
		if (!strcmp(s->links.v[i].kind, "veth") && hs_is_tab_name(s->links.v[i].name))
			s->links.v[n++] = s->links.v[i];
	s->links.n = n;
	s->hl = calloc(n ? n : 1, sizeof(*s->hl));
	if (!s->hl)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char idx[16];

		s->hl[i].li = &s->links.v[i];
		snprintf(idx, sizeof(idx), "%d", s->links.v[i].ifindex);
		if (tb_hmap_put(&s->by_name, s->links.v[i].name, &s->hl[i], NULL) ||
		    tb_hmap_put(&s->by_index, idx, &s->hl[i], NULL))
			return -ENOMEM;
	}
	return 0;
}

/* Each endpoint finds its link; the link's MAC and sysctls are put right. */
static void bind_endpoints(struct sweep *s)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&s->h->eps, &i, &k, &v)) {
		struct hs_ep *e = v;
		struct hs_link *l = tb_hmap_get(&s->by_name, e->iface);
		int r;

		memset(e->seen, 0, e->n_ips * sizeof(*e->seen));
		e->next_on_link = NULL;
		if (!l)
			continue;
		e->next_on_link = l->owners;
		l->owners = e;
		r = hs_repair_mac(s->h, e, l->li->ifindex, l->li->mac);
		fail(s, r);
		s->h->st.repairs += r > 0 ? (unsigned)r : 0;
		r = hs_repair_sysctls(s->h, e);
		fail(s, r);
		s->h->st.repairs += r > 0 ? (unsigned)r : 0;
	}
}

static void doom(struct sweep *s, const struct tb_nl_rt *rt)
{
	if (s->n_doomed == s->cap_doomed) {
		size_t cap = s->cap_doomed ? 2 * s->cap_doomed : 16;
		struct tb_nl_rt *p = realloc(s->doomed, cap * sizeof(*p));

		if (!p) {
			fail(s, -ENOMEM);
			return;
		}
		s->doomed = p;
		s->cap_doomed = cap;
	}
	s->doomed[s->n_doomed++] = *rt;
}

static void check_blackhole(struct sweep *s, const struct tb_nl_rt *rt)
{
	char k[TB_CIDR_STRLEN];
	struct tb_cidr *b;

	tb_cidr_format(&rt->dst, k, sizeof(k));
	b = tb_hmap_get(&s->h->blocks, k);
	if (b) {
		if (tb_hmap_put(&s->blocks_seen, k, b, NULL))
			fail(s, -ENOMEM);
		return;
	}
	tb_info("block %s: not affine to this node any more; removing its blackhole", k);
	doom(s, rt);
}

/* A /32 (/128) over a tabby veth: kept when an endpoint on that link owns the address. */
static void check_workload_route(struct sweep *s, struct hs_link *l, const struct tb_nl_rt *rt)
{
	char k[TB_CIDR_STRLEN + 40], a[TB_CIDR_STRLEN];

	for (struct hs_ep *e = l->owners; e; e = e->next_on_link) {
		for (size_t i = 0; i < e->n_ips; i++) {
			if (e->ips[i].len == rt->dst.len &&
			    tb_ip_equal(&e->ips[i].ip, &rt->dst.ip)) {
				e->seen[i] = true;
				return;
			}
		}
	}
	tb_cidr_format(&rt->dst, a, sizeof(a));
	snprintf(k, sizeof(k), "r %s %d", a, rt->ifindex);
	if (!orphan_due(s, k))
		return;
	tb_info("route %s via %s belongs to no endpoint; removing it", a, l->li->name);
	doom(s, rt);
}

static void classify(struct sweep *s, const struct tb_nl_rt *rt)
{
	char idx[16];
	struct hs_link *l;

	if (rt->type == RTN_BLACKHOLE && rt->protocol == TB_RTPROT_TABBY) {
		check_blackhole(s, rt);
		return;
	}
	if (rt->type != RTN_UNICAST || rt->gateway || rt->protocol == RTPROT_KERNEL ||
	    rt->dst.len != tb_ip_bits(rt->dst.ip.family) || !rt->ifindex)
		return;
	snprintf(idx, sizeof(idx), "%d", rt->ifindex);
	l = tb_hmap_get(&s->by_index, idx);
	if (l)
		check_workload_route(s, l, rt);
}

static int read_routes(struct sweep *s)
{
	static const int families[] = {AF_INET, AF_INET6};

	for (size_t f = 0; f < 2; f++) {
		struct tb_nl_rts rts;
		int r = tb_nl_routes_dump(&s->h->nl, families[f], RT_TABLE_MAIN, &rts);

		if (r)
			return r;
		for (size_t i = 0; i < rts.n; i++)
			classify(s, &rts.v[i]);
		tb_nl_routes_free(&rts);
	}
	return 0;
}

/* Routes the endpoints and blocks want that the kernel did not show. */
static void add_missing(struct sweep *s)
{
	size_t i = 0;
	const char *k;
	void *v;

	for (size_t j = 0; j < s->links.n; j++) {
		for (struct hs_ep *e = s->hl[j].owners; e; e = e->next_on_link) {
			for (size_t a = 0; a < e->n_ips; a++) {
				int r;

				if (e->seen[a])
					continue;
				r = hs_put_route(s->h, e, a, s->hl[j].li->ifindex);
				fail(s, r);
				if (!r)
					s->h->st.repairs++;
				if (!r)
					tb_info("endpoint %s: route through %s was missing; added",
						e->key, e->iface);
			}
		}
	}
	while (tb_hmap_next(&s->h->blocks, &i, &k, &v)) {
		if (tb_hmap_has(&s->blocks_seen, k))
			continue;
		fail(s, hs_put_blackhole(s->h, v));
	}
}

/* Stale blackholes, then stale workload routes: two batches, so each is counted. */
static void remove_doomed(struct sweep *s)
{
	struct tb_nl_rt t;
	size_t bh = 0, done;
	int r;

	for (size_t i = 0; i < s->n_doomed; i++) {
		if (s->doomed[i].type != RTN_BLACKHOLE)
			continue;
		t = s->doomed[bh];
		s->doomed[bh++] = s->doomed[i];
		s->doomed[i] = t;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct tb_nl_rt *v = pass ? s->doomed + bh : s->doomed;
		size_t n = pass ? s->n_doomed - bh : bh;

		if (!n)
			continue;
		done = 0;
		r = tb_nl_routes_del(&s->h->nl, v, n, &done);
		if (r)
			tb_warn("cannot remove every stale route: %s",
				tb_nl_strerror(&s->h->nl, r));
		fail(s, r);
		if (pass)
			s->h->st.routes_removed += done;
		else
			s->h->st.blackholes_removed += done;
	}
}

/* One by one, a few per sweep: only when something else sits in the batch's link group. */
static void remove_links_slowly(struct sweep *s, const struct tb_nl_linkinfo *v, size_t n)
{
	for (size_t i = 0; i < n && i < HS_SLOW_DELETES; i++) {
		int idx, r = tb_nl_link_get(&s->h->nl, v[i].name, &idx, NULL);

		if (r || idx != v[i].ifindex)
			continue; /* gone, or recreated since it was read */
		r = tb_nl_link_del(&s->h->nl, v[i].name);
		fail(s, r);
		s->h->st.links_removed += !r;
	}
}

static void remove_orphan_links(struct sweep *s)
{
	struct tb_nl_linkinfo *due = calloc(s->links.n ? s->links.n : 1, sizeof(*due));
	size_t n = 0, done = 0;
	int r;

	if (!due) {
		fail(s, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < s->links.n; i++) {
		char k[48];

		if (s->hl[i].owners)
			continue;
		snprintf(k, sizeof(k), "l %d %s", s->hl[i].li->ifindex, s->hl[i].li->name);
		if (orphan_due(s, k))
			due[n++] = *s->hl[i].li;
	}
	if (n) {
		tb_info("removing %zu host-side links that belong to no endpoint", n);
		r = tb_nl_links_del_batch(&s->h->nl, due, n, &done);
		s->h->st.links_removed += done;
		if (r == -EBUSY) {
			tb_warn(
			    "link group %#x holds links that are not tabby's: deleting orphaned "
			    "links one by one",
			    TB_LINK_GROUP_DOOMED);
			remove_links_slowly(s, due, n);
		} else if (r) {
			tb_warn("cannot remove orphaned links: %s", tb_nl_strerror(&s->h->nl, r));
			fail(s, r);
		}
	}
	free(due);
}

/* Forgets orphans this sweep did not find: gone, or owned again. */
static void prune_orphans(struct sweep *s)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&s->h->orphans, &i, &k, &v)) {
		if (((struct hs_orphan *)v)->seen == s->gen)
			continue;
		free(tb_hmap_del(&s->h->orphans, k));
	}
}

int hostside_sweep(struct hostside *h)
{
	struct sweep s = {.h = h};
	int r;

	if (!h)
		return 0;
	s.now = hs_now();
	s.gen = ++h->st.sweeps;
	tb_hmap_init(&s.by_name);
	tb_hmap_init(&s.by_index);
	tb_hmap_init(&s.blocks_seen);
	r = load_links(&s);
	if (!r) {
		bind_endpoints(&s);
		r = read_routes(&s);
	}
	/* Without the whole picture nothing is removed: a half-read table proves nothing. */
	if (!r) {
		add_missing(&s);
		remove_doomed(&s);
		remove_orphan_links(&s);
		prune_orphans(&s);
	} else {
		tb_warn("host-side sweep: cannot read the kernel's state: %s",
			tb_nl_strerror(&h->nl, r));
		fail(&s, r);
	}
	h->last_sweep = s.now;
	h->st.last_sweep_s = hs_now() - s.now;
	free(s.doomed);
	tb_hmap_free(&s.blocks_seen);
	tb_hmap_free(&s.by_index);
	tb_hmap_free(&s.by_name);
	free(s.hl);
	tb_nl_links_free(&s.links);
	return s.err;
}
