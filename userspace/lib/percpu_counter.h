/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading one slot of a per-CPU array of {packets, bytes} counters (the datapath's
 * struct tb_counter, the classifier's struct tb_pol_counter): the kernel answers with one
 * value per possible CPU, which userspace sums.
 */
#ifndef TABBY_PERCPU_COUNTER_H
#define TABBY_PERCPU_COUNTER_H

#include <stdint.h>

/* Sums the slot over the CPUs. 0 or -errno; packets and bytes may be NULL. */
int tb_percpu_counter_sum(int fd, uint32_t idx, uint64_t *packets, uint64_t *bytes);

#endif
