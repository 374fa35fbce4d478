/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The selector's internal form, shared by its lexer, parser, evaluator and printer only.
 *
 * A selector is a flat array of nodes addressed by index: no per-node allocation, and
 * evaluation walks arrays that sit next to each other in memory. Label names and values are
 * NUL-terminated copies in one string buffer, referred to by offset and length.
 */
#ifndef TABBY_SELECTOR_INT_H
#define TABBY_SELECTOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "selector.h"

enum tb_sel_op {
	TB_SEL_ALL,
	TB_SEL_GLOBAL,
	TB_SEL_HAS,
	TB_SEL_EQ,
	TB_SEL_NE,
	TB_SEL_CONTAINS,
	TB_SEL_STARTS,
	TB_SEL_ENDS,
	TB_SEL_IN,
	TB_SEL_NOT_IN,
	TB_SEL_NOT,
	TB_SEL_AND,
	TB_SEL_OR,
};

struct tb_sel_str {
	uint32_t off; /* into tb_selector.strs */
	uint32_t len;
};

struct tb_sel_node {
	uint32_t op;
	struct tb_sel_str label; /* HAS, comparisons and sets */
	union {
		struct tb_sel_str value; /* EQ, NE, CONTAINS, STARTS, ENDS */
		struct {
			uint32_t first; /* AND/OR: into kids; IN/NOT_IN: into members */
			uint32_t count;
		} list;
		uint32_t child; /* NOT */
	};
};

struct tb_selector {
	struct tb_sel_node *nodes;
	uint32_t n_nodes;
	uint32_t root;
	uint32_t *kids; /* operands of AND/OR nodes, as node indices */
	uint32_t n_kids;
	struct tb_sel_str *members; /* set members: each set's run is sorted and unique */
	uint32_t n_members;
	struct tb_sel_str *keys; /* distinct label names, sorted */
	uint32_t n_keys;
	char *strs;
	uint32_t strs_len;
	int8_t constant; /* 1: matches everything, 0: nothing, -1: depends on labels */
	bool has_global;
};

/* Byte-order comparison of two counted strings, shorter first on a common prefix (Go's). */
int tb_sel_strcmp(const char *a, size_t alen, const char *b, size_t blen);

/* --- lexer (selector_lex.c) --- */
enum tb_sel_tok {
	TB_TOK_EOF,
	TB_TOK_LABEL,
	TB_TOK_STRING,
	TB_TOK_LPAREN,
	TB_TOK_RPAREN,
	TB_TOK_LBRACE,
	TB_TOK_RBRACE,
	TB_TOK_COMMA,
	TB_TOK_EQ,
	TB_TOK_NE,
	TB_TOK_NOT,
	TB_TOK_AND,
	TB_TOK_OR,
	TB_TOK_CONTAINS,
	TB_TOK_STARTS,
	TB_TOK_ENDS,
	TB_TOK_IN,
	TB_TOK_NOT_IN,
	TB_TOK_HAS,
	TB_TOK_ALL,
	TB_TOK_GLOBAL,
};

struct tb_sel_token {
	enum tb_sel_tok kind;
	size_t pos;	 /* byte offset of the token's start */
	size_t text;	 /* LABEL, STRING, HAS: offset of the text in the source */
	size_t text_len;
};

struct tb_sel_lexer {
	const char *src;
	size_t len;
	size_t pos;
	enum tb_sel_tok prev; /* operator words are only words right after a LABEL */
	char *err;
	size_t errlen;
};

void tb_sel_lex_init(struct tb_sel_lexer *lx, const char *src, char *err, size_t errlen);
/* Reads the next token; returns 0 or -EINVAL with the message written to lx->err. */
int tb_sel_lex_next(struct tb_sel_lexer *lx, struct tb_sel_token *t);
const char *tb_sel_tok_name(enum tb_sel_tok kind);
/* Formats "<what> at byte <pos>" into err (if any) and returns -EINVAL. */
int tb_sel_error(char *err, size_t errlen, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- analysis (selector_info.c) --- */
/* Fills constant, has_global and the sorted distinct keys; returns 0 or -ENOMEM. */
int tb_sel_analyse(struct tb_selector *s);

#endif
