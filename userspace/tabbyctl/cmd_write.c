// SPDX-License-Identifier: Apache-2.0
/* apply, create, replace, validate: a manifest is written whole or not at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "ctl_files.h"

/* The kind every document shares, or NULL when they differ. */
static const char *single_kind(const struct tb_doc_list *docs)
{
	const char *k = NULL;

	for (size_t i = 0; i < docs->n; i++) {
		const char *ki = json_string_value(json_object_get(docs->docs[i].obj, "kind"));

		if (!ki || (k && strcmp(k, ki)))
			return NULL;
		k = ki;
	}
	return k;
}

void ctl_print_success(const char *verb, int n, const char *kind)
{
	if (kind)
		printf("Successfully %s %d '%s' resource(s)\n", verb, n, kind);
	else
		printf("Successfully %s %d resource(s)\n", verb, n);
}

static int load(struct ctl_args *a, struct tb_doc_list *docs, struct tb_diag *d)
{
	int r;

	if (!a->nfiles) {
		fprintf(stderr, "no manifest given: use -f FILE (or -f - for stdin)\n");
		return -EINVAL;
	}
	r = ctl_read_manifests(a, docs, d);
	if (!r)
		r = ctl_apply_namespace(a, docs, d);
	return r;
}

static int write_cmd(struct ctl_args *a, enum tb_write_mode mode, const char *verb)
{
	struct tb_write_opts o = { .mode = mode, .skip_exists = a->skip_exists };
	struct tb_doc_list docs = { 0 };
	struct tb_client *c = NULL;
	struct tb_diag d;
	int r, n = 0;

	tb_diag_init(&d);
	r = load(a, &docs, &d);
	if (r)
		goto out;
	if (!docs.n) {
		printf("No resources specified\n");
		goto out;
	}
	r = ctl_open_client(a, &c);
	if (r)
		goto out;
	r = tb_client_write(c, &docs, &o, &d, &n);
	if (!r)
		ctl_print_success(verb, n, single_kind(&docs));
	else if (!d.n)
		fprintf(stderr, "failed to write resources: %s\n", strerror(-r));
out:
	ctl_print_diag(&d);
	tb_diag_free(&d);
	tb_client_close(c);
	tb_doc_list_free(&docs);
	return r ? CTL_FAIL : CTL_OK;
}

int cmd_apply(struct ctl_args *a)
{
	return write_cmd(a, TB_WRITE_APPLY, "applied");
}

int cmd_create(struct ctl_args *a)
{
	return write_cmd(a, TB_WRITE_CREATE, "created");
}

int cmd_replace(struct ctl_args *a)
{
	return write_cmd(a, TB_WRITE_REPLACE, "replaced");
}

int cmd_validate(struct ctl_args *a)
{
	struct tb_doc_list docs = { 0 };
	const struct tb_kind **kinds = NULL;
	struct tb_diag d;
	int r;

	tb_diag_init(&d);
	r = load(a, &docs, &d);
	if (!r) {
		kinds = calloc(docs.n + 1, sizeof(*kinds));
		r = kinds ? tb_client_validate(&docs, kinds, &d) : -ENOMEM;
	}
	if (!r)
		ctl_print_success("validated", (int)docs.n, single_kind(&docs));
	ctl_print_diag(&d);
	tb_diag_free(&d);
	free(kinds);
	tb_doc_list_free(&docs);
	return r ? CTL_FAIL : CTL_OK;
}
