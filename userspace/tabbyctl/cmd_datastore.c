// SPDX-License-Identifier: Apache-2.0
/*
 * datastore migrate export|import: every key of a cluster as JSON lines
 * (datastore_migrate.h), so a cluster can move between the local store and etcd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "ctl.h"
#include "datastore_migrate.h"

/* -f as the manifest commands spell it, but naming one export file. */
static const struct ctl_opt opt_export_file = {
    .name = "filename",
    .short_name = 'f',
    .type = CTL_FILES,
    .offset = offsetof(struct ctl_args, files),
    .metavar = "FILE",
    .help = "the export file (- for stdout or stdin)",
};
static const struct ctl_opt *const migrate_opts[] = {&opt_export_file, CTL_DS_OPTS, NULL};

static int one_file(const struct ctl_args *a, const char *cmd, bool required)
{
	if (a->npos)
		fprintf(stderr, "tabbyctl datastore migrate %s: unexpected argument '%s'\n", cmd,
			a->pos[0]);
	else if (a->nfiles > 1)
		fprintf(stderr, "tabbyctl datastore migrate %s: one -f FILE only\n", cmd);
	else if (required && !a->nfiles)
		fprintf(stderr,
			"tabbyctl datastore migrate %s: -f FILE is required (- for stdin)\n", cmd);
	else
		return 0;
	return -EINVAL;
}

static int migrate_export(struct ctl_args *a)
{
	const char *path = a->nfiles && strcmp(a->files[0], "-") ? a->files[0] : NULL;
	struct tb_client *c = NULL;
	FILE *f = stdout;
	int r;

	if (one_file(a, "export", false))
		return CTL_USAGE;
	r = ctl_open_client(a, &c);
	if (r)
		return CTL_FAIL;
	if (path && !(f = fopen(path, "w"))) {
		r = -errno;
		fprintf(stderr, "%s: %s\n", path, strerror(-r));
		goto out;
	}
	r = tb_ds_export(c->ds, f);
	if (fflush(f) && !r)
		r = -errno;
	if (path && fclose(f) && !r)
		r = -errno;
	if (r) {
		fprintf(stderr, "export failed: %s\n", strerror(-r));
		/* A partial export must not be mistaken for a whole one later. */
		if (path)
			unlink(path);
	} else if (path) {
		printf("Datastore exported to %s\n", path);
	}
out:
	tb_client_close(c);
	return r ? CTL_FAIL : CTL_OK;
}

static int migrate_import(struct ctl_args *a)
{
	const char *path;
	struct tb_client *c = NULL;
	FILE *f = stdin;
	int r;

	if (one_file(a, "import", true))
		return CTL_USAGE;
	path = a->files[0];
	if (strcmp(path, "-") && !(f = fopen(path, "r"))) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return CTL_FAIL;
	}
	r = ctl_open_client(a, &c);
	if (!r) {
		r = tb_ds_import(c->ds, f);
		if (r == -EEXIST)
			fprintf(stderr,
				"the datastore already holds cluster data: import only into an "
				"empty datastore (nothing was written)\n");
		else if (r == -EINVAL)
			fprintf(stderr, "%s is not a datastore export (nothing was written)\n",
				path);
		else if (r)
			fprintf(stderr, "import failed: %s\n", strerror(-r));
		else
			printf("Datastore imported from %s\n", path);
	}
	tb_client_close(c);
	if (f != stdin)
		fclose(f);
	return r ? CTL_FAIL : CTL_OK;
}

static const struct ctl_cmd migrate_cmds[] = {
    {"export", "[-f FILE]", "Write every key of the cluster to FILE (default: stdout).",
     migrate_opts, migrate_export,
     "One JSON object per line, {\"key\": ..., \"value\": ...}, sorted by key: every key\n"
     "under /calico/ and /tabby/. Stop writers (tabbyd, the CNI plugin) first so the export\n"
     "is one consistent state."},
    {"import", "-f FILE", "Load an export into an empty datastore.", migrate_opts, migrate_import,
     "The whole file is read and checked before anything is written; a datastore that\n"
     "already holds cluster data is refused rather than merged. Resource versions start\n"
     "afresh in the new datastore."},
    {NULL},
};

const struct ctl_cmd ctl_datastore_cmds[] = {
    {"migrate", "<export|import> [options]",
     "Export a cluster's data, or import it into another datastore.", NULL, NULL, NULL,
     migrate_cmds},
    {NULL},
};
