// SPDX-License-Identifier: Apache-2.0
/*
 * The selector lexer. Bytes, not characters: only space and tab are whitespace, labels are
 * [A-Za-z0-9_./-]{1,512}, strings run to the next byte equal to their opening quote with no
 * escapes. Keywords are not reserved: a word is an operator only right after a label, and
 * has(/all(/global( are recognised only with the parenthesis glued on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "selector_int.h"

int tb_sel_error(char *err, size_t errlen, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - n, " at byte %zu", pos);
	return -EINVAL;
}

const char *tb_sel_tok_name(enum tb_sel_tok kind)
{
	static const char *const names[] = {
		[TB_TOK_EOF] = "end of input",
		[TB_TOK_LABEL] = "label",
		[TB_TOK_STRING] = "string",
		[TB_TOK_LPAREN] = "'('",
		[TB_TOK_RPAREN] = "')'",
		[TB_TOK_LBRACE] = "'{'",
		[TB_TOK_RBRACE] = "'}'",
		[TB_TOK_COMMA] = "','",
		[TB_TOK_EQ] = "'=='",
		[TB_TOK_NE] = "'!='",
		[TB_TOK_NOT] = "'!'",
		[TB_TOK_AND] = "'&&'",
		[TB_TOK_OR] = "'||'",
		[TB_TOK_CONTAINS] = "'contains'",
		[TB_TOK_STARTS] = "'starts with'",
		[TB_TOK_ENDS] = "'ends with'",
		[TB_TOK_IN] = "'in'",
		[TB_TOK_NOT_IN] = "'not in'",
		[TB_TOK_HAS] = "has()",
		[TB_TOK_ALL] = "all()",
		[TB_TOK_GLOBAL] = "global()",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "token";
}

void tb_sel_lex_init(struct tb_sel_lexer *lx, const char *src, char *err, size_t errlen)
{
	lx->src = src;
	lx->len = strlen(src);
	lx->pos = 0;
	lx->prev = TB_TOK_EOF;
	lx->err = err;
	lx->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
}

static bool is_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '/' || c == '-';
}

static size_t skip_ws(const struct tb_sel_lexer *lx, size_t pos)
{
	while (pos < lx->len && (lx->src[pos] == ' ' || lx->src[pos] == '\t'))
		pos++;
	return pos;
}

static bool has_prefix(const struct tb_sel_lexer *lx, size_t pos, const char *word)
{
	size_t n = strlen(word);

	return lx->len - pos >= n && !memcmp(lx->src + pos, word, n);
}

/*
 * Matches one or two words ("contains"; "starts" ws* "with") at pos, followed by a word
 * boundary (end of input or a non-label byte; the src is NUL-terminated, so reading src[len]
 * is safe). Returns the position after the words, or 0 when they are not there.
 */
static size_t match_op_words(const struct tb_sel_lexer *lx, size_t pos, const char *w1,
			     const char *w2)
{
	if (!has_prefix(lx, pos, w1))
		return 0;
	pos += strlen(w1);
	if (w2) {
		pos = skip_ws(lx, pos);
		if (!has_prefix(lx, pos, w2))
			return 0;
		pos += strlen(w2);
		/* Calico checks the boundary of a two-word operator after trailing blanks. */
		if (is_label_char(lx->src[skip_ws(lx, pos)]))
			return 0;
		return pos;
	}
	if (is_label_char(lx->src[pos]))
		return 0;
	return pos;
}

static int lex_operator_word(struct tb_sel_lexer *lx, struct tb_sel_token *t)
{
	static const struct {
		const char *w1, *w2;
		enum tb_sel_tok kind;
	} ops[] = {
		{ "contains", NULL, TB_TOK_CONTAINS }, { "starts", "with", TB_TOK_STARTS },
		{ "ends", "with", TB_TOK_ENDS },       { "not", "in", TB_TOK_NOT_IN },
		{ "in", NULL, TB_TOK_IN },
	};
	size_t i, end;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		end = match_op_words(lx, lx->pos, ops[i].w1, ops[i].w2);
		if (end) {
			t->kind = ops[i].kind;
			lx->pos = end;
			return 0;
		}
	}
	return tb_sel_error(lx->err, lx->errlen, lx->pos, "expected an operator after a label");
}

/* Reads a label at pos; returns its length, or a negative error. */
static int lex_label(struct tb_sel_lexer *lx, size_t pos, size_t *len)
{
	size_t end = pos;

	while (end < lx->len && is_label_char(lx->src[end]))
		end++;
	if (end == pos) {
		unsigned char c = lx->src[pos];

		if (pos >= lx->len)
			return tb_sel_error(lx->err, lx->errlen, pos, "expected a label");
		if (c >= 0x21 && c < 0x7f)
			return tb_sel_error(lx->err, lx->errlen, pos, "unexpected character '%c'",
					    c);
		return tb_sel_error(lx->err, lx->errlen, pos, "unexpected byte 0x%02x", c);
	}
	if (end - pos > TB_SELECTOR_MAX_LABEL)
		return tb_sel_error(lx->err, lx->errlen, pos, "label longer than %d bytes",
				    TB_SELECTOR_MAX_LABEL);
	*len = end - pos;
	return 0;
}

/* has( ws* LABEL ws* ), all( ws* ), global( ws* ): the opening parenthesis is already read. */
static int lex_call(struct tb_sel_lexer *lx, struct tb_sel_token *t, const char *name)
{
	size_t pos = skip_ws(lx, lx->pos);
	int err;

	if (t->kind == TB_TOK_HAS) {
		if (pos >= lx->len || lx->src[pos] == ')')
			return tb_sel_error(lx->err, lx->errlen, pos, "expected a label in has()");
		err = lex_label(lx, pos, &t->text_len);
		if (err)
			return err;
		t->text = pos;
		pos = skip_ws(lx, pos + t->text_len);
	}
	if (pos >= lx->len || lx->src[pos] != ')')
		return tb_sel_error(lx->err, lx->errlen, pos, "expected ')' to close %s(", name);
	lx->pos = pos + 1;
	return 0;
}

static int lex_word(struct tb_sel_lexer *lx, struct tb_sel_token *t)
{
	static const struct {
		const char *prefix, *name;
		enum tb_sel_tok kind;
	} calls[] = {
		{ "has(", "has", TB_TOK_HAS },
		{ "all(", "all", TB_TOK_ALL },
		{ "global(", "global", TB_TOK_GLOBAL },
	};
	size_t i, n;
	int err;

	if (lx->prev == TB_TOK_LABEL)
		return lex_operator_word(lx, t);
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (!has_prefix(lx, lx->pos, calls[i].prefix))
			continue;
		n = strlen(calls[i].prefix);
		t->kind = calls[i].kind;
		lx->pos += n;
		return lex_call(lx, t, calls[i].name);
	}
	err = lex_label(lx, lx->pos, &t->text_len);
	if (err)
		return err;
	t->kind = TB_TOK_LABEL;
	t->text = lx->pos;
	lx->pos += t->text_len;
	return 0;
}

static int lex_string(struct tb_sel_lexer *lx, struct tb_sel_token *t)
{
	char quote = lx->src[lx->pos];
	const char *end = memchr(lx->src + lx->pos + 1, quote, lx->len - lx->pos - 1);

	if (!end)
		return tb_sel_error(lx->err, lx->errlen, lx->pos, "unterminated string");
	t->kind = TB_TOK_STRING;
	t->text = lx->pos + 1;
	t->text_len = end - (lx->src + t->text);
	lx->pos = end - lx->src + 1;
	return 0;
}

/* Two-byte punctuation: ==, &&, || must be doubled; ! is != only when = follows at once. */
static int lex_pair(struct tb_sel_lexer *lx, struct tb_sel_token *t)
{
	char c = lx->src[lx->pos];
	char next = lx->pos + 1 < lx->len ? lx->src[lx->pos + 1] : '\0';

	switch (c) {
	case '!':
		t->kind = next == '=' ? TB_TOK_NE : TB_TOK_NOT;
		break;
	case '=':
		t->kind = TB_TOK_EQ;
		break;
	case '&':
		t->kind = TB_TOK_AND;
		break;
	default:
		t->kind = TB_TOK_OR;
		break;
	}
	if (c == '!') {
		lx->pos += t->kind == TB_TOK_NE ? 2 : 1;
		return 0;
	}
	if (next != c)
		return tb_sel_error(lx->err, lx->errlen, lx->pos, "expected '%c%c'", c, c);
	lx->pos += 2;
	return 0;
}

static int lex_one(struct tb_sel_lexer *lx, struct tb_sel_token *t)
{
	switch (lx->src[lx->pos]) {
	case '(':
		t->kind = TB_TOK_LPAREN;
		break;
	case ')':
		t->kind = TB_TOK_RPAREN;
		break;
	case '{':
		t->kind = TB_TOK_LBRACE;
		break;
	case '}':
		t->kind = TB_TOK_RBRACE;
		break;
	case ',':
		t->kind = TB_TOK_COMMA;
		break;
	case '"':
	case '\'':
		return lex_string(lx, t);
	case '!':
	case '=':
	case '&':
	case '|':
		return lex_pair(lx, t);
	default:
		return lex_word(lx, t);
	}
	lx->pos++;
	return 0;
}

int tb_sel_lex_next(struct tb_sel_lexer *lx, struct tb_sel_token *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	lx->pos = skip_ws(lx, lx->pos);
	t->pos = lx->pos;
	if (lx->pos >= lx->len) {
		t->kind = TB_TOK_EOF;
		lx->prev = t->kind;
		return 0;
	}
	err = lex_one(lx, t);
	if (err)
		return err;
	lx->prev = t->kind;
	return 0;
}
