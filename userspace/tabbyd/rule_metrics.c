// SPDX-License-Identifier: Apache-2.0
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "metrics.h"
#include "policy_compile.h"
#include "policy_maps.h"
#include "rule_metrics.h"

struct slot_labels {
	char **labels;		/* by local rule id: the Prometheus label set, or NULL */
	uint32_t n;
};

static void slot_clear(struct slot_labels *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		free(s->labels[i]);
	free(s->labels);
	s->labels = NULL;
	s->n = 0;
}

/* direction="...",kind="...",tier="...",policy="...",rule="..." */
static char *label_set(const struct tb_ir *ir, const struct tb_pol_ref *ref, int dir)
{
	const char *d = dir ? "egress" : "ingress", *tier = "", *policy = "";
	char rule[16] = "", *out = NULL;
	const char *kind = "final";

	if ((ref->kind == TB_REF_RULE || ref->kind == TB_REF_TIER_END) && ref->tier >= 0 &&
	    (size_t)ref->tier < ir->n_tiers)
		tier = ir->tiers[ref->tier].name;
	if (ref->kind == TB_REF_RULE && *tier && ref->policy >= 0 &&
	    (size_t)ref->policy < ir->tiers[ref->tier].n_policies) {
		kind = "rule";
		policy = ir->tiers[ref->tier].policies[ref->policy].name;
		snprintf(rule, sizeof(rule), "%d", ref->rule);
	} else if (ref->kind == TB_REF_TIER_END) {
		kind = "tier_end";
	} else if (ref->kind == TB_REF_PROFILE_RULE && ref->policy >= 0 &&
		   (size_t)ref->policy < ir->n_profiles) {
		kind = "profile_rule";
		policy = ir->profiles[ref->policy].name;
		snprintf(rule, sizeof(rule), "%d", ref->rule);
	}
	if (asprintf(&out, "direction=\"%s\",kind=\"%s\",tier=\"%s\",policy=\"%s\",rule=\"%s\"", d,
		     kind, tier, policy, rule) < 0)
		return NULL;
	return out;
}

void agent_rule_labels_record(struct agent *a, uint32_t slot, int dir, const struct tb_ir *ir,
			      const struct tb_pol_compiled *c)
{
	struct slot_labels *s;

	if (slot >= TB_POL_MAX_SETS)
		return;
	if (!a->rule_labels) {
		a->rule_labels = calloc(TB_POL_MAX_SETS, sizeof(struct slot_labels));
		if (!a->rule_labels)
			return;
	}
	s = &((struct slot_labels *)a->rule_labels)[slot];
	slot_clear(s);
	s->labels = calloc(c->n_rule_ids + 1, sizeof(char *));
	if (!s->labels)
		return;
	s->n = c->n_rule_ids;
	for (uint32_t i = 0; i < c->n_rule_ids; i++)
		s->labels[i] = label_set(ir, &c->refs[i], dir);
}

struct sum {
	uint64_t packets, bytes;
};

void agent_rule_metrics_print(struct agent *a, FILE *f)
{
	struct slot_labels *all = a->rule_labels;
	struct tb_hmap sums;
	size_t i = 0;
	const char *k;
	void *v;

	if (!all)
		return;
	tb_hmap_init(&sums);
	for (uint32_t slot = 0; slot < TB_POL_MAX_SETS; slot++) {
		for (uint32_t r = 0; r < all[slot].n; r++) {
			uint64_t packets, bytes;
			struct sum *s;
			uint32_t global;

			if (!all[slot].labels[r] || tb_pol_maps_rule_id(a->pol, slot, r, &global) ||
			    tb_pol_maps_counter(a->pol, global, &packets, &bytes))
				continue;
			s = tb_hmap_get(&sums, all[slot].labels[r]);
			if (!s && (s = calloc(1, sizeof(*s))))
				tb_hmap_put(&sums, all[slot].labels[r], s, NULL);
			if (s) {
				s->packets += packets;
				s->bytes += bytes;
			}
		}
	}
	tb_metric_family(f, "tabby_rule_packets_total", "counter",
			 "Packets of new flows decided by a rule, and of their later packets.");
	while (tb_hmap_next(&sums, &i, &k, &v))
		fprintf(f, "tabby_rule_packets_total{%s} %llu\n", k,
			(unsigned long long)((struct sum *)v)->packets);
	tb_metric_family(f, "tabby_rule_bytes_total", "counter", "Bytes of the same packets.");
	for (i = 0; tb_hmap_next(&sums, &i, &k, &v);) {
		fprintf(f, "tabby_rule_bytes_total{%s} %llu\n", k,
			(unsigned long long)((struct sum *)v)->bytes);
		free(v);
	}
	tb_hmap_free(&sums);
}

void agent_rule_labels_free(struct agent *a)
{
	struct slot_labels *all = a->rule_labels;

	for (uint32_t s = 0; all && s < TB_POL_MAX_SETS; s++)
		slot_clear(&all[s]);
	free(all);
	a->rule_labels = NULL;
}
