// SPDX-License-Identifier: Apache-2.0
/*
 * `tabbyctl ipam check [--fix]`: finds what a crash or a lost DEL leaves behind.
 *
 *   - an address whose handle record is gone, or that no WorkloadEndpoint lists (the
 *     workload is gone): leaked; --fix releases it;
 *   - a handle record whose counts disagree with the blocks (or that holds nothing):
 *     --fix rewrites or deletes it;
 *   - an affinity whose block does not exist: --fix deletes it;
 *   - an endpoint using a pool address IPAM has not allocated: reported (its workload must be
 *     re-created; another workload may get the address).
 *
 * Addresses of node tunnels (handles "ipip-tunnel-addr-*", "vxlan-tunnel-addr-*") belong to
 * nodes, not workloads, and are never called leaked. An ADD in flight (addresses assigned,
 * endpoint not yet written) looks leaked for a moment: run --fix when no ADD is running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "ipam_block.h"
#include "ipam_internal.h"

#define WEP_KEYS "/calico/resources/v3/projectcalico.org/workloadendpoints/"

struct check_ctx {
	struct tb_ds *ds;
	bool fix;
	bool count_only; /* second pass after fixes: recount, report nothing */
	FILE *out;
	unsigned problems;
	json_t *wep_ips;   /* "ip" -> endpoint name, from every endpoint's ipNetworks */
	json_t *allocated; /* "ip" -> true, every allocated address seen in the blocks */
	json_t *counts;	   /* handle -> {block cidr -> count} seen in blocks */
};

static int load_wep_ips(struct check_ctx *c)
{
	struct tb_kv_list l;
	int r = tb_ds_list(c->ds, WEP_KEYS, &l);

	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		json_t *doc = json_loads(l.items[i].value, 0, NULL);
		json_t *nets = json_object_get(json_object_get(doc, "spec"), "ipNetworks");
		const char *name = strrchr(l.items[i].key, '/') + 1;
		size_t j;
		json_t *n;

		json_array_foreach(nets, j, n) {
			char ip[TB_CIDR_STRLEN];

			snprintf(ip, sizeof(ip), "%s",
				 json_string_value(n) ? json_string_value(n) : "");
			if (strchr(ip, '/'))
				*strchr(ip, '/') = '\0';
			json_object_set_new(c->wep_ips, ip, json_string(name));
		}
		json_decref(doc);
	}
	tb_kv_list_free(&l);
	return 0;
}

static bool node_owned(const char *handle)
{
	return !strncmp(handle, "ipip-tunnel-addr-", 17) ||
	       !strncmp(handle, "vxlan-tunnel-addr-", 18) ||
	       !strncmp(handle, "wireguard-tunnel-addr-", 22);
}

static void leaked(struct check_ctx *c, const struct tb_ip *ip, const char *handle, const char *why)
{
	char a[TB_IP_STRLEN];
	int r = 0;

	tb_ip_format(ip, a, sizeof(a));
	c->problems++;
	if (c->fix)
		r = tb_ipam_release_ip(c->ds, ip);
	fprintf(c->out, "leaked: %s (handle %s): %s%s%s\n", a, handle ? handle : "(none)", why,
		c->fix ? (r && r != -ENOENT ? " - release FAILED: " : " - released") : "",
		c->fix && r && r != -ENOENT ? strerror(-r) : "");
}

static void scan_block(struct check_ctx *c, const struct tb_ipam_block *b)
{
	char cidr[TB_CIDR_STRLEN];

	tb_cidr_format(&b->cidr, cidr, sizeof(cidr));
	for (uint32_t o = 0; o < b->size; o++) {
		const char *h = tb_ipam_block_handle_at(b, o);
		char a[TB_IP_STRLEN];
		json_t *per;
		struct tb_ip ip;

		if (b->alloc[o] < 0)
			continue;
		tb_cidr_nth(&b->cidr, o, &ip);
		tb_ip_format(&ip, a, sizeof(a));
		json_object_set_new(c->allocated, a, json_true());
		if (!h)
			continue; /* a reservation without handle is deliberate */
		if (node_owned(h))
			goto count;
		/* A leaked address still counts for its handle: the handle is judged against
		 * the blocks as they are (and recounted after --fix released it). */
		if (!json_object_get(c->wep_ips, a) && !c->count_only)
			leaked(c, &ip, h, "no WorkloadEndpoint has this address");
	count:
		per = json_object_get(c->counts, h);
		if (!per) {
			per = json_object();
			json_object_set_new(c->counts, h, per);
		}
		json_object_set_new(
		    per, cidr, json_integer(json_integer_value(json_object_get(per, cidr)) + 1));
	}
}

static int scan_blocks(struct check_ctx *c, int family)
{
	struct tb_kv_list l;
	int r;

	r = tb_ipam_blocks_list(c->ds, family, &l);
	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		struct tb_ipam_block b;

		if (tb_ipam_block_from_json(l.items[i].value, &b)) {
			if (c->count_only)
				continue;
			c->problems++;
			fprintf(c->out, "corrupt block: %s (left alone)\n", l.items[i].key);
			continue;
		}
		scan_block(c, &b);
		tb_ipam_block_free(&b);
	}
	tb_kv_list_free(&l);
	return 0;
}

/* Handles must hold exactly what the blocks say they hold. */
static int check_handles(struct check_ctx *c)
{
	struct tb_kv_list l;
	int r = tb_ds_list(c->ds, TB_IPAM_HANDLE_PREFIX, &l);

	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		const char *h = l.items[i].key + strlen(TB_IPAM_HANDLE_PREFIX);
		json_t *want = json_object_get(c->counts, h), *doc, *have;
		char *text;

		doc = json_loads(l.items[i].value, 0, NULL);
		have = json_object_get(doc, "block");
		if (want && json_equal(want, have)) {
			json_decref(doc);
			continue;
		}
		c->problems++;
		fprintf(c->out, "handle %s: records %s, blocks hold %s%s\n", h,
			have ? "other counts" : "nothing", want ? "other counts" : "nothing",
			c->fix ? (want ? " - rewritten" : " - deleted") : "");
		if (c->fix && !want)
			tb_ds_delete(c->ds, l.items[i].key, l.items[i].mod_revision, NULL);
		if (c->fix && want) {
			json_object_set(doc, "block", want);
			text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
			if (text)
				tb_ds_put(c->ds, l.items[i].key, text, l.items[i].mod_revision,
					  NULL);
			free(text);
		}
		json_decref(doc);
	}
	tb_kv_list_free(&l);
	return 0;
}

static int check_affinities(struct check_ctx *c)
{
	struct tb_kv_list l;
	int r = tb_ds_list(c->ds, TB_IPAM_PREFIX "host/", &l);

	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		struct tb_cidr blk;
		struct tb_kv kv;
		char key[512];

		if (tb_ipam_block_key_parse(l.items[i].key, &blk))
			continue;
		tb_ipam_block_key(&blk, key, sizeof(key));
		if (tb_ds_get(c->ds, key, &kv) == 0) {
			tb_kv_free(&kv);
			continue;
		}
		c->problems++;
		fprintf(c->out, "affinity %s: its block does not exist%s\n", l.items[i].key,
			c->fix ? " - deleted" : "");
		if (c->fix)
			tb_ds_delete(c->ds, l.items[i].key, l.items[i].mod_revision, NULL);
	}
	tb_kv_list_free(&l);
	return 0;
}

/* Endpoints that use an address of a pool that IPAM never handed out (or released since):
 * another workload may get it. Reported only: the endpoint's workload must be re-created. */
static int check_unallocated(struct check_ctx *c)
{
	struct tb_ipam_pools pools;
	const char *ip;
	json_t *name;
	int r = tb_ipam_pools_load(c->ds, &pools);

	if (r)
		return r;
	json_object_foreach(c->wep_ips, ip, name) {
		struct tb_ip x;

		if (tb_ip_parse(ip, &x) || !tb_ipam_pool_for_ip(&pools, &x) ||
		    json_object_get(c->allocated, ip))
			continue;
		c->problems++;
		fprintf(c->out,
			"endpoint %s uses %s, which IPAM has not allocated: re-create the "
			"workload\n",
			json_string_value(name), ip);
	}
	tb_ipam_pools_free(&pools);
	return 0;
}

int tb_ipam_cmd_check(struct tb_ds *ds, bool fix, FILE *out, unsigned *problems)
{
	struct check_ctx c = {.ds = ds, .fix = fix, .out = out};
	int r = -ENOMEM;

	c.wep_ips = json_object();
	c.allocated = json_object();
	c.counts = json_object();
	if (!c.wep_ips || !c.allocated || !c.counts)
		goto out;
	r = load_wep_ips(&c);
	if (!r)
		r = scan_blocks(&c, AF_INET);
	if (!r)
		r = scan_blocks(&c, AF_INET6);
	/* Releases above moved handle counts: count the blocks again before judging handles. */
	if (!r && fix && c.problems) {
		json_object_clear(c.counts);
		c.count_only = true;
		r = scan_blocks(&c, AF_INET);
		if (!r)
			r = scan_blocks(&c, AF_INET6);
		c.count_only = false;
	}
	if (!r)
		r = check_handles(&c);
	if (!r)
		r = check_affinities(&c);
	if (!r)
		r = check_unallocated(&c);
	if (!r)
		fprintf(out, "%u problem%s found%s\n", c.problems, c.problems == 1 ? "" : "s",
			fix && c.problems ? ", fixed" : "");
out:
	if (problems)
		*problems = c.problems;
	json_decref(c.wep_ips);
	json_decref(c.allocated);
	json_decref(c.counts);
	return r;
}
