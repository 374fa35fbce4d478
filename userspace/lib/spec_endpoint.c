// SPDX-License-Identifier: Apache-2.0
/*
 * HostEndpoint and WorkloadEndpoint: field tables and rules as Calico's v3 API states them
 * (HostEndpointSpec, WorkloadEndpointSpec and their ports), including the WorkloadEndpoint name
 * that must spell out the endpoint's identifiers so that one endpoint has exactly one key.
 */
#include <string.h>

#include "spec.h"
#include "spec_infra.h"
#include "validators.h"
#include "wep.h"

/* Calico's EndpointPort: a named port of a host endpoint. */
static const struct tb_field hep_port_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED, .check = tb_icheck_port_name },
	{ "protocol", TB_T_INT_OR_STRING, TB_REQUIRED, .check = tb_icheck_port_protocol },
	{ "port", TB_T_INT, TB_REQUIRED, .check = tb_vcheck_port_number },
	{ NULL },
};
static const struct tb_schema hep_port = { "EndpointPort", hep_port_fields };

static void check_hep(struct tb_vctx *c, json_t *spec)
{
	const char *ifname = json_string_value(json_object_get(spec, "interfaceName"));
	json_t *ips = json_object_get(spec, "expectedIPs");

	if ((!ifname || !*ifname) && json_array_size(ips) == 0)
		tb_verror(c, "at least one of interfaceName or expectedIPs must be specified");
}

static const struct tb_field hep_fields[] = {
	{ "node", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_dns_subdomain },
	{ "interfaceName", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_ifname_or_star },
	{ "expectedIPs", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_ip },
	{ "profiles", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_dns_subdomain },
	{ "ports", TB_T_ARRAY, .sub = &hep_port },
	{ NULL },
};
const struct tb_schema tb_spec_hostendpoint = { "HostEndpointSpec", hep_fields, check_hep };

/* A port of a workload: named (for policy) or a host port mapping, or both. */
static void check_wep_port(struct tb_vctx *c, json_t *port)
{
	const char *name = json_string_value(json_object_get(port, "name"));
	json_int_t host_port = json_integer_value(json_object_get(port, "hostPort"));

	if ((!name || !*name) && host_port == 0)
		tb_verror(c, "a port needs a name unless it has a hostPort");
}

static void check_host_port(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 65535)
		tb_verror(c, "must be between 0 and 65535");
}

static const struct tb_field wep_port_fields[] = {
	{ "name", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_port_name },
	{ "protocol", TB_T_INT_OR_STRING, TB_REQUIRED, .check = tb_icheck_port_protocol },
	{ "port", TB_T_INT, TB_REQUIRED, .check = tb_vcheck_port_number },
	{ "hostPort", TB_T_INT, .check = check_host_port },
	{ "hostIP", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_net },
	{ NULL },
};
static const struct tb_schema wep_port = { "WorkloadEndpointPort", wep_port_fields,
					   check_wep_port };

static void check_ipnat(struct tb_vctx *c, json_t *nat)
{
	struct tb_net in, ex;

	if (tb_parse_cidr(json_string_value(json_object_get(nat, "internalIP")), true, &in) ||
	    tb_parse_cidr(json_string_value(json_object_get(nat, "externalIP")), true, &ex))
		return;
	if (in.family != ex.family)
		tb_verror_at(c, "externalIP",
			     "internalIP and externalIP are of different IP versions");
}

static const struct tb_field ipnat_fields[] = {
	{ "internalIP", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_ip },
	{ "externalIP", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_ip },
	{ NULL },
};
static const struct tb_schema ipnat = { "IPNAT", ipnat_fields, check_ipnat };

static const struct tb_field qos_fields[] = {
	{ "ingressBandwidth", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ingressBurst", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ingressPeakrate", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ingressMinburst", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressBandwidth", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressBurst", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressPeakrate", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressMinburst", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ingressPacketRate", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ingressPacketBurst", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressPacketRate", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressPacketBurst", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ingressMaxConnections", TB_T_INT, .check = tb_icheck_nonneg },
	{ "egressMaxConnections", TB_T_INT, .check = tb_icheck_nonneg },
	{ "dscp", TB_T_INT_OR_STRING, .check = tb_icheck_dscp },
	{ NULL },
};
static const struct tb_schema qos = { "QoSControls", qos_fields };

/* Does one of the endpoint's networks hold addr? */
static bool in_networks(json_t *nets, const struct tb_net *addr)
{
	struct tb_net net;
	json_t *e;
	size_t i;

	json_array_foreach(nets, i, e)
		if (!tb_parse_cidr(json_string_value(e), true, &net) &&
		    tb_net_contains(&net, addr))
			return true;
	return false;
}

/* Workload networks are single addresses; NATs map addresses the endpoint has. */
static void check_wep(struct tb_vctx *c, json_t *spec)
{
	json_t *nets = json_object_get(spec, "ipNetworks"), *nats = json_object_get(spec, "ipNATs");
	struct tb_net a;
	size_t i, mark;
	json_t *e;

	json_array_foreach(nets, i, e) {
		if (tb_parse_cidr(json_string_value(e), true, &a) || a.prefix == tb_cidr_bits(&a))
			continue;
		mark = tb_vpush_field(c, "ipNetworks");
		tb_vpush_index(c, i);
		tb_verror(c, "IP network contains multiple addresses (use a /32 or /128)");
		tb_vpop(c, mark);
	}
	json_array_foreach(nats, i, e) {
		const char *in = json_string_value(json_object_get(e, "internalIP"));

		if (!in || tb_parse_ip(in, &a) || in_networks(nets, &a))
			continue;
		mark = tb_vpush_field(c, "ipNATs");
		tb_vpush_index(c, i);
		tb_verror(c, "internalIP %s is not in the endpoint's ipNetworks", in);
		tb_vpop(c, mark);
	}
}

static const struct tb_field wep_fields[] = {
	{ "orchestrator", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "workload", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "node", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "containerID", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_container_id },
	{ "pod", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "endpoint", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "serviceAccountName", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "ipNetworks", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_net },
	{ "ipNATs", TB_T_ARRAY, .sub = &ipnat },
	{ "ipv4Gateway", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv4 },
	{ "ipv6Gateway", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv6 },
	{ "profiles", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_dns_subdomain },
	{ "interfaceName", TB_T_STRING, TB_REQUIRED, .check = tb_icheck_ifname_or_star },
	{ "mac", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_mac },
	{ "ports", TB_T_ARRAY, .sub = &wep_port },
	{ "allowSpoofedSourcePrefixes", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_cidr },
	{ "qosControls", TB_T_OBJECT, .sub = &qos },
	{ NULL },
};
const struct tb_schema tb_spec_workloadendpoint = { "WorkloadEndpointSpec", wep_fields,
						    check_wep };

/* A part of the endpoint's name: present, and not beginning or ending with '-'. */
static const char *name_part(struct tb_vctx *c, json_t *spec, const char *field)
{
	const char *v = json_string_value(json_object_get(spec, field));

	if (!v || !*v) {
		tb_verror_at(c, field, "required to name the endpoint (the name is "
				       "<node>-<orchestrator>-<workload>-<endpoint>)");
		return NULL;
	}
	if (v[0] == '-' || v[strlen(v) - 1] == '-') {
		tb_verror_at(c, field, "'%s' must not begin or end with '-'", v);
		return NULL;
	}
	return v;
}

/*
 * Calico's name for an endpoint (tb_wep_name): node, orchestrator, then the workload's
 * identifier (the pod for k8s, the container ID for cni, the orchestrator again for
 * libnetwork, else workload), then the endpoint, joined by '-' after doubling the '-' inside
 * each.
 */
void tb_check_wep_doc(struct tb_vctx *c, json_t *doc)
{
	json_t *spec = json_object_get(doc, "spec");
	const char *name = json_string_value(json_object_get(json_object_get(doc, "metadata"),
							     "name"));
	const char *orch = json_string_value(json_object_get(spec, "orchestrator"));
	const char *wl_field = "workload";
	size_t mark = tb_vpush_field(c, "spec");
	struct tb_wep_id id;
	char want[512];

	if (orch && !strcmp(orch, "k8s"))
		wl_field = "pod";
	else if (orch && !strcmp(orch, "cni"))
		wl_field = "containerID";
	else if (orch && !strcmp(orch, "libnetwork"))
		wl_field = "orchestrator";
	id = (struct tb_wep_id){
		.node = name_part(c, spec, "node"),
		.orchestrator = name_part(c, spec, "orchestrator"),
		.workload = strcmp(wl_field, "orchestrator") ? name_part(c, spec, wl_field) : orch,
		.endpoint = name_part(c, spec, "endpoint"),
	};
	tb_vpop(c, mark);
	if (!id.node || !id.orchestrator || !id.workload || !id.endpoint || !name)
		return;
	if (tb_wep_name(&id, want, sizeof(want)))
		tb_verror(c, "metadata.name: the endpoint's identifiers make too long a name");
	else if (strcmp(name, want))
		tb_verror(c, "metadata.name: '%s' does not match the endpoint's identifiers in "
			     "spec: expected '%s'", name, want);
}
