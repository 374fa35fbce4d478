/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource client: calicoctl's semantics over the datastore, shared by tabbyctl, the CNI
 * plugin and tests. A manifest is validated whole and written in one transaction, so an
 * apply either writes every document or nothing. Stored values are the documents without
 * resourceVersion: the key's mod revision is the resource version, added when read back.
 *
 * Orchestrator side effects happen in the same transaction as the write that causes them:
 * a Pod updates its WorkloadEndpoints' labels and named ports; a Namespace writes its
 * `kns.<ns>` Profile, a ServiceAccount its `ksa.<ns>.<name>` Profile (as kube-controllers
 * does in Calico).
 */
#ifndef TABBY_CLIENT_H
#define TABBY_CLIENT_H

#include <stdbool.h>
#include <jansson.h>

#include "datastore.h"
#include "diag.h"
#include "manifest.h"
#include "resource.h"

struct tb_client {
	struct tb_ds *ds;
};

int tb_client_open(const struct tb_ds_config *cfg, struct tb_client **out);
void tb_client_close(struct tb_client *c);

enum tb_write_mode {
	TB_WRITE_APPLY,		/* create or update */
	TB_WRITE_CREATE,	/* fail if any exists (unless skip_exists) */
	TB_WRITE_REPLACE,	/* fail if any is absent */
};

struct tb_write_opts {
	enum tb_write_mode mode;
	bool skip_exists;	/* create: leave existing objects alone, not an error */
};

/*
 * Validates every document (messages prefixed "<file>: document N (<Kind> <name>)"), then
 * writes them all in one transaction. Returns 0, -EINVAL (validation, or a check against the
 * stored state refused a document: a policy's tier is missing, a policy is too big for the
 * dataplane, an IPPool overlaps another or would strand addresses; nothing written),
 * -EEXIST / -ENOENT (create/replace preconditions, reported per document), -ECANCELED
 * (a resourceVersion given in a document is not current) or a datastore error.
 * *written counts the objects written.
 */
int tb_client_write(struct tb_client *c, struct tb_doc_list *docs, const struct tb_write_opts *o,
		    struct tb_diag *diag, int *written);
/* Validates documents only (tabbyctl validate). */
int tb_client_validate(struct tb_doc_list *docs, const struct tb_kind **kinds,
		       struct tb_diag *diag);

/* One object with metadata.resourceVersion, or -ENOENT. */
int tb_client_get(struct tb_client *c, const struct tb_kind *k, const char *ns, const char *name,
		  json_t **out);
/*
 * Every object of a kind, sorted by namespace then name (ns NULL: all namespaces). For
 * Calico NetworkPolicy the list includes the read-only conversions of Kubernetes
 * NetworkPolicies (knp.default.<name>). *items is a new JSON array; *rev the store revision.
 */
int tb_client_list(struct tb_client *c, const struct tb_kind *k, const char *ns, json_t **items,
		   int64_t *rev);
/*
 * Deletes one object. -ENOENT if absent, -EPERM for converted (read-only) objects and for
 * the default Tier or a Tier that still has policies (reason in diag). A
 * resourceVersion ("" for none) makes it conditional (-ECANCELED when not current).
 */
int tb_client_delete(struct tb_client *c, const struct tb_kind *k, const char *ns,
		     const char *name, const char *resource_version, struct tb_diag *diag);
/* Stores an object already validated (the caller's metadata wins), with side effects. */
int tb_client_put(struct tb_client *c, const struct tb_kind *k, json_t *doc, int64_t expect_rev);

/* Prefix of converted Kubernetes NetworkPolicies' names. */
#define TB_KNP_PREFIX "knp.default."

#endif
