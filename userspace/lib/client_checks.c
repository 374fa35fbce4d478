// SPDX-License-Identifier: Apache-2.0
/*
 * Checks a write or delete needs the datastore for, beyond what validation sees in one
 * document, as Calico's client makes them:
 *  - a policy's tier must exist (in the store or in the same manifest; "default" always
 *    does), and a Tier that still has policies, or the default tier, cannot be deleted;
 *  - an enforced policy must fit the dataplane on its own (policy_fit.h), a Kubernetes
 *    NetworkPolicy as the Calico policy it converts to;
 *  - an IPPool must not overlap another pool, and changing one must not strand addresses
 *    it has allocated (tb_ipam_pool_change_check).
 * A refusal adds "<where>: <why>" to diag and returns -EINVAL (-EPERM for a delete).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "ipam.h"
#include "knp_convert.h"
#include "policy_fit.h"

#define DEFAULT_TIER "default"

static const char *const tiered_kinds[] = {"GlobalNetworkPolicy", "NetworkPolicy",
					   "StagedGlobalNetworkPolicy", "StagedNetworkPolicy",
					   NULL};

static bool is_kind(const struct tb_kind *k, const char *kind)
{
	return k && !(k->flags & TB_KIND_K8S) && !strcmp(k->kind, kind);
}

static bool is_tiered(const struct tb_kind *k)
{
	for (const char *const *t = tiered_kinds; *t; t++)
		if (is_kind(k, *t))
			return true;
	return false;
}

static const char *tier_of(json_t *doc)
{
	const char *t = json_string_value(json_object_get(json_object_get(doc, "spec"), "tier"));

	return t && *t ? t : DEFAULT_TIER;
}

static int tier_exists(struct tb_client *c, const struct tb_write_set *ws, const char *tier)
{
	const struct tb_kind *tk = tb_kind_for(TB_API_CALICO, "Tier");
	struct tb_kv kv = {0};
	char *key = NULL;
	int r;

	if (!strcmp(tier, DEFAULT_TIER))
		return 1;
	for (size_t j = 0; j < ws->docs->n; j++)
		if (ws->kinds[j] == tk && !strcmp(tb_res_name(ws->docs->docs[j].obj) ?: "", tier))
			return 1;
	r = tb_resource_key(tk, NULL, tier, &key);
	if (!r)
		r = tb_ds_get(c->ds, key, &kv);
	tb_kv_free(&kv);
	free(key);
	return r == -ENOENT ? 0 : r ? r : 1;
}

static int fit(const struct tb_kind *k, json_t *doc, const char *where, struct tb_diag *diag)
{
	char *key = NULL;
	int r = tb_resource_key(k, tb_res_namespace(doc), tb_res_name(doc), &key);

	if (r)
		return r;
	tb_diag_set_prefix(diag, "%s", where);
	r = tb_policy_fit_check(key, doc, diag);
	tb_diag_set_prefix(diag, NULL);
	free(key);
	return r == -E2BIG ? -EINVAL : r;
}

static int check_policy(struct tb_client *c, const struct tb_write_set *ws, size_t i,
			const char *where, struct tb_diag *diag)
{
	const struct tb_kind *k = ws->kinds[i];
	json_t *doc = ws->docs->docs[i].obj;
	const char *tier = tier_of(doc);
	int r = tier_exists(c, ws, tier);

	if (r < 0)
		return r;
	if (!r) {
		tb_diag_add(diag,
			    "%s: tier '%s' does not exist: create the Tier first (or in the "
			    "same manifest)",
			    where, tier);
		return -EINVAL;
	}
	/* Staged policies are never enforced: the dataplane's limits do not apply to them. */
	if (k->flags & TB_KIND_STAGED)
		return 0;
	return fit(k, doc, where, diag);
}

/* A Kubernetes NetworkPolicy is enforced as its conversion: that must fit. */
static int check_knp(json_t *doc, const char *where, struct tb_diag *diag)
{
	struct tb_diag scratch;
	json_t *np;
	int r;

	/* Conversion problems are validation's to report; only the size is checked here. */
	tb_diag_init(&scratch);
	np = tb_knp_convert(doc, &scratch);
	tb_diag_free(&scratch);
	if (!np)
		return 0;
	r = fit(tb_kind_for(TB_API_CALICO, "NetworkPolicy"), np, where, diag);
	json_decref(np);
	return r;
}

static int parse_pool(json_t *doc, struct tb_ipam_pool *p)
{
	return tb_ipam_pool_from_json(tb_res_name(doc) ?: "", json_object_get(doc, "spec"), p);
}

/* Whether the manifest writes a pool of this name: its new cidr is the one that counts. */
static bool in_manifest(const struct tb_write_set *ws, const char *name)
{
	for (size_t j = 0; j < ws->docs->n; j++)
		if (is_kind(ws->kinds[j], "IPPool") &&
		    !strcmp(tb_res_name(ws->docs->docs[j].obj) ?: "", name))
			return true;
	return false;
}

static bool overlap(const struct tb_ipam_pool *np, const struct tb_ipam_pool *q, const char *where,
		    struct tb_diag *diag)
{
	char a[TB_CIDR_STRLEN], b[TB_CIDR_STRLEN];

	if (!strcmp(q->name, np->name) || !tb_cidr_overlaps(&np->cidr, &q->cidr))
		return false;
	tb_cidr_format(&np->cidr, a, sizeof(a));
	tb_cidr_format(&q->cidr, b, sizeof(b));
	tb_diag_add(diag,
		    "%s: spec.cidr: IPPool(%s) CIDR %s overlaps with IPPool(%s) CIDR %s: "
		    "pools must not overlap",
		    where, np->name, a, q->name, b);
	return true;
}

static int check_overlaps(struct tb_client *c, const struct tb_write_set *ws, size_t i,
			  const struct tb_ipam_pool *np, const char *where, struct tb_diag *diag)
{
	struct tb_ipam_pools pools;
	bool bad = false;
	int r;

	/* Against the manifest's earlier pools, so that each pair is reported once. */
	for (size_t j = 0; j < i; j++) {
		struct tb_ipam_pool q;

		if (!is_kind(ws->kinds[j], "IPPool") || parse_pool(ws->docs->docs[j].obj, &q))
			continue;
		bad |= overlap(np, &q, where, diag);
		tb_ipam_pool_free(&q);
	}
	r = tb_ipam_pools_load(c->ds, &pools);
	if (r)
		return r;
	for (size_t j = 0; j < pools.n; j++)
		if (!in_manifest(ws, pools.v[j].name))
			bad |= overlap(np, &pools.v[j], where, diag);
	tb_ipam_pools_free(&pools);
	return bad ? -EINVAL : 0;
}

static int check_pool(struct tb_client *c, const struct tb_write_set *ws, size_t i, json_t *cur,
		      const char *where, struct tb_diag *diag)
{
	json_t *doc = ws->docs->docs[i].obj;
	struct tb_ipam_pool np;
	char why[512] = "";
	int r;

	r = parse_pool(doc, &np);
	if (r == -EINVAL)
		return 0; /* validation has already said what is wrong with it */
	if (r)
		return r;
	r = check_overlaps(c, ws, i, &np, where, diag);
	tb_ipam_pool_free(&np);
	if (r || !cur)
		return r;
	r = tb_ipam_pool_change_check(c->ds, tb_res_name(doc), json_object_get(cur, "spec"),
				      json_object_get(doc, "spec"), why, sizeof(why));
	if (r && *why)
		tb_diag_add(diag, "%s: %s", where, why);
	return r == -EBUSY ? -EINVAL : r;
}

int tb_client_check_write(struct tb_client *c, const struct tb_write_set *ws, size_t i, json_t *cur,
			  const char *where, struct tb_diag *diag)
{
	const struct tb_kind *k = ws->kinds[i];

	if (is_tiered(k))
		return check_policy(c, ws, i, where, diag);
	if (is_kind(k, "IPPool"))
		return check_pool(c, ws, i, cur, where, diag);
	if ((k->flags & TB_KIND_K8S) && !strcmp(k->kind, "NetworkPolicy"))
		return check_knp(ws->docs->docs[i].obj, where, diag);
	return 0;
}

/* How many policies of any tiered kind are in tier; first names one of them. */
static int count_in_tier(struct tb_client *c, const char *tier, char *first, size_t len,
			 unsigned *n)
{
	int r = 0;

	*n = 0;
	for (const char *const *t = tiered_kinds; *t && !r; t++) {
		struct tb_kv_list l = {0};
		char *prefix = NULL;

		r = tb_resource_prefix(tb_kind_for(TB_API_CALICO, *t), NULL, &prefix);
		if (!r)
			r = tb_ds_list(c->ds, prefix, &l);
		for (size_t i = 0; !r && i < l.n; i++) {
			json_t *doc = json_loads(l.items[i].value, 0, NULL);

			if (doc && !strcmp(tier_of(doc), tier) && !(*n)++)
				snprintf(first, len, "%s %s%s%s", *t, tb_res_namespace(doc) ?: "",
					 tb_res_namespace(doc) ? "/" : "", tb_res_name(doc) ?: "");
			json_decref(doc);
		}
		tb_kv_list_free(&l);
		free(prefix);
	}
	return r;
}

int tb_client_check_delete(struct tb_client *c, const struct tb_kind *k, const char *name,
			   struct tb_diag *diag)
{
	char first[600] = "";
	unsigned n;
	int r;

	if (!is_kind(k, "Tier"))
		return 0;
	if (!strcmp(name, DEFAULT_TIER)) {
		tb_diag_add(diag, "Tier %s cannot be deleted: policies without a tier belong to it",
			    name);
		return -EPERM;
	}
	r = count_in_tier(c, name, first, sizeof(first), &n);
	if (r)
		return r;
	if (n) {
		tb_diag_add(diag,
			    "Tier %s cannot be deleted: it still has %u polic%s (%s%s): "
			    "delete or move the tier's policies first",
			    name, n, n == 1 ? "y" : "ies", first, n > 1 ? ", ..." : "");
		return -EPERM;
	}
	return 0;
}
