// SPDX-License-Identifier: GPL-2.0
/*
 * The listening socket is ours, so a bind error is reported exactly (which
 * address, in use or not ours); libmicrohttpd does all of HTTP on it, in
 * its epoll mode, from a thread of ours that also keeps every connection
 * to its deadline.
 *
 * A scrape is answered within a second whatever other local clients do.
 * Any local user can connect from any of 127.0.0.0/8's addresses (and from
 * 127.0.0.1 itself), so a limit per address protects nothing; it would even
 * let them take the scraper's own share. Instead:
 *
 *  - A connection is one exchange: we answer in the first call of the
 *    handler, after which libmicrohttpd (0.9.75) closes the connection once
 *    the response is sent. It must be over within HTTP_DEADLINE_NS of the
 *    accept: bytes trickled in do not extend it (a deadline, not an idle
 *    timeout). The thread shuts a connection down when its deadline passes.
 *  - At most HTTP_CLIENTS connections are served at once, and none is
 *    refused for want of room: when one more is accepted, the oldest is
 *    shut down (evicted).
 *
 * Why that serves a scraper: its connection reaches the kernel's accept
 * queue (HTTP_LISTEN_BACKLOG deep, so a burst of hundreds of connections
 * does not fill it) and is accepted at the next turn of the loop.
 * libmicrohttpd stops accepting only at its own limit, HTTP_SLOTS:
 * HTTP_CLIENTS plus room for connections shut down and not yet closed (it
 * closes them at the end of the turn after); should they fill it, accepting
 * waits for that turn, and no connection is refused. Its request, sent
 * with the connect, is read, answered and written at the turn after the
 * accept (libmicrohttpd writes a response at once when the whole request
 * came in one read). An eviction takes the oldest connection, so the
 * scraper's is evicted only if HTTP_CLIENTS connections come after it,
 * and libmicrohttpd accepts at most HTTP_ACCEPTS_PER_TURN + 1 = 11 a turn:
 * at most 22 before the scraper is answered. A turn costs microseconds per
 * connection, so slow clients, however many, cost a scraper a few turns;
 * what could still delay it is a flood of hundreds of new connections
 * within those turns, which is CPU starvation, not this endpoint's to fix.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "clock.h"
#include "metrics_http.h"

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/* Connections served at once; more evict the oldest. */
#define HTTP_CLIENTS 64
/* libmicrohttpd's accept loop takes at most this many, plus one, a turn. */
#define HTTP_ACCEPTS_PER_TURN 10
/* libmicrohttpd's limit: ours, and the evictions of two turns not yet closed. */
#define HTTP_SLOTS (HTTP_CLIENTS + 2 * (HTTP_ACCEPTS_PER_TURN + 1))
#define HTTP_DEADLINE_NS (2 * NSEC_PER_SEC)
#define HTTP_LISTEN_BACKLOG 512

/* "[" host "]:" port */
#define HTTP_ADDR_LEN (NI_MAXHOST + NI_MAXSERV + 4)

/* A connection libmicrohttpd holds; its socket context points here. */
struct http_client {
	struct MHD_Connection *conn; /* NULL: a free slot */
	int fd;
	__u64 deadline_ns; /* CLOCK_MONOTONIC: its accept + HTTP_DEADLINE_NS */
	bool evicted;	   /* shut down; libmicrohttpd closes it next turn */
};

struct metrics_http {
	struct MHD_Daemon *daemon;
	struct metrics *metrics;
	char address[HTTP_ADDR_LEN];
	/* libmicrohttpd's last message while starting, for the error line. */
	char start_error[256];
	atomic_bool started; /* read by the server thread */

	pthread_t thread;
	bool thread_started;
	int wait_fd; /* epoll over libmicrohttpd's epoll fd and stop_fd */
	int stop_fd; /* eventfd: metrics_http__stop() wakes the thread */
	atomic_bool stopping;

	/* Touched by the server thread only (libmicrohttpd's callbacks run
	 * in it), except the counters. */
	struct http_client clients[HTTP_SLOTS];
	unsigned int nr_served; /* connections not evicted */
	atomic_ulong nr_evicted, nr_expired;
};

static const char index_page[] = "<html><head><title>threadleak</title></head><body>\n"
				 "<h1>threadleak monitor</h1>\n"
				 "<p>Prometheus metrics: <a href=\"/metrics\">/metrics</a></p>\n"
				 "</body></html>\n";
static const char not_found[] = "not found: the metrics are at /metrics\n";
static const char bad_method[] = "method not allowed: use GET\n";
static const char no_memory[] = "out of memory rendering the metrics\n";

/* libmicrohttpd's messages matter only while starting: later they are
 * about single clients (one that went away mid-response, ...). */
static void log_start_error(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void log_start_error(void *cls, const char *fmt, va_list ap)
{
	struct metrics_http *h = cls;
	size_t n;

	if (atomic_load(&h->started))
		return;
	vsnprintf(h->start_error, sizeof(h->start_error), fmt, ap);
	n = strlen(h->start_error);
	while (n && h->start_error[n - 1] == '\n')
		h->start_error[--n] = '\0';
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *content_type, const char *body, size_t len, bool free_body)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (free_body)
		resp = MHD_create_response_from_buffer_with_free_callback(len, (void *)body, free);
	else
		resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (free_body)
			free((void *)body);
		return MHD_NO; /* closes the connection */
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES ||
	    (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_state)
{
	struct metrics_http *h = cls;
	char *text;
	size_t len;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     bad_method, strlen(bad_method), false);
	if (!strcmp(url, "/metrics")) {
		if (metrics__render(h->metrics, &text, &len))
			return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "text/plain; charset=utf-8", no_memory, strlen(no_memory),
				     false);
		return reply(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text, len, true);
	}
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", index_page,
			     strlen(index_page), false);
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
		     strlen(not_found), false);
}

/* Shut @c down, counting it in @counter first: libmicrohttpd sees the
 * hang-up, closes it and tells on_connection(), which frees the slot. */
static void evict(struct metrics_http *h, struct http_client *c, atomic_ulong *counter)
{
	atomic_fetch_add(counter, 1);
	shutdown(c->fd, SHUT_RDWR);
	c->evicted = true;
	h->nr_served--;
}

/* Make room for a new connection: evict the oldest but @keep. */
static void evict_oldest(struct metrics_http *h, const struct http_client *keep)
{
	struct http_client *c, *oldest = NULL;

	for (c = h->clients; c < h->clients + HTTP_SLOTS; c++)
		if (c->conn && !c->evicted && c != keep &&
		    (!oldest || c->deadline_ns < oldest->deadline_ns))
			oldest = c;
	if (oldest)
		evict(h, oldest, &h->nr_evicted);
}

/* Evict the connections past their deadline; the nearest deadline left,
 * or UINT64_MAX. */
static __u64 expire(struct metrics_http *h, __u64 now)
{
	__u64 next = UINT64_MAX;
	struct http_client *c;

	for (c = h->clients; c < h->clients + HTTP_SLOTS; c++) {
		if (!c->conn || c->evicted)
			continue;
		if (c->deadline_ns <= now)
			evict(h, c, &h->nr_expired);
		else if (c->deadline_ns < next)
			next = c->deadline_ns;
	}
	return next;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct metrics_http *h = cls;
	const union MHD_ConnectionInfo *info;
	struct http_client *c;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		c = *socket_context;
		if (!c)
			return;
		if (!c->evicted)
			h->nr_served--;
		memset(c, 0, sizeof(*c));
		*socket_context = NULL;
		return;
	}
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (c = h->clients; c < h->clients + HTTP_SLOTS && c->conn; c++)
		;
	if (!info || c == h->clients + HTTP_SLOTS) {
		/* Not reached: libmicrohttpd's limit is HTTP_SLOTS. */
		if (info)
			shutdown(info->connect_fd, SHUT_RDWR);
		return;
	}
	c->conn = conn;
	c->fd = info->connect_fd;
	c->deadline_ns = mono_ns() + HTTP_DEADLINE_NS;
	c->evicted = false;
	*socket_context = c;
	if (++h->nr_served > HTTP_CLIENTS)
		evict_oldest(h, c);
}

/* Milliseconds to wait for: until the nearest deadline, or what
 * libmicrohttpd asks for if sooner; -1: no limit. */
static int wait_ms(struct metrics_http *h, __u64 next_deadline, __u64 now)
{
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	__u64 ms = UINT64_MAX;

	if (next_deadline != UINT64_MAX)
		ms = (next_deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	if (MHD_get_timeout(h->daemon, &mhd_ms) == MHD_YES && mhd_ms < ms)
		ms = mhd_ms;
	if (ms == UINT64_MAX)
		return -1;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static void *serve(void *arg)
{
	struct metrics_http *h = arg;
	struct epoll_event events[2];
	__u64 next;

	while (!atomic_load(&h->stopping)) {
		next = expire(h, mono_ns());
		if (epoll_wait(h->wait_fd, events, 2, wait_ms(h, next, mono_ns())) < 0 &&
		    errno != EINTR)
			break; /* not reached: the fds are ours */
		MHD_run(h->daemon);
	}
	return NULL;
}

/* The thread that runs libmicrohttpd and keeps the deadlines. 0 or -errno. */
static int start_thread(struct metrics_http *h)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon,
								MHD_DAEMON_INFO_EPOLL_FD);
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (!info)
		return -EINVAL;
	h->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h->wait_fd = epoll_create1(EPOLL_CLOEXEC);
	if (h->stop_fd < 0 || h->wait_fd < 0)
		return -errno;
	if (epoll_ctl(h->wait_fd, EPOLL_CTL_ADD, info->epoll_fd, &ev) ||
	    epoll_ctl(h->wait_fd, EPOLL_CTL_ADD, h->stop_fd, &ev))
		return -errno;
	err = pthread_create(&h->thread, NULL, serve, h);
	if (err)
		return -err;
	h->thread_started = true;
	pthread_setname_np(h->thread, "threadleak-http");
	return 0;
}

/* Stop the thread and close its fds; the daemon stays. */
static void stop_thread(struct metrics_http *h)
{
	__u64 one = 1;

	if (h->thread_started) {
		atomic_store(&h->stopping, true);
		/* Cannot fail: an eventfd takes 2^64 - 2 writes. */
		(void)!write(h->stop_fd, &one, sizeof(one));
		pthread_join(h->thread, NULL);
		h->thread_started = false;
	}
	if (h->wait_fd >= 0)
		close(h->wait_fd);
	if (h->stop_fd >= 0)
		close(h->stop_fd);
	h->wait_fd = h->stop_fd = -1;
}

/* "1.2.3.4:80" or "[::1]:80" into a socket address; 0 or -EINVAL. */
static int parse_address(const char *addr, struct sockaddr_storage *sa, socklen_t *sa_len)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	char host[HTTP_ADDR_LEN];
	struct addrinfo *res;
	const char *port, *end;
	char *digits_end;
	unsigned long port_nr;

	if (addr[0] == '[') {
		end = strchr(addr, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hints.ai_family = AF_INET6;
		addr++;
		port = end + 2;
	} else {
		end = strrchr(addr, ':');
		if (!end || memchr(addr, ':', end - addr))
			return -EINVAL; /* an IPv6 address needs brackets */
		hints.ai_family = AF_INET;
		port = end + 1;
	}
	if ((size_t)(end - addr) >= sizeof(host) || end == addr)
		return -EINVAL;
	memcpy(host, addr, end - addr);
	host[end - addr] = '\0';
	errno = 0;
	port_nr = strtoul(port, &digits_end, 10);
	if (!*port || *digits_end || errno || port_nr > 65535 || *port < '0' || *port > '9')
		return -EINVAL;
	if (getaddrinfo(host, port, &hints, &res))
		return -EINVAL;
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*sa_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void format_address(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)sa, sizeof(*sa), host, sizeof(host), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, sa->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

static int listen_on(const char *addr, struct sockaddr_storage *sa, char *msg, size_t msg_len)
{
	socklen_t sa_len = sizeof(*sa);
	int fd, one = 1, err;

	if (parse_address(addr, sa, &sa_len)) {
		snprintf(
			msg, msg_len,
			"bad metrics address '%s': want IPV4:PORT or [IPV6]:PORT, e.g. %s or [::1]:9464",
			addr, METRICS_HTTP_DEFAULT_ADDR);
		return -EINVAL;
	}
	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msg_len, "cannot create a socket for %s: %s", addr, strerror(-err));
		return err;
	}
	/* Restart at once even with connections in TIME_WAIT; on Linux this
	 * does not let two servers listen on one port. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sa, sa_len)) {
		err = -errno;
		if (err == -EADDRINUSE)
			snprintf(
				msg, msg_len,
				"metrics address %s is in use: another threadleak monitor or exporter listens there; choose another port",
				addr);
		else if (err == -EADDRNOTAVAIL)
			snprintf(msg, msg_len, "metrics address %s is not an address of this host",
				 addr);
		else if (err == -EACCES)
			snprintf(
				msg, msg_len,
				"metrics address %s: a port below 1024 needs CAP_NET_BIND_SERVICE; use a higher one",
				addr);
		else
			snprintf(msg, msg_len, "cannot bind metrics address %s: %s", addr,
				 strerror(-err));
		goto fail;
	}
	if (listen(fd, HTTP_LISTEN_BACKLOG)) {
		err = -errno;
		snprintf(msg, msg_len, "cannot listen on %s: %s", addr, strerror(-err));
		goto fail;
	}
	sa_len = sizeof(*sa);
	if (getsockname(fd, (struct sockaddr *)sa, &sa_len)) {
		err = -errno;
		snprintf(msg, msg_len, "cannot read the address of %s: %s", addr, strerror(-err));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

int metrics_http__start(struct metrics_http **hp, const char *addr, struct metrics *m, char *msg,
			size_t msg_len)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct sockaddr_storage sa;
	struct metrics_http *h;
	int fd, err;

	*hp = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	h->metrics = m;
	h->wait_fd = h->stop_fd = -1;
	fd = listen_on(addr, &sa, msg, msg_len);
	if (fd < 0) {
		free(h);
		return fd;
	}
	format_address(&sa, h->address, sizeof(h->address));
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* No per-address limit and no idle timeout: see the top of the file. */
	h->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, handle_request, h, MHD_OPTION_EXTERNAL_LOGGER,
		log_start_error, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)HTTP_SLOTS, MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(msg, msg_len, "libmicrohttpd cannot serve %s: %s", h->address,
			 h->start_error[0] ? h->start_error : "unknown error");
		/* Not closing fd: some of libmicrohttpd's failure paths have
		 * closed it already, and the caller gives up anyway. */
		free(h);
		return -EIO;
	}
	atomic_store(&h->started, true);
	err = start_thread(h);
	if (err) {
		snprintf(msg, msg_len, "cannot start the thread serving %s: %s", h->address,
			 strerror(-err));
		metrics_http__stop(h);
		return err;
	}
	*hp = h;
	return 0;
}

const char *metrics_http__address(const struct metrics_http *h)
{
	return h->address;
}

void metrics_http__counts(const struct metrics_http *h, struct metrics_http_counts *counts)
{
	counts->evicted = atomic_load(&h->nr_evicted);
	counts->expired = atomic_load(&h->nr_expired);
}

void metrics_http__stop(struct metrics_http *h)
{
	if (!h)
		return;
	stop_thread(h);
	MHD_stop_daemon(h->daemon); /* closes the listening socket too */
	free(h);
}
