/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One IPAM allocation block, as libcalico-go's AllocationBlock stores it:
 *
 *   {"cidr":"10.0.0.0/26","affinity":"host:node1","strictAffinity":false,
 *    "allocations":[0,null,...],"unallocated":[1,2,...],
 *    "attributes":[{"handle_id":"net.cid","secondary":{...}}],
 *    "sequenceNumber":3,"sequenceNumberForAllocation":{"0":1},"deleted":false}
 *
 * allocations[ordinal] is the index into attributes of the allocation's owner, or null when
 * free; unallocated is the free list in the order addresses are handed out. The in-memory
 * form keeps that shape so a round trip preserves what another writer put there.
 */
#ifndef TABBY_IPAM_BLOCK_H
#define TABBY_IPAM_BLOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipam_addr.h"

struct tb_ipam_attr {
	char *handle_id;   /* NULL for an allocation without handle (a reservation) */
	json_t *secondary; /* object or NULL: node, namespace, pod, timestamp */
};

struct tb_ipam_block {
	struct tb_cidr cidr;
	char *affinity; /* "host:<node>" or NULL */
	bool strict_affinity;
	bool deleted;
	uint32_t size;	   /* addresses in the block */
	int32_t *alloc;	   /* size entries: attribute index or -1 */
	uint32_t *unalloc; /* free ordinals, in hand-out order */
	uint32_t n_unalloc;
	struct tb_ipam_attr *attrs;
	uint32_t n_attrs;
	uint64_t seq;	     /* sequenceNumber */
	uint64_t *seq_alloc; /* sequenceNumberForAllocation per ordinal (0 when unset) */
};

/* A fresh empty block; affinity may be NULL. */
int tb_ipam_block_init(struct tb_ipam_block *b, const struct tb_cidr *cidr, const char *affinity);
void tb_ipam_block_free(struct tb_ipam_block *b);
/* Parses the stored JSON. -EINVAL names nothing: the caller adds the key to its message. */
int tb_ipam_block_from_json(const char *text, struct tb_ipam_block *b);
/* Serialises; returns malloc'd text or NULL with errno. */
char *tb_ipam_block_to_json(const struct tb_ipam_block *b);

/* Whether the block is affine to node. */
bool tb_ipam_block_affine_to(const struct tb_ipam_block *b, const char *node);
/* Number of allocated addresses. */
uint32_t tb_ipam_block_used(const struct tb_ipam_block *b);

/*
 * Allocates up to want addresses for handle, skipping ordinals for which skip() returns true
 * (reserved addresses). Writes the IPs to out[] and returns how many were taken (0 if full).
 */
typedef bool (*tb_ipam_skip_fn)(const struct tb_ip *ip, void *ctx);
int tb_ipam_block_assign(struct tb_ipam_block *b, uint32_t want, const char *handle,
			 const json_t *secondary, tb_ipam_skip_fn skip, void *skip_ctx,
			 struct tb_ip *out);
/* Allocates exactly ip; -EEXIST if taken, -ERANGE if outside the block. */
int tb_ipam_block_assign_ip(struct tb_ipam_block *b, const struct tb_ip *ip, const char *handle,
			    const json_t *secondary);
/* Releases every address of handle; returns how many. */
uint32_t tb_ipam_block_release_handle(struct tb_ipam_block *b, const char *handle);
/* Releases one address; -ENOENT if it was free. handle_out (may be NULL) gets its handle
 * (malloc'd, NULL if none). */
int tb_ipam_block_release_ip(struct tb_ipam_block *b, const struct tb_ip *ip, char **handle_out);
/* Handle of an allocated ordinal, or NULL. */
const char *tb_ipam_block_handle_at(const struct tb_ipam_block *b, uint32_t ordinal);
/* Count of addresses held by handle. */
uint32_t tb_ipam_block_count_handle(const struct tb_ipam_block *b, const char *handle);

#endif
