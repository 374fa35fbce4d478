/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Netlink through libnl-route-3, one file per kernel object (nl_sock.c, nl_link.c,
 * nl_addr.c, nl_route.c, nl_neigh.c). A struct tb_nl is a route socket bound to one network
 * namespace; a failed request returns -errno and leaves the kernel's extended-ack message
 * (when it sent one) in nl->msg, so callers can say what the kernel said.
 */
#ifndef TABBY_NL_H
#define TABBY_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "ipam_addr.h"

struct nl_sock;

struct tb_nl {
	struct nl_sock *sk;
	int err;       /* errno of the last kernel error */
	char msg[256]; /* its extended-ack message, or "" */
};

/* Clears the last error before a request. */
static inline void tb_nl_begin(struct tb_nl *nl)
{
	nl->err = 0;
	nl->msg[0] = '\0';
}

/* A socket in the caller's current network namespace. */
int tb_nl_open(struct tb_nl *nl);
/* A socket in the network namespace at path (e.g. /run/netns/x, /proc/<pid>/ns/net). The
 * calling thread returns to its own namespace before this returns. */
int tb_nl_open_netns(struct tb_nl *nl, const char *netns_path);
void tb_nl_close(struct tb_nl *nl);
/* Turns a libnl return value into -errno (using the errno the kernel sent when known). */
int tb_nl_errno(struct tb_nl *nl, int nlerr);
/* The last error as text: the kernel's message when it sent one, else strerror. */
const char *tb_nl_strerror(const struct tb_nl *nl, int err);

/* Runs fn(arg) with the calling thread inside the namespace at path, then returns. */
int tb_netns_run(const char *netns_path, int (*fn)(void *arg), void *arg);
/* Writes value to /proc/sys/<path> in the current namespace. */
int tb_sysctl_write(const char *path, const char *value);

/* Links. */
struct tb_veth_spec {
	const char *host_name;
	const uint8_t *host_mac; /* 6 bytes or NULL */
	const char *peer_name;
	const uint8_t *peer_mac; /* 6 bytes or NULL for a random one */
	int peer_netns_fd;	 /* where the peer goes */
	int mtu;
};

int tb_nl_veth_add(struct tb_nl *nl, const struct tb_veth_spec *spec);
/* ifindex and MAC of a link by name; -ENODEV when absent. mac may be NULL. */
int tb_nl_link_get(struct tb_nl *nl, const char *name, int *ifindex, uint8_t mac[6]);
int tb_nl_link_set_up(struct tb_nl *nl, int ifindex);
/* Deletes a link by name; 0 when it was not there. */
int tb_nl_link_del(struct tb_nl *nl, const char *name);

/* Addresses. IFA_F_NODAD for IPv6, so the address is usable at once. */
int tb_nl_addr_add(struct tb_nl *nl, int ifindex, const struct tb_ip *ip, int prefix);
/* Removes ip/prefix from ifindex; 0 when it was not there. */
int tb_nl_addr_del(struct tb_nl *nl, int ifindex, const struct tb_ip *ip, int prefix);
/* Whether ifindex holds ip/prefix. */
int tb_nl_addr_has(struct tb_nl *nl, int ifindex, const struct tb_ip *ip, int prefix, bool *has);

/* Routes (main table). gw NULL = a link-scope route through the device. */
int tb_nl_route_replace(struct tb_nl *nl, const struct tb_cidr *dst, int ifindex,
			const struct tb_ip *gw);
int tb_nl_route_del(struct tb_nl *nl, const struct tb_cidr *dst, int ifindex);
/* Whether a route to dst exists through ifindex (and gw when given). */
int tb_nl_route_has(struct tb_nl *nl, const struct tb_cidr *dst, int ifindex,
		    const struct tb_ip *gw, bool *has);

/* A permanent neighbour entry (the gateway's MAC, so the workload never waits for ARP/ND). */
int tb_nl_neigh_add_permanent(struct tb_nl *nl, int ifindex, const struct tb_ip *ip,
			      const uint8_t mac[6]);

void tb_mac_format(const uint8_t mac[6], char buf[18]);

#endif
