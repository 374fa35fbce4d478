// SPDX-License-Identifier: Apache-2.0
/*
 * Reaching etcd, and being refused clearly: TLS with the right CA and client certificate
 * works, anything else is -EPROTO with a log line naming the member; user/password auth
 * works, a wrong password or user is -EACCES; an expired token is renewed; an unreachable
 * cluster is -ECONNREFUSED, and a dead member among live ones is skipped.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datastore.h"
#include "helpers/etcd_fixture.h"
#include "log.h"

static struct etcd_fx fx;
static char logpath[160];

static void start(unsigned flags)
{
	cr_assert_eq(etcd_fx_start(&fx, 1, flags), 0, "etcd member");
	snprintf(logpath, sizeof(logpath), "%s/client.log", fx.dir);
	cr_assert_eq(tb_log_set_file(logpath, TB_LOG_DEBUG), 0);
}

static void teardown(void)
{
	tb_log_set_file(NULL, TB_LOG_NONE);
	etcd_fx_stop(&fx);
}

static void start_tls(void)
{
	start(ETCD_FX_TLS);
}

static void start_auth(void)
{
	start(ETCD_FX_SHORT_TOKEN);
	cr_assert_eq(etcd_fx_enable_auth(&fx, "tabby", "s3cret"), 0, "auth enabled");
}

/* Whether the client log has a line holding both a and b. */
static bool logged(const char *a, const char *b)
{
	FILE *f = fopen(logpath, "r");
	char line[1024];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, a) && strstr(line, b);
	if (f)
		fclose(f);
	return found;
}

/* Opens with cfg, and on success proves the store works with a put and a get. */
static int open_and_use(struct tb_ds_config *cfg)
{
	struct tb_ds *ds = NULL;
	struct tb_kv kv = {0};
	int err = tb_ds_open(cfg, &ds);

	err = err ?: tb_ds_put(ds, "/calico/probe", "{\"ok\":1}", TB_REV_ANY, NULL);
	err = err ?: tb_ds_get(ds, "/calico/probe", &kv);
	if (!err && strcmp(kv.value, "{\"ok\":1}"))
		err = -EIO;
	tb_kv_free(&kv);
	tb_ds_close(ds);
	return err;
}

enum tls_pick { PICK_NONE, PICK_RIGHT, PICK_OTHER };

struct tls_case {
	const char *name;
	enum tls_pick ca, client;
	bool plain_http;
	int want;
};

static const struct tls_case tls_cases[] = {
    {"right CA and client certificate", PICK_RIGHT, PICK_RIGHT, false, 0},
    {"no CA: the server is not trusted", PICK_NONE, PICK_RIGHT, false, -EPROTO},
    {"another CA", PICK_OTHER, PICK_RIGHT, false, -EPROTO},
    {"no client certificate", PICK_RIGHT, PICK_NONE, false, -EPROTO},
    {"client certificate of another CA", PICK_RIGHT, PICK_OTHER, false, -EPROTO},
    {"plain HTTP to a TLS member", PICK_NONE, PICK_NONE, true, -EPROTO},
};

Test(etcd_tls, only_the_right_certificates_get_in, .init = start_tls, .fini = teardown)
{
	char http_ep[96];

	snprintf(http_ep, sizeof(http_ep), "http://127.0.0.1:%d", fx.m[0].client_port);
	for (size_t i = 0; i < sizeof(tls_cases) / sizeof(tls_cases[0]); i++) {
		const struct tls_case *c = &tls_cases[i];
		struct tb_ds_config cfg = {.type = TB_DS_ETCDV3};
		int err;

		cfg.etcd_endpoints = c->plain_http ? http_ep : fx.endpoints;
		cfg.etcd_ca_cert_file = c->ca == PICK_RIGHT   ? fx.ca
					: c->ca == PICK_OTHER ? fx.other_ca
							      : NULL;
		cfg.etcd_cert_file = c->client == PICK_RIGHT   ? fx.cert
				     : c->client == PICK_OTHER ? fx.other_cert
							       : NULL;
		cfg.etcd_key_file = c->client == PICK_RIGHT   ? fx.key
				    : c->client == PICK_OTHER ? fx.other_key
							      : NULL;
		/* Nothing from the test runner's environment may fill the gaps. */
		cfg.etcd_username = NULL;
		err = open_and_use(&cfg);
		if (err != c->want)
			cr_expect_fail("%s: %d (%s), want %d", c->name, err, strerror(-err),
				       c->want);
	}
	cr_expect(logged(fx.endpoints, "TLS"), "a refusal names the member and TLS");
}

Test(etcd_tls, a_certificate_without_its_key_is_a_config_error, .init = start_tls, .fini = teardown)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3,
				   .etcd_endpoints = fx.endpoints,
				   .etcd_ca_cert_file = fx.ca,
				   .etcd_cert_file = fx.cert};
	struct tb_ds *ds = NULL;

	cr_expect_eq(tb_ds_open(&cfg, &ds), -EINVAL);
	cr_expect(logged("ETCD_CERT_FILE", "ETCD_KEY_FILE"), "the log says what is missing");
}

struct auth_case {
	const char *name;
	const char *user, *password;
	int want;
};

static const struct auth_case auth_cases[] = {
    {"right password", "tabby", "s3cret", 0},
    {"wrong password", "tabby", "guess", -EACCES},
    {"unknown user", "mallory", "s3cret", -EACCES},
    {"no user", NULL, NULL, -EACCES},
};

Test(etcd_auth, user_and_password, .init = start_auth, .fini = teardown)
{
	for (size_t i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		const struct auth_case *c = &auth_cases[i];
		struct tb_ds_config cfg = {.type = TB_DS_ETCDV3,
					   .etcd_endpoints = fx.endpoints,
					   .etcd_username = (char *)c->user,
					   .etcd_password = (char *)c->password};
		int err = open_and_use(&cfg);

		if (err != c->want)
			cr_expect_fail("%s: %d (%s), want %d", c->name, err, strerror(-err),
				       c->want);
	}
	cr_expect(logged(fx.endpoints, "authentication refused for user tabby"),
		  "the refusal names the member and the user");
}

Test(etcd_auth, expired_token_is_renewed, .init = start_auth, .fini = teardown)
{
	struct tb_ds_config cfg = {.type = TB_DS_ETCDV3,
				   .etcd_endpoints = fx.endpoints,
				   .etcd_username = "tabby",
				   .etcd_password = "s3cret"};
	struct tb_ds_event ev = {0};
	struct tb_ds_watch *w = NULL;
	struct tb_ds *ds = NULL;
	int64_t rev = 0;

	cr_assert_eq(tb_ds_open(&cfg, &ds), 0);
	cr_assert_eq(tb_ds_revision(ds, &rev), 0);
	cr_assert_eq(tb_ds_watch_open(ds, "/calico/", rev, &w), 0, "a watch with a token");
	/* The member's token TTL is one second. */
	sleep(3);
	cr_expect_eq(tb_ds_put(ds, "/calico/after", "{}", TB_REV_ANY, &rev), 0, "put");
	cr_expect(logged("invalid auth token", "authenticating again"), "the token was renewed");
	cr_expect_eq(tb_ds_watch_next(w, &ev, 3000), 1, "the watch still delivers");
	cr_expect(ev.kv.key && !strcmp(ev.kv.key, "/calico/after") && ev.kv.mod_revision == rev);
	tb_ds_event_free(&ev);
	tb_ds_watch_close(w);
	tb_ds_close(ds);
}

Test(etcd_reach, unreachable_and_failover, .init = start_auth, .fini = teardown)
{
	/* Port 1 on loopback: nothing listens there. */
	struct tb_ds_config dead = {.type = TB_DS_ETCDV3,
				    .etcd_endpoints = "http://127.0.0.1:1,http://127.0.0.1:2"};
	struct tb_ds_config mixed = {
	    .type = TB_DS_ETCDV3, .etcd_username = "tabby", .etcd_password = "s3cret"};
	char eps[320];
	struct tb_ds *ds = NULL;

	cr_expect_eq(tb_ds_open(&dead, &ds), -ECONNREFUSED);
	cr_expect(logged("http://127.0.0.1:2", "Couldn't connect"), "the log names the member");
	snprintf(eps, sizeof(eps), "http://127.0.0.1:1, %s", fx.endpoints);
	mixed.etcd_endpoints = eps;
	cr_expect_eq(open_and_use(&mixed), 0, "a dead member first is skipped");
}
