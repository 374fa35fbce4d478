// SPDX-License-Identifier: Apache-2.0
/*
 * One request to an etcd cluster: POST JSON to a member's gateway, fail over to the next
 * member when this one cannot be reached or has no leader, renew the auth token when etcd
 * says it expired, and turn what went wrong into one -errno and one log line that names the
 * member and the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datastore_etcd.h"
#include "log.h"

/* gRPC status codes etcd puts in "code". */
enum {
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNAVAILABLE = 14,
	GRPC_UNAUTHENTICATED = 16,
};

struct buf {
	char *p;
	size_t n, cap;
};

/* How one attempt ended, beyond its -errno. */
struct attempt {
	bool retry;	 /* another member (or a later try) may succeed */
	bool maybe_sent; /* etcd may have applied the request */
	bool reauth;	 /* the token expired */
};

static size_t buf_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t len = size * nmemb;

	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->n + len + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

int tb_etcd_curl_errno(const char *ep, CURLcode rc, const char *detail, bool *retry)
{
	const char *why = *detail ? detail : tb_curl.easy_strerror(rc);
	int err;

	*retry = true;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		err = -ECONNREFUSED;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		err = -EHOSTUNREACH;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		err = -ETIMEDOUT;
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
		err = -EPROTO;
		break;
	case CURLE_GOT_NOTHING:
		/* An http:// URL for a TLS-only member: etcd closes without a word. */
		if (!strncmp(ep, "http:", 5)) {
			err = -EPROTO;
			why = "closed the connection without an answer (a TLS-only member wants "
			      "https://)";
			break;
		}
		err = -ECONNRESET;
		break;
	default:
		/* A TLS alert after the handshake: the member refused our certificate. */
		err = strstr(why, "alert") || strstr(why, "certificate") ? -EPROTO : -ECONNRESET;
		break;
	}
	tb_warn("etcd %s: %s%s", ep, why,
		err == -EPROTO ? " (TLS: check ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE)"
			       : "");
	return err;
}

/* etcd refused the request: {"error": ..., "code": N}. */
static int etcd_refusal(struct tb_etcd_conn *c, const char *ep, long http, const char *body,
			struct attempt *a)
{
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "error"));
	int code = (int)json_integer_value(json_object_get(j, "code")), err;

	if (!msg) {
		/* Not etcd speaking: e.g. plain HTTP to a TLS listener answers 400 in text. */
		snprintf(c->err_msg, sizeof(c->err_msg), "HTTP %ld: %.100s", http,
			 body ? body : "");
		json_decref(j);
		tb_warn("etcd %s: not an etcd gateway answer (%s)", ep, c->err_msg);
		a->retry = true;
		return -EPROTO;
	}
	snprintf(c->err_msg, sizeof(c->err_msg), "%s", msg);
	json_decref(j);
	msg = c->err_msg;
	switch (code) {
	case GRPC_UNAVAILABLE:
	case GRPC_DEADLINE_EXCEEDED:
		/* No leader, leader changed, request timed out: the write may still commit. */
		a->retry = true;
		a->maybe_sent = true;
		tb_warn("etcd %s: %s", ep, c->err_msg);
		return -ETIMEDOUT;
	case GRPC_UNAUTHENTICATED:
		a->reauth = true;
		return -EACCES;
	case GRPC_PERMISSION_DENIED:
		tb_err("etcd %s: permission denied for user %s: %s", ep,
		       c->username ? c->username : "(none)", c->err_msg);
		return -EACCES;
	case GRPC_INVALID_ARGUMENT:
		if (strstr(msg, "authentication failed") || strstr(msg, "user name is empty")) {
			tb_err("etcd %s: authentication refused for user %s: %s", ep,
			       c->username ? c->username : "(none)", c->err_msg);
			return -EACCES;
		}
		err = -EINVAL;
		break;
	case GRPC_OUT_OF_RANGE:
		err = strstr(msg, "compacted") ? -ESTALE : -EINVAL;
		break;
	case GRPC_RESOURCE_EXHAUSTED:
		err = -ENOSPC;
		break;
	case GRPC_FAILED_PRECONDITION:
		err = -EOPNOTSUPP;
		break;
	default:
		err = -EIO;
		break;
	}
	tb_debug("etcd %s: %s (code %d)", ep, c->err_msg, code);
	return err;
}

static int attempt_once(struct tb_etcd_conn *c, const char *ep, const char *path, const char *body,
			json_t **resp, struct attempt *a)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf b = {0};
	curl_off_t pre = 0;
	long http = 0, req_size = 0;
	CURLcode rc;
	int err;

	*a = (struct attempt){0};
	tb_curl.easy_reset(c->curl);
	err = tb_etcd_easy_setup(c, c->curl, ep, path);
	if (err)
		return err;
	tb_curl.easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	tb_curl.easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
			 c->timeout_ms ? c->timeout_ms : (long)TB_ETCD_REQUEST_TIMEOUT_MS);
	tb_curl.easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, buf_write);
	tb_curl.easy_setopt(c->curl, CURLOPT_WRITEDATA, &b);
	tb_curl.easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = tb_curl.easy_perform(c->curl);
	if (rc != CURLE_OK) {
		err = tb_etcd_curl_errno(ep, rc, errbuf, &a->retry);
		/*
		 * Not from the error: when a kept-alive connection dies before any answer, curl
		 * sends the request again on a new one and reports only how that went (a refused
		 * connect to a member just killed), though the member may have applied the first
		 * copy before it died. Whether any copy got as far as the wire says.
		 */
		tb_curl.easy_getinfo(c->curl, CURLINFO_PRETRANSFER_TIME_T, &pre);
		tb_curl.easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &req_size);
		a->maybe_sent = pre > 0 || req_size > 0;
		goto out;
	}
	tb_curl.easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &http);
	if (http != 200) {
		err = etcd_refusal(c, ep, http, b.p, a);
		goto out;
	}
	*resp = b.p ? json_loadb(b.p, b.n, 0, NULL) : NULL;
	if (!*resp) {
		tb_err("etcd %s%s: answer is not JSON", ep, path);
		err = -EIO;
	}
out:
	free(b.p);
	return err;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Tries members in turn from the current one. Every member unreachable in a row fails at
 * once (nothing to wait for); a cluster without a leader is retried until the deadline.
 */
static int call_body(struct tb_etcd_conn *c, const char *path, const char *body, json_t **resp,
		     bool may_reauth)
{
	long deadline = now_ms() + TB_ETCD_RETRY_DEADLINE_MS, backoff = 50;
	size_t idx = c->cur, unreachable = 0, tried = 0;
	struct attempt a;
	int err;

	for (;;) {
		const char *ep = c->endpoints[idx];

		err = attempt_once(c, ep, path, body, resp, &a);
		if (!err) {
			c->cur = idx;
			return 0;
		}
		if (a.reauth && may_reauth) {
			may_reauth = false;
			tb_info("etcd %s: %s; authenticating again", ep, c->err_msg);
			err = tb_etcd_authenticate(c);
			if (err)
				return err;
			continue;
		}
		if (a.reauth)
			tb_err("etcd %s: %s", ep, c->err_msg);
		c->ambiguous |= a.maybe_sent;
		if (!a.retry)
			return err;
		unreachable = (err == -ECONNREFUSED || err == -EHOSTUNREACH || err == -EPROTO)
				  ? unreachable + 1
				  : 0;
		if (unreachable >= c->n_endpoints || now_ms() > deadline) {
			tb_err("etcd: no member of %zu answered %s (last %s: %s)", c->n_endpoints,
			       path, ep, strerror(-err));
			return err;
		}
		idx = (idx + 1) % c->n_endpoints;
		if (++tried % c->n_endpoints == 0) {
			sleep_ms(backoff);
			backoff = backoff < 400 ? backoff * 2 : 500;
		}
	}
}

int tb_etcd_call(struct tb_etcd_conn *c, const char *path, json_t *req, json_t **resp)
{
	char *body = json_dumps(req, JSON_COMPACT);
	int err;

	*resp = NULL;
	c->ambiguous = false;
	c->err_msg[0] = '\0';
	if (!body)
		return -ENOMEM;
	err = call_body(c, path, body, resp, c->username != NULL);
	free(body);
	return err;
}

int tb_etcd_authenticate(struct tb_etcd_conn *c)
{
	json_t *req, *resp = NULL;
	const char *tok;
	char *body;
	int err;

	if (!c->username)
		return 0;
	free(c->token);
	c->token = NULL;
	err = tb_etcd_headers_rebuild(c);
	req = json_pack("{s:s, s:s}", "name", c->username, "password",
			c->password ? c->password : "");
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (err || !body) {
		free(body);
		return err ?: -ENOMEM;
	}
	err = call_body(c, "/v3/auth/authenticate", body, &resp, false);
	free(body);
	if (err == -EOPNOTSUPP) {
		/* A username for a cluster without auth: requests work without a token. */
		tb_info("etcd: %s; continuing without a token", c->err_msg);
		return 0;
	}
	if (err)
		return err;
	tok = json_string_value(json_object_get(resp, "token"));
	c->token = tok ? strdup(tok) : NULL;
	json_decref(resp);
	if (!c->token)
		return tok ? -ENOMEM : -EIO;
	return tb_etcd_headers_rebuild(c);
}

int tb_etcd_probe(struct tb_etcd_conn *c, const char *ep, long timeout_ms)
{
	json_t *req = json_pack("{s:b}", "count_only", 1), *resp = NULL;
	int err = req ? tb_etcd_set_b64(req, "key", TB_ETCD_PROBE_KEY) : -ENOMEM;
	char *body = err ? NULL : json_dumps(req, JSON_COMPACT);
	struct attempt a;

	json_decref(req);
	if (!body)
		return err ?: -ENOMEM;
	c->timeout_ms = timeout_ms;
	err = attempt_once(c, ep, "/v3/kv/range", body, &resp, &a);
	c->timeout_ms = 0;
	json_decref(resp);
	free(body);
	return err;
}
