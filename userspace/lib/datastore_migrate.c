// SPDX-License-Identifier: Apache-2.0
/*
 * Export and import of a cluster's state (datastore_migrate.h). The import reads and checks
 * the whole input before its first write, so a truncated or edited file leaves the target
 * untouched.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "datastore_migrate.h"
#include "log.h"

#define IMPORT_BATCH 100

static const char *const migrated[] = {"/calico/", "/tabby/"};

#define N_MIGRATED (sizeof(migrated) / sizeof(migrated[0]))

static int export_kv(FILE *out, const struct tb_kv *kv)
{
	json_t *j = json_pack("{s:s, s:s}", "key", kv->key, "value", kv->value);
	int err = j ? json_dumpf(j, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;

	json_decref(j);
	if (err || fputc('\n', out) == EOF)
		return j ? -EIO : -ENOMEM;
	return 0;
}

int tb_ds_export(struct tb_ds *ds, FILE *out)
{
	int err = 0;

	if (!ds || !out)
		return -EINVAL;
	for (size_t p = 0; !err && p < N_MIGRATED; p++) {
		struct tb_kv_list l = {0};

		err = tb_ds_list(ds, migrated[p], &l);
		for (size_t i = 0; !err && i < l.n; i++)
			err = export_kv(out, &l.items[i]);
		tb_kv_list_free(&l);
	}
	if (!err && fflush(out))
		err = -errno;
	return err;
}

struct import {
	char **keys;
	char **values;
	size_t n, cap;
};

static void import_free(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->keys[i]);
		free(im->values[i]);
	}
	free(im->keys);
	free(im->values);
}

static bool is_migrated(const char *key)
{
	for (size_t p = 0; p < N_MIGRATED; p++)
		if (!strncmp(key, migrated[p], strlen(migrated[p])))
			return true;
	return false;
}

/* One line: {"key": migrated key, "value": JSON text}. */
static int import_line(struct import *im, const char *line, size_t lineno)
{
	json_t *j = json_loads(line, 0, NULL), *v = NULL;
	const char *key = json_string_value(json_object_get(j, "key"));
	const char *value = json_string_value(json_object_get(j, "value"));
	int err = 0;

	if (!key || !value || json_object_size(j) != 2 || !is_migrated(key)) {
		tb_err("import line %zu: not {\"key\": \"/calico/...|/tabby/...\", \"value\": ...}",
		       lineno);
		err = -EINVAL;
	} else if (!(v = json_loads(value, JSON_DECODE_ANY, NULL))) {
		tb_err("import line %zu: the value of %s is not JSON", lineno, key);
		err = -EINVAL;
	} else if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 256;
		char **k = realloc(im->keys, cap * sizeof(*k)), **vs;

		im->keys = k ? k : im->keys;
		vs = k ? realloc(im->values, cap * sizeof(*vs)) : NULL;
		im->values = vs ? vs : im->values;
		im->cap = vs ? cap : im->cap;
		err = vs ? 0 : -ENOMEM;
	}
	if (!err) {
		im->keys[im->n] = strdup(key);
		im->values[im->n] = strdup(value);
		err = im->keys[im->n] && im->values[im->n] ? 0 : -ENOMEM;
		im->n++;
	}
	json_decref(v);
	json_decref(j);
	return err;
}

static int import_read(struct import *im, FILE *in)
{
	size_t cap = 0, lineno = 0;
	char *line = NULL;
	ssize_t len;
	int err = 0;

	while (!err && (len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (len <= 1)
			continue;
		err = import_line(im, line, lineno);
	}
	if (!err && ferror(in))
		err = -EIO;
	free(line);
	return err;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A key twice would make the second batch fail after the first was written. */
static int import_check_dups(const struct import *im)
{
	char **keys = malloc((im->n ? im->n : 1) * sizeof(*keys));
	int err = 0;

	if (!keys)
		return -ENOMEM;
	memcpy(keys, im->keys, im->n * sizeof(*keys));
	qsort(keys, im->n, sizeof(*keys), cmp_str_ptr);
	for (size_t i = 1; i < im->n && !err; i++) {
		if (!strcmp(keys[i - 1], keys[i])) {
			tb_err("import: %s appears twice", keys[i]);
			err = -EINVAL;
		}
	}
	free(keys);
	return err;
}

/* The target must hold nothing under the migrated prefixes. */
static int target_empty(struct tb_ds *ds)
{
	int err = 0;

	for (size_t p = 0; !err && p < N_MIGRATED; p++) {
		struct tb_kv_list l = {0};

		err = tb_ds_list(ds, migrated[p], &l);
		if (!err && l.n) {
			tb_err("import: the target datastore already holds %zu keys under %s", l.n,
			       migrated[p]);
			err = -EEXIST;
		}
		tb_kv_list_free(&l);
	}
	return err;
}

int tb_ds_import(struct tb_ds *ds, FILE *in)
{
	struct tb_txn_op ops[IMPORT_BATCH];
	struct import im = {0};
	int err;

	if (!ds || !in)
		return -EINVAL;
	err = import_read(&im, in);
	err = err ?: import_check_dups(&im);
	err = err ?: target_empty(ds);
	for (size_t i = 0; !err && i < im.n; i += IMPORT_BATCH) {
		size_t n = im.n - i < IMPORT_BATCH ? im.n - i : IMPORT_BATCH;

		for (size_t k = 0; k < n; k++)
			ops[k] = (struct tb_txn_op){TB_TXN_PUT, im.keys[i + k], im.values[i + k],
						    TB_REV_ABSENT};
		err = tb_ds_txn(ds, ops, n, NULL);
		if (err == -ECANCELED) {
			tb_err("import: another writer created keys in the target meanwhile");
			err = -EEXIST;
		}
	}
	import_free(&im);
	return err;
}
