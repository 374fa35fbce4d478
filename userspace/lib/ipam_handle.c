// SPDX-License-Identifier: Apache-2.0
/* Reading a handle back: the addresses it holds and the node they were assigned for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam_internal.h"

/* Calls fn for every address the handle holds, with its block; fn returns false to stop. */
typedef bool (*alloc_fn)(const struct tb_ipam_block *b, uint32_t ordinal, void *ctx);

static int handle_foreach(struct tb_ds *ds, const char *handle, alloc_fn fn, void *ctx)
{
	struct tb_ipam_handle h;
	const char *cidr;
	bool go = true;
	json_t *cnt;
	int r;

	r = tb_ipam_handle_read(ds, handle, &h);
	if (r)
		return r;
	json_object_foreach(h.blocks, cidr, cnt) {
		struct tb_ipam_block b;
		struct tb_cidr c;
		char key[256];
		struct tb_kv kv;

		if (!go || tb_cidr_parse(cidr, &c))
			continue;
		tb_ipam_block_key(&c, key, sizeof(key));
		if (tb_ds_get(ds, key, &kv))
			continue;
		r = tb_ipam_block_from_json(kv.value, &b);
		tb_kv_free(&kv);
		if (r)
			continue;
		for (uint32_t o = 0; o < b.size && go; o++) {
			const char *hh = tb_ipam_block_handle_at(&b, o);

			if (hh && !strcmp(hh, handle))
				go = fn(&b, o, ctx);
		}
		tb_ipam_block_free(&b);
	}
	tb_ipam_handle_free(&h);
	return 0;
}

struct ips_ctx {
	struct tb_ip *ips;
	size_t n;
};

static bool add_ip(const struct tb_ipam_block *b, uint32_t o, void *arg)
{
	struct ips_ctx *c = arg;
	struct tb_ip *nv = realloc(c->ips, sizeof(*nv) * (c->n + 1));

	if (!nv)
		return false;
	c->ips = nv;
	tb_cidr_nth(&b->cidr, o, &nv[c->n++]);
	return true;
}

int tb_ipam_handle_ips(struct tb_ds *ds, const char *handle, struct tb_ip **ips, size_t *n)
{
	struct ips_ctx c = {0};
	int r = handle_foreach(ds, handle, add_ip, &c);

	*ips = c.ips;
	*n = c.n;
	return r;
}

struct node_ctx {
	char *node;
	size_t len;
};

static bool take_node(const struct tb_ipam_block *b, uint32_t o, void *arg)
{
	struct node_ctx *c = arg;
	const char *n = json_string_value(json_object_get(b->attrs[b->alloc[o]].secondary, "node"));

	if (!n)
		return true;
	snprintf(c->node, c->len, "%s", n);
	return false;
}

int tb_ipam_handle_node(struct tb_ds *ds, const char *handle, char *node, size_t len)
{
	struct node_ctx c = {node, len};
	int r;

	node[0] = '\0';
	r = handle_foreach(ds, handle, take_node, &c);
	if (r)
		return r;
	return node[0] ? 0 : -ENOENT;
}
