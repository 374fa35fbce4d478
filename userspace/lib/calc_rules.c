// SPDX-License-Identifier: Apache-2.0
/*
 * Calico rules (JSON) to policy IR rules. Selectors become IP sets, named ports IP+port sets,
 * scoped as Calico scopes them: in a NetworkPolicy a rule's selector means endpoints of the
 * policy's namespace unless the rule has a namespaceSelector.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc_int.h"

static enum tb_ir_action parse_action(const char *a)
{
	if (a && !strcmp(a, "Deny"))
		return TB_IR_DENY;
	if (a && !strcmp(a, "Log"))
		return TB_IR_LOG;
	if (a && !strcmp(a, "Pass"))
		return TB_IR_PASS;
	return TB_IR_ALLOW;
}

struct side_ctx {
	struct tb_calc *c;
	const char *ns;		/* the policy's namespace (NetworkPolicy), or NULL */
	int proto;		/* the rule's protocol, for named ports */
	uint32_t **sets;
	size_t *n_sets;
};

static int keep_set(struct side_ctx *x, uint32_t id)
{
	uint32_t *s = realloc(*x->sets, (*x->n_sets + 1) * sizeof(*s));

	if (!s) {
		calc_set_unref(x->c, id);
		return -ENOMEM;
	}
	s[(*x->n_sets)++] = id;
	*x->sets = s;
	return 0;
}

/* The matcher of a side's positive selection (selector, namespaceSelector, serviceAccounts). */
static int side_matcher(struct side_ctx *x, json_t *side, const char *sel, struct calc_matcher *m)
{
	const char *ns_sel = json_string_value(json_object_get(side, "namespaceSelector"));
	json_t *sa = json_object_get(side, "serviceAccounts");

	return calc_matcher_build(m, sel, ns_sel, sa, NULL, x->ns);
}

static bool has_selection(json_t *side)
{
	return json_object_get(side, "selector") || json_object_get(side, "namespaceSelector") ||
	       json_object_get(side, "serviceAccounts");
}

static int add_set(struct side_ctx *x, struct tb_ir_side *s, int negated, struct calc_matcher *m)
{
	uint32_t id;
	int r = calc_set_ref(x->c, m, &id);

	if (!r)
		r = keep_set(x, id);
	if (!r)
		r = tb_ir_side_add_set(s, negated, id);
	return r;
}

/* ports / notPorts: numbers, "lo:hi" ranges and names (one IP+port set for the names). */
static int side_ports(struct side_ctx *x, json_t *side, json_t *ports, int negated,
		      struct tb_ir_side *s)
{
	char names[512] = "";
	size_t i, nl = 0;
	json_t *p;
	int r = 0;

	json_array_foreach(ports, i, p) {
		unsigned lo, hi;
		const char *t = json_string_value(p);

		if (json_is_integer(p)) {
			r = tb_ir_side_add_ports(s, negated, json_integer_value(p), json_integer_value(p));
		} else if (t && sscanf(t, "%u:%u", &lo, &hi) == 2) {
			r = tb_ir_side_add_ports(s, negated, lo, hi);
		} else if (t && sscanf(t, "%u", &lo) == 1 && t[strspn(t, "0123456789")] == '\0') {
			r = tb_ir_side_add_ports(s, negated, lo, lo);
		} else if (t && nl + strlen(t) + 2 < sizeof(names)) {
			nl += snprintf(names + nl, sizeof(names) - nl, "%s%s", nl ? "," : "", t);
		}
		if (r)
			return r;
	}
	if (nl) {
		struct calc_matcher m;
		uint32_t id;

		/* Without a selection the named port is any endpoint's, in any namespace. */
		if (has_selection(side))
			r = side_matcher(x, side, json_string_value(json_object_get(side, "selector")), &m);
		else
			r = calc_matcher_build(&m, NULL, NULL, NULL, NULL, NULL);
		if (!r) {
			m.port_name = strdup(names);
			m.port_proto = x->proto > 0 ? x->proto : 6;
			r = calc_set_ref(x->c, &m, &id);
		}
		if (!r)
			r = keep_set(x, id);
		if (!r)
			*(negated ? &s->not_named_set : &s->named_set) = id;
	}
	return r;
}

static int build_side(struct side_ctx *x, json_t *side, struct tb_ir_side *s)
{
	const char *not_sel = json_string_value(json_object_get(side, "notSelector"));
	struct tb_ir_cidr cidr;
	struct calc_matcher m;
	size_t i;
	json_t *n;
	int r = 0;

	json_array_foreach(json_object_get(side, "nets"), i, n)
		if (!r && !calc_parse_cidr(json_string_value(n) ?: "", &cidr))
			r = tb_ir_side_add_net(s, 0, &cidr);
	json_array_foreach(json_object_get(side, "notNets"), i, n)
		if (!r && !calc_parse_cidr(json_string_value(n) ?: "", &cidr))
			r = tb_ir_side_add_net(s, 1, &cidr);
	if (!r && has_selection(side)) {
		r = side_matcher(x, side, json_string_value(json_object_get(side, "selector")), &m);
		if (!r)
			r = add_set(x, s, 0, &m);
	}
	if (!r && not_sel) {
		r = calc_matcher_build(&m, not_sel,
				       json_string_value(json_object_get(side, "namespaceSelector")),
				       NULL, NULL, x->ns);
		if (!r)
			r = add_set(x, s, 1, &m);
	}
	if (!r)
		r = side_ports(x, side, json_object_get(side, "ports"), 0, s);
	if (!r)
		r = side_ports(x, side, json_object_get(side, "notPorts"), 1, s);
	return r;
}

static void icmp_fields(json_t *icmp, int *type, int *code)
{
	json_t *t = json_object_get(icmp, "type"), *c = json_object_get(icmp, "code");

	*type = json_is_integer(t) ? (int)json_integer_value(t) : TB_IR_ANY;
	*code = json_is_integer(c) ? (int)json_integer_value(c) : TB_IR_ANY;
}

static int build_rule(struct side_ctx *x, json_t *j, struct tb_ir_rule *r)
{
	json_t *ipv = json_object_get(j, "ipVersion");
	int rc;

	tb_ir_rule_init(r, parse_action(json_string_value(json_object_get(j, "action"))));
	r->ip_version = json_is_integer(ipv) ? (int)json_integer_value(ipv) : 0;
	r->protocol = json_object_get(j, "protocol") ? calc_proto_number(json_object_get(j, "protocol"))
						     : TB_IR_ANY;
	r->not_protocol = json_object_get(j, "notProtocol")
				  ? calc_proto_number(json_object_get(j, "notProtocol"))
				  : TB_IR_ANY;
	icmp_fields(json_object_get(j, "icmp"), &r->icmp_type, &r->icmp_code);
	icmp_fields(json_object_get(j, "notICMP"), &r->not_icmp_type, &r->not_icmp_code);
	x->proto = r->protocol;
	rc = build_side(x, json_object_get(j, "source"), &r->src);
	if (!rc)
		rc = build_side(x, json_object_get(j, "destination"), &r->dst);
	return rc;
}

int calc_rules_build(struct tb_calc *c, json_t *list, const char *ns, struct calc_rules *out,
		     uint32_t **sets, size_t *n_sets)
{
	struct side_ctx x = { c, ns, 0, sets, n_sets };
	size_t i;
	json_t *j;
	int r = 0;

	out->n = 0;
	out->rules = calloc(json_array_size(list) + 1, sizeof(*out->rules));
	if (!out->rules)
		return -ENOMEM;
	json_array_foreach(list, i, j) {
		r = build_rule(&x, j, &out->rules[out->n]);
		out->n++;
		if (r)
			break;
	}
	return r;
}

void calc_rules_free(struct tb_calc *c, struct calc_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		tb_ir_rule_free(&r->rules[i]);
	free(r->rules);
	r->rules = NULL;
	r->n = 0;
}
