// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "ipam_cni.h"

#define NODE_PREFIX "/calico/resources/v3/projectcalico.org/nodes/"

void tb_ipam_cni_handle(const char *network, const char *container_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%s", network, container_id);
}

json_t *tb_k8s_get(struct tb_ds *ds, const char *plural, const char *ns, const char *name)
{
	char key[512];
	struct tb_kv kv;
	json_t *doc;

	if (ns)
		snprintf(key, sizeof(key), TB_K8S_PREFIX "%s/%s/%s", plural, ns, name);
	else
		snprintf(key, sizeof(key), TB_K8S_PREFIX "%s/%s", plural, name);
	if (tb_ds_get(ds, key, &kv))
		return NULL;
	doc = json_loads(kv.value, 0, NULL);
	tb_kv_free(&kv);
	return doc;
}

/* An annotation holding a JSON list, parsed; NULL when absent. -EINVAL through *bad. */
static json_t *annotation_list(const json_t *pod, const char *name, bool *bad)
{
	const char *v = json_string_value(json_object_get(
	    json_object_get(json_object_get(pod, "metadata"), "annotations"), name));
	json_t *l;

	if (!v)
		return NULL;
	l = json_loads(v, 0, NULL);
	if (!json_is_array(l)) {
		json_decref(l);
		*bad = true;
		return NULL;
	}
	return l;
}

/* "a,b" -> ["a","b"] */
static json_t *split_list(const char *s)
{
	json_t *l = json_array();

	while (l && s && *s) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);

		json_array_append_new(l, json_stringn(s, n));
		s = c ? c + 1 : NULL;
	}
	return l;
}

static json_t *node_labels(struct tb_ds *ds, const char *node)
{
	char key[512];
	struct tb_kv kv;
	json_t *doc, *labels;

	snprintf(key, sizeof(key), NODE_PREFIX "%s", node);
	if (tb_ds_get(ds, key, &kv))
		return NULL;
	doc = json_loads(kv.value, 0, NULL);
	tb_kv_free(&kv);
	labels = json_incref(json_object_get(json_object_get(doc, "metadata"), "labels"));
	json_decref(doc);
	return labels;
}

/* Array of strings -> the request's pool list (borrowed pointers). */
static const char **pool_names(const json_t *arr, size_t *n)
{
	const char **v;
	size_t i;
	json_t *s;

	*n = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return NULL;
	v = calloc(json_array_size(arr), sizeof(*v));
	json_array_foreach(arr, i, s)
		if (v && json_is_string(s))
			v[(*n)++] = json_string_value(s);
	return v;
}

struct family_req {
	int family;
	const json_t *pools;
	const struct tb_ip *fixed;
};

static int assign_one(struct tb_ds *ds, const struct tb_ipam_cni_req *req, const char *handle,
		      const struct family_req *f, const json_t *sec, const json_t *labels,
		      struct tb_cni_result *res, struct tb_cni_error *e)
{
	struct tb_ipam_request r = {.handle = handle,
				    .node = req->conf->nodename,
				    .family = f->family,
				    .fixed = f->fixed,
				    .secondary = sec,
				    .node_labels = labels};
	struct tb_ipam_assignment a;
	const char **names;
	int rc;

	names = pool_names(f->pools, &r.n_pools);
	r.pools = names;
	rc = tb_ipam_assign(ds, &r, &a, e->msg, sizeof(e->msg));
	free(names);
	if (rc) {
		e->code = rc == -ENOSPC || rc == -ECANCELED		     ? TB_CNI_E_TRY_AGAIN
			  : rc == -EINVAL || rc == -ENOENT || rc == -ENOTSUP ? TB_CNI_E_CONFIG
									     : TB_CNI_E_INTERNAL;
		return -1;
	}
	res->ips[res->n_ips] =
	    (struct tb_cni_ip){.ip = a.ip, .prefix = tb_ip_bits(a.ip.family), .iface = -1};
	res->n_ips++;
	return 0;
}

/* Fills the fixed addresses from the ipAddrs annotation: at most one per family. */
static int fixed_addrs(const json_t *l, struct tb_ip *v4, struct tb_ip *v6, bool *h4, bool *h6,
		       struct tb_cni_error *e)
{
	size_t i;
	json_t *s;

	json_array_foreach(l, i, s) {
		struct tb_ip ip;
		bool *has;

		if (!json_is_string(s) || tb_ip_parse(json_string_value(s), &ip))
			return tb_cni_fail(e, TB_CNI_E_CONFIG,
					   "fixed addresses (CNI_ARGS IP=, or ipAddrs): "
					   "entry %zu is not an IP address",
					   i);
		has = ip.family == AF_INET ? h4 : h6;
		if (*has)
			return tb_cni_fail(
			    e, TB_CNI_E_CONFIG,
			    "fixed addresses (CNI_ARGS IP=, or ipAddrs): one address "
			    "per family");
		*has = true;
		*(ip.family == AF_INET ? v4 : v6) = ip;
	}
	return 0;
}

int tb_ipam_cni_assign(struct tb_ds *ds, const struct tb_ipam_cni_req *req,
		       struct tb_cni_result *res, struct tb_cni_error *e)
{
	const struct tb_cni_conf *c = req->conf;
	json_t *p4 = NULL, *p6 = NULL, *addrs = NULL, *sec, *labels;
	struct tb_ip f4, f6;
	bool bad = false, h4 = false, h6 = false;
	char handle[512];
	int r = -1;

	tb_ipam_cni_handle(c->name, req->container_id, handle, sizeof(handle));
	sec = json_pack("{ss}", "node", c->nodename);
	if (req->k8s_namespace && req->k8s_pod && sec) {
		json_object_set_new(sec, "namespace", json_string(req->k8s_namespace));
		json_object_set_new(sec, "pod", json_string(req->k8s_pod));
	}
	labels = node_labels(ds, c->nodename);
	p4 = annotation_list(req->pod, "cni.projectcalico.org/ipv4pools", &bad);
	p6 = annotation_list(req->pod, "cni.projectcalico.org/ipv6pools", &bad);
	addrs = req->ips && *req->ips
		    ? split_list(req->ips)
		    : annotation_list(req->pod, "cni.projectcalico.org/ipAddrs", &bad);
	if (bad) {
		tb_cni_fail(e, TB_CNI_E_CONFIG,
			    "a cni.projectcalico.org/ annotation of pod %s/%s"
			    " is not a JSON list",
			    req->k8s_namespace, req->k8s_pod);
		goto out;
	}
	if (addrs && fixed_addrs(addrs, &f4, &f6, &h4, &h6, e))
		goto out;
	res->n_ips = 0;
	if ((addrs ? h4 : c->assign_ipv4) &&
	    assign_one(ds, req, handle,
		       &(struct family_req){AF_INET, p4 ? p4 : c->ipv4_pools, h4 ? &f4 : NULL}, sec,
		       labels, res, e))
		goto out;
	if ((addrs ? h6 : c->assign_ipv6) &&
	    assign_one(ds, req, handle,
		       &(struct family_req){AF_INET6, p6 ? p6 : c->ipv6_pools, h6 ? &f6 : NULL},
		       sec, labels, res, e))
		goto undo;
	r = 0;
	goto out;
undo:
	/* The IPv4 address taken before the IPv6 failure must not leak. */
	tb_ipam_release_handle(ds, handle, NULL);
	res->n_ips = 0;
out:
	json_decref(addrs);
	json_decref(p6);
	json_decref(p4);
	json_decref(labels);
	json_decref(sec);
	return r;
}

int tb_ipam_cni_release(struct tb_ds *ds, const struct tb_cni_conf *conf, const char *cid,
			struct tb_cni_error *e)
{
	char handle[512];
	int r;

	tb_ipam_cni_handle(conf->name, cid, handle, sizeof(handle));
	r = tb_ipam_release_handle(ds, handle, NULL);
	if (r)
		return tb_cni_fail(e, r == -ECANCELED ? TB_CNI_E_TRY_AGAIN : TB_CNI_E_IO,
				   "releasing addresses of %s: %s", handle, strerror(-r));
	return 0;
}

static bool attachment_valid(const json_t *valid, const char *cid)
{
	size_t i;
	json_t *a;

	json_array_foreach(valid, i, a) {
		const char *v = json_string_value(json_object_get(a, "containerID"));

		if (v && !strcmp(v, cid))
			return true;
	}
	return false;
}

int tb_ipam_cni_gc(struct tb_ds *ds, const struct tb_cni_conf *c,
		   void (*released)(const char *cid, void *ctx), void *ctx, struct tb_cni_error *e)
{
	char prefix[512], node[256];
	struct tb_kv_list l;
	size_t plen;
	int r;

	snprintf(prefix, sizeof(prefix), TB_IPAM_HANDLE_PREFIX "%s.", c->name);
	plen = strlen(prefix);
	r = tb_ds_list(ds, prefix, &l);
	if (r)
		return tb_cni_fail(e, TB_CNI_E_IO, "GC: cannot list handles: %s", strerror(-r));
	for (size_t i = 0; i < l.n && !r; i++) {
		const char *handle = l.items[i].key + strlen(TB_IPAM_HANDLE_PREFIX);
		const char *cid = l.items[i].key + plen;

		/* "<network>.<cid>": a dot left in the cid means another network whose name starts
		 * with ours ("net" and "net.b"); and other nodes' attachments are theirs to GC. */
		if (strchr(cid, '.') || attachment_valid(c->valid_attachments, cid))
			continue;
		if (tb_ipam_handle_node(ds, handle, node, sizeof(node)) ||
		    strcmp(node, c->nodename))
			continue;
		r = tb_ipam_release_handle(ds, handle, NULL);
		if (!r && released)
			released(cid, ctx);
	}
	tb_kv_list_free(&l);
	return r ? tb_cni_fail(e, TB_CNI_E_IO, "GC: releasing: %s", strerror(-r)) : 0;
}
