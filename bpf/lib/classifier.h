/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bit-vector classifier lookup (layout in headers/tabby/policy.h). Per flow: one LPM
 * lookup per field some rule constrains, AND of the classes' summaries; then, word by
 * candidate word, AND of the fields' words; the first set bit is the first matching rule.
 * Log and Pass move the start position on and look again. The cost depends on the number of
 * fields and candidate words, not on the number of rules.
 */
#ifndef TABBY_BPF_CLASSIFIER_H
#define TABBY_BPF_CLASSIFIER_H

#include "lib/classifier_maps.h"
#include "lib/consts.h"

static __always_inline __u32 tb_ctz64(__u64 x)
{
	__u32 n = 0;

	if (!(x & 0xffffffffull)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

static __always_inline __u32 tb_popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (__u32)((x * 0x0101010101010101ull) >> 56);
}

/* The field's lookup key for a flow (same layout as the compiler's prefixes). */
static __always_inline void tb_cls_key(const struct tb_flow *f, __u32 field, struct tb_pol_key *k)
{
	const __u32 *addr = field == TB_PF_SRC || field == TB_PF_SRC_NAMED ? f->saddr : f->daddr;
	__u16 port = field == TB_PF_SPORT || field == TB_PF_SRC_NAMED ? f->sport : f->dport;

	__builtin_memset(k, 0, sizeof(*k));
	k->field = field;
	k->prefixlen = 24;
	switch (field) {
	case TB_PF_PROTO:
		k->data[0] = f->family;
		k->data[1] = f->proto;
		return;
	case TB_PF_SPORT:
	case TB_PF_DPORT:
		k->data[0] = port >> 8;
		k->data[1] = port & 0xff;
		return;
	case TB_PF_ICMP:
		k->data[0] = f->icmp_type;
		k->data[1] = f->icmp_code;
		return;
	case TB_PF_SRC_NAMED:
	case TB_PF_DST_NAMED:
		k->data[0] = f->proto;
		k->data[1] = port >> 8;
		k->data[2] = port & 0xff;
		k->data[3] = f->family;
		__builtin_memcpy(&k->data[4], addr, 16);
		k->prefixlen = 8 + 8 * 20;
		return;
	default:
		k->data[0] = f->family;
		__builtin_memcpy(&k->data[1], addr, 16);
		k->prefixlen = 8 + 8 * 17;
		return;
	}
}

/* Line rel of the flow's set, or NULL outside the set: a set never reads another's lines. */
static __always_inline const struct tb_pol_line *tb_cls_line(const struct tb_pol_scratch *sc,
							     __u32 rel)
{
	__u32 li;

	if (rel >= sc->n_lines)
		return NULL;
	li = sc->line_base + rel;
	return bpf_map_lookup_elem(&tb_pol_lines_v3, &li);
}

/*
 * Word idx of the set, or NULL past its end. The word's offset in its line makes the verifier
 * track idx exactly back to where it came from: through the bit searches' branches, whose
 * paths it then could no longer merge. Passed through memory, idx is just a number to it.
 */
static __always_inline const __u64 *tb_cls_wordp(struct tb_pol_scratch *sc, __u32 idx)
{
	const struct tb_pol_line *l;

	WRITE_ONCE(sc->opaque, idx);
	idx = READ_ONCE(sc->opaque);
	l = tb_cls_line(sc, idx / TB_POL_LINE_WORDS);
	return l ? &l->w[idx & (TB_POL_LINE_WORDS - 1)] : NULL;
}

static __always_inline __u64 tb_cls_bits(struct tb_pol_scratch *sc, __u32 idx)
{
	const __u64 *v = tb_cls_wordp(sc, idx);

	return v ? *v : 0;
}

/* Field f's bitmap word w: the class's own word where it differs, else the wildcard word. */
static __always_inline __u64 tb_cls_word(struct tb_pol_scratch *sc, __u32 f, __u32 w)
{
	__u32 k = (w >> 6) & (TB_POL_SUM_WORDS - 1), b = w & 63;
	__u64 ds = sc->dsum[f][k];

	if (ds & (1ull << b))
		return tb_cls_bits(sc, sc->base[f][k] + tb_popcount64(ds & ((1ull << b) - 1)));
	return tb_cls_bits(sc, sc->nbits + f * sc->nwords + w);
}

/* First candidate word at or after word `from_w`, or -1. */
static __always_inline int tb_cls_next_word(const struct tb_pol_scratch *sc, __u32 from_w)
{
	for (__u32 k = 0; k < TB_POL_SUM_WORDS; k++) {
		__u64 s = sc->sum[k];

		if (k < from_w / 64)
			continue;
		if (k == from_w / 64)
			s &= ~((1ull << (from_w % 64)) - 1);
		if (s)
			return (int)(k * 64 + tb_ctz64(s));
	}
	return -1;
}

static __always_inline void tb_cls_log(const struct tb_pol_scratch *sc, __u32 rule_id)
{
	struct tb_pol_log_event *ev = bpf_ringbuf_reserve(&tb_pol_log_v1, sizeof(*ev), 0);

	if (!ev)
		return;
	__builtin_memcpy(ev, &sc->flow, sizeof(sc->flow));
	ev->rule_id = rule_id;
	ev->ifindex = sc->ifindex;
	ev->dir = sc->dir;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
}

/* Acts on the first matching bit b; returns 1 when the verdict is made. */
static __always_inline long tb_cls_act(struct tb_pol_scratch *sc, __u32 b)
{
	const struct tb_pol_rule *r = (const void *)tb_cls_wordp(sc, b);

	if (!r)
		return 1;
	switch (r->action) {
	case TB_PACT_ALLOW:
	case TB_PACT_DENY:
		sc->done = 1;
		sc->allow = r->action == TB_PACT_ALLOW;
		sc->reason = sc->allow ? TB_DROP_NONE : r->reason;
		sc->rule_id = r->rule_id;
		return 1;
	case TB_PACT_LOG:
		tb_cls_log(sc, r->rule_id);
		break;
	default:
		break;
	}
	/* Log and Pass go on from next_bit, which is always past b */
	sc->from = r->next_bit > b ? r->next_bit : b + 1;
	return 0;
}

/* One step: examines the next candidate word. Returns 1 to stop. */
static __always_inline long tb_cls_step_sc(struct tb_pol_scratch *sc)
{
	__u64 acc = ~0ull;
	__u32 w, b;
	int nw;

	nw = tb_cls_next_word(sc, sc->from / 64);
	if (nw < 0 || nw >= TB_POL_MAX_WORDS)
		return 1;
	w = (__u32)nw;
#pragma unroll
	for (__u32 f = 0; f < TB_PF_MAX; f++)
		if (sc->mask & (1u << f))
			acc &= tb_cls_word(sc, f, w);
	if (w == sc->nwords - 1 && (sc->nbits & 63))
		acc &= (1ull << (sc->nbits & 63)) - 1;
	if (w == sc->from / 64)
		acc &= ~((1ull << (sc->from & 63)) - 1);
	if (!acc) {
		sc->sum[(w >> 6) & (TB_POL_SUM_WORDS - 1)] &= ~(1ull << (w & 63));
		return 0;
	}
	b = w * 64 + tb_ctz64(acc);
	return tb_cls_act(sc, b);
}

/* The bpf_loop callback: the steps after the first, which the caller takes inline. */
static long tb_cls_step(__u32 i, void *ctx)
{
	__u32 zero = 0;
	struct tb_pol_scratch *sc = bpf_map_lookup_elem(&tb_pol_scr_v1, &zero);

	return sc ? tb_cls_step_sc(sc) : 1;
}

#endif
