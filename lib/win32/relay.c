/*
 * The loopback relay (relay.h, docs/windows-relay.md). One thread per relay
 * runs select() over the listening socket, a wake socket and every
 * connection's two sockets, all non-blocking; each connection keeps one
 * buffer per direction, so a slow reader stalls only its own connection.
 * A FIN from one side is passed on (shutdown SD_SEND) once its buffered
 * bytes are out; a connection ends when both directions have ended, or at
 * once on an error from either side.
 */
/* Winsock 2 (WSA_FLAG_NO_HANDLE_INHERIT, SO_EXCLUSIVEADDRUSE); before <windows.h>. */
#include <winsock2.h>
#include "relay.h"
#include "loopsock.h"
#include "core/envblock.h"
#include "core/policy.h"
#include "core/utf.h"

#include <string.h>

/* fd_set with room for every socket of one relay: Winsock's fd_set is a
 * count and an array, sized by FD_SETSIZE (64) unless told otherwise, and
 * select() reads fd_count entries, so a larger array of the same layout is
 * the documented way to watch more. */
#define RELAY_FDS (2 * WSB__RELAY_MAX_CONNS + 2)
typedef struct relay_fdset {
	u_int fd_count;
	SOCKET fd_array[RELAY_FDS];
} relay_fdset;

/* Directions: 0 client -> target, 1 target -> client. */
typedef struct relay_conn {
	SOCKET sock[2];     /* [0] the accepted client, [1] our socket to the target */
	int connecting;     /* the connect to the target is still under way */
	char *buf;          /* 2 * WSB__RELAY_BUF: one buffer per direction */
	int len[2], off[2]; /* bytes buffered per direction, and how many went out */
	int eof[2];         /* the reading side of the direction sent FIN */
	int shut[2];        /* that FIN was passed on */
} relay_conn;

struct wsb__relay {
	struct wsb__relay *next;
	unsigned short listen_port, target_port;
	unsigned long refs;
	int wsa;                /* WSAStartup succeeded: WSACleanup owed */
	SOCKET listener;
	SOCKET wake;            /* UDP, connected to itself: a byte wakes select */
	HANDLE thread;
	volatile LONG stop;
	volatile LONG refused;
	relay_conn conns[WSB__RELAY_MAX_CONNS];
	size_t nconns;
	relay_fdset rd, wr, ex; /* the thread's: too large for its stack frame */
};

/* The registry of running relays, one per listen port. */
static SRWLOCK lock = SRWLOCK_INIT;
static struct wsb__relay *relays;

static void fd_add(relay_fdset *set, SOCKET s)
{
	set->fd_array[set->fd_count++] = s;
}

static int fd_has(const relay_fdset *set, SOCKET s)
{
	u_int i;

	for (i = 0; i < set->fd_count; i++)
		if (set->fd_array[i] == s)
			return 1;
	return 0;
}

static void conn_close(struct wsb__relay *r, size_t i)
{
	relay_conn *c = &r->conns[i];

	wsb__w32_close_socket(&c->sock[0]);
	wsb__w32_close_socket(&c->sock[1]);
	wsb__free(c->buf);
	r->conns[i] = r->conns[--r->nconns];
}

/* A new client: refused when the relay is full, else paired with a
 * non-blocking connect to the target. */
static void conn_accept(struct wsb__relay *r)
{
	struct sockaddr_in a;
	relay_conn *c;
	SOCKET s = WSB_OS(accept)(r->listener, NULL, NULL);

	if (s == INVALID_SOCKET)
		return; /* gone before we got to it, or no memory: the client sees a reset */
	if (r->nconns == WSB__RELAY_MAX_CONNS) {
		InterlockedIncrement(&r->refused);
		WSB_OS(closesocket)(s);
		return;
	}
	c = &r->conns[r->nconns++];
	memset(c, 0, sizeof(*c));
	c->sock[0] = s;
	c->sock[1] = INVALID_SOCKET;
	/* Best effort: with a layered provider a socket may not be a plain
	 * handle, and refusing every client for that would be worse. */
	WSB_OS(SetHandleInformation)((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
	c->buf = wsb__malloc(2 * WSB__RELAY_BUF);
	if (!c->buf || wsb__w32_nonblocking(s) != 0 ||
			(c->sock[1] = wsb__w32_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) == INVALID_SOCKET ||
			wsb__w32_nonblocking(c->sock[1]) != 0) {
		conn_close(r, r->nconns - 1);
		return;
	}
	wsb__w32_loopback(&a, r->target_port);
	if (WSB_OS(connect)(c->sock[1], (const struct sockaddr *)&a, sizeof(a)) == 0)
		return;
	if (WSAGetLastError() == WSAEWOULDBLOCK)
		c->connecting = 1;
	else
		conn_close(r, r->nconns - 1);
}

/* Move what select() allowed for connection i; 0 if it ended. */
static int conn_step(struct wsb__relay *r, size_t i)
{
	relay_conn *c = &r->conns[i];
	int d;

	if (c->connecting) {
		/* A refused target shows in the exception set: closing the client
		 * without a byte is the clean answer it gets. */
		if (fd_has(&r->ex, c->sock[1]))
			return 0;
		if (fd_has(&r->wr, c->sock[1]))
			c->connecting = 0;
		return 1;
	}
	for (d = 0; d < 2; d++) {
		SOCKET from = c->sock[d], to = c->sock[1 - d];
		char *buf = c->buf + d * WSB__RELAY_BUF;
		int n;

		if (fd_has(&r->rd, from)) {
			n = WSB_OS(recv)(from, buf, WSB__RELAY_BUF, 0);
			if (n > 0) {
				c->len[d] = n;
				c->off[d] = 0;
			} else if (n == 0) {
				c->eof[d] = 1;
			} else if (WSAGetLastError() != WSAEWOULDBLOCK) {
				return 0;
			}
		}
		if (c->len[d] > c->off[d] && fd_has(&r->wr, to)) {
			n = WSB_OS(send)(to, buf + c->off[d], c->len[d] - c->off[d], 0);
			if (n > 0) {
				c->off[d] += n;
				if (c->off[d] == c->len[d])
					c->len[d] = c->off[d] = 0;
			} else if (WSAGetLastError() != WSAEWOULDBLOCK) {
				return 0;
			}
		}
		if (c->eof[d] && c->len[d] == 0 && !c->shut[d]) {
			WSB_OS(shutdown)(to, SD_SEND);
			c->shut[d] = 1;
		}
	}
	return !(c->shut[0] && c->shut[1]);
}

static void watch(struct wsb__relay *r)
{
	size_t i;
	int d;

	r->rd.fd_count = r->wr.fd_count = r->ex.fd_count = 0;
	fd_add(&r->rd, r->wake);
	fd_add(&r->rd, r->listener);
	for (i = 0; i < r->nconns; i++) {
		relay_conn *c = &r->conns[i];

		if (c->connecting) {
			fd_add(&r->wr, c->sock[1]);
			fd_add(&r->ex, c->sock[1]);
			continue;
		}
		for (d = 0; d < 2; d++) {
			if (c->len[d] == 0 && !c->eof[d])
				fd_add(&r->rd, c->sock[d]);
			if (c->len[d] > 0)
				fd_add(&r->wr, c->sock[1 - d]);
		}
	}
}

static DWORD WINAPI relay_main(LPVOID arg)
{
	struct wsb__relay *r = arg;
	/* A safety net only: release() wakes the thread through r->wake. */
	struct timeval tick = { 1, 0 };
	char drain[16];
	size_t i;

	while (!r->stop) {
		watch(r);
		if (WSB_OS(select)(0, (fd_set *)&r->rd, r->wr.fd_count ? (fd_set *)&r->wr : NULL,
				r->ex.fd_count ? (fd_set *)&r->ex : NULL, &tick) == SOCKET_ERROR) {
			/* Nothing sensible is left to wait on: drop every connection
			 * and try again a little later rather than spin. */
			while (r->nconns)
				conn_close(r, r->nconns - 1);
			WSB_OS(Sleep)(100);
			continue;
		}
		if (fd_has(&r->rd, r->wake))
			while (WSB_OS(recv)(r->wake, drain, sizeof(drain), 0) > 0)
				;
		if (r->stop)
			break;
		/* Backwards, as conn_close moves the last connection into i. */
		for (i = r->nconns; i-- > 0; )
			if (!conn_step(r, i))
				conn_close(r, i);
		if (fd_has(&r->rd, r->listener))
			conn_accept(r);
	}
	while (r->nconns)
		conn_close(r, r->nconns - 1);
	return 0;
}

/* Tear down what start() built, in any state. */
static void destroy(struct wsb__relay *r)
{
	if (r->thread) {
		InterlockedExchange(&r->stop, 1);
		WSB_OS(send)(r->wake, "x", 1, 0);
		WSB_OS(WaitForSingleObject)(r->thread, INFINITE);
		WSB_OS(CloseHandle)(r->thread);
	}
	wsb__w32_close_socket(&r->listener);
	wsb__w32_close_socket(&r->wake);
	if (r->wsa)
		WSB_OS(WSACleanup)();
	wsb__free(r);
}

static int start(struct wsb__relay **out, unsigned short listen_port, unsigned short target_port)
{
	struct wsb__relay *r;
	struct sockaddr_in a;
	WSADATA wsa;
	BOOL on = TRUE;
	int err, rc;

	*out = NULL;
	r = wsb__calloc(1, sizeof(*r));
	if (!r)
		return wsb__error_nomem();
	r->listen_port = listen_port;
	r->target_port = target_port;
	r->refs = 1;
	r->listener = r->wake = INVALID_SOCKET;
	if ((err = WSB_OS(WSAStartup)(MAKEWORD(2, 2), &wsa)) != 0) {
		rc = wsb__w32_fail("WSAStartup", (DWORD)err, "Winsock for the loopback relay");
		goto fail;
	}
	r->wsa = 1;
	r->listener = wsb__w32_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (r->listener == INVALID_SOCKET) {
		rc = wsb__w32_fail("WSASocketW", (DWORD)WSAGetLastError(), "the relay on 127.0.0.1:%u",
			(unsigned int)listen_port);
		goto fail;
	}
	/* Nobody else may bind the port while we hold it, nor we take it
	 * from a program that bound it first. */
	if (WSB_OS(setsockopt)(r->listener, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&on,
			sizeof(on)) != 0) {
		rc = wsb__w32_fail("setsockopt", (DWORD)WSAGetLastError(), "SO_EXCLUSIVEADDRUSE for "
			"the relay on 127.0.0.1:%u", (unsigned int)listen_port);
		goto fail;
	}
	wsb__w32_loopback(&a, listen_port);
	if (WSB_OS(bind)(r->listener, (const struct sockaddr *)&a, sizeof(a)) != 0) {
		err = WSAGetLastError();
		if (err == WSAEADDRINUSE || err == WSAEACCES)
			rc = wsb__error_os(WSB_EEXIST, err, "bind failed (Winsock error %d): 127.0.0.1:%u "
				"is already in use by another program, so the loopback relay cannot listen "
				"there; stop that program or choose another listen port (one the setup "
				"allowed)", err, (unsigned int)listen_port);
		else
			rc = wsb__w32_fail("bind", (DWORD)err, "the relay on 127.0.0.1:%u",
				(unsigned int)listen_port);
		goto fail;
	}
	if (WSB_OS(listen)(r->listener, SOMAXCONN) != 0) {
		rc = wsb__w32_fail("listen", (DWORD)WSAGetLastError(), "the relay on 127.0.0.1:%u",
			(unsigned int)listen_port);
		goto fail;
	}
	if (wsb__w32_nonblocking(r->listener) != 0) {
		rc = wsb__w32_fail("ioctlsocket", (DWORD)WSAGetLastError(), "the relay on 127.0.0.1:%u",
			(unsigned int)listen_port);
		goto fail;
	}
	if ((rc = wsb__w32_wake_socket(&r->wake, "the relay's wake socket")) != WSB_OK)
		goto fail;
	r->thread = WSB_OS(CreateThread)(NULL, 0, relay_main, r, 0, NULL);
	if (!r->thread) {
		rc = wsb__w32_fail("CreateThread", GetLastError(), "the relay on 127.0.0.1:%u",
			(unsigned int)listen_port);
		goto fail;
	}
	*out = r;
	return WSB_OK;
fail:
	destroy(r);
	return rc;
}

int wsb__relay_acquire(struct wsb__relay **out, unsigned short listen_port,
	unsigned short target_port)
{
	struct wsb__relay *r;
	int rc = WSB_OK;

	*out = NULL;
	if (listen_port == 0)
		return WSB_OK;
	AcquireSRWLockExclusive(&lock);
	for (r = relays; r && r->listen_port != listen_port; r = r->next)
		;
	if (r && r->target_port != target_port) {
		rc = wsb__error(WSB_ECONFLICT, "the loopback relay on 127.0.0.1:%u already forwards to "
			"port %u for another process of this program; it cannot forward to port %u at the "
			"same time", (unsigned int)listen_port, (unsigned int)r->target_port,
			(unsigned int)target_port);
	} else if (r) {
		r->refs++;
		*out = r;
	} else if ((rc = start(&r, listen_port, target_port)) == WSB_OK) {
		r->next = relays;
		relays = r;
		*out = r;
	}
	ReleaseSRWLockExclusive(&lock);
	return rc;
}

void wsb__relay_release(struct wsb__relay *relay)
{
	struct wsb__relay **pp;

	if (!relay)
		return;
	/* Stopped under the lock, so a new relay on the same port can bind as
	 * soon as this one is gone. */
	AcquireSRWLockExclusive(&lock);
	if (--relay->refs == 0) {
		for (pp = &relays; *pp && *pp != relay; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = relay->next;
		destroy(relay);
	}
	ReleaseSRWLockExclusive(&lock);
}

/* Drop the backend's own entries for name (the advisory dead proxy). */
static void drop_extra(wsb__strvec *extra, const char *name)
{
	size_t i = extra->count, n = strlen(name);

	while (i-- > 0)
		if (strlen(extra->items[i]) > n && extra->items[i][n] == '=' &&
				wsb__utf8_ncasecmp(extra->items[i], n, name, n) == 0)
			wsb__strvec_remove(extra, i);
}

int wsb__relay_env(wsb__w32_decision *d, const struct wsb_policy *policy)
{
	static const char *const names[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY" };
	size_t i;

	if (policy->relay_listen == 0)
		return WSB_OK;
	/* With a relay the caller routes proxy traffic itself: its own value,
	 * else the relay (core/envblock.c), replaces the advisory dead port.
	 * Windows names are case-insensitive: one spelling is enough. */
	for (i = 0; i < WSB__ARRAY_SIZE(names); i++)
		drop_extra(&d->env_extra, names[i]);
	return wsb__env_relay_proxies(&d->env_extra, policy, 0);
}

size_t wsb__relay_count(void)
{
	struct wsb__relay *r;
	size_t n = 0;

	AcquireSRWLockExclusive(&lock);
	for (r = relays; r; r = r->next)
		n++;
	ReleaseSRWLockExclusive(&lock);
	return n;
}

unsigned long wsb__relay_refused(const struct wsb__relay *relay)
{
	return relay ? (unsigned long)relay->refused : 0;
}
