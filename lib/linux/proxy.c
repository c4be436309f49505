/*
 * The filtering proxy of WSB_NETWORK_ALLOWLIST (docs/network.md). It
 * serves the listener the sandbox's init made in the command's network
 * namespace (or, with no namespace, one of its own on the host's
 * 127.0.0.1), reads one request per connection -
 * HTTP CONNECT, a plain HTTP request with an absolute URI, or SOCKS5 -
 * decides it against the rules (lib/core/hostpat.c), resolves the name
 * itself, checks every address it may connect to and connects to exactly
 * the address it checked, so a name cannot rebind between check and use.
 * Denials are answered in the protocol's own way (HTTP 403 with a reason
 * header, SOCKS5 reply 2). A CONNECT or SOCKS5 tunnel whose first bytes are
 * a TLS ClientHello naming a server (SNI) must name the requested host.
 * Those decisions are the core's (lib/core/proxyserve.c), shared with the
 * Windows proxy; this file owns the sockets, threads and splice.
 *
 * One accept thread, and one thread per connection that polls its sockets
 * and the shared wake pipe: a client that sends garbage, half a request or
 * never reads holds only its own thread, and stopping wakes every thread
 * at once. Once a tunnel is open its bytes move with splice() through a
 * pipe per direction, not through user space. getaddrinfo() is the one call that cannot be woken; stopping
 * waits for it.
 */
#include "proxy.h"
#include "core/policy.h"
#include "core/proxyserve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define IO_BUF 65536
#define SPLICE_PIPE (1 << 20)
#define SPLICE_ROUNDS 16
#define HEAD_TIMEOUT_MS 60000
#define CONNECT_TIMEOUT_MS 15000

typedef struct conn {
	struct conn *next;
	struct wsb__lx_proxy *px;
	int fd, up;
	pthread_t thread;
	int done;             /* set (atomically) by the thread as it ends */
} conn;

struct wsb__lx_proxy {
	int listener;
	int wake[2];
	pthread_t thread;
	int thread_started;
	wsb__hostpat *rules;
	size_t rule_count;
	wsb_network_event_fn on_event;
	void *ctx;
	conn *conns;
	size_t nconns;
	int active;                 /* connections not yet reported (atomic) */
	pthread_mutex_t log_lock;   /* guards log */
	wsb__px_log log;
};

/* Wait for fd to be readable (POLLIN) or writable (POLLOUT): 1 ready, 0
 * timeout, -1 stopping or error. */
static int wait_fd(struct wsb__lx_proxy *px, int fd, short events, int timeout_ms)
{
	struct pollfd p[2];
	int n;

	p[0].fd = fd;
	p[0].events = events;
	p[1].fd = px->wake[0];
	p[1].events = POLLIN;
	do {
		p[0].revents = p[1].revents = 0;
		n = poll(p, 2, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || p[1].revents)
		return -1;
	return n > 0 ? 1 : 0;
}

static int send_all(struct wsb__lx_proxy *px, int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(px, fd, POLLOUT, HEAD_TIMEOUT_MS) != 1)
				return -1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read more of the request into buf: bytes read, 0 on EOF, -1 on error,
 * timeout or stop. */
static ssize_t read_more(struct wsb__lx_proxy *px, int fd, char *buf, size_t cap)
{
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_fd(px, fd, POLLIN, HEAD_TIMEOUT_MS) != 1)
			return -1;
	}
}

/* The core's resolver seam: getaddrinfo(), IPv4 and IPv6 addresses in
 * its order. */
static long io_resolve(void *ctx, const char *host, unsigned int port, wsb__px_addr *out,
	size_t cap)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8];
	long n = 0;

	(void)ctx;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0 || res == NULL)
		return -1;
	for (ai = res; ai && (size_t)n < cap; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			out[n].family = WSB__ADDR_V4;
			memcpy(out[n++].bytes, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			out[n].family = WSB__ADDR_V6;
			memcpy(out[n++].bytes, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		}
	}
	freeaddrinfo(res);
	return n;
}

static int io_connect(void *ctx, const wsb__px_addr *addr, unsigned int port)
{
	conn *c = ctx;
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	memset(&sa, 0, sizeof(sa));
	if (addr->family == WSB__ADDR_V4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		memcpy(&in->sin_addr, addr->bytes, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		memcpy(&in6->sin6_addr, addr->bytes, 16);
		len = sizeof(*in6);
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&sa, len) == 0 ||
	    (errno == EINPROGRESS && wait_fd(c->px, fd, POLLOUT, CONNECT_TIMEOUT_MS) == 1 &&
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)) {
		c->up = fd;
		return 0;
	}
	close(fd);
	return -1;
}

/* Count what went out in direction d (0 up, 1 down). */
static void count(wsb__px_attempt *a, int d, ssize_t n)
{
	if (d == 0)
		a->up += (wsb_u64)n;
	else
		a->down += (wsb_u64)n;
}

/* Wait in pump for events[0] on cfd, events[1] on ufd, or the wake pipe:
 * 1 to go on (revents filled), 0 to stop. A socket with nothing to wait
 * for is left out, so its hang-up cannot spin the loop while the bytes it
 * waits for are elsewhere. */
static int pump_poll(struct wsb__lx_proxy *px, struct pollfd p[3], int cfd, int ufd,
	const short events[2])
{
	int n;

	p[0].fd = events[0] ? cfd : -1;
	p[1].fd = events[1] ? ufd : -1;
	p[2].fd = px->wake[0];
	p[0].events = events[0];
	p[1].events = events[1];
	p[2].events = POLLIN;
	do {
		p[0].revents = p[1].revents = p[2].revents = 0;
		n = poll(p, 3, -1);
	} while (n < 0 && errno == EINTR);
	return n > 0 && !p[2].revents;
}

/* Copy both ways through user space until both directions ended (FIN
 * passed on) or an error: used when no pipes can be had for splice. */
static void pump_copy(struct wsb__lx_proxy *px, int cfd, int ufd, wsb__px_attempt *a)
{
	char *buf = wsb__malloc(2 * IO_BUF);
	size_t len[2] = { 0, 0 }, off[2] = { 0, 0 };
	int eof[2] = { 0, 0 }, shut[2] = { 0, 0 };
	int src[2] = { cfd, ufd }, dst[2] = { ufd, cfd };

	if (buf == NULL)
		return;
	while (!(shut[0] && shut[1])) {
		struct pollfd p[3];
		short ev[2] = { 0, 0 };
		int d;

		for (d = 0; d < 2; d++) {
			if (len[d] == 0 && !eof[d])
				ev[d] |= POLLIN;               /* src[d] is p[d] */
			if (len[d] > off[d])
				ev[1 - d] |= POLLOUT;          /* dst[d] is p[1 - d] */
		}
		if (!pump_poll(px, p, cfd, ufd, ev))
			break;
		for (d = 0; d < 2; d++) {
			char *b = buf + (size_t)d * IO_BUF;
			ssize_t r;

			if ((p[d].revents & (POLLIN | POLLHUP | POLLERR)) && len[d] == 0 && !eof[d]) {
				r = recv(src[d], b, IO_BUF, 0);
				if (r == 0)
					eof[d] = 1;
				else if (r < 0 && errno != EAGAIN && errno != EINTR)
					goto out;
				else if (r > 0) {
					len[d] = (size_t)r;
					off[d] = 0;
				}
			}
			if (len[d] > off[d]) {
				r = send(dst[d], b + off[d], len[d] - off[d], MSG_NOSIGNAL);
				if (r < 0 && errno != EAGAIN && errno != EINTR)
					goto out;
				if (r > 0) {
					off[d] += (size_t)r;
					count(a, d, r);
					if (off[d] == len[d])
						len[d] = off[d] = 0;
				}
			}
			if (eof[d] && len[d] == 0 && !shut[d]) {
				shutdown(dst[d], SHUT_WR);
				shut[d] = 1;
			}
		}
	}
out:
	wsb__free(buf);
}

/* The same with splice(): each direction's bytes go socket -> pipe ->
 * socket inside the kernel, never copied through user space, which is
 * what lets a tunnel approach a direct connection's speed. The pipe is the
 * direction's buffer: a slow reader fills it and holds only this thread.
 * 0 if it could not start (no pipes), 1 once it ran. */
static int pump_splice(struct wsb__lx_proxy *px, int cfd, int ufd, wsb__px_attempt *a)
{
	int pipes[2][2] = { { -1, -1 }, { -1, -1 } };
	size_t in[2] = { 0, 0 }, cap[2];
	int eof[2] = { 0, 0 }, shut[2] = { 0, 0 }, full[2] = { 0, 0 };
	int src[2] = { cfd, ufd }, dst[2] = { ufd, cfd }, d, sz;

	for (d = 0; d < 2; d++) {
		if (pipe2(pipes[d], O_CLOEXEC | O_NONBLOCK) < 0) {
			if (d == 1) {
				close(pipes[0][0]);
				close(pipes[0][1]);
			}
			return 0;
		}
		/* Larger than the default 64 KiB means fewer rounds through
		 * poll; refused past the user's pipe quota, which is harmless. */
		fcntl(pipes[d][1], F_SETPIPE_SZ, SPLICE_PIPE);
		sz = fcntl(pipes[d][1], F_GETPIPE_SZ);
		cap[d] = sz > 0 ? (size_t)sz : 65536;
	}
	while (!(shut[0] && shut[1])) {
		struct pollfd p[3];
		short ev[2] = { 0, 0 };

		for (d = 0; d < 2; d++) {
			if (!eof[d] && !full[d] && in[d] < cap[d])
				ev[d] |= POLLIN;
			if (in[d] > 0)
				ev[1 - d] |= POLLOUT;
		}
		if (!pump_poll(px, p, cfd, ufd, ev))
			break;
		for (d = 0; d < 2; d++) {
			int try_in = (p[d].revents & (POLLIN | POLLHUP | POLLERR)) && (ev[d] & POLLIN);
			int rounds;

			/* Move what there is until neither side takes more (a few
			 * rounds at most, so the other direction is not starved):
			 * fewer rounds through poll. */
			for (rounds = 0; rounds < SPLICE_ROUNDS; rounds++) {
				int moved = 0;
				ssize_t r;

				if (try_in && !eof[d] && !full[d] && in[d] < cap[d]) {
					r = splice(src[d], NULL, pipes[d][1], NULL, cap[d] - in[d],
						SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
					if (r == 0) {
						eof[d] = 1;
					} else if (r > 0) {
						in[d] += (size_t)r;
						moved = 1;
					} else if (errno == EAGAIN && in[d] > 0) {
						/* the socket is empty or no slot is left in the
						 * pipe: wait until the writer took some */
						full[d] = 1;
					} else if (errno != EAGAIN && errno != EINTR) {
						goto out;
					}
				}
				if (in[d] > 0) {
					r = splice(pipes[d][0], NULL, dst[d], NULL, in[d],
						SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
					if (r > 0) {
						in[d] -= (size_t)r;
						full[d] = 0;
						count(a, d, r);
						moved = 1;
					} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
						goto out;
					}
				}
				if (!moved)
					break;
				try_in = 1;
			}
			if (eof[d] && in[d] == 0 && !shut[d]) {
				shutdown(dst[d], SHUT_WR);
				shut[d] = 1;
			}
		}
	}
out:
	for (d = 0; d < 2; d++) {
		close(pipes[d][0]);
		close(pipes[d][1]);
	}
	return 1;
}

/* Carry the tunnel both ways until both directions ended or an error. */
static void pump(struct wsb__lx_proxy *px, int cfd, int ufd, wsb__px_attempt *a)
{
	if (!pump_splice(px, cfd, ufd, a))
		pump_copy(px, cfd, ufd, a);
}

static long io_client_read(void *ctx, char *buf, size_t cap)
{
	conn *c = ctx;

	return (long)read_more(c->px, c->fd, buf, cap);
}

static int io_send_all(void *ctx, int to, const void *data, size_t len)
{
	conn *c = ctx;

	return send_all(c->px, to ? c->up : c->fd, data, len);
}

static int io_first_bytes(void *ctx)
{
	conn *c = ctx;

	for (;;) {
		struct pollfd p[3] = { { c->fd, POLLIN, 0 }, { c->up, POLLIN, 0 },
			{ c->px->wake[0], POLLIN, 0 } };
		int n = poll(p, 3, HEAD_TIMEOUT_MS);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || p[2].revents)
			return -1;
		return (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 0 : 1;
	}
}

static void io_pump(void *ctx, wsb__px_attempt *a)
{
	conn *c = ctx;

	pump(c->px, c->fd, c->up, a);
}

int wsb__lx_proxy_events_json(char **out, struct wsb__lx_proxy *px, long settle_ms)
{
	wsb_u64 deadline = wsb__now_ms() + (wsb_u64)(settle_ms > 0 ? settle_ms : 0);
	int rc;

	/* The command's last connections end as its sockets close: give the
	 * proxy's threads a moment to report them. */
	while (__atomic_load_n(&px->active, __ATOMIC_ACQUIRE) > 0 && wsb__now_ms() < deadline) {
		struct timespec ts = { 0, 5000000L };

		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&px->log_lock);
	rc = wsb__px_log_json(out, &px->log);
	pthread_mutex_unlock(&px->log_lock);
	return rc;
}

/* Serve one connection with the core's decisions (lib/core/proxyserve.c),
 * then log the attempt and tell the caller's callback. */
static void serve(conn *c)
{
	struct wsb__lx_proxy *px = c->px;
	wsb__px_io io;
	wsb__px_attempt a;
	char *text = NULL;

	io.ctx = c;
	io.client_read = io_client_read;
	io.send_all = io_send_all;
	io.first_bytes = io_first_bytes;
	io.resolve = io_resolve;
	io.connect = io_connect;
	io.pump = io_pump;
	wsb__px_serve(&a, &io, px->rules, px->rule_count);
	if (c->up >= 0)
		close(c->up);
	c->up = -1;
	if (a.protocol == NULL || wsb__px_attempt_json(&text, &a) < 0)
		return;
	if (px->on_event)
		px->on_event(text, px->ctx);
	pthread_mutex_lock(&px->log_lock);
	wsb__px_log_add(&px->log, text);
	pthread_mutex_unlock(&px->log_lock);
}

static void *conn_main(void *arg)
{
	conn *c = arg;

	serve(c);
	close(c->fd);
	c->fd = -1;
	__atomic_sub_fetch(&c->px->active, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void reap(struct wsb__lx_proxy *px, int all)
{
	conn **pp = &px->conns;

	while (*pp) {
		conn *c = *pp;

		if (all || __atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
			pthread_join(c->thread, NULL);
			*pp = c->next;
			px->nconns--;
			wsb__free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void *accept_main(void *arg)
{
	struct wsb__lx_proxy *px = arg;

	for (;;) {
		struct pollfd p[2] = { { px->listener, POLLIN, 0 }, { px->wake[0], POLLIN, 0 } };
		conn *c;
		int fd;

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		reap(px, 0);
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(px->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		c = px->nconns < MAX_CONNS ? wsb__calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->px = px;
		c->fd = fd;
		c->up = -1;
		__atomic_add_fetch(&px->active, 1, __ATOMIC_RELEASE);
		if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
			__atomic_sub_fetch(&px->active, 1, __ATOMIC_RELEASE);
			close(fd);
			wsb__free(c);
			continue;
		}
		c->next = px->conns;
		px->conns = c;
		px->nconns++;
	}
	reap(px, 1);
	return NULL;
}

void wsb__lx_proxy_stop(struct wsb__lx_proxy *px)
{
	size_t i;

	if (px == NULL)
		return;
	if (px->thread_started) {
		/* Never read: it stays readable, so every thread sees it. */
		while (write(px->wake[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(px->thread, NULL);
	}
	if (px->listener >= 0)
		close(px->listener);
	for (i = 0; i < 2; i++)
		if (px->wake[i] >= 0)
			close(px->wake[i]);
	wsb__px_rules_free(px->rules, px->rule_count);
	wsb__px_log_dispose(&px->log);
	pthread_mutex_destroy(&px->log_lock);
	wsb__free(px);
}

int wsb__lx_proxy_start(struct wsb__lx_proxy **out, unsigned short *out_port,
	const struct wsb_policy *policy, int listener)
{
	struct wsb__lx_proxy *px;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int err, rc;

	*out = NULL;
	px = wsb__calloc(1, sizeof(*px));
	if (px == NULL) {
		if (listener >= 0)
			close(listener);
		return wsb__error_nomem();
	}
	px->listener = listener;
	px->wake[0] = px->wake[1] = -1;
	px->on_event = policy->net_callback;
	px->ctx = policy->net_callback_ctx;
	pthread_mutex_init(&px->log_lock, NULL);
	if ((rc = wsb__px_rules_copy(&px->rules, &px->rule_count, policy->net_rules,
			policy->net_rule_count)) < 0) {
		wsb__lx_proxy_stop(px);
		return rc;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (pipe2(px->wake, O_CLOEXEC) < 0 ||
	    (listener < 0 &&
	     ((px->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	      bind(px->listener, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	      listen(px->listener, 128) < 0)) ||
	    getsockname(px->listener, (struct sockaddr *)&a, &alen) < 0) {
		err = errno;
		wsb__lx_proxy_stop(px);
		return wsb__error_os(WSB_EOS, err, "the network allow-list's proxy cannot listen on "
			"127.0.0.1: %s", strerror(err));
	}
	if ((err = pthread_create(&px->thread, NULL, accept_main, px)) != 0) {
		wsb__lx_proxy_stop(px);
		return wsb__error_os(WSB_EOS, err, "the network allow-list's proxy thread cannot "
			"start: %s", strerror(err));
	}
	px->thread_started = 1;
	*out_port = ntohs(a.sin_port);
	*out = px;
	return WSB_OK;
}
