// SPDX-License-Identifier: Apache-2.0
/*
 * Skeleton loader and tc attachment for the workload datapath (see bpf_loader.h).
 */
#include "bpf_loader.h"
#include "conntrack_table.h"
#include "tabby/policy.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "tabby/conntrack.h"
#include "tabby/frag.h"
#include "workload.skel.h"

struct tb_dp {
	struct workload *skel;
};

/* mkdir -p: the node's pin root may sit several levels under a fresh bpffs. */
static int mkdir_p(const char *path)
{
	char buf[512];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int tb_dp_pin_root(const char *pin_path, const char *node, char *buf, size_t len)
{
	int n;

	if (!node || !*node)
		return -EINVAL;
	if (!pin_path)
		pin_path = getenv("TABBY_BPF_PIN_PATH");
	if (!pin_path || !*pin_path)
		pin_path = TB_BPF_PIN_PATH_DEFAULT;
	n = snprintf(buf, len, "%s/%s", pin_path, node);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int size_maps(struct workload *skel, const struct tb_dp_opts *opts)
{
	struct bpf_map *map;
	int err;

	/* Without a pin root, libbpf would pin under /sys/fs/bpf: tests want no pins at all. */
	if (!opts->pin_root) {
		bpf_object__for_each_map(map, skel->obj) {
			err = bpf_map__set_pin_path(map, NULL);
			if (err)
				return err;
		}
	}

	/* The conntrack table: header, index and sets in one array. */
	err = bpf_map__set_max_entries(skel->maps.tb_ct_v4,
				       tb_ct_elems(tb_ct_nsets(opts->ct_entries ? opts->ct_entries :
										 TB_CT_DEFAULT_ENTRIES)));
	if (err)
		return err;
	err = bpf_map__set_max_entries(skel->maps.tb_pol_lines_v3,
				       opts->pol_lines ? opts->pol_lines : TB_POL_DEFAULT_LINES);
	if (err)
		return err;
	return bpf_map__set_max_entries(skel->maps.tb_frag_v1, opts->frag_entries ?
							       opts->frag_entries :
							       TB_FRAG_DEFAULT_ENTRIES);
}

/*
 * Conntrack stamps are jiffies-based (lib/clock.h): one run of tb_clock_sync measures their
 * offset to CLOCK_MONOTONIC before any packet meets the programs.
 */
static int clock_sync(struct workload *skel)
{
	uint8_t frame[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame));
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tb_clock_sync), &opts);
	return err < 0 ? err : 0;
}

int tb_dp_load(const struct tb_dp_opts *opts, struct tb_dp **out)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = opts->pin_root);
	static const struct tb_dp_config defaults = { .ct = TB_CT_DEFAULT_TIMEOUTS };
	struct tb_dp *dp;
	int err;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	if (opts->pin_root) {
		err = mkdir_p(opts->pin_root);
		if (err) {
			tb_err("bpf: cannot create pin root %s: %s", opts->pin_root,
			       strerror(-err));
			goto err_free;
		}
	}
	dp->skel = workload__open_opts(&oopts);
	if (!dp->skel) {
		err = -errno;
		tb_err("bpf: cannot open the workload object: %s", strerror(-err));
		goto err_free;
	}
	dp->skel->rodata->tb_cfg = opts->cfg ? *opts->cfg : defaults;
	err = size_maps(dp->skel, opts);
	if (err)
		goto err_destroy;
	/* Pinned maps of the same name and shape are reused; a changed shape fails here. */
	err = workload__load(dp->skel);
	if (err) {
		tb_err("bpf: cannot load the workload object (pins under %s): %s",
		       opts->pin_root ? opts->pin_root : "none", strerror(-err));
		goto err_destroy;
	}
	/* A new table gets its hash seed before any packet; a reused one keeps its own. */
	err = tb_ct_table_init(bpf_map__fd(dp->skel->maps.tb_ct_v4), &dp->skel->rodata->tb_cfg.ct);
	if (err) {
		tb_err("bpf: cannot set up the conntrack table: %s", strerror(-err));
		goto err_destroy;
	}
	err = clock_sync(dp->skel);
	if (err) {
		tb_err("bpf: cannot align the datapath clock: %s", strerror(-err));
		goto err_destroy;
	}
	*out = dp;
	return 0;

err_destroy:
	workload__destroy(dp->skel);
err_free:
	free(dp);
	return err;
}

void tb_dp_destroy(struct tb_dp *dp)
{
	if (!dp)
		return;
	workload__destroy(dp->skel);
	free(dp);
}

int tb_dp_prog_fd(const struct tb_dp *dp, enum tb_dp_hook hook)
{
	if (hook == TB_HOOK_INGRESS)
		return bpf_program__fd(dp->skel->progs.tb_wl_ingress);
	if (hook == TB_HOOK_EGRESS)
		return bpf_program__fd(dp->skel->progs.tb_wl_egress);
	return -EINVAL;
}

int tb_dp_map_fd(const struct tb_dp *dp, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(dp->skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

void *tb_dp_skel(const struct tb_dp *dp)
{
	return dp->skel;
}

static int attach_hook(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = TB_TC_HANDLE, .priority = TB_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	/* clsact serves both hooks; the second create, or someone else's, finds it there. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &topts);
}

int tb_dp_attach(const struct tb_dp *dp, int ifindex)
{
	int err;

	err = attach_hook(ifindex, BPF_TC_INGRESS, tb_dp_prog_fd(dp, TB_HOOK_INGRESS));
	if (err) {
		tb_err("bpf: attach tc ingress on ifindex %d: %s", ifindex, strerror(-err));
		return err;
	}
	err = attach_hook(ifindex, BPF_TC_EGRESS, tb_dp_prog_fd(dp, TB_HOOK_EGRESS));
	if (err)
		tb_err("bpf: attach tc egress on ifindex %d: %s", ifindex, strerror(-err));
	return err;
}

static int detach_hook(int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = TB_TC_HANDLE, .priority = TB_TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &topts);

	/* Nothing attached (or no clsact at all) is already the state we want. */
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

static int query_hook(int ifindex, enum bpf_tc_attach_point point, uint32_t *id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = TB_TC_HANDLE, .priority = TB_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &topts);

	*id = err ? 0 : topts.prog_id;
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

int tb_dp_query(int ifindex, uint32_t prog_ids[2])
{
	int err = query_hook(ifindex, BPF_TC_INGRESS, &prog_ids[TB_HOOK_INGRESS]);

	return err ? err : query_hook(ifindex, BPF_TC_EGRESS, &prog_ids[TB_HOOK_EGRESS]);
}

int tb_dp_prog_ids(const struct tb_dp *dp, uint32_t prog_ids[2])
{
	for (int h = TB_HOOK_INGRESS; h <= TB_HOOK_EGRESS; h++) {
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);

		if (bpf_obj_get_info_by_fd(tb_dp_prog_fd(dp, h), &info, &len))
			return -errno;
		prog_ids[h] = info.id;
	}
	return 0;
}

int tb_dp_detach(int ifindex)
{
	int err = detach_hook(ifindex, BPF_TC_INGRESS);
	int err2 = detach_hook(ifindex, BPF_TC_EGRESS);

	return err ? err : err2;
}
