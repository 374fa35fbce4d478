// SPDX-License-Identifier: Apache-2.0
/* policy trace: what would happen to a new flow, and which rule decides it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "ctl.h"
#include "policy_trace.h"

static int parse_proto(const char *s)
{
	static const struct {
		const char *name;
		int num;
	} names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
		      { "sctp", 132 }, { "udplite", 136 } };
	char *end;
	long n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].num;
	n = strtol(s, &end, 10);
	return *end || n < 0 || n > 255 ? -1 : (int)n;
}

static int policy_trace(struct ctl_args *a)
{
	struct tb_trace_query q = { a->from, a->to, 6, 80 };
	struct tb_client *c = NULL;
	int r;

	if (!a->from || !a->to || a->npos) {
		fprintf(stderr, "usage: tabbyctl policy trace --from SRC --to DST [--protocol P] "
				"[--port N]\n");
		return CTL_USAGE;
	}
	if (a->protocol && (q.proto = parse_proto(a->protocol)) < 0) {
		fprintf(stderr, "invalid protocol '%s' (tcp, udp, icmp, icmpv6, sctp, udplite or 0-255)\n",
			a->protocol);
		return CTL_USAGE;
	}
	if (a->port && ((q.port = atoi(a->port)) < 0 || q.port > 65535)) {
		fprintf(stderr, "invalid port '%s'\n", a->port);
		return CTL_USAGE;
	}
	if (!a->port && (q.proto == 1 || q.proto == 58))
		q.port = q.proto == 1 ? 8 : 128;	/* echo request */
	if (ctl_open_client(a, &c))
		return CTL_FAIL;
	r = tb_policy_trace(c->ds, &q, stdout);
	tb_client_close(c);
	return r < 0 ? CTL_FAIL : CTL_OK;
}

static const struct ctl_opt *const trace_opts[] = { &opt_from, &opt_to, &opt_protocol, &opt_port,
						    CTL_DS_OPTS, NULL };

const struct ctl_cmd ctl_policy_cmds[] = {
	{ "trace", "--from SRC --to DST [--protocol tcp|udp|icmp|N] [--port N]",
	  "What would happen to a new flow, and which rule decides it.", trace_opts, policy_trace,
	  "SRC and DST are endpoints (namespace/pod, or a WorkloadEndpoint name) or addresses\n"
	  "outside the cluster. The source's egress policy is judged, then the destination's\n"
	  "ingress policy, from the same tables the agent programs. With ICMP, --port is the\n"
	  "ICMP type (default: echo request)." },
	{ NULL },
};
