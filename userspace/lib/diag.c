// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void tb_diag_init(struct tb_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void tb_diag_free(struct tb_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	free(d->prefix);
	memset(d, 0, sizeof(*d));
}

void tb_diag_set_prefix(struct tb_diag *d, const char *fmt, ...)
{
	va_list ap;

	free(d->prefix);
	d->prefix = NULL;
	if (!fmt)
		return;
	va_start(ap, fmt);
	if (vasprintf(&d->prefix, fmt, ap) < 0)
		d->prefix = NULL;
	va_end(ap);
}

void tb_diag_add(struct tb_diag *d, const char *fmt, ...)
{
	char *body, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	va_end(ap);
	if (!body)
		return;
	if (d->prefix) {
		if (asprintf(&msg, "%s: %s", d->prefix, body) < 0)
			msg = NULL;
		free(body);
	} else {
		msg = body;
	}
	if (!msg)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **m = realloc(d->msgs, cap * sizeof(*m));

		if (!m) {
			free(msg);
			return;
		}
		d->msgs = m;
		d->cap = cap;
	}
	d->msgs[d->n++] = msg;
}

void tb_diag_print(const struct tb_diag *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msgs[i]);
}
