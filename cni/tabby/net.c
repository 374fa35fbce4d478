// SPDX-License-Identifier: Apache-2.0
/*
 * The workload's networking: a veth pair created from the host with its peer born inside the
 * workload's namespace, the host side answering for the gateway (MAC ee:ee:ee:ee:ee:ee, so
 * fe80::ecee:eeff:feee:eeee is its EUI-64 link-local), /32 and /128 addresses, a default
 * route through 169.254.1.1 / fe80::ecee:eeff:feee:eeee with permanent neighbour entries
 * (the workload never waits for ARP or ND, and needs no proxy-ARP route on the node), and
 * the host's route to each address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "nl.h"
#include "plugin.h"

const uint8_t tb_gw_mac[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
static const char gw4[] = "169.254.1.1";
static const char gw6[] = "fe80::ecee:eeff:feee:eeee";

static bool has_family(const struct tb_cni_result *res, int family)
{
	for (int i = 0; i < res->n_ips; i++)
		if (res->ips[i].ip.family == family)
			return true;
	return false;
}

/* Host-side sysctls: proxy ARP/NDP as Calico sets them (for clients that ignore our static
 * neighbour entry), no proxy delay, and forwarding. */
static int host_sysctls(const char *ifname, bool v6)
{
	static const char *const v4s[][2] = {
	    {"net/ipv4/conf/%s/proxy_arp", "1"},
	    {"net/ipv4/neigh/%s/proxy_delay", "0"},
	    {"net/ipv4/conf/%s/forwarding", "1"},
	};
	static const char *const v6s[][2] = {
	    {"net/ipv6/conf/%s/accept_dad", "0"},
	    {"net/ipv6/conf/%s/proxy_ndp", "1"},
	    {"net/ipv6/conf/%s/forwarding", "1"},
	};
	char path[128];
	int r;

	for (size_t i = 0; i < sizeof(v4s) / sizeof(v4s[0]); i++) {
		snprintf(path, sizeof(path), v4s[i][0], ifname);
		r = tb_sysctl_write(path, v4s[i][1]);
		if (r)
			return r;
	}
	for (size_t i = 0; v6 && i < sizeof(v6s) / sizeof(v6s[0]); i++) {
		snprintf(path, sizeof(path), v6s[i][0], ifname);
		r = tb_sysctl_write(path, v6s[i][1]);
		if (r)
			return r;
	}
	return 0;
}

/* Inside the workload: addresses, gateway neighbours and routes. */
static int workload_side(struct tb_nl *nl, int ifindex, const struct tb_cni_result *res,
			 const char **what)
{
	struct tb_cidr any4, any6, gw4_32;
	struct tb_ip g4, g6;
	int r = 0;

	tb_ip_parse(gw4, &g4);
	tb_ip_parse(gw6, &g6);
	tb_cidr_parse("0.0.0.0/0", &any4);
	tb_cidr_parse("::/0", &any6);
	tb_cidr_parse("169.254.1.1/32", &gw4_32);
	for (int i = 0; i < res->n_ips && !r; i++) {
		*what = "adding the workload's address";
		r = tb_nl_addr_add(nl, ifindex, &res->ips[i].ip, res->ips[i].prefix);
	}
	if (!r && has_family(res, AF_INET)) {
		*what = "adding the IPv4 gateway";
		r = tb_nl_neigh_add_permanent(nl, ifindex, &g4, tb_gw_mac);
		if (!r)
			r = tb_nl_route_replace(nl, &gw4_32, ifindex, NULL);
		if (!r)
			r = tb_nl_route_replace(nl, &any4, ifindex, &g4);
	}
	if (!r && has_family(res, AF_INET6)) {
		*what = "adding the IPv6 gateway";
		r = tb_nl_neigh_add_permanent(nl, ifindex, &g6, tb_gw_mac);
		if (!r)
			r = tb_nl_route_replace(nl, &any6, ifindex, &g6);
	}
	return r;
}

static int host_routes(struct tb_nl *nl, int ifindex, const struct tb_cni_result *res)
{
	for (int i = 0; i < res->n_ips; i++) {
		struct tb_cidr dst = {res->ips[i].ip, tb_ip_bits(res->ips[i].ip.family)};
		int r = tb_nl_route_replace(nl, &dst, ifindex, NULL);

		if (r)
			return r;
	}
	return 0;
}

/* A pair left by an earlier ADD of the same workload (a runtime retrying, podman's network
 * reload) is replaced: this is the one place ADD pays for a synchronous delete. */
static int clear_leftovers(struct tb_nl *host, const struct workload *w)
{
	struct tb_nl ns;
	int r;

	tb_info("%s: replacing an existing %s / %s", w->wep_name, w->veth, w->env->ifname);
	r = tb_nl_link_del(host, w->veth);
	if (r)
		return r;
	r = tb_nl_open_netns(&ns, w->env->netns);
	if (r)
		return r;
	r = tb_nl_link_del(&ns, w->env->ifname);
	tb_nl_close(&ns);
	return r;
}

static int make_veth(struct tb_nl *host, const struct workload *w, int nsfd,
		     const uint8_t *peer_mac)
{
	struct tb_veth_spec spec = {.host_name = w->veth,
				    .host_mac = tb_gw_mac,
				    .peer_name = w->env->ifname,
				    .peer_mac = peer_mac,
				    .peer_netns_fd = nsfd,
				    .mtu = w->conf->mtu};
	int r = tb_nl_veth_add(host, &spec);

	if (r == -EEXIST) {
		r = clear_leftovers(host, w);
		if (!r)
			r = tb_nl_veth_add(host, &spec);
	}
	return r;
}

int net_setup(const struct workload *w, struct tb_cni_result *res, struct tb_cni_error *e)
{
	const char *what = "creating the veth pair";
	struct tb_nl host = {0}, ns = {0};
	uint8_t mac[6], want_mac[6];
	int nsfd, hidx, cidx, r;

	if (w->args.mac && *w->args.mac &&
	    sscanf(w->args.mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &want_mac[0], &want_mac[1],
		   &want_mac[2], &want_mac[3], &want_mac[4], &want_mac[5]) != 6)
		return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_ARGS MAC=%s is not a MAC address",
				   w->args.mac);
	nsfd = open(w->env->netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return tb_cni_fail(e, TB_CNI_E_UNKNOWN_CONTAINER, "cannot open CNI_NETNS %s: %s",
				   w->env->netns, strerror(errno));
	r = tb_nl_open(&host);
	if (r)
		goto out;
	r = make_veth(&host, w, nsfd, w->args.mac && *w->args.mac ? want_mac : NULL);
	if (r)
		goto out;
	what = "configuring the host side";
	r = tb_nl_link_get(&host, w->veth, &hidx, NULL);
	/* Sysctls before the link goes up: DAD off keeps the gateway's link-local usable. */
	if (!r)
		r = host_sysctls(w->veth, has_family(res, AF_INET6));
	if (!r)
		r = tb_nl_link_set_up(&host, hidx);
	if (!r)
		r = host_routes(&host, hidx, res);
	if (r)
		goto undo;
	what = "entering the workload's namespace";
	r = tb_nl_open_netns(&ns, w->env->netns);
	if (!r)
		r = tb_nl_link_get(&ns, w->env->ifname, &cidx, mac);
	if (!r)
		r = tb_nl_link_set_up(&ns, cidx);
	if (!r)
		r = workload_side(&ns, cidx, res, &what);
	if (r)
		goto undo;
	res->n_ifaces = 2;
	snprintf(res->ifaces[0].name, sizeof(res->ifaces[0].name), "%s", w->veth);
	tb_mac_format(tb_gw_mac, res->ifaces[0].mac);
	snprintf(res->ifaces[1].name, sizeof(res->ifaces[1].name), "%s", w->env->ifname);
	tb_mac_format(mac, res->ifaces[1].mac);
	res->ifaces[1].sandbox = w->env->netns;
	goto out;
undo:
	tb_nl_link_del(&host, w->veth);
out:
	if (r)
		tb_cni_fail(e, TB_CNI_E_INTERNAL, "%s %s (workload %s): %s", what, w->veth,
			    w->env->ifname, tb_nl_strerror(ns.sk && ns.err ? &ns : &host, r));
	tb_nl_close(&ns);
	tb_nl_close(&host);
	close(nsfd);
	return r ? -1 : 0;
}

void net_undo(const struct workload *w)
{
	struct tb_nl host;

	if (tb_nl_open(&host))
		return;
	tb_nl_link_del(&host, w->veth);
	tb_nl_close(&host);
}

static int release_in_ns(void *arg)
{
	const struct workload *w = ((void **)arg)[0];
	const struct tb_cni_result *ips = ((void **)arg)[1];
	struct tb_nl ns;
	int idx;

	if (tb_nl_open(&ns))
		return 0;
	if (!tb_nl_link_get(&ns, w->env->ifname, &idx, NULL))
		for (int i = 0; i < ips->n_ips; i++)
			tb_nl_addr_del(&ns, idx, &ips->ips[i].ip, ips->ips[i].prefix);
	tb_nl_close(&ns);
	return 0;
}

void net_release(const struct workload *w, const struct tb_cni_result *ips)
{
	void *args[2] = {(void *)w, (void *)ips};
	struct tb_nl host;
	int idx;

	if (!ips->n_ips)
		return;
	/* A released address may go to a pod on another node: this node must stop routing it to
	 * the old veth now, not when tabbyd gets to it. Route deletes cost no grace period. */
	if (!tb_nl_open(&host)) {
		if (!tb_nl_link_get(&host, w->veth, &idx, NULL))
			for (int i = 0; i < ips->n_ips; i++) {
				struct tb_cidr dst = {ips->ips[i].ip,
						      tb_ip_bits(ips->ips[i].ip.family)};

				tb_nl_route_del(&host, &dst, idx);
			}
		tb_nl_close(&host);
	}
	/* A namespace that lives on (podman network disconnect) must not keep using them. */
	if (*w->env->netns && tb_netns_run(w->env->netns, release_in_ns, args))
		tb_info("%s: namespace %s is gone already", w->wep_name, w->env->netns);
}

static int check_ns(const struct workload *w, const struct tb_cni_result *prev,
		    struct tb_cni_error *e)
{
	struct tb_nl ns;
	struct tb_cidr any4;
	struct tb_ip g4;
	int idx, r;
	bool has;

	if (tb_nl_open_netns(&ns, w->env->netns))
		return tb_cni_fail(e, TB_CNI_E_UNKNOWN_CONTAINER, "cannot enter %s", w->env->netns);
	r = tb_nl_link_get(&ns, w->env->ifname, &idx, NULL);
	if (r) {
		r = tb_cni_fail(e, TB_CNI_E_INTERNAL, "interface %s is missing in %s",
				w->env->ifname, w->env->netns);
		goto out;
	}
	for (int i = 0; i < prev->n_ips && !r; i++) {
		char a[TB_IP_STRLEN];

		tb_ip_format(&prev->ips[i].ip, a, sizeof(a));
		if (tb_nl_addr_has(&ns, idx, &prev->ips[i].ip, prev->ips[i].prefix, &has) || !has)
			r = tb_cni_fail(e, TB_CNI_E_INTERNAL, "%s lost its address %s/%d",
					w->env->ifname, a, prev->ips[i].prefix);
	}
	tb_ip_parse(gw4, &g4);
	tb_cidr_parse("0.0.0.0/0", &any4);
	if (!r && has_family(prev, AF_INET) &&
	    (tb_nl_route_has(&ns, &any4, idx, &g4, &has) || !has))
		r = tb_cni_fail(e, TB_CNI_E_INTERNAL, "the default route via %s is missing", gw4);
out:
	tb_nl_close(&ns);
	return r;
}

int net_check(const struct workload *w, const struct tb_cni_result *prev, struct tb_cni_error *e)
{
	struct tb_nl host;
	int idx, r;
	bool has;

	if (tb_nl_open(&host))
		return tb_cni_fail(e, TB_CNI_E_IO, "cannot open a netlink socket");
	r = tb_nl_link_get(&host, w->veth, &idx, NULL);
	if (r)
		r = tb_cni_fail(e, TB_CNI_E_INTERNAL, "host interface %s is missing", w->veth);
	for (int i = 0; i < prev->n_ips && !r; i++) {
		struct tb_cidr dst = {prev->ips[i].ip, tb_ip_bits(prev->ips[i].ip.family)};
		char a[TB_IP_STRLEN];

		tb_ip_format(&prev->ips[i].ip, a, sizeof(a));
		if (tb_nl_route_has(&host, &dst, idx, NULL, &has) || !has)
			r = tb_cni_fail(e, TB_CNI_E_INTERNAL,
					"the host route to %s via %s is missing", a, w->veth);
	}
	tb_nl_close(&host);
	return r ? r : check_ns(w, prev, e);
}
