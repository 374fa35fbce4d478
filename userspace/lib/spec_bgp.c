// SPDX-License-Identifier: Apache-2.0
/*
 * BGPConfiguration and BGPPeer as Calico's v3 API defines them: AS numbers in plain and asdot
 * form, communities, prefix advertisements, peer IPs with an optional port, and the rules that
 * keep a peering unambiguous (node or nodeSelector, peerIP or peerSelector, ...).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "spec_infra.h"
#include "validators.h"

static const char *const severities[] = { "Trace", "Debug", "Info", "Warning", "Error", "Fatal",
					  NULL };
static const char *const enabled_disabled[] = { "Enabled", "Disabled", NULL };
static const char *const bind_modes[] = { "None", "NodeIP", NULL };
static const char *const cluster_routes[] = { "Enabled", "Disabled", "EnabledIPIPOnly",
					      "EnabledNoEncapOnly", NULL };

static void check_severity(struct tb_vctx *c, json_t *v)
{
	tb_icheck_ci_enum(c, v, severities);
}

static void check_listen_port(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		tb_verror(c, "must be between 1 and 65535");
}

static void check_route_priority(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 1 || json_integer_value(v) > 2147483646)
		tb_verror(c, "must be between 1 and 2147483646");
}

/*
 * "aa:nn" (standard: 16-bit parts) or "aa:nn:mm" (large: 32-bit parts). Returns false when s
 * is neither form; reports a part out of range itself.
 */
static bool community_value(struct tb_vctx *c, const char *s)
{
	unsigned long long part[3];
	int n = 0;
	const char *p = s;
	char *end;

	while (n < 3) {
		if (*p < '0' || *p > '9')
			return false;
		part[n++] = strtoull(p, &end, 10);
		if (!*end)
			break;
		if (*end != ':')
			return false;
		p = end + 1;
	}
	if (n < 2 || *end)
		return false;
	for (int i = 0; i < n; i++)
		if (part[i] > (n == 2 ? 0xffffULL : 0xffffffffULL)) {
			tb_verror(c, "invalid community value '%s', expected %d bit values", s,
				  n == 2 ? 16 : 32);
			break;
		}
	return true;
}

static void check_community_value(struct tb_vctx *c, json_t *v)
{
	if (!community_value(c, json_string_value(v)))
		tb_verror(c, "invalid community value or format '%s' (aa:nn or aa:nn:mm)",
			  json_string_value(v));
}

static const struct tb_field community_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_dns_subdomain },
	{ "value", TB_T_STRING, TB_REQUIRED, .check = check_community_value },
	{ NULL },
};
static const struct tb_schema community = { "Community", community_fields };

static const struct tb_field prefix_adv_fields[] = {
	{ "cidr", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_net },
	{ "communities", TB_T_ARRAY, .elem = TB_T_STRING },
	{ NULL },
};
static const struct tb_schema prefix_adv = { "PrefixAdvertisement", prefix_adv_fields };

static const struct tb_field cidr_block_fields[] = {
	{ "cidr", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_net },
	{ NULL },
};
static const struct tb_schema cidr_block = { "ServiceIPBlock", cidr_block_fields };

static bool community_defined(json_t *communities, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(communities, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "name")) ?: "", name))
			return true;
	return false;
}

/* A prefix's communities are values, or names of spec.communities. */
static void check_adv_communities(struct tb_vctx *c, json_t *spec, json_t *adv)
{
	json_t *communities = json_object_get(spec, "communities"), *e;
	size_t i, mark;

	json_array_foreach(json_object_get(adv, "communities"), i, e) {
		const char *s = json_string_value(e);

		if (!s)
			continue;
		mark = tb_vpush_field(c, "communities");
		tb_vpush_index(c, i);
		if (!community_value(c, s) && !community_defined(communities, s))
			tb_verror(c, "community '%s' is not a value (aa:nn, aa:nn:mm) nor a name "
				     "defined in spec.communities", s);
		tb_vpop(c, mark);
	}
}

static bool mesh_off(json_t *spec)
{
	return json_is_false(json_object_get(spec, "nodeToNodeMeshEnabled"));
}

static void check_bgpconfig(struct tb_vctx *c, json_t *spec)
{
	json_t *advs = json_object_get(spec, "prefixAdvertisements"), *e;
	size_t i, mark;

	if (mesh_off(spec) && json_object_get(spec, "nodeMeshPassword"))
		tb_verror_at(c, "nodeMeshPassword", "cannot be set when nodeToNodeMeshEnabled is "
			     "false");
	if (mesh_off(spec) && json_object_get(spec, "nodeMeshMaxRestartTime"))
		tb_verror_at(c, "nodeMeshMaxRestartTime",
			     "cannot be set when nodeToNodeMeshEnabled "
			     "is false");
	if (json_array_size(json_object_get(spec, "communities")) && !json_array_size(advs))
		tb_verror_at(c, "communities", "communities are defined but not used in "
			     "prefixAdvertisements");
	json_array_foreach(advs, i, e) {
		mark = tb_vpush_field(c, "prefixAdvertisements");
		tb_vpush_index(c, i);
		check_adv_communities(c, spec, e);
		tb_vpop(c, mark);
	}
}

static const struct tb_field bgpconfig_fields[] = {
	{ "logSeverityScreen", TB_T_STRING, TB_OMITEMPTY, .check = check_severity },
	{ "nodeToNodeMeshEnabled", TB_T_BOOL },
	{ "asNumber", TB_T_INT_OR_STRING, .check = tb_vcheck_asn },
	{ "serviceLoadBalancerIPs", TB_T_ARRAY, .sub = &cidr_block },
	{ "serviceExternalIPs", TB_T_ARRAY, .sub = &cidr_block },
	{ "serviceClusterIPs", TB_T_ARRAY, .sub = &cidr_block },
	{ "serviceLoadBalancerAggregation", TB_T_STRING, TB_OMITEMPTY, .one_of = enabled_disabled },
	{ "communities", TB_T_ARRAY, .sub = &community },
	{ "prefixAdvertisements", TB_T_ARRAY, .sub = &prefix_adv },
	{ "listenPort", TB_T_INT, .check = check_listen_port },
	{ "nodeMeshPassword", TB_T_OBJECT, .sub = &tb_infra_bgp_password },
	{ "nodeMeshMaxRestartTime", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_duration },
	{ "bindMode", TB_T_STRING, TB_OMITEMPTY, .one_of = bind_modes },
	{ "ignoredInterfaces", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_icheck_ignored_iface },
	{ "localWorkloadPeeringIPV4", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv4 },
	{ "localWorkloadPeeringIPV6", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ipv6 },
	{ "programClusterRoutes", TB_T_STRING, TB_OMITEMPTY, .one_of = cluster_routes },
	{ "ipv4NormalRoutePriority", TB_T_INT, .check = check_route_priority },
	{ "ipv6NormalRoutePriority", TB_T_INT, .check = check_route_priority },
	{ NULL },
};
/* No defaults filled in: node.<name> settings override default ones only where present. */
const struct tb_schema tb_spec_bgpconfiguration = { "BGPConfigurationSpec", bgpconfig_fields,
						    check_bgpconfig };

/* Fields Calico allows only on the cluster-wide configuration named "default". */
static const char *const default_only[] = {
	"nodeToNodeMeshEnabled", "asNumber",	     "serviceLoadBalancerIPs", "serviceExternalIPs",
	"serviceClusterIPs",	 "nodeMeshPassword", "nodeMeshMaxRestartTime", NULL,
};

void tb_check_bgpconfig_doc(struct tb_vctx *c, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "metadata"),
							     "name"));
	json_t *spec = json_object_get(doc, "spec");
	size_t mark;

	if (!name || !strcmp(name, "default"))
		return;
	mark = tb_vpush_field(c, "spec");
	for (const char *const *f = default_only; *f; f++)
		if (json_object_get(spec, *f))
			tb_verror_at(c, *f, "can only be set on the BGPConfiguration named "
					    "\"default\"");
	tb_vpop(c, mark);
}

/*
 * A peer address as Calico takes it: "<IP>", "<IPv4>:<port>" or "[<IPv6>]:<port>". Returns 0
 * with the address in *ip, or -EINVAL.
 */
static int parse_peer_ip(const char *s, struct tb_net *ip)
{
	char host[TB_NET_STRLEN];
	bool bracketed = s[0] == '[';
	const char *colon, *port;
	unsigned long p;
	char *end;
	size_t n;

	if (!tb_parse_ip(s, ip))
		return 0;
	if (bracketed) {
		colon = strstr(s, "]:");
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - s - 1);
		port = colon + 2;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		n = (size_t)(colon - s);
		port = colon + 1;
	}
	if (n == 0 || n >= sizeof(host) || *port < '0' || *port > '9')
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	p = strtoul(port, &end, 10);
	if (*end || p < 1 || p > 65535 || tb_parse_ip(host, ip))
		return -EINVAL;
	/* The brackets hold IPv6 only, the bare form IPv4 only. */
	return bracketed == (tb_cidr_bits(ip) == 128) ? 0 : -EINVAL;
}

static void check_peer_ip(struct tb_vctx *c, json_t *v)
{
	struct tb_net ip;

	if (parse_peer_ip(json_string_value(v), &ip))
		tb_verror(c, "'%s' is not a peer address (<IP>, <IPv4>:<port> or [<IPv6>]:<port>)",
			  json_string_value(v));
}

static void check_ttl(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 255)
		tb_verror(c, "must be between 0 and 255");
}

static bool set_str(json_t *spec, const char *field)
{
	const char *s = json_string_value(json_object_get(spec, field));

	return s && *s;
}

/* asNumber absent or 0 both mean "not set". */
static bool set_asn(json_t *spec)
{
	json_t *v = json_object_get(spec, "asNumber");
	uint32_t asn;

	return v && !(tb_parse_asn(v, &asn) == 0 && asn == 0);
}

static void check_peer_family(struct tb_vctx *c, json_t *spec)
{
	struct tb_net peer, gw;

	if (!set_str(spec, "reachableBy"))
		return;
	if (!set_str(spec, "peerIP")) {
		tb_verror_at(c, "reachableBy", "must be empty when peerIP is empty");
		return;
	}
	if (!parse_peer_ip(json_string_value(json_object_get(spec, "peerIP")), &peer) &&
	    !tb_parse_ip(json_string_value(json_object_get(spec, "reachableBy")), &gw) &&
	    tb_cidr_bits(&peer) != tb_cidr_bits(&gw))
		tb_verror_at(c, "reachableBy", "reachableBy and peerIP address family mismatched");
}

static void check_peer(struct tb_vctx *c, json_t *spec)
{
	bool lws = set_str(spec, "localWorkloadSelector");

	if (set_str(spec, "node") && set_str(spec, "nodeSelector"))
		tb_verror(c, "node and nodeSelector cannot both be set");
	if (set_str(spec, "peerIP") && set_str(spec, "peerSelector"))
		tb_verror(c, "peerIP and peerSelector cannot both be set");
	if (set_str(spec, "peerSelector") && set_asn(spec))
		tb_verror_at(c, "asNumber", "must be empty when peerSelector is set");
	if (lws && set_str(spec, "peerIP"))
		tb_verror_at(c, "peerIP", "must be empty when localWorkloadSelector is set");
	if (lws && set_str(spec, "peerSelector"))
		tb_verror_at(c, "peerSelector", "must be empty when localWorkloadSelector is set");
	if (lws && !set_asn(spec))
		tb_verror_at(c, "asNumber", "is required when localWorkloadSelector is set");
	if (json_is_true(json_object_get(spec, "keepOriginalNextHop")) &&
	    json_object_get(spec, "nextHopMode"))
		tb_verror(c, "keepOriginalNextHop and nextHopMode cannot both be set; "
			     "keepOriginalNextHop is deprecated, use nextHopMode instead");
	check_peer_family(c, spec);
}

static const char *const next_hop_modes[] = { "Auto", "Self", "Keep", NULL };
static const char *const source_addrs[] = { "UseNodeIP", "None", NULL };
static const char *const reverse_modes[] = { "Auto", "Manual", NULL };
/* Calico Enterprise's peer settings, accepted so its manifests apply unchanged. */
static const char *const bfd_modes[] = { "None", "BFDIfDirectlyConnected", NULL };
static const char *const restart_modes[] = { "GracefulRestart", "LongLivedGracefulRestart",
					      NULL };
static const char *const gw_modes[] = { "Recursive", "DirectIfDirectlyConnected", NULL };

static const struct tb_field bgppeer_fields[] = {
	{ "node", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "nodeSelector", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_selector },
	{ "peerIP", TB_T_STRING, TB_OMITEMPTY, .check = check_peer_ip },
	{ "asNumber", TB_T_INT_OR_STRING, .check = tb_vcheck_asn },
	{ "localASNumber", TB_T_INT_OR_STRING, .check = tb_vcheck_asn },
	{ "peerSelector", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_selector },
	{ "keepOriginalNextHop", TB_T_BOOL },
	{ "nextHopMode", TB_T_STRING, TB_OMITEMPTY, .one_of = next_hop_modes },
	{ "password", TB_T_OBJECT, .sub = &tb_infra_bgp_password },
	{ "sourceAddress", TB_T_STRING, TB_OMITEMPTY, .one_of = source_addrs },
	{ "maxRestartTime", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_duration },
	{ "keepaliveTime", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_duration },
	{ "numAllowedLocalASNumbers", TB_T_INT, .check = tb_icheck_nonneg },
	{ "ttlSecurity", TB_T_INT, .check = check_ttl },
	{ "reachableBy", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ip },
	{ "filters", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_dns_subdomain },
	{ "localWorkloadSelector", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_selector },
	{ "reversePeering", TB_T_STRING, TB_OMITEMPTY, .one_of = reverse_modes },
	{ "failureDetectionMode", TB_T_STRING, TB_OMITEMPTY, .one_of = bfd_modes },
	{ "restartMode", TB_T_STRING, TB_OMITEMPTY, .one_of = restart_modes },
	{ "birdGatewayMode", TB_T_STRING, TB_OMITEMPTY, .one_of = gw_modes },
	{ NULL },
};
const struct tb_schema tb_spec_bgppeer = { "BGPPeerSpec", bgppeer_fields, check_peer };
