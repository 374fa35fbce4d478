// SPDX-License-Identifier: Apache-2.0
/* Validation of HostEndpoint, WorkloadEndpoint, IPPool, IPReservation and IPAMConfiguration. */
#include "test_validate_infra.h"

#define HEP "HostEndpoint"
#define WEP "WorkloadEndpoint"

static const struct infra_case endpoints[] = {
	/* A realistic host endpoint: all interfaces of a node, with named ports. */
	{ HEP, "node1-all",
	  "{`node`:`node1`,`interfaceName`:`*`,`expectedIPs`:[`192.168.1.10`,"
	  "`fd00::10`],`profiles`:[`projectcalico-default-allow`],`ports`:[{`name`:`ssh`,"
	  "`protocol`:`TCP`,`port`:22},{`name`:`dns`,`protocol`:`UDP`,`port`:53}]}",
	  NULL },
	{ HEP, "eth0", "{`node`:`node1`,`interfaceName`:`eth0`}", NULL },
	{ HEP, "ips-only", "{`node`:`node1`,`expectedIPs`:[`10.0.0.1`]}", NULL },
	/* "" is unset for optional fields (Go's omitempty), not for required ones or in lists. */
	{ HEP, "empty-iface", "{`node`:`node1`,`interfaceName`:``,`expectedIPs`:[`10.0.0.1`]}",
	  NULL },
	{ HEP, "empty-node", "{`node`:``,`interfaceName`:`eth0`}", "spec.node: must not be empty" },
	{ HEP, "empty-ip", "{`node`:`n`,`expectedIPs`:[``]}", "spec.expectedIPs[0]" },
	{ HEP, "no-iface", "{`node`:`node1`}",
	  "at least one of interfaceName or expectedIPs must be specified" },
	{ HEP, "no-node", "{`interfaceName`:`eth0`}", "spec.node: required field is missing" },
	{ HEP, "bad-node", "{`node`:`Node_1`,`interfaceName`:`eth0`}", "spec.node" },
	{ HEP, "long-iface", "{`node`:`n`,`interfaceName`:`averyveryverylongname`}",
	  "spec.interfaceName: 'averyveryverylongname' is not an interface name" },
	{ HEP, "bad-ip", "{`node`:`n`,`expectedIPs`:[`10.0.0.300`]}", "spec.expectedIPs[0]" },
	{ HEP, "bad-profile", "{`node`:`n`,`interfaceName`:`eth0`,`profiles`:[`Bad_Profile`]}",
	  "spec.profiles[0]" },
	{ HEP, "port-no-name",
	  "{`node`:`n`,`interfaceName`:`eth0`,`ports`:[{`protocol`:`TCP`,"
	  "`port`:22}]}",
	  "spec.ports[0].name: required field is missing" },
	{ HEP, "port-bad-name",
	  "{`node`:`n`,`interfaceName`:`eth0`,`ports`:[{`name`:`SSH_port`,"
	  "`protocol`:`TCP`,`port`:22}]}",
	  "spec.ports[0].name: 'SSH_port' is not a port name" },
	{ HEP, "port-icmp",
	  "{`node`:`n`,`interfaceName`:`eth0`,`ports`:[{`name`:`p`,"
	  "`protocol`:`ICMP`,`port`:22}]}",
	  "spec.ports[0].protocol: protocol does not support ports" },
	{ HEP, "port-zero",
	  "{`node`:`n`,`interfaceName`:`eth0`,`ports`:[{`name`:`p`,"
	  "`protocol`:`TCP`,`port`:0}]}",
	  "spec.ports[0].port" },
	{ HEP, "port-num-proto",
	  "{`node`:`n`,`interfaceName`:`eth0`,`ports`:[{`name`:`p`,"
	  "`protocol`:6,`port`:80}]}",
	  NULL },
	{ HEP, "Bad_Name", "{`node`:`n`,`interfaceName`:`eth0`}", "metadata.name: 'Bad_Name'" },
	{ HEP, "unknown", "{`node`:`n`,`interfaceName`:`eth0`,`bogus`:1}",
	  "spec.bogus: unknown field" },

	/* What the CNI plugin writes for a Kubernetes pod. */
	{ WEP, "node--1-k8s-web--0-eth0",
	  "{`orchestrator`:`k8s`,`node`:`node-1`,`pod`:`web-0`,"
	  "`endpoint`:`eth0`,`containerID`:`5f3c2b1a9e8d`,`workload`:``,`serviceAccountName`:"
	  "`default`,`ipNetworks`:[`10.65.0.4/32`,`fd00:65::4/128`],`ipv4Gateway`:`169.254.1.1`,"
	  "`ipv6Gateway`:`fe80::ecee:eeff:feee:eeee`,"
	  "`profiles`:[`kns.default`,`ksa.default.default`],"
	  "`interfaceName`:`tab1234567890a`,`mac`:`ee:ee:ee:ee:ee:ee`,`ports`:[{`name`:`http`,"
	  "`protocol`:`TCP`,`port`:8080,`hostPort`:0,`hostIP`:``},{`name`:``,`protocol`:`UDP`,"
	  "`port`:53,`hostPort`:5353}],`allowSpoofedSourcePrefixes`:[`10.99.0.0/16`],"
	  "`ipNATs`:[{`internalIP`:`10.65.0.4`,`externalIP`:`172.16.0.4`}],`qosControls`:"
	  "{`ingressBandwidth`:1000000,`dscp`:`AF11`}}",
	  NULL },
	{ WEP, "n1-cni-abc123-eth0",
	  "{`orchestrator`:`cni`,`node`:`n1`,`containerID`:`abc123`,"
	  "`endpoint`:`eth0`,`interfaceName`:`tab0`}",
	  NULL },
	{ WEP, "n1-libnetwork-libnetwork-ep1",
	  "{`orchestrator`:`libnetwork`,`node`:`n1`,"
	  "`endpoint`:`ep1`,`interfaceName`:`tab0`}",
	  NULL },
	{ WEP, "n1-openstack-vm--1-tap0",
	  "{`orchestrator`:`openstack`,`node`:`n1`,`workload`:"
	  "`vm-1`,`endpoint`:`tap0`,`interfaceName`:`tap0`}",
	  NULL },
	{ WEP, "n1-k8s-web-0-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`web-0`,`endpoint`:"
	  "`eth0`,`interfaceName`:`tab0`}",
	  "metadata.name: 'n1-k8s-web-0-eth0' does not match the endpoint's identifiers in spec: "
	  "expected 'n1-k8s-web--0-eth0'" },
	{ WEP, "n1-k8s--eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`}",
	  "spec.pod: required to name the endpoint" },
	{ WEP, "x", "{`node`:`n1`,`endpoint`:`eth0`,`interfaceName`:`tab0`}",
	  "spec.orchestrator: required to name the endpoint" },
	{ WEP, "x", "{`orchestrator`:`k8s`,`pod`:`p`,`endpoint`:`eth0`,`interfaceName`:`tab0`}",
	  "spec.node: required to name the endpoint" },
	{ WEP, "x", "{`orchestrator`:`k8s`,`node`:`n1-`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`}", "spec.node: 'n1-' is not a valid name" },
	{ WEP, "x", "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`-eth0`,"
	  "`interfaceName`:`tab0`}", "spec.endpoint" },
	{ WEP, "n1-k8s-p-eth0", "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`}",
	  "spec.interfaceName: required field is missing" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ipNetworks`:[`10.65.0.0/24`]}",
	  "spec.ipNetworks[0]: IP network contains multiple addresses" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ipNetworks`:[`10.65.0.1/24`]}",
	  "spec.ipNetworks[0]" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ipv4Gateway`:`fe80::1`}",
	  "spec.ipv4Gateway" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ipv6Gateway`:`169.254.1.1`}",
	  "spec.ipv6Gateway" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`mac`:`ee:ee:ee:ee:ee`}",
	  "spec.mac: 'ee:ee:ee:ee:ee' is not a MAC address" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ipNetworks`:[`10.65.0.4/32`],`ipNATs`:[{`internalIP`:"
	  "`10.65.0.5`,`externalIP`:`172.16.0.4`}]}",
	  "spec.ipNATs[0]: internalIP 10.65.0.5 is not in the endpoint's ipNetworks" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ipNetworks`:[`10.65.0.4/32`],`ipNATs`:[{`internalIP`:"
	  "`10.65.0.4`,`externalIP`:`fd00::4`}]}",
	  "spec.ipNATs[0].externalIP: internalIP and externalIP are of different IP versions" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ports`:[{`protocol`:`TCP`,`port`:80}]}",
	  "spec.ports[0]: a port needs a name unless it has a hostPort" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`ports`:[{`name`:`x`,`protocol`:`TCP`,`port`:80,"
	  "`hostPort`:70000}]}",
	  "spec.ports[0].hostPort: must be between 0 and 65535" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`containerID`:`-abc`}",
	  "spec.containerID: '-abc'" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`qosControls`:{`dscp`:64}}",
	  "spec.qosControls.dscp: DSCP must be between 0 and 63" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`qosControls`:{`dscp`:`XX1`}}",
	  "spec.qosControls.dscp: 'XX1'" },
	{ WEP, "n1-k8s-p-eth0",
	  "{`orchestrator`:`k8s`,`node`:`n1`,`pod`:`p`,`endpoint`:`eth0`,"
	  "`interfaceName`:`tab0`,`allowSpoofedSourcePrefixes`:[`nope`]}",
	  "spec.allowSpoofedSourcePrefixes[0]" },
};

Test(validate_infra, endpoints)
{
	INFRA_RUN(endpoints);
}

#define POOL "IPPool"

static const struct infra_case pools[] = {
	{ POOL, "default-ipv4-ippool", "{`cidr`:`10.65.0.0/16`}", NULL,
	  "{`cidr`:`10.65.0.0/16`,`blockSize`:26,`ipipMode`:`Never`,`vxlanMode`:`Never`,"
	  "`nodeSelector`:`all()`,`allowedUses`:[`Workload`,`Tunnel`],`assignmentMode`:"
	  "`Automatic`}" },
	{ POOL, "v6", "{`cidr`:`fd00:0065:0000::/48`}", NULL,
	  "{`cidr`:`fd00:65::/48`,`blockSize`:122,`ipipMode`:`Never`}" },
	{ POOL, "full",
	  "{`cidr`:`10.70.0.0/20`,`ipipMode`:`CrossSubnet`,`vxlanMode`:`Never`,"
	  "`natOutgoing`:true,`disabled`:false,`disableBGPExport`:false,`blockSize`:28,"
	  "`nodeSelector`:`zone == 'a'`,`namespaceSelector`:`team == 'x'`,`allowedUses`:"
	  "[`Workload`],`assignmentMode`:`Manual`}",
	  NULL, "{`blockSize`:28}" },
	{ POOL, "zero-block", "{`cidr`:`10.1.0.0/16`,`blockSize`:0}", NULL, "{`blockSize`:26}" },
	{ POOL, "empty-mode", "{`cidr`:`10.1.0.0/16`,`ipipMode`:``}", NULL,
	  "{`ipipMode`:`Never`}" },
	{ POOL, "lb", "{`cidr`:`10.2.0.0/24`,`allowedUses`:[`LoadBalancer`]}", NULL },
	{ POOL, "empty-values", "{`cidr`:`10.1.0.0/16`,`nodeSelector`:``,`allowedUses`:[]}", NULL,
	  "{`nodeSelector`:`all()`,`allowedUses`:[`Workload`,`Tunnel`]}" },
	{ POOL, "no-cidr", "{}", "spec.cidr: required field is missing" },
	{ POOL, "bare-ip", "{`cidr`:`10.0.0.1`}", "spec.cidr: IPPool CIDR must be a valid subnet" },
	{ POOL, "garbage", "{`cidr`:`10.0.0/16`}",
	  "spec.cidr: IPPool CIDR must be a valid subnet" },
	{ POOL, "unmasked", "{`cidr`:`10.0.0.1/16`}",
	  "spec.cidr: IPPool CIDR is not strictly masked" },
	{ POOL, "both-encap", "{`cidr`:`10.0.0.0/16`,`ipipMode`:`Always`,`vxlanMode`:`Always`}",
	  "spec: ipipMode and vxlanMode cannot both be enabled" },
	{ POOL, "ipip-v6", "{`cidr`:`fd00::/64`,`ipipMode`:`Always`}",
	  "spec.ipipMode: IPIP is not supported on IPv6 pools" },
	{ POOL, "bad-mode", "{`cidr`:`10.0.0.0/16`,`ipipMode`:`always`}",
	  "spec.ipipMode: 'always' is not one of: Never, Always, CrossSubnet" },
	{ POOL, "link-local", "{`cidr`:`169.254.0.0/24`}",
	  "spec.cidr: IPPool CIDR overlaps with the IPv4 link-local range 169.254.0.0/16" },
	{ POOL, "covers-ll", "{`cidr`:`160.0.0.0/4`}", "overlaps with the IPv4 link-local range" },
	{ POOL, "v6-ll", "{`cidr`:`fe80::/64`}", "overlaps with the IPv6 link-local range" },
	{ POOL, "loopback", "{`cidr`:`127.0.0.0/16`}", "overlaps with the IPv4 loopback range" },
	{ POOL, "multicast", "{`cidr`:`239.0.0.0/16`}", "overlaps with the IPv4 multicast range" },
	{ POOL, "v6-mc", "{`cidr`:`ff02::/64`}", "overlaps with the IPv6 multicast range" },
	{ POOL, "block-v4", "{`cidr`:`10.0.0.0/16`,`blockSize`:19}",
	  "spec.blockSize: 19 is out of range: blockSize must be between 20 and 32 for IPv4" },
	{ POOL, "block-v4-hi", "{`cidr`:`10.0.0.0/16`,`blockSize`:33}", "spec.blockSize: 33" },
	{ POOL, "block-v6", "{`cidr`:`fd00::/64`,`blockSize`:115}", "spec.blockSize: 115" },
	{ POOL, "block-v6-ok", "{`cidr`:`fd00::/64`,`blockSize`:128}", NULL },
	{ POOL, "too-small", "{`cidr`:`10.0.0.0/27`}",
	  "spec.cidr: IP pool size is too small for use with Calico IPAM" },
	{ POOL, "small-disabled", "{`cidr`:`10.0.0.0/27`,`disabled`:true}", NULL },
	{ POOL, "small-block", "{`cidr`:`10.0.0.0/27`,`blockSize`:28}", NULL },
	{ POOL, "bad-use", "{`cidr`:`10.0.0.0/16`,`allowedUses`:[`Pods`]}",
	  "spec.allowedUses[0]: 'Pods' is not one of: Workload, Tunnel, LoadBalancer" },
	{ POOL, "lb-mixed", "{`cidr`:`10.2.0.0/24`,`allowedUses`:[`LoadBalancer`,`Workload`]}",
	  "LoadBalancer cannot be combined with Workload or Tunnel" },
	{ POOL, "lb-ipip",
	  "{`cidr`:`10.2.0.0/24`,`allowedUses`:[`LoadBalancer`],`ipipMode`:"
	  "`Always`}",
	  "LoadBalancer IP pool cannot have IPIP or VXLAN enabled" },
	{ POOL, "lb-export",
	  "{`cidr`:`10.2.0.0/24`,`allowedUses`:[`LoadBalancer`],"
	  "`disableBGPExport`:true}",
	  "LoadBalancer IP pools cannot disable BGP export" },
	{ POOL, "lb-sel",
	  "{`cidr`:`10.2.0.0/24`,`allowedUses`:[`LoadBalancer`],`nodeSelector`:"
	  "`a == 'b'`}",
	  "must have nodeSelector set to all()" },
	{ POOL, "tunnel-ns", "{`cidr`:`10.0.0.0/16`,`namespaceSelector`:`a == 'b'`}",
	  "spec.namespaceSelector: IP Pool with AllowedUse Tunnel cannot have namespaceSelector" },
	{ POOL, "global-sel", "{`cidr`:`10.0.0.0/16`,`nodeSelector`:`global()`}",
	  "spec.nodeSelector: global() is not valid in an IPPool selector" },
	{ POOL, "bad-sel", "{`cidr`:`10.0.0.0/16`,`nodeSelector`:`a ==`}", "spec.nodeSelector" },
	{ POOL, "bad-assign", "{`cidr`:`10.0.0.0/16`,`assignmentMode`:`Auto`}",
	  "spec.assignmentMode: 'Auto' is not one of: Automatic, Manual" },
	{ POOL, "bool-type", "{`cidr`:`10.0.0.0/16`,`natOutgoing`:`yes`}",
	  "spec.natOutgoing: must be a boolean" },
	{ POOL, "ipip-field", "{`cidr`:`10.0.0.0/16`,`ipip`:{`enabled`:true}}",
	  "spec.ipip: unknown field" },

	{ "IPReservation", "reserved",
	  "{`reservedCIDRs`:[`10.65.0.0/28`,`10.65.1.1`,"
	  "`fd00:65::1/128`]}",
	  NULL },
	{ "IPReservation", "bad", "{`reservedCIDRs`:[`10.65.0.0/33`]}", "spec.reservedCIDRs[0]" },

	{ "IPAMConfiguration", "default", "{}", NULL,
	  "{`strictAffinity`:false,`maxBlocksPerHost`:0,`autoAllocateBlocks`:true}" },
	{ "IPAMConfiguration", "default",
	  "{`strictAffinity`:true,`maxBlocksPerHost`:4,"
	  "`autoAllocateBlocks`:false,`kubeVirtVMAddressPersistence`:`Enabled`,"
	  "`ipCooldownSeconds`:30}",
	  NULL, "{`strictAffinity`:true,`maxBlocksPerHost`:4}" },
	{ "IPAMConfiguration", "other", "{}",
	  "metadata.name: an IPAMConfiguration must be named \"default\"" },
	{ "IPAMConfiguration", "default", "{`maxBlocksPerHost`:-1}",
	  "spec.maxBlocksPerHost: must be between 0 and 1000000" },
	{ "IPAMConfiguration", "default", "{`ipCooldownSeconds`:1201}",
	  "spec.ipCooldownSeconds: must be between 0 and 1200" },
	{ "IPAMConfiguration", "default", "{`kubeVirtVMAddressPersistence`:`On`}",
	  "spec.kubeVirtVMAddressPersistence" },
};

Test(validate_infra, ipam)
{
	INFRA_RUN(pools);
}
