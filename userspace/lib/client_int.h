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
int tb_client_delete_effects(struct tb_client *c, const struct tb_kind *k, const char *ns,
			     const char *name, struct tb_batch *b);

#endif
