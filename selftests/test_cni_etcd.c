// SPDX-License-Identifier: Apache-2.0
/*
 * The plugin on the etcdv3 datastore, chosen by the netconf (datastore_type, etcd_endpoints):
 * ADD records the endpoint and the addresses in etcd, DEL removes them, and an unreachable
 * etcd is a "try again later" error, not a crash or a hang.
 */
#include <criterion/criterion.h>

#include "cni_harness.h"
#include "helpers/etcd_fixture.h"

static struct etcd_fx efx;
static struct tb_ds *eds;
static char conf[1024];

static void setup(void)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3};

	char nspath[96];
	int fd;

	cr_assert_eq(h_setup(), 0, "harness setup");
	/* The plugins run in the node namespace: etcd must listen on that namespace's loopback,
	 * so this test process moves there before starting it. */
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", h_node);
	fd = open(nspath, O_RDONLY);
	cr_assert(fd >= 0 && setns(fd, CLONE_NEWNET) == 0, "entering the node namespace");
	close(fd);
	cr_assert_eq(etcd_fx_start(&efx, 1, 0), 0, "etcd member");
	cfg.etcd_endpoints = efx.endpoints;
	cr_assert_eq(tb_ds_open(&cfg, &eds), 0);
	cr_assert_eq(
	    tb_ds_put(eds, "/calico/resources/v3/projectcalico.org/ippools/e",
		      "{\"kind\":\"IPPool\",\"apiVersion\":\"projectcalico.org/v3\","
		      "\"metadata\":{\"name\":\"e\"},\"spec\":{\"cidr\":\"10.129.0.0/24\"}}",
		      TB_REV_ANY, NULL),
	    0);
	snprintf(conf, sizeof(conf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"etcdnet\",\"type\":\"tabby\","
		 "\"nodename\":\"e1\",\"datastore_type\":\"etcdv3\",\"etcd_endpoints\":\"%s\","
		 "\"ipam\":{\"type\":\"tabby-ipam\"}}",
		 efx.endpoints);
}

static void teardown(void)
{
	if (eds)
		tb_ds_close(eds);
	eds = NULL;
	etcd_fx_stop(&efx);
	h_teardown();
}

TestSuite(cni_etcd, .init = setup, .fini = teardown, .timeout = 60);

static size_t count(const char *prefix)
{
	struct tb_kv_list l;
	size_t n;

	cr_assert_eq(tb_ds_list(eds, prefix, &l), 0);
	n = l.n;
	tb_kv_list_free(&l);
	return n;
}

Test(cni_etcd, add_del_on_etcd)
{
	struct h_env env = {"ADD", "ec1", NULL, "eth0", NULL};
	char *out;

	env.netns = h_workload_ns();
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "ADD: %s", out);
	cr_assert_not_null(strstr(out, "10.129.0."), "%s", out);
	free(out);
	cr_assert_eq(count("/calico/ipam/v2/handle/etcdnet.ec1"), 1);
	cr_assert_eq(count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), 1);
	cr_assert_eq(h_count("/calico/"), 0, "nothing went to the local store");
	env.command = "DEL";
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "DEL: %s", out);
	free(out);
	cr_assert_eq(count("/calico/ipam/v2/handle/"), 0);
	cr_assert_eq(count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), 0);
}

Test(cni_etcd, unreachable_etcd_is_try_again)
{
	struct h_env env = {"ADD", "ec2", NULL, "eth0", NULL};
	const char *bad =
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"etcdnet\",\"type\":\"tabby\","
	    "\"nodename\":\"e1\",\"datastore_type\":\"etcdv3\","
	    "\"etcd_endpoints\":\"http://127.0.0.1:1\",\"ipam\":{\"type\":\"tabby-ipam\"}}";
	char *out;

	env.netns = h_workload_ns();
	cr_assert_eq(h_run(h_bin("tabby"), &env, bad, &out), 1);
	cr_assert(h_code(out) == 11 || h_code(out) == 5, "%s", out);
	cr_assert_not_null(strstr(out, "127.0.0.1:1"), "the message names the endpoint: %s", out);
	free(out);
}
