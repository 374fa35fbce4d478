// SPDX-License-Identifier: Apache-2.0
/*
 * The CNI 1.0/1.1 obligations as tests, driving the real `tabby` and `tabby-ipam` binaries
 * in namespaces made here: commands, environment, error codes, result shapes, prevResult on
 * CHECK/DEL, idempotent DEL, GC of attachments not in the valid list, STATUS.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "cni_harness.h"
#include "ipam.h"

#define CONF(ver, extra)                                                                           \
	"{\"cniVersion\":\"" ver                                                                   \
	"\",\"name\":\"spec\",\"type\":\"tabby\",\"nodename\":\"node-a\","                         \
	"\"mtu\":1400" extra ",\"ipam\":{\"type\":\"tabby-ipam\"}}"

static const char *conf_v1 = CONF("1.0.0", "");

static void setup(void)
{
	cr_assert_eq(h_setup(), 0, "harness setup");
	cr_assert_eq(h_pool("v4", "10.123.0.0/24"), 0);
	cr_assert_eq(h_pool("v6", "fd00:123::/112"), 0);
}

TestSuite(cni_spec, .init = setup, .fini = h_teardown, .timeout = 60);

/* --- the table: one obligation per row -------------------------------------------------- */

enum ns_kind { NS_NONE, NS_EMPTY, NS_FRESH, NS_BOGUS };

struct spec_case {
	const char *name;
	const char *plugin;
	const char *command; /* NULL: unset */
	const char *cid;
	enum ns_kind ns;
	const char *ifname;
	const char *args;
	const char *conf;
	int rc;		     /* expected exit status */
	int code;	     /* expected error code (rc 1) */
	const char *out_has; /* substring of stdout */
};

static const struct spec_case cases[] = {
    {"VERSION lists 0.3.0 to 1.1.0", "tabby", "VERSION", NULL, NS_NONE, NULL, NULL, "{}", 0, 0,
     "\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"},
    {"tabby-ipam VERSION", "tabby-ipam", "VERSION", NULL, NS_NONE, NULL, NULL, "{}", 0, 0,
     "\"1.1.0\""},
    {"no CNI_COMMAND", "tabby", NULL, "c", NS_FRESH, "eth0", NULL, NULL, 1, 4, "CNI_COMMAND"},
    {"unknown command", "tabby", "FROB", "c", NS_FRESH, "eth0", NULL, NULL, 1, 4, "FROB"},
    {"ADD without CNI_CONTAINERID", "tabby", "ADD", NULL, NS_FRESH, "eth0", NULL, NULL, 1, 4,
     "CNI_CONTAINERID"},
    {"ADD without CNI_NETNS", "tabby", "ADD", "c", NS_NONE, "eth0", NULL, NULL, 1, 4, "CNI_NETNS"},
    {"ADD without CNI_IFNAME", "tabby", "ADD", "c", NS_FRESH, NULL, NULL, NULL, 1, 4, "CNI_IFNAME"},
    {"ADD with an over-long CNI_IFNAME", "tabby", "ADD", "c", NS_FRESH, "abcdefghijklmnopq", NULL,
     NULL, 1, 4, "interface name"},
    {"ADD into a namespace that does not exist", "tabby", "ADD", "c", NS_BOGUS, "eth0", NULL, NULL,
     1, 3, "CNI_NETNS"},
    {"unsupported cniVersion", "tabby", "ADD", "c", NS_FRESH, "eth0", NULL, CONF("2.0.0", ""), 1, 1,
     "2.0.0"},
    {"configuration that is not JSON", "tabby", "ADD", "c", NS_FRESH, "eth0", NULL, "{nope", 1, 6,
     NULL},
    {"configuration without name", "tabby", "ADD", "c", NS_FRESH, "eth0", NULL,
     "{\"cniVersion\":\"1.0.0\",\"type\":\"tabby\"}", 1, 7, "name"},
    {"bad mtu", "tabby", "ADD", "c", NS_FRESH, "eth0", NULL, CONF("1.0.0", ",\"mtu\":\"x\""), 1, 7,
     "mtu"},
    {"unknown CNI_ARGS key refused", "tabby", "ADD", "c", NS_FRESH, "eth0", "FOO=bar", NULL, 1, 2,
     "IgnoreUnknown"},
    {"malformed CNI_ARGS", "tabby", "ADD", "c", NS_FRESH, "eth0", "FOO", NULL, 1, 4, "KEY=VALUE"},
    {"unknown CNI_ARGS key with IgnoreUnknown=1", "tabby", "ADD", "c-ign", NS_FRESH, "eth0",
     "IgnoreUnknown=1;FOO=bar", NULL, 0, 0, "\"ips\""},
    {"CNI_ARGS IP= asks for a fixed address", "tabby", "ADD", "c-ip", NS_FRESH, "eth0",
     "IgnoreUnknown=1;IP=10.123.0.77", NULL, 0, 0, "\"10.123.0.77/32\""},
    {"CNI_ARGS MAC= sets the workload's MAC", "tabby", "ADD", "c-mac", NS_FRESH, "eth0",
     "IgnoreUnknown=1;MAC=02:42:ac:11:00:07", NULL, 0, 0, "\"02:42:ac:11:00:07\""},
    {"CNI_ARGS MAC= that is no MAC", "tabby", "ADD", "c-mac2", NS_FRESH, "eth0", "MAC=zz", NULL, 1,
     4, "MAC=zz"},
    {"CNI_ARGS IP= outside every pool", "tabby", "ADD", "c-ip2", NS_FRESH, "eth0",
     "IP=192.168.77.1", NULL, 1, 7, "in no IPPool"},
    {"DEL of a container never added", "tabby", "DEL", "never", NS_FRESH, "eth0", NULL, NULL, 0, 0,
     NULL},
    {"DEL with CNI_NETNS empty", "tabby", "DEL", "never", NS_EMPTY, "eth0", NULL, NULL, 0, 0, NULL},
    {"DEL with CNI_NETNS unset", "tabby", "DEL", "never", NS_NONE, "eth0", NULL, NULL, 0, 0, NULL},
    {"CHECK needs 0.4.0 or later", "tabby", "CHECK", "c", NS_FRESH, "eth0", NULL, CONF("0.3.1", ""),
     1, 1, "CHECK"},
    {"CHECK needs a prevResult", "tabby", "CHECK", "c", NS_FRESH, "eth0", NULL, NULL, 1, 7,
     "prevResult"},
    {"GC needs 1.1.0", "tabby", "GC", NULL, NS_NONE, NULL, NULL, NULL, 1, 1, "1.1.0"},
    {"STATUS needs 1.1.0", "tabby", "STATUS", NULL, NS_NONE, NULL, NULL, NULL, 1, 1, "1.1.0"},
    {"STATUS with pools", "tabby", "STATUS", NULL, NS_NONE, NULL, NULL, CONF("1.1.0", ""), 0, 0,
     NULL},
    {"unknown datastore_type", "tabby", "ADD", "c", NS_FRESH, "eth0", NULL,
     CONF("1.0.0", ",\"datastore_type\":\"kubernetes\""), 1, 7, "datastore_type"},
    {"tabby-ipam DEL of nothing", "tabby-ipam", "DEL", "never", NS_EMPTY, "eth0", NULL, NULL, 0, 0,
     NULL},
    {"tabby-ipam ADD gives only ips", "tabby-ipam", "ADD", "c-ipam", NS_FRESH, "eth0", NULL, NULL,
     0, 0, "\"address\": \"10.123.0."},
};

Test(cni_spec, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct spec_case *c = &cases[i];
		struct h_env env = {c->command, c->cid, NULL, c->ifname, c->args};
		char *out = NULL;
		int rc;

		if (c->ns == NS_EMPTY)
			env.netns = "";
		else if (c->ns == NS_BOGUS)
			env.netns = "/run/netns/tabby-does-not-exist";
		else if (c->ns == NS_FRESH)
			env.netns = h_workload_ns();
		rc = h_run(h_bin(c->plugin), &env, c->conf ? c->conf : conf_v1, &out);
		if (rc != c->rc)
			goto fail;
		if (c->rc && h_code(out) != c->code)
			goto fail;
		if (c->out_has && (!out || !strstr(out, c->out_has)))
			goto fail;
		free(out);
		continue;
	fail:
		cr_expect_fail("case \"%s\": rc %d (want %d), out: %s", c->name, rc, c->rc,
			       out ? out : "(none)");
		free(out);
	}
}

/* --- flows -------------------------------------------------------------------------------- */

static char *add(const char *cid, const char *ns, const char *conf)
{
	struct h_env env = {"ADD", cid, ns, "eth0", NULL};
	char *out = NULL;
	int rc = h_run(h_bin("tabby"), &env, conf, &out);

	cr_assert_eq(rc, 0, "ADD %s: %s", cid, out);
	return out;
}

Test(cni_spec, result_shape_by_version)
{
	static const char *const versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"};

	for (int i = 0; i < 4; i++) {
		char conf[512], cid[16];
		json_t *r, *ip, *ifs;
		char *out;

		snprintf(conf, sizeof(conf),
			 "{\"cniVersion\":\"%s\",\"name\":\"spec\",\"type\":\"tabby\","
			 "\"nodename\":\"node-a\",\"ipam\":{\"type\":\"tabby-ipam\"}}",
			 versions[i]);
		snprintf(cid, sizeof(cid), "shape%d", i);
		out = add(cid, h_workload_ns(), conf);
		r = json_loads(out, 0, NULL);
		cr_assert_str_eq(json_string_value(json_object_get(r, "cniVersion")), versions[i]);
		ifs = json_object_get(r, "interfaces");
		cr_assert_eq(json_array_size(ifs), 2);
		cr_assert_eq(
		    strlen(json_string_value(json_object_get(json_array_get(ifs, 1), "mac"))), 17,
		    "workload MAC present");
		cr_assert_not_null(json_object_get(json_array_get(ifs, 1), "sandbox"));
		ip = json_array_get(json_object_get(r, "ips"), 0);
		cr_assert_eq(json_integer_value(json_object_get(ip, "interface")), 1);
		cr_assert_eq(json_object_get(ip, "version") != NULL, i < 3,
			     "ips[].version only before 1.0.0 (%s)", versions[i]);
		cr_assert_str_eq(json_string_value(json_object_get(
				     json_array_get(json_object_get(r, "routes"), 0), "gw")),
				 "169.254.1.1");
		json_decref(r);
		free(out);
	}
}

Test(cni_spec, add_check_del_lifecycle)
{
	const char *ns = h_workload_ns();
	struct h_env env = {"CHECK", "life", ns, "eth0", NULL};
	char *prev = add("life", ns, conf_v1), *conf = h_with(conf_v1, "prevResult", prev), *out;

	cr_assert_eq(h_count("/calico/ipam/v2/handle/spec.life"), 1);
	cr_assert(h_key_exists("/calico/resources/v3/projectcalico.org/workloadendpoints/default/"
			       "node--a-cni-life-eth0"));
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "CHECK: %s", out);
	free(out);
	/* CHECK notices what broke: the workload's address removed behind our back. */
	cr_assert_eq(h_sh("ip netns exec %s ip addr flush dev eth0", strrchr(ns, '/') + 1), 0);
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 1);
	cr_assert_not_null(strstr(out, "lost its address"), "%s", out);
	free(out);
	env.command = "DEL";
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "DEL: %s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/"), 0, "addresses released");
	cr_assert_eq(h_count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), 0);
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "DEL again: %s", out);
	free(out);
	env.command = "CHECK";
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 1, "CHECK after DEL fails");
	free(out);
	free(conf);
	free(prev);
}

Test(cni_spec, failed_add_leaves_nothing)
{
	/* tabbyd never reports the endpoint: ADD times out after writing everything. */
	const char *c = CONF("1.0.0", ",\"policy_setup_timeout_seconds\":1");
	const char *ns = h_workload_ns();
	struct h_env env = {"ADD", "fail1", ns, "eth0", NULL};
	char *out;

	cr_assert_eq(h_run(h_bin("tabby"), &env, c, &out), 1);
	cr_assert_eq(h_code(out), 11, "%s", out);
	cr_assert_not_null(strstr(out, "tabbyd"), "%s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/"), 0, "no address kept");
	cr_assert_eq(h_count("/calico/resources/v3/projectcalico.org/workloadendpoints/"), 0);
	cr_assert_neq(h_sh("ip -n %s link show eth0 >/dev/null 2>&1", strrchr(ns, '/') + 1), 0,
		      "no interface left in the workload");
	cr_assert_eq(h_sh("test -z \"$(ip -n %s -o link show | grep ' tab')\"", h_node), 0,
		     "no veth left on the node");

	/* No IPv6 pool while the network wants IPv6: the IPv4 address must be given back. */
	cr_assert_eq(tb_ds_delete(h_ds, "/calico/resources/v3/projectcalico.org/ippools/v6",
				  TB_REV_ANY, NULL),
		     0);
	env.cid = "fail2";
	cr_assert_eq(h_run(h_bin("tabby"), &env,
			   "{\"cniVersion\":\"1.0.0\",\"name\":\"spec\",\"type\":\"tabby\","
			   "\"nodename\":\"node-a\",\"ipam\":{\"type\":\"tabby-ipam\","
			   "\"assign_ipv6\":\"true\"}}",
			   &out),
		     1);
	cr_assert_eq(h_code(out), 7, "%s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/"), 0, "IPv4 address released");
}

Test(cni_spec, gc_releases_attachments_not_valid)
{
	const char *c11 = CONF("1.1.0", "");
	struct h_env env = {"GC", NULL, NULL, NULL, NULL};
	char *out, *conf;

	free(add("keep", h_workload_ns(), conf_v1));
	free(add("drop", h_workload_ns(), conf_v1));
	/* Not ours to collect: another node's attachment of this network, and an attachment of a
	 * network whose name merely starts with ours. */
	free(add("elsewhere", h_workload_ns(),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"spec\",\"type\":\"tabby\","
		 "\"nodename\":\"node-b\",\"ipam\":{\"type\":\"tabby-ipam\"}}"));
	free(add("dotted", h_workload_ns(),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"spec.other\",\"type\":\"tabby\","
		 "\"nodename\":\"node-a\",\"ipam\":{\"type\":\"tabby-ipam\"}}"));
	conf = h_with(c11, "cni.dev/valid-attachments",
		      "[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]");
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "GC: %s", out);
	free(out);
	free(conf);
	cr_assert(h_key_exists("/calico/ipam/v2/handle/spec.keep"));
	cr_assert(!h_key_exists("/calico/ipam/v2/handle/spec.drop"));
	cr_assert(h_key_exists("/calico/ipam/v2/handle/spec.elsewhere"), "node-b's kept");
	cr_assert(h_key_exists("/calico/ipam/v2/handle/spec.other.dotted"), "network spec.other's");
	cr_assert(h_key_exists("/calico/resources/v3/projectcalico.org/workloadendpoints/default/"
			       "node--a-cni-keep-eth0"));
	cr_assert(!h_key_exists("/calico/resources/v3/projectcalico.org/workloadendpoints/default/"
				"node--a-cni-drop-eth0"));
}

Test(cni_spec, status_without_pool_is_50)
{
	struct h_env env = {"STATUS", NULL, NULL, NULL, NULL};
	char *out;

	cr_assert_eq(tb_ds_delete(h_ds, "/calico/resources/v3/projectcalico.org/ippools/v4",
				  TB_REV_ANY, NULL),
		     0);
	cr_assert_eq(h_run(h_bin("tabby"), &env, CONF("1.1.0", ""), &out), 1);
	cr_assert_eq(h_code(out), 50, "%s", out);
	free(out);
}

Test(cni_spec, policy_wait_ends_when_tabbyd_reports)
{
	const char *c = CONF("1.0.0", ",\"policy_setup_timeout_seconds\":5");
	struct h_env env = {"ADD", "waited", NULL, "eth0", NULL};
	char path[512], *out;
	FILE *f;

	/* tabbyd's status for this endpoint: a revision at least the endpoint's. */
	snprintf(path, sizeof(path), "mkdir -p %s/node-a/endpoint-status", h_dir);
	cr_assert_eq(h_sh("%s", path), 0);
	snprintf(path, sizeof(path), "%s/node-a/endpoint-status/node--a-cni-waited-eth0", h_dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "999999999\n");
	fclose(f);
	env.netns = h_workload_ns();
	cr_assert_eq(h_run(h_bin("tabby"), &env, c, &out), 0, "ADD: %s", out);
	free(out);
	cr_assert_eq(h_count("/calico/ipam/v2/handle/spec.waited"), 1);
}

Test(cni_spec, check_notices_a_released_address)
{
	const char *ns = h_workload_ns();
	struct h_env env = {"CHECK", "rel", ns, "eth0", NULL};
	char *prev = add("rel", ns, conf_v1), *conf = h_with(conf_v1, "prevResult", prev), *out;
	json_t *r = json_loads(prev, 0, NULL);
	char ip[64];
	struct tb_ip x;

	snprintf(ip, sizeof(ip), "%s",
		 json_string_value(
		     json_object_get(json_array_get(json_object_get(r, "ips"), 0), "address")));
	*strchr(ip, '/') = '\0';
	cr_assert_eq(tb_ip_parse(ip, &x), 0);
	cr_assert_eq(tb_ipam_release_ip(h_ds, &x), 0);
	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 1);
	cr_assert_not_null(strstr(out, "IPAM no longer holds"), "%s", out);
	free(out);
	json_decref(r);
	free(conf);
	free(prev);
}
