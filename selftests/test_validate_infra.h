/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Table-driven validation cases for the infrastructure kinds, shared by the
 * test_validate_infra*.c binaries. A case is data: the kind, the name, the spec (JSON written
 * with ` for " so that tables stay readable), and either the error text expected among the
 * messages or NULL for a valid document, plus, for valid ones, a JSON object whose fields the
 * validated spec must hold (the defaults filled in).
 */
#ifndef TABBY_TEST_VALIDATE_INFRA_H
#define TABBY_TEST_VALIDATE_INFRA_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"

struct infra_case {
	const char *kind;	/* apiVersion is the kind's own */
	const char *name;	/* metadata.name */
	const char *spec;	/* the spec, or the whole document when it starts with '{' + ` */
	const char *error;	/* expected message (substring), NULL when valid */
	const char *want;	/* valid: fields the validated spec must equal (after defaults) */
};

/* ` becomes " so that JSON in tables needs no escapes. */
static inline json_t *infra_json(const char *text)
{
	char *s = strdup(text);
	json_t *j;

	for (char *p = s; *p; p++)
		if (*p == '`')
			*p = '"';
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	free(s);
	return j;
}

/* The document of a case: the spec wrapped in an envelope, or the whole document as given. */
static inline json_t *infra_doc(const struct infra_case *t)
{
	const struct tb_kind *k = tb_kind_find(t->kind);
	json_t *doc, *spec;

	if (!strncmp(t->spec, "{`apiVersion`", 13))
		return infra_json(t->spec);
	spec = infra_json(t->spec);
	if (!k || !spec)
		return NULL;
	doc = json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion", k->api_version, "kind", k->kind,
			"metadata", "name", t->name, "spec", spec);
	if (doc && tb_kind_namespaced(k))
		json_object_set_new(json_object_get(doc, "metadata"), "namespace",
				    json_string("ns1"));
	return doc;
}

static inline bool infra_has_msg(const struct tb_diag *d, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], want))
			return true;
	return false;
}

/* Every field of want is in got with an equal value. */
static inline bool infra_subset(json_t *want, json_t *got, const char **bad)
{
	const char *key;
	json_t *v;

	json_object_foreach(want, key, v) {
		if (!json_equal(v, json_object_get(got, key))) {
			*bad = key;
			return false;
		}
	}
	return true;
}

static inline void infra_run_one(const struct infra_case *t)
{
	json_t *doc = infra_doc(t), *want = NULL;
	const char *bad = NULL;
	char *got = NULL;
	struct tb_diag d;
	int r;

	tb_diag_init(&d);
	if (!doc)
		goto fail_setup;
	r = tb_resource_validate(doc, NULL, &d);
	if (!t->error) {
		cr_expect_eq(r, 0, "%s %s: want valid, got '%s'", t->kind, t->name,
			     d.n ? d.msgs[0] : "(no message)");
		if (t->want) {
			want = infra_json(t->want);
			if (!want)
				goto fail_setup;
			if (!infra_subset(want, json_object_get(doc, "spec"), &bad)) {
				got = json_dumps(json_object_get(json_object_get(doc, "spec"), bad),
						 JSON_ENCODE_ANY);
				cr_expect_fail("%s %s: spec.%s is %s", t->kind, t->name, bad,
					       got ? got : "absent");
			}
		}
	} else {
		cr_expect_eq(r, -EINVAL, "%s %s: want an error '%s'", t->kind, t->name, t->error);
		cr_expect(infra_has_msg(&d, t->error), "%s %s: want '%s', got '%s'%s", t->kind,
			  t->name, t->error, d.n ? d.msgs[0] : "(none)",
			  d.n > 1 ? " (and more)" : "");
	}
	goto out;
fail_setup:
	cr_expect_fail("%s %s: bad test JSON", t->kind, t->name);
out:
	free(got);
	json_decref(want);
	json_decref(doc);
	tb_diag_free(&d);
}

static inline void infra_run(const struct infra_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		infra_run_one(&cases[i]);
}

#define INFRA_RUN(cases) infra_run(cases, sizeof(cases) / sizeof(cases[0]))

#endif
