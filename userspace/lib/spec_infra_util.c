// SPDX-License-Identifier: Apache-2.0
/* Value checks only the infrastructure kinds need; see spec_infra.h. */
#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spec_infra.h"
#include "validators.h"

/* Every byte of s in the set of chars, or an alphanumeric; length 1..15. */
static bool iface_chars(const char *s, const char *extra)
{
	size_t n = strlen(s);

	if (n < 1 || n > 15)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool tb_infra_valid_ifname(const char *s)
{
	return iface_chars(s, "_.-");
}

void tb_icheck_ifname_or_star(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (strcmp(s, "*") && !tb_infra_valid_ifname(s))
		tb_verror(c, "'%s' is not an interface name (1-15 of [a-zA-Z0-9_.-], or '*')", s);
}

void tb_icheck_ifname(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!tb_infra_valid_ifname(s))
		tb_verror(c, "'%s' is not an interface name (1-15 of [a-zA-Z0-9_.-])", s);
}

void tb_icheck_ignored_iface(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!strcmp(s, "*") || !iface_chars(s, "_.*-"))
		tb_verror(c, "'%s' is not an interface name or pattern (1-15 of [a-zA-Z0-9_.*-], "
			     "not '*' alone)", s);
}

void tb_icheck_iface_filter(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!iface_chars(s, ":._+-"))
		tb_verror(c, "'%s' is not an interface filter (1-15 of [a-zA-Z0-9:._+-])", s);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Groups of `width` hex digits separated by sep; returns the number of groups or -1. */
static int hex_groups(const char *s, char sep, int width)
{
	int groups = 0;

	for (;;) {
		for (int i = 0; i < width; i++, s++)
			if (hexval(*s) < 0)
				return -1;
		groups++;
		if (!*s)
			return groups;
		if (*s++ != sep)
			return -1;
	}
}

/* Go's net.ParseMAC: 6, 8 or 20 bytes as xx:xx.., xx-xx.. or xxxx.xxxx.. */
static bool valid_mac(const char *s)
{
	size_t len = strlen(s);
	int n;

	if (len >= 14 && s[4] == '.') {
		n = hex_groups(s, '.', 4);
		return n == 3 || n == 4 || n == 10;
	}
	if (len < 3 || (s[2] != ':' && s[2] != '-'))
		return false;
	n = hex_groups(s, s[2], 2);
	return n == 6 || n == 8 || n == 20;
}

void tb_icheck_mac(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!valid_mac(s))
		tb_verror(c, "'%s' is not a MAC address", s);
}

void tb_icheck_container_id(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = strlen(s);
	bool ok = n > 0 && isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);

	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '-';
	if (!ok)
		tb_verror(c, "'%s' is not a container ID (alphanumerics and inner '-')", s);
}

/*
 * Felix compiles these with Go's RE2. POSIX extended syntax lacks three RE2 forms that appear in
 * real patterns, so they are rewritten first: inline flags "(?i)" are dropped, non-capturing
 * "(?:" and named "(?P<n>" / "(?<n>" groups become plain groups.
 */
static void re2_to_posix(const char *s, char *out, size_t len)
{
	size_t n = 0;

	while (*s && n + 2 < len) {
		if (s[0] == '\\' && s[1]) {
			out[n++] = *s++;
			out[n++] = *s++;
			continue;
		}
		if (s[0] != '(' || s[1] != '?') {
			out[n++] = *s++;
			continue;
		}
		s += 2;
		if (*s == 'P' || *s == '<') {
			s += strcspn(s, ">");
			s += *s == '>';
			out[n++] = '(';
			continue;
		}
		s += strspn(s, "imsU-");
		if (*s == ':')
			out[n++] = '(';
		s += *s == ':' || *s == ')';
	}
	out[n] = '\0';
}

void tb_icheck_regexp(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	char posix[1024];
	regex_t re;

	re2_to_posix(s, posix, sizeof(posix));
	if (strlen(s) >= sizeof(posix) || regcomp(&re, posix, REG_EXTENDED | REG_NOSUB)) {
		tb_verror(c, "'%s' is not a valid regular expression", s);
		return;
	}
	regfree(&re);
}

void tb_icheck_port_name(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!tb_valid_k8s_port_name(s))
		tb_verror(c, "'%s' is not a port name (at most 15 of [a-z0-9-] with a letter, no "
			     "leading, trailing or doubled '-')", s);
}

void tb_icheck_port_protocol(struct tb_vctx *c, json_t *v)
{
	const char *why = NULL;
	int p = tb_parse_protocol(v, &why);

	if (p < 0)
		tb_verror(c, "%s", why ? why : "invalid protocol");
	else if (!tb_protocol_has_ports(p))
		tb_verror(c, "protocol does not support ports (use TCP, UDP or SCTP)");
}

void tb_icheck_nonneg(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0)
		tb_verror(c, "must be at least 0");
}

void tb_icheck_uint32(struct tb_vctx *c, json_t *v)
{
	json_int_t n = json_integer_value(v);

	if (n < 0 || n > (json_int_t)UINT32_MAX)
		tb_verror(c, "must be between 0 and 4294967295");
}

void tb_icheck_dscp(struct tb_vctx *c, json_t *v)
{
	static const char *const names[] = {
		"DF",	"EF",	"AF11", "AF12", "AF13", "AF21", "AF22", "AF23", "AF31", "AF32",
		"AF33", "AF41", "AF42", "AF43", "CS0",	"CS1",	"CS2",	"CS3",	"CS4",	"CS5",
		"CS6",	NULL,
	};
	const char *s = json_string_value(v);

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 63)
			tb_verror(c, "DSCP must be between 0 and 63");
		return;
	}
	if (!*s)
		tb_verror(c, "'' is not a DSCP value");
	else
		tb_icheck_ci_enum(c, v, names);
}

static int b64val(char ch)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch ? strchr(set, ch) : NULL;

	return p ? (int)(p - set) : -1;
}

/* 32 bytes in standard base64 are 43 characters and one '='; empty means none (omitempty). */
void tb_icheck_wg_key(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	bool ok = strlen(s) == 44 && s[43] == '=' && (b64val(s[42]) & 3) == 0;

	if (!*s)
		return;
	for (int i = 0; ok && i < 43; i++)
		ok = b64val(s[i]) >= 0;
	if (!ok)
		tb_verror(c, "'%s' is not a WireGuard public key (base64 of 32 bytes)", s);
}

void tb_icheck_ci_enum(struct tb_vctx *c, json_t *v, const char *const *allowed)
{
	const char *s = json_string_value(v);
	char list[256] = "";
	size_t len = 0;

	if (!*s)
		return;
	for (const char *const *a = allowed; *a; a++)
		if (!strcasecmp(s, *a))
			return;
	for (const char *const *a = allowed; *a && len < sizeof(list); a++)
		len +=
		    snprintf(list + len, sizeof(list) - len, "%s%s", a == allowed ? "" : ", ", *a);
	tb_verror(c, "'%s' is not one of: %s", s, list);
}

static const struct tb_field secret_key_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_dns_subdomain },
	{ "key", TB_T_STRING, TB_REQUIRED },
	{ "optional", TB_T_BOOL },
	{ NULL },
};
static const struct tb_schema secret_key_ref = { "SecretKeySelector", secret_key_fields };

static const struct tb_field bgp_password_fields[] = {
	{ "secretKeyRef", TB_T_OBJECT, .sub = &secret_key_ref },
	{ NULL },
};
const struct tb_schema tb_infra_bgp_password = { "BGPPassword", bgp_password_fields };

void tb_infra_check_top(struct tb_vctx *c, json_t *doc, const char *name,
			const struct tb_schema *s)
{
	json_t *v = json_object_get(doc, name);
	size_t mark;

	if (!v)
		return;
	mark = tb_vpush_field(c, name);
	tb_schema_validate(c, s, v);
	tb_vpop(c, mark);
}
