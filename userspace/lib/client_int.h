/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the client's files. */
#ifndef TABBY_CLIENT_INT_H
#define TABBY_CLIENT_INT_H

#include "client.h"
#include "client_batch.h"

/* "<file>: document N (<Kind> [ns/]name)" */
void tb_client_describe(const struct tb_doc *doc, char *buf, size_t len);
bool tb_client_readonly_name(const struct tb_kind *k, const char *name);
/* The value stored for a validated document (cur: the stored object, or NULL). */
json_t *tb_client_stored_doc(const struct tb_kind *k, json_t *doc, json_t *cur);
int tb_client_read(struct tb_client *c, const char *key, json_t **val, int64_t *rev);
/* Adds the orchestrator side effects of writing (doc != NULL) or deleting (doc == NULL,
 * ns/name given) an object of kind k. */
int tb_client_side_effects(struct tb_client *c, const struct tb_kind *k, json_t *doc,
			   struct tb_batch *b);
/* The manifest being written, for checks that look at its other documents. */
struct tb_write_set {
	struct tb_doc_list *docs;
	const struct tb_kind **kinds;
};

/*
 * Apply-time checks that need the datastore (client_checks.c), on document i before it is
 * staged (cur: its stored object, or NULL): -EINVAL with "<where>: <why>" in diag when it
 * must not be written. Before a delete: -EPERM with the reason in diag.
 */
int tb_client_check_write(struct tb_client *c, const struct tb_write_set *ws, size_t i,
			  json_t *cur, const char *where, struct tb_diag *diag);
int tb_client_check_delete(struct tb_client *c, const struct tb_kind *k, const char *name,
			   struct tb_diag *diag);
int tb_client_delete_effects(struct tb_client *c, const struct tb_kind *k, const char *ns,
			     const char *name, struct tb_batch *b);

#endif
