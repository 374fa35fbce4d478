/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text exposition: histograms and the formatting helpers the agent's metrics use. */
#ifndef TABBY_METRICS_H
#define TABBY_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define TB_HIST_BUCKETS 14

/* A histogram of durations in seconds, buckets from 100 us to 10 s. */
struct tb_hist {
	uint64_t counts[TB_HIST_BUCKETS];
	uint64_t count;
	double sum;
};

void tb_hist_observe(struct tb_hist *h, double seconds);
void tb_metric_hist(FILE *f, const char *name, const char *help, const struct tb_hist *h);
void tb_metric_gauge(FILE *f, const char *name, const char *help, double v);
void tb_metric_counter(FILE *f, const char *name, const char *help, double v);
/* "# HELP" and "# TYPE" lines for a family whose samples the caller prints with labels. */
void tb_metric_family(FILE *f, const char *name, const char *type, const char *help);
/* A label value escaped as Prometheus wants (\\, \", \n). */
void tb_metric_label_value(FILE *f, const char *v);

#endif
