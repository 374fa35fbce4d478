// SPDX-License-Identifier: Apache-2.0
/*
 * The compiler's class table: every distinct bitmap a field's prefixes produce is stored once,
 * so prefixes with the same matching rules (e.g. the pieces of one port range) share a class.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile_int.h"

static uint64_t bm_hash(const uint64_t *bm, size_t nwords)
{
	uint64_t h = 1469598103934665603ull;

	/* the shifts fold high bits down: the table index uses the low bits */
	for (size_t i = 0; i < nwords; i++) {
		h = (h ^ bm[i]) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

long tb_class_intern(struct classes *c, const uint64_t *bm)
{
	size_t sz = c->nwords * sizeof(uint64_t);
	size_t i = bm_hash(bm, c->nwords) & (c->nslots - 1);

	for (; c->slots[i]; i = (i + 1) & (c->nslots - 1))
		if (!memcmp(c->bms + (c->slots[i] - 1) * c->nwords, bm, sz))
			return c->slots[i] - 1;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		uint64_t *np = realloc(c->bms, nc * sz);

		if (!np)
			return -ENOMEM;
		c->bms = np;
		c->cap = nc;
	}
	memcpy(c->bms + c->n * c->nwords, bm, sz);
	c->slots[i] = (uint32_t)++c->n;
	return (long)c->n - 1;
}
