// SPDX-License-Identifier: Apache-2.0
/*
 * The calculation's ops, carried out on the BPF dataplane. A new endpoint gets both
 * directions' policy written before its programs are attached, so its first packet already
 * meets its policy; a policy change compiles the new list once (shared by every endpoint with
 * the same list) and flips each endpoint with one map update.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "bpf_loader.h"
#include "ct_gc_thread.h"
#include "hostside.h"
#include "workload.skel.h"
#include "tabby/conntrack.h"
#include "policy_compile.h"
#include "policy_maps.h"
#include "rule_metrics.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int agent_dataplane_open(struct agent *a)
{
	struct tb_dp_opts o = { 0 };
	struct tb_pol_map_fds fds;
	int r;

	r = tb_dp_pin_root(a->cfg.pin_path, a->cfg.node, a->pin_root, sizeof(a->pin_root));
	if (r)
		return r;
	o.pin_root = a->pin_root;
	r = tb_dp_load(&o, &a->dp);
	if (r) {
		tb_err("cannot load the BPF dataplane (pins under %s): %s", a->pin_root, strerror(-r));
		return r;
	}
	r = tb_pol_map_fds_from_object(((struct workload *)tb_dp_skel(a->dp))->obj, &fds);
	if (r) {
		tb_err("the BPF object lacks the policy maps: %s", strerror(-r));
		return r;
	}
	r = tb_pol_maps_new(&fds, &a->pol);
	if (r) {
		tb_err("cannot read the pinned policy maps back (under %s): %s", a->pin_root,
		       strerror(-r));
		return r;
	}
	tb_ct_timeouts_default(&a->ct_timeouts);
	/* Expiry off the agent's loop: a full table's pass must not delay policy updates. */
	r = ct_gc_thread_start(tb_dp_map_fd(a->dp, TB_CT_MAP_NAME), &a->ct_timeouts, 1000,
			       &a->ct_gc);
	if (r)
		tb_warn("conntrack expiry thread not started (%s): idle entries stay until evicted",
			strerror(-r));
	a->dataplane_ok = true;
	return 0;
}

static void free_ep(struct agent_ep *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->name);
	free(e->iface);
	free(e->too_large[0]);
	free(e->too_large[1]);
	free(e);
}

void agent_dataplane_close(struct agent *a)
{
	size_t i = 0;
	const char *k;
	void *v;

	/* Programs stay attached and maps pinned: the dataplane keeps its state (fail static). */
	while (tb_hmap_next(&a->eps, &i, &k, &v))
		free_ep(v);
	tb_hmap_free(&a->eps);
	ct_gc_thread_stop(a->ct_gc);
	a->ct_gc = NULL;
	agent_rule_labels_free(a);
	tb_pol_maps_free(a->pol);
	tb_dp_destroy(a->dp);
}

static struct agent_ep *get_ep(struct agent *a, const struct tb_calc_ep *ep)
{
	struct agent_ep *e = tb_hmap_get(&a->eps, ep->key);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->key = strdup(ep->key)) || !(e->name = strdup(ep->name)) ||
	    tb_hmap_put(&a->eps, ep->key, e, NULL)) {
		free_ep(e);
		return NULL;
	}
	return e;
}

/* Attaches once both directions have policy; then the endpoint is programmed. */
static void maybe_attach(struct agent *a, struct agent_ep *e)
{
	int r;

	if (!e->ifindex || !e->dir_set[0] || !e->dir_set[1])
		return;
	if (!e->attached) {
		r = tb_dp_attach(a->dp, e->ifindex);
		if (r) {
			a->m.dataplane_failures++;
			tb_err("endpoint %s: cannot attach to %s: %s", e->name, e->iface, strerror(-r));
			return;
		}
		e->attached = true;
		tb_info("endpoint %s: programs attached to %s", e->name, e->iface);
	}
	agent_write_endpoint_status(a, e);
}

static void on_endpoint(void *ctx, const struct tb_calc_ep *ep)
{
	struct agent *a = ctx;
	struct agent_ep *e = get_ep(a, ep);
	int ifindex = if_nametoindex(ep->iface);

	if (!ep->host)
		hostside_endpoint_update(a->hostside, ep->key, ep->iface, ep->ips, ep->n_ips);
	if (!e)
		return;
	e->revision = ep->revision;
	if (!e->iface || strcmp(e->iface, ep->iface) || e->ifindex != ifindex) {
		if (e->ifindex && e->ifindex != ifindex) {
			for (int d = 0; d < 2; d++)
				tb_pol_maps_detach(a->pol, e->ifindex, d);
			e->attached = false;
		}
		free(e->iface);
		e->iface = strdup(ep->iface);
		e->ifindex = ifindex;
		e->dir_set[0] = e->dir_set[1] = false;
	}
	if (!ifindex)
		tb_debug("endpoint %s: interface %s not there yet", ep->name, ep->iface);
	maybe_attach(a, e);
}

/* Why the endpoint's policy in dir cannot be enforced (NULL: it can), for status and metrics. */
static void set_too_large(struct agent_ep *e, int dir, const char *msg)
{
	free(e->too_large[dir]);
	e->too_large[dir] = msg ? strdup(msg) : NULL;
}

static int install(struct agent *a, struct agent_ep *e, int dir, const char *key,
		   const struct tb_ir *ir, const struct tb_pol_sets *sets)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_diag d;
	uint32_t slot;
	int r;

	r = tb_pol_maps_get(a->pol, key, NULL, &slot);
	if (r == -ENOENT) {
		tb_diag_init(&d);
		r = tb_pol_compile(ir, sets, &d, &c);
		if (r == -E2BIG) {
			a->m.too_large++;
			set_too_large(e, dir, d.n ? d.msgs[0] : "over the dataplane's limits");
			tb_err("endpoint %s: %s policy over the dataplane's limits, denying its traffic: "
			       "%s", e->name, dir ? "egress" : "ingress", e->too_large[dir]);
			r = tb_pol_maps_set_too_large(a->pol, e->ifindex, dir);
		} else if (!r) {
			set_too_large(e, dir, NULL);
			r = tb_pol_maps_get(a->pol, key, c, &slot);
			if (!r)
				agent_rule_labels_record(a, slot, dir, ir, c);
			if (!r)
				r = tb_pol_maps_attach(a->pol, e->ifindex, dir, slot);
		}
		tb_pol_compiled_free(c);
		tb_diag_free(&d);
		return r;
	}
	if (!r)
		set_too_large(e, dir, NULL);
	return r ? r : tb_pol_maps_attach(a->pol, e->ifindex, dir, slot);
}

static void on_policy(void *ctx, const struct tb_calc_ep *ep, int dir, const char *key,
		      const struct tb_ir *ir, const struct tb_pol_sets *sets)
{
	struct agent *a = ctx;
	struct agent_ep *e = get_ep(a, ep);
	double t0 = now_s();
	int r;

	if (!e)
		return;
	e->revision = ep->revision;
	if (!e->ifindex)
		e->ifindex = if_nametoindex(ep->iface);
	if (!e->ifindex) {
		e->dir_set[dir] = false;	/* retried by housekeeping once the link exists */
		return;
	}
	r = install(a, e, dir, key, ir, sets);
	tb_hist_observe(&a->m.dataplane_seconds, now_s() - t0);
	a->m.updates++;
	if (r) {
		a->m.dataplane_failures++;
		tb_err("endpoint %s: cannot program %s policy: %s", e->name, dir ? "egress" : "ingress",
		       strerror(-r));
		return;
	}
	e->dir_set[dir] = true;
	maybe_attach(a, e);
}

static void on_remove(void *ctx, const char *key, const char *iface)
{
	struct agent *a = ctx;
	struct agent_ep *e = tb_hmap_del(&a->eps, key);

	hostside_endpoint_remove(a->hostside, key);
	if (!e)
		return;
	if (e->ifindex) {
		for (int d = 0; d < 2; d++)
			tb_pol_maps_detach(a->pol, e->ifindex, d);
		/* The link may be gone with its namespace already: nothing to detach then. */
		if (if_nametoindex(e->iface) == (unsigned)e->ifindex)
			tb_dp_detach(e->ifindex);
	}
	agent_remove_endpoint_status(a, e->name);
	tb_info("endpoint %s: removed", e->name);
	free_ep(e);
}

const struct tb_calc_ops agent_calc_ops = {
	.endpoint_update = on_endpoint,
	.policy_update = on_policy,
	.endpoint_remove = on_remove,
};

/*
 * Endpoints whose interface appeared (or was recreated) since the calculation reported them
 * get reported again; unreferenced tables are collected; idle conntrack entries expire.
 */
void agent_dataplane_housekeeping(struct agent *a)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(&a->eps, &i, &k, &v)) {
		struct agent_ep *e = v;
		int ifindex = e->iface ? (int)if_nametoindex(e->iface) : 0;

		if (!ifindex || (e->attached && ifindex == e->ifindex))
			continue;
		if (e->ifindex && ifindex != e->ifindex) {
			for (int d = 0; d < 2; d++)
				tb_pol_maps_detach(a->pol, e->ifindex, d);
		}
		e->ifindex = ifindex;
		e->attached = false;
		e->dir_set[0] = e->dir_set[1] = false;
		tb_calc_resend(a->calc, e->key);
	}
	tb_pol_maps_gc(a->pol, 0);
	/* Removals need the whole desired state: only once in sync. */
	if (a->in_sync)
		hostside_tick(a->hostside);
	a->m.ct_live = ct_gc_thread_live(a->ct_gc);
}
