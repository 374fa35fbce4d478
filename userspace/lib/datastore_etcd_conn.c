// SPDX-License-Identifier: Apache-2.0
/*
 * A client's view of an etcd cluster: the members of ETCD_ENDPOINTS, TLS files, credentials,
 * the auth token's header, and a curl handle set up for one member.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_etcd.h"
#include "log.h"

static int split_endpoints(struct tb_etcd_conn *c, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char **eps = realloc(c->endpoints, (c->n_endpoints + 1) * sizeof(*eps));
		size_t len = strlen(tok);

		if (!eps)
			goto nomem;
		c->endpoints = eps;
		/* "http://h:2379/" and "http://h:2379" are the same member. */
		while (len && tok[len - 1] == '/')
			tok[--len] = '\0';
		c->endpoints[c->n_endpoints] = strdup(tok);
		if (!c->endpoints[c->n_endpoints])
			goto nomem;
		c->n_endpoints++;
	}
	free(copy);
	return c->n_endpoints ? 0 : -EINVAL;
nomem:
	free(copy);
	return -ENOMEM;
}

static int dup_field(char **dst, const char *src)
{
	if (!src || !*src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int tb_etcd_headers_rebuild(struct tb_etcd_conn *c)
{
	struct curl_slist *h = tb_curl.slist_append(NULL, "Content-Type: application/json");
	char auth[1024];

	if (h && c->token) {
		snprintf(auth, sizeof(auth), "Authorization: %s", c->token);
		struct curl_slist *h2 = tb_curl.slist_append(h, auth);

		if (!h2) {
			tb_curl.slist_free_all(h);
			h = NULL;
		} else {
			h = h2;
		}
	}
	if (!h)
		return -ENOMEM;
	tb_curl.slist_free_all(c->headers);
	c->headers = h;
	return 0;
}

static int conn_setup(struct tb_etcd_conn *c, const char *endpoints, const char *ca,
		      const char *cert, const char *key, const char *user, const char *pass)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = tb_curl_load();
	if (err)
		return err;
	err = split_endpoints(c, endpoints ? endpoints : "");
	if (err == -EINVAL)
		tb_err("etcd: ETCD_ENDPOINTS '%s' names no member", endpoints ? endpoints : "");
	err = err ?: dup_field(&c->ca_file, ca);
	err = err ?: dup_field(&c->cert_file, cert);
	err = err ?: dup_field(&c->key_file, key);
	err = err ?: dup_field(&c->username, user);
	err = err ?: dup_field(&c->password, pass);
	err = err ?: tb_etcd_headers_rebuild(c);
	if (!err && !!c->cert_file != !!c->key_file) {
		tb_err("etcd: a client certificate needs both ETCD_CERT_FILE and ETCD_KEY_FILE");
		err = -EINVAL;
	}
	if (!err) {
		c->curl = tb_curl.easy_init();
		if (!c->curl)
			err = -ENOMEM;
	}
	if (err)
		tb_etcd_conn_free(c);
	return err;
}

int tb_etcd_conn_init(struct tb_etcd_conn *c, const struct tb_ds_config *cfg)
{
	return conn_setup(c, cfg->etcd_endpoints, cfg->etcd_ca_cert_file, cfg->etcd_cert_file,
			  cfg->etcd_key_file, cfg->etcd_username, cfg->etcd_password);
}

int tb_etcd_conn_clone(struct tb_etcd_conn *dst, const struct tb_etcd_conn *src)
{
	size_t len = 1;
	char *list;
	int err;

	for (size_t i = 0; i < src->n_endpoints; i++)
		len += strlen(src->endpoints[i]) + 1;
	list = calloc(1, len);
	if (!list)
		return -ENOMEM;
	/* The member that answers last goes first. */
	for (size_t i = 0; i < src->n_endpoints; i++) {
		strcat(list, src->endpoints[(src->cur + i) % src->n_endpoints]);
		strcat(list, ",");
	}
	err = conn_setup(dst, list, src->ca_file, src->cert_file, src->key_file, src->username,
			 src->password);
	free(list);
	if (!err && src->token) {
		dst->token = strdup(src->token);
		err = dst->token ? tb_etcd_headers_rebuild(dst) : -ENOMEM;
		if (err)
			tb_etcd_conn_free(dst);
	}
	return err;
}

void tb_etcd_conn_free(struct tb_etcd_conn *c)
{
	for (size_t i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	if (c->curl)
		tb_curl.easy_cleanup(c->curl);
	tb_curl.slist_free_all(c->headers);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->username);
	free(c->password);
	free(c->token);
	memset(c, 0, sizeof(*c));
}

int tb_etcd_easy_setup(struct tb_etcd_conn *c, CURL *h, const char *ep, const char *path)
{
	char url[512];

	if ((size_t)snprintf(url, sizeof(url), "%s%s", ep, path) >= sizeof(url))
		return -ENAMETOOLONG;
	tb_curl.easy_setopt(h, CURLOPT_URL, url);
	tb_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	tb_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)TB_ETCD_CONNECT_TIMEOUT_MS);
	tb_curl.easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	tb_curl.easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (c->ca_file)
		tb_curl.easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file) {
		tb_curl.easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
		tb_curl.easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
	return 0;
}
