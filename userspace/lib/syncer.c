// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "log.h"
#include "syncer.h"

struct tb_syncer {
	struct tb_ds *ds;
	char *prefix;
	struct tb_syncer_ops ops;
	void *ctx;
	struct tb_ds_watch *w;
	struct tb_hmap known;	/* key -> (uintptr_t) mod revision the consumer was told */
	int64_t rev;
	unsigned resyncs;
};

int tb_syncer_new(struct tb_ds *ds, const char *prefix, const struct tb_syncer_ops *ops, void *ctx,
		  struct tb_syncer **out)
{
	struct tb_syncer *s = calloc(1, sizeof(*s));

	if (!s || !(s->prefix = strdup(prefix))) {
		free(s);
		return -ENOMEM;
	}
	s->ds = ds;
	s->ops = *ops;
	s->ctx = ctx;
	tb_hmap_init(&s->known);
	*out = s;
	return 0;
}

void tb_syncer_free(struct tb_syncer *s)
{
	if (!s)
		return;
	if (s->w)
		tb_ds_watch_close(s->w);
	tb_hmap_free(&s->known);
	free(s->prefix);
	free(s);
}

static void deliver(struct tb_syncer *s, const char *key, const char *value, int64_t rev)
{
	json_error_t e;
	json_t *doc = json_loads(value, 0, &e);

	if (!doc) {
		tb_warn("syncer: %s is not valid JSON (%s): ignored", key, e.text);
		return;
	}
	tb_hmap_put(&s->known, key, (void *)(uintptr_t)rev, NULL);
	s->ops.update(s->ctx, key, doc, rev);
	json_decref(doc);
}

/* Lists everything and tells the consumer what differs from what it was told before. */
static int relist(struct tb_syncer *s)
{
	struct tb_kv_list l = { 0 };
	struct tb_hmap seen;
	size_t i = 0;
	const char *k;
	void *v;
	int r = tb_ds_list(s->ds, s->prefix, &l);

	if (r)
		return r;
	tb_hmap_init(&seen);
	for (size_t j = 0; j < l.n; j++) {
		uintptr_t told = (uintptr_t)tb_hmap_get(&s->known, l.items[j].key);

		tb_hmap_put(&seen, l.items[j].key, NULL, NULL);
		if (told != (uintptr_t)l.items[j].mod_revision)
			deliver(s, l.items[j].key, l.items[j].value, l.items[j].mod_revision);
	}
	/* Keys the consumer knows that the store no longer has. */
	while (tb_hmap_next(&s->known, &i, &k, &v)) {
		if (tb_hmap_has(&seen, k))
			continue;
		s->ops.remove(s->ctx, k, l.revision);
		tb_hmap_del(&s->known, k);
	}
	tb_hmap_free(&seen);
	s->rev = l.revision;
	tb_kv_list_free(&l);
	if (s->ops.in_sync)
		s->ops.in_sync(s->ctx, s->rev);
	return 0;
}

static int rewatch(struct tb_syncer *s)
{
	int r;

	if (s->w)
		tb_ds_watch_close(s->w);
	s->w = NULL;
	for (int tries = 0; tries < 5; tries++) {
		r = relist(s);
		if (!r)
			r = tb_ds_watch_open(s->ds, s->prefix, s->rev, &s->w);
		if (r != -ESTALE)
			return r;
	}
	return r;
}

int tb_syncer_start(struct tb_syncer *s)
{
	return rewatch(s);
}

int tb_syncer_fd(struct tb_syncer *s)
{
	return s->w ? tb_ds_watch_fd(s->w) : -1;
}

int tb_syncer_poll(struct tb_syncer *s, int timeout_ms)
{
	struct tb_ds_event ev;
	int n = 0, r;

	for (;;) {
		memset(&ev, 0, sizeof(ev));
		r = s->w ? tb_ds_watch_next(s->w, &ev, n ? 0 : timeout_ms) : -ENOTCONN;
		if (r == 0)
			return n;
		if (r < 0) {
			/* Behind compaction or broken: list again and carry on from there. */
			tb_warn("syncer: watch of %s %s: resyncing", s->prefix,
				r == -ESTALE ? "fell behind compaction" : "failed");
			s->resyncs++;
			r = rewatch(s);
			if (r)
				return r;
			return n + 1;
		}
		if (ev.type == TB_DS_EV_PUT) {
			deliver(s, ev.kv.key, ev.kv.value, ev.kv.mod_revision);
		} else {
			tb_hmap_del(&s->known, ev.kv.key);
			s->ops.remove(s->ctx, ev.kv.key, ev.kv.mod_revision);
		}
		s->rev = ev.kv.mod_revision;
		tb_ds_event_free(&ev);
		n++;
	}
}

int64_t tb_syncer_revision(const struct tb_syncer *s)
{
	return s->rev;
}

unsigned tb_syncer_resyncs(const struct tb_syncer *s)
{
	return s->resyncs;
}
