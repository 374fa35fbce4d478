// SPDX-License-Identifier: Apache-2.0
/*
 * Finding what the user typed in the command tables, through command groups: "tabbyctl ipam
 * show --show-blocks" runs the "show" entry of the "ipam" group with the arguments after it.
 * Help for a group is generated from its table like the top-level list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

void ctl_print_group_help(const struct ctl_cmd *cmds, FILE *f)
{
	for (const struct ctl_cmd *c = cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
}

static bool is_help(const char *s)
{
	return !strcmp(s, "--help") || !strcmp(s, "-h") || !strcmp(s, "help");
}

static void group_usage(const struct ctl_cmd *g, const char *full, FILE *f)
{
	fprintf(f, "Usage: tabbyctl %s %s\n\n%s\n", full, g->usage, g->summary);
	if (g->detail)
		fprintf(f, "\n%s\n", g->detail);
	fprintf(f, "\nCommands:\n");
	ctl_print_group_help(g->subs, f);
	fprintf(f, "\nSee 'tabbyctl %s <command> --help'.\n", full);
}

static int run_leaf(const struct ctl_cmd *cmd, const char *full, int argc, char **argv)
{
	struct ctl_cmd leaf = *cmd;
	struct ctl_args a = {0};
	int r;

	/* Help and parse errors name the command as typed ("ipam show"), not just its leaf. */
	leaf.name = full;
	if (ctl_parse(&leaf, argc, argv, &a)) {
		r = CTL_USAGE;
	} else if (a.help) {
		ctl_print_cmd_help(&leaf);
		r = CTL_OK;
	} else {
		r = leaf.run(&a);
	}
	tb_ds_config_free(&a.ds);
	free(a.pos);
	return r;
}

static int run_group(const struct ctl_cmd *g, const char *full, int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "tabbyctl %s: which command? (%s)\n\n", full, g->usage);
		group_usage(g, full, stderr);
		return CTL_USAGE;
	}
	if (is_help(argv[1])) {
		group_usage(g, full, stdout);
		return CTL_OK;
	}
	return ctl_dispatch(g->subs, full, argc - 1, argv + 1);
}

int ctl_dispatch(const struct ctl_cmd *cmds, const char *path, int argc, char **argv)
{
	const struct ctl_cmd *c;
	char *full = NULL;
	int r;

	for (c = cmds; c->name; c++)
		if (!strcmp(argv[0], c->name))
			break;
	if (!c->name) {
		fprintf(stderr, "tabbyctl%s%s: unknown command '%s' (see 'tabbyctl%s%s --help')\n",
			path ? " " : "", path ? path : "", argv[0], path ? " " : "",
			path ? path : "");
		return CTL_USAGE;
	}
	if (path ? asprintf(&full, "%s %s", path, c->name) < 0 : !(full = strdup(c->name))) {
		fprintf(stderr, "tabbyctl: out of memory\n");
		return CTL_FAIL;
	}
	r = c->subs ? run_group(c, full, argc, argv) : run_leaf(c, full, argc, argv);
	free(full);
	return r;
}
