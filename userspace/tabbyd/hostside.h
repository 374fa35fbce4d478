/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of local workloads, reconciled (DESIGN.md "CNI and IPAM", "Route
 * ownership"). Desired state: the calculation's local workload endpoints (host-side
 * interface, addresses) and the node's IPAM block affinities. Actual state: links, routes
 * and sysctls read back from the kernel. The difference is applied:
 *
 *  - repaired: each endpoint's /32 (/128) route through its interface, the interface's MAC
 *    ee:ee:ee:ee:ee:ee and sysctls (proxy_arp=1, neigh proxy_delay=0, forwarding=1; with
 *    IPv6 addresses proxy_ndp=1, accept_dad=0, forwarding=1), a blackhole per affine block;
 *  - removed: veths named `tab*` that no endpoint names, /32 (/128) routes over such links
 *    to addresses no endpoint there owns, and blackholes carrying tabby's protocol number
 *    (TB_RTPROT_TABBY) for blocks the node no longer holds.
 *
 * Nothing else is touched: a link is tabby's only when it is a veth named `tab*`; a route
 * only when it carries TB_RTPROT_TABBY or is a /32 (/128) over such a link. A link or
 * workload route is removed only after it has been orphaned for the grace period, so an ADD
 * whose endpoint has not reached the agent yet keeps its veth. Orphaned links go in one
 * batch (one RCU grace period for all, see nl_links.h).
 *
 * An endpoint or block update is applied at once; removals wait for a full sweep, which the
 * agent runs after its first sync and then every interval from housekeeping.
 */
#ifndef TABBYD_HOSTSIDE_H
#define TABBYD_HOSTSIDE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipam_addr.h"
#include "policy_ir.h"

struct hostside;

struct hostside_opts {
	const char *node;
	double interval_s; /* between full sweeps */
	double grace_s;	   /* how long a link or route stays orphaned before removal */
};

struct hostside_stats {
	uint64_t sweeps;
	uint64_t repairs;	   /* routes, MACs, sysctls put right */
	uint64_t blackholes_added; /* includes repairs of missing ones */
	uint64_t blackholes_removed;
	uint64_t links_removed;
	uint64_t routes_removed;
	uint64_t errors;
	double last_sweep_s; /* how long the last sweep took */
};

/* Defaults (sweep every 10 s, 30 s grace), then TABBY_HOSTSIDE_INTERVAL and
 * TABBY_HOSTSIDE_GRACE (seconds) from the environment. -EINVAL for a bad value. */
int hostside_opts_from_env(struct hostside_opts *o, const char *node);

/* Opens a route socket in the caller's network namespace. */
int hostside_new(const struct hostside_opts *o, struct hostside **out);
/* hostside_opts_from_env, then hostside_new; says in the log why when it fails. */
int hostside_open_env(const char *node, struct hostside **out);
void hostside_free(struct hostside *h);

/*
 * A local workload endpoint appeared or changed: remembered, and its host side repaired at
 * once (routes to addresses it no longer has, through the interface it had, are removed).
 * Only interfaces named `tab*` are repaired. h may be NULL (then nothing happens).
 */
int hostside_endpoint_update(struct hostside *h, const char *key, const char *iface,
			     const struct tb_ir_cidr *ips, size_t n_ips);
/* Forgotten; what it leaves behind goes at a sweep after the grace period. */
void hostside_endpoint_remove(struct hostside *h, const char *key);

/* The node's blocks: a blackhole is added at once, removed at once. */
int hostside_block_add(struct hostside *h, const struct tb_cidr *block);
int hostside_block_remove(struct hostside *h, const struct tb_cidr *block);

/*
 * Datastore keys: this node's affinity keys (/calico/ipam/v2/host/<node>/ipv4|ipv6/block/
 * <cidr with - for />) add or remove blocks; an affinity in state pendingDeletion counts as
 * gone. Other keys are ignored. Return whether the key was an affinity of this node.
 */
bool hostside_ds_update(struct hostside *h, const char *key, const json_t *doc);
bool hostside_ds_remove(struct hostside *h, const char *key);

/* A full sweep now: read back the kernel, repair and remove. 0 or the first -errno. */
int hostside_sweep(struct hostside *h);
/* Sweeps when the interval has passed since the last one (or none ran yet). */
void hostside_tick(struct hostside *h);

void hostside_get_stats(const struct hostside *h, struct hostside_stats *st);
/* The counters above as Prometheus text (tabby_hostside_*); nothing when h is NULL. */
void hostside_write_metrics(const struct hostside *h, FILE *f);

#endif
