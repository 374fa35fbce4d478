/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Userspace side of conntrack: expiry of idle entries by state-dependent timeouts (the BPF
 * programs already ignore an idle entry; the GC frees its slot), the timeouts under their
 * FelixConfiguration names, and the canonical key the BPF programs build.
 */
#ifndef TABBY_CONNTRACK_GC_H
#define TABBY_CONNTRACK_GC_H

#include <stdint.h>

#include "conntrack_table.h"
#include "tabby/conntrack.h"

struct tb_ct_gc_stats {
	uint64_t scanned;
	uint64_t expired;	/* deleted by this pass */
	uint64_t live;		/* left in the table */
};

/* CLOCK_MONOTONIC_COARSE in ns: the entries' stamps (bpf/lib/clock.h) agree within a tick. */
uint64_t tb_ct_now_ns(void);

void tb_ct_timeouts_default(struct tb_ct_timeouts *t);

/*
 * Sets one timeout by its FelixConfiguration bpfConntrackTimeouts name (creationGracePeriod,
 * tcpSynSent, tcpEstablished, tcpFinsSeen, tcpResetSeen, udpTimeout, genericTimeout,
 * icmpTimeout). 0, or -ENOENT for an unknown name.
 */
int tb_ct_timeout_set(struct tb_ct_timeouts *t, const char *felix_name, uint64_t ns);

/* Whether an entry is past its timeout at `now_ns` (and past the creation grace period). */
int tb_ct_expired(const struct tb_ct_timeouts *t, const struct tb_ct_key *k,
		  const struct tb_ct_value *v, uint64_t now_ns);

/*
 * One pass over the conntrack table behind map fd `ct_fd`: frees the ways of the entries
 * expired as of `now_ns` (pass tb_ct_now_ns(), or a fake clock in tests). 0 or -errno; `st`
 * may be NULL.
 */
int tb_ct_gc(int ct_fd, const struct tb_ct_timeouts *t, uint64_t now_ns,
	     struct tb_ct_gc_stats *st);
/* The same over a table kept mapped (a GC thread maps it once, not every pass). */
int tb_ct_table_gc(struct tb_ct_table *tab, const struct tb_ct_timeouts *t, uint64_t now_ns,
		   struct tb_ct_gc_stats *st);

/* The number of entries in the table now. 0 or -errno. */
int tb_ct_count(int ct_fd, uint64_t *n);

/*
 * Live entries evicted so far to make room for new flows (a full set), as the datapath
 * counts them in the stats map `stats_fd`. 0 or -errno.
 */
int tb_ct_evictions(int stats_fd, uint64_t *evicted);

/*
 * The key BPF builds for a packet from (saddr, sport) to (daddr, dport) on endpoint
 * `ifindex` (ICMP echo: the identifier as both ports). Returns 1 when the packet goes from
 * end a to end b, 0 otherwise.
 */
int tb_ct_key_make(struct tb_ct_key *k, uint8_t family, uint8_t proto, const uint32_t *saddr,
		   const uint32_t *daddr, uint16_t sport, uint16_t dport, uint32_t ifindex);

#endif
