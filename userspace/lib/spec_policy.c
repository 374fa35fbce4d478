// SPDX-License-Identifier: Apache-2.0
/*
 * Spec schemas of Calico's policy kinds: GlobalNetworkPolicy, NetworkPolicy, their staged
 * forms, Tier and Profile. Defaults as Calico applies them: tier "default", types from the
 * rules present, a tier's defaultAction Deny.
 */
#include <string.h>

#include "spec.h"
#include "spec_policy_int.h"
#include "validators.h"

static const char *const policy_types[] = { "Ingress", "Egress", NULL };
static const char *const perf_hints[] = { "AssumeNeededOnEveryNode", NULL };
static const char *const staged_actions[] = { "Set", "Delete", "Learn", "Ignore", NULL };
static const char *const tier_actions[] = { "Deny", "Pass", NULL };

void tb_policy_default_types(json_t *spec)
{
	json_t *types = json_object_get(spec, "types");
	bool in = json_array_size(json_object_get(spec, "ingress")) > 0;
	bool eg = json_array_size(json_object_get(spec, "egress")) > 0;

	/* An empty list is unset too, as Calico's defaulting treats it. */
	if (json_array_size(types))
		return;
	types = json_array();
	if (!eg || in)
		json_array_append_new(types, json_string("Ingress"));
	if (eg)
		json_array_append_new(types, json_string("Egress"));
	json_object_set_new(spec, "types", types);
}

static void check_unique(struct tb_vctx *c, json_t *spec, const char *field, const char *what)
{
	json_t *list = json_object_get(spec, field), *v;
	size_t i, j;

	json_array_foreach(list, i, v) {
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(list, j)))
				break;
		if (j < i && json_is_string(v))
			tb_verror_at(c, field, "'%s' %s specified more than once",
				     json_string_value(v), what);
	}
}

void tb_check_types_unique(struct tb_vctx *c, json_t *spec)
{
	check_unique(c, spec, "types", "type");
}

/* Services only as the source of ingress rules and the destination of egress rules. */
static void check_direction(struct tb_vctx *c, json_t *spec, bool ingress, bool global)
{
	const char *dir = ingress ? "ingress" : "egress";
	const char *peer = ingress ? "source" : "destination";
	const char *other = ingress ? "destination" : "source";
	json_t *rules = json_object_get(spec, dir), *r;
	size_t i;

	json_array_foreach(rules, i, r) {
		size_t mark = tb_vpush_field(c, dir);
		json_t *svc = json_object_get(json_object_get(r, peer), "services");

		tb_vpush_index(c, i);
		if (json_object_get(json_object_get(r, other), "services"))
			tb_verror_at(c, other, "services: not allowed in %s rule %s", dir, other);
		if (!ingress && json_object_get(r, "http"))
			tb_verror_at(c, "http", "not allowed in egress rules");
		/* A global policy has no namespace of its own to find a service in. */
		if (global && json_is_object(svc) &&
		    tb_json_is_zero(json_object_get(svc, "namespace")))
			tb_verror_at(c, peer, "services.namespace: must specify a namespace");
		tb_vpop(c, mark);
	}
}

void tb_check_rule_directions(struct tb_vctx *c, json_t *spec, bool global)
{
	check_direction(c, spec, true, global);
	check_direction(c, spec, false, global);
}

/* An empty tier is the default tier (Go's omitempty drops it, then the default applies). */
static void default_tier(json_t *spec)
{
	const char *tier = json_string_value(json_object_get(spec, "tier"));

	if (tier && !*tier)
		json_object_set_new(spec, "tier", json_string("default"));
}

static void check_np_common(struct tb_vctx *c, json_t *spec, bool global)
{
	default_tier(spec);
	tb_policy_default_types(spec);
	tb_check_types_unique(c, spec);
	check_unique(c, spec, "performanceHints", "performance hint");
	tb_check_no_global(c, spec, "selector");
	tb_check_no_global(c, spec, "serviceAccountSelector");
	tb_check_rule_directions(c, spec, global);
}

static void check_np(struct tb_vctx *c, json_t *spec)
{
	check_np_common(c, spec, false);
}

/* Host-endpoint-only options: untracked and pre-DNAT policy work on forwarded traffic too. */
static void check_gnp(struct tb_vctx *c, json_t *spec)
{
	bool dnt = json_is_true(json_object_get(spec, "doNotTrack"));
	bool pre = json_is_true(json_object_get(spec, "preDNAT"));
	bool aof = json_is_true(json_object_get(spec, "applyOnForward"));
	json_t *types, *t;
	size_t i;

	check_np_common(c, spec, true);
	tb_check_no_global(c, spec, "namespaceSelector");
	if (dnt && pre)
		tb_verror_at(c, "preDNAT", "preDNAT and doNotTrack cannot both be true");
	if (pre && json_array_size(json_object_get(spec, "egress")))
		tb_verror_at(c, "egress", "preDNAT policy cannot have any egress rules");
	types = json_object_get(spec, "types");
	json_array_foreach(types, i, t) {
		if (pre && json_is_string(t) && !strcmp(json_string_value(t), "Egress")) {
			tb_verror_at(c, "types", "preDNAT policy cannot have 'Egress' type");
			break;
		}
	}
	if ((dnt || pre) && !aof)
		tb_verror_at(c, "applyOnForward",
			     "applyOnForward must be true if either preDNAT or "
			     "doNotTrack is true");
}

/* A staged deletion names the policy to delete and nothing else. */
static bool check_staged_delete(struct tb_vctx *c, json_t *spec)
{
	const char *act = json_string_value(json_object_get(spec, "stagedAction"));
	const char *k;
	json_t *v;

	if (!act || strcmp(act, "Delete"))
		return false;
	default_tier(spec);
	json_object_foreach(spec, k, v) {
		if (strcmp(k, "tier") && strcmp(k, "stagedAction") && !tb_json_is_zero(v))
			tb_verror_at(c, k,
				     "must be empty when stagedAction is Delete (only tier may "
				     "be set)");
	}
	return true;
}

static void check_snp(struct tb_vctx *c, json_t *spec)
{
	if (!check_staged_delete(c, spec))
		check_np(c, spec);
}

static void check_sgnp(struct tb_vctx *c, json_t *spec)
{
	if (!check_staged_delete(c, spec))
		check_gnp(c, spec);
}

#define RULES_FIELDS                                                                               \
	{ "ingress", TB_T_ARRAY, .sub = &tb_schema_rule },                                         \
	{ "egress", TB_T_ARRAY, .sub = &tb_schema_rule }
#define NP_FIELDS                                                                                  \
	{ "tier", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain,                     \
	  .def = "\"default\"" },                                                                  \
	{ "order", TB_T_NUMBER },                                                                  \
	RULES_FIELDS,                                                                              \
	{ "selector", TB_T_STRING, .check = tb_vcheck_selector },                                  \
	{ "types", TB_T_ARRAY, .elem = TB_T_STRING, .one_of = policy_types },                      \
	{ "serviceAccountSelector", TB_T_STRING, .check = tb_vcheck_selector },                    \
	{ "performanceHints", TB_T_ARRAY, .elem = TB_T_STRING, .one_of = perf_hints }
#define GNP_FIELDS                                                                                 \
	NP_FIELDS,                                                                                 \
	{ "doNotTrack", TB_T_BOOL },                                                               \
	{ "preDNAT", TB_T_BOOL },                                                                  \
	{ "applyOnForward", TB_T_BOOL },                                                           \
	{ "namespaceSelector", TB_T_STRING, .check = tb_vcheck_selector }
#define STAGED_FIELD { "stagedAction", TB_T_STRING, .one_of = staged_actions }

static const struct tb_field np_fields[] = { NP_FIELDS, { NULL } };
static const struct tb_field gnp_fields[] = { GNP_FIELDS, { NULL } };
static const struct tb_field snp_fields[] = { STAGED_FIELD, NP_FIELDS, { NULL } };
static const struct tb_field sgnp_fields[] = { STAGED_FIELD, GNP_FIELDS, { NULL } };

const struct tb_schema tb_spec_networkpolicy = { "NetworkPolicySpec", np_fields, check_np };
const struct tb_schema tb_spec_globalnetworkpolicy = { "GlobalNetworkPolicySpec", gnp_fields,
							check_gnp };
const struct tb_schema tb_spec_stagednetworkpolicy = { "StagedNetworkPolicySpec", snp_fields,
							check_snp };
const struct tb_schema tb_spec_stagedglobalnetworkpolicy = { "StagedGlobalNetworkPolicySpec",
							      sgnp_fields, check_sgnp };

static const struct tb_field tier_fields[] = {
	{ "order", TB_T_NUMBER },
	{ "defaultAction", TB_T_STRING, .one_of = tier_actions, .def = "\"Deny\"" },
	{ NULL },
};
const struct tb_schema tb_spec_tier = { "TierSpec", tier_fields };

static const struct tb_field profile_fields[] = {
	RULES_FIELDS,
	{ "labelsToApply", TB_T_STRMAP, .check = tb_vcheck_labels },
	{ NULL },
};
const struct tb_schema tb_spec_profile = { "ProfileSpec", profile_fields };
