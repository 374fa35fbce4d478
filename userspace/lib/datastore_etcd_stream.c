// SPDX-License-Identifier: Apache-2.0
/*
 * The etcd watch thread: one streaming POST /v3/watch at a time, its messages parsed line by
 * line, events queued in revision order; on a lost member the next one, from the last
 * revision delivered. A stream etcd cancels for compaction or refuses for auth ends the watch
 * (-ESTALE, -EACCES); anything else is logged and resumed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore_etcd_watch.h"
#include "log.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000
/*
 * A member that stops without closing its connections (frozen, its host hung) would leave the
 * stream silent for good: after this long without a byte the member is asked for a read,
 * and a member that cannot answer within PROBE_MS is left for the next.
 */
#define IDLE_MS 5000
#define PROBE_MS 1000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool stopping(struct tb_etcd_watch *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

static void end_stream(struct tb_etcd_watch *w, int err)
{
	w->stream_done = true;
	w->stream_err = err;
}

/* A terminal end: the caller reads the queued events, then err. */
static void end_watch(struct tb_etcd_watch *w, int err)
{
	end_stream(w, err);
	w->dead = true;
	tb_etcd_watch_fail(w, err);
}

static int parse_event(const json_t *je, struct tb_ds_event *ev)
{
	const char *type = json_string_value(json_object_get(je, "type"));
	const json_t *prev = json_object_get(je, "prev_kv");
	struct tb_kv pkv;
	int err;

	memset(ev, 0, sizeof(*ev));
	ev->type = type && !strcmp(type, "DELETE") ? TB_DS_EV_DELETE : TB_DS_EV_PUT;
	err = tb_etcd_kv_parse(json_object_get(je, "kv"), &ev->kv);
	if (err)
		return err;
	if (ev->type == TB_DS_EV_DELETE) {
		free(ev->kv.value);
		ev->kv.value = NULL;
	}
	if (prev) {
		err = tb_etcd_kv_parse(prev, &pkv);
		if (err) {
			tb_ds_event_free(ev);
			return err;
		}
		ev->prev_value = pkv.value;
		free(pkv.key);
	}
	return 0;
}

static void on_events(struct tb_etcd_watch *w, const json_t *events)
{
	int64_t last = w->last_rev;
	struct tb_ds_event ev;
	int err;

	for (size_t i = 0; i < json_array_size(events); i++) {
		err = parse_event(json_array_get(events, i), &ev);
		if (err) {
			tb_err("etcd watch %s: unreadable event: %s", w->prefix, strerror(-err));
			end_watch(w, -EIO);
			return;
		}
		/* Already delivered before a reconnect, or the start revision itself. */
		if (ev.kv.mod_revision <= w->last_rev) {
			tb_ds_event_free(&ev);
			continue;
		}
		if (ev.kv.mod_revision > last)
			last = ev.kv.mod_revision;
		err = tb_etcd_watch_push(w, &ev);
		if (err) {
			tb_ds_event_free(&ev);
			end_watch(w, err);
			return;
		}
	}
	w->last_rev = last;
}

static void on_canceled(struct tb_etcd_watch *w, const json_t *res)
{
	int64_t compact = tb_etcd_int(res, "compact_revision");
	const char *why = json_string_value(json_object_get(res, "cancel_reason"));

	if (compact > 0) {
		tb_warn("etcd watch %s: history after revision %lld was compacted (kept from %lld);"
			" list and watch again",
			w->prefix, (long long)w->last_rev, (long long)compact);
		end_watch(w, -ESTALE);
		return;
	}
	tb_err("etcd watch %s: canceled by etcd: %s", w->prefix, why ? why : "no reason given");
	end_watch(w, why && strstr(why, "permission denied") ? -EACCES : -EIO);
}

/* {"error": "...", "code": N} (a refused request) or {"error": {"grpc_code": N, ...}}. */
static void on_error(struct tb_etcd_watch *w, const json_t *j)
{
	const json_t *e = json_object_get(j, "error");
	const char *msg = json_is_string(e) ? json_string_value(e)
					    : json_string_value(json_object_get(e, "message"));
	int code = (int)json_integer_value(
	    json_object_get(json_is_object(e) ? e : j, json_is_object(e) ? "grpc_code" : "code"));

	msg = msg ? msg : "unknown error";
	if (code == 16) {
		tb_info("etcd watch %s: %s; authenticating again", w->prefix, msg);
		w->reauth = true;
		end_stream(w, -EACCES);
	} else if (code == 7 || strstr(msg, "authentication failed")) {
		tb_err("etcd watch %s: refused: %s", w->prefix, msg);
		end_watch(w, -EACCES);
	} else {
		tb_warn("etcd watch %s: %s (code %d)", w->prefix, msg, code);
		end_stream(w, -EIO);
	}
}

static void on_message(struct tb_etcd_watch *w, const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL), *res = json_object_get(j, "result");

	if (!j) {
		tb_warn("etcd watch %s: a message that is not JSON: %.80s", w->prefix, line);
		end_stream(w, -EIO);
	} else if (json_object_get(j, "error")) {
		on_error(w, j);
	} else if (json_is_true(json_object_get(res, "canceled"))) {
		on_canceled(w, res);
	} else {
		if (json_is_true(json_object_get(res, "created"))) {
			w->created = true;
			tb_etcd_watch_created(w);
		}
		on_events(w, json_object_get(res, "events"));
	}
	json_decref(j);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct tb_etcd_watch *w = arg;
	struct tb_etcd_line *l = &w->line;
	size_t len = size * nmemb, start = 0;
	char *nl;

	if (l->n + len > l->cap) {
		size_t cap = (l->n + len) * 2;
		char *p = realloc(l->p, cap);

		if (!p) {
			end_watch(w, -ENOMEM);
			return 0;
		}
		l->p = p;
		l->cap = cap;
	}
	memcpy(l->p + l->n, data, len);
	l->n += len;
	w->last_data_ms = now_ms();
	while (!w->stream_done && (nl = memchr(l->p + start, '\n', l->n - start))) {
		on_message(w, l->p + start, nl - (l->p + start));
		start = nl - l->p + 1;
	}
	memmove(l->p, l->p + start, l->n - start);
	l->n -= start;
	return w->stream_done || stopping(w) ? 0 : len;
}

static CURL *stream_handle(struct tb_etcd_watch *w, const char *ep, char *errbuf)
{
	json_t *cr = json_pack("{s:b}", "prev_kv", 1), *req;
	CURL *h = tb_curl.easy_init();
	char *body = NULL;
	int err = !cr || !h ? -ENOMEM : tb_etcd_set_prefix(cr, w->prefix);

	/* etcd reads start_revision 0 as "from now": the first revision is 1. */
	err = err ?: tb_etcd_set_int(cr, "start_revision", w->last_rev ? w->last_rev : 1);
	req = err ? NULL : json_pack("{s:O}", "create_request", cr);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	json_decref(cr);
	if (!body || tb_etcd_easy_setup(&w->conn, h, ep, "/v3/watch")) {
		free(body);
		tb_curl.easy_cleanup(h);
		return NULL;
	}
	tb_curl.easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body);
	free(body);
	tb_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	tb_curl.easy_setopt(h, CURLOPT_WRITEDATA, w);
	tb_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	/* A member that vanishes without a FIN (host down) is noticed within seconds. */
	tb_curl.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	tb_curl.easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 5L);
	tb_curl.easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 2L);
	return h;
}

/* After a silence: a member that does not answer a read ends the stream. */
static void check_alive(struct tb_etcd_watch *w, const char *ep)
{
	int err = tb_etcd_probe(&w->conn, ep, PROBE_MS);

	w->last_data_ms = now_ms();
	if (err == -ETIMEDOUT || err == -ECONNREFUSED || err == -ECONNRESET ||
	    err == -EHOSTUNREACH) {
		tb_warn("etcd watch %s: %s stopped answering (%s)", w->prefix, ep, strerror(-err));
		end_stream(w, err);
	}
}

/* One stream, until it ends or close asks; returns why it ended (0: asked to stop). */
static int run_stream(struct tb_etcd_watch *w, const char *ep)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = stream_handle(w, ep, errbuf);
	CURLcode rc = CURLE_OK;
	bool retry;
	int running = 1, err;
	CURLMsg *m;

	if (!h)
		return -ENOMEM;
	w->stream_done = false;
	w->stream_err = 0;
	w->created = false;
	w->line.n = 0;
	tb_curl.multi_add_handle(w->multi, h);
	w->last_data_ms = now_ms();
	while (running && !stopping(w) && !w->stream_done) {
		tb_curl.multi_perform(w->multi, &running);
		if (running)
			tb_curl.multi_poll(w->multi, NULL, 0, 1000, NULL);
		if (running && now_ms() - w->last_data_ms > IDLE_MS)
			check_alive(w, ep);
	}
	while ((m = tb_curl.multi_info_read(w->multi, &running)))
		if (m->msg == CURLMSG_DONE)
			rc = m->data.result;
	tb_curl.multi_remove_handle(w->multi, h);
	tb_curl.easy_cleanup(h);
	/* An answer without a trailing newline (a refused request). */
	if (!w->stream_done && w->line.n)
		on_message(w, w->line.p, w->line.n);
	if (stopping(w))
		return 0;
	if (w->stream_done)
		return w->stream_err;
	if (rc != CURLE_OK) {
		err = tb_etcd_curl_errno(ep, rc, errbuf, &retry);
		return err;
	}
	return -ECONNRESET;
}

/*
 * The member after a failure: at once after a stream that ran a while, with a growing backoff
 * after one that failed or ended quickly (no busy loop against a flapping member). An
 * unreachable cluster fails a watch still being opened.
 */
void *tb_etcd_watch_thread(void *arg)
{
	struct tb_etcd_watch *w = arg;
	size_t idx = w->conn.cur, fails = 0;
	long backoff = BACKOFF_MIN_MS, t0;
	bool lasted;
	int err;

	while (!stopping(w) && !w->dead) {
		const char *ep = w->conn.endpoints[idx];

		if (w->reauth) {
			w->reauth = false;
			err = tb_etcd_authenticate(&w->conn);
			if (err == -EACCES) {
				end_watch(w, err);
				break;
			}
		}
		t0 = now_ms();
		err = run_stream(w, ep);
		if (stopping(w) || w->dead)
			break;
		lasted = w->created && now_ms() - t0 > BACKOFF_MAX_MS;
		if (lasted) {
			fails = 0;
			backoff = BACKOFF_MIN_MS;
		} else if (++fails >= w->conn.n_endpoints && !w->opened) {
			/* Nothing to resume yet: the open itself fails. */
			end_watch(w, err);
			break;
		}
		idx = (idx + 1) % w->conn.n_endpoints;
		tb_warn(
		    "etcd watch %s: stream on %s ended (%s); resuming after revision %lld on %s",
		    w->prefix, ep, strerror(-err), (long long)w->last_rev, w->conn.endpoints[idx]);
		/* An interruptible sleep: close wakes it. */
		tb_curl.multi_poll(w->multi, NULL, 0, lasted ? 0 : backoff, NULL);
		if (!lasted)
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	return NULL;
}
