/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-CPU datapath counters: one array indexed by enum tb_drop_reason (packets dropped and
 * why) and one indexed by enum tb_stat (what happened to packets that passed, and conntrack
 * events). Userspace sums the CPUs.
 */
#ifndef TABBY_COUNTERS_H
#define TABBY_COUNTERS_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#include "tabby/drop_reasons.h"

#define TB_DROPS_MAP_NAME "tb_drops_v1"
#define TB_STATS_MAP_NAME "tb_stats_v1"

/* Map sizes leave room to append reasons and stats without a layout change. */
#define TB_DROP_SLOTS 64
#define TB_STAT_SLOTS 32

enum tb_stat {
	TB_STAT_PASS = 0,		/* every packet passed (seen = pass + drop) */
	TB_STAT_DROP = 1,		/* every packet dropped (reasons in the drop map) */
	TB_STAT_CT_HIT = 2,		/* passed on a conntrack entry, opener's direction */
	TB_STAT_CT_REPLY = 3,		/* passed on a conntrack entry, reply direction */
	TB_STAT_CT_CREATED = 4,		/* entries created after policy allowed */
	TB_STAT_CT_CREATE_FAIL = 5,	/* entry could not be written; the packet still passed */
	TB_STAT_CT_STALE = 6,		/* entry found past its timeout: treated as absent */
	TB_STAT_ICMP_RELATED = 7,	/* ICMP error for a known flow */
	TB_STAT_FRAG_PASS = 8,		/* non-first fragment of an allowed packet */
	TB_STAT_FRAG_RECORDED = 9,	/* first fragment's verdict remembered */
	TB_STAT_NON_IP = 10,		/* ARP passed */
	TB_STAT_ND = 11,		/* IPv6 neighbour discovery / MLD passed without policy */
	TB_STAT_POLICY_ALLOW = 12,	/* new flows allowed by policy */
	TB_STAT_CT_REPLACED = 13,	/* entries created over an existing one (stale, or SYN) */
	TB_STAT_CT_EVICTED = 14,	/* live entries of other flows overwritten (set full) */
	TB_STAT_MAX,
};

struct tb_counter {
	__u64 packets;
	__u64 bytes;
};

_Static_assert(TB_DROP_MAX <= TB_DROP_SLOTS, "drop reasons outgrow the drop map");
_Static_assert(TB_STAT_MAX <= TB_STAT_SLOTS, "stats outgrow the stats map");

#ifndef __BPF__
static inline const char *tb_stat_name(unsigned stat)
{
	static const char *const names[TB_STAT_MAX] = {
		[TB_STAT_PASS] = "pass",
		[TB_STAT_DROP] = "drop",
		[TB_STAT_CT_HIT] = "ct_hit",
		[TB_STAT_CT_REPLY] = "ct_reply",
		[TB_STAT_CT_CREATED] = "ct_created",
		[TB_STAT_CT_CREATE_FAIL] = "ct_create_fail",
		[TB_STAT_CT_STALE] = "ct_stale",
		[TB_STAT_ICMP_RELATED] = "icmp_related",
		[TB_STAT_FRAG_PASS] = "frag_pass",
		[TB_STAT_FRAG_RECORDED] = "frag_recorded",
		[TB_STAT_NON_IP] = "non_ip",
		[TB_STAT_ND] = "nd",
		[TB_STAT_POLICY_ALLOW] = "policy_allow",
		[TB_STAT_CT_REPLACED] = "ct_replaced",
		[TB_STAT_CT_EVICTED] = "ct_evicted",
	};
	return stat < TB_STAT_MAX && names[stat] ? names[stat] : "unknown";
}
#endif

#endif
