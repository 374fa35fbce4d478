/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the host-side tests: each case runs in a forked child inside a network namespace of
 * its own, which dies with the child — links, routes and sysctls vanish even when the case
 * fails half way. The child reports a failure as one line through a pipe.
 */
#ifndef TABBY_HOSTSIDE_FIXTURE_H
#define TABBY_HOSTSIDE_FIXTURE_H

#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HS_MSG 512

/* The failure message of the running case (child side). */
static char hs_msg[HS_MSG];

static inline int __attribute__((format(printf, 1, 2))) hs_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hs_msg, sizeof(hs_msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Runs a shell command in the case's namespace; its exit status. */
static inline int __attribute__((format(printf, 1, 2))) hs_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Runs fn(arg) in a child inside a new network namespace (loopback up, forwarding off as a
 * fresh namespace has it). Returns 0 when fn returned 0; otherwise -1 with the child's message
 * in msg. A child that hangs is killed after timeout_s.
 */
static inline int hs_in_netns(int (*fn)(void *arg), void *arg, int timeout_s, char *msg, size_t len)
{
	int p[2], st = 0;
	ssize_t n;
	pid_t pid;

	snprintf(msg, len, "no message");
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int r = -1;

		close(p[0]);
		alarm((unsigned)timeout_s);
		if (unshare(CLONE_NEWNET))
			hs_fail("unshare(CLONE_NEWNET): %s", strerror(errno));
		else if (hs_sh("ip link set lo up"))
			hs_fail("cannot bring lo up");
		else
			r = fn(arg);
		if (r && write(p[1], hs_msg, strlen(hs_msg)) < 0)
			r = -1;
		_exit(r ? 1 : 0);
	}
	close(p[1]);
	n = read(p[0], msg, len - 1);
	if (n > 0)
		msg[n] = '\0';
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		snprintf(msg, len, "child killed by signal %d (timeout?)", WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A test's step: fn(arg) in a namespace of its own, the child's message on failure. */
#define HS_RUN(fn, arg, timeout_s)                                                                 \
	do {                                                                                       \
		char m_[HS_MSG];                                                                   \
		int r_ = hs_in_netns(fn, arg, timeout_s, m_, sizeof(m_));                          \
		cr_assert_eq(r_, 0, "%s", m_);                                                     \
	} while (0)

#endif
