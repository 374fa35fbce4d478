// SPDX-License-Identifier: Apache-2.0
/*
 * Conntrack expiry and helpers (see conntrack_gc.h).
 */
#include "conntrack_gc.h"
#include "percpu_counter.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
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

/* Collected first, deleted after the walk: deleting under get_next_key restarts the walk. */
struct key_list {
	struct tb_ct_key *keys;
	size_t n, cap;
};

static int key_list_add(struct key_list *l, const struct tb_ct_key *k)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct tb_ct_key *keys = realloc(l->keys, cap * sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		l->keys = keys;
		l->cap = cap;
	}
	l->keys[l->n++] = *k;
	return 0;
}

int tb_ct_gc(int ct_fd, const struct tb_ct_timeouts *t, uint64_t now_ns,
	     struct tb_ct_gc_stats *st)
{
	struct tb_ct_gc_stats local = { 0 };
	struct key_list dead = { 0 };
	struct tb_ct_key key, next;
	struct tb_ct_value val;
	void *prev = NULL;
	int err = 0;

	while (!bpf_map_get_next_key(ct_fd, prev, &next)) {
		key = next;
		prev = &key;
		/* Evicted by LRU or deleted by another GC between the two calls: skip it. */
		if (bpf_map_lookup_elem(ct_fd, &key, &val))
			continue;
		local.scanned++;
		if (!tb_ct_expired(t, &key, &val, now_ns))
			continue;
		err = key_list_add(&dead, &key);
		if (err)
			goto out;
	}
	for (size_t i = 0; i < dead.n; i++) {
		if (!bpf_map_delete_elem(ct_fd, &dead.keys[i]))
			local.expired++;
	}
	local.live = local.scanned - local.expired;
out:
	free(dead.keys);
	if (st)
		*st = local;
	return err;
}

int tb_ct_count(int ct_fd, uint64_t *n)
{
	struct tb_ct_key key, next;
	void *prev = NULL;

	*n = 0;
	while (!bpf_map_get_next_key(ct_fd, prev, &next)) {
		key = next;
		prev = &key;
		(*n)++;
	}
	return 0;
}

static int stat_packets(int stats_fd, uint32_t idx, uint64_t *sum)
{
	return tb_percpu_counter_sum(stats_fd, idx, sum, NULL);
}

int tb_ct_evictions(int stats_fd, int ct_fd, uint64_t deleted, uint64_t *evicted)
{
	uint64_t created, replaced, present, gone;
	int err;

	err = stat_packets(stats_fd, TB_STAT_CT_CREATED, &created);
	if (!err)
		err = stat_packets(stats_fd, TB_STAT_CT_REPLACED, &replaced);
	if (!err)
		err = tb_ct_count(ct_fd, &present);
	if (err)
		return err;
	gone = replaced + deleted + present;
	*evicted = created > gone ? created - gone : 0;
	return 0;
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
