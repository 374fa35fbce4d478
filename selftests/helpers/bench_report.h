/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the datastore benchmarks share: a monotonic clock, percentiles of latency samples, the
 * JSON row that scripts/bench.sh gathers ({"name","value","unit","peer","peer_value","ratio",
 * "target"}), and a value of a typical resource's size to write.
 */
#ifndef TABBY_SELFTESTS_BENCH_REPORT_H
#define TABBY_SELFTESTS_BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>

/* A WorkloadEndpoint as tabbyctl stores it. */
extern const char bench_resource_json[];

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bench_now_ns(void);
/* The p-th (0..1) nearest-rank percentile of v; sorts v in place. n must be > 0. */
int64_t bench_percentile(int64_t *v, size_t n, double p);
/* One row on stdout, flushed at once. peer NULL: a row without a peer (null peer fields). */
void bench_row(const char *name, double value, const char *unit, const char *peer,
	       double peer_value, const char *target);

#endif
