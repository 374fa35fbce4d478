// SPDX-License-Identifier: Apache-2.0
/*
 * Datastore semantics on the local (SQLite) backend: revisions, compare-and-swap for put and
 * delete, prefix listing, atomic transactions, persistence.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "helpers/ds_fixture.h"

static struct ds_fx fx;
static struct tb_ds *ds;

static void setup(void)
{
	cr_assert_eq(ds_fx_init(&fx), 0, "temporary directory");
	cr_assert_eq(ds_fx_open(&fx, &ds), 0, "open %s", fx.path);
}

static void teardown(void)
{
	tb_ds_close(ds);
	ds = NULL;
	ds_fx_cleanup(&fx);
}

TestSuite(datastore, .init = setup, .fini = teardown);

Test(datastore, revisions_per_write)
{
	struct tb_kv kv = { 0 };
	int64_t r0, r1, r2, r3, now;
	const char *what;
	int err;

	what = "revision";
	err = tb_ds_revision(ds, &r0);
	if (err || r0 != fx.empty_rev)
		goto fail;
	what = "first put";
	err = tb_ds_put(ds, "/k", "1", TB_REV_ANY, &r1);
	if (err || r1 != r0 + 1)
		goto fail;
	what = "second put";
	err = tb_ds_put(ds, "/k", "2", TB_REV_ANY, &r2);
	if (err || r2 != r1 + 1)
		goto fail;
	what = "other key";
	err = tb_ds_put(ds, "/other", "x", TB_REV_ANY, &r3);
	if (err || r3 != r2 + 1)
		goto fail;
	what = "get keeps create revision, moves mod revision";
	err = tb_ds_get(ds, "/k", &kv);
	if (err || strcmp(kv.value, "2") || kv.create_revision != r1 || kv.mod_revision != r2)
		goto fail;
	what = "store revision";
	err = tb_ds_revision(ds, &now);
	if (err || now != r3)
		goto fail;
	tb_kv_free(&kv);
	return;
fail:
	tb_kv_free(&kv);
	cr_assert_fail("%s: err %d", what, err);
}

enum expect_kind { EXP_ANY, EXP_ABSENT, EXP_CURRENT, EXP_WRONG };

struct cas_case {
	const char *name;
	bool present;
	enum tb_txn_op_type op;
	enum expect_kind expect;
	int want_single;	/* tb_ds_put / tb_ds_delete */
	int want_txn;		/* the same operation alone in tb_ds_txn */
	bool txn_writes;	/* whether the txn bumps the revision */
};

static const struct cas_case cas_cases[] = {
	{ "put any, absent", false, TB_TXN_PUT, EXP_ANY, 0, 0, true },
	{ "put any, present", true, TB_TXN_PUT, EXP_ANY, 0, 0, true },
	{ "create, absent", false, TB_TXN_PUT, EXP_ABSENT, 0, 0, true },
	{ "create, present", true, TB_TXN_PUT, EXP_ABSENT, -ECANCELED, -ECANCELED, false },
	{ "put current rev", true, TB_TXN_PUT, EXP_CURRENT, 0, 0, true },
	{ "put wrong rev", true, TB_TXN_PUT, EXP_WRONG, -ECANCELED, -ECANCELED, false },
	{ "put wrong rev, absent", false, TB_TXN_PUT, EXP_WRONG, -ECANCELED, -ECANCELED, false },
	{ "delete any, absent", false, TB_TXN_DELETE, EXP_ANY, -ENOENT, 0, false },
	{ "delete any, present", true, TB_TXN_DELETE, EXP_ANY, 0, 0, true },
	{ "delete absent-cond, present", true, TB_TXN_DELETE, EXP_ABSENT, -ECANCELED, -ECANCELED,
	  false },
	{ "delete absent-cond, absent", false, TB_TXN_DELETE, EXP_ABSENT, -ENOENT, 0, false },
	{ "delete current rev", true, TB_TXN_DELETE, EXP_CURRENT, 0, 0, true },
	{ "delete wrong rev", true, TB_TXN_DELETE, EXP_WRONG, -ECANCELED, -ECANCELED, false },
	{ "delete wrong rev, absent", false, TB_TXN_DELETE, EXP_WRONG, -ENOENT, -ECANCELED,
	  false },
};

/* Runs one case on a fresh key; returns NULL on success or what went wrong. */
static const char *run_cas(const struct cas_case *c, const char *key, bool in_txn)
{
	int64_t cur = 0, before, after, expect, nrev = 0;
	bool want_write = in_txn ? c->txn_writes : !(c->want_single);
	int want = in_txn ? c->want_txn : c->want_single, err;
	struct tb_txn_op op = { .type = c->op, .key = key, .value = "new" };
	struct tb_kv kv = { 0 };

	if (c->present && tb_ds_put(ds, key, "old", TB_REV_ANY, &cur))
		return "seed put";
	expect = c->expect == EXP_ANY ? TB_REV_ANY :
		 c->expect == EXP_ABSENT ? TB_REV_ABSENT :
		 c->expect == EXP_CURRENT ? cur : cur + 1000;
	op.expect_rev = expect;
	if (tb_ds_revision(ds, &before))
		return "revision before";
	if (in_txn)
		err = tb_ds_txn(ds, &op, 1, &nrev);
	else if (c->op == TB_TXN_PUT)
		err = tb_ds_put(ds, key, "new", expect, &nrev);
	else
		err = tb_ds_delete(ds, key, expect, &nrev);
	if (err != want)
		return "result";
	if (tb_ds_revision(ds, &after) || after != before + (want_write ? 1 : 0))
		return "store revision after";
	if (!err && nrev != after)
		return "returned revision";
	err = tb_ds_get(ds, key, &kv);
	/* After a refused write the key is as it was; after a write it is what was written. */
	if (want_write && c->op == TB_TXN_PUT && (err || strcmp(kv.value, "new")))
		goto bad_value;
	if (want_write && c->op == TB_TXN_DELETE && err != -ENOENT)
		goto bad_value;
	if (!want_write && c->present && (err || strcmp(kv.value, "old") || kv.mod_revision != cur))
		goto bad_value;
	if (!want_write && !c->present && err != -ENOENT)
		goto bad_value;
	tb_kv_free(&kv);
	return NULL;
bad_value:
	tb_kv_free(&kv);
	return "value after";
}

Test(datastore, compare_and_swap_table)
{
	char key[64];

	for (size_t i = 0; i < sizeof(cas_cases) / sizeof(cas_cases[0]); i++) {
		for (int txn = 0; txn < 2; txn++) {
			const char *bad;

			snprintf(key, sizeof(key), "/cas/%zu/%d", i, txn);
			bad = run_cas(&cas_cases[i], key, txn);
			if (bad)
				cr_expect_fail("%s (%s): %s", cas_cases[i].name,
					       txn ? "txn" : "single", bad);
		}
	}
}

Test(datastore, delete_then_recreate)
{
	struct tb_kv kv = { 0 };
	int64_t r1, r2, r3;
	const char *what;
	int err;

	what = "put";
	err = tb_ds_put(ds, "/d", "1", TB_REV_ANY, &r1);
	if (err)
		goto fail;
	what = "delete";
	err = tb_ds_delete(ds, "/d", r1, &r2);
	if (err || r2 != r1 + 1)
		goto fail;
	what = "get after delete";
	err = tb_ds_get(ds, "/d", &kv);
	if (err != -ENOENT)
		goto fail;
	what = "second delete";
	err = tb_ds_delete(ds, "/d", TB_REV_ANY, NULL);
	if (err != -ENOENT)
		goto fail;
	what = "recreate must not exist";
	err = tb_ds_put(ds, "/d", "2", TB_REV_ABSENT, &r3);
	if (err)
		goto fail;
	what = "a recreated key starts a new life";
	err = tb_ds_get(ds, "/d", &kv);
	if (err || kv.create_revision != r3 || kv.mod_revision != r3)
		goto fail;
	tb_kv_free(&kv);
	return;
fail:
	tb_kv_free(&kv);
	cr_assert_fail("%s: err %d", what, err);
}

static const char *const list_keys[] = { "a/c", "a/b/y/z", "b", "a/bc", "a/b", "a/b/x" };

struct list_case {
	const char *prefix;
	const char *want[8];
	size_t n;
};

/* Byte prefixes, as etcd: a trailing '/' is how a caller asks for a directory's contents. */
static const struct list_case list_cases[] = {
	{ "a/b/", { "a/b/x", "a/b/y/z" }, 2 },
	{ "a/b", { "a/b", "a/b/x", "a/b/y/z", "a/bc" }, 4 },
	{ "a/b/x", { "a/b/x" }, 1 },
	{ "", { "a/b", "a/b/x", "a/b/y/z", "a/bc", "a/c", "b" }, 6 },
	{ "a/", { "a/b", "a/b/x", "a/b/y/z", "a/bc", "a/c" }, 5 },
	{ "c", { NULL }, 0 },
	{ "a/b/y/z/", { NULL }, 0 },
};

Test(datastore, prefix_listing)
{
	int64_t last = 0;

	for (size_t i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]); i++)
		cr_assert_eq(tb_ds_put(ds, list_keys[i], "{}", TB_REV_ANY, &last), 0, "seed");
	for (size_t i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		struct tb_kv_list l = { 0 };
		int err = tb_ds_list(ds, c->prefix, &l);

		if (err || l.n != c->n || l.revision != last) {
			cr_expect_fail("prefix '%s': err %d, %zu keys at rev %lld, want %zu at %lld",
				       c->prefix, err, l.n, (long long)l.revision, c->n,
				       (long long)last);
		} else {
			for (size_t j = 0; j < l.n; j++)
				if (strcmp(l.items[j].key, c->want[j]))
					cr_expect_fail("prefix '%s': item %zu is %s, want %s",
						       c->prefix, j, l.items[j].key, c->want[j]);
		}
		tb_kv_list_free(&l);
	}
}

Test(datastore, txn_all_or_nothing)
{
	struct tb_txn_op ops[4];
	struct tb_kv_list l = { 0 };
	int64_t r1, before, after, nrev;
	const char *what;
	int err;

	what = "seed";
	err = tb_ds_put(ds, "/t/a", "a0", TB_REV_ANY, &r1);
	if (!err)
		err = tb_ds_put(ds, "/t/gone", "g0", TB_REV_ANY, NULL);
	if (!err)
		err = tb_ds_revision(ds, &before);
	if (err)
		goto fail;
	ops[0] = (struct tb_txn_op){ TB_TXN_PUT, "/t/b", "b1", TB_REV_ABSENT };
	ops[1] = (struct tb_txn_op){ TB_TXN_PUT, "/t/c", "c1", TB_REV_ANY };
	ops[2] = (struct tb_txn_op){ TB_TXN_DELETE, "/t/gone", NULL, TB_REV_ANY };
	ops[3] = (struct tb_txn_op){ TB_TXN_PUT, "/t/a", "a1", r1 + 1000 };
	what = "a failing condition cancels everything";
	err = tb_ds_txn(ds, ops, 4, &nrev);
	if (err != -ECANCELED)
		goto fail;
	what = "nothing was written";
	err = tb_ds_list(ds, "/t/", &l);
	if (err || l.n != 2 || strcmp(l.items[0].value, "a0") || strcmp(l.items[1].key, "/t/gone") ||
	    l.revision != before)
		goto fail;
	tb_kv_list_free(&l);
	ops[3].expect_rev = r1;
	what = "the same with the right revision commits";
	err = tb_ds_txn(ds, ops, 4, &nrev);
	if (err || nrev != before + 1)
		goto fail;
	what = "every write carries the one revision";
	err = tb_ds_list(ds, "/t/", &l);
	if (err || l.n != 3 || l.revision != nrev)
		goto fail;
	for (size_t i = 0; i < l.n; i++)
		if (l.items[i].mod_revision != nrev)
			goto fail;
	tb_kv_list_free(&l);
	what = "a key twice in one txn is refused";
	ops[1].key = "/t/a";
	err = tb_ds_txn(ds, ops, 4, NULL);
	if (err != -EINVAL)
		goto fail;
	what = "deletes of absent keys write nothing";
	ops[0] = (struct tb_txn_op){ TB_TXN_DELETE, "/t/none1", NULL, TB_REV_ANY };
	ops[1] = (struct tb_txn_op){ TB_TXN_DELETE, "/t/none2", NULL, TB_REV_ABSENT };
	err = tb_ds_txn(ds, ops, 2, &after);
	if (err || after != nrev)
		goto fail;
	what = "an empty txn";
	err = tb_ds_txn(ds, NULL, 0, &after);
	if (err || after != nrev)
		goto fail;
	return;
fail:
	tb_kv_list_free(&l);
	cr_assert_fail("%s: err %d", what, err);
}

Test(datastore, reopen_keeps_data_and_revision)
{
	struct tb_kv kv = { 0 };
	int64_t r, now;
	const char *what;
	int err;

	what = "put";
	err = tb_ds_put(ds, "/p", "{\"a\":1}", TB_REV_ANY, &r);
	if (err)
		goto fail;
	tb_ds_close(ds);
	ds = NULL;
	what = "reopen";
	err = ds_fx_open(&fx, &ds);
	if (err)
		goto fail;
	what = "revision survives";
	err = tb_ds_revision(ds, &now);
	if (err || now != r)
		goto fail;
	what = "value survives";
	err = tb_ds_get(ds, "/p", &kv);
	if (err || strcmp(kv.value, "{\"a\":1}") || kv.mod_revision != r)
		goto fail;
	tb_kv_free(&kv);
	return;
fail:
	tb_kv_free(&kv);
	cr_assert_fail("%s: err %d", what, err);
}

Test(datastore, bad_arguments)
{
	struct tb_kv kv;

	cr_expect_eq(tb_ds_put(ds, "", "v", TB_REV_ANY, NULL), -EINVAL);
	cr_expect_eq(tb_ds_put(ds, "/k", NULL, TB_REV_ANY, NULL), -EINVAL);
	cr_expect_eq(tb_ds_put(ds, "/k", "v", -2, NULL), -EINVAL);
	cr_expect_eq(tb_ds_get(ds, NULL, &kv), -EINVAL);
	cr_expect_eq(tb_ds_compact(ds, 5), -EINVAL, "a future revision");
}
