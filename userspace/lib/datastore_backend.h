/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the datastore: the table of operations each backend provides. datastore.c owns the
 * public entry points and forwards through this table, so a backend is one file (plus helpers)
 * that fills a struct tb_ds_ops and never touches the public header.
 *
 * A backend's handle types start with the generic header below (first member), so the
 * dispatcher can find the ops from a struct tb_ds * or struct tb_ds_watch * alone.
 *
 * Adding the etcd backend: define `const struct tb_ds_ops tb_ds_etcd_ops` in datastore_etcd.c.
 * datastore.c refers to it weakly until that file exists; a weak reference does not pull an
 * object out of a static archive, so the commit that adds the backend also drops the weak
 * attribute in datastore.c.
 */
#ifndef TABBY_DATASTORE_BACKEND_H
#define TABBY_DATASTORE_BACKEND_H

#include "datastore.h"

struct tb_ds_ops;

struct tb_ds {
	const struct tb_ds_ops *ops;
};

struct tb_ds_watch {
	const struct tb_ds_ops *ops;
};

/*
 * Every function has the contract of the public function of the same name in datastore.h;
 * the dispatcher has already checked the arguments for NULL and empty keys.
 */
struct tb_ds_ops {
	const char *name;
	int (*open)(const struct tb_ds_config *cfg, struct tb_ds **out);
	void (*close)(struct tb_ds *ds);
	int (*revision)(struct tb_ds *ds, int64_t *rev);
	int (*get)(struct tb_ds *ds, const char *key, struct tb_kv *out);
	int (*list)(struct tb_ds *ds, const char *prefix, struct tb_kv_list *out);
	int (*put)(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
		   int64_t *new_rev);
	int (*del)(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev);
	int (*txn)(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev);
	int (*compact)(struct tb_ds *ds, int64_t rev);
	int (*watch_open)(struct tb_ds *ds, const char *prefix, int64_t after_rev,
			  struct tb_ds_watch **out);
	int (*watch_next)(struct tb_ds_watch *w, struct tb_ds_event *ev, int timeout_ms);
	int (*watch_fd)(struct tb_ds_watch *w);
	void (*watch_close)(struct tb_ds_watch *w);
};

extern const struct tb_ds_ops tb_ds_sqlite_ops;

/*
 * Shared by backends: the exclusive upper bound of the keys that start with prefix, i.e. the
 * prefix with its last byte below 0xff incremented and the rest cut off (etcd's range_end).
 * Returns a malloc'd string, or NULL with errno 0 when every key >= prefix matches (prefix
 * empty or all 0xff), or NULL with errno ENOMEM.
 */
char *tb_ds_prefix_end(const char *prefix);

#endif
