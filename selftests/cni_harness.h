/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Harness for the CNI tests: a datastore in a temporary directory, a "node" network
 * namespace the plugins run in (so nothing touches the host's own namespace), workload
 * namespaces, and a runner that executes the real plugin binaries the way a runtime does
 * (environment, configuration on stdin, result on stdout). Header-only: each test binary
 * includes it once.
 */
#ifndef TABBY_CNI_HARNESS_H
#define TABBY_CNI_HARNESS_H

#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datastore.h"

struct h_env {
	const char *command;
	const char *cid;
	const char *netns; /* path, "" for empty, NULL for unset */
	const char *ifname;
	const char *args;
};

static char h_dir[64], h_db[128], h_node[64];
static struct tb_ds *h_ds;
static int h_nws; /* workload namespaces made, for cleanup */
static char h_ws[64][64];

static inline int h_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int h_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline const char *h_bin(const char *name)
{
	static char path[2][256];
	const char *b = getenv("BUILD");
	int i = !strcmp(name, "tabby-ipam");

	snprintf(path[i], sizeof(path[i]), "%s/cni/%s", b && *b ? b : "build", name);
	return path[i];
}

/* Datastore, node namespace with forwarding, one address on its lo (a node has one). */
static inline int h_setup(void)
{
	struct tb_ds_config cfg = {.type = TB_DS_LOCAL};

	snprintf(h_dir, sizeof(h_dir), "/tmp/tabby-cni-XXXXXX");
	if (!mkdtemp(h_dir))
		return -1;
	snprintf(h_db, sizeof(h_db), "%s/tabby.db", h_dir);
	setenv("TABBY_DATASTORE_PATH", h_db, 1);
	setenv("TABBY_DATASTORE_SYNC", "normal", 1);
	setenv("TABBY_RUN_DIR", h_dir, 1);
	unsetenv("DATASTORE_TYPE");
	cfg.path = h_db;
	if (tb_ds_open(&cfg, &h_ds))
		return -1;
	snprintf(h_node, sizeof(h_node), "tbcni-n%d", getpid());
	h_nws = 0;
	return h_sh("ip netns add %s && ip -n %s link set lo up && "
		    "ip -n %s addr add 10.255.255.1/32 dev lo && "
		    "ip netns exec %s sysctl -qw net.ipv4.ip_forward=1 "
		    "net.ipv6.conf.all.forwarding=1",
		    h_node, h_node, h_node, h_node);
}

static inline void h_teardown(void)
{
	for (int i = 0; i < h_nws; i++)
		h_sh("ip netns del %s 2>/dev/null", h_ws[i]);
	h_sh("ip netns del %s 2>/dev/null", h_node);
	if (h_ds)
		tb_ds_close(h_ds);
	h_ds = NULL;
	if (h_dir[0])
		h_sh("rm -rf %s", h_dir);
}

/* A fresh workload namespace; returns its path. */
static inline const char *h_workload_ns(void)
{
	static char path[64][96];
	int i = h_nws;

	if (i >= 64)
		return NULL;
	snprintf(h_ws[i], sizeof(h_ws[i]), "tbcni-w%d-%d", getpid(), i);
	if (h_sh("ip netns add %s", h_ws[i]))
		return NULL;
	h_nws++;
	snprintf(path[i], sizeof(path[i]), "/run/netns/%s", h_ws[i]);
	return path[i];
}

static inline int h_put(const char *key, const char *value)
{
	return tb_ds_put(h_ds, key, value, TB_REV_ANY, NULL);
}

static inline int h_pool(const char *name, const char *cidr)
{
	char key[256], val[512];

	snprintf(key, sizeof(key), "/calico/resources/v3/projectcalico.org/ippools/%s", name);
	snprintf(val, sizeof(val),
		 "{\"kind\":\"IPPool\",\"apiVersion\":\"projectcalico.org/v3\","
		 "\"metadata\":{\"name\":\"%s\"},\"spec\":{\"cidr\":\"%s\"}}",
		 name, cidr);
	return h_put(key, val);
}

static inline bool h_key_exists(const char *key)
{
	struct tb_kv kv;

	if (tb_ds_get(h_ds, key, &kv))
		return false;
	tb_kv_free(&kv);
	return true;
}

static inline size_t h_count(const char *prefix)
{
	struct tb_kv_list l;
	size_t n;

	if (tb_ds_list(h_ds, prefix, &l))
		return (size_t)-1;
	n = l.n;
	tb_kv_list_free(&l);
	return n;
}

static inline void h_setenv(const char *k, const char *v)
{
	if (v)
		setenv(k, v, 1);
	else
		unsetenv(k);
}

/*
 * Runs plugin with env and stdin inside the node namespace. Returns the exit status (or -1)
 * and the whole stdout in *out (malloc'd).
 */
static inline int h_run(const char *plugin, const struct h_env *env, const char *in, char **out)
{
	int ip[2], op[2], st;
	size_t n = 0, cap = 8192;
	char nspath[512];
	pid_t pid;
	ssize_t k;

	*out = NULL;
	if (pipe(ip) || pipe(op))
		return -1;
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", h_node);
	pid = fork();
	if (pid == 0) {
		int fd = open(nspath, O_RDONLY);

		if (fd < 0 || setns(fd, CLONE_NEWNET))
			_exit(120);
		dup2(ip[0], 0);
		dup2(op[1], 1);
		/* The plugins log errors on stderr too; keep the test output readable. */
		if (!getenv("H_VERBOSE")) {
			int dn = open("/dev/null", O_WRONLY);

			dup2(dn, 2);
		}
		close(ip[1]);
		close(op[0]);
		h_setenv("CNI_COMMAND", env->command);
		h_setenv("CNI_CONTAINERID", env->cid);
		h_setenv("CNI_NETNS", env->netns);
		h_setenv("CNI_IFNAME", env->ifname);
		h_setenv("CNI_ARGS", env->args);
		/* Our plugins, then Debian's reference plugins (delegated IPAM tests). */
		snprintf(nspath, sizeof(nspath), "%s/cni:/usr/lib/cni",
			 getenv("BUILD") && *getenv("BUILD") ? getenv("BUILD") : "build");
		setenv("CNI_PATH", nspath, 1);
		execl(plugin, plugin, (char *)NULL);
		_exit(127);
	}
	close(ip[0]);
	close(op[1]);
	signal(SIGPIPE, SIG_IGN);
	if (in && write(ip[1], in, strlen(in)) < 0)
		n = 0;
	close(ip[1]);
	*out = malloc(cap);
	while (*out && (k = read(op[0], *out + n, cap - n - 1)) > 0) {
		n += (size_t)k;
		if (n + 1 >= cap)
			*out = realloc(*out, cap *= 2);
	}
	close(op[0]);
	if (*out)
		(*out)[n] = '\0';
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* The "code" of an error printed on stdout, or 0. */
static inline int h_code(const char *out)
{
	json_t *j = json_loads(out ? out : "", 0, NULL);
	int c = (int)json_integer_value(json_object_get(j, "code"));

	json_decref(j);
	return c;
}

/* conf with "prevResult" (or another key) set to a JSON text. */
static inline char *h_with(const char *conf, const char *key, const char *json)
{
	json_t *c = json_loads(conf, 0, NULL), *v = json_loads(json, 0, NULL);
	char *s;

	json_object_set_new(c, key, v);
	s = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return s;
}

#endif
