// SPDX-License-Identifier: Apache-2.0
/* Table sets by slot and by list key, endpoints pointing at them, rule id ranges. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "policy_maps_int.h"

/* Longer than any program run between reading an endpoint's slot and its last lookup. */
#define GRACE_NS 100000000ull

struct pset {
	int used;
	char *key; /* NULL once replaced: no longer shared */
	unsigned refs;
	uint64_t dead_since; /* refs == 0: when */
	uint32_t rule_base, n_rules;
	struct tb_pol_hkey *hkeys; /* its entries in the shared hash */
	size_t n_hkeys;
};

struct pep {
	uint32_t ifindex, dir, slot;
	int has_slot;
};

struct tb_pol_maps {
	struct tb_pol_map_fds fds;
	struct pset sets[TB_POL_MAX_SETS];
	uint32_t next_slot;
	struct pep *eps;
	size_t n_eps;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int tb_pol_maps_new(const struct tb_pol_map_fds *fds, struct tb_pol_maps **out)
{
	struct tb_pol_maps *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->fds = *fds;
	*out = m;
	return 0;
}

void tb_pol_maps_free(struct tb_pol_maps *m)
{
	if (!m)
		return;
	for (unsigned s = 0; s < TB_POL_MAX_SETS; s++) {
		free(m->sets[s].key);
		free(m->sets[s].hkeys);
	}
	free(m->eps);
	free(m);
}

/* First fit in the rule id space, between the ranges of live sets. */
static int alloc_rule_ids(const struct tb_pol_maps *m, uint32_t n, uint32_t *base)
{
	uint32_t cand = 0;
	int moved = 1;

	while (moved) {
		moved = 0;
		for (unsigned s = 0; s < TB_POL_MAX_SETS; s++) {
			const struct pset *p = &m->sets[s];

			if (p->used && cand < p->rule_base + p->n_rules &&
			    p->rule_base < cand + n) {
				cand = p->rule_base + p->n_rules;
				moved = 1;
			}
		}
	}
	if ((uint64_t)cand + n > TB_POL_MAX_RULE_IDS)
		return -ENOSPC;
	*base = cand;
	return 0;
}

/* Round robin, so a freed slot is reused as late as possible. */
static int alloc_slot(struct tb_pol_maps *m, uint32_t *slot)
{
	for (unsigned i = 0; i < TB_POL_MAX_SETS; i++) {
		uint32_t s = (m->next_slot + i) % TB_POL_MAX_SETS;

		if (!m->sets[s].used) {
			m->next_slot = (s + 1) % TB_POL_MAX_SETS;
			*slot = s;
			return 0;
		}
	}
	return -ENOSPC;
}

static int install(struct tb_pol_maps *m, const char *key, const struct tb_pol_compiled *c,
		   uint32_t *slot)
{
	struct pset *p;
	uint32_t base;
	int err;

	tb_pol_maps_gc(m, 0);
	err = alloc_slot(m, slot);
	if (err)
		return err;
	err = alloc_rule_ids(m, c->n_rule_ids, &base);
	if (!err)
		err = tb_pol_counters_zero(m->fds.cnt, base, c->n_rule_ids);
	p = &m->sets[*slot];
	memset(p, 0, sizeof(*p));
	p->n_hkeys = tb_pol_set_hkeys(c, *slot, &p->hkeys);
	p->key = strdup(key);
	if (!err && (!p->key || !p->hkeys))
		err = -ENOMEM;
	if (!err)
		err = tb_pol_set_write(&m->fds, *slot, c, base);
	if (err) {
		tb_pol_set_unpublish(&m->fds, *slot, p->hkeys, p->n_hkeys);
		free(p->key);
		free(p->hkeys);
		memset(p, 0, sizeof(*p));
		return err;
	}
	p->used = 1;
	p->refs = 1;
	p->rule_base = base;
	p->n_rules = c->n_rule_ids;
	return 0;
}

static struct pset *find_key(struct tb_pol_maps *m, const char *key, uint32_t *slot)
{
	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		if (m->sets[s].used && m->sets[s].key && !strcmp(m->sets[s].key, key)) {
			*slot = s;
			return &m->sets[s];
		}
	}
	return NULL;
}

int tb_pol_maps_get(struct tb_pol_maps *m, const char *list_key, const struct tb_pol_compiled *c,
		    uint32_t *slot)
{
	struct pset *p = find_key(m, list_key, slot);

	if (p) {
		p->refs++;
		return 0;
	}
	if (!c)
		return -ENOENT;
	return install(m, list_key, c, slot);
}

void tb_pol_maps_put(struct tb_pol_maps *m, uint32_t slot)
{
	struct pset *p = slot < TB_POL_MAX_SETS ? &m->sets[slot] : NULL;

	if (!p || !p->used || !p->refs)
		return;
	if (--p->refs == 0)
		p->dead_since = now_ns();
}

int tb_pol_maps_gc(struct tb_pol_maps *m, int force)
{
	uint64_t now = now_ns();
	int n = 0;

	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		struct pset *p = &m->sets[s];

		if (!p->used || p->refs || (!force && now - p->dead_since < GRACE_NS))
			continue;
		tb_pol_set_unpublish(&m->fds, s, p->hkeys, p->n_hkeys);
		free(p->key);
		free(p->hkeys);
		memset(p, 0, sizeof(*p));
		n++;
	}
	return n;
}

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
static int point(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir, int has_slot, uint32_t slot,
		 uint32_t flags)
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
	return point(m, ifindex, dir, 1, slot, 0);
}

int tb_pol_maps_set_too_large(struct tb_pol_maps *m, uint32_t ifindex, uint32_t dir)
{
	return point(m, ifindex, dir, 0, 0, TB_POL_EP_TOO_LARGE);
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

int tb_pol_maps_replace(struct tb_pol_maps *m, const char *list_key,
			const struct tb_pol_compiled *c)
{
	uint32_t old, slot;
	struct pset *p = find_key(m, list_key, &old);
	int err;

	if (p) {
		/* the old set stays alive for its endpoints but is no longer shared by key */
		free(p->key);
		p->key = NULL;
	}
	err = install(m, list_key, c, &slot);
	if (err)
		return err;
	for (size_t i = 0; p && i < m->n_eps && !err; i++) {
		struct pep *e = &m->eps[i];

		if (!e->has_slot || e->slot != old)
			continue;
		m->sets[slot].refs++;
		err = point(m, e->ifindex, e->dir, 1, slot, 0);
		if (err)
			m->sets[slot].refs--;
	}
	tb_pol_maps_put(m, slot); /* install's own reference */
	if (err)
		tb_err("policy: flipping endpoints of %s to new tables: %s", list_key,
		       strerror(-err));
	return err;
}

int tb_pol_maps_rule_id(const struct tb_pol_maps *m, uint32_t slot, uint32_t local,
			uint32_t *global)
{
	if (slot >= TB_POL_MAX_SETS || !m->sets[slot].used || local >= m->sets[slot].n_rules)
		return -ENOENT;
	*global = m->sets[slot].rule_base + local;
	return 0;
}

int tb_pol_maps_rule_owner(const struct tb_pol_maps *m, uint32_t global, uint32_t *slot,
			   uint32_t *local)
{
	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		const struct pset *p = &m->sets[s];

		if (p->used && global >= p->rule_base && global < p->rule_base + p->n_rules) {
			*slot = s;
			*local = global - p->rule_base;
			return 0;
		}
	}
	return -ENOENT;
}

unsigned tb_pol_maps_n_sets(const struct tb_pol_maps *m)
{
	unsigned n = 0;

	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++)
		n += m->sets[s].used;
	return n;
}
