/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Conntrack expiry on a thread of its own. A pass walks the whole table with two syscalls per
 * entry: with a full table that is a large part of a CPU-second, which the agent's loop must
 * never wait for (a policy change arriving meanwhile would). The thread reads the timeouts
 * through a lock, as FelixConfiguration may change them.
 */
#ifndef TABBYD_CT_GC_THREAD_H
#define TABBYD_CT_GC_THREAD_H

#include <stdint.h>

#include "conntrack_gc.h"

struct ct_gc_thread;

/* Starts expiring entries of the map ct_fd every interval_ms. */
int ct_gc_thread_start(int ct_fd, const struct tb_ct_timeouts *t, unsigned interval_ms,
		       struct ct_gc_thread **out);
void ct_gc_thread_set_timeouts(struct ct_gc_thread *g, const struct tb_ct_timeouts *t);
/* Entries left by the last pass. */
uint64_t ct_gc_thread_live(struct ct_gc_thread *g);
void ct_gc_thread_stop(struct ct_gc_thread *g);

#endif
