/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The calculation stage of tabbyd: from the datastore's resources to, for every local
 * endpoint and direction, the ordered tiers, policies and profiles that apply (as policy IR,
 * tb_ir) and the IP sets their rule selectors match.
 *
 * Incremental: updates only mark what they touch (an endpoint's labels: that endpoint's
 * policy membership and the sets its addresses belong to; a policy: the local endpoints it
 * selects and the sets its rules use). tb_calc_flush() then rebuilds the IR of the endpoints
 * marked dirty, once per distinct policy list, and reports them through the ops.
 *
 * Semantics (Calico v3): NetworkPolicy selects endpoints of its own namespace; rule selectors
 * of a NetworkPolicy are scoped to its namespace unless a namespaceSelector is given;
 * namespaceSelector and serviceAccounts match the pcns./pcsa. labels profiles apply;
 * endpoints see their own labels over their profiles' labelsToApply; staged policies are
 * never enforced; doNotTrack and preDNAT policies apply to host endpoints only; a kns.<ns>
 * profile allowing all exists for every namespace an endpoint lives in.
 */
#ifndef TABBY_CALC_H
#define TABBY_CALC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "policy_ir.h"

struct tb_calc;

/* A local endpoint as the dataplane needs it. */
struct tb_calc_ep {
	const char *key;	/* datastore key: identity */
	const char *name;	/* WorkloadEndpoint/HostEndpoint name */
	const char *ns;		/* NULL for host endpoints */
	const char *iface;	/* host-side interface */
	bool host;		/* a HostEndpoint */
	const struct tb_ir_cidr *ips;
	size_t n_ips;
	const char *mac;	/* workload MAC, or NULL */
	int64_t revision;	/* datastore revision of the endpoint's last change */
};

struct tb_calc_ops {
	/* A local endpoint appeared or changed (addresses, interface). */
	void (*endpoint_update)(void *ctx, const struct tb_calc_ep *ep);
	/* A local endpoint went away. */
	void (*endpoint_remove)(void *ctx, const char *key, const char *iface);
	/*
	 * The endpoint's policy in direction dir (0 ingress, 1 egress) is now `ir`. list_key
	 * identifies the ordered list: endpoints with equal keys have equal IR (share tables).
	 * ir and sets are borrowed for the call.
	 */
	void (*policy_update)(void *ctx, const struct tb_calc_ep *ep, int dir, const char *list_key,
			      const struct tb_ir *ir, const struct tb_pol_sets *sets);
};

int tb_calc_new(const char *nodename, const struct tb_calc_ops *ops, void *ctx,
		struct tb_calc **out);
void tb_calc_free(struct tb_calc *c);

/* A resource (any datastore key; others are ignored) was written or deleted. */
void tb_calc_update(struct tb_calc *c, const char *key, json_t *doc, int64_t rev);
void tb_calc_remove(struct tb_calc *c, const char *key, int64_t rev);
/* Computes and reports everything marked dirty. Returns the number of endpoints reported. */
int tb_calc_flush(struct tb_calc *c);

/* Reports a local endpoint again at the next flush, as if new (its interface came back). */
void tb_calc_resend(struct tb_calc *c, const char *key);

/* Counters for metrics. */
struct tb_calc_stats {
	unsigned endpoints, local_endpoints, policies, profiles, ip_sets, selectors;
	unsigned lists;	/* distinct policy lists in use by local endpoints */
};
void tb_calc_stats(const struct tb_calc *c, struct tb_calc_stats *s);

/* The IR of a local endpoint (for policy trace and tests); NULL if unknown. Borrowed. */
const struct tb_ir *tb_calc_endpoint_ir(struct tb_calc *c, const char *key, int dir,
					const struct tb_pol_sets **sets);

#endif
