/*
 * The process handle: one sandboxed tree behind its init (PID 1 of the
 * sandbox's PID namespace). Killing init kills the whole namespace, so kill,
 * timeout and free are one SIGKILL to init followed by reaping it (the
 * kernel has killed every other member by the time init can be reaped).
 * Without a PID namespace the kill is SIGTERM, on which init (a
 * sub-reaper) kills its descendants before it exits (spawn.c).
 *
 * The wall-clock limit is enforced three times over: by init's own timer
 * (even if the caller never waits), by the deadline in wait, read and
 * communicate, and by the kill in wsb_process_free.
 */
#include "linux.h"
#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#  define __NR_pidfd_open 434
#endif
#define WSB_P_PIDFD 3
#ifndef __NR_pidfd_send_signal
#  define __NR_pidfd_send_signal 424
#endif

struct stream {
	int fd;
	wsb__buf data;
	int captured;
	int truncated;
	int ended;     /* read to its end: further reads give 0 bytes */
};

struct wsb_process {
	pid_t pid;           /* init's pid; -1 once reaped */
	long top_pid;        /* init's pid, kept for wsb_process_pid */
	int pidfd;
	int status_fd;
	wsb__lx_status rec;  /* init's report, once read */
	int have_rec;
	int fd_in;
	struct stream out[3];  /* indexed by wsb_stream (1, 2) */
	wsb__lx_cgroup cg;
	unsigned int protections;
	wsb_u64 start_ms, end_ms, deadline_ms, cpu_limit_ms, output_cap;
	int exit_kind, limit;
	long exit_code;
	int kill_reason;     /* WSB_EXIT_TIMEOUT or WSB_EXIT_KILLED once we killed it */
	int reaper;          /* no PID namespace: init kills the tree on SIGTERM (spawn.c) */
	int tree_cgroup;     /* no PID namespace: cg holds the tree, killed once init is reaped */
	struct wsb__lx_relay *relay;  /* the loopback relay, or NULL: lives as long as the handle */
	int tty_fd;          /* the terminal's master (for resizing), or -1 */
	/* Handed out by wsb_process_waitable / _stream_handle and closed only
	 * by free, so they stay valid while the library closes its own fds. */
	int wait_fd;
	int handle_fd[3];
	struct wsb__lx_proxy *proxy;  /* the allow-list's proxy, or NULL: stopped after the relay */
	unsigned long warm;  /* the warm network namespace's loan (netns.c), or 0 */
};

void wsb__lx_process_set_proxy(struct wsb_process *p, struct wsb__lx_proxy *proxy)
{
	p->proxy = proxy;
}

void wsb__lx_process_set_warm(struct wsb_process *p, unsigned long token)
{
	p->warm = token;
}

int wsb__lx_process_new(struct wsb_process **out, pid_t pid, int status_fd,
	int fd_in, int fd_out, int fd_err, const wsb__lx_setup *s, wsb__lx_cgroup *cg,
	wsb_u64 start_ms, struct wsb__lx_relay *relay)
{
	struct wsb_process *p = wsb__calloc(1, sizeof(*p));

	if (!p)
		return wsb__error_nomem();
	p->pid = pid;
	p->top_pid = (long)pid;
	p->pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	p->status_fd = status_fd;
	p->fd_in = fd_in;
	p->out[0].fd = -1;
	p->out[WSB_STREAM_STDOUT].fd = fd_out;
	p->out[WSB_STREAM_STDERR].fd = fd_err;
	p->cg = *cg;
	memset(cg, 0, sizeof(*cg));
	p->protections = s->protections;
	p->start_ms = start_ms;
	p->deadline_ms = s->timeout_ms ? start_ms + s->timeout_ms : 0;
	p->cpu_limit_ms = s->cpu_limit_ms;
	p->output_cap = s->output_cap;
	p->exit_kind = WSB_EXIT_RUNNING;
	p->limit = WSB_LIMIT_NONE;
	p->exit_code = -1;
	p->relay = relay;
	p->reaper = s->tree_by_subreaper;
	p->tree_cgroup = !s->use_pidns && s->limits.tree_by != NULL;
	p->tty_fd = -1;
	p->wait_fd = -1;
	p->handle_fd[0] = p->handle_fd[1] = p->handle_fd[2] = -1;
	*out = p;
	return WSB_OK;
}

void wsb__lx_process_set_terminal(struct wsb_process *p, int master)
{
	p->tty_fd = master;
}

/* A master reads EIO once no slave is left open: for the caller that is
 * the end of the terminal's output. */
static int end_of_terminal(const struct wsb_process *p, int err)
{
	return p->tty_fd >= 0 && err == EIO;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Init writes its report in one piece just before it exits: once the pipe
 * polls readable (or hung up), this read does not block. */
static void read_status(struct wsb_process *p)
{
	ssize_t n;

	if (p->status_fd < 0)
		return;
	do
		n = read(p->status_fd, &p->rec, sizeof(p->rec));
	while (n < 0 && errno == EINTR);
	p->have_rec = n == (ssize_t)sizeof(p->rec);
	close_fd(&p->status_fd);
}

/* Classify how the tree ended: once init has been reaped, or once init
 * reported the command's end with nothing else left in the namespace. */
static void finish(struct wsb_process *p, int init_status)
{
	const wsb__lx_status *r = &p->rec;
	int oom = wsb__lx_cgroup_oom(&p->cg);

	p->end_ms = wsb__now_ms();
	read_status(p);
	if (p->kill_reason) {
		p->exit_kind = p->kill_reason;
		if (p->kill_reason == WSB_EXIT_TIMEOUT)
			p->limit = WSB_LIMIT_TIMEOUT;
		return;
	}
	if (p->have_rec && r->kind == WSB__LX_END_TIMEOUT) {
		p->exit_kind = WSB_EXIT_TIMEOUT;
		p->limit = WSB_LIMIT_TIMEOUT;
		return;
	}
	if (p->have_rec && r->kind == WSB__LX_END_EXITED) {
		int st = r->status;
		if (WIFEXITED(st)) {
			p->exit_kind = WSB_EXIT_NORMAL;
			p->exit_code = WEXITSTATUS(st);
			return;
		}
		if (WIFSIGNALED(st)) {
			int sig = WTERMSIG(st);
			wsb_u64 cpu_ms = r->cpu_ms;
			if (sig == SIGKILL && oom) {
				p->exit_kind = WSB_EXIT_LIMIT;
				p->limit = WSB_LIMIT_MEMORY;
			} else if (p->cpu_limit_ms && (sig == SIGXCPU ||
				   (sig == SIGKILL && cpu_ms + 50 >= p->cpu_limit_ms))) {
				p->exit_kind = WSB_EXIT_LIMIT;
				p->limit = WSB_LIMIT_CPU_TIME;
			} else {
				p->exit_kind = WSB_EXIT_SIGNAL;
				p->exit_code = sig;
			}
			return;
		}
	}
	/* init itself ended without a report: the OOM killer, or a signal from outside. */
	if (oom) {
		p->exit_kind = WSB_EXIT_LIMIT;
		p->limit = WSB_LIMIT_MEMORY;
	} else {
		p->exit_kind = WSB_EXIT_SIGNAL;
		p->exit_code = WIFSIGNALED(init_status) ? WTERMSIG(init_status) : SIGKILL;
	}
}

/* Reap init if it has ended (block: wait for it). 1 if reaped. */
static int reap(struct wsb_process *p, int block)
{
	int st;
	pid_t w, pid = *(volatile pid_t *)&p->pid;  /* read once: see kill_tree */

	if (pid <= 0)
		return 1;
	if (p->pidfd >= 0) {
		/* waitid on the pidfd: never reaps a reused pid. */
		siginfo_t si;
		long r;

		memset(&si, 0, sizeof(si));
		do
			r = syscall(__NR_waitid, WSB_P_PIDFD, p->pidfd, &si,
				WEXITED | (block ? 0 : WNOHANG), NULL);
		while (r < 0 && errno == EINTR);
		if (r == 0 && si.si_pid == 0)
			return 0;
		if (r < 0)
			st = 0;  /* ECHILD: the caller's SIGCHLD handler reaped it */
		else if (si.si_code == CLD_EXITED)
			st = (si.si_status & 0xff) << 8;
		else
			st = si.si_status & 0x7f;
	} else {
		do
			w = waitpid(pid, &st, block ? 0 : WNOHANG);  /* never -1: any child */
		while (w < 0 && errno == EINTR);
		if (w == 0)
			return 0;
		if (w < 0)
			st = 0;
	}
	p->pid = -1;
	close_fd(&p->pidfd);
	/* With init gone, so is every process in its PID namespace. */
	wsb__lx_netns_warm_return(p->warm);
	p->warm = 0;
	/* Whatever is left of the tree, even if the command killed init. */
	if (p->tree_cgroup)
		wsb__lx_cgroup_kill(&p->cg);
	if (p->exit_kind == WSB_EXIT_RUNNING)
		finish(p, st);
	return 1;
}

/* Init reported the command's end and that nothing else is left in its
 * namespace: the tree is dead; init only has to finish exiting. */
static int ended_alone(const struct wsb_process *p)
{
	return p->have_rec && p->rec.kind == WSB__LX_END_EXITED && p->rec.alone &&
		!p->kill_reason && p->cg.dir_count == 0 && p->pidfd >= 0;
}

static void kill_tree(struct wsb_process *p, int reason)
{
	/* Each read once, into locals: were the handle misused from two
	 * threads and reap() cleared them between a check and the call, a
	 * re-read pid of -1 would make kill(-1) hit everything the caller may
	 * signal. Only a positive pid is ever signalled. */
	pid_t pid = *(volatile pid_t *)&p->pid;
	int pidfd = *(volatile int *)&p->pidfd, sig;

	if (pid <= 0)
		return;
	if (!p->kill_reason)
		p->kill_reason = reason;
	/* Without a PID namespace SIGKILL to init would orphan the tree: init
	 * kills it on SIGTERM, then exits (reaped by the caller's wait). */
	sig = p->reaper ? SIGTERM : SIGKILL;
	/* Through the pidfd when there is one: if a SIGCHLD handler of the
	 * caller reaped init behind our back, its pid may already be reused. */
	if (pidfd >= 0)
		syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig);
}

/* Past the deadline? Then kill (init normally got there first). */
static void check_deadline(struct wsb_process *p)
{
	if (p->pid >= 0 && p->exit_kind == WSB_EXIT_RUNNING && p->deadline_ms &&
	    wsb__now_ms() >= p->deadline_ms + 100)
		kill_tree(p, WSB_EXIT_TIMEOUT);
}

/* Milliseconds to wait given the caller's timeout and the deadline. */
static int wait_budget(const struct wsb_process *p, long timeout_ms, wsb_u64 until)
{
	wsb_u64 now = wsb__now_ms(), limit = 0;
	int have = 0;

	if (timeout_ms >= 0) {
		limit = until;
		have = 1;
	}
	if (p->pid >= 0 && p->exit_kind == WSB_EXIT_RUNNING && p->deadline_ms &&
	    (!have || p->deadline_ms + 100 < limit)) {
		limit = p->deadline_ms + 100;
		have = 1;
	}
	if (!have)
		return -1;
	return limit > now ? (int)(limit - now > 0x7fffffff ? 0x7fffffff : limit - now) : 0;
}

void wsb__proc_free(struct wsb_process *p)
{
	int i;

	if (!p)
		return;
	/* Ended alone (see ended_alone): nothing left to kill, but init may
	 * still be exiting; it is reaped here all the same, so that once free
	 * returns no process of the sandbox is left (a supervisor waiting on
	 * the caller's process group sees nothing behind it). */
	if (p->pid >= 0 && p->exit_kind != WSB_EXIT_RUNNING && p->pidfd >= 0)
		reap(p, 1);
	if (p->pid >= 0) {
		kill_tree(p, WSB_EXIT_KILLED);
		reap(p, 1);
	}
	/* After the tree: a command may use the relay to its last moment. */
	wsb__lx_relay_release(p->relay);
	wsb__lx_proxy_stop(p->proxy);
	close_fd(&p->fd_in);
	for (i = 1; i <= 2; i++) {
		close_fd(&p->out[i].fd);
		wsb__buf_dispose(&p->out[i].data);
	}
	close_fd(&p->status_fd);
	close_fd(&p->pidfd);
	close_fd(&p->tty_fd);
	close_fd(&p->wait_fd);
	for (i = 0; i < 3; i++)
		close_fd(&p->handle_fd[i]);
	wsb__lx_cgroup_destroy(&p->cg);
	wsb__free(p);
}

int wsb__proc_wait(struct wsb_process *p, long timeout_ms)
{
	wsb_u64 until = timeout_ms >= 0 ? wsb__now_ms() + (wsb_u64)timeout_ms : 0;

	if (p->exit_kind != WSB_EXIT_RUNNING)
		return WSB_OK;
	for (;;) {
		struct pollfd pf[2];
		int budget, n = 1;

		check_deadline(p);
		if (reap(p, p->kill_reason != 0))
			return WSB_OK;
		if (ended_alone(p)) {
			finish(p, 0);
			return WSB_OK;
		}
		budget = wait_budget(p, timeout_ms, until);
		if (budget == 0 && timeout_ms >= 0 && wsb__now_ms() >= until)
			return wsb__error(WSB_ERUNNING, "the process is still running");
		if (p->pidfd < 0) {
			/* No pidfd: poll by sleeping briefly. */
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
			continue;
		}
		pf[0].fd = p->pidfd;
		pf[0].events = POLLIN;
		pf[0].revents = 0;
		if (p->status_fd >= 0 && !p->kill_reason && p->cg.dir_count == 0) {
			pf[1].fd = p->status_fd;
			pf[1].events = POLLIN;
			pf[1].revents = 0;
			n = 2;
		}
		if (poll(pf, (nfds_t)n, budget) < 0 && errno != EINTR) {
			int err = errno;
			return wsb__error_os(WSB_EOS, err, "poll failed: %s", strerror(err));
		}
		if (n == 2 && pf[1].revents)
			read_status(p);
	}
}

int wsb__proc_kill(struct wsb_process *p)
{
	if (p->pid < 0 || p->exit_kind != WSB_EXIT_RUNNING)
		return WSB_OK;
	kill_tree(p, WSB_EXIT_KILLED);
	reap(p, 1);
	return WSB_OK;
}

int wsb__proc_write(size_t *out_written, struct wsb_process *p, const void *data, size_t len)
{
	sigset_t pipe_set, old, pending;
	ssize_t n;
	int err = 0, was_pending;

	if (out_written)
		*out_written = 0;
	if (p->fd_in < 0)
		return wsb__error(WSB_ESTATE, "stdin is not a pipe or is already closed");
	/* A closed reader must give EPIPE here, not kill the caller with SIGPIPE. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	do
		n = write(p->fd_in, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = errno;
		if (err == EPIPE && !was_pending) {
			struct timespec zero = { 0, 0 };
			sigtimedwait(&pipe_set, NULL, &zero);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n < 0)
		return wsb__error_os(WSB_EOS, err, "writing to the command's stdin failed: %s",
			strerror(err));
	if (out_written)
		*out_written = (size_t)n;
	return WSB_OK;
}

int wsb__proc_close_stdin(struct wsb_process *p)
{
	close_fd(&p->fd_in);
	return WSB_OK;
}

int wsb__proc_read(size_t *out_read, struct wsb_process *p, int stream, void *buf,
	size_t len, long timeout_ms)
{
	struct stream *s;
	wsb_u64 until = timeout_ms >= 0 ? wsb__now_ms() + (wsb_u64)timeout_ms : 0;
	ssize_t n;

	*out_read = 0;
	if (stream != WSB_STREAM_STDOUT && stream != WSB_STREAM_STDERR)
		return wsb__error(WSB_EINVAL, "invalid argument: stream");
	s = &p->out[stream];
	if (s->fd < 0 && s->ended)
		return WSB_OK;  /* end of stream again, as on Windows */
	if (s->fd < 0)
		return wsb__error(WSB_ESTATE, p->tty_fd >= 0 ? "with a terminal, all output "
			"arrives on WSB_STREAM_STDOUT" : "that stream is not a pipe");
	for (;;) {
		struct pollfd pf;
		int budget, r;

		check_deadline(p);
		budget = wait_budget(p, timeout_ms, until);
		pf.fd = s->fd;
		pf.events = POLLIN;
		r = poll(&pf, 1, budget);
		if (r < 0 && errno != EINTR) {
			int err = errno;
			return wsb__error_os(WSB_EOS, err, "poll failed: %s", strerror(err));
		}
		if (r > 0)
			break;
		if (timeout_ms >= 0 && wsb__now_ms() >= until)
			return wsb__error(WSB_ERUNNING, "no output within the timeout");
	}
	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && end_of_terminal(p, errno))
		n = 0;
	if (n < 0) {
		int err = errno;
		return wsb__error_os(WSB_EOS, err, "reading the command's output failed: %s",
			strerror(err));
	}
	if (n == 0) {
		close_fd(&s->fd);
		s->ended = 1;
	}
	*out_read = (size_t)n;
	return WSB_OK;
}

/* Read what is available from one stream into its capture, keeping at most
 * the cap and dropping the rest. */
static int drain(struct wsb_process *p, struct stream *s)
{
	char scratch[65536];
	ssize_t n;
	size_t room = (size_t)-1;

	if (p->output_cap)
		room = s->data.size < p->output_cap ? (size_t)(p->output_cap - s->data.size) : 0;
	if (room > 0) {
		size_t want = room < 65536 ? room : 65536;
		if (wsb__buf_grow(&s->data, want) < 0)
			return wsb__error_nomem();
		n = read(s->fd, s->data.ptr + s->data.size, want);
		if (n > 0) {
			s->data.size += (size_t)n;
			s->data.ptr[s->data.size] = '\0';
		}
	} else {
		n = read(s->fd, scratch, sizeof(scratch));
		if (n > 0)
			s->truncated = 1;
	}
	if (n < 0 && end_of_terminal(p, errno))
		n = 0;
	if (n == 0) {
		close_fd(&s->fd);
		s->ended = 1;
	} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
		close_fd(&s->fd);
	}
	return WSB_OK;
}

int wsb__proc_communicate(struct wsb_process *p, const void *stdin_data, size_t stdin_len)
{
	const char *in = stdin_data;
	size_t in_off = 0;
	int i, rc;

	for (i = 1; i <= 2; i++)
		if (p->out[i].fd >= 0) {
			p->out[i].captured = 1;
			if (wsb__buf_grow(&p->out[i].data, 1) < 0)
				return wsb__error_nomem();
			p->out[i].data.ptr[0] = '\0';
		}
	if (p->fd_in >= 0 && (!in || stdin_len == 0))
		close_fd(&p->fd_in);
	if (p->fd_in >= 0)
		fcntl(p->fd_in, F_SETFL, fcntl(p->fd_in, F_GETFL) | O_NONBLOCK);
	while (p->out[1].fd >= 0 || p->out[2].fd >= 0 || p->fd_in >= 0) {
		struct pollfd pf[4];
		int idx[4], n = 0, r, budget;

		check_deadline(p);
		if (p->kill_reason) {
			close_fd(&p->fd_in);
			for (i = 1; i <= 2; i++)
				close_fd(&p->out[i].fd);
			break;
		}
		for (i = 1; i <= 2; i++)
			if (p->out[i].fd >= 0) {
				pf[n].fd = p->out[i].fd;
				pf[n].events = POLLIN;
				idx[n++] = i;
			}
		if (p->fd_in >= 0) {
			pf[n].fd = p->fd_in;
			pf[n].events = POLLOUT;
			idx[n++] = 0;
		}
		/* A tree held by its cgroup ends when init does (the command's end
		 * or its kill): a daemon holding the pipes must not keep us here. */
		if (p->tree_cgroup && p->pid > 0 && p->pidfd >= 0) {
			pf[n].fd = p->pidfd;
			pf[n].events = POLLIN;
			idx[n++] = 3;
		}
		budget = wait_budget(p, -1, 0);
		r = poll(pf, (nfds_t)n, budget);
		if (r < 0) {
			int err = errno;
			if (err == EINTR)
				continue;
			return wsb__error_os(WSB_EOS, err, "poll failed: %s", strerror(err));
		}
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (idx[i] == 3) {
				reap(p, 0);
				continue;
			}
			if (idx[i] == 0) {
				size_t w = 0;
				if (pf[i].revents & (POLLERR | POLLHUP)) {
					close_fd(&p->fd_in);
					continue;
				}
				rc = wsb__proc_write(&w, p, in + in_off, stdin_len - in_off);
				if (rc < 0 && wsb_error_os(NULL) != EAGAIN) {
					close_fd(&p->fd_in);
					continue;
				}
				in_off += w;
				if (in_off >= stdin_len)
					close_fd(&p->fd_in);
			} else if ((rc = drain(p, &p->out[idx[i]])) < 0) {
				return rc;
			}
		}
	}
	return wsb__proc_wait(p, -1);
}

int wsb__proc_exit_kind(const struct wsb_process *p) { return p->exit_kind; }
long wsb__proc_exit_code(const struct wsb_process *p) { return p->exit_code; }
int wsb__proc_limit(const struct wsb_process *p) { return p->limit; }
unsigned int wsb__proc_protections(const struct wsb_process *p) { return p->protections; }

int wsb__proc_network_json(char **out, const struct wsb_process *p)
{
	*out = NULL;
	return p->proxy ? wsb__lx_proxy_events_json(out, p->proxy,
		p->exit_kind == WSB_EXIT_RUNNING ? 0 : 2000) : WSB_OK;
}
long wsb__proc_pid(const struct wsb_process *p) { return p->top_pid; }

wsb_u64 wsb__proc_duration_ms(const struct wsb_process *p)
{
	if (p->exit_kind != WSB_EXIT_RUNNING)
		return p->end_ms - p->start_ms;
	return wsb__now_ms() - p->start_ms;
}

const char *wsb__proc_output(size_t *out_len, int *out_truncated,
	const struct wsb_process *p, int stream)
{
	const struct stream *s;

	if (out_len)
		*out_len = 0;
	if (out_truncated)
		*out_truncated = 0;
	if (stream != WSB_STREAM_STDOUT && stream != WSB_STREAM_STDERR)
		return NULL;
	s = &p->out[stream];
	if (!s->captured)
		return NULL;
	if (out_len)
		*out_len = s->data.size;
	if (out_truncated)
		*out_truncated = s->truncated;
	return s->data.ptr;
}

int wsb__proc_resize(struct wsb_process *p, unsigned int cols, unsigned int rows)
{
	if (p->tty_fd < 0)
		return wsb__error(WSB_ESTATE, "the process has no terminal (wsb_spawn_options.terminal)");
	return wsb__lx_pty_resize(p->tty_fd, cols, rows);
}

/* A descriptor that always polls readable, for something that has already
 * ended before the caller asked for its handle. */
static int ready_fd(int *out)
{
	*out = eventfd(1, EFD_CLOEXEC);
	if (*out < 0) {
		int err = errno;
		return wsb__error_os(WSB_EOS, err,
			"eventfd failed: %s", strerror(err));
	}
	return WSB_OK;
}

/* A copy of fd owned by the handle, kept until free. */
static int keep_copy(int *out, int fd)
{
	*out = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (*out < 0) {
		int err = errno;
		return wsb__error_os(WSB_EOS, err, "cannot duplicate a descriptor: %s", strerror(err));
	}
	return WSB_OK;
}

int wsb__proc_waitable(wsb_os_handle *out, struct wsb_process *p)
{
	int rc = WSB_OK;

	if (p->wait_fd < 0) {
		/* init's pidfd polls readable once init has exited, and init
		 * exits only after every other member of its PID namespace. */
		if (p->pidfd >= 0)
			rc = keep_copy(&p->wait_fd, p->pidfd);
		else if (p->exit_kind != WSB_EXIT_RUNNING || p->pid < 0)
			rc = ready_fd(&p->wait_fd);
		else
			rc = wsb__error(WSB_ENOTSUP, "no waitable descriptor: this kernel has no "
				"pidfd_open (Linux 5.3)");
	}
	*out = p->wait_fd;
	return rc;
}

int wsb__proc_stream_handle(wsb_os_handle *out, struct wsb_process *p, int stream)
{
	struct stream *s;
	int rc = WSB_OK;

	*out = -1;
	if (stream == WSB_STREAM_STDIN) {
		if (p->fd_in < 0)
			return wsb__error(WSB_ESTATE, "stdin is not a pipe or terminal, or is closed");
		*out = p->fd_in;
		return WSB_OK;
	}
	s = &p->out[stream];
	if (p->handle_fd[stream] < 0) {
		if (s->fd >= 0)
			rc = keep_copy(&p->handle_fd[stream], s->fd);
		else if (s->ended)
			rc = ready_fd(&p->handle_fd[stream]);
		else
			return wsb__error(WSB_ESTATE, p->tty_fd >= 0 ? "with a terminal, all output "
				"arrives on WSB_STREAM_STDOUT" : "that stream is not a pipe");
	}
	*out = p->handle_fd[stream];
	return rc;
}
