// SPDX-License-Identifier: Apache-2.0
/*
 * What a selector sees of an endpoint, and matchers: a selector with the scope Calico gives
 * it (namespace of a NetworkPolicy, namespaceSelector, serviceAccounts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc_int.h"
#include "k8s_sync.h"

static const char *json_label(json_t *labels, const char *key, size_t klen, size_t *vlen)
{
	char buf[600];
	json_t *v;

	if (!labels || klen >= sizeof(buf))
		return NULL;
	memcpy(buf, key, klen);
	buf[klen] = '\0';
	v = json_object_get(labels, buf);
	if (!json_is_string(v))
		return NULL;
	*vlen = json_string_length(v);
	return json_string_value(v);
}

const char *calc_label(struct tb_calc *c, const struct calc_ep *ep, const char *key, size_t klen,
		       size_t *vlen)
{
	const char *v = json_label(ep->labels, key, klen, vlen);

	for (size_t i = 0; !v && i < ep->n_profiles; i++) {
		struct calc_profile *p = tb_hmap_get(&c->profiles, ep->profiles[i]);

		if (p)
			v = json_label(p->labels, key, klen, vlen);
	}
	return v;
}

struct lookup_ctx {
	struct tb_calc *c;
	const struct calc_ep *ep;
	const char *prefix;	/* "pcns." / "pcsa." looked up in place of the plain key */
};

static const char *lookup(void *vctx, const char *key, size_t klen, size_t *vlen)
{
	struct lookup_ctx *x = vctx;
	char buf[600];
	size_t pl;

	if (!x->prefix)
		return calc_label(x->c, x->ep, key, klen, vlen);
	pl = strlen(x->prefix);
	if (pl + klen >= sizeof(buf))
		return NULL;
	memcpy(buf, x->prefix, pl);
	memcpy(buf + pl, key, klen);
	return calc_label(x->c, x->ep, buf, pl + klen, vlen);
}

static bool sel_match(struct tb_calc *c, const struct calc_ep *ep, const struct tb_selector *s,
		      const char *prefix)
{
	struct lookup_ctx x = { c, ep, prefix };

	return tb_selector_match_fn(s, lookup, &x);
}

/*
 * A namespaceSelector matches the namespace's labels, which endpoints carry as pcns. labels.
 * all() means every namespaced endpoint; global() the non-namespaced ones (host endpoints,
 * global network sets), as Calico rewrites them.
 */
static bool ns_sel_match(struct tb_calc *c, const struct calc_ep *ep, const struct tb_selector *s)
{
	if (tb_selector_has_global(s) != !ep->ns)
		return false;
	return sel_match(c, ep, s, TB_NS_LABEL_PREFIX);
}

static bool sa_match(struct tb_calc *c, const struct calc_matcher *m, const struct calc_ep *ep)
{
	static const char name_key[] = TB_SA_LABEL_PREFIX TB_LABEL_NAME;
	size_t vlen;
	const char *sa = calc_label(c, ep, name_key, sizeof(name_key) - 1, &vlen);

	if (m->n_sa_names) {
		bool found = false;

		for (size_t i = 0; sa && i < m->n_sa_names && !found; i++)
			found = strlen(m->sa_names[i]) == vlen && !memcmp(m->sa_names[i], sa, vlen);
		if (!found)
			return false;
	}
	return !m->sa_sel || sel_match(c, ep, m->sa_sel, TB_SA_LABEL_PREFIX);
}

bool calc_matcher_match(struct tb_calc *c, const struct calc_matcher *m, const struct calc_ep *ep)
{
	if (m->scope_ns && (!ep->ns || strcmp(ep->ns, m->scope_ns)))
		return false;
	if (m->ns_sel && !ns_sel_match(c, ep, m->ns_sel))
		return false;
	if ((m->n_sa_names || m->sa_sel) && (ep->kind != EP_WORKLOAD || !sa_match(c, m, ep)))
		return false;
	return !m->sel || sel_match(c, ep, m->sel, NULL);
}

void calc_matcher_free(struct calc_matcher *m)
{
	tb_selector_free(m->sel);
	tb_selector_free(m->ns_sel);
	tb_selector_free(m->sa_sel);
	free(m->scope_ns);
	for (size_t i = 0; i < m->n_sa_names; i++)
		free(m->sa_names[i]);
	free(m->sa_names);
	free(m->port_name);
	memset(m, 0, sizeof(*m));
}

static int parse_opt(const char *src, struct tb_selector **out)
{
	char err[128];

	*out = NULL;
	if (!src)
		return 0;
	return tb_selector_parse(src, out, err, sizeof(err));
}

int calc_matcher_build(struct calc_matcher *m, const char *sel, const char *ns_sel,
		       json_t *service_accounts, const char *sa_sel, const char *scope_ns)
{
	json_t *names = json_object_get(service_accounts, "names"), *n;
	const char *sas = json_string_value(json_object_get(service_accounts, "selector"));
	size_t i;
	int r;

	memset(m, 0, sizeof(*m));
	r = parse_opt(sel, &m->sel);
	if (!r)
		r = parse_opt(ns_sel, &m->ns_sel);
	if (!r)
		r = parse_opt(sa_sel ? sa_sel : sas, &m->sa_sel);
	if (!r && scope_ns && !ns_sel) {
		m->scope_ns = strdup(scope_ns);
		r = m->scope_ns ? 0 : -ENOMEM;
	}
	if (!r && json_array_size(names)) {
		m->sa_names = calloc(json_array_size(names), sizeof(char *));
		r = m->sa_names ? 0 : -ENOMEM;
		json_array_foreach(names, i, n)
			if (!r && json_is_string(n))
				m->sa_names[m->n_sa_names++] = strdup(json_string_value(n));
	}
	if (r)
		calc_matcher_free(m);
	return r;
}

static void append(char **buf, size_t *len, const char *tag, const char *val)
{
	char *n;

	if (!val)
		return;
	if (asprintf(&n, "%s%s=%s;", *buf ? *buf : "", tag, val) < 0)
		return;
	free(*buf);
	*buf = n;
	*len = strlen(n);
}

char *calc_matcher_key(const struct calc_matcher *m)
{
	char *out = NULL, *s, proto[8];
	size_t len = 0;

	s = m->sel ? tb_selector_canonical(m->sel) : NULL;
	append(&out, &len, "sel", s);
	free(s);
	s = m->ns_sel ? tb_selector_canonical(m->ns_sel) : NULL;
	append(&out, &len, "ns", s);
	if (s && tb_selector_has_global(m->ns_sel))
		append(&out, &len, "nsglobal", "1");
	free(s);
	append(&out, &len, "scope", m->scope_ns);
	for (size_t i = 0; i < m->n_sa_names; i++)
		append(&out, &len, "sa", m->sa_names[i]);
	s = m->sa_sel ? tb_selector_canonical(m->sa_sel) : NULL;
	append(&out, &len, "sasel", s);
	free(s);
	append(&out, &len, "port", m->port_name);
	snprintf(proto, sizeof(proto), "%u", m->port_proto);
	if (m->port_name)
		append(&out, &len, "proto", proto);
	return out ? out : strdup("all");
}
