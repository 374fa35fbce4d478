// SPDX-License-Identifier: Apache-2.0
/*
 * Calico's EntityRule (the source or destination of a rule) and the small structs of a rule:
 * ICMP match, HTTP match, rule metadata. Field names, types and rules follow Calico's v3 API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spec_policy_int.h"
#include "validators.h"

bool tb_json_is_zero(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return true;
	if (json_is_string(v))
		return !*json_string_value(v);
	if (json_is_number(v))
		return json_number_value(v) == 0;
	if (json_is_array(v))
		return !json_array_size(v);
	if (json_is_object(v))
		return !json_object_size(v);
	return false;
}

void tb_verror_root(struct tb_vctx *c, const char *path, const char *fmt, ...)
{
	char saved[sizeof(c->path)], msg[1024];
	size_t len = c->len;
	va_list ap;

	memcpy(saved, c->path, sizeof(saved));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tb_vpop(c, 0);
	tb_vpush_field(c, path);
	tb_verror(c, "%s", msg);
	memcpy(c->path, saved, sizeof(saved));
	c->len = len;
}

void tb_check_no_global(struct tb_vctx *c, json_t *obj, const char *field)
{
	const char *s = json_string_value(json_object_get(obj, field));

	if (s && strstr(s, "global("))
		tb_verror_at(c, field,
			     "global() can only be used in an EntityRule namespaceSelector");
}

/* A rule's nets: "addr/len" with no host bits set (Calico parses them with ParseCIDR). */
static void check_rule_net(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	char canon[TB_NET_STRLEN];
	struct tb_net n;

	if (tb_parse_cidr(s, true, &n)) {
		tb_verror(c, "invalid CIDR '%s'", s);
	} else if (!n.has_prefix) {
		tb_net_format(&n, canon, sizeof(canon));
		tb_verror(c, "invalid CIDR '%s': a rule's nets need a prefix length (%s)", s,
			  canon);
	} else if (!tb_cidr_is_masked(&n)) {
		tb_cidr_mask(&n);
		tb_net_format(&n, canon, sizeof(canon));
		tb_verror(c, "'%s' is not a network address: host bits are set (did you mean %s?)",
			  s, canon);
	}
}

static const struct tb_field service_account_fields[] = {
	{ "names", TB_T_ARRAY, .elem = TB_T_STRING },
	{ "selector", TB_T_STRING, .check = tb_vcheck_selector },
	{ NULL },
};
static const struct tb_schema service_account_schema = { "ServiceAccountMatch",
							   service_account_fields };

static const struct tb_field service_fields[] = {
	{ "name", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "namespace", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ NULL },
};
static const struct tb_schema service_schema = { "ServiceMatch", service_fields };

/* A service match stands alone: endpoints, addresses and ports come from the service. */
static void check_services(struct tb_vctx *c, json_t *e, json_t *svc)
{
#define SVC_EXCL(what) "cannot specify " what " and Services on the same rule"
	static const char *const excl[][2] = {
		{ "namespaceSelector", SVC_EXCL("NamespaceSelector") },
		{ "selector", SVC_EXCL("Selector/NotSelector") },
		{ "notSelector", SVC_EXCL("Selector/NotSelector") },
		{ "serviceAccounts", SVC_EXCL("ServiceAccounts") },
		{ "nets", SVC_EXCL("Nets/NotNets") },
		{ "notNets", SVC_EXCL("Nets/NotNets") },
	};
#undef SVC_EXCL

	if (tb_json_is_zero(json_object_get(svc, "name")))
		tb_verror_at(c, "services", "must specify a service name");
	for (size_t i = 0; i < sizeof(excl) / sizeof(excl[0]); i++) {
		json_t *v = json_object_get(e, excl[i][0]);

		/* An empty serviceAccounts {} still counts, as a non-nil pointer does in Go. */
		if (!strcmp(excl[i][0], "serviceAccounts") ? v && !json_is_null(v)
							   : !tb_json_is_zero(v))
			tb_verror_at(c, "services", "%s", excl[i][1]);
	}
}

static void check_entity(struct tb_vctx *c, json_t *e)
{
	const char *nss = json_string_value(json_object_get(e, "namespaceSelector"));
	json_t *svc = json_object_get(e, "services");

	tb_check_no_global(c, e, "selector");
	tb_check_no_global(c, e, "notSelector");
	if (nss && strstr(nss, "global(") && !tb_selector_is_global_only(nss))
		tb_verror_at(c, "namespaceSelector",
			     "global() cannot be combined with other selectors");
	if (json_is_object(svc))
		check_services(c, e, svc);
}

static const struct tb_field entity_fields[] = {
	{ "nets", TB_T_ARRAY, .elem = TB_T_STRING, .check = check_rule_net },
	{ "notNets", TB_T_ARRAY, .elem = TB_T_STRING, .check = check_rule_net },
	{ "selector", TB_T_STRING, .check = tb_vcheck_selector },
	{ "notSelector", TB_T_STRING, .check = tb_vcheck_selector },
	{ "namespaceSelector", TB_T_STRING, .check = tb_vcheck_selector },
	{ "ports", TB_T_ARRAY, .elem = TB_T_INT_OR_STRING, .check = tb_vcheck_port },
	{ "notPorts", TB_T_ARRAY, .elem = TB_T_INT_OR_STRING, .check = tb_vcheck_port },
	{ "serviceAccounts", TB_T_OBJECT, .sub = &service_account_schema },
	{ "services", TB_T_OBJECT, .sub = &service_schema },
	{ NULL },
};
const struct tb_schema tb_schema_entity_rule = { "EntityRule", entity_fields, check_entity };
