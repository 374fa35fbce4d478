/* SPDX-License-Identifier: Apache-2.0 */
/* The host-side reconciler's state, shared by hostside*.c. */
#ifndef TABBYD_HOSTSIDE_INT_H
#define TABBYD_HOSTSIDE_INT_H

#include <time.h>

#include "hmap.h"
#include "hostside.h"
#include "nl.h"
#include "nl_links.h"
#include "nl_routes.h"
#include "wep.h"

/* At most this many links deleted one by one in a sweep when the batch cannot be used. */
#define HS_SLOW_DELETES 4

struct hs_ep {
	char *key;
	char *iface;
	struct tb_cidr *ips;
	bool *seen; /* per address: its route was found in the sweep under way */
	size_t n_ips;
	bool v6;
	struct hs_ep *next_on_link; /* during a sweep: other endpoints naming the same link */
};

struct hs_orphan {
	double since;  /* first found orphaned */
	uint64_t seen; /* sweep that last found it */
};

struct hostside {
	struct hostside_opts o;
	char *node;
	char *aff_prefix; /* /calico/ipam/v2/host/<node>/ */
	struct tb_nl nl;
	struct tb_hmap eps;	/* endpoint key -> struct hs_ep */
	struct tb_hmap blocks;	/* "10.0.0.0/26" -> struct tb_cidr */
	struct tb_hmap orphans; /* "l <ifindex> <name>", "r <cidr> <ifindex>" -> hs_orphan */
	double last_sweep;	/* monotonic seconds; 0: none yet */
	struct hostside_stats st;
};

static inline double hs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A link name tabby would give a workload's host side (and one safe to put in a path). */
bool hs_is_tab_name(const char *name);

/* hostside_repair.c: one interface, put right. Return how many things were repaired or
 * -errno. */
int hs_repair_mac(struct hostside *h, const struct hs_ep *e, int ifindex, const uint8_t mac[6]);
int hs_repair_sysctls(struct hostside *h, const struct hs_ep *e);
/* Puts the route to e->ips[i] through ifindex. */
int hs_put_route(struct hostside *h, const struct hs_ep *e, size_t i, int ifindex);
int hs_put_blackhole(struct hostside *h, const struct tb_cidr *block);

#endif
