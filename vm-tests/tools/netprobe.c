// SPDX-License-Identifier: Apache-2.0
/*
 * netprobe: real traffic for the reachability tests, many probes at once.
 *
 *   netprobe serve PORT...         TCP and UDP echo on each port (IPv4 and IPv6), until killed
 *   netprobe matrix TIMEOUT_MS     probes read from stdin, one per line:
 *                                    <netns> <address> <port> tcp|udp|icmp
 *                                  prints each line back with " ok" or " fail", same order
 *
 * Probes from one network namespace run in one child that entered it (setns), all at once
 * with non-blocking sockets, so a whole matrix costs about one timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROBES 4096

struct probe {
	char ns[64], addr[64], proto[8];
	int port;
	int fd;
	int state;	/* 0 pending, 1 ok, -1 fail */
	int ack;	/* TCP: connected, waiting for the echo */
};

static struct probe probes[MAX_PROBES];
static int nprobes;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*len = sizeof(struct sockaddr_in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*len = sizeof(struct sockaddr_in6);
		return AF_INET6;
	}
	return -1;
}

static void icmp_echo(int fd, int af, struct sockaddr_storage *ss, socklen_t len, int id)
{
	unsigned char pkt[16] = { 0 };
	struct icmphdr *h = (struct icmphdr *)pkt;
	unsigned sum = 0;

	h->type = af == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(1);
	if (af == AF_INET) {
		for (size_t i = 0; i < sizeof(pkt); i += 2)
			sum += pkt[i] << 8 | pkt[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		h->checksum = htons(~sum & 0xffff);
	}
	sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)ss, len);
}

static void start(struct probe *p, int idx)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int af = sockaddr_of(p->addr, p->port, &ss, &len);

	p->fd = -1;
	if (af < 0) {
		p->state = -1;
		return;
	}
	if (!strcmp(p->proto, "tcp")) {
		p->fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (p->fd >= 0 && connect(p->fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
			p->state = -1;
	} else if (!strcmp(p->proto, "udp")) {
		p->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (p->fd >= 0 && !connect(p->fd, (struct sockaddr *)&ss, len))
			send(p->fd, "probe", 5, 0);
	} else {
		/* Ping sockets: the kernel matches replies to this socket by identifier. */
		p->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
		if (p->fd >= 0)
			icmp_echo(p->fd, af, &ss, len, idx);
	}
	if (p->fd < 0)
		p->state = -1;
}

static void event(struct probe *p, short revents)
{
	char buf[64];

	if (revents & (POLLERR | POLLHUP)) {
		p->state = -1;
		return;
	}
	if (!strcmp(p->proto, "tcp") && !p->ack && (revents & POLLOUT)) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			p->state = -1;
			return;
		}
		/* Connected: the echo proves data flows both ways, not just the handshake. */
		p->ack = 1;
		send(p->fd, "probe", 5, MSG_NOSIGNAL);
		return;
	}
	if (revents & POLLIN)
		p->state = recv(p->fd, buf, sizeof(buf), 0) > 0 ? 1 : -1;
}

/* ICMP probes use ping sockets, which a namespace allows only to the groups it lists. */
static void allow_ping_sockets(void)
{
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "0 2147483647", 12) != 12)
			fprintf(stderr, "netprobe: cannot allow ping sockets\n");
		close(fd);
	}
}

/* Runs the probes [from, to) (all of one namespace) and writes results into a pipe. */
static void run_ns(int from, int to, int timeout_ms, int out)
{
	static struct pollfd pfd[MAX_PROBES];
	static int idx[MAX_PROBES];
	char path[128];
	long deadline;
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", probes[from].ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		for (int i = from; i < to; i++)
			probes[i].state = -1;
		goto report;
	}
	allow_ping_sockets();
	for (int i = from; i < to; i++)
		start(&probes[i], i);
	deadline = now_ms() + timeout_ms;
	for (;;) {
		int n = 0, left = deadline - now_ms();

		for (int i = from; i < to; i++) {
			if (probes[i].state)
				continue;
			pfd[n].fd = probes[i].fd;
			pfd[n].events = !strcmp(probes[i].proto, "tcp") && !probes[i].ack ? POLLOUT : POLLIN;
			idx[n++] = i;
		}
		if (!n || left <= 0 || poll(pfd, n, left) < 0)
			break;
		for (int j = 0; j < n; j++)
			if (pfd[j].revents)
				event(&probes[idx[j]], pfd[j].revents);
	}
report:
	for (int i = from; i < to; i++) {
		char c = probes[i].state == 1 ? '1' : '0';

		if (write(out, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static int matrix(int timeout_ms)
{
	char line[256];
	int i = 0;

	while (nprobes < MAX_PROBES && fgets(line, sizeof(line), stdin)) {
		struct probe *p = &probes[nprobes];

		if (sscanf(line, "%63s %63s %d %7s", p->ns, p->addr, &p->port, p->proto) == 4)
			nprobes++;
	}
	while (i < nprobes) {
		int j = i, pipefd[2];
		pid_t pid;

		while (j < nprobes && !strcmp(probes[j].ns, probes[i].ns))
			j++;
		if (pipe(pipefd))
			return 1;
		pid = fork();
		if (pid == 0) {
			close(pipefd[0]);
			run_ns(i, j, timeout_ms, pipefd[1]);
		}
		close(pipefd[1]);
		probes[i].fd = pipefd[0];	/* parent: where this group's results come */
		probes[i].ack = j;		/* and where the group ends */
		i = j;
	}
	for (i = 0; i < nprobes; i = probes[i].ack) {
		for (int k = i; k < probes[i].ack; k++) {
			char c = '0';

			if (read(probes[i].fd, &c, 1) != 1)
				c = '0';
			printf("%s %s %d %s %s\n", probes[k].ns, probes[k].addr, probes[k].port,
			       probes[k].proto, c == '1' ? "ok" : "fail");
		}
		close(probes[i].fd);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

static int serve(int argc, char **argv)
{
	struct pollfd pfd[64];
	int n = 0;

	for (int i = 0; i < argc && n + 4 <= 64; i++) {
		int port = atoi(argv[i]), one = 1;

		for (int af = 0; af < 2; af++) {
			for (int udp = 0; udp < 2; udp++) {
				struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
				struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
				int fd = socket(af ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
				if (af)
					setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
				if (bind(fd, af ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
					 af ? sizeof(a6) : sizeof(a4)) ||
				    (!udp && listen(fd, 128))) {
					close(fd);
					continue;
				}
				pfd[n].fd = fd;
				pfd[n++].events = POLLIN | (udp ? POLLPRI : 0);
			}
		}
	}
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if (poll(pfd, n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			char buf[2048];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			int type, c;
			socklen_t tl = sizeof(type);

			if (!(pfd[i].revents & POLLIN))
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl);
			if (type == SOCK_DGRAM) {
				ssize_t r = recvfrom(pfd[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

				if (r > 0)
					sendto(pfd[i].fd, buf, r, 0, (struct sockaddr *)&from, fl);
				continue;
			}
			c = accept(pfd[i].fd, NULL, NULL);
			if (c < 0)
				continue;
			/* Echo in a child: long transfers must not block other probes. */
			if (fork() == 0) {
				ssize_t r;

				while ((r = read(c, buf, sizeof(buf))) > 0)
					if (write(c, buf, r) != r)
						break;
				_exit(0);
			}
			close(c);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "matrix"))
		return matrix(atoi(argv[2]));
	fprintf(stderr, "usage: netprobe serve PORT... | netprobe matrix TIMEOUT_MS < probes\n");
	return 2;
}
