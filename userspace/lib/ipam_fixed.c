// SPDX-License-Identifier: Apache-2.0
/* A fixed address (the ipAddrs annotation): the block that holds it, claimed if new. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam_internal.h"

int tb_ipam_assign_fixed(struct tb_ds *ds, const struct tb_ipam_request *req,
			 const struct tb_ipam_pools *pools, struct tb_ipam_assignment *out,
			 char *errmsg, size_t errlen)
{
	const struct tb_ipam_pool *p = tb_ipam_pool_for_ip(pools, req->fixed);
	char ipstr[TB_IP_STRLEN], key[256], owner[300];
	struct tb_ipam_block b;
	struct tb_cidr blk;
	int64_t rev = TB_REV_ABSENT;
	struct tb_kv kv;
	int r;

	tb_ip_format(req->fixed, ipstr, sizeof(ipstr));
	if (!p) {
		snprintf(errmsg, errlen, "address %s is in no IPPool", ipstr);
		return -EINVAL;
	}
	/* The block that holds the address: the address with the pool's block size. */
	snprintf(key, sizeof(key), "%s/%d", ipstr, p->block_size);
	tb_cidr_parse(key, &blk);
	tb_ipam_block_key(&blk, key, sizeof(key));
	r = tb_ds_get(ds, key, &kv);
	if (r == 0) {
		rev = kv.mod_revision;
		r = tb_ipam_block_from_json(kv.value, &b);
		tb_kv_free(&kv);
	} else if (r == -ENOENT) {
		snprintf(owner, sizeof(owner), "host:%s", req->node);
		r = tb_ipam_block_init(&b, &blk, owner);
	}
	if (r)
		return r;
	r = tb_ipam_block_assign_ip(&b, req->fixed, req->handle, req->secondary);
	if (r == -EEXIST)
		snprintf(errmsg, errlen, "address %s is already in use", ipstr);
	if (r)
		goto out;
	out->ip = *req->fixed;
	out->block = blk;
	r = tb_ipam_commit(ds, &b, rev,
			   rev == TB_REV_ABSENT ? &(struct tb_ipam_claim){req->node, TB_REV_ANY}
						: NULL,
			   req->handle, 1);
	r = r ? r : 1;
out:
	tb_ipam_block_free(&b);
	return r;
}
