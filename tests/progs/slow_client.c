// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile HTTP client for the metrics endpoint: N connections, the i-th
 * from loopback address 127.0.0.2 + i (so no limit per address applies),
 * each sending a request line and then one more header line every INTERVAL
 * seconds, never the blank line that ends the request. A connection the
 * server closes is opened again at the next tick, so N stay open.
 *
 * Usage: slow_client IPV4:PORT N INTERVAL_SECONDS
 *
 * Prints "open N" once all N are connected, then after each tick
 * "tick K open N reopened R" (R: reopened since the start), and runs until
 * killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MAX_CONNECTIONS 4096

static struct sockaddr_in server;
static int fds[MAX_CONNECTIONS];

static int send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	return send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
}

/* Connection @i, from 127.0.0.2 + i, with its request line sent. */
static int open_connection(unsigned int i)
{
	struct sockaddr_in src = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + i),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(fd, (struct sockaddr *)&server, sizeof(server)) ||
	    send_all(fd, "GET /metrics HTTP/1.1\r\nHost: slow\r\n")) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server closed @fd: an end of file or an error pending. */
static int is_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

int main(int argc, char **argv)
{
	unsigned long reopened = 0, tick;
	unsigned int n, i, open_now;
	char *colon, line[64];
	double interval;
	struct timespec pause;

	if (argc != 4 || !(colon = strrchr(argv[1], ':'))) {
		fprintf(stderr, "usage: slow_client IPV4:PORT N INTERVAL_SECONDS\n");
		return 2;
	}
	*colon = '\0';
	server.sin_family = AF_INET;
	server.sin_port = htons(atoi(colon + 1));
	n = atoi(argv[2]);
	interval = atof(argv[3]);
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1 || !n || n > MAX_CONNECTIONS ||
	    interval <= 0) {
		fprintf(stderr, "slow_client: bad arguments\n");
		return 2;
	}
	pause.tv_sec = (time_t)interval;
	pause.tv_nsec = (long)((interval - pause.tv_sec) * 1e9);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		fds[i] = open_connection(i);
		if (fds[i] < 0) {
			fprintf(stderr, "slow_client: connection %u: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("open %u\n", n);
	fflush(stdout);
	for (tick = 1;; tick++) {
		nanosleep(&pause, NULL);
		snprintf(line, sizeof(line), "X-Slow-%lu: %lu\r\n", tick, tick);
		open_now = 0;
		for (i = 0; i < n; i++) {
			if (fds[i] >= 0 && (is_closed(fds[i]) || send_all(fds[i], line))) {
				close(fds[i]);
				fds[i] = -1;
			}
			if (fds[i] < 0) {
				fds[i] = open_connection(i);
				reopened += fds[i] >= 0;
			}
			open_now += fds[i] >= 0;
		}
		printf("tick %lu open %u reopened %lu\n", tick, open_now, reopened);
		fflush(stdout);
	}
}
