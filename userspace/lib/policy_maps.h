/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing compiled classifier tables into the BPF maps of bpf/lib/classifier_maps.h.
 *
 * A table set is installed aside into a free slot and free lines of the shared lines array
 * (lines, trie entries, header last); endpoints then point at it with one update of their
 * tb_pol_ep_v1 entry. Endpoints with the same ordered policy list (the same list key) share
 * one set, reference-counted. A set nobody references is removed after a grace period
 * (packets that read the old slot just before a flip still find its tables), by
 * tb_pol_maps_gc(); its slot and lines are free again only then.
 */
#ifndef TABBY_POLICY_MAPS_H
#define TABBY_POLICY_MAPS_H

#include <stdint.h>

#include "policy_compile.h"

struct tb_pol_map_fds {
	int ep, hdr, lines, lpm, cnt;
};

struct tb_pol_maps;
struct bpf_object;

/* The classifier's maps of a loaded object that includes bpf/lib/policy.h. 0 or -ENOENT. */
int tb_pol_map_fds_from_object(const struct bpf_object *obj, struct tb_pol_map_fds *fds);

/*
 * fds are borrowed (the caller keeps them open while m lives). Maps that already hold sets
 * (pinned by an agent that ran before) are read back: each occupied slot becomes an unshared
 * set referenced by the endpoints pointing at it, collected once none does.
 */
int tb_pol_maps_new(const struct tb_pol_map_fds *fds, struct tb_pol_maps **out);
void tb_pol_maps_free(struct tb_pol_maps *m);

/*
 * Takes a reference on the set of `list_key`, installing `c` for it when none exists
 * (c may be NULL to only share an existing set: -ENOENT if none). *slot receives its slot.
 */
int tb_pol_maps_get(struct tb_pol_maps *m, const char *list_key, const struct tb_pol_compiled *c,
		    uint32_t *slot);
/* The same for n lists at once. */
int tb_pol_maps_get_many(struct tb_pol_maps *m, const char *const *list_keys,
			 const struct tb_pol_compiled *const *cs, uint32_t n, uint32_t *slots);
/* Drops a reference taken by tb_pol_maps_get. */
void tb_pol_maps_put(struct tb_pol_maps *m, uint32_t slot);

/*
 * Points the endpoint at `slot` (one map update), consuming one reference the caller holds
 * on it, and drops the endpoint's reference on the set it pointed at before.
 */
int tb_pol_maps_attach(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir, uint32_t slot);
/* The endpoint's policy is over the limits: deny all of its traffic in this direction. */
int tb_pol_maps_set_too_large(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir);
/* Removes the endpoint's entry (its packets are then denied as having no endpoint). */
int tb_pol_maps_detach(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir);

/*
 * The policy of `list_key` changed: installs `c` aside, flips every endpoint that used the old
 * set to the new one, and leaves the old set to the garbage collector.
 */
int tb_pol_maps_replace(struct tb_pol_maps *m, const char *list_key,
			const struct tb_pol_compiled *c);
/* The same for n lists. */
int tb_pol_maps_replace_many(struct tb_pol_maps *m, const char *const *list_keys,
			     const struct tb_pol_compiled *const *cs, uint32_t n);

/* Removes sets unreferenced for longer than the grace period (all of them when force). */
int tb_pol_maps_gc(struct tb_pol_maps *m, int force);

/* Global rule id (counter index) of the set's local rule id, and back. */
int tb_pol_maps_rule_id(const struct tb_pol_maps *m, uint32_t slot, uint32_t local,
			uint32_t *global);
int tb_pol_maps_rule_owner(const struct tb_pol_maps *m, uint32_t global, uint32_t *slot,
			   uint32_t *local);
/* A rule's packet and byte counters, summed over CPUs (for metrics and `policy trace`). */
int tb_pol_maps_counter(const struct tb_pol_maps *m, uint32_t global, uint64_t *packets,
			uint64_t *bytes);
/* Number of live (installed, not yet collected) sets. */
unsigned tb_pol_maps_n_sets(const struct tb_pol_maps *m);

#endif
