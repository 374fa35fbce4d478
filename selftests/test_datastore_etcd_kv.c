// SPDX-License-Identifier: Apache-2.0
/*
 * What only the etcd backend has to get right: lists longer than one range page come back
 * whole, sorted and at one revision; a transaction above the cluster's --max-txn-ops is a
 * clear -EINVAL; a watch whose only member restarts resumes where it stopped.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "helpers/etcd_fixture.h"
#include "log.h"

static struct etcd_fx fx;
static struct tb_ds *ds;
static char logpath[160];

static void setup(void)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3};

	cr_assert_eq(etcd_fx_start(&fx, 1, 0), 0, "etcd member");
	snprintf(logpath, sizeof(logpath), "%s/client.log", fx.dir);
	cr_assert_eq(tb_log_set_file(logpath, TB_LOG_DEBUG), 0);
	cfg.etcd_endpoints = fx.endpoints;
	cr_assert_eq(tb_ds_open(&cfg, &ds), 0);
}

static void teardown(void)
{
	tb_ds_close(ds);
	tb_log_set_file(NULL, TB_LOG_NONE);
	etcd_fx_stop(&fx);
}

TestSuite(etcd_kv, .init = setup, .fini = teardown, .timeout = 60);

#define MANY 1234
#define BATCH 100

static int put_many(const char *prefix, int n, int64_t *last)
{
	static char keys[BATCH][64];
	struct tb_txn_op ops[BATCH];
	int err = 0;

	for (int i = 0; !err && i < n; i += BATCH) {
		int k = n - i < BATCH ? n - i : BATCH;

		for (int j = 0; j < k; j++) {
			snprintf(keys[j], sizeof(keys[j]), "%s%05d", prefix, i + j);
			ops[j] = (struct tb_txn_op){TB_TXN_PUT, keys[j], "{}", TB_REV_ANY};
		}
		err = tb_ds_txn(ds, ops, k, last);
	}
	return err;
}

struct page_case {
	const char *prefix;
	size_t want;
};

static const struct page_case page_cases[] = {
    {"/calico/p/", MANY},  {"/calico/p/00", 1000}, {"/calico/p/01", 234},
    {"/calico/p/012", 34}, {"", MANY + 1},	   {"/calico/q", 0},
};

Test(etcd_kv, lists_across_pages)
{
	int64_t last = 0;

	cr_assert_eq(put_many("/calico/p/", MANY, &last), 0);
	cr_assert_eq(tb_ds_put(ds, "/zzz", "{}", TB_REV_ANY, &last), 0);
	for (size_t i = 0; i < sizeof(page_cases) / sizeof(page_cases[0]); i++) {
		const struct page_case *c = &page_cases[i];
		struct tb_kv_list l = {0};
		int err = tb_ds_list(ds, c->prefix, &l);
		size_t sorted = 1;

		for (size_t j = 1; j < l.n; j++)
			sorted += strcmp(l.items[j - 1].key, l.items[j].key) < 0;
		if (err || l.n != c->want || l.revision != last || (l.n && sorted != l.n))
			cr_expect_fail("'%s': err %d, %zu keys (%zu in order) at %lld, want %zu at "
				       "%lld",
				       c->prefix, err, l.n, sorted, (long long)l.revision, c->want,
				       (long long)last);
		tb_kv_list_free(&l);
	}
}

Test(etcd_kv, txn_above_the_cluster_limit)
{
	/* The fixture's members allow 1024 operations per transaction. */
	static struct tb_txn_op ops[1100];
	static char keys[1100][32];
	int64_t before, after;

	for (int i = 0; i < 1100; i++) {
		snprintf(keys[i], sizeof(keys[i]), "/calico/t/%d", i);
		ops[i] = (struct tb_txn_op){TB_TXN_PUT, keys[i], "{}", TB_REV_ANY};
	}
	cr_assert_eq(tb_ds_revision(ds, &before), 0);
	cr_expect_eq(tb_ds_txn(ds, ops, 1100, NULL), -EINVAL);
	cr_assert_eq(tb_ds_revision(ds, &after), 0);
	cr_expect_eq(after, before, "nothing written");
	cr_expect_eq(tb_ds_txn(ds, ops, 1000, NULL), 0, "below the limit");
}

Test(etcd_kv, watch_resumes_after_member_restart)
{
	struct tb_ds_event ev = {0};
	struct tb_ds_watch *w = NULL;
	int64_t start, r1, r2;

	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/calico/", start, &w), 0);
	cr_assert_eq(tb_ds_put(ds, "/calico/a", "1", TB_REV_ANY, &r1), 0);
	cr_assert_eq(tb_ds_watch_next(w, &ev, 5000), 1);
	cr_expect_eq(ev.kv.mod_revision, r1);
	tb_ds_event_free(&ev);
	cr_assert_eq(etcd_fx_kill(&fx, 0), 0);
	cr_expect_eq(tb_ds_watch_next(w, &ev, 300), 0, "quiet while the cluster is gone");
	cr_assert_eq(etcd_fx_restart(&fx, 0), 0, "member back on its data");
	cr_assert_eq(tb_ds_put(ds, "/calico/b", "2", TB_REV_ANY, &r2), 0);
	cr_assert_eq(tb_ds_watch_next(w, &ev, 5000), 1, "the watch resumed");
	cr_expect(!strcmp(ev.kv.key, "/calico/b") && ev.kv.mod_revision == r2,
		  "the next change, nothing repeated: %s at %lld", ev.kv.key,
		  (long long)ev.kv.mod_revision);
	tb_ds_event_free(&ev);
	tb_ds_watch_close(w);
}
