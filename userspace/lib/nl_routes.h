/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routes as a reconciler needs them (nl.h has the single-route calls the CNI plugin uses):
 * a dump of one table, routes of any type carrying a protocol number, and deletes of many
 * routes pipelined over one socket.
 *
 * The protocol number is how tabbyd tells its own routes from everyone else's: a route it
 * writes carries TB_RTPROT_TABBY (`ip route show proto 84`), and it only ever deletes a
 * route with that number or one it can otherwise prove is tabby's.
 */
#ifndef TABBY_NL_ROUTES_H
#define TABBY_NL_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"

/* Free in <linux/rtnetlink.h> and iproute2's rt_protos (Calico's felix uses 80). */
#define TB_RTPROT_TABBY 84

struct tb_nl_rt {
	struct tb_cidr dst;
	uint32_t table;
	uint32_t priority; /* the metric */
	int ifindex;	   /* first nexthop's device; 0 none */
	uint8_t type;	   /* RTN_UNICAST, RTN_BLACKHOLE, ... */
	uint8_t protocol;  /* RTPROT_* or TB_RTPROT_TABBY */
	uint8_t scope;
	bool gateway; /* the first nexthop has one */
};

struct tb_nl_rts {
	struct tb_nl_rt *v;
	size_t n;
};

/* Every route of family (AF_INET, AF_INET6) in table (RT_TABLE_MAIN, ...). */
int tb_nl_routes_dump(struct tb_nl *nl, int family, uint32_t table, struct tb_nl_rts *out);
void tb_nl_routes_free(struct tb_nl_rts *r);

/*
 * Adds or replaces the main table's route to dst: RTN_UNICAST through ifindex (link scope)
 * or RTN_BLACKHOLE (ifindex 0), carrying protocol, metric 0.
 */
int tb_nl_route_put(struct tb_nl *nl, const struct tb_cidr *dst, uint8_t type, int ifindex,
		    uint8_t protocol);

/*
 * Deletes the routes v[0..n) exactly as dumped (table, destination, type, protocol, metric,
 * device), a window of requests in flight at a time. A route already gone is no error.
 * Returns 0 or the first error (the others are still tried); *deleted (may be NULL) counts
 * the routes this call removed.
 */
int tb_nl_routes_del(struct tb_nl *nl, const struct tb_nl_rt *v, size_t n, size_t *deleted);

#endif
