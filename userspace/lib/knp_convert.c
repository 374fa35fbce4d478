// SPDX-License-Identifier: Apache-2.0
/* Kubernetes NetworkPolicy -> Calico NetworkPolicy: peers, rules, types and the document. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knp_convert.h"
#include "knp_int.h"
#include "resource.h"

/* Sets key to a new value unless the value is NULL (allocation failed) or an empty string. */
static int set_str(json_t *obj, const char *key, char *s)
{
	int r = 0;

	if (!s)
		return -ENOMEM;
	if (*s)
		r = json_object_set_new(obj, key, json_string(s)) ? -ENOMEM : 0;
	free(s);
	return r;
}

/* A masked network as Go prints it, or NULL when the text is no CIDR. */
static json_t *net_json(const char *s)
{
	char buf[TB_NET_STRLEN];
	struct tb_net c;

	if (!s || tb_parse_cidr(s, false, &c))
		return NULL;
	tb_cidr_mask(&c);
	tb_net_format(&c, buf, sizeof(buf));
	return json_string(buf);
}

/*
 * The entity fields of one peer (NULL: no peer, nothing set). An ipBlock gives nets and
 * notNets only. A CIDR that does not parse is -EINVAL: Calico's converter would leave the
 * peer empty (matching everything) or its excepts cut short, tabby drops the rule instead.
 * Validation refuses such a policy before it gets here, so valid input converts the same.
 */
static int peer_fields(const json_t *peer, json_t *ent)
{
	const json_t *ipb = json_object_get(peer, "ipBlock"), *exc;
	json_t *nets, *not_nets = NULL, *n;
	size_t i;
	int r;

	if (!peer)
		return 0;
	if (ipb && !json_is_null(ipb)) {
		n = net_json(json_string_value(json_object_get(ipb, "cidr")));
		if (!n)
			return -EINVAL;
		nets = json_array();
		if (!nets || json_array_append_new(nets, n) ||
		    json_object_set_new(ent, "nets", nets))
			return -ENOMEM;
		json_array_foreach(json_object_get(ipb, "except"), i, exc) {
			n = net_json(json_string_value(exc));
			if (!n)
				return -EINVAL;
			if (!not_nets && (!(not_nets = json_array()) ||
					  json_object_set_new(ent, "notNets", not_nets)))
				return -ENOMEM;
			json_array_append_new(not_nets, n);
		}
		return 0;
	}
	r = set_str(ent, "selector", tb_knp_selector(json_object_get(peer, "podSelector"), true));
	if (!r) {
		const json_t *ns = json_object_get(peer, "namespaceSelector");

		r = set_str(ent, "namespaceSelector", json_is_null(ns) ? strdup("") :
						      tb_knp_selector(ns, false));
	}
	return r;
}

static int make_rule(const struct knp_group *grp, const json_t *peer, bool ingress, json_t *out)
{
	json_t *rule = json_pack("{s:s}", "action", "Allow");
	json_t *src = json_object(), *dst = json_object(), *ports = knp_group_ports_json(grp);
	int r = -ENOMEM;

	if (!rule || !src || !dst || (!ports && !grp->all))
		goto out;
	if (*grp->protocol && json_object_set_new(rule, "protocol", json_string(grp->protocol)))
		goto out;
	if (ports && json_object_set(dst, "ports", ports))
		goto out;
	r = peer_fields(peer, ingress ? src : dst);
	if (r)
		goto out;
	json_object_set(rule, "source", src);
	json_object_set(rule, "destination", dst);
	r = json_array_append(out, rule) ? -ENOMEM : 0;
out:
	json_decref(ports);
	json_decref(src);
	json_decref(dst);
	json_decref(rule);
	return r;
}

/* A list of objects, absent or null; anything else would be read as "everything". */
static bool object_list_ok(const json_t *list)
{
	size_t i;
	json_t *e;

	if (!list || json_is_null(list))
		return true;
	if (!json_is_array(list))
		return false;
	json_array_foreach(list, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

static int convert_rule(const json_t *krule, bool ingress, json_t *out, char *err, size_t errlen)
{
	const json_t *peers = json_object_get(krule, ingress ? "from" : "to");
	const json_t *ports = json_object_get(krule, "ports");
	size_t npeers = json_array_size(peers);
	struct knp_groups g;
	int r;

	/* Unvalidated input: a malformed rule must not turn into one that allows everything. */
	if (!json_is_object(krule) || !object_list_ok(peers) || !object_list_ok(ports)) {
		snprintf(err, errlen, "not a rule (an object with lists of peer and port objects)");
		return -EINVAL;
	}
	r = knp_groups_build(&g, ports, err, errlen);
	for (size_t i = 0; !r && i < g.n; i++) {
		for (size_t j = 0; !r && j < (npeers ? npeers : 1); j++) {
			r = make_rule(&g.v[i], npeers ? json_array_get(peers, j) : NULL, ingress,
				      out);
			if (r == -EINVAL)
				snprintf(err, errlen, "peer %zu: invalid ipBlock CIDR", j);
		}
	}
	knp_groups_free(&g);
	return r;
}

static json_t *convert_rules(const json_t *spec, bool ingress, struct tb_diag *d, const char *name)
{
	const char *dir = ingress ? "ingress" : "egress";
	json_t *out = json_array(), *krule;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(json_object_get(spec, dir), i, krule) {
		char err[256] = "";
		size_t before = json_array_size(out);
		int r = convert_rule(krule, ingress, out, err, sizeof(err));

		if (r == -ENOMEM) {
			json_decref(out);
			return NULL;
		}
		if (r) {
			/* Calico drops a rule it cannot convert, keeping the rest. */
			while (json_array_size(out) > before)
				json_array_remove(out, before);
			tb_diag_add(d, "NetworkPolicy %s: spec.%s[%zu]: rule dropped, it cannot be "
				       "converted: %s", name, dir, i, err);
		}
	}
	return out;
}

static bool has_type(const json_t *types, const char *t)
{
	size_t i;
	json_t *v;

	json_array_foreach(types, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), t))
			return true;
	return false;
}

/*
 * Kubernetes defaults missing policyTypes to Ingress, plus Egress when there are egress rules;
 * Calico then keeps the listed types in the order Ingress, Egress, and falls back to Ingress.
 */
static json_t *types_of(const json_t *spec)
{
	const json_t *pt = json_object_get(spec, "policyTypes");
	bool ing, eg;
	json_t *out = json_array();

	if (json_array_size(pt)) {
		ing = has_type(pt, "Ingress");
		eg = has_type(pt, "Egress");
	} else {
		ing = true;
		eg = json_array_size(json_object_get(spec, "egress")) > 0;
	}
	if (!ing && !eg)
		ing = true;
	if (ing)
		json_array_append_new(out, json_string("Ingress"));
	if (eg)
		json_array_append_new(out, json_string("Egress"));
	return out;
}

static json_t *convert_meta(const json_t *meta, const char *name)
{
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *uid = json_string_value(json_object_get(meta, "uid"));
	json_t *ts = json_object_get(meta, "creationTimestamp");
	json_t *rv = json_object_get(meta, "resourceVersion");
	char *full = malloc(strlen(TB_KNP_PREFIX) + strlen(name) + 1);
	json_t *out = json_object();
	char cuid[37];

	if (!full || !out)
		goto fail;
	strcpy(full, TB_KNP_PREFIX);
	strcat(full, name);
	json_object_set_new(out, "name", json_string(full));
	json_object_set_new(out, "namespace", json_string(ns && *ns ? ns : "default"));
	/* Go writes a zero creation time as null; the field is always there. */
	json_object_set_new(out, "creationTimestamp", ts ? json_deep_copy(ts) : json_null());
	if (uid && !tb_knp_convert_uid(uid, cuid))
		json_object_set_new(out, "uid", json_string(cuid));
	if (rv)
		json_object_set_new(out, "resourceVersion", json_deep_copy(rv));
	free(full);
	return out;
fail:
	free(full);
	json_decref(out);
	return NULL;
}

static json_t *convert_spec(const json_t *spec, struct tb_diag *d, const char *name)
{
	json_t *out = json_pack("{s:s,s:i}", "tier", "default", "order", (int)TB_KNP_ORDER);
	json_t *ing = convert_rules(spec, true, d, name);
	json_t *eg = convert_rules(spec, false, d, name);
	json_t *types = types_of(spec);
	char *sel = tb_knp_selector(json_object_get(spec, "podSelector"), true);

	if (!out || !ing || !eg || !types || !sel)
		goto fail;
	if (json_array_size(ing))
		json_object_set(out, "ingress", ing);
	if (json_array_size(eg))
		json_object_set(out, "egress", eg);
	json_object_set_new(out, "selector", json_string(sel));
	json_object_set(out, "types", types);
	free(sel);
	json_decref(ing);
	json_decref(eg);
	json_decref(types);
	return out;
fail:
	free(sel);
	json_decref(types);
	json_decref(eg);
	json_decref(ing);
	json_decref(out);
	return NULL;
}

json_t *tb_knp_convert(const json_t *knp, struct tb_diag *d)
{
	const json_t *meta = json_object_get(knp, "metadata");
	const json_t *spec = json_object_get(knp, "spec");
	const char *name = json_string_value(json_object_get(meta, "name"));
	json_t *out, *m, *s;

	if (!json_is_object(knp) || !name || !*name || (spec && !json_is_object(spec))) {
		tb_diag_add(d, "not a Kubernetes NetworkPolicy (metadata.name and spec needed)");
		errno = EINVAL;
		return NULL;
	}
	out = json_pack("{s:s,s:s}", "apiVersion", TB_API_CALICO, "kind", "NetworkPolicy");
	m = convert_meta(meta, name);
	s = convert_spec(spec, d, name);
	if (!out || !m || !s) {
		json_decref(out);
		json_decref(m);
		json_decref(s);
		errno = ENOMEM;
		return NULL;
	}
	json_object_set_new(out, "metadata", m);
	json_object_set_new(out, "spec", s);
	return out;
}
