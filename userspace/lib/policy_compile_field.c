// SPDX-License-Identifier: Apache-2.0
/*
 * One field of the classifier: every prefix any rule or set mentions becomes an LPM entry whose
 * class is the bitmap of rules that match a value whose longest matching prefix is that one.
 * For such a value, a prefix Q "contains" it exactly when Q covers the entry's prefix, so a
 * depth-first walk over the sorted prefixes, counting per rule what the current path covers,
 * yields every class (and each entry thereby carries the bits of every shorter covering prefix).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile_int.h"

enum ref_kind { REF_IN, REF_NOTIN, REF_SET };

struct pref {
	struct tb_pfx p;
	uint8_t kind;
	uint32_t idx; /* bit for IN/NOTIN, set index for SET */
};

struct setref {
	uint32_t bit;
	int neg;
};

struct walk {
	const struct tb_cbit *bits;
	enum tb_pol_field field;
	uint32_t nwords;
	uint32_t *in_cnt, *notin_cnt, *missing, *notset_hit;
	uint32_t *set_ids, n_set_ids, *set_cnt;
	struct setref **set_refs;
	size_t *n_set_refs;
	uint64_t *cur;
};

static int pfx_cmp(const struct tb_pfx *a, const struct tb_pfx *b)
{
	int c = memcmp(a->data, b->data, TB_POL_KEY_DATA);

	return c ? c : (int)a->len - (int)b->len;
}

static int pref_cmp(const void *x, const void *y)
{
	return pfx_cmp(&((const struct pref *)x)->p, &((const struct pref *)y)->p);
}

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static int covers(const struct tb_pfx *a, const struct tb_pfx *b)
{
	unsigned full = a->len / 8, rest = a->len % 8;

	if (a->len > b->len || memcmp(a->data, b->data, full))
		return 0;
	return !rest || !((a->data[full] ^ b->data[full]) & (0xff00 >> rest) & 0xff);
}

static int set_index(const struct walk *w, uint32_t id)
{
	uint32_t *p = bsearch(&id, w->set_ids, w->n_set_ids, sizeof(id), u32_cmp);

	return p ? (int)(p - w->set_ids) : -1;
}

static void update(struct walk *w, uint32_t b)
{
	const struct tb_cond *c = &w->bits[b].f[w->field];
	int m =
	    (!c->has_in || w->in_cnt[b]) && !w->notin_cnt[b] && !w->missing[b] && !w->notset_hit[b];

	if (m)
		tb_bm_set(w->cur, b);
	else
		tb_bm_clr(w->cur, b);
}

/* Applies (d = +1) or removes (d = -1) the references of one prefix. */
static void apply(struct walk *w, const struct pref *r, size_t n, int d)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t s;

		switch (r[i].kind) {
		case REF_IN:
			w->in_cnt[r[i].idx] += d;
			update(w, r[i].idx);
			break;
		case REF_NOTIN:
			w->notin_cnt[r[i].idx] += d;
			update(w, r[i].idx);
			break;
		case REF_SET:
			s = r[i].idx;
			w->set_cnt[s] += d;
			if (!(d > 0 ? w->set_cnt[s] == 1 : w->set_cnt[s] == 0))
				break;
			for (size_t k = 0; k < w->n_set_refs[s]; k++) {
				struct setref *sr = &w->set_refs[s][k];

				if (sr->neg)
					w->notset_hit[sr->bit] += d;
				else
					w->missing[sr->bit] -= d;
				update(w, sr->bit);
			}
			break;
		}
	}
}

static int push_pref(struct pref **arr, size_t *n, size_t *cap, const struct tb_pfx *p, int kind,
		     uint32_t idx)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct pref *np = realloc(*arr, nc * sizeof(*np));

		if (!np)
			return -ENOMEM;
		*arr = np;
		*cap = nc;
	}
	(*arr)[*n].p = *p;
	(*arr)[*n].kind = (uint8_t)kind;
	(*arr)[(*n)++].idx = idx;
	return 0;
}

/* The prefix of a set member in this field's key layout. */
static void member_pfx(enum tb_pol_field field, const struct tb_ir_set *s, size_t i,
		       struct tb_pfx *p)
{
	const struct tb_ir_cidr *c;
	unsigned off = 0, alen;

	memset(p, 0, sizeof(*p));
	if (field == TB_PF_SRC_NAMED || field == TB_PF_DST_NAMED) {
		const struct tb_ir_port_member *m = &s->port_members[i];

		p->data[0] = m->proto;
		p->data[1] = m->port >> 8;
		p->data[2] = m->port & 0xff;
		off = 3;
		c = &m->addr;
	} else {
		c = &s->cidrs[i];
	}
	p->data[off] = c->family;
	alen = c->family == 4 ? 4 : 16;
	memcpy(p->data + off + 1, c->addr, alen);
	p->len = (uint8_t)(8 * (off + 1) + c->len);
	/* canonical: clear host bits */
	for (unsigned b = p->len; b < 8 * TB_POL_KEY_DATA; b++)
		p->data[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

/* Gathers the distinct set IDs this field references and their member prefixes. */
static int gather(struct walk *w, const struct tb_pol_sets *sets, uint32_t nbits,
		  struct pref **prefs, size_t *n, size_t *cap)
{
	uint32_t *ids = NULL;
	size_t nid = 0, cid = 0;
	int err = 0;

	for (uint32_t b = 0; b < nbits; b++) {
		const struct tb_cond *c = &w->bits[b].f[w->field];

		for (size_t i = 0; i < c->n_in && !err; i++)
			err = push_pref(prefs, n, cap, &c->in[i], REF_IN, b);
		for (size_t i = 0; i < c->n_notin && !err; i++)
			err = push_pref(prefs, n, cap, &c->notin[i], REF_NOTIN, b);
		for (size_t i = 0; i < c->n_sets + c->n_notsets && !err; i++) {
			if (nid == cid) {
				uint32_t *np =
				    realloc(ids, (cid = cid ? 2 * cid : 64) * sizeof(*np));

				if (!np) {
					err = -ENOMEM;
					break;
				}
				ids = np;
			}
			ids[nid++] = i < c->n_sets ? c->sets[i] : c->notsets[i - c->n_sets];
		}
		if (err)
			goto fail;
	}
	qsort(ids, nid, sizeof(*ids), u32_cmp);
	w->n_set_ids = 0;
	for (size_t i = 0; i < nid; i++)
		if (!w->n_set_ids || ids[w->n_set_ids - 1] != ids[i])
			ids[w->n_set_ids++] = ids[i];
	w->set_ids = ids;
	for (uint32_t s = 0; s < w->n_set_ids; s++) {
		const struct tb_ir_set *set = tb_pol_sets_get(sets, ids[s]);
		int port = w->field == TB_PF_SRC_NAMED || w->field == TB_PF_DST_NAMED;
		size_t cnt;

		if (!set || set->is_port_set != port)
			continue; /* unknown or wrong kind: an empty set */
		cnt = port ? set->n_port_members : set->n_cidrs;
		for (size_t i = 0; i < cnt; i++) {
			struct tb_pfx p;

			member_pfx(w->field, set, i, &p);
			err = push_pref(prefs, n, cap, &p, REF_SET, s);
			if (err)
				return err;
		}
	}
	return 0;
fail:
	free(ids);
	return err;
}

static int build_set_refs(struct walk *w, uint32_t nbits)
{
	for (uint32_t b = 0; b < nbits; b++) {
		const struct tb_cond *c = &w->bits[b].f[w->field];

		for (size_t i = 0; i < c->n_sets + c->n_notsets; i++) {
			int neg = i >= c->n_sets;
			int s = set_index(w, neg ? c->notsets[i - c->n_sets] : c->sets[i]);
			struct setref *np;

			np = realloc(w->set_refs[s], (w->n_set_refs[s] + 1) * sizeof(*np));
			if (!np)
				return -ENOMEM;
			w->set_refs[s] = np;
			np[w->n_set_refs[s]++] = (struct setref){.bit = b, .neg = neg};
			if (!neg)
				w->missing[b]++;
		}
	}
	return 0;
}

static int walk_init(struct walk *w, uint32_t nbits)
{
	w->in_cnt = calloc(nbits, sizeof(uint32_t));
	w->notin_cnt = calloc(nbits, sizeof(uint32_t));
	w->missing = calloc(nbits, sizeof(uint32_t));
	w->notset_hit = calloc(nbits, sizeof(uint32_t));
	w->cur = calloc(w->nwords, sizeof(uint64_t));
	if (!w->in_cnt || !w->notin_cnt || !w->missing || !w->notset_hit || !w->cur)
		return -ENOMEM;
	return 0;
}

static int walk_sets_init(struct walk *w)
{
	w->set_cnt = calloc(w->n_set_ids + 1, sizeof(uint32_t));
	w->set_refs = calloc(w->n_set_ids + 1, sizeof(*w->set_refs));
	w->n_set_refs = calloc(w->n_set_ids + 1, sizeof(size_t));
	return w->set_cnt && w->set_refs && w->n_set_refs ? 0 : -ENOMEM;
}

static void walk_free(struct walk *w)
{
	for (uint32_t s = 0; w->set_refs && s < w->n_set_ids; s++)
		free(w->set_refs[s]);
	free(w->set_refs);
	free(w->n_set_refs);
	free(w->set_cnt);
	free(w->set_ids);
	free(w->cur);
	free(w->notset_hit);
	free(w->missing);
	free(w->notin_cnt);
	free(w->in_cnt);
}

/* The depth-first walk over sorted prefixes; prefs[] is sorted and starts with the root. */
static int walk_run(struct walk *w, uint32_t nbits, const struct pref *prefs, size_t n,
		    struct classes *cls, struct tb_field_out *out)
{
	size_t *stack = NULL, *grp_len = NULL, depth = 0;
	int err = -ENOMEM;

	stack = calloc(n + 1, sizeof(*stack));
	grp_len = calloc(n + 1, sizeof(*grp_len));
	out->entries = calloc(n + 1, sizeof(*out->entries));
	if (!stack || !grp_len || !out->entries)
		goto out;
	for (uint32_t b = 0; b < nbits; b++)
		update(w, b);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		struct tb_pol_entry *e;
		long c;

		while (j < n && !pfx_cmp(&prefs[j].p, &prefs[i].p))
			j++;
		while (depth && !covers(&prefs[stack[depth - 1]].p, &prefs[i].p)) {
			depth--;
			apply(w, &prefs[stack[depth]], grp_len[depth], -1);
		}
		apply(w, &prefs[i], j - i, +1);
		stack[depth] = i;
		grp_len[depth++] = j - i;
		c = tb_class_intern(cls, w->cur);
		if (c < 0)
			goto out;
		e = &out->entries[out->n_entries++];
		e->cls = (uint32_t)c;
		e->key.prefixlen = 8 + prefs[i].p.len;
		e->key.field = (uint8_t)w->field;
		memcpy(e->key.data, prefs[i].p.data, TB_POL_KEY_DATA);
		i = j;
	}
	err = 0;
out:
	free(grp_len);
	free(stack);
	return err;
}

int tb_compile_field(enum tb_pol_field field, const struct tb_cbit *bits, uint32_t nbits,
		     uint32_t nwords, const struct tb_pol_sets *sets, struct tb_field_out *out)
{
	struct walk w = {.bits = bits, .field = field, .nwords = nwords};
	struct classes cls = {.nwords = nwords};
	struct pref *prefs = NULL;
	size_t n = 0, cap = 0;
	struct tb_pfx root = {.len = 0};
	int err;

	memset(out, 0, sizeof(*out));
	err = walk_init(&w, nbits);
	if (err)
		goto out;
	err = gather(&w, sets, nbits, &prefs, &n, &cap);
	if (err)
		goto out;
	err = walk_sets_init(&w);
	if (!err)
		err = build_set_refs(&w, nbits);
	if (err)
		goto out;
	/*
	 * The root prefix (length 0), referencing the extra empty set index, so every value
	 * finds an entry; it sorts first, so class 0 is the field's wildcard bitmap.
	 */
	err = push_pref(&prefs, &n, &cap, &root, REF_SET, w.n_set_ids);
	if (err)
		goto out;
	qsort(prefs, n, sizeof(*prefs), pref_cmp);
	for (cls.nslots = 64; cls.nslots < 2 * (n + 1); cls.nslots *= 2)
		;
	cls.slots = calloc(cls.nslots, sizeof(*cls.slots));
	err = cls.slots ? walk_run(&w, nbits, prefs, n, &cls, out) : -ENOMEM;
	if (err)
		goto out;
	out->bms = cls.bms;
	out->n_cls = cls.n;
	cls.bms = NULL;
out:
	free(cls.slots);
	free(cls.bms);
	free(prefs);
	walk_free(&w);
	if (err)
		tb_field_out_free(out);
	return err;
}

void tb_field_out_free(struct tb_field_out *o)
{
	free(o->bms);
	free(o->entries);
	memset(o, 0, sizeof(*o));
}
