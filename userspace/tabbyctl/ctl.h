/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tabbyctl: commands as a declarative table. Each command names the options it takes from one
 * shared set; parsing and help are generated from the tables.
 */
#ifndef TABBYCTL_CTL_H
#define TABBYCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "datastore.h"

#define CTL_MAX_FILES 64

/* Every option any command takes; a command's table says which apply to it. */
struct ctl_args {
	const char *files[CTL_MAX_FILES];
	size_t nfiles;
	const char *output;
	const char *namespace;
	const char *selector;
	bool all_namespaces;
	bool skip_exists;
	bool skip_not_exists;
	bool skip_empty;
	bool recursive;
	bool overwrite;
	bool remove;
	bool export;
	bool show_blocks;
	bool fix;
	const char *ip;
	const char *from, *to, *protocol, *port;	/* policy trace */
	bool help;
	struct tb_ds_config ds;
	/* Positional arguments after the command. */
	char **pos;
	int npos;
};

enum ctl_opt_type {
	CTL_BOOL,
	CTL_STRING,
	CTL_FILES,	/* repeatable -f */
};

struct ctl_opt {
	const char *name;
	char short_name;
	enum ctl_opt_type type;
	size_t offset;
	const char *metavar;
	const char *help;
};

struct ctl_cmd {
	const char *name;
	const char *usage;	/* after "tabbyctl <name> " */
	const char *summary;
	const struct ctl_opt *const *opts;	/* NULL-terminated */
	int (*run)(struct ctl_args *a);
	const char *detail;	/* longer help, may be NULL */
	/*
	 * A command group ("ipam", "datastore migrate"): run and opts are NULL and the first
	 * positional names one of these subcommands (an array ended by a NULL name).
	 */
	const struct ctl_cmd *subs;
};

/* Exit codes. */
#define CTL_OK 0
#define CTL_FAIL 1
#define CTL_USAGE 2

int ctl_parse(const struct ctl_cmd *cmd, int argc, char **argv, struct ctl_args *a);
void ctl_print_cmd_help(const struct ctl_cmd *cmd);
/*
 * Runs argv[0] from cmds (ended by a NULL name), descending into groups; path is what the
 * user typed before it ("tabbyctl", "tabbyctl ipam"). Returns the exit code.
 */
int ctl_dispatch(const struct ctl_cmd *cmds, const char *path, int argc, char **argv);
void ctl_print_group_help(const struct ctl_cmd *cmds, FILE *f);

/* Options shared across commands. */
extern const struct ctl_opt opt_filename, opt_output, opt_namespace, opt_all_namespaces,
	opt_selector, opt_skip_exists, opt_skip_not_exists, opt_skip_empty, opt_recursive,
	opt_overwrite, opt_remove, opt_export, opt_help, opt_ds_type, opt_ds_path, opt_etcd_endpoints,
	opt_show_blocks, opt_fix, opt_ip, opt_from, opt_to, opt_protocol, opt_port;
#define CTL_DS_OPTS &opt_ds_type, &opt_ds_path, &opt_etcd_endpoints, &opt_help

/* Opens the client from the options and environment; prints the reason on failure. */
struct tb_client;
int ctl_open_client(struct ctl_args *a, struct tb_client **c);

/* "Successfully <verb> N '<Kind>' resource(s)", as calicoctl says it. */
void ctl_print_success(const char *verb, int n, const char *kind);

int cmd_apply(struct ctl_args *a);
int cmd_create(struct ctl_args *a);
int cmd_replace(struct ctl_args *a);
int cmd_validate(struct ctl_args *a);
int cmd_delete(struct ctl_args *a);
int cmd_get(struct ctl_args *a);
int cmd_label(struct ctl_args *a);
int cmd_version(struct ctl_args *a);

/* Subcommand tables of the command groups. */
extern const struct ctl_cmd ctl_ipam_cmds[];
extern const struct ctl_cmd ctl_datastore_cmds[];
extern const struct ctl_cmd ctl_policy_cmds[];

#endif
