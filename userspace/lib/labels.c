// SPDX-License-Identifier: Apache-2.0
/* Label sets: a sorted entry array over one string pool. See labels.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

/* Offsets are 32-bit; keep every string well below that so sums cannot wrap. */
#define TB_LABEL_MAX_LEN (1u << 24)

void tb_labels_init(struct tb_labels *l)
{
	memset(l, 0, sizeof(*l));
}

void tb_labels_free(struct tb_labels *l)
{
	free(l->ents);
	free(l->pool);
	tb_labels_init(l);
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Binary search of the own entries: true when found; *pos is the match or insertion point. */
static bool find(const struct tb_labels *l, const char *key, size_t klen, uint32_t *pos)
{
	uint32_t lo = 0, hi = l->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct tb_label_ent *e = &l->ents[mid];
		int c = key_cmp(l->pool + e->koff, e->klen, key, klen);

		if (c == 0) {
			*pos = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

/*
 * Makes room for need more pool bytes. Dead bytes (overwritten or removed strings) are
 * reclaimed by copying the live strings into a fresh pool, so a long-lived set that is
 * relabelled often does not grow without bound.
 */
static int pool_reserve(struct tb_labels *l, size_t need)
{
	size_t live = l->pool_len - l->pool_dead;
	size_t cap;
	char *np;
	uint32_t i, off = 0;

	if ((size_t)l->pool_len + need <= l->pool_cap)
		return 0;
	cap = (live + need) * 2;
	if (cap < 64)
		cap = 64;
	if (cap > UINT32_MAX)
		return -ENOMEM;
	np = malloc(cap);
	if (!np)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		struct tb_label_ent *e = &l->ents[i];

		memcpy(np + off, l->pool + e->koff, e->klen + 1);
		e->koff = off;
		off += e->klen + 1;
		memcpy(np + off, l->pool + e->voff, e->vlen + 1);
		e->voff = off;
		off += e->vlen + 1;
	}
	free(l->pool);
	l->pool = np;
	l->pool_cap = cap;
	l->pool_len = off;
	l->pool_dead = 0;
	return 0;
}

/* Appends a NUL-terminated copy of s; the caller reserved the room. */
static uint32_t pool_put(struct tb_labels *l, const char *s, size_t len)
{
	uint32_t off = l->pool_len;

	memcpy(l->pool + off, s, len);
	l->pool[off + len] = '\0';
	l->pool_len += len + 1;
	return off;
}

static int ents_reserve(struct tb_labels *l, size_t n)
{
	struct tb_label_ent *ne;
	size_t cap;

	if (n <= l->cap)
		return 0;
	cap = l->cap ? (size_t)l->cap * 2 : 8;
	if (cap < n)
		cap = n;
	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	ne = realloc(l->ents, cap * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	l->ents = ne;
	l->cap = cap;
	return 0;
}

int tb_labels_setn(struct tb_labels *l, const char *key, size_t klen, const char *value,
		   size_t vlen)
{
	struct tb_label_ent *e;
	uint32_t pos;
	int err;

	if (!l || !key || !value || klen > TB_LABEL_MAX_LEN || vlen > TB_LABEL_MAX_LEN)
		return -EINVAL;
	if (find(l, key, klen, &pos)) {
		e = &l->ents[pos];
		if (e->vlen == vlen && !memcmp(l->pool + e->voff, value, vlen))
			return 0;
		/* Reserve first: a compaction moves the strings, so re-read e afterwards. */
		err = pool_reserve(l, vlen + 1);
		if (err)
			return err;
		e = &l->ents[pos];
		l->pool_dead += e->vlen + 1;
		e->voff = pool_put(l, value, vlen);
		e->vlen = vlen;
		return 0;
	}
	err = ents_reserve(l, (size_t)l->n + 1);
	if (err)
		return err;
	err = pool_reserve(l, klen + vlen + 2);
	if (err)
		return err;
	memmove(&l->ents[pos + 1], &l->ents[pos], (l->n - pos) * sizeof(*l->ents));
	e = &l->ents[pos];
	e->koff = pool_put(l, key, klen);
	e->klen = klen;
	e->voff = pool_put(l, value, vlen);
	e->vlen = vlen;
	l->n++;
	return 0;
}

int tb_labels_set(struct tb_labels *l, const char *key, const char *value)
{
	if (!key || !value)
		return -EINVAL;
	return tb_labels_setn(l, key, strlen(key), value, strlen(value));
}

int tb_labels_unset(struct tb_labels *l, const char *key)
{
	struct tb_label_ent *e;
	uint32_t pos;

	if (!find(l, key, strlen(key), &pos))
		return -ENOENT;
	e = &l->ents[pos];
	l->pool_dead += e->klen + e->vlen + 2;
	memmove(e, e + 1, (l->n - pos - 1) * sizeof(*e));
	l->n--;
	return 0;
}

int tb_labels_merge(struct tb_labels *dst, const struct tb_labels *src)
{
	uint32_t i;
	int err;

	for (i = 0; i < src->n; i++) {
		const struct tb_label_ent *e = &src->ents[i];

		err = tb_labels_setn(dst, src->pool + e->koff, e->klen, src->pool + e->voff,
				     e->vlen);
		if (err)
			return err;
	}
	return 0;
}

int tb_labels_copy(struct tb_labels *dst, const struct tb_labels *src)
{
	struct tb_labels tmp;
	int err;

	tb_labels_init(&tmp);
	tmp.parent = src->parent;
	err = tb_labels_merge(&tmp, src);
	if (err) {
		tb_labels_free(&tmp);
		return err;
	}
	*dst = tmp;
	return 0;
}

const char *tb_labels_getn(const struct tb_labels *l, const char *key, size_t klen,
			   size_t *vlen)
{
	uint32_t pos;

	for (; l; l = l->parent) {
		if (find(l, key, klen, &pos)) {
			const struct tb_label_ent *e = &l->ents[pos];

			if (vlen)
				*vlen = e->vlen;
			return l->pool + e->voff;
		}
	}
	return NULL;
}

const char *tb_labels_get(const struct tb_labels *l, const char *key)
{
	return tb_labels_getn(l, key, strlen(key), NULL);
}

const char *tb_labels_get_own(const struct tb_labels *l, const char *key)
{
	uint32_t pos;

	if (!find(l, key, strlen(key), &pos))
		return NULL;
	return l->pool + l->ents[pos].voff;
}

/* True when a set closer to the start of the chain than upto already has the key. */
static bool shadowed(const struct tb_labels *l, const struct tb_labels *upto, const char *key,
		     size_t klen)
{
	uint32_t pos;

	for (; l && l != upto; l = l->parent)
		if (find(l, key, klen, &pos))
			return true;
	return false;
}

int tb_labels_for_each(const struct tb_labels *l, tb_labels_cb cb, void *ctx)
{
	const struct tb_labels *s;
	uint32_t i;
	int ret;

	for (s = l; s; s = s->parent) {
		for (i = 0; i < s->n; i++) {
			const struct tb_label_ent *e = &s->ents[i];
			const char *k = s->pool + e->koff;

			if (s != l && shadowed(l, s, k, e->klen))
				continue;
			ret = cb(k, s->pool + e->voff, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

bool tb_labels_equal(const struct tb_labels *a, const struct tb_labels *b)
{
	uint32_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const struct tb_label_ent *x = &a->ents[i], *y = &b->ents[i];

		if (x->klen != y->klen || x->vlen != y->vlen ||
		    memcmp(a->pool + x->koff, b->pool + y->koff, x->klen) ||
		    memcmp(a->pool + x->voff, b->pool + y->voff, x->vlen))
			return false;
	}
	return true;
}
