// SPDX-License-Identifier: Apache-2.0
/*
 * Reading pinned classifier maps back when the agent starts: a restarted agent must neither
 * reuse a slot endpoints still point at nor lose track of what to delete. Every occupied slot
 * becomes an adopted set (no list key, so never shared), referenced by the endpoints that
 * point at it; when the agent points them at its own sets, the adopted ones are collected.
 * Slots holding pooled maps (policy_maps_pool.c) are recognised by their maps' names and kept
 * in the pool.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "policy_maps_int.h"

/* The set's rule id range, from the rule words at the start of its lines. */
static int adopt_rule_ids(struct tb_pol_maps *m, uint32_t slot, struct pset *p)
{
	struct tb_pol_line line;
	struct tb_pol_hdr hdr;
	uint32_t id, lo = UINT32_MAX, hi = 0;
	int fd, err = 0;

	if (bpf_map_lookup_elem(m->fds.hdr, &slot, &hdr) ||
	    bpf_map_lookup_elem(m->fds.bits, &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	for (uint32_t b = 0; b < hdr.nbits && !err; b++) {
		uint32_t li = b / TB_POL_LINE_WORDS;
		struct tb_pol_rule r;

		if (b % TB_POL_LINE_WORDS == 0 && bpf_map_lookup_elem(fd, &li, &line)) {
			err = -errno;
			break;
		}
		memcpy(&r, &line.w[b % TB_POL_LINE_WORDS], sizeof(r));
		lo = r.rule_id < lo ? r.rule_id : lo;
		hi = r.rule_id > hi ? r.rule_id : hi;
	}
	close(fd);
	p->rule_base = lo <= hi ? lo : 0;
	p->n_rules = lo <= hi ? hi - lo + 1 : 0;
	return err;
}

static int adopt_endpoints(struct tb_pol_maps *m)
{
	struct tb_pol_ep_key k, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->fds.ep, prev, &next)) {
		struct tb_pol_ep v;
		struct pep *e;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(m->fds.ep, &k, &v))
			continue;
		e = realloc(m->eps, (m->n_eps + 1) * sizeof(*e));
		if (!e)
			return -ENOMEM;
		m->eps = e;
		e = &m->eps[m->n_eps++];
		*e = (struct pep){.ifindex = k.ifindex, .dir = k.dir, .slot = v.slot};
		e->has_slot = !(v.flags & TB_POL_EP_TOO_LARGE) && v.slot < TB_POL_MAX_SETS &&
			      m->sets[v.slot].used;
		if (e->has_slot)
			m->sets[v.slot].refs++;
	}
	return 0;
}

int tb_pol_maps_adopt(struct tb_pol_maps *m)
{
	uint64_t now = tb_pol_now_ns();

	int err = 0;

	for (uint32_t s = 0; s < TB_POL_MAX_SETS && !err; s++) {
		uint32_t id;

		if (bpf_map_lookup_elem(m->fds.keys, &s, &id))
			continue;
		m->sets[s].used = 1;
		err = adopt_rule_ids(m, s, &m->sets[s]);
		if (err == -ENOENT) {
			/*
			 * Half written: the last agent died between the two outer map updates of
			 * a publish (or an unpublish). Endpoints are pointed at a slot only once
			 * it is whole, so nothing uses it: free it rather than refuse to start.
			 */
			tb_warn("policy maps: slot %u was left half written; cleared", s);
			tb_pol_sets_unpublish(&m->fds, &s, 1);
			m->sets[s] = (struct pset){ 0 };
			err = 0;
		} else if (!err) {
			err = tb_pol_pool_adopt(m, s);
			err = err > 0 ? 0 : err;
		}
	}
	if (!err)
		err = adopt_endpoints(m);
	for (uint32_t s = 0; s < TB_POL_MAX_SETS && !err; s++) {
		if (!m->sets[s].used || m->sets[s].refs)
			continue;
		m->sets[s].dead_since = now;
		/*
		 * Pooled maps nobody points at (free pool slots, or a set the last agent installed
		 * but never flipped to) go straight back to the pool, emptied.
		 */
		if (m->pool[s].has && m->n_pool_free < m->pool_conf.free_target)
			tb_pol_sets_drop(m, &s, 1);
	}
	return err;
}
