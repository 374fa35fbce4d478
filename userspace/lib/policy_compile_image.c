// SPDX-License-Identifier: Apache-2.0
/*
 * The last step of the compiler: after the rules, wildcard and diff words, lays out the class
 * records and the hash of the hashed fields' entries (layout in tabby/policy.h), so that the
 * words are the set's lines as the BPF side reads them. Also the hash lookup itself, for the
 * userspace run of the classifier.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile.h"

/* Seeds tried before the table doubles; deterministic, so a policy compiles the same way. */
#define SEEDS 16

/* The 24 hashed bytes of a key: field, data masked to the prefix, prefix length last. */
void tb_pol_hent_key(const struct tb_pol_key *k, uint64_t out[3])
{
	memcpy(out, &k->field, 1 + TB_POL_KEY_DATA);
	for (uint32_t i = 0; i < 3; i++)
		out[i] &= tb_pol_hkey_mask(k->prefixlen, i);
	out[2] = (out[2] & ~(0xffull << 56)) | (uint64_t)(k->prefixlen & 0xff) << 56;
}

/* Puts every hashed entry into nb buckets of `hent`; 0, or -1 when one did not fit. */
static int try_fill(const struct tb_pol_compiled *c, struct tb_pol_hent *hent, uint32_t nb,
		    uint64_t seed)
{
	memset(hent, 0, (size_t)nb * TB_POL_BUCKET_ENTRIES * sizeof(*hent));
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct tb_pol_entry *e = &c->entries[i];
		uint64_t k[3];
		uint32_t b;
		int placed = 0;

		if (!tb_pol_entry_hashed(c, e))
			continue;
		tb_pol_hent_key(&e->key, k);
		b = tb_pol_hash_bucket(seed, k[0], k[1], k[2], nb - 1);
		for (uint32_t p = 0; p < TB_POL_HASH_PROBES && !placed; p++) {
			struct tb_pol_hent *bk =
			    &hent[((b + p) & (nb - 1)) * TB_POL_BUCKET_ENTRIES];

			for (int s = 0; s < TB_POL_BUCKET_ENTRIES && !placed; s++) {
				if (bk[s].key[2])
					continue;
				memcpy(bk[s].key, k, sizeof(k));
				bk[s].rec = c->class_rec[e->cls];
				placed = 1;
			}
		}
		if (!placed)
			return -1;
	}
	return 0;
}

/* The hash's buckets: at most half full to start with, doubled until every key fits. */
static int build_hash(const struct tb_pol_compiled *c, struct tb_pol_hent **out, uint32_t *nb,
		      uint64_t *seed)
{
	size_t n = 0;
	uint32_t buckets = 1;

	for (size_t i = 0; i < c->n_entries; i++)
		n += tb_pol_entry_hashed(c, &c->entries[i]);
	*out = NULL;
	*nb = 0;
	if (!n)
		return 0;
	while ((size_t)buckets * TB_POL_BUCKET_ENTRIES < 2 * n)
		buckets *= 2;
	for (; buckets <= (1u << 24); buckets *= 2) {
		struct tb_pol_hent *h = calloc((size_t)buckets * TB_POL_BUCKET_ENTRIES, sizeof(*h));

		if (!h)
			return -ENOMEM;
		for (uint64_t s = 0; s < SEEDS; s++) {
			*seed = (s + 1) * 0xa0761d6478bd642full;
			if (!try_fill(c, h, buckets, *seed)) {
				*out = h;
				*nb = buckets;
				return 0;
			}
		}
		free(h);
	}
	return -E2BIG;
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* Where each class's record goes: 4-word aligned, never across a line. */
static size_t place_records(struct tb_pol_compiled *c, size_t from)
{
	size_t at = round_up(from, 4), len = TB_POL_REC_WORDS(c->nsum);

	for (size_t k = 0; k < c->n_classes; k++) {
		if (at % TB_POL_LINE_WORDS + len > TB_POL_LINE_WORDS)
			at = round_up(at, TB_POL_LINE_WORDS);
		c->class_rec[k] = (uint32_t)at;
		at += round_up(len, 4);
	}
	return at;
}

int tb_pol_lay_tables(struct tb_pol_compiled *c)
{
	struct tb_pol_hent *hent = NULL;
	size_t end, total;
	uint64_t *w;
	uint32_t nb;
	int err;

	c->nsum = (c->nwords + 63) / 64;
	c->class_rec = calloc(c->n_classes + 1, sizeof(*c->class_rec));
	if (!c->class_rec)
		return -ENOMEM;
	end = place_records(c, c->n_bits);
	err = build_hash(c, &hent, &nb, &c->hash_seed);
	if (err)
		return err;
	c->hash_line = (uint32_t)(round_up(end, TB_POL_LINE_WORDS) / TB_POL_LINE_WORDS);
	c->hash_nb_mask = nb ? nb - 1 : 0;
	total = ((size_t)c->hash_line + nb) * TB_POL_LINE_WORDS;
	w = realloc(c->bits, total * sizeof(*w));
	if (!w) {
		free(hent);
		return -ENOMEM;
	}
	memset(w + c->n_bits, 0, (total - c->n_bits) * sizeof(*w));
	for (size_t k = 0; k < c->n_classes; k++) {
		const struct tb_pol_class *cl = &c->classes[k];

		for (uint32_t s = 0; s < c->nsum; s++) {
			w[c->class_rec[k] + 3 * s] = cl->sum[s];
			w[c->class_rec[k] + 3 * s + 1] = cl->dsum[s];
			w[c->class_rec[k] + 3 * s + 2] = cl->base[s];
		}
	}
	if (nb)
		memcpy(w + (size_t)c->hash_line * TB_POL_LINE_WORDS, hent,
		       (size_t)nb * TB_POL_LINE_WORDS * sizeof(*w));
	free(hent);
	c->bits = w;
	c->n_bits = total;
	return 0;
}

uint32_t tb_pol_hash_lookup(const struct tb_pol_compiled *c, const struct tb_pol_key *k)
{
	uint64_t key[3];
	uint32_t b;

	if (c->hash_line * (size_t)TB_POL_LINE_WORDS >= c->n_bits)
		return 0; /* no buckets: no field is hashed */
	tb_pol_hent_key(k, key);
	b = tb_pol_hash_bucket(c->hash_seed, key[0], key[1], key[2], c->hash_nb_mask);
	for (uint32_t p = 0; p < TB_POL_HASH_PROBES; p++) {
		size_t line = c->hash_line + ((b + p) & c->hash_nb_mask);
		const struct tb_pol_hent *bk = (const void *)(c->bits + line * TB_POL_LINE_WORDS);

		for (int s = 0; s < TB_POL_BUCKET_ENTRIES; s++) {
			if (!memcmp(bk[s].key, key, sizeof(key)))
				return bk[s].rec;
			if (!bk[s].key[2])
				return 0;
		}
	}
	return 0;
}
