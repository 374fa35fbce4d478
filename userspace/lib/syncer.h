/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keeps a consumer in step with the datastore: a full list, then a watch from the list's
 * revision. When the watch falls behind compaction (or breaks), it lists again and reports
 * only the difference against what the consumer was told: updates for new or changed keys,
 * removals for keys that are gone. The consumer never sees a gap.
 */
#ifndef TABBY_SYNCER_H
#define TABBY_SYNCER_H

#include <stdint.h>
#include <jansson.h>

#include "datastore.h"

struct tb_syncer_ops {
	/* doc is borrowed for the call. */
	void (*update)(void *ctx, const char *key, json_t *doc, int64_t rev);
	void (*remove)(void *ctx, const char *key, int64_t rev);
	/* After a (re)list has been delivered: the consumer is in sync at rev. */
	void (*in_sync)(void *ctx, int64_t rev);
};

struct tb_syncer;

/* Watches every key under prefix. */
int tb_syncer_new(struct tb_ds *ds, const char *prefix, const struct tb_syncer_ops *ops, void *ctx,
		  struct tb_syncer **out);
void tb_syncer_free(struct tb_syncer *s);
/* Lists and starts watching. */
int tb_syncer_start(struct tb_syncer *s);
/* Readable when events may be pending (poll it), or -1. */
int tb_syncer_fd(struct tb_syncer *s);
/* Delivers pending events, waiting up to timeout_ms for the first. Returns the number of
 * events delivered or -errno (a resync is handled inside and is not an error). */
int tb_syncer_poll(struct tb_syncer *s, int timeout_ms);
/* The revision the consumer is in sync with, and how many resyncs happened. */
int64_t tb_syncer_revision(const struct tb_syncer *s);
unsigned tb_syncer_resyncs(const struct tb_syncer *s);

#endif
