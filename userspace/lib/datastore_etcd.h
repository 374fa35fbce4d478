/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the etcd v3 backend (not a public contract). etcd is reached through its JSON
 * gateway with libcurl; keys and values travel base64-encoded, revisions as decimal strings.
 *
 *   datastore_etcd_conn.c   members, TLS files, credentials, curl handle setup
 *   datastore_etcd_http.c   one request with failover, the auth token, errors
 *   datastore_etcd_codec.c  base64, revisions, key-values out of the gateway's JSON
 *   datastore_etcd.c        the ops table: reads, writes, transactions, compaction
 *   datastore_etcd_watch.c  the watch handle: queue, pipe, open, close
 *   datastore_etcd_stream.c the watch thread: the streaming /v3/watch, resumed on failover
 *
 * Revisions: tabby's revision is etcd's. tb_ds_compact(rev) is etcd's compaction at rev, and
 * a watch after_rev starts etcd's stream at after_rev itself and drops that revision's
 * events: etcd then refuses exactly the watches tabby calls stale (history at and below the
 * compaction point is gone, DESIGN.md).
 */
#ifndef TABBY_DATASTORE_ETCD_H
#define TABBY_DATASTORE_ETCD_H

#include <curl/curl.h>

#include "curl_dl.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "datastore_backend.h"

/* Unary requests: how long one member may take, and how long a request keeps failing over
 * (a leader election after a member loss takes about one election timeout). */
#define TB_ETCD_CONNECT_TIMEOUT_MS 1000
#define TB_ETCD_REQUEST_TIMEOUT_MS 5000
#define TB_ETCD_RETRY_DEADLINE_MS 15000
/* A key every tabby client may read (etcd checks read permission even on an absent key):
 * reading it tells the store revision and whether the cluster answers. */
#define TB_ETCD_PROBE_KEY "/calico/"
/* Keys per range page when listing. */
#define TB_ETCD_PAGE 500

/* One client's view of the cluster. Not shared between threads: a watch copies it. */
struct tb_etcd_conn {
	char **endpoints;
	size_t n_endpoints;
	size_t cur; /* the member requests go to first */
	char *ca_file;
	char *cert_file;
	char *key_file;
	char *username;
	char *password;
	char *token; /* etcd auth token, when username is set */
	CURL *curl;
	struct curl_slist *headers;
	/* The last request may have been applied although no answer came back. */
	bool ambiguous;
	long timeout_ms; /* per-request timeout when not 0 (probes) */
	/* etcd's message for the last refused request. */
	char err_msg[256];
};

int tb_etcd_conn_init(struct tb_etcd_conn *c, const struct tb_ds_config *cfg);
/* A second connection to the same cluster with the same credentials (for a watch thread). */
int tb_etcd_conn_clone(struct tb_etcd_conn *dst, const struct tb_etcd_conn *src);
void tb_etcd_conn_free(struct tb_etcd_conn *c);
/* The request headers: JSON, and the token when there is one. */
int tb_etcd_headers_rebuild(struct tb_etcd_conn *c);
/* Authenticates when a username is configured; 0 without. */
int tb_etcd_authenticate(struct tb_etcd_conn *c);
/*
 * POSTs req to path (e.g. "/v3/kv/range") on the current member, failing over to the next on
 * connection loss or while the cluster has no leader. 0 with *resp, or -errno:
 * -ECONNREFUSED/-EHOSTUNREACH/-ETIMEDOUT (no member answered), -EPROTO (TLS), -EACCES (auth),
 * -EINVAL (etcd refused the request), -ESTALE (compacted revision), -ENOSPC, -EIO.
 */
int tb_etcd_call(struct tb_etcd_conn *c, const char *path, json_t *req, json_t **resp);
/* One read of TB_ETCD_PROBE_KEY on member ep alone: is it answering? 0 or -errno. */
int tb_etcd_probe(struct tb_etcd_conn *c, const char *ep, long timeout_ms);
/* Sets URL-independent options (TLS, auth header) on a handle for endpoint ep. */
int tb_etcd_easy_setup(struct tb_etcd_conn *c, CURL *h, const char *ep, const char *path);
/* Maps a failed transfer to -errno and logs it naming the endpoint. Whether the request may
 * have reached the member is not in rc (curl may have sent it twice): ask the handle. */
int tb_etcd_curl_errno(const char *ep, CURLcode rc, const char *detail, bool *retry);

/* Codec. */
char *tb_etcd_b64(const char *s);
char *tb_etcd_b64n(const char *s, size_t len);
/* NULL with errno EINVAL on bad input. */
char *tb_etcd_unb64(const char *s);
int64_t tb_etcd_int(const json_t *obj, const char *field);
int tb_etcd_set_b64(json_t *obj, const char *field, const char *s);
int tb_etcd_set_int(json_t *obj, const char *field, int64_t v);
/* A gateway "kv" object into out (value "" when the object has none). */
int tb_etcd_kv_parse(const json_t *kv, struct tb_kv *out);
int64_t tb_etcd_header_rev(const json_t *resp);
/* {"key": prefix, "range_end": prefix end} as etcd's prefix range. */
int tb_etcd_set_prefix(json_t *obj, const char *prefix);

/* Writes (datastore_etcd_txn.c), with the contracts of tb_ds_put/delete/txn. */
int tb_etcd_put(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
		int64_t *new_rev);
int tb_etcd_delete(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev);
int tb_etcd_txn(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev);

/* Watch (datastore_etcd_watch.c). */
int tb_etcd_watch_open(struct tb_ds *ds, const char *prefix, int64_t after_rev,
		       struct tb_ds_watch **out);
int tb_etcd_watch_next(struct tb_ds_watch *w, struct tb_ds_event *ev, int timeout_ms);
int tb_etcd_watch_fd(struct tb_ds_watch *w);
void tb_etcd_watch_close(struct tb_ds_watch *w);

struct tb_etcd {
	struct tb_ds base;
	struct tb_etcd_conn conn;
};

extern const struct tb_ds_ops tb_ds_etcd_ops;

#endif
