// SPDX-License-Identifier: Apache-2.0
/*
 * The network configuration. Settings come from the netconf first (Calico's names), then the
 * environment, then defaults (DESIGN.md "Datastore" and "CNI and IPAM").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int dup_field(char **dst, const json_t *o, const char *k)
{
	const char *v = jstr(o, k);

	if (!v || !*v)
		return 0;
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

/* Calico writes booleans of the ipam section as strings ("true"); accept both. */
static bool jbool(const json_t *o, const char *k, bool dflt)
{
	json_t *v = json_object_get(o, k);

	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_string(v))
		return !strcmp(json_string_value(v), "true");
	return dflt;
}

static int parse_ds(struct tb_cni_conf *c, struct tb_cni_error *e)
{
	const char *t = jstr(c->raw, "datastore_type");
	int r;

	if (t && *t) {
		r = tb_ds_type_parse(t, &c->ds.type);
		if (r)
			return tb_cni_fail(e, TB_CNI_E_CONFIG,
					   "datastore_type \"%s\": use \"local\" or \"etcdv3\"", t);
	}
	if (dup_field(&c->ds.path, c->raw, "datastore_path") ||
	    dup_field(&c->ds.etcd_endpoints, c->raw, "etcd_endpoints") ||
	    dup_field(&c->ds.etcd_ca_cert_file, c->raw, "etcd_ca_cert_file") ||
	    dup_field(&c->ds.etcd_cert_file, c->raw, "etcd_cert_file") ||
	    dup_field(&c->ds.etcd_key_file, c->raw, "etcd_key_file") ||
	    dup_field(&c->ds.etcd_username, c->raw, "etcd_username") ||
	    dup_field(&c->ds.etcd_password, c->raw, "etcd_password"))
		return tb_cni_fail(e, TB_CNI_E_INTERNAL, "out of memory");
	r = tb_ds_config_fill(&c->ds);
	if (r)
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "datastore settings: %s", strerror(-r));
	return 0;
}

static int parse_nodename(struct tb_cni_conf *c, struct tb_cni_error *e)
{
	const char *n = jstr(c->raw, "nodename");
	char host[256];

	if (!n || !*n)
		n = getenv("NODENAME");
	if (!n || !*n) {
		if (gethostname(host, sizeof(host)))
			return tb_cni_fail(e, TB_CNI_E_CONFIG, "no nodename and no hostname");
		host[sizeof(host) - 1] = '\0';
		n = host;
	}
	c->nodename = strdup(n);
	return c->nodename ? 0 : tb_cni_fail(e, TB_CNI_E_INTERNAL, "out of memory");
}

static int parse_ipam(struct tb_cni_conf *c, struct tb_cni_error *e)
{
	json_t *ipam = json_object_get(c->raw, "ipam");

	if (ipam && !json_is_object(ipam))
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "\"ipam\" must be an object");
	c->ipam_type = jstr(ipam, "type");
	c->assign_ipv4 = jbool(ipam, "assign_ipv4", true);
	c->assign_ipv6 = jbool(ipam, "assign_ipv6", false);
	c->ipv4_pools = json_object_get(ipam, "ipv4_pools");
	c->ipv6_pools = json_object_get(ipam, "ipv6_pools");
	if ((c->ipv4_pools && !json_is_array(c->ipv4_pools)) ||
	    (c->ipv6_pools && !json_is_array(c->ipv6_pools)))
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "ipam.ipv4_pools/ipv6_pools must be lists");
	if (!c->assign_ipv4 && !c->assign_ipv6)
		return tb_cni_fail(e, TB_CNI_E_CONFIG,
				   "ipam: assign_ipv4 and assign_ipv6 are both false");
	return 0;
}

static int parse_numbers(struct tb_cni_conf *c, struct tb_cni_error *e)
{
	json_t *mtu = json_object_get(c->raw, "mtu");
	json_t *pst = json_object_get(c->raw, "policy_setup_timeout_seconds");

	c->mtu = 1500;
	if (mtu && (!json_is_integer(mtu) || json_integer_value(mtu) < 576 ||
		    json_integer_value(mtu) > 65535))
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "mtu must be a number from 576 to 65535");
	if (mtu)
		c->mtu = (int)json_integer_value(mtu);
	if (pst && (!json_is_integer(pst) || json_integer_value(pst) < 0))
		return tb_cni_fail(e, TB_CNI_E_CONFIG,
				   "policy_setup_timeout_seconds must be a whole number >= 0");
	c->policy_setup_timeout = pst ? (int)json_integer_value(pst) : 0;
	return 0;
}

int tb_cni_conf_parse(const char *text, enum tb_cni_cmd cmd, struct tb_cni_conf *c,
		      struct tb_cni_error *e)
{
	json_error_t jerr;

	memset(c, 0, sizeof(*c));
	c->raw = json_loads(text, 0, &jerr);
	if (!json_is_object(c->raw))
		return tb_cni_fail(e, TB_CNI_E_DECODE, "network configuration is not JSON: %s",
				   jerr.text);
	c->cni_version = jstr(c->raw, "cniVersion");
	c->name = jstr(c->raw, "name");
	c->type = jstr(c->raw, "type");
	if (!c->cni_version)
		c->cni_version = "0.1.0";
	if (!tb_cni_version_supported(c->cni_version))
		return tb_cni_fail(e, TB_CNI_E_VERSION,
				   "cniVersion %s is not supported (0.3.0 to 1.1.0 are)",
				   c->cni_version);
	if ((cmd == TB_CNI_GC || cmd == TB_CNI_STATUS) &&
	    tb_cni_version_cmp(c->cni_version, "1.1.0") < 0)
		return tb_cni_fail(e, TB_CNI_E_VERSION, "GC and STATUS need cniVersion 1.1.0");
	if (cmd == TB_CNI_CHECK && tb_cni_version_cmp(c->cni_version, "0.4.0") < 0)
		return tb_cni_fail(e, TB_CNI_E_VERSION, "CHECK needs cniVersion 0.4.0 or later");
	if (!c->name || !*c->name)
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "network configuration has no \"name\"");
	c->prev_result = json_object_get(c->raw, "prevResult");
	c->valid_attachments = json_object_get(c->raw, "cni.dev/valid-attachments");
	c->log_level = jstr(c->raw, "log_level");
	c->log_file = jstr(c->raw, "log_file_path");
	c->run_dir = getenv("TABBY_RUN_DIR");
	if (!c->run_dir || !*c->run_dir)
		c->run_dir = "/run/tabby";
	if (parse_numbers(c, e) || parse_ipam(c, e) || parse_nodename(c, e) || parse_ds(c, e))
		return -1;
	return 0;
}

void tb_cni_conf_free(struct tb_cni_conf *c)
{
	free(c->nodename);
	tb_ds_config_free(&c->ds);
	json_decref(c->raw);
	memset(c, 0, sizeof(*c));
}
