// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/ds_fixture.h"
#include "helpers/etcd_fixture.h"

enum tb_ds_type ds_fx_backend(void)
{
	const char *v = getenv("TABBY_TEST_DATASTORE");

	return v && !strcmp(v, "etcdv3") ? TB_DS_ETCDV3 : TB_DS_LOCAL;
}

int ds_fx_init(struct ds_fx *fx)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	fx->type = ds_fx_backend();
	strcpy(fx->dir, "/tmp/tabby-ds-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		fx->dir[0] = '\0';
		return -errno;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/store/tabby.db", fx->dir);
	if (fx->type != TB_DS_ETCDV3)
		return 0;
	fx->empty_rev = 1;
	fx->etcd = calloc(1, sizeof(*fx->etcd));
	err = fx->etcd ? etcd_fx_start(fx->etcd, 1, 0) : -ENOMEM;
	if (err) {
		free(fx->etcd);
		fx->etcd = NULL;
		ds_fx_cleanup(fx);
	}
	return err;
}

int ds_fx_open(const struct ds_fx *fx, struct tb_ds **out)
{
	struct tb_ds_config cfg = { .type = TB_DS_LOCAL, .path = (char *)fx->path };

	if (fx->etcd) {
		cfg.type = TB_DS_ETCDV3;
		cfg.etcd_endpoints = fx->etcd->endpoints;
	}
	return tb_ds_open(&cfg, out);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? -errno : 0;
}

void ds_fx_cleanup(struct ds_fx *fx)
{
	if (fx->etcd) {
		etcd_fx_stop(fx->etcd);
		free(fx->etcd);
		fx->etcd = NULL;
	}
	if (fx->dir[0])
		nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fx->dir[0] = '\0';
}

int ds_fx_start_children(int n, int (*fn)(int idx, void *arg), void *arg, pid_t *pids)
{
	int gate[2], err = 0, started = 0;
	char c;

	if (pipe(gate))
		return -errno;
	fflush(NULL);
	for (; started < n; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			err = -errno;
			break;
		}
		if (pids[started] == 0) {
			close(gate[1]);
			/* EOF when the parent closes its end: every child is forked by then. */
			if (read(gate[0], &c, 1) < 0)
				_exit(2);
			_exit(fn(started, arg) ? 1 : 0);
		}
	}
	close(gate[0]);
	close(gate[1]);
	if (err) {
		ds_fx_wait_children(started, pids);
		return err;
	}
	return 0;
}

int ds_fx_wait_children(int n, const pid_t *pids)
{
	int failed = 0, status;

	for (int i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

int ds_fx_run_children(int n, int (*fn)(int idx, void *arg), void *arg)
{
	pid_t pids[DS_FX_MAX_CHILDREN];
	int err;

	if (n > DS_FX_MAX_CHILDREN)
		return -EINVAL;
	err = ds_fx_start_children(n, fn, arg, pids);
	return err ? err : ds_fx_wait_children(n, pids);
}
