/*
 * The init server (docs/linux-backend.md, "The init server"). A warm
 * spawn's init was a copy of the caller, and copying the caller's page
 * tables is most of a spawn once the caller is large (an agent runtime
 * holding hundreds of MiB: measured 6.8x a bare spawn from a 256 MiB
 * caller). So for each warm policy of a large caller (wsb__lx_initd_wanted)
 * a small program of its own, wsb-initd, is started once, inside the
 * policy's warm user and network namespaces (network on: in the caller's),
 * and each command's init is cloned from it with CLONE_PARENT: init is
 * still the caller's child, so the rest (process.c, cgroups, the error and
 * status pipes) is as before.
 *
 * The caller sends the server, over a socket pair, what the in-process
 * init reads (wsb__lx_setup, wsb__lx_exec) and what a child of the caller
 * would have inherited at that moment and the server could not have (the
 * umask, resource limits, signal mask), with the pipes and the standard
 * streams as descriptors. It answers with init's pid or an errno. Init then
 * waits for the caller's go on a pipe, so an init whose pid never reached
 * the caller (the server killed between its clone and its answer) exits
 * without running anything. Any failure sends the spawn the in-process way.
 *
 * The server is the library's own code (the static library linked into
 * it), found next to the shared library as <libdir>/wsandbox/wsb-initd and
 * run only if it is a regular file no one but its owner (root or the
 * caller) can write. It ends when the caller closes its end of the socket,
 * which the caller's exit does too.
 */
#include "linux.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *wsb__lx_initd_path;
int wsb__lx_initd_off;
unsigned long wsb__lx_initd_min_anon = 16ul << 20;

#define WIRE_MAGIC 0x57534249u    /* "WSBI" */
/* Any change to what visit() carries changes this: a server from another
 * build of the library is refused at its hello. */
#define WIRE_VERSION 2u
#define WIRE_MAX (64u << 20)
#define WIRE_FDS 7                /* err, status, [sync], [relay], stdin, stdout, stderr */
#define WIRE_SYNC 1u              /* wire_head.flags: a go pipe is sent */
#define WIRE_RELAY 2u             /* the relay's socket is sent */
#define WIRE_NEWNET 4u            /* init makes the command's network namespace */
#define HELLO_MS 10000            /* a loaded machine's exec, with margin */

/* ---- the wire: one visit() both writes and reads, so the two sides
 * cannot disagree on the order of fields ---- */

typedef struct wire {
	unsigned char *buf;
	size_t len, cap, at;
	int reading;
	int err;                  /* ENOMEM writing; EPROTO reading past the end */
} wire;

static void wire_raw(wire *w, void *p, size_t n)
{
	if (w->err)
		return;
	if (w->reading) {
		if (n > w->len - w->at) {
			w->err = EPROTO;
			return;
		}
		memcpy(p, w->buf + w->at, n);
		w->at += n;
		return;
	}
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *nb;
		while (cap - w->len < n && cap < WIRE_MAX)
			cap *= 2;
		if (cap - w->len < n || !(nb = wsb__malloc(cap))) {
			w->err = ENOMEM;
			return;
		}
		if (w->len)
			memcpy(nb, w->buf, w->len);
		wsb__free(w->buf);
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* A count, read back no larger than max. */
static void wire_count(wire *w, size_t *n, size_t max)
{
	wsb_u64 v = *n;

	wire_raw(w, &v, sizeof(v));
	if (w->reading && !w->err && v > max)
		w->err = EPROTO;
	/* read: nothing counted that was not read (the dispose functions
	 * walk what the counts say) */
	*n = w->reading && w->err ? 0 : (size_t)v;
}

/* Read: an array of n zeroed elements, or NULL for none. */
static void *wire_alloc(wire *w, size_t n, size_t size)
{
	void *p;

	if (w->err || !n)
		return NULL;
	if (!(p = wsb__calloc(n, size)))
		w->err = ENOMEM;
	return p;
}

/* A counted array of elements of size: items, or read, a new zeroed
 * array (*count is 0 unless it could be made; *cap follows *count). */
static void *wire_array(wire *w, void *items, size_t *count, size_t *cap, size_t size, size_t max)
{
	wire_count(w, count, max);
	if (!w->reading)
		return items;
	if (!(items = wire_alloc(w, *count, size)))
		*count = 0;
	*cap = *count;
	return items;
}

static void wire_str(wire *w, char **s)
{
	size_t n = *s ? strlen(*s) + 1 : 0;   /* 0: NULL */

	wire_count(w, &n, WIRE_MAX);
	if (w->reading) {
		*s = wire_alloc(w, n, 1);
		if (*s)
			wire_raw(w, *s, n);
		/* one string, NUL-terminated, no NUL inside (one encoding) */
		if (*s && !w->err && ((*s)[n - 1] != '\0' || memchr(*s, '\0', n - 1)))
			w->err = EPROTO;
	} else if (n) {
		wire_raw(w, *s, n);
	}
}

static void wire_strv(wire *w, char ***v)
{
	size_t n = 0, i;

	if (!w->reading)
		while ((*v)[n])
			n++;
	wire_count(w, &n, WIRE_MAX / sizeof(char *) - 1);
	if (w->reading && !w->err && !(*v = wire_alloc(w, n + 1, sizeof(char *))))
		return;
	for (i = 0; i < n && !w->err; i++) {
		wire_str(w, &(*v)[i]);
		if (w->reading && !w->err && !(*v)[i])
			w->err = EPROTO;
	}
}

#define WIRE(w, field) wire_raw((w), &(field), sizeof(field))

/* Exactly what init_main and the *_apply functions read. */
static void visit(wire *w, wsb__lx_setup *s, wsb__lx_exec *e, wsb__lx_inherit *in)
{
	wsb__lx_mounts *m = &s->mounts;
	wsb__lx_landlock *l = &s->landlock;
	size_t i, n;

	WIRE(w, s->use_userns);
	WIRE(w, s->use_mountns);
	WIRE(w, s->use_pidns);
	WIRE(w, s->use_netns);
	WIRE(w, s->net_off);
	WIRE(w, s->tree_by_subreaper);
	WIRE(w, s->relay_in_netns);
	WIRE(w, s->relay_listen);
	WIRE(w, s->uid_map);
	WIRE(w, s->gid_map);
	WIRE(w, s->timeout_ms);

	m->items = wire_array(w, m->items, &m->count, &m->cap, sizeof(*m->items), 1u << 20);
	for (i = 0; i < m->count && !w->err; i++) {
		WIRE(w, m->items[i].kind);
		wire_str(w, &m->items[i].target);
		WIRE(w, m->items[i].lost_bit);
		if (w->reading && !w->err && !m->items[i].target)
			w->err = EPROTO;
	}
	WIRE(w, m->allow_lost);

	n = (size_t)s->limits.rlimit_count;
	wire_count(w, &n, sizeof(s->limits.rlimits) / sizeof(s->limits.rlimits[0]));
	s->limits.rlimit_count = (int)n;
	WIRE(w, s->limits.rlimits);

	WIRE(w, l->abi);
	WIRE(w, l->handled_fs);
	WIRE(w, l->handled_net);
	WIRE(w, l->scoped);
	WIRE(w, l->command_scoped);
	l->rules = wire_array(w, l->rules, &l->rule_count, &l->rule_cap, sizeof(*l->rules), 1u << 20);
	for (i = 0; i < l->rule_count && !w->err; i++) {
		wire_str(w, &l->rules[i].path);
		WIRE(w, l->rules[i].access);
		if (w->reading && !w->err && !l->rules[i].path)
			w->err = EPROTO;
	}

	n = s->seccomp.len;
	wire_count(w, &n, 0xffff);
	s->seccomp.len = (unsigned short)n;
	if (w->reading && !(s->seccomp.prog = wire_alloc(w, n, sizeof(struct sock_filter))))
		s->seccomp.len = 0;
	if (n && s->seccomp.prog)
		wire_raw(w, s->seccomp.prog, n * sizeof(struct sock_filter));

	wire_str(w, &e->path);
	wire_strv(w, &e->argv);
	wire_strv(w, &e->envp);
	wire_str(w, &e->cwd);
	WIRE(w, e->ctty);
	if (w->reading && !w->err && (!e->path || !e->cwd))
		w->err = EPROTO;

	WIRE(w, *in);
}

typedef struct wire_head {
	unsigned int magic;
	unsigned int flags;       /* WIRE_SYNC, WIRE_RELAY, WIRE_NEWNET */
	wsb_u64 len;
} wire_head;

typedef struct wire_hello {
	unsigned int magic;
	unsigned int version;
	wsb_u64 setup_size;       /* a sanity check on the build, besides the version */
} wire_hello;

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EPIPE;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	unsigned char *b = p;

	while (n) {
		ssize_t k = read(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EPIPE;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* 0 once sock has something to read (or its end), ETIMEDOUT after
 * HELLO_MS: a server stopped or starved that long is given up. */
static int wait_readable(int sock)
{
	struct pollfd p;
	int r;

	p.fd = sock;
	p.events = POLLIN;
	do
		r = poll(&p, 1, HELLO_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? ETIMEDOUT : errno;
}

static void hello_init(wire_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = WIRE_MAGIC;
	h->version = WIRE_VERSION;
	h->setup_size = sizeof(wsb__lx_setup) + sizeof(wsb__lx_exec) + sizeof(wsb__lx_inherit);
}

/* ---- the caller's side ---- */

/* Servers ended (their socket closed) but maybe not yet exited: reaped
 * when they have, never waited for while a spawn runs. */
#define RETIRED_MAX 16
static pid_t retired[RETIRED_MAX];
static pthread_mutex_t retired_lock = PTHREAD_MUTEX_INITIALIZER;

/* block: wait for the first one still there to end. */
static void reap_retired(int block)
{
	int i, st;

	pthread_mutex_lock(&retired_lock);
	for (i = 0; i < RETIRED_MAX; i++) {
		pid_t r;
		if (retired[i] <= 0)
			continue;
		do
			r = waitpid(retired[i], &st, block ? 0 : WNOHANG);
		while (r < 0 && errno == EINTR);
		block = 0;
		/* ended, or reaped by a caller's waitpid(-1): gone either way */
		if (r != 0)
			retired[i] = 0;
	}
	pthread_mutex_unlock(&retired_lock);
}

static int retired_count(void)
{
	int i, n = 0;

	pthread_mutex_lock(&retired_lock);
	for (i = 0; i < RETIRED_MAX; i++)
		n += retired[i] > 0;
	pthread_mutex_unlock(&retired_lock);
	return n;
}

static void retire(pid_t pid)
{
	int i, st;

	if (pid <= 0)
		return;
	if (waitpid(pid, &st, WNOHANG) != 0)
		return;
	reap_retired(0);
	pthread_mutex_lock(&retired_lock);
	for (i = 0; i < RETIRED_MAX && retired[i] > 0; i++)
		;
	if (i < RETIRED_MAX)
		retired[i] = pid;
	pthread_mutex_unlock(&retired_lock);
	if (i == RETIRED_MAX) {
		/* full: wait for the oldest, which ends as soon as no spawn
		 * holds its socket */
		reap_retired(1);
		pthread_mutex_lock(&retired_lock);
		for (i = 0; i < RETIRED_MAX && retired[i] > 0; i++)
			;
		if (i < RETIRED_MAX)
			retired[i] = pid;
		pthread_mutex_unlock(&retired_lock);
	}
}

int wsb__lx_initd_wanted(void)
{
	unsigned long size, resident, shared;
	char buf[128];
	ssize_t n;
	int fd;

	if (wsb__lx_initd_off)
		return 0;
	if (!wsb__lx_initd_min_anon)
		return 1;
	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) != 3 || resident < shared)
		return 0;
	return (resident - shared) >= wsb__lx_initd_min_anon / (unsigned long)sysconf(_SC_PAGESIZE);
}

/* The program, opened: the hook's path, else wsandbox/wsb-initd in the
 * shared library's directory. -1 when there is none, or the library is
 * linked into the program (no directory of its own to trust), or the file
 * could be changed by anyone but its owner, root or the caller. */
static int helper_open(void)
{
	char lib[PATH_MAX], exe[PATH_MAX], path[PATH_MAX + 32];
	const char *p = wsb__lx_initd_path;
	struct stat st;
	Dl_info info;
	ssize_t n;
	char *slash;
	int fd;

	if (!p) {
		if (!dladdr((void *)&wsb__lx_initd_start, &info) || !info.dli_fname ||
		    !realpath(info.dli_fname, lib))
			return -1;
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			if (strcmp(exe, lib) == 0)
				return -1;
		}
		if (!(slash = strrchr(lib, '/')))
			return -1;
		*slash = '\0';
		if (snprintf(path, sizeof(path), "%s/wsandbox/wsb-initd", lib) >= (int)sizeof(path))
			return -1;
		p = path;
	}
	if ((fd = open(p, O_PATH | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_uid != 0 && st.st_uid != geteuid())) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The vfork child: into the warm namespaces, the socket on descriptor 3,
 * /dev/null on 0-2, a session of its own (no terminal's Ctrl-C reaches
 * it), then the program. System calls only; the errno goes back through
 * *out. */
static void __attribute__((noreturn)) start_child(int exe, int sock, int user_fd, int net_fd,
	volatile long *out)
{
	char *const argv[] = { (char *)"wsb-initd", NULL };
	char *const envp[] = { NULL };
	int null, i;

	if (user_fd >= 0 && (setns(user_fd, CLONE_NEWUSER) < 0 || setns(net_fd, CLONE_NEWNET) < 0))
		goto fail;
	if (exe <= 3 && (exe = fcntl(exe, F_DUPFD_CLOEXEC, 4)) < 0)
		goto fail;
	if (sock == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sock, 3) < 0)
		goto fail;
	/* not close-on-exec: it may itself be one of 0-2 (above 3 the range
	 * below marks it) */
	if ((null = open("/dev/null", O_RDWR)) < 0)
		goto fail;
	for (i = 0; i < 3; i++)
		if (null != i && dup2(null, i) < 0)
			goto fail;
	wsb__lx_cloexec_from(4);
	setsid();
	*out = 0;
	fexecve(exe, argv, envp);   /* execveat(AT_EMPTY_PATH): works on O_PATH */
fail:
	*out = -(long)errno;
	_exit(127);
}

static long __attribute__((noinline)) start_server(int exe, int sock, int user_fd, int net_fd)
{
	volatile long result = -EIO;
	sigset_t all, old;
	pid_t pid;

	/* As in spawn.c's warm_start: no handler of the caller may run in
	 * the vfork child, which shares the caller's memory. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		start_child(exe, sock, user_fd, net_fd, &result);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		return -(long)errno;
	if (result < 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return result;
	}
	return pid;
}

int wsb__lx_initd_start(wsb__lx_initd *d, int user_fd, int net_fd)
{
	wire_hello want, got;
	struct stat st;
	int sv[2], exe;
	long pid;

	d->pid = -1;
	d->sock = -1;
	reap_retired(0);
	if (wsb__lx_initd_off || (exe = helper_open()) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(exe);
		return -1;
	}
	pid = start_server(exe, sv[1], user_fd, net_fd);
	close(exe);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	/* Its hello says it is a server of this very build. */
	hello_init(&want);
	if (wait_readable(sv[0]) != 0 || read_all(sv[0], &got, sizeof(got)) != 0 ||
	    memcmp(&got, &want, sizeof(got)) != 0 ||
	    fstat(sv[0], &st) < 0) {
		/* not a server of ours: it ends now, and is reaped */
		int status;
		close(sv[0]);
		kill((pid_t)pid, SIGKILL);
		while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	d->pid = (pid_t)pid;
	d->sock = sv[0];
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	return 0;
}

void wsb__lx_initd_stop(wsb__lx_initd *d, int wait)
{
	int st;

	if (d->sock >= 0)
		close(d->sock);
	if (wait && d->pid > 0) {
		/* it ends at end of file, once no spawn holds a copy */
		while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
			;
		d->pid = -1;
	}
	retire(d->pid);
	if (wait)
		while (retired_count() > 0)
			reap_retired(1);
	d->sock = -1;
	d->pid = -1;
}

int wsb__lx_initd_dup(wsb__lx_initd *d)
{
	struct stat st;

	reap_retired(0);
	if (d->sock < 0)
		return -1;
	/* A caller that closed descriptors it did not open may have our
	 * number on a file of its own now: never write a request there, nor
	 * close it. The server saw its socket close and ends: reap it. */
	if (fstat(d->sock, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_dev != d->dev ||
	    st.st_ino != d->ino) {
		d->sock = -1;
		retire(d->pid);
		d->pid = -1;
		return -1;
	}
	return fcntl(d->sock, F_DUPFD_CLOEXEC, 3);
}

/* What a child of the caller would inherit now. The umask has no getter
 * that leaves it alone (umask() sets it, for every thread), so it is read
 * from /proc. */
static int inherit_read(wsb__lx_inherit *in)
{
	char buf[2048], *u;
	ssize_t n;
	int fd, i;

	memset(in, 0, sizeof(*in));
	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(u = strstr(buf, "\nUmask:\t")))
		return -1;
	in->umask = (unsigned int)strtoul(u + 8, NULL, 8);
	for (i = 0; i < WSB__LX_NLIMITS; i++)
		if (getrlimit(i, &in->rlimits[i]) < 0)
			return -1;
	pthread_sigmask(SIG_SETMASK, NULL, &in->mask);
	return 0;
}

long wsb__lx_initd_clone(int sock, int *out_unsure, const wsb__lx_setup *s, const wsb__lx_exec *e,
	int err_w, int status_w, int sync_r, int relay_w, int new_netns)
{
	wsb__lx_inherit in;
	wire w;
	wire_head h;
	struct msghdr mh;
	struct iovec iov;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_FDS)];
	} cm;
	int fds[WIRE_FDS], nfds = 0, err;
	long long answer;

	*out_unsure = 0;
	if (inherit_read(&in) < 0)
		return -ENOTSUP;
	memset(&w, 0, sizeof(w));
	visit(&w, (wsb__lx_setup *)s, (wsb__lx_exec *)e, &in);
	if (w.err) {
		wsb__free(w.buf);
		return -(long)w.err;
	}
	fds[nfds++] = err_w;
	fds[nfds++] = status_w;
	if (sync_r >= 0)
		fds[nfds++] = sync_r;
	if (relay_w >= 0)
		fds[nfds++] = relay_w;
	fds[nfds++] = e->stdio_fd[0];
	fds[nfds++] = e->stdio_fd[1];
	fds[nfds++] = e->stdio_fd[2];
	h.magic = WIRE_MAGIC;
	h.flags = (sync_r >= 0 ? WIRE_SYNC : 0) | (relay_w >= 0 ? WIRE_RELAY : 0) |
		(new_netns ? WIRE_NEWNET : 0);
	h.len = w.len;
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &h;
	iov.iov_len = sizeof(h);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&mh)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&mh)), fds, sizeof(int) * (size_t)nfds);
	for (;;) {
		ssize_t k = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		err = k < 0 ? errno : 0;
		/* the descriptors went with the first byte; the rest follows */
		if (k >= 0 && (size_t)k < sizeof(h))
			err = write_all(sock, (const char *)&h + k, sizeof(h) - (size_t)k);
		break;
	}
	if (!err)
		err = write_all(sock, w.buf, w.len);
	wsb__free(w.buf);
	if (err)
		return -(long)err;
	/* Without the answer, an init may exist whose pid the caller never
	 * learns. */
	if ((err = wait_readable(sock)) != 0 || (err = read_all(sock, &answer, sizeof(answer))) != 0) {
		*out_unsure = 1;
		return -(long)err;
	}
	return (long)answer;
}

/* ---- the server's side ---- */

static void free_request(wsb__lx_setup *s, wsb__lx_exec *e)
{
	size_t i;

	wsb__lx_landlock_dispose(&s->landlock);
	wsb__lx_mounts_dispose(&s->mounts);
	wsb__lx_limits_dispose(&s->limits);
	wsb__lx_seccomp_dispose(&s->seccomp);
	wsb__free(e->path);
	wsb__free(e->cwd);
	for (i = 0; e->argv && e->argv[i]; i++)
		wsb__free(e->argv[i]);
	for (i = 0; e->envp && e->envp[i]; i++)
		wsb__free(e->envp[i]);
	wsb__free(e->argv);
	wsb__free(e->envp);
}

/* Read a payload (w->buf, w->len) whole into s, e and in: 0, or the
 * errno that refused it (what was read is still to be freed). */
static int unpack(wire *w, wsb__lx_setup *s, wsb__lx_exec *e, wsb__lx_inherit *in)
{
	w->reading = 1;
	w->at = 0;
	visit(w, s, e, in);
	if (!w->err && w->at != w->len)
		w->err = EPROTO;
	return w->err;
}

int wsb__lx_initd_wire_check(const void *buf, size_t len, unsigned char **out_again,
	size_t *out_again_len)
{
	wsb__lx_setup s;
	wsb__lx_exec e;
	wsb__lx_inherit in;
	wire r, w;
	int err;

	memset(&s, 0, sizeof(s));
	memset(&e, 0, sizeof(e));
	memset(&r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	*out_again = NULL;
	*out_again_len = 0;
	r.buf = (unsigned char *)buf;
	r.len = len;
	if ((err = unpack(&r, &s, &e, &in)) == 0) {
		visit(&w, &s, &e, &in);
		if ((err = w.err) == 0) {
			*out_again = w.buf;
			*out_again_len = w.len;
			w.buf = NULL;
		}
		wsb__free(w.buf);
	}
	free_request(&s, &e);
	return err;
}

/* One request: init's pid, or a negative errno (nothing started). */
static long serve_one(int sock, const wire_head *h, const int *fds, int nfds)
{
	wsb__lx_setup s;
	wsb__lx_exec e;
	wsb__lx_inherit in;
	wire w;
	long pid = -EPROTO;
	int sync = !!(h->flags & WIRE_SYNC), relay = !!(h->flags & WIRE_RELAY);
	int i, want = 5 + sync + relay, err;

	memset(&s, 0, sizeof(s));
	memset(&e, 0, sizeof(e));
	memset(&w, 0, sizeof(w));
	if (h->magic != WIRE_MAGIC || h->len > WIRE_MAX || nfds != want)
		return -EPROTO;
	if (!(w.buf = wsb__malloc(h->len ? (size_t)h->len : 1)))
		return -ENOMEM;
	if ((err = read_all(sock, w.buf, (size_t)h->len)) != 0) {
		wsb__free(w.buf);
		return -(long)err;
	}
	w.len = (size_t)h->len;
	if ((err = unpack(&w, &s, &e, &in)) != 0) {
		pid = -(long)err;
		goto out;
	}
	/* A hard limit the caller raised after this server started cannot
	 * be raised here without privilege: the caller spawns in-process. */
	for (i = 0; i < WSB__LX_NLIMITS; i++) {
		struct rlimit own;
		if (getrlimit(i, &own) == 0 && own.rlim_max != RLIM_INFINITY &&
		    (in.rlimits[i].rlim_max == RLIM_INFINITY || in.rlimits[i].rlim_max > own.rlim_max)) {
			pid = -EPERM;
			goto out;
		}
	}
	for (i = 0; i < 3; i++)
		e.stdio_fd[i] = fds[want - 3 + i];
	pid = wsb__lx_spawn_served(&s, &e, fds[0], fds[1], sync ? fds[2] : -1,
		relay ? fds[2 + sync] : -1, !!(h->flags & WIRE_NEWNET), sock, &in);
out:
	wsb__free(w.buf);
	free_request(&s, &e);
	return pid;
}

int wsb__lx_initd_serve(int sock)
{
	wire_hello hello;
	struct stat st;
	sigset_t none;

	if (fstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "wsb-initd: started by libwsandbox for a warm policy; not a command of its own\n");
		return 2;
	}
	/* Its name, and its inits': execveat names a program run from a
	 * descriptor after the descriptor on older kernels. */
	prctl(PR_SET_NAME, "wsb-initd", 0, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	hello_init(&hello);
	if (write_all(sock, &hello, sizeof(hello)) != 0)
		return 1;
	for (;;) {
		wire_head h;
		struct msghdr mh;
		struct iovec iov;
		struct cmsghdr *c;
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * WIRE_FDS)];
		} cm;
		int fds[WIRE_FDS], nfds = 0, i;
		long long answer;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		iov.iov_base = &h;
		iov.iov_len = sizeof(h);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		do
			n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return 0;    /* the caller closed its end, or is gone */
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (i = 0; (size_t)i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int), sizeof(int));
				if (nfds < WIRE_FDS)
					fds[nfds++] = fd;
				else
					close(fd);
			}
		}
		if (n != (ssize_t)sizeof(h) || (mh.msg_flags & MSG_CTRUNC))
			answer = -EPROTO;
		else
			answer = serve_one(sock, &h, fds, nfds);
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		/* Out of step with the caller (EPROTO): nothing was started;
		 * say so and end, it falls back. */
		if (write_all(sock, &answer, sizeof(answer)) != 0 || answer == -EPROTO)
			return 1;
	}
}
