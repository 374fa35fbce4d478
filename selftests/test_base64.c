// SPDX-License-Identifier: Apache-2.0
/* base64: RFC 4648's test vectors, the URL-safe unpadded form, and what decoding refuses. */
#include <criterion/criterion.h>
#include <string.h>

#include "base64.h"

struct b64_case {
	const char *plain;
	const char *std;
	const char *url;
};

static const struct b64_case vectors[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
	{ "\xfb\xff", "+/8=", "-_8" },
};

Test(base64, rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct b64_case *c = &vectors[i];
		unsigned char dec[32];
		char enc[32];
		long n;

		tb_base64_encode((const unsigned char *)c->plain, strlen(c->plain), enc, false);
		cr_expect_str_eq(enc, c->std, "case %zu standard", i);
		tb_base64_encode((const unsigned char *)c->plain, strlen(c->plain), enc, true);
		cr_expect_str_eq(enc, c->url, "case %zu url", i);
		n = tb_base64_decode(c->std, strlen(c->std), dec);
		cr_expect_eq(n, (long)strlen(c->plain), "case %zu decoded length", i);
		cr_expect(n >= 0 && !memcmp(dec, c->plain, n), "case %zu decoded bytes", i);
	}
}

Test(base64, invalid_input_is_refused)
{
	static const char *const bad[] = { "Zg=", "Z===", "Zg==Zg==", "Zm9v!A==", "Zm=v", "Zg=a" };
	unsigned char dec[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(tb_base64_decode(bad[i], strlen(bad[i]), dec), -1, "'%s'", bad[i]);
}
