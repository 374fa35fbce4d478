/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation test helpers: documents written as JSON with ` in place of " (so tables of cases
 * read without escapes), validated through tb_resource_validate, errors searched by substring.
 */
#ifndef TABBY_TEST_VDOC_H
#define TABBY_TEST_VDOC_H

#include <stdbool.h>
#include <jansson.h>

#include "diag.h"

/* Parses JSON written with ` for ". New reference, or NULL on bad JSON. */
json_t *vdoc_json(const char *bq);
/*
 * Builds {apiVersion, kind, metadata: {name[, namespace]}, spec} (api NULL: Calico's; spec_bq
 * NULL: no spec) and validates it. *doc_out (if given) receives the validated document.
 * Returns tb_resource_validate's result, or -EBADMSG when spec_bq is no JSON.
 */
int vdoc_validate(const char *api, const char *kind, const char *name, const char *spec_bq,
		  json_t **doc_out, struct tb_diag *d);
/* True when one message contains needle. */
bool vdoc_has_error(const struct tb_diag *d, const char *needle);
/* All messages joined with " | " into a static buffer, for failure reports. */
const char *vdoc_errors(const struct tb_diag *d);

#endif
