// SPDX-License-Identifier: Apache-2.0
/* Endpoints pointing at table sets: one map update per flip, references moved along. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>

#include "policy_maps_int.h"

static struct pep *find_ep(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir, int create)
{
	struct pep *e;

	for (size_t i = 0; i < m->n_eps; i++)
		if (m->eps[i].ifindex == ifindex && m->eps[i].dir == dir)
			return &m->eps[i];
	if (!create)
		return NULL;
	e = realloc(m->eps, (m->n_eps + 1) * sizeof(*e));
	if (!e)
		return NULL;
	m->eps = e;
	e = &m->eps[m->n_eps++];
	*e = (struct pep){.ifindex = ifindex, .dir = dir};
	return e;
}

/* One update of the endpoint's entry, then the old set loses the endpoint's reference. */
int tb_pol_ep_point(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir, int has_slot,
		    uint32_t slot, uint32_t flags)
{
	struct tb_pol_ep_key k = {.ifindex = ifindex, .dir = dir};
	struct tb_pol_ep v = {.slot = slot, .flags = flags};
	struct pep *e = find_ep(m, ifindex, dir, 1);

	if (!e)
		return -ENOMEM;
	if (bpf_map_update_elem(m->fds.ep, &k, &v, BPF_ANY))
		return -errno;
	if (e->has_slot)
		tb_pol_maps_put(m, e->slot);
	e->has_slot = has_slot;
	e->slot = slot;
	return 0;
}

int tb_pol_maps_attach(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir, uint32_t slot)
{
	if (slot >= TB_POL_MAX_SETS || !m->sets[slot].used)
		return -ENOENT;
	return tb_pol_ep_point(m, ifindex, dir, 1, slot, 0);
}

int tb_pol_maps_set_too_large(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir)
{
	return tb_pol_ep_point(m, ifindex, dir, 0, 0, TB_POL_EP_TOO_LARGE);
}

int tb_pol_maps_detach(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir)
{
	struct tb_pol_ep_key k = {.ifindex = ifindex, .dir = dir};
	struct pep *e = find_ep(m, ifindex, dir, 0);

	if (!e)
		return -ENOENT;
	if (bpf_map_delete_elem(m->fds.ep, &k) && errno != ENOENT)
		return -errno;
	if (e->has_slot)
		tb_pol_maps_put(m, e->slot);
	*e = m->eps[--m->n_eps];
	return 0;
}
