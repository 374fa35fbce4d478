// SPDX-License-Identifier: Apache-2.0
/*
 * A restarted agent reads the pinned classifier maps back (tb_pol_maps_new) after its last
 * run died anywhere, SIGKILL included. Publishing a set updates two outer maps (keys, then
 * bits) and unpublishing removes it from both: a death between the two leaves a slot half
 * written, which nothing points at. Adoption must clear such a slot and carry on, never refuse
 * to start (tabbyd then could not start again on that node), and the endpoints' own tables
 * must keep deciding.
 */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "helpers/policy_bpf.h"
#include "helpers/policy_spec.h"

#define FREE_SLOT 200u

struct half_case {
	const char *name;
	int keys;	/* the free slot has a keys inner map */
	int bits;	/* ... and a bits inner map */
	uint32_t nbits;	/* its header claims this many rules (0: header left alone) */
	int cleared;	/* adoption must leave no keys entry at the slot */
};

static const struct half_case cases[] = {
	{ "keys published, bits not (died inside a publish)", 1, 0, 0, 1 },
	{ "bits of an older set under a new, longer header", 1, 1, 100000, 1 },
	{ "bits left behind (died inside an unpublish)", 0, 1, 0, 1 },
};

/* The inner map an outer map holds at slot, as a new fd; -1 if none. */
static int inner_fd(int outer, uint32_t slot)
{
	uint32_t id;

	if (bpf_map_lookup_elem(outer, &slot, &id))
		return -1;
	return bpf_map_get_fd_by_id(id);
}

/* Writes the half state of one case at FREE_SLOT, borrowing the inner maps of `from`. */
static int make_half(struct tb_pbpf *p, const struct half_case *hc, uint32_t from)
{
	int kfd = inner_fd(p->fds.keys, from), bfd = inner_fd(p->fds.bits, from), err = 0;
	uint32_t slot = FREE_SLOT;
	struct tb_pol_hdr hdr;

	if (kfd < 0 || bfd < 0 || bpf_map_lookup_elem(p->fds.hdr, &from, &hdr))
		err = -1;
	if (!err && hc->nbits) {
		hdr.nbits = hc->nbits;
		err = bpf_map_update_elem(p->fds.hdr, &slot, &hdr, BPF_ANY);
	}
	if (!err && hc->keys)
		err = bpf_map_update_elem(p->fds.keys, &slot, &kfd, BPF_ANY);
	if (!err && hc->bits)
		err = bpf_map_update_elem(p->fds.bits, &slot, &bfd, BPF_ANY);
	if (kfd >= 0)
		close(kfd);
	if (bfd >= 0)
		close(bfd);
	return err;
}

static int allowed(struct tb_pbpf *p, const char *flow)
{
	struct tb_policy_result r;
	struct tb_flow f;

	return !tb_spec_flow(flow, &f) && !tb_pbpf_decide(p, 30, 0, &f, 1, &r, NULL) && r.allow;
}

static void run_case(const struct half_case *hc)
{
	struct tb_pol_compiled *tcp = tb_spec_compile("profile k; rule allow proto=6");
	struct tb_pol_maps *m2 = NULL;
	uint32_t s1, slot = FREE_SLOT, id;
	struct tb_pbpf p;
	int r, ok;

	if (!tcp || tb_pbpf_open(&p))
		cr_assert_fail("%s: setup", hc->name);
	if (tb_pbpf_install(&p, tcp, "L", 30, 0, &s1) || s1 == FREE_SLOT || make_half(&p, hc, s1))
		cr_assert_fail("%s: setup of the half state", hc->name);
	/* what the restarted agent does first */
	r = tb_pol_maps_new(&p.fds, &m2);
	ok = !r && tb_pol_maps_n_sets(m2) == 1;
	ok = ok && (!hc->cleared || bpf_map_lookup_elem(p.fds.keys, &slot, &id));
	ok = ok && allowed(&p, "tcp 10.0.0.1:1 10.0.0.2:2") &&
	     !allowed(&p, "udp 10.0.0.1:1 10.0.0.2:2");
	if (!ok)
		cr_assert_fail("%s: adoption %s, %u sets", hc->name, r ? strerror(-r) : "ok",
			       m2 ? tb_pol_maps_n_sets(m2) : 0);
	tb_pol_maps_free(m2);
	tb_pbpf_close(&p);
	tb_pol_compiled_free(tcp);
}

Test(policy_maps_crash, half_written_slots_are_cleared_on_adoption)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}
