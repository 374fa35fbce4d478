// SPDX-License-Identifier: Apache-2.0
/* The calculation stage: dispatch of datastore changes, dirty marking, and the flush. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc_int.h"
#include "k8s_sync.h"
#include "knp_convert.h"
#include "log.h"
#include "resource.h"

enum key_class { K_NONE, K_EP, K_POLICY, K_KNP, K_PROFILE, K_TIER };

static enum key_class classify(const char *key)
{
	static const struct {
		const char *prefix;
		enum key_class cls;
	} map[] = {
		{ TB_KEY_CALICO "workloadendpoints/", K_EP },
		{ TB_KEY_CALICO "hostendpoints/", K_EP },
		{ TB_KEY_CALICO "networksets/", K_EP },
		{ TB_KEY_CALICO "globalnetworksets/", K_EP },
		{ TB_KEY_CALICO "globalnetworkpolicies/", K_POLICY },
		{ TB_KEY_CALICO "networkpolicies/", K_POLICY },
		{ TB_KEY_K8S "networkpolicies/", K_KNP },
		{ TB_KEY_CALICO "profiles/", K_PROFILE },
		{ TB_KEY_CALICO "tiers/", K_TIER },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(key, map[i].prefix, strlen(map[i].prefix)))
			return map[i].cls;
	return K_NONE;
}

int tb_calc_new(const char *nodename, const struct tb_calc_ops *ops, void *ctx,
		struct tb_calc **out)
{
	struct tb_calc *c = calloc(1, sizeof(*c));

	if (!c || !(c->node = strdup(nodename))) {
		free(c);
		return -ENOMEM;
	}
	c->ops = *ops;
	c->ctx = ctx;
	tb_hmap_init(&c->eps);
	tb_hmap_init(&c->policies);
	tb_hmap_init(&c->profiles);
	tb_hmap_init(&c->tiers);
	tb_hmap_init(&c->sets);
	tb_hmap_init(&c->sets_by_id);
	tb_hmap_init(&c->irs);
	tb_pol_sets_init(&c->ir_sets);
	*out = c;
	return 0;
}

static void free_tier(struct calc_tier *t)
{
	if (t)
		free(t->name);
	free(t);
}

void tb_calc_free(struct tb_calc *c)
{
	size_t i = 0;
	const char *k;
	void *v;

	if (!c)
		return;
	/* Policies and profiles first: they hold the sets' references. */
	while (tb_hmap_next(&c->policies, &i, &k, &v))
		calc_policy_free(c, v);
	for (i = 0; tb_hmap_next(&c->profiles, &i, &k, &v);)
		calc_profile_free(c, v);
	for (i = 0; tb_hmap_next(&c->eps, &i, &k, &v);) {
		calc_ep_release_lists(c, v);
		calc_ep_free(v);
	}
	for (i = 0; tb_hmap_next(&c->tiers, &i, &k, &v);)
		free_tier(v);
	tb_hmap_free(&c->policies);
	tb_hmap_free(&c->profiles);
	tb_hmap_free(&c->eps);
	tb_hmap_free(&c->tiers);
	tb_hmap_free(&c->sets);
	tb_hmap_free(&c->sets_by_id);
	tb_hmap_free(&c->irs);
	tb_pol_sets_free(&c->ir_sets);
	free(c->node);
	free(c);
}

/* Marks every local endpoint whose current IR uses set `id`. */
static void mark_set_users(struct tb_calc *c, uint32_t id)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&c->eps, &i, &k, &v)) {
		struct calc_ep *ep = v;

		for (size_t j = 0; ep->local && !ep->dirty && j < ep->n_used_sets; j++)
			if (ep->used_sets[j] == id)
				ep->dirty = true;
	}
}

/* Sets whose generation moved since the last look; their users need new IR. */
static void propagate_set_changes(struct tb_calc *c)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&c->sets, &i, &k, &v)) {
		struct calc_set *s = v;

		if (s->gen != s->seen_gen) {
			s->seen_gen = s->gen;
			mark_set_users(c, s->id);
		}
	}
}

/* A kns.<ns> profile stands in for every namespace an endpoint lives in. */
static void ensure_ns_profiles(struct tb_calc *c, const struct calc_ep *ep)
{
	for (size_t i = 0; i < ep->n_profiles; i++) {
		const char *name = ep->profiles[i];
		struct calc_profile *p;

		if (strncmp(name, TB_NS_PROFILE_PREFIX, strlen(TB_NS_PROFILE_PREFIX)) ||
		    tb_hmap_has(&c->profiles, name))
			continue;
		p = calc_profile_default_ns(c, name);
		if (p)
			tb_hmap_put(&c->profiles, name, p, NULL);
	}
}

static void ep_update(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	struct calc_ep *ep = calc_ep_parse(key, doc, c->node, rev), *old;

	if (!ep) {
		tb_warn("calc: ignoring endpoint %s: cannot read it", key);
		return;
	}
	ensure_ns_profiles(c, ep);
	old = tb_hmap_get(&c->eps, key);
	if (old && old->local && ep->local) {
		/* Keep what the dataplane was told, to report only differences. */
		for (int d = 0; d < 2; d++) {
			ep->list_key[d] = old->list_key[d];
			ep->ir[d] = old->ir[d];
			old->list_key[d] = NULL;
			old->ir[d] = NULL;
		}
		ep->reported = old->reported;
	}
	if (old && old->local && !ep->local && c->ops.endpoint_remove)
		c->ops.endpoint_remove(c->ctx, key, old->iface);
	tb_hmap_put(&c->eps, key, ep, NULL);
	if (old)
		calc_ep_release_lists(c, old);
	calc_ep_free(old);
	ep->dirty = ep->local;
	ep->ep_changed = ep->local;
	calc_sets_refresh(c, key, ep);
}

static void ep_remove(struct tb_calc *c, const char *key)
{
	struct calc_ep *ep = tb_hmap_del(&c->eps, key);

	if (!ep)
		return;
	calc_sets_refresh(c, key, NULL);
	if (ep->local && ep->reported && c->ops.endpoint_remove)
		c->ops.endpoint_remove(c->ctx, key, ep->iface);
	calc_ep_release_lists(c, ep);
	calc_ep_free(ep);
}

/* Local endpoints that a policy selects (before or after a change) need new IR. */
static void mark_selected(struct tb_calc *c, const struct calc_policy *a, const struct calc_policy *b)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&c->eps, &i, &k, &v)) {
		struct calc_ep *ep = v;

		if (ep->local && !ep->dirty &&
		    ((a && calc_matcher_match(c, &a->m, ep)) || (b && calc_matcher_match(c, &b->m, ep))))
			ep->dirty = true;
	}
}

static void policy_set(struct tb_calc *c, const char *key, struct calc_policy *p)
{
	struct calc_policy *old = tb_hmap_get(&c->policies, key);

	if (p)
		tb_hmap_put(&c->policies, key, p, NULL);
	else
		tb_hmap_del(&c->policies, key);
	mark_selected(c, old, p);
	calc_policy_free(c, old);
}

static void policy_update(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	struct calc_policy *p = calc_policy_parse(c, key, doc, rev);

	if (!p)
		tb_warn("calc: ignoring policy %s: cannot read it", key);
	else
		policy_set(c, key, p);
}

/* A Kubernetes NetworkPolicy is enforced as its Calico conversion. */
static void knp_update(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	struct tb_diag d;
	json_t *np;

	tb_diag_init(&d);
	np = tb_knp_convert(doc, &d);
	if (np)
		policy_update(c, key, np, rev);
	else
		tb_warn("calc: cannot convert Kubernetes NetworkPolicy %s: %s", key,
			d.n ? d.msgs[0] : "unknown error");
	json_decref(np);
	tb_diag_free(&d);
}

/* Endpoints with a profile see its labels and rules: refresh their sets, mark local ones. */
static void profile_users_changed(struct tb_calc *c, const char *name)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&c->eps, &i, &k, &v)) {
		struct calc_ep *ep = v;

		for (size_t j = 0; j < ep->n_profiles; j++) {
			if (strcmp(ep->profiles[j], name))
				continue;
			calc_sets_refresh(c, ep->key, ep);
			ep->dirty |= ep->local;
			break;
		}
	}
}

static void profile_set(struct tb_calc *c, const char *name, struct calc_profile *p)
{
	struct calc_profile *old = tb_hmap_get(&c->profiles, name);

	if (p)
		tb_hmap_put(&c->profiles, name, p, NULL);
	else
		tb_hmap_del(&c->profiles, name);
	profile_users_changed(c, name);
	calc_profile_free(c, old);
}

static const char *key_name(const char *key)
{
	const char *slash = strrchr(key, '/');

	return slash ? slash + 1 : key;
}

static void profile_update(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	struct calc_profile *p = calc_profile_parse(c, key, doc, rev);

	if (p)
		profile_set(c, p->name, p);
	else
		tb_warn("calc: ignoring profile %s: cannot read it", key);
}

static void profile_remove(struct tb_calc *c, const char *key)
{
	const char *name = key_name(key);

	/* A namespace's profile never goes while the namespace has endpoints: fall back. */
	if (!strncmp(name, TB_NS_PROFILE_PREFIX, strlen(TB_NS_PROFILE_PREFIX)))
		profile_set(c, name, calc_profile_default_ns(c, name));
	else
		profile_set(c, name, NULL);
}

static void mark_all_local(struct tb_calc *c)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&c->eps, &i, &k, &v))
		((struct calc_ep *)v)->dirty |= ((struct calc_ep *)v)->local;
}

static void tier_set(struct tb_calc *c, const char *name, struct calc_tier *t)
{
	struct calc_tier *old = tb_hmap_get(&c->tiers, name);

	if (t)
		tb_hmap_put(&c->tiers, name, t, NULL);
	else
		tb_hmap_del(&c->tiers, name);
	free_tier(old);
	mark_all_local(c);
}

void tb_calc_update(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	switch (classify(key)) {
	case K_EP:
		ep_update(c, key, doc, rev);
		break;
	case K_POLICY:
		policy_update(c, key, doc, rev);
		break;
	case K_KNP:
		knp_update(c, key, doc, rev);
		break;
	case K_PROFILE:
		profile_update(c, key, doc, rev);
		break;
	case K_TIER: {
		struct calc_tier *t = calc_tier_parse(doc);

		if (t)
			tier_set(c, t->name, t);
		break;
	}
	case K_NONE:
		break;
	}
}

void tb_calc_remove(struct tb_calc *c, const char *key, int64_t rev)
{
	switch (classify(key)) {
	case K_EP:
		ep_remove(c, key);
		break;
	case K_POLICY:
	case K_KNP:
		policy_set(c, key, NULL);
		break;
	case K_PROFILE:
		profile_remove(c, key);
		break;
	case K_TIER:
		tier_set(c, key_name(key), NULL);
		break;
	case K_NONE:
		break;
	}
}

/* The IR of key, shared: an equal list's IR if there is one (then ir is freed), else ir. */
static struct tb_ir *share_ir(struct tb_calc *c, const char *key, struct tb_ir *ir)
{
	struct calc_shared_ir *s = tb_hmap_get(&c->irs, key);

	if (s) {
		tb_ir_free(ir);
		s->refs++;
		return s->ir;
	}
	s = calloc(1, sizeof(*s));
	if (!s || tb_hmap_put(&c->irs, key, s, NULL)) {
		/* Out of memory: the endpoint keeps an unshared IR nothing will free. */
		free(s);
		return ir;
	}
	s->ir = ir;
	s->refs = 1;
	return ir;
}

/* Drops an endpoint's hold on its list in direction d. */
static void release_list(struct tb_calc *c, struct calc_ep *ep, int d)
{
	struct calc_shared_ir *s = ep->list_key[d] ? tb_hmap_get(&c->irs, ep->list_key[d]) : NULL;

	if (s && !--s->refs) {
		tb_hmap_del(&c->irs, ep->list_key[d]);
		tb_ir_free(s->ir);
		free(s);
	}
	free(ep->list_key[d]);
	ep->list_key[d] = NULL;
	ep->ir[d] = NULL;
}

void calc_ep_release_lists(struct tb_calc *c, struct calc_ep *ep)
{
	for (int d = 0; d < 2; d++)
		release_list(c, ep, d);
}

static void report(struct tb_calc *c, struct calc_ep *ep)
{
	struct tb_calc_ep out = {
		.key = ep->key, .name = ep->name, .ns = ep->ns, .iface = ep->iface,
		.host = ep->kind == EP_HOST, .ips = ep->ips, .n_ips = ep->n_ips, .mac = ep->mac,
		.revision = ep->rev,
	};
	uint32_t *used = NULL;
	size_t n_used = 0;

	if (ep->ep_changed && c->ops.endpoint_update)
		c->ops.endpoint_update(c->ctx, &out);
	ep->ep_changed = false;
	ep->reported = true;
	for (int d = 0; d < 2; d++) {
		struct tb_ir *ir = NULL;
		char *key = NULL;

		if (calc_build_ir(c, ep, d, &ir, &key, &used, &n_used)) {
			tb_err("calc: cannot build the policy of %s", ep->key);
			continue;
		}
		if (ep->list_key[d] && !strcmp(ep->list_key[d], key)) {
			tb_ir_free(ir);
			free(key);
			continue;
		}
		ir = share_ir(c, key, ir);
		if (c->ops.policy_update)
			c->ops.policy_update(c->ctx, &out, d, key, ir, &c->ir_sets);
		release_list(c, ep, d);
		ep->list_key[d] = key;
		ep->ir[d] = ir;
	}
	free(ep->used_sets);
	ep->used_sets = used;
	ep->n_used_sets = n_used;
}

int tb_calc_flush(struct tb_calc *c)
{
	size_t i = 0;
	const char *k;
	void *v;
	int n = 0;

	propagate_set_changes(c);
	while (tb_hmap_next(&c->eps, &i, &k, &v)) {
		struct calc_ep *ep = v;

		if (!ep->local || !ep->dirty)
			continue;
		ep->dirty = false;
		report(c, ep);
		n++;
	}
	return n;
}

void tb_calc_resend(struct tb_calc *c, const char *key)
{
	struct calc_ep *ep = tb_hmap_get(&c->eps, key);

	if (!ep || !ep->local)
		return;
	calc_ep_release_lists(c, ep);
	ep->dirty = ep->ep_changed = true;
}

void tb_calc_stats(const struct tb_calc *c, struct tb_calc_stats *s)
{
	size_t i = 0;
	const char *k;
	void *v;

	memset(s, 0, sizeof(*s));
	while (tb_hmap_next(&c->eps, &i, &k, &v)) {
		struct calc_ep *ep = v;

		s->endpoints += ep->kind != EP_NETSET;
		s->local_endpoints += ep->local;
	}
	/* Every list a local endpoint uses has its one shared IR. */
	s->lists = c->irs.n;
	s->policies = c->policies.n;
	s->profiles = c->profiles.n;
	s->ip_sets = c->sets.n;
	s->selectors = c->sets.n + c->policies.n;
}

const struct tb_ir *tb_calc_endpoint_ir(struct tb_calc *c, const char *key, int dir,
					const struct tb_pol_sets **sets)
{
	struct calc_ep *ep = tb_hmap_get(&c->eps, key);

	if (sets)
		*sets = &c->ir_sets;
	return ep && ep->local && dir >= 0 && dir < 2 ? ep->ir[dir] : NULL;
}
