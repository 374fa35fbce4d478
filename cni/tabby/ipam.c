// SPDX-License-Identifier: Apache-2.0
/*
 * IPAM for the plugin. With ipam.type "tabby-ipam" the block IPAM runs in this process
 * (no second exec, one datastore connection); any other type is executed from CNI_PATH
 * as the spec says, with the same environment and configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipam.h"
#include "ipam_cni.h"
#include "plugin.h"

static bool in_process(const struct tb_cni_conf *c)
{
	return !c->ipam_type || !strcmp(c->ipam_type, "tabby-ipam");
}

static int find_plugin(const char *path, const char *type, char *out, size_t len)
{
	char *dirs = strdup(path), *save = NULL;
	int r = -ENOENT;

	for (char *d = strtok_r(dirs, ":", &save); d && r; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, type);
		if (!access(out, X_OK))
			r = 0;
	}
	free(dirs);
	return r;
}

/* Runs the delegated IPAM plugin with CNI_COMMAND=cmd; its stdout into *out. */
static int run_delegate(const struct workload *w, const char *cmd, char **out,
			struct tb_cni_error *e)
{
	int in_p[2], out_p[2], st;
	char bin[1024], *conf;
	size_t n = 0, cap = 4096;
	pid_t pid;
	ssize_t k;

	if (strchr(w->conf->ipam_type, '/') ||
	    find_plugin(w->env->path, w->conf->ipam_type, bin, sizeof(bin)))
		return tb_cni_fail(e, TB_CNI_E_CONFIG, "IPAM plugin %s not found in CNI_PATH=%s",
				   w->conf->ipam_type, w->env->path);
	conf = json_dumps(w->conf->raw, JSON_COMPACT);
	if (!conf || pipe2(in_p, O_CLOEXEC) || pipe2(out_p, O_CLOEXEC)) {
		free(conf);
		return tb_cni_fail(e, TB_CNI_E_IO, "cannot start IPAM plugin");
	}
	pid = fork();
	if (pid == 0) {
		dup2(in_p[0], 0);
		dup2(out_p[1], 1);
		setenv("CNI_COMMAND", cmd, 1);
		execl(bin, w->conf->ipam_type, (char *)NULL);
		_exit(127);
	}
	close(in_p[0]);
	close(out_p[1]);
	signal(SIGPIPE, SIG_IGN);
	if (pid > 0 && write(in_p[1], conf, strlen(conf)) < 0)
		n = 0;
	close(in_p[1]);
	free(conf);
	*out = malloc(cap);
	while (*out && (k = read(out_p[0], *out + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (n + 1 >= cap)
			*out = realloc(*out, cap *= 2);
	}
	close(out_p[0]);
	if (*out)
		(*out)[n] = '\0';
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !*out)
		return tb_cni_fail(e, TB_CNI_E_IO, "IPAM plugin %s did not run", bin);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		json_t *err = json_loads(*out, 0, NULL);
		const char *msg = json_string_value(json_object_get(err, "msg"));

		tb_cni_fail(e, (int)json_integer_value(json_object_get(err, "code")),
			    "IPAM plugin %s: %s", w->conf->ipam_type, msg ? msg : "failed");
		json_decref(err);
		return -1;
	}
	return 0;
}

int ipam_add(struct tb_ds *ds, const struct workload *w, struct tb_cni_result *res,
	     struct tb_cni_error *e)
{
	struct tb_ipam_cni_req req = {.conf = w->conf,
				      .container_id = w->env->container_id,
				      .pod = w->pod,
				      .ips = w->args.ip};
	char *out = NULL;
	json_t *j;
	int r;

	if (w->k8s) {
		req.k8s_namespace = w->id.namespace;
		req.k8s_pod = w->id.workload;
	}
	if (in_process(w->conf))
		return tb_ipam_cni_assign(ds, &req, res, e);
	r = run_delegate(w, "ADD", &out, e);
	if (!r) {
		j = json_loads(out, 0, NULL);
		if (!j || tb_cni_result_parse(j, res) || !res->n_ips)
			r = tb_cni_fail(e, TB_CNI_E_DECODE, "IPAM plugin %s gave no addresses",
					w->conf->ipam_type);
		json_decref(j);
		/* Only the addresses are ours to use: the veth is ours, not the delegate's. */
		res->n_ifaces = 0;
		for (int i = 0; i < res->n_ips; i++)
			res->ips[i].prefix = tb_ip_bits(res->ips[i].ip.family);
	}
	free(out);
	return r;
}

int ipam_del(struct tb_ds *ds, const struct workload *w, struct tb_cni_error *e)
{
	char *out = NULL;
	int r;

	if (in_process(w->conf))
		return tb_ipam_cni_release(ds, w->conf, w->env->container_id, e);
	r = run_delegate(w, "DEL", &out, e);
	free(out);
	return r;
}

int ipam_release_stale(struct tb_ds *ds, const struct workload *w, struct tb_cni_error *e)
{
	/* A delegated plugin keeps its own state; exec'ing its DEL on every ADD would cost. */
	if (!in_process(w->conf))
		return 0;
	return tb_ipam_cni_release(ds, w->conf, w->env->container_id, e);
}

int ipam_check(struct tb_ds *ds, const struct workload *w, const struct tb_cni_result *prev,
	       struct tb_cni_error *e)
{
	struct tb_ip *ips = NULL;
	char handle[512];
	size_t n = 0;
	int r = 0;

	if (!in_process(w->conf))
		return 0; /* the delegate's own CHECK is its business; runtimes call it in chains */
	tb_ipam_cni_handle(w->conf->name, w->env->container_id, handle, sizeof(handle));
	if (tb_ipam_handle_ips(ds, handle, &ips, &n))
		return tb_cni_fail(e, TB_CNI_E_IO, "cannot read IPAM handle %s", handle);
	for (int i = 0; i < prev->n_ips && !r; i++) {
		char a[TB_IP_STRLEN];
		bool held = false;

		for (size_t j = 0; j < n; j++)
			held |= tb_ip_equal(&ips[j], &prev->ips[i].ip);
		tb_ip_format(&prev->ips[i].ip, a, sizeof(a));
		if (!held)
			r = tb_cni_fail(e, TB_CNI_E_INTERNAL, "IPAM no longer holds %s for %s", a,
					handle);
	}
	free(ips);
	return r;
}
