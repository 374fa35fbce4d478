// SPDX-License-Identifier: Apache-2.0
/*
 * Migration between backends: a cluster's state moves SQLite -> etcd -> SQLite through
 * tb_ds_export/tb_ds_import and arrives equal; keys outside /calico/ and /tabby/ stay behind;
 * an import never merges into a used store and never half-applies a bad file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_migrate.h"
#include "helpers/ds_fixture.h"
#include "helpers/etcd_fixture.h"

static struct ds_fx src_fx, dst_fx;
static struct etcd_fx efx;
static struct tb_ds *src, *dst, *etcd;

static void setup(void)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3};

	cr_assert_eq(ds_fx_init(&src_fx), 0);
	cr_assert_eq(ds_fx_init(&dst_fx), 0);
	cr_assert_eq(ds_fx_open(&src_fx, &src), 0);
	cr_assert_eq(ds_fx_open(&dst_fx, &dst), 0);
	cr_assert_eq(etcd_fx_start(&efx, 1, 0), 0, "etcd member");
	cfg.etcd_endpoints = efx.endpoints;
	cr_assert_eq(tb_ds_open(&cfg, &etcd), 0);
}

static void teardown(void)
{
	tb_ds_close(src);
	tb_ds_close(dst);
	tb_ds_close(etcd);
	etcd_fx_stop(&efx);
	ds_fx_cleanup(&src_fx);
	ds_fx_cleanup(&dst_fx);
}

TestSuite(etcd_migrate, .init = setup, .fini = teardown);

struct seed {
	const char *key;
	const char *value;
	bool moves;
};

static const struct seed seeds[] = {
    {"/calico/resources/v3/projectcalico.org/ippools/default",
     "{\"kind\":\"IPPool\",\"spec\":{\"cidr\":\"10.65.0.0/16\",\"blockSize\":26}}", true},
    {"/calico/resources/v3/projectcalico.org/networkpolicies/prod/allow-web",
     "{\"kind\":\"NetworkPolicy\",\"spec\":{\"selector\":\"app == 'web'\"}}", true},
    {"/calico/ipam/v2/assignment/ipv4/block/10.65.0.0-26",
     "{\"cidr\":\"10.65.0.0/26\",\"allocations\":[0,null]}", true},
    {"/calico/ipam/v2/host/node1/ipv4/block/10.65.0.0-26", "{\"state\":\"confirmed\"}", true},
    {"/calico/ipam/v2/handle/k8s-pod-network.abc", "{\"block\":{\"10.65.0.0/26\":1}}", true},
    {"/calico/ipam/v2/config", "{\"strictAffinity\":false}", true},
    {"/tabby/kubernetes/namespaces/prod", "{\"metadata\":{\"labels\":{\"env\":\"p\"}}}", true},
    {"/tabby/kubernetes/pods/prod/web-0", "{\"spec\":{\"serviceAccountName\":\"web\"}}", true},
    {"/unrelated/key", "{}", false},
    {"/calicox", "{}", false},
};

#define N_SEEDS (sizeof(seeds) / sizeof(seeds[0]))

/* The whole export of ds as a string (caller frees). */
static char *export_text(struct tb_ds *ds)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (tb_ds_export(ds, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static int import_text(struct tb_ds *ds, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	if (!f)
		return -errno;
	err = tb_ds_import(ds, f);
	fclose(f);
	return err;
}

/* Every seed that moves is in ds with its value; every other one is absent. */
static const char *check_moved(struct tb_ds *ds)
{
	for (size_t i = 0; i < N_SEEDS; i++) {
		struct tb_kv kv = {0};
		int err = tb_ds_get(ds, seeds[i].key, &kv);
		bool ok =
		    seeds[i].moves ? !err && !strcmp(kv.value, seeds[i].value) : err == -ENOENT;

		tb_kv_free(&kv);
		if (!ok)
			return seeds[i].key;
	}
	return NULL;
}

Test(etcd_migrate, sqlite_to_etcd_to_sqlite)
{
	char *first = NULL, *again = NULL, *back = NULL;
	const char *bad;

	for (size_t i = 0; i < N_SEEDS; i++)
		cr_assert_eq(tb_ds_put(src, seeds[i].key, seeds[i].value, TB_REV_ANY, NULL), 0);
	first = export_text(src);
	if (!first)
		goto fail;
	cr_expect_eq(import_text(etcd, first), 0, "import into etcd");
	bad = check_moved(etcd);
	cr_expect_null(bad, "in etcd: %s", bad);
	again = export_text(etcd);
	if (!again)
		goto fail;
	cr_expect_str_eq(again, first, "etcd exports what SQLite exported");
	cr_expect_eq(import_text(dst, again), 0, "import back into SQLite");
	bad = check_moved(dst);
	cr_expect_null(bad, "back in SQLite: %s", bad);
	back = export_text(dst);
	cr_expect(back && !strcmp(back, first), "the round trip is exact");
	free(first);
	free(again);
	free(back);
	return;
fail:
	free(first);
	free(again);
	cr_assert_fail("export failed");
}

struct bad_case {
	const char *name;
	const char *text;
	int want;
};

static const struct bad_case bad_cases[] = {
    {"not JSON", "{\"key\":\"/calico/a\",\"value\":\"{}\"}\nnonsense\n", -EINVAL},
    {"value not JSON", "{\"key\":\"/calico/a\",\"value\":\"{\"}\n", -EINVAL},
    {"key outside", "{\"key\":\"/etc/passwd\",\"value\":\"{}\"}\n", -EINVAL},
    {"extra field", "{\"key\":\"/tabby/a\",\"value\":\"{}\",\"rev\":3}\n", -EINVAL},
    {"key twice",
     "{\"key\":\"/tabby/a\",\"value\":\"1\"}\n{\"key\":\"/tabby/a\",\"value\":\"2\"}\n", -EINVAL},
};

Test(etcd_migrate, refused_imports_write_nothing)
{
	int64_t before, after;

	cr_assert_eq(tb_ds_revision(etcd, &before), 0);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int err = import_text(etcd, bad_cases[i].text);

		if (err != bad_cases[i].want)
			cr_expect_fail("%s: %d, want %d", bad_cases[i].name, err,
				       bad_cases[i].want);
	}
	cr_assert_eq(tb_ds_revision(etcd, &after), 0);
	cr_expect_eq(after, before, "nothing was written");
	cr_assert_eq(tb_ds_put(etcd, "/calico/existing", "{}", TB_REV_ANY, NULL), 0);
	cr_expect_eq(import_text(etcd, "{\"key\":\"/calico/new\",\"value\":\"{}\"}\n"), -EEXIST,
		     "a used store is refused");
}
