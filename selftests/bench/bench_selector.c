// SPDX-License-Identifier: Apache-2.0
/*
 * Selector cost: ns per evaluation of a simple and a complex selector over realistic endpoint
 * label sets, ns per parse, and ns to load a label set from JSON. Each row is the median of
 * several rounds, every round cycling over 64 different endpoints so lookups do not always hit
 * the same cache lines. No peer: Calico's Go code cannot be built on this machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labels.h"
#include "selector.h"

#define N_EP 64
#define ROUNDS 7

static const char simple_sel[] = "app == \"web\"";
static const char complex_sel[] =
	"projectcalico.org/namespace in {\"prod\", \"staging\", \"canary\"} && "
	"(app == \"web\" || app starts with \"api-\") && tier != \"db\" && has(version) && "
	"!has(quarantine) && !(env in {\"dev\", \"test\"} || team ends with \"-sandbox\") && "
	"(zone contains \"east\" || zone contains \"west\") && "
	"pcns.istio-injection not in {\"disabled\"} && release starts with \"v2\"";

struct bench_ctx {
	struct tb_labels eps[N_EP];
	json_t *json[N_EP];
	volatile unsigned long sink;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A pod's labels as tabby would hold them: its own, plus pcns./pcsa. and automatic ones. */
static int make_endpoint(struct bench_ctx *c, int i)
{
	static const char *const apps[] = { "web", "api-orders", "db", "cache" };
	static const char *const nss[] = { "prod", "staging", "dev", "canary" };
	char v[32];
	json_t *j = json_object();

	if (!j)
		return -ENOMEM;
	c->json[i] = j;
	snprintf(v, sizeof(v), "v2.%d", i);
	json_object_set_new(j, "app", json_string(apps[i % 4]));
	json_object_set_new(j, "projectcalico.org/namespace", json_string(nss[(i / 4) % 4]));
	json_object_set_new(j, "projectcalico.org/orchestrator", json_string("k8s"));
	json_object_set_new(j, "projectcalico.org/serviceaccount", json_string("default"));
	json_object_set_new(j, "pcns.projectcalico.org/name", json_string(nss[(i / 4) % 4]));
	json_object_set_new(j, "pcns.istio-injection", json_string("enabled"));
	json_object_set_new(j, "tier", json_string(i % 4 == 2 ? "db" : "frontend"));
	json_object_set_new(j, "version", json_string(v));
	json_object_set_new(j, "release", json_string(v));
	json_object_set_new(j, "team", json_string(i % 8 ? "payments" : "payments-sandbox"));
	json_object_set_new(j, "zone", json_string(i % 3 ? "us-east-1a" : "eu-west-2b"));
	json_object_set_new(j, "pod-template-hash", json_string("7d9c8b6f5d"));
	tb_labels_init(&c->eps[i]);
	return tb_labels_from_json(&c->eps[i], j);
}

static double bench_match(struct bench_ctx *c, const struct tb_selector *s, long iters)
{
	double t[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		unsigned long hits = 0;
		double t0 = now_ns();

		for (long k = 0; k < iters; k++)
			hits += tb_selector_match(s, &c->eps[k % N_EP]);
		t[r] = (now_ns() - t0) / iters;
		c->sink += hits;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp_double);
	return t[ROUNDS / 2];
}

static double bench_parse(struct bench_ctx *c, const char *src, long iters)
{
	double t[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (long k = 0; k < iters; k++) {
			struct tb_selector *s = NULL;

			if (tb_selector_parse(src, &s, NULL, 0))
				return -1;
			c->sink += (unsigned long)tb_selector_label_count(s);
			tb_selector_free(s);
		}
		t[r] = (now_ns() - t0) / iters;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp_double);
	return t[ROUNDS / 2];
}

static double bench_labels_load(struct bench_ctx *c, long iters)
{
	double t[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (long k = 0; k < iters; k++) {
			struct tb_labels l;

			tb_labels_init(&l);
			if (tb_labels_from_json(&l, c->json[k % N_EP]))
				return -1;
			c->sink += tb_labels_count(&l);
			tb_labels_free(&l);
		}
		t[r] = (now_ns() - t0) / iters;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp_double);
	return t[ROUNDS / 2];
}

static void row(const char *name, double value, const char *target)
{
	printf("{\"name\": \"%s\", \"value\": %.1f, \"unit\": \"ns\", \"peer\": null, "
	       "\"peer_value\": null, \"ratio\": null, \"target\": \"%s\"}\n",
	       name, value, target);
}

int main(void)
{
	static struct bench_ctx c;
	struct tb_selector *simple = NULL, *complex = NULL;
	double v[6];
	int ret = 1, i;

	for (i = 0; i < N_EP; i++)
		if (make_endpoint(&c, i))
			goto out;
	if (tb_selector_parse(simple_sel, &simple, NULL, 0) ||
	    tb_selector_parse(complex_sel, &complex, NULL, 0))
		goto out;
	v[0] = bench_match(&c, simple, 2000000);
	v[1] = bench_match(&c, complex, 500000);
	v[2] = bench_parse(&c, simple_sel, 200000);
	v[3] = bench_parse(&c, complex_sel, 20000);
	v[4] = bench_labels_load(&c, 100000);
	for (i = 0; i < 5; i++)
		if (v[i] < 0)
			goto out;
	row("selector_match_simple", v[0], "<= 50");
	row("selector_match_complex", v[1], "<= 400");
	row("selector_parse_simple", v[2], "<= 1000");
	row("selector_parse_complex", v[3], "<= 10000");
	row("selector_labels_from_json", v[4], "<= 2000");
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "bench_selector: setup failed\n");
	tb_selector_free(simple);
	tb_selector_free(complex);
	for (i = 0; i < N_EP; i++) {
		tb_labels_free(&c.eps[i]);
		json_decref(c.json[i]);
	}
	return ret;
}
