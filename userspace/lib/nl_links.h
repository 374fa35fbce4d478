/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Links as a reconciler needs them (nl.h has the single-link calls the CNI plugin uses):
 * a dump filtered by name prefix, MAC and group changes, and a batch delete.
 *
 * Why a batch delete: every RTM_DELLINK of a veth waits for an RCU grace period (~38 ms
 * here), so deleting 100 links one by one costs seconds. A delete by IFLA_GROUP unregisters
 * every link of the group in one step with one grace period for all of them. The batch moves
 * the chosen links into a group reserved for this, checks that nothing else is in it, and
 * deletes the group.
 */
#ifndef TABBY_NL_LINKS_H
#define TABBY_NL_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "nl.h"

/* The link group a batch delete borrows ("tabby" in a spare corner of the u32 space). */
#define TB_LINK_GROUP_DOOMED 0x7ab0dead

struct tb_nl_linkinfo {
	int ifindex;
	char name[16];
	char kind[16]; /* "veth", "bridge", ...; "" when the kernel names none */
	uint8_t mac[6];
	uint32_t group;
	unsigned flags; /* IFF_* */
};

struct tb_nl_links {
	struct tb_nl_linkinfo *v;
	size_t n;
};

/* Every link whose name starts with prefix ("" for all). */
int tb_nl_links_dump(struct tb_nl *nl, const char *prefix, struct tb_nl_links *out);
void tb_nl_links_free(struct tb_nl_links *l);

int tb_nl_link_set_mac(struct tb_nl *nl, int ifindex, const uint8_t mac[6]);
int tb_nl_link_set_group(struct tb_nl *nl, int ifindex, uint32_t group);
/* Deletes every link in group with one request. */
int tb_nl_link_del_group(struct tb_nl *nl, uint32_t group);

/*
 * Deletes the links v[0..n) together (matched by ifindex and name, so a link recreated under
 * another index is spared) through TB_LINK_GROUP_DOOMED. Links already gone are skipped.
 * -EBUSY, with every link given back its group, when a link that is not in v sits in the
 * group: then nothing is deleted. *deleted (may be NULL) counts the links removed.
 */
int tb_nl_links_del_batch(struct tb_nl *nl, const struct tb_nl_linkinfo *v, size_t n,
			  size_t *deleted);

#endif
