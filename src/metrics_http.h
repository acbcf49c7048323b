/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus endpoint of `threadleak monitor`: libmicrohttpd serving
 * GET /metrics (the last published snapshot of struct metrics) and GET / (a
 * pointer to it) from a thread of its own, on one address only.
 *
 *   200  GET or HEAD /metrics, Content-Type METRICS_CONTENT_TYPE
 *   404  any other path
 *   405  any other method (Allow: GET, HEAD)
 *
 * Whatever other local clients do, a scrape is answered within a second: a
 * connection carries one request, answered and closed within 2 s of the
 * accept, whatever the client trickles in, and of 64 connections served at
 * once the oldest makes room for a new one (metrics_http.c says why that
 * suffices).
 */
#ifndef __THREADLEAK_METRICS_HTTP_H
#define __THREADLEAK_METRICS_HTTP_H

#include <stddef.h>
#include "metrics.h"

#define METRICS_HTTP_DEFAULT_ADDR "127.0.0.1:9464"

struct metrics_http;

/*
 * Listen on @addr, "IPV4:PORT" or "[IPV6]:PORT" (numeric; port 0 picks a
 * free one), and serve @m until metrics_http__stop(). Returns 0, or -errno
 * with a one-line explanation in @msg: -EINVAL for an address that does not
 * parse, -EADDRINUSE, -EADDRNOTAVAIL (not an address of this host), -EACCES
 * (a port below 1024 without CAP_NET_BIND_SERVICE).
 */
int metrics_http__start(struct metrics_http **hp, const char *addr, struct metrics *m, char *msg,
			size_t msg_len);

/* Where it listens, with the port it got: "127.0.0.1:9464", "[::1]:9464". */
const char *metrics_http__address(const struct metrics_http *h);

/* Connections shut down since the start: to make room for a new one, and
 * because they were not done by their deadline. */
struct metrics_http_counts {
	unsigned long evicted, expired;
};

void metrics_http__counts(const struct metrics_http *h, struct metrics_http_counts *counts);

/* Stop serving (waits for the server thread), close the socket, free @h. */
void metrics_http__stop(struct metrics_http *h);

#endif /* __THREADLEAK_METRICS_HTTP_H */
