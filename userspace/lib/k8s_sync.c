// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "k8s_sync.h"
#include "resource.h"

static json_t *allow_all_rules(void)
{
	return json_pack("[{s:s, s:{}, s:{}}]", "action", "Allow", "source", "destination");
}

/* labelsToApply: the object's labels under a prefix, plus its name. */
static json_t *prefixed_labels(const char *prefix, const char *name, json_t *labels)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;
	char buf[512];

	if (!out)
		return NULL;
	snprintf(buf, sizeof(buf), "%s%s", prefix, TB_LABEL_NAME);
	json_object_set_new(out, buf, json_string(name));
	json_object_foreach(labels, k, v) {
		snprintf(buf, sizeof(buf), "%s%s", prefix, k);
		json_object_set(out, buf, v);
	}
	return out;
}

static json_t *profile_doc(const char *name, json_t *spec)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:o}", "apiVersion", TB_API_CALICO, "kind", "Profile",
			 "metadata", "name", name, "spec", spec);
}

json_t *tb_namespace_profile(const char *ns, json_t *ns_labels)
{
	char name[300];

	snprintf(name, sizeof(name), TB_NS_PROFILE_PREFIX "%s", ns);
	return profile_doc(name, json_pack("{s:o, s:o, s:o}", "ingress", allow_all_rules(), "egress",
					   allow_all_rules(), "labelsToApply",
					   prefixed_labels(TB_NS_LABEL_PREFIX, ns, ns_labels)));
}

json_t *tb_serviceaccount_profile(const char *ns, const char *sa, json_t *sa_labels)
{
	char name[600];

	snprintf(name, sizeof(name), TB_SA_PROFILE_PREFIX "%s.%s", ns, sa);
	return profile_doc(name, json_pack("{s:o}", "labelsToApply",
					   prefixed_labels(TB_SA_LABEL_PREFIX, sa, sa_labels)));
}

/* Named container ports become the endpoint's named ports (what named-port rules match). */
static json_t *pod_named_ports(json_t *pod)
{
	json_t *containers = json_object_get(json_object_get(pod, "spec"), "containers");
	json_t *ports = json_array(), *c, *p;
	size_t i, j;

	json_array_foreach(containers, i, c) {
		json_array_foreach(json_object_get(c, "ports"), j, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			const char *proto = json_string_value(json_object_get(p, "protocol"));
			json_t *port;

			if (!name || !*name)
				continue;
			port = json_pack("{s:s, s:s, s:O}", "name", name, "protocol", proto ? proto : "TCP",
					 "port", json_object_get(p, "containerPort"));
			if (json_object_get(p, "hostPort"))
				json_object_set(port, "hostPort", json_object_get(p, "hostPort"));
			if (json_object_get(p, "hostIP"))
				json_object_set(port, "hostIP", json_object_get(p, "hostIP"));
			json_array_append_new(ports, port);
		}
	}
	return ports;
}

int tb_wep_apply_pod(json_t *wep, const char *ns, json_t *pod)
{
	json_t *meta = json_object_get(wep, "metadata"), *spec = json_object_get(wep, "spec");
	json_t *labels, *profiles, *pod_labels;
	const char *sa = NULL;
	char buf[600];

	if (!meta || !spec)
		return -EINVAL;
	pod_labels = json_object_get(json_object_get(pod, "metadata"), "labels");
	labels = json_is_object(pod_labels) ? json_deep_copy(pod_labels) : json_object();
	profiles = json_array();
	if (!labels || !profiles)
		goto nomem;
	json_object_set_new(labels, TB_LABEL_NAMESPACE, json_string(ns));
	json_object_set_new(labels, TB_LABEL_ORCHESTRATOR, json_string("k8s"));
	snprintf(buf, sizeof(buf), TB_NS_PROFILE_PREFIX "%s", ns);
	json_array_append_new(profiles, json_string(buf));
	if (pod)
		sa = json_string_value(json_object_get(json_object_get(pod, "spec"), "serviceAccountName"));
	if (pod && !sa)
		sa = "default";
	if (sa) {
		json_object_set_new(labels, TB_LABEL_SERVICEACCOUNT, json_string(sa));
		snprintf(buf, sizeof(buf), TB_SA_PROFILE_PREFIX "%s.%s", ns, sa);
		json_array_append_new(profiles, json_string(buf));
		json_object_set_new(spec, "serviceAccountName", json_string(sa));
	}
	json_object_set_new(meta, "labels", labels);
	json_object_set_new(spec, "profiles", profiles);
	if (pod)
		json_object_set_new(spec, "ports", pod_named_ports(pod));
	return 0;
nomem:
	json_decref(labels);
	json_decref(profiles);
	return -ENOMEM;
}
