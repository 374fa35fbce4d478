// SPDX-License-Identifier: Apache-2.0
/*
 * The route socket, namespaces and sysctls. libnl 3.7 has no extended-ack API: NETLINK_EXT_ACK
 * is switched on by hand and the error callback reads the message attribute itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* Finds NLMSGERR_ATTR_MSG after the echoed request (or its header when capped). */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct tb_nl *nl = arg;
	size_t off = sizeof(*e);
	struct nlattr *a;
	int rem;

	nl->err = -e->error;
	nl->msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off >= nlh->nlmsg_len)
		return NL_STOP;
	a = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
	rem = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off));
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->msg, sizeof(nl->msg), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
			break;
		}
	}
	return NL_STOP;
}

int tb_nl_open(struct tb_nl *nl)
{
	int one = 1, r;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	r = nl_connect(nl->sk, NETLINK_ROUTE);
	if (r) {
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return -ECONNREFUSED;
	}
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
	return 0;
}

static int open_in_ns(void *arg)
{
	return tb_nl_open(arg);
}

int tb_nl_open_netns(struct tb_nl *nl, const char *netns_path)
{
	return tb_netns_run(netns_path, open_in_ns, nl);
}

void tb_nl_close(struct tb_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

int tb_nl_errno(struct tb_nl *nl, int nlerr)
{
	if (nlerr >= 0)
		return nlerr;
	if (nl->err)
		return -nl->err;
	switch (-nlerr) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

const char *tb_nl_strerror(const struct tb_nl *nl, int err)
{
	return nl->msg[0] ? nl->msg : strerror(err < 0 ? -err : err);
}

int tb_netns_run(const char *netns_path, int (*fn)(void *arg), void *arg)
{
	int self, target, r, back;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	target = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		r = -errno;
		goto out_self;
	}
	if (setns(target, CLONE_NEWNET)) {
		r = -errno;
		goto out_target;
	}
	r = fn(arg);
	back = setns(self, CLONE_NEWNET);
	/* A thread stranded in the workload's namespace would do the host's work there. */
	if (back)
		r = -errno;
out_target:
	close(target);
out_self:
	close(self);
	return r;
}

int tb_sysctl_write(const char *path, const char *value)
{
	char full[256];
	ssize_t n;
	int fd, r = 0;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		r = -errno;
	close(fd);
	return r;
}

void tb_mac_format(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}
