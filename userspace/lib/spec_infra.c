// SPDX-License-Identifier: Apache-2.0
/* PLACEHOLDER (being replaced): infrastructure schemas accept anything until written. */
#include "spec.h"

#define OPEN(n) const struct tb_schema n = { #n, NULL, NULL, TB_SCHEMA_OPEN }
OPEN(tb_spec_hostendpoint);
OPEN(tb_spec_workloadendpoint);
OPEN(tb_spec_ippool);
OPEN(tb_spec_ipreservation);
OPEN(tb_spec_ipamconfiguration);
OPEN(tb_spec_bgpconfiguration);
OPEN(tb_spec_bgppeer);
OPEN(tb_spec_node);
OPEN(tb_spec_felixconfiguration);
OPEN(tb_spec_k8s_namespace);
OPEN(tb_spec_k8s_pod);
OPEN(tb_spec_k8s_serviceaccount);

void tb_check_infra_doc(struct tb_vctx *c, json_t *doc)
{
}
