/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The classifier compiler: turns one endpoint's ordered policy (IR) in one direction into the
 * tables of headers/tabby/policy.h. The result is plain memory; policy_maps.c writes it into
 * BPF maps, tb_pol_compiled_decide() runs the same lookup in userspace (trace, tests).
 */
#ifndef TABBY_POLICY_COMPILE_H
#define TABBY_POLICY_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "tabby/flow.h"
#include "tabby/policy.h"
#include "diag.h"
#include "policy_ir.h"

struct tb_pol_entry {
	struct tb_pol_key key;
	uint32_t cls; /* index in classes[] */
};

struct tb_pol_compiled {
	uint32_t nbits, nwords, field_mask;
	/* fields looked up by hash (entries of those fields go to the hash, others to the LPM) */
	uint32_t hash_mask;
	uint8_t nlens[TB_PF_MAX][2]; /* per family: 0 IPv4, 1 IPv6 */
	uint8_t lens[TB_PF_MAX][2][TB_POL_MAX_LENS];
	struct tb_pol_rule *rules; /* nbits; rule_id is the local id (index in refs) */
	struct tb_pol_ref *refs;   /* local rule id -> where in the IR */
	uint32_t n_rule_ids;
	struct tb_pol_entry *entries;
	size_t n_entries;
	struct tb_pol_class *classes;
	uint32_t *class_rec; /* per class: the first word of its record in bits */
	size_t n_classes;
	uint32_t nsum; /* summary words per class record */
	/* the hash of the hashed fields' entries (tabby/policy.h) */
	uint64_t hash_seed;
	uint32_t hash_line, hash_nb_mask;
	/* the set's words, a whole number of lines: nbits words for the rules (filled in by
	 * the map writer), TB_PF_MAX * nwords wildcard words, the classes' diff words, their
	 * records, the hash */
	uint64_t *bits;
	size_t n_bits;
};

/*
 * Compiles; returns 0 or -errno. -E2BIG when the policy exceeds the dataplane's limits (the
 * message in diag names the limit), -EINVAL for an invalid rule (message in diag).
 */
int tb_pol_compile(const struct tb_ir *ir, const struct tb_pol_sets *sets, struct tb_diag *diag,
		   struct tb_pol_compiled **out);
void tb_pol_compiled_free(struct tb_pol_compiled *c);

/*
 * Whether one policy fits the dataplane on its own (its rules in one tier, with the tier end
 * and the final deny): the check an apply makes so that a policy that can never be enforced
 * is refused. 0, or -E2BIG with a message naming the limit.
 */
int tb_pol_policy_check(const struct tb_ir_policy *p, struct tb_diag *diag);

struct tb_pol_sim_result {
	int allow;
	int reason;
	uint32_t rule_id;  /* local id, or TB_POL_NO_RULE */
	uint32_t logs[64]; /* local ids of Log rules that matched */
	size_t n_logs;
};

#define TB_POL_NO_RULE 0xffffffffu

/* The BPF lookup, done on the compiled tables in userspace. */
void tb_pol_compiled_decide(const struct tb_pol_compiled *c, const struct tb_flow *f,
			    struct tb_pol_sim_result *res);

/* Whether an entry's field is looked up in the set's hash (else in the trie). */
static inline int tb_pol_entry_hashed(const struct tb_pol_compiled *c, const struct tb_pol_entry *e)
{
	return !!(c->hash_mask & (1u << e->key.field));
}

/* Lays out class records and the hash after the words (policy_compile_image.c). */
int tb_pol_lay_tables(struct tb_pol_compiled *c);
/* A hash entry's 24 key bytes, as three words. */
void tb_pol_hent_key(const struct tb_pol_key *k, uint64_t out[3]);
/* The record of the hash entry of key k (masked to its prefixlen), 0 when none. */
uint32_t tb_pol_hash_lookup(const struct tb_pol_compiled *c, const struct tb_pol_key *k);

/* The lookup key of one field for a flow (what the BPF side builds). */
void tb_pol_flow_key(const struct tb_flow *f, enum tb_pol_field field, struct tb_pol_key *key);

#endif
