// SPDX-License-Identifier: Apache-2.0
/* Validation of FelixConfiguration: formats of its settings, sub-objects, names. */
#include "test_validate_infra.h"

#define FC "FelixConfiguration"

static const struct infra_case felix[] = {
	/* A cluster-wide configuration touching most families of settings. */
	{ FC, "default",
	  "{`logSeverityScreen`:`Info`,`logSeverityFile`:`warning`,`logSeveritySys`:``,"
	  "`logFilePath`:`/var/log/tabby/felix.log`,`logPrefix`:`calico-packet`,"
	  "`logActionRateLimit`:`10/second`,`logActionRateLimitBurst`:5,"
	  "`logDebugFilenameRegex`:`^(route|policy).*`,"
	  "`reportingInterval`:`0s`,`routeRefreshInterval`:`1m30s`,`iptablesRefreshInterval`:"
	  "`90s`,`iptablesLockProbeInterval`:`50ms`,`netlinkTimeout`:`10s`,"
	  "`ipipEnabled`:true,`ipipMTU`:1480,`vxlanEnabled`:false,`vxlanPort`:4789,`vxlanVNI`:4096,"
	  "`wireguardEnabled`:false,`wireguardListeningPort`:51820,`wireguardRoutingRulePriority`:"
	  "99,`wireguardInterfaceName`:`wireguard.cali`,`wireguardMTU`:1440,`wireguardKeepAlive`:"
	  "`0s`,`failsafeInboundHostPorts`:[{`protocol`:`TCP`,`port`:22},{`protocol`:`UDP`,"
	  "`port`:68},{`protocol`:`tcp`,`port`:179,`net`:`10.0.0.0/8`},{`port`:6443}],"
	  "`failsafeOutboundHostPorts`:[{`protocol`:`UDP`,`port`:53}],`kubeNodePortRanges`:"
	  "[`30000:32767`,31000],`natPortRange`:`32768:65535`,`natOutgoingAddress`:`192.0.2.1`,"
	  "`natOutgoingExclusions`:`IPPoolsAndHostIPs`,`deviceRouteSourceAddress`:`192.0.2.2`,"
	  "`deviceRouteSourceAddressIPv6`:`fd00::2`,`deviceRouteProtocol`:3,"
	  "`externalNodesList`:[`192.0.2.0/24`,`198.51.100.7`],`featureDetectOverride`:"
	  "`SNATFullyRandom=true,MASQFullyRandom=false`,`featureGates`:`BPFConnectTimeLB=on`,"
	  "`iptablesBackend`:`nft`,`chainInsertMode`:`Append`,`defaultEndpointToHostAction`:"
	  "`Accept`,`iptablesFilterAllowAction`:`Return`,`iptablesFilterDenyAction`:`Reject`,"
	  "`iptablesMarkMask`:4294901760,`nftablesMode`:`Disabled`,`healthEnabled`:true,"
	  "`healthHost`:`127.0.0.1`,`healthPort`:9099,`healthTimeoutOverrides`:[{`name`:"
	  "`InternalDataplaneMainLoop`,`timeout`:`30s`}],`prometheusMetricsEnabled`:true,"
	  "`prometheusMetricsHost`:`0.0.0.0`,`prometheusMetricsPort`:9091,"
	  "`prometheusMetricsClientAuth`:`RequireAndVerifyClientCert`,`bpfEnabled`:true,"
	  "`bpfLogLevel`:`Off`,`bpfDataIfacePattern`:`^(en.*|eth.*)`,`bpfExternalServiceMode`:"
	  "`DSR`,`bpfConnectTimeLoadBalancing`:`TCP`,`bpfConntrackMode`:`BPFProgram`,"
	  "`bpfConntrackTimeouts`:{`tcpEstablished`:`1h`,`tcpFinsSeen`:`Auto`,`icmpTimeout`:"
	  "`5s`},`bpfLogFilters`:{`eth0`:`tcp port 80`},`bpfMapSizeConntrack`:512000,"
	  "`bpfPSNATPorts`:`20000:29999`,`bpfEnforceRPF`:`Strict`,"
	  "`bpfForceTrackPacketsFromIfaces`:[`docker+`],`bpfExcludeCIDRsFromNAT`:[`10.0.0.0/8`],"
	  "`bpfKubeProxyMinSyncPeriod`:`1s`,`bpfAttachType`:`TC`,`bpfMaglevMaxServices`:100,"
	  "`routeTableRanges`:[{`min`:1,`max`:250},{`min`:1000,`max`:2000}],"
	  "`routeSource`:`WorkloadIPs`,`ipv4NormalRoutePriority`:1024,"
	  "`serviceLoopPrevention`:`Drop`,`workloadSourceSpoofing`:`Any`,`floatingIPs`:"
	  "`Disabled`,`awsSrcDstCheck`:`DoNothing`,`istioDSCPMark`:23,`goGCThreshold`:-1,"
	  "`openstackRegion`:`region-one`,`xdpEnabled`:true,`usageReportingEnabled`:false,"
	  "`iptablesLockTimeout`:`0s`,`bpfKubeProxyEndpointSlicesEnabled`:true}", NULL },
	{ FC, "node.node-1", "{`logSeverityScreen`:`Debug`,`routeTableRange`:{`min`:1,"
	  "`max`:250},`istioDSCPMark`:`af11`}", NULL },
	{ FC, "rack-a", "{`nodeSelector`:`rack == 'a'`,`bpfEnabled`:true}", NULL },
	{ FC, "default", "{}", NULL, "{}" },
	/* RE2's inline flags and non-capturing or named groups are accepted. */
	{ FC, "default", "{`bpfDataIfacePattern`:`(?i)^(?:en|eth)[0-9]+$`,`mtuIfacePattern`:"
	  "`^(?P<dev>wl|ww).*`,`bpfL3IfacePattern`:`^(?s:wg[0-9]+)$`}", NULL },

	{ FC, "other", "{}", "metadata.name: a FelixConfiguration is named \"default\"" },
	{ FC, "node.", "{}", "metadata.name: 'node.' must be \"node.<node name>\"" },
	{ FC, "node.n1", "{`nodeSelector`:`all()`}",
	  "spec.nodeSelector: must not be set on the 'default' or per-node" },
	{ FC, "default", "{`bogusSetting`:1}", "spec.bogusSetting: unknown field" },
	{ FC, "default", "{`ipipEnabled`:`true`}", "spec.ipipEnabled: must be a boolean" },
	{ FC, "default", "{`ipipMTU`:`1480`}", "spec.ipipMTU: must be an integer" },
	{ FC, "default", "{`routeRefreshInterval`:90}",
	  "spec.routeRefreshInterval: must be a string" },
	{ FC, "default", "{`routeRefreshInterval`:`90 seconds`}",
	  "spec.routeRefreshInterval: '90 seconds' is not a duration" },
	{ FC, "default", "{`reportingTTL`:`-5s`}",
	  "spec.reportingTTL: '-5s': a negative duration" },
	{ FC, "default", "{`logSeverityScreen`:`Verbose`}", "spec.logSeverityScreen: 'Verbose'" },
	{ FC, "default", "{`iptablesBackend`:`Nftables`}",
	  "spec.iptablesBackend: 'Nftables' is not one of: Auto, Legacy, NFT" },
	{ FC, "default", "{`chainInsertMode`:`Prepend`}", "spec.chainInsertMode" },
	{ FC, "default", "{`defaultEndpointToHostAction`:`Reject`}",
	  "spec.defaultEndpointToHostAction" },
	{ FC, "default", "{`iptablesMangleAllowAction`:`Drop`}", "spec.iptablesMangleAllowAction" },
	{ FC, "default", "{`nftablesFilterDenyAction`:`Accept`}", "spec.nftablesFilterDenyAction" },
	{ FC, "default", "{`featureDetectOverride`:`SNATFullyRandom`}",
	  "spec.featureDetectOverride: 'SNATFullyRandom' is not a list of key=value pairs" },
	{ FC, "default", "{`logPrefix`:`calico!`}", "spec.logPrefix: 'calico!' may only hold" },
	{ FC, "default", "{`logActionRateLimit`:`10/week`}", "spec.logActionRateLimit" },
	{ FC, "default", "{`logActionRateLimit`:`0/second`}", "spec.logActionRateLimit" },
	{ FC, "default", "{`logActionRateLimitBurst`:10000}",
	  "spec.logActionRateLimitBurst: 10000 is out of range" },
	{ FC, "default", "{`logDebugFilenameRegex`:`(unclosed`}",
	  "spec.logDebugFilenameRegex: '(unclosed' is not a valid regular expression" },
	{ FC, "default", "{`iptablesMarkMask`:4294967296}",
	  "spec.iptablesMarkMask: must be between 0 and 4294967295" },
	{ FC, "default", "{`prometheusMetricsHost`:`bad host`}", "spec.prometheusMetricsHost" },
	{ FC, "default", "{`prometheusMetricsClientAuth`:`Optional`}",
	  "spec.prometheusMetricsClientAuth" },
	{ FC, "default", "{`failsafeInboundHostPorts`:[{`protocol`:`ICMP`,`port`:22}]}",
	  "spec.failsafeInboundHostPorts[0].protocol: protocol must be 'TCP', 'UDP' or 'SCTP'" },
	{ FC, "default", "{`failsafeInboundHostPorts`:[{`protocol`:`TCP`,`port`:65536}]}",
	  "spec.failsafeInboundHostPorts[0].port: 65536 is out of range" },
	{ FC, "default", "{`failsafeOutboundHostPorts`:[{`protocol`:`TCP`}]}",
	  "spec.failsafeOutboundHostPorts[0].port: required field is missing" },
	{ FC, "default", "{`failsafeOutboundHostPorts`:[{`port`:53,`net`:`10.0.0.0/33`}]}",
	  "spec.failsafeOutboundHostPorts[0].net" },
	{ FC, "default", "{`kubeNodePortRanges`:[1,2,3,4,5,6,7,8]}",
	  "spec.kubeNodePortRanges: node port ranges list is too long (max 7)" },
	{ FC, "default", "{`kubeNodePortRanges`:[`http`]}",
	  "spec.kubeNodePortRanges: node port ranges should not contain named ports" },
	{ FC, "default", "{`natPortRange`:`2000:1000`}", "spec.natPortRange" },
	{ FC, "default", "{`natOutgoingAddress`:`fd00::1`}", "spec.natOutgoingAddress" },
	{ FC, "default", "{`deviceRouteSourceAddressIPv6`:`10.0.0.1`}",
	  "spec.deviceRouteSourceAddressIPv6" },
	{ FC, "default", "{`externalNodesList`:[`fd00::/64`]}",
	  "spec.externalNodesList[0]: 'fd00::/64' is not an IPv4 CIDR or address" },
	{ FC, "default", "{`iptablesNATOutgoingInterfaceFilter`:`eth0*`}",
	  "spec.iptablesNATOutgoingInterfaceFilter: 'eth0*' is not an interface filter" },
	{ FC, "default", "{`bpfLogLevel`:`Trace`}", "spec.bpfLogLevel: 'Trace' is not one of" },
	{ FC, "default", "{`bpfConntrackLogLevel`:`Info`}", "spec.bpfConntrackLogLevel" },
	{ FC, "default", "{`bpfForceTrackPacketsFromIfaces`:[`docker*`]}",
	  "spec.bpfForceTrackPacketsFromIfaces[0]" },
	{ FC, "default", "{`bpfExcludeCIDRsFromNAT`:[`10.0.0.0/40`]}",
	  "spec.bpfExcludeCIDRsFromNAT[0]" },
	{ FC, "default", "{`bpfConntrackTimeouts`:{`udpTimeout`:`forever`}}",
	  "spec.bpfConntrackTimeouts.udpTimeout: 'forever' is not a duration" },
	{ FC, "default", "{`bpfConntrackTimeouts`:{`tcpTimeout`:`1h`}}",
	  "spec.bpfConntrackTimeouts.tcpTimeout: unknown field" },
	{ FC, "default", "{`bpfMapSizeConntrackCleanupQueue`:0}",
	  "spec.bpfMapSizeConntrackCleanupQueue: 0 is out of range" },
	{ FC, "default", "{`routeTableRange`:{`min`:0,`max`:300}}",
	  "spec.routeTableRange: must be a range of route table indices within 1..250" },
	{ FC, "default", "{`routeTableRange`:{`min`:1}}",
	  "spec.routeTableRange.max: required field is missing" },
	{ FC, "default", "{`routeTableRange`:{`min`:1,`max`:2},`routeTableRanges`:[{`min`:1,"
	  "`max`:2}]}", "spec: routeTableRange and routeTableRanges cannot both be set" },
	{ FC, "default", "{`routeTableRanges`:[{`min`:10,`max`:5}]}",
	  "spec.routeTableRanges[0]: min must not be greater than max" },
	{ FC, "default", "{`routeTableRanges`:[{`min`:0,`max`:5}]}",
	  "spec.routeTableRanges[0].min: must be >= 1" },
	{ FC, "default", "{`routeTableRanges`:[{`min`:1,`max`:70000}]}",
	  "spec.routeTableRanges: targets too many tables" },
	{ FC, "default", "{`routeSource`:`BGP`}", "spec.routeSource" },
	{ FC, "default", "{`routeTableRanges`:[{`min`:1,`max`:4294967296}]}",
	  "spec.routeTableRanges[0].max: max index too high" },
	{ FC, "default", "{`bpfExternalServiceMode`:`NAT`}", "spec.bpfExternalServiceMode" },
	{ FC, "default", "{`bpfMapSizeConntrackScaling`:`Triple`}",
	  "spec.bpfMapSizeConntrackScaling" },
	{ FC, "default", "{`bpfEnforceRPF`:`Relaxed`}", "spec.bpfEnforceRPF" },
	{ FC, "default", "{`openstackRegion`:`a-region-name-that-is-longer-than-forty-six-chars`}",
	  "spec.openstackRegion" },
	{ FC, "default", "{`ipv4ElevatedRoutePriority`:0}", "spec.ipv4ElevatedRoutePriority" },
	{ FC, "default", "{`wireguardListeningPort`:0}",
	  "spec.wireguardListeningPort: 0 is out of range" },
	{ FC, "default", "{`wireguardRoutingRulePriority`:32766}",
	  "spec.wireguardRoutingRulePriority: 32766 is out of range" },
	{ FC, "default", "{`wireguardInterfaceName`:`wireguard.calico0`}",
	  "spec.wireguardInterfaceName: 'wireguard.calico0' is not an interface name" },
	{ FC, "default", "{`goGCThreshold`:-2}", "spec.goGCThreshold: -2 is out of range" },
	{ FC, "default", "{`bpfMaglevMaxServices`:3001}", "spec.bpfMaglevMaxServices" },
	{ FC, "default", "{`healthTimeoutOverrides`:[{`name`:`Bad/Name`,`timeout`:`1s`}]}",
	  "spec.healthTimeoutOverrides[0].name: 'Bad/Name' is not a health reporter name" },
	{ FC, "default", "{`healthTimeoutOverrides`:[{`name`:`x`,`timeout`:`-1s`}]}",
	  "spec.healthTimeoutOverrides[0].timeout" },
	{ FC, "default", "{`openstackRegion`:`Region_One`}",
	  "spec.openstackRegion: 'Region_One' must be a DNS label of at most 46 characters" },
	{ FC, "default", "{`istioDSCPMark`:`AF99`}", "spec.istioDSCPMark: 'AF99' is not one of" },
	{ FC, "default", "{`nftablesMode`:`On`}", "spec.nftablesMode: 'On' is not one of" },
	{ FC, "default", "{`bpfAttachType`:`XDP`}", "spec.bpfAttachType" },
	{ FC, "default", "{`bpfLogFilters`:{`eth0`:1}}",
	  "spec.bpfLogFilters.eth0: must be a string" },
	{ FC, "default", "{`mtuIfacePattern`:`[`}", "spec.mtuIfacePattern" },
	{ FC, "default", "{`bpfLogFilters`:{`all`:`tcp`,`eth0:1`:`udp`}}",
	  "spec.bpfLogFilters.eth0:1: 'eth0:1' is not an interface name" },
	{ FC, "default", "{`metadataPort`:70000}", "spec.metadataPort: 70000 is out of range" },
};

Test(validate_infra, felix_configuration)
{
	INFRA_RUN(felix);
}
