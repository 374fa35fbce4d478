/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Datastore test fixture: a store in a fresh temporary directory, removed afterwards, and
 * a way to run the same function in several forked processes at once.
 */
#ifndef TABBY_TEST_DS_FIXTURE_H
#define TABBY_TEST_DS_FIXTURE_H

#include <sys/types.h>

#include "datastore.h"

#define DS_FX_MAX_CHILDREN 64

struct ds_fx {
	char dir[64];
	/* <dir>/store/tabby.db: the parent does not exist, so opening must create it. */
	char path[128];
};

/* Creates the temporary directory. 0 or -errno. */
int ds_fx_init(struct ds_fx *fx);
/* Opens (creating if needed) the fixture's store. 0 or -errno. */
int ds_fx_open(const struct ds_fx *fx, struct tb_ds **out);
/* Removes the directory and everything in it; safe on a fixture that failed to init. */
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
