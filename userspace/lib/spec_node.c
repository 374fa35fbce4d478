// SPDX-License-Identifier: Apache-2.0
/*
 * Node as Calico's API defines it: BGP identity (addresses with their subnet, AS number, route
 * reflector cluster), tunnel addresses, orchestrator references; and its status, which the
 * node agent writes (open, so that tabbyd may report more than Calico's fields).
 */
#include "spec.h"
#include "spec_infra.h"
#include "validators.h"

/* The node's address with its subnet ("10.0.0.5/24"), or a bare address; host bits allowed. */
static void check_node_addr(struct tb_vctx *c, json_t *v, unsigned bits)
{
	struct tb_net a;

	if (tb_parse_cidr(json_string_value(v), true, &a) || tb_cidr_bits(&a) != bits)
		tb_verror(c, "'%s' is not an IPv%d address or CIDR", json_string_value(v),
			  bits == 32 ? 4 : 6);
}

static void check_addr_v4(struct tb_vctx *c, json_t *v)
{
	check_node_addr(c, v, 32);
}

static void check_addr_v6(struct tb_vctx *c, json_t *v)
{
	check_node_addr(c, v, 128);
}

static void check_node_bgp(struct tb_vctx *c, json_t *bgp)
{
	if (json_object_size(bgp) == 0)
		tb_verror(c, "must not be empty (omit bgp instead)");
}

static const struct tb_field node_bgp_fields[] = {
	{ "asNumber", TB_T_INT_OR_STRING, .check = tb_vcheck_asn },
	{ "ipv4Address", TB_T_STRING, TB_OMITEMPTY, .check = check_addr_v4 },
	{ "ipv6Address", TB_T_STRING, TB_OMITEMPTY, .check = check_addr_v6 },
	{ "ipv4IPIPTunnelAddr", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv4 },
	{ "routeReflectorClusterID", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv4 },
	{ NULL },
};
static const struct tb_schema node_bgp = { "NodeBGPSpec", node_bgp_fields, check_node_bgp };

static const struct tb_field orch_ref_fields[] = {
	{ "nodeName", TB_T_STRING },
	{ "orchestrator", TB_T_STRING, TB_REQUIRED },
	{ NULL },
};
static const struct tb_schema orch_ref = { "OrchRef", orch_ref_fields };

static const struct tb_field node_wg_fields[] = {
	{ "interfaceIPv4Address", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv4 },
	{ "interfaceIPv6Address", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv6 },
	{ NULL },
};
static const struct tb_schema node_wg = { "NodeWireguardSpec", node_wg_fields };

static const char *const ip_types[] = { "CalicoNodeIP", "InternalIP", "ExternalIP", NULL };

/* Host bits allowed: Calico copies bgp.ipv4Address ("192.168.1.11/24") here itself. */
static const struct tb_field node_addr_fields[] = {
	{ "address", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_cidr },
	{ "type", TB_T_STRING, TB_OMITEMPTY, .one_of = ip_types },
	{ NULL },
};
static const struct tb_schema node_addr = { "NodeAddress", node_addr_fields };

static const struct tb_field node_iface_fields[] = {
	{ "name", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "addresses", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_cidr },
	{ NULL },
};
static const struct tb_schema node_iface = { "NodeInterface", node_iface_fields };

static const struct tb_field node_fields[] = {
	{ "bgp", TB_T_OBJECT, .sub = &node_bgp },
	{ "ipv4VXLANTunnelAddr", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv4 },
	{ "vxlanTunnelMACAddr", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_mac },
	{ "ipv6VXLANTunnelAddr", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv6 },
	{ "vxlanTunnelMACAddrV6", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_mac },
	{ "orchRefs", TB_T_ARRAY, .sub = &orch_ref },
	{ "wireguard", TB_T_OBJECT, .sub = &node_wg },
	{ "addresses", TB_T_ARRAY, .sub = &node_addr },
	{ "interfaces", TB_T_ARRAY, .sub = &node_iface },
	{ NULL },
};
const struct tb_schema tb_spec_node = { "NodeSpec", node_fields };

/* Calico's NodeStatus fields are checked; the agent may add its own beside them. */
static const struct tb_field node_status_fields[] = {
	{ "wireguardPublicKey", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_wg_key },
	{ "wireguardPublicKeyV6", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_wg_key },
	{ "podCIDRs", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_cidr },
	{ NULL },
};
static const struct tb_schema node_status = { "NodeStatus", node_status_fields, NULL,
					      TB_SCHEMA_OPEN };

void tb_check_node_doc(struct tb_vctx *c, json_t *doc)
{
	tb_infra_check_top(c, doc, "status", &node_status);
}
