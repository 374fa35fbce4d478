/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdict for one packet on an endpoint, shared by the programs of every attach point:
 * parse, fragments, conntrack (hits and replies skip policy), unsolicited ICMP, then policy
 * for a new flow and a conntrack entry when it allows. Returns 0 to pass or a negative
 * enum tb_drop_reason; `*stat` names the tb_stat event of a passed packet. Counting happens
 * once, in tb_account(), the entry program's only exit.
 */
#ifndef TABBY_BPF_DATAPATH_H
#define TABBY_BPF_DATAPATH_H

#include "lib/clock.h"
#include "lib/consts.h"
#include "lib/config.h"
#include "lib/conntrack.h"
#include "lib/counters.h"
#include "lib/frag.h"
#include "lib/icmp.h"
#include "lib/parse.h"
#include "lib/policy.h"
#include "lib/test_policy.h"

/* A SYN that may open a connection: no ACK, and no RST/FIN riding along. */
static __always_inline int tb_tcp_opens(__u8 flags)
{
	return (flags & (TB_TCP_SYN | TB_TCP_ACK | TB_TCP_RST | TB_TCP_FIN)) == TB_TCP_SYN;
}

/* Policy for a flow conntrack does not know; creates its entry when allowed. */
static __always_inline int tb_new_flow(const struct tb_parsed *p, const struct tb_ct_key *k,
				       int fwd, int exists, __u32 dir, __u32 ifindex, __u64 now,
				       __u32 bytes, __u32 *stat)
{
	struct tb_policy_result res = { .allow = 0, .reason = TB_DROP_POLICY_DENY };
	int rc;

	if (tb_test_policy_on()) {
		rc = tb_test_policy(&p->flow, dir);
		if (rc)
			return rc;
		res.allow = 1;
		res.rule_id = TB_RULE_NONE;
	} else {
		rc = tb_policy_decide(&p->flow, ifindex, dir, &res);
		/* The deciding rule counts the packet, whichever way it went. */
		if (res.rule_id != TB_RULE_NONE)
			tb_policy_count(res.rule_id, bytes);
		if (rc < 0 || !res.allow)
			return -(int)(res.reason ? res.reason : TB_DROP_POLICY_DENY);
	}
	tb_ct_create(k, fwd, res.rule_id, now, bytes, exists);
	*stat = TB_STAT_POLICY_ALLOW;
	return 0;
}

static __always_inline int tb_judge(struct __sk_buff *skb, const struct tb_parsed *p, __u32 dir,
				    __u32 ifindex, __u64 now, __u32 *stat)
{
	__u32 rule_id = TB_RULE_NONE;
	struct tb_ct_key k;
	int rc, fwd;

	switch (p->icmp_kind) {
	case TB_ICMP_ND:
		*stat = TB_STAT_ND;
		return 0;
	case TB_ICMP_ERROR:
		rc = tb_icmp_related(skb, p, ifindex, now);
		if (!rc)
			*stat = TB_STAT_ICMP_RELATED;
		return rc;
	default:
		break;
	}
	fwd = tb_ct_key_from_parsed(&k, p, ifindex);
	rc = tb_ct_lookup(&k, fwd, p, now, skb->len, &rule_id);
	if (rc == TB_CT_HIT || rc == TB_CT_REPLY) {
		/* An echo reply in the request's own direction answers nothing. */
		if (p->icmp_kind == TB_ICMP_REPLY && rc != TB_CT_REPLY)
			return -TB_DROP_UNSOLICITED_ICMP;
		/* The rule that admitted the flow counts its later packets too. */
		if (rule_id != TB_RULE_NONE)
			tb_policy_count(rule_id, skb->len);
		*stat = rc == TB_CT_HIT ? TB_STAT_CT_HIT : TB_STAT_CT_REPLY;
		return 0;
	}
	if (p->icmp_kind == TB_ICMP_REPLY)
		return -TB_DROP_UNSOLICITED_ICMP;
	/* Mid-flow TCP without an entry: Calico drops it on workload interfaces (there, after
	 * asking Linux conntrack, which tabby does not use); only a SYN starts a flow. */
	if (p->flow.proto == IPPROTO_TCP && !tb_tcp_opens(p->tcp_flags))
		return -TB_DROP_CT_INVALID;
	return tb_new_flow(p, &k, fwd, rc == TB_CT_MISS_EXISTS, dir, ifindex, now, skb->len,
			   stat);
}

/* Inlined into each entry program: a call and its return cost ~6.5 ns here (docs/perf.md). */
static __always_inline int tb_process(struct __sk_buff *skb, __u32 dir, __u32 *stat)
{
	struct tb_parsed p = {};
	__u32 ifindex = skb->ifindex;
	__u64 now;
	int rc;

	rc = tb_parse(skb, &p);
	if (rc == TB_PARSE_PASS) {
		*stat = TB_STAT_NON_IP;
		return 0;
	}
	if (rc < 0)
		return rc;
	/* A load-time constant: the benchmark's parse-only baseline, dead code otherwise. */
	if (tb_cfg.flags & TB_CFG_F_BENCH_PARSE_ONLY)
		return 0;
	now = tb_now_ns();
	if (p.frag == TB_FRAG_LATER) {
		rc = tb_frag_later(&p, ifindex, now);
		if (!rc)
			*stat = TB_STAT_FRAG_PASS;
		return rc;
	}
	rc = tb_judge(skb, &p, dir, ifindex, now, stat);
	if (p.frag == TB_FRAG_FIRST)
		tb_frag_record(&p, ifindex, rc, now, skb->len);
	return rc;
}

/* The one accounting exit of an entry program. */
static __always_inline int tb_account(struct __sk_buff *skb, int rc, __u32 stat)
{
	__u32 bytes = skb->len;

	if (rc < 0) {
		tb_drop_count(-rc, bytes);
		tb_stat(TB_STAT_DROP, bytes);
		return TC_ACT_SHOT;
	}
	tb_stat(TB_STAT_PASS, bytes);
	if (stat != TB_STAT_PASS)
		tb_stat(stat, bytes);
	return TC_ACT_OK;
}

#endif
