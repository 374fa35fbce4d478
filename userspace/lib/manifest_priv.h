/* SPDX-License-Identifier: Apache-2.0 */
/* Between the manifest front end (manifest.c) and its JSON reader (manifest_json.c). */
#ifndef TABBY_MANIFEST_PRIV_H
#define TABBY_MANIFEST_PRIV_H

#include <stdbool.h>
#include <jansson.h>

#include "diag.h"

/* True when the first non-blank character is '{' or '[' (after a UTF-8 BOM). */
bool tb_manifest_looks_json(const char *buf, size_t len);
/* A stream of concatenated JSON values into a JSON array, one element per value. */
int tb_manifest_load_json(const char *buf, size_t len, const char *name, json_t **docs,
			  struct tb_diag *diag);

#endif
