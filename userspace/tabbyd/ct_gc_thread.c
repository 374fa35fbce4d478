// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "ct_gc_thread.h"
#include "log.h"

struct ct_gc_thread {
	pthread_t thr;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct tb_ct_timeouts t;	/* under lock */
	struct tb_ct_table table;	/* mapped for the thread's life */
	unsigned interval_ms;
	bool stop;			/* under lock */
	_Atomic uint64_t live;
};

static void *run(void *arg)
{
	struct ct_gc_thread *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct tb_ct_timeouts t = g->t;
		struct tb_ct_gc_stats st;
		struct timespec until;

		pthread_mutex_unlock(&g->lock);
		if (!tb_ct_table_gc(&g->table, &t, tb_ct_now_ns(), &st))
			atomic_store(&g->live, st.live);
		pthread_mutex_lock(&g->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += g->interval_ms / 1000;
		until.tv_nsec += (long)(g->interval_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!g->stop && pthread_cond_timedwait(&g->wake, &g->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int ct_gc_thread_start(int ct_fd, const struct tb_ct_timeouts *t, unsigned interval_ms,
		       struct ct_gc_thread **out)
{
	struct ct_gc_thread *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	r = tb_ct_table_open(ct_fd, &g->table);
	if (r) {
		free(g);
		return r;
	}
	g->t = *t;
	g->interval_ms = interval_ms;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	r = pthread_create(&g->thr, NULL, run, g);
	if (r) {
		tb_ct_table_close(&g->table);
		free(g);
		return -r;
	}
	*out = g;
	return 0;
}

void ct_gc_thread_set_timeouts(struct ct_gc_thread *g, const struct tb_ct_timeouts *t)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->t = *t;
	pthread_mutex_unlock(&g->lock);
}

uint64_t ct_gc_thread_live(struct ct_gc_thread *g)
{
	return g ? atomic_load(&g->live) : 0;
}

void ct_gc_thread_stop(struct ct_gc_thread *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thr, NULL);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
	tb_ct_table_close(&g->table);
	free(g);
}
