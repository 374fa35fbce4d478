// SPDX-License-Identifier: Apache-2.0
/*
 * Watching etcd: a thread keeps one streaming POST /v3/watch open (curl multi, so closing
 * the watch can wake it), parses the newline-separated JSON messages and queues the events;
 * a pipe is readable while the queue holds something, which is the fd poll loops wait on.
 *
 * When a member goes away the stream resumes on the next member from the last revision
 * delivered; events at or below it are dropped, so nothing repeats and nothing is skipped.
 * etcd answers a start below its compaction point with "canceled" and compact_revision:
 * that is -ESTALE, for good, and the caller lists and watches again.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datastore_etcd.h"
#include "datastore_etcd_watch.h"
#include "log.h"

static struct tb_etcd_watch *watch_of(struct tb_ds_watch *w)
{
	return (struct tb_etcd_watch *)w;
}

/* Called with the lock held: the pipe turns readable when the queue stops being empty. */
static void signal_reader(struct tb_etcd_watch *w)
{
	char c = 1;

	if (write(w->pipe[1], &c, 1) < 0 && errno != EAGAIN)
		tb_warn("etcd watch: wakeup pipe: %s", strerror(errno));
}

static void drain_pipe(struct tb_etcd_watch *w)
{
	char buf[64];

	while (read(w->pipe[0], buf, sizeof(buf)) > 0)
		;
}

int tb_etcd_watch_push(struct tb_etcd_watch *w, struct tb_ds_event *ev)
{
	pthread_mutex_lock(&w->lock);
	if (w->q_head + w->q_n == w->q_cap) {
		if (w->q_head) {
			memmove(w->q, w->q + w->q_head, w->q_n * sizeof(*w->q));
			w->q_head = 0;
		} else {
			size_t cap = w->q_cap ? w->q_cap * 2 : 64;
			struct tb_ds_event *q = realloc(w->q, cap * sizeof(*q));

			if (!q) {
				pthread_mutex_unlock(&w->lock);
				return -ENOMEM;
			}
			w->q = q;
			w->q_cap = cap;
		}
	}
	w->q[w->q_head + w->q_n++] = *ev;
	if (w->q_n == 1)
		signal_reader(w);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void tb_etcd_watch_fail(struct tb_etcd_watch *w, int err)
{
	pthread_mutex_lock(&w->lock);
	if (!w->err)
		w->err = err;
	if (!w->opened) {
		w->open_err = err;
		w->opened = true;
		pthread_cond_broadcast(&w->cond);
	}
	signal_reader(w);
	pthread_mutex_unlock(&w->lock);
}

void tb_etcd_watch_created(struct tb_etcd_watch *w)
{
	pthread_mutex_lock(&w->lock);
	if (!w->opened) {
		w->opened = true;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Takes the first queued event, or the sticky error; 0 when there is neither. */
static int take(struct tb_etcd_watch *w, struct tb_ds_event *ev)
{
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->q_n) {
		*ev = w->q[w->q_head++];
		if (!--w->q_n) {
			w->q_head = 0;
			if (!w->err)
				drain_pipe(w);
		}
		r = 1;
	} else if (w->err) {
		r = w->err;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

int tb_etcd_watch_next(struct tb_ds_watch *base, struct tb_ds_event *ev, int timeout_ms)
{
	struct tb_etcd_watch *w = watch_of(base);
	struct pollfd p = {.fd = w->pipe[0], .events = POLLIN};
	struct timespec t0;
	int r, left = timeout_ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = take(w, ev);
		if (r)
			return r;
		if (timeout_ms >= 0) {
			left = timeout_ms - (int)ms_since(&t0);
			if (left <= 0)
				return 0;
		}
		r = poll(&p, 1, left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0)
			return 0;
	}
}

int tb_etcd_watch_fd(struct tb_ds_watch *base)
{
	return watch_of(base)->pipe[0];
}

static void watch_free(struct tb_etcd_watch *w)
{
	for (size_t i = 0; i < w->q_n; i++)
		tb_ds_event_free(&w->q[w->q_head + i]);
	free(w->q);
	if (w->multi)
		tb_curl.multi_cleanup(w->multi);
	tb_etcd_conn_free(&w->conn);
	if (w->pipe[0] >= 0)
		close(w->pipe[0]);
	if (w->pipe[1] >= 0)
		close(w->pipe[1]);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->prefix);
	free(w->line.p);
	free(w);
}

void tb_etcd_watch_close(struct tb_ds_watch *base)
{
	struct tb_etcd_watch *w = watch_of(base);

	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	tb_curl.multi_wakeup(w->multi);
	pthread_join(w->thread, NULL);
	watch_free(w);
}

/* Waits until the thread says the stream was created, or why it could not be. */
static int wait_opened(struct tb_etcd_watch *w)
{
	struct timespec until;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TB_ETCD_RETRY_DEADLINE_MS / 1000 + 1;
	pthread_mutex_lock(&w->lock);
	while (!w->opened && !err)
		err = pthread_cond_timedwait(&w->cond, &w->lock, &until);
	if (!w->opened)
		w->open_err = -ETIMEDOUT;
	err = w->open_err;
	pthread_mutex_unlock(&w->lock);
	return err;
}

/*
 * etcd cancels a stream that starts below its compaction point only after the watch was
 * created (its sync loop notices), so the open asks first: a read at the start revision is
 * refused as compacted exactly when the stream would be.
 */
static int check_start(struct tb_etcd_conn *c, int64_t start)
{
	json_t *req = json_pack("{s:b}", "count_only", 1), *resp = NULL;
	int err = req ? tb_etcd_set_b64(req, "key", TB_ETCD_PROBE_KEY) : -ENOMEM;

	err = err ?: tb_etcd_set_int(req, "revision", start ? start : 1);
	err = err ?: tb_etcd_call(c, "/v3/kv/range", req, &resp);
	json_decref(req);
	json_decref(resp);
	/* A start in the future is fine: the stream waits for it. */
	return err == -EINVAL ? 0 : err;
}

int tb_etcd_watch_open(struct tb_ds *ds, const char *prefix, int64_t after_rev,
		       struct tb_ds_watch **out)
{
	struct tb_etcd_watch *w;
	int err;

	err = check_start(&((struct tb_etcd *)ds)->conn, after_rev);
	if (err)
		return err;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->base.ops = &tb_ds_etcd_ops;
	w->pipe[0] = w->pipe[1] = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->last_rev = after_rev;
	w->prefix = strdup(prefix);
	w->multi = tb_curl.multi_init();
	if (!w->prefix || !w->multi) {
		err = -ENOMEM;
		goto fail;
	}
	if (pipe2(w->pipe, O_NONBLOCK | O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	err = tb_etcd_conn_clone(&w->conn, &((struct tb_etcd *)ds)->conn);
	if (err)
		goto fail;
	err = -pthread_create(&w->thread, NULL, tb_etcd_watch_thread, w);
	if (err)
		goto fail;
	err = wait_opened(w);
	if (err) {
		tb_etcd_watch_close(&w->base);
		return err;
	}
	*out = &w->base;
	return 0;
fail:
	watch_free(w);
	return err;
}
