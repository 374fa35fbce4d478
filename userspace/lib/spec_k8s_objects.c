// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes v1 Namespace, Pod and ServiceAccount: the orchestrator's view. Objects are taken
 * as kubectl prints them, so the schemas are open for everything tabby ignores; what tabby
 * reads (labels through metadata, a Pod's serviceAccountName, its containers' ports, its
 * addresses in status) is checked as the API server would.
 */
#include <string.h>

#include "resource.h"
#include "spec.h"
#include "spec_infra.h"
#include "validators.h"

static const struct tb_field ns_spec_fields[] = {
	{ "finalizers", TB_T_ARRAY, .elem = TB_T_STRING },
	{ NULL },
};
const struct tb_schema tb_spec_k8s_namespace = { "NamespaceSpec", ns_spec_fields, NULL,
						 TB_SCHEMA_OPEN };

static const char *const k8s_protocols[] = { "TCP", "UDP", "SCTP", NULL };

static void check_container_port(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		tb_verror(c, "must be between 1 and 65535");
}

/* 0 (or absent) means no host mapping. */
static void check_host_port(struct tb_vctx *c, json_t *v)
{
	if (json_integer_value(v) < 0 || json_integer_value(v) > 65535)
		tb_verror(c, "must be between 0 and 65535");
}

static const struct tb_field cport_fields[] = {
	{ "name", TB_T_STRING, TB_OMITEMPTY, .check = tb_icheck_port_name },
	{ "containerPort", TB_T_INT, TB_REQUIRED, .check = check_container_port },
	{ "protocol", TB_T_STRING, TB_OMITEMPTY, .one_of = k8s_protocols, .def = "\"TCP\"" },
	{ "hostPort", TB_T_INT, .check = check_host_port },
	{ "hostIP", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ip },
	{ NULL },
};
static const struct tb_schema cport = { "ContainerPort", cport_fields };

/* Named ports are looked up by name: one name means one port within a container. */
static void check_container(struct tb_vctx *c, json_t *ctr)
{
	json_t *ports = json_object_get(ctr, "ports"), *a, *b;
	size_t i, j;

	json_array_foreach(ports, i, a) {
		const char *name = json_string_value(json_object_get(a, "name"));

		if (!name || !*name)
			continue;
		for (j = 0; j < i; j++) {
			b = json_array_get(ports, j);
			if (json_equal(json_object_get(b, "name"), json_object_get(a, "name"))) {
				size_t mark = tb_vpush_field(c, "ports");

				tb_vpush_index(c, i);
				tb_verror_at(c, "name", "duplicate port name '%s'", name);
				tb_vpop(c, mark);
				break;
			}
		}
	}
}

static const struct tb_field container_fields[] = {
	{ "name", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_dns_label },
	{ "ports", TB_T_ARRAY, .sub = &cport },
	{ NULL },
};
static const struct tb_schema container = { "Container", container_fields, check_container,
					    TB_SCHEMA_OPEN };

static const struct tb_field pod_spec_fields[] = {
	{ "serviceAccountName", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "serviceAccount", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_dns_subdomain },
	{ "containers", TB_T_ARRAY, TB_REQUIRED, .sub = &container },
	{ "initContainers", TB_T_ARRAY, .sub = &container },
	{ "nodeName", TB_T_STRING },
	{ "hostNetwork", TB_T_BOOL },
	{ NULL },
};
const struct tb_schema tb_spec_k8s_pod = { "PodSpec", pod_spec_fields, NULL, TB_SCHEMA_OPEN };

static const struct tb_field pod_ip_fields[] = {
	{ "ip", TB_T_STRING, TB_REQUIRED, .check = tb_vcheck_ip },
	{ NULL },
};
static const struct tb_schema pod_ip = { "PodIP", pod_ip_fields };

static const struct tb_field pod_status_fields[] = {
	{ "podIP", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ip },
	{ "podIPs", TB_T_ARRAY, .sub = &pod_ip },
	{ "hostIP", TB_T_STRING, TB_OMITEMPTY, .check = tb_vcheck_ip },
	{ "phase", TB_T_STRING },
	{ NULL },
};
static const struct tb_schema pod_status = { "PodStatus", pod_status_fields, NULL,
					     TB_SCHEMA_OPEN };

void tb_check_pod_doc(struct tb_vctx *c, json_t *doc)
{
	tb_infra_check_top(c, doc, "status", &pod_status);
}

void tb_check_namespace_doc(struct tb_vctx *c, json_t *doc)
{
	const char *name = json_string_value(json_object_get(json_object_get(doc, "metadata"),
							     "name"));

	if (name && !tb_valid_dns_label(name))
		tb_verror(c, "metadata.name: '%s' is not a valid namespace name (lowercase "
			     "alphanumerics and '-', at most 63)", name);
}

/*
 * A ServiceAccount has no spec: its fields sit beside metadata. This schema describes them;
 * the kind is registered without a spec and its document check applies this.
 */
static const struct tb_field local_ref_fields[] = {
	{ "name", TB_T_STRING },
	{ NULL },
};
static const struct tb_schema local_ref = { "LocalObjectReference", local_ref_fields };

static const struct tb_field sa_fields[] = {
	{ "apiVersion", TB_T_STRING },
	{ "kind", TB_T_STRING },
	{ "metadata", TB_T_OBJECT },
	{ "status", TB_T_OBJECT },
	{ "secrets", TB_T_ARRAY, .elem = TB_T_OBJECT },
	{ "imagePullSecrets", TB_T_ARRAY, .sub = &local_ref },
	{ "automountServiceAccountToken", TB_T_BOOL },
	{ NULL },
};
const struct tb_schema tb_spec_k8s_serviceaccount = { "ServiceAccount", sa_fields };

void tb_check_serviceaccount_doc(struct tb_vctx *c, json_t *doc)
{
	tb_schema_validate(c, &tb_spec_k8s_serviceaccount, doc);
}
