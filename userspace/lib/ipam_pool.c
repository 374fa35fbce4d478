// SPDX-License-Identifier: Apache-2.0
/* IPPools, the IPAM configuration and the key layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"

/* Where a family's blocks live: ".../assignment/ipv4/block/". */
static void block_prefix(int family, char *buf, size_t len)
{
	snprintf(buf, len, TB_IPAM_PREFIX "assignment/ipv%c/block/", family == AF_INET ? '4' : '6');
}

void tb_ipam_block_key(const struct tb_cidr *c, char *buf, size_t len)
{
	char k[TB_CIDR_STRLEN];
	size_t n;

	block_prefix(c->ip.family, buf, len);
	n = strlen(buf);
	tb_cidr_format_key(c, k, sizeof(k));
	snprintf(buf + n, len - n, "%s", k);
}

int tb_ipam_blocks_list(struct tb_ds *ds, int family, struct tb_kv_list *out)
{
	char prefix[128];

	block_prefix(family, prefix, sizeof(prefix));
	return tb_ds_list(ds, prefix, out);
}

void tb_ipam_affinity_key(const char *node, const struct tb_cidr *c, char *buf, size_t len)
{
	char k[TB_CIDR_STRLEN];

	tb_cidr_format_key(c, k, sizeof(k));
	snprintf(buf, len, TB_IPAM_PREFIX "host/%s/ipv%c/block/%s", node,
		 c->ip.family == AF_INET ? '4' : '6', k);
}

void tb_ipam_handle_key(const char *handle, char *buf, size_t len)
{
	snprintf(buf, len, TB_IPAM_HANDLE_PREFIX "%s", handle);
}

int tb_ipam_block_key_parse(const char *key, struct tb_cidr *out)
{
	const char *last = strrchr(key, '/');
	char buf[TB_CIDR_STRLEN];
	char *dash;

	if (!last || strlen(last + 1) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, last + 1);
	dash = strrchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = '/';
	return tb_cidr_parse(buf, out);
}

void tb_ipam_pool_free(struct tb_ipam_pool *p)
{
	free(p->name);
	free(p->node_selector);
	memset(p, 0, sizeof(*p));
}

static bool uses_workload(const json_t *uses)
{
	size_t i;
	json_t *u;

	if (!json_is_array(uses) || json_array_size(uses) == 0)
		return true; /* Calico's default: Workload and Tunnel */
	json_array_foreach(uses, i, u)
		if (json_is_string(u) && !strcmp(json_string_value(u), "Workload"))
			return true;
	return false;
}

int tb_ipam_pool_from_json(const char *name, const json_t *spec, struct tb_ipam_pool *out)
{
	const char *cidr = json_string_value(json_object_get(spec, "cidr"));
	const char *sel = json_string_value(json_object_get(spec, "nodeSelector"));
	const char *mode = json_string_value(json_object_get(spec, "assignmentMode"));
	json_t *bs = json_object_get(spec, "blockSize");

	memset(out, 0, sizeof(*out));
	if (!cidr || tb_cidr_parse(cidr, &out->cidr))
		return -EINVAL;
	out->block_size = out->cidr.ip.family == AF_INET ? 26 : 122;
	if (json_is_integer(bs))
		out->block_size = (int)json_integer_value(bs);
	if (out->block_size < out->cidr.len || out->block_size > tb_ip_bits(out->cidr.ip.family) ||
	    tb_ip_bits(out->cidr.ip.family) - out->block_size > 16)
		return -EINVAL;
	out->disabled = json_is_true(json_object_get(spec, "disabled"));
	out->manual = mode && !strcmp(mode, "Manual");
	out->workload = uses_workload(json_object_get(spec, "allowedUses"));
	out->name = strdup(name);
	out->node_selector = sel ? strdup(sel) : NULL;
	if (!out->name || (sel && !out->node_selector)) {
		tb_ipam_pool_free(out);
		return -ENOMEM;
	}
	return 0;
}

void tb_ipam_pools_free(struct tb_ipam_pools *p)
{
	for (size_t i = 0; i < p->n; i++)
		tb_ipam_pool_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int tb_ipam_pools_load(struct tb_ds *ds, struct tb_ipam_pools *out)
{
	struct tb_kv_list l;
	int r;

	memset(out, 0, sizeof(*out));
	r = tb_ds_list(ds, TB_IPPOOL_PREFIX, &l);
	if (r)
		return r;
	out->v = calloc(l.n + 1, sizeof(*out->v));
	if (!out->v) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		json_t *doc = json_loads(l.items[i].value, 0, NULL);
		const char *name = strrchr(l.items[i].key, '/') + 1;

		/* A pool that does not parse is skipped, not fatal: validation is apply's job. */
		if (doc &&
		    !tb_ipam_pool_from_json(name, json_object_get(doc, "spec"), &out->v[out->n]))
			out->n++;
		json_decref(doc);
	}
out:
	tb_kv_list_free(&l);
	return r;
}

const struct tb_ipam_pool *tb_ipam_pool_for_ip(const struct tb_ipam_pools *p,
					       const struct tb_ip *ip)
{
	for (size_t i = 0; i < p->n; i++)
		if (tb_cidr_contains(&p->v[i].cidr, ip))
			return &p->v[i];
	return NULL;
}

/* Reads one JSON document; NULL when absent or unreadable (*r says which). */
static json_t *load_doc(struct tb_ds *ds, const char *key, int *r)
{
	struct tb_kv kv;
	json_t *doc;

	*r = tb_ds_get(ds, key, &kv);
	if (*r)
		return NULL;
	doc = json_loads(kv.value, 0, NULL);
	tb_kv_free(&kv);
	if (!doc)
		*r = -EIO;
	return doc;
}

/*
 * The IPAM settings: the IPAMConfiguration resource "default" that tabbyctl applies
 * (strictAffinity, maxBlocksPerHost, autoAllocateBlocks), else Calico's stored form at
 * /calico/ipam/v2/config (strict_affinity, maxBlocksPerHost, auto_allocate_blocks).
 */
int tb_ipam_config_load(struct tb_ds *ds, struct tb_ipam_config *out)
{
	json_t *doc, *spec;
	int r;

	memset(out, 0, sizeof(*out));
	out->auto_allocate_blocks = true;
	doc = load_doc(ds, TB_IPAMCONFIG_RESOURCE_KEY, &r);
	if (doc) {
		spec = json_object_get(doc, "spec");
		out->strict_affinity = json_is_true(json_object_get(spec, "strictAffinity"));
		if (json_is_false(json_object_get(spec, "autoAllocateBlocks")))
			out->auto_allocate_blocks = false;
		out->max_blocks_per_host =
		    (int)json_integer_value(json_object_get(spec, "maxBlocksPerHost"));
		json_decref(doc);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	doc = load_doc(ds, TB_IPAM_CONFIG_KEY, &r);
	if (!doc)
		return r == -ENOENT ? 0 : r;
	out->strict_affinity = json_is_true(json_object_get(doc, "strict_affinity"));
	if (json_is_false(json_object_get(doc, "auto_allocate_blocks")))
		out->auto_allocate_blocks = false;
	out->max_blocks_per_host =
	    (int)json_integer_value(json_object_get(doc, "maxBlocksPerHost"));
	json_decref(doc);
	return 0;
}
