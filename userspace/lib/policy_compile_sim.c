// SPDX-License-Identifier: Apache-2.0
/*
 * The classifier lookup run on compiled tables in userspace, step for step what
 * bpf/lib/classifier.h does: tests check the compiler with it before BPF is involved, and
 * `policy trace` can answer from the very tables the dataplane uses.
 */
#include <string.h>

#include "tabby/drop_reasons.h"
#include "policy_compile.h"

void tb_pol_flow_key(const struct tb_flow *f, enum tb_pol_field field, struct tb_pol_key *k)
{
	const __u32 *addr = field == TB_PF_SRC || field == TB_PF_SRC_NAMED ? f->saddr : f->daddr;
	__u16 port = field == TB_PF_SPORT || field == TB_PF_SRC_NAMED ? f->sport : f->dport;
	unsigned off = 0;

	memset(k, 0, sizeof(*k));
	k->field = (__u8)field;
	switch (field) {
	case TB_PF_PROTO:
		k->data[0] = f->family;
		k->data[1] = f->proto;
		k->prefixlen = 24;
		return;
	case TB_PF_SPORT:
	case TB_PF_DPORT:
		k->data[0] = port >> 8;
		k->data[1] = port & 0xff;
		k->prefixlen = 24;
		return;
	case TB_PF_ICMP:
		k->data[0] = f->icmp_type;
		k->data[1] = f->icmp_code;
		k->prefixlen = 24;
		return;
	case TB_PF_SRC_NAMED:
	case TB_PF_DST_NAMED:
		k->data[0] = f->proto;
		k->data[1] = port >> 8;
		k->data[2] = port & 0xff;
		off = 3;
		break;
	default:
		break;
	}
	k->data[off] = f->family;
	memcpy(k->data + off + 1, addr, 16);
	k->prefixlen = 8 + 8 * (off + 17);
}

static int key_covers(const struct tb_pol_key *e, const struct tb_pol_key *k)
{
	unsigned bits = e->prefixlen - 8, full = bits / 8, rest = bits % 8;

	if (e->field != k->field || e->prefixlen > k->prefixlen)
		return 0;
	if (memcmp(e->data, k->data, full))
		return 0;
	return !rest || !((e->data[full] ^ k->data[full]) & (0xff00 >> rest) & 0xff);
}

/* The trie's answer: the longest entry of an unhashed field covering k. */
static uint32_t trie_lookup(const struct tb_pol_compiled *c, const struct tb_pol_key *k)
{
	const struct tb_pol_entry *best = NULL;

	for (size_t i = 0; i < c->n_entries; i++)
		if (key_covers(&c->entries[i].key, k) &&
		    (!best || c->entries[i].key.prefixlen > best->key.prefixlen))
			best = &c->entries[i];
	return best ? c->class_rec[best->cls] : 0;
}

/* A hashed field: the set's hash at each of the field's lengths, longest first. */
static uint32_t hash_lookup(const struct tb_pol_compiled *c, const struct tb_flow *f, int fi,
			    struct tb_pol_key *k)
{
	int fam = f->family == TB_AF_INET6;

	for (int i = 0; i < c->nlens[fi][fam]; i++) {
		uint32_t rec;

		k->prefixlen = c->lens[fi][fam][i];
		rec = tb_pol_hash_lookup(c, k);
		if (rec)
			return rec;
	}
	return 0;
}

/* Summary word s of the record at rec: its sum, dsum and base. */
static uint64_t rec_word(const struct tb_pol_compiled *c, uint32_t rec, uint32_t s, int which)
{
	return c->bits[rec + 3 * s + (uint32_t)which];
}

static uint64_t word_of(const struct tb_pol_compiled *c, int f, uint32_t rec, uint32_t w)
{
	uint64_t ds = rec_word(c, rec, w / 64, 1);

	if (ds & (1ull << (w % 64)))
		return c->bits[rec_word(c, rec, w / 64, 2) +
			       (uint64_t)__builtin_popcountll(ds & ((1ull << (w % 64)) - 1))];
	return c->bits[c->nbits + f * c->nwords + w];
}

/* First set bit of sum at word index >= from_w, or -1. */
static int next_word(const uint64_t *sum, uint32_t from_w)
{
	for (uint32_t k = from_w / 64; k < TB_POL_SUM_WORDS; k++) {
		uint64_t s = sum[k];

		if (k == from_w / 64)
			s &= ~((1ull << (from_w % 64)) - 1);
		if (s)
			return (int)(k * 64 + __builtin_ctzll(s));
	}
	return -1;
}

void tb_pol_compiled_decide(const struct tb_pol_compiled *c, const struct tb_flow *f,
			    struct tb_pol_sim_result *res)
{
	uint32_t rec[TB_PF_MAX] = {0};
	uint64_t sum[TB_POL_SUM_WORDS] = {0};
	uint32_t from = 0;

	memset(res, 0, sizeof(*res));
	res->reason = TB_DROP_DEFAULT_DENY;
	res->rule_id = TB_POL_NO_RULE;
	for (uint32_t w = 0; w < c->nwords; w++)
		sum[w / 64] |= 1ull << (w % 64);
	for (int fi = 0; fi < TB_PF_MAX; fi++) {
		struct tb_pol_key k;

		if (!(c->field_mask & (1u << fi)))
			continue;
		tb_pol_flow_key(f, fi, &k);
		rec[fi] =
		    c->hash_mask & (1u << fi) ? hash_lookup(c, f, fi, &k) : trie_lookup(c, &k);
		if (!rec[fi])
			return;
		for (uint32_t s = 0; s < TB_POL_SUM_WORDS; s++)
			sum[s] &= s < c->nsum ? rec_word(c, rec[fi], s, 0) : 0;
	}
	for (uint32_t step = 0; step < TB_POL_MAX_ITERS; step++) {
		int w = next_word(sum, from / 64);
		uint64_t acc = ~0ull;
		const struct tb_pol_rule *r;
		uint32_t b;

		if (w < 0)
			return;
		for (int fi = 0; fi < TB_PF_MAX; fi++)
			if (rec[fi])
				acc &= word_of(c, fi, rec[fi], (uint32_t)w);
		if ((uint32_t)w == c->nwords - 1 && c->nbits % 64)
			acc &= (1ull << (c->nbits % 64)) - 1;
		if ((uint32_t)w == from / 64)
			acc &= ~((1ull << (from % 64)) - 1);
		if (!acc) {
			sum[w / 64] &= ~(1ull << (w % 64));
			continue;
		}
		b = (uint32_t)w * 64 + (uint32_t)__builtin_ctzll(acc);
		r = &c->rules[b];
		if (r->action == TB_PACT_ALLOW || r->action == TB_PACT_DENY) {
			res->allow = r->action == TB_PACT_ALLOW;
			res->reason = res->allow ? TB_DROP_NONE : r->reason;
			res->rule_id = r->rule_id;
			return;
		}
		if (r->action == TB_PACT_LOG && res->n_logs < 64)
			res->logs[res->n_logs++] = r->rule_id;
		from = r->next_bit;
	}
}
