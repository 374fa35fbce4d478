// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"
#include "policy_eval.h"
#include "policy_trace.h"
#include "resource.h"

/* One end of the flow: an endpoint (key, node, address) or a bare address. */
struct end {
	char key[512];
	char name[300];
	char node[256];
	char addr[64];
	int family;
	bool endpoint;
};

static bool addr_of_ep(json_t *doc, char *out, size_t len)
{
	json_t *nets = json_object_get(json_object_get(doc, "spec"), "ipNetworks");
	const char *n = json_string_value(json_array_get(nets, 0));

	if (!n)
		return false;
	snprintf(out, len, "%.*s", (int)strcspn(n, "/"), n);
	return true;
}

/* "ns/pod", a WorkloadEndpoint name in any namespace, or an endpoint's address. */
static bool ep_matches(const char *want, const char *key, json_t *doc)
{
	json_t *meta = json_object_get(doc, "metadata"), *spec = json_object_get(doc, "spec");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *pod = json_string_value(json_object_get(spec, "pod"));
	const char *wl = json_string_value(json_object_get(spec, "workload"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	char buf[600], addr[64];

	snprintf(buf, sizeof(buf), "%s/%s", ns ? ns : "", pod ? pod : wl ? wl : "");
	if (!strcmp(want, buf) || (name && !strcmp(want, name)))
		return true;
	return addr_of_ep(doc, addr, sizeof(addr)) && !strcmp(addr, want);
}

static int resolve(const struct tb_kv_list *all, const char *want, struct end *e, FILE *out)
{
	static const char wep_prefix[] = TB_KEY_CALICO "workloadendpoints/";
	unsigned char tmp[16];

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < all->n; i++) {
		json_t *doc;

		if (strncmp(all->items[i].key, wep_prefix, strlen(wep_prefix)))
			continue;
		doc = json_loads(all->items[i].value, 0, NULL);
		if (doc && ep_matches(want, all->items[i].key, doc) &&
		    addr_of_ep(doc, e->addr, sizeof(e->addr))) {
			json_t *spec = json_object_get(doc, "spec");

			e->endpoint = true;
			snprintf(e->key, sizeof(e->key), "%s", all->items[i].key);
			snprintf(e->name, sizeof(e->name), "%s/%s", tb_res_namespace(doc),
				 tb_res_name(doc));
			snprintf(e->node, sizeof(e->node), "%s",
				 json_string_value(json_object_get(spec, "node")) ?: "");
		}
		json_decref(doc);
		if (e->endpoint)
			break;
	}
	if (!e->endpoint)
		snprintf(e->addr, sizeof(e->addr), "%s", want);
	e->family = inet_pton(AF_INET, e->addr, tmp) == 1 ? 4 : inet_pton(AF_INET6, e->addr, tmp) == 1 ? 6 : 0;
	if (!e->family) {
		fprintf(out, "'%s' is neither an endpoint (namespace/pod, endpoint name) nor an "
			     "address\n", want);
		return -ENOENT;
	}
	return 0;
}

static void load_all(struct tb_calc *c, const struct tb_kv_list *all)
{
	for (size_t i = 0; i < all->n; i++) {
		json_t *doc = json_loads(all->items[i].value, 0, NULL);

		if (doc)
			tb_calc_update(c, all->items[i].key, doc, all->items[i].mod_revision);
		json_decref(doc);
	}
	tb_calc_flush(c);
}

static const char *action_name(const struct tb_ir *ir, const struct tb_pol_ref *r)
{
	static const char *const names[] = { "Allow", "Deny", "Log", "Pass" };
	const struct tb_ir_rule *rule = NULL;

	if (r->kind == TB_REF_RULE)
		rule = &ir->tiers[r->tier].policies[r->policy].rules[r->rule];
	else if (r->kind == TB_REF_PROFILE_RULE)
		rule = &ir->profiles[r->policy].rules[r->rule];
	return rule ? names[rule->action] : NULL;
}

/* Judges the flow with one endpoint's policy in one direction; 1 allowed, 0 denied. */
static int judge(const struct tb_kv_list *all, const struct end *e, int dir,
		 const struct tb_flow *flow, FILE *out)
{
	const struct tb_pol_sets *sets;
	const struct tb_ir *ir;
	struct tb_eval_result res;
	struct tb_calc *c = NULL;
	char why[512];
	int r;

	r = tb_calc_new(e->node, &(struct tb_calc_ops){ 0 }, NULL, &c);
	if (r)
		return r;
	load_all(c, all);
	ir = tb_calc_endpoint_ir(c, e->key, dir, &sets);
	if (!ir) {
		fprintf(out, "%s: no policy computed (is its node '%s' right?)\n", e->name, e->node);
		tb_calc_free(c);
		return -ENOENT;
	}
	tb_eval_flow(ir, sets, flow, &res);
	fprintf(out, "%s of %s (node %s): %d tier(s), %zu profile(s)\n",
		dir ? "egress" : "ingress", e->name, e->node, (int)ir->n_tiers, ir->n_profiles);
	for (size_t i = 0; i < res.n_logs; i++) {
		tb_ir_ref_describe(ir, &res.logs[i], why, sizeof(why));
		fprintf(out, "  logged by %s\n", why);
	}
	tb_ir_ref_describe(ir, &res.decider, why, sizeof(why));
	fprintf(out, "  %s by %s%s%s%s\n", res.allow ? "allowed" : "DENIED", why,
		action_name(ir, &res.decider) ? " (" : "", action_name(ir, &res.decider) ?: "",
		action_name(ir, &res.decider) ? ")" : "");
	tb_calc_free(c);
	return res.allow;
}

static void fill_flow(struct tb_flow *f, const struct end *src, const struct end *dst,
		      const struct tb_trace_query *q)
{
	memset(f, 0, sizeof(*f));
	f->family = src->family == 6 ? TB_AF_INET6 : TB_AF_INET;
	inet_pton(src->family == 6 ? AF_INET6 : AF_INET, src->addr, f->saddr);
	inet_pton(dst->family == 6 ? AF_INET6 : AF_INET, dst->addr, f->daddr);
	f->proto = q->proto;
	if (q->proto == 1 || q->proto == 58) {
		f->icmp_type = q->port;
	} else {
		f->sport = 40000;
		f->dport = q->port;
	}
}

int tb_policy_trace(struct tb_ds *ds, const struct tb_trace_query *q, FILE *out)
{
	struct tb_kv_list all = { 0 };
	struct end src, dst;
	struct tb_flow flow;
	int r, allow = 1;

	r = tb_ds_list(ds, "/", &all);
	if (!r)
		r = resolve(&all, q->from, &src, out);
	if (!r)
		r = resolve(&all, q->to, &dst, out);
	if (!r && src.family != dst.family) {
		fprintf(out, "%s and %s are of different IP versions\n", src.addr, dst.addr);
		r = -EINVAL;
	}
	if (r)
		goto out;
	fill_flow(&flow, &src, &dst, q);
	fprintf(out, "flow: %s -> %s, protocol %d, %s %d (a new flow: established ones are "
		     "judged by conntrack)\n",
		src.addr, dst.addr, q->proto, q->proto == 1 || q->proto == 58 ? "type" : "port",
		q->port);
	if (src.endpoint)
		allow = judge(&all, &src, 1, &flow, out);
	else
		fprintf(out, "egress: %s is outside the cluster: no policy\n", src.addr);
	if (allow > 0 && dst.endpoint)
		allow = judge(&all, &dst, 0, &flow, out);
	else if (allow > 0)
		fprintf(out, "ingress: %s is outside the cluster: no policy\n", dst.addr);
	if (allow >= 0)
		fprintf(out, "verdict: %s\n", allow ? "allowed" : "denied");
	r = allow;
out:
	tb_kv_list_free(&all);
	return r;
}
