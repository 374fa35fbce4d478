// SPDX-License-Identifier: Apache-2.0
/* Table sets by slot and by list key, endpoints pointing at them, rule id ranges. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy_maps_int.h"

/* Longer than any program run between reading an endpoint's slot and its last lookup. */
/*
 * How long an unreferenced set stays installed: long enough for packets that read its slot
 * just before a flip, and for a list that comes back soon (a label or policy flipped back) to
 * find its tables instead of paying a compile and an install again.
 */
#define GRACE_NS 10000000000ull

uint64_t tb_pol_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int tb_pol_maps_new(const struct tb_pol_map_fds *fds, struct tb_pol_maps **out)
{
	struct tb_pol_maps *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->fds = *fds;
	err = tb_pol_lines_capacity(fds->lines, &m->max_lines);
	if (!err)
		err = tb_pol_maps_adopt(m);
	if (err) {
		tb_pol_maps_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void tb_pol_maps_free(struct tb_pol_maps *m)
{
	if (!m)
		return;
	for (unsigned s = 0; s < TB_POL_MAX_SETS; s++) {
		free(m->sets[s].key);
		free(m->sets[s].lkeys);
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

/* The range of a set, for sorting the used ones. */
struct range {
	uint32_t base, n;
};

static int by_base(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/*
 * First fit among the lines no live set holds (sets waiting for collection included: a packet
 * may still read them).
 */
static int alloc_lines(const struct tb_pol_maps *m, uint32_t n, uint32_t *base)
{
	struct range *used = malloc((TB_POL_MAX_SETS + 1) * sizeof(*used));
	uint32_t cand = 0, k = 0;

	if (!used)
		return -ENOMEM;
	for (unsigned s = 0; s < TB_POL_MAX_SETS; s++)
		if (m->sets[s].used && m->sets[s].n_lines)
			used[k++] = (struct range){m->sets[s].line_base, m->sets[s].n_lines};
	qsort(used, k, sizeof(*used), by_base);
	for (uint32_t i = 0; i < k && used[i].base < cand + n; i++)
		if (used[i].base + used[i].n > cand)
			cand = used[i].base + used[i].n;
	free(used);
	if ((uint64_t)cand + n > m->max_lines)
		return -ENOSPC;
	*base = cand;
	return 0;
}

void tb_pol_sets_drop(struct tb_pol_maps *m, const uint32_t *slots, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct pset *p = &m->sets[slots[i]];

		/* the header first: without it the slot is free to a restarted agent */
		tb_pol_set_clear(&m->fds, slots[i], p->lkeys, p->n_lkeys);
		free(p->key);
		free(p->lkeys);
		memset(p, 0, sizeof(*p));
	}
}

/* Claims a slot, lines and a rule id range for one set and writes it, header last. */
static int install_one(struct tb_pol_maps *m, const char *key, const struct tb_pol_compiled *c,
		       uint32_t *slot)
{
	uint32_t base, lines, n_lines = tb_pol_set_n_lines(c);
	struct pset *p;
	int err;

	err = alloc_rule_ids(m, c->n_rule_ids, &base);
	if (!err)
		err = alloc_lines(m, n_lines, &lines);
	if (!err)
		err = alloc_slot(m, slot);
	if (err)
		return err;
	p = &m->sets[*slot];
	memset(p, 0, sizeof(*p));
	p->used = 1; /* from here on tb_pol_sets_drop undoes it */
	p->refs = 1;
	p->rule_base = base;
	p->n_rules = c->n_rule_ids;
	p->line_base = lines;
	p->n_lines = n_lines;
	p->key = strdup(key);
	if (!p->key)
		return -ENOMEM;
	err = tb_pol_set_lkeys(c, *slot, &p->lkeys, &p->n_lkeys);
	if (!err)
		err = tb_pol_counters_zero(m->fds.cnt, base, c->n_rule_ids);
	if (!err)
		err = tb_pol_set_write(&m->fds, *slot, c, base, lines, p->lkeys);
	return err;
}

/* Installs n sets, each with one reference. */
static int install_many(struct tb_pol_maps *m, const char *const *keys,
			const struct tb_pol_compiled *const *cs, uint32_t n, uint32_t *slots)
{
	uint32_t done = 0;
	int err = 0;

	while (done < n && !err) {
		slots[done] = UINT32_MAX;
		err = install_one(m, keys[done], cs[done], &slots[done]);
		/* a claimed slot is undone with the others */
		if (!err || (slots[done] < TB_POL_MAX_SETS && m->sets[slots[done]].used))
			done++;
	}
	if (err)
		tb_pol_sets_drop(m, slots, done);
	return err;
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
	return tb_pol_maps_get_many(m, &list_key, &c, 1, slot);
}

int tb_pol_maps_get_many(struct tb_pol_maps *m, const char *const *keys,
			 const struct tb_pol_compiled *const *cs, uint32_t n, uint32_t *slots)
{
	const char **mk = calloc((size_t)n + 1, sizeof(*mk));
	const struct tb_pol_compiled **mc = calloc((size_t)n + 1, sizeof(*mc));
	uint32_t *ms = calloc((size_t)n + 1, sizeof(*ms)), nm = 0, s;
	int err = mk && mc && ms ? 0 : -ENOMEM;

	/*
	 * No collection here: a set found below must still exist when it is referenced. The
	 * owner collects from its housekeeping (tb_pol_maps_gc).
	 */
	/* the keys not installed yet, once each */
	for (uint32_t i = 0; i < n && !err; i++) {
		int dup = 0;

		for (uint32_t k = 0; k < nm; k++)
			dup |= !strcmp(mk[k], keys[i]);
		if (find_key(m, keys[i], &s) || dup)
			continue;
		if (!cs[i])
			err = -ENOENT;
		mk[nm] = keys[i];
		mc[nm++] = cs[i];
	}
	if (!err)
		err = install_many(m, mk, mc, nm, ms);
	/* one reference per request: install gave each new set its first */
	for (uint32_t i = 0; i < nm && !err; i++)
		m->sets[ms[i]].refs = 0;
	for (uint32_t i = 0; i < n && !err; i++) {
		if (!find_key(m, keys[i], &slots[i]))
			err = -ENOENT;
		else
			m->sets[slots[i]].refs++;
	}
	free(ms);
	free(mc);
	free(mk);
	return err;
}

void tb_pol_maps_put(struct tb_pol_maps *m, uint32_t slot)
{
	struct pset *p = slot < TB_POL_MAX_SETS ? &m->sets[slot] : NULL;

	if (!p || !p->used || !p->refs)
		return;
	if (--p->refs == 0)
		p->dead_since = tb_pol_now_ns();
}

int tb_pol_maps_gc(struct tb_pol_maps *m, int force)
{
	uint32_t dead[TB_POL_MAX_SETS], n = 0;
	uint64_t now = tb_pol_now_ns();

	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		struct pset *p = &m->sets[s];

		if (p->used && !p->refs && (force || now - p->dead_since >= GRACE_NS))
			dead[n++] = s;
	}
	tb_pol_sets_drop(m, dead, n);
	return (int)n;
}

/* Moves every endpoint of set `old` to set `slot`. */
static int flip_all(struct tb_pol_maps *m, uint32_t old, uint32_t slot)
{
	int err = 0;

	for (size_t i = 0; i < m->n_eps && !err; i++) {
		struct pep *e = &m->eps[i];

		if (!e->has_slot || e->slot != old)
			continue;
		m->sets[slot].refs++;
		err = tb_pol_ep_point(m, e->ifindex, e->dir, 1, slot, 0);
		if (err)
			m->sets[slot].refs--;
	}
	return err;
}

int tb_pol_maps_replace(struct tb_pol_maps *m, const char *list_key,
			const struct tb_pol_compiled *c)
{
	return tb_pol_maps_replace_many(m, &list_key, &c, 1);
}

int tb_pol_maps_replace_many(struct tb_pol_maps *m, const char *const *keys,
			     const struct tb_pol_compiled *const *cs, uint32_t n)
{
	uint32_t *old = calloc(2 * (size_t)n + 1, sizeof(*old)), *slots = old + n;
	int err = old ? 0 : -ENOMEM;

	/* no collection here, as in tb_pol_maps_get_many */
	for (uint32_t i = 0; i < n && !err; i++) {
		struct pset *p = find_key(m, keys[i], &old[i]);

		if (!p) {
			old[i] = UINT32_MAX;
			continue;
		}
		/* the old set stays alive for its endpoints but is no longer shared by key */
		free(p->key);
		p->key = NULL;
	}
	if (!err)
		err = install_many(m, keys, cs, n, slots);
	for (uint32_t i = 0; i < n && err && old; i++)
		if (old[i] != UINT32_MAX) /* nothing changed: the old sets keep their keys */
			m->sets[old[i]].key = strdup(keys[i]);
	for (uint32_t i = 0; i < n && !err; i++) {
		if (old[i] != UINT32_MAX)
			err = flip_all(m, old[i], slots[i]);
		tb_pol_maps_put(m, slots[i]); /* install's own reference */
		if (err)
			tb_err("policy: flipping endpoints of %s to new tables: %s", keys[i],
			       strerror(-err));
	}
	free(old);
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
