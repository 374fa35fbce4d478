/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by the policy-side spec files (spec_rule.c, spec_entity.c, spec_policy*.c...). */
#ifndef TABBY_SPEC_POLICY_INT_H
#define TABBY_SPEC_POLICY_INT_H

#include "schema.h"

/* Calico's Rule (with its EntityRule, ICMP, HTTP match and metadata). */
extern const struct tb_schema tb_schema_rule;
extern const struct tb_schema tb_schema_entity_rule;

/* Kubernetes' LabelSelector and the NetworkPolicy ingress/egress rules. */
extern const struct tb_schema tb_schema_k8s_label_selector;
extern const struct tb_schema tb_schema_knp_ingress_rule;
extern const struct tb_schema tb_schema_knp_egress_rule;

/* True when the value is absent, null, false, 0, "" or an empty list or map (Go's zero). */
bool tb_json_is_zero(const json_t *v);

/*
 * Reports an error at an absolute path of the document (e.g. "metadata.name") from a check
 * running anywhere in it, then puts the context's path back.
 */
void tb_verror_root(struct tb_vctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Refuses "global(" in a selector field of obj that may not use it. */
void tb_check_no_global(struct tb_vctx *c, json_t *obj, const char *field);

/*
 * The rules of one direction of a policy: what Calico allows in ingress and egress rules
 * (services only as the ingress source / egress destination, HTTP only on ingress), and for
 * global policies a namespace on every service match.
 */
void tb_check_rule_directions(struct tb_vctx *c, json_t *spec, bool global);

/* Calico's default for types: Ingress, Egress or both from the rules present. */
void tb_policy_default_types(json_t *spec);
/* Duplicate entries in types. */
void tb_check_types_unique(struct tb_vctx *c, json_t *spec);

#endif
