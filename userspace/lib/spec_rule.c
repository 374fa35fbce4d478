// SPDX-License-Identifier: Apache-2.0
/*
 * Calico's Rule: action, ipVersion, protocol and ICMP matches, source and destination, HTTP
 * match, metadata; with the rules Calico's validator applies across these fields (ports need a
 * protocol with ports, ICMP needs protocol ICMP/ICMPv6 and the matching ipVersion, nets agree
 * with ipVersion and with each other). Values are written back as Calico stores them: a port
 * "80" or "80:80" becomes 80, a protocol "6" becomes 6.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "resource.h"
#include "spec_policy_int.h"
#include "validators.h"

static void check_icmp_type(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 254)
		tb_verror(c, "ICMP type must be between 0 and 254");
}

static void check_icmp_code(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 255)
		tb_verror(c, "ICMP code must be between 0 and 255");
}

static void check_icmp(struct tb_vctx *c, json_t *o)
{
	if (json_object_get(o, "code") && !json_object_get(o, "type"))
		tb_verror_at(c, "code", "ICMP code specified without an ICMP type");
}

static const struct tb_field icmp_fields[] = {
	{ "type", TB_T_INT, .check = check_icmp_type },
	{ "code", TB_T_INT, .check = check_icmp_code },
	{ NULL },
};
static const struct tb_schema icmp_schema = { "ICMPFields", icmp_fields, check_icmp };

static void check_http_path(struct tb_vctx *c, json_t *p)
{
	const char *exact = json_string_value(json_object_get(p, "exact"));
	const char *prefix = json_string_value(json_object_get(p, "prefix"));
	const char *v = exact && *exact ? exact : prefix;

	if (exact && *exact && prefix && *prefix)
		tb_verror(c, "invalid path match: both 'exact' and 'prefix' are set");
	else if (!v || !*v)
		tb_verror(c, "invalid path match: either 'exact' or 'prefix' must be set");
	else if (v[0] != '/' || strpbrk(v, "? #"))
		tb_verror(c,
			  "invalid path '%s' (must start with '/' and not contain '?', ' ' or '#')",
			  v);
	else if (strlen(v) > 1024)
		tb_verror(c, "path longer than 1024 characters");
}

static const struct tb_field http_path_fields[] = {
	{ "exact", TB_T_STRING },
	{ "prefix", TB_T_STRING },
	{ NULL },
};
static const struct tb_schema http_path_schema = { "HTTPPath", http_path_fields };

static void check_http(struct tb_vctx *c, json_t *h)
{
	json_t *methods = json_object_get(h, "methods"), *paths = json_object_get(h, "paths");
	size_t i, j;
	json_t *m;

	json_array_foreach(methods, i, m) {
		for (j = 0; j < i; j++)
			if (json_equal(m, json_array_get(methods, j)))
				break;
		if (j < i) {
			tb_verror_at(c, "methods", "invalid methods (duplicates)");
			break;
		}
	}
	if (json_array_size(methods) > 20)
		tb_verror_at(c, "methods", "at most 20 methods");
	if (json_array_size(paths) > 20)
		tb_verror_at(c, "paths", "at most 20 paths");
}

static const struct tb_field http_fields[] = {
	{ "methods", TB_T_ARRAY, .elem = TB_T_STRING },
	{ "paths", TB_T_ARRAY, .sub = &http_path_schema, .check = check_http_path },
	{ NULL },
};
static const struct tb_schema http_schema = { "HTTPMatch", http_fields, check_http };

/* As Calico checks object annotations: qualified-name keys (any case), 256 KiB in all. */
static void check_rule_annotations(struct tb_vctx *c, json_t *v)
{
	size_t total = 0;
	const char *k;
	json_t *e;

	json_object_foreach(v, k, e) {
		char low[320];
		size_t n = strlen(k);

		for (size_t i = 0; i <= n && i < sizeof(low); i++)
			low[i] = (char)tolower((unsigned char)k[i]);
		low[sizeof(low) - 1] = '\0';
		if (n >= sizeof(low) || !tb_valid_label_key(low))
			tb_verror_at(c, k, "invalid annotation key");
		total += n + strlen(json_string_value(e) ? json_string_value(e) : "");
	}
	if (total > 256 * 1024)
		tb_verror(c, "total size of annotations is too large by %zu bytes",
			  total - 256 * 1024);
}

static const struct tb_field rule_meta_fields[] = {
	{ "annotations", TB_T_STRMAP, .check = check_rule_annotations },
	{ NULL },
};
static const struct tb_schema rule_meta_schema = { "RuleMetadata", rule_meta_fields };

static void check_ip_version(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) != 4 && json_integer_value(v) != 6)
		tb_verror(c, "must be 4 or 6");
}

static const char *const actions[] = { "Allow", "Deny", "Log", "Pass", NULL };

/* The protocol number of a field, 0 when absent, -1 when invalid (already reported). */
static int proto_of(json_t *rule, const char *field)
{
	json_t *v = json_object_get(rule, field);

	if (!v)
		return 0;
	return tb_parse_protocol(v, NULL) < 0 ? -1 : tb_parse_protocol(v, NULL);
}

/* Ports of one list checked against the protocol, and written back in Calico's form. */
static void check_port_list(struct tb_vctx *c, json_t *ent, const char *list, int proto)
{
	json_t *ports = json_object_get(ent, list), *p;
	size_t mark = tb_vpush_field(c, list), i;

	json_array_foreach(ports, i, p) {
		struct tb_port port;
		size_t m2;

		if (tb_parse_port(p, &port, NULL))
			continue;
		m2 = tb_vpush_index(c, i);
		if (proto == 0 && !port.name[0])
			tb_verror(c, "numeric ports need protocol TCP, UDP or SCTP");
		else if (proto > 0 && !tb_protocol_has_ports(proto))
			tb_verror(c, "ports need protocol TCP, UDP or SCTP (protocol is %s)",
				  tb_protocol_name(proto) ? tb_protocol_name(proto) : "another");
		tb_vpop(c, m2);
		json_array_set_new(ports, i, tb_port_to_json(&port));
	}
	tb_vpop(c, mark);
}

static void check_ports(struct tb_vctx *c, json_t *rule, int proto)
{
	static const char *const ents[] = { "source", "destination" };

	for (size_t i = 0; i < 2; i++) {
		json_t *e = json_object_get(rule, ents[i]);
		size_t mark;

		if (!json_is_object(e))
			continue;
		mark = tb_vpush_field(c, ents[i]);
		check_port_list(c, e, "ports", proto);
		check_port_list(c, e, "notPorts", proto);
		tb_vpop(c, mark);
	}
}

/* ICMP matches need protocol ICMP or ICMPv6; ICMP goes with IPv4 and ICMPv6 with IPv6. */
static void check_icmp_rules(struct tb_vctx *c, json_t *rule, int proto, int notproto)
{
	json_int_t ipv = json_integer_value(json_object_get(rule, "ipVersion"));
	bool is_icmp = proto == TB_PROTO_ICMP || proto == TB_PROTO_ICMPV6;

	if (json_object_get(rule, "icmp") && !is_icmp)
		tb_verror_at(c, "icmp", "ICMP fields require protocol to be ICMP or ICMPv6");
	if (json_object_get(rule, "notICMP") && !is_icmp)
		tb_verror_at(c, "notICMP", "ICMP fields require protocol to be ICMP or ICMPv6");
	if (ipv && ipv != 4 && (proto == TB_PROTO_ICMP || notproto == TB_PROTO_ICMP))
		tb_verror_at(c, "ipVersion", "protocol ICMP requires ipVersion 4");
	if (ipv && ipv != 6 && (proto == TB_PROTO_ICMPV6 || notproto == TB_PROTO_ICMPV6))
		tb_verror_at(c, "ipVersion", "protocol ICMPv6 requires ipVersion 6");
}

/* The families of every nets field must agree with ipVersion and with each other. */
static void check_nets(struct tb_vctx *c, json_t *rule)
{
	static const char *const f[][2] = {
		{ "source", "nets" },
		{ "source", "notNets" },
		{ "destination", "nets" },
		{ "destination", "notNets" },
	};
	json_int_t ipv = json_integer_value(json_object_get(rule, "ipVersion"));
	bool seen4 = false, seen6 = false;

	for (size_t i = 0; i < 4; i++) {
		json_t *nets = json_object_get(json_object_get(rule, f[i][0]), f[i][1]), *n;
		bool v4 = false, v6 = false;
		char path[32];
		size_t j;

		json_array_foreach(nets, j, n) {
			struct tb_net cidr;

			if (tb_parse_cidr(json_string_value(n), true, &cidr))
				continue;
			v4 |= cidr.family == AF_INET;
			v6 |= cidr.family == AF_INET6;
		}
		snprintf(path, sizeof(path), "%s.%s", f[i][0], f[i][1]);
		if ((ipv == 4 && v6) || (ipv == 6 && v4))
			tb_verror_at(c, path, "rule IP version doesn't match CIDR version");
		if ((v4 && v6) || (v4 && seen6) || (v6 && seen4))
			tb_verror_at(c, path, "rule contains both IPv4 and IPv6 CIDRs");
		seen4 |= v4;
		seen6 |= v6;
	}
}

/* Calico stores a protocol given as digits ("6") as the number. */
static void digits_to_number(json_t *rule, const char *field, int num)
{
	const char *s = json_string_value(json_object_get(rule, field));

	if (num > 0 && s && strspn(s, "0123456789") == strlen(s))
		json_object_set_new(rule, field, json_integer(num));
}

static void check_rule(struct tb_vctx *c, json_t *rule)
{
	const char *action = json_string_value(json_object_get(rule, "action"));
	json_t *dst = json_object_get(rule, "destination");
	int proto = proto_of(rule, "protocol"), notproto = proto_of(rule, "notProtocol");

	check_ports(c, rule, proto);
	if (json_object_get(rule, "http")) {
		if (proto != 0 && proto != TB_PROTO_TCP)
			tb_verror_at(c, "protocol",
				     "rules with HTTP match must have protocol TCP or unset");
		if (action && strcmp(action, "Allow"))
			tb_verror_at(c, "http", "HTTP match is only valid on Allow rules");
	}
	check_icmp_rules(c, rule, proto, notproto);
	check_nets(c, rule);
	if (json_object_get(dst, "services") &&
	    (!tb_json_is_zero(json_object_get(dst, "ports")) ||
	     !tb_json_is_zero(json_object_get(dst, "notPorts"))))
		tb_verror_at(c, "destination",
			     "ports and notPorts cannot be specified with services");
	digits_to_number(rule, "protocol", proto);
	digits_to_number(rule, "notProtocol", notproto);
}

static const struct tb_field rule_fields[] = {
	{ "action", TB_T_STRING, TB_REQUIRED, .one_of = actions },
	{ "ipVersion", TB_T_INT, .check = check_ip_version },
	{ "protocol", TB_T_INT_OR_STRING, .check = tb_vcheck_protocol },
	{ "notProtocol", TB_T_INT_OR_STRING, .check = tb_vcheck_protocol },
	{ "icmp", TB_T_OBJECT, .sub = &icmp_schema },
	{ "notICMP", TB_T_OBJECT, .sub = &icmp_schema },
	{ "source", TB_T_OBJECT, .sub = &tb_schema_entity_rule },
	{ "destination", TB_T_OBJECT, .sub = &tb_schema_entity_rule },
	{ "http", TB_T_OBJECT, .sub = &http_schema },
	{ "metadata", TB_T_OBJECT, .sub = &rule_meta_schema },
	{ NULL },
};
const struct tb_schema tb_schema_rule = { "Rule", rule_fields, check_rule };
