/*
 * Starting the tree. The parent clones one child straight into new user,
 * mount, PID and (network off) network namespaces. That child is the
 * sandbox's init (PID 1): it maps its ids, applies mounts, loopback,
 * rlimits, Landlock, drops every capability, installs the seccomp filter,
 * then forks the command, which starts a new session, takes fds 0-2, marks
 * every other fd close-on-exec and execs. Init then waits for the command,
 * enforces the wall-clock limit with its own timer (so it holds even if the
 * caller never waits), reports the command's status on the status pipe and
 * exits; the kernel then kills whatever is left in the PID namespace
 * (daemons, double forks, setsid children included). If the caller dies,
 * init sees its status pipe lose its reader and exits, with the same effect.
 *
 * Warm (network off, netns.c): the network namespace is the policy's
 * reused one instead of a new one; a vfork child enters it and clones init
 * (as the caller's child) into the other new namespaces (warm_entry).
 *
 * Without user namespaces there is no PID namespace (ladder.c): init is
 * then an ordinary child that makes itself a sub-reaper, and at every end
 * (command reaped, timeout, caller gone, SIGTERM from the caller's kill)
 * it kills its children until none is left before it reports or exits.
 *
 * Failures before exec come back on a close-on-exec error pipe as
 * {stage, errno, index}; end of file on it means exec succeeded.
 * The child only makes system calls: everything was prepared by the parent.
 */
#include "linux.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

#ifndef CLOSE_RANGE_CLOEXEC
#  define CLOSE_RANGE_CLOEXEC (1u << 2)
#endif
#ifndef __NR_close_range
#  define __NR_close_range 436
#endif
#ifndef PR_CAP_AMBIENT
#  define PR_CAP_AMBIENT 47
#  define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

struct err_record {
	int stage;
	int err;
	int index;
};

typedef struct child_ctx {
	const wsb__lx_setup *s;
	const wsb__lx_exec *e;
	int err_w, status_w, sync_r;
	int relay_w;         /* the socketpair end the relay's listener goes out on */
	int parent_fds[4];   /* the parent's ends, to close in the child */
	/* Warm: the cached user and network namespaces to enter (netns.c),
	 * else -1, and the caller's signal mask for init to restore. */
	int warm_user, warm_net;
	const sigset_t *mask;
	/* Cloned by the init server (initd.c): what the caller's child would
	 * have inherited. */
	const wsb__lx_inherit *inherit;
	int netns_ready;     /* in the warm network namespace: loopback is up */
} child_ctx;

const char *wsb__lx_stage_name(int stage)
{
	switch (stage) {
	case WSB__LX_STAGE_USERNS: return "mapping user and group ids in the user namespace";
	case WSB__LX_STAGE_MOUNTS: return "setting up mounts";
	case WSB__LX_STAGE_NETNS: return "bringing up loopback in the network namespace";
	case WSB__LX_STAGE_LANDLOCK: return "applying the Landlock ruleset";
	case WSB__LX_STAGE_SECCOMP: return "installing the seccomp filter";
	case WSB__LX_STAGE_LIMITS: return "setting resource limits";
	case WSB__LX_STAGE_CAPS: return "dropping capabilities";
	case WSB__LX_STAGE_CWD: return "changing to the working directory";
	case WSB__LX_STAGE_STDIO: return "connecting standard streams";
	case WSB__LX_STAGE_FORK: return "starting the command from the sandbox's init";
	case WSB__LX_STAGE_EXEC: return "executing the program";
	case WSB__LX_STAGE_RELAY: return "listening on the loopback relay's port in the network namespace";
	}
	return "setting up the sandbox";
}

/* ---- PATH search (parent) ---- */

static int check_exec(const char *path)
{
	struct stat st;

	/* Anything we cannot even stat (missing, unsearchable directory) is
	 * "not found"; ENOEXEC is for a file that exists but cannot run. */
	if (stat(path, &st) < 0)
		return WSB_ENOENT;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return WSB_ENOEXEC;
	return WSB_OK;
}

/* Build dir + "/" + name (name alone when dir is NULL), relative to cwd when
 * it does not start with "/" (an empty PATH entry is cwd, as for execvp),
 * and check it: WSB_OK with *out set, WSB_ENOENT / WSB_ENOEXEC without an
 * error recorded, or WSB_ENOMEM. */
static int try_path(char **out, const char *cwd, const char *dir, size_t dir_len, const char *name)
{
	wsb__buf b = WSB__BUF_INIT;
	int rc;

	if (dir ? dir_len == 0 || dir[0] != '/' : name[0] != '/') {
		wsb__buf_puts(&b, cwd);
		wsb__buf_putc(&b, '/');
	}
	if (dir) {
		wsb__buf_put(&b, dir, dir_len);
		wsb__buf_putc(&b, '/');
	}
	wsb__buf_puts(&b, name);
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	if ((rc = check_exec(b.ptr)) == WSB_OK)
		*out = wsb__buf_detach(&b);
	else
		wsb__buf_dispose(&b);
	return rc;
}

int wsb__lx_find_program(char **out, const char *name, char *const *envp, const char *cwd)
{
	const char *path_var = "/usr/local/bin:/usr/bin:/bin", *p;
	int saw_noexec = 0, rc;
	size_t i;

	*out = NULL;
	if (strchr(name, '/')) {
		rc = try_path(out, cwd, NULL, 0, name);
		if (rc == WSB_ENOENT || rc == WSB_ENOEXEC)
			return wsb__error(rc, rc == WSB_ENOENT ? "program not found: %s" :
				"program is not an executable file: %s", name);
		return rc;
	}
	for (i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path_var = envp[i] + 5;
	for (p = path_var;; ) {
		const char *end = strchr(p, ':');
		rc = try_path(out, cwd, p, end ? (size_t)(end - p) : strlen(p), name);
		if (rc == WSB_OK || rc == WSB_ENOMEM)
			return rc;
		saw_noexec |= rc == WSB_ENOEXEC;
		if (!end)
			break;
		p = end + 1;
	}
	if (saw_noexec)
		return wsb__error(WSB_ENOEXEC, "program found on PATH but not executable: %s", name);
	return wsb__error(WSB_ENOENT, "program not found on PATH: %s", name);
}

/* ---- child side: system calls only ---- */

static void report(int fd, int stage, int err, int index)
{
	struct err_record r;

	r.stage = stage;
	r.err = err;
	r.index = index;
	if (write(fd, &r, sizeof(r)) < 0) {
		/* the parent is gone; nothing else to tell */
	}
}

static void __attribute__((noreturn)) fail(const child_ctx *c, int stage, int err, int index)
{
	report(c->err_w, stage, err ? err : EIO, index);
	_exit(127);
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	size_t n = strlen(text);

	if (fd < 0)
		return errno;
	if (write(fd, text, n) != (ssize_t)n)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

/* No capability survives into the command: securebits make uid 0 gain
 * nothing at exec (one credential change instead of one per bounding-set
 * bit), NO_NEW_PRIVS keeps file capabilities from applying, and the current
 * sets are emptied. Without CAP_SETPCAP (no user namespace, not root) there
 * is nothing to drop and the securebits call fails harmlessly. */
static int drop_caps(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
		SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
		SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(__NR_capset, &hdr, data) < 0)
		return errno;
	return 0;
}

void wsb__lx_cloexec_from(unsigned int from)
{
	if (syscall(__NR_close_range, from, ~0u, CLOSE_RANGE_CLOEXEC) < 0) {
		int fd;
		/* before 5.11: one by one */
		for (fd = (int)from; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
}

static void __attribute__((noreturn)) run_command(const child_ctx *c)
{
	const wsb__lx_exec *e = c->e;
	struct sigaction sa;
	sigset_t none;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < 65; i++)
		if (i != SIGKILL && i != SIGSTOP)
			sigaction(i, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A new session: no controlling terminal, so no TIOCSTI into the caller's. */
	if (setsid() < 0)
		fail(c, WSB__LX_STAGE_STDIO, errno, -1);
	for (i = 0; i < 3; i++)
		if (dup2(e->stdio_fd[i], i) < 0)
			fail(c, WSB__LX_STAGE_STDIO, errno, i);
	/* The sandbox's own terminal becomes the new session's controlling
	 * terminal (its process group the foreground one): Ctrl-C and job
	 * control work, and TIOCSTI stays refused by the seccomp filter. */
	if (e->ctty && ioctl(0, TIOCSCTTY, 0) < 0)
		fail(c, WSB__LX_STAGE_STDIO, errno, 0);
	/* Only 0-2 reach the program, CLOEXEC or not; the error pipe closes at exec. */
	wsb__lx_cloexec_from(3);
	if (e->cwd && chdir(e->cwd) < 0)
		fail(c, WSB__LX_STAGE_CWD, errno, -1);
	if ((i = wsb__lx_landlock_scope_command(&c->s->landlock)) != 0)
		fail(c, WSB__LX_STAGE_LANDLOCK, i, -1);
	execve(e->path, e->argv, e->envp);
	fail(c, WSB__LX_STAGE_EXEC, errno, -1);
}

static wsb_u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (wsb_u64)ts.tv_sec * 1000u + (wsb_u64)ts.tv_nsec / 1000000u;
}

static void __attribute__((noreturn)) end(int fd, int kind, int status, int alone,
	const struct rusage *ru)
{
	wsb__lx_status r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.status = status;
	r.alone = alone;
	if (ru)
		r.cpu_ms = ((wsb_u64)ru->ru_utime.tv_sec + (wsb_u64)ru->ru_stime.tv_sec) * 1000u +
			(wsb_u64)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000u;
	if (write(fd, &r, sizeof(r)) < 0) {
		/* the caller is gone */
	}
	_exit(0);
}

/* Without a PID namespace: kill init's children until none is left.
 * Init is a sub-reaper, so a killed child's orphans become init's children
 * and are found on the next pass; when init has no child, nothing of the
 * tree is left. System calls only. */
static void sweep(void)
{
	char path[64], buf[4096];
	int fd, round;
	long pid;
	ssize_t n, i;

	/* "/proc/self/task/<pid>/children", without stdio */
	{
		char num[24];
		int len = 0, at = 0;
		long me = (long)getpid();
		const char *pre = "/proc/self/task/";
		do
			num[len++] = (char)('0' + me % 10);
		while ((me /= 10) > 0);
		while (*pre)
			path[at++] = *pre++;
		while (len > 0)
			path[at++] = num[--len];
		memcpy(path + at, "/children", 10);
	}
	for (round = 0;; round++) {
		int found = 0, st;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			while ((n = read(fd, buf, sizeof(buf))) > 0) {
				pid = 0;
				for (i = 0; i <= n; i++) {
					if (i < n && buf[i] >= '0' && buf[i] <= '9') {
						pid = pid * 10 + (buf[i] - '0');
					} else if (pid > 0) {
						kill((pid_t)pid, SIGKILL);
						found = 1;
						pid = 0;
					}
				}
			}
			close(fd);
		}
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
		if (waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD)
			return;
		if (!found) {
			/* children not yet listed (being re-parented): a moment */
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* Init after the command started: wait for it, enforce the wall-clock
 * limit, report, exit (which ends the PID namespace). A function of its own
 * so that nothing it uses lives across vfork. */
static void __attribute__((noreturn, noinline)) supervise(pid_t cmd, int status_w,
	wsb_u64 timeout_ms, int reaper)
{
	wsb_u64 deadline = timeout_ms ? mono_ms() + timeout_ms : 0;
	sigset_t chld;
	int sfd;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (reaper)
		sigaddset(&chld, SIGTERM);  /* the caller's kill */
	/* Init keeps only its status pipe. */
	if (status_w > 0)
		syscall(__NR_close_range, 0u, (unsigned)status_w - 1, 0u);
	syscall(__NR_close_range, (unsigned)status_w + 1, ~0u, 0u);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	for (;;) {
		struct pollfd p[2];
		int timeout = -1, n, st, other;
		struct rusage ru;
		pid_t w;

		if (deadline) {
			wsb_u64 now = mono_ms();
			if (now >= deadline) {
				if (reaper)
					sweep();
				end(status_w, WSB__LX_END_TIMEOUT, 0, 0, NULL);
			}
			timeout = deadline - now > 0x7fffffff ? 0x7fffffff : (int)(deadline - now);
		}
		p[0].fd = sfd;
		p[0].events = POLLIN;
		p[1].fd = status_w;
		p[1].events = 0;
		n = poll(p, 2, sfd >= 0 ? timeout : (timeout < 0 || timeout > 50 ? 50 : timeout));
		if (n > 0 && (p[1].revents & (POLLERR | POLLHUP))) {
			/* the caller is gone: take the tree with us */
			if (reaper)
				sweep();
			_exit(1);
		}
		if (sfd >= 0 && n > 0 && (p[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			int term = 0;
			while (read(sfd, &si, sizeof(si)) > 0)
				term |= si.ssi_signo == SIGTERM;
			if (term) {
				sweep();
				_exit(1);
			}
		}
		while ((w = wait4(-1, &st, WNOHANG, &ru)) > 0) {
			if (w != cmd)
				continue;
			/* Reap what else has already ended; no child left means
			 * nothing else is left in the namespace. */
			if (reaper)
				sweep();
			while ((w = waitpid(-1, &other, WNOHANG)) > 0)
				;
			end(status_w, WSB__LX_END_EXITED, st, w < 0 && errno == ECHILD, &ru);
		}
	}
}

static void __attribute__((noreturn)) init_main(const child_ctx *c)
{
	const wsb__lx_setup *s = c->s;
	struct sigaction dfl;
	sigset_t chld;
	pid_t cmd;
	int i, err, index = -1;
	unsigned int lost = 0;

	if (c->mask)
		sigprocmask(SIG_SETMASK, c->mask, NULL);
	for (i = 0; i < 4; i++)
		if (c->parent_fds[i] >= 0)
			close(c->parent_fds[i]);
	/* A caller that ignores SIGCHLD would have the kernel reap the command
	 * before init can read its status. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &dfl, NULL);
	if (c->inherit) {
		umask(c->inherit->umask);
		for (i = 0; i < WSB__LX_NLIMITS; i++)
			if (setrlimit(i, &c->inherit->rlimits[i]) < 0)
				fail(c, WSB__LX_STAGE_LIMITS, errno, -1);
	}
	if (c->sync_r >= 0) {
		char go;
		if (read(c->sync_r, &go, 1) != 1)
			_exit(127);
		close(c->sync_r);
	}
	if (s->use_userns) {
		/* A caller that changed uid is not dumpable, which makes its
		 * /proc/self files root's; the maps must be written as ourselves. */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		err = write_proc("/proc/self/setgroups", "deny");
		if (err && err != ENOENT)
			fail(c, WSB__LX_STAGE_USERNS, err, 0);
		if ((err = write_proc("/proc/self/uid_map", s->uid_map)) != 0)
			fail(c, WSB__LX_STAGE_USERNS, err, 1);
		if ((err = write_proc("/proc/self/gid_map", s->gid_map)) != 0)
			fail(c, WSB__LX_STAGE_USERNS, err, 2);
	}
	if (s->use_mountns && (err = wsb__lx_mounts_apply(&s->mounts, &index, &lost)) != 0)
		fail(c, WSB__LX_STAGE_MOUNTS, err, index);
	if (lost)
		report(c->err_w, WSB__LX_STAGE_LOST, 0, (int)lost);
	if (s->use_netns && s->net_off && !c->netns_ready && (err = wsb__lx_netns_apply()) != 0)
		fail(c, WSB__LX_STAGE_NETNS, err, -1);
	/* The relay's listener, in the command's namespace (where it must be
	 * reached) but before Landlock and seccomp (which need not allow it):
	 * the parent accepts on it and connects out from its own namespace. */
	if (s->relay_in_netns) {
		if ((err = wsb__lx_relay_listen_send(c->relay_w, s->relay_listen)) != 0)
			fail(c, WSB__LX_STAGE_RELAY, err, -1);
		close(c->relay_w);
	}
	if ((err = wsb__lx_rlimits_apply(&s->limits)) != 0)
		fail(c, WSB__LX_STAGE_LIMITS, err, -1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(c, WSB__LX_STAGE_CAPS, errno, -1);
	if ((err = wsb__lx_landlock_apply(&s->landlock)) != 0)
		fail(c, WSB__LX_STAGE_LANDLOCK, err, -1);
	if ((err = drop_caps()) != 0)
		fail(c, WSB__LX_STAGE_CAPS, err, -1);
	if ((err = wsb__lx_seccomp_apply(&s->seccomp)) != 0)
		fail(c, WSB__LX_STAGE_SECCOMP, err, -1);
	/* Not dumpable: the command (same uid) cannot ptrace its init. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (s->tree_by_subreaper) {
		/* Orphans of the tree come back to init, not to the system's
		 * init; SIGTERM (the caller's kill) is read from the signalfd. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			fail(c, WSB__LX_STAGE_FORK, errno, -1);
		sigaddset(&chld, SIGTERM);
	}
	sigprocmask(SIG_BLOCK, &chld, NULL);
	/* vfork: the command borrows init's memory until it execs, so no page
	 * tables are copied; it only makes system calls before execve. */
	cmd = vfork();
	if (cmd < 0)
		fail(c, WSB__LX_STAGE_FORK, errno, -1);
	if (cmd == 0)
		run_command(c);
	supervise(cmd, c->status_w, s->timeout_ms, s->tree_by_subreaper);
}

/* The first child of a warm spawn, a vfork child sharing the caller's
 * memory (so no page tables are copied for it): enters the cached user and
 * network namespaces, and clones init into the command's own user (nested
 * in the cached one), mount and PID namespaces as a child of the caller
 * (CLONE_PARENT). Init is a copy, not a sharer, of the memory and goes on
 * as in a cold spawn, only without making loopback. Only system calls;
 * init's pid (or the errno) goes back through *out. */
static void __attribute__((noreturn)) warm_entry(const child_ctx *c, volatile long *out)
{
	long init;

	if (setns(c->warm_user, CLONE_NEWUSER) < 0 || setns(c->warm_net, CLONE_NEWNET) < 0) {
		*out = -(long)errno;
		_exit(0);
	}
	init = syscall(__NR_clone, CLONE_PARENT | CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | SIGCHLD,
		NULL, NULL, NULL, NULL);
	if (init == 0)
		init_main(c);
	*out = init < 0 ? -(long)errno : init;
	_exit(0);
}

/* ---- parent side ---- */

/* Start init the warm way: its pid, or a negative errno. A function of its
 * own so that nothing of the caller's frame lives across vfork. */
static long __attribute__((noinline)) warm_start(child_ctx *c)
{
	/* No handler of the caller may run in the vfork child, which shares
	 * the caller's memory: every signal blocked until it is gone; init
	 * restores the caller's mask. */
	volatile long init = -EIO;
	sigset_t all, old;
	pid_t first;
	int st;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	c->mask = &old;
	first = vfork();
	if (first == 0)
		warm_entry(c, &init);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	c->mask = NULL;
	if (first < 0)
		return -(long)errno;
	while (waitpid(first, &st, 0) < 0 && errno == EINTR)
		;
	return init;
}

long wsb__lx_spawn_served(const wsb__lx_setup *s, const wsb__lx_exec *e, int err_w, int status_w,
	int sync_r, int relay_w, int new_netns, int server_fd, const wsb__lx_inherit *in)
{
	unsigned long flags = CLONE_PARENT | CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | SIGCHLD;
	child_ctx c;
	long init;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.e = e;
	c.err_w = err_w;
	c.status_w = status_w;
	c.sync_r = sync_r;
	c.relay_w = relay_w;
	c.parent_fds[0] = server_fd;
	c.parent_fds[1] = c.parent_fds[2] = c.parent_fds[3] = -1;
	c.warm_user = c.warm_net = -1;
	c.mask = &in->mask;
	c.inherit = in;
	c.netns_ready = !new_netns;
	if (new_netns)
		flags |= CLONE_NEWNET;
	init = syscall(__NR_clone, flags, NULL, NULL, NULL, NULL);
	if (init == 0)
		init_main(&c);
	return init < 0 ? -(long)errno : init;
}

static int map_child_error(const wsb__lx_setup *s, const wsb__lx_exec *e,
	const struct err_record *r)
{
	const char *what = wsb__lx_stage_name(r->stage);

	switch (r->stage) {
	case WSB__LX_STAGE_EXEC:
		if (r->err == ENOENT || r->err == ENOTDIR)
			return wsb__error_os(WSB_ENOENT, r->err, "program not found inside the sandbox: %s",
				e->path);
		if (r->err == EACCES || r->err == ENOEXEC || r->err == EPERM || r->err == EISDIR)
			return wsb__error_os(WSB_ENOEXEC, r->err, "cannot execute %s inside the sandbox: %s",
				e->path, strerror(r->err));
		break;
	case WSB__LX_STAGE_CWD:
		if (r->err == ENOENT || r->err == ENOTDIR)
			return wsb__error_os(WSB_ENOENT, r->err,
				"working directory not found inside the sandbox: %s", e->cwd);
		break;
	case WSB__LX_STAGE_USERNS:
		return wsb__error_os(WSB_EUNAVAIL, r->err, "user namespace unavailable: %s failed: %s",
			r->index == 0 ? "/proc/self/setgroups" : r->index == 1 ?
			"/proc/self/uid_map" : "/proc/self/gid_map", strerror(r->err));
	case WSB__LX_STAGE_MOUNTS:
		if (r->index >= 0 && (size_t)r->index < s->mounts.count &&
		    s->mounts.items[r->index].lost_bit && r->err == ENOENT)
			return wsb__error_os(WSB_EUNAVAIL, r->err,
				"%s path %s vanished while the sandbox was set up; it lies inside a writable root, "
				"where a command could have moved it, so %s is unavailable; "
				"wsb_policy_allow_missing() can accept running without it",
				s->mounts.items[r->index].lost_bit == WSB_PROT_FS_PROTECTED ? "protected" : "deny-read",
				s->mounts.items[r->index].target,
				s->mounts.items[r->index].lost_bit == WSB_PROT_FS_PROTECTED ?
				"protection of protected paths" : "deny-read protection");
		if (r->index >= 0 && (size_t)r->index < s->mounts.count)
			return wsb__error_os(WSB_EOS, r->err, "%s failed at %s: %s", what,
				s->mounts.items[r->index].target, strerror(r->err));
		break;
	case WSB__LX_STAGE_LANDLOCK:
		return wsb__error_os(WSB_EUNAVAIL, r->err, "Landlock: %s failed: %s", what,
			strerror(r->err));
	case WSB__LX_STAGE_SECCOMP:
		return wsb__error_os(WSB_EUNAVAIL, r->err, "seccomp: %s failed: %s", what,
			strerror(r->err));
	case WSB__LX_STAGE_RELAY:
		return wsb__error_os(WSB_EOS, r->err, "the loopback relay cannot listen on 127.0.0.1:%u "
			"inside the sandbox's network namespace: %s", (unsigned int)s->relay_listen,
			strerror(r->err));
	}
	return wsb__error_os(WSB_EOS, r->err, "sandbox setup failed while %s: %s", what,
		strerror(r->err));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Both ends of the spawn's four pipes (error, status, sync, relay). */
static void close_pipes(int *errp, int *statp, int *syncp, int *relayp)
{
	int i;

	for (i = 0; i < 2; i++) {
		close_fd(&errp[i]);
		close_fd(&statp[i]);
		close_fd(&syncp[i]);
		close_fd(&relayp[i]);
	}
}

int wsb__lx_spawn_tree(pid_t *out_pid, int *out_status_fd, unsigned int *out_lost,
	int *out_relay_fd, unsigned long *out_warm, const wsb__lx_setup *s, const wsb__lx_exec *e,
	const wsb__lx_cgroup *cg, const struct wsb_policy *reuse_policy)
{
	unsigned long token = 0;
	int errp[2] = { -1, -1 }, statp[2] = { -1, -1 }, syncp[2] = { -1, -1 };
	int relayp[2] = { -1, -1 }, warm_user = -1, warm_net = -1, initd = -1, netns_lent;
	unsigned long flags = SIGCHLD;
	child_ctx c;
	struct err_record rec;
	ssize_t n;
	pid_t pid;
	int rc, st, err;

	*out_pid = -1;
	*out_status_fd = -1;
	*out_lost = 0;
	*out_relay_fd = -1;
	*out_warm = 0;
	/* Reuse the warm network namespace when the command would get a
	 * plain empty one; a relay or an allow-list puts listeners in it, so
	 * those keep one of their own. With the network on, or one of those,
	 * there is no namespace to reuse, only the init server for a large
	 * caller. */
	if (s->use_userns && s->use_mountns && s->use_pidns && reuse_policy) {
		int netns = s->use_netns && s->net_off && !s->relay_in_netns && !s->allowlist;
		int wanted = wsb__lx_initd_wanted();
		if (netns || wanted)
			wsb__lx_netns_warm(&warm_user, &warm_net, wanted ? &initd : NULL, &token, s,
				reuse_policy, netns);
	}
	netns_lent = warm_net >= 0;
	/* The go pipe: init waits for it when the caller has a cgroup to put
	 * it in first, or when the init server makes it (initd.c). */
	if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(statp, O_CLOEXEC) < 0 ||
	    ((cg->dir_count || initd >= 0) && pipe2(syncp, O_CLOEXEC) < 0)) {
		err = errno;
		rc = wsb__error_os(WSB_EOS, err, "pipe2 failed: %s", strerror(err));
		goto out;
	}
	if (s->relay_in_netns && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, relayp) < 0) {
		err = errno;
		rc = wsb__error_os(WSB_EOS, err, "socketpair for the loopback relay failed: %s",
			strerror(err));
		goto out;
	}
	if (warm_net < 0) {
		if (s->use_userns)
			flags |= CLONE_NEWUSER;
		if (s->use_mountns)
			flags |= CLONE_NEWNS;
		if (s->use_pidns)
			flags |= CLONE_NEWPID;
		if (s->use_netns && s->net_off)
			flags |= CLONE_NEWNET;
	}
	c.s = s;
	c.e = e;
	c.err_w = errp[1];
	c.status_w = statp[1];
	c.sync_r = syncp[0];
	c.relay_w = relayp[1];
	c.parent_fds[0] = errp[0];
	c.parent_fds[1] = statp[0];
	c.parent_fds[2] = syncp[1];
	c.parent_fds[3] = relayp[0];
	c.warm_user = warm_user;
	c.warm_net = warm_net;
	c.mask = NULL;
	c.inherit = NULL;
	c.netns_ready = warm_net >= 0;

	pid = -1;
	if (initd >= 0) {
		int unsure = 0;
		long served = wsb__lx_initd_clone(initd, &unsure, s, e, errp[1], statp[1], syncp[0],
			relayp[1], s->use_netns && s->net_off && warm_net < 0);

		close_fd(&initd);
		/* refused (a limit it cannot set, no umask to read): it stays;
		 * anything else: it is stopped */
		if (served < 0 && served != -EPERM && served != -ENOTSUP)
			wsb__lx_netns_warm_initd_failed(token);
		if (served < 0 && unsure) {
			/* An init may have started, waiting for a go that closing
			 * the pipes refuses: try again cold. */
			close_fd(&warm_user);
			close_fd(&warm_net);
			wsb__lx_netns_warm_return(token);
			close_pipes(errp, statp, syncp, relayp);
			return wsb__lx_spawn_tree(out_pid, out_status_fd, out_lost, out_relay_fd,
				out_warm, s, e, cg, NULL);
		}
		pid = served < 0 ? -1 : (pid_t)served;
	}
	if (pid < 0 && warm_net >= 0) {
		long warm_pid = warm_start(&c);

		close_fd(&warm_user);
		close_fd(&warm_net);
		if (warm_pid < 0) {
			/* Could not enter it (or start init there): never again,
			 * and this spawn goes the cold way. */
			wsb__lx_netns_warm_broken();
			wsb__lx_netns_warm_return(token);
			close_pipes(errp, statp, syncp, relayp);
			return wsb__lx_spawn_tree(out_pid, out_status_fd, out_lost, out_relay_fd, out_warm,
				s, e, cg, NULL);
		}
		pid = (pid_t)warm_pid;
	} else if (pid < 0) {
		pid = (pid_t)syscall(__NR_clone, flags, NULL, NULL, NULL, NULL);
		if (pid == 0)
			init_main(&c);
	}
	/* Without a network namespace to keep, the loan held the server for
	 * the request alone: other commands of the policy may use it now. */
	if (!netns_lent && token) {
		wsb__lx_netns_warm_return(token);
		token = 0;
	}
	if (pid < 0) {
		err = errno;
		if (s->use_userns && (err == EPERM || err == EINVAL || err == ENOSPC || err == EUSERS))
			rc = wsb__error_os(WSB_EUNAVAIL, err,
				"could not create the sandbox's namespaces (user, mount, PID%s): %s; "
				"user namespaces may be disabled (user.max_user_namespaces, "
				"kernel.unprivileged_userns_clone, AppArmor)",
				(flags & CLONE_NEWNET) ? ", network" : "", strerror(err));
		else
			rc = wsb__error_os(WSB_EOS, err, "clone failed: %s", strerror(err));
		goto out;
	}
	close_fd(&errp[1]);
	close_fd(&statp[1]);
	close_fd(&syncp[0]);
	close_fd(&relayp[1]);
	close_fd(&warm_user);
	close_fd(&warm_net);
	if (cg->dir_count && (rc = wsb__lx_cgroup_attach(cg, pid)) < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	if (syncp[1] >= 0) {
		if (write(syncp[1], "g", 1) != 1) {
			err = errno;
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			rc = wsb__error_os(WSB_EOS, err, "could not start the sandbox: %s", strerror(err));
			goto out;
		}
		close_fd(&syncp[1]);
	}
	for (;;) {
		do
			n = read(errp[0], &rec, sizeof(rec));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(rec) || rec.stage != WSB__LX_STAGE_LOST)
			break;
		*out_lost |= (unsigned int)rec.index;
	}
	if (n == (ssize_t)sizeof(rec)) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		rc = map_child_error(s, e, &rec);
		goto out;
	}
	if (n != 0) {
		/* init died before reporting anything (killed by the OOM killer...) */
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		rc = wsb__error(WSB_EOS, "the sandbox's init ended during setup");
		goto out;
	}
	/* Sent before exec, which has succeeded: already queued. */
	if (s->relay_in_netns && (rc = wsb__lx_relay_receive(out_relay_fd, relayp[0],
			s->relay_listen)) < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	*out_pid = pid;
	*out_status_fd = statp[0];
	statp[0] = -1;
	*out_warm = token;
	token = 0;
	rc = WSB_OK;
out:
	/* On failure init never started or has been reaped. */
	wsb__lx_netns_warm_return(token);
	close_pipes(errp, statp, syncp, relayp);
	close_fd(&warm_user);
	close_fd(&warm_net);
	close_fd(&initd);
	return rc;
}
