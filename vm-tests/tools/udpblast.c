// SPDX-License-Identifier: Apache-2.0
/*
 * udpblast: a stream of small UDP packets, every one a new flow, and a sink that counts them,
 * for the per-packet cost of a dataplane's policy decision (scripts/bench/dataplane.sh).
 *
 *   udpblast send SRC24 DST PORT SECONDS [OFFSET]
 *       sends as fast as it can for SECONDS, 64 packets per sendmmsg, through a raw socket so
 *       that each packet carries its own source: SRC24.<10-249> x source ports 1024-65535
 *       (15.4M tuples before one repeats), starting OFFSET tuples in, so that no packet
 *       belongs to a flow a conntrack table already holds. Prints "sent N".
 *   udpblast sink PORT IDLE_MS
 *       receives on PORT with recvmmsg, 64 at a time, until IDLE_MS pass without a packet
 *       after the first; prints "received N ns NS pps PPS", NS from the first packet to the
 *       last (CLOCK_MONOTONIC).
 *
 * The UDP checksum is 0 (none, allowed for IPv4); the kernel fills in the IP checksum.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PAYLOAD 18
#define HOST_LO 10
#define N_HOSTS 240
#define PORT_LO 1024
#define N_PORTS (65536 - PORT_LO)

struct frame {
	struct iphdr ip;
	struct udphdr udp;
	uint8_t payload[PAYLOAD];
} __attribute__((packed));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Tuple k: the host varies fastest, so consecutive packets differ in address and port. */
static void fill(struct frame *f, uint32_t src24, uint32_t dst, uint16_t dport, uint64_t k)
{
	uint32_t host = HOST_LO + (uint32_t)(k % N_HOSTS);
	uint32_t sport = PORT_LO + (uint32_t)((k / N_HOSTS) % N_PORTS);

	memset(f, 0, sizeof(*f));
	f->ip.version = 4;
	f->ip.ihl = 5;
	f->ip.ttl = 64;
	f->ip.protocol = IPPROTO_UDP;
	f->ip.tot_len = htons(sizeof(*f));
	f->ip.saddr = htonl(src24 | host);
	f->ip.daddr = dst;
	f->udp.source = htons((uint16_t)sport);
	f->udp.dest = htons(dport);
	f->udp.len = htons(sizeof(f->udp) + PAYLOAD);
	memcpy(f->payload, &k, sizeof(k));
}

static int blast(uint32_t src24, struct sockaddr_in *dst, double seconds, uint64_t k)
{
	static struct frame frames[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), sent = 0;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = &frames[i];
		iov[i].iov_len = sizeof(frames[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(*dst);
	}
	while (now_ns() < end) {
		int n;

		for (int i = 0; i < BATCH; i++)
			fill(&frames[i], src24, dst->sin_addr.s_addr, ntohs(dst->sin_port), k + i);
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			/* a full qdisc or socket buffer: retry; the sink counts what arrives */
			if (errno == ENOBUFS || errno == EAGAIN || errno == EPERM)
				continue;
			perror("sendmmsg");
			close(fd);
			return 1;
		}
		k += (uint64_t)n;
		sent += (uint64_t)n;
	}
	close(fd);
	printf("sent %llu\n", (unsigned long long)sent);
	return 0;
}

static int sink(uint16_t port, int idle_ms)
{
	static uint8_t bufs[BATCH][64];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	uint64_t got = 0, first = 0, last = 0;
	int sz = 16 << 20, fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("sink socket");
		return 1;
	}
	/* a large buffer: the sink must not be what limits the rate */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int n;

		/* before the first packet, wait up to 30 s for the sender to start */
		n = poll(&p, 1, got ? idle_ms : 30000);
		if (n <= 0)
			break;
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		last = now_ns();
		if (!got)
			first = last;
		got += (uint64_t)n;
	}
	close(fd);
	printf("received %llu ns %llu pps %.0f\n", (unsigned long long)got,
	       (unsigned long long)(last - first),
	       last > first ? (double)(got - 1) * 1e9 / (double)(last - first) : 0.0);
	return got ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct in_addr src;

	if (argc == 4 && !strcmp(argv[1], "sink"))
		return sink((uint16_t)atoi(argv[2]), atoi(argv[3]));
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "send") &&
	    inet_pton(AF_INET, argv[2], &src) == 1 &&
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) == 1) {
		dst.sin_port = htons((uint16_t)atoi(argv[4]));
		return blast(ntohl(src.s_addr) & 0xffffff00u, &dst, atof(argv[5]),
			     argc == 7 ? strtoull(argv[6], NULL, 0) : 0);
	}
	fprintf(stderr, "usage: udpblast send SRC24 DST PORT SECONDS [OFFSET]\n"
			"       udpblast sink PORT IDLE_MS\n");
	return 2;
}
