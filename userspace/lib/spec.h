/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec schema and extra document rules of every kind, defined in spec_*.c and listed in
 * resource_kinds.c. A kind without extra rules uses NULL.
 */
#ifndef TABBY_SPEC_H
#define TABBY_SPEC_H

#include "schema.h"

/* Policy side (spec_policy*.c, spec_k8s_policy*.c). */
extern const struct tb_schema tb_spec_globalnetworkpolicy;
extern const struct tb_schema tb_spec_networkpolicy;
extern const struct tb_schema tb_spec_stagedglobalnetworkpolicy;
extern const struct tb_schema tb_spec_stagednetworkpolicy;
extern const struct tb_schema tb_spec_stagedkubernetesnetworkpolicy;
extern const struct tb_schema tb_spec_kubernetesnetworkpolicy;
extern const struct tb_schema tb_spec_tier;
extern const struct tb_schema tb_spec_profile;
extern const struct tb_schema tb_spec_globalnetworkset;
extern const struct tb_schema tb_spec_networkset;
void tb_check_policy_doc(struct tb_vctx *c, json_t *doc);	/* tier prefix of the name, ... */

/* Infrastructure side (spec_endpoint*.c, spec_ipam*.c, spec_bgp*.c, spec_node*.c, spec_felix*.c,
 * spec_k8s_objects*.c). */
extern const struct tb_schema tb_spec_hostendpoint;
extern const struct tb_schema tb_spec_workloadendpoint;
extern const struct tb_schema tb_spec_ippool;
extern const struct tb_schema tb_spec_ipreservation;
extern const struct tb_schema tb_spec_ipamconfiguration;
extern const struct tb_schema tb_spec_bgpconfiguration;
extern const struct tb_schema tb_spec_bgppeer;
extern const struct tb_schema tb_spec_node;
extern const struct tb_schema tb_spec_felixconfiguration;
extern const struct tb_schema tb_spec_k8s_namespace;
extern const struct tb_schema tb_spec_k8s_pod;
extern const struct tb_schema tb_spec_k8s_serviceaccount;
void tb_check_infra_doc(struct tb_vctx *c, json_t *doc);	/* per-kind name rules, ... */

#endif
