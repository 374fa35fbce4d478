// SPDX-License-Identifier: Apache-2.0
/* Ports (Calico's numorstring.Port), Kubernetes port names and IP protocols. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "validators.h"

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Digits to a number, saturating above 65535 so overflow reads as out of range. */
static unsigned long digits_value(const char *s, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65536)
			v = 65536;
	}
	return v;
}

static bool port_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static int port_from_string(const char *s, struct tb_port *out, const char **why)
{
	size_t n = strlen(s);
	const char *colon = strchr(s, ':');

	if (all_digits(s, n)) {
		out->min = out->max = (uint16_t)digits_value(s, n);
		if (digits_value(s, n) > 65535) {
			*why = "port number must be between 1 and 65535";
			return -EINVAL;
		}
		return 0;
	}
	if (colon && all_digits(s, (size_t)(colon - s)) &&
	    all_digits(colon + 1, strlen(colon + 1))) {
		unsigned long lo = digits_value(s, (size_t)(colon - s));
		unsigned long hi = digits_value(colon + 1, strlen(colon + 1));

		if (lo > 65535 || hi > 65535) {
			*why = "port number must be between 1 and 65535";
			return -EINVAL;
		}
		out->min = (uint16_t)lo;
		out->max = (uint16_t)hi;
		return 0;
	}
	if (n == 0 || n > 128) {
		*why = "invalid name for named port (1 to 128 of [a-zA-Z0-9_.-])";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!port_name_char(s[i])) {
			*why = "invalid name for named port (1 to 128 of [a-zA-Z0-9_.-])";
			return -EINVAL;
		}
	}
	memcpy(out->name, s, n + 1);
	return 0;
}

int tb_parse_port(const json_t *v, struct tb_port *out, const char **why)
{
	const char *dummy;
	int err;

	if (!why)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > 65535) {
			*why = "port number must be between 1 and 65535";
			return -EINVAL;
		}
		out->min = out->max = (uint16_t)i;
	} else if (json_is_string(v)) {
		err = port_from_string(json_string_value(v), out, why);
		if (err)
			return err;
	} else {
		*why = "a port must be a number, a range \"N:M\" or a port name";
		return -EINVAL;
	}
	if (out->name[0])
		return 0;
	if (out->min > out->max) {
		*why = "port range invalid: the first port is greater than the last";
		return -EINVAL;
	}
	if (out->min < 1) {
		*why = "port number must be between 1 and 65535";
		return -EINVAL;
	}
	return 0;
}

json_t *tb_port_to_json(const struct tb_port *p)
{
	char buf[16];

	if (p->name[0])
		return json_string(p->name);
	if (p->min == p->max)
		return json_integer(p->min);
	snprintf(buf, sizeof(buf), "%u:%u", p->min, p->max);
	return json_string(buf);
}

bool tb_valid_k8s_port_name(const char *s)
{
	size_t n = strlen(s);
	bool letter = false;

	if (n == 0 || n > 15 || s[0] == '-' || s[n - 1] == '-' || strstr(s, "--"))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return false;
	}
	return letter;
}

static const struct {
	const char *name;
	int num;
} protocols[] = {
	{ "TCP", TB_PROTO_TCP },     { "UDP", TB_PROTO_UDP },   { "ICMP", TB_PROTO_ICMP },
	{ "ICMPv6", TB_PROTO_ICMPV6 }, { "SCTP", TB_PROTO_SCTP }, { "UDPLite", TB_PROTO_UDPLITE },
};

int tb_parse_protocol(const json_t *v, const char **why)
{
	const char *dummy;
	const char *s;

	if (!why)
		why = &dummy;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 1 || i > 255) {
			*why = "protocol number invalid (1 to 255)";
			return -EINVAL;
		}
		return (int)i;
	}
	if (!json_is_string(v)) {
		*why = "a protocol must be a name or a number";
		return -EINVAL;
	}
	s = json_string_value(v);
	if (all_digits(s, strlen(s))) {
		unsigned long n = digits_value(s, strlen(s));

		if (n < 1 || n > 255) {
			*why = "protocol number invalid (1 to 255)";
			return -EINVAL;
		}
		return (int)n;
	}
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (!strcmp(s, protocols[i].name))
			return protocols[i].num;
	*why = "protocol name invalid (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1 to 255)";
	return -EINVAL;
}

const char *tb_protocol_name(int num)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].num == num)
			return protocols[i].name;
	return NULL;
}

bool tb_protocol_has_ports(int num)
{
	return num == TB_PROTO_TCP || num == TB_PROTO_UDP || num == TB_PROTO_SCTP;
}
