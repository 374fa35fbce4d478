// SPDX-License-Identifier: Apache-2.0
/*
 * A pool of free slots whose inner maps are created and published ahead of need. Every update
 * of an outer array of maps waits for an RCU grace period (10-16 ms here); installing into a
 * pooled slot only fills inner maps through the fds kept from creation and writes the header,
 * which are plain map updates. That is safe because no endpoint points at a free slot, so no
 * program reads it. Housekeeping refills the pool (tb_pol_maps_refill) and collected sets give
 * their pooled slot back after their trie is emptied.
 *
 * Memory: the bits arrays preallocate (lines * 128 bytes each), so the number of slots holding
 * pool-sized maps, free or in use, is capped by max_pooled; free ones beyond free_target are
 * unpublished when collected. Pooled maps carry their own names ("tb_pol_keys_p",
 * "tb_pol_bits_p") so that a restarted agent recognises them and takes them back.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "policy_maps_int.h"

#define POOL_KEYS_NAME "tb_pol_keys_p"
#define POOL_BITS_NAME "tb_pol_bits_p"

static void harvest(struct tb_pol_maps *m, int wait);

void tb_pol_pool_init(struct tb_pol_maps *m)
{
	m->pool_conf = (struct tb_pol_pool_conf){
		.free_target = TB_POL_POOL_FREE,
		.max_pooled = TB_POL_POOL_MAX,
		.lines = TB_POL_POOL_LINES,
		.keys = TB_POL_POOL_KEYS,
	};
}

int tb_pol_maps_pool_conf(struct tb_pol_maps *m, const struct tb_pol_pool_conf *conf)
{
	if (!conf->lines || !conf->keys || conf->free_target > conf->max_pooled)
		return -EINVAL;
	m->pool_conf = *conf;
	return 0;
}

void tb_pol_maps_pool_stats(const struct tb_pol_maps *m, struct tb_pol_pool_stats *st)
{
	*st = m->pool_st;
	st->free = m->n_pool_free;
	st->pooled = m->n_pooled;
}

/* Closes a slot's pooled maps: the slot is (or is about to be) unpublished. */
void tb_pol_pool_forget(struct tb_pol_maps *m, uint32_t slot)
{
	struct tb_pol_pslot *ps = &m->pool[slot];

	if (!ps->has)
		return;
	close(ps->kfd);
	close(ps->bfd);
	m->n_pooled--;
	m->n_pool_free -= ps->free;
	*ps = (struct tb_pol_pslot){ 0 };
}

void tb_pol_pool_free_all(struct tb_pol_maps *m)
{
	harvest(m, 1);
	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++)
		tb_pol_pool_forget(m, s);
}

int tb_pol_pool_take(struct tb_pol_maps *m, uint32_t n_lines, uint32_t n_lpm, uint32_t *slot,
		     int *kfd, int *bfd)
{
	harvest(m, 0);
	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		struct tb_pol_pslot *ps = &m->pool[s];

		if (!ps->has || !ps->free || ps->lines < n_lines || ps->keys < n_lpm)
			continue;
		ps->free = 0;
		m->n_pool_free--;
		m->pool_st.takes++;
		*slot = s;
		*kfd = ps->kfd;
		*bfd = ps->bfd;
		return 0;
	}
	m->pool_st.fallbacks++;
	return -ENOSPC;
}

/* Empties a pooled trie; the lines beyond a set's own are never read, so they stay. */
static int clear_trie(int fd)
{
	struct tb_pol_key k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		if (bpf_map_delete_elem(fd, &k))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

int tb_pol_pool_release(struct tb_pol_maps *m, uint32_t slot)
{
	struct tb_pol_pslot *ps = &m->pool[slot];
	struct tb_pol_hdr zero = { 0 };

	if (!ps->has || ps->free || m->n_pool_free >= m->pool_conf.free_target)
		return 0;
	if (clear_trie(ps->kfd) || bpf_map_update_elem(m->fds.hdr, &slot, &zero, BPF_ANY))
		return -EIO;
	ps->free = 1;
	m->n_pool_free++;
	m->pool_st.returned++;
	return 1;
}

static int create_pooled(const struct tb_pol_pool_conf *conf, int *kfd, int *bfd)
{
	LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = BPF_F_NO_PREALLOC);
	LIBBPF_OPTS(bpf_map_create_opts, bo, .map_flags = BPF_F_INNER_MAP);

	*kfd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, POOL_KEYS_NAME, sizeof(struct tb_pol_key),
			      sizeof(uint32_t), conf->keys, &ko);
	if (*kfd < 0)
		return -errno;
	*bfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, POOL_BITS_NAME, 4, sizeof(struct tb_pol_line),
			      conf->lines, &bo);
	if (*bfd < 0) {
		int err = -errno;

		close(*kfd);
		return err;
	}
	return 0;
}

/* A slot neither used by a set nor pooled, after the round-robin cursor. */
static int free_slot(struct tb_pol_maps *m, uint32_t from, uint32_t *slot)
{
	for (uint32_t i = 0; i < TB_POL_MAX_SETS; i++) {
		uint32_t s = (from + i) % TB_POL_MAX_SETS;

		if (!m->sets[s].used && !m->pool[s].has) {
			*slot = s;
			return 0;
		}
	}
	return -ENOSPC;
}

/* The worker: only the two batch updates, which wait for grace periods; no bookkeeping. */
static void *publish_job(void *arg)
{
	struct tb_pol_pool_job *job = arg;

	job->err = tb_pol_sets_publish(&job->fds, job->slots, job->kfds, job->bfds, job->n);
	atomic_store(&job->done, 1);
	return NULL;
}

/* Takes the result of a publish in flight (waiting for it when `wait`): its slots turn free. */
static void harvest(struct tb_pol_maps *m, int wait)
{
	struct tb_pol_pool_job *job = &m->job;

	if (!job->running || (!wait && !atomic_load(&job->done)))
		return;
	if (job->threaded)
		pthread_join(job->thr, NULL);
	job->running = 0;
	for (uint32_t i = 0; i < job->n; i++) {
		struct tb_pol_pslot *ps = &m->pool[job->slots[i]];

		ps->pending = 0;
		if (job->err) {
			tb_pol_sets_unpublish(&m->fds, &job->slots[i], 1);
			tb_pol_pool_forget(m, job->slots[i]);
			continue;
		}
		ps->free = 1;
		m->n_pool_free++;
	}
	if (job->err)
		tb_warn("policy maps: publishing pooled slots: %s", strerror(-job->err));
	else
		m->pool_st.created += job->n;
}

void tb_pol_maps_pool_settle(struct tb_pol_maps *m)
{
	harvest(m, 1);
}

/* New pooled maps for up to a batch of slots, reserved as pending. */
static int create_batch(struct tb_pol_maps *m, struct tb_pol_pool_job *job)
{
	const struct tb_pol_pool_conf *conf = &m->pool_conf;
	struct tb_pol_hdr zero = { 0 };
	uint32_t from = m->next_slot, s;
	int err = 0, kfd = -1, bfd = -1;

	job->n = 0;
	while (job->n < TB_POL_POOL_BATCH && m->n_pool_free + job->n < conf->free_target &&
	       m->n_pooled < conf->max_pooled) {
		err = free_slot(m, from, &s);
		if (!err)
			err = create_pooled(conf, &kfd, &bfd);
		if (err)
			break;
		if (bpf_map_update_elem(m->fds.hdr, &s, &zero, BPF_ANY)) {
			err = -errno;
			close(kfd);
			close(bfd);
			break;
		}
		m->pool[s] = (struct tb_pol_pslot){
			.has = 1, .pending = 1, .kfd = kfd, .bfd = bfd,
			.lines = conf->lines, .keys = conf->keys,
		};
		m->n_pooled++;
		job->slots[job->n] = s;
		job->kfds[job->n] = kfd;
		job->bfds[job->n++] = bfd;
		from = s + 1;
	}
	return err;
}

int tb_pol_maps_refill(struct tb_pol_maps *m)
{
	struct tb_pol_pool_job *job = &m->job;
	int err;

	harvest(m, 0);
	if (job->running)
		return 0; /* one publish at a time */
	err = create_batch(m, job);
	if (err)
		tb_warn("policy maps: creating pooled slots: %s", strerror(-err));
	if (!job->n)
		return err;
	/*
	 * Publishing waits for two RCU grace periods: on a thread of its own, so that the
	 * agent's loop (and the updates it serves) does not wait with it. Its slots are pending
	 * (never handed out) until harvested.
	 */
	job->fds = m->fds;
	job->running = 1;
	atomic_store(&job->done, 0);
	job->threaded = !pthread_create(&job->thr, NULL, publish_job, job);
	if (!job->threaded)
		publish_job(job);
	return (int)job->n;
}

/* The inner map of `outer` at slot as a new fd, with its name and size. */
static int inner_info(int outer, uint32_t slot, struct bpf_map_info *info)
{
	uint32_t id, len = sizeof(*info);
	int fd;

	if (bpf_map_lookup_elem(outer, &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int tb_pol_pool_adopt(struct tb_pol_maps *m, uint32_t slot)
{
	struct bpf_map_info ki, bi;
	int kfd, bfd;

	if (m->n_pooled >= m->pool_conf.max_pooled)
		return 0;
	kfd = inner_info(m->fds.keys, slot, &ki);
	if (kfd < 0)
		return kfd;
	bfd = inner_info(m->fds.bits, slot, &bi);
	if (bfd < 0) {
		close(kfd);
		return bfd;
	}
	if (strcmp(ki.name, POOL_KEYS_NAME) || strcmp(bi.name, POOL_BITS_NAME)) {
		close(kfd);
		close(bfd);
		return 0;
	}
	m->pool[slot] = (struct tb_pol_pslot){
		.has = 1, .kfd = kfd, .bfd = bfd, .lines = bi.max_entries, .keys = ki.max_entries,
	};
	m->n_pooled++;
	return 1;
}
