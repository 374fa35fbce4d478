// SPDX-License-Identifier: Apache-2.0
/*
 * What the agent tells others: the revision it programmed for each local endpoint, in
 * <TABBY_RUN_DIR>/<node>/endpoint-status/<WorkloadEndpoint name> (the CNI plugin waits on it
 * when policy_setup_timeout_seconds is set), written atomically by rename. Lines after the
 * first say why a direction is denied, when its policy is over the dataplane's limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

static int mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

static void status_path(struct agent *a, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/endpoint-status/%s", a->cfg.run_dir, a->cfg.node, name);
}

void agent_write_endpoint_status(struct agent *a, const struct agent_ep *ep)
{
	char path[512], tmp[520], dir[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s/endpoint-status", a->cfg.run_dir, a->cfg.node);
	if (mkdirs(dir)) {
		tb_err("cannot create %s: %s", dir, strerror(errno));
		return;
	}
	status_path(a, ep->name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		tb_err("cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f, "%lld\n", (long long)ep->revision);
	/* The revision is programmed either way; a policy over the limits is programmed as deny. */
	for (int d = 0; d < 2; d++)
		if (ep->too_large[d])
			fprintf(f, "%s policy denied, over the dataplane's limits: %s\n",
				d ? "egress" : "ingress", ep->too_large[d]);
	if (fclose(f) || rename(tmp, path))
		tb_err("cannot write %s: %s", path, strerror(errno));
}

void agent_remove_endpoint_status(struct agent *a, const char *name)
{
	char path[512];

	status_path(a, name, path, sizeof(path));
	unlink(path);
}
