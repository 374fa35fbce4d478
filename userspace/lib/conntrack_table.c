// SPDX-License-Identifier: Apache-2.0
/*
 * The conntrack table from userspace (see conntrack_table.h).
 */
#include "conntrack_table.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "conntrack_gc.h"

/* The BPF side's tags are plain u32 in the shared mapping; C11 atomics on them here. */
static inline _Atomic uint32_t *tag_at(struct tb_ct_set *s, int way)
{
	return (_Atomic uint32_t *)&s->tag[way];
}

static size_t table_bytes(uint32_t max_entries)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size_t)max_entries * sizeof(struct tb_ct_set);

	return (len + page - 1) / page * page;
}

static int map_shape(int fd, uint32_t *max_entries)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct tb_ct_set) ||
	    !(info.map_flags & BPF_F_MMAPABLE) || info.max_entries < 2)
		return -EINVAL;
	*max_entries = info.max_entries;
	return 0;
}

static int map_table(int fd, struct tb_ct_table *t, uint32_t *max_entries)
{
	void *p;
	int err;

	err = map_shape(fd, max_entries);
	if (err)
		return err;
	t->len = table_bytes(*max_entries);
	p = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	t->sets = p;
	return 0;
}

/* The loader makes max - 1 a power of two; a table made otherwise uses the largest one below. */
static uint32_t pow2_floor(uint32_t n)
{
	uint32_t p = 1;

	while (p <= n / 2)
		p *= 2;
	return p;
}

int tb_ct_table_init(int fd)
{
	struct tb_ct_table t;
	struct tb_ct_meta *m;
	uint32_t max, seed;
	int err;

	err = map_table(fd, &t, &max);
	if (err)
		return err;
	m = &t.sets[0].meta;
	if (m->magic != TB_CT_MAGIC) {
		/* A fixed seed would let flows be chosen to collide in one set. */
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
		m->seed = seed;
		m->mask = pow2_floor(max - 1) - 1;
		atomic_thread_fence(memory_order_release);
		m->magic = TB_CT_MAGIC;
	}
	munmap(t.sets, t.len);
	return 0;
}

int tb_ct_table_open(int fd, struct tb_ct_table *t)
{
	const struct tb_ct_meta *m;
	uint32_t max;
	int err;

	memset(t, 0, sizeof(*t));
	err = map_table(fd, t, &max);
	if (err)
		return err;
	m = &t->sets[0].meta;
	if (m->magic != TB_CT_MAGIC || (uint64_t)m->mask + 2 > max) {
		tb_ct_table_close(t);
		return -EINVAL;
	}
	t->nsets = m->mask + 1;
	t->seed = m->seed;
	return 0;
}

void tb_ct_table_close(struct tb_ct_table *t)
{
	if (t->sets)
		munmap(t->sets, t->len);
	memset(t, 0, sizeof(*t));
}

static struct tb_ct_set *set_of(const struct tb_ct_table *t, const struct tb_ct_key *k,
				uint32_t *tag)
{
	uint64_t h = tb_ct_hash(k, t->seed);

	*tag = tb_ct_tag(h);
	return &t->sets[1 + ((uint32_t)h & (t->nsets - 1))];
}

static int find_way(struct tb_ct_set *s, uint32_t tag, const struct tb_ct_key *k)
{
	for (int i = 0; i < TB_CT_WAYS; i++) {
		if (atomic_load_explicit(tag_at(s, i), memory_order_acquire) == tag &&
		    !memcmp(&s->e[i].key, k, sizeof(*k)))
			return i;
	}
	return -1;
}

/* Entry -> value; the coarse creation stamp is unwrapped against the last-seen time. */
static void entry_value(const struct tb_ct_entry *e, struct tb_ct_value *v)
{
	uint32_t age = tb_ct_coarse(e->last_seen_ns) - e->created;

	memset(v, 0, sizeof(*v));
	v->last_seen_ns = e->last_seen_ns;
	v->created_ns = e->last_seen_ns - ((uint64_t)age << TB_CT_COARSE_SHIFT);
	v->rule_id = e->rule_id;
	v->state = e->state;
	v->flags = e->flags;
	v->opener_dir = e->opener_dir;
}

/* Copies way i when it holds a published entry that stays so while copied: 0 or -EAGAIN. */
static int copy_way(struct tb_ct_set *s, int i, uint32_t *tag, struct tb_ct_entry *e)
{
	uint32_t t = atomic_load_explicit(tag_at(s, i), memory_order_acquire);

	if (t == TB_CT_TAG_EMPTY || t == TB_CT_TAG_BUSY)
		return -EAGAIN;
	memcpy(e, &s->e[i], sizeof(*e));
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(tag_at(s, i), memory_order_relaxed) != t)
		return -EAGAIN;
	*tag = t;
	return 0;
}

int tb_ct_table_get(const struct tb_ct_table *t, const struct tb_ct_key *k,
		    struct tb_ct_value *v)
{
	struct tb_ct_entry e;
	struct tb_ct_set *s;
	uint32_t tag, got;
	int i;

	s = set_of(t, k, &tag);
	i = find_way(s, tag, k);
	if (i < 0 || copy_way(s, i, &got, &e) || got != tag ||
	    memcmp(&e.key, k, sizeof(*k)))
		return -ENOENT;
	entry_value(&e, v);
	return 0;
}

static int pick_way(struct tb_ct_set *s, uint32_t tag, const struct tb_ct_key *k, uint32_t now_c)
{
	uint32_t oldest = 0;
	int i, pick = -1;

	i = find_way(s, tag, k);
	if (i >= 0)
		return i;
	for (i = 0; i < TB_CT_WAYS; i++) {
		uint32_t t = atomic_load_explicit(tag_at(s, i), memory_order_relaxed);

		if (t == TB_CT_TAG_EMPTY)
			return i;
		if (t != TB_CT_TAG_BUSY && (pick < 0 || now_c - s->seen[i] > oldest)) {
			pick = i;
			oldest = now_c - s->seen[i];
		}
	}
	return pick;
}

int tb_ct_table_put(struct tb_ct_table *t, const struct tb_ct_key *k, const struct tb_ct_value *v)
{
	struct tb_ct_entry *e;
	struct tb_ct_set *s;
	uint32_t tag, old;
	int i;

	s = set_of(t, k, &tag);
	i = pick_way(s, tag, k, tb_ct_coarse(tb_ct_now_ns()));
	if (i < 0)
		return -EBUSY;
	old = atomic_load_explicit(tag_at(s, i), memory_order_relaxed);
	if (old == TB_CT_TAG_BUSY ||
	    !atomic_compare_exchange_strong(tag_at(s, i), &old, TB_CT_TAG_BUSY))
		return -EBUSY;
	e = &s->e[i];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->rule_id = v->rule_id;
	e->last_seen_ns = v->last_seen_ns;
	e->created = tb_ct_coarse(v->created_ns);
	e->state = v->state;
	e->flags = v->flags;
	e->opener_dir = v->opener_dir;
	s->seen[i] = tb_ct_coarse(v->last_seen_ns);
	atomic_store_explicit(tag_at(s, i), tag, memory_order_release);
	return 0;
}

/* Empties way i if it still holds the entry tagged `tag`: 1 if it did. */
static int clear_way(struct tb_ct_set *s, int i, uint32_t tag)
{
	return atomic_compare_exchange_strong(tag_at(s, i), &tag, TB_CT_TAG_EMPTY);
}

int tb_ct_table_delete(struct tb_ct_table *t, const struct tb_ct_key *k)
{
	struct tb_ct_set *s;
	uint32_t tag;
	int i;

	s = set_of(t, k, &tag);
	i = find_way(s, tag, k);
	if (i < 0 || !clear_way(s, i, tag))
		return -ENOENT;
	return 0;
}

int tb_ct_table_walk(struct tb_ct_table *t, tb_ct_visit_fn fn, void *arg, uint64_t *deleted)
{
	uint64_t n = 0;
	int rc = 0;

	for (uint32_t si = 1; si <= t->nsets && rc >= 0; si++) {
		struct tb_ct_set *s = &t->sets[si];

		for (int i = 0; i < TB_CT_WAYS; i++) {
			struct tb_ct_entry e;
			struct tb_ct_value v;
			uint32_t tag;

			if (copy_way(s, i, &tag, &e))
				continue;
			entry_value(&e, &v);
			rc = fn(&e.key, &v, arg);
			if (rc < 0)
				break;
			/* A way rewritten since the copy keeps its new flow. */
			if (rc == 1 && clear_way(s, i, tag))
				n++;
		}
	}
	if (deleted)
		*deleted = n;
	return rc < 0 ? rc : 0;
}
