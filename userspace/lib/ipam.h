/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block IPAM on the datastore (DESIGN.md "CNI and IPAM"), laid out as Calico lays it out:
 *
 *   /calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26       the block (ipam_block.h)
 *   /calico/ipam/v2/host/<node>/ipv4/block/10.0.0.0-26      affinity {"state":"confirmed"}
 *   /calico/ipam/v2/handle/<id>                             {"block":{"10.0.0.0/26":1}}
 *   /calico/ipam/v2/config                                  {"strict_affinity":..,
 *                                                            "maxBlocksPerHost":..}
 *
 * Every change is one datastore transaction conditional on the revisions it read (block,
 * affinity, handle together), retried when another writer won: concurrent assignments on
 * any number of nodes never hand out one address twice, and a process killed at any point
 * leaves either all of a change or none of it.
 *
 * Functions return 0 or -errno; where an errmsg buffer is given it gets a sentence a person
 * can act on (which pool is full, which address is taken).
 */
#ifndef TABBY_IPAM_H
#define TABBY_IPAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "datastore.h"
#include "ipam_addr.h"

#define TB_IPAM_PREFIX "/calico/ipam/v2/"
#define TB_IPAM_CONFIG_KEY "/calico/ipam/v2/config"
#define TB_IPAMCONFIG_RESOURCE_KEY                                                                 \
	"/calico/resources/v3/projectcalico.org/ipamconfigurations/default"
#define TB_IPAM_HANDLE_PREFIX "/calico/ipam/v2/handle/"
#define TB_IPPOOL_PREFIX "/calico/resources/v3/projectcalico.org/ippools/"
#define TB_IPRESERVATION_PREFIX "/calico/resources/v3/projectcalico.org/ipreservations/"

struct tb_ipam_pool {
	char *name;
	struct tb_cidr cidr;
	int block_size;
	bool disabled;
	bool manual;	     /* assignmentMode Manual: only when asked for by name */
	bool workload;	     /* allowedUses has Workload */
	char *node_selector; /* NULL or "" = all() */
};

struct tb_ipam_pools {
	struct tb_ipam_pool *v;
	size_t n;
};

struct tb_ipam_config {
	bool strict_affinity;
	bool auto_allocate_blocks;
	int max_blocks_per_host; /* 0 = unlimited */
};

/* Reads every IPPool (all families). */
int tb_ipam_pools_load(struct tb_ds *ds, struct tb_ipam_pools *out);
void tb_ipam_pools_free(struct tb_ipam_pools *p);
const struct tb_ipam_pool *tb_ipam_pool_for_ip(const struct tb_ipam_pools *p,
					       const struct tb_ip *ip);
/* Parses one IPPool document into *out (defaults filled). */
int tb_ipam_pool_from_json(const char *name, const json_t *spec, struct tb_ipam_pool *out);
void tb_ipam_pool_free(struct tb_ipam_pool *p);
int tb_ipam_config_load(struct tb_ds *ds, struct tb_ipam_config *out);
/*
 * Before an existing IPPool is overwritten: -EBUSY (errmsg says why) when the new spec would
 * leave allocated addresses outside its cidr, or change blockSize while addresses are out.
 * 0 when the change is safe. For tabbyctl apply's IPPool validation.
 */
int tb_ipam_pool_change_check(struct tb_ds *ds, const char *name, const json_t *old_spec,
			      const json_t *new_spec, char *errmsg, size_t errlen);

/* Whether a pool's nodeSelector (Calico's selector language; empty = all()) matches a node
 * with the given labels (object, may be NULL). -EINVAL for a selector that does not parse. */
int tb_ipam_node_selector_match(const char *selector, const json_t *labels, bool *match);

struct tb_ipam_request {
	const char *handle; /* "<network>.<container id>" */
	const char *node;
	int family;		  /* AF_INET or AF_INET6 */
	const char *const *pools; /* names or CIDRs to pick from; NULL/0 = every enabled pool */
	size_t n_pools;
	const struct tb_ip *fixed; /* exactly this address (ipAddrs annotation), or NULL */
	const json_t *secondary;   /* attributes kept with the allocation: node, namespace, pod */
	const json_t *node_labels; /* for nodeSelector; NULL = no labels */
};

struct tb_ipam_assignment {
	struct tb_ip ip;
	struct tb_cidr block;
	char pool[128];
};

/* Assigns one address. -ENOSPC when every allowed block is full (errmsg says which pools). */
int tb_ipam_assign(struct tb_ds *ds, const struct tb_ipam_request *req,
		   struct tb_ipam_assignment *out, char *errmsg, size_t errlen);
/* Releases every address of handle. *released (may be NULL) gets the count; 0 is fine. */
int tb_ipam_release_handle(struct tb_ds *ds, const char *handle, unsigned *released);
/* Releases one address and fixes its handle. -ENOENT if it was not allocated. */
int tb_ipam_release_ip(struct tb_ds *ds, const struct tb_ip *ip);
/* The node that a handle's addresses were assigned for (their "node" attribute); -ENOENT
 * when it holds none or they carry no node. GC uses it to touch only its own node's. */
int tb_ipam_handle_node(struct tb_ds *ds, const char *handle, char *node, size_t len);
/* The addresses a handle holds (malloc'd array). */
int tb_ipam_handle_ips(struct tb_ds *ds, const char *handle, struct tb_ip **ips, size_t *n);

/* Keys. */
void tb_ipam_block_key(const struct tb_cidr *c, char *buf, size_t len);
void tb_ipam_affinity_key(const char *node, const struct tb_cidr *c, char *buf, size_t len);
void tb_ipam_handle_key(const char *handle, char *buf, size_t len);
/* Every stored block of one family (AF_INET or AF_INET6), in key order. */
int tb_ipam_blocks_list(struct tb_ds *ds, int family, struct tb_kv_list *out);
/* Parses a block key back into its CIDR. */
int tb_ipam_block_key_parse(const char *key, struct tb_cidr *out);

/*
 * The operator commands behind `tabbyctl ipam ...`: they print to out (and problems to err)
 * and return 0, or -errno. tabbyctl's command table calls them.
 */
int tb_ipam_cmd_show(struct tb_ds *ds, bool show_blocks, FILE *out);
/* Finds addresses whose handle or workload is gone, handles with no address, and blocks
 * that disagree with their handles; with fix, repairs them. *problems (may be NULL) gets
 * how many were found. */
int tb_ipam_cmd_check(struct tb_ds *ds, bool fix, FILE *out, unsigned *problems);
int tb_ipam_cmd_release(struct tb_ds *ds, const char *ip, FILE *out);

#endif
