// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_server.h"
#include "log.h"

int tb_http_listen(struct tb_http *h, const char *host, int port, tb_http_handler handler,
		   void *ctx)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai = NULL;
	char svc[16];
	int one = 1, r;

	h->fd = -1;
	snprintf(svc, sizeof(svc), "%d", port);
	r = getaddrinfo(host, svc, &hints, &ai);
	if (r)
		return -EADDRNOTAVAIL;
	h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->fd < 0) {
		r = -errno;
		goto out;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, ai->ai_addr, ai->ai_addrlen) || listen(h->fd, 16)) {
		r = -errno;
		close(h->fd);
		h->fd = -1;
		goto out;
	}
	h->handler = handler;
	h->ctx = ctx;
	r = 0;
out:
	freeaddrinfo(ai);
	return r;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

/* Reads the request line, waiting briefly: a slow client must not stall the agent. */
static int read_request(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < len - 1 && !memchr(buf, '\n', got)) {
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		got += n;
		buf[got] = '\0';
	}
	return 0;
}

void tb_http_serve(struct tb_http *h)
{
	char req[1024] = "", path[512] = "/", method[16] = "", *body = NULL;
	size_t blen = 0;
	int c = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC), status;
	FILE *f, *out;

	if (c < 0)
		return;
	if (read_request(c, req, sizeof(req)) || sscanf(req, "%15s %511s", method, path) != 2) {
		close(c);
		return;
	}
	f = open_memstream(&body, &blen);
	if (!f) {
		close(c);
		return;
	}
	status = strcmp(method, "GET") ? 405 : h->handler(h->ctx, path, f);
	fclose(f);
	out = fdopen(c, "w");
	if (out) {
		fprintf(out, "HTTP/1.0 %d %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
			     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			status, reason(status), blen);
		fwrite(body, 1, blen, out);
		fclose(out);
	} else {
		close(c);
	}
	free(body);
}

void tb_http_close(struct tb_http *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}
