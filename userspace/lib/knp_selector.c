// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes label selectors as Calico selector text, and Calico's derived UIDs: the pieces of
 * the NetworkPolicy conversion that must match Calico's output byte for byte, since the text
 * is what users see in `tabbyctl get networkpolicy` and the UID is what tools correlate on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knp_convert.h"

/* A growing string; on allocation failure it stays failed and the caller sees NULL. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct sbuf *b, const char *text)
{
	size_t n = strlen(text);

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, text, n + 1);
	b->len += n;
}

/* Terms are joined with " && ", as Calico joins them. */
static void sb_term(struct sbuf *b, const char *a, const char *c, const char *d)
{
	if (b->len)
		sb_add(b, " && ");
	sb_add(b, a);
	sb_add(b, c);
	sb_add(b, d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* matchLabels in byte order of the keys (Calico sorts them): "k == 'v'". */
static void add_match_labels(struct sbuf *b, const json_t *ml)
{
	size_t n = json_object_size(ml), i = 0;
	const char **keys;
	const char *k;
	json_t *v;

	if (!n)
		return;
	keys = calloc(n, sizeof(*keys));
	if (!keys) {
		b->failed = true;
		return;
	}
	json_object_foreach((json_t *)ml, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n; i++) {
		const char *val = json_string_value(json_object_get(ml, keys[i]));

		sb_term(b, keys[i], " == '", val ? val : "");
		sb_add(b, "'");
	}
	free(keys);
}

/* "{ 'a', 'b' }": Calico joins the values with "', '" inside "{ '" and "' }". */
static void add_value_set(struct sbuf *b, const json_t *values)
{
	size_t i;
	json_t *v;

	sb_add(b, "{ '");
	json_array_foreach(values, i, v) {
		if (i)
			sb_add(b, "', '");
		sb_add(b, json_string_value(v) ? json_string_value(v) : "");
	}
	sb_add(b, "' }");
}

static void add_match_expressions(struct sbuf *b, const json_t *exprs)
{
	size_t i;
	json_t *e;

	json_array_foreach(exprs, i, e) {
		const char *key = json_string_value(json_object_get(e, "key"));
		const char *op = json_string_value(json_object_get(e, "operator"));
		const json_t *values = json_object_get(e, "values");

		if (!key || !op)
			continue;
		/* An unknown operator adds nothing, as in Calico's converter. */
		if (!strcmp(op, "In")) {
			sb_term(b, key, " in ", "");
			add_value_set(b, values);
		} else if (!strcmp(op, "NotIn")) {
			sb_term(b, key, " not in ", "");
			add_value_set(b, values);
		} else if (!strcmp(op, "Exists")) {
			sb_term(b, "has(", key, ")");
		} else if (!strcmp(op, "DoesNotExist")) {
			sb_term(b, "! has(", key, ")");
		}
	}
}

char *tb_knp_selector(const json_t *sel, bool pod)
{
	const json_t *ml = json_object_get(sel, "matchLabels");
	const json_t *me = json_object_get(sel, "matchExpressions");
	struct sbuf b = { 0 };

	sb_add(&b, "");
	if (pod)
		sb_term(&b, TB_LABEL_ORCHESTRATOR, " == 'k8s'", "");
	/* A present but empty namespace selector means every namespace. */
	if (sel && !json_is_null(sel) && !pod && !json_object_size(ml) && !json_array_size(me))
		sb_add(&b, "all()");
	if (sel && !json_is_null(sel)) {
		if (json_is_object(ml))
			add_match_labels(&b, ml);
		if (json_is_array(me))
			add_match_expressions(&b, me);
	}
	if (b.failed) {
		free(b.s);
		errno = ENOMEM;
		return NULL;
	}
	return b.s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static uint8_t reverse_bits(uint8_t b)
{
	uint8_t r = 0;

	for (int i = 0; i < 8; i++)
		if (b & (1u << i))
			r |= (uint8_t)(0x80u >> i);
	return r;
}

/* Only the canonical 8-4-4-4-12 form is taken: it is the only one Kubernetes writes. */
static int parse_uuid(const char *s, uint8_t u[16])
{
	size_t j = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (size_t i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		if (hexval(s[i]) < 0 || hexval(s[i + 1]) < 0)
			return -EINVAL;
		u[j++] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
		i += 2;
	}
	return 0;
}

int tb_knp_convert_uid(const char *uid, char out[37])
{
	uint8_t u[16];

	if (!uid || parse_uuid(uid, u))
		return -EINVAL;
	/* Byte 6 holds the version and byte 8 the variant: those stay as they are. */
	for (int i = 0; i < 16; i++)
		if (i != 6 && i != 8)
			u[i] = reverse_bits(u[i]);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
	return 0;
}
