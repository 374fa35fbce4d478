// SPDX-License-Identifier: Apache-2.0
/*
 * Wakeups between processes sharing a local store. After each commit a writer writes one
 * byte to "<path>-notify"; watchers hold an inotify watch on that file.
 *
 * Why not watch the WAL file itself: SQLite writes the WAL frames before the commit becomes
 * visible (the wal-index is updated afterwards), so an event on the WAL could wake a watcher
 * that then reads nothing and sleeps through the commit. The notify file is written after
 * COMMIT has returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "datastore_sqlite.h"
#include "log.h"

/* A waiter re-reads this often even without a wakeup: a safety net, not the path. */
#define WAITER_SAFETY_MS 1000
/* Without inotify (out of instances or watches), it polls this often. */
#define WAITER_POLL_MS 10

void tb_sq_notify(struct tb_ds_sqlite *s)
{
	/* Any write raises IN_MODIFY; the content is irrelevant. */
	if (s->notify_fd >= 0 && pwrite(s->notify_fd, "", 1, 0) < 0)
		tb_debug("datastore %s: notify: %s", s->path, strerror(errno));
}

/* (Re)creates the notify file and watches it; on failure the waiter falls back to polling. */
static void watch_file(struct tb_sq_waiter *wt)
{
	int fd = open(wt->notify_path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	if (inotify_add_watch(wt->ifd, wt->notify_path, IN_MODIFY | IN_ATTRIB) < 0) {
		tb_warn("datastore %s: inotify on %s: %s; polling every %d ms", wt->db_path,
			wt->notify_path, strerror(errno), WAITER_POLL_MS);
		close(wt->ifd);
		wt->ifd = -1;
	}
}

int tb_sq_waiter_init(struct tb_sq_waiter *wt, const char *db_path, const char *notify_path)
{
	wt->db_path = db_path;
	wt->notify_path = strdup(notify_path);
	if (!wt->notify_path)
		return -ENOMEM;
	wt->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (wt->ifd < 0)
		tb_warn("datastore %s: inotify: %s; polling every %d ms", db_path, strerror(errno),
			WAITER_POLL_MS);
	else
		watch_file(wt);
	return 0;
}

void tb_sq_waiter_drain(struct tb_sq_waiter *wt)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool rewatch = false;
	ssize_t n;

	while (wt->ifd >= 0 && (n = read(wt->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;

			/* The file was deleted or its filesystem unmounted. */
			if (e->mask & IN_IGNORED)
				rewatch = true;
			p += sizeof(*e) + e->len;
		}
	}
	if (rewatch)
		watch_file(wt);
}

void tb_sq_waiter_wait(struct tb_sq_waiter *wt, int64_t ms)
{
	struct pollfd pfd = { .fd = wt->ifd, .events = POLLIN };
	int64_t cap = wt->ifd >= 0 ? WAITER_SAFETY_MS : WAITER_POLL_MS;

	if (ms < 0 || ms > cap)
		ms = cap;
	poll(&pfd, wt->ifd >= 0 ? 1 : 0, (int)ms);
}

void tb_sq_waiter_close(struct tb_sq_waiter *wt)
{
	if (wt->ifd >= 0)
		close(wt->ifd);
	wt->ifd = -1;
	free(wt->notify_path);
	wt->notify_path = NULL;
}
