// SPDX-License-Identifier: Apache-2.0
/* Datastore documents to the calculation's model objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calc_int.h"
#include "k8s_sync.h"
#include "resource.h"

int calc_parse_cidr(const char *s, struct tb_ir_cidr *out)
{
	int r = tb_ir_cidr_parse(s, out);

	/* Host bits off: 10.1.2.3/8 is the net 10.0.0.0/8, as Calico reads it. */
	for (int i = out->len; !r && i < (out->family == 4 ? 32 : 128); i++)
		out->addr[i / 8] &= ~(0x80 >> (i % 8));
	return r;
}

static int parse_cidrs(json_t *list, struct tb_ir_cidr **out, size_t *n)
{
	size_t i;
	json_t *e;

	*out = calloc(json_array_size(list) + 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	json_array_foreach(list, i, e)
		if (json_is_string(e) && !calc_parse_cidr(json_string_value(e), &(*out)[*n]))
			(*n)++;
	return 0;
}

int calc_proto_number(json_t *v)
{
	static const struct {
		const char *name;
		int num;
	} names[] = { { "TCP", 6 },	  { "UDP", 17 },  { "ICMP", 1 }, { "ICMPv6", 58 },
		      { "SCTP", 132 },	  { "UDPLite", 136 } };

	if (json_is_integer(v))
		return (int)json_integer_value(v);
	for (size_t i = 0; json_is_string(v) && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(json_string_value(v), names[i].name))
			return names[i].num;
	if (json_is_string(v))
		return atoi(json_string_value(v));
	return -1;
}

static int parse_ports(json_t *list, struct calc_named_port **out, size_t *n)
{
	size_t i;
	json_t *e;

	*out = calloc(json_array_size(list) + 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return -ENOMEM;
	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		int proto = calc_proto_number(json_object_get(e, "protocol"));
		json_int_t port = json_integer_value(json_object_get(e, "port"));

		if (!name || port <= 0 || port > 65535)
			continue;
		(*out)[*n].name = strdup(name);
		(*out)[*n].proto = proto > 0 ? proto : 6;
		(*out)[(*n)++].port = port;
	}
	return 0;
}

static char **parse_strings(json_t *list, size_t *n)
{
	char **out = calloc(json_array_size(list) + 2, sizeof(char *));
	size_t i;
	json_t *e;

	*n = 0;
	json_array_foreach(list, i, e)
		if (out && json_is_string(e))
			out[(*n)++] = strdup(json_string_value(e));
	return out;
}

static void set_label(json_t *labels, const char *k, const char *v)
{
	if (v && !json_object_get(labels, k))
		json_object_set_new(labels, k, json_string(v));
}

static enum calc_ep_kind ep_kind(const char *key)
{
	if (strstr(key, "/workloadendpoints/"))
		return EP_WORKLOAD;
	if (strstr(key, "/hostendpoints/"))
		return EP_HOST;
	return EP_NETSET;
}

struct calc_ep *calc_ep_parse(const char *key, json_t *doc, const char *node, int64_t rev)
{
	json_t *meta = json_object_get(doc, "metadata"), *spec = json_object_get(doc, "spec");
	json_t *labels = json_object_get(meta, "labels");
	struct calc_ep *ep = calloc(1, sizeof(*ep));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	char buf[300];
	int r;

	if (!ep)
		return NULL;
	ep->key = strdup(key);
	ep->kind = ep_kind(key);
	ep->rev = rev;
	ep->name = strdup(json_string_value(json_object_get(meta, "name")) ?: "");
	ep->ns = ns && ep->kind != EP_HOST ? strdup(ns) : NULL;
	ep->labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
	if (ep->ns)
		set_label(ep->labels, TB_LABEL_NAMESPACE, ep->ns);
	if (ep->kind == EP_NETSET) {
		r = parse_cidrs(json_object_get(spec, "nets"), &ep->ips, &ep->n_ips);
		snprintf(buf, sizeof(buf), TB_NS_PROFILE_PREFIX "%s", ep->ns ? ep->ns : "");
		ep->profiles = calloc(2, sizeof(char *));
		if (ep->ns && ep->profiles)
			ep->profiles[ep->n_profiles++] = strdup(buf);
		return r ? (calc_ep_free(ep), NULL) : ep;
	}
	set_label(ep->labels, TB_LABEL_ORCHESTRATOR,
		  json_string_value(json_object_get(spec, "orchestrator")));
	set_label(ep->labels, TB_LABEL_SERVICEACCOUNT,
		  json_string_value(json_object_get(spec, "serviceAccountName")));
	ep->node = strdup(json_string_value(json_object_get(spec, "node")) ?: "");
	ep->iface = strdup(json_string_value(json_object_get(spec, "interfaceName")) ?: "");
	ep->mac = json_is_string(json_object_get(spec, "mac"))
			  ? strdup(json_string_value(json_object_get(spec, "mac"))) : NULL;
	ep->profiles = parse_strings(json_object_get(spec, "profiles"), &ep->n_profiles);
	r = parse_cidrs(json_object_get(spec, ep->kind == EP_HOST ? "expectedIPs" : "ipNetworks"),
			&ep->ips, &ep->n_ips);
	if (!r)
		r = parse_ports(json_object_get(spec, "ports"), &ep->ports, &ep->n_ports);
	ep->local = ep->kind == EP_WORKLOAD && node && !strcmp(ep->node, node);
	if (r || !ep->key || !ep->name || !ep->labels || !ep->profiles) {
		calc_ep_free(ep);
		return NULL;
	}
	return ep;
}

void calc_ep_free(struct calc_ep *ep)
{
	if (!ep)
		return;
	free(ep->key);
	free(ep->name);
	free(ep->ns);
	free(ep->node);
	free(ep->iface);
	free(ep->mac);
	json_decref(ep->labels);
	for (size_t i = 0; i < ep->n_profiles; i++)
		free(ep->profiles[i]);
	free(ep->profiles);
	free(ep->ips);
	for (size_t i = 0; i < ep->n_ports; i++)
		free(ep->ports[i].name);
	free(ep->ports);
	for (int d = 0; d < 2; d++) {
		free(ep->list_key[d]);
	}
	free(ep->used_sets);
	free(ep);
}

struct calc_tier *calc_tier_parse(json_t *doc)
{
	json_t *spec = json_object_get(doc, "spec"), *order = json_object_get(spec, "order");
	const char *def = json_string_value(json_object_get(spec, "defaultAction"));
	struct calc_tier *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->name = strdup(json_string_value(json_object_get(json_object_get(doc, "metadata"), "name")) ?: "");
	t->has_order = json_is_number(order);
	t->order = json_number_value(order);
	t->default_action = def && !strcmp(def, "Pass") ? TB_IR_PASS : TB_IR_DENY;
	return t;
}
