// SPDX-License-Identifier: Apache-2.0
/*
 * Address assignment. One attempt reads what it needs, decides, and commits one transaction
 * conditional on every revision it read; a lost race (-ECANCELED) starts the attempt over.
 * Order of preference, as in Calico: the node's own blocks, then a new block claimed for the
 * node (unless maxBlocksPerHost is reached), then a free address in another node's block
 * (unless strictAffinity).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipam.h"
#include "ipam_block.h"
#include "ipam_internal.h"

#define ASSIGN_ATTEMPTS 200

struct assign_ctx {
	struct tb_ds *ds;
	const struct tb_ipam_request *req;
	struct tb_ipam_pools pools;
	const struct tb_ipam_pool **use; /* pools allowed for this request */
	size_t n_use;
	struct tb_ipam_config cfg;
	struct tb_ipam_resv resv;
	int64_t claim_rev; /* the node's claim key, read when the attempt starts */
};

static bool skip_reserved(const struct tb_ip *ip, void *ctx)
{
	return tb_ipam_resv_contains(ctx, ip);
}

static bool pool_requested(const struct tb_ipam_request *req, const struct tb_ipam_pool *p)
{
	char cidr[TB_CIDR_STRLEN];

	if (!req->n_pools)
		return !p->manual;
	tb_cidr_format(&p->cidr, cidr, sizeof(cidr));
	for (size_t i = 0; i < req->n_pools; i++)
		if (!strcmp(req->pools[i], p->name) || !strcmp(req->pools[i], cidr))
			return true;
	return false;
}

static int pick_pools(struct assign_ctx *c, char *errmsg, size_t errlen)
{
	c->use = calloc(c->pools.n + 1, sizeof(*c->use));
	if (!c->use)
		return -ENOMEM;
	for (size_t i = 0; i < c->pools.n; i++) {
		const struct tb_ipam_pool *p = &c->pools.v[i];
		bool m = false;

		if (p->cidr.ip.family != c->req->family || p->disabled || !p->workload ||
		    !pool_requested(c->req, p))
			continue;
		if (tb_ipam_node_selector_match(p->node_selector, c->req->node_labels, &m)) {
			snprintf(errmsg, errlen, "IPPool %s: nodeSelector '%s' does not parse",
				 p->name, p->node_selector);
			return -EINVAL;
		}
		if (m)
			c->use[c->n_use++] = p;
	}
	if (!c->n_use) {
		snprintf(errmsg, errlen,
			 "no enabled IPv%c IPPool for node %s%s: create one with tabbyctl apply",
			 c->req->family == AF_INET ? '4' : '6', c->req->node,
			 c->req->n_pools ? " among the requested pools" : "");
		return -ENOENT;
	}
	return 0;
}

static const struct tb_ipam_pool *allowed_pool(struct assign_ctx *c, const struct tb_cidr *blk)
{
	for (size_t i = 0; i < c->n_use; i++)
		if (tb_cidr_covers(&c->use[i]->cidr, blk))
			return c->use[i];
	return NULL;
}

/* Assigns in an existing block read at kv; 1 on success, 0 when full, -errno. */
static int try_block(struct assign_ctx *c, const struct tb_kv *kv, bool need_affine,
		     struct tb_ipam_assignment *out)
{
	struct tb_ipam_block b;
	int r;

	r = tb_ipam_block_from_json(kv->value, &b);
	if (r)
		return 0; /* a corrupt block is left for `ipam check`, never written over */
	if ((need_affine && !tb_ipam_block_affine_to(&b, c->req->node)) || b.deleted) {
		r = 0;
		goto out;
	}
	r = tb_ipam_block_assign(&b, 1, c->req->handle, c->req->secondary, skip_reserved, &c->resv,
				 &out->ip);
	if (r <= 0)
		goto out;
	out->block = b.cidr;
	r = tb_ipam_commit(c->ds, &b, kv->mod_revision, NULL, c->req->handle, 1);
	r = r ? r : 1;
out:
	tb_ipam_block_free(&b);
	return r;
}

static int from_affine(struct assign_ctx *c, struct tb_ipam_assignment *out, int *n_affine)
{
	char prefix[512];
	struct tb_kv_list l;
	int r = 0;

	snprintf(prefix, sizeof(prefix), TB_IPAM_PREFIX "host/%s/ipv%c/block/", c->req->node,
		 c->req->family == AF_INET ? '4' : '6');
	r = tb_ds_list(c->ds, prefix, &l);
	if (r)
		return r;
	*n_affine = (int)l.n;
	for (size_t i = 0; i < l.n && r == 0; i++) {
		struct tb_cidr blk;
		char key[512];
		struct tb_kv kv;

		if (tb_ipam_block_key_parse(l.items[i].key, &blk) || !allowed_pool(c, &blk))
			continue;
		tb_ipam_block_key(&blk, key, sizeof(key));
		r = tb_ds_get(c->ds, key, &kv);
		if (r == -ENOENT) {
			r = 0; /* an affinity whose block is gone: check --fix removes it */
			continue;
		}
		if (r)
			break;
		r = try_block(c, &kv, true, out);
		tb_kv_free(&kv);
	}
	tb_kv_list_free(&l);
	return r;
}

/* The list is sorted by key (datastore.h): a binary search keeps claiming in a large pool
 * with many blocks at O(subnets tried x log blocks). */
static bool listed(const struct tb_kv_list *blocks, const char *key)
{
	size_t lo = 0, hi = blocks->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(blocks->items[mid].key, key);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Claims the first unclaimed block of an allowed pool and assigns in it: 1, 0 none, -errno. */
static int claim_block(struct assign_ctx *c, const struct tb_kv_list *blocks,
		       struct tb_ipam_assignment *out)
{
	char key[512], aff[16];

	snprintf(aff, sizeof(aff), "host:");
	for (size_t p = 0; p < c->n_use; p++) {
		const struct tb_ipam_pool *pool = c->use[p];
		uint64_t n = tb_cidr_subnet_count(&pool->cidr, pool->block_size);

		for (uint64_t i = 0; i < n; i++) {
			struct tb_ipam_block b;
			struct tb_cidr blk;
			char owner[300];
			int r;

			tb_cidr_subnet(&pool->cidr, pool->block_size, i, &blk);
			tb_ipam_block_key(&blk, key, sizeof(key));
			if (listed(blocks, key))
				continue;
			snprintf(owner, sizeof(owner), "%s%s", aff, c->req->node);
			r = tb_ipam_block_init(&b, &blk, owner);
			if (r)
				return r;
			b.strict_affinity = c->cfg.strict_affinity;
			r = tb_ipam_block_assign(&b, 1, c->req->handle, c->req->secondary,
						 skip_reserved, &c->resv, &out->ip);
			if (r == 1) {
				out->block = blk;
				struct tb_ipam_claim claim = {c->req->node, c->claim_rev};

				r = tb_ipam_commit(c->ds, &b, TB_REV_ABSENT, &claim, c->req->handle,
						   1);
				r = r ? r : 1;
			}
			tb_ipam_block_free(&b);
			if (r)
				return r; /* 0: the block is all reserved, try the next */
		}
	}
	return 0;
}

static int borrow(struct assign_ctx *c, const struct tb_kv_list *blocks,
		  struct tb_ipam_assignment *out)
{
	for (size_t i = 0; i < blocks->n; i++) {
		struct tb_cidr blk;
		int r;

		if (tb_ipam_block_key_parse(blocks->items[i].key, &blk) || !allowed_pool(c, &blk))
			continue;
		r = try_block(c, &blocks->items[i], false, out);
		if (r)
			return r;
	}
	return 0;
}

static int attempt(struct assign_ctx *c, struct tb_ipam_assignment *out)
{
	struct tb_kv_list blocks;
	int n_affine = 0, r;

	/* Read before the affinities: a claim by this node after this point fails ours. */
	r = tb_ipam_claim_rev(c->ds, c->req->node, c->req->family, &c->claim_rev);
	if (r)
		return r;
	r = from_affine(c, out, &n_affine);
	if (r)
		return r;
	r = tb_ipam_blocks_list(c->ds, c->req->family, &blocks);
	if (r)
		return r;
	if (c->cfg.auto_allocate_blocks &&
	    (!c->cfg.max_blocks_per_host || n_affine < c->cfg.max_blocks_per_host))
		r = claim_block(c, &blocks, out);
	if (r == 0 && !c->cfg.strict_affinity)
		r = borrow(c, &blocks, out);
	tb_kv_list_free(&blocks);
	return r;
}

static void backoff(int i)
{
	/* Our own generator: reseeding the process-wide rand() would disturb other users. */
	static __thread unsigned seed;
	struct timespec ts;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&ts;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(100 + rand_r(&seed) % 400) * 1000L * (i < 10 ? 1 : 4);
	nanosleep(&ts, NULL);
}

static int assign_loop(struct assign_ctx *c, struct tb_ipam_assignment *out, char *errmsg,
		       size_t errlen)
{
	int r = -ECANCELED;

	for (int i = 0; i < ASSIGN_ATTEMPTS && r == -ECANCELED; i++) {
		if (i)
			backoff(i);
		r = c->req->fixed
			? tb_ipam_assign_fixed(c->ds, c->req, &c->pools, out, errmsg, errlen)
			: attempt(c, out);
		if (r == 1)
			return 0;
	}
	if (r == 0) {
		snprintf(
		    errmsg, errlen,
		    "IPv%c pools are exhausted for node %s%s%s: add an IPPool or free addresses"
		    " (tabbyctl ipam check)",
		    c->req->family == AF_INET ? '4' : '6', c->req->node,
		    c->cfg.strict_affinity ? " (strictAffinity forbids borrowing)" : "",
		    c->cfg.max_blocks_per_host ? " (maxBlocksPerHost reached)" : "");
		return -ENOSPC;
	}
	if (r == -ECANCELED)
		snprintf(errmsg, errlen, "IPAM: too much contention, gave up after %d attempts",
			 ASSIGN_ATTEMPTS);
	return r;
}

int tb_ipam_assign(struct tb_ds *ds, const struct tb_ipam_request *req,
		   struct tb_ipam_assignment *out, char *errmsg, size_t errlen)
{
	struct assign_ctx c = {.ds = ds, .req = req};
	const struct tb_ipam_pool *p;
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(errmsg, errlen, "IPAM failed");
	r = tb_ipam_pools_load(ds, &c.pools);
	if (r)
		goto out;
	r = tb_ipam_config_load(ds, &c.cfg);
	if (r)
		goto out;
	r = tb_ipam_resv_load(ds, &c.resv);
	if (r)
		goto out;
	if (!req->fixed) {
		r = pick_pools(&c, errmsg, errlen);
		if (r)
			goto out;
	}
	r = assign_loop(&c, out, errmsg, errlen);
	if (r)
		goto out;
	p = tb_ipam_pool_for_ip(&c.pools, &out->ip);
	if (p)
		snprintf(out->pool, sizeof(out->pool), "%s", p->name);
out:
	if (r && r != -ENOSPC && r != -ENOTSUP && r != -ENOENT && r != -EEXIST && r != -ECANCELED &&
	    r != -EINVAL)
		snprintf(errmsg, errlen, "IPAM: datastore error: %s", strerror(-r));
	tb_ipam_resv_free(&c.resv);
	free(c.use);
	tb_ipam_pools_free(&c.pools);
	return r;
}
