/* SPDX-License-Identifier: Apache-2.0 */
/* The table columns `tabbyctl get` prints for each kind (calicoctl's headings). */
#ifndef TABBYCTL_COLUMNS_H
#define TABBYCTL_COLUMNS_H

#include <stdbool.h>
#include <jansson.h>

enum col_fmt {
	COL_STR,	/* scalar as printed; absent: empty */
	COL_NIL,	/* absent prints "<nil>" (an unset pointer in calicoctl) */
	COL_DASH,	/* absent prints "-" */
	COL_NEVER,	/* absent prints "Never" */
	COL_FALSE,	/* absent prints "false" */
	COL_JOIN,	/* list joined with "," */
	COL_JOIN80,	/* list joined with ",", cut to 80 characters */
	COL_MAPJOIN,	/* map as sorted k=v pairs joined with "," */
	COL_FN,		/* computed by fn */
};

struct column {
	const char *heading;
	const char *path;	/* dotted path from the document root, e.g. "spec.cidr" */
	enum col_fmt fmt;
	char *(*fn)(json_t *doc);
};

struct kind_columns {
	const char *kind;
	const struct column *const *ps;		/* NULL-terminated */
	const struct column *const *wide;
	bool namespaced_column;			/* NAMESPACE is prepended with -n/-A */
};

const struct kind_columns *columns_for(const char *kind);
/* The cell text (malloc'd). */
char *column_cell(const struct column *col, json_t *doc);

#endif
