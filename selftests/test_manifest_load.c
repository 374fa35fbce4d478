// SPDX-License-Identifier: Apache-2.0
/*
 * Reading manifests: multi-document streams, List expansion with document and item indices,
 * JSON input, anchors, merge keys, non-string keys, and the errors (with line and column)
 * for broken input, duplicate keys and hostile input.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct docs_case {
	const char *name;
	const char *input;
	/* every resulting doc as "<index>.<item>:<metadata.name>", space separated */
	const char *want;
};

#define GNP(n)                                                                                     \
	"{apiVersion: projectcalico.org/v3, kind: GlobalNetworkPolicy, metadata: {name: " n "}}"

static const struct docs_case docs_cases[] = {
	{ "one doc", "kind: IPPool\nmetadata:\n  name: p\n", "1.0:p" },
	{ "empty input", "", "" },
	{ "comments only", "# nothing\n\n", "" },
	{ "leading marker", "---\nmetadata: {name: a}\n", "1.0:a" },
	{ "empty docs skipped, indices kept",
	  "metadata: {name: a}\n---\n---\n# c\n---\nmetadata: {name: b}\n...\n", "1.0:a 4.0:b" },
	{ "null doc skipped", "~\n---\nmetadata: {name: b}\n", "2.0:b" },
	{ "kind List", "apiVersion: v1\nkind: List\nitems:\n- " GNP("x") "\n- " GNP("y") "\n",
	  "1.1:x 1.2:y" },
	{ "GlobalNetworkPolicyList",
	  "metadata: {name: a}\n---\napiVersion: projectcalico.org/v3\n"
	  "kind: GlobalNetworkPolicyList\nitems:\n- " GNP("x") "\n",
	  "1.0:a 2.1:x" },
	{ "k8s NetworkPolicyList",
	  "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicyList\nitems:\n"
	  "- {kind: NetworkPolicy, metadata: {name: n1, namespace: ns}}\n"
	  "- {kind: NetworkPolicy, metadata: {name: n2, namespace: ns}}\n",
	  "1.1:n1 1.2:n2" },
	{ "List without items", "kind: List\n", "" },
	{ "List with null items", "kind: List\nitems: ~\n", "" },
	{ "List with empty items", "kind: List\nitems: []\n", "" },
	{ "top-level sequence", "- metadata: {name: a}\n- metadata: {name: b}\n", "1.1:a 1.2:b" },
	{ "JSON object", "{\"kind\": \"IPPool\", \"metadata\": {\"name\": \"p\"}}", "1.0:p" },
	{ "JSON with BOM and blanks", "\xef\xbb\xbf \n {\"metadata\": {\"name\": \"p\"}}\n",
	  "1.0:p" },
	{ "JSON array", "[{\"metadata\": {\"name\": \"a\"}}, {\"metadata\": {\"name\": \"b\"}}]",
	  "1.1:a 1.2:b" },
	{ "JSON stream", "{\"metadata\": {\"name\": \"a\"}}\n{\"metadata\": {\"name\": \"b\"}}{}",
	  "1.0:a 2.0:b 3.0:" },
	{ "JSON List",
	  "{\"kind\": \"NetworkPolicyList\", \"items\": [{\"metadata\": {\"name\": \"a\"}}]}",
	  "1.1:a" },
	{ "YAML flow mapping", "{metadata: {name: a}}\n", "1.0:a" },
	{ "YAML flow then more", "{metadata: {name: a}}\n---\nmetadata: {name: b}\n",
	  "1.0:a 2.0:b" },
};

static void docs_string(const struct tb_doc_list *l, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && off < len; i++) {
		json_t *md = json_object_get(l->docs[i].obj, "metadata");
		const char *n = json_string_value(json_object_get(md, "name"));

		off += (size_t)snprintf(buf + off, len - off, "%s%d.%d:%s", i ? " " : "",
					l->docs[i].index, l->docs[i].item, n ? n : "");
	}
}

Test(manifest_load, documents_and_lists)
{
	for (size_t i = 0; i < ARRAY_SIZE(docs_cases); i++) {
		const struct docs_case *c = &docs_cases[i];
		struct tb_doc_list l;
		struct tb_diag diag;
		char got[256];
		int err;

		tb_diag_init(&diag);
		err = tb_manifest_parse(c->input, strlen(c->input), "in.yaml", &l, &diag);
		if (err) {
			cr_expect_fail("%s: err %d: %s", c->name, err, diag.n ? diag.msgs[0] : "");
			goto next;
		}
		docs_string(&l, got, sizeof(got));
		if (strcmp(got, c->want))
			cr_expect_fail("%s: got [%s], want [%s]", c->name, got, c->want);
		for (size_t j = 0; j < l.n; j++)
			if (strcmp(l.docs[j].file, "in.yaml"))
				cr_expect_fail("%s: doc %zu file %s", c->name, j, l.docs[j].file);
		tb_doc_list_free(&l);
next:
		tb_diag_free(&diag);
	}
}

struct error_case {
	const char *name;
	const char *input;
	const char *want;	/* the first message, exactly */
};

static const struct error_case error_cases[] = {
	{ "mapping in plain value", "a: 1\nb: c: d\n",
	  "in.yaml: line 2 column 5: mapping values are not allowed in this context" },
	{ "bad indentation", "a:\n  b: 1\n c: 2\n",
	  "in.yaml: line 3 column 2: did not find expected key (while parsing a block mapping)" },
	{ "unterminated quote", "a: \"x\nb: 1\n",
	  "in.yaml: line 3 column 1: found unexpected end of stream "
	  "(while scanning a quoted scalar)" },
	{ "tab indentation", "a:\n\tb: 1\n",
	  "in.yaml: line 2 column 1: found character that cannot start any token "
	  "(while scanning for the next token)" },
	{ "invalid UTF-8", "a: 1\nb: \xff\n",
	  "in.yaml: line 2 column 4: invalid leading UTF-8 octet" },
	{ "duplicate key", "a: 1\nb: 2\na: 3\n",
	  "in.yaml: line 3 column 1: duplicate mapping key a" },
	{ "duplicate nested key", "spec:\n  order: 1\n  types: []\n  order: 2\n",
	  "in.yaml: line 4 column 3: duplicate mapping key order" },
	{ "duplicate after key typing", "1: a\n\"1\": b\n",
	  "in.yaml: line 2 column 1: duplicate mapping key 1" },
	{ "duplicate in flow", "{a: 1, a: 2}",
	  "in.yaml: line 1 column 8: duplicate mapping key a" },
	{ "complex key", "? [a]\n: 1\n", "in.yaml: line 1 column 3: mapping keys must be scalars" },
	{ "unknown anchor", "a: *nope\n", "in.yaml: line 1 column 4: unknown anchor nope" },
	{ "anchor from another doc", "a: &x 1\n---\nb: *x\n",
	  "in.yaml: line 3 column 4: unknown anchor x" },
	{ "self alias", "a: &x [1, *x]\n", "in.yaml: line 1 column 11: unknown anchor x" },
	{ "merge of a scalar", "a: {<<: 1}\n",
	  "in.yaml: line 1 column 9: merge key \"<<\" takes mappings" },
	{ "JSON syntax", "{\"a\": 1,\n \"b\": ]}\n",
	  "in.yaml: line 2 column 7: unexpected token near ']'" },
	{ "JSON duplicate key", "{\"a\": 1, \"a\": 2}",
	  "in.yaml: line 1 column 12: duplicate object key near '\"a\"'" },
	{ "JSON second value", "{}\n{\"a\" 1}",
	  "in.yaml: line 2 column 6: ':' expected near '1'" },
	{ "scalar document", "hello\n", "in.yaml: document 1: expected a mapping, found a string" },
	{ "sequence item not a mapping", "- metadata: {}\n- 3\n",
	  "in.yaml: document 1 item 2: expected a mapping, found an integer" },
	{ "List items not a sequence", "kind: List\nitems: {a: 1}\n",
	  "in.yaml: document 1: items: expected a sequence, found a mapping" },
	{ "List item not a mapping", "kind: List\nitems: [a]\n",
	  "in.yaml: document 1 item 1: expected a mapping, found a string" },
	{ "bad tag", "a: !!int x\n", "in.yaml: line 1 column 4: value does not fit its tag "
	  "tag:yaml.org,2002:int" },
};

Test(manifest_load, errors)
{
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		struct tb_doc_list l = { 0 };
		struct tb_diag diag;
		int err;

		tb_diag_init(&diag);
		err = tb_manifest_parse(c->input, strlen(c->input), "in.yaml", &l, &diag);
		if (err != -EINVAL || l.n || l.docs)
			cr_expect_fail("%s: err %d, %zu docs", c->name, err, l.n);
		else if (!diag.n || strcmp(diag.msgs[0], c->want))
			cr_expect_fail("%s: got [%s], want [%s]", c->name,
				       diag.n ? diag.msgs[0] : "", c->want);
		tb_doc_list_free(&l);
		tb_diag_free(&diag);
	}
}

/* Every bad document of an input is reported, not only the first. */
Test(manifest_load, all_document_errors_reported)
{
	const char *in = "1\n---\nmetadata: {name: ok}\n---\n[x]\n";
	struct tb_doc_list l;
	struct tb_diag diag;
	int err;

	tb_diag_init(&diag);
	err = tb_manifest_parse(in, strlen(in), "f", &l, &diag);
	if (err != -EINVAL || diag.n != 2)
		goto fail;
	if (strcmp(diag.msgs[0], "f: document 1: expected a mapping, found an integer") ||
	    strcmp(diag.msgs[1], "f: document 3 item 1: expected a mapping, found a string"))
		goto fail;
	tb_diag_free(&diag);
	return;
fail:
	cr_expect_fail("err %d, %zu messages: %s", err, diag.n, diag.n ? diag.msgs[0] : "");
	tb_diag_free(&diag);
}

struct describe_case {
	struct tb_doc doc;
	const char *want;
};

static const struct describe_case describe_cases[] = {
	{ { .file = "a.yaml", .index = 1 }, "a.yaml: document 1" },
	{ { .file = "-", .index = 3, .item = 2 }, "-: document 3 item 2" },
};

Test(manifest_load, describe)
{
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(describe_cases); i++) {
		const struct describe_case *c = &describe_cases[i];

		if (tb_doc_describe(&c->doc, buf, sizeof(buf)) || strcmp(buf, c->want))
			cr_expect_fail("case %zu: got [%s], want [%s]", i, buf, c->want);
	}
	if (tb_doc_describe(&describe_cases[1].doc, buf, 8) != -ENOSPC)
		cr_expect_fail("a short buffer must say -ENOSPC");
}

Test(manifest_load, read_file)
{
	char path[] = "/tmp/tabby-manifest-XXXXXX";
	const char *text = "kind: IPPool\nmetadata: {name: a}\n---\nkind: IPPool\n"
			   "metadata: {name: b}\n";
	struct tb_doc_list l = { 0 };
	struct tb_diag diag;
	int fd, err = 0;

	tb_diag_init(&diag);
	fd = mkstemp(path);
	if (fd < 0)
		goto fail;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		goto fail_unlink;
	}
	close(fd);
	err = tb_manifest_read_file(path, &l, &diag);
	if (err || l.n != 2 || strcmp(l.docs[1].file, path) || l.docs[1].index != 2)
		goto fail_unlink;
	tb_doc_list_free(&l);
	unlink(path);
	err = tb_manifest_read_file(path, &l, &diag);
	if (err != -ENOENT || l.n || diag.n != 1 || !strstr(diag.msgs[0], path))
		goto fail;
	tb_diag_free(&diag);
	return;
fail_unlink:
	unlink(path);
fail:
	cr_expect_fail("err %d, %zu docs: %s", err, l.n, diag.n ? diag.msgs[0] : "");
	tb_doc_list_free(&l);
	tb_diag_free(&diag);
}

/* "-" reads standard input (tests run in their own process, so replacing it is harmless). */
Test(manifest_load, read_stdin)
{
	const char *text = "[{\"kind\": \"IPPool\", \"metadata\": {\"name\": \"a\"}}]";
	struct tb_doc_list l = { 0 };
	struct tb_diag diag;
	int fds[2], err = 0;

	tb_diag_init(&diag);
	if (pipe(fds))
		goto fail;
	if (write(fds[1], text, strlen(text)) != (ssize_t)strlen(text) || dup2(fds[0], 0) < 0) {
		close(fds[0]);
		close(fds[1]);
		goto fail;
	}
	close(fds[0]);
	close(fds[1]);
	err = tb_manifest_read_file("-", &l, &diag);
	if (err || l.n != 1 || strcmp(l.docs[0].file, "-") || l.docs[0].index != 1 ||
	    l.docs[0].item != 1)
		goto fail;
	tb_doc_list_free(&l);
	tb_diag_free(&diag);
	return;
fail:
	cr_expect_fail("err %d, %zu docs: %s", err, l.n, diag.n ? diag.msgs[0] : "");
	tb_doc_list_free(&l);
	tb_diag_free(&diag);
}
