// SPDX-License-Identifier: Apache-2.0
/*
 * The host-side reconciler's desired state for local workload endpoints, and the changes
 * applied at once when it moves. The node's blocks are in hostside_blocks.c, the full sweep
 * that reads the kernel back in hostside_sweep.c, per-interface repairs in hostside_repair.c.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside_int.h"
#include "ipam.h"
#include "log.h"
#include "metrics.h"

#define DEFAULT_INTERVAL_S 10.0
#define DEFAULT_GRACE_S 30.0

static int env_seconds(const char *name, double *out)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v < 0 || v > 86400) {
		tb_err("%s=%s: expected seconds between 0 and 86400", name, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int hostside_opts_from_env(struct hostside_opts *o, const char *node)
{
	int r;

	o->node = node;
	o->interval_s = DEFAULT_INTERVAL_S;
	o->grace_s = DEFAULT_GRACE_S;
	r = env_seconds("TABBY_HOSTSIDE_INTERVAL", &o->interval_s);
	if (!r)
		r = env_seconds("TABBY_HOSTSIDE_GRACE", &o->grace_s);
	return r;
}

bool hs_is_tab_name(const char *name)
{
	size_t n = strlen(name);

	/* Names reach /proc/sys paths: nothing that could climb out of the interface's dir. */
	return n > strlen(TB_VETH_PREFIX) && n < TB_IFNAMSIZ &&
	       !strncmp(name, TB_VETH_PREFIX, strlen(TB_VETH_PREFIX)) && !strpbrk(name, "/ \t\n:");
}

int hostside_new(const struct hostside_opts *o, struct hostside **out)
{
	struct hostside *h = calloc(1, sizeof(*h));
	int r = -ENOMEM;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->o = *o;
	h->node = strdup(o->node);
	if (!h->node || asprintf(&h->aff_prefix, TB_IPAM_PREFIX "host/%s/", o->node) < 0) {
		h->aff_prefix = NULL;
		goto fail;
	}
	h->o.node = h->node;
	tb_hmap_init(&h->eps);
	tb_hmap_init(&h->blocks);
	tb_hmap_init(&h->orphans);
	r = tb_nl_open(&h->nl);
	if (r)
		goto fail;
	*out = h;
	return 0;
fail:
	hostside_free(h);
	return r;
}

int hostside_open_env(const char *node, struct hostside **out)
{
	struct hostside_opts o;
	int r = hostside_opts_from_env(&o, node);

	*out = NULL;
	if (!r)
		r = hostside_new(&o, out);
	if (r)
		tb_err("the host-side reconciler cannot start: %s", strerror(-r));
	else
		tb_info("host side: a sweep every %g s, orphans removed after %g s", o.interval_s,
			o.grace_s);
	return r;
}

static void ep_free(struct hs_ep *e)
{
	if (!e)
		return;
	free(e->key);
	free(e->iface);
	free(e->ips);
	free(e->seen);
	free(e);
}

/* Frees every value of m, then m. */
static void free_map(struct tb_hmap *m, void (*fn)(void *))
{
	size_t i = 0;
	const char *k;
	void *v;

	while (tb_hmap_next(m, &i, &k, &v))
		fn(v);
	tb_hmap_free(m);
}

static void ep_free_void(void *v)
{
	ep_free(v);
}

void hostside_free(struct hostside *h)
{
	if (!h)
		return;
	free_map(&h->eps, ep_free_void);
	free_map(&h->blocks, free);
	free_map(&h->orphans, free);
	tb_nl_close(&h->nl);
	free(h->aff_prefix);
	free(h->node);
	free(h);
}

static struct hs_ep *ep_new(const char *key, const char *iface, const struct tb_ir_cidr *ips,
			    size_t n)
{
	struct hs_ep *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->key = strdup(key);
	e->iface = strdup(iface ? iface : "");
	e->ips = calloc(n ? n : 1, sizeof(*e->ips));
	e->seen = calloc(n ? n : 1, sizeof(*e->seen));
	if (!e->key || !e->iface || !e->ips || !e->seen) {
		ep_free(e);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct tb_cidr *c = &e->ips[e->n_ips];

		if (ips[i].family != 4 && ips[i].family != 6)
			continue;
		c->ip.family = ips[i].family == 4 ? AF_INET : AF_INET6;
		memcpy(c->ip.a, ips[i].addr, ips[i].family == 4 ? 4 : 16);
		c->len = ips[i].len;
		e->v6 |= ips[i].family == 6;
		e->n_ips++;
	}
	return e;
}

static bool ep_has(const struct hs_ep *e, const struct tb_cidr *c)
{
	for (size_t i = 0; i < e->n_ips; i++)
		if (e->ips[i].len == c->len && tb_ip_equal(&e->ips[i].ip, &c->ip))
			return true;
	return false;
}

/* Routes through the interface the endpoint had, to addresses it no longer has there. */
static int drop_old_routes(struct hostside *h, const struct hs_ep *old, const struct hs_ep *e)
{
	bool moved = strcmp(old->iface, e->iface) != 0;
	struct tb_nl_rt rts[16];
	size_t n = 0, done = 0;
	int ifindex, r;

	if (!hs_is_tab_name(old->iface) || tb_nl_link_get(&h->nl, old->iface, &ifindex, NULL))
		return 0;
	for (size_t i = 0; i < old->n_ips && n < sizeof(rts) / sizeof(rts[0]); i++) {
		if (!moved && ep_has(e, &old->ips[i]))
			continue;
		/* Protocol and metric 0 match any: the device and destination pick the route. */
		rts[n++] = (struct tb_nl_rt){.dst = old->ips[i],
					     .table = RT_TABLE_MAIN,
					     .ifindex = ifindex,
					     .type = RTN_UNICAST};
	}
	if (!n)
		return 0;
	r = tb_nl_routes_del(&h->nl, rts, n, &done);
	h->st.routes_removed += done;
	if (r)
		tb_warn("endpoint %s: cannot remove its old routes through %s: %s", e->key,
			old->iface, tb_nl_strerror(&h->nl, r));
	return r;
}

/* The endpoint's host side, as it should be, without reading the routes back. */
static int apply_endpoint(struct hostside *h, const struct hs_ep *e)
{
	uint8_t mac[6];
	int ifindex, r, first = 0;

	if (!hs_is_tab_name(e->iface))
		return 0;
	r = tb_nl_link_get(&h->nl, e->iface, &ifindex, mac);
	if (r == -ENODEV)
		return 0; /* not there (yet): a sweep repairs it once it is */
	if (r)
		return r;
	r = hs_repair_mac(h, e, ifindex, mac);
	first = r < 0 ? r : 0;
	r = hs_repair_sysctls(h, e);
	first = first ? first : (r < 0 ? r : 0);
	for (size_t i = 0; i < e->n_ips; i++) {
		r = hs_put_route(h, e, i, ifindex);
		first = first ? first : r;
	}
	return first;
}

int hostside_endpoint_update(struct hostside *h, const char *key, const char *iface,
			     const struct tb_ir_cidr *ips, size_t n_ips)
{
	struct hs_ep *e, *old = NULL;
	int r;

	if (!h)
		return 0;
	e = ep_new(key, iface, ips, n_ips);
	if (!e || tb_hmap_put(&h->eps, key, e, (void **)&old)) {
		ep_free(e);
		return -ENOMEM;
	}
	r = old ? drop_old_routes(h, old, e) : 0;
	ep_free(old);
	if (!r)
		r = apply_endpoint(h, e);
	else
		apply_endpoint(h, e);
	if (r)
		h->st.errors++;
	return r;
}

void hostside_endpoint_remove(struct hostside *h, const char *key)
{
	if (h)
		ep_free(tb_hmap_del(&h->eps, key));
}

void hostside_tick(struct hostside *h)
{
	if (!h || (h->last_sweep && hs_now() - h->last_sweep < h->o.interval_s))
		return;
	hostside_sweep(h);
}

void hostside_get_stats(const struct hostside *h, struct hostside_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (h)
		*st = h->st;
}

void hostside_write_metrics(const struct hostside *h, FILE *f)
{
	const struct hostside_stats *s;

	if (!h)
		return;
	s = &h->st;
	tb_metric_counter(f, "tabby_hostside_sweeps_total",
			  "Full sweeps of the workloads' host side.", (double)s->sweeps);
	tb_metric_gauge(f, "tabby_hostside_sweep_seconds", "Duration of the last sweep.",
			s->last_sweep_s);
	tb_metric_counter(f, "tabby_hostside_repairs_total",
			  "Host-side routes, MACs and sysctls found wrong and put right.",
			  (double)s->repairs);
	tb_metric_counter(f, "tabby_hostside_links_removed_total",
			  "Host-side veths removed because no endpoint names them.",
			  (double)s->links_removed);
	tb_metric_counter(f, "tabby_hostside_routes_removed_total",
			  "Workload routes removed because no endpoint owns them.",
			  (double)s->routes_removed);
	tb_metric_counter(f, "tabby_hostside_blackholes_added_total",
			  "Blackhole routes added for this node's IPAM blocks.",
			  (double)s->blackholes_added);
	tb_metric_counter(f, "tabby_hostside_blackholes_removed_total",
			  "Blackhole routes removed for blocks this node no longer holds.",
			  (double)s->blackholes_removed);
	tb_metric_counter(f, "tabby_hostside_errors_total", "Host-side changes the kernel refused.",
			  (double)s->errors);
}
