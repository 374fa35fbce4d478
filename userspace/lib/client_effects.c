// SPDX-License-Identifier: Apache-2.0
/*
 * What writing an orchestrator object changes besides itself, added to the same
 * transaction: Namespace -> kns.<ns> Profile, ServiceAccount -> ksa.<ns>.<sa> Profile,
 * Pod -> its WorkloadEndpoints' labels, named ports and profiles.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "k8s_sync.h"

static int put_profile(const struct tb_kind *profile_kind, json_t *profile, struct tb_batch *b)
{
	json_t *val = NULL;
	char *key = NULL;
	int r;

	if (!profile)
		return -ENOMEM;
	r = tb_resource_key(profile_kind, NULL, tb_res_name(profile), &key);
	if (!r) {
		val = tb_client_stored_doc(profile_kind, profile, NULL);
		r = tb_batch_add(b, TB_TXN_PUT, key, val ? json_dumps(val, JSON_COMPACT) : NULL,
				 TB_REV_ANY);
	}
	json_decref(val);
	json_decref(profile);
	return r;
}

/* Every WorkloadEndpoint of a Pod gets the Pod's labels, ports and service account. */
static int pod_endpoints(struct tb_client *c, json_t *pod, struct tb_batch *b)
{
	const struct tb_kind *wep_kind = tb_kind_find("WorkloadEndpoint");
	const char *ns = tb_res_namespace(pod), *name = tb_res_name(pod);
	struct tb_kv_list l = { 0 };
	char *prefix = NULL;
	int r;

	r = tb_resource_prefix(wep_kind, ns, &prefix);
	if (!r)
		r = tb_ds_list(c->ds, prefix, &l);
	for (size_t i = 0; !r && i < l.n; i++) {
		json_t *wep = json_loads(l.items[i].value, 0, NULL);
		json_t *spec = json_object_get(wep, "spec");
		const char *pod_name = json_string_value(json_object_get(spec, "pod"));
		const char *orch = json_string_value(json_object_get(spec, "orchestrator"));

		if (wep && pod_name && !strcmp(pod_name, name) && orch && !strcmp(orch, "k8s")) {
			r = tb_wep_apply_pod(wep, ns, pod);
			if (!r)
				r = tb_batch_add(b, TB_TXN_PUT, strdup(l.items[i].key),
						 json_dumps(wep, JSON_COMPACT), l.items[i].mod_revision);
		}
		json_decref(wep);
	}
	tb_kv_list_free(&l);
	free(prefix);
	return r;
}

int tb_client_side_effects(struct tb_client *c, const struct tb_kind *k, json_t *doc,
			   struct tb_batch *b)
{
	const struct tb_kind *profile = tb_kind_find("Profile");
	const char *ns = tb_res_namespace(doc), *name = tb_res_name(doc);

	if (!(k->flags & TB_KIND_K8S))
		return 0;
	if (!strcmp(k->kind, "Namespace"))
		return put_profile(profile, tb_namespace_profile(name, tb_res_labels(doc)), b);
	if (!strcmp(k->kind, "ServiceAccount"))
		return put_profile(profile, tb_serviceaccount_profile(ns, name, tb_res_labels(doc)), b);
	if (!strcmp(k->kind, "Pod"))
		return pod_endpoints(c, doc, b);
	return 0;
}

int tb_client_delete_effects(struct tb_client *c, const struct tb_kind *k, const char *ns,
			     const char *name, struct tb_batch *b)
{
	const struct tb_kind *profile = tb_kind_find("Profile");
	char pname[600], *key = NULL;
	int r;

	if (!(k->flags & TB_KIND_K8S))
		return 0;
	if (!strcmp(k->kind, "Namespace"))
		snprintf(pname, sizeof(pname), TB_NS_PROFILE_PREFIX "%s", name);
	else if (!strcmp(k->kind, "ServiceAccount"))
		snprintf(pname, sizeof(pname), TB_SA_PROFILE_PREFIX "%s.%s", ns, name);
	else
		return 0;
	r = tb_resource_key(profile, NULL, pname, &key);
	return r ? r : tb_batch_add(b, TB_TXN_DELETE, key, NULL, TB_REV_ANY);
}
