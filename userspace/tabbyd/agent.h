/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tabbyd: datastore watch -> calculation -> BPF dataplane, with status, health and metrics.
 * One agent per node; several can run on one machine (one per node network namespace), each
 * with its NODENAME and its own pin root and run directory.
 */
#ifndef TABBYD_AGENT_H
#define TABBYD_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "calc.h"
#include "client.h"
#include "conntrack_gc.h"
#include "hmap.h"
#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "syncer.h"

struct agent_config {
	char *node;
	char *pin_path;		/* TABBY_BPF_PIN_PATH (the root; the node's is <root>/<node>) */
	char *run_dir;		/* TABBY_RUN_DIR */
	char *health_host;
	int health_port;	/* 0: off */
	char *metrics_host;
	int metrics_port;	/* 0: off */
	char *ip, *ip6;		/* IP / IP6: address, "autodetect" or "none" */
	char *autodetect;	/* IP_AUTODETECTION_METHOD */
	struct tb_ds_config ds;
};

struct agent_metrics {
	struct tb_hist calc_seconds;
	struct tb_hist dataplane_seconds;
	uint64_t dataplane_failures;
	uint64_t too_large;
	uint64_t updates;
	uint64_t ct_live;
};

/* What the agent programmed for one local endpoint. */
struct agent_ep {
	char *key;
	char *name;
	char *iface;
	int ifindex;
	int64_t revision;
	bool dir_set[2];	/* policy written for ingress / egress */
	bool attached;		/* tc programs on the interface */
	char *too_large[2];	/* why a direction's policy is over the limits (denied), or NULL */
};

struct hostside;

struct agent {
	struct agent_config cfg;
	struct tb_client *client;
	struct tb_syncer *syncer;
	struct tb_calc *calc;
	struct tb_dp *dp;
	struct tb_pol_maps *pol;
	struct tb_ct_timeouts ct_timeouts;
	struct ct_gc_thread *ct_gc;	/* conntrack expiry, on its own thread */
	struct tb_hmap eps;		/* key -> struct agent_ep */
	struct hostside *hostside;	/* host-side reconciler (hostside.h); NULL if it failed */
	struct tb_http health, metrics_http;
	struct agent_metrics m;
	char pin_root[256];
	void *rule_labels;		/* rule_metrics.c: names of each installed set's rules */
	int64_t programmed_rev;	/* every change up to it is in the dataplane */
	bool in_sync;
	bool dataplane_ok;
	volatile sig_atomic_t stop;
};

int agent_config_from_env(struct agent_config *c);
void agent_config_free(struct agent_config *c);

/* Dataplane: BPF objects and the calculation's ops. */
int agent_dataplane_open(struct agent *a);
void agent_dataplane_close(struct agent *a);
extern const struct tb_calc_ops agent_calc_ops;
/* Retries endpoints whose interface was not there yet; collects old tables and conntrack. */
void agent_dataplane_housekeeping(struct agent *a);

/* Status: the Node resource, endpoint status files. */
int agent_register_node(struct agent *a);
void agent_write_endpoint_status(struct agent *a, const struct agent_ep *ep);
void agent_remove_endpoint_status(struct agent *a, const char *name);

/* Health and metrics over HTTP. */
int agent_http_open(struct agent *a);
void agent_http_close(struct agent *a);

#endif
