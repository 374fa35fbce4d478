// SPDX-License-Identifier: Apache-2.0
/*
 * The datapath loader: the programs pass the verifier, maps are pinned by name under the
 * node's pin root on a private bpffs and reused by the next load (conntrack survives an agent
 * restart), a pin of another shape is refused without harm, and the tc programs attach to a
 * veth in a namespace of the test's own, next to an existing clsact, replace atomically and
 * detach idempotently.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_loader.h"
#include "conntrack_table.h"
#include "tabby/conntrack.h"
#include "tabby/counters.h"
#include "tabby/frag.h"

static uint32_t map_id(const struct tb_dp *dp, const char *name)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = tb_dp_map_fd(dp, name);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static uint32_t prog_id(const struct tb_dp *dp, enum tb_dp_hook hook)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(tb_dp_prog_fd(dp, hook), &info, &len))
		return 0;
	return info.id;
}

Test(bpf_loader, loads_unpinned)
{
	struct tb_dp_opts opts = { 0 };
	struct tb_dp *dp = NULL;

	cr_assert_eq(tb_dp_load(&opts, &dp), 0, "default load failed");
	cr_expect_gt(tb_dp_prog_fd(dp, TB_HOOK_INGRESS), 0);
	cr_expect_gt(tb_dp_prog_fd(dp, TB_HOOK_EGRESS), 0);
	cr_expect_eq(tb_dp_map_fd(dp, "no_such_map"), -ENOENT);
	tb_dp_destroy(dp);
}

Test(bpf_loader, pin_root)
{
	char buf[128];

	unsetenv("TABBY_BPF_PIN_PATH");
	cr_expect_eq(tb_dp_pin_root(NULL, "n1", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/sys/fs/bpf/tabby/n1");
	setenv("TABBY_BPF_PIN_PATH", "/run/x/bpf", 1);
	cr_expect_eq(tb_dp_pin_root(NULL, "n2", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/run/x/bpf/n2");
	cr_expect_eq(tb_dp_pin_root("/p", "n3", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/p/n3");
	cr_expect_eq(tb_dp_pin_root("/p", "", buf, sizeof(buf)), -EINVAL);
	cr_expect_eq(tb_dp_pin_root("/p", "node", buf, 4), -ENAMETOOLONG);
}

/* One conntrack entry written (put) or read through the table's mapping: 0 or -errno. */
static int ct_entry(struct tb_dp *dp, const struct tb_ct_key *k, struct tb_ct_value *v, int put)
{
	struct tb_ct_table t;
	int err = tb_ct_table_open(tb_dp_map_fd(dp, TB_CT_MAP_NAME), &t);

	if (!err)
		err = put ? tb_ct_table_put(&t, k, v) : tb_ct_table_get(&t, k, v);
	tb_ct_table_close(&t);
	return err;
}

/* Pins on a bpffs of the test's own under /run, as multi-node tests share them. */
Test(bpf_loader, pins_reused_across_loads)
{
	static const char *const pinned[] = { TB_CT_MAP_NAME, TB_FRAG_MAP_NAME, TB_DROPS_MAP_NAME,
					      TB_STATS_MAP_NAME };
	char dir[64], root[128], path[192];
	struct tb_dp *a = NULL, *b = NULL, *c = NULL;
	struct tb_ct_key key = { .ifindex = 42, .family = 4, .proto = 17 };
	struct tb_ct_value val = { .state = TB_CT_OPEN }, got;
	struct tb_dp_opts opts = { .ct_entries = 1024 };
	const char *why = NULL;
	struct stat st;

	snprintf(dir, sizeof(dir), "/run/tabby-test-loader-%d", getpid());
	snprintf(root, sizeof(root), "%s/nodes/node1", dir);
	if (mkdir(dir, 0700) || mount("bpf", dir, "bpf", 0, NULL))
		cr_assert_fail("cannot mount a bpffs at %s: %s", dir, strerror(errno));
	opts.pin_root = root;
	if (tb_dp_load(&opts, &a)) {
		why = "first load failed";
		goto out;
	}
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, pinned[i]);
		if (stat(path, &st)) {
			why = "a map was not pinned";
			goto out;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", root, TB_TDENY_MAP_NAME);
	if (!stat(path, &st)) {
		why = "the test-only map was pinned";
		goto out;
	}
	if (ct_entry(a, &key, &val, 1)) {
		why = "cannot write conntrack";
		goto out;
	}
	/* An agent restart: the new object takes the pinned maps, entries included. */
	tb_dp_destroy(a);
	a = NULL;
	if (tb_dp_load(&opts, &b)) {
		why = "second load failed";
		goto out;
	}
	if (ct_entry(b, &key, &got, 0) ||
	    got.state != TB_CT_OPEN) {
		why = "conntrack entry lost across loads";
		goto out;
	}
	/* A conntrack table of another size cannot reuse the pin: refused, pin kept. */
	opts.ct_entries = 2048;
	if (!tb_dp_load(&opts, &c)) {
		why = "a pin of another shape was reused";
		goto out;
	}
	if (ct_entry(b, &key, &got, 0) ||
	    map_id(b, TB_CT_MAP_NAME) == 0) {
		why = "the refused load harmed the pinned map";
		goto out;
	}
out:
	tb_dp_destroy(a);
	tb_dp_destroy(b);
	tb_dp_destroy(c);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (why)
		cr_assert_fail("%s", why);
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	return system(cmd) == 0 ? 0 : -1;
}

static uint32_t attached_id(int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TB_TC_HANDLE, .priority = TB_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

/* A namespace of our own with a veth pair; the test process moves into it. */
Test(bpf_loader, attach_replace_detach)
{
	struct tb_dp *dp = NULL, *dp2 = NULL;
	struct tb_dp_opts opts = { .ct_entries = 1024 };
	uint32_t got[2], want[2];
	const char *why = NULL;
	char ns[32], path[64];
	int fd, a, b;

	snprintf(ns, sizeof(ns), "tbdp-%d", getpid());
	if (sh("ip netns add %s && ip -n %s link add tbA type veth peer name tbB && "
	       "ip -n %s link set tbA up", ns))
		cr_assert_fail("cannot create namespace %s", ns);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		why = "cannot enter the namespace";
		goto out;
	}
	close(fd);
	a = if_nametoindex("tbA");
	b = if_nametoindex("tbB");
	/* Someone else's clsact on tbB already. */
	if (!a || !b || system("tc qdisc add dev tbB clsact")) {
		why = "namespace setup failed";
		goto out;
	}
	if (tb_dp_load(&opts, &dp) || tb_dp_load(&opts, &dp2)) {
		why = "load failed";
		goto out;
	}
	if (tb_dp_attach(dp, a) || tb_dp_attach(dp, b)) {
		why = "attach failed";
		goto out;
	}
	if (attached_id(a, BPF_TC_INGRESS) != prog_id(dp, TB_HOOK_INGRESS) ||
	    attached_id(a, BPF_TC_EGRESS) != prog_id(dp, TB_HOOK_EGRESS) ||
	    attached_id(b, BPF_TC_INGRESS) != prog_id(dp, TB_HOOK_INGRESS)) {
		why = "attached programs are not ours";
		goto out;
	}
	/* An upgrade: the new object's programs take the same slot in one replace. */
	if (tb_dp_attach(dp2, a) ||
	    attached_id(a, BPF_TC_INGRESS) != prog_id(dp2, TB_HOOK_INGRESS) ||
	    attached_id(a, BPF_TC_EGRESS) != prog_id(dp2, TB_HOOK_EGRESS)) {
		why = "replace failed";
		goto out;
	}
	/* What a restarted agent reads back: the new object's programs, both hooks. */
	if (tb_dp_query(a, got) || tb_dp_prog_ids(dp2, want) || got[0] != want[0] ||
	    got[1] != want[1] || !want[0] || want[0] == want[1]) {
		why = "query does not report the attached programs";
		goto out;
	}
	if (tb_dp_detach(a) || attached_id(a, BPF_TC_INGRESS) || attached_id(a, BPF_TC_EGRESS)) {
		why = "detach left a program";
		goto out;
	}
	if (tb_dp_query(a, got) || got[0] || got[1]) {
		why = "query after detach";
		goto out;
	}
	if (tb_dp_detach(a)) {
		why = "second detach failed";
		goto out;
	}
out:
	tb_dp_destroy(dp);
	tb_dp_destroy(dp2);
	sh("ip netns del %s", ns);
	if (why)
		cr_assert_fail("%s", why);
}
