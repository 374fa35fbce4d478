// SPDX-License-Identifier: Apache-2.0
/*
 * What the etcd JSON gateway speaks: bytes as base64, int64 as decimal strings (protobuf's
 * JSON mapping), key-values with their create and mod revisions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "datastore_etcd.h"

char *tb_etcd_b64(const char *s)
{
	return tb_etcd_b64n(s, strlen(s));
}

char *tb_etcd_b64n(const char *s, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (!out)
		return NULL;
	tb_base64_encode((const unsigned char *)s, len, out, false);
	return out;
}

char *tb_etcd_unb64(const char *s)
{
	size_t len = strlen(s);
	char *out;
	long n;

	if (len % 4) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return NULL;
	n = tb_base64_decode(s, len, (unsigned char *)out);
	if (n < 0) {
		free(out);
		errno = EINVAL;
		return NULL;
	}
	out[n] = '\0';
	if (memchr(out, '\0', n)) {
		/* tabby's keys and values are text: a NUL inside would silently cut them. */
		free(out);
		errno = EINVAL;
		return NULL;
	}
	return out;
}

int64_t tb_etcd_int(const json_t *obj, const char *field)
{
	const json_t *v = json_object_get(obj, field);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	/* The gateway leaves out fields at their zero value. */
	return 0;
}

int tb_etcd_set_b64(json_t *obj, const char *field, const char *s)
{
	char *b = tb_etcd_b64(s);
	int err;

	if (!b)
		return -ENOMEM;
	err = json_object_set_new(obj, field, json_string(b)) ? -ENOMEM : 0;
	free(b);
	return err;
}

int tb_etcd_set_int(json_t *obj, const char *field, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_object_set_new(obj, field, json_string(buf)) ? -ENOMEM : 0;
}

int tb_etcd_kv_parse(const json_t *kv, struct tb_kv *out)
{
	const char *k = json_string_value(json_object_get(kv, "key"));
	const char *v = json_string_value(json_object_get(kv, "value"));

	memset(out, 0, sizeof(*out));
	if (!k)
		return -EIO;
	out->key = tb_etcd_unb64(k);
	out->value = tb_etcd_unb64(v ? v : "");
	if (!out->key || !out->value) {
		tb_kv_free(out);
		return errno == ENOMEM ? -ENOMEM : -EIO;
	}
	out->create_revision = tb_etcd_int(kv, "create_revision");
	out->mod_revision = tb_etcd_int(kv, "mod_revision");
	return 0;
}

int64_t tb_etcd_header_rev(const json_t *resp)
{
	return tb_etcd_int(json_object_get(resp, "header"), "revision");
}

static int set_str(json_t *obj, const char *field, const char *s)
{
	return json_object_set_new(obj, field, json_string(s)) ? -ENOMEM : 0;
}

int tb_etcd_set_prefix(json_t *obj, const char *prefix)
{
	char *end = tb_ds_prefix_end(prefix);
	int err;

	if (!end && errno)
		return -errno;
	/* etcd's range_end "\0" (base64 AA==) means every key from key on; key "\0" is the
	 * smallest key there is. */
	err = *prefix ? tb_etcd_set_b64(obj, "key", prefix) : set_str(obj, "key", "AA==");
	if (!err)
		err = end ? tb_etcd_set_b64(obj, "range_end", end)
			  : set_str(obj, "range_end", "AA==");
	free(end);
	return err;
}
