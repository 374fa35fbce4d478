// SPDX-License-Identifier: Apache-2.0
/*
 * The conntrack table from userspace (see conntrack_table.h; layout and protocol in
 * headers/tabby/conntrack.h).
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

/* A way of a set, with the index word that owns it and the set's deadlines. */
struct way_ref {
	struct tb_ct_set *set;
	_Atomic uint64_t *fpw;
	struct tb_ct_dl *dl;
	int way;
};

static size_t table_bytes(uint32_t max_entries)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size_t)max_entries * sizeof(struct tb_ct_set);

	return (len + page - 1) / page * page;
}

static int map_table(int fd, struct tb_ct_table *t, uint32_t *max_entries)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(struct tb_ct_set) ||
	    !(info.map_flags & BPF_F_MMAPABLE) || info.max_entries < tb_ct_elems(1))
		return -EINVAL;
	*max_entries = info.max_entries;
	t->len = table_bytes(info.max_entries);
	p = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	t->map = p;
	return 0;
}

/* The most sets that fit in `max` elements (the loader sizes tables to fit exactly). */
static uint32_t sets_for(uint32_t max)
{
	uint32_t n = 1;

	while (n <= 0x40000000u && tb_ct_elems(n * 2) <= max)
		n *= 2;
	return n;
}

int tb_ct_table_init(int fd, const struct tb_ct_timeouts *timeouts)
{
	struct tb_ct_table t;
	struct tb_ct_meta *m;
	uint32_t max, seed, nsets;
	int err;

	err = map_table(fd, &t, &max);
	if (err)
		return err;
	m = &t.map[0].meta;
	if (m->magic != TB_CT_MAGIC) {
		/* A fixed seed would let flows be chosen to collide in one set. */
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();
		nsets = sets_for(max);
		m->seed = seed;
		m->mask = nsets - 1;
		m->base = 1 + tb_ct_nmeta(nsets);
		atomic_thread_fence(memory_order_release);
		m->magic = TB_CT_MAGIC;
	}
	/* Userspace writes compute deadlines with the timeouts the programs now use. */
	t.map[0].timeouts = *timeouts;
	munmap(t.map, t.len);
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
	m = &t->map[0].meta;
	if (m->magic != TB_CT_MAGIC || m->base != 1 + tb_ct_nmeta(m->mask + 1) ||
	    (uint64_t)m->base + m->mask + 1 > max) {
		tb_ct_table_close(t);
		return -EINVAL;
	}
	t->nsets = m->mask + 1;
	t->base = m->base;
	t->seed = m->seed;
	return 0;
}

void tb_ct_table_close(struct tb_ct_table *t)
{
	if (t->map)
		munmap(t->map, t->len);
	memset(t, 0, sizeof(*t));
}

static void set_ref(const struct tb_ct_table *t, uint32_t s, struct way_ref *r)
{
	struct tb_ct_setmeta *sm = &t->map[1 + s / TB_CT_META_PER_ELEM].m[s % TB_CT_META_PER_ELEM];

	r->set = &t->map[t->base + s];
	r->fpw = (_Atomic uint64_t *)&sm->fp;
	r->dl = &sm->dl;
	r->way = -1;
}

static void locate(const struct tb_ct_table *t, const struct tb_ct_key *k, struct way_ref *r,
		   uint16_t *tag, uint8_t *fp)
{
	uint64_t h = tb_ct_hash(k, t->seed);

	set_ref(t, (uint32_t)h & (t->nsets - 1), r);
	*tag = tb_ct_tag(h);
	*fp = tb_ct_fp(h);
}

static uint8_t fp_byte(uint64_t word, int way)
{
	return (uint8_t)(word >> (8 * way));
}

static _Atomic uint16_t *tag_at(const struct way_ref *r)
{
	return (_Atomic uint16_t *)&r->set->e[r->way].tag;
}

/* The way of `r`'s set holding k, or -1. */
static int find_way(struct way_ref *r, uint16_t tag, uint8_t fp, const struct tb_ct_key *k)
{
	uint64_t word = atomic_load_explicit(r->fpw, memory_order_acquire);

	for (r->way = 0; r->way < TB_CT_WAYS; r->way++) {
		if (fp_byte(word, r->way) == fp &&
		    atomic_load_explicit(tag_at(r), memory_order_acquire) == tag &&
		    !memcmp(&r->set->e[r->way].key, k, sizeof(*k)))
			return r->way;
	}
	return r->way = -1;
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
}

/* Copies r's way when it holds a published entry that stays so while copied: 0 or -EAGAIN. */
static int copy_way(const struct way_ref *r, uint16_t *tag, struct tb_ct_entry *e)
{
	uint8_t fp = fp_byte(atomic_load_explicit(r->fpw, memory_order_acquire), r->way);
	uint16_t t = atomic_load_explicit(tag_at(r), memory_order_acquire);

	if (fp == TB_CT_FP_EMPTY || fp == TB_CT_FP_BUSY || t == TB_CT_TAG_EMPTY ||
	    t == TB_CT_TAG_BUSY)
		return -EAGAIN;
	memcpy(e, &r->set->e[r->way], sizeof(*e));
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(tag_at(r), memory_order_relaxed) != t)
		return -EAGAIN;
	*tag = t;
	return 0;
}

int tb_ct_table_get(const struct tb_ct_table *t, const struct tb_ct_key *k,
		    struct tb_ct_value *v)
{
	struct tb_ct_entry e;
	struct way_ref r;
	uint16_t tag, got;
	uint8_t fp;

	locate(t, k, &r, &tag, &fp);
	if (find_way(&r, tag, fp, k) < 0 || copy_way(&r, &got, &e) || got != tag ||
	    memcmp(&e.key, k, sizeof(*k)))
		return -ENOENT;
	entry_value(&e, v);
	return 0;
}

/* Claims r's way in the index (its byte to BUSY) if it still reads `expect`: 1 if done. */
static int claim(const struct way_ref *r, uint8_t expect)
{
	uint64_t word = atomic_load_explicit(r->fpw, memory_order_acquire);
	uint64_t shift = 8 * (uint64_t)r->way;

	for (;;) {
		uint64_t claimed = (word & ~(0xffull << shift)) | (0xffull << shift);

		if (fp_byte(word, r->way) != expect)
			return 0;
		if (atomic_compare_exchange_weak(r->fpw, &word, claimed))
			return 1;
	}
}

/* Sets r's way's index byte (the way is ours: only its byte changes). */
static void set_fp(const struct way_ref *r, uint8_t fp)
{
	atomic_store_explicit((_Atomic uint8_t *)((uint8_t *)r->fpw + r->way), fp,
			      memory_order_release);
}

static int pick_way(struct way_ref *r, uint16_t tag, uint8_t fp, const struct tb_ct_key *k,
		    uint16_t now_dl, uint8_t *expect)
{
	int pick = -1, soonest = 0, left;
	uint64_t word;

	if (find_way(r, tag, fp, k) >= 0) {
		*expect = fp;
		return r->way;
	}
	word = atomic_load_explicit(r->fpw, memory_order_acquire);
	for (int i = 0; i < TB_CT_WAYS; i++) {
		uint8_t b = fp_byte(word, i);

		if (b == TB_CT_FP_EMPTY) {
			*expect = b;
			return r->way = i;
		}
		if (b == TB_CT_FP_BUSY)
			continue;
		left = tb_ct_dl_left(r->dl->way[i], now_dl);
		if (pick < 0 || left < soonest) {
			pick = i;
			soonest = left;
			*expect = b;
		}
	}
	return r->way = pick;
}

int tb_ct_table_put(struct tb_ct_table *t, const struct tb_ct_key *k, const struct tb_ct_value *v)
{
	const struct tb_ct_timeouts *to = &t->map[0].timeouts;
	struct tb_ct_entry *e;
	struct way_ref r;
	uint8_t fp, expect;
	uint16_t tag;

	locate(t, k, &r, &tag, &fp);
	if (pick_way(&r, tag, fp, k, tb_ct_dl_now(tb_ct_now_ns()), &expect) < 0 ||
	    !claim(&r, expect))
		return -EBUSY;
	atomic_store_explicit(tag_at(&r), TB_CT_TAG_BUSY, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	e = &r.set->e[r.way];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->rule_id = v->rule_id;
	e->last_seen_ns = v->last_seen_ns;
	e->created = tb_ct_coarse(v->created_ns);
	e->state = v->state;
	e->flags = v->flags;
	r.dl->way[r.way] = tb_ct_deadline(v->last_seen_ns, tb_ct_timeout(to, k->proto, v->state));
	atomic_store_explicit(tag_at(&r), tag, memory_order_release);
	set_fp(&r, fp);
	return 0;
}

/* Empties r's way if it still holds the entry tagged `tag` under index byte `fp`: 1 if so. */
static int clear_way(const struct way_ref *r, uint16_t tag, uint8_t fp)
{
	if (!claim(r, fp))
		return 0;
	if (atomic_load_explicit(tag_at(r), memory_order_acquire) != tag) {
		set_fp(r, fp); /* rewritten meanwhile: not ours to delete */
		return 0;
	}
	atomic_store_explicit(tag_at(r), TB_CT_TAG_EMPTY, memory_order_release);
	set_fp(r, TB_CT_FP_EMPTY);
	return 1;
}

int tb_ct_table_delete(struct tb_ct_table *t, const struct tb_ct_key *k)
{
	struct way_ref r;
	uint16_t tag;
	uint8_t fp;

	locate(t, k, &r, &tag, &fp);
	if (find_way(&r, tag, fp, k) < 0 || !clear_way(&r, tag, fp))
		return -ENOENT;
	return 0;
}

int tb_ct_table_walk(struct tb_ct_table *t, tb_ct_visit_fn fn, void *arg, uint64_t *deleted)
{
	uint64_t n = 0;
	int rc = 0;

	for (uint32_t s = 0; s < t->nsets && rc >= 0; s++) {
		struct way_ref r;
		uint64_t word;

		set_ref(t, s, &r);
		word = atomic_load_explicit(r.fpw, memory_order_acquire);
		if (!word)
			continue; /* an empty set: its 512 bytes are not even read */
		for (r.way = 0; r.way < TB_CT_WAYS; r.way++) {
			uint8_t fp = fp_byte(word, r.way);
			struct tb_ct_entry e;
			struct tb_ct_value v;
			uint16_t tag;

			if (fp == TB_CT_FP_EMPTY || fp == TB_CT_FP_BUSY || copy_way(&r, &tag, &e))
				continue;
			entry_value(&e, &v);
			rc = fn(&e.key, &v, arg);
			if (rc < 0)
				break;
			/* A way rewritten since the copy keeps its new flow. */
			if (rc == 1 && clear_way(&r, tag, fp))
				n++;
		}
	}
	if (deleted)
		*deleted = n;
	return rc < 0 ? rc : 0;
}

static int delete_every(const struct tb_ct_key *k, const struct tb_ct_value *v, void *arg)
{
	(void)k;
	(void)v;
	(void)arg;
	return 1;
}

int tb_ct_table_clear(struct tb_ct_table *t, uint64_t *deleted)
{
	return tb_ct_table_walk(t, delete_every, NULL, deleted);
}
