// SPDX-License-Identifier: Apache-2.0
/*
 * Round trips on a corpus of realistic manifests, written the way users write them (tiers,
 * rules, selectors with both quote styles, port ranges, named ports, CIDRs, k8s policy):
 * load(dump(x)) == x and dump(load(dump(x))) == dump(x), for YAML and JSON output, with spot
 * checks that the typed values are what a Calico user expects.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char corpus[] =
	"apiVersion: projectcalico.org/v3\n"
	"kind: Tier\n"
	"metadata:\n"
	"  name: security\n"
	"spec:\n"
	"  order: 100\n"
	"  defaultAction: Pass\n"
	"---\n"
	"apiVersion: projectcalico.org/v3\n"
	"kind: GlobalNetworkPolicy\n"
	"metadata:\n"
	"  name: security.block-external-db\n"
	"  labels: {owner: secops, 'critical': \"true\"}\n"
	"spec:\n"
	"  tier: security\n"
	"  order: 10.5\n"
	"  selector: role == 'database' && environment in {\"prod\", \"staging\"}\n"
	"  namespaceSelector: has(projectcalico.org/name)\n"
	"  types:\n"
	"    - Ingress\n"
	"    - Egress\n"
	"  ingress:\n"
	"    - action: Log\n"
	"      protocol: TCP\n"
	"    - action: Allow\n"
	"      protocol: TCP\n"
	"      source:\n"
	"        selector: role == \"api\"\n"
	"        namespaceSelector: team == 'payments'\n"
	"        serviceAccounts:\n"
	"          names: [api-sa, worker]\n"
	"      destination:\n"
	"        ports: [5432, \"6000:6100\", postgres]\n"
	"    - action: Deny\n"
	"      protocol: ICMP\n"
	"      icmp: {type: 8, code: 0}\n"
	"    - action: Deny\n"
	"      source:\n"
	"        nets: [0.0.0.0/0, \"::/0\"]\n"
	"        notNets:\n"
	"          - 10.0.0.0/8\n"
	"          - fd00::/8\n"
	"  egress:\n"
	"    - action: Allow\n"
	"      protocol: UDP\n"
	"      destination:\n"
	"        selector: k8s-app == \"kube-dns\"\n"
	"        ports: [53]\n"
	"    - action: Pass\n"
	"  applyOnForward: false\n"
	"  preDNAT: false\n"
	"  doNotTrack: false\n"
	"---\n"
	"apiVersion: projectcalico.org/v3\n"
	"kind: NetworkPolicy\n"
	"metadata:\n"
	"  name: allow-frontend\n"
	"  namespace: shop\n"
	"spec:\n"
	"  order: 200\n"
	"  selector: app == 'cart'\n"
	"  ingress:\n"
	"  - action: Allow\n"
	"    protocol: TCP\n"
	"    source:\n"
	"      selector: app == 'frontend'\n"
	"    destination:\n"
	"      ports:\n"
	"      - 8080\n"
	"  - action: Allow\n"
	"    protocol: 6\n"
	"    notProtocol: ~\n"
	"  egress:\n"
	"  - action: Allow\n"
	"---\n"
	"apiVersion: projectcalico.org/v3\n"
	"kind: IPPool\n"
	"metadata:\n"
	"  name: default-ipv4-ippool\n"
	"spec:\n"
	"  cidr: 192.168.0.0/16\n"
	"  blockSize: 26\n"
	"  ipipMode: CrossSubnet\n"
	"  vxlanMode: Never\n"
	"  natOutgoing: true\n"
	"  disabled: false\n"
	"  nodeSelector: all()\n"
	"  allowedUses: [Workload, Tunnel]\n"
	"---\n"
	"apiVersion: projectcalico.org/v3\n"
	"kind: BGPPeer\n"
	"metadata:\n"
	"  name: rack1-tor\n"
	"spec:\n"
	"  peerIP: 192.0.2.1:179\n"
	"  asNumber: 4200000001\n"
	"  nodeSelector: rack == 'rack-1'\n"
	"  keepOriginalNextHop: false\n"
	"  password:\n"
	"    secretKeyRef: {name: bgp-secrets, key: rr-password}\n"
	"---\n"
	"apiVersion: projectcalico.org/v3\n"
	"kind: HostEndpoint\n"
	"metadata:\n"
	"  name: node1-eth0\n"
	"  labels:\n"
	"    role: k8s-worker\n"
	"    environment: production\n"
	"spec:\n"
	"  interfaceName: eth0\n"
	"  node: node1\n"
	"  expectedIPs: [\"192.168.0.1\", \"fd00::1\"]\n"
	"  profiles: []\n"
	"  ports:\n"
	"  - name: some-port\n"
	"    port: 1234\n"
	"    protocol: TCP\n"
	"  - {name: another-port, port: 5432, protocol: UDP}\n"
	"---\n"
	"apiVersion: networking.k8s.io/v1\n"
	"kind: NetworkPolicy\n"
	"metadata:\n"
	"  name: test-network-policy\n"
	"  namespace: default\n"
	"  annotations:\n"
	"    description: |\n"
	"      Lets the frontend in.\n"
	"      Nothing else.\n"
	"spec:\n"
	"  podSelector:\n"
	"    matchLabels:\n"
	"      role: db\n"
	"    matchExpressions:\n"
	"    - {key: tier, operator: In, values: [\"1\", \"2\"]}\n"
	"  policyTypes:\n"
	"  - Ingress\n"
	"  - Egress\n"
	"  ingress:\n"
	"  - from:\n"
	"    - ipBlock:\n"
	"        cidr: 172.17.0.0/16\n"
	"        except:\n"
	"        - 172.17.1.0/24\n"
	"    - namespaceSelector:\n"
	"        matchLabels:\n"
	"          project: myproject\n"
	"    - podSelector: {}\n"
	"    ports:\n"
	"    - protocol: TCP\n"
	"      port: 6379\n"
	"    - port: http\n"
	"    - port: 32000\n"
	"      endPort: 32768\n"
	"  egress:\n"
	"  - to:\n"
	"    - ipBlock:\n"
	"        cidr: 10.0.0.0/24\n"
	"    ports:\n"
	"    - protocol: TCP\n"
	"      port: 5978\n"
	"---\n"
	"{\"apiVersion\": \"projectcalico.org/v3\", \"kind\": \"GlobalNetworkSet\",\n"
	" \"metadata\": {\"name\": \"threats\", \"labels\": {\"feed\": \"blocklist\"}},\n"
	" \"spec\": {\"nets\": [\"198.51.100.0/28\", \"203.0.113.0/24\"]}}\n";

struct spot {
	size_t doc;
	const char *path;	/* keys and array indices separated by '/' */
	const char *json;
};

static const struct spot spots[] = {
	{ 0, "spec/order", "100" },
	{ 0, "spec/defaultAction", "\"Pass\"" },
	{ 1, "metadata/labels/critical", "\"true\"" },
	{ 1, "spec/order", "10.5" },
	{ 1, "spec/selector",
	  "\"role == 'database' && environment in {\\\"prod\\\", \\\"staging\\\"}\"" },
	{ 1, "spec/ingress/1/destination/ports", "[5432, \"6000:6100\", \"postgres\"]" },
	{ 1, "spec/ingress/2/icmp", "{\"type\": 8, \"code\": 0}" },
	{ 1, "spec/ingress/3/source/nets/1", "\"::/0\"" },
	{ 1, "spec/egress/1", "{\"action\": \"Pass\"}" },
	{ 1, "spec/applyOnForward", "false" },
	{ 2, "spec/ingress/1/protocol", "6" },
	{ 2, "spec/ingress/1/notProtocol", "null" },
	{ 3, "spec/cidr", "\"192.168.0.0/16\"" },
	{ 3, "spec/natOutgoing", "true" },
	{ 4, "spec/asNumber", "4200000001" },
	{ 4, "spec/peerIP", "\"192.0.2.1:179\"" },
	{ 5, "spec/profiles", "[]" },
	{ 5, "spec/ports/1/port", "5432" },
	{ 6, "metadata/annotations/description", "\"Lets the frontend in.\\nNothing else.\\n\"" },
	{ 6, "spec/podSelector/matchExpressions/0/values", "[\"1\", \"2\"]" },
	{ 6, "spec/ingress/0/from/2/podSelector", "{}" },
	{ 6, "spec/ingress/0/ports/1/port", "\"http\"" },
	{ 6, "spec/ingress/0/ports/2/endPort", "32768" },
	{ 7, "spec/nets/0", "\"198.51.100.0/28\"" },
};

static json_t *lookup(json_t *v, const char *path)
{
	char *copy = strdup(path), *save = NULL, *tok;

	for (tok = strtok_r(copy, "/", &save); tok && v; tok = strtok_r(NULL, "/", &save))
		v = json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10)) :
				       json_object_get(v, tok);
	free(copy);
	return v;
}

static void load_corpus(struct tb_doc_list *l)
{
	struct tb_diag diag;
	int err;

	tb_diag_init(&diag);
	/* The JSON document at the end is read as YAML flow: JSON is YAML. */
	err = tb_manifest_parse(corpus, strlen(corpus), "corpus.yaml", l, &diag);
	cr_assert(!err && l->n == 8, "corpus: err %d, %zu docs: %s", err, l->n,
		  diag.n ? diag.msgs[0] : "");
	tb_diag_free(&diag);
}

Test(manifest_roundtrip, spot_checks)
{
	struct tb_doc_list l;

	load_corpus(&l);
	for (size_t i = 0; i < ARRAY_SIZE(spots); i++) {
		json_t *want = json_loads(spots[i].json, JSON_DECODE_ANY, NULL);
		json_t *got = lookup(l.docs[spots[i].doc].obj, spots[i].path);

		if (!want || !got || !json_equal(got, want))
			cr_expect_fail("doc %zu %s: want %s", spots[i].doc, spots[i].path,
				       spots[i].json);
		json_decref(want);
	}
	tb_doc_list_free(&l);
}

static char *json_text(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (tb_json_dump(v, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* load(dump(x)) == x with key order, and dump(load(dump(x))) == dump(x), via YAML and JSON. */
static bool round_trips(json_t *v, char **why)
{
	char *y1 = tb_yaml_dumps(v), *y2 = NULL, *j1 = json_text(v), *j2 = NULL;
	struct tb_doc_list l = { 0 }, lj = { 0 };
	struct tb_diag diag;
	bool ok = false;

	tb_diag_init(&diag);
	*why = NULL;
	if (!y1 || !j1 || tb_manifest_parse(y1, strlen(y1), "dump", &l, &diag) || l.n != 1 ||
	    !json_equal(l.docs[0].obj, v))
		goto out;
	y2 = tb_yaml_dumps(l.docs[0].obj);
	if (!y2 || strcmp(y1, y2))
		goto out;
	if (tb_manifest_parse(j1, strlen(j1), "dump.json", &lj, &diag) || lj.n != 1)
		goto out;
	j2 = json_text(lj.docs[0].obj);
	ok = j2 && !strcmp(j1, j2) && json_equal(lj.docs[0].obj, v);
out:
	if (!ok && asprintf(why, "%s\n--- yaml:\n%s\n--- again:\n%s\n--- json:\n%s",
			    diag.n ? diag.msgs[0] : "differs", y1 ? y1 : "", y2 ? y2 : "",
			    j1 ? j1 : "") < 0)
		*why = NULL;
	tb_doc_list_free(&l);
	tb_doc_list_free(&lj);
	tb_diag_free(&diag);
	free(y1);
	free(y2);
	free(j1);
	free(j2);
	return ok;
}

Test(manifest_roundtrip, corpus)
{
	struct tb_doc_list l;
	char *why;

	load_corpus(&l);
	for (size_t i = 0; i < l.n; i++) {
		if (!round_trips(l.docs[i].obj, &why))
			cr_expect_fail("doc %zu: %s", i + 1, why ? why : "out of memory");
		free(why);
	}
	tb_doc_list_free(&l);
}

/* The look users know from calicoctl and kubectl. */
Test(manifest_roundtrip, golden_ippool)
{
	static const char want[] = "apiVersion: projectcalico.org/v3\n"
				   "kind: IPPool\n"
				   "metadata:\n"
				   "  name: default-ipv4-ippool\n"
				   "spec:\n"
				   "  cidr: 192.168.0.0/16\n"
				   "  blockSize: 26\n"
				   "  ipipMode: CrossSubnet\n"
				   "  vxlanMode: Never\n"
				   "  natOutgoing: true\n"
				   "  disabled: false\n"
				   "  nodeSelector: all()\n"
				   "  allowedUses:\n"
				   "  - Workload\n"
				   "  - Tunnel\n";
	struct tb_doc_list l;
	char *got;

	load_corpus(&l);
	got = tb_yaml_dumps(l.docs[3].obj);
	if (!got || strcmp(got, want))
		cr_expect_fail("got:\n%s", got ? got : "(null)");
	free(got);
	tb_doc_list_free(&l);
}

/* JSON as jansson lays it out with indent 2, reals in their shortest exact form. */
Test(manifest_roundtrip, golden_json)
{
	static const char want[] = "{\n"
				   "  \"kind\": \"Tier\",\n"
				   "  \"spec\": {\n"
				   "    \"order\": 0.1,\n"
				   "    \"big\": 1e+20,\n"
				   "    \"n\": [\n"
				   "      1,\n"
				   "      \"x\\ny\",\n"
				   "      null,\n"
				   "      true\n"
				   "    ],\n"
				   "    \"e\": {},\n"
				   "    \"a\": []\n"
				   "  }\n"
				   "}\n";
	const char *in = "kind: Tier\nspec: {order: 0.1, big: 1e20, n: [1, \"x\\ny\", ~, true], "
			 "e: {}, a: []}\n";
	struct tb_doc_list l = { 0 };
	struct tb_diag diag;
	char *got = NULL;

	tb_diag_init(&diag);
	if (tb_manifest_parse(in, strlen(in), "t", &l, &diag) || l.n != 1)
		goto fail;
	got = json_text(l.docs[0].obj);
	if (!got || strcmp(got, want))
		goto fail;
	free(got);
	tb_doc_list_free(&l);
	tb_diag_free(&diag);
	return;
fail:
	cr_expect_fail("got:\n%s", got ? got : (diag.n ? diag.msgs[0] : "(null)"));
	free(got);
	tb_doc_list_free(&l);
	tb_diag_free(&diag);
}
