// SPDX-License-Identifier: Apache-2.0
/*
 * ADD: addresses, then networking, then the WorkloadEndpoint, then (optionally) waiting for
 * tabbyd. Each step's failure undoes the steps before it, in reverse, so a failed ADD leaves
 * no link, no address and no record behind.
 */
#include <string.h>

#include "log.h"
#include "plugin.h"

int cmd_add(struct tb_ds *ds, const struct tb_cni_env *env, const struct tb_cni_conf *c,
	    struct tb_cni_error *e)
{
	struct tb_cni_result res = {0};
	struct tb_cni_error ignored = {0};
	struct workload w;
	int64_t rev = 0;
	int r;

	r = workload_init(&w, ds, env, c, e);
	if (r)
		goto out;
	/* An ADD repeated for the same container replaces the earlier one: its addresses are
	 * released first so the handle never holds more than this attachment uses. */
	r = ipam_release_stale(ds, &w, e);
	if (!r)
		r = ipam_add(ds, &w, &res, e);
	if (r)
		goto out;
	for (int i = 0; i < res.n_ips; i++)
		res.ips[i].iface = 1;
	r = net_setup(&w, &res, e);
	if (r)
		goto undo_ipam;
	r = endpoint_write(ds, &w, &res, &rev, e);
	if (r)
		goto undo_net;
	r = endpoint_wait_programmed(&w, rev, e);
	if (r)
		goto undo_endpoint;
	/* Routes in the result: the default route(s) through the gateway the host answers for. */
	for (int i = 0; i < res.n_ips && res.n_routes < 4; i++) {
		struct tb_cni_route *rt = &res.routes[res.n_routes];
		bool v4 = res.ips[i].ip.family == AF_INET;
		bool dup = false;

		for (int j = 0; j < res.n_routes; j++)
			dup |= res.routes[j].dst.ip.family == res.ips[i].ip.family;
		if (dup)
			continue;
		tb_cidr_parse(v4 ? "0.0.0.0/0" : "::/0", &rt->dst);
		tb_ip_parse(v4 ? "169.254.1.1" : "fe80::ecee:eeff:feee:eeee", &rt->gw);
		rt->has_gw = true;
		res.n_routes++;
	}
	if (tb_cni_print_result(&res, c->cni_version)) {
		r = tb_cni_fail(e, TB_CNI_E_IO, "cannot write the result");
		goto undo_endpoint;
	}
	tb_info("ADD %s: %s on %s", w.wep_name, w.veth, w.env->netns);
	goto out;
undo_endpoint:
	endpoint_delete(ds, &w, &ignored);
undo_net:
	net_undo(&w);
undo_ipam:
	ipam_del(ds, &w, &ignored);
out:
	workload_free(&w);
	return r;
}
