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
	struct tb_cni_error e = {0};
	struct tb_cni_conf c = {0};
	struct tb_cni_env env;
	char *in = NULL;
	int r = -1;

	tb_cni_log_setup("tabby-cni", NULL);
	if (tb_cni_env_load(&env, &e))
		goto out;
	if (env.cmd == TB_CNI_VERSION) {
		tb_cni_version_print(stdout);
		return 0;
	}
	in = tb_cni_read_stdin();
	if (!in) {
		tb_cni_fail(&e, TB_CNI_E_IO, "cannot read the network configuration on stdin");
		goto out;
	}
	if (tb_cni_conf_parse(in, env.cmd, &c, &e))
		goto out;
	tb_cni_log_setup("tabby-cni", &c);
	r = dispatch(&env, &c, &e);
out:
	if (r) {
		tb_err("%s %s: %s", env.container_id ? env.container_id : "",
		       env.ifname ? env.ifname : "", e.msg);
		tb_cni_error_print(&e, c.cni_version, stdout);
	}
	tb_cni_conf_free(&c);
	free(in);
	return r ? 1 : 0;
}
