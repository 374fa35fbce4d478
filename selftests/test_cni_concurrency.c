// SPDX-License-Identifier: Apache-2.0
/*
 * 60 ADDs at once through the real plugin, spread over 3 simulated nodes (nodename n0..n2 in
 * the netconf), then 60 DELs at once: no address twice, each from a block affine to its
 * node, one block per node, and nothing left afterwards.
 */
#include <criterion/criterion.h>

#include "cni_harness.h"
#include "ipam.h"
#include "ipam_block.h"

#define PODS 60
#define NODES 3

static void setup(void)
{
	cr_assert_eq(h_setup(), 0, "harness setup");
	cr_assert_eq(h_pool("p", "10.128.0.0/24"), 0);
}

TestSuite(cni_concurrency, .init = setup, .fini = h_teardown, .timeout = 180);

static char conf[PODS][256];
static const char *ns[PODS];

/* Starts all PODS plugin runs of cmd at once; returns how many failed. */
static int burst(const char *cmd, char out[PODS][128])
{
	int pipes[PODS], failed = 0;
	pid_t pids[PODS];

	for (int i = 0; i < PODS; i++) {
		int p[2];

		cr_assert_eq(pipe(p), 0);
		pids[i] = fork();
		cr_assert_geq(pids[i], 0);
		if (pids[i] == 0) {
			struct h_env env = {cmd, NULL, ns[i], "eth0", NULL};
			char cid[16], *o = NULL;
			int rc;

			close(p[0]);
			snprintf(cid, sizeof(cid), "pod%02d", i);
			env.cid = cid;
			rc = h_run(h_bin("tabby"), &env, conf[i], &o);
			if (o && write(p[1], o, strlen(o)) < 0)
				rc = 1;
			_exit(rc ? 1 : 0);
		}
		close(p[1]);
		pipes[i] = p[0];
	}
	for (int i = 0; i < PODS; i++) {
		char buf[8192];
		ssize_t n = 0, k;
		int st;

		while ((k = read(pipes[i], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
			n += k;
		buf[n] = '\0';
		close(pipes[i]);
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			cr_log_error("%s pod%02d: %s", cmd, i, buf);
			failed++;
		}
		if (out) {
			json_t *r = json_loads(buf, 0, NULL);
			const char *a = json_string_value(json_object_get(
			    json_array_get(json_object_get(r, "ips"), 0), "address"));

			snprintf(out[i], 128, "%s", a ? a : "");
			json_decref(r);
		}
	}
	return failed;
}

Test(cni_concurrency, sixty_adds_three_nodes)
{
	static char ips[PODS][128];

	for (int i = 0; i < PODS; i++) {
		ns[i] = h_workload_ns();
		cr_assert_not_null(ns[i]);
		snprintf(conf[i], sizeof(conf[i]),
			 "{\"cniVersion\":\"1.0.0\",\"name\":\"conc\",\"type\":\"tabby\","
			 "\"nodename\":\"n%d\",\"ipam\":{\"type\":\"tabby-ipam\"}}",
			 i % NODES);
	}
	cr_assert_eq(burst("ADD", ips), 0, "every ADD succeeds");
	for (int i = 0; i < PODS; i++) {
		struct tb_cidr blk;
		char key[256], c26[64];

		cr_assert_neq(ips[i][0], '\0', "pod%02d has an address", i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(ips[i], ips[j], "%s handed out twice", ips[i]);
		snprintf(c26, sizeof(c26), "%.*s/26", (int)strcspn(ips[i], "/"), ips[i]);
		cr_assert_eq(tb_cidr_parse(c26, &blk), 0);
		snprintf(key, sizeof(key), "n%d", i % NODES);
		tb_ipam_affinity_key(key, &blk, c26, sizeof(c26));
		cr_assert(h_key_exists(c26), "%s is from n%d's block", ips[i], i % NODES);
	}
	cr_assert_eq(h_count("/calico/ipam/v2/assignment/ipv4/block/"), NODES, "a block per node");
	cr_assert_eq(h_count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), PODS);

	cr_assert_eq(burst("DEL", NULL), 0, "every DEL succeeds");
	cr_assert_eq(h_count("/calico/ipam/v2/handle/"), 0, "no handle left");
	cr_assert_eq(h_count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), 0);
	{
		struct tb_kv_list l;

		cr_assert_eq(tb_ds_list(h_ds, "/calico/ipam/v2/assignment/", &l), 0);
		for (size_t i = 0; i < l.n; i++) {
			struct tb_ipam_block b;

			cr_assert_eq(tb_ipam_block_from_json(l.items[i].value, &b), 0);
			cr_assert_eq(tb_ipam_block_used(&b), 0, "%s still holds addresses",
				     l.items[i].key);
			tb_ipam_block_free(&b);
		}
		tb_kv_list_free(&l);
	}
}
