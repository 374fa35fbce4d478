/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TEST ONLY. With TB_CFG_F_TEST_POLICY set in the config (never by tabbyd), this replaces the
 * classifier: a new flow whose (protocol, direction, destination port) is in tb_tdeny_v1 is
 * denied with the reason stored there, any other is allowed. It lets the datapath tests
 * exercise conntrack, fragments and counters without compiled policy tables (the classifier's
 * own tests run the real decision). The flag is a load-time constant: with it clear, the
 * verifier removes this code as dead, and with it set, the classifier's.
 */
#ifndef TABBY_BPF_TEST_POLICY_H
#define TABBY_BPF_TEST_POLICY_H

#include "lib/config.h"
#include "tabby/flow.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct tb_tdeny_key);
	__type(value, __u32);
} tb_tdeny_v1 SEC(".maps");

static __always_inline int tb_test_policy_on(void)
{
	return tb_cfg.flags & TB_CFG_F_TEST_POLICY;
}

/* 0 (allow) or the negative drop reason stored for the flow. */
static __always_inline int tb_test_policy(const struct tb_flow *f, __u32 dir)
{
	struct tb_tdeny_key k = { .proto = f->proto, .dir = dir, .dport = f->dport };
	__u32 *reason = bpf_map_lookup_elem(&tb_tdeny_v1, &k);

	return reason ? -(int)*reason : 0;
}

#endif
