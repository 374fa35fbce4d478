/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the classifier compiler: per-bit conditions on each field. */
#ifndef TABBY_POLICY_COMPILE_INT_H
#define TABBY_POLICY_COMPILE_INT_H

#include "policy_compile.h"

/* A prefix of a field's data (bits beyond len are zero). */
struct tb_pfx {
	uint8_t data[TB_POL_KEY_DATA];
	uint8_t len; /* bits */
};

/*
 * One bit's condition on one field: (no IN prefixes, or the value is in one of them) and in
 * none of the NOTIN prefixes, and in every IN set, and in no NOTIN set. has_in with n_in == 0
 * means "in nothing": the bit can never match.
 */
struct tb_cond {
	struct tb_pfx *in, *notin;
	size_t n_in, n_notin;
	int has_in;
	uint32_t *sets, *notsets;
	size_t n_sets, n_notsets;
};

struct tb_cbit {
	struct tb_cond f[TB_PF_MAX];
};

static inline int tb_cond_used(const struct tb_cond *c)
{
	return c->has_in || c->n_notin || c->n_sets || c->n_notsets;
}

/* Per-field output: classes as full bitmaps (nwords each) and LPM entries. */
struct tb_field_out {
	uint64_t *bms; /* n_cls * nwords */
	size_t n_cls;
	struct tb_pol_entry *entries; /* cls is local to the field */
	size_t n_entries;
};

/* Class table: bitmaps deduplicated through an open-addressing hash. */
struct classes {
	uint64_t *bms;
	size_t n, cap, nwords;
	uint32_t *slots; /* class index + 1, 0 empty; nslots a power of two */
	size_t nslots;
};

/* Returns the class index of bm, adding it if new; -ENOMEM on failure. */
long tb_class_intern(struct classes *c, const uint64_t *bm);

int tb_compile_field(enum tb_pol_field field, const struct tb_cbit *bits, uint32_t nbits,
		     uint32_t nwords, const struct tb_pol_sets *sets, struct tb_field_out *out);
void tb_field_out_free(struct tb_field_out *o);

/* Bit helpers on uint64_t bitmaps. */
static inline void tb_bm_set(uint64_t *bm, uint32_t b)
{
	bm[b / 64] |= 1ull << (b % 64);
}

static inline void tb_bm_clr(uint64_t *bm, uint32_t b)
{
	bm[b / 64] &= ~(1ull << (b % 64));
}

#endif
