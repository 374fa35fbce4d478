/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to policy_maps: bookkeeping of sets and endpoints, writing sets into slots. */
#ifndef TABBY_POLICY_MAPS_INT_H
#define TABBY_POLICY_MAPS_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "policy_maps.h"

struct pset {
	int used;
	char *key; /* NULL once replaced: no longer shared */
	unsigned refs;
	uint64_t dead_since; /* refs == 0: when */
	uint32_t rule_base, n_rules;
};

struct pep {
	uint32_t ifindex, dir, slot;
	int has_slot;
};

/* A slot whose inner maps are pooled ones: published, their fds kept (policy_maps_pool.c). */
struct tb_pol_pslot {
	int has, free; /* pooled maps; no set in it */
	int pending;   /* being published by the refill's thread */
	int kfd, bfd;
	uint32_t lines, keys; /* their capacity */
};

/* Slots a refill publishes at once: bounds the job and one housekeeping pass. */
#define TB_POL_POOL_BATCH 64

/* A refill's publish, run on a thread (the only state it touches). */
struct tb_pol_pool_job {
	pthread_t thr;
	int running, threaded;
	atomic_int done;
	int err;
	struct tb_pol_map_fds fds;
	uint32_t n, slots[TB_POL_POOL_BATCH];
	int kfds[TB_POL_POOL_BATCH], bfds[TB_POL_POOL_BATCH];
};

struct tb_pol_maps {
	struct tb_pol_map_fds fds;
	struct tb_pol_pool_job job;
	struct pset sets[TB_POL_MAX_SETS];
	struct tb_pol_pslot pool[TB_POL_MAX_SETS];
	unsigned n_pooled, n_pool_free;
	struct tb_pol_pool_conf pool_conf;
	struct tb_pol_pool_stats pool_st;
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

/* Removes sets (or undoes prepared ones): pooled slots go back to the pool when there is room. */
void tb_pol_sets_drop(struct tb_pol_maps *m, const uint32_t *slots, uint32_t n);

void tb_pol_pool_init(struct tb_pol_maps *m);
void tb_pol_pool_free_all(struct tb_pol_maps *m);
/* A free pooled slot with room for the set; its fds stay owned by the pool. -ENOSPC if none. */
int tb_pol_pool_take(struct tb_pol_maps *m, uint32_t n_lines, uint32_t n_lpm, uint32_t *slot,
		     int *kfd, int *bfd);
/* 1: the slot's set is gone and its maps are emptied and free again; 0: no room, or not pooled. */
int tb_pol_pool_release(struct tb_pol_maps *m, uint32_t slot);
void tb_pol_pool_forget(struct tb_pol_maps *m, uint32_t slot);
/* Adoption: 1 if the published slot holds pooled maps (now tracked, in use), 0 if not. */
int tb_pol_pool_adopt(struct tb_pol_maps *m, uint32_t slot);

/* Fills a set's inner maps (created or pooled) and its header. */
int tb_pol_set_fill(const struct tb_pol_map_fds *fds, uint32_t slot,
		    const struct tb_pol_compiled *c, uint32_t rule_base, int kfd, int bfd);
/* Trie entries of the set (the rest go to its hash), and its lines. */
uint32_t tb_pol_set_n_lpm(const struct tb_pol_compiled *c);
uint32_t tb_pol_set_n_lines(const struct tb_pol_compiled *c);
int tb_pol_set_prepare(const struct tb_pol_map_fds *fds, uint32_t slot,
		       const struct tb_pol_compiled *c, uint32_t rule_base, int *kfd, int *bfd);
int tb_pol_sets_publish(const struct tb_pol_map_fds *fds, const uint32_t *slots, const int *kfds,
			const int *bfds, uint32_t n);
void tb_pol_sets_unpublish(const struct tb_pol_map_fds *fds, const uint32_t *slots, uint32_t n);
int tb_pol_counters_zero(int fd, uint32_t base, uint32_t n);

#endif
