/*
 * The loopback relay on Linux (docs/relay.md). The same design as Windows
 * (lib/win32/relay.c), in POSIX: one thread per relay polls a wake pipe, the
 * listening socket and every connection's two sockets, all non-blocking;
 * each connection keeps one buffer per direction, so a slow reader stalls
 * only its own connection. A FIN from one side is passed on (shutdown
 * SHUT_WR) once its buffered bytes are out; a connection ends when both
 * directions have ended, or at once on an error from either side.
 *
 * Where the listening socket lives is what differs. With network off the
 * command has a network namespace of its own, whose loopback the host
 * cannot reach: the sandbox's init creates the socket there (before
 * Landlock and seccomp) and passes it to us over a socketpair; we accept on
 * it and connect to the target in our own namespace. Each process so has a
 * listener of its own, and nothing is shared. With network on (or no
 * network namespace) the command shares our loopback, and we bind the port
 * here: one relay per port, shared by reference count, as on Windows.
 */
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Directions: 0 client -> target, 1 target -> client. */
typedef struct relay_conn {
	int fd[2];          /* [0] the accepted client, [1] our socket to the target */
	int connecting;     /* the connect to the target is still under way */
	char *buf;          /* 2 * WSB__LX_RELAY_BUF: one buffer per direction */
	size_t len[2], off[2]; /* bytes buffered per direction, and how many went out */
	int eof[2];         /* the reading side of the direction sent FIN */
	int shut[2];        /* that FIN was passed on */
} relay_conn;

struct wsb__lx_relay {
	struct wsb__lx_relay *next; /* the registry of host listeners */
	unsigned short listen_port, target_port;
	unsigned long refs;
	int shared;          /* bound on the host's loopback, in the registry */
	int listener;
	int wake[2];         /* a byte on wake[1] stops the thread */
	int thread_started;
	pthread_t thread;
	unsigned long refused;  /* written by the thread, read by tests: atomic */
	relay_conn conns[WSB__LX_RELAY_MAX_CONNS];
	size_t nconns;
	struct pollfd pfd[2 + 2 * WSB__LX_RELAY_MAX_CONNS];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct wsb__lx_relay *shared_relays;

static void loopback(struct sockaddr_in *a, unsigned short port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the listening socket ---- */

/* Bind and listen on 127.0.0.1:port: the fd, or -errno. System calls only:
 * the sandbox's init calls it too. */
static int listen_on(unsigned short port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err;

	if (fd < 0)
		return -errno;
	loopback(&a, port);
	if (bind(fd, (const struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int wsb__lx_relay_listen_send(int sock, unsigned short port)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m;
	struct cmsghdr *cm;
	struct iovec iov;
	char byte = 'L';
	int fd = listen_on(port), err = 0;

	if (fd < 0)
		return -fd;
	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.space;
	m.msg_controllen = sizeof(ctl.space);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != 1)
		err = errno ? errno : EIO;
	/* The parent holds it now (or nobody does): the command never has it. */
	close(fd);
	return err;
}

int wsb__lx_relay_receive(int *out_fd, int sock, unsigned short port)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m;
	struct cmsghdr *cm;
	struct iovec iov;
	char byte;
	ssize_t n;

	*out_fd = -1;
	memset(&m, 0, sizeof(m));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.space;
	m.msg_controllen = sizeof(ctl.space);
	/* Sent before exec, which the caller has seen succeed: no waiting. */
	do
		n = recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	cm = n == 1 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)) || (m.msg_flags & MSG_CTRUNC))
		return wsb__error(WSB_EOS, "the sandbox did not pass on the loopback relay's "
			"socket for 127.0.0.1:%u", (unsigned int)port);
	memcpy(out_fd, CMSG_DATA(cm), sizeof(int));
	return WSB_OK;
}

/* ---- the thread ---- */

static void conn_close(struct wsb__lx_relay *r, size_t i)
{
	relay_conn *c = &r->conns[i];

	close_fd(&c->fd[0]);
	close_fd(&c->fd[1]);
	wsb__free(c->buf);
	r->conns[i] = r->conns[--r->nconns];
}

/* New clients: refused when the relay is full, else each paired with a
 * non-blocking connect to the target. 0 if accept failed for want of a
 * resource (EMFILE...): the caller backs off rather than spin. */
static int conn_accept(struct wsb__lx_relay *r)
{
	struct sockaddr_in a;
	relay_conn *c;
	int s;

	for (;;) {
		s = accept4(r->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
				errno == ECONNABORTED || errno == EPROTO;
		if (r->nconns == WSB__LX_RELAY_MAX_CONNS) {
			__atomic_add_fetch(&r->refused, 1, __ATOMIC_RELAXED);
			close(s);
			continue;
		}
		c = &r->conns[r->nconns++];
		memset(c, 0, sizeof(*c));
		c->fd[0] = s;
		c->fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		c->buf = wsb__malloc(2 * WSB__LX_RELAY_BUF);
		if (!c->buf || c->fd[1] < 0) {
			conn_close(r, r->nconns - 1);
			continue;
		}
		loopback(&a, r->target_port);
		if (connect(c->fd[1], (const struct sockaddr *)&a, sizeof(a)) == 0)
			continue;
		if (errno == EINPROGRESS)
			c->connecting = 1;
		else  /* refused: the client gets a clean end of stream */
			conn_close(r, r->nconns - 1);
	}
}

/* Move what poll() allowed for connection i (its sockets' poll entries are
 * ev[0], ev[1]); 0 if it ended. */
static int conn_step(relay_conn *c, const short ev[2])
{
	const short ready = POLLIN | POLLOUT | POLLERR | POLLHUP;
	int d, err;
	socklen_t len = sizeof(err);

	if (c->connecting) {
		if (!(ev[1] & ready))
			return 1;
		/* A refused target: closing the client without a byte is the
		 * clean answer it gets. */
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
			return 0;
		c->connecting = 0;
		return 1;
	}
	for (d = 0; d < 2; d++) {
		int from = c->fd[d], to = c->fd[1 - d];
		char *buf = c->buf + d * WSB__LX_RELAY_BUF;
		ssize_t n;

		if (c->len[d] == 0 && !c->eof[d] && (ev[d] & ready)) {
			n = recv(from, buf, WSB__LX_RELAY_BUF, 0);
			if (n > 0) {
				c->len[d] = (size_t)n;
				c->off[d] = 0;
			} else if (n == 0) {
				c->eof[d] = 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				return 0;
			}
		}
		/* Written at once when it can be: most of the time the other
		 * side has room, and this saves a round through poll. */
		if (c->len[d] > c->off[d]) {
			n = send(to, buf + c->off[d], c->len[d] - c->off[d], MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				c->off[d] += (size_t)n;
				if (c->off[d] == c->len[d])
					c->len[d] = c->off[d] = 0;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				return 0;
			}
		}
		if (c->eof[d] && c->len[d] == 0 && !c->shut[d]) {
			shutdown(to, SHUT_WR);
			c->shut[d] = 1;
		}
	}
	return !(c->shut[0] && c->shut[1]);
}

/* Fill r->pfd: the wake pipe, the listener (unless backing off), then two
 * entries per connection; a socket with nothing to wait for gets fd -1, so
 * a peer's hang-up cannot make poll return while its bytes wait elsewhere. */
static nfds_t watch(struct wsb__lx_relay *r, int with_listener)
{
	size_t i;
	int d;

	r->pfd[0].fd = r->wake[0];
	r->pfd[0].events = POLLIN;
	r->pfd[1].fd = with_listener ? r->listener : -1;
	r->pfd[1].events = POLLIN;
	for (i = 0; i < r->nconns; i++) {
		relay_conn *c = &r->conns[i];
		struct pollfd *p = &r->pfd[2 + 2 * i];
		short ev[2] = { 0, 0 };

		if (c->connecting) {
			ev[1] = POLLOUT;
		} else {
			for (d = 0; d < 2; d++) {
				if (c->len[d] == 0 && !c->eof[d])
					ev[d] |= POLLIN;
				if (c->len[d] > c->off[d])
					ev[1 - d] |= POLLOUT;
			}
		}
		for (d = 0; d < 2; d++) {
			p[d].fd = ev[d] ? c->fd[d] : -1;
			p[d].events = ev[d];
			p[d].revents = 0;
		}
	}
	return (nfds_t)(2 + 2 * r->nconns);
}

static void *relay_main(void *arg)
{
	struct wsb__lx_relay *r = arg;
	int backoff = 0;
	size_t i;

	for (;;) {
		nfds_t n = watch(r, !backoff);
		int k = poll(r->pfd, n, backoff ? 100 : -1);

		if (k < 0 && errno != EINTR) {
			/* Nothing sensible is left to wait on: drop every connection
			 * and try again a little later rather than spin. */
			while (r->nconns)
				conn_close(r, r->nconns - 1);
			backoff = 1;
			continue;
		}
		backoff = 0;
		if (k <= 0)
			continue;
		if (r->pfd[0].revents)
			break;
		/* Backwards, as conn_close moves the last connection into i
		 * (one already stepped); accepted ones come after. */
		for (i = r->nconns; i-- > 0; ) {
			short ev[2];
			ev[0] = r->pfd[2 + 2 * i].revents;
			ev[1] = r->pfd[3 + 2 * i].revents;
			if (!conn_step(&r->conns[i], ev))
				conn_close(r, i);
		}
		if (r->pfd[1].revents && !conn_accept(r))
			backoff = 1;
	}
	while (r->nconns)
		conn_close(r, r->nconns - 1);
	return NULL;
}

/* ---- start and stop ---- */

static void destroy(struct wsb__lx_relay *r)
{
	if (r->thread_started) {
		char x = 'x';
		if (write(r->wake[1], &x, 1) < 0) {
			/* a pipe we own with room for a byte: cannot fail */
		}
		pthread_join(r->thread, NULL);
	}
	close_fd(&r->listener);
	close_fd(&r->wake[0]);
	close_fd(&r->wake[1]);
	wsb__free(r);
}

int wsb__lx_relay_start(struct wsb__lx_relay **out, int listener, unsigned short listen_port,
	unsigned short target_port)
{
	struct wsb__lx_relay *r;
	sigset_t all, old;
	int err;

	*out = NULL;
	r = wsb__calloc(1, sizeof(*r));
	if (!r) {
		close(listener);
		return wsb__error_nomem();
	}
	r->listener = listener;
	r->listen_port = listen_port;
	r->target_port = target_port;
	r->refs = 1;
	r->wake[0] = r->wake[1] = -1;
	if (pipe2(r->wake, O_CLOEXEC) < 0) {
		err = errno;
		destroy(r);
		return wsb__error_os(WSB_EOS, err, "pipe2 for the loopback relay failed: %s",
			strerror(err));
	}
	/* The caller's signals are not the relay's business: its thread
	 * blocks them all, and its sends use MSG_NOSIGNAL. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, NULL, relay_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		destroy(r);
		return wsb__error_os(WSB_EOS, err, "could not start the loopback relay's thread: %s",
			strerror(err));
	}
	r->thread_started = 1;
	*out = r;
	return WSB_OK;
}

int wsb__lx_relay_acquire_host(struct wsb__lx_relay **out, unsigned short listen_port,
	unsigned short target_port)
{
	struct wsb__lx_relay *r;
	int fd, rc = WSB_OK;

	*out = NULL;
	pthread_mutex_lock(&lock);
	for (r = shared_relays; r && r->listen_port != listen_port; r = r->next)
		;
	if (r && r->target_port != target_port) {
		rc = wsb__error(WSB_ECONFLICT, "this program already relays 127.0.0.1:%u to port %u, "
			"not %u", (unsigned int)listen_port, (unsigned int)r->target_port,
			(unsigned int)target_port);
	} else if (r) {
		r->refs++;
		*out = r;
	} else if ((fd = listen_on(listen_port)) < 0) {
		rc = wsb__error_os(-fd == EADDRINUSE ? WSB_EEXIST : -fd == EACCES ? WSB_EACCES : WSB_EOS,
			-fd, "the loopback relay cannot listen on 127.0.0.1:%u: %s%s",
			(unsigned int)listen_port, strerror(-fd), -fd == EADDRINUSE ?
			" (another program holds the port)" : "");
	} else if ((rc = wsb__lx_relay_start(&r, fd, listen_port, target_port)) == WSB_OK) {
		r->shared = 1;
		r->next = shared_relays;
		shared_relays = r;
		*out = r;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void wsb__lx_relay_release(struct wsb__lx_relay *r)
{
	struct wsb__lx_relay **pp;

	if (!r)
		return;
	if (!r->shared) {
		destroy(r);
		return;
	}
	/* Stopped under the lock, so a new relay on the same port can bind as
	 * soon as this one is gone. */
	pthread_mutex_lock(&lock);
	if (--r->refs == 0) {
		for (pp = &shared_relays; *pp && *pp != r; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = r->next;
		destroy(r);
	}
	pthread_mutex_unlock(&lock);
}

unsigned long wsb__lx_relay_refused(const struct wsb__lx_relay *r)
{
	return r ? __atomic_load_n(&r->refused, __ATOMIC_RELAXED) : 0;
}
