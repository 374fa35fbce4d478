// SPDX-License-Identifier: Apache-2.0
/*
 * The WorkloadEndpoint the plugin records, in Calico's projectcalico.org/v3 shape, and the
 * profiles it needs: kns.<namespace> / ksa.<namespace>.<serviceaccount> for Kubernetes
 * workloads, the network's own profile otherwise (created when missing, as Calico does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "plugin.h"

#define PROFILE_PREFIX "/calico/resources/v3/projectcalico.org/profiles/"

static json_t *jget(const json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(o, a);

	return b ? json_object_get(x, b) : x;
}

/* Named ports of the Pod's containers, as Calico lists them. */
static json_t *named_ports(const json_t *pod)
{
	json_t *out = json_array(), *ctr, *p;
	size_t i, j;

	json_array_foreach(jget(pod, "spec", "containers"), i, ctr) {
		json_array_foreach(json_object_get(ctr, "ports"), j, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			const char *proto = json_string_value(json_object_get(p, "protocol"));
			json_t *hp = json_object_get(p, "hostPort");
			json_t *port;

			if (!name || !*name)
				continue;
			port =
			    json_pack("{sssssO}", "name", name, "protocol", proto ? proto : "TCP",
				      "port", json_object_get(p, "containerPort"));
			if (port && json_is_integer(hp) && json_integer_value(hp)) {
				json_t *hip = json_object_get(p, "hostIP");

				json_object_set(port, "hostPort", hp);
				json_object_set_new(
				    port, "hostIP",
				    json_string(json_is_string(hip) ? json_string_value(hip) : ""));
			}
			json_array_append_new(out, port);
		}
	}
	return out;
}

/* Creates a profile when absent; someone else's version is left alone. */
static int ensure_profile(struct tb_ds *ds, const char *name, json_t *spec)
{
	char key[512];
	json_t *doc = json_pack("{sssss{ss}so}", "kind", "Profile", "apiVersion",
				"projectcalico.org/v3", "metadata", "name", name, "spec", spec);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	struct tb_kv kv;
	int r;

	snprintf(key, sizeof(key), PROFILE_PREFIX "%s", name);
	/* Nearly always there already: a read is cheaper than a write transaction. */
	if (tb_ds_get(ds, key, &kv) == 0) {
		tb_kv_free(&kv);
		r = 0;
		goto out;
	}
	r = text ? tb_ds_put(ds, key, text, TB_REV_ABSENT, NULL) : -ENOMEM;
out:
	free(text);
	json_decref(doc);
	return r == -ECANCELED ? 0 : r;
}

static int ensure_profiles(struct tb_ds *ds, const struct workload *w, json_t *profiles)
{
	char name[512];
	int r;

	if (!w->k8s) {
		snprintf(name, sizeof(name), "has(%s)", w->conf->name);
		json_array_append_new(profiles, json_string(w->conf->name));
		return ensure_profile(ds, w->conf->name,
				      json_pack("{s[{sss{ss}}]s[{ss}]s{ss}}", "ingress", "action",
						"Allow", "source", "selector", name, "egress",
						"action", "Allow", "labelsToApply", w->conf->name,
						""));
	}
	snprintf(name, sizeof(name), "kns.%s", w->id.namespace);
	json_array_append_new(profiles, json_string(name));
	r = ensure_profile(ds, name,
			   json_pack("{s[{ss}]s[{ss}]s{ss}}", "ingress", "action", "Allow",
				     "egress", "action", "Allow", "labelsToApply",
				     "pcns.projectcalico.org/name", w->id.namespace));
	return r;
}

static json_t *labels_of(const struct workload *w, const char *sa)
{
	json_t *l = json_deep_copy(jget(w->pod, "metadata", "labels"));

	if (!json_is_object(l)) {
		json_decref(l);
		l = json_object();
	}
	json_object_set_new(l, "projectcalico.org/namespace", json_string(w->id.namespace));
	json_object_set_new(l, "projectcalico.org/orchestrator", json_string(w->id.orchestrator));
	if (sa)
		json_object_set_new(l, "projectcalico.org/serviceaccount", json_string(sa));
	return l;
}

static json_t *build(const struct workload *w, const struct tb_cni_result *res, json_t *profiles)
{
	const char *sa = json_string_value(jget(w->pod, "spec", "serviceAccountName"));
	json_t *nets = json_array(), *spec, *doc;
	char buf[TB_CIDR_STRLEN + 8];

	if (w->k8s && !sa)
		sa = "default";
	for (int i = 0; i < res->n_ips; i++) {
		tb_ip_format(&res->ips[i].ip, buf, sizeof(buf));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", res->ips[i].prefix);
		json_array_append_new(nets, json_string(buf));
	}
	spec = json_pack("{sssssssssssosOsssos[]}", "orchestrator", w->id.orchestrator, "node",
			 w->id.node, "containerID", w->env->container_id, "endpoint",
			 w->id.endpoint, "interfaceName", w->veth, "ipNetworks", nets, "profiles",
			 profiles, "mac", res->ifaces[1].mac, "ports",
			 w->k8s ? named_ports(w->pod) : json_array(), "ipNATs");
	if (spec && w->k8s) {
		json_object_set_new(spec, "pod", json_string(w->id.workload));
		json_object_set_new(spec, "serviceAccountName", json_string(sa));
	} else if (spec) {
		json_object_set_new(spec, "workload", json_string(w->id.workload));
	}
	doc = json_pack("{sssss{ssssso}so}", "kind", "WorkloadEndpoint", "apiVersion",
			"projectcalico.org/v3", "metadata", "name", w->wep_name, "namespace",
			w->id.namespace, "labels", labels_of(w, w->k8s ? sa : NULL), "spec", spec);
	return doc;
}

int endpoint_write(struct tb_ds *ds, const struct workload *w, const struct tb_cni_result *res,
		   int64_t *rev, struct tb_cni_error *e)
{
	json_t *profiles = json_array(), *doc;
	char *text = NULL;
	int r;

	r = ensure_profiles(ds, w, profiles);
	if (r) {
		json_decref(profiles);
		return tb_cni_fail(e, TB_CNI_E_IO, "writing the profile of %s: %s", w->wep_name,
				   strerror(-r));
	}
	if (w->k8s) {
		const char *sa = json_string_value(jget(w->pod, "spec", "serviceAccountName"));
		char name[512];

		snprintf(name, sizeof(name), "ksa.%s.%s", w->id.namespace, sa ? sa : "default");
		json_array_append_new(profiles, json_string(name));
	}
	doc = build(w, res, profiles);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	r = text ? tb_ds_put(ds, w->wep_key, text, TB_REV_ANY, rev) : -ENOMEM;
	free(text);
	json_decref(doc);
	if (r)
		return tb_cni_fail(e, TB_CNI_E_IO, "writing WorkloadEndpoint %s: %s", w->wep_name,
				   strerror(-r));
	return 0;
}

/* The stored endpoint when it belongs to this container: 0, -ENOENT, or -EEXIST (another). */
static int read_own(struct tb_ds *ds, const struct workload *w, struct tb_kv *kv, json_t **doc)
{
	const char *cid;
	int r = tb_ds_get(ds, w->wep_key, kv);

	if (r)
		return r;
	*doc = json_loads(kv->value, 0, NULL);
	cid = json_string_value(jget(*doc, "spec", "containerID"));
	if (!cid || strcmp(cid, w->env->container_id)) {
		json_decref(*doc);
		tb_kv_free(kv);
		return -EEXIST;
	}
	return 0;
}

int endpoint_ips(struct tb_ds *ds, const struct workload *w, struct tb_cni_result *res)
{
	struct tb_kv kv;
	json_t *doc, *n;
	size_t i;
	int r = read_own(ds, w, &kv, &doc);

	res->n_ips = 0;
	if (r)
		return r;
	json_array_foreach(json_object_get(json_object_get(doc, "spec"), "ipNetworks"), i, n) {
		struct tb_cni_ip *ip = &res->ips[res->n_ips];

		if (res->n_ips < 4 && json_is_string(n) &&
		    !tb_cidr_parse_ip(json_string_value(n), &ip->ip, &ip->prefix))
			res->n_ips++;
	}
	json_decref(doc);
	tb_kv_free(&kv);
	return 0;
}

int endpoint_delete(struct tb_ds *ds, const struct workload *w, struct tb_cni_error *e)
{
	struct tb_kv kv;
	json_t *doc;
	int r = read_own(ds, w, &kv, &doc);

	if (r == -ENOENT || r == -EEXIST)
		return 0; /* gone, or a newer container's: nothing of ours to delete */
	if (r)
		return tb_cni_fail(e, TB_CNI_E_IO, "reading %s: %s", w->wep_name, strerror(-r));
	r = tb_ds_delete(ds, w->wep_key, kv.mod_revision, NULL);
	json_decref(doc);
	tb_kv_free(&kv);
	if (r && r != -ENOENT && r != -ECANCELED)
		return tb_cni_fail(e, TB_CNI_E_IO, "deleting %s: %s", w->wep_name, strerror(-r));
	return 0;
}

int endpoint_check(struct tb_ds *ds, const struct workload *w, const struct tb_cni_result *prev,
		   struct tb_cni_error *e)
{
	struct tb_kv kv;
	json_t *doc, *nets;
	int r = read_own(ds, w, &kv, &doc);

	if (r)
		return tb_cni_fail(e, TB_CNI_E_INTERNAL, "WorkloadEndpoint %s %s", w->wep_name,
				   r == -EEXIST ? "belongs to another container" : "is missing");
	nets = jget(doc, "spec", "ipNetworks");
	for (int i = 0; i < prev->n_ips && !r; i++) {
		char buf[TB_CIDR_STRLEN + 8];
		bool found = false;
		size_t j;
		json_t *n;

		tb_ip_format(&prev->ips[i].ip, buf, sizeof(buf));
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", prev->ips[i].prefix);
		json_array_foreach(nets, j, n)
			found |= json_is_string(n) && !strcmp(json_string_value(n), buf);
		if (!found)
			r = tb_cni_fail(e, TB_CNI_E_INTERNAL,
					"WorkloadEndpoint %s does not list %s", w->wep_name, buf);
	}
	json_decref(doc);
	tb_kv_free(&kv);
	return r;
}

/* tabbyd writes the revision it has programmed into the status file. */
static int64_t programmed_rev(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int endpoint_wait_programmed(const struct workload *w, int64_t rev, struct tb_cni_error *e)
{
	struct timespec start, now, nap = {0, 20 * 1000 * 1000};
	char path[1024];

	if (w->conf->policy_setup_timeout <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/endpoint-status/%s", w->conf->run_dir, w->id.node,
		 w->wep_name);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (programmed_rev(path) >= rev)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= w->conf->policy_setup_timeout)
			break;
		nanosleep(&nap, NULL);
	}
	return tb_cni_fail(e, TB_CNI_E_TRY_AGAIN,
			   "tabbyd did not program endpoint %s within %d s "
			   "(policy_setup_timeout_seconds); is tabbyd running on node %s? (%s)",
			   w->wep_name, w->conf->policy_setup_timeout, w->id.node, path);
}
