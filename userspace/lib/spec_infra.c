// SPDX-License-Identifier: Apache-2.0
/*
 * Whole-document rules of the infrastructure kinds: the name form every kind shares (Calico
 * names are DNS-1123 subdomains; a Namespace's a DNS label, checked by its own rule) and each
 * kind's own rules that span metadata and spec or cover what lies outside the spec.
 */
#include <string.h>

#include "resource.h"
#include "spec.h"
#include "spec_infra.h"

struct doc_rule {
	const char *kind;
	tb_check_fn check;
	bool subdomain_name;	/* the name must be a DNS-1123 subdomain */
};

static const struct doc_rule rules[] = {
	{ "HostEndpoint", NULL, true },
	{ "WorkloadEndpoint", tb_check_wep_doc, true },
	{ "IPPool", NULL, true },
	{ "IPReservation", NULL, true },
	{ "IPAMConfiguration", tb_check_ipamconfig_doc, true },
	{ "BGPConfiguration", tb_check_bgpconfig_doc, true },
	{ "BGPPeer", NULL, true },
	{ "Node", tb_check_node_doc, true },
	{ "FelixConfiguration", tb_check_felix_doc, true },
	{ "Namespace", tb_check_namespace_doc, false },
	{ "Pod", tb_check_pod_doc, true },
	{ "ServiceAccount", tb_check_serviceaccount_doc, true },
};

void tb_check_infra_doc(struct tb_vctx *c, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "metadata"),
							     "name"));

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (!c->kind || strcmp(c->kind, rules[i].kind))
			continue;
		if (rules[i].subdomain_name && name && !tb_valid_dns_subdomain(name))
			tb_verror(c, "metadata.name: '%s' is not a valid name (lowercase "
				     "alphanumerics, '-' and '.', at most 253)", name);
		if (rules[i].check)
			rules[i].check(c, doc);
		return;
	}
}
