// SPDX-License-Identifier: Apache-2.0
/* PLACEHOLDER (being replaced): policy-side schemas accept anything until written. */
#include "spec.h"

#define OPEN(n) const struct tb_schema n = { #n, NULL, NULL, TB_SCHEMA_OPEN }
OPEN(tb_spec_globalnetworkpolicy);
OPEN(tb_spec_networkpolicy);
OPEN(tb_spec_stagedglobalnetworkpolicy);
OPEN(tb_spec_stagednetworkpolicy);
OPEN(tb_spec_stagedkubernetesnetworkpolicy);
OPEN(tb_spec_kubernetesnetworkpolicy);
OPEN(tb_spec_tier);
OPEN(tb_spec_profile);
OPEN(tb_spec_globalnetworkset);
OPEN(tb_spec_networkset);

void tb_check_policy_doc(struct tb_vctx *c, json_t *doc)
{
}
