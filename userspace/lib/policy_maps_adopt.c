// SPDX-License-Identifier: Apache-2.0
/*
 * Reading pinned classifier maps back when the agent starts: a restarted agent must neither
 * reuse a slot or lines endpoints still use nor lose track of what to delete. Every slot with
 * a header becomes an adopted set (no list key, so never shared), referenced by the endpoints
 * that point at it; when the agent points them at its own sets, the adopted ones are
 * collected. The header is written last and cleared first, so a header means a whole set;
 * what a death mid-install or mid-removal leaves (trie entries without a header) is removed.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy_maps_int.h"

/* The set's rule id range, from the rule words at the start of its lines. */
static int adopt_rule_ids(struct tb_pol_maps *m, const struct tb_pol_hdr *hdr, struct pset *p)
{
	uint32_t lo = UINT32_MAX, hi = 0;
	struct tb_pol_line line;

	for (uint32_t b = 0; b < hdr->nbits; b++) {
		uint32_t li = hdr->line_base + b / TB_POL_LINE_WORDS;
		struct tb_pol_rule r;

		if (b % TB_POL_LINE_WORDS == 0 && bpf_map_lookup_elem(m->fds.lines, &li, &line))
			return -errno;
		memcpy(&r, &line.w[b % TB_POL_LINE_WORDS], sizeof(r));
		lo = r.rule_id < lo ? r.rule_id : lo;
		hi = r.rule_id > hi ? r.rule_id : hi;
	}
	p->rule_base = lo <= hi ? lo : 0;
	p->n_rules = lo <= hi ? hi - lo + 1 : 0;
	return 0;
}

/* A header that cannot be a set this agent wrote: past the lines, or over another set's. */
static int hdr_broken(const struct tb_pol_maps *m, const struct tb_pol_hdr *hdr)
{
	if ((uint64_t)hdr->line_base + hdr->n_lines > m->max_lines ||
	    (uint64_t)hdr->nbits > (uint64_t)hdr->n_lines * TB_POL_LINE_WORDS)
		return 1;
	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		const struct pset *p = &m->sets[s];

		if (p->used && hdr->line_base < p->line_base + p->n_lines &&
		    p->line_base < hdr->line_base + hdr->n_lines)
			return 1;
	}
	return 0;
}

static int adopt_sets(struct tb_pol_maps *m)
{
	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		struct pset *p = &m->sets[s];
		struct tb_pol_hdr hdr;
		int err;

		if (bpf_map_lookup_elem(m->fds.hdr, &s, &hdr))
			return -errno;
		if (!hdr.n_lines)
			continue;
		if (hdr_broken(m, &hdr)) {
			struct tb_pol_hdr zero = {0};

			tb_warn("policy maps: slot %u had a header that fits no set; cleared", s);
			bpf_map_update_elem(m->fds.hdr, &s, &zero, BPF_ANY);
			continue;
		}
		err = adopt_rule_ids(m, &hdr, p);
		if (err)
			return err;
		p->used = 1;
		p->line_base = hdr.line_base;
		p->n_lines = hdr.n_lines;
	}
	return 0;
}

/* Gives each adopted set its trie entries; removes entries of slots without a set. */
static int adopt_trie_keys(struct tb_pol_maps *m)
{
	struct tb_pol_lkey k, next, *stale = NULL, *nk;
	size_t n_stale = 0;
	void *prev = NULL;
	int err = 0;

	while (!err && !bpf_map_get_next_key(m->fds.lpm, prev, &next)) {
		uint32_t slot = ntohl(next.slot_be);
		struct pset *p = slot < TB_POL_MAX_SETS ? &m->sets[slot] : NULL;
		int keep = p && p->used;
		size_t *n = keep ? &p->n_lkeys : &n_stale;
		struct tb_pol_lkey **arr = keep ? &p->lkeys : &stale;

		k = next;
		prev = &k;
		nk = realloc(*arr, (*n + 1) * sizeof(*nk));
		if (!nk) {
			err = -ENOMEM;
			break;
		}
		*arr = nk;
		nk[(*n)++] = k;
	}
	if (n_stale)
		tb_warn("policy maps: %zu trie entries of sets that are gone; removed", n_stale);
	for (size_t i = 0; i < n_stale; i++)
		bpf_map_delete_elem(m->fds.lpm, &stale[i]);
	free(stale);
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
	int err;

	err = adopt_sets(m);
	if (!err)
		err = adopt_trie_keys(m);
	if (!err)
		err = adopt_endpoints(m);
	for (uint32_t s = 0; s < TB_POL_MAX_SETS && !err; s++)
		if (m->sets[s].used && !m->sets[s].refs)
			m->sets[s].dead_since = now;
	return err;
}
