/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fragment verdicts: the first fragment of a packet carries the ports, so it is judged like
 * any packet and its verdict is remembered here; later fragments (no L4 header) look it up by
 * (endpoint, addresses, identification, protocol).
 */
#ifndef TABBY_FRAG_H
#define TABBY_FRAG_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#define TB_FRAG_MAP_NAME "tb_frag_v1"
#define TB_FRAG_DEFAULT_ENTRIES 8192

struct tb_frag_key {
	__u32 saddr[4];
	__u32 daddr[4];
	__u32 id;		/* IPv4: 16-bit identification; IPv6: fragment header id */
	__u32 ifindex;
	__u8 family;
	__u8 proto;		/* IPv6: the fragment header's next header */
	__u8 pad[2];
};

struct tb_frag_value {
	__u64 seen_ns;
	__u32 verdict;		/* 0: allowed, else the first fragment's drop reason */
	__u32 pad;
};

_Static_assert(sizeof(struct tb_frag_key) == 44, "tb_frag_key layout is shared with BPF");
_Static_assert(sizeof(struct tb_frag_value) == 16, "tb_frag_value layout is shared with BPF");

#endif
