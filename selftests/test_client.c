// SPDX-License-Identifier: Apache-2.0
/*
 * The resource client on the embedded datastore: manifests written whole or not at all,
 * create/replace preconditions, resource versions, and the orchestrator's side effects
 * (Namespace -> kns. Profile, Pod -> its WorkloadEndpoints) in the same transaction.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

static char dir[] = "/tmp/tabby-client-XXXXXX";
static struct tb_client *cl;

static void setup(void)
{
	struct tb_ds_config cfg = { .type = TB_DS_LOCAL };

	cr_assert(mkdtemp(dir));
	cr_assert(asprintf(&cfg.path, "%s/t.db", dir) > 0);
	cr_assert_eq(tb_ds_config_fill(&cfg), 0);
	cr_assert_eq(tb_client_open(&cfg, &cl), 0);
	tb_ds_config_free(&cfg);
}

static void teardown(void)
{
	char cmd[128];

	tb_client_close(cl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	strcpy(dir, "/tmp/tabby-client-XXXXXX");
}

TestSuite(client, .init = setup, .fini = teardown);

/* Writes a manifest given as text; returns the client's result and the messages. */
static int write_text(const char *text, enum tb_write_mode mode, struct tb_diag *d, int *n)
{
	struct tb_write_opts o = { .mode = mode };
	struct tb_doc_list docs = { 0 };
	int r;

	tb_diag_init(d);
	r = tb_manifest_parse(text, strlen(text), "test.yaml", &docs, d);
	cr_assert_eq(r, 0, "test manifest does not parse");
	r = tb_client_write(cl, &docs, &o, d, n);
	tb_doc_list_free(&docs);
	return r;
}

static size_t count(const char *kind, const char *ns)
{
	json_t *items = NULL;
	size_t n;

	cr_assert_eq(tb_client_list(cl, tb_kind_find(kind), ns, &items, NULL), 0);
	n = json_array_size(items);
	json_decref(items);
	return n;
}

#define GNP(name, extra)                                                                           \
	"apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: " name   \
	"\nspec:\n  selector: all()\n" extra "---\n"

Test(client, apply_writes_all_documents)
{
	struct tb_diag d;
	int n;

	cr_assert_eq(write_text(GNP("a", "") GNP("b", ""), TB_WRITE_APPLY, &d, &n), 0);
	cr_expect_eq(n, 2);
	cr_expect_eq(count("gnp", NULL), 2);
	tb_diag_free(&d);
}

Test(client, invalid_document_writes_nothing)
{
	struct tb_diag d;
	int n;

	cr_assert_eq(write_text(GNP("a", "") "apiVersion: projectcalico.org/v3\nkind: Tier\n"
					     "metadata: {name: t, bogus: 1}\n",
				TB_WRITE_APPLY, &d, &n),
		     -EINVAL);
	cr_expect_eq(n, 0);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msgs[0], "test.yaml: document 2 (Tier t): metadata.bogus: unknown field"),
		  "got %s", d.msgs[0]);
	cr_expect_eq(count("gnp", NULL), 0);
	tb_diag_free(&d);
}

Test(client, create_refuses_existing_and_writes_nothing)
{
	struct tb_diag d;
	int n;

	cr_assert_eq(write_text(GNP("a", ""), TB_WRITE_CREATE, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(write_text(GNP("b", "") GNP("a", ""), TB_WRITE_CREATE, &d, &n), -EEXIST);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msgs[0], "document 2 (GlobalNetworkPolicy a): resource already exists"));
	cr_expect_eq(count("gnp", NULL), 1);
	tb_diag_free(&d);
}

Test(client, replace_needs_existing)
{
	struct tb_diag d;
	int n;

	cr_assert_eq(write_text(GNP("a", ""), TB_WRITE_REPLACE, &d, &n), -ENOENT);
	cr_expect(d.n == 1 && strstr(d.msgs[0], "resource does not exist"));
	tb_diag_free(&d);
}

Test(client, stale_resource_version_is_refused)
{
	const char *stale = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n"
			    "metadata: {name: a, resourceVersion: '1'}\nspec: {order: 5}\n";
	struct tb_diag d;
	json_t *doc;
	int n;

	cr_assert_eq(write_text(GNP("a", ""), TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(write_text(GNP("a", "  order: 3\n"), TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(write_text(stale, TB_WRITE_APPLY, &d, &n), -ECANCELED);
	cr_expect(d.n == 1 && strstr(d.msgs[0], "resource version '1' is out of date"));
	tb_diag_free(&d);
	cr_assert_eq(tb_client_get(cl, tb_kind_find("gnp"), NULL, "a", &doc), 0);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "spec"), "order")), 3);
	json_decref(doc);
}

Test(client, update_keeps_uid_and_creation)
{
	struct tb_diag d;
	json_t *a, *b;
	int n;

	cr_assert_eq(write_text(GNP("a", ""), TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(tb_client_get(cl, tb_kind_find("gnp"), NULL, "a", &a), 0);
	cr_assert_eq(write_text(GNP("a", "  order: 7\n"), TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(tb_client_get(cl, tb_kind_find("gnp"), NULL, "a", &b), 0);
	cr_expect(json_equal(json_object_get(json_object_get(a, "metadata"), "uid"),
			     json_object_get(json_object_get(b, "metadata"), "uid")));
	cr_expect(strcmp(json_string_value(json_object_get(json_object_get(a, "metadata"), "resourceVersion")),
			 json_string_value(json_object_get(json_object_get(b, "metadata"), "resourceVersion"))));
	json_decref(a);
	json_decref(b);
}

Test(client, namespace_writes_and_deletes_its_profile)
{
	struct tb_diag d;
	json_t *p;
	int n;

	cr_assert_eq(write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"
				"  labels: {team: a}\n", TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(tb_client_get(cl, tb_kind_find("profile"), NULL, "kns.prod", &p), 0);
	cr_expect_str_eq(json_string_value(json_object_get(
		json_object_get(json_object_get(p, "spec"), "labelsToApply"), "pcns.team")), "a");
	json_decref(p);
	tb_diag_init(&d);
	cr_assert_eq(tb_client_delete(cl, tb_kind_find("ns"), NULL, "prod", NULL, &d), 0);
	cr_expect_eq(tb_client_get(cl, tb_kind_find("profile"), NULL, "kns.prod", &p), -ENOENT);
	tb_diag_free(&d);
}

Test(client, pod_updates_its_workload_endpoints)
{
	const char *wep = "apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata:\n"
			  "  name: node1-k8s-web-eth0\n  namespace: prod\nspec:\n  orchestrator: k8s\n"
			  "  node: node1\n  pod: web\n  endpoint: eth0\n  interfaceName: tab0123456789a\n";
	const char *pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\n"
			  "  labels: {app: web}\nspec:\n  serviceAccountName: sa1\n  containers:\n"
			  "  - name: c\n    ports:\n    - {name: http, containerPort: 8080}\n";
	struct tb_diag d;
	json_t *w, *labels;
	int n;

	cr_assert_eq(write_text(wep, TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(write_text(pod, TB_WRITE_APPLY, &d, &n), 0);
	tb_diag_free(&d);
	cr_assert_eq(tb_client_get(cl, tb_kind_find("wep"), "prod", "node1-k8s-web-eth0", &w), 0);
	labels = json_object_get(json_object_get(w, "metadata"), "labels");
	cr_expect_str_eq(json_string_value(json_object_get(labels, "app")), "web");
	cr_expect_str_eq(json_string_value(json_object_get(labels, "projectcalico.org/namespace")), "prod");
	cr_expect_str_eq(json_string_value(json_object_get(labels, "projectcalico.org/serviceaccount")), "sa1");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(json_object_get(w, "spec"), "ports"), 0), "name")), "http");
	cr_expect_str_eq(json_string_value(json_array_get(
		json_object_get(json_object_get(w, "spec"), "profiles"), 1)), "ksa.prod.sa1");
	json_decref(w);
}

Test(client, converted_names_are_read_only)
{
	struct tb_diag d;
	int n;

	cr_assert_eq(write_text("apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n"
				"  name: knp.default.x\n", TB_WRITE_APPLY, &d, &n), -EINVAL);
	cr_expect(d.n == 1 && strstr(d.msgs[0], "belong to converted Kubernetes NetworkPolicies"));
	tb_diag_free(&d);
	tb_diag_init(&d);
	cr_expect_eq(tb_client_delete(cl, tb_kind_find("np"), "default", "knp.default.x", NULL, &d),
		     -EPERM);
	tb_diag_free(&d);
}

Test(client, delete_absent_is_enoent)
{
	struct tb_diag d;

	tb_diag_init(&d);
	cr_expect_eq(tb_client_delete(cl, tb_kind_find("gnp"), NULL, "nope", NULL, &d), -ENOENT);
	tb_diag_free(&d);
}
