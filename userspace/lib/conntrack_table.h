/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Userspace access to the conntrack table (layout in headers/tabby/conntrack.h) through a
 * shared mapping of the BPF array: lookups, writes and walks cost memory accesses, not
 * syscalls, and follow the same lock-free protocol as the BPF programs (claim a way by
 * compare-and-swap of its set's index word, write, publish tag then fingerprint).
 */
#ifndef TABBY_CONNTRACK_TABLE_H
#define TABBY_CONNTRACK_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "tabby/conntrack.h"

struct tb_ct_table {
	struct tb_ct_set *map;	/* element 0: the header, then the sets' metadata, the sets */
	size_t len;		/* bytes mapped */
	uint32_t nsets;
	uint32_t base;		/* element of set 0 */
	uint32_t seed;
};

/*
 * Gives a new table (magic unset) its header: seed and size; and every table the timeouts
 * its programs now use, for the deadlines of userspace writes. 0 or -errno.
 */
int tb_ct_table_init(int fd, const struct tb_ct_timeouts *timeouts);

/* Maps the table behind map fd `fd`. 0, -EINVAL (not a conntrack table) or -errno. */
int tb_ct_table_open(int fd, struct tb_ct_table *t);
void tb_ct_table_close(struct tb_ct_table *t);

/* The entry for key k: 0 or -ENOENT. Stale entries are returned too (as BPF sees them). */
int tb_ct_table_get(const struct tb_ct_table *t, const struct tb_ct_key *k,
		    struct tb_ct_value *v);

/*
 * Writes k's entry: over its own, else into an empty way, else over the way that expires
 * first (as the datapath does). 0, or -EBUSY when the way was being written meanwhile.
 */
int tb_ct_table_put(struct tb_ct_table *t, const struct tb_ct_key *k, const struct tb_ct_value *v);

/* Deletes k's entry: 0 or -ENOENT. */
int tb_ct_table_delete(struct tb_ct_table *t, const struct tb_ct_key *k);

/*
 * Calls fn for every entry (a consistent copy of it); an entry for which fn returns 1 is
 * deleted unless it changed meanwhile. Stops at fn's first negative return and gives it.
 * `*deleted` (may be NULL) counts deletions.
 */
typedef int (*tb_ct_visit_fn)(const struct tb_ct_key *k, const struct tb_ct_value *v, void *arg);
int tb_ct_table_walk(struct tb_ct_table *t, tb_ct_visit_fn fn, void *arg, uint64_t *deleted);

/* Deletes every entry; `*deleted` (may be NULL) counts them. 0 or -errno. */
int tb_ct_table_clear(struct tb_ct_table *t, uint64_t *deleted);

#endif
