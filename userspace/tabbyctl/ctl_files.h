/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TABBYCTL_FILES_H
#define TABBYCTL_FILES_H

#include "ctl.h"
#include "diag.h"
#include "manifest.h"
#include "resource.h"

/* Every document of every -f argument, in order; problems go to diag. */
int ctl_read_manifests(struct ctl_args *a, struct tb_doc_list *out, struct tb_diag *diag);
/* -n: fills an absent namespace, refuses a different one. */
int ctl_apply_namespace(struct ctl_args *a, struct tb_doc_list *docs, struct tb_diag *diag);
void ctl_print_diag(const struct tb_diag *d);

#endif
