// SPDX-License-Identifier: Apache-2.0
/*
 * netprobe: real traffic for the reachability tests.
 *
 *   netprobe serve PORT...         TCP and UDP echo on each port (IPv4 and IPv6), until killed
 *   netprobe matrix TIMEOUT_MS [connect]
 *                                  probes read from stdin, one per line:
 *                                    <netns> <address> <port> tcp|udp|icmp
 *                                  prints each line back with " ok" or " fail", same order;
 *                                  a TCP probe is ok once its echo is back, or with "connect"
 *                                  once connected (the verdict on its first packet alone,
 *                                  however slow the server)
 *   netprobe stream NETNS ADDR PORT INTERVAL_MS
 *                                  one TCP connection to an echo server, a numbered message
 *                                  every INTERVAL_MS until SIGTERM; prints "connected", and at
 *                                  the end "sent N echoed M max_rtt_ms R"; exit 0 iff every
 *                                  message came back intact and in order
 *   netprobe xfer NETNS ADDR PORT MBYTES SECONDS
 *                                  MBYTES of a pseudo-random pattern through an echo server
 *                                  on one TCP connection, paced to last about SECONDS (SIGTERM
 *                                  ends the sending early); prints "connected", then "sent N
 *                                  echoed M max_stall_ms S secs T"; exit 0 iff every byte sent
 *                                  came back unchanged
 *
 * The matrix runs in one process pinned to one CPU: it enters each probe's namespace in turn
 * (setns), opens the probe's socket there and sends its first packet, in input order, then
 * waits for all of them at once. So a whole matrix costs about one timeout, and the first
 * packets reach the dataplane in input order within microseconds: a test can send the same
 * probe twice around another one and reason about what a single policy flip could explain.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROBES 4096
#define MAX_NS 256
#define CONNECT_MS 2000
#define STREAM_MAX_MSGS (1 << 16)
#define STREAM_DRAIN_MS 2000
#define XFER_GIVE_UP_MS 20000
#define XFER_CHUNK 65536

/* ---- common ------------------------------------------------------------------------- */

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

static int open_netns(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%.100s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Enters a named network namespace (ip netns add): 0 or -1. */
static int enter_netns(const char *name)
{
	int fd = open_netns(name), r;

	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

/* A connected non-blocking TCP socket from inside NETNS, or -1 with a message. */
static int tcp_open(const char *ns, const char *addr, int port)
{
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t len, l = sizeof(int);
	int af = sockaddr_of(addr, port, &ss, &len), fd, err = 0;

	if (af < 0 || enter_netns(ns)) {
		fprintf(stderr, "netprobe: bad address %s or namespace %s\n", addr, ns);
		return -1;
	}
	fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS))
		goto fail;
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, CONNECT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) || err)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "netprobe: cannot connect to %s port %d from %s: %s\n", addr, port, ns,
		err ? strerror(err) : "timed out");
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- matrix ------------------------------------------------------------------------- */

struct probe {
	char ns[64], addr[64], proto[8];
	int port;
	int fd;
	int state;	/* 0 pending, 1 ok, -1 fail */
	int ack;	/* TCP: connected, waiting for the echo */
};

static struct probe probes[MAX_PROBES];
static int nprobes;
static int connect_only;	/* TCP: the handshake's verdict, no echo awaited */

/* Namespaces by name, each opened once, so switching between them is one setns. */
static struct {
	char name[64];
	int fd;
} nss[MAX_NS];
static int n_nss;

static int switch_netns(const char *name)
{
	int i;

	for (i = 0; i < n_nss && strcmp(nss[i].name, name); i++)
		;
	if (i == n_nss) {
		if (n_nss == MAX_NS)
			return -1;
		nss[i].fd = open_netns(name);
		snprintf(nss[i].name, sizeof(nss[i].name), "%.63s", name);
		n_nss++;
		if (nss[i].fd < 0 || setns(nss[i].fd, CLONE_NEWNET))
			return -1;
		allow_ping_sockets();
		return 0;
	}
	return nss[i].fd < 0 ? -1 : setns(nss[i].fd, CLONE_NEWNET);
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

/* Opens the probe's socket in the current namespace and sends its first packet. */
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
		if (p->fd >= 0 && connect(p->fd, (struct sockaddr *)&ss, len) &&
		    errno != EINPROGRESS)
			p->state = -1;
	} else if (!strcmp(p->proto, "udp")) {
		p->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (p->fd >= 0 && !connect(p->fd, (struct sockaddr *)&ss, len))
			send(p->fd, "probe", 5, 0);
	} else {
		/* Ping sockets: the kernel matches replies to this socket by identifier. */
		p->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK,
			       af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
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
		if (connect_only) {
			p->state = 1;
			return;
		}
		send(p->fd, "probe", 5, MSG_NOSIGNAL);
		return;
	}
	if (revents & POLLIN)
		p->state = recv(p->fd, buf, sizeof(buf), 0) > 0 ? 1 : -1;
}

/*
 * Waits for every pending probe until the deadline. What has arrived by then counts even if
 * this process was not running at the deadline: a last look does not wait.
 */
static void wait_probes(int timeout_ms)
{
	static struct pollfd pfd[MAX_PROBES];
	static int idx[MAX_PROBES];
	long deadline = now_ms() + timeout_ms;

	for (int last = 0; !last;) {
		int n = 0, left = deadline - now_ms();

		for (int i = 0; i < nprobes; i++) {
			if (probes[i].state)
				continue;
			pfd[n].fd = probes[i].fd;
			pfd[n].events = !strcmp(probes[i].proto, "tcp") && !probes[i].ack ?
						POLLOUT : POLLIN;
			idx[n++] = i;
		}
		last = left <= 0;
		if (!n || poll(pfd, n, last ? 0 : left) < 0)
			break;
		for (int j = 0; j < n; j++)
			if (pfd[j].revents)
				event(&probes[idx[j]], pfd[j].revents);
	}
}

/*
 * One CPU: first packets then leave and meet the dataplane in input order (a CPU's backlog
 * is processed in order), and a file descriptor per probe.
 */
static void prepare_process(void)
{
	struct rlimit rl;
	cpu_set_t cpus;
	int cpu = sched_getcpu();

	if (cpu >= 0) {
		CPU_ZERO(&cpus);
		CPU_SET(cpu, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < MAX_PROBES + 64) {
		rl.rlim_cur = rl.rlim_max < MAX_PROBES + 64 ? rl.rlim_max : MAX_PROBES + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int matrix(int timeout_ms)
{
	char line[256];

	while (nprobes < MAX_PROBES && fgets(line, sizeof(line), stdin)) {
		struct probe *p = &probes[nprobes];

		if (sscanf(line, "%63s %63s %d %7s", p->ns, p->addr, &p->port, p->proto) == 4)
			nprobes++;
	}
	prepare_process();
	for (int i = 0; i < nprobes; i++) {
		if (switch_netns(probes[i].ns)) {
			probes[i].fd = -1;
			probes[i].state = -1;
			continue;
		}
		start(&probes[i], i);
	}
	wait_probes(timeout_ms);
	for (int i = 0; i < nprobes; i++)
		printf("%s %s %d %s %s\n", probes[i].ns, probes[i].addr, probes[i].port,
		       probes[i].proto, probes[i].state == 1 ? "ok" : "fail");
	return 0;
}

/* ---- serve -------------------------------------------------------------------------- */

static int listen_on(int port, int af6, int udp)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(af6 ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (af6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, af6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
		 af6 ? sizeof(a6) : sizeof(a4)) ||
	    (!udp && listen(fd, 128))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Echoes one accepted connection in a child: long transfers must not block other probes. The
 * child dies with the server: a connection whose peer vanished with its namespace would
 * otherwise keep it (and that namespace) alive for ever.
 */
static void echo_child(int c)
{
	char buf[65536];
	pid_t server = getpid();
	ssize_t r;

	if (fork() == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != server)
			_exit(0);
		while ((r = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, r) != r)
				break;
		_exit(0);
	}
	close(c);
}

static int serve(int argc, char **argv)
{
	struct pollfd pfd[64];
	int n = 0;

	for (int i = 0; i < argc && n + 4 <= 64; i++) {
		for (int af6 = 0; af6 < 2; af6++) {
			for (int udp = 0; udp < 2; udp++) {
				int fd = listen_on(atoi(argv[i]), af6, udp);

				if (fd < 0)
					continue;
				pfd[n].fd = fd;
				pfd[n++].events = POLLIN | (udp ? POLLPRI : 0);
			}
		}
	}
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("netprobe: poll");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			char buf[2048];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from), tl = sizeof(int);
			int type, c;

			if (!(pfd[i].revents & POLLIN))
				continue;
			getsockopt(pfd[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl);
			if (type == SOCK_DGRAM) {
				ssize_t r = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
						     (struct sockaddr *)&from, &fl);

				if (r > 0)
					sendto(pfd[i].fd, buf, r, 0, (struct sockaddr *)&from, fl);
				continue;
			}
			c = accept(pfd[i].fd, NULL, NULL);
			if (c >= 0)
				echo_child(c);
		}
	}
}

/* ---- stream: a long-lived connection, message by message ---------------------------- */

#define MSG_LEN 16

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* No SA_RESTART: a stop interrupts poll (and a send blocked behind a dead flow). */
static void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

struct stream {
	unsigned sent, echoed;
	long sent_at[STREAM_MAX_MSGS];
	long max_rtt;
	char in[4096];
	size_t have;
	const char *error;
};

/* Checks the echoed records that are complete: each must be the next number. */
static void stream_take(struct stream *s, long t)
{
	size_t off = 0;

	for (; s->have - off >= MSG_LEN; off += MSG_LEN) {
		char want[MSG_LEN + 1];

		snprintf(want, sizeof(want), "%015u\n", s->echoed);
		if (s->echoed >= s->sent || memcmp(s->in + off, want, MSG_LEN)) {
			s->error = "echo out of order or corrupted";
			return;
		}
		if (t - s->sent_at[s->echoed] > s->max_rtt)
			s->max_rtt = t - s->sent_at[s->echoed];
		s->echoed++;
	}
	memmove(s->in, s->in + off, s->have - off);
	s->have -= off;
}

static void stream_send(struct stream *s, int fd, long t)
{
	char msg[MSG_LEN + 1];

	if (s->sent == STREAM_MAX_MSGS)
		return;
	snprintf(msg, sizeof(msg), "%015u\n", s->sent);
	if (send(fd, msg, MSG_LEN, MSG_NOSIGNAL) != MSG_LEN) {
		s->error = "send failed";
		return;
	}
	s->sent_at[s->sent++] = t;
}

static int stream(const char *ns, const char *addr, int port, int interval_ms)
{
	static struct stream s;
	long next, drain_end = 0;
	int fd;

	catch_stop();
	fd = tcp_open(ns, addr, port);
	if (fd < 0)
		return 1;
	/* Blocking sends: a record is never split by a full buffer. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	printf("connected\n");
	fflush(stdout);
	next = now_ms();
	while (!s.error) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long t = now_ms(), left;
		ssize_t r;

		if (stop_requested && !drain_end)
			drain_end = t + STREAM_DRAIN_MS;
		if (drain_end && (s.echoed == s.sent || t >= drain_end))
			break;
		if (!drain_end && t >= next) {
			stream_send(&s, fd, t);
			next += interval_ms;
			continue;
		}
		left = (drain_end ? drain_end : next) - t;
		if (poll(&p, 1, left) <= 0)
			continue;
		r = recv(fd, s.in + s.have, sizeof(s.in) - s.have, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			s.error = r ? "connection reset" : "connection closed by the peer";
		if (r > 0) {
			s.have += r;
			stream_take(&s, now_ms());
		}
	}
	close(fd);
	printf("sent %u echoed %u max_rtt_ms %ld%s%s\n", s.sent, s.echoed, s.max_rtt,
	       s.error ? " error: " : "", s.error ? s.error : "");
	return s.error || s.echoed != s.sent;
}

/* ---- xfer: a long bulk transfer, every byte checked --------------------------------- */

static uint64_t splitmix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes [off, off + n) of the pattern: word i is splitmix64(i), so no short period hides a
 * misplaced block. */
static void pattern(unsigned char *buf, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint64_t pos = off + i, z = splitmix64(pos >> 3);

		for (unsigned b = pos & 7; b < 8 && i < n; b++, i++)
			buf[i] = z >> (b * 8);
	}
}

struct xfer {
	uint64_t total, sent, got;
	long t0, last_rx, max_stall, drain_end;
	const char *error;
};

/* How many bytes the pace allows to have been sent by now. */
static uint64_t xfer_allowed(const struct xfer *x, long t, int seconds)
{
	if (seconds <= 0 || t - x->t0 >= seconds * 1000L)
		return x->total;
	return (uint64_t)((double)x->total * (t - x->t0) / (seconds * 1000.0));
}

static void xfer_send(struct xfer *x, int fd, uint64_t allowed)
{
	static unsigned char out[XFER_CHUNK];
	size_t n;
	ssize_t w;

	if (x->sent >= allowed)
		return;
	n = allowed - x->sent < XFER_CHUNK ? allowed - x->sent : XFER_CHUNK;
	pattern(out, x->sent, n);
	w = send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w > 0)
		x->sent += w;
	else if (w < 0 && errno != EAGAIN)
		x->error = "send failed";
	if (x->sent == x->total)
		shutdown(fd, SHUT_WR);
}

static void xfer_recv(struct xfer *x, int fd, long t)
{
	static unsigned char in[XFER_CHUNK], want[XFER_CHUNK];
	ssize_t r = recv(fd, in, sizeof(in), MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		x->error = r ? "connection reset" : "connection closed early";
		return;
	}
	pattern(want, x->got, r);
	if (memcmp(in, want, r)) {
		x->error = "echoed bytes differ";
		return;
	}
	x->got += r;
	x->last_rx = t;
}

static int xfer(const char *ns, const char *addr, int port, int mbytes, int seconds)
{
	struct xfer x = { .total = (uint64_t)mbytes << 20 };
	int fd;

	catch_stop();
	fd = tcp_open(ns, addr, port);
	if (fd < 0)
		return 1;
	printf("connected\n");
	fflush(stdout);
	x.t0 = x.last_rx = now_ms();
	while (!x.error && x.got < x.total) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long t = now_ms();

		/* Stopped early: what was sent must still come back, nothing more goes. */
		if (stop_requested && !x.drain_end) {
			x.total = x.sent;
			x.drain_end = t + STREAM_DRAIN_MS;
			shutdown(fd, SHUT_WR);
			if (x.got == x.total)
				break;
		}
		if (x.drain_end && t > x.drain_end) {
			x.error = "echo incomplete after the stop";
			break;
		}
		/* A stall is time with bytes in flight and none coming back. */
		if (x.got < x.sent && t - x.last_rx > x.max_stall)
			x.max_stall = t - x.last_rx;
		if (x.got == x.sent)
			x.last_rx = t;
		if (x.max_stall > XFER_GIVE_UP_MS) {
			x.error = "no echo for too long";
			break;
		}
		/* Ask for room to write only when the pace allows more, or this loop spins. */
		if (x.sent < xfer_allowed(&x, t, seconds))
			p.events |= POLLOUT;
		if (poll(&p, 1, 2) <= 0)
			continue;
		if (p.revents & POLLIN)
			xfer_recv(&x, fd, now_ms());
		if (!x.error && (p.revents & POLLOUT))
			xfer_send(&x, fd, xfer_allowed(&x, now_ms(), seconds));
	}
	close(fd);
	printf("sent %llu echoed %llu max_stall_ms %ld secs %.1f%s%s\n",
	       (unsigned long long)x.sent, (unsigned long long)x.got, x.max_stall,
	       (now_ms() - x.t0) / 1000.0, x.error ? " error: " : "", x.error ? x.error : "");
	return x.error || x.got != x.total;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "connect"))) &&
	    !strcmp(argv[1], "matrix")) {
		connect_only = argc == 4;
		return matrix(atoi(argv[2]));
	}
	if (argc == 6 && !strcmp(argv[1], "stream"))
		return stream(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 7 && !strcmp(argv[1], "xfer"))
		return xfer(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	fprintf(stderr, "usage: netprobe serve PORT...\n"
			"       netprobe matrix TIMEOUT_MS [connect] < probes\n"
			"       netprobe stream NETNS ADDR PORT INTERVAL_MS\n"
			"       netprobe xfer NETNS ADDR PORT MBYTES SECONDS\n");
	return 2;
}
