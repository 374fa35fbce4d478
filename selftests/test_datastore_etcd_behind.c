// SPDX-License-Identifier: Apache-2.0
/*
 * Watchers that fall behind on a three-member cluster. Compaction while a watcher is behind:
 * its member freezes (SIGSTOP), the others write and compact, the member dies; the watcher
 * resumes on another member, gets -ESTALE, and a resync (list, then watch from the list's
 * revision) ends in exactly the store's state. And a member that freezes under a live watch
 * is noticed and left without losing a change.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "helpers/etcd_fixture.h"
#include "helpers/kv_model.h"

static struct etcd_fx fx;

static void setup(void)
{
	cr_assert_eq(etcd_fx_start(&fx, 3, 0), 0, "three-member cluster");
}

static void teardown(void)
{
	etcd_fx_stop(&fx);
}

TestSuite(etcd_behind, .init = setup, .fini = teardown, .timeout = 60);

static int open_eps(const char *eps, struct tb_ds **out)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3, .etcd_endpoints = (char *)eps};

	return tb_ds_open(&cfg, out);
}

/* Puts and deletes under /calico/c/ through ds; the last write's revision in *last. */
static int churn(struct tb_ds *ds, int round, int64_t *last)
{
	char key[64], val[64];
	int err = 0;

	for (int i = 0; !err && i < 20; i++) {
		snprintf(key, sizeof(key), "/calico/c/k%d", i % 7);
		snprintf(val, sizeof(val), "{\"round\":%d,\"i\":%d}", round, i);
		if (i % 5 == 4)
			err = tb_ds_delete(ds, key, TB_REV_ANY, last);
		else
			err = tb_ds_put(ds, key, val, TB_REV_ANY, last);
		if (err == -ENOENT)
			err = 0;
	}
	return err;
}

Test(etcd_behind, compaction_while_watcher_behind)
{
	struct tb_kv_list model = {0}, truth = {0};
	struct tb_ds *ds = NULL, *others = NULL;
	struct tb_ds_event ev = {0};
	struct tb_ds_watch *w = NULL;
	char eps[160];
	int64_t start, last;
	int r;

	snprintf(eps, sizeof(eps), "%s,%s", etcd_fx_url(&fx, 1), etcd_fx_url(&fx, 2));
	cr_assert_eq(open_eps(fx.endpoints, &ds), 0);
	cr_assert_eq(open_eps(eps, &others), 0);
	cr_assert_eq(churn(ds, 0, &start), 0);
	/* The watcher's stream is on m0, the first member. */
	cr_assert_eq(tb_ds_watch_open(ds, "/calico/", start, &w), 0);
	cr_assert_eq(tb_ds_put(others, "/calico/c/live", "{}", TB_REV_ANY, &last), 0);
	cr_assert_eq(tb_ds_watch_next(w, &ev, 5000), 1, "the watcher is live");
	tb_ds_event_free(&ev);
	/* m0 freezes: the watcher falls behind while the others write and compact. */
	cr_assert_eq(kill(fx.m[0].pid, SIGSTOP), 0);
	cr_assert_eq(churn(others, 1, &last), 0);
	cr_assert_eq(tb_ds_compact(others, last), 0);
	cr_assert_eq(etcd_fx_kill(&fx, 0), 0);
	while ((r = tb_ds_watch_next(w, &ev, 10000)) == 1)
		tb_ds_event_free(&ev);
	cr_assert_eq(r, -ESTALE, "the watcher says it cannot continue: %d", r);
	cr_expect_eq(tb_ds_watch_next(w, &ev, 0), -ESTALE, "and keeps saying so");
	tb_ds_watch_close(w);
	/* Resync: list, then watch from the list's revision, while writes go on. */
	cr_assert_eq(tb_ds_list(ds, "/calico/", &model), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/calico/", model.revision, &w), 0);
	cr_assert_eq(churn(others, 2, &last), 0);
	cr_assert_eq(tb_ds_put(others, "/calico/c/end", "{}", TB_REV_ANY, &last), 0);
	while ((r = tb_ds_watch_next(w, &ev, 5000)) == 1) {
		cr_assert_eq(kv_model_apply(&model, &ev), 0, "apply %s", ev.kv.key);
		tb_ds_event_free(&ev);
		if (model.n && ev.kv.mod_revision == last)
			break;
	}
	cr_assert_eq(r, 1, "the resynced watch delivers: %d", r);
	cr_assert_eq(tb_ds_list(others, "/calico/", &truth), 0);
	cr_expect(kv_model_equals(&model, &truth), "list + watch reproduces the store exactly");
	tb_kv_list_free(&model);
	tb_kv_list_free(&truth);
	tb_ds_watch_close(w);
	tb_ds_close(others);
	tb_ds_close(ds);
}

/* A member that freezes without closing its connections: the watch notices the silence, finds
 * the member not answering, and moves on to another one without losing a change. */
Test(etcd_behind, watch_leaves_a_frozen_member)
{
	struct tb_ds *ds = NULL, *others = NULL;
	struct tb_ds_event ev = {0};
	struct tb_ds_watch *w = NULL;
	int64_t start, r1, r2;
	char eps[160];

	snprintf(eps, sizeof(eps), "%s,%s", etcd_fx_url(&fx, 1), etcd_fx_url(&fx, 2));
	cr_assert_eq(open_eps(fx.endpoints, &ds), 0);
	cr_assert_eq(open_eps(eps, &others), 0);
	cr_assert_eq(tb_ds_revision(ds, &start), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/calico/", start, &w), 0, "stream on m0");
	cr_assert_eq(tb_ds_put(others, "/calico/f/1", "{}", TB_REV_ANY, &r1), 0);
	cr_assert_eq(tb_ds_watch_next(w, &ev, 5000), 1);
	tb_ds_event_free(&ev);
	cr_assert_eq(kill(fx.m[0].pid, SIGSTOP), 0);
	cr_assert_eq(tb_ds_put(others, "/calico/f/2", "{}", TB_REV_ANY, &r2), 0);
	cr_expect_eq(tb_ds_watch_next(w, &ev, 15000), 1, "delivered from another member");
	cr_expect(ev.kv.key && !strcmp(ev.kv.key, "/calico/f/2") && ev.kv.mod_revision == r2);
	tb_ds_event_free(&ev);
	kill(fx.m[0].pid, SIGCONT);
	tb_ds_watch_close(w);
	tb_ds_close(others);
	tb_ds_close(ds);
}
