/* SPDX-License-Identifier: Apache-2.0 */
/* The tabby CNI plugin: what its files share. */
#ifndef TABBY_CNI_PLUGIN_H
#define TABBY_CNI_PLUGIN_H

#include <stdint.h>

#include "cni.h"
#include "datastore.h"
#include "wep.h"

/* Who the workload is, derived once from the environment and CNI_ARGS. */
struct workload {
	const struct tb_cni_env *env;
	const struct tb_cni_conf *conf;
	struct tb_cni_args args;
	bool k8s; /* K8S_POD_NAMESPACE and K8S_POD_NAME given */
	struct tb_wep_id id;
	char wep_name[512];
	char wep_key[768];
	char veth[TB_IFNAMSIZ];
	json_t *pod; /* the Pod object, when the datastore has it */
};

int workload_init(struct workload *w, struct tb_ds *ds, const struct tb_cni_env *env,
		  const struct tb_cni_conf *c, struct tb_cni_error *e);
void workload_free(struct workload *w);

/* Networking (net.c). */
extern const uint8_t tb_gw_mac[6];
int net_setup(const struct workload *w, struct tb_cni_result *res, struct tb_cni_error *e);
/* Removes the host-side veth (its peer goes with it). Only the failure path of ADD pays for
 * this synchronous delete; see docs/cni.md. */
void net_undo(const struct workload *w);
/* DEL's cheap part of the networking: the node's routes to the addresses and, when the
 * namespace still exists, the addresses in it. Best effort; the links stay (see del). */
void net_release(const struct workload *w, const struct tb_cni_result *ips);
int net_check(const struct workload *w, const struct tb_cni_result *prev, struct tb_cni_error *e);

/* The WorkloadEndpoint (endpoint.c). */
int endpoint_write(struct tb_ds *ds, const struct workload *w, const struct tb_cni_result *res,
		   int64_t *rev, struct tb_cni_error *e);
/* The addresses the endpoint of this container records; -ENOENT when there is none. */
int endpoint_ips(struct tb_ds *ds, const struct workload *w, struct tb_cni_result *res);
/* Deletes the endpoint if it still belongs to this container. */
int endpoint_delete(struct tb_ds *ds, const struct workload *w, struct tb_cni_error *e);
int endpoint_check(struct tb_ds *ds, const struct workload *w, const struct tb_cni_result *prev,
		   struct tb_cni_error *e);
/* Waits for tabbyd's status file up to policy_setup_timeout_seconds. */
int endpoint_wait_programmed(const struct workload *w, int64_t rev, struct tb_cni_error *e);

/* IPAM: in process for tabby-ipam, else the delegated plugin (ipam.c). */
int ipam_add(struct tb_ds *ds, const struct workload *w, struct tb_cni_result *res,
	     struct tb_cni_error *e);
int ipam_del(struct tb_ds *ds, const struct workload *w, struct tb_cni_error *e);
/* CHECK: the handle still holds the prevResult's addresses (in-process IPAM only). */
int ipam_check(struct tb_ds *ds, const struct workload *w, const struct tb_cni_result *prev,
	       struct tb_cni_error *e);
/* Releases what an earlier ADD of the same container holds (in-process IPAM only). */
int ipam_release_stale(struct tb_ds *ds, const struct workload *w, struct tb_cni_error *e);

/* Commands. */
int cmd_add(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	    struct tb_cni_error *e);
int cmd_del(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	    struct tb_cni_error *e);
int cmd_check(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	      struct tb_cni_error *e);
int cmd_gc(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	   struct tb_cni_error *e);
int cmd_status(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	       struct tb_cni_error *e);

#endif
