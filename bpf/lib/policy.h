/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy decision for a new flow (conntrack miss). Owned by the classifier: this first version
 * only fixes the signature the entry programs call; the classifier replaces the body.
 */
#ifndef TABBY_BPF_POLICY_H
#define TABBY_BPF_POLICY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tabby/flow.h"
#include "tabby/drop_reasons.h"

#define TB_RULE_NONE 0xffffffffu

struct tb_policy_result {
	__u32 allow;	/* 1: allow the flow, 0: drop it with `reason` */
	__u32 reason;	/* enum tb_drop_reason when !allow */
	__u32 rule_id;	/* the deciding rule's counter index, TB_RULE_NONE if none */
};

/*
 * Decides a new flow seen on the endpoint behind `ifindex` in direction `dir`
 * (TB_DIR_INGRESS: towards the endpoint). Per-endpoint state lives in maps owned here.
 */
static __always_inline int tb_policy_decide(const struct tb_flow *flow, __u32 ifindex,
					    enum tb_dir dir, struct tb_policy_result *res)
{
	res->allow = 1;
	res->reason = TB_DROP_NONE;
	res->rule_id = TB_RULE_NONE;
	return 0;
}

#endif
