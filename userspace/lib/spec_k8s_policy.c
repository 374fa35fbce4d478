// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) validated as the API server validates it,
 * with the API server's defaults filled in (policyTypes, a port's protocol TCP), and Calico's
 * StagedKubernetesNetworkPolicy, which carries the same spec plus stagedAction.
 */
#include <string.h>

#include "resource.h"
#include "spec.h"
#include "spec_policy_int.h"
#include "validators.h"

static const char *const k8s_types[] = { "Ingress", "Egress", NULL };
static const char *const k8s_protocols[] = { "TCP", "UDP", "SCTP", NULL };
static const char *const selector_ops[] = { "In", "NotIn", "Exists", "DoesNotExist", NULL };
static const char *const staged_actions[] = { "Set", "Delete", "Learn", "Ignore", NULL };

static void check_qualified_name(struct tb_vctx *c, json_t *v)
{
	if (!tb_valid_label_key(json_string_value(v)))
		tb_verror(c, "'%s' is not a valid label key", json_string_value(v));
}

static void check_label_value(struct tb_vctx *c, json_t *v)
{
	if (!tb_valid_label_value(json_string_value(v)))
		tb_verror(c, "'%s' is not a valid label value", json_string_value(v));
}

static void check_requirement(struct tb_vctx *c, json_t *r)
{
	const char *op = json_string_value(json_object_get(r, "operator"));
	bool has_values = json_array_size(json_object_get(r, "values")) > 0;

	if (!op)
		return;
	if ((!strcmp(op, "In") || !strcmp(op, "NotIn")) && !has_values)
		tb_verror_at(c, "values", "must be specified when `operator` is 'In' or 'NotIn'");
	if ((!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) && has_values)
		tb_verror_at(c, "values", "may not be specified when `operator` is 'Exists' or "
					  "'DoesNotExist'");
}

static const struct tb_field requirement_fields[] = {
	{ "key", TB_T_STRING, TB_REQUIRED, .check = check_qualified_name },
	{ "operator", TB_T_STRING, TB_REQUIRED, .one_of = selector_ops },
	{ "values", TB_T_ARRAY, .elem = TB_T_STRING, .check = check_label_value },
	{ NULL },
};
static const struct tb_schema requirement_schema = { "LabelSelectorRequirement",
						      requirement_fields, check_requirement };

static const struct tb_field label_selector_fields[] = {
	{ "matchLabels", TB_T_STRMAP, .check = tb_vcheck_labels },
	{ "matchExpressions", TB_T_ARRAY, .sub = &requirement_schema },
	{ NULL },
};
const struct tb_schema tb_schema_k8s_label_selector = { "LabelSelector", label_selector_fields };

/* except: each a strict subset of cidr. */
static void check_ip_block(struct tb_vctx *c, json_t *b)
{
	json_t *except = json_object_get(b, "except"), *e;
	struct tb_net outer, inner;
	size_t i;

	if (tb_parse_cidr(json_string_value(json_object_get(b, "cidr")), false, &outer))
		return;
	json_array_foreach(except, i, e) {
		size_t mark;

		if (tb_parse_cidr(json_string_value(e), false, &inner))
			continue;
		if (inner.prefix > outer.prefix && tb_net_contains(&outer, &inner))
			continue;
		mark = tb_vpush_field(c, "except");
		tb_vpush_index(c, i);
		tb_verror(c, "'%s' must be a strict subset of `cidr` %s", json_string_value(e),
			  json_string_value(json_object_get(b, "cidr")));
		tb_vpop(c, mark);
	}
}

static const struct tb_field ip_block_fields[] = {
	{ "cidr", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_cidr_only },
	{ "except", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_cidr_only },
	{ NULL },
};
static const struct tb_schema ip_block_schema = { "IPBlock", ip_block_fields, check_ip_block };

static void check_peer(struct tb_vctx *c, json_t *p)
{
	bool pod = json_object_get(p, "podSelector") != NULL;
	bool ns = json_object_get(p, "namespaceSelector") != NULL;
	bool ipb = json_object_get(p, "ipBlock") != NULL;

	if (!pod && !ns && !ipb)
		tb_verror(c, "must specify a peer (podSelector, namespaceSelector or ipBlock)");
	else if (ipb && (pod || ns))
		tb_verror(c, "may not specify both ipBlock and another peer");
}

static const struct tb_field peer_fields[] = {
	{ "podSelector", TB_T_OBJECT, .sub = &tb_schema_k8s_label_selector },
	{ "namespaceSelector", TB_T_OBJECT, .sub = &tb_schema_k8s_label_selector },
	{ "ipBlock", TB_T_OBJECT, .sub = &ip_block_schema },
	{ NULL },
};
static const struct tb_schema peer_schema = { "NetworkPolicyPeer", peer_fields, check_peer };

static void check_k8s_port_value(struct tb_vctx *c, json_t *v)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
			tb_verror(c, "must be between 1 and 65535, inclusive");
	} else if (!tb_valid_k8s_port_name(json_string_value(v))) {
		tb_verror(c,
			  "'%s' is not a valid port name (at most 15 of [a-z0-9-], with a letter, "
			  "no leading, trailing or double '-')",
			  json_string_value(v));
	}
}

static void check_k8s_port(struct tb_vctx *c, json_t *p)
{
	json_t *port = json_object_get(p, "port"), *end = json_object_get(p, "endPort");

	if (!json_is_integer(end))
		return;
	if (!port)
		tb_verror_at(c, "port", "must be specified when endPort is specified");
	else if (!json_is_integer(port))
		tb_verror_at(c, "endPort", "may not be specified when `port` is non-numeric");
	else if (json_integer_value(end) < json_integer_value(port))
		tb_verror_at(c, "endPort", "must be greater than or equal to `port`");
}

static const struct tb_field k8s_port_fields[] = {
	{ "protocol", TB_T_STRING, .one_of = k8s_protocols, .def = "\"TCP\"" },
	{ "port", TB_T_INT_OR_STRING, .check = check_k8s_port_value },
	{ "endPort", TB_T_INT, .check = tb_vcheck_port_number },
	{ NULL },
};
static const struct tb_schema k8s_port_schema = { "NetworkPolicyPort", k8s_port_fields,
						   check_k8s_port };

static const struct tb_field ingress_fields[] = {
	{ "from", TB_T_ARRAY, .sub = &peer_schema },
	{ "ports", TB_T_ARRAY, .sub = &k8s_port_schema },
	{ NULL },
};
const struct tb_schema tb_schema_knp_ingress_rule = { "NetworkPolicyIngressRule", ingress_fields };

static const struct tb_field egress_fields[] = {
	{ "to", TB_T_ARRAY, .sub = &peer_schema },
	{ "ports", TB_T_ARRAY, .sub = &k8s_port_schema },
	{ NULL },
};
const struct tb_schema tb_schema_knp_egress_rule = { "NetworkPolicyEgressRule", egress_fields };

/* The API server's defaulting: Ingress always, Egress too when there are egress rules. */
static void default_policy_types(json_t *spec)
{
	json_t *types;

	if (json_array_size(json_object_get(spec, "policyTypes")))
		return;
	types = json_array();
	json_array_append_new(types, json_string("Ingress"));
	if (json_array_size(json_object_get(spec, "egress")))
		json_array_append_new(types, json_string("Egress"));
	json_object_set_new(spec, "policyTypes", types);
}

static void check_policy_types(struct tb_vctx *c, json_t *spec)
{
	json_t *types = json_object_get(spec, "policyTypes");

	if (json_array_size(types) > 2)
		tb_verror_at(c, "policyTypes", "may not specify more than two policyTypes");
	else if (json_array_size(types) == 2 &&
		 json_equal(json_array_get(types, 0), json_array_get(types, 1)))
		tb_verror_at(c, "policyTypes", "'%s' specified more than once",
			     json_string_value(json_array_get(types, 0)));
}

static void check_knp(struct tb_vctx *c, json_t *spec)
{
	default_policy_types(spec);
	check_policy_types(c, spec);
}

#define KNP_FIELDS(podsel_flags)                                                                   \
	{ "podSelector", TB_T_OBJECT, podsel_flags, .sub = &tb_schema_k8s_label_selector },        \
	{ "policyTypes", TB_T_ARRAY, .elem = TB_T_STRING, .one_of = k8s_types },                   \
	{ "ingress", TB_T_ARRAY, .sub = &tb_schema_knp_ingress_rule },                             \
	{ "egress", TB_T_ARRAY, .sub = &tb_schema_knp_egress_rule }

static const struct tb_field knp_fields[] = { KNP_FIELDS(TB_REQUIRED), { NULL } };
const struct tb_schema tb_spec_kubernetesnetworkpolicy = { "NetworkPolicySpec", knp_fields,
							    check_knp };

/* A staged deletion carries no spec but its action; otherwise the Kubernetes rules apply. */
static void check_sknp(struct tb_vctx *c, json_t *spec)
{
	const char *act = json_string_value(json_object_get(spec, "stagedAction"));
	const char *k;
	json_t *v;

	if (!act || strcmp(act, "Delete")) {
		check_knp(c, spec);
		return;
	}
	json_object_foreach(spec, k, v) {
		if (strcmp(k, "stagedAction") && !tb_json_is_zero(v))
			tb_verror_at(c, k, "must be empty when stagedAction is Delete");
	}
}

static const struct tb_field sknp_fields[] = {
	{ "stagedAction", TB_T_STRING, .one_of = staged_actions },
	KNP_FIELDS(0),
	{ NULL },
};
const struct tb_schema tb_spec_stagedkubernetesnetworkpolicy = {
	"StagedKubernetesNetworkPolicySpec", sknp_fields, check_sknp
};
