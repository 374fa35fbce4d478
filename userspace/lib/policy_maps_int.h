/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to policy_maps: bookkeeping of sets and endpoints, writing sets into slots. */
#ifndef TABBY_POLICY_MAPS_INT_H
#define TABBY_POLICY_MAPS_INT_H

#include "policy_maps.h"

struct pset {
	int used;
	char *key; /* NULL once replaced: no longer shared */
	unsigned refs;
	uint64_t dead_since; /* refs == 0: when */
	uint32_t rule_base, n_rules;
	struct tb_pol_hkey *hkeys; /* its entries in the shared hash */
	size_t n_hkeys;
};

struct pep {
	uint32_t ifindex, dir, slot;
	int has_slot;
};

struct tb_pol_maps {
	struct tb_pol_map_fds fds;
	struct pset sets[TB_POL_MAX_SETS];
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

int tb_pol_set_prepare(const struct tb_pol_map_fds *fds, uint32_t slot,
		       const struct tb_pol_compiled *c, uint32_t rule_base, int *kfd, int *bfd);
int tb_pol_sets_publish(const struct tb_pol_map_fds *fds, const uint32_t *slots, const int *kfds,
			const int *bfds, uint32_t n);
void tb_pol_sets_unpublish(const struct tb_pol_map_fds *fds, const uint32_t *slots, uint32_t n);
void tb_pol_set_unhash(const struct tb_pol_map_fds *fds, const struct tb_pol_hkey *hkeys,
		       size_t n_hkeys);
/* The set's keys in the shared hash (for removal); count, *out to free. */
size_t tb_pol_set_hkeys(const struct tb_pol_compiled *c, uint32_t slot, struct tb_pol_hkey **out);
int tb_pol_counters_zero(int fd, uint32_t base, uint32_t n);

#endif
