// SPDX-License-Identifier: Apache-2.0
/*
 * Test-only program: the classifier alone. The packet after its Ethernet header carries
 * {ifindex, dir, struct tb_flow}, so tests drive tb_policy_decide with exact flows; the
 * result goes to a global the test reads through the skeleton.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/policy.h"

struct tb_ptest_in {
	__u32 ifindex;
	__u32 dir;
	struct tb_flow flow;
};

struct tb_policy_result tb_ptest_res;

SEC("tc")
int tb_policy_test(struct __sk_buff *skb)
{
	struct tb_ptest_in in;

	if (bpf_skb_load_bytes(skb, 14, &in, sizeof(in)))
		return 2;
	tb_policy_decide(&in.flow, in.ifindex,
			 in.dir == TB_DIR_EGRESS ? TB_DIR_EGRESS : TB_DIR_INGRESS, &tb_ptest_res);
	if (tb_ptest_res.rule_id != TB_RULE_NONE)
		tb_policy_count(tb_ptest_res.rule_id, skb->len);
	return tb_ptest_res.allow ? 0 : 2; /* TC_ACT_OK : TC_ACT_SHOT */
}

char LICENSE[] SEC("license") = "Apache-2.0";
