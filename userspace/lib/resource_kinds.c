// SPDX-License-Identifier: Apache-2.0
/* Every kind tabby knows: names (calicoctl's aliases), keys, schemas. */
#include <stddef.h>

#include "resource.h"
#include "spec.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define K8S_V1 "v1"
#define K8S_NET "networking.k8s.io/v1"

#define CALICO_KIND(var, k, pl, fl, sp, chk, ...)                                                  \
	static const struct tb_kind var = {                                                        \
		.kind = k, .plural = pl, .api_version = TB_API_CALICO, .aliases = ALIASES(__VA_ARGS__), \
		.flags = fl, .spec = sp, .check = chk, .key_root = TB_KEY_CALICO,                  \
	}
#define K8S_KIND(var, api, k, pl, fl, sp, chk, ...)                                                \
	static const struct tb_kind var = {                                                        \
		.kind = k, .plural = pl, .api_version = api, .aliases = ALIASES(__VA_ARGS__),      \
		.flags = TB_KIND_K8S | (fl), .spec = sp, .check = chk, .key_root = TB_KEY_K8S,     \
	}

#define NS TB_KIND_NAMESPACED

CALICO_KIND(gnp, "GlobalNetworkPolicy", "globalnetworkpolicies", 0, &tb_spec_globalnetworkpolicy,
	    tb_check_policy_doc, "globalnetworkpolicy", "gnp", "gnps");
CALICO_KIND(np, "NetworkPolicy", "networkpolicies", NS, &tb_spec_networkpolicy,
	    tb_check_policy_doc, "networkpolicy", "policy", "np", "policies", "pol", "pols");
CALICO_KIND(sgnp, "StagedGlobalNetworkPolicy", "stagedglobalnetworkpolicies", TB_KIND_STAGED,
	    &tb_spec_stagedglobalnetworkpolicy, tb_check_policy_doc, "stagedglobalnetworkpolicy",
	    "sgnp", "sgnps");
CALICO_KIND(snp, "StagedNetworkPolicy", "stagednetworkpolicies", NS | TB_KIND_STAGED,
	    &tb_spec_stagednetworkpolicy, tb_check_policy_doc, "stagednetworkpolicy", "snp", "snps");
CALICO_KIND(sknp, "StagedKubernetesNetworkPolicy", "stagedkubernetesnetworkpolicies",
	    NS | TB_KIND_STAGED, &tb_spec_stagedkubernetesnetworkpolicy, NULL,
	    "stagedkubernetesnetworkpolicy", "sknp", "sknps");
CALICO_KIND(tier, "Tier", "tiers", 0, &tb_spec_tier, tb_check_policy_doc, "tier");
CALICO_KIND(profile, "Profile", "profiles", 0, &tb_spec_profile, NULL, "profile", "pro", "pros");
CALICO_KIND(gns, "GlobalNetworkSet", "globalnetworksets", 0, &tb_spec_globalnetworkset, NULL,
	    "globalnetworkset");
CALICO_KIND(ns, "NetworkSet", "networksets", NS, &tb_spec_networkset, NULL, "networkset",
	    "netsets");
CALICO_KIND(hep, "HostEndpoint", "hostendpoints", 0, &tb_spec_hostendpoint, tb_check_infra_doc,
	    "hostendpoint", "hep", "heps");
CALICO_KIND(wep, "WorkloadEndpoint", "workloadendpoints", NS, &tb_spec_workloadendpoint,
	    tb_check_infra_doc, "workloadendpoint", "wep", "weps");
CALICO_KIND(ippool, "IPPool", "ippools", 0, &tb_spec_ippool, tb_check_infra_doc, "ippool", "ipp",
	    "ipps", "pool", "pools");
CALICO_KIND(ipres, "IPReservation", "ipreservations", 0, &tb_spec_ipreservation,
	    tb_check_infra_doc, "ipreservation", "ipres");
CALICO_KIND(ipamcfg, "IPAMConfiguration", "ipamconfigurations", 0, &tb_spec_ipamconfiguration,
	    tb_check_infra_doc, "ipamconfiguration", "ipamconfig", "ipamconfigs");
CALICO_KIND(bgpcfg, "BGPConfiguration", "bgpconfigurations", 0, &tb_spec_bgpconfiguration,
	    tb_check_infra_doc, "bgpconfiguration", "bgpconfig", "bgpconfigs");
CALICO_KIND(bgppeer, "BGPPeer", "bgppeers", 0, &tb_spec_bgppeer, tb_check_infra_doc, "bgppeer",
	    "bgpp", "bgpps", "bp", "bps");
CALICO_KIND(node, "Node", "nodes", 0, &tb_spec_node, tb_check_infra_doc, "node", "no");
CALICO_KIND(felix, "FelixConfiguration", "felixconfigurations", 0, &tb_spec_felixconfiguration,
	    tb_check_infra_doc, "felixconfiguration", "felixconfig", "felixconfigs");
K8S_KIND(knp, K8S_NET, "NetworkPolicy", "networkpolicies", NS, &tb_spec_kubernetesnetworkpolicy,
	 NULL, "kubernetesnetworkpolicy", "kubernetesnetworkpolicies", "knp", "knps");
K8S_KIND(k8sns, K8S_V1, "Namespace", "namespaces", 0, &tb_spec_k8s_namespace, tb_check_infra_doc,
	 "namespace", "ns");
K8S_KIND(pod, K8S_V1, "Pod", "pods", NS, &tb_spec_k8s_pod, tb_check_infra_doc, "pod", "po");
/* A ServiceAccount has no spec; its other top-level fields are checked by its document rule. */
K8S_KIND(sa, K8S_V1, "ServiceAccount", "serviceaccounts", NS | TB_KIND_OWN_TOP, NULL,
	 tb_check_infra_doc, "serviceaccount", "sa");

const struct tb_kind *const tb_kinds[] = {
	&gnp,	 &np,	  &sgnp,    &snp,    &sknp, &tier, &profile, &gns,   &ns,
	&hep,	 &wep,	  &ippool,  &ipres,  &ipamcfg, &bgpcfg, &bgppeer, &node, &felix,
	&knp,	 &k8sns,  &pod,	    &sa,     NULL,
};
