// SPDX-License-Identifier: GPL-2.0
/*
 * The listening socket is ours, so a bind error is reported exactly (which
 * address, in use or not ours); libmicrohttpd does all of HTTP on it.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "metrics_http.h"

#define HTTP_CONNECTION_LIMIT 16
#define HTTP_CONNECTIONS_PER_CLIENT 8
#define HTTP_IDLE_TIMEOUT_S 10
#define HTTP_LISTEN_BACKLOG 16

/* "[" host "]:" port */
#define HTTP_ADDR_LEN (NI_MAXHOST + NI_MAXSERV + 4)

struct metrics_http {
	struct MHD_Daemon *daemon;
	struct metrics *metrics;
	char address[HTTP_ADDR_LEN];
	/* libmicrohttpd's last message while starting, for the error line. */
	char start_error[256];
	atomic_bool started; /* read by the server thread */
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
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	struct sockaddr_storage sa;
	struct metrics_http *h;
	int fd;

	*hp = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	h->metrics = m;
	fd = listen_on(addr, &sa, msg, msg_len);
	if (fd < 0) {
		free(h);
		return fd;
	}
	format_address(&sa, h->address, sizeof(h->address));
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, handle_request, h, MHD_OPTION_EXTERNAL_LOGGER,
		log_start_error, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)HTTP_CONNECTION_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)HTTP_CONNECTIONS_PER_CLIENT, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)HTTP_IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(msg, msg_len, "libmicrohttpd cannot serve %s: %s", h->address,
			 h->start_error[0] ? h->start_error : "unknown error");
		/* Not closing fd: some of libmicrohttpd's failure paths have
		 * closed it already, and the caller gives up anyway. */
		free(h);
		return -EIO;
	}
	atomic_store(&h->started, true);
	*hp = h;
	return 0;
}

const char *metrics_http__address(const struct metrics_http *h)
{
	return h->address;
}

void metrics_http__stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon); /* closes the listening socket too */
	free(h);
}
