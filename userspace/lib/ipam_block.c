// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam_block.h"

/* Blocks larger than this are refused: an IPv6 /64 block would need 2^64 slots. */
#define BLOCK_MAX_SIZE (1u << 16)

static int block_alloc_arrays(struct tb_ipam_block *b)
{
	b->size = tb_cidr_size(&b->cidr);
	if (b->size == 0 || b->size > BLOCK_MAX_SIZE)
		return -ERANGE;
	b->alloc = malloc(sizeof(*b->alloc) * b->size);
	b->unalloc = malloc(sizeof(*b->unalloc) * b->size);
	b->seq_alloc = calloc(b->size, sizeof(*b->seq_alloc));
	if (!b->alloc || !b->unalloc || !b->seq_alloc)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->size; i++)
		b->alloc[i] = -1;
	return 0;
}

int tb_ipam_block_init(struct tb_ipam_block *b, const struct tb_cidr *cidr, const char *affinity)
{
	int r;

	memset(b, 0, sizeof(*b));
	b->cidr = *cidr;
	r = block_alloc_arrays(b);
	if (r)
		goto fail;
	for (uint32_t i = 0; i < b->size; i++)
		b->unalloc[i] = i;
	b->n_unalloc = b->size;
	if (affinity) {
		b->affinity = strdup(affinity);
		if (!b->affinity) {
			r = -ENOMEM;
			goto fail;
		}
	}
	return 0;
fail:
	tb_ipam_block_free(b);
	return r;
}

void tb_ipam_block_free(struct tb_ipam_block *b)
{
	for (uint32_t i = 0; i < b->n_attrs; i++) {
		free(b->attrs[i].handle_id);
		json_decref(b->attrs[i].secondary);
	}
	free(b->attrs);
	free(b->alloc);
	free(b->unalloc);
	free(b->seq_alloc);
	free(b->affinity);
	memset(b, 0, sizeof(*b));
}

static int parse_attrs(json_t *arr, struct tb_ipam_block *b)
{
	size_t i;
	json_t *a;

	if (!json_is_array(arr))
		return arr ? -EINVAL : 0;
	b->attrs = calloc(json_array_size(arr) + 1, sizeof(*b->attrs));
	if (!b->attrs)
		return -ENOMEM;
	json_array_foreach(arr, i, a) {
		json_t *h = json_object_get(a, "handle_id");
		json_t *s = json_object_get(a, "secondary");

		if (json_is_string(h)) {
			b->attrs[i].handle_id = strdup(json_string_value(h));
			if (!b->attrs[i].handle_id)
				return -ENOMEM;
		}
		if (json_is_object(s))
			b->attrs[i].secondary = json_incref(s);
		b->n_attrs = i + 1;
	}
	return 0;
}

static int parse_allocs(json_t *root, struct tb_ipam_block *b)
{
	json_t *allocs = json_object_get(root, "allocations");
	json_t *unalloc = json_object_get(root, "unallocated");
	json_t *seqs = json_object_get(root, "sequenceNumberForAllocation");
	size_t i;
	json_t *v;

	if (!json_is_array(allocs) || json_array_size(allocs) != b->size || !json_is_array(unalloc))
		return -EINVAL;
	json_array_foreach(allocs, i, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= (json_int_t)b->n_attrs)
			return -EINVAL;
		b->alloc[i] = (int32_t)json_integer_value(v);
	}
	json_array_foreach(unalloc, i, v) {
		json_int_t o = json_integer_value(v);

		if (!json_is_integer(v) || o < 0 || o >= b->size || b->alloc[o] >= 0 ||
		    b->n_unalloc >= b->size)
			return -EINVAL;
		b->unalloc[b->n_unalloc++] = (uint32_t)o;
	}
	if (json_is_object(seqs)) {
		const char *k;

		json_object_foreach(seqs, k, v) {
			unsigned long o = strtoul(k, NULL, 10);

			if (o < b->size && json_is_integer(v))
				b->seq_alloc[o] = (uint64_t)json_integer_value(v);
		}
	}
	return 0;
}

int tb_ipam_block_from_json(const char *text, struct tb_ipam_block *b)
{
	json_t *root = json_loads(text, 0, NULL);
	json_t *aff;
	int r = -EINVAL;

	memset(b, 0, sizeof(*b));
	if (!json_is_object(root))
		goto out;
	if (!json_is_string(json_object_get(root, "cidr")) ||
	    tb_cidr_parse(json_string_value(json_object_get(root, "cidr")), &b->cidr))
		goto out;
	r = block_alloc_arrays(b);
	if (r)
		goto out;
	aff = json_object_get(root, "affinity");
	if (json_is_string(aff)) {
		b->affinity = strdup(json_string_value(aff));
		if (!b->affinity) {
			r = -ENOMEM;
			goto out;
		}
	}
	b->strict_affinity = json_is_true(json_object_get(root, "strictAffinity"));
	b->deleted = json_is_true(json_object_get(root, "deleted"));
	b->seq = (uint64_t)json_integer_value(json_object_get(root, "sequenceNumber"));
	r = parse_attrs(json_object_get(root, "attributes"), b);
	if (r)
		goto out;
	r = parse_allocs(root, b);
out:
	json_decref(root);
	if (r)
		tb_ipam_block_free(b);
	return r;
}

static json_t *attrs_to_json(const struct tb_ipam_block *b)
{
	json_t *arr = json_array();

	for (uint32_t i = 0; arr && i < b->n_attrs; i++) {
		json_t *a = json_object();

		json_object_set_new(a, "handle_id",
				    b->attrs[i].handle_id ? json_string(b->attrs[i].handle_id)
							  : json_null());
		json_object_set(a, "secondary",
				b->attrs[i].secondary ? b->attrs[i].secondary : json_null());
		json_array_append_new(arr, a);
	}
	return arr;
}

char *tb_ipam_block_to_json(const struct tb_ipam_block *b)
{
	json_t *root = json_object(), *allocs = json_array(), *un = json_array();
	json_t *seqs = json_object();
	char cidr[TB_CIDR_STRLEN], k[16];
	char *text = NULL;

	if (!root || !allocs || !un || !seqs)
		goto out;
	tb_cidr_format(&b->cidr, cidr, sizeof(cidr));
	for (uint32_t i = 0; i < b->size; i++) {
		json_array_append_new(allocs,
				      b->alloc[i] < 0 ? json_null() : json_integer(b->alloc[i]));
		if (b->alloc[i] >= 0 && b->seq_alloc[i]) {
			snprintf(k, sizeof(k), "%u", i);
			json_object_set_new(seqs, k, json_integer((json_int_t)b->seq_alloc[i]));
		}
	}
	for (uint32_t i = 0; i < b->n_unalloc; i++)
		json_array_append_new(un, json_integer(b->unalloc[i]));
	json_object_set_new(root, "cidr", json_string(cidr));
	json_object_set_new(root, "affinity", b->affinity ? json_string(b->affinity) : json_null());
	json_object_set_new(root, "strictAffinity", json_boolean(b->strict_affinity));
	json_object_set(root, "allocations", allocs);
	json_object_set(root, "unallocated", un);
	json_object_set_new(root, "attributes", attrs_to_json(b));
	json_object_set_new(root, "deleted", json_boolean(b->deleted));
	json_object_set_new(root, "sequenceNumber", json_integer((json_int_t)b->seq));
	json_object_set(root, "sequenceNumberForAllocation", seqs);
	text = json_dumps(root, JSON_COMPACT);
out:
	json_decref(allocs);
	json_decref(un);
	json_decref(seqs);
	json_decref(root);
	if (!text)
		errno = ENOMEM;
	return text;
}

bool tb_ipam_block_affine_to(const struct tb_ipam_block *b, const char *node)
{
	return b->affinity && !strncmp(b->affinity, "host:", 5) && !strcmp(b->affinity + 5, node);
}

uint32_t tb_ipam_block_used(const struct tb_ipam_block *b)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < b->size; i++)
		n += b->alloc[i] >= 0;
	return n;
}

/* The attribute index for (handle, secondary), added when new. */
static int attr_index(struct tb_ipam_block *b, const char *handle, const json_t *secondary)
{
	struct tb_ipam_attr *na;

	for (uint32_t i = 0; i < b->n_attrs; i++) {
		const struct tb_ipam_attr *a = &b->attrs[i];

		if ((a->handle_id && handle && !strcmp(a->handle_id, handle)) &&
		    json_equal(a->secondary, (json_t *)secondary))
			return (int)i;
	}
	na = realloc(b->attrs, sizeof(*na) * (b->n_attrs + 1));
	if (!na)
		return -ENOMEM;
	b->attrs = na;
	na[b->n_attrs].handle_id = handle ? strdup(handle) : NULL;
	na[b->n_attrs].secondary = secondary ? json_deep_copy(secondary) : NULL;
	if (handle && !na[b->n_attrs].handle_id)
		return -ENOMEM;
	return (int)b->n_attrs++;
}

static void take_ordinal(struct tb_ipam_block *b, uint32_t pos, int attr)
{
	uint32_t o = b->unalloc[pos];

	memmove(&b->unalloc[pos], &b->unalloc[pos + 1],
		sizeof(*b->unalloc) * (b->n_unalloc - pos - 1));
	b->n_unalloc--;
	b->alloc[o] = attr;
	b->seq_alloc[o] = b->seq;
	b->seq++;
}

int tb_ipam_block_assign(struct tb_ipam_block *b, uint32_t want, const char *handle,
			 const json_t *secondary, tb_ipam_skip_fn skip, void *skip_ctx,
			 struct tb_ip *out)
{
	uint32_t got = 0, pos = 0;
	int attr = -1;

	while (got < want && pos < b->n_unalloc) {
		struct tb_ip ip;

		tb_cidr_nth(&b->cidr, b->unalloc[pos], &ip);
		if (skip && skip(&ip, skip_ctx)) {
			pos++;
			continue;
		}
		if (attr < 0) {
			attr = attr_index(b, handle, secondary);
			if (attr < 0)
				return attr;
		}
		take_ordinal(b, pos, attr);
		out[got++] = ip;
	}
	return (int)got;
}

int tb_ipam_block_assign_ip(struct tb_ipam_block *b, const struct tb_ip *ip, const char *handle,
			    const json_t *secondary)
{
	uint64_t o;
	int attr;

	if (!tb_cidr_contains(&b->cidr, ip))
		return -ERANGE;
	o = tb_cidr_ordinal(&b->cidr, ip);
	for (uint32_t pos = 0; pos < b->n_unalloc; pos++) {
		if (b->unalloc[pos] != o)
			continue;
		attr = attr_index(b, handle, secondary);
		if (attr < 0)
			return attr;
		take_ordinal(b, pos, attr);
		return 0;
	}
	return -EEXIST;
}

/* Drops attributes no allocation points at, renumbering the rest. */
static void compact_attrs(struct tb_ipam_block *b)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < b->n_attrs; i++) {
		bool used = false;

		for (uint32_t o = 0; o < b->size && !used; o++)
			used = b->alloc[o] == (int32_t)i;
		if (!used) {
			free(b->attrs[i].handle_id);
			json_decref(b->attrs[i].secondary);
			continue;
		}
		for (uint32_t o = 0; o < b->size; o++)
			if (b->alloc[o] == (int32_t)i)
				b->alloc[o] = (int32_t)out;
		b->attrs[out++] = b->attrs[i];
	}
	b->n_attrs = out;
}

static void free_ordinal(struct tb_ipam_block *b, uint32_t o)
{
	b->alloc[o] = -1;
	b->seq_alloc[o] = 0;
	b->unalloc[b->n_unalloc++] = o;
}

uint32_t tb_ipam_block_release_handle(struct tb_ipam_block *b, const char *handle)
{
	uint32_t n = 0;

	for (uint32_t o = 0; o < b->size; o++) {
		const char *h = tb_ipam_block_handle_at(b, o);

		if (h && !strcmp(h, handle)) {
			free_ordinal(b, o);
			n++;
		}
	}
	if (n)
		compact_attrs(b);
	return n;
}

int tb_ipam_block_release_ip(struct tb_ipam_block *b, const struct tb_ip *ip, char **handle_out)
{
	uint64_t o;
	const char *h;

	if (handle_out)
		*handle_out = NULL;
	if (!tb_cidr_contains(&b->cidr, ip))
		return -ERANGE;
	o = tb_cidr_ordinal(&b->cidr, ip);
	if (b->alloc[o] < 0)
		return -ENOENT;
	h = tb_ipam_block_handle_at(b, (uint32_t)o);
	if (handle_out && h) {
		*handle_out = strdup(h);
		if (!*handle_out)
			return -ENOMEM;
	}
	free_ordinal(b, (uint32_t)o);
	compact_attrs(b);
	return 0;
}

const char *tb_ipam_block_handle_at(const struct tb_ipam_block *b, uint32_t ordinal)
{
	if (ordinal >= b->size || b->alloc[ordinal] < 0)
		return NULL;
	return b->attrs[b->alloc[ordinal]].handle_id;
}

uint32_t tb_ipam_block_count_handle(const struct tb_ipam_block *b, const char *handle)
{
	uint32_t n = 0;

	for (uint32_t o = 0; o < b->size; o++) {
		const char *h = tb_ipam_block_handle_at(b, o);

		n += h && !strcmp(h, handle);
	}
	return n;
}
