// SPDX-License-Identifier: Apache-2.0
/*
 * DEL, CHECK, GC and STATUS.
 *
 * DEL releases the addresses and the endpoint record, removes the node's routes to them and
 * (when the namespace still exists) the addresses in it, but does not delete the veth: a
 * synchronous veth delete costs an RCU grace period (~38 ms here), while the namespace's
 * own teardown removes the pair in a batch. A pair whose namespace lives on is replaced by
 * the next ADD of that workload, and tabbyd's reconciler removes host-side links that
 * belong to no endpoint. DEL succeeds when repeated, with CNI_NETNS empty, and for a
 * container never added.
 */
#include <errno.h>
#include <string.h>

#include "ipam.h"
#include "ipam_cni.h"
#include "log.h"
#include "plugin.h"

int cmd_del(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	    struct tb_cni_error *e)
{
	struct tb_cni_result ips = {0};
	struct workload w;
	int r;

	r = workload_init(&w, ds, env, c, e);
	if (r)
		goto out;
	if (endpoint_ips(ds, &w, &ips) == 0)
		net_release(&w, &ips);
	r = ipam_del(ds, &w, e);
	if (!r)
		r = endpoint_delete(ds, &w, e);
	if (!r)
		tb_info("DEL %s", w.wep_name);
out:
	workload_free(&w);
	return r;
}

int cmd_check(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	      struct tb_cni_error *e)
{
	struct tb_cni_result prev;
	struct workload w;
	int r;

	if (!c->prev_result || tb_cni_result_parse(c->prev_result, &prev))
		return tb_cni_fail(e, TB_CNI_E_CONFIG,
				   "CHECK needs the prevResult of ADD in the configuration");
	r = workload_init(&w, ds, env, c, e);
	if (!r)
		r = net_check(&w, &prev, e);
	if (!r)
		r = endpoint_check(ds, &w, &prev, e);
	if (!r)
		r = ipam_check(ds, &w, &prev, e);
	workload_free(&w);
	return r;
}

/* Endpoints of this node whose attachment is not valid any more are deleted. */
static int gc_endpoints(struct tb_ds *ds, const struct tb_cni_conf *c, const char *cid)
{
	struct tb_kv_list l;
	int r = tb_ds_list(ds, TB_WEP_PREFIX, &l);

	for (size_t i = 0; !r && i < l.n; i++) {
		json_t *doc = json_loads(l.items[i].value, 0, NULL);
		json_t *spec = json_object_get(doc, "spec");
		const char *node = json_string_value(json_object_get(spec, "node"));
		const char *wcid = json_string_value(json_object_get(spec, "containerID"));

		if (node && wcid && !strcmp(node, c->nodename) && !strcmp(wcid, cid))
			r = tb_ds_delete(ds, l.items[i].key, l.items[i].mod_revision, NULL);
		if (r == -ENOENT || r == -ECANCELED)
			r = 0;
		json_decref(doc);
	}
	tb_kv_list_free(&l);
	return r;
}

struct gc_ctx {
	struct tb_ds *ds;
	const struct tb_cni_conf *c;
	int r;
};

static void gc_released(const char *cid, void *arg)
{
	struct gc_ctx *g = arg;

	tb_info("GC: %s is not a valid attachment, released", cid);
	if (!g->r)
		g->r = gc_endpoints(g->ds, g->c, cid);
}

int cmd_gc(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	   struct tb_cni_error *e)
{
	struct gc_ctx g = {ds, c, 0};

	if (tb_ipam_cni_gc(ds, c, gc_released, &g, e))
		return -1;
	return g.r ? tb_cni_fail(e, TB_CNI_E_IO, "GC: deleting endpoints: %s", strerror(-g.r)) : 0;
}

int cmd_status(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	       struct tb_cni_error *e)
{
	struct tb_ipam_pools pools;
	bool v4 = false, v6 = false;

	if (c->ipam_type && strcmp(c->ipam_type, "tabby-ipam"))
		return 0; /* a delegated IPAM answers for itself */
	if (tb_ipam_pools_load(ds, &pools))
		return tb_cni_fail(e, TB_CNI_E_NOT_AVAILABLE, "cannot read IPPools");
	for (size_t i = 0; i < pools.n; i++) {
		if (pools.v[i].disabled || !pools.v[i].workload)
			continue;
		v4 |= pools.v[i].cidr.ip.family == AF_INET;
		v6 |= pools.v[i].cidr.ip.family == AF_INET6;
	}
	tb_ipam_pools_free(&pools);
	if ((c->assign_ipv4 && !v4) || (c->assign_ipv6 && !v6))
		return tb_cni_fail(e, TB_CNI_E_NOT_AVAILABLE,
				   "no enabled IPPool for %s: apply one with tabbyctl",
				   c->assign_ipv4 && !v4 ? "IPv4" : "IPv6");
	return 0;
}
