// SPDX-License-Identifier: Apache-2.0
/*
 * IP sets and IP+port sets: one per distinct matcher, shared by every rule that uses it,
 * reference-counted, and kept up to date member by member as endpoints change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc_int.h"

struct calc_set *calc_set_by_id(struct tb_calc *c, uint32_t id)
{
	char k[16];

	snprintf(k, sizeof(k), "%u", id);
	return tb_hmap_get(&c->sets_by_id, k);
}

static void member_text(const struct tb_ir_cidr *ip, const struct calc_named_port *np, char *buf,
			size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->addr, a, sizeof(a));
	if (np)
		snprintf(buf, len, "%s/%u,%u:%u", a, ip->len, np->proto, np->port);
	else
		snprintf(buf, len, "%s/%u", a, ip->len);
}

/* Parses a member text back (the IR sets want structs). */
static int member_parse(const char *text, struct tb_ir_port_member *m, bool *port)
{
	char buf[96], *comma;
	unsigned proto, pnum;

	snprintf(buf, sizeof(buf), "%s", text);
	comma = strchr(buf, ',');
	*port = comma != NULL;
	if (comma) {
		*comma = '\0';
		if (sscanf(comma + 1, "%u:%u", &proto, &pnum) != 2)
			return -EINVAL;
		m->proto = proto;
		m->port = pnum;
	}
	return calc_parse_cidr(buf, &m->addr);
}

/* Counts members across endpoints: two endpoints may share an address (or a net). */
static bool member_change(struct tb_calc *c, struct calc_set *s, const char *text, int delta)
{
	uintptr_t n = (uintptr_t)tb_hmap_get(&s->counts, text);
	struct tb_ir_port_member m = { 0 };
	bool port;

	if (delta < 0 && !n)
		return false;
	n += delta;
	if (n)
		tb_hmap_put(&s->counts, text, (void *)n, NULL);
	else
		tb_hmap_del(&s->counts, text);
	if (n != (delta > 0 ? 1u : 0u) || member_parse(text, &m, &port))
		return false;
	if (port)
		(delta > 0 ? tb_pol_sets_add_port : tb_pol_sets_del_port)(&c->ir_sets, s->id, &m);
	else
		(delta > 0 ? tb_pol_sets_add_cidr : tb_pol_sets_del_cidr)(&c->ir_sets, s->id, &m.addr);
	return true;
}

/* The member texts an endpoint gives a set now (none when it doesn't match). */
struct mlist {
	size_t n;
	char **texts;
};

static void mlist_free(struct mlist *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->texts[i]);
	if (l)
		free(l->texts);
	free(l);
}

static bool mlist_has(const struct mlist *l, const char *t)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!strcmp(l->texts[i], t))
			return true;
	return false;
}

static void mlist_add(struct mlist *l, const struct tb_ir_cidr *ip, const struct calc_named_port *np)
{
	char text[96], **t;

	member_text(ip, np, text, sizeof(text));
	if (mlist_has(l, text))
		return;
	t = realloc(l->texts, (l->n + 1) * sizeof(*t));
	if (!t)
		return;
	l->texts = t;
	l->texts[l->n] = strdup(text);
	if (l->texts[l->n])
		l->n++;
}

/* Whether name is one of a comma-separated list of port names. */
static bool name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && !memcmp(p, name, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static struct mlist *collect(struct tb_calc *c, struct calc_set *s, const struct calc_ep *ep)
{
	struct mlist *l = calloc(1, sizeof(*l));

	if (!l || !ep || !calc_matcher_match(c, &s->m, ep))
		return l;
	for (size_t i = 0; i < ep->n_ips; i++) {
		if (!s->m.port_name) {
			mlist_add(l, &ep->ips[i], NULL);
			continue;
		}
		for (size_t p = 0; p < ep->n_ports; p++) {
			const struct calc_named_port *np = &ep->ports[p];

			if (np->proto == s->m.port_proto && name_in_list(np->name, s->m.port_name))
				mlist_add(l, &ep->ips[i], np);
		}
	}
	return l;
}

/* Brings one endpoint's contribution to a set up to date (ep NULL: it is gone). */
static bool refresh(struct tb_calc *c, struct calc_set *s, const char *key, const struct calc_ep *ep)
{
	struct mlist *old = tb_hmap_get(&s->ep_members, key), *now = collect(c, s, ep);
	bool changed = false;

	if (!now)
		return false;
	for (size_t i = 0; old && i < old->n; i++)
		if (!mlist_has(now, old->texts[i]))
			changed |= member_change(c, s, old->texts[i], -1);
	for (size_t i = 0; i < now->n; i++)
		if (!mlist_has(old, now->texts[i]))
			changed |= member_change(c, s, now->texts[i], 1);
	if (now->n) {
		tb_hmap_put(&s->ep_members, key, now, NULL);
	} else {
		tb_hmap_del(&s->ep_members, key);
		mlist_free(now);
	}
	mlist_free(old);
	if (changed)
		s->gen++;
	return changed;
}

int calc_set_ref(struct tb_calc *c, struct calc_matcher *m, uint32_t *id)
{
	char *skey = calc_matcher_key(m), idk[16];
	struct calc_set *s;
	size_t i = 0;
	const char *k;
	void *v;

	if (!skey) {
		calc_matcher_free(m);
		return -ENOMEM;
	}
	s = tb_hmap_get(&c->sets, skey);
	if (s) {
		free(skey);
		calc_matcher_free(m);
		s->refs++;
		*id = s->id;
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		free(skey);
		calc_matcher_free(m);
		return -ENOMEM;
	}
	s->id = ++c->next_set_id;
	s->skey = skey;
	s->m = *m;
	s->refs = 1;
	tb_hmap_init(&s->counts);
	tb_hmap_init(&s->ep_members);
	tb_pol_sets_ensure(&c->ir_sets, s->id, s->m.port_name != NULL);
	tb_hmap_put(&c->sets, skey, s, NULL);
	snprintf(idk, sizeof(idk), "%u", s->id);
	tb_hmap_put(&c->sets_by_id, idk, s, NULL);
	/* A new set starts from every endpoint and network set known. */
	while (tb_hmap_next(&c->eps, &i, &k, &v))
		refresh(c, s, k, v);
	*id = s->id;
	return 0;
}

void calc_set_unref(struct tb_calc *c, uint32_t id)
{
	struct calc_set *s = calc_set_by_id(c, id);
	struct tb_ir_set *irs;
	char idk[16];
	size_t i = 0;
	const char *k;
	void *v;

	if (!s || --s->refs)
		return;
	snprintf(idk, sizeof(idk), "%u", id);
	tb_hmap_del(&c->sets_by_id, idk);
	tb_hmap_del(&c->sets, s->skey);
	/* Empty the IR set so nothing stale is compiled if the ID were ever looked up. */
	irs = tb_pol_sets_get(&c->ir_sets, id);
	while (irs && irs->n_cidrs)
		tb_pol_sets_del_cidr(&c->ir_sets, id, &irs->cidrs[irs->n_cidrs - 1]);
	while (irs && irs->n_port_members)
		tb_pol_sets_del_port(&c->ir_sets, id, &irs->port_members[irs->n_port_members - 1]);
	calc_matcher_free(&s->m);
	i = 0;
	while (tb_hmap_next(&s->ep_members, &i, &k, &v))
		mlist_free(v);
	tb_hmap_free(&s->ep_members);
	tb_hmap_free(&s->counts);
	free(s->skey);
	free(s);
}

bool calc_sets_refresh(struct tb_calc *c, const char *key, const struct calc_ep *ep)
{
	bool changed = false;
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&c->sets, &i, &k, &v))
		changed |= refresh(c, v, key, ep);
	return changed;
}
