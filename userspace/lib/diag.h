/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics: a growing list of error messages, so that a validation reports every problem
 * of an input, one per line, instead of stopping at the first. Each message says where
 * (file, document, field path) and what.
 */
#ifndef TABBY_DIAG_H
#define TABBY_DIAG_H

#include <stdio.h>
#include <stddef.h>

struct tb_diag {
	char **msgs;
	size_t n;
	size_t cap;
	/* Prefix put before each message added, e.g. "policy.yaml: document 2 (GlobalNetworkPolicy x)" */
	char *prefix;
};

void tb_diag_init(struct tb_diag *d);
void tb_diag_free(struct tb_diag *d);
/* Sets the prefix for following messages (copied; NULL clears). */
void tb_diag_set_prefix(struct tb_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "<prefix>: <message>". Out of memory is swallowed: diagnostics never fail. */
void tb_diag_add(struct tb_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tb_diag_print(const struct tb_diag *d, FILE *f);
static inline int tb_diag_failed(const struct tb_diag *d)
{
	return d->n != 0;
}

#endif
