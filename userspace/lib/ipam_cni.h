/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPAM as the CNI plugins use it, in process: the handle "<network>.<container ID>", the
 * families and pools of the netconf, and the Pod annotations that override them
 * (cni.projectcalico.org/ipv4pools, ipv6pools: JSON lists of pool names or CIDRs;
 * cni.projectcalico.org/ipAddrs: a JSON list of fixed addresses). Shared by `tabby`
 * (when its ipam type is tabby-ipam) and the `tabby-ipam` binary.
 */
#ifndef TABBY_IPAM_CNI_H
#define TABBY_IPAM_CNI_H

#include "cni.h"
#include "datastore.h"

/* The Kubernetes objects' keys (DESIGN.md "Datastore"). */
#define TB_K8S_PREFIX "/tabby/kubernetes/"

struct tb_ipam_cni_req {
	const struct tb_cni_conf *conf;
	const char *container_id;
	const char *k8s_namespace; /* NULL without Kubernetes names */
	const char *k8s_pod;
	const json_t *pod; /* the Pod object when known, for its annotations */
	const char *ips;   /* CNI_ARGS IP=: fixed addresses, comma separated; wins over ipAddrs */
};

void tb_ipam_cni_handle(const char *network, const char *container_id, char *buf, size_t len);
/* Assigns the netconf's families; on any failure releases what it took. Fills res->ips
 * (interface -1) and nothing else. */
int tb_ipam_cni_assign(struct tb_ds *ds, const struct tb_ipam_cni_req *req,
		       struct tb_cni_result *res, struct tb_cni_error *e);
/* Releases the container's handle; absent is fine. */
int tb_ipam_cni_release(struct tb_ds *ds, const struct tb_cni_conf *conf, const char *cid,
			struct tb_cni_error *e);
/*
 * CNI GC: releases the handles of this network and this node whose container is not in the
 * netconf's cni.dev/valid-attachments, calling released(cid, ctx) after each (may be NULL).
 */
int tb_ipam_cni_gc(struct tb_ds *ds, const struct tb_cni_conf *c,
		   void (*released)(const char *cid, void *ctx), void *ctx, struct tb_cni_error *e);
/* Reads a Kubernetes object (/tabby/kubernetes/<plural>/<ns>/<name>); NULL when absent. */
json_t *tb_k8s_get(struct tb_ds *ds, const char *plural, const char *ns, const char *name);

#endif
