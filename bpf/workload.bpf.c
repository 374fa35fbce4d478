// SPDX-License-Identifier: Apache-2.0
/*
 * tc programs for the host side of a workload veth. One object serves every endpoint: the
 * endpoint is the skb's ifindex, and everything per endpoint lives in maps.
 *   tb_wl_ingress: tc ingress, traffic from the workload, judged by its egress policy;
 *   tb_wl_egress:  tc egress, traffic to the workload, judged by its ingress policy.
 *   tb_clock_sync: run once by the loader to align the datapath clock (lib/clock.h).
 */
#include "lib/datapath.h"

char LICENSE[] SEC("license") = "Apache-2.0";

SEC("tc")
int tb_wl_ingress(struct __sk_buff *skb)
{
	__u32 stat = TB_STAT_PASS;
	int rc = tb_process(skb, TB_DIR_EGRESS, &stat);

	return tb_account(skb, rc, stat);
}

SEC("tc")
int tb_wl_egress(struct __sk_buff *skb)
{
	__u32 stat = TB_STAT_PASS;
	int rc = tb_process(skb, TB_DIR_INGRESS, &stat);

	return tb_account(skb, rc, stat);
}

/* Never attached: the loader runs it once (BPF_PROG_TEST_RUN) to set the clock's offset. */
SEC("tc")
int tb_clock_sync(struct __sk_buff *skb)
{
	tb_clock_sync_now();
	return TC_ACT_OK;
}
