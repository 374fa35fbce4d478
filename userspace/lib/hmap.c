// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

static char tomb;
#define TOMB (&tomb)

/* FNV-1a: short keys, good enough spread, no dependencies. */
static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

void tb_hmap_init(struct tb_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void tb_hmap_free(struct tb_hmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMB)
			free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct tb_hmap_slot *find(const struct tb_hmap *m, const char *key, size_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
		struct tb_hmap_slot *s = &m->slots[i];

		if (!s->key)
			return NULL;
		if (s->key != TOMB && s->hash == h && !strcmp(s->key, key))
			return s;
	}
	return NULL;
}

static int grow(struct tb_hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct tb_hmap_slot *slots, *old = m->slots;
	size_t oldcap = m->cap;

	/* Mostly tombstones: rehash in place size. */
	if (m->n * 4 < m->cap)
		cap = m->cap;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	m->slots = slots;
	m->cap = cap;
	m->used = m->n;
	for (size_t i = 0; i < oldcap; i++) {
		struct tb_hmap_slot *s = &old[i];
		size_t j;

		if (!s->key || s->key == TOMB)
			continue;
		for (j = s->hash & (cap - 1); slots[j].key; j = (j + 1) & (cap - 1))
			;
		slots[j] = *s;
	}
	free(old);
	return 0;
}

void *tb_hmap_get(const struct tb_hmap *m, const char *key)
{
	struct tb_hmap_slot *s = find(m, key, hash_str(key));

	return s ? s->val : NULL;
}

bool tb_hmap_has(const struct tb_hmap *m, const char *key)
{
	return find(m, key, hash_str(key)) != NULL;
}

int tb_hmap_put(struct tb_hmap *m, const char *key, void *val, void **old)
{
	size_t h = hash_str(key), i;
	struct tb_hmap_slot *s = find(m, key, h);
	char *k;

	if (s) {
		if (old)
			*old = s->val;
		s->val = val;
		return 0;
	}
	if (old)
		*old = NULL;
	if ((m->used + 1) * 4 >= m->cap * 3 && grow(m))
		return -ENOMEM;
	k = strdup(key);
	if (!k)
		return -ENOMEM;
	for (i = h & (m->cap - 1); m->slots[i].key && m->slots[i].key != TOMB; i = (i + 1) & (m->cap - 1))
		;
	if (!m->slots[i].key)
		m->used++;
	m->slots[i] = (struct tb_hmap_slot){ k, val, h };
	m->n++;
	return 0;
}

void *tb_hmap_del(struct tb_hmap *m, const char *key)
{
	struct tb_hmap_slot *s = find(m, key, hash_str(key));
	void *v;

	if (!s)
		return NULL;
	v = s->val;
	free(s->key);
	s->key = TOMB;
	s->val = NULL;
	m->n--;
	return v;
}

bool tb_hmap_next(const struct tb_hmap *m, size_t *i, const char **key, void **val)
{
	for (; *i < m->cap; (*i)++) {
		struct tb_hmap_slot *s = &m->slots[*i];

		if (s->key && s->key != TOMB) {
			*key = s->key;
			if (val)
				*val = s->val;
			(*i)++;
			return true;
		}
	}
	return false;
}
