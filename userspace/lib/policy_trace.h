/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tabbyctl policy trace`: what would happen to a new flow, and which rule decides it. The
 * answer comes from the same calculation and policy IR the agent programs, judged by the
 * reference evaluator the classifier is tested against: the source endpoint's egress policy,
 * then the destination endpoint's ingress policy. An address outside the cluster has none.
 */
#ifndef TABBY_POLICY_TRACE_H
#define TABBY_POLICY_TRACE_H

#include <stdio.h>

#include "datastore.h"

struct tb_trace_query {
	const char *from;	/* "namespace/pod", a WorkloadEndpoint name, or an address */
	const char *to;
	int proto;		/* IP protocol number */
	int port;		/* destination port (TCP, UDP, SCTP, UDPLite); ICMP: type */
};

/*
 * Writes the trace to out. Returns 1 when the flow would be allowed, 0 when denied, or
 * -errno (-ENOENT: an endpoint named does not exist, reported on out).
 */
int tb_policy_trace(struct tb_ds *ds, const struct tb_trace_query *q, FILE *out);

#endif
