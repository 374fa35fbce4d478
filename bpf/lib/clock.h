/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The datapath's clock, in CLOCK_MONOTONIC nanoseconds (what userspace's GC compares with),
 * read for every packet that meets conntrack. The verifier inlines bpf_jiffies64() into one
 * load, where even bpf_ktime_get_coarse_ns() is a helper call costing ~15 ns; so the clock is
 * jiffies scaled by the tick length, plus the offset to CLOCK_MONOTONIC that tb_clock_sync
 * (run once by the loader after load) measures. Resolution is one tick (4 ms at HZ=250),
 * plenty for timeouts of seconds. Without a known HZ (no kernel config for libbpf to read) or
 * before the sync, the coarse monotonic clock is read instead.
 */
#ifndef TABBY_BPF_CLOCK_H
#define TABBY_BPF_CLOCK_H

#include "lib/consts.h"

extern unsigned int CONFIG_HZ __kconfig __weak;

/* CLOCK_MONOTONIC minus jiffies * tick length; 0 until the loader has run tb_clock_sync. */
__u64 tb_clock_off = 0;

/* Tick length in ns; the kconfig value is a load-time constant, so one case remains. */
static __always_inline __u64 tb_tick_ns(void)
{
	switch (CONFIG_HZ) {
	case 100:
		return 10000000;
	case 250:
		return 4000000;
	case 300:
		return 3333333;
	case 1000:
		return 1000000;
	default:
		return 0;
	}
}

static __always_inline __u64 tb_now_ns(void)
{
	__u64 tick = tb_tick_ns();
	__u64 off = tb_clock_off;

	if (tick && off)
		return bpf_jiffies64() * tick + off;
	return bpf_ktime_get_coarse_ns();
}

/* Measures the offset: both clocks read at the same tick. */
static __always_inline void tb_clock_sync_now(void)
{
	__u64 tick = tb_tick_ns();

	if (tick)
		tb_clock_off = bpf_ktime_get_coarse_ns() - bpf_jiffies64() * tick;
}

#endif
