// SPDX-License-Identifier: Apache-2.0
/* Creating and filling one table set's inner maps, and zeroing its counters. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "percpu_counter.h"
#include "policy_maps_int.h"

int tb_pol_map_fds_from_object(const struct bpf_object *obj, struct tb_pol_map_fds *fds)
{
	fds->ep = bpf_object__find_map_fd_by_name(obj, "tb_pol_ep_v1");
	fds->hdr = bpf_object__find_map_fd_by_name(obj, "tb_pol_hdr_v2");
	fds->keys = bpf_object__find_map_fd_by_name(obj, "tb_pol_keys_v2");
	fds->bits = bpf_object__find_map_fd_by_name(obj, "tb_pol_bits_v2");
	fds->cnt = bpf_object__find_map_fd_by_name(obj, "tb_pol_cnt_v1");
	if (fds->ep < 0 || fds->hdr < 0 || fds->keys < 0 || fds->bits < 0 || fds->cnt < 0)
		return -ENOENT;
	return 0;
}

static int create_inner(enum bpf_map_type type, const char *name, uint32_t ksz, uint32_t vsz,
			uint32_t n, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, name, ksz, vsz, n ? n : 1, &o);

	return fd < 0 ? -errno : fd;
}

/* Array contents in batches: one syscall per chunk instead of per entry. */
static int fill_array(int fd, const void *vals, size_t vsz, uint32_t n)
{
	const uint32_t chunk = 4096;
	uint32_t *keys = malloc(chunk * sizeof(*keys));
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && !err; i += chunk) {
		uint32_t cnt = n - i < chunk ? n - i : chunk;

		for (uint32_t k = 0; k < cnt; k++)
			keys[k] = i + k;
		if (bpf_map_update_batch(fd, keys, (const char *)vals + (size_t)i * vsz, &cnt,
					 NULL))
			err = -errno;
	}
	free(keys);
	return err;
}

static int is_hashed(const struct tb_pol_compiled *c, const struct tb_pol_entry *e)
{
	return !!(c->hash_mask & (1u << e->key.field));
}

/* The trie: entries of the fields that are not hashed (the hash is in the set's lines). */
static int fill_trie(int fd, const struct tb_pol_compiled *c)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct tb_pol_entry *e = &c->entries[i];

		if (!is_hashed(c, e) && bpf_map_update_elem(fd, &e->key, &c->class_rec[e->cls], BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The set's lines, with the rules (global ids) in front. */
static int fill_lines(int fd, const struct tb_pol_compiled *c, uint32_t rule_base)
{
	uint64_t *w = malloc(c->n_bits * sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	memcpy(w, c->bits, c->n_bits * sizeof(*w));
	for (uint32_t b = 0; b < c->nbits; b++) {
		struct tb_pol_rule r = c->rules[b];

		r.rule_id += rule_base;
		memcpy(&w[b], &r, sizeof(r));
	}
	err = fill_array(fd, w, sizeof(struct tb_pol_line), tb_pol_set_n_lines(c));
	free(w);
	return err;
}

int tb_pol_counters_zero(int fd, uint32_t base, uint32_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct tb_pol_counter *zero;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	zero = calloc((size_t)ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && !err; i++) {
		uint32_t k = base + i;

		if (bpf_map_update_elem(fd, &k, zero, BPF_ANY))
			err = -errno;
	}
	free(zero);
	return err;
}

static void set_hdr(const struct tb_pol_compiled *c, struct tb_pol_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->nbits = c->nbits;
	hdr->nwords = c->nwords;
	hdr->nsum = c->nsum;
	hdr->field_mask = c->field_mask;
	hdr->hash_mask = c->hash_mask;
	hdr->hash_seed = c->hash_seed;
	hdr->hash_line = c->hash_line;
	hdr->hash_nb_mask = c->hash_nb_mask;
	memcpy(hdr->nlens, c->nlens, sizeof(hdr->nlens));
	memcpy(hdr->lens, c->lens, sizeof(hdr->lens));
}

uint32_t tb_pol_set_n_lpm(const struct tb_pol_compiled *c)
{
	uint32_t n = 0;

	for (size_t i = 0; i < c->n_entries; i++)
		n += !is_hashed(c, &c->entries[i]);
	return n;
}

uint32_t tb_pol_set_n_lines(const struct tb_pol_compiled *c)
{
	return (uint32_t)(c->n_bits / TB_POL_LINE_WORDS);
}

int tb_pol_set_fill(const struct tb_pol_map_fds *fds, uint32_t slot,
		    const struct tb_pol_compiled *c, uint32_t rule_base, int kfd, int bfd)
{
	struct tb_pol_hdr hdr;
	int err;

	set_hdr(c, &hdr);
	err = fill_trie(kfd, c);
	if (!err)
		err = fill_lines(bfd, c, rule_base);
	if (!err && bpf_map_update_elem(fds->hdr, &slot, &hdr, BPF_ANY))
		err = -errno;
	return err;
}

/*
 * Creates and fills a set's two inner maps (fds returned for tb_pol_sets_publish) and its
 * header. Nothing points at the slot yet.
 */
int tb_pol_set_prepare(const struct tb_pol_map_fds *fds, uint32_t slot,
		       const struct tb_pol_compiled *c, uint32_t rule_base, int *kfd, int *bfd)
{
	*bfd = -1;
	*kfd = create_inner(BPF_MAP_TYPE_LPM_TRIE, "tb_pol_keys_i", sizeof(struct tb_pol_key),
			    sizeof(uint32_t), tb_pol_set_n_lpm(c), BPF_F_NO_PREALLOC);
	if (*kfd < 0)
		return *kfd;
	*bfd = create_inner(BPF_MAP_TYPE_ARRAY, "tb_pol_bits_i", 4, sizeof(struct tb_pol_line),
			    tb_pol_set_n_lines(c), BPF_F_INNER_MAP);
	return *bfd < 0 ? *bfd : tb_pol_set_fill(fds, slot, c, rule_base, *kfd, *bfd);
}

/*
 * Puts n prepared sets into their slots. An update of an outer map waits for running programs
 * (an RCU grace period, milliseconds), so all slots go in one batch per outer map.
 */
int tb_pol_sets_publish(const struct tb_pol_map_fds *fds, const uint32_t *slots, const int *kfds,
			const int *bfds, uint32_t n)
{
	uint32_t cnt = n;

	if (!n)
		return 0;
	if (bpf_map_update_batch(fds->keys, slots, kfds, &cnt, NULL))
		return -errno;
	cnt = n;
	if (bpf_map_update_batch(fds->bits, slots, bfds, &cnt, NULL))
		return -errno;
	return 0;
}

/*
 * Takes n sets out of their slots. Arrays of maps have no batch delete (the kernel answers
 * ENOTSUPP, after a grace period): delete one by one, from housekeeping, not from updates.
 */
void tb_pol_sets_unpublish(const struct tb_pol_map_fds *fds, const uint32_t *slots, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		bpf_map_delete_elem(fds->keys, &slots[i]);
		bpf_map_delete_elem(fds->bits, &slots[i]);
	}
}

int tb_pol_maps_counter(const struct tb_pol_maps *m, uint32_t global, uint64_t *packets,
			uint64_t *bytes)
{
	return tb_percpu_counter_sum(m->fds.cnt, global, packets, bytes);
}
