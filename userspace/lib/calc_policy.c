// SPDX-License-Identifier: Apache-2.0
/* Policies and profiles: what they select and their rules, with references on their sets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc_int.h"
#include "k8s_sync.h"

static const char *const dir_rules[2] = { "ingress", "egress" };

/* Calico's default for an unset types: Ingress, plus Egress when there are egress rules
 * (Egress alone when there are egress rules and no ingress rules). */
static void policy_types(json_t *spec, bool types[2])
{
	json_t *t = json_object_get(spec, "types"), *e;
	bool has_in = json_array_size(json_object_get(spec, "ingress")) > 0;
	bool has_eg = json_array_size(json_object_get(spec, "egress")) > 0;
	size_t i;

	types[0] = types[1] = false;
	if (!json_is_array(t)) {
		types[0] = has_in || !has_eg;
		types[1] = has_eg;
		return;
	}
	json_array_foreach(t, i, e) {
		if (json_is_string(e) && !strcmp(json_string_value(e), "Ingress"))
			types[0] = true;
		if (json_is_string(e) && !strcmp(json_string_value(e), "Egress"))
			types[1] = true;
	}
}

struct calc_policy *calc_policy_parse(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	json_t *meta = json_object_get(doc, "metadata"), *spec = json_object_get(doc, "spec");
	const char *name = json_string_value(json_object_get(meta, "name")) ?: "";
	const char *ns = strstr(key, "/networkpolicies/") ? json_string_value(json_object_get(meta, "namespace")) : NULL;
	const char *sel = json_string_value(json_object_get(spec, "selector"));
	struct calc_policy *p = calloc(1, sizeof(*p));
	json_t *order = json_object_get(spec, "order");
	int r;

	if (!p)
		return NULL;
	p->key = strdup(key);
	p->rev = rev;
	p->tier = strdup(json_string_value(json_object_get(spec, "tier")) ?: "default");
	if (ns)
		r = asprintf(&p->sort_name, "%s/%s", ns, name) < 0 ? -ENOMEM : 0;
	else
		r = (p->sort_name = strdup(name)) ? 0 : -ENOMEM;
	p->has_order = json_is_number(order);
	p->order = json_number_value(order);
	policy_types(spec, p->types);
	p->host_only = json_is_true(json_object_get(spec, "doNotTrack")) ||
		       json_is_true(json_object_get(spec, "preDNAT"));
	if (!r)
		r = calc_matcher_build(&p->m, sel && *sel ? sel : NULL,
				       json_string_value(json_object_get(spec, "namespaceSelector")), NULL,
				       json_string_value(json_object_get(spec, "serviceAccountSelector")),
				       ns);
	for (int d = 0; !r && d < 2; d++)
		r = calc_rules_build(c, json_object_get(spec, dir_rules[d]), ns, &p->rules[d], &p->sets,
				     &p->n_sets);
	if (r || !p->key || !p->tier) {
		calc_policy_free(c, p);
		return NULL;
	}
	return p;
}

/* Both directions' rules, and the references they hold on sets. */
static void rules_free(struct tb_calc *c, struct calc_rules rules[2], uint32_t *sets, size_t n_sets)
{
	for (int d = 0; d < 2; d++)
		calc_rules_free(c, &rules[d]);
	for (size_t i = 0; i < n_sets; i++)
		calc_set_unref(c, sets[i]);
	free(sets);
}

void calc_policy_free(struct tb_calc *c, struct calc_policy *p)
{
	if (!p)
		return;
	rules_free(c, p->rules, p->sets, p->n_sets);
	calc_matcher_free(&p->m);
	free(p->key);
	free(p->sort_name);
	free(p->tier);
	free(p);
}

struct calc_profile *calc_profile_parse(struct tb_calc *c, const char *key, json_t *doc, int64_t rev)
{
	json_t *spec = json_object_get(doc, "spec"), *labels = json_object_get(spec, "labelsToApply");
	struct calc_profile *p = calloc(1, sizeof(*p));
	int r = 0;

	if (!p)
		return NULL;
	p->key = strdup(key);
	p->name = strdup(json_string_value(json_object_get(json_object_get(doc, "metadata"), "name")) ?: "");
	p->labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
	p->rev = rev;
	for (int d = 0; !r && d < 2; d++)
		r = calc_rules_build(c, json_object_get(spec, dir_rules[d]), NULL, &p->rules[d], &p->sets,
				     &p->n_sets);
	if (r || !p->key || !p->name || !p->labels) {
		calc_profile_free(c, p);
		return NULL;
	}
	return p;
}

/* The kns.<ns> profile of a namespace whose Namespace object was never applied. */
struct calc_profile *calc_profile_default_ns(struct tb_calc *c, const char *name)
{
	json_t *doc = tb_namespace_profile(name + strlen(TB_NS_PROFILE_PREFIX), NULL);
	struct calc_profile *p;
	char key[400];

	snprintf(key, sizeof(key), "(default)%s", name);
	p = doc ? calc_profile_parse(c, key, doc, 0) : NULL;
	if (p)
		p->synthesized = true;
	json_decref(doc);
	return p;
}

void calc_profile_free(struct tb_calc *c, struct calc_profile *p)
{
	if (!p)
		return;
	rules_free(c, p->rules, p->sets, p->n_sets);
	json_decref(p->labels);
	free(p->key);
	free(p->name);
	free(p);
}
