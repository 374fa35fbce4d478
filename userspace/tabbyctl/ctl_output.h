/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TABBYCTL_OUTPUT_H
#define TABBYCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "columns.h"

int ctl_print_table(const struct column *const *cols, bool ns_column, json_t *items);
int ctl_print_yaml(json_t *v);
int ctl_print_json(json_t *v);
void ctl_print_names(json_t *items);
json_t *ctl_make_list(const char *api_version, const char *kind, json_t *items, int64_t rev);
int strcmp_ptr(const char **a, const char **b);

#endif
