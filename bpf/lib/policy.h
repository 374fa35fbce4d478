/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy decision for a new flow (conntrack miss): the endpoint's table set through the
 * bit-vector classifier (lib/classifier.h). An interface without an endpoint entry, or whose
 * compiled policy exceeded the limits, is denied with its own reason: never left open.
 */
#ifndef TABBY_BPF_POLICY_H
#define TABBY_BPF_POLICY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tabby/flow.h"
#include "tabby/drop_reasons.h"
#include "lib/classifier.h"

/* struct tb_policy_result and TB_RULE_NONE live in tabby/policy.h (shared with userspace). */

/* Words below nwords are candidates before any field is looked at. */
static __always_inline __u64 tb_pol_valid_words(__u32 nwords, __u32 k)
{
	if (nwords >= (k + 1) * 64)
		return ~0ull;
	if (nwords <= k * 64)
		return 0;
	return (1ull << (nwords - k * 64)) - 1;
}

/* The record of the set's hash entry for key k0..k2, or 0 when there is none. */
static __always_inline __u32 tb_pol_hash_find(const struct tb_pol_scratch *sc,
					      const struct tb_pol_hdr *hdr, __u64 k0, __u64 k1,
					      __u64 k2)
{
	__u32 mask = hdr->hash_nb_mask, b = tb_pol_hash_bucket(hdr->hash_seed, k0, k1, k2, mask);

#pragma unroll
	for (__u32 i = 0; i < TB_POL_HASH_PROBES; i++) {
		const struct tb_pol_line *l = tb_cls_line(sc, hdr->hash_line + ((b + i) & mask));

		if (!l)
			return 0;
#pragma unroll
		for (__u32 e = 0; e < TB_POL_BUCKET_ENTRIES; e++) {
			const struct tb_pol_hent *h = (const void *)&l->w[4 * e];

			if (h->key[2] == k2 && h->key[0] == k0 && h->key[1] == k1)
				return h->rec;
			if (!h->key[2]) /* keys fill buckets in order: it is not further on */
				return 0;
		}
	}
	return 0;
}

/* A hashed field: exact lookups at each of its prefix lengths, longest first. */
static __always_inline __u32 tb_pol_hash_class(const struct tb_pol_scratch *sc,
					       const struct tb_pol_hdr *hdr, __u32 f, __u32 fam)
{
	__u32 rec = 0;
	__u64 k[3];

	tb_pol_hkey_of_flow(&sc->flow, f, k);
#pragma unroll
	for (__u32 i = 0; i < TB_POL_MAX_LENS; i++) {
		__u32 len;

		if (i >= hdr->nlens[f][fam])
			break;
		len = hdr->lens[f][fam][i];
		rec = tb_pol_hash_find(sc, hdr, k[0] & tb_pol_hkey_mask(len, 0),
				       k[1] & tb_pol_hkey_mask(len, 1),
				       (k[2] & tb_pol_hkey_mask(len, 2)) | (__u64)len << 56);
		if (rec)
			break;
	}
	return rec;
}

/* ANDs the class record at word rec into the candidate words; keeps its diff words' places. */
static __always_inline int tb_pol_take_class(struct tb_pol_scratch *sc, __u32 rec, __u32 f,
					     __u32 nsum)
{
	const struct tb_pol_line *l = tb_cls_line(sc, rec / TB_POL_LINE_WORDS);
	__u32 o = rec % TB_POL_LINE_WORDS;

	if (!l)
		return -1;
#pragma unroll
	for (__u32 k = 0; k < TB_POL_SUM_WORDS; k++) {
		if (k >= nsum)
			continue; /* sum[k] is 0 already: nothing reads these */
		/* the compiler keeps a record within its line; the masks show the verifier */
		sc->sum[k] &= l->w[(o + 3 * k) & (TB_POL_LINE_WORDS - 1)];
		sc->dsum[f][k] = l->w[(o + 3 * k + 1) & (TB_POL_LINE_WORDS - 1)];
		sc->base[f][k] = (__u32)l->w[(o + 3 * k + 2) & (TB_POL_LINE_WORDS - 1)];
	}
	return 0;
}

/* An LPM field: the shared trie, under the set's slot. */
static __always_inline __u32 tb_pol_lpm_class(struct tb_pol_scratch *sc, __u32 f)
{
	__u32 *v;

	tb_cls_key(&sc->flow, f, &sc->key);
	sc->lkey.prefixlen = 32 + sc->key.prefixlen;
	sc->lkey.slot_be = bpf_htonl(sc->slot);
	sc->lkey.field = sc->key.field;
	__builtin_memcpy(sc->lkey.data, sc->key.data, sizeof(sc->lkey.data));
	v = bpf_map_lookup_elem(&tb_pol_lpm_v3, &sc->lkey);
	return v ? *v : 0;
}

/* Looks up field f of the flow in sc and takes its class; 0, or a drop reason. */
static __always_inline int tb_pol_field_class(struct tb_pol_scratch *sc,
					      const struct tb_pol_hdr *hdr, __u32 f)
{
	__u32 rec;

	if (hdr->hash_mask & (1u << f))
		rec = tb_pol_hash_class(sc, hdr, f, sc->flow.family == TB_AF_INET6);
	else
		rec = tb_pol_lpm_class(sc, f);
	if (!rec)
		return TB_DROP_DEFAULT_DENY;
	if (tb_pol_take_class(sc, rec, f, hdr->nsum))
		return TB_DROP_NO_ENDPOINT;
	return 0;
}

/*
 * Looks up every constrained field of the flow; 0, or a drop reason. A global function: the
 * verifier checks its probes once, not on every path of every caller.
 */
__noinline int tb_pol_classes(struct tb_pol_scratch *sc, const struct tb_pol_hdr *hdr)
{
	if (!sc || !hdr)
		return TB_DROP_NO_ENDPOINT;
#pragma unroll
	for (__u32 f = 0; f < TB_PF_MAX; f++) {
		int err;

		if (!(sc->mask & (1u << f)))
			continue;
		err = tb_pol_field_class(sc, hdr, f);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Decides a new flow seen on the endpoint behind `ifindex` in direction `dir`
 * (TB_DIR_INGRESS: towards the endpoint). Returns 0; the verdict is in *res.
 */
static __always_inline int tb_policy_decide(const struct tb_flow *flow, __u32 ifindex,
					    enum tb_dir dir, struct tb_policy_result *res)
{
	struct tb_pol_ep_key ek = {.ifindex = ifindex, .dir = dir};
	struct tb_pol_scratch *sc;
	struct tb_pol_hdr *hdr;
	struct tb_pol_ep *ep;
	__u32 zero = 0, slot;
	int err;

	res->allow = 0;
	res->reason = TB_DROP_NO_ENDPOINT;
	res->rule_id = TB_RULE_NONE;
	ep = bpf_map_lookup_elem(&tb_pol_ep_v1, &ek);
	if (!ep)
		return 0;
	if (ep->flags & TB_POL_EP_TOO_LARGE) {
		res->reason = TB_DROP_POLICY_TOO_LARGE;
		return 0;
	}
	slot = ep->slot; /* read once: every table below comes from this slot */
	hdr = bpf_map_lookup_elem(&tb_pol_hdr_v3, &slot);
	sc = bpf_map_lookup_elem(&tb_pol_scr_v1, &zero);
	if (!hdr || !sc || !hdr->n_lines)
		return 0;
	sc->slot = slot;
	sc->line_base = hdr->line_base;
	sc->n_lines = hdr->n_lines;
	sc->nwords = hdr->nwords;
	sc->nbits = hdr->nbits;
	sc->mask = hdr->field_mask;
	sc->from = 0;
	sc->done = 0;
	sc->ifindex = ifindex;
	sc->dir = dir;
	__builtin_memcpy(&sc->flow, flow, sizeof(*flow));
#pragma unroll
	for (__u32 k = 0; k < TB_POL_SUM_WORDS; k++)
		sc->sum[k] = tb_pol_valid_words(sc->nwords, k);
	err = tb_pol_classes(sc, hdr);
	if (err) {
		/* constants for the verifier: an unknown reason multiplies the drop paths */
		res->reason = err == TB_DROP_DEFAULT_DENY ? TB_DROP_DEFAULT_DENY
							  : TB_DROP_NO_ENDPOINT;
		return 0;
	}
	/* most verdicts are made by the first candidate word: no loop, no callback call */
	if (!tb_cls_step_sc(sc))
		bpf_loop(TB_POL_MAX_ITERS - 1, tb_cls_step, NULL, 0);
	res->reason = TB_DROP_DEFAULT_DENY;
	if (!sc->done)
		return 0;
	res->allow = sc->allow;
	res->reason = sc->reason;
	res->rule_id = sc->rule_id;
	return 0;
}

/* Counts a packet of a flow that rule_id decided (the deciding packet and conntrack hits). */
static __always_inline void tb_policy_count(__u32 rule_id, __u32 bytes)
{
	struct tb_pol_counter *c = bpf_map_lookup_elem(&tb_pol_cnt_v1, &rule_id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif
