/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 4648 base64, standard (etcd's JSON gateway) and URL-safe without padding (Calico's
 * selector UIDs). Written here rather than taken from libcrypto, which a process would
 * otherwise map at every start (a CNI ADD pays that).
 */
#ifndef TABBY_BASE64_H
#define TABBY_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the encoding of n bytes and a NUL into out (4 * ((n + 2) / 3) + 1 bytes at most). */
void tb_base64_encode(const unsigned char *in, size_t n, char *out, bool url_nopad);
/* Decodes standard base64 (padded); returns the length written to out (len / 4 * 3 at most),
 * or -1 for invalid input. */
long tb_base64_decode(const char *in, size_t len, unsigned char *out);

#endif
