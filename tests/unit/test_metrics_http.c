// SPDX-License-Identifier: GPL-2.0
/*
 * The endpoint on loopback, no root needed: status codes, headers and body
 * through a plain socket client, the errors at start, and hostile clients:
 * one that trickles bytes past its deadline, many slow ones from many
 * loopback addresses while 127.0.0.1 scrapes.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "metrics_http.h"
#include "test.h"

struct http_reply {
	int status;
	char *headers; /* the header block, lines ending in \r\n */
	char *body;
	size_t body_len;
};

static void http_reply_free(struct http_reply *r)
{
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* "[::1]:1234" or "127.0.0.1:1234" to a connected socket. */
static int connect_to(const char *addr)
{
	char host[128];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int fd;

	if (addr[0] == '[')
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr - 2), addr + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (getaddrinfo(host, colon + 1, &hints, &res))
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* One request with Connection: close; the whole reply. 0 or -1. */
static int http_request(const char *addr, const char *method, const char *path,
			struct http_reply *r)
{
	char req[512], *all = NULL, *end;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	fd = connect_to(addr);
	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req),
		 "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		 method, path);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto fail;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *bigger = realloc(all, cap = cap * 2 + 8192);

			if (!bigger)
				goto fail;
			all = bigger;
		}
		n = read(fd, all + len, cap - len - 1);
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	if (!all)
		return -1;
	all[len] = '\0';
	end = strstr(all, "\r\n\r\n");
	if (!end || sscanf(all, "HTTP/1.%*d %d", &r->status) != 1) {
		free(all);
		return -1;
	}
	r->headers = strndup(all, end + 2 - all);
	r->body_len = len - (end + 4 - all);
	r->body = malloc(r->body_len + 1);
	if (r->body) {
		memcpy(r->body, end + 4, r->body_len);
		r->body[r->body_len] = '\0';
	}
	free(all);
	return r->headers && r->body ? 0 : -1;
fail:
	close(fd);
	free(all);
	return -1;
}

static bool has_header(const struct http_reply *r, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	return r->headers && strcasestr(r->headers, want);
}

static struct metrics *metrics_with_one_census(void)
{
	struct census_stats cs = { .duration_ns = 1000000 };
	struct sample s = { .pid = 42, .comm = "leaky", .threads = 80, .goroutines = -1 };
	struct metrics *m = metrics__new(NULL);

	if (m) {
		metrics__sample(m, &s, "/system.slice/leaky.service");
		metrics__end(m, &cs, NULL);
	}
	return m;
}

void test_metrics_http(void)
{
	struct metrics *m = metrics_with_one_census();
	struct metrics_http *h = NULL;
	struct http_reply r = { 0 };
	char msg[256] = "", *want = NULL;
	const char *addr;
	size_t want_len;
	int i;

	if (!ASSERT_TRUE(m, "metrics"))
		return;
	if (!ASSERT_OK(metrics_http__start(&h, "127.0.0.1:0", m, msg, sizeof(msg)), msg))
		goto out;
	addr = metrics_http__address(h);
	ASSERT_TRUE(!strncmp(addr, "127.0.0.1:", 10) && strcmp(addr, "127.0.0.1:0"),
		    "address with the port it got");
	metrics__render(m, &want, &want_len);

	if (test__start_subtest("get_metrics") &&
	    ASSERT_OK(http_request(addr, "GET", "/metrics", &r), "request")) {
		ASSERT_EQ(r.status, 200, "status");
		ASSERT_TRUE(has_header(&r,
				       "Content-Type: text/plain; version=0.0.4; charset=utf-8"),
			    "content type");
		ASSERT_EQ(r.body_len, want_len, "length");
		ASSERT_STREQ(r.body, want, "body is the snapshot");
	}
	http_reply_free(&r);
	if (test__start_subtest("query_string") &&
	    ASSERT_OK(http_request(addr, "GET", "/metrics?x=1", &r), "request"))
		ASSERT_EQ(r.status, 200, "status");
	http_reply_free(&r);
	if (test__start_subtest("head") &&
	    ASSERT_OK(http_request(addr, "HEAD", "/metrics", &r), "request")) {
		ASSERT_EQ(r.status, 200, "status");
		ASSERT_EQ(r.body_len, 0, "no body");
	}
	http_reply_free(&r);
	if (test__start_subtest("index") &&
	    ASSERT_OK(http_request(addr, "GET", "/", &r), "request")) {
		ASSERT_EQ(r.status, 200, "status");
		ASSERT_TRUE(has_header(&r, "Content-Type: text/html; charset=utf-8"), "html");
		ASSERT_TRUE(strstr(r.body, "href=\"/metrics\""), "points to /metrics");
	}
	http_reply_free(&r);
	if (test__start_subtest("not_found") &&
	    ASSERT_OK(http_request(addr, "GET", "/metricsx", &r), "request"))
		ASSERT_EQ(r.status, 404, "status");
	http_reply_free(&r);
	if (test__start_subtest("post") &&
	    ASSERT_OK(http_request(addr, "POST", "/metrics", &r), "request")) {
		ASSERT_EQ(r.status, 405, "status");
		ASSERT_TRUE(has_header(&r, "Allow: GET, HEAD"), "allow");
	}
	http_reply_free(&r);
	if (test__start_subtest("sequential_scrapes")) {
		for (i = 0; i < 200; i++) {
			if (!ASSERT_OK(http_request(addr, "GET", "/metrics", &r), "request") ||
			    !ASSERT_EQ(r.status, 200, "status"))
				break;
			http_reply_free(&r);
		}
		http_reply_free(&r);
	}
	if (test__start_subtest("in_use")) {
		struct metrics_http *second = NULL;

		ASSERT_EQ(metrics_http__start(&second, addr, m, msg, sizeof(msg)), -EADDRINUSE,
			  "second server");
		ASSERT_TRUE(strstr(msg, "is in use") && strstr(msg, addr), msg);
		ASSERT_TRUE(second == NULL, "no server");
	}
	if (test__start_subtest("restart_same_port")) {
		char same[64];

		snprintf(same, sizeof(same), "%s", addr);
		metrics_http__stop(h);
		h = NULL;
		if (ASSERT_OK(metrics_http__start(&h, same, m, msg, sizeof(msg)), msg) &&
		    ASSERT_OK(http_request(same, "GET", "/metrics", &r), "request"))
			ASSERT_EQ(r.status, 200, "status");
		http_reply_free(&r);
	}
out:
	free(want);
	metrics_http__stop(h);
	metrics__free(m);
}

void test_metrics_http_ipv6(void)
{
	struct metrics *m = metrics_with_one_census();
	struct metrics_http *h = NULL;
	struct http_reply r = { 0 };
	char msg[256] = "";
	int err;

	if (!ASSERT_TRUE(m, "metrics"))
		return;
	err = metrics_http__start(&h, "[::1]:0", m, msg, sizeof(msg));
	if (err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT) {
		printf("SKIP: unit/metrics_http_ipv6: no IPv6 loopback (%s)\n", msg);
		goto out;
	}
	if (!ASSERT_OK(err, msg))
		goto out;
	ASSERT_TRUE(!strncmp(metrics_http__address(h), "[::1]:", 6), "address");
	if (ASSERT_OK(http_request(metrics_http__address(h), "GET", "/metrics", &r), "request"))
		ASSERT_EQ(r.status, 200, "status");
	http_reply_free(&r);
out:
	metrics_http__stop(h);
	metrics__free(m);
}

void test_metrics_http_bad_address(void)
{
	static const struct {
		const char *addr;
		int err;
	} cases[] = {
		{ "localhost:9464", -EINVAL }, /* numeric only: no DNS at start */
		{ "127.0.0.1", -EINVAL },
		{ "127.0.0.1:", -EINVAL },
		{ "127.0.0.1:99999", -EINVAL },
		{ "127.0.0.1:-1", -EINVAL },
		{ "127.0.0.1:94x", -EINVAL },
		{ "::1:9464", -EINVAL },
		{ "[::1]9464", -EINVAL },
		{ "[::1", -EINVAL },
		{ ":9464", -EINVAL },
		{ "", -EINVAL },
		{ "[127.0.0.1]:9464", -EINVAL },
		{ "192.0.2.1:9464", -EADDRNOTAVAIL }, /* TEST-NET-1: not ours */
	};
	struct metrics *m = metrics__new(NULL);
	struct metrics_http *h;
	char msg[256];
	size_t i;

	if (!ASSERT_TRUE(m, "metrics"))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h = NULL;
		msg[0] = '\0';
		if (!ASSERT_EQ(metrics_http__start(&h, cases[i].addr, m, msg, sizeof(msg)),
			       cases[i].err, cases[i].addr)) {
			metrics_http__stop(h);
			continue;
		}
		ASSERT_TRUE(strstr(msg, cases[i].addr) != NULL, msg);
		ASSERT_TRUE(h == NULL, "no server");
	}
	metrics__free(m);
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A connection from 127.0.0.@host to the server's port, or -1. */
static int connect_from(unsigned int host, const char *server_addr)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + host);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(atoi(strrchr(server_addr, ':') + 1));
	if (fd >= 0 && (bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
			connect(fd, (struct sockaddr *)&dst, sizeof(dst)))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool send_text(int fd, const char *s)
{
	return send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s);
}

/* Whether the server closed @fd, waiting up to @ms for it. */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n <= 0)
			return n == 0 || (errno != EAGAIN && errno != EINTR);
	}
	return false;
}

/*
 * A connection that trickles a header line every 100 ms: its deadline is
 * 2 s from the accept, whatever it sends. A scrape meanwhile is answered.
 */
void test_metrics_http_deadline(void)
{
	struct metrics *m = metrics_with_one_census();
	struct metrics_http_counts counts;
	struct metrics_http *h = NULL;
	struct http_reply r = { 0 };
	double start, closed_at = 0;
	char msg[256] = "";
	int fd = -1, i;

	if (!ASSERT_TRUE(m, "metrics") ||
	    !ASSERT_OK(metrics_http__start(&h, "127.0.0.1:0", m, msg, sizeof(msg)), msg))
		goto out;
	fd = connect_from(2, metrics_http__address(h));
	start = seconds_now();
	if (!ASSERT_TRUE(fd >= 0 && send_text(fd, "GET /metrics HTTP/1.1\r\n"), "connect"))
		goto out;
	for (i = 0; i < 40 && !closed_at; i++) {
		if (i == 5 &&
		    ASSERT_OK(http_request(metrics_http__address(h), "GET", "/metrics", &r),
			      "scrape"))
			ASSERT_EQ(r.status, 200, "status");
		if (closed_within(fd, 100))
			closed_at = seconds_now() - start;
		else
			send_text(fd, "X-Slow: 1\r\n");
	}
	http_reply_free(&r);
	printf("  deadline: a trickling connection closed %.3f s after it connected\n", closed_at);
	ASSERT_NEAR(closed_at, 2.1, 0.15, "closed 2 s after it connected");
	metrics_http__counts(h, &counts);
	ASSERT_EQ(counts.expired, 1, "expired");
	ASSERT_EQ(counts.evicted, 0, "evicted");
out:
	if (fd >= 0)
		close(fd);
	metrics_http__stop(h);
	metrics__free(m);
}

#define SLOW_CLIENTS 150
#define SERVED_AT_ONCE 64

/*
 * 150 connections from 127.0.0.2 to 127.0.0.151, each with half a
 * request: 86 are evicted at once, and one more by the first scrape from
 * 127.0.0.1 (the next find room, the scrapes before them being closed);
 * each scrape is answered within a second; the other 63 expire.
 */
void test_metrics_http_slow_clients(void)
{
	struct metrics *m = metrics_with_one_census();
	struct metrics_http_counts counts = { 0 };
	struct metrics_http *h = NULL;
	struct http_reply r = { 0 };
	int fds[SLOW_CLIENTS], i, nr_open = 0, nr_closed = 0;
	double end, t, worst = 0;
	char msg[256] = "";

	for (i = 0; i < SLOW_CLIENTS; i++)
		fds[i] = -1;
	if (!ASSERT_TRUE(m, "metrics") ||
	    !ASSERT_OK(metrics_http__start(&h, "127.0.0.1:0", m, msg, sizeof(msg)), msg))
		goto out;
	for (i = 0; i < SLOW_CLIENTS; i++) {
		fds[i] = connect_from(2 + i, metrics_http__address(h));
		nr_open += fds[i] >= 0 && send_text(fds[i], "GET /metrics HTTP/1.1\r\n");
	}
	if (!ASSERT_EQ(nr_open, SLOW_CLIENTS, "slow connections"))
		goto out;
	for (end = seconds_now() + 1; seconds_now() < end; usleep(1000)) {
		metrics_http__counts(h, &counts);
		if (counts.evicted >= SLOW_CLIENTS - SERVED_AT_ONCE)
			break;
	}
	ASSERT_EQ(counts.evicted, SLOW_CLIENTS - SERVED_AT_ONCE, "evicted to make room");
	for (i = 0; i < 10; i++) {
		t = seconds_now();
		if (!ASSERT_OK(http_request(metrics_http__address(h), "GET", "/metrics", &r),
			       "scrape") ||
		    !ASSERT_EQ(r.status, 200, "status"))
			break;
		http_reply_free(&r);
		t = seconds_now() - t;
		worst = t > worst ? t : worst;
	}
	http_reply_free(&r);
	printf("  slow_clients: 10 scrapes beside %d slow connections, the slowest %.1f ms\n",
	       SLOW_CLIENTS, worst * 1000);
	ASSERT_TRUE(worst < 1, "every scrape within 1 s");
	for (i = 0; i < SLOW_CLIENTS; i++)
		nr_closed += closed_within(fds[i], 3000);
	ASSERT_EQ(nr_closed, SLOW_CLIENTS, "all closed by the server");
	metrics_http__counts(h, &counts);
	printf("  slow_clients: %lu evicted, %lu expired\n", counts.evicted, counts.expired);
	ASSERT_EQ(counts.evicted, SLOW_CLIENTS - SERVED_AT_ONCE + 1, "evicted");
	ASSERT_EQ(counts.expired, SERVED_AT_ONCE - 1, "expired");
out:
	for (i = 0; i < SLOW_CLIENTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	metrics_http__stop(h);
	metrics__free(m);
}
