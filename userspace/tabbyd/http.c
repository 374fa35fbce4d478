// SPDX-License-Identifier: Apache-2.0
/* Health (/liveness, /readiness) and Prometheus metrics (/metrics). */
#include <errno.h>
#include <string.h>

#include "agent.h"
#include "percpu_counter.h"
#include "rule_metrics.h"
#include "tabby/counters.h"
#include "tabby/drop_reasons.h"
#include "bpf_loader.h"
#include "hostside.h"
#include <stdlib.h>

static int health(void *ctx, const char *path, FILE *f)
{
	struct agent *a = ctx;

	if (!strcmp(path, "/liveness")) {
		fputs("ok\n", f);
		return 200;
	}
	if (!strcmp(path, "/readiness")) {
		bool ready = a->in_sync && a->dataplane_ok;

		fputs(ready ? "ready\n" : "not ready\n", f);
		return ready ? 200 : 503;
	}
	fputs("not found\n", f);
	return 404;
}

static void drops(struct agent *a, FILE *f)
{
	int fd = tb_dp_map_fd(a->dp, TB_DROPS_MAP_NAME);

	tb_metric_family(f, "tabby_drops_total", "counter", "Packets dropped, by reason.");
	for (unsigned r = 1; r < TB_DROP_MAX; r++) {
		uint64_t packets = 0;

		if (fd >= 0)
			tb_percpu_counter_sum(fd, r, &packets, NULL);
		fprintf(f, "tabby_drops_total{reason=\"%s\"} %llu\n", tb_drop_reason_name(r),
			(unsigned long long)packets);
	}
}

/*
 * Live conntrack entries overwritten to make room for new flows: a connection that breaks
 * while this grows lost its entry to a full set.
 */
static void ct_evictions(struct agent *a, FILE *f)
{
	int fd = tb_dp_map_fd(a->dp, TB_STATS_MAP_NAME);
	uint64_t n = 0;

	if (fd >= 0)
		tb_percpu_counter_sum(fd, TB_STAT_CT_EVICTED, &n, NULL);
	tb_metric_counter(f, "tabby_conntrack_evictions_total",
			  "Live conntrack entries evicted by new flows (their set was full).", n);
}

/* One series per endpoint direction denied for being over the limits, naming the limit. */
static void too_large(struct agent *a, FILE *f)
{
	size_t i = 0;
	const char *k;
	void *v;

	tb_metric_family(f, "tabby_endpoint_policy_too_large", "gauge",
			 "1 for an endpoint direction whose policy exceeds the dataplane's limits "
			 "(its traffic is denied); the limit label says which.");
	while (tb_hmap_next(&a->eps, &i, &k, &v)) {
		struct agent_ep *e = v;

		for (int d = 0; d < 2; d++) {
			if (!e->too_large[d])
				continue;
			fprintf(f, "tabby_endpoint_policy_too_large{endpoint=\"");
			tb_metric_label_value(f, e->name);
			fprintf(f, "\",direction=\"%s\",limit=\"", d ? "egress" : "ingress");
			tb_metric_label_value(f, e->too_large[d]);
			fprintf(f, "\"} 1\n");
		}
	}
}

static int metrics(void *ctx, const char *path, FILE *f)
{
	struct agent *a = ctx;
	struct tb_calc_stats s;

	if (strcmp(path, "/metrics")) {
		fputs("not found\n", f);
		return 404;
	}
	tb_calc_stats(a->calc, &s);
	tb_metric_gauge(f, "tabby_endpoints", "Workload and host endpoints known.", s.endpoints);
	tb_metric_gauge(f, "tabby_local_endpoints", "Endpoints on this node.", s.local_endpoints);
	tb_metric_gauge(f, "tabby_policies", "Policies known (Calico and converted Kubernetes).", s.policies);
	tb_metric_gauge(f, "tabby_profiles", "Profiles known.", s.profiles);
	tb_metric_gauge(f, "tabby_selectors", "Selectors active (policies and rule sets).", s.selectors);
	tb_metric_gauge(f, "tabby_ip_sets", "IP and IP+port sets active.", s.ip_sets);
	tb_metric_gauge(f, "tabby_policy_lists", "Distinct policy lists of local endpoints.", s.lists);
	tb_metric_hist(f, "tabby_calc_duration_seconds", "Time to process a batch of datastore changes.",
		       &a->m.calc_seconds);
	tb_metric_hist(f, "tabby_dataplane_update_duration_seconds",
		       "Time to program one endpoint direction's policy.", &a->m.dataplane_seconds);
	tb_metric_counter(f, "tabby_dataplane_failures_total", "Dataplane updates that failed.",
			  a->m.dataplane_failures);
	too_large(a, f);
	tb_metric_counter(f, "tabby_policy_too_large_total",
			  "Endpoint directions denied because their policy exceeds the dataplane's limits.",
			  a->m.too_large);
	tb_metric_counter(f, "tabby_resyncs_total", "Datastore resyncs after a watch fell behind.",
			  tb_syncer_resyncs(a->syncer));
	tb_metric_gauge(f, "tabby_datastore_revision",
			"Datastore revision whose changes are all programmed.", a->programmed_rev);
	tb_metric_gauge(f, "tabby_conntrack_entries", "Conntrack entries in use.", a->m.ct_live);
	hostside_write_metrics(a->hostside, f);
	if (a->dp) {
		drops(a, f);
		ct_evictions(a, f);
		agent_rule_metrics_print(a, f);
	}
	return 200;
}

int agent_http_open(struct agent *a)
{
	int r = 0;

	a->health.fd = a->metrics_http.fd = -1;
	if (a->cfg.health_port)
		r = tb_http_listen(&a->health, a->cfg.health_host, a->cfg.health_port, health, a);
	if (r) {
		tb_err("cannot listen for health checks on %s:%d: %s", a->cfg.health_host,
		       a->cfg.health_port, strerror(-r));
		return r;
	}
	if (a->cfg.metrics_port)
		r = tb_http_listen(&a->metrics_http, a->cfg.metrics_host, a->cfg.metrics_port, metrics, a);
	if (r)
		tb_err("cannot listen for metrics on %s:%d: %s", a->cfg.metrics_host,
		       a->cfg.metrics_port, strerror(-r));
	return r;
}

void agent_http_close(struct agent *a)
{
	tb_http_close(&a->health);
	tb_http_close(&a->metrics_http);
}
