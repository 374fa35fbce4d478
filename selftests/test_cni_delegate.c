// SPDX-License-Identifier: Apache-2.0
/*
 * IPAM across plugin boundaries, with Debian's reference plugins (containernetworking-plugins):
 * `tabby` delegating to `host-local` (ipam.type other than tabby-ipam is executed from
 * CNI_PATH), and the reference `bridge` plugin using `tabby-ipam` as its IPAM.
 */
#include <criterion/criterion.h>

#include "cni_harness.h"

#define REF "/usr/lib/cni"

static void setup(void)
{
	cr_assert_eq(access(REF "/host-local", X_OK), 0, "containernetworking-plugins installed");
	cr_assert_eq(h_setup(), 0, "harness setup");
	cr_assert_eq(h_pool("v4", "10.131.0.0/24"), 0);
}

TestSuite(cni_delegate, .init = setup, .fini = h_teardown, .timeout = 60);

Test(cni_delegate, tabby_with_host_local)
{
	char conf[1024], *out;
	struct h_env env = {"ADD", "hl1", NULL, "eth0", NULL};

	snprintf(
	    conf, sizeof(conf),
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"hlnet\",\"type\":\"tabby\",\"nodename\":\"n1\","
	    "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.132.0.0/24\"}]],"
	    "\"dataDir\":\"%s/host-local\"}}",
	    h_dir);
	env.netns = h_workload_ns();
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "ADD: %s", out);
	cr_assert_not_null(strstr(out, "\"10.132.0."), "%s", out);
	cr_assert_not_null(strstr(out, "/32"), "the workload gets a /32 whatever the range: %s",
			   out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/"), 0, "tabby's IPAM untouched");
	cr_assert_eq(h_count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), 1);
	cr_assert_eq(h_sh("ls %s/host-local/hlnet | grep -q '^10\\.132\\.0\\.'", h_dir), 0);
	env.command = "DEL";
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "DEL: %s", out);
	free(out);
	cr_assert_neq(h_sh("ls %s/host-local/hlnet | grep -q '^10\\.132\\.0\\.'", h_dir), 0,
		      "host-local released its lease");
}

Test(cni_delegate, bridge_with_tabby_ipam)
{
	const char *conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"brnet\",\"type\":\"bridge\","
			   "\"bridge\":\"tbdel0\",\"nodename\":\"n1\","
			   "\"ipam\":{\"type\":\"tabby-ipam\"}}";
	struct h_env env = {"ADD", "br1", NULL, "eth0", NULL};
	char *out;

	env.netns = h_workload_ns();
	cr_assert_eq(h_run(REF "/bridge", &env, conf, &out), 0, "ADD: %s", out);
	cr_assert_not_null(strstr(out, "10.131.0."), "%s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/brnet.br1"), 1);
	env.command = "DEL";
	cr_assert_eq(h_run(REF "/bridge", &env, conf, &out), 0, "DEL: %s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/"), 0);
}
