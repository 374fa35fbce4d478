// SPDX-License-Identifier: Apache-2.0
/*
 * Calico's selector identity: "s:" + base64url_nopad(SHA-224("s:" + canonical form)). Apart
 * from the printer so that only programs that need it map libcrypto.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "selector.h"

int tb_selector_uid(const struct tb_selector *s, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *canon, *text = NULL;
	int ret = 0;

	if (len < TB_SELECTOR_UID_LEN)
		return -ENOSPC;
	canon = tb_selector_canonical(s);
	if (!canon || asprintf(&text, "s:%s", canon) < 0) {
		free(canon);
		return -ENOMEM;
	}
	if (!EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha224(), NULL) || mdlen != 28)
		ret = -ENOMEM;
	else {
		memcpy(buf, "s:", 2);
		tb_base64_encode(md, mdlen, buf + 2, true);
	}
	free(text);
	free(canon);
	return ret;
}
