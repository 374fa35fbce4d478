// SPDX-License-Identifier: Apache-2.0
/*
 * FelixConfiguration: every field of Calico's FelixConfigurationSpec with its type and format,
 * so that a Calico manifest applies unchanged even where tabby does not act on a setting
 * (iptables, nftables, Windows and Istio knobs are stored and shown, not used). Three fields
 * removed after Calico 3.31 are still accepted for the manifests written for it. Durations are
 * Go duration strings ("90s", "1m30s"). Sub-objects and checks are in spec_felix_types.c.
 */
#include "spec.h"
#include "spec_infra.h"
#include "validators.h"

static const char *const en_dis[] = { "Enabled", "Disabled", NULL };
static const char *const dis_en[] = { "Disabled", "Enabled", NULL };
static const char *const client_auth[] = { "RequireAndVerifyClientCert", "RequireAnyClientCert",
					   "VerifyClientCertIfGiven", "NoClientCert", NULL };
static const char *const nat_excl[] = { "IPPoolsOnly", "IPPoolsAndHostIPs", NULL };
static const char *const cluster_routes[] = { "Enabled", "Disabled", "EnabledIPIPOnly",
					      "EnabledNoEncapOnly", NULL };
static const char *const nft_modes[] = { "Disabled", "Enabled", "Auto", NULL };
static const char *const offload[] = { "All", "Disabled", NULL };
static const char *const overlay_src[] = { "TunnelAddress", "HostAddress", NULL };
static const char *const jit[] = { "Auto", "Strict", NULL };
static const char *const ct_log[] = { "Off", "Debug", NULL };
static const char *const ct_modes[] = { "Auto", "Userspace", "BPFProgram", NULL };
static const char *const ctlb[] = { "TCP", "Enabled", "Disabled", NULL };
static const char *const eval_modes[] = { "None", "Continuous", NULL };
static const char *const attach[] = { "TC", "TCX", "Netkit", NULL };
static const char *const aws[] = { "DoNothing", "Enable", "Disable", NULL };
static const char *const loop_prev[] = { "Drop", "Reject", "Disabled", NULL };
static const char *const spoofing[] = { "Disabled", "Any", NULL };
static const char *const l2reach[] = { "Disabled", "PodsAndLoadBalancers", NULL };

#define B TB_T_BOOL
#define I TB_T_INT
#define S TB_T_STRING
#define DUR(n) { n, TB_T_STRING, TB_OMITEMPTY, .check = tb_fcheck_duration }
#define ONE(n, l) { n, TB_T_STRING, TB_OMITEMPTY, .one_of = l }
/* TB_OMITEMPTY only acts on strings: "" is unset, as in Calico. */
#define CHK(n, t, f) { n, t, TB_OMITEMPTY, .check = f }
#define LIST(n, f) { n, TB_T_ARRAY, .elem = TB_T_STRING, .check = f }

static const struct tb_field felix_fields[] = {
	CHK("nodeSelector", S, tb_vcheck_selector),
	{ "useInternalDataplaneDriver", B },
	{ "dataplaneDriver", S },
	DUR("dataplaneWatchdogTimeout"),
	{ "ipv6Support", B },
	DUR("routeRefreshInterval"),
	DUR("interfaceRefreshInterval"),
	DUR("iptablesRefreshInterval"),
	DUR("iptablesPostWriteCheckInterval"),
	DUR("iptablesLockProbeInterval"),
	{ "iptablesLockFilePath", S },
	DUR("iptablesLockTimeout"),
	CHK("featureDetectOverride", S, tb_fcheck_kv_list),
	CHK("featureGates", S, tb_fcheck_kv_list),
	DUR("ipsetsRefreshInterval"),
	{ "maxIpsetSize", I },
	CHK("iptablesBackend", S, tb_fcheck_iptables_backend),
	DUR("xdpRefreshInterval"),
	DUR("netlinkTimeout"),
	{ "metadataAddr", S },
	CHK("metadataPort", I, tb_fcheck_port0),
	{ "openstackRegion", S },
	{ "interfacePrefix", S },
	{ "interfaceExclude", S },
	CHK("chainInsertMode", S, tb_fcheck_chain_insert),
	CHK("defaultEndpointToHostAction", S, tb_fcheck_endpoint_to_host),
	CHK("iptablesFilterAllowAction", S, tb_fcheck_allow_action),
	CHK("iptablesMangleAllowAction", S, tb_fcheck_allow_action),
	CHK("iptablesFilterDenyAction", S, tb_fcheck_deny_action),
	CHK("logPrefix", S, tb_fcheck_log_prefix),
	CHK("logActionRateLimit", S, tb_fcheck_rate_limit),
	CHK("logActionRateLimitBurst", I, tb_fcheck_burst),
	{ "logFilePath", S },
	CHK("logSeverityFile", S, tb_fcheck_severity),
	CHK("logSeverityScreen", S, tb_fcheck_severity),
	CHK("logSeveritySys", S, tb_fcheck_severity),
	CHK("logDebugFilenameRegex", S, tb_icheck_regexp),
	{ "ipipEnabled", B },
	CHK("ipipMTU", I, tb_icheck_nonneg),
	{ "vxlanEnabled", B },
	CHK("vxlanMTU", I, tb_icheck_nonneg),
	CHK("vxlanMTUV6", I, tb_icheck_nonneg),
	CHK("vxlanPort", I, tb_fcheck_port0),
	CHK("vxlanVNI", I, tb_icheck_nonneg),
	{ "allowVXLANPacketsFromWorkloads", B },
	{ "allowIPIPPacketsFromWorkloads", B },
	DUR("reportingInterval"),
	DUR("reportingTTL"),
	{ "endpointReportingEnabled", B },
	DUR("endpointReportingDelay"),
	{ "endpointStatusPathPrefix", S },
	CHK("iptablesMarkMask", I, tb_icheck_uint32),
	{ "disableConntrackInvalidCheck", B },
	{ "healthEnabled", B },
	{ "healthHost", S },
	CHK("healthPort", I, tb_fcheck_port0),
	{ "healthTimeoutOverrides", TB_T_ARRAY, .sub = &tb_felix_health_override },
	{ "prometheusMetricsEnabled", B },
	CHK("prometheusMetricsHost", S, tb_fcheck_metrics_host),
	CHK("prometheusMetricsPort", I, tb_fcheck_port0),
	{ "prometheusGoMetricsEnabled", B },
	{ "prometheusProcessMetricsEnabled", B },
	{ "prometheusWireGuardMetricsEnabled", B },
	{ "prometheusMetricsCAFile", S },
	{ "prometheusMetricsCertFile", S },
	{ "prometheusMetricsKeyFile", S },
	ONE("prometheusMetricsClientAuth", client_auth),
	{ "failsafeInboundHostPorts", TB_T_ARRAY, .sub = &tb_felix_proto_port },
	{ "failsafeOutboundHostPorts", TB_T_ARRAY, .sub = &tb_felix_proto_port },
	{ "kubeNodePortRanges", TB_T_ARRAY, .elem = TB_T_INT_OR_STRING, .check = tb_vcheck_port },
	{ "policySyncPathPrefix", S },
	{ "usageReportingEnabled", B },
	DUR("usageReportingInitialDelay"),
	DUR("usageReportingInterval"),
	CHK("natPortRange", TB_T_INT_OR_STRING, tb_vcheck_port),
	CHK("natOutgoingAddress", S, tb_vcheck_ipv4),
	ONE("natOutgoingExclusions", nat_excl),
	CHK("deviceRouteSourceAddress", S, tb_vcheck_ipv4),
	CHK("deviceRouteSourceAddressIPv6", S, tb_vcheck_ipv6),
	CHK("deviceRouteProtocol", I, tb_icheck_nonneg),
	{ "removeExternalRoutes", B },
	ONE("programClusterRoutes", cluster_routes),
	ONE("ipForwarding", en_dis),
	LIST("externalNodesList", tb_fcheck_ipv4_cidr),
	{ "debugMemoryProfilePath", S },
	{ "debugDisableLogDropping", B },
	DUR("debugSimulateCalcGraphHangAfter"),
	DUR("debugSimulateDataplaneHangAfter"),
	DUR("debugSimulateDataplaneApplyDelay"),
	{ "debugHost", S },
	CHK("debugPort", I, tb_fcheck_port0),
	CHK("iptablesNATOutgoingInterfaceFilter", S, tb_icheck_iface_filter),
	{ "sidecarAccelerationEnabled", B },
	{ "xdpEnabled", B },
	{ "genericXDPEnabled", B },
	ONE("nftablesMode", nft_modes),
	ONE("nftablesFlowTableOffload", offload),
	CHK("nftablesFlowTableDataIfacePattern", S, tb_icheck_regexp),
	DUR("nftablesRefreshInterval"),
	CHK("nftablesFilterAllowAction", S, tb_fcheck_allow_action),
	CHK("nftablesMangleAllowAction", S, tb_fcheck_allow_action),
	CHK("nftablesFilterDenyAction", S, tb_fcheck_deny_action),
	CHK("nftablesMarkMask", I, tb_icheck_uint32),
	{ "bpfEnabled", B },
	ONE("bpfOverlayHostSourceIP", overlay_src),
	{ "bpfDisableUnprivileged", B },
	ONE("bpfJITHardening", jit),
	CHK("bpfLogLevel", S, tb_fcheck_bpf_log_level),
	ONE("bpfConntrackLogLevel", ct_log),
	ONE("bpfConntrackMode", ct_modes),
	{ "bpfConntrackTimeouts", TB_T_OBJECT, .sub = &tb_felix_ct_timeouts },
	DUR("bpfIPFragTimeout"),
	CHK("bpfLogFilters", TB_T_STRMAP, tb_fcheck_bpf_log_filters),
	{ "bpfCTLBLogFilter", S },
	CHK("bpfDataIfacePattern", S, tb_icheck_regexp),
	CHK("bpfL3IfacePattern", S, tb_icheck_regexp),
	{ "bpfConnectTimeLoadBalancingEnabled", B },
	ONE("bpfConnectTimeLoadBalancing", ctlb),
	ONE("bpfHostNetworkedNATWithoutCTLB", en_dis),
	CHK("bpfExternalServiceMode", S, tb_fcheck_ext_service_mode),
	LIST("bpfDSROptoutCIDRs", tb_vcheck_cidr),
	CHK("bpfExtToServiceConnmark", I, tb_icheck_uint32),
	{ "bpfKubeProxyIptablesCleanupEnabled", B },
	DUR("bpfKubeProxyMinSyncPeriod"),
	{ "bpfKubeProxyEndpointSlicesEnabled", B },
	CHK("bpfKubeProxyHealthzPort", I, tb_fcheck_port0),
	CHK("bpfPSNATPorts", TB_T_INT_OR_STRING, tb_vcheck_port),
	CHK("bpfMapSizeNATFrontend", I, tb_icheck_nonneg),
	CHK("bpfMapSizeNATBackend", I, tb_icheck_nonneg),
	CHK("bpfMapSizeNATAffinity", I, tb_icheck_nonneg),
	CHK("bpfMapSizeRoute", I, tb_icheck_nonneg),
	CHK("bpfMapSizeConntrack", I, tb_icheck_nonneg),
	CHK("bpfMapSizePerCpuConntrack", I, tb_icheck_nonneg),
	CHK("bpfMapSizeConntrackScaling", S, tb_fcheck_ct_scaling),
	CHK("bpfMapSizeConntrackCleanupQueue", I, tb_fcheck_positive),
	CHK("bpfMapSizeIPSets", I, tb_icheck_nonneg),
	CHK("bpfMapSizeIfState", I, tb_icheck_nonneg),
	{ "bpfHostConntrackBypass", B },
	{ "bpfIPFragmentReassemblyEnabled", B },
	CHK("bpfEnforceRPF", S, tb_fcheck_rpf),
	{ "bpfPolicyDebugEnabled", B },
	LIST("bpfForceTrackPacketsFromIfaces", tb_icheck_iface_filter),
	CHK("bpfDisableGROForIfaces", S, tb_icheck_regexp),
	LIST("bpfExcludeCIDRsFromNAT", tb_vcheck_cidr),
	CHK("bpfExportBufferSizeMB", I, tb_icheck_nonneg),
	ONE("istioAmbientMode", en_dis),
	CHK("istioDSCPMark", TB_T_INT_OR_STRING, tb_icheck_dscp),
	{ "cgroupV2Path", S },
	ONE("flowLogsPolicyEvaluationMode", eval_modes),
	ONE("bpfRedirectToPeer", en_dis),
	ONE("bpfAttachType", attach),
	DUR("flowLogsFlushInterval"),
	{ "flowLogsCollectorDebugTrace", B },
	{ "flowLogsGoldmaneServer", S },
	ONE("flowLogsLocalReporter", dis_en),
	ONE("bpfProfiling", en_dis),
	CHK("routeSource", S, tb_fcheck_route_source),
	{ "routeTableRanges", TB_T_ARRAY, .sub = &tb_felix_route_table_id_range },
	{ "routeTableRange", TB_T_OBJECT, .sub = &tb_felix_route_table_range },
	{ "routeSyncDisabled", B },
	CHK("ipv4NormalRoutePriority", I, tb_fcheck_route_priority),
	CHK("ipv4ElevatedRoutePriority", I, tb_fcheck_route_priority),
	CHK("ipv6NormalRoutePriority", I, tb_fcheck_route_priority),
	CHK("ipv6ElevatedRoutePriority", I, tb_fcheck_route_priority),
	DUR("liveMigrationRouteConvergenceTime"),
	{ "wireguardEnabled", B },
	{ "wireguardEnabledV6", B },
	{ "wireguardThreadingEnabled", B },
	CHK("wireguardListeningPort", I, tb_fcheck_port1),
	CHK("wireguardListeningPortV6", I, tb_fcheck_port1),
	CHK("wireguardRoutingRulePriority", I, tb_fcheck_wg_rule_priority),
	CHK("wireguardInterfaceName", S, tb_icheck_ifname),
	CHK("wireguardInterfaceNameV6", S, tb_icheck_ifname),
	CHK("wireguardMTU", I, tb_icheck_nonneg),
	CHK("wireguardMTUV6", I, tb_icheck_nonneg),
	{ "wireguardHostEncryptionEnabled", B },
	DUR("wireguardKeepAlive"),
	ONE("awsSrcDstCheck", aws),
	ONE("serviceLoopPrevention", loop_prev),
	ONE("workloadSourceSpoofing", spoofing),
	CHK("mtuIfacePattern", S, tb_icheck_regexp),
	ONE("floatingIPs", en_dis),
	ONE("localSubnetL2Reachability", l2reach),
	DUR("localSubnetL2ReachabilityRefreshInterval"),
	ONE("windowsManageFirewallRules", en_dis),
	CHK("goGCThreshold", I, tb_fcheck_minus_one),
	CHK("goMemoryLimitMB", I, tb_fcheck_minus_one),
	CHK("goMaxProcs", I, tb_fcheck_minus_one),
	{ "requireMTUFile", B },
	CHK("bpfMaglevMaxEndpointsPerService", I, tb_fcheck_maglev),
	CHK("bpfMaglevMaxServices", I, tb_fcheck_maglev),
	{ NULL },
};
#undef B
#undef I
#undef S
#undef DUR
#undef ONE
#undef CHK
#undef LIST

/*
 * No defaults are filled in: an absent setting means "inherit" (node.<name> over default over
 * the built-in value), and a filled-in default would override the level below it.
 */
const struct tb_schema tb_spec_felixconfiguration = { "FelixConfigurationSpec", felix_fields,
						      tb_felix_check_spec };
