// SPDX-License-Identifier: Apache-2.0
/* Selectors (through the selector parser), Go durations and BGP AS numbers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "selector.h"
#include "validators.h"

int tb_selector_check(const char *s, char *err, size_t errlen)
{
	struct tb_selector *sel = NULL;
	int ret = tb_selector_parse(s, &sel, err, errlen);

	tb_selector_free(sel);
	return ret;
}

bool tb_selector_is_global_only(const char *s)
{
	static const char *const words[] = { "global(", ")" };

	for (size_t i = 0; i < 2; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, words[i], strlen(words[i])))
			return false;
		s += strlen(words[i]);
	}
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

static const struct {
	const char *unit;
	int64_t ns;
} units[] = {
	{ "ns", 1 },	       { "us", 1000 },		    { "\xc2\xb5s", 1000 },
	{ "\xce\xbcs", 1000 }, { "ms", 1000000 },	    { "s", 1000000000LL },
	{ "m", 60000000000LL }, { "h", 3600000000000LL },
};

/* One "<number><unit>" term; advances *sp. Accumulates into *total as a double. */
static int duration_term(const char **sp, double *total)
{
	const char *s = *sp, *start = s;
	double v = 0, scale = 1;
	bool digits = false;
	size_t best = 0, bi = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits = true)
		v = v * 10 + (*s - '0');
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			scale /= 10;
			v += (*s - '0') * scale;
		}
	}
	if (!digits || s == start)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].unit);

		if (!strncmp(s, units[i].unit, n) && n > best) {
			best = n;
			bi = i;
		}
	}
	if (!best)
		return -EINVAL;
	*total += v * (double)units[bi].ns;
	*sp = s + best;
	return 0;
}

int tb_parse_duration(const char *s, int64_t *ns)
{
	double total = 0;
	bool neg = false;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		if (duration_term(&s, &total))
			return -EINVAL;
	}
	if (total > 9.2e18)
		return -ERANGE;
	*ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

static int asn_digits(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int tb_parse_asn(const json_t *v, uint32_t *out)
{
	const char *s, *dot;
	uint64_t hi, lo;

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > 0xffffffffLL)
			return -EINVAL;
		*out = (uint32_t)i;
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	dot = strchr(s, '.');
	if (!dot) {
		if (asn_digits(s, strlen(s), 0xffffffffULL, &lo))
			return -EINVAL;
		*out = (uint32_t)lo;
		return 0;
	}
	if (asn_digits(s, (size_t)(dot - s), 0xffff, &hi) ||
	    asn_digits(dot + 1, strlen(dot + 1), 0xffff, &lo))
		return -EINVAL;
	*out = (uint32_t)(hi << 16 | lo);
	return 0;
}
