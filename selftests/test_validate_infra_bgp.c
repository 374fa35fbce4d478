// SPDX-License-Identifier: Apache-2.0
/* Validation of BGPConfiguration, BGPPeer and Node. */
#include "test_validate_infra.h"

#define CFG "BGPConfiguration"
#define PEER "BGPPeer"
#define NODE "Node"

static const struct infra_case bgp_configs[] = {
	/* The cluster-wide configuration of a cluster that peers with its ToR switches. */
	{ CFG, "default",
	  "{`logSeverityScreen`:`Info`,`nodeToNodeMeshEnabled`:false,`asNumber`:64512,"
	  "`serviceClusterIPs`:[{`cidr`:`10.96.0.0/12`}],`serviceExternalIPs`:[{`cidr`:"
	  "`104.244.42.129/32`}],`serviceLoadBalancerIPs`:[{`cidr`:`172.18.0.0/24`}],"
	  "`serviceLoadBalancerAggregation`:`Disabled`,`listenPort`:178,`bindMode`:`NodeIP`,"
	  "`communities`:[{`name`:`bgp-large-community`,`value`:`63400:300:100`}],"
	  "`prefixAdvertisements`:[{`cidr`:`172.218.4.0/26`,`communities`:[`bgp-large-community`,"
	  "`63400:120`]}],`ignoredInterfaces`:[`iface-1`,`docker*`],"
	  "`localWorkloadPeeringIPV4`:`169.254.0.179`,`localWorkloadPeeringIPV6`:`fe80::179`,"
	  "`programClusterRoutes`:`EnabledNoEncapOnly`,`ipv4NormalRoutePriority`:1024}", NULL },
	{ CFG, "default", "{`asNumber`:`1.10`,`nodeMeshPassword`:{`secretKeyRef`:{`name`:"
	  "`bgp-secrets`,`key`:`mesh`}},`nodeMeshMaxRestartTime`:`120s`}", NULL },
	{ CFG, "default", "{`asNumber`:4200000000}", NULL },
	{ CFG, "default", "{`logSeverityScreen`:`debug`}", NULL },
	{ CFG, "node.rack1-1", "{`logSeverityScreen`:`Debug`,`listenPort`:1179}", NULL },
	{ CFG, "default", "{`asNumber`:4294967296}", "spec.asNumber: not a valid AS number" },
	{ CFG, "default", "{`asNumber`:`1.70000`}", "spec.asNumber: not a valid AS number" },
	{ CFG, "default", "{`asNumber`:`64512x`}", "spec.asNumber" },
	{ CFG, "default", "{`logSeverityScreen`:`Verbose`}",
	  "spec.logSeverityScreen: 'Verbose' is not one of: Trace, Debug, Info, Warning, Error" },
	{ CFG, "default", "{`listenPort`:0}", "spec.listenPort: must be between 1 and 65535" },
	{ CFG, "default", "{`serviceClusterIPs`:[{`cidr`:`10.96.0.1/12`}]}",
	  "spec.serviceClusterIPs[0].cidr: '10.96.0.1/12' is not a network address" },
	{ CFG, "default", "{`bindMode`:`All`}",
	  "spec.bindMode: 'All' is not one of: None, NodeIP" },
	{ CFG, "default", "{`ignoredInterfaces`:[`*`]}", "spec.ignoredInterfaces[0]: '*'" },
	{ CFG, "default", "{`localWorkloadPeeringIPV4`:`fe80::1`}",
	  "spec.localWorkloadPeeringIPV4" },
	{ CFG, "default", "{`nodeMeshMaxRestartTime`:`2 minutes`}",
	  "spec.nodeMeshMaxRestartTime: '2 minutes' is not a valid duration" },
	{ CFG, "default", "{`nodeToNodeMeshEnabled`:false,`nodeMeshPassword`:{`secretKeyRef`:"
	  "{`name`:`s`,`key`:`k`}}}",
	  "spec.nodeMeshPassword: cannot be set when nodeToNodeMeshEnabled is false" },
	{ CFG, "default", "{`nodeToNodeMeshEnabled`:false,`nodeMeshMaxRestartTime`:`90s`}",
	  "spec.nodeMeshMaxRestartTime: cannot be set when nodeToNodeMeshEnabled is false" },
	{ CFG, "default", "{`nodeMeshPassword`:{`secretKeyRef`:{`name`:`s`}}}",
	  "spec.nodeMeshPassword.secretKeyRef.key: required field is missing" },
	{ CFG, "default", "{`communities`:[{`name`:`c`,`value`:`1:2`}]}",
	  "spec.communities: communities are defined but not used in prefixAdvertisements" },
	{ CFG, "default", "{`communities`:[{`name`:`c`,`value`:`65536:2`}],`prefixAdvertisements`:"
	  "[{`cidr`:`10.0.0.0/8`,`communities`:[`c`]}]}",
	  "spec.communities[0].value: invalid community value '65536:2', expected 16 bit values" },
	{ CFG, "default", "{`communities`:[{`name`:`c`,`value`:`1:2:4294967296`}],"
	  "`prefixAdvertisements`:[{`cidr`:`10.0.0.0/8`,`communities`:[`c`]}]}",
	  "expected 32 bit values" },
	{ CFG, "default", "{`communities`:[{`name`:`c`,`value`:`1-2`}],`prefixAdvertisements`:"
	  "[{`cidr`:`10.0.0.0/8`,`communities`:[`c`]}]}",
	  "spec.communities[0].value: invalid community value or format '1-2'" },
	{ CFG, "default", "{`prefixAdvertisements`:[{`cidr`:`10.0.0.0/8`,`communities`:"
	  "[`undefined-name`]}]}",
	  "spec.prefixAdvertisements[0].communities[0]: community 'undefined-name' is not a "
	  "value" },
	{ CFG, "default", "{`prefixAdvertisements`:[{`communities`:[`1:1`]}]}",
	  "spec.prefixAdvertisements[0].cidr: required field is missing" },
	{ CFG, "node.n1", "{`nodeToNodeMeshEnabled`:true}",
	  "spec.nodeToNodeMeshEnabled: can only be set on the BGPConfiguration named \"default\"" },
	{ CFG, "node.n1", "{`asNumber`:64512}", "spec.asNumber: can only be set on the" },
	{ CFG, "node.n1", "{`serviceClusterIPs`:[{`cidr`:`10.96.0.0/12`}]}",
	  "spec.serviceClusterIPs: can only be set on the" },
	{ CFG, "node.n1", "{`serviceExternalIPs`:[{`cidr`:`10.97.0.0/16`}]}",
	  "spec.serviceExternalIPs: can only be set on the" },
	{ CFG, "node.n1", "{`serviceLoadBalancerIPs`:[{`cidr`:`10.98.0.0/16`}]}",
	  "spec.serviceLoadBalancerIPs: can only be set on the" },
	{ CFG, "node.n1", "{`nodeMeshPassword`:{`secretKeyRef`:{`name`:`s`,`key`:`k`}}}",
	  "spec.nodeMeshPassword: can only be set on the" },
	{ CFG, "node.n1", "{`nodeMeshMaxRestartTime`:`90s`}",
	  "spec.nodeMeshMaxRestartTime: can only be set on the" },
	{ CFG, "default", "{`programClusterRoutes`:`Always`}", "spec.programClusterRoutes" },
	{ CFG, "default", "{`ipv6NormalRoutePriority`:0}",
	  "spec.ipv6NormalRoutePriority: must be between 1 and 2147483646" },
};

Test(validate_infra, bgp_configuration)
{
	INFRA_RUN(bgp_configs);
}

static const struct infra_case bgp_peers[] = {
	/* A ToR switch for the nodes of one rack, with a password and graceful restart. */
	{ PEER, "rack1-tor", "{`nodeSelector`:`rack == 'rack-1'`,`peerIP`:`192.20.30.40`,"
	  "`asNumber`:64567,`localASNumber`:`1.10`,`password`:{`secretKeyRef`:{`name`:"
	  "`bgp-secrets`,`key`:`rr-password`}},`sourceAddress`:`UseNodeIP`,`maxRestartTime`:"
	  "`15s`,`keepaliveTime`:`10s`,`numAllowedLocalASNumbers`:1,`ttlSecurity`:1,"
	  "`filters`:[`export-pool`],`nextHopMode`:`Self`,`reversePeering`:`Manual`,"
	  "`reachableBy`:`192.20.30.1`}", NULL },
	{ PEER, "rr-mesh", "{`nodeSelector`:`!has(route-reflector)`,`peerSelector`:"
	  "`has(route-reflector)`}", NULL },
	{ PEER, "one-node", "{`node`:`node1`,`peerIP`:`[fd00::1]:1179`,`asNumber`:65001}", NULL },
	{ PEER, "v4-port", "{`peerIP`:`10.0.0.1:1179`,`asNumber`:65001}", NULL },
	{ PEER, "v6", "{`peerIP`:`fd00::1`,`asNumber`:65001,`keepOriginalNextHop`:true}", NULL },
	{ PEER, "workloads", "{`localWorkloadSelector`:`app == 'bgp'`,`asNumber`:65010}", NULL },
	{ PEER, "enterprise", "{`peerIP`:`10.0.0.1`,`asNumber`:65001,`failureDetectionMode`:"
	  "`BFDIfDirectlyConnected`,`restartMode`:`LongLivedGracefulRestart`,`birdGatewayMode`:"
	  "`DirectIfDirectlyConnected`}", NULL },
	{ PEER, "both-node", "{`node`:`n1`,`nodeSelector`:`all()`,`peerIP`:`10.0.0.1`,"
	  "`asNumber`:1}", "spec: node and nodeSelector cannot both be set" },
	{ PEER, "both-peer", "{`peerIP`:`10.0.0.1`,`peerSelector`:`all()`}",
	  "spec: peerIP and peerSelector cannot both be set" },
	{ PEER, "sel-asn", "{`peerSelector`:`all()`,`asNumber`:65000}",
	  "spec.asNumber: must be empty when peerSelector is set" },
	{ PEER, "sel-asn0", "{`peerSelector`:`all()`,`asNumber`:0}", NULL },
	{ PEER, "lws-ip", "{`localWorkloadSelector`:`all()`,`asNumber`:1,`peerIP`:`10.0.0.1`}",
	  "spec.peerIP: must be empty when localWorkloadSelector is set" },
	{ PEER, "lws-sel", "{`localWorkloadSelector`:`all()`,`asNumber`:1,`peerSelector`:`all()`}",
	  "spec.peerSelector: must be empty when localWorkloadSelector is set" },
	{ PEER, "lws-asn", "{`localWorkloadSelector`:`all()`}",
	  "spec.asNumber: is required when localWorkloadSelector is set" },
	{ PEER, "reach-no-ip", "{`peerSelector`:`all()`,`reachableBy`:`10.0.0.1`}",
	  "spec.reachableBy: must be empty when peerIP is empty" },
	{ PEER, "reach-family", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`reachableBy`:`fd00::1`}",
	  "spec.reachableBy: reachableBy and peerIP address family mismatched" },
	{ PEER, "nexthop", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`keepOriginalNextHop`:true,"
	  "`nextHopMode`:`Keep`}", "keepOriginalNextHop and nextHopMode cannot both be set" },
	{ PEER, "bad-ip", "{`peerIP`:`10.0.0.256`,`asNumber`:1}",
	  "spec.peerIP: '10.0.0.256' is not a peer address" },
	{ PEER, "port-0", "{`peerIP`:`10.0.0.1:0`,`asNumber`:1}", "spec.peerIP" },
	{ PEER, "port-hi", "{`peerIP`:`10.0.0.1:65536`,`asNumber`:1}", "spec.peerIP" },
	{ PEER, "v6-nobr", "{`peerIP`:`fd00::1:179x`,`asNumber`:1}", "spec.peerIP" },
	{ PEER, "v4-br", "{`peerIP`:`[10.0.0.1]:179`,`asNumber`:1}", "spec.peerIP" },
	{ PEER, "v6-br-noport", "{`peerIP`:`[fd00::1]`,`asNumber`:1}", "spec.peerIP" },
	{ PEER, "bad-sel", "{`nodeSelector`:`rack ==`,`peerIP`:`10.0.0.1`,`asNumber`:1}",
	  "spec.nodeSelector: invalid selector" },
	{ PEER, "bad-source", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`sourceAddress`:`NodeIP`}",
	  "spec.sourceAddress: 'NodeIP' is not one of: UseNodeIP, None" },
	{ PEER, "bad-ttl", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`ttlSecurity`:256}",
	  "spec.ttlSecurity: must be between 0 and 255" },
	{ PEER, "bad-filter", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`filters`:[`Bad`]}",
	  "spec.filters[0]" },
	{ PEER, "bad-restart", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`maxRestartTime`:`soon`}",
	  "spec.maxRestartTime" },
	{ PEER, "bad-reach", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`reachableBy`:`gw`}",
	  "spec.reachableBy" },
	{ PEER, "bad-allowed", "{`peerIP`:`10.0.0.1`,`asNumber`:1,`numAllowedLocalASNumbers`:-1}",
	  "spec.numAllowedLocalASNumbers: must be at least 0" },
};

Test(validate_infra, bgp_peer)
{
	INFRA_RUN(bgp_peers);
}

static const struct infra_case nodes[] = {
	/* A node as the agent registers it, with the status it reports. */
	{ NODE, "node-1",
	  "{`apiVersion`:`projectcalico.org/v3`,`kind`:`Node`,`metadata`:{`name`:`node-1`,"
	  "`labels`:{`kubernetes.io/hostname`:`node-1`,`route-reflector`:`true`}},`spec`:"
	  "{`bgp`:{`ipv4Address`:`192.168.1.11/24`,`ipv6Address`:`fd00:1::11/64`,`asNumber`:"
	  "`1.10`,`ipv4IPIPTunnelAddr`:`10.65.1.0`,`routeReflectorClusterID`:`224.0.0.1`},"
	  "`ipv4VXLANTunnelAddr`:`10.65.1.1`,`vxlanTunnelMACAddr`:`66:c2:0e:6e:1f:52`,"
	  "`ipv6VXLANTunnelAddr`:`fd00:65::1`,`vxlanTunnelMACAddrV6`:`66-c2-0e-6e-1f-53`,"
	  "`orchRefs`:[{`nodeName`:`node-1`,`orchestrator`:`k8s`}],`wireguard`:"
	  "{`interfaceIPv4Address`:`10.65.1.2`},`addresses`:[{`address`:`192.168.1.11/24`,"
	  "`type`:`CalicoNodeIP`},{`address`:`192.168.1.11`,`type`:`InternalIP`}],"
	  "`interfaces`:[{`name`:`eth0`,`addresses`:[`192.168.1.11/24`]}]},`status`:"
	  "{`podCIDRs`:[`10.65.1.0/24`],`wireguardPublicKey`:"
	  "`jlkVyQYooZYzI2wFfNhSZez5eWh44yfq1wKVjLvSXgY=`,`agentState`:`Ready`}}", NULL },
	{ NODE, "bare", "{`bgp`:{`ipv4Address`:`192.168.1.11`}}", NULL },
	{ NODE, "empty-bgp", "{`bgp`:{}}", "spec.bgp: must not be empty" },
	{ NODE, "v6-in-v4", "{`bgp`:{`ipv4Address`:`fd00::1/64`}}",
	  "spec.bgp.ipv4Address: 'fd00::1/64' is not an IPv4 address or CIDR" },
	{ NODE, "v4-in-v6", "{`bgp`:{`ipv6Address`:`10.0.0.1/24`}}",
	  "spec.bgp.ipv6Address: '10.0.0.1/24' is not an IPv6 address or CIDR" },
	{ NODE, "bad-asn", "{`bgp`:{`ipv4Address`:`10.0.0.1/24`,`asNumber`:-1}}",
	  "spec.bgp.asNumber" },
	{ NODE, "bad-rr", "{`bgp`:{`routeReflectorClusterID`:`cluster-1`}}",
	  "spec.bgp.routeReflectorClusterID" },
	{ NODE, "bad-tunnel", "{`bgp`:{`ipv4IPIPTunnelAddr`:`10.0.0.0/24`}}",
	  "spec.bgp.ipv4IPIPTunnelAddr" },
	{ NODE, "bad-mac", "{`vxlanTunnelMACAddr`:`66:c2:0e:6e:1f`}", "spec.vxlanTunnelMACAddr" },
	{ NODE, "mixed-mac", "{`vxlanTunnelMACAddr`:`66:c2-0e:6e:1f:52`}",
	  "spec.vxlanTunnelMACAddr" },
	{ NODE, "eui64-mac", "{`vxlanTunnelMACAddr`:`02:00:5e:10:00:00:00:01`}", NULL },
	{ NODE, "dot-mac", "{`vxlanTunnelMACAddr`:`0000.5e00.5301`}", NULL },
	{ NODE, "bad-orch", "{`orchRefs`:[{`nodeName`:`n`}]}",
	  "spec.orchRefs[0].orchestrator: required field is missing" },
	{ NODE, "bad-addr-type", "{`addresses`:[{`address`:`10.0.0.1`,`type`:`Public`}]}",
	  "spec.addresses[0].type: 'Public' is not one of: CalicoNodeIP, InternalIP, ExternalIP" },
	{ NODE, "bad-wg", "{`wireguard`:{`interfaceIPv6Address`:`10.0.0.1`}}",
	  "spec.wireguard.interfaceIPv6Address" },
	{ NODE, "n",
	  "{`apiVersion`:`projectcalico.org/v3`,`kind`:`Node`,`metadata`:{`name`:`n`},"
	  "`status`:{`wireguardPublicKey`:`not-a-key`}}",
	  "status.wireguardPublicKey: 'not-a-key' is not a WireGuard public key" },
	{ NODE, "n",
	  "{`apiVersion`:`projectcalico.org/v3`,`kind`:`Node`,`metadata`:{`name`:`n`},"
	  "`status`:{`podCIDRs`:[`x`]}}", "status.podCIDRs[0]" },
	{ NODE, "n",
	  "{`apiVersion`:`projectcalico.org/v3`,`kind`:`Node`,`metadata`:{`name`:`n`},"
	  "`status`:{`wireguardPublicKey`:``}}", NULL },
};

Test(validate_infra, node)
{
	INFRA_RUN(nodes);
}
