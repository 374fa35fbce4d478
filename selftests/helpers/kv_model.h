/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A client's model of a key prefix, kept as a resyncing watcher keeps it: start from a list,
 * apply each watch event, then compare with a fresh list of the store. The watch suites use
 * it to prove that list + watch ends in exactly the store's state.
 */
#ifndef TABBY_SELFTESTS_KV_MODEL_H
#define TABBY_SELFTESTS_KV_MODEL_H

#include <stdbool.h>

#include "datastore.h"

/* Applies a put or delete to the model (its items stop being sorted by key). 0, -ENOENT for
 * a delete of a key the model lacks, or -ENOMEM. */
int kv_model_apply(struct tb_kv_list *m, const struct tb_ds_event *ev);
/* Whether the model holds exactly truth's keys, with the same values and mod revisions. */
bool kv_model_equals(const struct tb_kv_list *m, const struct tb_kv_list *truth);

#endif
