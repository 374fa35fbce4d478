// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>

#include "client.h"
#include "ctl.h"

int cmd_version(struct ctl_args *a)
{
	struct tb_client *c = NULL;
	int64_t rev = 0;

	printf("Client Version:    %s\n", TABBY_VERSION);
	if (tb_ds_config_fill(&a->ds))
		return CTL_FAIL;
	printf("Datastore:         %s %s\n", a->ds.type == TB_DS_ETCDV3 ? "etcdv3" : "local",
	       a->ds.type == TB_DS_ETCDV3 ? a->ds.etcd_endpoints : a->ds.path);
	if (tb_client_open(&a->ds, &c) == 0 && tb_ds_revision(c->ds, &rev) == 0)
		printf("Datastore revision: %lld\n", (long long)rev);
	else
		printf("Datastore revision: unavailable\n");
	tb_client_close(c);
	return CTL_OK;
}
