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
 *
 * One accept thread, and one thread per connection that polls its sockets
 * and the shared wake pipe: a client that sends garbage, half a request or
 * never reads holds only its own thread, and stopping wakes every thread
 * at once. Once a tunnel is open its bytes move with splice() through a
 * pipe per direction, not through user space. getaddrinfo() is the one call that cannot be woken; stopping
 * waits for it.
 */
#include "proxy.h"
#include "core/json.h"
#include "core/policy.h"
#include "core/proxyparse.h"

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
#define MAX_ADDRS 16

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
	pthread_mutex_t log_lock;   /* guards log and dropped */
	wsb__strvec log;            /* each attempt's JSON, at most WSB__LX_PROXY_LOG_MAX */
	wsb_u64 dropped;
};

static wsb__lx_proxy_resolve_fn test_resolver;

void wsb__lx_proxy_set_resolver(wsb__lx_proxy_resolve_fn fn)
{
	test_resolver = fn;
}

static wsb_u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (wsb_u64)ts.tv_sec * 1000 + (wsb_u64)ts.tv_nsec / 1000000;
}

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

typedef struct attempt {
	const char *protocol;
	char host[WSB__PX_HOST_MAX + 1];
	unsigned int port;
	char address[64];
	int allowed;
	const char *rule;          /* the rule that decided on the host */
	const char *address_rule;  /* the address rule that let a restricted address through */
	const char *reason;
	wsb_u64 up, down, start;
} attempt;

/* Log the attempt and tell the caller's callback. */
static void report(struct wsb__lx_proxy *px, const attempt *a)
{
	wsb__json j;
	char *text = NULL;

	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_string(&j, "protocol", a->protocol);
	wsb__json_kv_string(&j, "host", a->host);
	wsb__json_kv_u64(&j, "port", a->port);
	wsb__json_kv_string(&j, "address", a->address);
	wsb__json_kv_bool(&j, "allowed", a->allowed);
	wsb__json_kv_string(&j, "rule", a->rule ? a->rule : "");
	wsb__json_kv_string(&j, "address_rule", a->address_rule ? a->address_rule : "");
	wsb__json_kv_string(&j, "reason", a->reason ? a->reason : "");
	wsb__json_kv_u64(&j, "bytes_up", a->up);
	wsb__json_kv_u64(&j, "bytes_down", a->down);
	wsb__json_kv_u64(&j, "duration_ms", now_ms() - a->start);
	wsb__json_object_end(&j);
	if (wsb__json_finish(&text, &j) < 0)
		return;
	if (px->on_event)
		px->on_event(text, px->ctx);
	pthread_mutex_lock(&px->log_lock);
	if (px->log.count >= WSB__LX_PROXY_LOG_MAX) {
		px->dropped++;
		wsb__free(text);
	} else if (wsb__strvec_push_owned(&px->log, text) < 0) {
		px->dropped++; /* push_owned freed text */
	}
	pthread_mutex_unlock(&px->log_lock);
}

int wsb__lx_proxy_events_json(char **out, struct wsb__lx_proxy *px, long settle_ms)
{
	wsb_u64 deadline = now_ms() + (wsb_u64)(settle_ms > 0 ? settle_ms : 0);
	wsb__json j;
	size_t i;

	/* The command's last connections end as its sockets close: give the
	 * proxy's threads a moment to report them. */
	while (__atomic_load_n(&px->active, __ATOMIC_ACQUIRE) > 0 && now_ms() < deadline) {
		struct timespec ts = { 0, 5000000L };

		nanosleep(&ts, NULL);
	}

	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_key(&j, "connections");
	wsb__json_array_begin(&j);
	pthread_mutex_lock(&px->log_lock);
	for (i = 0; i < px->log.count; i++)
		wsb__json_raw(&j, px->log.items[i]);
	wsb__json_array_end(&j);
	wsb__json_kv_u64(&j, "not_kept", px->dropped);
	pthread_mutex_unlock(&px->log_lock);
	wsb__json_object_end(&j);
	return wsb__json_finish(out, &j);
}

static void deny_http(struct wsb__lx_proxy *px, int fd, int status, const char *host,
	unsigned int port, const char *reason)
{
	char body[512], head[1024];
	int blen, hlen;

	blen = snprintf(body, sizeof(body), "wsandbox: %s:%u is not allowed: %s\n", host, port, reason);
	hlen = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nX-Wsandbox-Denied: %s\r\n"
		"Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		status, status == 403 ? "Forbidden" : status == 502 ? "Bad Gateway" :
		status == 431 ? "Request Header Fields Too Large" : status == 505 ?
		"HTTP Version Not Supported" : "Bad Request", reason, blen);
	if (blen > 0 && hlen > 0 && (size_t)hlen < sizeof(head) && (size_t)blen < sizeof(body)) {
		send_all(px, fd, head, (size_t)hlen);
		send_all(px, fd, body, (size_t)blen);
	}
}

static void socks_reply(struct wsb__lx_proxy *px, int fd, int code)
{
	unsigned char r[10] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };

	r[1] = (unsigned char)code;
	send_all(px, fd, r, sizeof(r));
}

/* Resolve and check: fills addrs with the addresses the rules allow, in
 * the resolver's order. Returns the count; 0 with a->reason set when none. */
static size_t resolve(struct wsb__lx_proxy *px, attempt *a, struct sockaddr_storage *addrs,
	socklen_t *lens)
{
	struct addrinfo hints, *res = NULL, *ai;
	const char *name = a->host, *allowed_reason = a->reason;
	char port[8];
	size_t n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", a->port);
	if (test_resolver && !wsb__addr_parse((unsigned char[16]){ 0 }, name, strlen(name))) {
		name = test_resolver(a->host);
		if (name == NULL) {
			a->reason = "the name does not resolve";
			return 0;
		}
		hints.ai_flags |= AI_NUMERICHOST;
	}
	if (getaddrinfo(name, port, &hints, &res) != 0 || res == NULL) {
		a->reason = "the name does not resolve";
		return 0;
	}
	a->reason = "the name resolves to no address";
	for (ai = res; ai && n < MAX_ADDRS; ai = ai->ai_next) {
		unsigned char bytes[16];
		int family;
		wsb__net_verdict v;

		if (ai->ai_family == AF_INET) {
			memcpy(bytes, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
			family = WSB__ADDR_V4;
		} else if (ai->ai_family == AF_INET6) {
			memcpy(bytes, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
			family = WSB__ADDR_V6;
		} else {
			continue;
		}
		wsb__net_decide_addr(&v, px->rules, px->rule_count, family, bytes, a->port);
		if (!v.allowed) {
			if (n == 0 && a->address[0] == '\0') {
				wsb__addr_format(a->address, sizeof(a->address), family, bytes);
				a->reason = v.reason;
			}
			continue;
		}
		if (n == 0) {
			a->address_rule = v.rule ? v.rule->text : NULL;
			a->reason = allowed_reason;
		}
		memcpy(&addrs[n], ai->ai_addr, ai->ai_addrlen);
		lens[n++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return n;
}

static void format_sockaddr(char *buf, size_t cap, const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		wsb__addr_format(buf, cap, WSB__ADDR_V4,
			(const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
	else
		wsb__addr_format(buf, cap, WSB__ADDR_V6,
			(const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* Connect to the first address that answers: the socket, or -1. */
static int connect_any(struct wsb__lx_proxy *px, attempt *a, const struct sockaddr_storage *addrs,
	const socklen_t *lens, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int fd = socket(addrs[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		int err = 0;
		socklen_t elen = sizeof(err);

		format_sockaddr(a->address, sizeof(a->address), &addrs[i]);
		if (fd < 0)
			continue;
		if (connect(fd, (const struct sockaddr *)&addrs[i], lens[i]) == 0)
			return fd;
		if (errno == EINPROGRESS && wait_fd(px, fd, POLLOUT, CONNECT_TIMEOUT_MS) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/* Count what went out in direction d (0 up, 1 down). */
static void count(attempt *a, int d, ssize_t n)
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
static void pump_copy(struct wsb__lx_proxy *px, int cfd, int ufd, attempt *a)
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
static int pump_splice(struct wsb__lx_proxy *px, int cfd, int ufd, attempt *a)
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
static void pump(struct wsb__lx_proxy *px, int cfd, int ufd, attempt *a)
{
	if (!pump_splice(px, cfd, ufd, a))
		pump_copy(px, cfd, ufd, a);
}

/* Read the client's first bytes of a tunnel; if they are a TLS ClientHello
 * that names a server, it must be the requested host. The bytes read are
 * left in buf for the upstream. A server that speaks first (TLS never
 * does) ends the check. 1 to go on, 0 to close. */
static int check_sni(struct wsb__lx_proxy *px, int fd, int ufd, attempt *a, char *buf,
	size_t cap, size_t *len)
{
	char sni[WSB__PX_HOST_MAX + 1], *ascii = NULL;
	int rc, same;

	for (;;) {
		struct pollfd p[3] = { { fd, POLLIN, 0 }, { ufd, POLLIN, 0 }, { px->wake[0], POLLIN, 0 } };
		ssize_t n;

		rc = wsb__px_tls_sni(sni, sizeof(sni), (const unsigned char *)buf, *len);
		if (rc != WSB__PX_MORE)
			break;
		if (*len == cap)
			return 0;
		if (*len == 0) {
			n = poll(p, 3, HEAD_TIMEOUT_MS);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || p[2].revents)
				return 0;
			if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
				return 1; /* the server spoke first: not TLS */
		}
		n = read_more(px, fd, buf + *len, cap - *len);
		if (n <= 0)
			return n == 0 && *len == 0; /* a client that closes at once */
		*len += (size_t)n;
	}
	if (rc == WSB__PX_BAD) {
		a->allowed = 0;
		a->reason = "a malformed TLS ClientHello";
		return 0;
	}
	if (sni[0] == '\0')
		return 1;
	if (wsb__host_to_ascii(&ascii, sni, strlen(sni)) < 0) {
		a->allowed = 0;
		a->reason = "the TLS server name is not a valid host name";
		return 0;
	}
	same = strcmp(ascii, a->host) == 0;
	wsb__free(ascii);
	if (!same) {
		a->allowed = 0;
		a->reason = "the TLS server name (SNI) is another host than the tunnel's";
	}
	return same;
}

static void serve(struct wsb__lx_proxy *px, int fd)
{
	char *buf = wsb__malloc(WSB__PX_HEAD_MAX + 16384 + 5);
	size_t cap = WSB__PX_HEAD_MAX + 16384 + 5, len = 0, naddrs;
	struct sockaddr_storage addrs[MAX_ADDRS];
	socklen_t lens[MAX_ADDRS];
	wsb__px_request req;
	wsb__net_verdict v;
	wsb__buf head = WSB__BUF_INIT;
	attempt a;
	char *ascii = NULL;
	int ufd = -1, rc, socks = 0;
	ssize_t n;

	memset(&a, 0, sizeof(a));
	a.start = now_ms();
	if (buf == NULL)
		return;
	/* The request: SOCKS5 starts with its version byte, HTTP with a method. */
	for (;;) {
		n = read_more(px, fd, buf + len, WSB__PX_HEAD_MAX - len);
		if (n <= 0)
			goto out;
		len += (size_t)n;
		if (buf[0] == 5) {
			size_t used;
			int no_auth;

			socks = 1;
			rc = wsb__px_parse_socks_greeting(&used, &no_auth, (unsigned char *)buf, len);
			if (rc == WSB__PX_MORE)
				continue;
			if (rc == WSB__PX_BAD)
				goto out;
			send_all(px, fd, no_auth ? "\x05\x00" : "\x05\xff", 2);
			if (!no_auth)
				goto out;
			memmove(buf, buf + used, len - used);
			len -= used;
			for (;;) {
				rc = wsb__px_parse_socks_request(&req, (unsigned char *)buf, len);
				if (rc != WSB__PX_MORE)
					break;
				n = read_more(px, fd, buf + len, WSB__PX_HEAD_MAX - len);
				if (n <= 0)
					goto out;
				len += (size_t)n;
			}
			a.protocol = "socks5";
			if (rc == WSB__PX_BAD) {
				socks_reply(px, fd, req.socks_reply);
				goto out;
			}
			break;
		}
		rc = wsb__px_parse_http(&req, buf, len);
		if (rc == WSB__PX_MORE && len < WSB__PX_HEAD_MAX)
			continue;
		a.protocol = req.kind == WSB__PX_CONNECT ? "connect" : "http";
		if (rc != WSB__PX_DONE) {
			deny_http(px, fd, req.status ? req.status : 431, "-", 0, req.why ? req.why :
				"the request head is too large");
			goto out;
		}
		break;
	}
	a.port = req.port;
	snprintf(a.host, sizeof(a.host), "%s", req.host);
	/* The rules see the compared form: an address's text, or A-labels. */
	if (wsb__addr_parse((unsigned char[16]){ 0 }, req.host, strlen(req.host)) == 0) {
		if (wsb__host_to_ascii(&ascii, req.host, strlen(req.host)) < 0) {
			a.reason = "not a valid host name";
			goto deny;
		}
		snprintf(a.host, sizeof(a.host), "%s", ascii);
	}
	wsb__net_decide_host(&v, px->rules, px->rule_count, a.host, a.port);
	a.rule = v.rule ? v.rule->text : NULL;
	a.reason = v.reason;
	if (!v.allowed)
		goto deny;
	naddrs = resolve(px, &a, addrs, lens);
	if (naddrs == 0)
		goto deny;
	a.allowed = 1;
	ufd = connect_any(px, &a, addrs, lens, naddrs);
	if (ufd < 0) {
		a.allowed = 0;
		a.reason = "the connection failed";
		if (socks)
			socks_reply(px, fd, 5);
		else
			deny_http(px, fd, 502, a.host, a.port, a.reason);
		goto out;
	}
	if (req.kind == WSB__PX_HTTP) {
		if (wsb__px_http_rewrite(&head, buf, &req) < 0 ||
		    send_all(px, ufd, head.ptr, head.size) < 0 ||
		    send_all(px, ufd, buf + req.consumed, len - req.consumed) < 0)
			goto out;
		a.up += len - req.consumed;
	} else {
		if (socks)
			socks_reply(px, fd, 0);
		else if (send_all(px, fd, "HTTP/1.1 200 Connection established\r\n\r\n", 39) < 0)
			goto out;
		memmove(buf, buf + req.consumed, len - req.consumed);
		len -= req.consumed;
		if (!check_sni(px, fd, ufd, &a, buf, cap, &len))
			goto out;
		if (send_all(px, ufd, buf, len) < 0)
			goto out;
		a.up += len;
	}
	pump(px, fd, ufd, &a);
	goto out;
deny:
	a.allowed = 0;
	if (socks)
		socks_reply(px, fd, 2);
	else
		deny_http(px, fd, 403, a.host, a.port, a.reason);
out:
	if (a.protocol)
		report(px, &a);
	if (ufd >= 0)
		close(ufd);
	wsb__buf_dispose(&head);
	wsb__free(ascii);
	wsb__free(buf);
}

static void *conn_main(void *arg)
{
	conn *c = arg;

	serve(c->px, c->fd);
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
	for (i = 0; i < px->rule_count; i++)
		wsb__hostpat_dispose(&px->rules[i]);
	wsb__free(px->rules);
	wsb__strvec_dispose(&px->log);
	pthread_mutex_destroy(&px->log_lock);
	wsb__free(px);
}

int wsb__lx_proxy_start(struct wsb__lx_proxy **out, unsigned short *out_port,
	const struct wsb_policy *policy, int listener)
{
	struct wsb__lx_proxy *px;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	size_t i;
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
	if (policy->net_rule_count) {
		px->rules = wsb__calloc(policy->net_rule_count, sizeof(*px->rules));
		if (px->rules == NULL) {
			wsb__lx_proxy_stop(px);
			return wsb__error_nomem();
		}
		for (i = 0; i < policy->net_rule_count; i++) {
			if ((rc = wsb__hostpat_copy(&px->rules[i], &policy->net_rules[i])) < 0) {
				wsb__lx_proxy_stop(px);
				return rc;
			}
			px->rule_count++;
		}
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
