// SPDX-License-Identifier: Apache-2.0
/*
 * The classifier compiler: lays the IR out as bits in priority order (rules, a catch-all
 * closing every tier with its defaultAction, profile rules, a final deny), checks the limits,
 * compiles every field and packs classes into the shared table layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tabby/drop_reasons.h"
#include "policy_compile_expand.h"

struct layout {
	struct tb_cbit *cbits;
	struct tb_pol_rule *rules;
	uint32_t nbits, cap;
	struct tb_pol_ref *refs;
	uint32_t n_refs;
	uint32_t steps; /* Log rules + Pass targets: bounds the BPF loop */
};

static int new_ref(struct layout *l, struct tb_pol_ref ref, uint32_t *id)
{
	struct tb_pol_ref *np = realloc(l->refs, (l->n_refs + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	l->refs = np;
	np[l->n_refs] = ref;
	*id = l->n_refs++;
	return 0;
}

static int new_bit(struct layout *l, uint32_t id, int action, int reason)
{
	if (l->nbits == l->cap) {
		uint32_t nc = l->cap ? l->cap * 2 : 64;
		struct tb_cbit *nb = realloc(l->cbits, nc * sizeof(*nb));
		struct tb_pol_rule *nr;

		if (!nb)
			return -ENOMEM;
		l->cbits = nb;
		nr = realloc(l->rules, nc * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		l->rules = nr;
		l->cap = nc;
	}
	memset(&l->cbits[l->nbits], 0, sizeof(l->cbits[0]));
	l->rules[l->nbits] = (struct tb_pol_rule){
	    .rule_id = id, .action = (uint8_t)action, .reason = (uint8_t)reason};
	l->nbits++;
	return 0;
}

/* Lays out one rule: one bit per port alternative. Pass targets are patched by the caller. */
static int lay_rule(struct layout *l, const struct tb_ir_rule *r, struct tb_pol_ref ref,
		    struct tb_diag *diag)
{
	static const uint8_t acts[] = {[TB_IR_ALLOW] = TB_PACT_ALLOW,
				       [TB_IR_DENY] = TB_PACT_DENY,
				       [TB_IR_LOG] = TB_PACT_LOG,
				       [TB_IR_PASS] = TB_PACT_PASS};
	uint32_t id, first;
	int err;

	err = tb_ir_rule_check(r, diag);
	if (!err)
		err = new_ref(l, ref, &id);
	if (err)
		return err;
	first = l->nbits;
	for (int s = 0; s < tb_side_alts(&r->src); s++) {
		for (int d = 0; d < tb_side_alts(&r->dst); d++) {
			err = new_bit(l, id, acts[r->action],
				      r->action == TB_IR_DENY ? TB_DROP_POLICY_DENY : 0);
			if (!err)
				err = tb_expand_bit(r, s, d, &l->cbits[l->nbits - 1]);
			if (err)
				return err;
		}
	}
	/* Log continues after the rule's last alternative: one record per rule */
	for (uint32_t b = first; r->action == TB_IR_LOG && b < l->nbits; b++)
		l->rules[b].next_bit = (uint16_t)(l->nbits > 65535 ? 65535 : l->nbits);
	l->steps += r->action == TB_IR_LOG;
	return 0;
}

/* Lays out the rules of one policy or profile; Pass bits get next_bit = target later. */
static int lay_policy(struct layout *l, const struct tb_ir_policy *p, struct tb_pol_ref ref,
		      struct tb_diag *diag)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		int err;

		ref.rule = (int)i;
		tb_diag_set_prefix(diag, "policy %s rule %zu", p->name, i);
		err = lay_rule(l, &p->rules[i], ref, diag);
		if (err)
			return err;
	}
	return 0;
}

static void patch_pass(struct layout *l, uint32_t from)
{
	for (uint32_t b = from; b < l->nbits; b++)
		if (l->rules[b].action == TB_PACT_PASS)
			l->rules[b].next_bit = (uint16_t)(l->nbits > 65535 ? 65535 : l->nbits);
}

static int lay_tiers(struct layout *l, const struct tb_ir *ir, struct tb_diag *diag, int *applied)
{
	for (size_t t = 0; t < ir->n_tiers; t++) {
		const struct tb_ir_tier *tier = &ir->tiers[t];
		struct tb_pol_ref end = {
		    .kind = TB_REF_TIER_END, .tier = (int)t, .policy = -1, .rule = -1};
		uint32_t first = l->nbits, id;
		int pass = tier->default_action == TB_IR_PASS, err;

		if (!tier->n_policies)
			continue; /* a tier applies only through its policies */
		*applied = 1;
		for (size_t p = 0; p < tier->n_policies; p++) {
			struct tb_pol_ref ref = {
			    .kind = TB_REF_RULE, .tier = (int)t, .policy = (int)p};

			err = lay_policy(l, &tier->policies[p], ref, diag);
			if (err)
				return err;
		}
		err = new_ref(l, end, &id);
		if (!err)
			err = new_bit(l, id, pass ? TB_PACT_PASS : TB_PACT_DENY,
				      pass ? 0 : TB_DROP_TIER_END);
		if (err)
			return err;
		patch_pass(l, first);
		l->steps++;
	}
	return 0;
}

static int lay_out(struct layout *l, const struct tb_ir *ir, struct tb_diag *diag)
{
	struct tb_pol_ref fin = {.kind = TB_REF_FINAL, .tier = -1, .policy = -1, .rule = -1};
	int applied = 0, err;
	uint32_t id;

	err = lay_tiers(l, ir, diag, &applied);
	for (size_t p = 0; p < ir->n_profiles && !err; p++) {
		struct tb_pol_ref ref = {.kind = TB_REF_PROFILE_RULE, .tier = -1, .policy = (int)p};
		uint32_t first = l->nbits;

		err = lay_policy(l, &ir->profiles[p], ref, diag);
		if (!err)
			patch_pass(l, first);
		l->steps++;
	}
	tb_diag_set_prefix(diag, NULL);
	if (!err)
		err = new_ref(l, fin, &id);
	if (!err)
		err = new_bit(l, id, TB_PACT_DENY,
			      applied ? TB_DROP_DEFAULT_DENY : TB_DROP_PROFILE_DENY);
	return err;
}

static void layout_free(struct layout *l)
{
	for (uint32_t b = 0; b < l->nbits; b++)
		tb_cbit_free(&l->cbits[b]);
	free(l->cbits);
	free(l->rules);
	free(l->refs);
}

static int check_limits(const struct layout *l, struct tb_diag *diag)
{
	if (l->nbits > TB_POL_MAX_BITS) {
		tb_diag_add(diag,
			    "policy needs %u classifier rules (rules, port alternatives, tier "
			    "ends); the dataplane supports at most %u per endpoint and direction "
			    "(TB_POL_MAX_BITS)",
			    l->nbits, TB_POL_MAX_BITS);
		return -E2BIG;
	}
	if (l->steps > TB_POL_MAX_STEPS) {
		tb_diag_add(diag,
			    "policy has %u Log rules, tiers and profiles; the dataplane "
			    "supports at most %u per endpoint and direction (TB_POL_MAX_STEPS)",
			    l->steps, TB_POL_MAX_STEPS);
		return -E2BIG;
	}
	return 0;
}

static int push_word(struct tb_pol_compiled *c, size_t *cap, uint64_t w)
{
	if (c->n_bits == *cap) {
		size_t nc = *cap * 2;
		uint64_t *np = realloc(c->bits, nc * sizeof(*np));

		if (!np)
			return -ENOMEM;
		c->bits = np;
		*cap = nc;
	}
	c->bits[c->n_bits++] = w;
	return 0;
}

/* Turns one class bitmap into its record: summary, diff summary, the differing words. */
static int pack_class(struct tb_pol_compiled *c, size_t *cap, const uint64_t *bm,
		      const uint64_t *wild, struct tb_pol_class *rec)
{
	memset(rec, 0, sizeof(*rec));
	for (uint32_t w = 0; w < c->nwords; w++) {
		uint64_t d = bm[w] ^ wild[w];

		if (w % 64 == 0)
			rec->base[w / 64] = (uint32_t)c->n_bits;
		if (bm[w])
			rec->sum[w / 64] |= 1ull << (w % 64);
		if (!d)
			continue;
		rec->dsum[w / 64] |= 1ull << (w % 64);
		if (push_word(c, cap, bm[w])) /* the class's own word: one read per word */
			return -ENOMEM;
	}
	return 0;
}

static int pack(struct tb_pol_compiled *c, struct tb_field_out *fo)
{
	size_t cap = c->nbits + TB_PF_MAX * c->nwords + 64, n_cls = 0, n_ent = 0;

	for (int f = 0; f < TB_PF_MAX; f++) {
		n_cls += fo[f].n_cls;
		n_ent += fo[f].n_entries;
	}
	c->bits = calloc(cap, sizeof(*c->bits));
	c->classes = calloc(n_cls + 1, sizeof(*c->classes));
	c->entries = calloc(n_ent + 1, sizeof(*c->entries));
	if (!c->bits || !c->classes || !c->entries)
		return -ENOMEM;
	c->n_bits = c->nbits + TB_PF_MAX * c->nwords;
	for (int f = 0; f < TB_PF_MAX; f++) {
		uint64_t *wild = c->bits + c->nbits + f * c->nwords;
		size_t base = c->n_classes;

		if (!fo[f].n_cls)
			continue;
		memcpy(wild, fo[f].bms, c->nwords * sizeof(*wild));
		for (size_t k = 0; k < fo[f].n_cls; k++) {
			if (pack_class(c, &cap, fo[f].bms + k * c->nwords, fo[f].bms,
				       &c->classes[c->n_classes++]))
				return -ENOMEM;
		}
		for (size_t e = 0; e < fo[f].n_entries; e++) {
			c->entries[c->n_entries] = fo[f].entries[e];
			c->entries[c->n_entries++].cls += (uint32_t)base;
		}
	}
	return 0;
}

/* Offset of the family byte in a field's key data, or -1 when the field has none. */
static int family_offset(int f)
{
	if (f == TB_PF_SRC || f == TB_PF_DST || f == TB_PF_PROTO)
		return 0;
	if (f == TB_PF_SRC_NAMED || f == TB_PF_DST_NAMED)
		return 3;
	return -1;
}

/* Adds length l to a sorted (longest first) list; 0, or -1 when the list is full. */
static int add_len(uint8_t *lens, uint8_t *n, uint8_t l)
{
	int i = 0;

	while (i < *n && lens[i] > l)
		i++;
	if (i < *n && lens[i] == l)
		return 0;
	if (*n == TB_POL_MAX_LENS)
		return -1;
	memmove(&lens[i + 1], &lens[i], (size_t)(*n - i));
	lens[i] = l;
	(*n)++;
	return 0;
}

/*
 * A field with few distinct prefix lengths per family is looked up by hash, one lookup per
 * length: a prefix that fixes the family byte counts for that family only.
 */
static void choose_modes(struct tb_pol_compiled *c)
{
	for (int f = 0; f < TB_PF_MAX; f++) {
		uint8_t lens[2][TB_POL_MAX_LENS], n[2] = {0, 0};
		int off = family_offset(f), ok = 1;

		if (!(c->field_mask & (1u << f)))
			continue;
		for (size_t e = 0; e < c->n_entries && ok; e++) {
			const struct tb_pol_key *k = &c->entries[e].key;
			int fixed = off >= 0 && k->prefixlen >= 8 + 8 * (unsigned)(off + 1);

			if (k->field != f)
				continue;
			for (int fam = 0; fam < 2 && ok; fam++)
				if (!fixed || k->data[off] == (fam ? 6 : 4))
					ok = !add_len(lens[fam], &n[fam], (uint8_t)k->prefixlen);
		}
		if (!ok)
			continue;
		c->hash_mask |= 1u << f;
		memcpy(c->nlens[f], n, sizeof(n));
		memcpy(c->lens[f], lens, sizeof(lens));
	}
}

static int compile_fields(struct tb_pol_compiled *c, const struct layout *l,
			  const struct tb_pol_sets *sets)
{
	struct tb_field_out fo[TB_PF_MAX];
	int err = 0;

	memset(fo, 0, sizeof(fo));
	for (int f = 0; f < TB_PF_MAX && !err; f++) {
		int used = 0;

		for (uint32_t b = 0; b < l->nbits && !used; b++)
			used = tb_cond_used(&l->cbits[b].f[f]);
		if (!used)
			continue;
		c->field_mask |= 1u << f;
		err = tb_compile_field(f, l->cbits, l->nbits, c->nwords, sets, &fo[f]);
	}
	if (!err)
		err = pack(c, fo);
	if (!err)
		choose_modes(c);
	if (!err)
		err = tb_pol_lay_tables(c);
	for (int f = 0; f < TB_PF_MAX; f++)
		tb_field_out_free(&fo[f]);
	return err;
}

int tb_pol_compile(const struct tb_ir *ir, const struct tb_pol_sets *sets, struct tb_diag *diag,
		   struct tb_pol_compiled **out)
{
	struct layout l = {0};
	struct tb_pol_compiled *c;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = lay_out(&l, ir, diag);
	if (!err)
		err = check_limits(&l, diag);
	if (err)
		goto fail;
	c->nbits = l.nbits;
	c->nwords = (l.nbits + 63) / 64;
	err = compile_fields(c, &l, sets);
	if (err)
		goto fail;
	c->rules = l.rules;
	c->refs = l.refs;
	c->n_rule_ids = l.n_refs;
	l.rules = NULL;
	l.refs = NULL;
	layout_free(&l);
	*out = c;
	return 0;
fail:
	layout_free(&l);
	tb_pol_compiled_free(c);
	return err;
}

void tb_pol_compiled_free(struct tb_pol_compiled *c)
{
	if (!c)
		return;
	free(c->rules);
	free(c->refs);
	free(c->entries);
	free(c->classes);
	free(c->class_rec);
	free(c->bits);
	free(c);
}
