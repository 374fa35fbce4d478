// SPDX-License-Identifier: Apache-2.0
/* CNI results: rendering in the caller's version, reading a prevResult back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni.h"

static json_t *iface_json(const struct tb_cni_iface *i)
{
	json_t *o = json_pack("{ss}", "name", i->name);

	if (o && i->mac[0])
		json_object_set_new(o, "mac", json_string(i->mac));
	if (o && i->sandbox)
		json_object_set_new(o, "sandbox", json_string(i->sandbox));
	return o;
}

static json_t *ip_json(const struct tb_cni_ip *ip, bool old)
{
	char a[TB_IP_STRLEN], buf[TB_CIDR_STRLEN];
	json_t *o;

	tb_ip_format(&ip->ip, a, sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%d", a, ip->prefix);
	o = json_pack("{ss}", "address", buf);
	if (!o)
		return NULL;
	/* 0.3.x and 0.4.0 name the family; 1.0.0 dropped the field. */
	if (old)
		json_object_set_new(o, "version",
				    json_string(ip->ip.family == AF_INET ? "4" : "6"));
	if (ip->iface >= 0)
		json_object_set_new(o, "interface", json_integer(ip->iface));
	if (ip->has_gw) {
		tb_ip_format(&ip->gw, a, sizeof(a));
		json_object_set_new(o, "gateway", json_string(a));
	}
	return o;
}

static json_t *route_json(const struct tb_cni_route *rt)
{
	char buf[TB_CIDR_STRLEN];
	json_t *o;

	tb_cidr_format(&rt->dst, buf, sizeof(buf));
	o = json_pack("{ss}", "dst", buf);
	if (o && rt->has_gw) {
		tb_ip_format(&rt->gw, buf, sizeof(buf));
		json_object_set_new(o, "gw", json_string(buf));
	}
	return o;
}

json_t *tb_cni_result_json(const struct tb_cni_result *r, const char *version)
{
	bool old = tb_cni_version_cmp(version, "1.0.0") < 0;
	json_t *o = json_pack("{ss}", "cniVersion", version);
	json_t *ifs = json_array(), *ips = json_array(), *rts = json_array();

	if (!o || !ifs || !ips || !rts)
		goto fail;
	for (int i = 0; i < r->n_ifaces; i++)
		json_array_append_new(ifs, iface_json(&r->ifaces[i]));
	for (int i = 0; i < r->n_ips; i++)
		json_array_append_new(ips, ip_json(&r->ips[i], old));
	for (int i = 0; i < r->n_routes; i++)
		json_array_append_new(rts, route_json(&r->routes[i]));
	json_object_set_new(o, "interfaces", ifs);
	json_object_set_new(o, "ips", ips);
	json_object_set_new(o, "routes", rts);
	json_object_set_new(o, "dns", json_object());
	return o;
fail:
	json_decref(o);
	json_decref(ifs);
	json_decref(ips);
	json_decref(rts);
	return NULL;
}

int tb_cni_result_parse(const json_t *j, struct tb_cni_result *r)
{
	json_t *ifs = json_object_get(j, "interfaces"), *ips = json_object_get(j, "ips");
	size_t i;
	json_t *v;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(j))
		return -EINVAL;
	json_array_foreach(ifs, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *mac = json_string_value(json_object_get(v, "mac"));
		const char *sb = json_string_value(json_object_get(v, "sandbox"));

		if (r->n_ifaces >= 2 || !name)
			break;
		snprintf(r->ifaces[r->n_ifaces].name, sizeof(r->ifaces[0].name), "%s", name);
		snprintf(r->ifaces[r->n_ifaces].mac, sizeof(r->ifaces[0].mac), "%s",
			 mac ? mac : "");
		r->ifaces[r->n_ifaces++].sandbox = sb;
	}
	json_array_foreach(ips, i, v) {
		const char *a = json_string_value(json_object_get(v, "address"));
		json_t *idx = json_object_get(v, "interface");
		struct tb_cni_ip *ip = &r->ips[r->n_ips];

		if (r->n_ips >= 4)
			break;
		if (!a || tb_cidr_parse_ip(a, &ip->ip, &ip->prefix))
			return -EINVAL;
		ip->iface = json_is_integer(idx) ? (int)json_integer_value(idx) : -1;
		r->n_ips++;
	}
	return 0;
}
