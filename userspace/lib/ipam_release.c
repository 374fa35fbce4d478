// SPDX-License-Identifier: Apache-2.0
/* Releasing addresses: by handle (DEL) and by address (ipam release). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam_internal.h"

#define RELEASE_ATTEMPTS 200

struct rel_block {
	struct tb_ipam_block b;
	int64_t rev;
	char key[256];
	char *text;
	bool drop; /* empty and affine to no one: delete it */
};

/* Reads the handle's blocks, frees its addresses in them, commits all in one transaction. */
static int release_handle_once(struct tb_ds *ds, const char *handle, unsigned *released)
{
	struct tb_ipam_handle h;
	struct rel_block *rb = NULL;
	struct tb_txn_op *ops = NULL;
	char hkey[512];
	size_t nb = 0, n = 0;
	const char *cidr;
	json_t *cnt;
	int r;

	r = tb_ipam_handle_read(ds, handle, &h);
	if (r || h.rev == TB_REV_ABSENT)
		goto out;
	rb = calloc(json_object_size(h.blocks) + 1, sizeof(*rb));
	ops = calloc(json_object_size(h.blocks) + 1, sizeof(*ops));
	if (!rb || !ops) {
		r = -ENOMEM;
		goto out;
	}
	json_object_foreach(h.blocks, cidr, cnt) {
		struct rel_block *x = &rb[nb];
		struct tb_cidr c;
		struct tb_kv kv;

		if (tb_cidr_parse(cidr, &c))
			continue;
		tb_ipam_block_key(&c, x->key, sizeof(x->key));
		r = tb_ds_get(ds, x->key, &kv);
		if (r == -ENOENT)
			continue;
		if (r)
			goto out;
		x->rev = kv.mod_revision;
		r = tb_ipam_block_from_json(kv.value, &x->b);
		tb_kv_free(&kv);
		if (r)
			continue; /* corrupt: left to ipam check */
		nb++;
		*released += tb_ipam_block_release_handle(&x->b, handle);
		x->drop = !x->b.affinity && tb_ipam_block_used(&x->b) == 0;
		x->text = x->drop ? NULL : tb_ipam_block_to_json(&x->b);
		if (!x->drop && !x->text) {
			r = -ENOMEM;
			goto out;
		}
		ops[n++] = (struct tb_txn_op){x->drop ? TB_TXN_DELETE : TB_TXN_PUT, x->key, x->text,
					      x->rev};
	}
	tb_ipam_handle_key(handle, hkey, sizeof(hkey));
	ops[n++] = (struct tb_txn_op){TB_TXN_DELETE, hkey, NULL, h.rev};
	r = tb_ds_txn(ds, ops, n, NULL);
out:
	for (size_t i = 0; i < nb; i++) {
		free(rb[i].text);
		tb_ipam_block_free(&rb[i].b);
	}
	free(rb);
	free(ops);
	tb_ipam_handle_free(&h);
	return r;
}

int tb_ipam_release_handle(struct tb_ds *ds, const char *handle, unsigned *released)
{
	unsigned n = 0;
	int r = -ECANCELED;

	for (int i = 0; i < RELEASE_ATTEMPTS && r == -ECANCELED; i++) {
		n = 0;
		r = release_handle_once(ds, handle, &n);
	}
	if (released)
		*released = r ? 0 : n;
	return r;
}

/* Finds the stored block containing ip; -ENOENT if none. */
static int find_block(struct tb_ds *ds, const struct tb_ip *ip, struct tb_kv *out)
{
	struct tb_kv_list l;
	int r;

	r = tb_ipam_blocks_list(ds, ip->family, &l);
	if (r)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < l.n; i++) {
		struct tb_cidr c;

		if (tb_ipam_block_key_parse(l.items[i].key, &c) || !tb_cidr_contains(&c, ip))
			continue;
		*out = l.items[i];
		memset(&l.items[i], 0, sizeof(l.items[i]));
		r = 0;
		break;
	}
	tb_kv_list_free(&l);
	return r;
}

static int release_ip_once(struct tb_ds *ds, const struct tb_ip *ip)
{
	struct tb_ipam_block b;
	char *handle = NULL;
	struct tb_kv kv;
	int r;

	r = find_block(ds, ip, &kv);
	if (r)
		return r;
	r = tb_ipam_block_from_json(kv.value, &b);
	if (r)
		goto out_kv;
	r = tb_ipam_block_release_ip(&b, ip, &handle);
	if (r)
		goto out;
	if (handle) {
		r = tb_ipam_commit(ds, &b, kv.mod_revision, NULL, handle, -1);
	} else {
		char *text = tb_ipam_block_to_json(&b);

		r = text ? tb_ds_put(ds, kv.key, text, kv.mod_revision, NULL) : -ENOMEM;
		free(text);
	}
out:
	free(handle);
	tb_ipam_block_free(&b);
out_kv:
	tb_kv_free(&kv);
	return r;
}

int tb_ipam_release_ip(struct tb_ds *ds, const struct tb_ip *ip)
{
	int r = -ECANCELED;

	for (int i = 0; i < RELEASE_ATTEMPTS && r == -ECANCELED; i++)
		r = release_ip_once(ds, ip);
	return r;
}
