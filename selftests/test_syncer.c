// SPDX-License-Identifier: Apache-2.0
/* The syncer: list, then watch; after compaction a resync reports exactly the difference. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "hmap.h"
#include "syncer.h"

static char dir[] = "/tmp/tabby-syncer-XXXXXX";
static struct tb_ds *ds;
static struct tb_hmap state;	/* what the consumer believes: key -> value text */
static unsigned updates, removes, syncs;

static void on_update(void *ctx, const char *key, json_t *doc, int64_t rev)
{
	char *old = NULL;

	updates++;
	tb_hmap_put(&state, key, json_dumps(doc, JSON_COMPACT), (void **)&old);
	free(old);
}

static void on_remove(void *ctx, const char *key, int64_t rev)
{
	removes++;
	free(tb_hmap_del(&state, key));
}

static void on_sync(void *ctx, int64_t rev)
{
	syncs++;
}

static const struct tb_syncer_ops ops = { on_update, on_remove, on_sync };

static void setup(void)
{
	struct tb_ds_config cfg = { .type = TB_DS_LOCAL };

	cr_assert(mkdtemp(dir));
	cr_assert(asprintf(&cfg.path, "%s/s.db", dir) > 0);
	cr_assert_eq(tb_ds_open(&cfg, &ds), 0);
	free(cfg.path);
	tb_hmap_init(&state);
	updates = removes = syncs = 0;
}

static void teardown(void)
{
	size_t i = 0;
	const char *k;
	void *v;
	char cmd[128];

	while (tb_hmap_next(&state, &i, &k, &v))
		free(v);
	tb_hmap_free(&state);
	tb_ds_close(ds);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	strcpy(dir, "/tmp/tabby-syncer-XXXXXX");
}

TestSuite(syncer, .init = setup, .fini = teardown);

static void put(const char *key, int v)
{
	char val[32];

	snprintf(val, sizeof(val), "{\"v\":%d}", v);
	cr_assert_eq(tb_ds_put(ds, key, val, TB_REV_ANY, NULL), 0);
}

/* The consumer's state equals the store's. */
static void assert_in_step(void)
{
	struct tb_kv_list l = { 0 };

	cr_assert_eq(tb_ds_list(ds, "/t/", &l), 0);
	cr_expect_eq(l.n, state.n, "store has %zu keys, consumer %zu", l.n, state.n);
	for (size_t i = 0; i < l.n; i++) {
		const char *mine = tb_hmap_get(&state, l.items[i].key);
		json_t *a = json_loads(l.items[i].value, 0, NULL), *b = mine ? json_loads(mine, 0, NULL) : NULL;

		cr_expect(b && json_equal(a, b), "%s differs", l.items[i].key);
		json_decref(a);
		json_decref(b);
	}
	tb_kv_list_free(&l);
}

Test(syncer, list_then_watch)
{
	struct tb_syncer *s;

	put("/t/a", 1);
	put("/t/b", 2);
	put("/other/x", 3);
	cr_assert_eq(tb_syncer_new(ds, "/t/", &ops, NULL, &s), 0);
	cr_assert_eq(tb_syncer_start(s), 0);
	cr_expect_eq(updates, 2);
	cr_expect_eq(syncs, 1);
	put("/t/a", 10);
	put("/t/c", 3);
	cr_assert_eq(tb_ds_delete(ds, "/t/b", TB_REV_ANY, NULL), 0);
	while (tb_syncer_poll(s, 200) > 0)
		;
	assert_in_step();
	cr_expect_eq(removes, 1);
	tb_syncer_free(s);
}

Test(syncer, resync_after_compaction_reports_the_difference)
{
	struct tb_syncer *s;
	int64_t rev;

	for (int i = 0; i < 5; i++) {
		char k[16];

		snprintf(k, sizeof(k), "/t/k%d", i);
		put(k, i);
	}
	cr_assert_eq(tb_syncer_new(ds, "/t/", &ops, NULL, &s), 0);
	cr_assert_eq(tb_syncer_start(s), 0);
	updates = 0;
	/* While the consumer is not looking: change one, delete one, add one, then compact. */
	put("/t/k1", 100);
	cr_assert_eq(tb_ds_delete(ds, "/t/k2", TB_REV_ANY, NULL), 0);
	put("/t/new", 7);
	cr_assert_eq(tb_ds_revision(ds, &rev), 0);
	cr_assert_eq(tb_ds_compact(ds, rev), 0);
	while (tb_syncer_poll(s, 200) > 0)
		;
	assert_in_step();
	cr_expect_eq(tb_syncer_resyncs(s), 1);
	cr_expect_eq(updates, 2, "only k1 and new are re-sent (got %u)", updates);
	cr_expect_eq(removes, 1);
	tb_syncer_free(s);
}
