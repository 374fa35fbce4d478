/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal HTTP/1.0 responder for health and metrics endpoints, driven from the caller's
 * poll loop: no threads, one short request at a time, GET only.
 */
#ifndef TABBY_HTTP_SERVER_H
#define TABBY_HTTP_SERVER_H

#include <stdio.h>

/* Writes the body for path into f and returns the HTTP status (200, 404, 503...). */
typedef int (*tb_http_handler)(void *ctx, const char *path, FILE *f);

struct tb_http {
	int fd;
	tb_http_handler handler;
	void *ctx;
};

/* Listens on host:port (IPv4 or IPv6 literal, or a name). 0 or -errno. */
int tb_http_listen(struct tb_http *h, const char *host, int port, tb_http_handler handler,
		   void *ctx);
/* Serves one pending connection (call when fd is readable). */
void tb_http_serve(struct tb_http *h);
void tb_http_close(struct tb_http *h);

#endif
