// SPDX-License-Identifier: Apache-2.0
/*
 * Datastore settings: netconf/flags first, then the environment, then the defaults; and the
 * backend dispatch for a type this build does not have.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"

struct env_case {
	const char *name;
	const char *type_env;
	const char *path_env;
	const char *endpoints_env;
	enum tb_ds_type cfg_type; /* set in the config before filling */
	int want_err;
	enum tb_ds_type want_type;
	const char *want_path;
	const char *want_endpoints;
};

static const struct env_case env_cases[] = {
	{ "defaults", NULL, NULL, NULL, TB_DS_UNSET, 0, TB_DS_LOCAL, TB_DS_DEFAULT_PATH, NULL },
	{ "empty env is unset", "", "", NULL, TB_DS_UNSET, 0, TB_DS_LOCAL, TB_DS_DEFAULT_PATH,
	  NULL },
	{ "path from env", "local", "/x/y.db", NULL, TB_DS_UNSET, 0, TB_DS_LOCAL, "/x/y.db", NULL },
	{ "etcd default endpoint", "etcdv3", NULL, NULL, TB_DS_UNSET, 0, TB_DS_ETCDV3,
	  TB_DS_DEFAULT_PATH, "http://127.0.0.1:2379" },
	{ "etcd endpoints from env", "etcdv3", NULL, "https://a:2379,https://b:2379", TB_DS_UNSET,
	  0, TB_DS_ETCDV3, TB_DS_DEFAULT_PATH, "https://a:2379,https://b:2379" },
	{ "config beats env", "etcdv3", NULL, NULL, TB_DS_LOCAL, 0, TB_DS_LOCAL,
	  TB_DS_DEFAULT_PATH, NULL },
	{ "kubernetes refused", "kubernetes", NULL, NULL, TB_DS_UNSET, -ENOTSUP, 0, NULL, NULL },
	{ "unknown type", "etcd", NULL, NULL, TB_DS_UNSET, -EINVAL, 0, NULL, NULL },
};

static void set_or_unset(const char *name, const char *v)
{
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The environment is per test process (Criterion forks each test), so setenv is contained. */
Test(datastore_config, env_and_defaults)
{
	for (size_t i = 0; i < sizeof(env_cases) / sizeof(env_cases[0]); i++) {
		const struct env_case *c = &env_cases[i];
		struct tb_ds_config cfg = { .type = c->cfg_type };
		int err;

		set_or_unset("DATASTORE_TYPE", c->type_env);
		set_or_unset("TABBY_DATASTORE_PATH", c->path_env);
		set_or_unset("ETCD_ENDPOINTS", c->endpoints_env);
		err = tb_ds_config_fill(&cfg);
		if (err != c->want_err)
			cr_expect_fail("%s: err %d, want %d", c->name, err, c->want_err);
		else if (!err && (cfg.type != c->want_type || !streq_null(cfg.path, c->want_path) ||
				  !streq_null(cfg.etcd_endpoints, c->want_endpoints)))
			cr_expect_fail("%s: got type %d path %s endpoints %s", c->name, cfg.type,
				       cfg.path, cfg.etcd_endpoints);
		tb_ds_config_free(&cfg);
	}
}

Test(datastore_config, etcd_without_backend_is_not_supported)
{
	/* Port 1: nothing listens there, even where a real etcd runs on the default port. */
	struct tb_ds_config cfg = { .type = TB_DS_ETCDV3, .etcd_endpoints = "http://127.0.0.1:1" };
	struct tb_ds *d = NULL;
	int err = tb_ds_open(&cfg, &d);

	/* Until datastore_etcd.c exists; then this open fails on reachability instead. */
	if (err == 0)
		tb_ds_close(d);
	cr_expect(err != 0, "an etcd open without an etcd backend must not succeed");
}
