// SPDX-License-Identifier: Apache-2.0
/* Text form of policies, flows and deciders for classifier test tables (policy_spec.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_spec.h"

static int parse_two(const char *v, int *a, int *b)
{
	*b = TB_IR_ANY;
	return sscanf(v, "%d/%d", a, b) >= 1 ? 0 : -EINVAL;
}

static int parse_side(struct tb_ir_side *s, int neg, const char *k, const char *v)
{
	struct tb_ir_cidr c;
	unsigned lo, hi;

	if (!strcmp(k, "net"))
		return tb_ir_cidr_parse(v, &c) ? -EINVAL : tb_ir_side_add_net(s, neg, &c);
	if (!strcmp(k, "set"))
		return tb_ir_side_add_set(s, neg, (uint32_t)atoi(v));
	if (!strcmp(k, "ports")) {
		int n = sscanf(v, "%u-%u", &lo, &hi);

		if (n < 1)
			return -EINVAL;
		return tb_ir_side_add_ports(s, neg, (uint16_t)lo, (uint16_t)(n == 2 ? hi : lo));
	}
	if (!strcmp(k, "named")) {
		*(neg ? &s->not_named_set : &s->named_set) = (uint32_t)atoi(v);
		return 0;
	}
	return -EINVAL;
}

static int parse_match(struct tb_ir_rule *r, char *tok)
{
	int neg = tok[0] == '!';
	char *k = tok + neg, *v = strchr(k, '=');

	if (!v)
		return -EINVAL;
	*v++ = 0;
	if (!strncmp(k, "src.", 4))
		return parse_side(&r->src, neg, k + 4, v);
	if (!strncmp(k, "dst.", 4))
		return parse_side(&r->dst, neg, k + 4, v);
	if (!strcmp(k, "ipv") && !neg) {
		r->ip_version = atoi(v);
		return 0;
	}
	if (!strcmp(k, "proto")) {
		*(neg ? &r->not_protocol : &r->protocol) = atoi(v);
		return 0;
	}
	if (!strcmp(k, "icmp"))
		return neg ? parse_two(v, &r->not_icmp_type, &r->not_icmp_code)
			   : parse_two(v, &r->icmp_type, &r->icmp_code);
	return -EINVAL;
}

static int parse_rule(struct tb_ir *ir, int profile, char *args)
{
	static const char *const acts[] = {"allow", "deny", "log", "pass"};
	char *save, *tok = strtok_r(args, " ", &save);
	struct tb_ir_rule r;
	int err = -EINVAL;

	for (int a = 0; tok && a < 4; a++)
		if (!strcmp(tok, acts[a]))
			err = 0, tb_ir_rule_init(&r, (enum tb_ir_action)a);
	if (err)
		return err;
	while (!err && (tok = strtok_r(NULL, " ", &save)))
		err = parse_match(&r, tok);
	if (!err)
		err = tb_ir_add_rule(ir, profile, &r);
	tb_ir_rule_free(&r);
	return err;
}

static int parse_line(struct tb_ir *ir, char *line, int *in_profile)
{
	char name[64] = "", extra[16] = "";

	while (*line == ' ')
		line++;
	if (!*line)
		return 0;
	if (!strncmp(line, "rule ", 5))
		return parse_rule(ir, *in_profile, line + 5);
	if (sscanf(line, "tier %63s %15s", name, extra) >= 1) {
		*in_profile = 0;
		return tb_ir_add_tier(ir, name, strcmp(extra, "pass") ? TB_IR_DENY : TB_IR_PASS);
	}
	if (sscanf(line, "policy %63s", name) == 1)
		return tb_ir_add_policy(ir, name);
	if (sscanf(line, "profile %63s", name) == 1) {
		*in_profile = 1;
		return tb_ir_add_profile(ir, name);
	}
	return -EINVAL;
}

struct tb_ir *tb_spec_ir(const char *spec)
{
	struct tb_ir *ir = tb_ir_new();
	char *copy = strdup(spec), *save, *line;
	int in_profile = 0, err = 0;

	if (!ir || !copy)
		goto fail;
	for (line = strtok_r(copy, ";", &save); line && !err; line = strtok_r(NULL, ";", &save))
		err = parse_line(ir, line, &in_profile);
	if (err)
		goto fail;
	free(copy);
	return ir;
fail:
	free(copy);
	tb_ir_free(ir);
	errno = EINVAL;
	return NULL;
}

/* "ADDR" or "ADDR:PORT" (IPv4) / "[ADDR]:PORT" or "ADDR" (IPv6). */
static int parse_ep(char *s, struct tb_flow *f, __u32 *addr, __u16 *port)
{
	char *p = NULL;

	if (*s == '[') {
		p = strchr(s, ']');
		if (!p)
			return -EINVAL;
		*p++ = 0;
		s++;
		p = *p == ':' ? p + 1 : NULL;
	} else if (strchr(s, '.') && (p = strchr(s, ':'))) {
		*p++ = 0;
	}
	if (inet_pton(AF_INET, s, addr) == 1)
		f->family = TB_AF_INET;
	else if (inet_pton(AF_INET6, s, addr) == 1)
		f->family = TB_AF_INET6;
	else
		return -EINVAL;
	*port = p ? (__u16)atoi(p) : 0;
	return 0;
}

int tb_spec_flow(const char *spec, struct tb_flow *f)
{
	char proto[16], src[64], dst[64];
	int t = 0, c = 0, n;

	memset(f, 0, sizeof(*f));
	n = sscanf(spec, "%15s %63s %63s icmp=%d/%d", proto, src, dst, &t, &c);
	if (n < 3)
		return -EINVAL;
	if (!strcmp(proto, "tcp"))
		f->proto = 6;
	else if (!strcmp(proto, "udp"))
		f->proto = 17;
	else if (!strcmp(proto, "icmp"))
		f->proto = 1;
	else if (!strcmp(proto, "icmp6"))
		f->proto = 58;
	else
		f->proto = (__u8)atoi(proto);
	f->icmp_type = (__u8)t;
	f->icmp_code = (__u8)c;
	if (parse_ep(src, f, f->saddr, &f->sport) || parse_ep(dst, f, f->daddr, &f->dport))
		return -EINVAL;
	return 0;
}

int tb_spec_ref(const char *s, struct tb_pol_ref *r)
{
	*r = (struct tb_pol_ref){.tier = -1, .policy = -1, .rule = -1};
	if (!strcmp(s, "final")) {
		r->kind = TB_REF_FINAL;
		return 0;
	}
	if (sscanf(s, "prof%dr%d", &r->policy, &r->rule) == 2) {
		r->kind = TB_REF_PROFILE_RULE;
		return 0;
	}
	if (sscanf(s, "t%dp%dr%d", &r->tier, &r->policy, &r->rule) == 3) {
		r->kind = TB_REF_RULE;
		return 0;
	}
	r->policy = -1;
	if (sscanf(s, "t%dend", &r->tier) == 1 && strstr(s, "end")) {
		r->kind = TB_REF_TIER_END;
		return 0;
	}
	return -EINVAL;
}

int tb_spec_sets(struct tb_pol_sets *sets)
{
	static const char *const ip[][2] = {
	    {"1", "10.1.0.0/16"}, {"1", "fd01::/32"}, {"2", "10.0.0.1/32"}, {"2", "fd00::1/128"}};
	struct tb_ir_port_member m = {.proto = 6, .port = 8080};
	struct tb_ir_cidr c;
	int err = 0;

	for (size_t i = 0; i < sizeof(ip) / sizeof(ip[0]) && !err; i++)
		err = tb_ir_cidr_parse(ip[i][1], &c)
			  ?: tb_pol_sets_add_cidr(sets, (uint32_t)atoi(ip[i][0]), &c);
	if (!err)
		err =
		    tb_ir_cidr_parse("10.0.0.2/32", &m.addr) ?: tb_pol_sets_add_port(sets, 10, &m);
	m.port = 9090;
	if (!err)
		err =
		    tb_ir_cidr_parse("fd00::2/128", &m.addr) ?: tb_pol_sets_add_port(sets, 10, &m);
	return err;
}

struct tb_pol_compiled *tb_spec_compile(const char *spec)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = tb_spec_ir(spec);

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	if (!ir || tb_spec_sets(&sets) || tb_pol_compile(ir, &sets, &diag, &c))
		c = NULL;
	tb_diag_free(&diag);
	tb_pol_sets_free(&sets);
	tb_ir_free(ir);
	return c;
}
