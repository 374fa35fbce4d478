/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compact label set: key/value strings kept sorted by key (byte order) so a lookup is a
 * binary search. Strings live in one pool owned by the set, entries hold offsets into it, so a
 * set of n labels costs two allocations, not 2n.
 *
 * Inheritance without copying: a set may name a parent that is consulted when a key is absent
 * from the set itself. An endpoint's own labels therefore override its profiles' (or its
 * namespace's) labels, and a change to the parent is seen at once by every child. The parent
 * is borrowed: it must outlive the child, and chains must not loop.
 */
#ifndef TABBY_LABELS_H
#define TABBY_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct tb_label_ent {
	uint32_t koff;
	uint32_t klen;
	uint32_t voff;
	uint32_t vlen;
};

struct tb_labels {
	struct tb_label_ent *ents; /* sorted by key, unique */
	uint32_t n;
	uint32_t cap;
	char *pool;		   /* "key\0value\0" pairs; dead bytes are reclaimed on growth */
	uint32_t pool_len;
	uint32_t pool_cap;
	uint32_t pool_dead;
	const struct tb_labels *parent;
};

/* An empty set with no parent; also what tb_labels_free leaves behind. */
void tb_labels_init(struct tb_labels *l);
/* Frees what the set owns (never its parent) and re-initialises it. */
void tb_labels_free(struct tb_labels *l);

/*
 * Replaces the set's own labels with those of a JSON object of string values. NULL or JSON
 * null gives an empty set. Returns -EINVAL (set left empty) when obj is not an object or a
 * value is not a string, -ENOMEM on allocation failure. The parent is kept.
 */
int tb_labels_from_json(struct tb_labels *l, const json_t *obj);
/* The effective labels (parents included, own overriding) as a new JSON object; NULL+errno. */
json_t *tb_labels_to_json(const struct tb_labels *l);

/* Adds or overwrites one own label. Returns 0, -EINVAL (NULL or oversized) or -ENOMEM. */
int tb_labels_set(struct tb_labels *l, const char *key, const char *value);
int tb_labels_setn(struct tb_labels *l, const char *key, size_t klen, const char *value,
		   size_t vlen);
/* Removes an own label; returns 0 or -ENOENT. The parent's label, if any, shows through. */
int tb_labels_unset(struct tb_labels *l, const char *key);
/* Copies every own label of src into dst, overwriting (src's parent is not followed). */
int tb_labels_merge(struct tb_labels *dst, const struct tb_labels *src);
/* Deep copy of the own labels and the parent pointer into dst, which must own no memory. */
int tb_labels_copy(struct tb_labels *dst, const struct tb_labels *src);

static inline void tb_labels_set_parent(struct tb_labels *l, const struct tb_labels *parent)
{
	l->parent = parent;
}

/*
 * Looks a key up in the set, then in its parents. Returns the NUL-terminated value (valid until
 * the owning set changes) and its length in *vlen (may be NULL), or NULL when absent.
 */
const char *tb_labels_getn(const struct tb_labels *l, const char *key, size_t klen,
			   size_t *vlen);
const char *tb_labels_get(const struct tb_labels *l, const char *key);
/* Same, in the set's own labels only. */
const char *tb_labels_get_own(const struct tb_labels *l, const char *key);

/* Number of own labels. */
static inline size_t tb_labels_count(const struct tb_labels *l)
{
	return l->n;
}

/*
 * Calls cb for every effective label (own first, then each parent's labels not shadowed by a
 * closer set), own labels in key order. A non-zero return from cb stops the walk and is
 * returned.
 */
typedef int (*tb_labels_cb)(const char *key, const char *value, void *ctx);
int tb_labels_for_each(const struct tb_labels *l, tb_labels_cb cb, void *ctx);

/* True when both sets hold the same own labels (parents are not compared). */
bool tb_labels_equal(const struct tb_labels *a, const struct tb_labels *b);

#endif
