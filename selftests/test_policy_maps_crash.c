// SPDX-License-Identifier: Apache-2.0
/*
 * A restarted agent reads the pinned classifier maps back (tb_pol_maps_new) after its last
 * run died anywhere, SIGKILL included. A set's header is written last and cleared first, so a
 * death mid-install or mid-removal leaves trie entries under a slot without a header; a
 * header can also be stale or damaged. Adoption must clean such leftovers up and carry on,
 * never refuse to start (tabbyd then could not start again on that node), and the endpoints'
 * own tables must keep deciding.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "helpers/policy_bpf.h"
#include "helpers/policy_spec.h"

#define FREE_SLOT 200u

struct leftover_case {
	const char *name;
	int trie_keys;	    /* trie entries under the free slot */
	uint32_t line_base; /* its header's lines (n_lines 0: no header) */
	uint32_t n_lines;
};

static const struct leftover_case cases[] = {
    {"trie entries without a header (died inside an install or a removal)", 1, 0, 0},
    {"a header past the end of the lines", 0, 0xfffff000u, 64},
    {"a header over the lines of a live set", 0, 0, 1},
};

/* Writes the leftovers of one case at FREE_SLOT. */
static int make_leftovers(struct tb_pbpf *p, const struct leftover_case *lc)
{
	uint32_t slot = FREE_SLOT, rec = 1;
	int err = 0;

	if (lc->trie_keys) {
		struct tb_pol_lkey k = {.prefixlen = 32 + 8 + 8,
					.slot_be = htonl(FREE_SLOT),
					.field = TB_PF_SRC,
					.data = {4}};

		err = bpf_map_update_elem(p->fds.lpm, &k, &rec, BPF_ANY);
	}
	if (!err && lc->n_lines) {
		struct tb_pol_hdr hdr = {.line_base = lc->line_base,
					 .n_lines = lc->n_lines,
					 .nbits = 1,
					 .nwords = 1,
					 .nsum = 1};

		err = bpf_map_update_elem(p->fds.hdr, &slot, &hdr, BPF_ANY);
	}
	return err;
}

/* Nothing of FREE_SLOT is left: no header, no trie entry under it. */
static int slot_clean(struct tb_pbpf *p)
{
	struct tb_pol_lkey k, next;
	uint32_t slot = FREE_SLOT;
	struct tb_pol_hdr hdr;
	void *prev = NULL;

	if (bpf_map_lookup_elem(p->fds.hdr, &slot, &hdr) || hdr.n_lines)
		return 0;
	while (!bpf_map_get_next_key(p->fds.lpm, prev, &next)) {
		if (ntohl(next.slot_be) == FREE_SLOT)
			return 0;
		k = next;
		prev = &k;
	}
	return 1;
}

static int allowed(struct tb_pbpf *p, const char *flow)
{
	struct tb_policy_result r;
	struct tb_flow f;

	return !tb_spec_flow(flow, &f) && !tb_pbpf_decide(p, 30, 0, &f, 1, &r, NULL) && r.allow;
}

static void run_case(const struct leftover_case *lc)
{
	struct tb_pol_compiled *tcp = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_pol_maps *m2 = NULL;
	struct tb_pbpf p;
	uint32_t s1;
	int ok;

	if (!tcp || tb_pbpf_open(&p) || tb_pbpf_install(&p, tcp, "L", 30, 0, &s1))
		cr_assert_fail("%s: setup", lc->name);
	ok = s1 != FREE_SLOT && !make_leftovers(&p, lc);
	/* a second writer on the same maps: what a restarted agent sees */
	ok = ok && !tb_pol_maps_new(&p.fds, &m2) && tb_pol_maps_n_sets(m2) == 1 && slot_clean(&p);
	ok = ok && allowed(&p, "tcp 10.0.0.1:1 10.0.0.2:2") &&
	     !allowed(&p, "udp 10.0.0.1:1 10.0.0.2:2");
	if (!ok)
		cr_assert_fail("%s: adoption", lc->name);
	tb_pol_maps_free(m2);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
}

Test(policy_maps_crash, adoption_cleans_up_what_a_death_left)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}
