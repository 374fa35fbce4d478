// SPDX-License-Identifier: Apache-2.0
#include "metrics.h"

static const double bounds[TB_HIST_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10,
};

void tb_hist_observe(struct tb_hist *h, double seconds)
{
	for (int i = 0; i < TB_HIST_BUCKETS; i++)
		if (seconds <= bounds[i])
			h->counts[i]++;
	h->count++;
	h->sum += seconds;
}

void tb_metric_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void tb_metric_hist(FILE *f, const char *name, const char *help, const struct tb_hist *h)
{
	tb_metric_family(f, name, "histogram", help);
	for (int i = 0; i < TB_HIST_BUCKETS; i++)
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
			(unsigned long long)h->counts[i]);
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n", name,
		(unsigned long long)h->count, name, h->sum, name, (unsigned long long)h->count);
}

void tb_metric_gauge(FILE *f, const char *name, const char *help, double v)
{
	tb_metric_family(f, name, "gauge", help);
	fprintf(f, "%s %.17g\n", name, v);
}

void tb_metric_counter(FILE *f, const char *name, const char *help, double v)
{
	tb_metric_family(f, name, "counter", help);
	fprintf(f, "%s %.17g\n", name, v);
}

void tb_metric_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}
