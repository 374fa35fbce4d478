// SPDX-License-Identifier: Apache-2.0
/* Clock, percentiles and JSON rows for the benchmarks (bench_report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_report.h"

const char bench_resource_json[] =
	"{\"kind\":\"WorkloadEndpoint\",\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":"
	"{\"name\":\"node1-k8s-pod--1-eth0\",\"namespace\":\"default\",\"labels\":{\"app\":"
	"\"web\",\"projectcalico.org/namespace\":\"default\"}},\"spec\":{\"node\":\"node1\","
	"\"pod\":\"pod-1\",\"endpoint\":\"eth0\",\"interfaceName\":\"tab0123456789a\","
	"\"ipNetworks\":[\"10.65.0.1/32\"],\"profiles\":[\"kns.default\"]}}";

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t bench_percentile(int64_t *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	return v[(size_t)(p * (double)(n - 1) + 0.5)];
}

void bench_row(const char *name, double value, const char *unit, const char *peer,
	       double peer_value, const char *target)
{
	printf("{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"%s\",", name, value, unit);
	if (peer)
		printf("\"peer\":\"%s\",\"peer_value\":%.1f,\"ratio\":%.3f,", peer, peer_value,
		       value / peer_value);
	else
		printf("\"peer\":null,\"peer_value\":null,\"ratio\":null,");
	printf("\"target\":\"%s\"}\n", target);
	fflush(stdout);
}
