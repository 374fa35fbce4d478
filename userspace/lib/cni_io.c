// SPDX-License-Identifier: Apache-2.0
/* What both plugins do around a command: read stdin, set up logging, open the datastore,
 * print the result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "log.h"

char *tb_cni_read_stdin(void)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf[n] = '\0';
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

void tb_cni_log_setup(const char *ident, const struct tb_cni_conf *c)
{
	const char *lvl = c && c->log_level ? c->log_level : getenv("TABBY_LOG_LEVEL");
	const char *file = c && c->log_file ? c->log_file : getenv("TABBY_LOG_FILE");
	enum tb_log_level l = TB_LOG_WARNING;

	tb_log_set_ident(ident);
	if (lvl && *lvl)
		tb_log_level_parse(lvl, &l);
	/* stderr reaches the runtime's error message only; the file gets the chosen level. */
	tb_log_set_level(l < TB_LOG_WARNING ? TB_LOG_WARNING : l);
	if (file && *file)
		tb_log_set_file(file, l);
}

int tb_cni_ds_open(const struct tb_cni_conf *c, struct tb_ds **ds, struct tb_cni_error *e)
{
	int r;

	/*
	 * The plugin's default for the local store is WAL with synchronous=NORMAL: every commit
	 * survives the plugin being killed (the crash safety CNI needs), and skipping an fsync
	 * per commit keeps ADD within its latency budget. Only a power loss can roll back the
	 * newest commits, after which the node's workloads are gone too and `ipam check --fix`
	 * mends what is left. TABBY_DATASTORE_SYNC=full in the environment restores fsyncs.
	 */
	setenv("TABBY_DATASTORE_SYNC", "normal", 0);
	r = tb_ds_open(&c->ds, ds);

	if (r)
		return tb_cni_fail(
		    e, r == -ECONNREFUSED || r == -ETIMEDOUT ? TB_CNI_E_TRY_AGAIN : TB_CNI_E_IO,
		    "cannot open the %s datastore %s: %s",
		    c->ds.type == TB_DS_ETCDV3 ? "etcdv3" : "local",
		    c->ds.type == TB_DS_ETCDV3 ? c->ds.etcd_endpoints : c->ds.path, strerror(-r));
	return 0;
}

int tb_cni_print_result(const struct tb_cni_result *r, const char *version)
{
	json_t *j = tb_cni_result_json(r, version);
	int rc;

	if (!j)
		return -ENOMEM;
	rc = json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(j);
	return rc ? -EIO : 0;
}

static tb_cni_cmd_fn handler(const struct tb_cni_cmds *cmds, enum tb_cni_cmd cmd)
{
	switch (cmd) {
	case TB_CNI_ADD:
		return cmds->add;
	case TB_CNI_DEL:
		return cmds->del;
	case TB_CNI_CHECK:
		return cmds->check;
	case TB_CNI_GC:
		return cmds->gc;
	default:
		return cmds->status;
	}
}

static int dispatch(const struct tb_cni_cmds *cmds, const struct tb_cni_env *env,
		    const struct tb_cni_conf *c, struct tb_cni_error *e)
{
	struct tb_ds *ds;
	int r;

	if (tb_cni_ds_open(c, &ds, e))
		return -1;
	r = handler(cmds, env->cmd)(ds, env, c, e);
	tb_ds_close(ds);
	return r;
}

int tb_cni_run(const char *ident, const struct tb_cni_cmds *cmds)
{
	struct tb_cni_error e = {0};
	struct tb_cni_conf c = {0};
	struct tb_cni_env env = {0};
	char *in = NULL;
	int r = -1;

	tb_cni_log_setup(ident, NULL);
	if (tb_cni_env_load(&env, &e))
		goto out;
	if (env.cmd == TB_CNI_VERSION) {
		tb_cni_version_print(stdout);
		return 0;
	}
	in = tb_cni_read_stdin();
	if (!in) {
		tb_cni_fail(&e, TB_CNI_E_IO, "cannot read the network configuration on stdin");
		goto out;
	}
	if (tb_cni_conf_parse(in, env.cmd, &c, &e))
		goto out;
	tb_cni_log_setup(ident, &c);
	r = dispatch(cmds, &env, &c, &e);
out:
	if (r) {
		tb_err("%s %s: %s", env.container_id ? env.container_id : "",
		       env.ifname ? env.ifname : "", e.msg);
		tb_cni_error_print(&e, c.cni_version, stdout);
	}
	tb_cni_conf_free(&c);
	free(in);
	return r ? 1 : 0;
}
