/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WorkloadEndpoint identity and naming, as Calico makes them:
 *
 *   name  <node>-<orchestrator>-<workload>-<endpoint>, each part with '-' doubled, so
 *         node "n-1", pod "web-0", endpoint "eth0" -> "n--1-k8s-web--0-eth0"
 *   veth  "tab" + the first 11 hex characters of SHA-1("<namespace>.<pod>"), or of the
 *         container ID without Kubernetes names; a non-eth0 interface hashes
 *         "<...>.<ifname>" so a second interface gets its own host-side name.
 *   key   /calico/resources/v3/projectcalico.org/workloadendpoints/<namespace>/<name>
 */
#ifndef TABBY_WEP_H
#define TABBY_WEP_H

#include <stddef.h>
#include <stdint.h>

#define TB_WEP_PREFIX "/calico/resources/v3/projectcalico.org/workloadendpoints/"
#define TB_VETH_PREFIX "tab"
#define TB_IFNAMSIZ 16

struct tb_wep_id {
	const char *node;
	const char *orchestrator; /* "k8s" with Kubernetes names, else "cni" */
	const char *workload;	  /* pod name, or the container ID */
	const char *endpoint;	  /* the interface name in the workload, e.g. eth0 */
	const char *namespace;	  /* pod namespace, "default" without one */
};

/* Writes the endpoint's name. -ENAMETOOLONG if it does not fit in len. */
int tb_wep_name(const struct tb_wep_id *id, char *buf, size_t len);
/* The datastore key of the endpoint. */
int tb_wep_key(const struct tb_wep_id *id, char *buf, size_t len);
/*
 * Host-side veth name for a workload: ns and pod both set (Kubernetes), or ns NULL and pod
 * the container ID. ifname other than "eth0" is mixed into the hash. buf >= TB_IFNAMSIZ.
 */
int tb_wep_veth_name(const char *ns, const char *pod, const char *ifname, char *buf, size_t len);

/* SHA-1 of data (wep_sha1.c). */
void tb_sha1(const void *data, size_t len, uint8_t out[20]);

#endif
