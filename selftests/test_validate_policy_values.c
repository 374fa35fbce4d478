// SPDX-License-Identifier: Apache-2.0
/* The shared value parsers of validators.h: addresses and CIDRs, ports, protocols, durations,
 * AS numbers, selectors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers/vdoc.h"
#include "validators.h"

struct cidr_case {
	const char *in;
	bool bare_ok;
	int family;		/* 0: refused */
	const char *canon;	/* tb_net_format after masking */
	bool masked;
};

static const struct cidr_case cidrs[] = {
	{ "10.0.0.0/8", false, AF_INET, "10.0.0.0/8", true },
	{ "10.1.2.3/8", false, AF_INET, "10.0.0.0/8", false },
	{ "10.1.2.3", true, AF_INET, "10.1.2.3/32", true },
	{ "10.1.2.3", false, 0 },
	{ "0.0.0.0/0", false, AF_INET, "0.0.0.0/0", true },
	{ "10.0.0.0/33", false, 0 },
	{ "10.0.0.0/08", false, 0 },
	{ "10.0.0.0/", false, 0 },
	{ "010.0.0.0/8", false, 0 },
	{ "10.0.0/8", false, 0 },
	{ "FD00::1/64", false, AF_INET6, "fd00::/64", false },
	{ "fd00:0:0:0:0:0:0:0/16", false, AF_INET6, "fd00::/16", true },
	{ "::/0", false, AF_INET6, "::/0", true },
	{ "2001:db8::1", true, AF_INET6, "2001:db8::1/128", true },
	{ "fd00::/129", false, 0 },
	{ "::ffff:10.0.0.1", true, AF_INET, "10.0.0.1/32", true },
	{ "", true, 0 },
	{ "host", true, 0 },
	{ " 10.0.0.1", true, 0 },
};

Test(validators, cidrs)
{
	for (size_t i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++) {
		const struct cidr_case *t = &cidrs[i];
		char buf[TB_NET_STRLEN] = "";
		struct tb_net c;
		bool masked;
		int r = tb_parse_cidr(t->in, t->bare_ok, &c);

		if (!t->family) {
			cr_expect(r == -EINVAL, "case %zu '%s' accepted", i, t->in);
			continue;
		}
		if (r) {
			cr_expect(0, "case %zu '%s' refused", i, t->in);
			continue;
		}
		masked = tb_cidr_is_masked(&c);
		tb_cidr_mask(&c);
		tb_net_format(&c, buf, sizeof(buf));
		cr_expect(c.family == t->family && !strcmp(buf, t->canon) && masked == t->masked,
			  "case %zu '%s': family %d '%s' masked %d", i, t->in, c.family, buf,
			    masked);
	}
}

Test(validators, contains)
{
	struct tb_net a, b, c, v6;

	if (tb_parse_cidr("10.0.0.0/8", false, &a) || tb_parse_cidr("10.2.0.0/16", false, &b) ||
	    tb_parse_cidr("11.0.0.0/16", false, &c) || tb_parse_cidr("::/0", false, &v6))
		goto fail;
	if (!tb_net_contains(&a, &b) || tb_net_contains(&b, &a) || tb_net_contains(&a, &c) ||
	    tb_net_contains(&v6, &a) || !tb_net_contains(&a, &a))
		goto fail;
	return;
fail:
	cr_expect(0, "containment wrong");
}

struct port_case {
	const char *json;
	int ok;
	const char *canon;	/* JSON written back */
};

static const struct port_case ports[] = {
	{ "80", 1, "80" },
	{ "`80`", 1, "80" },
	{ "`80:80`", 1, "80" },
	{ "`80:90`", 1, "`80:90`" },
	{ "`http`", 1, "`http`" },
	{ "`Metrics_1.x-y`", 1, "`Metrics_1.x-y`" },
	{ "0", 0 },
	{ "`0`", 0 },
	{ "65536", 0 },
	{ "`1:65536`", 0 },
	{ "`90:80`", 0 },
	{ "`0:10`", 0 },
	{ "`a:b`", 0 },
	{ "`a b`", 0 },
	{ "``", 0 },
	{ "-1", 0 },
	{ "true", 0 },
};

Test(validators, ports)
{
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		json_t *v = vdoc_json(ports[i].json), *out = NULL, *want = NULL;
		struct tb_port p;
		int r = tb_parse_port(v, &p, NULL);

		if (!ports[i].ok) {
			cr_expect(r == -EINVAL, "case %zu %s accepted", i, ports[i].json);
		} else {
			out = r ? NULL : tb_port_to_json(&p);
			want = vdoc_json(ports[i].canon);
			cr_expect(out && json_equal(out, want), "case %zu %s: rc %d", i,
			  ports[i].json,
				  r);
		}
		json_decref(v);
		json_decref(out);
		json_decref(want);
	}
}

struct proto_case {
	const char *json;
	int num;	/* -EINVAL: refused */
};

static const struct proto_case protos[] = {
	{ "`TCP`", 6 },	    { "`UDP`", 17 },	{ "`ICMP`", 1 },      { "`ICMPv6`", 58 },
	{ "`SCTP`", 132 },  { "`UDPLite`", 136 }, { "1", 1 },	      { "255", 255 },
	{ "`47`", 47 },	    { "0", -EINVAL },	  { "256", -EINVAL }, { "`tcp`", -EINVAL },
	{ "`GRE`", -EINVAL }, { "`256`", -EINVAL }, { "null", -EINVAL },
};

Test(validators, protocols)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		json_t *v = vdoc_json(protos[i].json);

		cr_expect_eq(tb_parse_protocol(v, NULL), protos[i].num, "case %zu %s", i,
			     protos[i].json);
		json_decref(v);
	}
	cr_expect(tb_protocol_has_ports(6) && tb_protocol_has_ports(17) &&
	  tb_protocol_has_ports(132));
	cr_expect(!tb_protocol_has_ports(1) && !tb_protocol_has_ports(136));
}

struct k8s_name_case {
	const char *s;
	bool ok;
};

static const struct k8s_name_case k8s_names[] = {
	{ "http", true },	{ "h2c-9", true },	{ "a1", true },	      { "80", false },
	{ "-http", false },	{ "http-", false },	{ "a--b", false },    { "HTTP", false },
	{ "abcdefghijklmno", true }, { "abcdefghijklmnop", false }, { "", false },
};

Test(validators, k8s_port_names)
{
	for (size_t i = 0; i < sizeof(k8s_names) / sizeof(k8s_names[0]); i++)
		cr_expect_eq(tb_valid_k8s_port_name(k8s_names[i].s), k8s_names[i].ok,
		  "case %zu '%s'",
			     i, k8s_names[i].s);
}

struct dur_case {
	const char *s;
	long long ns;
	bool ok;
};

static const struct dur_case durs[] = {
	{ "0", 0, true },
	{ "90s", 90000000000LL, true },
	{ "1m30s", 90000000000LL, true },
	{ "1.5h", 5400000000000LL, true },
	{ "300ms", 300000000LL, true },
	{ "-2us", -2000, true },
	{ "10\xc2\xb5s", 10000, true },
	{ "1h2m3s4ms5us6ns", 3723004005006LL, true },
	{ ".5s", 500000000LL, true },
	{ "", 0, false },
	{ "5", 0, false },
	{ "s", 0, false },
	{ "1d", 0, false },
	{ "1.s", 1000000000LL, true },
	{ ".s", 0, false },
	{ "1 s", 0, false },
};

Test(validators, durations)
{
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		int64_t ns = -1;
		int r = tb_parse_duration(durs[i].s, &ns);

		if (durs[i].ok)
			cr_expect(r == 0 && ns == durs[i].ns, "case %zu '%s': rc %d ns %lld", i,
				  durs[i].s, r, (long long)ns);
		else
			cr_expect(r != 0, "case %zu '%s' accepted", i, durs[i].s);
	}
}

struct asn_case {
	const char *json;
	long long asn;	/* -1: refused */
};

static const struct asn_case asns[] = {
	{ "64512", 64512 },	    { "`64512`", 64512 },	{ "4294967295", 4294967295LL },
	{ "`1.10`", 65546 },	    { "`65535.65535`", 4294967295LL }, { "4294967296", -1 },
	{ "-1", -1 },		    { "`65536.1`", -1 },	{ "`1.`", -1 },
	{ "`x`", -1 },		    { "1.5", -1 },
};

Test(validators, as_numbers)
{
	for (size_t i = 0; i < sizeof(asns) / sizeof(asns[0]); i++) {
		json_t *v = vdoc_json(asns[i].json);
		uint32_t asn = 0;
		int r = tb_parse_asn(v, &asn);

		if (asns[i].asn >= 0)
			cr_expect(r == 0 && asn == asns[i].asn, "case %zu %s: rc %d %u", i,
				  asns[i].json, r, asn);
		else
			cr_expect(r == -EINVAL, "case %zu %s accepted", i, asns[i].json);
		json_decref(v);
	}
}

Test(validators, selectors)
{
	char err[128];

	cr_expect(tb_selector_check("a == 'b' && has(c)", err, sizeof(err)) == 0);
	cr_expect(tb_selector_check("", err, sizeof(err)) == 0);
	cr_expect(tb_selector_check("a = 'b'", err, sizeof(err)) == -EINVAL && err[0]);
	cr_expect(tb_selector_is_global_only("global()"));
	cr_expect(tb_selector_is_global_only(" global(\t) "));
	cr_expect(!tb_selector_is_global_only("global() && a == 'b'"));
	cr_expect(!tb_selector_is_global_only("!global()"));
}
