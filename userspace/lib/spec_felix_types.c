// SPDX-License-Identifier: Apache-2.0
/*
 * FelixConfiguration's sub-objects, the formats of its settings, its cross-field rules and its
 * name rule (default, node.<name>, or a selector-scoped configuration).
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "resource.h"
#include "spec_infra.h"
#include "validators.h"

void tb_fcheck_duration(struct tb_vctx *c, json_t *v)
{
	int64_t ns;

	if (tb_parse_duration(json_string_value(v), &ns))
		tb_verror(c, "'%s' is not a duration (e.g. \"90s\", \"1m30s\", \"500ms\")",
			  json_string_value(v));
	else if (ns < 0)
		tb_verror(c, "'%s': a negative duration is not allowed", json_string_value(v));
}

static void ci_enum(struct tb_vctx *c, json_t *v, const char *const *allowed)
{
	tb_icheck_ci_enum(c, v, allowed);
}

void tb_fcheck_severity(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Trace", "Debug", "Info", "Warning", "Error", "Fatal",
					     NULL });
}

void tb_fcheck_iptables_backend(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Auto", "Legacy", "NFT", NULL });
}

void tb_fcheck_chain_insert(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Insert", "Append", NULL });
}

void tb_fcheck_endpoint_to_host(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Drop", "Accept", "Return", NULL });
}

void tb_fcheck_allow_action(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Accept", "Return", NULL });
}

void tb_fcheck_deny_action(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Drop", "Reject", NULL });
}

void tb_fcheck_bpf_log_level(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Off", "Info", "Debug", NULL });
}

void tb_fcheck_ext_service_mode(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Tunnel", "DSR", NULL });
}

void tb_fcheck_ct_scaling(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Disabled", "DoubleIfFull", NULL });
}

void tb_fcheck_rpf(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "Disabled", "Strict", "Loose", NULL });
}

void tb_fcheck_route_source(struct tb_vctx *c, json_t *v)
{
	ci_enum(c, v, (const char *const[]){ "WorkloadIPs", "CalicoIPAM", NULL });
}

/* "key=value" items separated by ',' (empty items allowed); keys of [A-Za-z0-9_-]. */
void tb_fcheck_kv_list(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v), *p = s;

	while (*p) {
		const char *k;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		k = p;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '-')
			p++;
		if (p == k || *p != '=') {
			tb_verror(c, "'%s' is not a list of key=value pairs separated by ','", s);
			return;
		}
		p += strcspn(p, ",");
	}
}

void tb_fcheck_log_prefix(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("%: /_-", *p)) {
			tb_verror(c, "'%s' may only hold [a-zA-Z0-9%%: /_-]", s);
			return;
		}
}

/* "N/unit": N of 1-9999 without a leading zero, unit second, minute, hour or day. */
void tb_fcheck_rate_limit(struct tb_vctx *c, json_t *v)
{
	static const char *const units[] = { "second", "minute", "hour", "day", NULL };
	const char *s = json_string_value(v);
	size_t digits = strspn(s, "0123456789");

	if (digits >= 1 && digits <= 4 && s[0] != '0' && s[digits] == '/')
		for (const char *const *u = units; *u; u++)
			if (!strcmp(s + digits + 1, *u))
				return;
	tb_verror(c, "'%s' is not a rate (N/second, N/minute, N/hour or N/day, N of 1-9999)", s);
}

void tb_fcheck_metrics_host(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = strlen(s);
	bool ok = n >= 1 && n <= 64;

	for (const char *p = s; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr(":._+-", *p);
	if (!ok)
		tb_verror(c, "'%s' is not a host (1-64 of [a-zA-Z0-9:._+-])", s);
}

static void int_range(struct tb_vctx *c, json_t *v, json_int_t lo, json_int_t hi)
{
	json_int_t n = json_integer_value(v);

	if (n < lo || n > hi)
		tb_verror(c, "%lld is out of range: must be between %lld and %lld", (long long)n,
			  (long long)lo, (long long)hi);
}

void tb_fcheck_port0(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 0, 65535);
}

void tb_fcheck_port1(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 1, 65535);
}

void tb_fcheck_burst(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 0, 9999);
}

void tb_fcheck_positive(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 1, INT32_MAX);
}

void tb_fcheck_minus_one(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, -1, INT32_MAX);
}

void tb_fcheck_route_priority(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 1, 2147483646);
}

void tb_fcheck_wg_rule_priority(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 1, 32765);
}

void tb_fcheck_maglev(struct tb_vctx *c, json_t *v)
{
	int_range(c, v, 1, 3000);
}

/* BPF log filters are keyed by interface name ("all" for every interface). */
void tb_fcheck_bpf_log_filters(struct tb_vctx *c, json_t *v)
{
	const char *key;
	json_t *e;

	json_object_foreach(v, key, e)
		if (!tb_infra_valid_ifname(key))
			tb_verror_at(c, key, "'%s' is not an interface name (1-15 of [a-zA-Z0-9_.-])",
				     key);
}

void tb_fcheck_ipv4_cidr(struct tb_vctx *c, json_t *v)
{
	struct tb_net a;

	if (tb_parse_cidr(json_string_value(v), true, &a) || tb_cidr_bits(&a) != 32)
		tb_verror(c, "'%s' is not an IPv4 CIDR or address", json_string_value(v));
}

/* Felix reads the protocol in any case and takes TCP when it is absent. */
static void check_pp_protocol(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (strcasecmp(s, "TCP") && strcasecmp(s, "UDP") && strcasecmp(s, "SCTP"))
		tb_verror(c, "protocol must be 'TCP', 'UDP' or 'SCTP', not '%s'", s);
}

static const struct tb_field proto_port_fields[] = {
	{ "protocol", TB_T_STRING, TB_OMITEMPTY, .check = check_pp_protocol },
	{ "port", TB_T_INT, TB_REQUIRED, .check = tb_fcheck_port0 },
	{ "net", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_cidr },
	{ NULL },
};
const struct tb_schema tb_felix_proto_port = { "ProtoPort", proto_port_fields };

static void check_hto_name(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	bool ok = *s;

	for (const char *p = s; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("_ -", *p);
	if (!ok)
		tb_verror(c, "'%s' is not a health reporter name ([a-zA-Z0-9_ -]+)", s);
}

static const struct tb_field hto_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED, .check = check_hto_name },
	{ "timeout", TB_T_STRING, TB_REQUIRED, .check = tb_fcheck_duration },
	{ NULL },
};
const struct tb_schema tb_felix_health_override = { "HealthTimeoutOverride", hto_fields };

static void check_rt_range(struct tb_vctx *c, json_t *r)
{
	json_int_t lo = json_integer_value(json_object_get(r, "min"));
	json_int_t hi = json_integer_value(json_object_get(r, "max"));

	if (lo < 1 || hi < lo || hi > 250)
		tb_verror(c, "must be a range of route table indices within 1..250");
}

static void check_rt_id_range(struct tb_vctx *c, json_t *r)
{
	json_int_t lo = json_integer_value(json_object_get(r, "min"));
	json_int_t hi = json_integer_value(json_object_get(r, "max"));

	if (lo < 1)
		tb_verror_at(c, "min", "must be >= 1");
	else if (lo > hi)
		tb_verror(c, "min must not be greater than max");
	else if (hi > (json_int_t)UINT32_MAX)
		tb_verror_at(c, "max", "max index too high");
}

static const struct tb_field rt_range_fields[] = {
	{ "min", TB_T_INT, TB_REQUIRED },
	{ "max", TB_T_INT, TB_REQUIRED },
	{ NULL },
};
const struct tb_schema tb_felix_route_table_range = { "RouteTableRange", rt_range_fields,
						      check_rt_range };
const struct tb_schema tb_felix_route_table_id_range = { "RouteTableIDRange", rt_range_fields,
							 check_rt_id_range };

/* A conntrack timeout: "Auto" (take the kernel's) or a duration. */
static void check_ct_timeout(struct tb_vctx *c, json_t *v)
{
	if (strcmp(json_string_value(v), "Auto"))
		tb_fcheck_duration(c, v);
}

static const struct tb_field ct_timeout_fields[] = {
	{ "creationGracePeriod", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "tcpSynSent", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "tcpEstablished", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "tcpFinsSeen", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "tcpResetSeen", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "udpTimeout", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "genericTimeout", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ "icmpTimeout", TB_T_STRING, TB_OMITEMPTY, .check = check_ct_timeout },
	{ NULL },
};
const struct tb_schema tb_felix_ct_timeouts = { "BPFConntrackTimeouts", ct_timeout_fields };

static void check_node_port_ranges(struct tb_vctx *c, json_t *ranges)
{
	struct tb_port p;
	const char *why;
	json_t *e;
	size_t i;

	if (json_array_size(ranges) > 7)
		tb_verror_at(c, "kubeNodePortRanges", "node port ranges list is too long (max 7)");
	json_array_foreach(ranges, i, e)
		if (!tb_parse_port(e, &p, &why) && p.name[0]) {
			tb_verror_at(c, "kubeNodePortRanges", "node port ranges should not contain "
				     "named ports ('%s')", p.name);
			break;
		}
}

void tb_felix_check_spec(struct tb_vctx *c, json_t *spec)
{
	const char *region = json_string_value(json_object_get(spec, "openstackRegion"));
	json_t *ranges = json_object_get(spec, "routeTableRanges"), *e;
	json_int_t tables = 0;
	size_t i;

	if (ranges && json_object_get(spec, "routeTableRange"))
		tb_verror(c, "routeTableRange and routeTableRanges cannot both be set");
	json_array_foreach(ranges, i, e)
		tables += json_integer_value(json_object_get(e, "max")) -
			  json_integer_value(json_object_get(e, "min")) + 1;
	if (tables > 0xffff)
		tb_verror_at(c, "routeTableRanges", "targets too many tables (%lld, at most 65535)",
			     (long long)tables);
	check_node_port_ranges(c, json_object_get(spec, "kubeNodePortRanges"));
	/* The region names a namespace "openstack-region-<region>", a DNS label. */
	if (region && *region && (strlen(region) > 63 - strlen("openstack-region-") ||
				  !tb_valid_dns_label(region)))
		tb_verror_at(c, "openstackRegion", "'%s' must be a DNS label of at most 46 "
			     "characters", region);
}

/*
 * The agent reads "default" and "node.<node name>"; Calico 3.32 added configurations of any
 * other name that apply to the nodes their nodeSelector selects. nodeSelector belongs to those
 * alone.
 */
void tb_check_felix_doc(struct tb_vctx *c, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "metadata"),
							     "name"));
	const char *sel = json_string_value(json_object_get(json_object_get(doc, "spec"),
							    "nodeSelector"));
	bool scoped = sel && *sel;

	if (!name)
		return;
	if (!strcmp(name, "default") || !strncmp(name, "node.", 5)) {
		if (!strncmp(name, "node.", 5) && !tb_valid_dns_subdomain(name + 5))
			tb_verror(c,
				  "metadata.name: '%s' must be \"node.<node name>\" with a valid "
				  "node name",
				  name);
		if (scoped)
			tb_verror(c, "spec.nodeSelector: must not be set on the 'default' or "
				     "per-node ('node.*') FelixConfiguration");
	} else if (!scoped) {
		tb_verror(c,
			  "metadata.name: a FelixConfiguration is named \"default\" or "
			  "\"node.<node name>\", or else must set spec.nodeSelector ('%s')",
			  name);
	}
}
