// SPDX-License-Identifier: Apache-2.0
/*
 * Arbitrary bytes into the manifest reader. Whatever parses must survive the round trip:
 * dump to YAML, load again, and get an equal tree (json_equal) - both for the raw YAML layer
 * and for the resources that the manifest front end produces (JSON input included); the JSON
 * writer likewise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The JSON writer must give text that jansson reads back to the same tree. */
static void check_json(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *back;

	if (!f || tb_json_dump(v, f))
		abort();
	fclose(f);
	back = json_loadb(buf, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!back || !json_equal(back, v)) {
		fprintf(stderr, "JSON round trip differs:\n%s\n", buf);
		abort();
	}
	json_decref(back);
	free(buf);
}

static void check_round_trip(json_t *v)
{
	struct tb_diag diag;
	json_t *back = NULL;
	char *text;

	tb_diag_init(&diag);
	text = tb_yaml_dumps(v);
	if (!text)
		abort();
	if (tb_yaml_load(text, strlen(text), "dump", &back, &diag) || json_array_size(back) != 1 ||
	    !json_equal(json_array_get(back, 0), v)) {
		tb_diag_print(&diag, stderr);
		fprintf(stderr, "round trip differs; dumped:\n%s\n", text);
		abort();
	}
	json_decref(back);
	free(text);
	tb_diag_free(&diag);
	check_json(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tb_doc_list list;
	struct tb_diag diag;
	json_t *docs, *v;
	size_t i;

	tb_diag_init(&diag);
	if (!tb_yaml_load((const char *)data, size, "fuzz", &docs, &diag)) {
		json_array_foreach(docs, i, v)
			check_round_trip(v);
		json_decref(docs);
	}
	tb_diag_free(&diag);

	tb_diag_init(&diag);
	if (!tb_manifest_parse((const char *)data, size, "fuzz", &list, &diag)) {
		for (i = 0; i < list.n; i++)
			check_round_trip(list.docs[i].obj);
		tb_doc_list_free(&list);
	}
	tb_diag_free(&diag);
	return 0;
}
