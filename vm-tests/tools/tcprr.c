// SPDX-License-Identifier: Apache-2.0
/*
 * tcprr: netperf's TCP_RR and TCP_CRR, for the live dataplane benchmark
 * (scripts/bench/dataplane.sh). There is no netperf here.
 *
 *   tcprr serve PORT          echoes on every connection, one connection at a time, until
 *                             killed; prints "ready" once listening
 *   tcprr rr HOST PORT SECS   one connection, 1-byte request then 1-byte reply, as many as
 *                             fit in SECS: prints "transactions N seconds S rate R"
 *   tcprr crr HOST PORT SECS  the same with a new connection per transaction (connect,
 *                             request, reply, close), as TCP_CRR does
 *
 * TCP_NODELAY on both ends, so each request and reply is one segment.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1024)) {
		perror("listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char buf[64];
		ssize_t n;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		nodelay(fd);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t)n) != n)
				break;
		close(fd);
	}
}

static int dial(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	nodelay(fd);
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request and its reply; 0 or -1. */
static int transact(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1 && read(fd, &c, 1) == 1 ? 0 : -1;
}

static int run(const struct sockaddr_in *a, double secs, int per_conn)
{
	double start = now_s(), end = start + secs, t = start;
	unsigned long n = 0;
	int fd = -1;

	while (t < end) {
		if (fd < 0 && (fd = dial(a)) < 0) {
			perror("connect");
			return 1;
		}
		if (transact(fd)) {
			fprintf(stderr, "transaction %lu failed\n", n);
			close(fd);
			return 1;
		}
		n++;
		if (per_conn) {
			close(fd);
			fd = -1;
		}
		/* the clock is read every 16 transactions: cheap, and close enough at > 1 s */
		if (!(n & 15))
			t = now_s();
	}
	if (fd >= 0)
		close(fd);
	t = now_s() - start;
	printf("transactions %lu seconds %.3f rate %.0f\n", n, t, (double)n / t);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};

	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve((uint16_t)atoi(argv[2]));
	if (argc == 5 && (!strcmp(argv[1], "rr") || !strcmp(argv[1], "crr")) &&
	    inet_pton(AF_INET, argv[2], &a.sin_addr) == 1) {
		a.sin_port = htons((uint16_t)atoi(argv[3]));
		return run(&a, atof(argv[4]), !strcmp(argv[1], "crr"));
	}
	fprintf(stderr, "usage: tcprr serve PORT | tcprr rr|crr HOST PORT SECONDS\n");
	return 2;
}
