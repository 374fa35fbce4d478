// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes workloads: names from CNI_ARGS, labels, service account and named ports from
 * the Pod object, the kns./ksa. profiles, Calico's pool and address annotations, and a Pod
 * that is not in the datastore yet.
 */
#include <criterion/criterion.h>

#include "cni_harness.h"
#include "wep.h"

static const char *conf =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"tabby\","
    "\"nodename\":\"worker-1\",\"ipam\":{\"type\":\"tabby-ipam\"}}";

#define WEP_PREFIX "/calico/resources/v3/projectcalico.org/workloadendpoints/"

static void setup(void)
{
	cr_assert_eq(h_setup(), 0, "harness setup");
	cr_assert_eq(h_pool("default-pool", "10.124.0.0/24"), 0);
	cr_assert_eq(h_pool("special", "10.125.0.0/24"), 0);
}

TestSuite(cni_k8s, .init = setup, .fini = h_teardown, .timeout = 60);

static json_t *wep(const char *ns, const char *name)
{
	char key[512];
	struct tb_kv kv;
	json_t *j;

	snprintf(key, sizeof(key), WEP_PREFIX "%s/%s", ns, name);
	if (tb_ds_get(h_ds, key, &kv))
		return NULL;
	j = json_loads(kv.value, 0, NULL);
	tb_kv_free(&kv);
	return j;
}

static json_t *add_pod(const char *cid, const char *args)
{
	struct h_env env = {"ADD", cid, h_workload_ns(), "eth0", args};
	char *out;
	json_t *r;

	cr_assert_eq(h_run(h_bin("tabby"), &env, conf, &out), 0, "ADD: %s", out);
	r = json_loads(out, 0, NULL);
	free(out);
	return r;
}

static const char *jpath(const json_t *j, const char *a, const char *b, const char *c)
{
	const char *keys[] = {a, b, c};

	for (int i = 0; i < 3 && keys[i]; i++)
		j = json_object_get(j, keys[i]);
	return json_string_value(j);
}

Test(cni_k8s, endpoint_from_pod)
{
	const char *pod =
	    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\","
	    "\"namespace\":\"shop\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"},"
	    "\"annotations\":{\"cni.projectcalico.org/ipv4pools\":\"[\\\"special\\\"]\"}},"
	    "\"spec\":{\"serviceAccountName\":\"websa\",\"containers\":[{\"name\":\"c\","
	    "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"},"
	    "{\"containerPort\":9999},{\"name\":\"dns\",\"containerPort\":53,\"protocol\":\"UDP\","
	    "\"hostPort\":5353}]}]}}";
	char veth[16];
	json_t *res, *w, *ports;

	cr_assert_eq(h_put("/tabby/kubernetes/"
			   "pods/shop/web-0",
			   pod),
		     0);
	res = add_pod("cid-web", "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-0;"
				 "K8S_POD_INFRA_CONTAINER_ID=cid-web");
	w = wep("shop", "worker--1-k8s-web--0-eth0");
	cr_assert_not_null(w, "endpoint named as Calico names it");
	cr_assert_str_eq(jpath(w, "spec", "orchestrator", NULL), "k8s");
	cr_assert_str_eq(jpath(w, "spec", "pod", NULL), "web-0");
	cr_assert_str_eq(jpath(w, "spec", "containerID", NULL), "cid-web");
	cr_assert_str_eq(jpath(w, "spec", "serviceAccountName", NULL), "websa");
	cr_assert_str_eq(jpath(w, "metadata", "labels", "app"), "web");
	cr_assert_str_eq(jpath(w, "metadata", "labels", "projectcalico.org/namespace"), "shop");
	cr_assert_str_eq(jpath(w, "metadata", "labels", "projectcalico.org/orchestrator"), "k8s");
	cr_assert_str_eq(jpath(w, "metadata", "labels", "projectcalico.org/serviceaccount"),
			 "websa");
	cr_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(json_object_get(w, "spec"), "profiles"), 0)),
			 "kns.shop");
	cr_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(json_object_get(w, "spec"), "profiles"), 1)),
			 "ksa.shop.websa");
	ports = json_object_get(json_object_get(w, "spec"), "ports");
	cr_assert_eq(json_array_size(ports), 2, "named ports only");
	cr_assert_str_eq(jpath(json_array_get(ports, 1), "name", NULL, NULL), "dns");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(ports, 1), "hostPort")),
		     5353);
	cr_assert_eq(tb_wep_veth_name("shop", "web-0", "eth0", veth, sizeof(veth)), 0);
	cr_assert_str_eq(jpath(w, "spec", "interfaceName", NULL), veth);
	cr_assert_not_null(
	    strstr(json_string_value(json_array_get(
		       json_object_get(json_object_get(w, "spec"), "ipNetworks"), 0)),
		   "10.125.0."),
	    "address from the pool the annotation names");
	cr_assert_str_eq(jpath(w, "spec", "mac", NULL),
			 json_string_value(json_object_get(
			     json_array_get(json_object_get(res, "interfaces"), 1), "mac")));
	cr_assert(h_key_exists("/calico/resources/v3/projectcalico.org/profiles/kns.shop"));
	json_decref(w);
	json_decref(res);
}

Test(cni_k8s, fixed_address_annotation_and_missing_pod)
{
	const char *pod =
	    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"db\","
	    "\"namespace\":\"shop\",\"annotations\":{\"cni.projectcalico.org/ipAddrs\":"
	    "\"[\\\"10.124.0.200\\\"]\"}},\"spec\":{}}";
	json_t *res, *w;

	cr_assert_eq(h_put("/tabby/kubernetes/"
			   "pods/shop/db",
			   pod),
		     0);
	res = add_pod("cid-db", "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=db");
	cr_assert_str_eq(
	    jpath(json_array_get(json_object_get(res, "ips"), 0), "address", NULL, NULL),
	    "10.124.0.200/32");
	json_decref(res);

	/* No Pod object yet: automatic labels, default service account. */
	res = add_pod("cid-ghost", "K8S_POD_NAMESPACE=shop;K8S_POD_NAME=ghost");
	w = wep("shop", "worker--1-k8s-ghost-eth0");
	cr_assert_not_null(w);
	cr_assert_str_eq(jpath(w, "metadata", "labels", "projectcalico.org/namespace"), "shop");
	cr_assert_str_eq(jpath(w, "spec", "serviceAccountName", NULL), "default");
	json_decref(w);
	json_decref(res);
}

struct veth_case {
	const char *ns, *pod, *ifname, *sha1_input;
};

/* The veth name is "tab" + 11 hex of SHA-1 over what Calico hashes. */
static const struct veth_case veth_cases[] = {
    {"default", "nginx", "eth0", "default.nginx"},
    {"kube-system", "coredns-5d78c9869d-abcde", "eth0", "kube-system.coredns-5d78c9869d-abcde"},
    {"shop", "web-0", "net1", "shop.web-0.net1"},
    {NULL, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "eth0",
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
};

Test(cni_k8s, veth_names_follow_calico)
{
	for (size_t i = 0; i < sizeof(veth_cases) / sizeof(veth_cases[0]); i++) {
		const struct veth_case *c = &veth_cases[i];
		char got[16], want[64], cmd[256];
		FILE *p;

		cr_assert_eq(tb_wep_veth_name(c->ns, c->pod, c->ifname, got, sizeof(got)), 0);
		snprintf(cmd, sizeof(cmd), "printf %%s '%s' | sha1sum | cut -c1-11", c->sha1_input);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		cr_assert_not_null(fgets(want, sizeof(want), p));
		pclose(p);
		want[11] = '\0';
		cr_assert_str_eq(got + 3, want, "case %zu", i);
		cr_assert_eq(strncmp(got, "tab", 3), 0);
	}
}

struct wep_name_case {
	const char *node, *orch, *workload, *endpoint, *want;
};

static const struct wep_name_case wep_name_cases[] = {
    {"node1", "k8s", "nginx", "eth0", "node1-k8s-nginx-eth0"},
    {"n-1", "k8s", "web-0", "eth0", "n--1-k8s-web--0-eth0"},
    {"host", "cni", "abc-def", "eth1", "host-cni-abc--def-eth1"},
};

Test(cni_k8s, endpoint_names_follow_calico)
{
	for (size_t i = 0; i < sizeof(wep_name_cases) / sizeof(wep_name_cases[0]); i++) {
		const struct wep_name_case *c = &wep_name_cases[i];
		struct tb_wep_id id = {c->node, c->orch, c->workload, c->endpoint, "ns"};
		char got[128];

		cr_assert_eq(tb_wep_name(&id, got, sizeof(got)), 0);
		cr_assert_str_eq(got, c->want);
	}
}
