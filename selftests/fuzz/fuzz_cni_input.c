// SPDX-License-Identifier: Apache-2.0
/*
 * Arbitrary bytes into what the CNI plugins read from outside: the network configuration
 * (stdin), CNI_ARGS, a prevResult, and a stored IPAM block. Nothing may crash; a block that
 * parses must serialise and parse back to the same text, and a prevResult that parses must
 * render again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "ipam_block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void block_roundtrip(const char *text)
{
	struct tb_ipam_block b, c;
	char *t1, *t2;

	if (tb_ipam_block_from_json(text, &b))
		return;
	t1 = tb_ipam_block_to_json(&b);
	tb_ipam_block_free(&b);
	if (!t1 || tb_ipam_block_from_json(t1, &c))
		abort();
	t2 = tb_ipam_block_to_json(&c);
	if (!t2 || strcmp(t1, t2))
		abort();
	/* Releasing and assigning on whatever parsed keeps the block consistent. */
	tb_ipam_block_release_handle(&c, "h");
	free(t2);
	t2 = tb_ipam_block_to_json(&c);
	if (!t2 || tb_ipam_block_from_json(t2, &b))
		abort();
	tb_ipam_block_free(&b);
	free(t1);
	free(t2);
	tb_ipam_block_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct tb_cni_error e;
	struct tb_cni_conf conf;
	struct tb_cni_args args;
	struct tb_cni_result res;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&e, 0, sizeof(e));
	setenv("NODENAME", "fuzz", 1);
	if (tb_cni_conf_parse(text, TB_CNI_ADD, &conf, &e) == 0 && conf.prev_result &&
	    tb_cni_result_parse(conf.prev_result, &res) == 0) {
		json_t *j = tb_cni_result_json(&res, conf.cni_version);

		json_decref(j);
	}
	tb_cni_conf_free(&conf);
	if (tb_cni_args_parse(text, &args, &e) == 0)
		tb_cni_args_free(&args);
	block_roundtrip(text);
	free(text);
	return 0;
}
