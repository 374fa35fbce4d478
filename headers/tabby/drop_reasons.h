/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drop reasons are data: one enum that is the (negated) return value inside BPF, the index
 * of the per-CPU drop counter map, and (through tb_drop_reason_name) the label in metrics and
 * `tabbyctl policy trace`. Append new reasons before TB_DROP_MAX; never renumber.
 */
#ifndef TABBY_DROP_REASONS_H
#define TABBY_DROP_REASONS_H

enum tb_drop_reason {
	TB_DROP_NONE = 0,
	/* parsing */
	TB_DROP_MALFORMED = 1,		/* truncated or inconsistent headers */
	TB_DROP_UNSUPPORTED_L3 = 2,	/* neither IPv4 nor IPv6 (ARP is passed, not dropped) */
	TB_DROP_BAD_EXT_HDR = 3,	/* IPv6 extension header chain too long or truncated */
	TB_DROP_FRAG_UNKNOWN = 4,	/* non-first fragment of a flow never seen/allowed */
	/* conntrack */
	TB_DROP_CT_INVALID = 5,		/* e.g. TCP packet that cannot start or continue a flow */
	TB_DROP_UNSOLICITED_ICMP = 6,	/* ICMP reply/error that belongs to no flow */
	/* policy */
	TB_DROP_POLICY_DENY = 7,	/* a Deny rule matched */
	TB_DROP_TIER_END = 8,		/* a tier applied, no rule matched: its defaultAction Deny */
	TB_DROP_PROFILE_DENY = 9,	/* no policy applied and no profile allowed */
	TB_DROP_DEFAULT_DENY = 10,	/* selected by a policy in this direction, nothing allowed */
	TB_DROP_NO_ENDPOINT = 11,	/* the interface has no endpoint entry */
	TB_DROP_POLICY_TOO_LARGE = 12,	/* the endpoint's compiled policy exceeds dataplane limits */
	TB_DROP_MAX,
};

#ifndef __BPF__
static inline const char *tb_drop_reason_name(unsigned reason)
{
	static const char *const names[TB_DROP_MAX] = {
		[TB_DROP_NONE] = "none",
		[TB_DROP_MALFORMED] = "malformed",
		[TB_DROP_UNSUPPORTED_L3] = "unsupported_l3",
		[TB_DROP_BAD_EXT_HDR] = "bad_ext_hdr",
		[TB_DROP_FRAG_UNKNOWN] = "frag_unknown",
		[TB_DROP_CT_INVALID] = "ct_invalid",
		[TB_DROP_UNSOLICITED_ICMP] = "unsolicited_icmp",
		[TB_DROP_POLICY_DENY] = "policy_deny",
		[TB_DROP_TIER_END] = "tier_end_deny",
		[TB_DROP_PROFILE_DENY] = "profile_deny",
		[TB_DROP_DEFAULT_DENY] = "default_deny",
		[TB_DROP_NO_ENDPOINT] = "no_endpoint",
		[TB_DROP_POLICY_TOO_LARGE] = "policy_too_large",
	};
	return reason < TB_DROP_MAX && names[reason] ? names[reason] : "unknown";
}
#endif

#endif
