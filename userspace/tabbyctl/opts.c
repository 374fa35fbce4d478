// SPDX-License-Identifier: Apache-2.0
/* Option tables, parsing with getopt_long built from them, and generated help. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"

#define OFF(f) offsetof(struct ctl_args, f)

const struct ctl_opt opt_filename = { "filename", 'f', CTL_FILES, OFF(files), "FILE",
				      "manifest to read (YAML or JSON; - for stdin; a directory "
				      "reads its .yaml/.yml/.json files); repeatable" };
const struct ctl_opt opt_output = { "output", 'o', CTL_STRING, OFF(output), "FORMAT",
				    "ps (default), wide, yaml, json or name" };
const struct ctl_opt opt_namespace = { "namespace", 'n', CTL_STRING, OFF(namespace), "NS",
				       "namespace of namespaced kinds (default: default)" };
const struct ctl_opt opt_all_namespaces = { "all-namespaces", 'A', CTL_BOOL, OFF(all_namespaces),
					    NULL, "every namespace" };
const struct ctl_opt opt_selector = { "selector", 'l', CTL_STRING, OFF(selector), "SELECTOR",
				      "only resources whose labels match this Calico selector" };
const struct ctl_opt opt_skip_exists = { "skip-exists", 0, CTL_BOOL, OFF(skip_exists), NULL,
					 "leave resources that already exist alone" };
const struct ctl_opt opt_skip_not_exists = { "skip-not-exists", 's', CTL_BOOL,
					     OFF(skip_not_exists), NULL,
					     "a resource that does not exist is not an error" };
const struct ctl_opt opt_skip_empty = { "skip-empty", 0, CTL_BOOL, OFF(skip_empty), NULL,
					"a file with no resources is not an error" };
const struct ctl_opt opt_recursive = { "recursive", 'R', CTL_BOOL, OFF(recursive), NULL,
				       "read directories recursively" };
const struct ctl_opt opt_overwrite = { "overwrite", 0, CTL_BOOL, OFF(overwrite), NULL,
				       "replace the value of a label that is already set" };
const struct ctl_opt opt_remove = { "remove", 0, CTL_BOOL, OFF(remove), NULL,
				    "remove the label" };
const struct ctl_opt opt_export = { "export", 0, CTL_BOOL, OFF(export), NULL,
				    "leave out cluster-specific metadata" };
const struct ctl_opt opt_show_blocks = { "show-blocks", 0, CTL_BOOL, OFF(show_blocks), NULL,
					 "also show each allocation block" };
const struct ctl_opt opt_fix = { "fix", 0, CTL_BOOL, OFF(fix), NULL, "repair what is found" };
const struct ctl_opt opt_ip = { "ip", 0, CTL_STRING, OFF(ip), "ADDR", "the address" };
const struct ctl_opt opt_from = { "from", 0, CTL_STRING, OFF(from), "SRC",
				  "where the flow comes from: namespace/pod, endpoint or address" };
const struct ctl_opt opt_to = { "to", 0, CTL_STRING, OFF(to), "DST", "where it goes" };
const struct ctl_opt opt_protocol = { "protocol", 0, CTL_STRING, OFF(protocol), "PROTO",
				      "tcp (default), udp, icmp, icmpv6, sctp, udplite or a number" };
const struct ctl_opt opt_port = { "port", 0, CTL_STRING, OFF(port), "N",
				  "destination port (default 80), or ICMP type" };
const struct ctl_opt opt_help = { "help", 'h', CTL_BOOL, OFF(help), NULL, "show this help" };
const struct ctl_opt opt_ds_type = { "datastore-type", 0, CTL_STRING, OFF(ds.type), "TYPE",
				     "local or etcdv3 (env DATASTORE_TYPE)" };
const struct ctl_opt opt_ds_path = { "datastore-path", 0, CTL_STRING, OFF(ds.path), "PATH",
				     "SQLite file of the local store (env TABBY_DATASTORE_PATH)" };
const struct ctl_opt opt_etcd_endpoints = { "etcd-endpoints", 0, CTL_STRING,
					    OFF(ds.etcd_endpoints), "URLS",
					    "etcd members, comma separated (env ETCD_ENDPOINTS)" };

static size_t count_opts(const struct ctl_cmd *cmd)
{
	size_t n = 0;

	while (cmd->opts[n])
		n++;
	return n;
}

static int set_opt(const struct ctl_opt *o, struct ctl_args *a, const char *val)
{
	char *base = (char *)a + o->offset;

	switch (o->type) {
	case CTL_BOOL:
		*(bool *)base = true;
		return 0;
	case CTL_FILES:
		if (a->nfiles == CTL_MAX_FILES) {
			fprintf(stderr, "too many --filename options (at most %d)\n", CTL_MAX_FILES);
			return -E2BIG;
		}
		a->files[a->nfiles++] = val;
		return 0;
	case CTL_STRING:
		if (o->offset == OFF(ds.type)) {
			if (tb_ds_type_parse(val, &a->ds.type)) {
				fprintf(stderr, "invalid datastore type '%s' (local or etcdv3)\n", val);
				return -EINVAL;
			}
			return 0;
		}
		if (o->offset >= OFF(ds) && o->offset < OFF(ds) + sizeof(a->ds)) {
			/* The datastore config owns its strings. */
			free(*(char **)base);
			*(char **)base = strdup(val);
			return *(char **)base ? 0 : -ENOMEM;
		}
		*(const char **)base = val;
		return 0;
	}
	return -EINVAL;
}

int ctl_parse(const struct ctl_cmd *cmd, int argc, char **argv, struct ctl_args *a)
{
	size_t n = count_opts(cmd);
	struct option *lo = calloc(n + 1, sizeof(*lo));
	char shorts[128] = "+";
	size_t sl = 1;
	int c, r = 0;

	if (!lo)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ctl_opt *o = cmd->opts[i];

		lo[i] = (struct option){ o->name, o->type == CTL_BOOL ? no_argument : required_argument,
					 NULL, 0x100 + (int)i };
		if (o->short_name && sl + 3 < sizeof(shorts)) {
			shorts[sl++] = o->short_name;
			if (o->type != CTL_BOOL)
				shorts[sl++] = ':';
		}
	}
	shorts[sl] = '\0';
	optind = 1;
	opterr = 0;
	/* "+" stops at the first positional; loop to allow options after positionals too. */
	while (optind < argc && !r) {
		c = getopt_long(argc, argv, shorts, lo, NULL);
		if (c == -1) {
			a->pos = realloc(a->pos, (a->npos + 1) * sizeof(char *));
			a->pos[a->npos++] = argv[optind++];
			continue;
		}
		if (c == '?') {
			fprintf(stderr, "tabbyctl %s: unknown option or missing value: '%s' (see tabbyctl "
					"%s --help)\n", cmd->name, argv[optind - 1], cmd->name);
			r = -EINVAL;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			const struct ctl_opt *o = cmd->opts[i];

			if (c == 0x100 + (int)i || (c == o->short_name && o->short_name))
				r = set_opt(o, a, optarg);
		}
	}
	free(lo);
	return r;
}

void ctl_print_cmd_help(const struct ctl_cmd *cmd)
{
	printf("Usage: tabbyctl %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->detail)
		printf("\n%s\n", cmd->detail);
	printf("\nOptions:\n");
	for (size_t i = 0; cmd->opts[i]; i++) {
		const struct ctl_opt *o = cmd->opts[i];
		char left[64];

		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->short_name ? "-" : "",
			 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
			 o->metavar ? "=" : "", o->metavar ? o->metavar : "");
		printf("  %-34s %s\n", left, o->help);
	}
}

int ctl_open_client(struct ctl_args *a, struct tb_client **c)
{
	int r = tb_ds_config_fill(&a->ds);

	if (!r)
		r = tb_client_open(&a->ds, c);
	if (r)
		fprintf(stderr, "cannot open the datastore (%s%s%s): %s\n",
			a->ds.type == TB_DS_ETCDV3 ? "etcdv3 " : "local ",
			a->ds.type == TB_DS_ETCDV3 ? (a->ds.etcd_endpoints ? a->ds.etcd_endpoints : "")
						   : (a->ds.path ? a->ds.path : ""),
			"", strerror(-r));
	return r;
}
