// SPDX-License-Identifier: Apache-2.0
/*
 * Round trips on random JSON trees: strings built from the fragments that trip YAML emitters
 * (type look-alikes, indicators, comments, breaks, control and non-ASCII characters), every
 * kind of number, nesting of every kind. Seeded: TABBY_TEST_SEED repeats a run; the seed is
 * printed with any failure.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manifest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TREES 1500

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64*: small, fast and the same everywhere for a given seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n)
{
	return (size_t)(next() % n);
}

static const char *const fragments[] = {
	"true", "False", "null", "~", "123", "-7", "1.5", "1e3", ".5", "0x1F", "0o7", "0755",
	"1_000", "1:20", "yes", "off", "y", ".inf", ".NaN", "<<", "=", "2001-12-14", "", " ",
	"  ", "a", "role == 'db'", "x y", "a: b", ":", ": ", "a #b", "#", " #", "-", "- ", "?",
	"? ", ",", "[", "]", "{", "}", "*a", "&a", "!t", "!!str", "%", "@", "`", "|", ">", "'",
	"\"", "\\", "---", "...", "\n", "\n\n", "\r", "\t", "\x01", "\x7f", "\xc2\x85",
	"\xe2\x80\xa8", "\xef\xbb\xbf", "\xc3\xa9", "\xe2\x98\x83", "\xf0\x9f\x90\x88",
	"10.0.0.0/8", "fd00::1", "::/0", "tcp:22", "kns.default",
};

static json_t *random_string(bool key)
{
	char buf[512];
	size_t len = 0, parts = below(4);

	for (size_t i = 0; i < parts; i++) {
		const char *f = fragments[below(ARRAY_SIZE(fragments))];
		size_t n = strlen(f);

		if (len + n < sizeof(buf))
			memcpy(buf + len, f, n), len += n;
	}
	if (!below(5)) {
		/* printable ASCII and a few controls (NUL only in values: keys are C strings) */
		size_t n = 1 + below(20);

		for (size_t i = 0; i < n && len < sizeof(buf); i++)
			buf[len++] = below(10) ? (char)(' ' + below(95))
					       : (char)below(key ? 1 : 32);
		for (size_t i = 0; key && i < len; i++)
			if (!buf[i])
				buf[i] = 'k';
	}
	if (!below(40))
		while (len < 300)
			buf[len++] = (char)('a' + below(26));
	return json_stringn(buf, len);
}

static json_t *random_real(void)
{
	static const double nice[] = { 0.0, -0.0, 0.5, 1.0, -1.5, 100.25, 1e20, 1e-7, 1e308 };
	uint64_t bits;
	double d;

	if (below(2))
		return json_real(nice[below(ARRAY_SIZE(nice))]);
	do {
		bits = next();
		memcpy(&d, &bits, sizeof(d));
	} while (d != d || d - d != 0);	/* finite only: JSON has no inf or nan */
	return json_real(d);
}

static json_t *random_tree(int depth);

static json_t *random_container(int depth)
{
	size_t n = below(6);
	json_t *v;

	if (below(2)) {
		v = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(v, random_tree(depth + 1));
		return v;
	}
	v = json_object();
	for (size_t i = 0; i < n; i++) {
		json_t *k = random_string(true);

		json_object_set_new(v, json_string_value(k), random_tree(depth + 1));
		json_decref(k);
	}
	return v;
}

static json_t *random_tree(int depth)
{
	switch (below(depth < 5 ? 9 : 7)) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(below(2));
	case 2:
		return json_integer(below(2) ? (json_int_t)next() : (json_int_t)below(2000) - 1000);
	case 3:
		return random_real();
	case 4:
	case 5:
	case 6:
		return random_string(false);
	default:
		return random_container(depth);
	}
}

static char *json_text(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (tb_json_dump(v, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static bool check(json_t *v, char **why)
{
	char *y1 = tb_yaml_dumps(v), *y2 = NULL, *j = json_text(v);
	json_t *docs = NULL, *jback = NULL;
	struct tb_diag diag;
	bool ok = false;

	tb_diag_init(&diag);
	if (!y1 || !j || tb_yaml_load(y1, strlen(y1), "dump", &docs, &diag) ||
	    json_array_size(docs) != 1 || !json_equal(json_array_get(docs, 0), v))
		goto out;
	y2 = tb_yaml_dumps(json_array_get(docs, 0));
	if (!y2 || strcmp(y1, y2))
		goto out;
	jback = json_loads(j, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	ok = jback && json_equal(jback, v);
out:
	if (!ok && asprintf(why, "%s\n--- tree:\n%s\n--- yaml:\n%s", diag.n ? diag.msgs[0] : "",
			    j ? j : "", y1 ? y1 : "") < 0)
		*why = NULL;
	json_decref(docs);
	json_decref(jback);
	tb_diag_free(&diag);
	free(y1);
	free(y2);
	free(j);
	return ok;
}

Test(manifest_random, round_trip)
{
	const char *env = getenv("TABBY_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	int failures = 0;

	rng = seed ? seed : 1;
	for (int i = 0; i < TREES && failures < 3; i++) {
		json_t *v = random_tree(0);
		char *why = NULL;

		if (!v) {
			cr_expect_fail("seed %llu: tree %d: out of memory",
				       (unsigned long long)seed, i);
			break;
		}
		if (!check(v, &why)) {
			cr_expect_fail("seed %llu: tree %d: %s", (unsigned long long)seed, i,
				       why ? why : "out of memory");
			failures++;
		}
		free(why);
		json_decref(v);
	}
}
