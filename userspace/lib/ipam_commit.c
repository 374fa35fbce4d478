// SPDX-License-Identifier: Apache-2.0
/* Handles, reservations and the one transaction every assignment ends with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam_internal.h"

int tb_ipam_resv_load(struct tb_ds *ds, struct tb_ipam_resv *out)
{
	struct tb_kv_list l;
	int r;

	memset(out, 0, sizeof(*out));
	r = tb_ds_list(ds, TB_IPRESERVATION_PREFIX, &l);
	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		json_t *doc = json_loads(l.items[i].value, 0, NULL);
		json_t *cidrs = json_object_get(json_object_get(doc, "spec"), "reservedCIDRs");
		size_t j;
		json_t *c;

		json_array_foreach(cidrs, j, c) {
			struct tb_cidr *nv = realloc(out->v, sizeof(*nv) * (out->n + 1));

			if (!nv) {
				json_decref(doc);
				r = -ENOMEM;
				goto out;
			}
			out->v = nv;
			if (json_is_string(c) && !tb_cidr_parse(json_string_value(c), &nv[out->n]))
				out->n++;
		}
		json_decref(doc);
	}
out:
	tb_kv_list_free(&l);
	return r;
}

void tb_ipam_resv_free(struct tb_ipam_resv *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

bool tb_ipam_resv_contains(const struct tb_ipam_resv *r, const struct tb_ip *ip)
{
	for (size_t i = 0; i < r->n; i++)
		if (tb_cidr_contains(&r->v[i], ip))
			return true;
	return false;
}

int tb_ipam_handle_read(struct tb_ds *ds, const char *handle, struct tb_ipam_handle *out)
{
	char key[512];
	struct tb_kv kv;
	json_t *doc;
	int r;

	out->blocks = NULL;
	out->rev = TB_REV_ABSENT;
	tb_ipam_handle_key(handle, key, sizeof(key));
	r = tb_ds_get(ds, key, &kv);
	if (r == -ENOENT) {
		out->blocks = json_object();
		return out->blocks ? 0 : -ENOMEM;
	}
	if (r)
		return r;
	out->rev = kv.mod_revision;
	doc = json_loads(kv.value, 0, NULL);
	tb_kv_free(&kv);
	out->blocks = json_incref(json_object_get(doc, "block"));
	json_decref(doc);
	if (!json_is_object(out->blocks)) {
		json_decref(out->blocks);
		out->blocks = json_object();
	}
	return out->blocks ? 0 : -ENOMEM;
}

void tb_ipam_handle_free(struct tb_ipam_handle *h)
{
	json_decref(h->blocks);
	h->blocks = NULL;
}

void tb_ipam_handle_add(struct tb_ipam_handle *h, const struct tb_cidr *block, int delta)
{
	char cidr[TB_CIDR_STRLEN];
	json_int_t n;

	tb_cidr_format(block, cidr, sizeof(cidr));
	n = json_integer_value(json_object_get(h->blocks, cidr)) + delta;
	if (n > 0)
		json_object_set_new(h->blocks, cidr, json_integer(n));
	else
		json_object_del(h->blocks, cidr);
}

/* Fills op with the handle's put, or its delete when it holds nothing. */
static char *handle_op(const char *key, const struct tb_ipam_handle *h, struct tb_txn_op *op)
{
	json_t *doc;
	char *text;

	op->key = key;
	op->expect_rev = h->rev;
	if (json_object_size(h->blocks) == 0) {
		op->type = TB_TXN_DELETE;
		return NULL;
	}
	doc = json_pack("{sOsb}", "block", h->blocks, "deleted", 0);
	text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	op->type = TB_TXN_PUT;
	op->value = text;
	return text;
}

void tb_ipam_claim_key(const char *node, int family, char *buf, size_t len)
{
	snprintf(buf, len, TB_IPAM_PREFIX "host/%s/ipv%c/claim", node,
		 family == AF_INET ? '4' : '6');
}

int tb_ipam_claim_rev(struct tb_ds *ds, const char *node, int family, int64_t *rev)
{
	char key[512];
	struct tb_kv kv;
	int r;

	tb_ipam_claim_key(node, family, key, sizeof(key));
	r = tb_ds_get(ds, key, &kv);
	if (r == -ENOENT) {
		*rev = TB_REV_ABSENT;
		return 0;
	}
	if (r)
		return r;
	*rev = kv.mod_revision;
	tb_kv_free(&kv);
	return 0;
}

int tb_ipam_commit(struct tb_ds *ds, const struct tb_ipam_block *b, int64_t block_rev,
		   const struct tb_ipam_claim *claim, const char *handle, int delta)
{
	char bkey[512], akey[512], ckey[512], hkey[512];
	struct tb_ipam_handle h = {0};
	struct tb_txn_op ops[4];
	char *btext = NULL, *htext = NULL;
	size_t n = 0;
	int r;

	r = tb_ipam_handle_read(ds, handle, &h);
	if (r)
		return r;
	tb_ipam_handle_add(&h, &b->cidr, delta);
	btext = tb_ipam_block_to_json(b);
	if (!btext) {
		r = -ENOMEM;
		goto out;
	}
	tb_ipam_block_key(&b->cidr, bkey, sizeof(bkey));
	ops[n++] = (struct tb_txn_op){TB_TXN_PUT, bkey, btext, block_rev};
	if (claim) {
		tb_ipam_affinity_key(claim->node, &b->cidr, akey, sizeof(akey));
		ops[n++] = (struct tb_txn_op){
		    TB_TXN_PUT, akey, "{\"state\":\"confirmed\",\"deleted\":false}", TB_REV_ABSENT};
		tb_ipam_claim_key(claim->node, b->cidr.ip.family, ckey, sizeof(ckey));
		ops[n++] = (struct tb_txn_op){TB_TXN_PUT, ckey, "{}", claim->rev};
	}
	tb_ipam_handle_key(handle, hkey, sizeof(hkey));
	htext = handle_op(hkey, &h, &ops[n]);
	if (ops[n].type == TB_TXN_PUT && !htext) {
		r = -ENOMEM;
		goto out;
	}
	/* A handle left empty is deleted, unless it never existed. */
	if (ops[n].type == TB_TXN_PUT || h.rev != TB_REV_ABSENT)
		n++;
	r = tb_ds_txn(ds, ops, n, NULL);
out:
	free(htext);
	free(btext);
	tb_ipam_handle_free(&h);
	return r;
}
