/*
 * The allow-list's filtering proxy on Windows (proxy.h, docs/network.md).
 * The decisions - request, rules, resolving, address checks, denials, SNI,
 * audit record - are the core's (lib/core/proxyserve.c), the same code the
 * Linux proxy runs; this file lends it Winsock sockets, all non-blocking and
 * every call through the OS-call seam (os.c).
 *
 * One accept thread, and one thread per connection that waits in select()
 * on its sockets and the shared wake socket: a client that sends garbage,
 * half a request or never reads holds only its own thread. The wake socket
 * is UDP, connected to itself; stopping sends it one datagram that nobody
 * reads, so it stays readable and every thread's select() returns at once.
 * getaddrinfo() is the one call that cannot be woken; stopping waits for
 * it.
 */
/* Winsock 2 and getaddrinfo; before <windows.h>. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include "proxy.h"
#include "loopsock.h"
#include "core/policy.h"

#include <stdio.h>
#include <string.h>

#define IO_BUF 65536
#define HEAD_TIMEOUT_MS 60000
#define CONNECT_TIMEOUT_MS 15000
#define TICK_MS 1000

typedef struct px_conn {
	struct px_conn *next;
	struct wsb__w32_proxy *px;
	SOCKET fd, up;
	HANDLE thread;
	volatile LONG done;       /* set by the thread as it ends */
} px_conn;

struct wsb__w32_proxy {
	int wsa;                  /* WSAStartup succeeded: WSACleanup owed */
	SOCKET listener;
	SOCKET wake;
	HANDLE thread;
	volatile LONG stop;
	wsb__hostpat *rules;
	size_t rule_count;
	wsb_network_event_fn on_event;
	void *ctx;
	px_conn *conns;
	size_t nconns;
	volatile LONG active;     /* connections not yet reported */
	SRWLOCK log_lock;
	wsb__px_log log;
};

static volatile LONG threads_running;

long wsb__w32_proxy_threads(void)
{
	return InterlockedCompareExchange(&threads_running, 0, 0);
}

static struct timeval tv_of(DWORD ms)
{
	struct timeval t;

	t.tv_sec = (long)(ms / 1000);
	t.tv_usec = (long)(ms % 1000) * 1000;
	return t;
}

/* select() over rd/wr/ex (filled by the caller; the wake socket is added
 * here) in slices of TICK_MS until ms passed, so a stop is seen within a
 * slice even if its wake-up datagram was lost: > 0 ready, 0 timeout, -1
 * stop or error. The sets hold what select() left in them. */
static int wait_sets(struct wsb__w32_proxy *px, fd_set *rd, fd_set *wr, fd_set *ex, DWORD ms)
{
	fd_set r0 = *rd, w0 = *wr, e0 = *ex;

	for (;;) {
		DWORD slice = ms < TICK_MS ? ms : TICK_MS;
		struct timeval t = tv_of(slice);
		int n;

		*rd = r0;
		*wr = w0;
		*ex = e0;
		FD_SET(px->wake, rd);
		n = WSB_OS(select)(0, rd, wr, ex, &t);
		if (n == SOCKET_ERROR || px->stop || (n > 0 && FD_ISSET(px->wake, rd)))
			return -1;
		if (n > 0)
			return n;
		if (ms != INFINITE) {
			ms -= slice;
			if (ms == 0)
				return 0;
		}
	}
}

/* Wait until s is readable (write 0) or writable (write 1; a failed
 * connect shows as an exception): 1 ready, 0 timeout, -1 stop, error or
 * failed connect. */
static int wait_sock(struct wsb__w32_proxy *px, SOCKET s, int write, DWORD ms)
{
	fd_set rd, wr, ex;
	int n;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	if (write) {
		FD_SET(s, &wr);
		FD_SET(s, &ex);
	} else {
		FD_SET(s, &rd);
	}
	n = wait_sets(px, &rd, &wr, &ex, ms);
	if (n < 0 || FD_ISSET(s, &ex))
		return -1;
	return n > 0 ? 1 : 0;
}

static int send_all(struct wsb__w32_proxy *px, SOCKET s, const char *p, size_t len)
{
	while (len > 0) {
		int chunk = len > IO_BUF ? IO_BUF : (int)len;
		int n = WSB_OS(send)(s, p, chunk, 0);

		if (n == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK) {
			if (wait_sock(px, s, 1, HEAD_TIMEOUT_MS) != 1)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- what the core's wsb__px_serve asks of us ---- */

static long io_client_read(void *ctx, char *buf, size_t cap)
{
	px_conn *c = ctx;
	int want = cap > IO_BUF ? IO_BUF : (int)cap;

	for (;;) {
		int n = WSB_OS(recv)(c->fd, buf, want, 0);

		if (n >= 0)
			return n;
		if (WSAGetLastError() != WSAEWOULDBLOCK)
			return -1;
		if (wait_sock(c->px, c->fd, 0, HEAD_TIMEOUT_MS) != 1)
			return -1;
	}
}

static int io_send_all(void *ctx, int to, const void *data, size_t len)
{
	px_conn *c = ctx;

	return send_all(c->px, to ? c->up : c->fd, data, len);
}

static int io_first_bytes(void *ctx)
{
	px_conn *c = ctx;
	fd_set rd, wr, ex;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(c->fd, &rd);
	FD_SET(c->up, &rd);
	if (wait_sets(c->px, &rd, &wr, &ex, HEAD_TIMEOUT_MS) <= 0)
		return -1;
	return FD_ISSET(c->fd, &rd) ? 0 : 1;
}

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
	if (WSB_OS(getaddrinfo)(host, service, &hints, &res) != 0 || res == NULL)
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
	WSB_OS(freeaddrinfo)(res);
	return n;
}

static int io_connect(void *ctx, const wsb__px_addr *addr, unsigned int port)
{
	px_conn *c = ctx;
	struct sockaddr_storage sa;
	int len;
	SOCKET s;

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
	s = wsb__w32_socket(sa.ss_family, SOCK_STREAM, IPPROTO_TCP);
	if (s == INVALID_SOCKET)
		return -1;
	if (wsb__w32_nonblocking(s) == 0 &&
	    (WSB_OS(connect)(s, (const struct sockaddr *)&sa, len) == 0 ||
	     (WSAGetLastError() == WSAEWOULDBLOCK &&
	      wait_sock(c->px, s, 1, CONNECT_TIMEOUT_MS) == 1))) {
		c->up = s;
		return 0;
	}
	WSB_OS(closesocket)(s);
	return -1;
}

/* Copy both ways until both directions ended (FIN passed on) or an error,
 * one buffer per direction, so a reader that stops holds only this
 * connection. */
static void io_pump(void *ctx, wsb__px_attempt *a)
{
	px_conn *c = ctx;
	struct wsb__w32_proxy *px = c->px;
	char *buf = wsb__malloc(2 * IO_BUF);
	int len[2] = { 0, 0 }, off[2] = { 0, 0 }, eof[2] = { 0, 0 }, shut[2] = { 0, 0 };
	SOCKET src[2], dst[2];

	src[0] = dst[1] = c->fd;
	src[1] = dst[0] = c->up;
	if (buf == NULL)
		return;
	while (!(shut[0] && shut[1])) {
		fd_set rd, wr, ex;
		int d;

		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_ZERO(&ex);
		for (d = 0; d < 2; d++) {
			if (len[d] == 0 && !eof[d])
				FD_SET(src[d], &rd);
			if (len[d] > off[d])
				FD_SET(dst[d], &wr);
		}
		if (wait_sets(px, &rd, &wr, &ex, INFINITE) < 0)
			break;
		for (d = 0; d < 2; d++) {
			char *b = buf + (size_t)d * IO_BUF;
			int n;

			if (FD_ISSET(src[d], &rd) && len[d] == 0 && !eof[d]) {
				n = WSB_OS(recv)(src[d], b, IO_BUF, 0);
				if (n == 0)
					eof[d] = 1;
				else if (n > 0) {
					len[d] = n;
					off[d] = 0;
				} else if (WSAGetLastError() != WSAEWOULDBLOCK)
					goto out;
			}
			if (len[d] > off[d]) {
				n = WSB_OS(send)(dst[d], b + off[d], len[d] - off[d], 0);
				if (n > 0) {
					off[d] += n;
					if (d == 0)
						a->up += (wsb_u64)n;
					else
						a->down += (wsb_u64)n;
					if (off[d] == len[d])
						len[d] = off[d] = 0;
				} else if (WSAGetLastError() != WSAEWOULDBLOCK)
					goto out;
			}
			if (eof[d] && len[d] == 0 && !shut[d]) {
				WSB_OS(shutdown)(dst[d], SD_SEND);
				shut[d] = 1;
			}
		}
	}
out:
	wsb__free(buf);
}

/* ---- connections and the accept thread ---- */

static void serve(px_conn *c)
{
	struct wsb__w32_proxy *px = c->px;
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
	wsb__w32_close_socket(&c->up);
	if (a.protocol == NULL || wsb__px_attempt_json(&text, &a) < 0)
		return;
	if (px->on_event)
		px->on_event(text, px->ctx);
	AcquireSRWLockExclusive(&px->log_lock);
	wsb__px_log_add(&px->log, text);
	ReleaseSRWLockExclusive(&px->log_lock);
}

static DWORD WINAPI conn_main(LPVOID arg)
{
	px_conn *c = arg;

	serve(c);
	wsb__w32_close_socket(&c->fd);
	InterlockedDecrement(&c->px->active);
	InterlockedDecrement(&threads_running);
	InterlockedExchange(&c->done, 1);
	return 0;
}

static void reap(struct wsb__w32_proxy *px, int all)
{
	px_conn **pp = &px->conns;

	while (*pp) {
		px_conn *c = *pp;

		if (all || c->done) {
			wsb__w32_join(c->thread);
			WSB_OS(CloseHandle)(c->thread);
			*pp = c->next;
			px->nconns--;
			wsb__free(c);
		} else {
			pp = &c->next;
		}
	}
}

static void accept_one(struct wsb__w32_proxy *px)
{
	px_conn *c;
	SOCKET s = WSB_OS(accept)(px->listener, NULL, NULL);

	if (s == INVALID_SOCKET)
		return; /* gone before we got to it: the client sees a reset */
	c = px->nconns < WSB__W32_PROXY_MAX_CONNS ? wsb__calloc(1, sizeof(*c)) : NULL;
	/* Best effort, as for the relay: a layered provider's socket may not
	 * be a plain handle. */
	WSB_OS(SetHandleInformation)((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
	if (c == NULL || wsb__w32_nonblocking(s) != 0) {
		wsb__free(c);
		WSB_OS(closesocket)(s);
		return;
	}
	c->px = px;
	c->fd = s;
	c->up = INVALID_SOCKET;
	InterlockedIncrement(&px->active);
	InterlockedIncrement(&threads_running);
	c->thread = WSB_OS(CreateThread)(NULL, 0, conn_main, c, 0, NULL);
	if (!c->thread) {
		InterlockedDecrement(&px->active);
		InterlockedDecrement(&threads_running);
		WSB_OS(closesocket)(s);
		wsb__free(c);
		return;
	}
	c->next = px->conns;
	px->conns = c;
	px->nconns++;
}

static DWORD WINAPI accept_main(LPVOID arg)
{
	struct wsb__w32_proxy *px = arg;

	while (!px->stop) {
		fd_set rd;
		struct timeval t = tv_of(TICK_MS);
		int n;

		FD_ZERO(&rd);
		FD_SET(px->listener, &rd);
		FD_SET(px->wake, &rd);
		n = WSB_OS(select)(0, &rd, NULL, NULL, &t);
		if (px->stop || (n > 0 && FD_ISSET(px->wake, &rd)))
			break;
		reap(px, 0);
		if (n == SOCKET_ERROR) {
			/* Nothing sensible to wait on: try again a little later
			 * rather than spin. */
			WSB_OS(Sleep)(100);
			continue;
		}
		if (n > 0 && FD_ISSET(px->listener, &rd))
			accept_one(px);
	}
	reap(px, 1);
	return 0;
}

int wsb__w32_proxy_events_json(char **out, struct wsb__w32_proxy *px, long settle_ms)
{
	wsb_u64 deadline = wsb__now_ms() + (wsb_u64)(settle_ms > 0 ? settle_ms : 0);
	int rc;

	/* The command's last connections end as its sockets close: give the
	 * proxy's threads a moment to report them. */
	while (InterlockedCompareExchange(&px->active, 0, 0) > 0 && wsb__now_ms() < deadline)
		WSB_OS(Sleep)(5);
	AcquireSRWLockExclusive(&px->log_lock);
	rc = wsb__px_log_json(out, &px->log);
	ReleaseSRWLockExclusive(&px->log_lock);
	return rc;
}

void wsb__w32_proxy_stop(struct wsb__w32_proxy *px)
{
	if (px == NULL)
		return;
	if (px->thread) {
		InterlockedExchange(&px->stop, 1);
		/* Never read: it stays readable, so every thread sees it. */
		WSB_OS(send)(px->wake, "x", 1, 0);
		wsb__w32_join(px->thread);
		WSB_OS(CloseHandle)(px->thread);
	}
	wsb__w32_close_socket(&px->listener);
	wsb__w32_close_socket(&px->wake);
	if (px->wsa)
		WSB_OS(WSACleanup)();
	wsb__px_rules_free(px->rules, px->rule_count);
	wsb__px_log_dispose(&px->log);
	wsb__free(px);
}

/* Listen on the first port of ports that binds (an ephemeral one when
 * count is 0). */
static int listen_on(struct wsb__w32_proxy *px, unsigned short *out_port,
	const unsigned short *ports, size_t count)
{
	struct sockaddr_in a;
	int alen = sizeof(a), err = 0;
	BOOL on = TRUE;
	size_t i;

	for (i = 0; i < (count ? count : 1); i++) {
		px->listener = wsb__w32_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
		if (px->listener == INVALID_SOCKET)
			return wsb__w32_fail("WSASocketW", (DWORD)WSAGetLastError(), "the allow-list's proxy");
		/* Nobody else may bind the port while we hold it, nor we take it
		 * from a program that bound it first. */
		if (WSB_OS(setsockopt)(px->listener, SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
				(const char *)&on, sizeof(on)) != 0)
			return wsb__w32_fail("setsockopt", (DWORD)WSAGetLastError(), "SO_EXCLUSIVEADDRUSE "
				"for the allow-list's proxy");
		wsb__w32_loopback(&a, count ? ports[i] : 0);
		if (WSB_OS(bind)(px->listener, (const struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		err = WSAGetLastError();
		if (err != WSAEADDRINUSE && err != WSAEACCES)
			return wsb__w32_fail("bind", (DWORD)err, "the allow-list's proxy on 127.0.0.1:%u",
				count ? (unsigned int)ports[i] : 0u);
		wsb__w32_close_socket(&px->listener);
	}
	if (px->listener == INVALID_SOCKET)
		return wsb__error_os(WSB_EEXIST, err, "the allow-list's proxy cannot listen: each "
			"loopback port the sandbox may reach (%lu) is in use by another program or "
			"another sandboxed process", (unsigned long)count);
	if (WSB_OS(listen)(px->listener, SOMAXCONN) != 0)
		return wsb__w32_fail("listen", (DWORD)WSAGetLastError(), "the allow-list's proxy");
	if (wsb__w32_nonblocking(px->listener) != 0)
		return wsb__w32_fail("ioctlsocket", (DWORD)WSAGetLastError(), "the allow-list's proxy");
	if (WSB_OS(getsockname)(px->listener, (struct sockaddr *)&a, &alen) != 0)
		return wsb__w32_fail("getsockname", (DWORD)WSAGetLastError(), "the allow-list's proxy");
	*out_port = ntohs(a.sin_port);
	return WSB_OK;
}

int wsb__w32_proxy_start(struct wsb__w32_proxy **out, unsigned short *out_port,
	const struct wsb_policy *policy, const unsigned short *ports, size_t count)
{
	struct wsb__w32_proxy *px;
	WSADATA wsa;
	int err, rc;

	*out = NULL;
	*out_port = 0;
	px = wsb__calloc(1, sizeof(*px));
	if (!px)
		return wsb__error_nomem();
	px->listener = px->wake = INVALID_SOCKET;
	px->on_event = policy->net_callback;
	px->ctx = policy->net_callback_ctx;
	InitializeSRWLock(&px->log_lock);
	if ((rc = wsb__px_rules_copy(&px->rules, &px->rule_count, policy->net_rules,
			policy->net_rule_count)) != WSB_OK)
		goto fail;
	if ((err = WSB_OS(WSAStartup)(MAKEWORD(2, 2), &wsa)) != 0) {
		rc = wsb__w32_fail("WSAStartup", (DWORD)err, "Winsock for the allow-list's proxy");
		goto fail;
	}
	px->wsa = 1;
	if ((rc = listen_on(px, out_port, ports, count)) != WSB_OK ||
			(rc = wsb__w32_wake_socket(&px->wake, "the proxy's wake socket")) != WSB_OK)
		goto fail;
	px->thread = WSB_OS(CreateThread)(NULL, 0, accept_main, px, 0, NULL);
	if (!px->thread) {
		rc = wsb__w32_fail("CreateThread", GetLastError(), "the allow-list's proxy");
		goto fail;
	}
	*out = px;
	return WSB_OK;
fail:
	*out_port = 0;
	wsb__w32_proxy_stop(px);
	return rc;
}
