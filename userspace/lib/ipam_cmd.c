// SPDX-License-Identifier: Apache-2.0
/* `tabbyctl ipam show` and `ipam release`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "ipam_block.h"

struct usage {
	uint64_t total;
	uint64_t used;
};

/* Sums every stored block inside pool; prints block rows when asked. */
static int pool_usage(struct tb_ds *ds, const struct tb_ipam_pool *p, bool rows, FILE *out,
		      struct usage *u)
{
	char cidr[TB_CIDR_STRLEN];
	struct tb_kv_list l;
	int r;

	r = tb_ipam_blocks_list(ds, p->cidr.ip.family, &l);
	if (r)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		struct tb_ipam_block b;
		uint32_t used;

		if (tb_ipam_block_from_json(l.items[i].value, &b))
			continue;
		if (!tb_cidr_covers(&p->cidr, &b.cidr)) {
			tb_ipam_block_free(&b);
			continue;
		}
		used = tb_ipam_block_used(&b);
		u->used += used;
		if (rows) {
			tb_cidr_format(&b.cidr, cidr, sizeof(cidr));
			fprintf(out, "| %-8s | %-28s | %9u | %10u (%3u%%) | %-24s |\n", "Block",
				cidr, b.size, used, b.size ? used * 100 / b.size : 0,
				b.affinity ? b.affinity : "(none)");
		}
		tb_ipam_block_free(&b);
	}
	tb_kv_list_free(&l);
	return 0;
}

int tb_ipam_cmd_show(struct tb_ds *ds, bool show_blocks, FILE *out)
{
	struct tb_ipam_pools pools;
	char cidr[TB_CIDR_STRLEN];
	int r;

	r = tb_ipam_pools_load(ds, &pools);
	if (r)
		return r;
	fprintf(out, "| %-8s | %-28s | %9s | %17s | %-24s |\n", "GROUPING", "CIDR", "IPS TOTAL",
		"IPS IN USE", show_blocks ? "AFFINITY" : "IPS FREE");
	for (size_t i = 0; i < pools.n && !r; i++) {
		const struct tb_ipam_pool *p = &pools.v[i];
		struct usage u = {0};
		int host = tb_ip_bits(p->cidr.ip.family) - p->cidr.len;
		char total[32], freeb[32];

		if (host >= 64)
			snprintf(total, sizeof(total), "2^%d", host);
		else
			snprintf(total, sizeof(total), "%llu", (unsigned long long)1 << host);
		tb_cidr_format(&p->cidr, cidr, sizeof(cidr));
		r = pool_usage(ds, p, false, out, &u);
		if (r)
			break;
		if (host >= 64)
			snprintf(freeb, sizeof(freeb), "2^%d", host);
		else
			snprintf(freeb, sizeof(freeb), "%llu",
				 (unsigned long long)(((uint64_t)1 << host) - u.used));
		fprintf(out, "| %-8s | %-28s | %9s | %17llu | %-24s |\n", "IP Pool", cidr, total,
			(unsigned long long)u.used, show_blocks ? p->name : freeb);
		if (show_blocks)
			r = pool_usage(ds, p, true, out, &u);
	}
	tb_ipam_pools_free(&pools);
	return r;
}

int tb_ipam_cmd_release(struct tb_ds *ds, const char *ip, FILE *out)
{
	struct tb_ip addr;
	int r;

	if (tb_ip_parse(ip, &addr)) {
		fprintf(out, "%s is not an IP address\n", ip);
		return -EINVAL;
	}
	r = tb_ipam_release_ip(ds, &addr);
	if (r == -ENOENT)
		fprintf(out, "%s is not allocated\n", ip);
	else if (r)
		fprintf(out, "releasing %s: %s\n", ip, strerror(-r));
	else
		fprintf(out, "Successfully released %s\n", ip);
	return r;
}
