// SPDX-License-Identifier: Apache-2.0
/*
 * The node's IPAM blocks: this node's affinity keys from the datastore, each affine block
 * routed as a blackhole carrying tabby's protocol number (DESIGN.md: "A node's blocks are
 * routed as blackholes locally"). Changes apply at once; a sweep repairs what went missing.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside_int.h"
#include "ipam.h"
#include "log.h"

int hostside_block_add(struct hostside *h, const struct tb_cidr *block)
{
	char k[TB_CIDR_STRLEN];
	struct tb_cidr *c;

	if (!h)
		return 0;
	tb_cidr_format(block, k, sizeof(k));
	if (tb_hmap_has(&h->blocks, k))
		return 0;
	c = malloc(sizeof(*c));
	if (!c || tb_hmap_put(&h->blocks, k, c, NULL)) {
		free(c);
		return -ENOMEM;
	}
	*c = *block;
	tb_info("block %s: affine to this node", k);
	if (hs_put_blackhole(h, c)) {
		h->st.errors++;
		return -EIO;
	}
	return 0;
}

int hostside_block_remove(struct hostside *h, const struct tb_cidr *block)
{
	struct tb_nl_rt rt = {.dst = *block,
			      .table = RT_TABLE_MAIN,
			      .type = RTN_BLACKHOLE,
			      .protocol = TB_RTPROT_TABBY};
	char k[TB_CIDR_STRLEN];
	size_t done = 0;
	int r;

	if (!h)
		return 0;
	tb_cidr_format(block, k, sizeof(k));
	free(tb_hmap_del(&h->blocks, k));
	r = tb_nl_routes_del(&h->nl, &rt, 1, &done);
	if (r) {
		h->st.errors++;
		tb_warn("block %s: cannot remove its blackhole route: %s", k,
			tb_nl_strerror(&h->nl, r));
		return r;
	}
	h->st.blackholes_removed += done;
	tb_info("block %s: no longer affine to this node; blackhole removed", k);
	return 0;
}

/* "ipv4/block/10.0.0.0-26" after the node's prefix -> 10.0.0.0/26. */
static int affinity_block(const struct hostside *h, const char *key, struct tb_cidr *out)
{
	const char *rest = key + strlen(h->aff_prefix);
	char buf[TB_CIDR_STRLEN], *dash;
	int family;

	if (strncmp(key, h->aff_prefix, strlen(h->aff_prefix)))
		return -ENOENT;
	if (!strncmp(rest, "ipv4/block/", 11))
		family = AF_INET;
	else if (!strncmp(rest, "ipv6/block/", 11))
		family = AF_INET6;
	else
		return -ENOENT;
	if (snprintf(buf, sizeof(buf), "%s", rest + 11) >= (int)sizeof(buf))
		return -EINVAL;
	dash = strrchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = '/';
	if (tb_cidr_parse(buf, out) || out->ip.family != family)
		return -EINVAL;
	return 0;
}

bool hostside_ds_update(struct hostside *h, const char *key, const json_t *doc)
{
	const char *state;
	struct tb_cidr c;
	int r;

	/* Every datastore key passes here: the prefix test comes first. */
	if (!h || (r = affinity_block(h, key, &c)) == -ENOENT)
		return false;
	if (r) {
		tb_warn("%s: not a block affinity key tabbyd understands; ignored", key);
		return true;
	}
	/* Calico marks an affinity being released before it deletes it: the block is leaving. */
	state = json_string_value(json_object_get(doc, "state"));
	if (state && !strcmp(state, "pendingDeletion"))
		hostside_block_remove(h, &c);
	else
		hostside_block_add(h, &c);
	return true;
}

bool hostside_ds_remove(struct hostside *h, const char *key)
{
	struct tb_cidr c;

	if (!h || affinity_block(h, key, &c))
		return false;
	hostside_block_remove(h, &c);
	return true;
}
