// SPDX-License-Identifier: Apache-2.0
/* Writing one table set into the shared maps and taking it out; zeroing its counters. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "percpu_counter.h"
#include "policy_maps_int.h"

int tb_pol_map_fds_from_object(const struct bpf_object *obj, struct tb_pol_map_fds *fds)
{
	fds->ep = bpf_object__find_map_fd_by_name(obj, "tb_pol_ep_v1");
	fds->hdr = bpf_object__find_map_fd_by_name(obj, "tb_pol_hdr_v3");
	fds->lines = bpf_object__find_map_fd_by_name(obj, "tb_pol_lines_v3");
	fds->lpm = bpf_object__find_map_fd_by_name(obj, "tb_pol_lpm_v3");
	fds->cnt = bpf_object__find_map_fd_by_name(obj, "tb_pol_cnt_v1");
	if (fds->ep < 0 || fds->hdr < 0 || fds->lines < 0 || fds->lpm < 0 || fds->cnt < 0)
		return -ENOENT;
	return 0;
}

int tb_pol_lines_capacity(int fd, uint32_t *n)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != sizeof(struct tb_pol_line))
		return -EINVAL;
	*n = info.max_entries;
	return 0;
}

uint32_t tb_pol_set_n_lines(const struct tb_pol_compiled *c)
{
	return (uint32_t)(c->n_bits / TB_POL_LINE_WORDS);
}

/* Lines in batches from line `base`: one syscall per chunk instead of per line. */
static int fill_lines(int fd, const uint64_t *w, uint32_t base, uint32_t n)
{
	const uint32_t chunk = 4096;
	uint32_t *keys = malloc(chunk * sizeof(*keys));
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && !err; i += chunk) {
		uint32_t cnt = n - i < chunk ? n - i : chunk;

		for (uint32_t k = 0; k < cnt; k++)
			keys[k] = base + i + k;
		if (bpf_map_update_batch(fd, keys, w + (size_t)i * TB_POL_LINE_WORDS, &cnt, NULL))
			err = -errno;
	}
	free(keys);
	return err;
}

/* The set's words, its rules' ids made global, written from line `base`. */
static int write_lines(int fd, const struct tb_pol_compiled *c, uint32_t rule_base, uint32_t base)
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
	err = fill_lines(fd, w, base, tb_pol_set_n_lines(c));
	free(w);
	return err;
}

static struct tb_pol_lkey lkey_of(uint32_t slot, const struct tb_pol_key *k)
{
	struct tb_pol_lkey lk = {
	    .prefixlen = 32 + k->prefixlen, .slot_be = htonl(slot), .field = k->field};

	memcpy(lk.data, k->data, sizeof(lk.data));
	return lk;
}

int tb_pol_set_lkeys(const struct tb_pol_compiled *c, uint32_t slot, struct tb_pol_lkey **out,
		     size_t *n)
{
	*n = 0;
	*out = calloc(c->n_entries + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_entries; i++)
		if (!tb_pol_entry_hashed(c, &c->entries[i]))
			(*out)[(*n)++] = lkey_of(slot, &c->entries[i].key);
	return 0;
}

/*
 * The trie entries of the fields that are not hashed (the hash is in the set's lines): the keys
 * tb_pol_set_lkeys() made, in the same order, so what is written is what removal deletes.
 */
static int write_trie(int fd, const struct tb_pol_compiled *c, const struct tb_pol_lkey *lkeys)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n_entries; i++) {
		const struct tb_pol_entry *e = &c->entries[i];

		if (tb_pol_entry_hashed(c, e))
			continue;
		if (bpf_map_update_elem(fd, &lkeys[j++], &c->class_rec[e->cls], BPF_ANY))
			return -errno;
	}
	return 0;
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

static void set_hdr(const struct tb_pol_compiled *c, uint32_t lines, struct tb_pol_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->line_base = lines;
	hdr->n_lines = tb_pol_set_n_lines(c);
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

/*
 * Nothing points at the slot or reads its lines yet: the header goes last, so that a set a
 * restarted agent finds (by its header) is whole.
 */
int tb_pol_set_write(const struct tb_pol_map_fds *fds, uint32_t slot,
		     const struct tb_pol_compiled *c, uint32_t rule_base, uint32_t lines,
		     const struct tb_pol_lkey *lkeys)
{
	struct tb_pol_hdr hdr;
	int err;

	set_hdr(c, lines, &hdr);
	err = write_lines(fds->lines, c, rule_base, lines);
	if (!err)
		err = write_trie(fds->lpm, c, lkeys);
	if (!err && bpf_map_update_elem(fds->hdr, &slot, &hdr, BPF_ANY))
		err = -errno;
	return err;
}

void tb_pol_set_clear(const struct tb_pol_map_fds *fds, uint32_t slot,
		      const struct tb_pol_lkey *lkeys, size_t n_lkeys)
{
	struct tb_pol_hdr zero = {0};

	bpf_map_update_elem(fds->hdr, &slot, &zero, BPF_ANY);
	for (size_t i = 0; i < n_lkeys; i++)
		bpf_map_delete_elem(fds->lpm, &lkeys[i]);
}

int tb_pol_maps_counter(const struct tb_pol_maps *m, uint32_t global, uint64_t *packets,
			uint64_t *bytes)
{
	return tb_percpu_counter_sum(m->fds.cnt, global, packets, bytes);
}
