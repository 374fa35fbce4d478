// SPDX-License-Identifier: Apache-2.0
/* CNI environment, CNI_ARGS, versions and error output. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni.h"

static const char *const supported_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
#define N_VERSIONS (sizeof(supported_versions) / sizeof(supported_versions[0]))

int tb_cni_fail(struct tb_cni_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void tb_cni_error_print(const struct tb_cni_error *e, const char *version, FILE *f)
{
	json_t *j = json_pack("{sssiss}", "cniVersion",
			      version && tb_cni_version_supported(version) ? version
									   : TB_CNI_VERSION_LATEST,
			      "code", e->code ? e->code : TB_CNI_E_INTERNAL, "msg", e->msg);

	if (j && e->details[0])
		json_object_set_new(j, "details", json_string(e->details));
	if (j)
		json_dumpf(j, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(j);
}

static const struct {
	const char *name;
	enum tb_cni_cmd cmd;
} commands[] = {
    {"ADD", TB_CNI_ADD},	 {"DEL", TB_CNI_DEL}, {"CHECK", TB_CNI_CHECK},
    {"VERSION", TB_CNI_VERSION}, {"GC", TB_CNI_GC},   {"STATUS", TB_CNI_STATUS},
};

static const char *env_or_empty(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

int tb_cni_env_load(struct tb_cni_env *env, struct tb_cni_error *e)
{
	const char *cmd = getenv("CNI_COMMAND");
	bool found = false;

	memset(env, 0, sizeof(*env));
	if (!cmd || !*cmd)
		return tb_cni_fail(e, TB_CNI_E_ENV,
				   "CNI_COMMAND is not set: this is a CNI plugin,"
				   " run it from a container runtime (or cnitool)");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(cmd, commands[i].name)) {
			env->cmd = commands[i].cmd;
			found = true;
		}
	}
	if (!found)
		return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_COMMAND=%s is not a CNI command", cmd);
	env->container_id = env_or_empty("CNI_CONTAINERID");
	env->netns = env_or_empty("CNI_NETNS");
	env->ifname = env_or_empty("CNI_IFNAME");
	env->args = env_or_empty("CNI_ARGS");
	env->path = env_or_empty("CNI_PATH");
	if (env->cmd == TB_CNI_VERSION || env->cmd == TB_CNI_GC || env->cmd == TB_CNI_STATUS)
		return 0;
	if (!*env->container_id)
		return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_CONTAINERID is required for %s", cmd);
	if (!*env->ifname)
		return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_IFNAME is required for %s", cmd);
	if (strlen(env->ifname) >= 16 || strchr(env->ifname, '/'))
		return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_IFNAME=%s is not a valid interface name",
				   env->ifname);
	if (env->cmd != TB_CNI_DEL && !*env->netns)
		return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_NETNS is required for %s", cmd);
	return 0;
}

static int set_str(char **dst, const char *v, size_t n)
{
	free(*dst);
	*dst = strndup(v, n);
	return *dst ? 0 : -ENOMEM;
}

int tb_cni_args_parse(const char *s, struct tb_cni_args *out, struct tb_cni_error *e)
{
	static const char *const known[] = {
	    "K8S_POD_NAMESPACE",	  "K8S_POD_NAME", "K8S_POD_UID",
	    "K8S_POD_INFRA_CONTAINER_ID", "IP",		  "MAC"};
	char *unknown = NULL;
	const char *p = s;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char **slots[] = {&out->k8s_namespace, &out->k8s_pod, &out->k8s_pod_uid,
				  &out->k8s_container, &out->ip,      &out->mac};
		bool matched = false;

		eq = memchr(p, '=', len);
		if (!eq) {
			free(unknown);
			tb_cni_args_free(out);
			return tb_cni_fail(e, TB_CNI_E_ENV, "CNI_ARGS: '%.*s' is not KEY=VALUE",
					   (int)len, p);
		}
		if (eq - p == 13 && !strncmp(p, "IgnoreUnknown", 13)) {
			out->ignore_unknown = (len == 15 && eq[1] == '1') ||
					      (len == 18 && !strncasecmp(eq + 1, "true", 4));
			matched = true;
		}
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !matched; i++) {
			if (strlen(known[i]) == (size_t)(eq - p) && !strncmp(p, known[i], eq - p)) {
				set_str(slots[i], eq + 1, len - (size_t)(eq - p) - 1);
				matched = true;
			}
		}
		if (!matched && !unknown)
			unknown = strndup(p, (size_t)(eq - p));
		p = end ? end + 1 : NULL;
	}
	if (unknown && !out->ignore_unknown) {
		tb_cni_fail(e, TB_CNI_E_FIELD,
			    "CNI_ARGS: unknown key %s (add IgnoreUnknown=1 to pass keys for other"
			    " plugins)",
			    unknown);
		free(unknown);
		tb_cni_args_free(out);
		return -1;
	}
	free(unknown);
	return 0;
}

void tb_cni_args_free(struct tb_cni_args *a)
{
	free(a->k8s_namespace);
	free(a->k8s_pod);
	free(a->k8s_pod_uid);
	free(a->k8s_container);
	free(a->ip);
	free(a->mac);
	memset(a, 0, sizeof(*a));
}

bool tb_cni_version_supported(const char *v)
{
	for (size_t i = 0; v && i < N_VERSIONS; i++)
		if (!strcmp(v, supported_versions[i]))
			return true;
	return false;
}

int tb_cni_version_cmp(const char *a, const char *b)
{
	unsigned va[3] = {0}, vb[3] = {0};

	sscanf(a, "%u.%u.%u", &va[0], &va[1], &va[2]);
	sscanf(b, "%u.%u.%u", &vb[0], &vb[1], &vb[2]);
	for (int i = 0; i < 3; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

void tb_cni_version_print(FILE *f)
{
	fprintf(f, "{\"cniVersion\":\"%s\",\"supportedVersions\":[", TB_CNI_VERSION_LATEST);
	for (size_t i = 0; i < N_VERSIONS; i++)
		fprintf(f, "%s\"%s\"", i ? "," : "", supported_versions[i]);
	fprintf(f, "]}\n");
}
