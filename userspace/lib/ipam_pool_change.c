// SPDX-License-Identifier: Apache-2.0
/*
 * Whether an IPPool may change without stranding allocated addresses. tabbyctl's apply
 * calls this before writing an IPPool that already exists: a CIDR that no longer covers a
 * block in use, or a blockSize change while the pool has addresses out, is refused with a
 * sentence that says what is in the way. Deleting a pool is allowed, as in Calico: its
 * addresses stay valid until released.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipam.h"
#include "ipam_block.h"

struct in_use {
	unsigned addrs;	  /* allocated in blocks of the old pool */
	unsigned outside; /* of those, in blocks the new CIDR does not cover */
	char first_outside[TB_CIDR_STRLEN];
};

static int scan(struct tb_ds *ds, const struct tb_ipam_pool *old, const struct tb_ipam_pool *nw,
		struct in_use *u)
{
	struct tb_kv_list l;
	int r;

	r = tb_ipam_blocks_list(ds, old->cidr.ip.family, &l);
	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		struct tb_ipam_block b;
		uint32_t used;

		if (tb_ipam_block_from_json(l.items[i].value, &b))
			continue;
		used = tb_cidr_covers(&old->cidr, &b.cidr) ? tb_ipam_block_used(&b) : 0;
		u->addrs += used;
		if (used && !tb_cidr_covers(&nw->cidr, &b.cidr)) {
			if (!u->outside)
				tb_cidr_format(&b.cidr, u->first_outside, sizeof(u->first_outside));
			u->outside += used;
		}
		tb_ipam_block_free(&b);
	}
	tb_kv_list_free(&l);
	return 0;
}

int tb_ipam_pool_change_check(struct tb_ds *ds, const char *name, const json_t *old_spec,
			      const json_t *new_spec, char *errmsg, size_t errlen)
{
	struct tb_ipam_pool old, nw;
	struct in_use u = {0};
	char cidr[TB_CIDR_STRLEN];
	int r;

	if (tb_ipam_pool_from_json(name, old_spec, &old))
		return 0; /* the stored one was unusable: nothing can be allocated from it */
	r = tb_ipam_pool_from_json(name, new_spec, &nw);
	if (r) {
		snprintf(errmsg, errlen, "IPPool %s: invalid cidr or blockSize", name);
		goto out_old;
	}
	if (tb_ip_equal(&old.cidr.ip, &nw.cidr.ip) && old.cidr.len == nw.cidr.len &&
	    old.block_size == nw.block_size)
		goto out;
	r = scan(ds, &old, &nw, &u);
	if (r) {
		snprintf(errmsg, errlen, "IPPool %s: cannot read its blocks: %s", name,
			 strerror(-r));
		goto out;
	}
	tb_cidr_format(&nw.cidr, cidr, sizeof(cidr));
	if (old.block_size != nw.block_size && u.addrs) {
		snprintf(
		    errmsg, errlen,
		    "IPPool %s: blockSize cannot change from %d to %d while %u address%s "
		    "allocated from it; release them, or create a new pool and disable this one",
		    name, old.block_size, nw.block_size, u.addrs, u.addrs == 1 ? " is" : "es are");
		r = -EBUSY;
	} else if (u.outside) {
		snprintf(errmsg, errlen,
			 "IPPool %s: cidr %s would strand %u allocated address%s (block %s%s); "
			 "release them first or keep a cidr that covers them",
			 name, cidr, u.outside, u.outside == 1 ? "" : "es", u.first_outside,
			 u.outside > 1 ? " and others" : "");
		r = -EBUSY;
	}
out:
	tb_ipam_pool_free(&nw);
out_old:
	tb_ipam_pool_free(&old);
	return r;
}
