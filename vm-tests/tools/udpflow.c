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
 *                                map:TAG:PIN:IFINDEX:DIR (the 8-byte value under the key
 *                                {ifindex, dir} of a pinned BPF hash changed: the moment an
 *                                agent flips an endpoint's policy; read every 100 us)
 *   udpflow flush PIN            deletes every entry of tabby's conntrack table pinned at PIN
 *                                (a benchmark starts an idle measurement from an empty table)
 *
 * All times are CLOCK_MONOTONIC, which is one clock for every network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "conntrack_table.h"

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

/* A file whose writes are events (inotify IN_MODIFY). */
struct watch {
	int wd;
	char tag[32];
};

/* A value in a pinned BPF map, read by polling: BPF maps raise no events. */
struct map_watch {
	int fd;
	uint32_t key[2];
	uint64_t value;
	char tag[32];
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

/* modify:TAG:FILE */
static int add_watch(int ifd, const char *spec, struct watch *w)
{
	char buf[512], *tag, *path;

	snprintf(buf, sizeof(buf), "%s", spec);
	tag = strchr(buf, ':');
	path = tag ? strchr(tag + 1, ':') : NULL;
	if (!path || strncmp(buf, "modify:", 7))
		return -1;
	*path++ = '\0';
	snprintf(w->tag, sizeof(w->tag), "%s", tag + 1);
	w->wd = inotify_add_watch(ifd, path, IN_MODIFY);
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
			if (ws[i].wd == ev->wd)
				printf("%s %llu\n", ws[i].tag, (unsigned long long)t);
		}
		p += sizeof(*ev) + ev->len;
	}
}

static int bpf_sys(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t map_read(const struct map_watch *m)
{
	union bpf_attr attr = { 0 };
	uint64_t v = 0;

	attr.map_fd = m->fd;
	attr.key = (uintptr_t)m->key;
	attr.value = (uintptr_t)&v;
	if (bpf_sys(BPF_MAP_LOOKUP_ELEM, &attr))
		return 0;
	return v;
}

/* map:TAG:PIN:IFINDEX:DIR */
static int add_map_watch(const char *spec, struct map_watch *m)
{
	char buf[512], *f[5], *save = NULL;
	union bpf_attr attr = { 0 };
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = strtok_r(buf, ":", &save); t && n < 5; t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if (n != 5 || strcmp(f[0], "map"))
		return -1;
	snprintf(m->tag, sizeof(m->tag), "%s", f[1]);
	attr.pathname = (uintptr_t)f[2];
	m->fd = bpf_sys(BPF_OBJ_GET, &attr);
	m->key[0] = atoi(f[3]);
	m->key[1] = atoi(f[4]);
	if (m->fd < 0)
		return -1;
	m->value = map_read(m);
	return 0;
}

static void poll_map(struct map_watch *m)
{
	uint64_t v = map_read(m);

	if (v != m->value)
		printf("%s %llu\n", m->tag, (unsigned long long)now_ns());
	m->value = v;
}

/* Frees every entry of tabby's conntrack table pinned at `pin`, through the table's protocol. */
static int do_flush(const char *pin)
{
	union bpf_attr attr = { 0 };
	struct tb_ct_table t;
	uint64_t deleted = 0;
	int fd, err;

	attr.pathname = (uintptr_t)pin;
	fd = bpf_sys(BPF_OBJ_GET, &attr);
	if (fd < 0)
		return die(pin);
	err = tb_ct_table_open(fd, &t);
	if (!err)
		err = tb_ct_table_clear(&t, &deleted);
	tb_ct_table_close(&t);
	close(fd);
	if (err) {
		errno = -err;
		return die("conntrack table");
	}
	printf("%lu\n", (unsigned long)deleted);
	return 0;
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

/* The watches of a sink: inotify ones, and one polled map at most. */
static int add_watches(int ifd, char **specs, int n, struct watch *ws, struct map_watch *mw)
{
	for (int i = 0; i < n; i++) {
		ws[i].wd = -1;
		if (!strncmp(specs[i], "map:", 4) && mw->fd < 0 && !add_map_watch(specs[i], mw))
			continue;
		if (add_watch(ifd, specs[i], &ws[i])) {
			fprintf(stderr, "udpflow sink: bad watch %s: %s\n", specs[i],
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void print_packet(const char *what, const struct payload *pl, uint64_t rx)
{
	printf("%s %llu %llu %llu\n", what, (unsigned long long)pl->seq, (unsigned long long)rx,
	       (unsigned long long)pl->send_ns);
}

static int do_sink(const char *ifname, long gap_ms, char **specs, int nspecs)
{
	struct watch ws[MAX_WATCH];
	struct map_watch mw = { .fd = -1 };
	struct payload pl, last = { 0 };
	uint64_t last_rx = 0, gap = (uint64_t)gap_ms * 1000000ull, total = 0;
	int fd = open_sink(ifname), ifd = inotify_init1(IN_NONBLOCK), flowing = 0;

	if (fd < 0 || ifd < 0)
		return die(ifname);
	if (nspecs > MAX_WATCH)
		nspecs = MAX_WATCH;
	if (add_watches(ifd, specs, nspecs, ws, &mw))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { ifd, POLLIN, 0 } };
		int64_t left = flowing ? (int64_t)(last_rx + gap - now_ns()) : 1000000000;
		struct timespec ts;

		/* The map is read every 100 us: a write to it raises no event. */
		if (mw.fd >= 0 && left > 100000)
			left = 100000;
		left = left < 0 ? 0 : left;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		if (ppoll(p, 2, &ts, NULL) < 0 && errno != EINTR)
			return die("poll");
		if (mw.fd >= 0)
			poll_map(&mw);
		if (p[1].revents & POLLIN)
			read_watches(ifd, ws, nspecs);
		while (read_packet(fd, &pl) == 1) {
			uint64_t t = now_ns();

			total++;
			if (!flowing)
				print_packet("start", &pl, t);
			flowing = 1;
			last = pl;
			last_rx = t;
		}
		if (flowing && now_ns() > last_rx + gap) {
			print_packet("stop", &last, last_rx);
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
	if (argc == 3 && !strcmp(argv[1], "flush"))
		return do_flush(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atol(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "sink"))
		return do_sink(argv[2], atol(argv[3]), argv + 4, argc - 4);
	fprintf(stderr, "usage: udpflow send ADDR PPS | sink IFACE GAP_MS [WATCH]... | flush PIN\n");
	return 2;
}
