/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A transaction being assembled: datastore operations with owned keys and values. A key
 * written twice keeps the first expected revision and the last value, because a transaction
 * may name each key once.
 */
#ifndef TABBY_CLIENT_BATCH_H
#define TABBY_CLIENT_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "datastore.h"

struct tb_batch {
	struct tb_txn_op *ops;
	size_t n;
	size_t cap;
};

void tb_batch_init(struct tb_batch *b);
void tb_batch_free(struct tb_batch *b);
/* Takes ownership of key and value (value NULL for a delete) even on failure. */
int tb_batch_add(struct tb_batch *b, enum tb_txn_op_type type, char *key, char *value,
		 int64_t expect_rev);
/* The operation on key, or NULL. */
struct tb_txn_op *tb_batch_find(struct tb_batch *b, const char *key);
int tb_batch_commit(struct tb_batch *b, struct tb_ds *ds, int64_t *rev);

#endif
