// SPDX-License-Identifier: Apache-2.0
/*
 * tabby: the CNI plugin (DESIGN.md "CNI and IPAM"). It builds the workload's veth, addresses
 * and routes, records the WorkloadEndpoint, and never touches BPF: tabbyd attaches programs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cni.h"
#include "log.h"
#include "plugin.h"

static int dispatch(const struct tb_cni_env *env, const struct tb_cni_conf *c,
		    struct tb_cni_error *e)
{
	struct tb_ds *ds;
	int r;

	if (tb_cni_ds_open(c, &ds, e))
		return -1;
	switch (env->cmd) {
	case TB_CNI_ADD:
		r = cmd_add(ds, env, c, e);
		break;
	case TB_CNI_DEL:
		r = cmd_del(ds, env, c, e);
		break;
	case TB_CNI_CHECK:
		r = cmd_check(ds, env, c, e);
		break;
	case TB_CNI_GC:
		r = cmd_gc(ds, c, e);
		break;
	default:
		r = cmd_status(ds, c, e);
		break;
	}
	tb_ds_close(ds);
	return r;
}

int main(void)
{
	return tb_cni_run("tabby-cni", dispatch);
}
