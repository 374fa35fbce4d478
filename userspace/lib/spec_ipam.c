// SPDX-License-Identifier: Apache-2.0
/*
 * IPPool, IPReservation and IPAMConfiguration as Calico's v3 API defines them, with the
 * defaults Calico's client fills in (blockSize by family, modes Never, nodeSelector all(),
 * allowedUses Workload+Tunnel) so that what is stored is what IPAM and the dataplane read.
 */
#include <string.h>

#include "spec.h"
#include "spec_infra.h"
#include "validators.h"

static const char *const encap_modes[] = { "Never", "Always", "CrossSubnet", NULL };
static const char *const pool_uses[] = { "Workload", "Tunnel", "LoadBalancer", NULL };
static const char *const assign_modes[] = { "Automatic", "Manual", NULL };

/* The pool CIDR must be "addr/len", strictly masked; it is stored in canonical text. */
static void check_pool_cidr(struct tb_vctx *c, json_t *v)
{
	char canon[TB_NET_STRLEN];
	struct tb_net p;

	if (tb_parse_cidr(json_string_value(v), false, &p)) {
		tb_verror(c, "IPPool CIDR must be a valid subnet ('%s')", json_string_value(v));
		return;
	}
	if (!tb_cidr_is_masked(&p)) {
		tb_verror(c, "IPPool CIDR is not strictly masked ('%s')", json_string_value(v));
		return;
	}
	if (!tb_net_format(&p, canon, sizeof(canon)))
		json_string_set(v, canon);
}

/* An empty mode means Never, as Calico's client reads it. */
static void check_encap_mode(struct tb_vctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (!*s) {
		json_string_set(v, "Never");
		return;
	}
	for (const char *const *m = encap_modes; *m; m++)
		if (!strcmp(s, *m))
			return;
	tb_verror(c, "'%s' is not one of: Never, Always, CrossSubnet", s);
}

static void check_pool_selector(struct tb_vctx *c, json_t *v)
{
	tb_vcheck_selector(c, v);
	if (strstr(json_string_value(v), "global("))
		tb_verror(c, "global() is not valid in an IPPool selector (use all())");
}

static bool has_use(json_t *uses, const char *use)
{
	json_t *e;
	size_t i;

	json_array_foreach(uses, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), use))
			return true;
	return false;
}

static bool mode_on(json_t *spec, const char *field)
{
	const char *m = json_string_value(json_object_get(spec, field));

	return m && *m && strcmp(m, "Never");
}

struct bad_range {
	const char *cidr;
	const char *what;
};

/*
 * Ranges a pool must not overlap: no workload can be routed with such an address. Calico
 * refuses the link-local ones; loopback and multicast are tabby's addition (docs/resources.md).
 */
static const struct bad_range bad_ranges[] = {
	{ "169.254.0.0/16", "the IPv4 link-local range 169.254.0.0/16" },
	{ "fe80::/10", "the IPv6 link-local range fe80::/10" },
	{ "127.0.0.0/8", "the IPv4 loopback range 127.0.0.0/8" },
	{ "::1/128", "the IPv6 loopback address ::1" },
	{ "224.0.0.0/4", "the IPv4 multicast range 224.0.0.0/4" },
	{ "ff00::/8", "the IPv6 multicast range ff00::/8" },
};

static void check_pool_ranges(struct tb_vctx *c, const struct tb_net *p)
{
	struct tb_net r;

	for (size_t i = 0; i < sizeof(bad_ranges) / sizeof(bad_ranges[0]); i++) {
		if (tb_parse_cidr(bad_ranges[i].cidr, false, &r) || r.family != p->family)
			continue;
		if (tb_net_contains(&r, p) || tb_net_contains(p, &r))
			tb_verror_at(c, "cidr", "IPPool CIDR overlaps with %s", bad_ranges[i].what);
	}
}

/* blockSize: default by family, Calico's ranges, and a pool at least one block large. */
static void check_block_size(struct tb_vctx *c, json_t *spec, const struct tb_net *p)
{
	json_t *bs = json_object_get(spec, "blockSize");
	bool v4 = tb_cidr_bits(p) == 32;
	json_int_t size = json_integer_value(bs);

	if (!bs || (json_is_integer(bs) && size == 0)) {
		size = v4 ? 26 : 122;
		json_object_set_new(spec, "blockSize", json_integer(size));
	} else if (!json_is_integer(bs)) {
		return;
	}
	if (v4 ? size < 20 || size > 32 : size < 116 || size > 128) {
		tb_verror_at(c, "blockSize",
			     "%lld is out of range: blockSize must be between 20 and "
			     "32 for IPv4 pools, and between 116 and 128 for IPv6 pools",
			     (long long)size);
		return;
	}
	if ((json_int_t)p->prefix > size && !json_is_true(json_object_get(spec, "disabled")))
		tb_verror_at(c, "cidr",
			     "IP pool size is too small for use with Calico IPAM. It must "
			     "be equal to or greater than the block size (/%lld)",
			     (long long)size);
}

static void check_load_balancer(struct tb_vctx *c, json_t *spec)
{
	json_t *uses = json_object_get(spec, "allowedUses");
	const char *sel = json_string_value(json_object_get(spec, "nodeSelector"));

	if (!has_use(uses, "LoadBalancer"))
		return;
	if (has_use(uses, "Workload") || has_use(uses, "Tunnel"))
		tb_verror_at(c, "allowedUses", "LoadBalancer cannot be combined with Workload or "
			     "Tunnel allowed uses");
	if (mode_on(spec, "ipipMode") || mode_on(spec, "vxlanMode"))
		tb_verror(c, "LoadBalancer IP pool cannot have IPIP or VXLAN enabled");
	if (json_is_true(json_object_get(spec, "disableBGPExport")))
		tb_verror_at(c, "disableBGPExport",
			     "LoadBalancer IP pools cannot disable BGP export");
	if (sel && strcmp(sel, "all()"))
		tb_verror_at(c, "nodeSelector", "IP Pool with AllowedUse LoadBalancer must have "
			     "nodeSelector set to all()");
}

/* Empty values mean the defaults, as Calico's client fills them in. */
static void fill_empty(json_t *spec)
{
	const char *sel = json_string_value(json_object_get(spec, "nodeSelector"));
	json_t *uses = json_object_get(spec, "allowedUses");

	if (sel && !*sel)
		json_object_set_new(spec, "nodeSelector", json_string("all()"));
	if (json_is_array(uses) && json_array_size(uses) == 0)
		json_object_set_new(spec, "allowedUses", json_pack("[ss]", "Workload", "Tunnel"));
}

static void check_pool(struct tb_vctx *c, json_t *spec)
{
	const char *ns = json_string_value(json_object_get(spec, "namespaceSelector"));
	struct tb_net p;

	fill_empty(spec);

	if (mode_on(spec, "ipipMode") && mode_on(spec, "vxlanMode"))
		tb_verror(c, "ipipMode and vxlanMode cannot both be enabled");
	if (has_use(json_object_get(spec, "allowedUses"), "Tunnel") && ns && *ns)
		tb_verror_at(c, "namespaceSelector", "IP Pool with AllowedUse Tunnel cannot have "
			     "namespaceSelector");
	check_load_balancer(c, spec);
	if (tb_parse_cidr(json_string_value(json_object_get(spec, "cidr")), false, &p))
		return;
	if (tb_cidr_bits(&p) != 32 && mode_on(spec, "ipipMode"))
		tb_verror_at(c, "ipipMode", "IPIP is not supported on IPv6 pools");
	check_pool_ranges(c, &p);
	check_block_size(c, spec, &p);
}

static const struct tb_field ippool_fields[] = {
	{ "cidr", TB_T_STRING, TB_REQUIRED, .check = check_pool_cidr },
	{ "vxlanMode", TB_T_STRING, .check = check_encap_mode, .def = "\"Never\"" },
	{ "ipipMode", TB_T_STRING, .check = check_encap_mode, .def = "\"Never\"" },
	{ "natOutgoing", TB_T_BOOL },
	{ "disabled", TB_T_BOOL },
	{ "disableBGPExport", TB_T_BOOL },
	{ "blockSize", TB_T_INT },
	{ "nodeSelector", TB_T_STRING, TB_OMITEMPTY, .check = check_pool_selector,
	  .def = "\"all()\"" },
	{ "namespaceSelector", TB_T_STRING, TB_OMITEMPTY, .check = check_pool_selector },
	{ "allowedUses", TB_T_ARRAY, .elem = TB_T_STRING, .one_of = pool_uses,
	  .def = "[\"Workload\",\"Tunnel\"]" },
	{ "assignmentMode", TB_T_STRING, TB_OMITEMPTY, .one_of = assign_modes,
	  .def = "\"Automatic\"" },
	{ NULL },
};
const struct tb_schema tb_spec_ippool = { "IPPoolSpec", ippool_fields, check_pool };

static const struct tb_field ipres_fields[] = {
	{ "reservedCIDRs", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_cidr },
	{ NULL },
};
const struct tb_schema tb_spec_ipreservation = { "IPReservationSpec", ipres_fields };

static void check_max_blocks(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
		tb_verror(c, "must be between 0 and 1000000");
}

static void check_cooldown(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 1200)
		tb_verror(c, "must be between 0 and 1200");
}

static const char *const enabled_disabled[] = { "Enabled", "Disabled", NULL };

static const struct tb_field ipamcfg_fields[] = {
	{ "strictAffinity", TB_T_BOOL, .def = "false" },
	{ "maxBlocksPerHost", TB_T_INT, .check = check_max_blocks, .def = "0" },
	{ "autoAllocateBlocks", TB_T_BOOL, .def = "true" },
	{ "kubeVirtVMAddressPersistence", TB_T_STRING, TB_OMITEMPTY, .one_of = enabled_disabled },
	{ "ipCooldownSeconds", TB_T_INT, .check = check_cooldown },
	{ NULL },
};
const struct tb_schema tb_spec_ipamconfiguration = { "IPAMConfigurationSpec", ipamcfg_fields };

/* There is one IPAM configuration, and Calico names it "default". */
void tb_check_ipamconfig_doc(struct tb_vctx *c, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "metadata"),
							     "name"));

	if (name && strcmp(name, "default"))
		tb_verror(c,
			  "metadata.name: an IPAMConfiguration must be named \"default\", not '%s'",
			  name);
}
