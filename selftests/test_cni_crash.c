// SPDX-License-Identifier: Apache-2.0
/*
 * Crash safety: the plugin is killed with SIGKILL at moments spread over its ADD, again and
 * again. IPAM's single-transaction changes leave no half-written block or handle; what a
 * kill can leave is an address whose endpoint was never written, which `ipam check` must
 * find and `ipam check --fix` must release, after which every allocated address belongs to
 * an endpoint and no handle is stale.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <time.h>

#include "cni_harness.h"
#include "ipam.h"
#include "ipam_block.h"

static const char *conf =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"crash\",\"type\":\"tabby\",\"nodename\":\"n1\","
    "\"ipam\":{\"type\":\"tabby-ipam\",\"assign_ipv6\":\"true\"}}";

#define ROUNDS 30

static void setup(void)
{
	cr_assert_eq(h_setup(), 0, "harness setup");
	cr_assert_eq(h_pool("v4", "10.127.0.0/24"), 0);
	cr_assert_eq(h_pool("v6", "fd00:127::/112"), 0);
}

TestSuite(cni_crash, .init = setup, .fini = h_teardown, .timeout = 120);

/* Starts ADD and kills it after delay_us; returns once it is reaped. */
static void add_and_kill(const char *cid, const char *ns, long delay_us)
{
	char nspath[96];
	pid_t pid;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", h_node);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(nspath, O_RDONLY), dn = open("/dev/null", O_WRONLY);

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(120);
		dup2(p[0], 0);
		dup2(dn, 1);
		dup2(dn, 2);
		close(p[1]);
		setenv("CNI_COMMAND", "ADD", 1);
		setenv("CNI_CONTAINERID", cid, 1);
		setenv("CNI_NETNS", ns, 1);
		setenv("CNI_IFNAME", "eth0", 1);
		execl(h_bin("tabby"), "tabby", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	if (write(p[1], conf, strlen(conf)) < 0)
		cr_log_warn("short write to the plugin");
	close(p[1]);
	usleep((useconds_t)delay_us);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static unsigned allocated(void)
{
	struct tb_kv_list l;
	unsigned n = 0;

	cr_assert_eq(tb_ds_list(h_ds, "/calico/ipam/v2/assignment/", &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		struct tb_ipam_block b;

		cr_assert_eq(tb_ipam_block_from_json(l.items[i].value, &b), 0, "block %s is whole",
			     l.items[i].key);
		n += tb_ipam_block_used(&b);
		tb_ipam_block_free(&b);
	}
	tb_kv_list_free(&l);
	return n;
}

Test(cni_crash, kill_during_add_then_check_fix)
{
	char *text = NULL;
	size_t len = 0;
	unsigned found = 0, after = 0;
	size_t weps;
	FILE *f;

	for (int i = 0; i < ROUNDS; i++) {
		char cid[32];

		snprintf(cid, sizeof(cid), "k%02d", i);
		/* 0.5 ms steps across the ~15 ms an ADD takes here. */
		add_and_kill(cid, h_workload_ns(), 500L * i);
	}
	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_check(h_ds, false, f, &found), 0);
	fclose(f);
	cr_log_info("check found %u problem(s) after %d kills:\n%s", found, ROUNDS, text);
	free(text);
	weps = h_count("/calico/resources/v3/projectcalico.org/workloadendpoints/");
	cr_assert_eq(allocated() - found, 2 * weps,
		     "every address is either an endpoint's (two each) or reported");

	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_check(h_ds, true, f, NULL), 0);
	fclose(f);
	free(text);
	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_check(h_ds, false, f, &after), 0);
	fclose(f);
	cr_assert_eq(after, 0, "nothing left after --fix: %s", text);
	free(text);
	cr_assert_eq(allocated(), 2 * weps, "only endpoints' addresses remain allocated");
}

Test(cni_crash, check_repairs_stale_handles_and_affinities)
{
	unsigned found = 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert_eq(h_put("/calico/ipam/v2/handle/crash.ghost",
			   "{\"block\":{\"10.127.0.0/26\":1},\"deleted\":false}"),
		     0);
	cr_assert_eq(h_put("/calico/ipam/v2/host/n9/ipv4/block/10.127.0.192-26",
			   "{\"state\":\"confirmed\",\"deleted\":false}"),
		     0);
	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_check(h_ds, true, f, &found), 0);
	fclose(f);
	cr_assert_eq(found, 2, "%s", text);
	free(text);
	cr_assert(!h_key_exists("/calico/ipam/v2/handle/crash.ghost"));
	cr_assert(!h_key_exists("/calico/ipam/v2/host/n9/ipv4/block/10.127.0.192-26"));
}

Test(cni_crash, show_and_release)
{
	struct h_env env = {"ADD", "shown", NULL, "eth0", NULL};
	char *out, *text = NULL;
	size_t len = 0;
	FILE *f;

	env.netns = h_workload_ns();
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "ADD: %s", out);
	free(out);
	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_show(h_ds, true, f), 0);
	fclose(f);
	cr_assert_not_null(strstr(text, "10.127.0.0/24"), "%s", text);
	cr_assert_not_null(strstr(text, "host:n1"), "%s", text);
	free(text);
	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_release(h_ds, "10.127.0.0", f), 0);
	cr_assert_eq(tb_ipam_cmd_release(h_ds, "10.127.0.0", f), -ENOENT);
	cr_assert_eq(tb_ipam_cmd_release(h_ds, "bogus", f), -EINVAL);
	fclose(f);
	free(text);
}

Test(cni_crash, check_reports_endpoint_with_unallocated_address)
{
	struct h_env env = {"ADD", "lone", NULL, "eth0", NULL};
	unsigned found = 0;
	char *out, *text = NULL;
	size_t len = 0;
	json_t *r;
	struct tb_ip ip;
	FILE *f;

	env.netns = h_workload_ns();
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "ADD: %s", out);
	r = json_loads(out, 0, NULL);
	free(out);
	cr_assert_eq(tb_cidr_parse_ip(json_string_value(json_object_get(
					  json_array_get(json_object_get(r, "ips"), 0), "address")),
				      &ip, &(int){0}),
		     0);
	json_decref(r);
	/* Someone released the address by hand while the workload still uses it. */
	cr_assert_eq(tb_ipam_release_ip(h_ds, &ip), 0);
	f = open_memstream(&text, &len);
	cr_assert_eq(tb_ipam_cmd_check(h_ds, false, f, &found), 0);
	fclose(f);
	cr_assert_eq(found, 1, "%s", text);
	cr_assert_not_null(strstr(text, "IPAM has not allocated"), "%s", text);
	free(text);
}
