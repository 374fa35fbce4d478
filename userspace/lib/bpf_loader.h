/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workload datapath object: open the skeleton, write the `const volatile` config, size the
 * maps, load, pin the maps by name under the node's pin root (reusing pins that exist, so a
 * restarted agent keeps conntrack and counters), and attach the two tc programs to a workload
 * veth through clsact (an existing clsact hook is fine; an existing tabby filter is replaced
 * atomically).
 */
#ifndef TABBY_BPF_LOADER_H
#define TABBY_BPF_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "tabby/config.h"

#define TB_BPF_PIN_PATH_DEFAULT "/sys/fs/bpf/tabby"

/* Our tc filter's place in the clsact hooks: other filters may sit at other priorities. */
#define TB_TC_HANDLE 0x7ab
#define TB_TC_PRIORITY 1

struct tb_dp_opts {
	const char *pin_root;		/* "<TABBY_BPF_PIN_PATH>/<node>"; NULL: no pins */
	uint32_t ct_entries;		/* 0: TB_CT_DEFAULT_ENTRIES */
	uint32_t frag_entries;		/* 0: TB_FRAG_DEFAULT_ENTRIES */
	uint32_t pol_lines;		/* classifier lines of all sets; 0: TB_POL_DEFAULT_LINES */
	const struct tb_dp_config *cfg;	/* NULL: Calico's default timeouts, no flags */
};

enum tb_dp_hook {
	TB_HOOK_INGRESS = 0,	/* tc ingress of the host-side veth: from the workload */
	TB_HOOK_EGRESS = 1,	/* tc egress: to the workload */
};

struct tb_dp;

/* Opens, configures and loads the object. 0 or -errno; *out is set on success only. */
int tb_dp_load(const struct tb_dp_opts *opts, struct tb_dp **out);
void tb_dp_destroy(struct tb_dp *dp);

int tb_dp_prog_fd(const struct tb_dp *dp, enum tb_dp_hook hook);
/* A map of the object by name (e.g. TB_CT_MAP_NAME); -ENOENT if none. */
int tb_dp_map_fd(const struct tb_dp *dp, const char *name);
/* The skeleton itself (struct workload *), for tests and the classifier's maps. */
void *tb_dp_skel(const struct tb_dp *dp);

/* Attaches both programs to ifindex (creating clsact if missing). 0 or -errno. */
int tb_dp_attach(const struct tb_dp *dp, int ifindex);
/* Removes tabby's filters from both hooks; absent filters are not an error. */
int tb_dp_detach(int ifindex);
/*
 * What is attached at tabby's place on ifindex, for reconciling after a restart: the program
 * ids by enum tb_dp_hook, 0 where nothing is. 0 or -errno (a missing clsact is not an error).
 */
int tb_dp_query(int ifindex, uint32_t prog_ids[2]);
/* The ids of this object's programs by enum tb_dp_hook, to compare with tb_dp_query(). */
int tb_dp_prog_ids(const struct tb_dp *dp, uint32_t prog_ids[2]);

/*
 * "<pin_path>/<node>", pin_path from TABBY_BPF_PIN_PATH when NULL (default
 * /sys/fs/bpf/tabby). 0, -EINVAL for an empty node, -ENAMETOOLONG.
 */
int tb_dp_pin_root(const char *pin_path, const char *node, char *buf, size_t len);

#endif
