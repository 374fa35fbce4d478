/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Moving a whole cluster's state between datastores (the library side of `tabbyctl datastore
 * migrate export|import`): every key under /calico/ and /tabby/, one JSON object per line,
 *
 *   {"key": "/calico/resources/v3/projectcalico.org/ippools/default", "value": "{...}"}
 *
 * sorted by key, the value as the exact stored text. Revisions are not carried over: they
 * belong to the store that made them.
 */
#ifndef TABBY_DATASTORE_MIGRATE_H
#define TABBY_DATASTORE_MIGRATE_H

#include <stdio.h>

#include "datastore.h"

/* Writes every key under the migrated prefixes to out. 0 or -errno. */
int tb_ds_export(struct tb_ds *ds, FILE *out);
/*
 * Reads an export from in and writes it to ds in transactions of at most 100 keys.
 * -EEXIST when ds already holds a key under /calico/ or /tabby/ (an import never merges two
 * clusters); -EINVAL (logged with the line number) for a line that is not an export line;
 * nothing is written unless the whole input reads cleanly.
 */
int tb_ds_import(struct tb_ds *ds, FILE *in);

#endif
