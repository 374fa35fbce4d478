// SPDX-License-Identifier: Apache-2.0
/* Kinds, names and keys, and the document envelope and metadata rules shared by every kind. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"

struct alias_case {
	const char *name;
	const char *kind;
	const char *api;
};

static const struct alias_case aliases[] = {
	{ "gnp", "GlobalNetworkPolicy", TB_API_CALICO },
	{ "GlobalNetworkPolicies", "GlobalNetworkPolicy", TB_API_CALICO },
	{ "globalnetworkpolicy", "GlobalNetworkPolicy", TB_API_CALICO },
	{ "policy", "NetworkPolicy", TB_API_CALICO },
	{ "networkpolicies", "NetworkPolicy", TB_API_CALICO },
	{ "knp", "NetworkPolicy", "networking.k8s.io/v1" },
	{ "kubernetesnetworkpolicy", "NetworkPolicy", "networking.k8s.io/v1" },
	{ "hep", "HostEndpoint", TB_API_CALICO },
	{ "wep", "WorkloadEndpoint", TB_API_CALICO },
	{ "ippool", "IPPool", TB_API_CALICO },
	{ "pools", "IPPool", TB_API_CALICO },
	{ "bgpconfig", "BGPConfiguration", TB_API_CALICO },
	{ "bgppeer", "BGPPeer", TB_API_CALICO },
	{ "felixconfig", "FelixConfiguration", TB_API_CALICO },
	{ "node", "Node", TB_API_CALICO },
	{ "tiers", "Tier", TB_API_CALICO },
	{ "profile", "Profile", TB_API_CALICO },
	{ "networkset", "NetworkSet", TB_API_CALICO },
	{ "globalnetworksets", "GlobalNetworkSet", TB_API_CALICO },
	{ "ipreservation", "IPReservation", TB_API_CALICO },
	{ "ipamconfig", "IPAMConfiguration", TB_API_CALICO },
	{ "sgnp", "StagedGlobalNetworkPolicy", TB_API_CALICO },
	{ "snp", "StagedNetworkPolicy", TB_API_CALICO },
	{ "sknp", "StagedKubernetesNetworkPolicy", TB_API_CALICO },
	{ "ns", "Namespace", "v1" },
	{ "pod", "Pod", "v1" },
	{ "sa", "ServiceAccount", "v1" },
};

Test(resource, kind_aliases)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		const struct tb_kind *k = tb_kind_find(aliases[i].name);

		cr_assert(k, "%s not found", aliases[i].name);
		cr_expect_str_eq(k->kind, aliases[i].kind, "%s", aliases[i].name);
		cr_expect_str_eq(k->api_version, aliases[i].api, "%s", aliases[i].name);
	}
	cr_expect_null(tb_kind_find("nosuchkind"));
}

Test(resource, keys_round_trip)
{
	const struct tb_kind *gnp = tb_kind_find("gnp"), *np = tb_kind_find("np"), *k;
	const struct tb_kind *pod = tb_kind_find("pod");
	char *key, *ns, *name;

	cr_assert_eq(tb_resource_key(gnp, NULL, "allow-dns", &key), 0);
	cr_expect_str_eq(key, "/calico/resources/v3/projectcalico.org/globalnetworkpolicies/allow-dns");
	cr_assert_eq(tb_resource_parse_key(key, &k, &ns, &name), 0);
	cr_expect_eq(k, gnp);
	cr_expect_null(ns);
	cr_expect_str_eq(name, "allow-dns");
	free(key);
	free(name);

	cr_assert_eq(tb_resource_key(np, "prod", "web", &key), 0);
	cr_expect_str_eq(key, "/calico/resources/v3/projectcalico.org/networkpolicies/prod/web");
	cr_assert_eq(tb_resource_parse_key(key, &k, &ns, &name), 0);
	cr_expect_eq(k, np);
	cr_expect_str_eq(ns, "prod");
	cr_expect_str_eq(name, "web");
	free(key);
	free(ns);
	free(name);

	cr_assert_eq(tb_resource_key(pod, "x", "a", &key), 0);
	cr_expect_str_eq(key, "/tabby/kubernetes/pods/x/a");
	free(key);
	cr_expect_eq(tb_resource_key(np, NULL, "web", &key), -EINVAL);

	cr_assert_eq(tb_resource_prefix(np, NULL, &key), 0);
	cr_expect_str_eq(key, "/calico/resources/v3/projectcalico.org/networkpolicies/");
	free(key);
	cr_assert_eq(tb_resource_prefix(np, "prod", &key), 0);
	cr_expect_str_eq(key, "/calico/resources/v3/projectcalico.org/networkpolicies/prod/");
	free(key);
	cr_expect_eq(tb_resource_parse_key("/calico/ipam/v2/handle/x", &k, &ns, &name), -ENOENT);
	cr_expect_eq(tb_resource_parse_key(TB_KEY_CALICO "networkpolicies/onlyname", &k, &ns, &name),
		     -EINVAL);
}

struct doc_case {
	const char *doc;
	const char *error; /* first expected message, NULL when valid */
};

static const struct doc_case docs[] = {
	{ "[]", "a resource must be an object" },
	{ "{\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\"}}", "apiVersion: required field is missing" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":\"t\"}}",
	  "kind: required field is missing" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Bogus\",\"metadata\":{\"name\":\"t\"}}",
	  "kind: unknown kind 'Bogus' for apiVersion 'projectcalico.org/v3'" },
	{ "{\"apiVersion\":\"projectcalico.org/v2\",\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\"}}",
	  "apiVersion: 'projectcalico.org/v2' is not the version of Tier (use projectcalico.org/v3)" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\"}",
	  "metadata: required field is missing" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\",\"metadata\":{}}",
	  "metadata.name: required field is missing" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\","
	  "\"namespace\":\"x\"}}",
	  "metadata.namespace: Tier is not namespaced: remove the namespace" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"NetworkSet\",\"metadata\":{\"name\":\"t\","
	  "\"namespace\":\"Bad_NS\"}}",
	  "metadata.namespace: 'Bad_NS' is not a valid namespace name (lowercase alphanumerics and "
	  "'-', at most 63)" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\","
	  "\"labels\":{\"-bad\":\"x\"}}}",
	  "metadata.labels.-bad: invalid label key" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\","
	  "\"labels\":{\"ok\":\"bad value\"}}}",
	  "metadata.labels.ok: invalid label value 'bad value'" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\"},"
	  "\"extra\":1}",
	  "extra: unknown field" },
	{ "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"Tier\",\"metadata\":{\"name\":\"t\","
	  "\"uid\":\"u\",\"creationTimestamp\":null,\"resourceVersion\":\"5\"}}",
	  NULL },
};

Test(resource, envelope_and_metadata)
{
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *doc = json_loads(docs[i].doc, JSON_DECODE_ANY, NULL);
		struct tb_diag d;
		int r;

		cr_assert(doc, "case %zu: bad JSON", i);
		tb_diag_init(&d);
		r = tb_resource_validate(doc, NULL, &d);
		if (!docs[i].error) {
			cr_expect_eq(r, 0, "case %zu: %s", i, d.n ? d.msgs[0] : "");
		} else {
			cr_expect_eq(r, -EINVAL, "case %zu", i);
			cr_expect(d.n > 0 && !strncmp(d.msgs[0], docs[i].error, strlen(docs[i].error)),
				  "case %zu: got '%s', want '%s'", i, d.n ? d.msgs[0] : "(none)",
				  docs[i].error);
		}
		tb_diag_free(&d);
		json_decref(doc);
	}
}

Test(resource, namespace_defaults_to_default)
{
	json_t *doc = json_loads("{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"NetworkSet\","
				 "\"metadata\":{\"name\":\"s\"}}", 0, NULL);
	const struct tb_kind *k;
	struct tb_diag d;

	tb_diag_init(&d);
	cr_assert_eq(tb_resource_validate(doc, &k, &d), 0);
	cr_expect_str_eq(k->kind, "NetworkSet");
	cr_expect_str_eq(tb_res_namespace(doc), "default");
	cr_expect_str_eq(tb_res_name(doc), "s");
	tb_diag_free(&d);
	json_decref(doc);
}

struct name_case {
	bool (*fn)(const char *);
	const char *s;
	bool ok;
};

static const struct name_case names[] = {
	{ tb_valid_dns_subdomain, "a", true },
	{ tb_valid_dns_subdomain, "a.b-c.d", true },
	{ tb_valid_dns_subdomain, "A", false },
	{ tb_valid_dns_subdomain, "a..b", false },
	{ tb_valid_dns_subdomain, "-a", false },
	{ tb_valid_dns_subdomain, "a.", false },
	{ tb_valid_dns_subdomain, "", false },
	{ tb_valid_dns_label, "abc-1", true },
	{ tb_valid_dns_label, "a.b", false },
	{ tb_valid_dns_label, "0123456789012345678901234567890123456789012345678901234567890123", false },
	{ tb_valid_label_key, "app", true },
	{ tb_valid_label_key, "projectcalico.org/namespace", true },
	{ tb_valid_label_key, "Upper_Case.x", true },
	{ tb_valid_label_key, "/x", false },
	{ tb_valid_label_key, "a/b/c", false },
	{ tb_valid_label_key, "x/", false },
	{ tb_valid_label_value, "", true },
	{ tb_valid_label_value, "v1.2_3-x", true },
	{ tb_valid_label_value, "-x", false },
	{ tb_valid_label_value, "a b", false },
};

Test(resource, name_rules)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_eq(names[i].fn(names[i].s), names[i].ok, "case %zu '%s'", i, names[i].s);
}
