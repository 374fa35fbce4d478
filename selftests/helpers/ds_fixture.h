/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Datastore test fixture: a store in a fresh temporary directory, removed afterwards, and
 * a way to run the same function in several forked processes at once.
 *
 * One suite, two backends: TABBY_TEST_DATASTORE=etcdv3 gives each fixture its own one-member
 * etcd (etcd_fixture.h) instead of a SQLite file; unset or "local" is SQLite. The
 * test_datastore_etcd_{suite,watch,concurrency} binaries set it and include the SQLite suites.
 */
#ifndef TABBY_TEST_DS_FIXTURE_H
#define TABBY_TEST_DS_FIXTURE_H

#include <sys/types.h>

#include "datastore.h"

#define DS_FX_MAX_CHILDREN 64

struct etcd_fx;

struct ds_fx {
	char dir[64];
	/* <dir>/store/tabby.db: the parent does not exist, so opening must create it. */
	char path[128];
	enum tb_ds_type type;
	struct etcd_fx *etcd;	/* etcdv3: the member this fixture started */
	/* The revision of an empty store: 0 for SQLite, 1 for etcd (its first revision). */
	int64_t empty_rev;
};

/* Creates the temporary directory (and starts etcd for etcdv3). 0 or -errno. */
int ds_fx_init(struct ds_fx *fx);
/* The backend under test, from TABBY_TEST_DATASTORE. */
enum tb_ds_type ds_fx_backend(void);
/* Opens (creating if needed) the fixture's store. 0 or -errno. */
int ds_fx_open(const struct ds_fx *fx, struct tb_ds **out);
/* Removes the directory and everything in it (and stops etcd); safe on a fixture that failed
 * to init. */
void ds_fx_cleanup(struct ds_fx *fx);

/*
 * Forks n children that each run fn(index, arg) and exit with 0 when it returned 0; waits for
 * all of them. Returns how many failed (or died), or -errno when a fork failed. Children
 * start together: each waits on a pipe that the parent closes once all are forked.
 */
int ds_fx_run_children(int n, int (*fn)(int idx, void *arg), void *arg);
/* The same in two halves, for a parent that works while the children run. */
int ds_fx_start_children(int n, int (*fn)(int idx, void *arg), void *arg, pid_t *pids);
/* Waits for every child; returns how many failed. */
int ds_fx_wait_children(int n, const pid_t *pids);

#endif
