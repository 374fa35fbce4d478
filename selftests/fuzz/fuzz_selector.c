// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the selector language: any input either parses or is refused with a
 * message; a parsed selector prints a canonical form that parses again and matches exactly the
 * same label sets as the original. Label sets are built from the selector's own label names
 * and literals, so the comparisons actually meet their values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "selector.h"
#include "selector_int.h"

#define N_SETS 5

/* Gives every label of s a value: "", a literal of s, or one of those with a byte trimmed. */
static void fill(const struct tb_selector *s, struct tb_labels *l, int variant)
{
	uint32_t i, k = 0;

	for (i = 0; i < s->n_nodes; i++) {
		const struct tb_sel_node *n = &s->nodes[i];
		const char *key = s->strs + n->label.off;
		const char *v = "";
		size_t vlen = 0;

		if (n->op == TB_SEL_ALL || n->op == TB_SEL_GLOBAL || n->op == TB_SEL_NOT ||
		    n->op == TB_SEL_AND || n->op == TB_SEL_OR)
			continue;
		if ((k++ + variant) % 3 == 0)
			continue; /* leave some labels absent */
		if (n->op >= TB_SEL_EQ && n->op <= TB_SEL_ENDS) {
			v = s->strs + n->value.off;
			vlen = n->value.len;
		} else if ((n->op == TB_SEL_IN || n->op == TB_SEL_NOT_IN) && n->list.count) {
			uint32_t pick = n->list.first + variant % n->list.count;
			const struct tb_sel_str *m = &s->members[pick];

			v = s->strs + m->off;
			vlen = m->len;
		}
		if (variant >= 3 && vlen)
			vlen--;
		if (tb_labels_setn(l, key, n->label.len, v, vlen))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tb_selector *s = NULL, *s2 = NULL;
	char *src = malloc(size + 1), *canon = NULL, *canon2 = NULL;
	char err[256] = "", uid[TB_SELECTOR_UID_LEN];
	int ret, i;

	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	ret = tb_selector_parse(src, &s, err, sizeof(err));
	if (ret) {
		/* A refusal always explains itself. */
		if (!strstr(err, " at byte "))
			abort();
		goto out;
	}
	canon = tb_selector_canonical(s);
	if (!canon || tb_selector_uid(s, uid, sizeof(uid)))
		abort();
	if (tb_selector_parse(canon, &s2, err, sizeof(err))) {
		fprintf(stderr, "canonical '%s' of '%s' does not parse: %s\n", canon, src, err);
		abort();
	}
	for (i = 0; i < N_SETS; i++) {
		struct tb_labels l;

		tb_labels_init(&l);
		fill(s, &l, i);
		if (tb_selector_match(s, &l) != tb_selector_match(s2, &l)) {
			fprintf(stderr, "'%s' and its canonical '%s' disagree\n", src, canon);
			abort();
		}
		tb_labels_free(&l);
	}
	/* Printing is a fixed point after one re-parse, except for kept "!!" pairs. */
	canon2 = tb_selector_canonical(s2);
	if (!canon2 || (!strstr(canon, "!!") && strcmp(canon, canon2)))
		abort();
out:
	free(canon2);
	free(canon);
	tb_selector_free(s2);
	tb_selector_free(s);
	free(src);
	return 0;
}
