/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A string-keyed hash map with open addressing. Keys are copied; values are borrowed
 * pointers the caller owns. Iteration order is unspecified.
 */
#ifndef TABBY_HMAP_H
#define TABBY_HMAP_H

#include <stdbool.h>
#include <stddef.h>

struct tb_hmap_slot {
	char *key;	/* NULL: empty; TB_HMAP_TOMB: deleted */
	void *val;
	size_t hash;
};

struct tb_hmap {
	struct tb_hmap_slot *slots;
	size_t cap;	/* power of two */
	size_t n;	/* live entries */
	size_t used;	/* live + tombstones */
};

void tb_hmap_init(struct tb_hmap *m);
/* Frees the keys and the table, not the values. */
void tb_hmap_free(struct tb_hmap *m);
void *tb_hmap_get(const struct tb_hmap *m, const char *key);
bool tb_hmap_has(const struct tb_hmap *m, const char *key);
/* Inserts or replaces; *old (may be NULL) gets the replaced value. 0 or -ENOMEM. */
int tb_hmap_put(struct tb_hmap *m, const char *key, void *val, void **old);
/* Removes; returns the value or NULL. */
void *tb_hmap_del(struct tb_hmap *m, const char *key);

/* Iteration: for (size_t i = 0; tb_hmap_next(m, &i, &k, &v);) ... (no changes while iterating
 * except tb_hmap_del of the current key). */
bool tb_hmap_next(const struct tb_hmap *m, size_t *i, const char **key, void **val);

#endif
