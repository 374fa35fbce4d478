// SPDX-License-Identifier: Apache-2.0
/*
 * The ports of a Kubernetes NetworkPolicy rule grouped by protocol, as Calico's converter
 * groups them: one Calico rule per protocol (in byte order of the protocol names), holding
 * all that protocol's ports merged into the fewest ranges, named ports first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "knp_int.h"
#include "validators.h"

static const char *const known_protocols[] = { "UDP", "TCP", "ICMP", "ICMPv6", "SCTP", "UDPLite" };

/* Calico's ProtocolFromString: a known name in any case becomes its canonical spelling. */
static const char *canonical_protocol(const char *p)
{
	for (size_t i = 0; i < sizeof(known_protocols) / sizeof(known_protocols[0]); i++)
		if (!strcasecmp(p, known_protocols[i]))
			return known_protocols[i];
	return p;
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct knp_group *)a)->protocol,
		      ((const struct knp_group *)b)->protocol);
}

static struct knp_group *group_for(struct knp_groups *g, const char *proto)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i].protocol, proto))
			return &g->v[i];
	g->v[g->n].protocol = proto;
	return &g->v[g->n++];
}

/* A k8s port (number or name) plus endPort, as the text Calico parses: "80", "80:90", "http". */
static int port_of(const json_t *p, struct tb_port *out, char *err, size_t errlen)
{
	const json_t *port = json_object_get(p, "port"), *end = json_object_get(p, "endPort");
	char text[160];
	const char *why;
	json_t *s;
	int r;

	if (json_is_integer(port))
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(port));
	else if (json_is_string(port))
		snprintf(text, sizeof(text), "%s", json_string_value(port));
	else {
		snprintf(err, errlen, "a port must be a number or a name");
		return -EINVAL;
	}
	if (json_is_integer(end))
		snprintf(text + strlen(text), sizeof(text) - strlen(text), ":%lld",
			 (long long)json_integer_value(end));
	s = json_string(text);
	if (!s)
		return -ENOMEM;
	r = tb_parse_port(s, out, &why);
	if (r)
		snprintf(err, errlen, "invalid port %s: %s", text, why);
	json_decref(s);
	return r;
}

int knp_groups_build(struct knp_groups *g, const json_t *ports, char *err, size_t errlen)
{
	size_t n = json_array_size(ports), i;
	json_t *p;

	memset(g, 0, sizeof(*g));
	g->v = calloc(n + 1, sizeof(*g->v));
	if (!g->v)
		return -ENOMEM;
	if (n == 0) {
		/* No ports: one group with no protocol and no ports, matching everything. */
		g->v[0].protocol = "";
		g->v[0].all = true;
		g->n = 1;
		return 0;
	}
	for (i = 0; i < n; i++, g->alloc++) {
		g->v[i].ports = calloc(n, sizeof(*g->v[i].ports));
		if (!g->v[i].ports)
			return -ENOMEM;
	}
	json_array_foreach(ports, i, p) {
		const json_t *pv = json_object_get(p, "protocol");
		const char *proto = json_string_value(pv);
		struct knp_group *grp = group_for(g, canonical_protocol(proto ? proto : "TCP"));
		const json_t *port = json_object_get(p, "port");
		int r;

		if (pv && !json_is_null(pv) && !proto) {
			snprintf(err, errlen, "a protocol must be a name");
			return -EINVAL;
		}
		if (!port || json_is_null(port)) {
			grp->all = true;	/* no port: every port of the protocol */
			continue;
		}
		if (grp->all)
			continue;
		r = port_of(p, &grp->ports[grp->n], err, errlen);
		if (r)
			return r;
		grp->n++;
	}
	qsort(g->v, g->n, sizeof(*g->v), cmp_group);
	return 0;
}

void knp_groups_free(struct knp_groups *g)
{
	for (size_t i = 0; g->v && i < g->alloc; i++)
		free(g->v[i].ports);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static int cmp_range(const void *a, const void *b)
{
	const struct tb_port *x = a, *y = b;

	return x->min != y->min ? (x->min < y->min ? -1 : 1)
				: (x->max < y->max ? -1 : x->max > y->max);
}

static int append_port(json_t *list, const struct tb_port *p)
{
	return json_array_append_new(list, tb_port_to_json(p));
}

/*
 * Calico's SimplifyPorts: named ports pass through in order, numeric ports are merged into
 * the fewest ranges (adjacent and overlapping ones joined) and follow in ascending order. With
 * at most one numeric port in all, the list is left exactly as given.
 */
json_t *knp_group_ports_json(const struct knp_group *grp)
{
	struct tb_port *num, cur;
	size_t count = 0, nn = 0, i;
	json_t *list;

	if (grp->all)
		return NULL;
	list = json_array();
	num = calloc(grp->n + 1, sizeof(*num));
	if (!list || !num)
		goto fail;
	for (i = 0; i < grp->n; i++) {
		if (grp->ports[i].name[0])
			continue;
		num[nn++] = grp->ports[i];
		count += (size_t)grp->ports[i].max - grp->ports[i].min + 1;
	}
	if (grp->n <= 1 || count <= 1) {
		for (i = 0; i < grp->n; i++)
			if (append_port(list, &grp->ports[i]))
				goto fail;
		free(num);
		return list;
	}
	for (i = 0; i < grp->n; i++)
		if (grp->ports[i].name[0] && append_port(list, &grp->ports[i]))
			goto fail;
	qsort(num, nn, sizeof(*num), cmp_range);
	cur = num[0];
	for (i = 1; i <= nn; i++) {
		if (i < nn && (unsigned)num[i].min <= (unsigned)cur.max + 1) {
			if (num[i].max > cur.max)
				cur.max = num[i].max;
			continue;
		}
		if (append_port(list, &cur))
			goto fail;
		if (i < nn)
			cur = num[i];
	}
	free(num);
	return list;
fail:
	free(num);
	json_decref(list);
	return NULL;
}
