/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The datastore: one interface, two backends (DESIGN.md "Datastore").
 *
 *   local   SQLite in WAL mode (datastore_sqlite.c), safe for many processes at once
 *   etcdv3  etcd v3 through its JSON gateway (datastore_etcd.c)
 *
 * Every write bumps one global revision. Reads return the revision they saw. Writes can be
 * conditional on a key's mod revision (compare-and-swap). A watch streams every change after
 * a revision; a watcher that fell behind compaction gets -ESTALE and resyncs from a full list.
 *
 * Errors are -errno:
 *   -ENOENT     key absent (get, conditional delete)
 *   -ECANCELED  a compare failed (put/delete/txn with an expected revision)
 *   -ESTALE     watch start revision was compacted away: list again, then watch from there
 *   -EIO        the store is corrupt or unreadable (never reported as an empty store)
 *   -ECONNREFUSED/-ETIMEDOUT/-EACCES  backend reachability and auth (etcd)
 */
#ifndef TABBY_DATASTORE_H
#define TABBY_DATASTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_DS_DEFAULT_PATH "/var/lib/tabby/tabby.db"

/* Expected-revision values for conditional writes. */
#define TB_REV_ANY (-1)	/* unconditional */
#define TB_REV_ABSENT 0 /* the key must not exist (create) */

enum tb_ds_type {
	TB_DS_UNSET = 0,
	TB_DS_LOCAL,
	TB_DS_ETCDV3,
};

/* Client settings: netconf/flags first, then the environment, then defaults. */
struct tb_ds_config {
	enum tb_ds_type type;
	char *path;		/* local */
	char *etcd_endpoints;	/* comma list of URLs */
	char *etcd_ca_cert_file;
	char *etcd_cert_file;
	char *etcd_key_file;
	char *etcd_username;
	char *etcd_password;
};

/* Parses "local" / "etcdv3" (and Calico's "kubernetes" is refused with -ENOTSUP). */
int tb_ds_type_parse(const char *s, enum tb_ds_type *out);
/* Fills every unset field from DATASTORE_TYPE, TABBY_DATASTORE_PATH, ETCD_* then defaults. */
int tb_ds_config_fill(struct tb_ds_config *cfg);
void tb_ds_config_free(struct tb_ds_config *cfg);

struct tb_kv {
	char *key;
	char *value;		/* NUL-terminated JSON text */
	int64_t create_revision;
	int64_t mod_revision;
};

struct tb_kv_list {
	struct tb_kv *items;	/* sorted by key */
	size_t n;
	int64_t revision;	/* store revision the list was read at */
};

void tb_kv_free(struct tb_kv *kv);
void tb_kv_list_free(struct tb_kv_list *l);

/* One operation of an atomic transaction. */
enum tb_txn_op_type {
	TB_TXN_PUT,
	TB_TXN_DELETE,
};

struct tb_txn_op {
	enum tb_txn_op_type type;
	const char *key;
	const char *value;	/* PUT only */
	/* The key's mod revision must equal this for the transaction to commit; TB_REV_ANY for no
	 * condition, TB_REV_ABSENT for "must not exist". */
	int64_t expect_rev;
};

/* A store handle, and a watch, is used by one thread at a time and never across fork(). */
struct tb_ds;

int tb_ds_open(const struct tb_ds_config *cfg, struct tb_ds **out);
void tb_ds_close(struct tb_ds *ds);

/* Current store revision. */
int tb_ds_revision(struct tb_ds *ds, int64_t *rev);
/* -ENOENT if absent. out is filled and owned by the caller (tb_kv_free). */
int tb_ds_get(struct tb_ds *ds, const char *key, struct tb_kv *out);
/* Every key starting with prefix, sorted. Bytes, as etcd: end it with '/' for a directory. */
int tb_ds_list(struct tb_ds *ds, const char *prefix, struct tb_kv_list *out);
/* Put; with expect_rev as in struct tb_txn_op. *new_rev (may be NULL) gets the write's revision. */
int tb_ds_put(struct tb_ds *ds, const char *key, const char *value, int64_t expect_rev,
	      int64_t *new_rev);
/* Delete; -ENOENT if absent (with any expect_rev). */
int tb_ds_delete(struct tb_ds *ds, const char *key, int64_t expect_rev, int64_t *new_rev);
/*
 * All operations commit together with one revision, or none does: -ECANCELED if any
 * condition fails (nothing written). A DELETE of an absent key with TB_REV_ANY is a no-op.
 */
int tb_ds_txn(struct tb_ds *ds, const struct tb_txn_op *ops, size_t n, int64_t *new_rev);

/* Watch. */
enum tb_ds_event_type {
	TB_DS_EV_PUT,
	TB_DS_EV_DELETE,
};

struct tb_ds_event {
	enum tb_ds_event_type type;
	struct tb_kv kv;	/* for DELETE: key and mod_revision (the delete's revision), value NULL */
	char *prev_value;	/* previous value when known, else NULL */
};

void tb_ds_event_free(struct tb_ds_event *ev);

struct tb_ds_watch;

/* Streams every change to keys under prefix with revision > after_rev. -ESTALE if after_rev
 * is older than what the store still keeps (the caller lists and watches again). */
int tb_ds_watch_open(struct tb_ds *ds, const char *prefix, int64_t after_rev,
		     struct tb_ds_watch **out);
/*
 * Next event in revision order. Waits up to timeout_ms (-1 forever, 0 poll).
 * Returns 1 with *ev filled, 0 on timeout, -ESTALE when the watcher fell behind compaction,
 * or another -errno.
 */
int tb_ds_watch_next(struct tb_ds_watch *w, struct tb_ds_event *ev, int timeout_ms);
/* A file descriptor that becomes readable when events may be pending (for poll loops), or -1.
 * Once it is readable, call tb_ds_watch_next(w, ev, 0) until it returns 0, then poll again. */
int tb_ds_watch_fd(struct tb_ds_watch *w);
void tb_ds_watch_close(struct tb_ds_watch *w);

/* Drops the change history at and below rev (what etcd calls compaction). */
int tb_ds_compact(struct tb_ds *ds, int64_t rev);

#endif
