// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_scalar.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

static bool str_in(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(s, *words, len))
			return true;
	return false;
}

static const char *const null_words[] = {"null", "Null", "NULL", "~", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
/* YAML 1.1 booleans and specials that 1.2 readers keep as strings but 1.1 readers do not. */
static const char *const yaml11_words[] = {
    "y",     "Y",     "yes",   "Yes",	"YES",	 "n",	 "N",	 "no",	 "No",	 "NO",	 "on",
    "On",    "ON",    "off",   "Off",	"OFF",	 "<<",	 "=",	 ".inf", ".Inf", ".INF", "-.inf",
    "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan", ".NaN", ".NAN", NULL,
};

static bool all_in(const char *s, size_t len, const char *set)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* [-+]?(0|[1-9][0-9]*) */
static bool is_decimal(const char *s, size_t len)
{
	if (len && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	if (!all_in(s, len, "0123456789"))
		return false;
	return len == 1 || s[0] != '0';
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s, size_t len)
{
	size_t i = 0, digits = 0, exp_digits = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (!digits)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, exp_digits++;
		if (!exp_digits)
			return false;
	}
	return i == len;
}

/* Parses len bytes with strtoll/strtod on a NUL-terminated copy (scalars are not terminated). */
static int parse_int(const char *s, size_t len, int base, json_int_t *out)
{
	char buf[80], *end;
	long long v;

	if (len >= sizeof(buf))
		return -ERANGE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, base);
	if (errno || *end)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_real(const char *s, size_t len, double *out)
{
	char *buf, *end;
	double d;

	buf = strndup(s, len);
	if (!buf)
		return -ENOMEM;
	d = strtod(buf, &end);
	if (*end || !isfinite(d)) {
		free(buf);
		return -ERANGE;
	}
	free(buf);
	*out = d;
	return 0;
}

/* Returns a typed value, or NULL with *is_str set when the text is not a number. */
static json_t *resolve_number(const char *s, size_t len, bool *is_str)
{
	json_int_t i;
	double d;
	int err;

	*is_str = false;
	if (is_decimal(s, len)) {
		if (!parse_int(s, len, 10, &i))
			return json_integer(i);
		/* Outside int64: a real, as JSON readers take it. */
		err = parse_real(s, len, &d);
		if (!err)
			return json_real(d);
		*is_str = err != -ENOMEM;
		return NULL;
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		bool hex = s[1] == 'x';

		if (all_in(s + 2, len - 2, hex ? "0123456789abcdefABCDEF" : "01234567") &&
		    !parse_int(s + 2, len - 2, hex ? 16 : 8, &i))
			return json_integer(i);
		*is_str = true;
		return NULL;
	}
	/* 0755: octal to YAML 1.1, decimal to 1.2; kept as written (see yaml_scalar.h). */
	if (is_float(s, len) && !all_in(s + (s[0] == '-' || s[0] == '+'),
					len - (s[0] == '-' || s[0] == '+'), "0123456789")) {
		err = parse_real(s, len, &d);
		if (!err)
			return json_real(d);
		*is_str = err != -ENOMEM;
		return NULL;
	}
	*is_str = true;
	return NULL;
}

json_t *tb_yaml_resolve_plain(const char *s, size_t len)
{
	json_t *v;
	bool is_str;

	if (!len || str_in(s, len, null_words))
		return json_null();
	if (str_in(s, len, true_words))
		return json_true();
	if (str_in(s, len, false_words))
		return json_false();
	v = resolve_number(s, len, &is_str);
	if (v || !is_str)
		return v;
	return json_stringn(s, len);
}

json_t *tb_yaml_resolve_tagged(const char *tag, const char *s, size_t len, bool plain, bool *bad)
{
	const char *name;
	json_t *v;

	*bad = false;
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)))
		/* Local tags type as the untagged scalar; "!" (non-specific) means string. */
		return plain && strcmp(tag, "!") ? tb_yaml_resolve_plain(s, len)
						 : json_stringn(s, len);
	name = tag + strlen(TAG_PREFIX);
	if (!strcmp(name, "str"))
		return json_stringn(s, len);
	v = tb_yaml_resolve_plain(s, len);
	if (!v)
		return NULL;
	if (!strcmp(name, "null") && json_is_null(v))
		return v;
	if (!strcmp(name, "bool") && json_is_boolean(v))
		return v;
	if (!strcmp(name, "int") && json_is_integer(v))
		return v;
	if (!strcmp(name, "float") && json_is_number(v)) {
		double d = json_number_value(v);

		json_decref(v);
		return json_real(d);
	}
	if (strcmp(name, "null") && strcmp(name, "bool") && strcmp(name, "int") &&
	    strcmp(name, "float")) {
		/* !!binary, !!timestamp and others: the text as written. */
		json_decref(v);
		return json_stringn(s, len);
	}
	json_decref(v);
	*bad = true;
	return NULL;
}

/* Reads as a number to some YAML 1.1 reader: 0755, 1_000, 1:20, 0b11, 2001-12-14, 1e3. */
static bool yaml11_numeric(const char *s, size_t len)
{
	const char *dot;

	if (len && (s[0] == '-' || s[0] == '+')) {
		s++;
		len--;
	}
	if (len > 2 && s[0] == '0' && strchr("xXoObB", s[1]) &&
	    all_in(s + 2, len - 2, "0123456789abcdefABCDEF_"))
		return true;
	if (!len || !((s[0] >= '0' && s[0] <= '9') || s[0] == '.'))
		return false;
	/* An IPv4 address has several dots and no YAML reader takes it for a number. */
	dot = memchr(s, '.', len);
	if (dot && memchr(dot + 1, '.', len - (size_t)(dot + 1 - s)))
		return false;
	return all_in(s, len, "0123456789_:.eE+-");
}

bool tb_yaml_str_needs_quotes(const char *s, size_t len)
{
	json_t *v;
	bool quote;

	if (!len || str_in(s, len, yaml11_words) || yaml11_numeric(s, len))
		return true;
	v = tb_yaml_resolve_plain(s, len);
	quote = !v || !json_is_string(v);
	json_decref(v);
	return quote;
}

int tb_yaml_format_real(double d, char *buf, size_t len)
{
	char *e;
	int n = 0;

	/* The shortest precision that reads back exactly, as Go and JavaScript print floats. */
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, len, "%.*g", prec, d);
		if (n < 0 || (size_t)n >= len)
			return -ENOSPC;
		if (strtod(buf, NULL) == d)
			break;
	}
	/* %g writes 1000 as 1e+03: integral values below 1e17 read better in full. */
	e = strchr(buf, 'e');
	if (e && atoi(e + 1) >= 0 && atoi(e + 1) < 17) {
		n = snprintf(buf, len, "%.0f", d);
		if (n < 0 || (size_t)n >= len)
			return -ENOSPC;
	}
	if (!strpbrk(buf, ".eEn")) {
		if ((size_t)n + 2 >= len)
			return -ENOSPC;
		strcat(buf, ".0");
	}
	return 0;
}

char *tb_yaml_key_string(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strndup(json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		if (tb_yaml_format_real(json_real_value(v), buf, sizeof(buf)))
			return NULL;
		return strdup(buf);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("null");
	default:
		errno = EINVAL;
		return NULL;
	}
}
