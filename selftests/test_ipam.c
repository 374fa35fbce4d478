// SPDX-License-Identifier: Apache-2.0
/* Block IPAM on a real datastore (SQLite, or etcd through test_ipam_etcd.c): pools, affinity,
 * borrowing, limits, reservations, fixed addresses, release, and many processes assigning at once.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/ds_fixture.h"
#include "ipam.h"
#include "ipam_block.h"

/* SQLite by default; etcd when TABBY_TEST_DATASTORE=etcdv3 (test_ipam_etcd.c). */
static struct ds_fx fx;
static struct tb_ds *ds;

static int open_ds(struct tb_ds **out)
{
	return ds_fx_open(&fx, out);
}

static void setup(void)
{
	setenv("TABBY_DATASTORE_SYNC", "normal", 1);
	cr_assert_eq(ds_fx_init(&fx), 0, "datastore fixture");
	cr_assert_eq(open_ds(&ds), 0);
}

static void teardown(void)
{
	if (ds)
		tb_ds_close(ds);
	ds = NULL;
	ds_fx_cleanup(&fx);
}

static void put_pool(const char *name, const char *spec)
{
	char key[256], val[1024];

	snprintf(key, sizeof(key), TB_IPPOOL_PREFIX "%s", name);
	snprintf(val, sizeof(val),
		 "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"IPPool\","
		 "\"metadata\":{\"name\":\"%s\"},\"spec\":%s}",
		 name, spec);
	cr_assert_eq(tb_ds_put(ds, key, val, TB_REV_ANY, NULL), 0);
}

static int assign(const char *node, const char *handle, int family, char *ip_out)
{
	struct tb_ipam_request req = {.handle = handle, .node = node, .family = family};
	struct tb_ipam_assignment a;
	char err[256];
	int r = tb_ipam_assign(ds, &req, &a, err, sizeof(err));

	if (!r && ip_out)
		tb_ip_format(&a.ip, ip_out, TB_IP_STRLEN);
	return r;
}

static bool key_exists(const char *key)
{
	struct tb_kv kv;

	if (tb_ds_get(ds, key, &kv))
		return false;
	tb_kv_free(&kv);
	return true;
}

TestSuite(ipam, .init = setup, .fini = teardown, .timeout = 60);

Test(ipam, assigns_from_node_block_and_records_keys)
{
	char ip[TB_IP_STRLEN];
	struct tb_kv kv;

	put_pool("p1", "{\"cidr\":\"10.10.0.0/24\",\"blockSize\":26}");
	cr_assert_eq(assign("n1", "net.c1", AF_INET, ip), 0);
	cr_assert_str_eq(ip, "10.10.0.0");
	cr_assert(key_exists("/calico/ipam/v2/assignment/ipv4/block/10.10.0.0-26"));
	cr_assert(key_exists("/calico/ipam/v2/host/n1/ipv4/block/10.10.0.0-26"));
	cr_assert_eq(tb_ds_get(ds, "/calico/ipam/v2/handle/net.c1", &kv), 0);
	cr_assert_not_null(strstr(kv.value, "\"10.10.0.0/26\":1"), "%s", kv.value);
	tb_kv_free(&kv);
	cr_assert_eq(assign("n2", "net.c2", AF_INET, ip), 0);
	cr_assert_str_eq(ip, "10.10.0.64", "a second node claims its own block");
	cr_assert_eq(assign("n1", "net.c3", AF_INET, ip), 0);
	cr_assert_str_eq(ip, "10.10.0.1");
}

Test(ipam, no_pool_is_a_clear_error)
{
	struct tb_ipam_request req = {.handle = "h", .node = "n1", .family = AF_INET};
	struct tb_ipam_assignment a;
	char err[256];

	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), -ENOENT);
	cr_assert_not_null(strstr(err, "IPPool"), "%s", err);
}

Test(ipam, borrows_unless_strict_affinity)
{
	char ip[TB_IP_STRLEN];
	struct tb_ipam_request req = {.handle = "net.b", .node = "n2", .family = AF_INET};
	struct tb_ipam_assignment a;
	char err[256];

	put_pool("p1", "{\"cidr\":\"10.20.0.0/26\",\"blockSize\":26}");
	cr_assert_eq(assign("n1", "net.a", AF_INET, ip), 0);
	cr_assert_eq(assign("n2", "net.b", AF_INET, ip), 0);
	cr_assert_str_eq(ip, "10.20.0.1", "n2 borrows from n1's block");
	cr_assert_eq(
	    tb_ds_put(ds, TB_IPAM_CONFIG_KEY, "{\"strict_affinity\":true}", TB_REV_ANY, NULL), 0);
	req.handle = "net.c";
	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), -ENOSPC);
	cr_assert_not_null(strstr(err, "strictAffinity"), "%s", err);
}

Test(ipam, max_blocks_per_host)
{
	char ip[TB_IP_STRLEN], h[32];

	put_pool("p1", "{\"cidr\":\"10.30.0.0/28\",\"blockSize\":30}");
	cr_assert_eq(tb_ds_put(ds, TB_IPAM_CONFIG_KEY,
			       "{\"strict_affinity\":true,\"maxBlocksPerHost\":1}", TB_REV_ANY,
			       NULL),
		     0);
	for (int i = 0; i < 4; i++) {
		snprintf(h, sizeof(h), "net.%d", i);
		cr_assert_eq(assign("n1", h, AF_INET, ip), 0);
	}
	cr_assert_eq(assign("n1", "net.x", AF_INET, ip), -ENOSPC);
	cr_assert_eq(
	    tb_ds_put(ds, TB_IPAM_CONFIG_KEY, "{\"maxBlocksPerHost\":2}", TB_REV_ANY, NULL), 0);
	cr_assert_eq(assign("n1", "net.x", AF_INET, ip), 0);
	cr_assert_str_eq(ip, "10.30.0.4");
}

Test(ipam, reservations_disabled_pools_selectors_and_requested_pools)
{
	char ip[TB_IP_STRLEN];
	const char *only_b[] = {"b"};
	struct tb_ipam_request req = {
	    .handle = "net.r", .node = "n1", .family = AF_INET, .pools = only_b, .n_pools = 1};
	json_t *labels = json_pack("{ss}", "zone", "east");
	struct tb_ipam_assignment a;
	char err[256];

	put_pool("a", "{\"cidr\":\"10.40.0.0/24\",\"disabled\":true}");
	put_pool("b", "{\"cidr\":\"10.41.0.0/24\",\"nodeSelector\":\"zone == 'east'\"}");
	put_pool("c", "{\"cidr\":\"10.42.0.0/24\"}");
	cr_assert_eq(tb_ds_put(ds, TB_IPRESERVATION_PREFIX "r1",
			       "{\"kind\":\"IPReservation\",\"spec\":{\"reservedCIDRs\":"
			       "[\"10.42.0.0/31\",\"10.41.0.0/32\"]}}",
			       TB_REV_ANY, NULL),
		     0);
	cr_assert_eq(assign("n1", "net.q", AF_INET, ip), 0);
	cr_assert_str_eq(ip, "10.42.0.2", "disabled pool skipped, selector unmatched, reserved");
	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), -ENOENT);
	req.node_labels = labels;
	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), 0, "%s", err);
	tb_ip_format(&a.ip, ip, sizeof(ip));
	cr_assert_str_eq(ip, "10.41.0.1");
	cr_assert_str_eq(a.pool, "b");
	json_decref(labels);
}

Test(ipam, fixed_address)
{
	struct tb_ip want;
	struct tb_ipam_request req = {
	    .handle = "net.f", .node = "n1", .family = AF_INET, .fixed = &want};
	struct tb_ipam_assignment a;
	char err[256];

	put_pool("p", "{\"cidr\":\"10.50.0.0/24\"}");
	cr_assert_eq(tb_ip_parse("10.50.0.77", &want), 0);
	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert(tb_ip_equal(&a.ip, &want));
	req.handle = "net.g";
	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), -EEXIST);
	cr_assert_not_null(strstr(err, "already in use"), "%s", err);
	cr_assert_eq(tb_ip_parse("192.168.9.9", &want), 0);
	cr_assert_eq(tb_ipam_assign(ds, &req, &a, err, sizeof(err)), -EINVAL);
}

Test(ipam, release_by_handle_and_by_ip)
{
	char ip[TB_IP_STRLEN];
	struct tb_ip *ips;
	struct tb_ip x;
	unsigned n = 0;
	size_t nips;

	put_pool("p", "{\"cidr\":\"10.60.0.0/24\"}");
	put_pool("p6", "{\"cidr\":\"fd00:60::/120\"}");
	cr_assert_eq(assign("n1", "net.h", AF_INET, ip), 0);
	cr_assert_eq(assign("n1", "net.h", AF_INET6, ip), 0);
	cr_assert_str_eq(ip, "fd00:60::");
	cr_assert_eq(tb_ipam_handle_ips(ds, "net.h", &ips, &nips), 0);
	cr_assert_eq(nips, 2);
	free(ips);
	cr_assert_eq(tb_ipam_release_handle(ds, "net.h", &n), 0);
	cr_assert_eq(n, 2);
	cr_assert(!key_exists("/calico/ipam/v2/handle/net.h"));
	cr_assert_eq(tb_ipam_release_handle(ds, "net.h", &n), 0, "release is idempotent");
	cr_assert_eq(n, 0);

	cr_assert_eq(assign("n1", "net.i", AF_INET, ip), 0);
	cr_assert_eq(assign("n1", "net.i", AF_INET, ip), 0);
	cr_assert_eq(tb_ip_parse(ip, &x), 0);
	cr_assert_eq(tb_ipam_release_ip(ds, &x), 0);
	cr_assert_eq(tb_ipam_release_ip(ds, &x), -ENOENT);
	cr_assert_eq(tb_ipam_handle_ips(ds, "net.i", &ips, &nips), 0);
	cr_assert_eq(nips, 1, "the handle keeps its other address");
	free(ips);
}

/* --- many processes at once ------------------------------------------------------------ */

#define NODES 3
#define PODS 60

static int child_assign(int i, int fd)
{
	struct tb_ipam_request req = {.family = AF_INET};
	struct tb_ipam_assignment a;
	char node[16], handle[32], err[256], line[128];
	struct tb_ds *d;
	int r;

	snprintf(node, sizeof(node), "node%d", i % NODES);
	snprintf(handle, sizeof(handle), "net.pod%02d", i);
	req.node = node;
	req.handle = handle;
	r = open_ds(&d);
	if (r)
		return 1;
	r = tb_ipam_assign(d, &req, &a, err, sizeof(err));
	tb_ds_close(d);
	if (r) {
		fprintf(stderr, "child %d: %s\n", i, err);
		return 1;
	}
	tb_ip_format(&a.ip, line, sizeof(line));
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s\n", node);
	return write(fd, line, strlen(line)) > 0 ? 0 : 1;
}

static int child_release(int i, int fd)
{
	char handle[32];
	struct tb_ds *d;
	unsigned n = 0;
	int r;

	snprintf(handle, sizeof(handle), "net.pod%02d", i);
	if (open_ds(&d))
		return 1;
	r = tb_ipam_release_handle(d, handle, &n);
	tb_ds_close(d);
	return r || n != 1;
}

/* Runs fn in PODS processes released together; returns how many failed. */
static int run_parallel(int (*fn)(int, int), int out_fd)
{
	int gate[2], failed = 0;
	pid_t pids[PODS];

	if (pipe(gate))
		return -1;
	for (int i = 0; i < PODS; i++) {
		char c;

		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(1);
			_exit(fn(i, out_fd));
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < PODS; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed++;
	}
	return failed;
}

static void check_blocks(int want_used)
{
	struct tb_kv_list l;
	unsigned total = 0;

	cr_assert_eq(tb_ds_list(ds, "/calico/ipam/v2/assignment/ipv4/block/", &l), 0);
	cr_assert_eq(l.n, NODES, "one block claimed per node, got %zu", l.n);
	for (size_t i = 0; i < l.n; i++) {
		struct tb_ipam_block b;

		cr_assert_eq(tb_ipam_block_from_json(l.items[i].value, &b), 0);
		total += tb_ipam_block_used(&b);
		if (want_used)
			cr_assert_eq(tb_ipam_block_used(&b), PODS / NODES);
		tb_ipam_block_free(&b);
	}
	cr_assert_eq(total, (unsigned)want_used);
	tb_kv_list_free(&l);
}

Test(ipam, concurrent_assign_release_three_nodes, .timeout = 120)
{
	char tmpl[] = "/tmp/tabby-ipam-out-XXXXXX", line[128], ips[PODS][128];
	int fd = mkstemp(tmpl), n = 0;
	struct tb_kv_list l;
	FILE *f;

	cr_assert_geq(fd, 0);
	unlink(tmpl);
	put_pool("p", "{\"cidr\":\"10.70.0.0/24\",\"blockSize\":26}");
	cr_assert_eq(run_parallel(child_assign, fd), 0, "every ADD succeeds");
	f = fdopen(fd, "r");
	rewind(f);
	while (fgets(line, sizeof(line), f) && n < PODS) {
		struct tb_ip ip;
		struct tb_cidr blk;
		char key[256], *sp = strchr(line, ' ');

		*sp = '\0';
		sp[strcspn(sp + 1, "\n") + 1] = '\0';
		for (int j = 0; j < n; j++)
			cr_assert_str_neq(ips[j], line, "address %s handed out twice", line);
		snprintf(ips[n++], sizeof(ips[0]), "%s", line);
		/* Each address comes from a block affine to the node that asked. */
		cr_assert_eq(tb_ip_parse(line, &ip), 0);
		blk.ip = ip;
		snprintf(key, sizeof(key), "%s/26", line);
		cr_assert_eq(tb_cidr_parse(key, &blk), 0);
		tb_ipam_affinity_key(sp + 1, &blk, key, sizeof(key));
		cr_assert(key_exists(key), "%s not from %s's block", line, sp + 1);
	}
	fclose(f);
	cr_assert_eq(n, PODS);
	check_blocks(PODS);

	cr_assert_eq(run_parallel(child_release, -1), 0, "every DEL succeeds");
	check_blocks(0);
	cr_assert_eq(tb_ds_list(ds, TB_IPAM_HANDLE_PREFIX, &l), 0);
	cr_assert_eq(l.n, 0, "no handle leaked");
	tb_kv_list_free(&l);
}

struct pool_change_case {
	const char *name;
	const char *spec;
	int want;
	const char *msg_has;
};

/* With 10.80.0.0/24 (blockSize 26) holding one address in 10.80.0.0/26. */
static const struct pool_change_case pool_changes[] = {
    {"same spec", "{\"cidr\":\"10.80.0.0/24\",\"blockSize\":26}", 0, NULL},
    {"grow", "{\"cidr\":\"10.80.0.0/23\",\"blockSize\":26}", 0, NULL},
    {"shrink keeping the used block", "{\"cidr\":\"10.80.0.0/25\",\"blockSize\":26}", 0, NULL},
    {"shrink off the used block", "{\"cidr\":\"10.80.0.128/25\",\"blockSize\":26}", -EBUSY,
     "would strand 1 allocated address (block 10.80.0.0/26)"},
    {"blockSize in use", "{\"cidr\":\"10.80.0.0/24\",\"blockSize\":28}", -EBUSY,
     "blockSize cannot change from 26 to 28"},
    {"nonsense", "{\"cidr\":\"nope\"}", -EINVAL, "invalid"},
};

Test(ipam, pool_changes_that_strand_addresses_are_refused)
{
	json_t *old = json_pack("{sssi}", "cidr", "10.80.0.0/24", "blockSize", 26);
	char ip[TB_IP_STRLEN];

	put_pool("p", "{\"cidr\":\"10.80.0.0/24\",\"blockSize\":26}");
	cr_assert_eq(assign("n1", "net.x", AF_INET, ip), 0);
	for (size_t i = 0; i < sizeof(pool_changes) / sizeof(pool_changes[0]); i++) {
		const struct pool_change_case *c = &pool_changes[i];
		json_t *nw = json_loads(c->spec, 0, NULL);
		char msg[512] = "";
		int r = tb_ipam_pool_change_check(ds, "p", old, nw, msg, sizeof(msg));

		json_decref(nw);
		if (r != c->want || (c->msg_has && !strstr(msg, c->msg_has)))
			cr_assert_fail("case \"%s\": %d, \"%s\"", c->name, r, msg);
	}
	json_decref(old);
}

Test(ipam, ipamconfiguration_resource_wins)
{
	char ip[TB_IP_STRLEN];

	put_pool("p1", "{\"cidr\":\"10.21.0.0/26\",\"blockSize\":26}");
	cr_assert_eq(assign("n1", "net.a", AF_INET, ip), 0);
	/* Calico's stored form says borrow; the applied resource says strict: strict wins. */
	cr_assert_eq(
	    tb_ds_put(ds, TB_IPAM_CONFIG_KEY, "{\"strict_affinity\":false}", TB_REV_ANY, NULL), 0);
	cr_assert_eq(
	    tb_ds_put(ds, TB_IPAMCONFIG_RESOURCE_KEY,
		      "{\"kind\":\"IPAMConfiguration\",\"apiVersion\":\"projectcalico.org/v3\","
		      "\"metadata\":{\"name\":\"default\"},\"spec\":{\"strictAffinity\":true,"
		      "\"maxBlocksPerHost\":0}}",
		      TB_REV_ANY, NULL),
	    0);
	cr_assert_eq(assign("n2", "net.b", AF_INET, ip), -ENOSPC);
}

struct nodesel_case {
	const char *selector;
	int rc;
	bool match;
};

/* Node labels {zone: east, rack: r1}. */
static const struct nodesel_case nodesel_cases[] = {
    {"", 0, true},
    {"all()", 0, true},
    {"zone == 'east'", 0, true},
    {"zone in {'west', 'east'} && !has(gpu)", 0, true},
    {"rack starts with 'r' && zone != 'east'", 0, false},
    {"has(gpu) || zone == \"east\"", 0, true},
    {"zone ==", -EINVAL, true},
};

Test(ipam, node_selectors_use_calico_grammar)
{
	json_t *labels = json_pack("{ssss}", "zone", "east", "rack", "r1");

	for (size_t i = 0; i < sizeof(nodesel_cases) / sizeof(nodesel_cases[0]); i++) {
		const struct nodesel_case *c = &nodesel_cases[i];
		bool m = false;
		int r = tb_ipam_node_selector_match(c->selector, labels, &m);

		if (r != c->rc || (!r && m != c->match))
			cr_assert_fail("selector \"%s\": rc %d match %d", c->selector, r, m);
	}
	json_decref(labels);
}
