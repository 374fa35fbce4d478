// SPDX-License-Identifier: Apache-2.0
/*
 * tabby-ipam: the CNI IPAM plugin. ADD assigns from the datastore's block IPAM, DEL
 * releases the handle "<network>.<container ID>", CHECK verifies the handle still holds the
 * prevResult's addresses, GC releases handles of this network whose container is not in
 * the valid list, STATUS says whether an address could be assigned at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "ipam.h"
#include "ipam_cni.h"
#include "log.h"

static int cmd_add(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
		   struct tb_cni_error *e)
{
	struct tb_ipam_cni_req req = {.conf = c, .container_id = env->container_id};
	struct tb_cni_args args;
	struct tb_cni_result res = {0};
	json_t *pod = NULL;
	int r;

	if (tb_cni_args_parse(env->args, &args, e))
		return -1;
	req.ips = args.ip;
	if (args.k8s_namespace && args.k8s_pod) {
		req.k8s_namespace = args.k8s_namespace;
		req.k8s_pod = args.k8s_pod;
		pod = tb_k8s_get(ds, "pods", args.k8s_namespace, args.k8s_pod);
		req.pod = pod;
	}
	r = tb_ipam_cni_assign(ds, &req, &res, e);
	if (!r && tb_cni_print_result(&res, c->cni_version))
		r = tb_cni_fail(e, TB_CNI_E_IO, "cannot write the result");
	json_decref(pod);
	tb_cni_args_free(&args);
	return r;
}

static int cmd_check(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
		     struct tb_cni_error *e)
{
	struct tb_cni_result prev;
	struct tb_ip *ips = NULL;
	char handle[512];
	size_t n = 0;
	int r = 0;

	if (!c->prev_result || tb_cni_result_parse(c->prev_result, &prev))
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "CHECK needs a prevResult");
	tb_ipam_cni_handle(c->name, env->container_id, handle, sizeof(handle));
	if (tb_ipam_handle_ips(ds, handle, &ips, &n))
		return tb_cni_fail(e, TB_CNI_E_IO, "cannot read IPAM handle %s", handle);
	for (int i = 0; i < prev.n_ips && !r; i++) {
		bool found = false;
		char a[TB_IP_STRLEN];

		for (size_t j = 0; j < n; j++)
			found |= tb_ip_equal(&ips[j], &prev.ips[i].ip);
		tb_ip_format(&prev.ips[i].ip, a, sizeof(a));
		if (!found)
			r = tb_cni_fail(e, TB_CNI_E_INTERNAL, "address %s is not held by handle %s",
					a, handle);
	}
	free(ips);
	return r;
}

static int release_handle(struct tb_ds *ds, const struct tb_cni_env *env,
			  const struct tb_cni_conf *c, struct tb_cni_error *e)
{
	return tb_ipam_cni_release(ds, c, env->container_id, e);
}

static int gc_handles(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
		      struct tb_cni_error *e)
{
	return tb_ipam_cni_gc(ds, c, NULL, NULL, e);
}

static int cmd_status(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
		      struct tb_cni_error *e)
{
	struct tb_ipam_pools pools;
	bool v4 = false, v6 = false;

	if (tb_ipam_pools_load(ds, &pools))
		return tb_cni_fail(e, TB_CNI_E_NOT_AVAILABLE, "cannot read IPPools");
	for (size_t i = 0; i < pools.n; i++) {
		if (pools.v[i].disabled || !pools.v[i].workload)
			continue;
		v4 |= pools.v[i].cidr.ip.family == AF_INET;
		v6 |= pools.v[i].cidr.ip.family == AF_INET6;
	}
	tb_ipam_pools_free(&pools);
	if ((c->assign_ipv4 && !v4) || (c->assign_ipv6 && !v6))
		return tb_cni_fail(e, TB_CNI_E_NOT_AVAILABLE,
				   "no enabled IPPool for the families this network assigns");
	return 0;
}

/* DEL and GC are the library's, as tabby's in-process IPAM uses them. */
static const struct tb_cni_cmds ipam_cmds = {
	.add = cmd_add,
	.del = release_handle,
	.check = cmd_check,
	.gc = gc_handles,
	.status = cmd_status,
};

int main(void)
{
	return tb_cni_run("tabby-ipam", &ipam_cmds);
}
