// SPDX-License-Identifier: Apache-2.0
/*
 * The calculation stage end to end in userspace: resources in, each local endpoint's policy
 * IR out, judged by the reference evaluator on flows. Scenarios follow Calico's semantics.
 *
 *   node1: web (10.0.0.1, ns x, app=web, port http=8080), db (10.0.0.2, ns x, app=db)
 *   node2: client (10.0.1.1, ns x, app=client), other (10.0.1.2, ns y, app=client)
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "calc.h"
#include "policy_eval.h"
#include "resource.h"

#define WEPS TB_KEY_CALICO "workloadendpoints/"
#define GNPS TB_KEY_CALICO "globalnetworkpolicies/"
#define NPS TB_KEY_CALICO "networkpolicies/"

static struct tb_calc *calc;
static unsigned policy_updates;

static void on_policy(void *ctx, const struct tb_calc_ep *ep, int dir, const char *key,
		      const struct tb_ir *ir, const struct tb_pol_sets *sets)
{
	policy_updates++;
}

static const struct tb_calc_ops ops = { .policy_update = on_policy };

static void put(const char *key, const char *json)
{
	json_error_t e;
	json_t *doc = json_loads(json, 0, &e);

	cr_assert(doc, "bad test JSON for %s: %s", key, e.text);
	tb_calc_update(calc, key, doc, 1);
	json_decref(doc);
}

static void wep(const char *ns, const char *name, const char *node, const char *ip,
		const char *labels, const char *extra)
{
	char key[256], doc[2048];

	snprintf(key, sizeof(key), WEPS "%s/%s", ns, name);
	snprintf(doc, sizeof(doc),
		 "{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"WorkloadEndpoint\","
		 "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":%s},"
		 "\"spec\":{\"orchestrator\":\"k8s\",\"node\":\"%s\",\"pod\":\"%s\",\"endpoint\":\"eth0\","
		 "\"interfaceName\":\"tab%s\",\"ipNetworks\":[\"%s/32\"],\"profiles\":[\"kns.%s\"]%s}}",
		 name, ns, labels, node, name, name, ip, ns, extra ? extra : "");
	put(key, doc);
}

static void setup(void)
{
	cr_assert_eq(tb_calc_new("node1", &ops, NULL, &calc), 0);
	policy_updates = 0;
	wep("x", "web", "node1", "10.0.0.1", "{\"app\":\"web\"}",
	    ",\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}]");
	wep("x", "db", "node1", "10.0.0.2", "{\"app\":\"db\"}", NULL);
	wep("x", "client", "node2", "10.0.1.1", "{\"app\":\"client\"}", NULL);
	wep("y", "other", "node2", "10.0.1.2", "{\"app\":\"client\"}", NULL);
	put(TB_KEY_CALICO "profiles/kns.x", "{\"metadata\":{\"name\":\"kns.x\"},\"spec\":{"
	    "\"ingress\":[{\"action\":\"Allow\"}],\"egress\":[{\"action\":\"Allow\"}],"
	    "\"labelsToApply\":{\"pcns.projectcalico.org/name\":\"x\",\"pcns.env\":\"prod\"}}}");
	tb_calc_flush(calc);
}

static void teardown(void)
{
	tb_calc_free(calc);
}

TestSuite(calc, .init = setup, .fini = teardown);

/* Verdict for a TCP (or proto) flow src -> dst:port as seen by `ep` in direction dir. */
static int verdict(const char *ep_key, int dir, const char *src, const char *dst, int proto,
		   int dport)
{
	const struct tb_pol_sets *sets;
	const struct tb_ir *ir;
	struct tb_eval_result res;
	struct tb_flow f = { .family = TB_AF_INET, .proto = proto, .sport = 40000, .dport = dport };

	tb_calc_flush(calc);
	ir = tb_calc_endpoint_ir(calc, ep_key, dir, &sets);
	cr_assert(ir, "no IR for %s", ep_key);
	inet_pton(AF_INET, src, &f.saddr[0]);
	inet_pton(AF_INET, dst, &f.daddr[0]);
	tb_eval_flow(ir, sets, &f, &res);
	return res.allow;
}

#define WEB WEPS "x/web"
#define DB WEPS "x/db"

Test(calc, profile_allows_without_policy)
{
	cr_expect(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80));
	cr_expect(verdict(WEB, 1, "10.0.0.1", "1.1.1.1", 17, 53));
}

Test(calc, no_profile_no_policy_denies)
{
	wep("z", "lone", "node1", "10.0.0.9", "{}", ",\"profiles\":[]");
	cr_expect_not(verdict(WEPS "z/lone", 0, "10.0.1.2", "10.0.0.9", 6, 80));
}

Test(calc, missing_namespace_profile_is_synthesized_allow_all)
{
	wep("fresh", "p", "node1", "10.0.0.10", "{}", NULL);
	cr_expect(verdict(WEPS "fresh/p", 0, "10.0.1.2", "10.0.0.10", 6, 80));
}

#define GNP_WEB_FROM_CLIENT                                                                        \
	"{\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":\"app == 'web'\",\"ingress\":[{"   \
	"\"action\":\"Allow\",\"protocol\":\"TCP\",\"source\":{\"selector\":\"app == 'client'\"},"  \
	"\"destination\":{\"ports\":[80]}}]}}"

Test(calc, selected_endpoint_is_default_deny_and_rules_apply)
{
	put(GNPS "web", GNP_WEB_FROM_CLIENT);
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80), "client -> web:80");
	cr_expect(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80), "client in y -> web:80 (GNP)");
	cr_expect_not(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 81), "wrong port");
	cr_expect_not(verdict(WEB, 0, "10.0.0.2", "10.0.0.1", 6, 80), "db is not a client");
	cr_expect_not(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 17, 80), "wrong protocol");
	cr_expect(verdict(DB, 0, "10.0.0.2", "10.0.0.2", 6, 80), "db not selected: profile");
	cr_expect(verdict(WEB, 1, "10.0.0.1", "9.9.9.9", 6, 80), "egress not selected");
}

Test(calc, networkpolicy_rule_selector_is_namespace_scoped)
{
	put(NPS "x/web", "{\"metadata\":{\"name\":\"web\",\"namespace\":\"x\"},\"spec\":{"
	    "\"selector\":\"app == 'web'\",\"ingress\":[{\"action\":\"Allow\",\"source\":{"
	    "\"selector\":\"app == 'client'\"}}]}}");
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80));
	cr_expect_not(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80), "client of ns y");
	put(NPS "x/web", "{\"metadata\":{\"name\":\"web\",\"namespace\":\"x\"},\"spec\":{"
	    "\"selector\":\"app == 'web'\",\"ingress\":[{\"action\":\"Allow\",\"source\":{"
	    "\"selector\":\"app == 'client'\",\"namespaceSelector\":\"all()\"}}]}}");
	cr_expect(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80), "namespaceSelector all()");
}

Test(calc, networkpolicy_selects_only_its_namespace)
{
	wep("y", "web2", "node1", "10.0.0.5", "{\"app\":\"web\"}", ",\"profiles\":[\"kns.y\"]");
	put(NPS "x/deny", "{\"metadata\":{\"name\":\"deny\",\"namespace\":\"x\"},\"spec\":{"
	    "\"selector\":\"app == 'web'\",\"types\":[\"Ingress\"]}}");
	cr_expect_not(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80));
	cr_expect(verdict(WEPS "y/web2", 0, "10.0.1.1", "10.0.0.5", 6, 80));
}

Test(calc, namespace_selector_uses_namespace_labels)
{
	put(GNPS "g", "{\"metadata\":{\"name\":\"g\"},\"spec\":{\"selector\":\"app == 'web'\","
	    "\"ingress\":[{\"action\":\"Allow\",\"source\":{\"namespaceSelector\":\"env == 'prod'\"}}]}}");
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80), "ns x is prod");
	cr_expect_not(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80), "ns y has no labels");
}

Test(calc, order_then_name_decides)
{
	put(GNPS "b-allow", "{\"metadata\":{\"name\":\"b-allow\"},\"spec\":{\"order\":10,"
	    "\"selector\":\"app == 'web'\",\"ingress\":[{\"action\":\"Allow\"}]}}");
	put(GNPS "a-deny", "{\"metadata\":{\"name\":\"a-deny\"},\"spec\":{\"order\":10,"
	    "\"selector\":\"app == 'web'\",\"ingress\":[{\"action\":\"Deny\"}]}}");
	cr_expect_not(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80), "a-deny sorts first");
	put(GNPS "b-allow", "{\"metadata\":{\"name\":\"b-allow\"},\"spec\":{\"order\":5,"
	    "\"selector\":\"app == 'web'\",\"ingress\":[{\"action\":\"Allow\"}]}}");
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80), "lower order first");
}

Test(calc, pass_goes_to_the_next_tier)
{
	put(TB_KEY_CALICO "tiers/sec", "{\"metadata\":{\"name\":\"sec\"},\"spec\":{\"order\":100}}");
	put(GNPS "sec.pass", "{\"metadata\":{\"name\":\"sec.pass\"},\"spec\":{\"tier\":\"sec\","
	    "\"selector\":\"all()\",\"ingress\":[{\"action\":\"Pass\",\"source\":{\"nets\":[\"10.0.1.0/24\"]}}]}}");
	put(GNPS "web", GNP_WEB_FROM_CLIENT);
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80), "passed, then allowed");
	cr_expect_not(verdict(WEB, 0, "10.0.0.2", "10.0.0.1", 6, 80), "end of tier sec: deny");
	cr_expect(verdict(DB, 0, "10.0.1.1", "10.0.0.2", 6, 80),
		  "db: passed, and no later tier applies: its profiles decide");
	cr_expect_not(verdict(DB, 0, "10.0.0.1", "10.0.0.2", 6, 80), "db: end of tier sec");
}

Test(calc, label_change_moves_set_membership)
{
	put(GNPS "web", GNP_WEB_FROM_CLIENT);
	cr_expect_not(verdict(WEB, 0, "10.0.0.2", "10.0.0.1", 6, 80));
	wep("x", "db", "node1", "10.0.0.2", "{\"app\":\"client\"}", NULL);
	cr_expect(verdict(WEB, 0, "10.0.0.2", "10.0.0.1", 6, 80), "db relabelled client");
	wep("x", "db", "node1", "10.0.0.2", "{\"app\":\"db\"}", NULL);
	cr_expect_not(verdict(WEB, 0, "10.0.0.2", "10.0.0.1", 6, 80), "and back");
}

Test(calc, named_ports_resolve_per_endpoint)
{
	put(GNPS "named", "{\"metadata\":{\"name\":\"named\"},\"spec\":{\"selector\":\"app == 'web'\","
	    "\"ingress\":[{\"action\":\"Allow\",\"protocol\":\"TCP\",\"destination\":{\"ports\":[\"http\"]}}]}}");
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 8080));
	cr_expect_not(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80));
}

Test(calc, network_sets_are_selectable)
{
	put(TB_KEY_CALICO "globalnetworksets/ext", "{\"metadata\":{\"name\":\"ext\",\"labels\":"
	    "{\"kind\":\"partner\"}},\"spec\":{\"nets\":[\"192.0.2.0/24\"]}}");
	put(GNPS "p", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"selector\":\"app == 'web'\","
	    "\"ingress\":[{\"action\":\"Allow\",\"source\":{\"selector\":\"kind == 'partner'\"}}]}}");
	cr_expect(verdict(WEB, 0, "192.0.2.7", "10.0.0.1", 6, 80));
	cr_expect_not(verdict(WEB, 0, "198.51.100.7", "10.0.0.1", 6, 80));
}

Test(calc, policy_change_touches_only_selected_endpoints)
{
	put(GNPS "web", GNP_WEB_FROM_CLIENT);
	tb_calc_flush(calc);
	policy_updates = 0;
	put(GNPS "web", "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"selector\":\"app == 'web'\","
	    "\"ingress\":[{\"action\":\"Allow\"}]}}");
	tb_calc_flush(calc);
	cr_expect_eq(policy_updates, 1, "only web's ingress list changed (got %u)", policy_updates);
}

Test(calc, kubernetes_networkpolicy_is_enforced_converted)
{
	put(TB_KEY_K8S "networkpolicies/x/deny-web", "{\"apiVersion\":\"networking.k8s.io/v1\","
	    "\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"deny-web\",\"namespace\":\"x\"},"
	    "\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"ingress\":[{\"from\":[{"
	    "\"podSelector\":{\"matchLabels\":{\"app\":\"client\"}}}]}]}}");
	cr_expect(verdict(WEB, 0, "10.0.1.1", "10.0.0.1", 6, 80), "client in x");
	cr_expect_not(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80), "client in y");
	tb_calc_remove(calc, TB_KEY_K8S "networkpolicies/x/deny-web", 2);
	cr_expect(verdict(WEB, 0, "10.0.1.2", "10.0.0.1", 6, 80), "policy gone");
}
