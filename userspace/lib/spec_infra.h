/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the infrastructure kinds (spec_endpoint.c, spec_ipam.c, spec_bgp.c, spec_node.c,
 * spec_felix*.c, spec_k8s_objects.c, spec_infra.c): value checks that only these kinds need
 * (interface names, MACs, case-insensitive enumerations, ...) and the whole-document rules each
 * kind file exports to the dispatcher tb_check_infra_doc. Checks every kind shares (addresses,
 * ports, protocols, selectors, durations, AS numbers) are in validators.h.
 */
#ifndef TABBY_SPEC_INFRA_H
#define TABBY_SPEC_INFRA_H

#include <stdbool.h>
#include <jansson.h>

#include "schema.h"

/* Linux interface names as Calico accepts them: 1-15 of [a-zA-Z0-9_.-]. */
bool tb_infra_valid_ifname(const char *s);

/* Interface name or "*" (all interfaces of a host endpoint). */
void tb_icheck_ifname_or_star(struct tb_vctx *c, json_t *v);
/* Interface name, no wildcard. */
void tb_icheck_ifname(struct tb_vctx *c, json_t *v);
/* BGPConfiguration ignoredInterfaces: names with '*' wildcards, but not "*" alone. */
void tb_icheck_ignored_iface(struct tb_vctx *c, json_t *v);
/* Felix interface filters, where '+' is iptables' wildcard ("docker+"). */
void tb_icheck_iface_filter(struct tb_vctx *c, json_t *v);
/* A 48-bit MAC written as Go's net.ParseMAC takes it ("ee:ee:ee:ee:ee:ee", '-' also). */
void tb_icheck_mac(struct tb_vctx *c, json_t *v);
/* A container ID: [a-zA-Z0-9] with inner '-'. */
void tb_icheck_container_id(struct tb_vctx *c, json_t *v);
/* A regular expression in Go's RE2 syntax, checked as POSIX extended once RE2-only forms are
 * rewritten. */
void tb_icheck_regexp(struct tb_vctx *c, json_t *v);
/* A Kubernetes port name (IANA service name), as Calico's portName requires. */
void tb_icheck_port_name(struct tb_vctx *c, json_t *v);
/* A Calico protocol that carries ports: TCP, UDP, SCTP or their numbers. */
void tb_icheck_port_protocol(struct tb_vctx *c, json_t *v);
/* Integers >= 0, and 0-4294967295 (marks, uint32 settings). */
void tb_icheck_nonneg(struct tb_vctx *c, json_t *v);
void tb_icheck_uint32(struct tb_vctx *c, json_t *v);
/* A DSCP value: 0-63, or a name such as EF, AF11, CS1 (any case). */
void tb_icheck_dscp(struct tb_vctx *c, json_t *v);
/* A WireGuard public key: base64 of 32 bytes. */
void tb_icheck_wg_key(struct tb_vctx *c, json_t *v);

/*
 * Case-insensitive choice among allowed (NULL-terminated); the empty string is accepted, as
 * Calico's `^(?i)(A|B)?$` patterns accept it.
 */
void tb_icheck_ci_enum(struct tb_vctx *c, json_t *v, const char *const *allowed);

/* Calico's BGPPassword: {secretKeyRef: {name, key, optional}}. */
extern const struct tb_schema tb_infra_bgp_password;

/*
 * FelixConfiguration's parts (spec_felix_types.c), used by its field table (spec_felix.c):
 * sub-objects, the checks of settings with their own formats, and the cross-field rules.
 */
extern const struct tb_schema tb_felix_proto_port;
extern const struct tb_schema tb_felix_health_override;
extern const struct tb_schema tb_felix_route_table_range;
extern const struct tb_schema tb_felix_route_table_id_range;
extern const struct tb_schema tb_felix_ct_timeouts;
void tb_felix_check_spec(struct tb_vctx *c, json_t *spec);
void tb_fcheck_duration(struct tb_vctx *c, json_t *v);		/* a Go duration >= 0 */
void tb_fcheck_severity(struct tb_vctx *c, json_t *v);		/* Trace ... Fatal, any case */
void tb_fcheck_iptables_backend(struct tb_vctx *c, json_t *v);
void tb_fcheck_chain_insert(struct tb_vctx *c, json_t *v);
void tb_fcheck_endpoint_to_host(struct tb_vctx *c, json_t *v);
void tb_fcheck_allow_action(struct tb_vctx *c, json_t *v);	/* Accept, Return */
void tb_fcheck_deny_action(struct tb_vctx *c, json_t *v);	/* Drop, Reject */
void tb_fcheck_bpf_log_level(struct tb_vctx *c, json_t *v);
void tb_fcheck_ext_service_mode(struct tb_vctx *c, json_t *v);
void tb_fcheck_ct_scaling(struct tb_vctx *c, json_t *v);
void tb_fcheck_rpf(struct tb_vctx *c, json_t *v);
void tb_fcheck_route_source(struct tb_vctx *c, json_t *v);
void tb_fcheck_kv_list(struct tb_vctx *c, json_t *v);		/* "k=v,k2=v2" */
void tb_fcheck_log_prefix(struct tb_vctx *c, json_t *v);
void tb_fcheck_rate_limit(struct tb_vctx *c, json_t *v);	/* "N/second|minute|hour|day" */
void tb_fcheck_metrics_host(struct tb_vctx *c, json_t *v);
void tb_fcheck_port0(struct tb_vctx *c, json_t *v);		/* 0-65535 */
void tb_fcheck_port1(struct tb_vctx *c, json_t *v);		/* 1-65535 */
void tb_fcheck_burst(struct tb_vctx *c, json_t *v);		/* 0-9999 */
void tb_fcheck_positive(struct tb_vctx *c, json_t *v);		/* >= 1 */
void tb_fcheck_minus_one(struct tb_vctx *c, json_t *v);	/* >= -1 (Go runtime knobs) */
void tb_fcheck_route_priority(struct tb_vctx *c, json_t *v);	/* 1-2147483646 */
void tb_fcheck_wg_rule_priority(struct tb_vctx *c, json_t *v);	/* 1-32765 */
void tb_fcheck_maglev(struct tb_vctx *c, json_t *v);		/* 1-3000 */
void tb_fcheck_ipv4_cidr(struct tb_vctx *c, json_t *v);	/* IPv4 CIDR or address */
void tb_fcheck_bpf_log_filters(struct tb_vctx *c, json_t *v);	/* keys are interface names */

/* Whole-document rules, one per kind (spec_infra.c dispatches on the kind). */
void tb_check_wep_doc(struct tb_vctx *c, json_t *doc);
void tb_check_ipamconfig_doc(struct tb_vctx *c, json_t *doc);
void tb_check_bgpconfig_doc(struct tb_vctx *c, json_t *doc);
void tb_check_node_doc(struct tb_vctx *c, json_t *doc);
void tb_check_felix_doc(struct tb_vctx *c, json_t *doc);
void tb_check_pod_doc(struct tb_vctx *c, json_t *doc);
void tb_check_namespace_doc(struct tb_vctx *c, json_t *doc);
void tb_check_serviceaccount_doc(struct tb_vctx *c, json_t *doc);

/* Validates doc's top-level field `name` (if present) against s, with the path "<name>". */
void tb_infra_check_top(struct tb_vctx *c, json_t *doc, const char *name,
			const struct tb_schema *s);

#endif
