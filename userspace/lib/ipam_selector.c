// SPDX-License-Identifier: Apache-2.0
/*
 * The subset of Calico's selector language that IPPool nodeSelectors use in practice. The
 * full grammar lives with the policy selector library; IPAM keeps its own small matcher so
 * the CNI plugin does not pull the policy engine in. Unknown syntax is -ENOTSUP, never a
 * silent match.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "ipam.h"

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Reads a label key; returns the end or NULL. */
static const char *read_key(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	while (*s && (isalnum((unsigned char)*s) || strchr("-_./", *s))) {
		if (n + 1 >= len)
			return NULL;
		buf[n++] = *s++;
	}
	buf[n] = '\0';
	return n ? s : NULL;
}

static const char *read_quoted(const char *s, char *buf, size_t len)
{
	char q = *s;
	size_t n = 0;

	if (q != '\'' && q != '"')
		return NULL;
	for (s++; *s && *s != q; s++) {
		if (n + 1 >= len)
			return NULL;
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return *s == q ? s + 1 : NULL;
}

/* One term: all(), has(k), !has(k), k == 'v', k != 'v'. */
static const char *term(const char *s, const json_t *labels, bool *m)
{
	char k[256], v[256];
	const char *lv;
	bool neg = false;

	s = skip_ws(s);
	if (!strncmp(s, "all()", 5)) {
		*m = true;
		return s + 5;
	}
	if (*s == '!') {
		neg = true;
		s = skip_ws(s + 1);
	}
	if (!strncmp(s, "has(", 4)) {
		s = read_key(skip_ws(s + 4), k, sizeof(k));
		if (!s || *(s = skip_ws(s)) != ')')
			return NULL;
		*m = (json_object_get(labels, k) != NULL) != neg;
		return s + 1;
	}
	if (neg)
		return NULL;
	s = read_key(s, k, sizeof(k));
	if (!s)
		return NULL;
	s = skip_ws(s);
	if (strncmp(s, "==", 2) && strncmp(s, "!=", 2))
		return NULL;
	neg = s[0] == '!';
	s = read_quoted(skip_ws(s + 2), v, sizeof(v));
	if (!s)
		return NULL;
	lv = json_string_value(json_object_get(labels, k));
	*m = (lv && !strcmp(lv, v)) != neg;
	return s;
}

int tb_ipam_node_selector_match(const char *selector, const json_t *labels, bool *match)
{
	const char *s = selector ? skip_ws(selector) : "";

	*match = true;
	while (*s) {
		bool m;

		s = term(s, labels, &m);
		if (!s)
			return -ENOTSUP;
		*match = *match && m;
		s = skip_ws(s);
		if (!*s)
			break;
		if (strncmp(s, "&&", 2))
			return -ENOTSUP;
		s += 2;
	}
	return 0;
}
