// SPDX-License-Identifier: Apache-2.0
/*
 * Conntrack expiry and helpers (see conntrack_gc.h).
 */
#include "conntrack_gc.h"
#include "conntrack_table.h"
#include "percpu_counter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabby/counters.h"

uint64_t tb_ct_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * TB_NSEC_PER_SEC + ts.tv_nsec;
}

void tb_ct_timeouts_default(struct tb_ct_timeouts *t)
{
	static const struct tb_ct_timeouts defaults = TB_CT_DEFAULT_TIMEOUTS;

	*t = defaults;
}

int tb_ct_timeout_set(struct tb_ct_timeouts *t, const char *felix_name, uint64_t ns)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "creationGracePeriod", offsetof(struct tb_ct_timeouts, creation_grace) },
		{ "tcpSynSent", offsetof(struct tb_ct_timeouts, tcp_syn_sent) },
		{ "tcpEstablished", offsetof(struct tb_ct_timeouts, tcp_established) },
		{ "tcpFinsSeen", offsetof(struct tb_ct_timeouts, tcp_fins_seen) },
		{ "tcpResetSeen", offsetof(struct tb_ct_timeouts, tcp_reset_seen) },
		{ "udpTimeout", offsetof(struct tb_ct_timeouts, udp) },
		{ "genericTimeout", offsetof(struct tb_ct_timeouts, generic) },
		{ "icmpTimeout", offsetof(struct tb_ct_timeouts, icmp) },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(names[i].name, felix_name)) {
			memcpy((char *)t + names[i].off, &ns, sizeof(ns));
			return 0;
		}
	}
	return -ENOENT;
}

int tb_ct_expired(const struct tb_ct_timeouts *t, const struct tb_ct_key *k,
		  const struct tb_ct_value *v, uint64_t now_ns)
{
	/* Timestamps from the future (clock skew in tests) count as fresh. */
	if (now_ns < v->last_seen_ns || now_ns - v->created_ns < t->creation_grace)
		return 0;
	return now_ns - v->last_seen_ns > tb_ct_timeout(t, k->proto, v->state);
}

struct gc_pass {
	const struct tb_ct_timeouts *t;
	uint64_t now_ns;
	uint64_t scanned;
};

static int gc_visit(const struct tb_ct_key *k, const struct tb_ct_value *v, void *arg)
{
	struct gc_pass *g = arg;

	g->scanned++;
	return tb_ct_expired(g->t, k, v, g->now_ns);
}

int tb_ct_table_gc(struct tb_ct_table *tab, const struct tb_ct_timeouts *t, uint64_t now_ns,
		   struct tb_ct_gc_stats *st)
{
	struct gc_pass g = { .t = t, .now_ns = now_ns };
	uint64_t expired = 0;
	int err;

	err = tb_ct_table_walk(tab, gc_visit, &g, &expired);
	if (st) {
		st->scanned = g.scanned;
		st->expired = expired;
		st->live = g.scanned - expired;
	}
	return err;
}

int tb_ct_gc(int ct_fd, const struct tb_ct_timeouts *t, uint64_t now_ns,
	     struct tb_ct_gc_stats *st)
{
	struct tb_ct_table tab;
	int err;

	err = tb_ct_table_open(ct_fd, &tab);
	if (err)
		return err;
	err = tb_ct_table_gc(&tab, t, now_ns, st);
	tb_ct_table_close(&tab);
	return err;
}

static int count_visit(const struct tb_ct_key *k, const struct tb_ct_value *v, void *arg)
{
	(void)k;
	(void)v;
	(*(uint64_t *)arg)++;
	return 0;
}

int tb_ct_count(int ct_fd, uint64_t *n)
{
	struct tb_ct_table tab;
	int err;

	*n = 0;
	err = tb_ct_table_open(ct_fd, &tab);
	if (err)
		return err;
	err = tb_ct_table_walk(&tab, count_visit, n, NULL);
	tb_ct_table_close(&tab);
	return err;
}

int tb_ct_evictions(int stats_fd, uint64_t *evicted)
{
	return tb_percpu_counter_sum(stats_fd, TB_STAT_CT_EVICTED, evicted, NULL);
}

int tb_ct_key_make(struct tb_ct_key *k, uint8_t family, uint8_t proto, const uint32_t *saddr,
		   const uint32_t *daddr, uint16_t sport, uint16_t dport, uint32_t ifindex)
{
	int fwd = 1;

	/* The same order as BPF's tb_end_before(): word-wise as stored, then the port. */
	for (int i = 0; i < 4; i++) {
		if (saddr[i] != daddr[i]) {
			fwd = saddr[i] < daddr[i];
			goto fill;
		}
	}
	fwd = sport <= dport;
fill:
	memset(k, 0, sizeof(*k));
	memcpy(k->addr_a, fwd ? saddr : daddr, 16);
	memcpy(k->addr_b, fwd ? daddr : saddr, 16);
	k->port_a = fwd ? sport : dport;
	k->port_b = fwd ? dport : sport;
	k->ifindex = ifindex;
	k->family = family;
	k->proto = proto;
	return fwd;
}
