/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to policy_maps: bookkeeping of sets and endpoints, writing sets into the maps. */
#ifndef TABBY_POLICY_MAPS_INT_H
#define TABBY_POLICY_MAPS_INT_H

#include "policy_maps.h"

struct pset {
	int used;
	char *key; /* NULL once replaced: no longer shared */
	unsigned refs;
	uint64_t dead_since; /* refs == 0: when */
	uint32_t rule_base, n_rules;
	uint32_t line_base, n_lines;
	struct tb_pol_lkey *lkeys; /* its entries in the shared trie */
	size_t n_lkeys;
};

struct pep {
	uint32_t ifindex, dir, slot;
	int has_slot;
};

struct tb_pol_maps {
	struct tb_pol_map_fds fds;
	struct pset sets[TB_POL_MAX_SETS];
	uint32_t max_lines; /* the lines array's size */
	uint32_t next_slot;
	struct pep *eps;
	size_t n_eps;
};

uint64_t tb_pol_now_ns(void);
/* Reads occupied slots and endpoint entries back from the maps (tb_pol_maps_new). */
int tb_pol_maps_adopt(struct tb_pol_maps *m);

/* Points the endpoint's entry at slot (or at nothing, with flags); moves the reference. */
int tb_pol_ep_point(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir, int has_slot,
		    uint32_t slot, uint32_t flags);

/* Removes sets: header, trie entries, bookkeeping. */
void tb_pol_sets_drop(struct tb_pol_maps *m, const uint32_t *slots, uint32_t n);

/* Lines a set takes, and its entries in the shared trie (*out to free). */
uint32_t tb_pol_set_n_lines(const struct tb_pol_compiled *c);
int tb_pol_set_lkeys(const struct tb_pol_compiled *c, uint32_t slot, struct tb_pol_lkey **out,
		     size_t *n);
/*
 * Writes a set at slot and from line `lines`: lines, trie entries (the set's lkeys), then the
 * header.
 */
int tb_pol_set_write(const struct tb_pol_map_fds *fds, uint32_t slot,
		     const struct tb_pol_compiled *c, uint32_t rule_base, uint32_t lines,
		     const struct tb_pol_lkey *lkeys);
/* Takes a set out: its header (the slot is then free), then its trie entries. */
void tb_pol_set_clear(const struct tb_pol_map_fds *fds, uint32_t slot,
		      const struct tb_pol_lkey *lkeys, size_t n_lkeys);
/* The lines array's size. */
int tb_pol_lines_capacity(int fd, uint32_t *n);
int tb_pol_counters_zero(int fd, uint32_t base, uint32_t n);

#endif
