// SPDX-License-Identifier: Apache-2.0
/*
 * tabbyd, the node agent: datastore watch -> calculation -> BPF dataplane, with the Node
 * resource, endpoint status, health and metrics. Stopping it leaves the dataplane as it is
 * (maps pinned, programs attached): a restarted agent reconciles from there.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "felix_settings.h"
#include "libbpf_log.h"
#include "policy_maps.h"
#include "hostside.h"

#define HOUSEKEEPING_MS 1000

static struct agent agent;

static void on_signal(int sig)
{
	agent.stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_update(void *ctx, const char *key, json_t *doc, int64_t rev)
{
	struct agent *a = ctx;

	tb_debug("datastore: %s changed at revision %lld", key, (long long)rev);
	agent_felix_update(a, key, doc);
	hostside_ds_update(a->hostside, key, doc);
	tb_calc_update(a->calc, key, doc, rev);
}

static void on_remove(void *ctx, const char *key, int64_t rev)
{
	struct agent *a = ctx;

	tb_debug("datastore: %s deleted at revision %lld", key, (long long)rev);
	agent_felix_remove(a, key);
	hostside_ds_remove(a->hostside, key);
	tb_calc_remove(a->calc, key, rev);
}

static void on_sync(void *ctx, int64_t rev)
{
	struct agent *a = ctx;

	if (!a->in_sync)
		tb_info("in sync with the datastore at revision %lld", (long long)rev);
	a->in_sync = true;
}

static const struct tb_syncer_ops syncer_ops = { on_update, on_remove, on_sync };

static void flush(struct agent *a, double t0)
{
	int n = tb_calc_flush(a->calc);

	if (n > 0)
		tb_hist_observe(&a->m.calc_seconds, now_s() - t0);
	a->programmed_rev = tb_syncer_revision(a->syncer);
}

static int setup_logging(void)
{
	const char *lvl = getenv("TABBY_LOG_LEVEL"), *file = getenv("TABBY_LOG_FILE");
	const char *sys = getenv("TABBY_LOG_SYSLOG_LEVEL");
	enum tb_log_level l = TB_LOG_INFO, fl = TB_LOG_INFO, sl;

	tb_log_set_ident("tabbyd");
	if (lvl && *lvl && tb_log_level_parse(lvl, &l)) {
		fprintf(stderr, "tabbyd: TABBY_LOG_LEVEL=%s: none, debug, info, warning, error or "
				"critical\n", lvl);
		return -EINVAL;
	}
	tb_log_set_level(l);
	fl = l == TB_LOG_NONE ? TB_LOG_INFO : l;
	if (file && *file && tb_log_set_file(file, fl)) {
		fprintf(stderr, "tabbyd: cannot open TABBY_LOG_FILE=%s: %s\n", file, strerror(errno));
		return -EINVAL;
	}
	if (sys && *sys) {
		if (tb_log_level_parse(sys, &sl)) {
			fprintf(stderr, "tabbyd: TABBY_LOG_SYSLOG_LEVEL=%s is not a level\n", sys);
			return -EINVAL;
		}
		tb_log_set_syslog(sl);
	}
	return 0;
}

static int start(struct agent *a)
{
	int r = agent_config_from_env(&a->cfg);

	tb_hmap_init(&a->eps);
	if (!r)
		r = tb_client_open(&a->cfg.ds, &a->client);
	if (r) {
		tb_err("cannot open the datastore: %s", strerror(-r));
		return r;
	}
	r = agent_register_node(a);
	if (r)
		tb_warn("cannot register node %s: %s (will carry on)", a->cfg.node, strerror(-r));
	r = agent_dataplane_open(a);
	/* Without it the agent still programs policy: it carries on. */
	if (!r)
		hostside_open_env(a->cfg.node, &a->hostside);
	if (!r)
		r = tb_calc_new(a->cfg.node, &agent_calc_ops, a, &a->calc);
	if (!r)
		r = tb_syncer_new(a->client->ds, "/", &syncer_ops, a, &a->syncer);
	if (!r)
		r = agent_http_open(a);
	if (!r)
		r = tb_syncer_start(a->syncer);
	if (!r)
		flush(a, now_s());
	if (!r && a->in_sync)
		hostside_sweep(a->hostside);
	return r;
}

static void run(struct agent *a)
{
	double next_hk = now_s() + HOUSEKEEPING_MS / 1000.0;

	while (!a->stop) {
		struct pollfd p[3] = {
			{ .fd = tb_syncer_fd(a->syncer), .events = POLLIN },
			{ .fd = a->health.fd, .events = POLLIN },
			{ .fd = a->metrics_http.fd, .events = POLLIN },
		};
		int wait = p[0].fd < 0 ? 20 : (int)((next_hk - now_s()) * 1000) + 1;
		double t0;

		if (poll(p, 3, wait < 0 ? 0 : wait) < 0 && errno != EINTR)
			break;
		t0 = now_s();
		if (p[0].fd < 0 || (p[0].revents & POLLIN)) {
			int n = tb_syncer_poll(a->syncer, 0);

			if (n < 0)
				tb_err("datastore watch: %s", strerror(-n));
			else if (n > 0)
				flush(a, t0);
		}
		if (p[1].revents & POLLIN)
			tb_http_serve(&a->health);
		if (p[2].revents & POLLIN)
			tb_http_serve(&a->metrics_http);
		if (now_s() >= next_hk) {
			agent_dataplane_housekeeping(a);
			flush(a, now_s());
			next_hk = now_s() + HOUSEKEEPING_MS / 1000.0;
		}
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
		printf("tabbyd %s\n", TABBY_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: tabbyd [--version]\n(settings come from the environment: "
				"NODENAME, DATASTORE_TYPE, TABBY_DATASTORE_PATH, TABBY_BPF_PIN_PATH, "
				"TABBY_RUN_DIR, TABBY_LOG_LEVEL, ...; see docs/tabbyd.md)\n");
		return 2;
	}
	if (setup_logging())
		return 2;
	tb_libbpf_log_setup();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = start(&agent);
	if (!r) {
		tb_info("tabbyd %s running as node %s", TABBY_VERSION, agent.cfg.node);
		run(&agent);
		tb_info("stopping; the dataplane keeps its state");
	}
	agent_http_close(&agent);
	tb_syncer_free(agent.syncer);
	tb_calc_free(agent.calc);
	hostside_free(agent.hostside);
	agent_dataplane_close(&agent);
	tb_client_close(agent.client);
	agent_config_free(&agent.cfg);
	return r ? 1 : 0;
}
