// SPDX-License-Identifier: Apache-2.0
/* Label sets to and from JSON objects (metadata.labels as the datastore stores them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

static int ent_cmp(const void *a, const void *b, void *pool)
{
	const struct tb_label_ent *x = a, *y = b;
	const char *p = pool;
	int c = memcmp(p + x->koff, p + y->koff, x->klen < y->klen ? x->klen : y->klen);

	if (c)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* Sizes the pool and entry array for obj in one pass, checking every value is a string. */
static int measure(const json_t *obj, size_t *n, size_t *bytes)
{
	const char *key;
	json_t *val;

	*n = 0;
	*bytes = 0;
	json_object_foreach((json_t *)obj, key, val) {
		if (!json_is_string(val))
			return -EINVAL;
		(*n)++;
		*bytes += strlen(key) + json_string_length(val) + 2;
	}
	if (*n > UINT32_MAX / 4 || *bytes > UINT32_MAX / 2)
		return -EINVAL;
	return 0;
}

/*
 * Builds the whole set at once (append, then one sort) rather than label by label: a bulk
 * load is O(n log n) with exactly two allocations.
 */
int tb_labels_from_json(struct tb_labels *l, const json_t *obj)
{
	const struct tb_labels *parent = l->parent;
	struct tb_labels tmp;
	const char *key;
	json_t *val;
	size_t n, bytes;
	uint32_t i, out;
	int err;

	tb_labels_free(l);
	l->parent = parent;
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return -EINVAL;
	err = measure(obj, &n, &bytes);
	if (err)
		return err;
	if (n == 0)
		return 0;

	tb_labels_init(&tmp);
	tmp.parent = parent;
	tmp.ents = malloc(n * sizeof(*tmp.ents));
	tmp.pool = malloc(bytes);
	if (!tmp.ents || !tmp.pool) {
		err = -ENOMEM;
		goto fail;
	}
	tmp.cap = n;
	tmp.pool_cap = bytes;
	json_object_foreach((json_t *)obj, key, val) {
		struct tb_label_ent *e = &tmp.ents[tmp.n++];
		size_t klen = strlen(key), vlen = json_string_length(val);

		e->koff = tmp.pool_len;
		e->klen = klen;
		memcpy(tmp.pool + tmp.pool_len, key, klen + 1);
		tmp.pool_len += klen + 1;
		e->voff = tmp.pool_len;
		e->vlen = vlen;
		memcpy(tmp.pool + tmp.pool_len, json_string_value(val), vlen);
		tmp.pool[tmp.pool_len + vlen] = '\0';
		tmp.pool_len += vlen + 1;
	}
	qsort_r(tmp.ents, tmp.n, sizeof(*tmp.ents), ent_cmp, tmp.pool);
	/* JSON object keys are unique, but keys with embedded NULs can collide as C strings. */
	for (i = 1, out = 1; i < tmp.n; i++) {
		if (ent_cmp(&tmp.ents[out - 1], &tmp.ents[i], tmp.pool) == 0)
			tmp.ents[out - 1] = tmp.ents[i];
		else
			tmp.ents[out++] = tmp.ents[i];
	}
	tmp.n = out;
	*l = tmp;
	return 0;
fail:
	tb_labels_free(&tmp);
	return err;
}

static int put_json(const char *key, const char *value, void *ctx)
{
	return json_object_set_new_nocheck(ctx, key, json_string_nocheck(value)) ? -ENOMEM : 0;
}

json_t *tb_labels_to_json(const struct tb_labels *l)
{
	json_t *obj = json_object();
	int err;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	err = tb_labels_for_each(l, put_json, obj);
	if (err) {
		json_decref(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}
