// SPDX-License-Identifier: Apache-2.0
/* tabbyctl: the operator CLI (calicoctl's counterpart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"

#define WRITE_OPTS &opt_filename, &opt_recursive, &opt_skip_empty, &opt_namespace

static const struct ctl_opt *const apply_opts[] = { WRITE_OPTS, CTL_DS_OPTS, NULL };
static const struct ctl_opt *const create_opts[] = { WRITE_OPTS, &opt_skip_exists, CTL_DS_OPTS,
						     NULL };
static const struct ctl_opt *const validate_opts[] = { WRITE_OPTS, &opt_help, NULL };
static const struct ctl_opt *const delete_opts[] = { WRITE_OPTS, &opt_skip_not_exists,
						     CTL_DS_OPTS, NULL };
static const struct ctl_opt *const get_opts[] = { &opt_filename, &opt_recursive, &opt_skip_empty,
						  &opt_output, &opt_namespace, &opt_all_namespaces,
						  &opt_selector, &opt_export, CTL_DS_OPTS, NULL };
static const struct ctl_opt *const label_opts[] = { &opt_namespace, &opt_overwrite, &opt_remove,
						    CTL_DS_OPTS, NULL };
static const struct ctl_opt *const version_opts[] = { CTL_DS_OPTS, NULL };

static const struct ctl_cmd commands[] = {
	{ "apply", "-f FILE...", "Create or update the resources of a manifest: all of them, or none.",
	  apply_opts, cmd_apply },
	{ "create", "-f FILE...", "Create the resources of a manifest; fails if any already exists.",
	  create_opts, cmd_create },
	{ "replace", "-f FILE...", "Replace existing resources; fails if any does not exist.",
	  apply_opts, cmd_replace },
	{ "delete", "(KIND NAME... | -f FILE...)", "Delete resources by kind and name or by manifest.",
	  delete_opts, cmd_delete },
	{ "get", "(KIND [NAME...] | -f FILE...)", "Show resources.", get_opts, cmd_get,
	  "Output formats: ps (a table, the default), wide (more columns), yaml, json, name.\n"
	  "Several resources print as a <Kind>List; --selector shows only the resources whose\n"
	  "labels match (for endpoints: their own labels and those their profiles apply)." },
	{ "label", "KIND NAME KEY=VALUE | KIND NAME KEY --remove", "Set or remove a label.",
	  label_opts, cmd_label },
	{ "validate", "-f FILE...", "Check manifests without writing anything.", validate_opts,
	  cmd_validate },
	{ "version", "", "Show the client version and the datastore it would use.", version_opts,
	  cmd_version },
	{ "ipam", "<show|check|release> [options]", "Show, check and repair IP address management.",
	  NULL, NULL, NULL, ctl_ipam_cmds },
	{ "policy", "trace --from SRC --to DST [options]",
	  "Explain what policy does to a flow.", NULL, NULL, NULL, ctl_policy_cmds },
	{ "datastore", "migrate <export|import> [options]",
	  "Move the cluster's data from one datastore to another.", NULL, NULL, NULL,
	  ctl_datastore_cmds },
	{ NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: tabbyctl <command> [options] [arguments]\n\n"
		   "tabby's operator CLI: manage projectcalico.org/v3 resources and Kubernetes\n"
		   "NetworkPolicy, Namespace, Pod and ServiceAccount objects in tabby's datastore.\n\n"
		   "Commands:\n");
	ctl_print_group_help(commands, f);
	fprintf(f, "\nDatastore: DATASTORE_TYPE (local, etcdv3), TABBY_DATASTORE_PATH, ETCD_ENDPOINTS,\n"
		   "ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE, ETCD_USERNAME, ETCD_PASSWORD.\n"
		   "See 'tabbyctl <command> --help'.\n");
}

int main(int argc, char **argv)
{
	enum tb_log_level lvl;
	const char *env = getenv("TABBY_LOG_LEVEL");

	tb_log_set_ident("tabbyctl");
	if (env && !tb_log_level_parse(env, &lvl))
		tb_log_set_level(lvl);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_USAGE : CTL_OK;
	}
	return ctl_dispatch(commands, NULL, argc - 1, argv + 1);
}
