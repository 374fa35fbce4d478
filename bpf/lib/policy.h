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

/* Clears the key's data bits from `bits` on; only the field's first `nbytes` can be set. */
static __always_inline void tb_pol_mask(__u8 *d, __u32 bits, __u32 nbytes)
{
	__u32 i = bits / 8, rest = bits % 8;

	/* opaque to clang, so that the bound checked below is the one the verifier sees */
	__asm__ __volatile__("" : "+r"(i));
	if (i >= TB_POL_KEY_DATA)
		return;
	if (rest)
		d[i++] &= (__u8)(0xff << (8 - rest));
	for (; i < nbytes && i < TB_POL_KEY_DATA; i++) {
		d[i] = 0;
		/* keeps clang from turning the loop into a memset call, which BPF lacks */
		__asm__ __volatile__("" : : : "memory");
	}
}

/* A hashed field: exact lookups at each of its prefix lengths, longest first. */
static __always_inline struct tb_pol_class *tb_pol_hash_class(struct tb_pol_scratch *sc,
							      const struct tb_pol_hdr *hdr, __u32 f,
							      __u32 fam, __u32 nbytes)
{
	struct tb_pol_class *c = NULL;

#pragma unroll
	for (__u32 i = 0; i < TB_POL_MAX_LENS; i++) {
		__u32 len;

		if (i >= hdr->nlens[f][fam])
			break;
		len = hdr->lens[f][fam][i];
		sc->hk.key.prefixlen = len;
		tb_pol_mask(sc->hk.key.data, len - 8, nbytes);
		c = bpf_map_lookup_elem(&tb_pol_hash_v1, &sc->hk);
		if (c)
			break;
	}
	return c;
}

/* Key bytes a field uses for this flow (the rest is always zero). */
static __always_inline __u32 tb_pol_field_bytes(__u32 f, const struct tb_flow *flow)
{
	__u32 alen = flow->family == TB_AF_INET ? 4 : 16;

	if (f == TB_PF_SRC || f == TB_PF_DST)
		return 1 + alen;
	if (f == TB_PF_SRC_NAMED || f == TB_PF_DST_NAMED)
		return 4 + alen;
	return 2;
}

/* Looks up every constrained field of the flow; 0, or a drop reason on broken tables. */
static __always_inline int tb_pol_classes(struct tb_pol_scratch *sc, const struct tb_pol_hdr *hdr,
					  const struct tb_flow *flow)
{
	void *keys;

	keys = bpf_map_lookup_elem(&tb_pol_keys_v1, &sc->slot);
	if (!keys)
		return TB_DROP_NO_ENDPOINT;
	sc->hk.slot = sc->slot;
#pragma unroll
	for (__u32 f = 0; f < TB_PF_MAX; f++) {
		struct tb_pol_class *c;

		if (!(sc->mask & (1u << f)))
			continue;
		tb_cls_key(flow, f, &sc->hk.key);
		if (hdr->hash_mask & (1u << f))
			c = tb_pol_hash_class(sc, hdr, f, flow->family == TB_AF_INET6,
					      tb_pol_field_bytes(f, flow));
		else
			c = bpf_map_lookup_elem(keys, &sc->hk.key);
		if (!c)
			return TB_DROP_DEFAULT_DENY;
#pragma unroll
		for (__u32 k = 0; k < TB_POL_SUM_WORDS; k++) {
			sc->sum[k] &= c->sum[k];
			sc->dsum[f][k] = c->dsum[k];
			sc->base[f][k] = c->base[k];
		}
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
	hdr = bpf_map_lookup_elem(&tb_pol_hdr_v1, &slot);
	sc = bpf_map_lookup_elem(&tb_pol_scr_v1, &zero);
	if (!hdr || !sc)
		return 0;
	sc->slot = slot;
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
	err = tb_pol_classes(sc, hdr, flow);
	if (err) {
		res->reason = err;
		return 0;
	}
	bpf_loop(TB_POL_MAX_ITERS, tb_cls_step, NULL, 0);
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
