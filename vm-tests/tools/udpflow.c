// SPDX-License-Identifier: Apache-2.0
/*
 * udpflow: a steady UDP flow and a sink that reports when it stops and starts again, for
 * measuring how long a policy change takes to reach the dataplane.
 *
 *   udpflow send ADDR PPS        UDP to ADDR at PPS packets/s until killed; every packet is a
 *                                new flow (64 source sockets x destination ports 1024-65535,
 *                                4M tuples before one repeats) so conntrack never lets a
 *                                packet skip a new policy; payload: magic, seq, send time
 *   udpflow sink IFACE GAP_MS [WATCH]...
 *                                counts the flow's packets arriving on IFACE (AF_PACKET, so
 *                                every port) and prints, one line each, CLOCK_MONOTONIC ns:
 *                                  stop SEQ RECV_NS SEND_NS   the last packet before a gap of
 *                                                             GAP_MS (printed once it is seen)
 *                                  start SEQ RECV_NS SEND_NS  the first packet after a gap
 *                                  TAG NS                     a WATCH fired
 *                                WATCH is modify:TAG:FILE (the file was written) or
 *                                moved:TAG:DIR/NAME (NAME was renamed into DIR)
 *   udpflow now                  prints CLOCK_MONOTONIC in ns
 *
 * All times are CLOCK_MONOTONIC, which is one clock for every network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x7462666cu	/* "tbfl" */
#define N_SRC 64
#define PORT_LO 1024
#define N_PORTS (65536 - PORT_LO)
#define MAX_WATCH 8

struct payload {
	uint32_t magic;
	uint32_t pad;
	uint64_t seq;
	uint64_t send_ns;
};

struct watch {
	int wd;
	int moved;		/* 1: IN_MOVED_TO of name in a directory; 0: IN_MODIFY of a file */
	char tag[32];
	char name[256];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "udpflow: %s: %s\n", what, strerror(errno));
	return 1;
}

static int open_sources(int *fds)
{
	for (int i = 0; i < N_SRC; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0)
			return -1;
	}
	return 0;
}

static int do_send(const char *addr, long pps)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct payload pl = { .magic = MAGIC };
	uint64_t interval, next, behind = 0;
	int fds[N_SRC];
	struct timespec ts;

	if (pps <= 0 || pps > 1000000 || inet_pton(AF_INET, addr, &dst.sin_addr) != 1) {
		fprintf(stderr, "udpflow send: bad address or rate\n");
		return 2;
	}
	if (open_sources(fds))
		return die("socket");
	interval = 1000000000ull / pps;
	next = now_ns();
	for (uint64_t n = 0; !stop; n++) {
		/* Every packet a new 5-tuple: a denied flow must meet the new policy. */
		dst.sin_port = htons(PORT_LO + (n / N_SRC) % N_PORTS);
		pl.seq = n;
		pl.send_ns = now_ns();
		if (sendto(fds[n % N_SRC], &pl, sizeof(pl), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0 && errno != EAGAIN && errno != EPERM &&
		    errno != ECONNREFUSED)
			return die("sendto");
		next += interval;
		/* Late by more than 10 ms (the machine is shared): skip ahead, never burst. */
		if (now_ns() > next + 10000000ull) {
			behind++;
			next = now_ns();
		}
		ts.tv_sec = next / 1000000000ull;
		ts.tv_nsec = next % 1000000000ull;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	fprintf(stderr, "udpflow send: %llu times more than 10 ms late\n",
		(unsigned long long)behind);
	return 0;
}

static int open_sink(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_IP));

	if (fd < 0)
		return -1;
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int add_watch(int ifd, const char *spec, struct watch *w)
{
	char buf[512], *tag, *path, *slash;

	snprintf(buf, sizeof(buf), "%s", spec);
	tag = strchr(buf, ':');
	path = tag ? strchr(tag + 1, ':') : NULL;
	if (!path)
		return -1;
	*tag++ = '\0';
	*path++ = '\0';
	snprintf(w->tag, sizeof(w->tag), "%s", tag);
	w->moved = !strcmp(buf, "moved");
	if (w->moved) {
		slash = strrchr(path, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		snprintf(w->name, sizeof(w->name), "%s", slash + 1);
		w->wd = inotify_add_watch(ifd, path, IN_MOVED_TO);
	} else if (!strcmp(buf, "modify")) {
		w->wd = inotify_add_watch(ifd, path, IN_MODIFY);
	} else {
		return -1;
	}
	return w->wd < 0 ? -1 : 0;
}

static void read_watches(int ifd, const struct watch *ws, int nw)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t t = now_ns();
	ssize_t len = read(ifd, buf, sizeof(buf));

	for (char *p = buf; len > 0 && p < buf + len;) {
		struct inotify_event *ev = (struct inotify_event *)p;

		for (int i = 0; i < nw; i++) {
			if (ws[i].wd != ev->wd || (ws[i].moved && strcmp(ev->name, ws[i].name)))
				continue;
			printf("%s %llu\n", ws[i].tag, (unsigned long long)t);
		}
		p += sizeof(*ev) + ev->len;
	}
}

/* One flow packet from the AF_PACKET socket: 1 with its payload, 0 for anything else. */
static int read_packet(int fd, struct payload *pl)
{
	unsigned char buf[2048];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	struct iphdr *ip = (struct iphdr *)buf;
	size_t off;

	if (n < (ssize_t)sizeof(*ip) || from.sll_pkttype == PACKET_OUTGOING ||
	    ip->protocol != IPPROTO_UDP)
		return n < 0 ? -1 : 0;
	off = ip->ihl * 4 + sizeof(struct udphdr);
	if ((size_t)n < off + sizeof(*pl))
		return 0;
	memcpy(pl, buf + off, sizeof(*pl));
	return pl->magic == MAGIC;
}

static int do_sink(const char *ifname, long gap_ms, char **specs, int nspecs)
{
	struct watch ws[MAX_WATCH];
	struct payload pl, last = { 0 };
	uint64_t last_rx = 0, gap = (uint64_t)gap_ms * 1000000ull, total = 0;
	int fd = open_sink(ifname), ifd = inotify_init1(IN_NONBLOCK), flowing = 0;

	if (fd < 0 || ifd < 0)
		return die(ifname);
	if (nspecs > MAX_WATCH)
		nspecs = MAX_WATCH;
	for (int i = 0; i < nspecs; i++) {
		if (add_watch(ifd, specs[i], &ws[i])) {
			fprintf(stderr, "udpflow sink: bad watch %s: %s\n", specs[i], strerror(errno));
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = ifd, .events = POLLIN } };
		int timeout = flowing ? (int)((last_rx + gap - now_ns()) / 1000000) + 1 : 1000;

		if (poll(p, 2, timeout < 0 ? 0 : timeout) < 0 && errno != EINTR)
			return die("poll");
		if (p[1].revents & POLLIN)
			read_watches(ifd, ws, nspecs);
		while (read_packet(fd, &pl) == 1) {
			uint64_t t = now_ns();

			total++;
			if (!flowing)
				printf("start %llu %llu %llu\n", (unsigned long long)pl.seq,
				       (unsigned long long)t, (unsigned long long)pl.send_ns);
			flowing = 1;
			last = pl;
			last_rx = t;
		}
		if (flowing && now_ns() > last_rx + gap) {
			printf("stop %llu %llu %llu\n", (unsigned long long)last.seq,
			       (unsigned long long)last_rx, (unsigned long long)last.send_ns);
			flowing = 0;
		}
	}
	fprintf(stderr, "udpflow sink: %llu packets\n", (unsigned long long)total);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%llu\n", (unsigned long long)now_ns());
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atol(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "sink"))
		return do_sink(argv[2], atol(argv[3]), argv + 4, argc - 4);
	fprintf(stderr, "usage: udpflow send ADDR PPS | sink IFACE GAP_MS [WATCH]... | now\n");
	return 2;
}
