// SPDX-License-Identifier: Apache-2.0
/* The shared value checks in the form the schema engine calls (struct tb_field .check). */
#include <stdio.h>
#include <sys/socket.h>

#include "resource.h"
#include "validators.h"

/* Strings are type-checked by the engine before .check runs, but a check may be reused on
 * TB_T_ANY or TB_T_INT_OR_STRING fields, so each one tests the type it needs. */
static const char *str_or_report(struct tb_vctx *c, json_t *v)
{
	if (!json_is_string(v)) {
		tb_verror(c, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

static void check_ip_family(struct tb_vctx *c, json_t *v, int family)
{
	const char *s = str_or_report(c, v);
	struct tb_net ip;

	if (!s)
		return;
	if (tb_parse_ip(s, &ip))
		tb_verror(c, "'%s' is not a valid IP address", s);
	else if (family && ip.family != family)
		tb_verror(c, "'%s' is not an IPv%d address", s, family == AF_INET ? 4 : 6);
}

void tb_vcheck_ip(struct tb_vctx *c, json_t *v)
{
	check_ip_family(c, v, 0);
}

void tb_vcheck_ipv4(struct tb_vctx *c, json_t *v)
{
	check_ip_family(c, v, AF_INET);
}

void tb_vcheck_ipv6(struct tb_vctx *c, json_t *v)
{
	check_ip_family(c, v, AF_INET6);
}

void tb_vcheck_cidr(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);
	struct tb_net n;

	if (s && tb_parse_cidr(s, true, &n))
		tb_verror(c, "'%s' is not a valid CIDR or IP address", s);
}

void tb_vcheck_cidr_only(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);
	struct tb_net n;

	if (s && tb_parse_cidr(s, false, &n))
		tb_verror(c, "'%s' is not a valid CIDR (address/prefix length)", s);
}

void tb_vcheck_net(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);
	char canon[TB_NET_STRLEN];
	struct tb_net n;

	if (!s)
		return;
	if (tb_parse_cidr(s, true, &n)) {
		tb_verror(c, "'%s' is not a valid CIDR or IP address", s);
		return;
	}
	if (!tb_cidr_is_masked(&n)) {
		tb_cidr_mask(&n);
		tb_net_format(&n, canon, sizeof(canon));
		tb_verror(c, "'%s' is not a network address: host bits are set (did you mean %s?)",
			  s, canon);
	}
}

void tb_vcheck_port(struct tb_vctx *c, json_t *v)
{
	struct tb_port p;
	const char *why;

	if (tb_parse_port(v, &p, &why))
		tb_verror(c, "%s", why);
}

void tb_vcheck_port_number(struct tb_vctx *c, json_t *v)
{
	json_int_t i = json_integer_value(v);

	if (!json_is_integer(v) || i < 1 || i > 65535)
		tb_verror(c, "must be a port number between 1 and 65535");
}

void tb_vcheck_protocol(struct tb_vctx *c, json_t *v)
{
	const char *why;

	if (tb_parse_protocol(v, &why) < 0)
		tb_verror(c, "%s", why);
}

void tb_vcheck_selector(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);
	char err[256];

	if (s && tb_selector_check(s, err, sizeof(err)))
		tb_verror(c, "invalid selector '%s': %s", s, err);
}

void tb_vcheck_duration(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);
	int64_t ns;

	if (s && tb_parse_duration(s, &ns))
		tb_verror(c, "'%s' is not a valid duration (e.g. 90s, 1m30s, 500ms)", s);
}

void tb_vcheck_asn(struct tb_vctx *c, json_t *v)
{
	uint32_t asn;

	if (tb_parse_asn(v, &asn))
		tb_verror(c,
			  "not a valid AS number (0 to 4294967295, or A.B with parts up to 65535)");
}

void tb_vcheck_dns_subdomain(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);

	if (s && !tb_valid_dns_subdomain(s))
		tb_verror(c, "'%s' is not a valid name (lowercase alphanumerics, '-' and '.', "
			     "at most 253)", s);
}

void tb_vcheck_dns_label(struct tb_vctx *c, json_t *v)
{
	const char *s = str_or_report(c, v);

	if (s && !tb_valid_dns_label(s))
		tb_verror(c, "'%s' is not a valid name (lowercase alphanumerics and '-', at most "
			     "63)", s);
}

void tb_vcheck_labels(struct tb_vctx *c, json_t *v)
{
	const char *k;
	json_t *e;

	if (!json_is_object(v)) {
		tb_verror(c, "must be a map of strings");
		return;
	}
	json_object_foreach(v, k, e) {
		if (!tb_valid_label_key(k))
			tb_verror_at(c, k, "invalid label key");
		else if (!json_is_string(e))
			tb_verror_at(c, k, "must be a string");
		else if (!tb_valid_label_value(json_string_value(e)))
			tb_verror_at(c, k, "invalid label value '%s'", json_string_value(e));
	}
}
