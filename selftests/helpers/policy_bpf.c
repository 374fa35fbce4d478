// SPDX-License-Identifier: Apache-2.0
/* The classifier's test program, loaded privately (see policy_bpf.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* the skeleton names struct tb_policy_result: tabby/policy.h first */
#include "policy_bpf.h"
#include "progs/policy_test.skel.h"

struct tb_ptest_in {
	uint8_t eth[14];
	uint32_t ifindex;
	uint32_t dir;
	struct tb_flow flow;
} __attribute__((packed));

int tb_pbpf_open(struct tb_pbpf *p)
{
	return tb_pbpf_open_lines(p, 0);
}

int tb_pbpf_open_lines(struct tb_pbpf *p, uint32_t lines)
{
	struct bpf_map *map;
	int err;

	memset(p, 0, sizeof(*p));
	p->skel = policy_test__open();
	if (!p->skel)
		return -errno;
	/* private maps: never pinned, never shared with a running agent or another test */
	bpf_object__for_each_map(map, p->skel->obj) bpf_map__set_pin_path(map, NULL);
	err = lines ? bpf_map__set_max_entries(p->skel->maps.tb_pol_lines_v3, lines) : 0;
	if (!err)
		err = policy_test__load(p->skel);
	if (err)
		goto fail;
	p->prog_fd = bpf_program__fd(p->skel->progs.tb_policy_test);
	p->log_fd = bpf_map__fd(p->skel->maps.tb_pol_log_v1);
	err = tb_pol_map_fds_from_object(p->skel->obj, &p->fds);
	if (err)
		goto fail;
	err = tb_pol_maps_new(&p->fds, &p->maps);
	if (err)
		goto fail;
	return 0;
fail:
	policy_test__destroy(p->skel);
	p->skel = NULL;
	return err < 0 ? err : -EINVAL;
}

void tb_pbpf_close(struct tb_pbpf *p)
{
	tb_pol_maps_free(p->maps);
	policy_test__destroy(p->skel);
	memset(p, 0, sizeof(*p));
}

int tb_pbpf_decide(struct tb_pbpf *p, uint32_t ifindex, uint32_t dir, const struct tb_flow *f,
		   uint32_t repeat, struct tb_policy_result *res, uint32_t *ns)
{
	struct tb_ptest_in in = {.eth = {[12] = 0x08}, .ifindex = ifindex, .dir = dir, .flow = *f};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = &in, .data_size_in = sizeof(in),
		    .repeat = repeat ? repeat : 1);
	int err = bpf_prog_test_run_opts(p->prog_fd, &opts);

	if (err)
		return err < 0 ? err : -EIO;
	*res = p->skel->bss->tb_ptest_res;
	if (ns)
		*ns = opts.duration;
	return 0;
}

int tb_pbpf_install(struct tb_pbpf *p, const struct tb_pol_compiled *c, const char *list_key,
		    uint32_t ifindex, uint32_t dir, uint32_t *slot)
{
	uint32_t s;
	int err = tb_pol_maps_get(p->maps, list_key, c, &s);

	if (err)
		return err;
	err = tb_pol_maps_attach(p->maps, ifindex, dir, s);
	if (err) {
		tb_pol_maps_put(p->maps, s);
		return err;
	}
	if (slot)
		*slot = s;
	return 0;
}

int tb_pbpf_counter(struct tb_pbpf *p, uint32_t rule_id, uint64_t *packets, uint64_t *bytes)
{
	return tb_pol_maps_counter(p->maps, rule_id, packets, bytes);
}
