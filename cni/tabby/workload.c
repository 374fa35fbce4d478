// SPDX-License-Identifier: Apache-2.0
/* The workload's identity: Kubernetes names when CNI_ARGS has them, else the container ID. */
#include <string.h>

#include "ipam_cni.h"
#include "plugin.h"

int workload_init(struct workload *w, struct tb_ds *ds, const struct tb_cni_env *env,
		  const struct tb_cni_conf *c, struct tb_cni_error *e)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->env = env;
	w->conf = c;
	if (tb_cni_args_parse(env->args, &w->args, e))
		return -1;
	w->k8s =
	    w->args.k8s_namespace && *w->args.k8s_namespace && w->args.k8s_pod && *w->args.k8s_pod;
	w->id.node = c->nodename;
	w->id.endpoint = env->ifname;
	if (w->k8s) {
		w->id.orchestrator = "k8s";
		w->id.workload = w->args.k8s_pod;
		w->id.namespace = w->args.k8s_namespace;
		r = tb_wep_veth_name(w->id.namespace, w->id.workload, env->ifname, w->veth,
				     sizeof(w->veth));
		/* A Pod not synced yet is no error: the endpoint starts with automatic labels. */
		w->pod = tb_k8s_get(ds, "pods", w->id.namespace, w->id.workload);
	} else {
		w->id.orchestrator = "cni";
		w->id.workload = env->container_id;
		w->id.namespace = "default";
		r = tb_wep_veth_name(NULL, env->container_id, env->ifname, w->veth,
				     sizeof(w->veth));
	}
	if (!r)
		r = tb_wep_name(&w->id, w->wep_name, sizeof(w->wep_name));
	if (!r)
		r = tb_wep_key(&w->id, w->wep_key, sizeof(w->wep_key));
	if (r)
		return tb_cni_fail(e, TB_CNI_E_ENV, "cannot name the endpoint of %s: %s",
				   env->container_id, strerror(-r));
	return 0;
}

void workload_free(struct workload *w)
{
	json_decref(w->pod);
	tb_cni_args_free(&w->args);
}
