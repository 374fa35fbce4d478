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

static const struct tb_cni_cmds cmds = {
	.add = cmd_add,
	.del = cmd_del,
	.check = cmd_check,
	.gc = cmd_gc,
	.status = cmd_status,
};

int main(void)
{
	return tb_cni_run("tabby-cni", &cmds);
}
