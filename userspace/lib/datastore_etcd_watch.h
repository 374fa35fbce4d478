/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the etcd watch (not a public contract): the handle shared by the caller's side
 * (datastore_etcd_watch.c: queue, pipe, open and close) and the stream thread
 * (datastore_etcd_stream.c).
 */
#ifndef TABBY_DATASTORE_ETCD_WATCH_H
#define TABBY_DATASTORE_ETCD_WATCH_H

#include <pthread.h>

#include "datastore_etcd.h"

struct tb_etcd_line {
	char *p;
	size_t n, cap;
};

struct tb_etcd_watch {
	struct tb_ds_watch base;
	/* Owned by the thread once it runs. */
	struct tb_etcd_conn conn;
	char *prefix;
	int64_t last_rev; /* events at or below were delivered (or are before the start) */
	struct tb_etcd_line line;
	bool stream_done;  /* the current stream must end (error, cancel, reconnect) */
	int stream_err;	   /* why it ended */
	bool created;	   /* the current stream was created */
	bool reauth;	   /* authenticate before the next stream */
	bool dead;	   /* ended for good (tb_etcd_watch_fail) */
	long last_data_ms; /* when the stream last brought anything */
	CURLM *multi;
	pthread_t thread;
	bool stop; /* atomic: close asked the thread to end */
	/* Under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tb_ds_event *q;
	size_t q_head, q_n, q_cap;
	int err; /* sticky, once the queue is empty */
	bool opened;
	int open_err;
	int pipe[2];
};

void *tb_etcd_watch_thread(void *arg);
/* Queues an event (taking ownership of its strings). */
int tb_etcd_watch_push(struct tb_etcd_watch *w, struct tb_ds_event *ev);
/* Ends the watch with err once the queued events are read; fails a pending open too. */
void tb_etcd_watch_fail(struct tb_etcd_watch *w, int err);
/* The stream is created: a pending open returns 0. */
void tb_etcd_watch_created(struct tb_etcd_watch *w);

#endif
