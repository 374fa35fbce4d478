// SPDX-License-Identifier: Apache-2.0
/*
 * ipam show|check|release: the IPAM library's operator commands (ipam.h) on the configured
 * datastore. What they print goes to stdout when they succeed and to stderr when they fail,
 * so it is captured first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "ipam.h"

static const struct ctl_opt *const show_opts[] = {&opt_show_blocks, CTL_DS_OPTS, NULL};
static const struct ctl_opt *const check_opts[] = {&opt_fix, CTL_DS_OPTS, NULL};
static const struct ctl_opt *const release_opts[] = {&opt_ip, CTL_DS_OPTS, NULL};

static int no_positionals(const struct ctl_args *a, const char *cmd)
{
	if (!a->npos)
		return 0;
	fprintf(stderr,
		"tabbyctl ipam %s: unexpected argument '%s' (see tabbyctl ipam %s --help)\n", cmd,
		a->pos[0], cmd);
	return -EINVAL;
}

/* Prints what a command wrote to buf on stdout (r == 0) or stderr. */
static void flush_to(int r, char *buf, size_t len)
{
	if (len)
		fwrite(buf, 1, len, r ? stderr : stdout);
}

static int ipam_show(struct ctl_args *a)
{
	struct tb_client *c = NULL;
	int r;

	if (no_positionals(a, "show"))
		return CTL_USAGE;
	r = ctl_open_client(a, &c);
	if (r)
		return CTL_FAIL;
	r = tb_ipam_cmd_show(c->ds, a->show_blocks, stdout);
	if (r)
		fprintf(stderr, "cannot read the IP pools and blocks: %s\n", strerror(-r));
	tb_client_close(c);
	return r ? CTL_FAIL : CTL_OK;
}

/* Problems a check (without fixing) still finds; its report is not shown. */
static int count_left(struct tb_ds *ds, unsigned *left)
{
	FILE *f = fopen("/dev/null", "w");
	int r;

	if (!f)
		return -errno;
	r = tb_ipam_cmd_check(ds, false, f, left);
	fclose(f);
	return r;
}

static int ipam_check(struct ctl_args *a)
{
	struct tb_client *c = NULL;
	unsigned problems = 0, left;
	int r;

	if (no_positionals(a, "check"))
		return CTL_USAGE;
	r = ctl_open_client(a, &c);
	if (r)
		return CTL_FAIL;
	r = tb_ipam_cmd_check(c->ds, a->fix, stdout, &problems);
	left = a->fix ? 0 : problems;
	/* Some problems (an endpoint using an address IPAM never gave) --fix cannot repair. */
	if (!r && a->fix && problems)
		r = count_left(c->ds, &left);
	if (r)
		fprintf(stderr, "ipam check%s failed: %s\n", a->fix ? " --fix" : "", strerror(-r));
	else if (left && !a->fix)
		fprintf(stderr,
			"%u problem%s left as found: run 'tabbyctl ipam check --fix' to repair\n",
			left, left == 1 ? "" : "s");
	else if (left)
		fprintf(stderr, "%u problem%s could not be repaired: see the report above\n", left,
			left == 1 ? "" : "s");
	tb_client_close(c);
	/* Problems left in place fail the command, so scripts can tell a clean store. */
	return r || left ? CTL_FAIL : CTL_OK;
}

static int ipam_release(struct ctl_args *a)
{
	struct tb_client *c = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (no_positionals(a, "release"))
		return CTL_USAGE;
	if (!a->ip) {
		fprintf(stderr, "tabbyctl ipam release: --ip ADDR is required\n");
		return CTL_USAGE;
	}
	r = ctl_open_client(a, &c);
	if (r)
		return CTL_FAIL;
	f = open_memstream(&buf, &len);
	if (!f) {
		r = -errno;
		fprintf(stderr, "ipam release: %s\n", strerror(-r));
		goto out;
	}
	r = tb_ipam_cmd_release(c->ds, a->ip, f);
	fclose(f);
	flush_to(r, buf, len);
out:
	free(buf);
	tb_client_close(c);
	return r ? CTL_FAIL : CTL_OK;
}

const struct ctl_cmd ctl_ipam_cmds[] = {
    {"show", "[--show-blocks]", "Show each IP pool's addresses: total, in use and free.", show_opts,
     ipam_show,
     "--show-blocks adds a row per allocation block with its use and the node it is\n"
     "affine to."},
    {"check", "[--fix]", "Find leaked addresses, empty handles and inconsistent blocks.",
     check_opts, ipam_check,
     "Reports addresses whose handle or workload is gone, handles holding no address,\n"
     "blocks that disagree with their handles, and endpoints using an address IPAM did\n"
     "not give out. --fix repairs all but the last (re-create those workloads). Exits 1\n"
     "while problems remain."},
    {"release", "--ip ADDR", "Release one allocated address.", release_opts, ipam_release,
     "Frees the address in its block and removes it from its handle. Make sure nothing\n"
     "uses it any more: IPAM cannot tell."},
    {NULL},
};
