// SPDX-License-Identifier: Apache-2.0
/* Writing resources: validate the whole manifest, then one transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "client.h"
#include "client_batch.h"
#include "client_int.h"
#include "k8s_sync.h"
#include "log.h"

#define WRITE_RETRIES 5

int tb_client_open(const struct tb_ds_config *cfg, struct tb_client **out)
{
	struct tb_client *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = tb_ds_open(cfg, &c->ds);
	if (r) {
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void tb_client_close(struct tb_client *c)
{
	if (!c)
		return;
	tb_ds_close(c->ds);
	free(c);
}

void tb_client_describe(const struct tb_doc *doc, char *buf, size_t len)
{
	const char *kind = json_string_value(json_object_get(doc->obj, "kind"));
	const char *name = tb_res_name(doc->obj);
	const char *ns = tb_res_namespace(doc->obj);
	size_t n;

	tb_doc_describe(doc, buf, len);
	n = strlen(buf);
	if (kind && name)
		snprintf(buf + n, len - n, " (%s %s%s%s)", kind, ns ? ns : "", ns ? "/" : "", name);
	else if (kind)
		snprintf(buf + n, len - n, " (%s)", kind);
}

int tb_client_validate(struct tb_doc_list *docs, const struct tb_kind **kinds, struct tb_diag *diag)
{
	int err = 0;

	for (size_t i = 0; i < docs->n; i++) {
		char where[512];

		tb_client_describe(&docs->docs[i], where, sizeof(where));
		tb_diag_set_prefix(diag, "%s", where);
		if (tb_resource_validate(docs->docs[i].obj, &kinds[i], diag))
			err = -EINVAL;
		else if (tb_client_readonly_name(kinds[i], tb_res_name(docs->docs[i].obj))) {
			tb_diag_add(diag, "metadata.name: names starting with '" TB_KNP_PREFIX
					  "' belong to converted Kubernetes NetworkPolicies: manage "
					  "those as kind NetworkPolicy, apiVersion networking.k8s.io/v1");
			err = -EINVAL;
		}
	}
	tb_diag_set_prefix(diag, NULL);
	return err;
}

bool tb_client_readonly_name(const struct tb_kind *k, const char *name)
{
	return k && name && !strcmp(k->kind, "NetworkPolicy") && !(k->flags & TB_KIND_K8S) &&
	       !strncmp(name, TB_KNP_PREFIX, strlen(TB_KNP_PREFIX));
}

static char *new_uid(void)
{
	unsigned char b[16];
	char *s;

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return NULL;
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	if (asprintf(&s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		     b[13], b[14], b[15]) < 0)
		return NULL;
	return s;
}

static json_t *now_timestamp(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/*
 * The value stored for a document: metadata reduced to what Calico keeps (name, namespace,
 * labels, annotations) plus uid and creationTimestamp, kept from the stored object on update.
 * Kubernetes objects keep their metadata as given, less the resourceVersion.
 */
json_t *tb_client_stored_doc(const struct tb_kind *k, json_t *doc, json_t *cur)
{
	static const char *const keep[] = { "name", "namespace", "labels", "annotations", NULL };
	json_t *meta = json_object_get(doc, "metadata"), *cur_meta = json_object_get(cur, "metadata");
	json_t *out = json_object(), *m;
	const char *key;
	json_t *v;

	if (!out)
		return NULL;
	if (k->flags & TB_KIND_K8S) {
		m = json_deep_copy(meta);
		json_object_del(m, "resourceVersion");
	} else {
		m = json_object();
		for (const char *const *f = keep; *f; f++)
			if (json_object_get(meta, *f))
				json_object_set(m, *f, json_object_get(meta, *f));
	}
	if (json_object_get(cur_meta, "uid"))
		json_object_set(m, "uid", json_object_get(cur_meta, "uid"));
	else if (!json_object_get(m, "uid")) {
		char *uid = new_uid();

		if (uid)
			json_object_set_new(m, "uid", json_string(uid));
		free(uid);
	}
	if (json_object_get(cur_meta, "creationTimestamp"))
		json_object_set(m, "creationTimestamp", json_object_get(cur_meta, "creationTimestamp"));
	else if (!json_is_string(json_object_get(m, "creationTimestamp")))
		json_object_set_new(m, "creationTimestamp", now_timestamp());
	json_object_set(out, "apiVersion", json_object_get(doc, "apiVersion"));
	json_object_set(out, "kind", json_object_get(doc, "kind"));
	json_object_set_new(out, "metadata", m);
	json_object_foreach(doc, key, v)
		if (strcmp(key, "apiVersion") && strcmp(key, "kind") && strcmp(key, "metadata"))
			json_object_set(out, key, v);
	return out;
}

/* Reads a key's current value and revision: 0 (found), -ENOENT, or an error. */
int tb_client_read(struct tb_client *c, const char *key, json_t **val, int64_t *rev)
{
	struct tb_kv kv = { 0 };
	int r = tb_ds_get(c->ds, key, &kv);

	*val = NULL;
	*rev = TB_REV_ABSENT;
	if (r)
		return r;
	*val = json_loads(kv.value, 0, NULL);
	*rev = kv.mod_revision;
	tb_kv_free(&kv);
	if (!*val) {
		tb_err("datastore value at %s is not valid JSON", key);
		return -EIO;
	}
	return 0;
}

static int parse_rv(const char *s, int64_t *rev)
{
	char *end;

	errno = 0;
	*rev = strtoll(s, &end, 10);
	return (errno || end == s || *end || *rev <= 0) ? -EINVAL : 0;
}

/* Adds one document's write to the batch after checking the mode's precondition. */
static int stage_doc(struct tb_client *c, const struct tb_write_set *ws, size_t i,
		     const struct tb_write_opts *o, struct tb_batch *b, struct tb_diag *diag,
		     bool *skipped)
{
	const struct tb_kind *k = ws->kinds[i];
	struct tb_doc *doc = &ws->docs->docs[i];
	const char *rv = json_string_value(
		json_object_get(json_object_get(doc->obj, "metadata"), "resourceVersion"));
	json_t *cur = NULL, *val = NULL;
	char *key = NULL, where[512];
	int64_t rev, want;
	int r;

	*skipped = false;
	tb_client_describe(doc, where, sizeof(where));
	r = tb_resource_key(k, tb_res_namespace(doc->obj), tb_res_name(doc->obj), &key);
	if (r)
		return r;
	r = tb_client_read(c, key, &cur, &rev);
	if (r && r != -ENOENT)
		goto out;
	if (o->mode == TB_WRITE_CREATE && cur) {
		r = o->skip_exists ? 0 : -EEXIST;
		*skipped = o->skip_exists;
		if (r)
			tb_diag_add(diag, "%s: resource already exists", where);
		goto out;
	}
	if (o->mode == TB_WRITE_REPLACE && !cur) {
		tb_diag_add(diag, "%s: resource does not exist", where);
		r = -ENOENT;
		goto out;
	}
	if (rv && *rv && o->mode != TB_WRITE_CREATE) {
		if (parse_rv(rv, &want) || want != rev) {
			tb_diag_add(diag, "%s: resource version '%s' is out of date (latest: %lld): "
					  "update the manifest to make changes", where, rv,
				    (long long)rev);
			r = -ECANCELED;
			goto out;
		}
	}
	r = tb_client_check_write(c, ws, i, cur, where, diag);
	if (r)
		goto out;
	val = tb_client_stored_doc(k, doc->obj, cur);
	r = tb_batch_add(b, TB_TXN_PUT, key, val ? json_dumps(val, JSON_COMPACT) : NULL, rev);
	key = NULL;
	if (!r)
		r = tb_client_side_effects(c, k, val, b);
out:
	json_decref(val);
	json_decref(cur);
	free(key);
	return r;
}

static int write_once(struct tb_client *c, struct tb_doc_list *docs, const struct tb_kind **kinds,
		      const struct tb_write_opts *o, struct tb_diag *diag, int *written)
{
	struct tb_write_set ws = { docs, kinds };
	struct tb_batch b;
	int r = 0, err = 0, n = 0;

	tb_batch_init(&b);
	for (size_t i = 0; i < docs->n; i++) {
		bool skipped;

		r = stage_doc(c, &ws, i, o, &b, diag, &skipped);
		/* Refusals are reported for every document before giving up. */
		if (r == -EEXIST || r == -ENOENT || r == -ECANCELED || r == -EINVAL) {
			err = err ? err : r;
			continue;
		}
		if (r)
			goto out;
		n += !skipped;
	}
	r = err ? err : tb_batch_commit(&b, c->ds, NULL);
	if (!r)
		*written = n;
out:
	tb_batch_free(&b);
	return r;
}

static bool any_resource_version(struct tb_doc_list *docs)
{
	for (size_t i = 0; i < docs->n; i++) {
		json_t *meta = json_object_get(docs->docs[i].obj, "metadata");

		if (json_string_length(json_object_get(meta, "resourceVersion")))
			return true;
	}
	return false;
}

int tb_client_write(struct tb_client *c, struct tb_doc_list *docs, const struct tb_write_opts *o,
		    struct tb_diag *diag, int *written)
{
	const struct tb_kind **kinds = calloc(docs->n + 1, sizeof(*kinds));
	struct tb_diag scratch;
	int r, tries = 0;

	*written = 0;
	if (!kinds)
		return -ENOMEM;
	r = tb_client_validate(docs, kinds, diag);
	if (r)
		goto out;
	/*
	 * Without explicit resource versions a conflict only means someone else wrote between
	 * our read and our transaction: read again and retry, as calicoctl does.
	 */
	do {
		tb_diag_init(&scratch);
		r = write_once(c, docs, kinds, o, &scratch, written);
		if (r != -ECANCELED || any_resource_version(docs) || ++tries >= WRITE_RETRIES) {
			for (size_t i = 0; i < scratch.n; i++)
				tb_diag_add(diag, "%s", scratch.msgs[i]);
			if (r == -ECANCELED && !scratch.n)
				tb_diag_add(diag, "the datastore kept changing under this write: "
						  "gave up after %d tries", tries);
			tb_diag_free(&scratch);
			break;
		}
		tb_diag_free(&scratch);
	} while (1);
out:
	free(kinds);
	return r;
}

int tb_client_put(struct tb_client *c, const struct tb_kind *k, json_t *doc, int64_t expect_rev)
{
	struct tb_batch b;
	json_t *val = NULL;
	char *key = NULL;
	int r;

	tb_batch_init(&b);
	r = tb_resource_key(k, tb_res_namespace(doc), tb_res_name(doc), &key);
	if (r)
		goto out;
	val = tb_client_stored_doc(k, doc, NULL);
	r = tb_batch_add(&b, TB_TXN_PUT, key, val ? json_dumps(val, JSON_COMPACT) : NULL, expect_rev);
	if (!r)
		r = tb_client_side_effects(c, k, val, &b);
	if (!r)
		r = tb_batch_commit(&b, c->ds, NULL);
out:
	json_decref(val);
	tb_batch_free(&b);
	return r;
}
