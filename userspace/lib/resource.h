/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource model: every kind tabby stores (Calico's projectcalico.org/v3 kinds, the
 * Kubernetes objects it takes as the orchestrator's view), their names on the command line,
 * their datastore keys, and validation of a whole document (apiVersion, kind, metadata, spec)
 * against the kind's schema. Resources stay JSON trees (jansson): the model is the schema.
 */
#ifndef TABBY_RESOURCE_H
#define TABBY_RESOURCE_H

#include <stdbool.h>
#include <jansson.h>

#include "diag.h"
#include "schema.h"

#define TB_API_CALICO "projectcalico.org/v3"
#define TB_KEY_CALICO "/calico/resources/v3/projectcalico.org/"
#define TB_KEY_K8S "/tabby/kubernetes/"

/* Kind flags. */
#define TB_KIND_NAMESPACED (1u << 0)
#define TB_KIND_READONLY (1u << 1)	/* derived (converted) resources: shown, never written */
#define TB_KIND_K8S (1u << 2)		/* a Kubernetes object, stored under TB_KEY_K8S */
#define TB_KIND_STAGED (1u << 3)	/* stored and shown, never enforced */
/* Fields beside metadata that are not spec (ServiceAccount's secrets, ...): the kind's check
 * validates them. */
#define TB_KIND_OWN_TOP (1u << 4)

struct tb_kind {
	const char *kind;		/* "GlobalNetworkPolicy" */
	const char *plural;		/* key segment: "globalnetworkpolicies" */
	const char *api_version;	/* the apiVersion documents carry */
	const char *const *aliases;	/* other names on the command line, lowercase */
	unsigned flags;
	const struct tb_schema *spec;	/* NULL: the kind has no spec */
	/* Extra whole-document rules (name form, cross-field rules spanning metadata and spec). */
	tb_check_fn check;
	/* The datastore key prefix for this kind: TB_KEY_CALICO or TB_KEY_K8S. */
	const char *key_root;
	/* The kind whose objects this read-only kind is derived from (e.g. converted k8s policy). */
	const char *derived_from;
};

/* NULL-terminated list of every kind. */
extern const struct tb_kind *const tb_kinds[];

/* By kind name, plural or alias, case-insensitive ("gnp", "GlobalNetworkPolicy", ...). */
const struct tb_kind *tb_kind_find(const char *name);
/* By a document's apiVersion and kind; NULL if unknown. */
const struct tb_kind *tb_kind_for(const char *api_version, const char *kind);
static inline bool tb_kind_namespaced(const struct tb_kind *k)
{
	return k->flags & TB_KIND_NAMESPACED;
}

/* Datastore key of one object, and the prefix listing all (ns NULL: all namespaces). */
int tb_resource_key(const struct tb_kind *k, const char *ns, const char *name, char **out);
int tb_resource_prefix(const struct tb_kind *k, const char *ns, char **out);
/* Parses a key back: kind, namespace (NULL if global) and name, all malloc'd. */
int tb_resource_parse_key(const char *key, const struct tb_kind **k, char **ns, char **name);

/*
 * Validates a whole document in place: apiVersion and kind, metadata (name form, namespace
 * rules with "default" filled in for namespaced kinds, labels, annotations), the spec against
 * the kind's schema with defaults filled in, and the kind's extra rules. Every problem goes to
 * diag as "<field path>: <what is wrong>". Returns 0 when valid, -EINVAL otherwise.
 */
int tb_resource_validate(json_t *doc, const struct tb_kind **kind_out, struct tb_diag *diag);

/* Accessors for a validated document. */
const char *tb_res_name(json_t *doc);
const char *tb_res_namespace(json_t *doc);	/* NULL for global kinds */
json_t *tb_res_labels(json_t *doc);		/* NULL if none */

/* Name checks shared by kinds: DNS-1123 subdomain / label, Kubernetes label keys and values. */
bool tb_valid_dns_subdomain(const char *s);
bool tb_valid_dns_label(const char *s);
bool tb_valid_label_key(const char *s);
bool tb_valid_label_value(const char *s);

#endif
