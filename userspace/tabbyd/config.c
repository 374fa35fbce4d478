// SPDX-License-Identifier: Apache-2.0
/* Settings from the environment, with DESIGN.md's names and defaults. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "bpf_loader.h"

static int env_str(char **out, const char *name, const char *def)
{
	const char *v = getenv(name);

	if (!v || !*v)
		v = def;
	*out = v ? strdup(v) : NULL;
	return v && !*out ? -ENOMEM : 0;
}

static int env_port(int *out, const char *name, int def)
{
	const char *v = getenv(name);
	char *end;
	long p;

	*out = def;
	if (!v || !*v)
		return 0;
	p = strtol(v, &end, 10);
	if (*end || p < 0 || p > 65535) {
		tb_err("%s=%s: not a port number", name, v);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

int agent_config_from_env(struct agent_config *c)
{
	char host[256];
	int r;

	memset(c, 0, sizeof(*c));
	if (gethostname(host, sizeof(host)))
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	r = env_str(&c->node, "NODENAME", host);
	if (!r)
		r = env_str(&c->pin_path, "TABBY_BPF_PIN_PATH", TB_BPF_PIN_PATH_DEFAULT);
	if (!r)
		r = env_str(&c->run_dir, "TABBY_RUN_DIR", "/run/tabby");
	if (!r)
		r = env_str(&c->health_host, "TABBY_HEALTH_HOST", "127.0.0.1");
	if (!r)
		r = env_str(&c->metrics_host, "TABBY_METRICS_HOST", "127.0.0.1");
	if (!r)
		r = env_port(&c->health_port, "TABBY_HEALTH_PORT", 9099);
	if (!r)
		r = env_port(&c->metrics_port, "TABBY_METRICS_PORT", 9091);
	if (!r)
		r = env_str(&c->ip, "IP", "autodetect");
	if (!r)
		r = env_str(&c->ip6, "IP6", "none");
	if (!r)
		r = env_str(&c->autodetect, "IP_AUTODETECTION_METHOD", "first-found");
	if (!r)
		r = tb_ds_config_fill(&c->ds);
	if (!r && !*c->node) {
		tb_err("NODENAME is empty");
		r = -EINVAL;
	}
	return r;
}

void agent_config_free(struct agent_config *c)
{
	free(c->node);
	free(c->pin_path);
	free(c->run_dir);
	free(c->health_host);
	free(c->metrics_host);
	free(c->ip);
	free(c->ip6);
	free(c->autodetect);
	tb_ds_config_free(&c->ds);
}
