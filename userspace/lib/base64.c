// SPDX-License-Identifier: Apache-2.0
#include <stdint.h>

#include "base64.h"

static const char std_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void tb_base64_encode(const unsigned char *in, size_t n, char *out, bool url_nopad)
{
	const char *abc = url_nopad ? url_abc : std_abc;
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = abc[v >> 6 & 63];
		*out++ = abc[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		if (!url_nopad) {
			*out++ = '=';
			*out++ = '=';
		}
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | in[i + 1] << 8;
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = abc[v >> 6 & 63];
		if (!url_nopad)
			*out++ = '=';
	}
	*out = '\0';
}

static int value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long tb_base64_decode(const char *in, size_t len, unsigned char *out)
{
	long n = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int a = value(in[i]), b = value(in[i + 1]);
		int c = in[i + 2] == '=' ? -2 : value(in[i + 2]);
		int d = in[i + 3] == '=' ? -2 : value(in[i + 3]);
		bool last = i + 4 == len;

		/* Padding only at the very end, and "x=y=" is not padding. */
		if (a < 0 || b < 0 || c == -1 || d == -1 || ((c == -2 || d == -2) && !last) ||
		    (c == -2 && d != -2))
			return -1;
		out[n++] = (unsigned char)(a << 2 | b >> 4);
		if (c >= 0)
			out[n++] = (unsigned char)((b & 15) << 4 | c >> 2);
		if (d >= 0)
			out[n++] = (unsigned char)((c & 3) << 6 | d);
	}
	return n;
}
