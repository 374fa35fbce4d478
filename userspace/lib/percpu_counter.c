// SPDX-License-Identifier: Apache-2.0
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

#include "percpu_counter.h"
#include "tabby/counters.h"
#include "tabby/policy.h"

_Static_assert(sizeof(struct tb_counter) == sizeof(struct tb_pol_counter),
	       "both counter maps hold {packets, bytes}");

int tb_percpu_counter_sum(int fd, uint32_t idx, uint64_t *packets, uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t p = 0, b = 0;
	struct tb_counter *v;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	/* One value per possible CPU: a buffer sized for fewer is overrun by the kernel. */
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &idx, v))
		err = -errno;
	for (int i = 0; i < ncpu && !err; i++) {
		p += v[i].packets;
		b += v[i].bytes;
	}
	free(v);
	if (packets)
		*packets = p;
	if (bytes)
		*bytes = b;
	return err;
}
