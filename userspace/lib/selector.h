/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calico's label-selector language: parse once into a compact flat form, then evaluate against
 * label sets without allocating. The grammar and its corner cases are Calico's exactly (see
 * docs/selectors.md): `==`, `!=`, `has()`, `in {}`, `not in {}`, `contains`, `starts with`,
 * `ends with`, `all()`, `global()`, `!`, `&&`, `||`, parentheses, both quote styles.
 *
 * A parsed selector is immutable, so one may be shared by any number of threads.
 */
#ifndef TABBY_SELECTOR_H
#define TABBY_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "labels.h"

/* Longest label name the language accepts, in bytes (Calico's limit). */
#define TB_SELECTOR_MAX_LABEL 512
/*
 * Deepest parenthesis nesting accepted. Calico has no limit; ours bounds the recursion of the
 * parser and the evaluator so hostile input cannot exhaust a thread's stack.
 */
#define TB_SELECTOR_MAX_DEPTH 256
/* "s:" + base64url(SHA-224) without padding, plus the NUL. */
#define TB_SELECTOR_UID_LEN 41

struct tb_selector;

/*
 * Parses src (a NUL-terminated selector; empty or blank means all()). On success stores the
 * selector in *out and returns 0. On a syntax error returns -EINVAL and, when err is not NULL,
 * writes a message naming the problem and its byte offset into src ("expected string after
 * '==' at byte 5"). -ENOMEM on allocation failure.
 */
int tb_selector_parse(const char *src, struct tb_selector **out, char *err, size_t errlen);
void tb_selector_free(struct tb_selector *s);

/* True when the labels (own, then inherited from parents) match. */
bool tb_selector_match(const struct tb_selector *s, const struct tb_labels *l);
/* The same against a JSON object of string values; non-string values count as absent. */
bool tb_selector_match_json(const struct tb_selector *s, const json_t *labels);

/*
 * The same against labels computed on the fly: lookup returns the value of key (klen bytes,
 * not NUL-terminated) and its length in *vlen, or NULL when the label is absent.
 */
typedef const char *(*tb_selector_lookup_fn)(void *ctx, const char *key, size_t klen,
					     size_t *vlen);
bool tb_selector_match_fn(const struct tb_selector *s, tb_selector_lookup_fn lookup, void *ctx);

/*
 * Calico's normalised form (single spaces around operators, each &&/|| chain in one pair of
 * parentheses, runs of ! collapsed, sets sorted and de-duplicated, "" quotes unless the value
 * holds a "). Equal canonical forms mean equal selectors. Returns a malloc'd string, or NULL
 * and errno.
 */
char *tb_selector_canonical(const struct tb_selector *s);
/*
 * The canonical form with prefix put before every label name, as Calico does when it turns a
 * rule's namespaceSelector into a selector over the endpoints' "pcns." labels
 * (k == "v" becomes pcns.k == "v"). all() and global() are printed unchanged: Calico then
 * replaces them, in that string, by has(projectcalico.org/namespace) and
 * !has(projectcalico.org/namespace).
 */
char *tb_selector_canonical_prefixed(const struct tb_selector *s, const char *prefix);
/*
 * Calico's selector identity: "s:" + base64url_nopad(SHA-224("s:" + canonical)), written into
 * buf (at least TB_SELECTOR_UID_LEN bytes). Returns 0, -ENOSPC or -ENOMEM.
 */
int tb_selector_uid(const struct tb_selector *s, char *buf, size_t len);

/*
 * True when the selector matches every label set (all(), global(), the empty selector,
 * all() || x, a not in {}...). In a namespaceSelector all() and global() differ in scope, so
 * check tb_selector_has_global() there too.
 */
bool tb_selector_is_all(const struct tb_selector *s);
/* True when it can match no label set (!all(), a in {} ...). */
bool tb_selector_is_none(const struct tb_selector *s);
/* True when global() appears anywhere in it (a scope marker in namespaceSelector). */
bool tb_selector_has_global(const struct tb_selector *s);

/*
 * The distinct label names the selector reads, in byte order, so an index can tell which
 * selectors a change of one label can affect. cb's non-zero return stops the walk and is
 * returned. Names stay valid as long as the selector.
 */
typedef int (*tb_selector_label_cb)(const char *key, void *ctx);
int tb_selector_for_each_label(const struct tb_selector *s, tb_selector_label_cb cb, void *ctx);
size_t tb_selector_label_count(const struct tb_selector *s);
/* The i-th distinct label name (byte order), or NULL past the end. */
const char *tb_selector_label(const struct tb_selector *s, size_t i);

#endif
