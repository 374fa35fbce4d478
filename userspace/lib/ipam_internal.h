/* SPDX-License-Identifier: Apache-2.0 */
/* Pieces shared by the IPAM files; not an API. */
#ifndef TABBY_IPAM_INTERNAL_H
#define TABBY_IPAM_INTERNAL_H

#include "ipam.h"
#include "ipam_block.h"

/* IPReservation CIDRs. */
struct tb_ipam_resv {
	struct tb_cidr *v;
	size_t n;
};

int tb_ipam_resv_load(struct tb_ds *ds, struct tb_ipam_resv *out);
void tb_ipam_resv_free(struct tb_ipam_resv *r);
bool tb_ipam_resv_contains(const struct tb_ipam_resv *r, const struct tb_ip *ip);

/* A handle document in memory: block CIDR -> count. */
struct tb_ipam_handle {
	json_t *blocks; /* object */
	int64_t rev;	/* TB_REV_ABSENT when new */
};

int tb_ipam_handle_read(struct tb_ds *ds, const char *handle, struct tb_ipam_handle *out);
void tb_ipam_handle_free(struct tb_ipam_handle *h);
/* Adds delta addresses of block to the handle (dropping the entry at zero). */
void tb_ipam_handle_add(struct tb_ipam_handle *h, const struct tb_cidr *block, int delta);

/*
 * A block claim by a node. Claims of one node are serialised through a per-node claim key
 * (/calico/ipam/v2/host/<node>/ipvN/claim) whose revision is read when an attempt starts
 * and checked when it commits: two processes of one node racing to claim cannot both win,
 * so a node never claims a second block while its first still has room. rev is
 * TB_REV_ANY for a claim that need not be serialised (a fixed address's block).
 */
struct tb_ipam_claim {
	const char *node;
	int64_t rev;
};

void tb_ipam_claim_key(const char *node, int family, char *buf, size_t len);
/* The claim key's mod revision, TB_REV_ABSENT when it does not exist yet. */
int tb_ipam_claim_rev(struct tb_ds *ds, const char *node, int family, int64_t *rev);

/*
 * Commits a changed block (expected at block_rev; TB_REV_ABSENT when it is new), with a claim
 * (the node's new affinity and its claim key) when claim is non-NULL, and the handle's count
 * moved by delta for this block, in one transaction. -ECANCELED when anything moved
 * meanwhile.
 */
int tb_ipam_commit(struct tb_ds *ds, const struct tb_ipam_block *b, int64_t block_rev,
		   const struct tb_ipam_claim *claim, const char *handle, int delta);

/* One attempt at assigning req->fixed: 1 done, -EEXIST taken, -ECANCELED retry, -errno. */
int tb_ipam_assign_fixed(struct tb_ds *ds, const struct tb_ipam_request *req,
			 const struct tb_ipam_pools *pools, struct tb_ipam_assignment *out,
			 char *errmsg, size_t errlen);

#endif
