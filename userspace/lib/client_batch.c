// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client_batch.h"

void tb_batch_init(struct tb_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void tb_batch_free(struct tb_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free((char *)b->ops[i].key);
		free((char *)b->ops[i].value);
	}
	free(b->ops);
	memset(b, 0, sizeof(*b));
}

struct tb_txn_op *tb_batch_find(struct tb_batch *b, const char *key)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->ops[i].key, key))
			return &b->ops[i];
	return NULL;
}

int tb_batch_add(struct tb_batch *b, enum tb_txn_op_type type, char *key, char *value,
		 int64_t expect_rev)
{
	struct tb_txn_op *op = key ? tb_batch_find(b, key) : NULL;

	if (!key || (type == TB_TXN_PUT && !value))
		goto nomem;
	if (op) {
		free(key);
		free((char *)op->value);
		op->type = type;
		op->value = value;
		return 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct tb_txn_op *ops = realloc(b->ops, cap * sizeof(*ops));

		if (!ops)
			goto nomem;
		b->ops = ops;
		b->cap = cap;
	}
	b->ops[b->n++] = (struct tb_txn_op){
		.type = type, .key = key, .value = value, .expect_rev = expect_rev,
	};
	return 0;
nomem:
	free(key);
	free(value);
	return -ENOMEM;
}

int tb_batch_commit(struct tb_batch *b, struct tb_ds *ds, int64_t *rev)
{
	if (!b->n)
		return 0;
	return tb_ds_txn(ds, b->ops, b->n, rev);
}
