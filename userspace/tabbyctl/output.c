// SPDX-License-Identifier: Apache-2.0
/* Printing resources: tables as calicoctl lays them out, YAML, JSON and names. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_output.h"
#include "manifest.h"

#define MIN_WIDTH 5
#define PADDING 3

/* Cells are padded to the column's width plus 3, the last one too, as Go's tabwriter does. */
static void print_row(char **cells, const size_t *width, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++)
		printf("%-*s", (int)width[c], cells[c] ? cells[c] : "");
	printf("\n");
}

static const struct column ns_col = { "NAMESPACE", "metadata.namespace", COL_STR };

int ctl_print_table(const struct column *const *cols, bool ns_column, json_t *items)
{
	const struct column *all[32];
	size_t ncols = 0, nrows = json_array_size(items) + 1, width[32];
	char ***cells = calloc(nrows, sizeof(char **));

	if (!cells)
		return -1;
	if (ns_column)
		all[ncols++] = &ns_col;
	for (size_t i = 0; cols[i] && ncols < 32; i++)
		all[ncols++] = cols[i];
	for (size_t r = 0; r < nrows; r++) {
		cells[r] = calloc(ncols, sizeof(char *));
		for (size_t c = 0; cells[r] && c < ncols; c++)
			cells[r][c] = r ? column_cell(all[c], json_array_get(items, r - 1))
					: strdup(all[c]->heading);
	}
	for (size_t c = 0; c < ncols; c++) {
		width[c] = MIN_WIDTH;
		for (size_t r = 0; r < nrows; r++) {
			size_t w = cells[r] && cells[r][c] ? strlen(cells[r][c]) + PADDING : 0;

			width[c] = w > width[c] ? w : width[c];
		}
	}
	for (size_t r = 0; r < nrows; r++) {
		if (cells[r])
			print_row(cells[r], width, ncols);
		for (size_t c = 0; cells[r] && c < ncols; c++)
			free(cells[r][c]);
		free(cells[r]);
	}
	free(cells);
	printf("\n");
	return 0;
}

/* A copy with every object's keys in byte order, the order calicoctl's YAML has. */
static json_t *sorted(json_t *v)
{
	if (json_is_object(v)) {
		size_t n = json_object_size(v), i = 0;
		const char **keys = calloc(n + 1, sizeof(*keys));
		json_t *out = json_object(), *e;
		const char *k;

		json_object_foreach(v, k, e)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), (int (*)(const void *, const void *))strcmp_ptr);
		for (i = 0; i < n; i++)
			json_object_set_new(out, keys[i], sorted(json_object_get(v, keys[i])));
		free(keys);
		return out;
	}
	if (json_is_array(v)) {
		json_t *out = json_array(), *e;
		size_t i;

		json_array_foreach(v, i, e)
			json_array_append_new(out, sorted(e));
		return out;
	}
	return json_incref(v);
}

int strcmp_ptr(const char **a, const char **b)
{
	return strcmp(*a, *b);
}

int ctl_print_yaml(json_t *v)
{
	json_t *s = sorted(v);
	int r = tb_yaml_dump(s, stdout);

	json_decref(s);
	return r;
}

int ctl_print_json(json_t *v)
{
	return tb_json_dump(v, stdout);
}

void ctl_print_names(json_t *items)
{
	size_t i;
	json_t *e;

	json_array_foreach(items, i, e) {
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const char *name = json_string_value(json_object_get(json_object_get(e, "metadata"), "name"));
		char lower[64];
		size_t j;

		for (j = 0; kind && kind[j] && j < sizeof(lower) - 1; j++)
			lower[j] = tolower((unsigned char)kind[j]);
		lower[j] = '\0';
		printf("%s/%s\n", lower, name ? name : "");
	}
}

/* The <Kind>List calicoctl prints for a listing, with the store's revision. */
json_t *ctl_make_list(const char *api_version, const char *kind, json_t *items, int64_t rev)
{
	char lk[96], rv[24];

	snprintf(lk, sizeof(lk), "%sList", kind);
	snprintf(rv, sizeof(rv), "%lld", (long long)rev);
	return json_pack("{s:s, s:s, s:{s:s}, s:O}", "kind", lk, "apiVersion", api_version, "metadata",
			 "resourceVersion", rv, "items", items);
}
