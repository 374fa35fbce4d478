// SPDX-License-Identifier: Apache-2.0
/*
 * Whole-document rules of the policy kinds: the form of policy and tier names, the tier prefix
 * of a policy's name (Calico 3.30: a policy in tier T other than default is named "T.<name>"),
 * the tier label Calico puts on every policy, and the orders of the tiers Calico reserves.
 */
#include <stdio.h>
#include <string.h>

#include "knp_convert.h"
#include "resource.h"
#include "spec.h"
#include "spec_policy_int.h"

#define LABEL_TIER "projectcalico.org/tier"

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Calico's nameLabelFmt, [a-z0-9]([-a-z0-9]*[a-z0-9])?, over n bytes (no length limit). */
static bool label_n(const char *s, size_t n)
{
	if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* "label" or "label.label" */
static bool one_dot_name(const char *s)
{
	const char *dot = strchr(s, '.');

	if (!dot)
		return label_n(s, strlen(s));
	return label_n(s, (size_t)(dot - s)) && label_n(dot + 1, strlen(dot + 1));
}

/* Names Calico generates for policies it converts: exempt from the tier prefix rule. */
static const char *generated_prefix(const char *name)
{
	static const char *const prefixes[] = { TB_KNP_PREFIX, "ossg.default.", "kcnp.kube-admin.",
						"kcnp.kube-baseline." };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return prefixes[i];
	return NULL;
}

static void check_policy_name(struct tb_vctx *c, const char *name, bool namespaced)
{
	const char *gen = generated_prefix(name);
	bool ok = one_dot_name(name);

	if (!ok && namespaced && gen && strncmp(gen, "kcnp.", 5))
		ok = tb_valid_dns_subdomain(name + strlen(gen));
	if (strlen(name) > 253)
		tb_verror_root(c, "metadata.name", "name is too long by %zu bytes",
			       strlen(name) - 253);
	else if (!ok)
		tb_verror_root(c, "metadata.name", "'%s' is not a valid policy name: lower case "
			       "alphanumerics or '-', with at most one '.' (between the tier and "
			       "the name)", name);
}

/* Calico 3.30's tiered names: "<tier>.<name>", or a bare name in the default tier. */
static void check_tier_prefix(struct tb_vctx *c, const char *name, const char *tier)
{
	const char *dot = strchr(name, '.');

	if (generated_prefix(name))
		return;
	if (!dot && strcmp(tier, "default"))
		tb_verror_root(c, "metadata.name",
			       "a policy in tier '%s' must be named '%s.<name>'", tier, tier);
	else if (dot && (strlen(tier) != (size_t)(dot - name) || strncmp(name, tier, dot - name)))
		tb_verror_root(c, "metadata.name", "the name's prefix '%.*s.' does not match the "
			       "policy's tier '%s' (name it '%s.<name>')", (int)(dot - name), name,
			       tier, tier);
}

static void set_tier_label(json_t *meta, const char *tier)
{
	json_t *labels = json_object_get(meta, "labels");

	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(meta, "labels", labels);
	}
	json_object_set_new(labels, LABEL_TIER, json_string(tier));
}

static const struct {
	const char *name;
	double order;
	const char *action;	/* required defaultAction, NULL: either */
} reserved_tiers[] = {
	{ "default", 1000000, "Deny" },
	{ "kube-admin", 1000, "Pass" },
	{ "kube-baseline", 10000000, "Pass" },
	{ "adminnetworkpolicy", 1000, NULL },		/* Calico 3.30's names for the two */
	{ "baselineadminnetworkpolicy", 10000000, NULL },
};

static void check_tier(struct tb_vctx *c, json_t *doc, const char *name)
{
	json_t *spec = json_object_get(doc, "spec");
	json_t *order = json_object_get(spec, "order");
	const char *act = json_string_value(json_object_get(spec, "defaultAction"));

	if (strlen(name) > 63)
		tb_verror_root(c, "metadata.name", "name is too long by %zu bytes",
			       strlen(name) - 63);
	else if (!label_n(name, strlen(name)))
		tb_verror_root(c, "metadata.name", "'%s' is not a valid tier name: lower case "
			       "alphanumerics or '-' (no '.': a tier's name prefixes its policies' "
			       "names)", name);
	for (size_t i = 0; i < sizeof(reserved_tiers) / sizeof(reserved_tiers[0]); i++) {
		if (strcmp(name, reserved_tiers[i].name))
			continue;
		if (!json_is_number(order) || json_number_value(order) != reserved_tiers[i].order)
			tb_verror_root(c, "spec.order", "%s tier order must be %.0f", name,
				       reserved_tiers[i].order);
		if (reserved_tiers[i].action && act && strcmp(act, reserved_tiers[i].action))
			tb_verror_root(c, "spec.defaultAction", "the '%s' tier must have default "
				       "action '%s'", name, reserved_tiers[i].action);
	}
}

void tb_check_policy_doc(struct tb_vctx *c, json_t *doc)
{
	json_t *meta = json_object_get(doc, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *tier = json_string_value(json_object_get(json_object_get(doc, "spec"), "tier"));
	bool namespaced = json_object_get(meta, "namespace") != NULL;

	if (!name || !c->kind)
		return;
	if (!strcmp(c->kind, "Tier")) {
		check_tier(c, doc, name);
		return;
	}
	if (!tier || !*tier)
		tier = "default";
	check_policy_name(c, name, namespaced);
	check_tier_prefix(c, name, tier);
	set_tier_label(meta, tier);
}
