/*
 * The Linux backend, enforced for real by the kernel. Every scenario runs
 * twice: as root and as an unprivileged user (a forked child that drops to
 * uid/gid 65534 before using the API). The sandboxed command is this same
 * executable in "--helper" mode, which performs one operation and exits 0
 * if it succeeded, 1 if the kernel refused it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "wsandbox/wsandbox.h"
#include "linux/linux.h"
#include "harness.h"


static char helper_path[4096];
/* tests/linux/limit_helper.c, next to this executable */
static char limit_helper_path[4096];
/* The program sb_run starts (a copy of this executable elsewhere), or NULL. */
static const char *program_override;

/* ------------------------------------------------------------------ helper */


static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static int tcp_listener(int *port)
{
	return loopback_socket(SOCK_STREAM, port);
}

static int result(int ok, const char *what)
{
	if (!ok)
		printf("%s: %s\n", what, strerror(errno));
	return ok ? 0 : 1;
}

/* A double fork + setsid daemon that writes to the marker every 50 ms for
 * 10 s; returns once the marker has its first byte. */
static void start_daemon(const char *marker)
{
	struct stat st;
	int i;

	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			for (i = 0; i < 200; i++) {
				int fd = open(marker, O_WRONLY | O_CREAT | O_APPEND, 0644);
				if (fd >= 0) {
					if (write(fd, "d", 1) < 0)
						_exit(1);
					close(fd);
				}
				sleep_ms(50);
			}
			_exit(0);
		}
		_exit(0);
	}
	for (i = 0; i < 200 && (stat(marker, &st) < 0 || st.st_size == 0); i++)
		sleep_ms(10);
}

static int helper(int argc, char **argv)
{
	const char *op = argv[0];

	if (!strcmp(op, "write") && argc == 2) {
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		return result(fd >= 0 && write(fd, "x", 1) == 1, "write");
	}
	if (!strcmp(op, "read") && argc == 2) {
		char buf[16];
		int fd = open(argv[1], O_RDONLY);
		return result(fd >= 0 && read(fd, buf, sizeof(buf)) > 0, "read");
	}
	if (!strcmp(op, "truncate") && argc == 2)
		return result(truncate(argv[1], 0) == 0, "truncate");
	if (!strcmp(op, "link") && argc == 3)
		return result(link(argv[1], argv[2]) == 0, "link");
	if (!strcmp(op, "symlink") && argc == 3)
		return result(symlink(argv[1], argv[2]) == 0, "symlink");
	if (!strcmp(op, "rename") && argc == 3)
		return result(rename(argv[1], argv[2]) == 0, "rename");
	if (!strcmp(op, "tcp") && argc == 2) {
		struct sockaddr_in a;
		int s = socket(AF_INET, SOCK_STREAM, 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((unsigned short)atoi(argv[1]));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return result(s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0, "tcp");
	}
	if ((!strcmp(op, "tcp-echo") || !strcmp(op, "tcp-eof")) && (argc == 2 || argc == 3)) {
		/* tcp-echo PORT [DELAY_MS]: send a line, end our side, expect it
		 * back, then the end of the stream. tcp-eof PORT: the connection
		 * opens and ends without a byte. */
		static const char msg[] = "ping through the relay";
		char buf[64];
		size_t got = 0;
		ssize_t n;
		struct sockaddr_in a;
		int s = socket(AF_INET, SOCK_STREAM, 0), echo = !strcmp(op, "tcp-echo");
		if (argc == 3)
			sleep_ms(atol(argv[2]));
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((unsigned short)atoi(argv[1]));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return result(0, op);
		if (echo && (write(s, msg, sizeof(msg)) != (ssize_t)sizeof(msg) || shutdown(s, SHUT_WR) < 0))
			return 2;
		while ((n = read(s, buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)n;
		if (n < 0 || (echo ? got != sizeof(msg) || memcmp(buf, msg, got) != 0 : got != 0)) {
			fprintf(stderr, "%s: read %ld bytes then %ld (%s)\n", op, (long)got, (long)n,
				strerror(errno));
			return 2;
		}
		return 0;
	}
	if (!strcmp(op, "env") && argc == 3) {  /* success = NAME has exactly VALUE */
		const char *v = getenv(argv[1]);
		if (!v || strcmp(v, argv[2]) != 0)
			fprintf(stderr, "%s=%s\n", argv[1], v ? v : "(unset)");
		return v && !strcmp(v, argv[2]) ? 0 : 1;
	}
	if ((!strcmp(op, "unix") || !strcmp(op, "unix-abstract")) && argc == 2) {
		struct sockaddr_un a;
		socklen_t len;
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		if (!strcmp(op, "unix")) {
			strncpy(a.sun_path, argv[1], sizeof(a.sun_path) - 1);
			len = sizeof(a);
		} else {
			strncpy(a.sun_path + 1, argv[1], sizeof(a.sun_path) - 2);
			len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(argv[1]));
		}
		return result(s >= 0 && connect(s, (struct sockaddr *)&a, len) == 0, op);
	}
	if (!strcmp(op, "loopback")) {
		struct sockaddr_in a;
		socklen_t len = sizeof(a);
		char c = 0;
		int l = socket(AF_INET, SOCK_STREAM, 0), s = socket(AF_INET, SOCK_STREAM, 0), r;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
		    getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
		    connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return result(0, "loopback");
		r = accept(l, NULL, NULL);
		return result(r >= 0 && write(s, "k", 1) == 1 && read(r, &c, 1) == 1 && c == 'k', "loopback");
	}
	if (!strcmp(op, "daemon") && (argc == 2 || argc == 3)) {
		start_daemon(argv[1]);
		if (argc == 3)  /* "stay": the top process keeps running */
			sleep_ms(10000);
		return 0;
	}
	if (!strcmp(op, "unix-dgram") && argc == 2) {
		/* no socket() needed: one end of a datagram socketpair, sent on to a path */
		struct sockaddr_un a;
		int sv[2];
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		strncpy(a.sun_path, argv[1], sizeof(a.sun_path) - 1);
		return result(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 &&
			sendto(sv[0], "u", 1, 0, (struct sockaddr *)&a, sizeof(a)) == 1, "unix-dgram");
	}
	if (!strcmp(op, "ns")) {
		/* the namespaces the command is in, one "kind:[inode]" a line */
		static const char *const kinds[] = { "net", "user", "pid", "mnt" };
		char path[32], link[64];
		ssize_t n;
		int i;
		for (i = 0; i < 4; i++) {
			snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
			if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
				return 1;
			link[n] = '\0';
			printf("%s\n", link);
		}
		if (argc == 2) {
			/* "hold": keep the namespaces alive a while, with a
			 * loopback listener whose port is the fifth line */
			int port;
			if (tcp_listener(&port) < 0)
				return 1;
			printf("%d\n", port);
			fflush(stdout);
			sleep_ms(30000);
		}
		fflush(stdout);
		return 0;
	}
	if (!strcmp(op, "unlink") && argc == 2)
		return result(unlink(argv[1]) == 0, "unlink");
	if (!strcmp(op, "udp") && argc == 2) {
		/* success = the datagram left; whether it arrived is the host's word */
		struct sockaddr_in a;
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((unsigned short)atoi(argv[1]));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return result(s >= 0 && sendto(s, "u", 1, 0, (struct sockaddr *)&a, sizeof(a)) == 1, "udp");
	}
	if (!strcmp(op, "daemon-kill-init") && argc == 2) {
		/* a daemon that writes to the marker, then SIGKILL to our parent
		 * (the sandbox's supervisor): were it to die, the daemon would
		 * be orphaned out of the tree */
		start_daemon(argv[1]);
		kill(getppid(), SIGKILL);
		sleep_ms(100);
		return 0;
	}
	if (!strcmp(op, "daemon-kill-caller") && argc == 2) {
		/* a daemon, then SIGKILL to the supervisor's parent (the caller
		 * of the library) and to the supervisor: nobody is left to end
		 * the tree */
		char path[64], buf[512], *close_paren;
		pid_t sup = getppid();
		int caller = 0, fd;
		ssize_t n;

		start_daemon(argv[1]);
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)sup);
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		close_paren = strrchr(buf, ')');
		if (!close_paren || sscanf(close_paren, ") %*c %d", &caller) != 1 || caller <= 1)
			return 2;
		/* the caller first: it would kill the cgroup once it saw the
		 * supervisor die */
		kill(caller, SIGKILL);
		kill(sup, SIGKILL);
		sleep_ms(100);
		return 0;
	}
	if (!strcmp(op, "cgroup-leave") && argc == 2) {
		/* success = moved into another cgroup (out of the tree's own) */
		int fd = open(argv[1], O_WRONLY);
		return result(fd >= 0 && write(fd, "0\n", 2) == 2, "cgroup-leave");
	}
	if (!strcmp(op, "fd") && argc == 2) {
		int fd = atoi(argv[1]);
		/* success = the descriptor is not there */
		return fcntl(fd, F_GETFD) < 0 && errno == EBADF ? 0 : 1;
	}
	if (!strcmp(op, "umount") && argc == 2)  /* success = refused */
		return umount2(argv[1], MNT_DETACH) < 0 && errno == EPERM ? 0 : 1;
	if (!strcmp(op, "unshare"))  /* success = refused */
		return unshare(CLONE_NEWUSER) < 0 && errno == EPERM ? 0 : 1;
	if (!strcmp(op, "io_uring"))
		return syscall(425, 1, NULL) < 0 && errno == EPERM ? 0 : 1;
	if (!strcmp(op, "tiocsti")) {
		char c = 'x';
		return ioctl(0, TIOCSTI, &c) < 0 && errno == EPERM ? 0 : 1;
	}
	if (!strcmp(op, "exit") && argc == 2)
		return atoi(argv[1]);
	if (!strcmp(op, "raise") && argc == 2) {
		kill(getpid(), atoi(argv[1]));
		sleep_ms(1000);
		return 0;
	}
	if (!strcmp(op, "spin")) {
		volatile unsigned long n = 0;
		for (;;)
			n++;
	}
	if (!strcmp(op, "sleep") && argc == 2) {
		sleep_ms(atol(argv[1]));
		return 0;
	}
	if (!strcmp(op, "spew") && argc == 2) {
		static char buf[65536];
		long total = atol(argv[1]);
		memset(buf, 'o', sizeof(buf));
		while (total > 0) {
			long n = total < (long)sizeof(buf) ? total : (long)sizeof(buf);
			if (write(1, buf, (size_t)n) != n)
				return 1;
			if (write(2, buf, 1) != 1)
				return 1;
			total -= n;
		}
		return 0;
	}
	fprintf(stderr, "unknown helper operation %s\n", op);
	return 2;
}

/* ------------------------------------------------------------ harness */

static int put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Run the helper in the sandbox to completion. */
static int sb_run(wsb_process **out, const wsb_policy *pol, const char *a1, const char *a2,
	const char *a3)
{
	const char *argv[6] = { helper_path, "--helper", a1, a2, a3, NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;

	if (program_override)
		argv[0] = program_override;
	o.argv = argv;
	o.cwd = "/";
	return wsb_run(out, pol, NULL, &o, NULL, 0);
}

/* 0 = the operation succeeded, 1 = refused, -1 = something else happened. */
static int sb(const wsb_policy *pol, const char *a1, const char *a2, const char *a3)
{
	wsb_process *p = NULL;
	int rc = sb_run(&p, pol, a1, a2, a3), res = -1;

	if (rc != WSB_OK) {
		fprintf(stderr, "wsb_run failed: %s\n", wsb_error_message(NULL));
		return -1;
	}
	if (wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) <= 1)
		res = (int)wsb_process_exit_code(p);
	else
		fprintf(stderr, "helper %s ended with kind %d code %ld: %s\n", a1,
			wsb_process_exit_kind(p), wsb_process_exit_code(p),
			wsb_process_output(NULL, NULL, p, WSB_STREAM_STDERR));
	wsb_process_free(p);
	return res;
}


/* ------------------------------------------------------------ scenarios */

static int sc_write_in_root(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(sb(pol, "write", path_of(base, "root/new.txt"), NULL) == 0);
	CHECK(file_size(path_of(base, "root/new.txt")) == 1);
	wsb_policy_free(pol);
	return 0;
}

/* /tmp is private, and a writable root inside /tmp is carried into it. */
static int sc_private_tmp(const char *base)
{
	char root[] = "/tmp/wsb-linux-carry-XXXXXX", file[64], other[64];
	wsb_policy *pol = NULL;
	int ok;
	(void)base;
	CHECK(mkdtemp(root) != NULL);
	snprintf(file, sizeof(file), "%s/kept", root);
	snprintf(other, sizeof(other), "%s-sibling", root);
	CHECK(wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE) == WSB_OK);
	CHECK(wsb_policy_allow_write(pol, root) == WSB_OK);
	ok = sb(pol, "write", file, NULL) == 0 && file_size(file) == 1 &&
		sb(pol, "write", other, NULL) == 0 && !exists(other);
	unlink(file);
	rmdir(root);
	CHECK(ok);
	wsb_policy_free(pol);
	return 0;
}

static int sc_write_outside(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(sb(pol, "write", path_of(base, "outside.txt"), NULL) == 1);
	CHECK(!exists(path_of(base, "outside.txt")));
	CHECK(sb(pol, "write", path_of(base, "root/../dotdot.txt"), NULL) == 1);
	CHECK(!exists(path_of(base, "dotdot.txt")));
	wsb_policy_free(pol);
	return 0;
}

static int sc_symlink(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(mkdir(path_of(base, "target"), 0755) == 0);
	CHECK(symlink(path_of(base, "target"), path_of(base, "root/pre")) == 0);
	CHECK(sb(pol, "write", path_of(base, "root/pre/f"), NULL) == 1);
	/* a link made inside the sandbox does not help either */
	CHECK(sb(pol, "symlink", path_of(base, "target"), path_of(base, "root/made")) == 0);
	CHECK(sb(pol, "write", path_of(base, "root/made/f"), NULL) == 1);
	CHECK(!exists(path_of(base, "target/f")));
	wsb_policy_free(pol);
	return 0;
}

static int sc_hardlink_rename(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(put_file(path_of(base, "victim"), "v") == 0);
	CHECK(put_file(path_of(base, "root/mine"), "m") == 0);
	CHECK(sb(pol, "link", path_of(base, "victim"), path_of(base, "root/hl")) == 1);
	CHECK(!exists(path_of(base, "root/hl")));
	CHECK(sb(pol, "rename", path_of(base, "victim"), path_of(base, "root/stolen")) == 1);
	CHECK(sb(pol, "rename", path_of(base, "root/mine"), path_of(base, "moved")) == 1);
	CHECK(exists(path_of(base, "victim")) && exists(path_of(base, "root/mine")));
	CHECK(sb(pol, "rename", path_of(base, "root/mine"), path_of(base, "root/renamed")) == 0);
	wsb_policy_free(pol);
	return 0;
}

static int sc_git(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(mkdir(path_of(base, "root/.git"), 0755) == 0);
	CHECK(put_file(path_of(base, "root/.git/config"), "orig") == 0);
	CHECK(mkdir(path_of(base, "root/sub"), 0755) == 0);
	CHECK(mkdir(path_of(base, "root/sub/.git"), 0755) == 0);
	CHECK(sb(pol, "write", path_of(base, "root/.git/config"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/.git/hooks-new"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/sub/.git/HEAD"), NULL) == 1);
	CHECK(sb(pol, "rename", path_of(base, "root/.git"), path_of(base, "root/moved")) == 1);
	CHECK(sb(pol, "umount", path_of(base, "root/.git"), NULL) == 0);   /* cannot undo it */
	CHECK(sb(pol, "write", path_of(base, "root/ok.txt"), NULL) == 0);
	CHECK(file_size(path_of(base, "root/.git/config")) == 4);
	CHECK(!exists(path_of(base, "root/.git/hooks-new")));
	wsb_policy_free(pol);
	return 0;
}

/* A .git in a directory of another user that only its owner may enter:
 * the caller's scan (as root) finds it, but neither init nor the command
 * can reach it, so it needs no mount, and the spawn goes on. As uid 65534
 * the directory is the user's own, reachable, and protected by a mount. */
static int sc_git_out_of_reach(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(mkdir(path_of(base, "root/priv"), 0700) == 0);
	CHECK(mkdir(path_of(base, "root/priv/.git"), 0755) == 0);
	CHECK(put_file(path_of(base, "root/priv/.git/config"), "orig") == 0);
	CHECK(chown(path_of(base, "root/priv/.git/config"), NOBODY, NOBODY) == 0 || geteuid() != 0);
	CHECK(chown(path_of(base, "root/priv/.git"), NOBODY, NOBODY) == 0 || geteuid() != 0);
	CHECK(chown(path_of(base, "root/priv"), NOBODY, NOBODY) == 0 || geteuid() != 0);
	CHECK(sb(pol, "write", path_of(base, "root/priv/.git/config"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/ok.txt"), NULL) == 0);
	CHECK(file_size(path_of(base, "root/priv/.git/config")) == 4);
	wsb_policy_free(pol);
	return 0;
}

static int sc_gitfile(const char *base)
{
	wsb_policy *pol = workspace(base);
	char text[4200];
	CHECK(pol);
	CHECK(mkdir(path_of(base, "root/gd"), 0755) == 0);
	CHECK(put_file(path_of(base, "root/gd/HEAD"), "ref") == 0);
	CHECK(mkdir(path_of(base, "root/wt"), 0755) == 0);
	snprintf(text, sizeof(text), "gitdir: %s\n", path_of(base, "root/gd"));
	CHECK(put_file(path_of(base, "root/wt/.git"), text) == 0);
	CHECK(sb(pol, "write", path_of(base, "root/gd/HEAD"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/wt/.git"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/wt/file"), NULL) == 0);
	CHECK(file_size(path_of(base, "root/gd/HEAD")) == 3);
	wsb_policy_free(pol);
	return 0;
}

/* A ".git" in a root is read in the caller's context to find a gitdir; one
 * planted as a FIFO, or as a symlink (to a device, a FIFO or any file), must
 * not be opened at all: not by the path check, the plan or the spawn. */
static int sc_gitfile_not_regular(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_plan *plan = NULL;
	char text[4200], ev[4096];
	int in, allowed = -1, rule = 0;
	CHECK(pol);
	CHECK(mkfifo(path_of(base, "root/.git"), 0644) == 0);
	CHECK(mkdir(path_of(base, "root2"), 0755) == 0);
	CHECK(mkdir(path_of(base, "gd"), 0755) == 0);
	snprintf(text, sizeof(text), "gitdir: %s\n", path_of(base, "gd"));
	CHECK(put_file(path_of(base, "pointer"), text) == 0);
	CHECK(symlink(path_of(base, "pointer"), path_of(base, "root2/.git")) == 0);
	CHECK(wsb_policy_allow_write(pol, path_of(base, "root2")) == WSB_OK);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, path_of(base, "root/.git"), IN_OPEN) >= 0);
	CHECK(inotify_add_watch(in, path_of(base, "pointer"), IN_OPEN) >= 0);
	CHECK(wsb_policy_check_path(&allowed, &rule, NULL, pol, path_of(base, "root/f"),
		WSB_ACCESS_WRITE) == WSB_OK);
	CHECK(allowed == 1 && rule == WSB_RULE_WRITABLE_ROOT);
	CHECK(wsb_policy_check_path(&allowed, &rule, NULL, pol, path_of(base, "root2/f"),
		WSB_ACCESS_WRITE) == WSB_OK);
	CHECK(allowed == 1);
	CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
	wsb_plan_free(plan);
	CHECK(sb(pol, "write", path_of(base, "root/f"), NULL) == 0);
	CHECK(read(in, ev, sizeof(ev)) < 0 && errno == EAGAIN);   /* nothing was opened */
	close(in);
	wsb_policy_free(pol);
	return 0;
}

static int sc_deny_read(const char *base)
{
	wsb_policy *pol = workspace(base);
	CHECK(pol);
	CHECK(mkdir(path_of(base, "secret"), 0755) == 0);
	CHECK(put_file(path_of(base, "secret/key"), "k") == 0);
	CHECK(put_file(path_of(base, "secretfile"), "s") == 0);
	CHECK(put_file(path_of(base, "public"), "p") == 0);
	CHECK(wsb_policy_deny_read(pol, path_of(base, "secret")) == WSB_OK);
	CHECK(wsb_policy_deny_read(pol, path_of(base, "secretfile")) == WSB_OK);
	CHECK(sb(pol, "read", path_of(base, "public"), NULL) == 0);
	CHECK(sb(pol, "read", path_of(base, "secret/key"), NULL) == 1);
	CHECK(sb(pol, "read", path_of(base, "secretfile"), NULL) == 1);
	wsb_policy_free(pol);
	return 0;
}

static int sc_tcp(const char *base)
{
	wsb_policy *pol = workspace(base);
	char num[16];
	int port, l = tcp_listener(&port);
	CHECK(pol && l >= 0);
	snprintf(num, sizeof(num), "%d", port);
	CHECK(sb(pol, "tcp", num, NULL) == 1);
	CHECK(sb(pol, "loopback", NULL, NULL) == 0);
	CHECK(wsb_policy_set_network(pol, WSB_NETWORK_ON) == WSB_OK);
	CHECK(sb(pol, "tcp", num, NULL) == 0);    /* the control: reachable when allowed */
	close(l);
	wsb_policy_free(pol);
	return 0;
}

static int sc_unix(const char *base)
{
	wsb_policy *pol = workspace(base);
	struct sockaddr_un a;
	char name[64];
	int lp = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int la = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ld = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t alen;
	CHECK(pol && lp >= 0 && la >= 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strncpy(a.sun_path, path_of(base, "sock"), sizeof(a.sun_path) - 1);
	CHECK(bind(lp, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lp, 16) == 0);
	snprintf(name, sizeof(name), "wsb-test-%ld", (long)getpid());
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path + 1, name, strlen(name));
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	CHECK(bind(la, (struct sockaddr *)&a, alen) == 0 && listen(la, 16) == 0);
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strncpy(a.sun_path, path_of(base, "dsock"), sizeof(a.sun_path) - 1);
	CHECK(ld >= 0 && bind(ld, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(sb(pol, "unix", path_of(base, "sock"), NULL) == 1);
	CHECK(sb(pol, "unix-abstract", name, NULL) == 1);
	CHECK(sb(pol, "unix-dgram", path_of(base, "dsock"), NULL) == 1);
	CHECK(wsb_policy_set_network(pol, WSB_NETWORK_ON) == WSB_OK);
	CHECK(sb(pol, "unix", path_of(base, "sock"), NULL) == 0);
	CHECK(sb(pol, "unix-abstract", name, NULL) == 0);
	CHECK(sb(pol, "unix-dgram", path_of(base, "dsock"), NULL) == 0);
	close(lp);
	close(la);
	close(ld);
	wsb_policy_free(pol);
	return 0;
}

/* ---- loopback relay ---- */

/* A host TCP echo server on 127.0.0.1:<ephemeral> in a child process, one
 * forked child per connection: reads to the end, writes it all back. */
static pid_t echo_server(int *port)
{
	int l = tcp_listener(port);
	pid_t pid;

	if (l < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* ends with the scenario, even one that fails before stop_server */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGCHLD, SIG_IGN);  /* its own children */
		for (;;) {
			int c = accept(l, NULL, NULL);
			if (c < 0)
				continue;
			if (fork() == 0) {
				char buf[4096];
				size_t got = 0;
				ssize_t n;
				while (got < sizeof(buf) && (n = read(c, buf + got, sizeof(buf) - got)) > 0)
					got += (size_t)n;
				if (write(c, buf, got) < 0)
					_exit(1);
				_exit(0);
			}
			close(c);
		}
	}
	close(l);
	return pid;
}

static void stop_server(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A port nothing listens on now (bound, then released). */
static int free_port(void)
{
	int port, l = tcp_listener(&port);

	if (l < 0)
		return -1;
	close(l);
	return port;
}

static wsb_policy *relay_policy(const char *base, int listen, int target)
{
	wsb_policy *pol = workspace(base);

	/* A timeout: a relay that lost a byte or a FIN fails, not hangs. */
	if (pol && (wsb_policy_set_loopback_relay(pol, (unsigned short)listen,
			(unsigned short)target) != WSB_OK ||
		    wsb_policy_set_limit(pol, WSB_LIMIT_TIMEOUT, 20000) != WSB_OK)) {
		wsb_policy_free(pol);
		return NULL;
	}
	return pol;
}

/* Network off: the command reaches the host's echo server through the
 * relay's port in its namespace, and not directly. The listen port is held
 * on the host at the same time: the namespace has its own. */
static int sc_relay_echo(const char *base)
{
	int echo_port, held_port, held = tcp_listener(&held_port);
	pid_t server = echo_server(&echo_port);
	wsb_policy *pol = relay_policy(base, held_port, echo_port);
	wsb_process *p = NULL;
	char lnum[16], enum_[16];
	CHECK(held >= 0 && server > 0 && pol);
	snprintf(lnum, sizeof(lnum), "%d", held_port);
	snprintf(enum_, sizeof(enum_), "%d", echo_port);
	CHECK(sb(pol, "tcp-echo", lnum, NULL) == 0);
	CHECK(sb(pol, "tcp", enum_, NULL) == 1);   /* the namespace still holds */
	CHECK(sb_run(&p, pol, "exit", "0", NULL) == WSB_OK);
	CHECK(wsb_process_protections(p) & WSB_PROT_NETWORK);
	wsb_process_free(p);
	/* A second run with the same policy gets a listener of its own. */
	CHECK(sb(pol, "tcp-echo", lnum, NULL) == 0);
	/* A privileged port: init holds the namespace's capabilities, also
	 * for an unprivileged caller. */
	CHECK(wsb_policy_set_loopback_relay(pol, 80, (unsigned short)echo_port) == WSB_OK);
	CHECK(sb(pol, "tcp-echo", "80", NULL) == 0);
	close(held);
	stop_server(server);
	wsb_policy_free(pol);
	return 0;
}

/* The relay's variables, in both spellings, unless the policy routes a
 * name itself (in any spelling). */
static int sc_relay_env(const char *base)
{
	int echo_port;
	pid_t server = echo_server(&echo_port);
	wsb_policy *pol = relay_policy(base, 18080, echo_port);
	CHECK(server > 0 && pol);
	CHECK(sb(pol, "env", "HTTP_PROXY", "http://127.0.0.1:18080") == 0);
	CHECK(sb(pol, "env", "http_proxy", "http://127.0.0.1:18080") == 0);
	CHECK(sb(pol, "env", "ALL_PROXY", "http://127.0.0.1:18080") == 0);
	CHECK(wsb_policy_env_set(pol, "https_proxy", "http://mine:1") == WSB_OK);
	CHECK(sb(pol, "env", "https_proxy", "http://mine:1") == 0);
	CHECK(sb(pol, "env", "HTTPS_PROXY", "http://127.0.0.1:18080") == 1);
	CHECK(sb(pol, "env", "all_proxy", "http://127.0.0.1:18080") == 0);
	stop_server(server);
	wsb_policy_free(pol);
	return 0;
}

/* Two processes with the same relay at once: each has its own namespace
 * and so its own listener; both get their echo. */
static int sc_relay_concurrent(const char *base)
{
	const char *argv[] = { helper_path, "--helper", "tcp-echo", NULL, "300", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p1 = NULL, *p2 = NULL;
	int echo_port;
	pid_t server = echo_server(&echo_port);
	wsb_policy *pol = relay_policy(base, 18081, echo_port);
	CHECK(server > 0 && pol);
	argv[3] = "18081";
	o.argv = argv;
	o.cwd = "/";
	CHECK(wsb_spawn(&p1, pol, NULL, &o) == WSB_OK);
	CHECK(wsb_spawn(&p2, pol, NULL, &o) == WSB_OK);
	CHECK(wsb_process_wait(p1, 10000) == WSB_OK && wsb_process_wait(p2, 10000) == WSB_OK);
	CHECK(wsb_process_exit_kind(p1) == WSB_EXIT_NORMAL && wsb_process_exit_code(p1) == 0);
	CHECK(wsb_process_exit_kind(p2) == WSB_EXIT_NORMAL && wsb_process_exit_code(p2) == 0);
	wsb_process_free(p1);
	wsb_process_free(p2);
	stop_server(server);
	wsb_policy_free(pol);
	return 0;
}

/* Sockets and threads of this process (pidfds the library keeps to reap
 * later are neither). */
static int count_sockets(void)
{
	char path[64], link[64];
	int fd, n = 0;
	ssize_t len;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			n += strncmp(link, "socket:", 7) == 0;
		}
	}
	return n;
}

static int count_threads(void)
{
	struct stat st;
	/* a directory's link count: 2 + its subdirectories, one per thread */
	return stat("/proc/self/task", &st) == 0 ? (int)st.st_nlink - 2 : -1;
}

/* The relay lives with the process handle: its thread and sockets exist
 * while the handle does (even after the command ended) and are gone after
 * wsb_process_free. */
static int sc_relay_freed(const char *base)
{
	int echo_port, sockets, threads;
	pid_t server = echo_server(&echo_port);
	wsb_policy *pol = relay_policy(base, 18082, echo_port);
	wsb_process *p = NULL;
	CHECK(server > 0 && pol);
	sockets = count_sockets();
	threads = count_threads();
	CHECK(sb_run(&p, pol, "tcp-echo", "18082", NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	CHECK(count_threads() == threads + 1);
	CHECK(count_sockets() > sockets);
	wsb_process_free(p);
	CHECK(count_threads() == threads);
	CHECK(count_sockets() == sockets);
	stop_server(server);
	wsb_policy_free(pol);
	return 0;
}

/* A target that refuses: the command's connection opens and ends cleanly,
 * and the relay serves the next one. */
static int sc_relay_target_refuses(const char *base)
{
	int dead = free_port();
	wsb_policy *pol = relay_policy(base, 18083, dead);
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	char script[8400];
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	CHECK(dead > 0 && pol);
	snprintf(script, sizeof(script), "%s --helper tcp-eof 18083 && %s --helper tcp-eof 18083",
		helper_path, helper_path);
	argv[2] = script;
	o.argv = argv;
	o.cwd = "/";
	CHECK(wsb_run(&p, pol, NULL, &o, NULL, 0) == WSB_OK);
	if (wsb_process_exit_code(p) != 0)
		fprintf(stderr, "%s", wsb_process_output(NULL, NULL, p, WSB_STREAM_STDERR));
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* Network on: no namespace, so the relay listens on the host's loopback,
 * shared by the caller's processes; another program's port is refused. */
static int sc_relay_network_on(const char *base)
{
	const char *argv[] = { helper_path, "--helper", "sleep", "500", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	int echo_port, listen_port = free_port(), held_port, held = tcp_listener(&held_port), l;
	pid_t server = echo_server(&echo_port);
	wsb_policy *pol = relay_policy(base, listen_port, echo_port);
	wsb_process *p1 = NULL, *p2 = NULL;
	char lnum[16], hnum[16];
	CHECK(listen_port > 0 && held >= 0 && server > 0 && pol);
	snprintf(hnum, sizeof(hnum), "%d", held_port);
	CHECK(wsb_policy_set_network(pol, WSB_NETWORK_ON) == WSB_OK);
	snprintf(lnum, sizeof(lnum), "%d", listen_port);
	CHECK(sb(pol, "tcp-echo", lnum, NULL) == 0);
	o.argv = argv;
	o.cwd = "/";
	CHECK(wsb_spawn(&p1, pol, NULL, &o) == WSB_OK);
	CHECK(wsb_spawn(&p2, pol, NULL, &o) == WSB_OK);   /* shares p1's relay */
	CHECK(sb(pol, "tcp-echo", lnum, NULL) == 0);
	wsb_process_free(p1);
	CHECK(sb(pol, "tcp-echo", lnum, NULL) == 0);       /* p2 holds it still */
	CHECK(wsb_policy_set_loopback_relay(pol, (unsigned short)listen_port, 9) == WSB_OK);
	CHECK(wsb_spawn(&p1, pol, NULL, &o) == WSB_ECONFLICT && p1 == NULL);
	wsb_process_free(p2);
	/* the last one freed: the port is free again */
	l = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((unsigned short)listen_port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0);
	}
	close(l);
	CHECK(wsb_policy_set_loopback_relay(pol, (unsigned short)held_port, echo_port) == WSB_OK);
	CHECK(wsb_spawn(&p1, pol, NULL, &o) == WSB_EEXIST && p1 == NULL);
	CHECK(strstr(wsb_error_message(NULL), hnum) != NULL);
	close(held);
	stop_server(server);
	wsb_policy_free(pol);
	return 0;
}

static int connect_port(int port)
{
	struct sockaddr_in a;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* Reads on fd give up after 10 s: a relay that loses a FIN fails the test. */
static void read_timeout(int fd)
{
	struct timeval tv = { 10, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Read to the end of the stream: the byte count, or -1. */
static long drain_fd(int fd)
{
	static char buf[65536];
	long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

static int write_all(int fd, long total)
{
	static char buf[65536];

	memset(buf, 'r', sizeof(buf));
	while (total > 0) {
		ssize_t n = write(fd, buf, (size_t)(total < (long)sizeof(buf) ? total : (long)sizeof(buf)));
		if (n <= 0)
			return -1;
		total -= n;
	}
	return 0;
}

/* The relay itself (relay.c on a host listener): 4 MiB each way, far more
 * than its buffers hold, with the half-close passed on in each direction. */
static int sc_relay_bulk_half_close(const char *base)
{
	struct wsb__lx_relay *r = NULL;
	int target_port, t = tcp_listener(&target_port), listen_port = free_port(), c, s, st;
	const long size = 4L << 20;
	pid_t pid;
	(void)base;
	CHECK(t >= 0 && listen_port > 0);
	CHECK(wsb__lx_relay_acquire_host(&r, (unsigned short)listen_port,
		(unsigned short)target_port) == WSB_OK);
	CHECK((c = connect_port(listen_port)) >= 0);
	CHECK((s = accept(t, NULL, NULL)) >= 0);
	read_timeout(c);
	read_timeout(s);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {  /* the client: send, end its side, read the answer */
		close(s);  /* the target's end is the parent's alone */
		if (write_all(c, size) < 0 || shutdown(c, SHUT_WR) < 0)
			_exit(1);
		_exit(drain_fd(c) == size ? 0 : 2);
	}
	close(c);
	CHECK(drain_fd(s) == size);       /* the client's FIN arrived after its bytes */
	CHECK(write_all(s, size) == 0);   /* the other direction still works */
	close(s);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	wsb__lx_relay_release(r);
	close(t);
	return 0;
}

/* At most WSB__LX_RELAY_MAX_CONNS connections at once: the next client is
 * accepted and closed at once (it sees the end of the stream), and counted. */
static int sc_relay_connection_limit(const char *base)
{
	struct wsb__lx_relay *r = NULL;
	int target_port, t = tcp_listener(&target_port), listen_port = free_port(), i;
	static int clients[WSB__LX_RELAY_MAX_CONNS + 1];
	struct rlimit rl;
	struct pollfd pf;
	char byte;
	(void)base;
	CHECK(t >= 0 && listen_port > 0);
	/* the clients, the relay's two sockets per connection: over 1024 fds */
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2048) {
		printf("skipped: RLIMIT_NOFILE hard limit %lu\n", (unsigned long)rl.rlim_max);
		return 0;
	}
	rl.rlim_cur = 2048;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(wsb__lx_relay_acquire_host(&r, (unsigned short)listen_port,
		(unsigned short)target_port) == WSB_OK);
	for (i = 0; i < WSB__LX_RELAY_MAX_CONNS; i++)
		CHECK((clients[i] = connect_port(listen_port)) >= 0);
	CHECK(wsb__lx_relay_refused(r) == 0);
	CHECK((clients[i] = connect_port(listen_port)) >= 0);
	pf.fd = clients[i];
	pf.events = POLLIN;
	CHECK(poll(&pf, 1, 5000) == 1 && read(clients[i], &byte, 1) == 0);
	CHECK(wsb__lx_relay_refused(r) == 1);
	/* the ones carried are still open: nothing to read yet */
	pf.fd = clients[0];
	CHECK(poll(&pf, 1, 0) == 0);
	wsb__lx_relay_release(r);
	for (i = 0; i <= WSB__LX_RELAY_MAX_CONNS; i++)
		close(clients[i]);
	close(t);
	return 0;
}

/* The plan shows the relay, its listener's place, the variables and a
 * note, and network isolation stays in force. */
static int sc_relay_plan(const char *base)
{
	wsb_policy *pol = relay_policy(base, 18084, 7890);
	wsb_plan *plan = NULL;
	char *json = NULL;
	CHECK(pol);
	CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
	CHECK(wsb_plan_to_json(&json, plan) == WSB_OK);
	CHECK(strstr(json, "{\"kind\":\"loopback_relay\",\"action\":\"add\",\"target\":\"127.0.0.1:7890\","
		"\"listen\":\"127.0.0.1:18084\",\"listener\":\"the sandbox's network namespace"));
	CHECK(strstr(json, "{\"kind\":\"env\",\"action\":\"set\",\"target\":\"http_proxy\","
		"\"value\":\"http://127.0.0.1:18084\"}"));
	CHECK(strstr(json, "can reach the host's 127.0.0.1:7890 through 127.0.0.1:18084"));
	CHECK(wsb_plan_protections(plan) & WSB_PROT_NETWORK);
	wsb_free(json);
	wsb_plan_free(plan);
	wsb_policy_free(pol);
	return 0;
}

static int sc_daemon(const char *base)
{
	wsb_policy *pol = workspace(base);
	const char *marker = path_of(base, "root/marker");
	long s1, s2;
	CHECK(pol);
	CHECK(sb(pol, "daemon", marker, NULL) == 0);
	CHECK(file_size(marker) > 0);   /* the grandchild did run */
	sleep_ms(200);
	s1 = file_size(marker);
	sleep_ms(400);
	s2 = file_size(marker);
	CHECK(s1 == s2);                /* and it is gone */
	wsb_policy_free(pol);
	return 0;
}

/* A tree that ended with nothing left is reported without waiting for its
 * init to finish exiting; freeing the handle then leaves init to be reaped
 * before a later spawn, so no zombie piles up (at most the last one). */
static int sc_freed_inits_reaped(const char *base)
{
	wsb_policy *pol = workspace(base);
	char path[64], text[4096];
	FILE *f;
	size_t n;
	int i, children = 0;
	CHECK(pol);
	for (i = 0; i < 30; i++)
		/* No delay: wsb_process_free returns once init is reaped. */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
	CHECK((f = fopen(path, "r")) != NULL);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (i = 0; text[i]; i++)
		children += text[i] != ' ' && (i == 0 || text[i - 1] == ' ');
	CHECK(children == 0);
	wsb_policy_free(pol);
	return 0;
}

/* The namespaces of a command that keeps running (so that the kernel
 * cannot hand their numbers to the next command's), one line each of net,
 * user, pid, mnt; *out is the running command, to free. */
/* The namespaces of a command that holds them (and its loopback listener's
 * port, the fifth line) until freed. */
#define NS_LINES 5
static int ns_lines(wsb_process **out, char lines[NS_LINES][64], const wsb_policy *pol)
{
	static const char *argv[] = { NULL, "--helper", "ns", "hold", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	char text[512];
	size_t len = 0, n;
	const char *at, *nl;
	int i;

	argv[0] = helper_path;
	o.argv = argv;
	o.cwd = "/";
	o.stdout_mode = WSB_STDIO_PIPE;
	o.stderr_mode = WSB_STDIO_NULL;
	if (wsb_spawn(out, pol, NULL, &o) != WSB_OK)
		return -1;
	for (i = 0; i < NS_LINES; ) {
		if (len + 1 >= sizeof(text) ||
		    wsb_process_read(&n, *out, WSB_STREAM_STDOUT, text + len, sizeof(text) - 1 - len,
			10000) != WSB_OK || n == 0)
			return -1;
		len += n;
		text[len] = '\0';
		for (i = 0, at = text; i < NS_LINES && (nl = strchr(at, '\n')) != NULL; i++)
			at = nl + 1;
	}
	for (i = 0, at = text; i < NS_LINES && (nl = strchr(at, '\n')) != NULL; i++) {
		snprintf(lines[i], 64, "%.*s", (int)(nl - at), at);
		at = nl + 1;
	}
	return 0;
}

/* Reuse (netns.c): with network off, a command enters its policy's warm
 * network namespace when no other command is in it, and still gets user,
 * PID and mount namespaces of its own; with reuse off (WSB_TEST_NO_REUSE)
 * every namespace is its own. The network namespace is empty but for
 * loopback, which is up. Commands running at the same time never share
 * one, so none reaches another's loopback listener. */
static int sc_warm_namespaces(const char *base)
{
	wsb_policy *pol = workspace(base), *other;
	wsb_process *pa = NULL, *pb = NULL, *pc = NULL, *pd = NULL, *pe = NULL, *pf = NULL;
	char a[NS_LINES][64], b[NS_LINES][64], c[NS_LINES][64], d[NS_LINES][64];
	char e[NS_LINES][64], f[NS_LINES][64], host[64], num[16];
	ssize_t n;
	int i, port, l = tcp_listener(&port);
	CHECK(pol);
	/* The first spawn under a policy goes the cold way (the warm namespace
	 * is made at the second, pa's). */
	CHECK(sb(pol, "write", path_of(base, "root/first"), NULL) == 0);
	CHECK(ns_lines(&pa, a, pol) == 0);
	CHECK(ns_lines(&pb, b, pol) == 0);   /* while pa runs: one of its own */
	CHECK((n = readlink("/proc/self/ns/net", host, sizeof(host) - 1)) > 0);
	host[n] = '\0';
	CHECK(strcmp(a[0], host) != 0 && strcmp(b[0], host) != 0);
	CHECK(strcmp(a[0], b[0]) != 0);
	for (i = 1; i < 4; i++)
		CHECK(strcmp(a[i], b[i]) != 0);
	/* Neither reaches the other's listener, nor does a third command. */
	CHECK(sb(pol, "tcp", a[4], NULL) == 1);
	CHECK(sb(pol, "tcp", b[4], NULL) == 1);
	/* pa ended (its init reaped): the next command gets its namespace.
	 * Without reuse pa stays until f runs, so that a namespace number
	 * freed with it cannot come back as f's. */
	if (!wsb__lx_no_reuse)
		wsb_process_free(pa);
	CHECK(ns_lines(&pf, f, pol) == 0);
	CHECK(wsb__lx_no_reuse ? strcmp(a[0], f[0]) != 0 : strcmp(a[0], f[0]) == 0);
	/* (pa's other namespaces are gone, their numbers free for reuse: f is
	 * compared with b, which still holds its own) */
	for (i = 0; i < 4; i++)
		CHECK(strcmp(b[i], f[i]) != 0);
	/* Another policy never shares one: its commands cannot reach these
	 * over loopback. */
	mkdir(path_of(base, "other"), 0755);
	CHECK((other = workspace(base)) != NULL);
	CHECK(wsb_policy_allow_write(other, path_of(base, "other")) == WSB_OK);
	CHECK(ns_lines(&pc, c, other) == 0);   /* first under it: cold */
	CHECK(ns_lines(&pd, d, other) == 0);   /* second: makes the warm one */
	CHECK(strcmp(c[0], a[0]) != 0 && strcmp(c[0], host) != 0);
	CHECK(strcmp(d[0], a[0]) != 0 && strcmp(d[0], f[0]) != 0 && strcmp(c[0], d[0]) != 0);
	CHECK(sb(other, "tcp", f[4], NULL) == 1);
	if (!wsb__lx_no_reuse)
		wsb_process_free(pd);
	CHECK(ns_lines(&pe, e, other) == 0);   /* after pd: its namespace */
	CHECK(wsb__lx_no_reuse ? strcmp(d[0], e[0]) != 0 : strcmp(d[0], e[0]) == 0);
	if (wsb__lx_no_reuse) {
		wsb_process_free(pa);
		wsb_process_free(pd);
	}
	wsb_process_free(pb);
	wsb_process_free(pc);
	wsb_process_free(pe);
	wsb_process_free(pf);
	wsb_policy_free(other);
	CHECK(sb(pol, "loopback", NULL, NULL) == 0);
	CHECK(l >= 0);
	snprintf(num, sizeof(num), "%d", port);
	CHECK(sb(pol, "tcp", num, NULL) == 1);  /* the host's listener stays out of reach */
	close(l);
	wsb_policy_free(pol);
	return 0;
}

static int sc_free_kills_tree(const char *base)
{
	wsb_policy *pol = workspace(base);
	const char *marker = path_of(base, "root/marker");
	const char *argv[] = { helper_path, "--helper", "daemon", marker, "stay", NULL };
	const char *argv2[] = { helper_path, "--helper", "sleep", "10000", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	long s1, s2;
	int i;
	CHECK(pol);
	/* a long-running top process whose daemonized grandchild writes a marker */
	o.argv = argv2;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_OK);
	CHECK(wsb_process_kill(p) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_KILLED);
	wsb_process_free(p);
	/* a top process that stays and its daemon: free the handle early */
	o.argv = argv;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_OK);
	for (i = 0; i < 200 && file_size(marker) <= 0; i++)
		sleep_ms(10);
	CHECK(file_size(marker) > 0);
	wsb_process_free(p);
	s1 = file_size(marker);
	sleep_ms(300);
	s2 = file_size(marker);
	CHECK(s1 == s2);
	wsb_policy_free(pol);
	return 0;
}

/* The caller dies without freeing the handle: the sandbox's init sees its
 * status pipe lose its reader and takes the tree down. */
static int sc_caller_death(const char *base)
{
	wsb_policy *pol = workspace(base);
	const char *marker = path_of(base, "root/marker");
	long s1, s2;
	int st, i;
	pid_t caller;
	CHECK(pol);
	caller = fork();
	CHECK(caller >= 0);
	if (caller == 0) {
		const char *argv[] = { helper_path, "--helper", "daemon", marker, "stay", NULL };
		wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
		wsb_process *p1 = NULL;
		o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
		o.argv = argv;    /* a top process that stays, and its daemon */
		if (wsb_spawn(&p1, pol, NULL, &o) != WSB_OK)
			_exit(2);
		for (i = 0; i < 200 && file_size(marker) <= 0; i++)
			sleep_ms(10);
		_exit(0);         /* no wsb_process_free */
	}
	CHECK(waitpid(caller, &st, 0) == caller && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(file_size(marker) > 0);
	sleep_ms(200);
	s1 = file_size(marker);
	sleep_ms(300);
	s2 = file_size(marker);
	CHECK(s1 == s2);
	wsb_policy_free(pol);
	return 0;
}

/* A working directory under /tmp that is no writable root is visible and
 * writable, but the writes stay in the private layer; a ".git" that is a
 * symlink protects its target. */
static int sc_tmp_cwd_and_git_symlink(const char *base)
{
	char dir[] = "/tmp/wsb-linux-cwd-XXXXXX", file[64];
	const char *argv[] = { helper_path, "--helper", "write", "here", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	int ok;
	CHECK(pol);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/here", dir);
	o.argv = argv;
	o.cwd = dir;
	ok = wsb_run(&p, pol, NULL, &o, NULL, 0) == WSB_OK &&
		wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0 &&
		!exists(file);
	wsb_process_free(p);
	rmdir(dir);
	CHECK(ok);
	CHECK(mkdir(path_of(base, "root/realgit"), 0755) == 0);
	CHECK(symlink("realgit", path_of(base, "root/.git")) == 0);
	CHECK(sb(pol, "write", path_of(base, "root/realgit/config"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/other"), NULL) == 0);
	wsb_policy_free(pol);
	return 0;
}

/* A copy of this executable under dir, to run from there. */
static int copy_self(const char *dst)
{
	return copy_file(helper_path, dst);
}

typedef struct tmp_tree {
	char dir[64];          /* /tmp/wsb-linux-XXXXXX, made by the test */
	char prog[96], data[96], fresh[96], secret[96], root[96], inroot[96], gitcfg[96];
} tmp_tree;

static int tmp_tree_make(tmp_tree *t, const char *prefix)
{
	snprintf(t->dir, sizeof(t->dir), "%s-XXXXXX", prefix);
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->prog, sizeof(t->prog), "%s/prog", t->dir);
	snprintf(t->data, sizeof(t->data), "%s/data", t->dir);
	snprintf(t->fresh, sizeof(t->fresh), "%s/fresh", t->dir);
	snprintf(t->secret, sizeof(t->secret), "%s/secret", t->dir);
	snprintf(t->root, sizeof(t->root), "%s/root", t->dir);
	snprintf(t->inroot, sizeof(t->inroot), "%s/root/f", t->dir);
	snprintf(t->gitcfg, sizeof(t->gitcfg), "%s/root/.git/config", t->dir);
	if (copy_self(t->prog) < 0 || put_file(t->data, "hello") < 0 ||
	    put_file(t->secret, "s") < 0 || mkdir(t->root, 0755) < 0)
		return -1;
	return mkdir(path_of(t->root, ".git"), 0755);
}

static void tmp_tree_remove(tmp_tree *t)
{
	remove_tree(t->dir);
}

/* The host's /tmp stays readable inside (a program there runs), writes to
 * it land in a private layer, a writable root under /tmp writes through to
 * the host with its .git protected, and deny-read holds under /tmp. */
static int tmp_host_checks(tmp_tree *t)
{
	wsb_policy *pol = NULL;
	int ok = 0;

	if (wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE) != WSB_OK ||
	    wsb_policy_allow_write(pol, t->root) != WSB_OK ||
	    wsb_policy_deny_read(pol, t->secret) != WSB_OK)
		goto out;
	program_override = t->prog;
	if (sb(pol, "read", t->data, NULL) != 0)
		goto out;
	if (sb(pol, "write", t->data, NULL) != 0 || file_size(t->data) != 5)
		goto out;
	if (sb(pol, "write", t->fresh, NULL) != 0 || exists(t->fresh))
		goto out;
	if (sb(pol, "read", t->secret, NULL) != 1)
		goto out;
	if (sb(pol, "write", t->inroot, NULL) != 0 || file_size(t->inroot) != 1)
		goto out;
	if (sb(pol, "write", t->gitcfg, NULL) != 1 || exists(t->gitcfg))
		goto out;
	/* read-only temp: still readable, no longer writable */
	if (wsb_policy_set_flags(pol, WSB_POLICY_NO_TEMP_WRITE) != WSB_OK ||
	    sb(pol, "read", t->data, NULL) != 0 || sb(pol, "write", t->fresh, NULL) != 1)
		goto out;
	ok = 1;
out:
	program_override = NULL;
	wsb_policy_free(pol);
	return ok;
}

static int sc_tmp_host_readable(const char *base)
{
	tmp_tree t;
	int ok;
	(void)base;
	CHECK(tmp_tree_make(&t, "/tmp/wsb-linux-host") == 0);
	ok = tmp_host_checks(&t);
	tmp_tree_remove(&t);
	CHECK(ok);
	return 0;
}

/* Without overlayfs, /tmp is an empty tmpfs and the plan says so. */
static int sc_tmp_without_overlay(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_plan *plan = NULL;
	char *json = NULL, top[96], prog[4096];
	tmp_tree t;
	int ok;
	CHECK(pol);
	CHECK(tmp_tree_make(&t, "/tmp/wsb-linux-noovl") == 0);
	/* this executable may live under /tmp, which is hidden now */
	snprintf(prog, sizeof(prog), "%s/prog", base);
	CHECK(copy_self(prog) == 0);
	program_override = prog;
	wsb__lx_fake_missing = WSB__LX_FAKE_NO_OVERLAY;
	ok = wsb_plan_create(&plan, pol, NULL) == WSB_OK && wsb_plan_to_json(&json, plan) == WSB_OK &&
		strstr(json, "overlayfs is unavailable") != NULL;
	ok = ok && sb(pol, "read", t.data, NULL) == 1;
	/* the empty tmpfs is writable (t.dir itself is not there) */
	snprintf(top, sizeof(top), "%s-top", t.dir);
	ok = ok && sb(pol, "write", top, NULL) == 0 && !exists(top);
	ok = ok && wsb_policy_allow_write(pol, t.root) == WSB_OK;
	ok = ok && sb(pol, "write", t.inroot, NULL) == 0 && file_size(t.inroot) == 1;
	ok = ok && sb(pol, "write", t.gitcfg, NULL) == 1;
	wsb__lx_fake_missing = 0;
	program_override = NULL;
	wsb_free(json);
	wsb_plan_free(plan);
	tmp_tree_remove(&t);
	CHECK(ok);
	wsb_policy_free(pol);
	return 0;
}

/* A writable root that is /tmp itself: the host's /tmp, writable, with a
 * .git under it protected. */
static int sc_root_is_tmp(const char *base)
{
	wsb_policy *pol = NULL;
	tmp_tree t;
	int ok;
	(void)base;
	CHECK(tmp_tree_make(&t, "/tmp/wsb-linux-tmproot") == 0);
	CHECK(wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE) == WSB_OK);
	CHECK(wsb_policy_allow_write(pol, "/tmp") == WSB_OK);
	ok = sb(pol, "write", t.fresh, NULL) == 0 && file_size(t.fresh) == 1 &&
		sb(pol, "write", t.inroot, NULL) == 0 && file_size(t.inroot) == 1 &&
		sb(pol, "write", t.gitcfg, NULL) == 1 && !exists(t.gitcfg);
	tmp_tree_remove(&t);
	CHECK(ok);
	wsb_policy_free(pol);
	return 0;
}

/* A protected name inside a writable root that vanishes between the
 * decision and the mounts (another command may be moving its directory)
 * makes FS_PROTECTED missing: the spawn is refused naming it, or, when the
 * policy accepts that, runs without reporting the protection. */
static int sc_protected_name_vanishes(const char *base)
{
	char dir[] = "/tmp/wsb-linux-flip-XXXXXX", git[64];
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	int i, other = 0, refused = 0, lost = 0, st, rc, pass;
	pid_t flipper;
	CHECK(pol);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(git, sizeof(git), "%s/.git", dir);
	CHECK(wsb_policy_allow_write(pol, dir) == WSB_OK);
	flipper = fork();
	CHECK(flipper >= 0);
	if (flipper == 0) {
		for (i = 0; i < 2000000; i++) {
			mkdir(git, 0755);
			rmdir(git);
		}
		_exit(0);
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && wsb_policy_allow_missing(pol, WSB_PROT_FS_PROTECTED) != WSB_OK)
			other++;
		for (i = 0; i < 30; i++) {
			rc = sb_run(&p, pol, "exit", "0", NULL);
			if (rc == WSB_OK) {
				lost += !(wsb_process_protections(p) & WSB_PROT_FS_PROTECTED);
				wsb_process_free(p);
			} else if (pass == 0 && rc == WSB_EUNAVAIL && strstr(wsb_error_message(NULL), git)) {
				refused++;
			} else {
				fprintf(stderr, "pass %d: %d %s\n", pass, rc, wsb_error_message(NULL));
				other++;
			}
		}
		if (pass == 0 && lost)
			other++;  /* not accepted: never reported missing on a run */
	}
	kill(flipper, SIGKILL);
	waitpid(flipper, &st, 0);
	rmdir(git);
	rmdir(dir);
	printf("vanished .git: %d of 30 refused; %d of 30 ran without FS_PROTECTED when accepted\n",
		refused, lost);
	fflush(stdout);
	CHECK(other == 0);
	wsb_policy_free(pol);
	return 0;
}

/* A command renames the directory holding a protected path and a deny-read
 * path inside a root; the next command under the same policy must not be
 * told they are protected. A path outside every root that does not exist
 * is nothing to protect. */
static int sc_moved_protected_paths(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	unsigned int prot;
	int code;
	CHECK(pol);
	CHECK(mkdir(path_of(base, "root/d"), 0755) == 0);
	CHECK(put_file(path_of(base, "root/d/secret"), "s") == 0);
	CHECK(put_file(path_of(base, "root/d/keep"), "k") == 0);
	CHECK(wsb_policy_deny_read(pol, path_of(base, "root/d/secret")) == WSB_OK);
	CHECK(wsb_policy_protect_path(pol, path_of(base, "root/d/keep")) == WSB_OK);
	CHECK(wsb_policy_deny_read(pol, path_of(base, "nothing-here")) == WSB_OK);
	CHECK(sb(pol, "read", path_of(base, "root/d/secret"), NULL) == 1);
	CHECK(sb(pol, "write", path_of(base, "root/d/keep"), NULL) == 1);
	/* run 1: move the directory above both (only the paths are mount points) */
	CHECK(sb(pol, "rename", path_of(base, "root/d"), path_of(base, "root/e")) == 0);
	CHECK(exists(path_of(base, "root/e/secret")));
	/* run 2: refused, naming the path */
	CHECK(sb_run(&p, pol, "read", path_of(base, "root/e/secret"), NULL) == WSB_EUNAVAIL);
	CHECK(strstr(wsb_error_message(NULL), path_of(base, "root/d/")) != NULL);
	/* accepted: runs, and says which protections are not in force */
	CHECK(wsb_policy_allow_missing(pol, WSB_PROT_FS_DENY_READ) == WSB_OK);
	CHECK(sb_run(&p, pol, "read", path_of(base, "root/e/secret"), NULL) == WSB_EUNAVAIL);
	CHECK(strstr(wsb_error_message(NULL), path_of(base, "root/d/keep")) != NULL);
	CHECK(wsb_policy_allow_missing(pol, WSB_PROT_FS_DENY_READ | WSB_PROT_FS_PROTECTED) == WSB_OK);
	CHECK(sb_run(&p, pol, "read", path_of(base, "root/e/secret"), NULL) == WSB_OK);
	prot = wsb_process_protections(p);
	code = (int)wsb_process_exit_code(p);
	wsb_process_free(p);
	CHECK(code == 0);   /* the moved file really is readable */
	CHECK(!(prot & (WSB_PROT_FS_DENY_READ | WSB_PROT_FS_PROTECTED)));
	CHECK(prot & WSB_PROT_FS_WRITE);
	/* moved back: both in force again, and the absent outside path is fine */
	CHECK(rename(path_of(base, "root/e"), path_of(base, "root/d")) == 0);
	CHECK(wsb_policy_allow_missing(pol, 0) == WSB_OK);
	CHECK(sb_run(&p, pol, "read", path_of(base, "root/d/secret"), NULL) == WSB_OK);
	prot = wsb_process_protections(p);
	code = (int)wsb_process_exit_code(p);
	wsb_process_free(p);
	CHECK(code == 1);
	CHECK((prot & (WSB_PROT_FS_DENY_READ | WSB_PROT_FS_PROTECTED)) ==
		(WSB_PROT_FS_DENY_READ | WSB_PROT_FS_PROTECTED));
	wsb_policy_free(pol);
	return 0;
}

static int sc_fork_bomb(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	const char *out;
	CHECK(pol);
	program_override = limit_helper_path;
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 8) == WSB_OK);
	CHECK(sb_run(&p, pol, "forkbomb", "64", NULL) == WSB_OK);
	CHECK(wsb_process_protections(p) & WSB_PROT_LIMIT_PROCESSES);
	out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	CHECK(out && atoi(out) >= 1 && atoi(out) < 8);
	wsb_process_free(p);
	/* the control: without the limit all 64 start */
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 0) == WSB_OK);
	CHECK(sb_run(&p, pol, "forkbomb", "64", NULL) == WSB_OK);
	out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	CHECK(out && atoi(out) == 64);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* Without a pids cgroup only RLIMIT_NPROC is left, which the kernel does
 * not apply to uid 0: a root caller must be told the limit is missing. */
static int sc_fork_bomb_without_cgroup(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	const char *out;
	int rc, n;
	unsigned int prot;
	CHECK(pol);
	program_override = limit_helper_path;
	wsb__lx_fake_missing = WSB__LX_FAKE_NO_CGROUP;
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 8) == WSB_OK);
	rc = sb_run(&p, pol, "forkbomb", "40", NULL);
	if (getuid() == 0) {
		CHECK(rc == WSB_EUNAVAIL);
		CHECK(strstr(wsb_error_message(NULL), "uid 0") != NULL);
		CHECK(wsb_policy_allow_missing(pol, WSB_PROT_LIMIT_PROCESSES) == WSB_OK);
		CHECK(sb_run(&p, pol, "forkbomb", "40", NULL) == WSB_OK);
		out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
		n = out ? atoi(out) : -1;
		prot = wsb_process_protections(p);
		wsb_process_free(p);
		CHECK(!(prot & WSB_PROT_LIMIT_PROCESSES));
		CHECK(n == 40);   /* the rlimit really did not bind */
	} else {
		/* another uid: the rlimit counts the sandbox's user namespace */
		CHECK(rc == WSB_OK);
		out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
		n = out ? atoi(out) : -1;
		prot = wsb_process_protections(p);
		wsb_process_free(p);
		CHECK(prot & WSB_PROT_LIMIT_PROCESSES);
		CHECK(n >= 1 && n < 8);
	}
	wsb__lx_fake_missing = 0;
	wsb_policy_free(pol);
	return 0;
}

static int sc_memory_hog(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	int rc;
	CHECK(pol);
	program_override = limit_helper_path;
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_MEMORY, 64u << 20) == WSB_OK);
	rc = sb_run(&p, pol, "hog", "512", NULL);
	if (getuid() == 0) {
		/* root: the memory cgroup (v1 here) bounds the tree and kills the hog */
		CHECK(rc == WSB_OK);
		CHECK(wsb_process_protections(p) & WSB_PROT_LIMIT_MEMORY);
		CHECK(wsb_process_exit_kind(p) == WSB_EXIT_LIMIT);
		CHECK(wsb_process_limit(p) == WSB_LIMIT_MEMORY);
		wsb_process_free(p);
		/* under the limit it runs */
		CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_MEMORY, 256u << 20) == WSB_OK);
		CHECK(sb(pol, "hog", "16", NULL) == 0);
	} else {
		/* no delegated cgroup: fails closed, names the mechanism */
		CHECK(rc == WSB_EUNAVAIL);
		CHECK(strstr(wsb_error_message(NULL), "memory") != NULL);
		CHECK(wsb_policy_allow_missing(pol, WSB_PROT_LIMIT_MEMORY) == WSB_OK);
		CHECK(sb_run(&p, pol, "hog", "512", NULL) == WSB_OK);
		CHECK(!(wsb_process_protections(p) & WSB_PROT_LIMIT_MEMORY));
		/* the per-process rlimit still stops this single hog */
		CHECK(!(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0));
		wsb_process_free(p);
	}
	wsb_policy_free(pol);
	return 0;
}

static int sc_timeout(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	const char *argv[] = { helper_path, "--helper", "sleep", "10000", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	CHECK(pol);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_TIMEOUT, 300) == WSB_OK);
	CHECK(sb_run(&p, pol, "sleep", "10000", NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_TIMEOUT);
	CHECK(wsb_process_limit(p) == WSB_LIMIT_TIMEOUT);
	CHECK(wsb_process_duration_ms(p) >= 250 && wsb_process_duration_ms(p) < 3000);
	wsb_process_free(p);
	/* never waited for: the sandbox's init still enforces the deadline */
	o.argv = argv;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_OK);
	sleep_ms(800);
	CHECK(wsb_process_wait(p, 0) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_TIMEOUT);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static int sc_cpu_limit(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	CHECK(pol);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_CPU_TIME, 500) == WSB_OK);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_TIMEOUT, 20000) == WSB_OK);
	CHECK(sb_run(&p, pol, "spin", NULL, NULL) == WSB_OK);
	CHECK(wsb_process_protections(p) & WSB_PROT_LIMIT_CPU);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_LIMIT);
	CHECK(wsb_process_limit(p) == WSB_LIMIT_CPU_TIME);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static int sc_inherited_fd(const char *base)
{
	wsb_policy *pol = workspace(base);
	char num[16];
	int fd = open(path_of(base, "leak"), O_RDWR | O_CREAT, 0644);   /* no O_CLOEXEC */
	CHECK(pol && fd >= 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
	snprintf(num, sizeof(num), "%d", fd);
	CHECK(sb(pol, "fd", num, NULL) == 0);
	close(fd);
	wsb_policy_free(pol);
	return 0;
}

static int sc_syscall_filter(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	CHECK(pol);
	CHECK(sb(pol, "unshare", NULL, NULL) == 0);
	CHECK(sb(pol, "io_uring", NULL, NULL) == 0);
	CHECK(sb(pol, "tiocsti", NULL, NULL) == 0);
	CHECK(sb_run(&p, pol, "sleep", "0", NULL) == WSB_OK);
	CHECK((wsb_process_protections(p) & (WSB_PROT_SYSCALL_FILTER | WSB_PROT_NO_NEW_PRIVS |
		WSB_PROT_PROCESS_TREE | WSB_PROT_NETWORK | WSB_PROT_FS_WRITE | WSB_PROT_FS_PROTECTED)) ==
		(WSB_PROT_SYSCALL_FILTER | WSB_PROT_NO_NEW_PRIVS | WSB_PROT_PROCESS_TREE |
		 WSB_PROT_NETWORK | WSB_PROT_FS_WRITE | WSB_PROT_FS_PROTECTED));
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static int sc_exec_errors(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	const char *a1[] = { "/nonexistent/program", NULL };
	const char *a2[] = { "wsb-no-such-program-anywhere", NULL };
	const char *a3[] = { NULL, NULL };
	CHECK(pol);
	CHECK(put_file(path_of(base, "plain"), "#!/bin/sh\n") == 0);
	a3[0] = path_of(base, "plain");
	o.argv = a1;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_ENOENT && p == NULL);
	o.argv = a2;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_ENOENT);
	o.argv = a3;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_ENOEXEC);
	wsb_policy_free(pol);
	return 0;
}

static int sc_exit_kinds(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	const char *argv[] = { "wsb-helper-alias", "--helper", "exit", "0", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	CHECK(pol);
	CHECK(sb_run(&p, pol, "exit", "3", NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 3);
	CHECK(wsb_process_limit(p) == WSB_LIMIT_NONE);
	wsb_process_free(p);
	CHECK(sb_run(&p, pol, "raise", "15", NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_SIGNAL && wsb_process_exit_code(p) == 15);
	wsb_process_free(p);
	/* argv[0] is looked up on the PATH of the command's environment */
	CHECK(mkdir(path_of(base, "bin"), 0755) == 0);
	CHECK(symlink(helper_path, path_of(base, "bin/wsb-helper-alias")) == 0);
	CHECK(wsb_policy_env_set(pol, "PATH", path_of(base, "bin")) == WSB_OK);
	o.argv = argv;
	CHECK(wsb_run(&p, pol, NULL, &o, NULL, 0) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static void reap_everything(int sig)
{
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* A caller whose SIGCHLD handler reaps every child (as some event loops
 * do) still gets the command's status, and kill/free do not hang. */
static int sc_caller_reaps_children(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	const char *argv[] = { helper_path, "--helper", "sleep", "10000", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	struct sigaction sa;
	CHECK(pol);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = reap_everything;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	CHECK(sb_run(&p, pol, "exit", "3", NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 3);
	wsb_process_free(p);
	o.argv = argv;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_OK);
	CHECK(wsb_process_kill(p) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_KILLED);
	wsb_process_free(p);
	signal(SIGCHLD, SIG_DFL);
	wsb_policy_free(pol);
	return 0;
}

/* A caller that ignores SIGCHLD (its children are reaped by the kernel)
 * still gets the command's status: init does not inherit that. */
static int sc_caller_ignores_sigchld(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	int ok;
	CHECK(pol);
	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	ok = sb_run(&p, pol, "exit", "3", NULL) == WSB_OK &&
		wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 3;
	signal(SIGCHLD, SIG_DFL);
	wsb_process_free(p);
	CHECK(ok);
	wsb_policy_free(pol);
	return 0;
}

static int sc_fail_closed(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	CHECK(pol);
	wsb__lx_fake_missing = WSB__LX_FAKE_NO_LANDLOCK;
	CHECK(sb_run(&p, pol, "write", path_of(base, "out"), NULL) == WSB_EUNAVAIL);
	CHECK(strstr(wsb_error_message(NULL), "Landlock") != NULL);
	CHECK(!exists(path_of(base, "out")));
	/* the named weaker mode runs, and says what is missing */
	CHECK(wsb_policy_allow_missing(pol, WSB_PROT_FS_WRITE) == WSB_OK);
	CHECK(sb_run(&p, pol, "sleep", "0", NULL) == WSB_OK);
	CHECK(!(wsb_process_protections(p) & WSB_PROT_FS_WRITE));
	CHECK(wsb_process_protections(p) & WSB_PROT_FS_PROTECTED);
	wsb_process_free(p);
	wsb__lx_fake_missing = WSB__LX_FAKE_NO_USERNS;
	CHECK(sb_run(&p, pol, "sleep", "0", NULL) == WSB_EUNAVAIL);
	CHECK(strstr(wsb_error_message(NULL), "user namespaces") != NULL);
	/* accepting what needs a mount namespace runs without it; the network
	 * (seccomp + Landlock) and the tree (sub-reaper + Landlock signal
	 * scope, ABI 6 here) are still in force (the ladder, env_escapes) */
	CHECK(wsb_policy_allow_missing(pol, WSB_PROT_FS_PROTECTED) == WSB_OK);
	wsb__lx_fake_missing = WSB__LX_FAKE_NO_USERNS;
	CHECK(sb_run(&p, pol, "write", path_of(base, "root/x"), NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	CHECK(!(wsb_process_protections(p) & WSB_PROT_FS_PROTECTED));
	CHECK(wsb__lx_landlock_abi() < 6 || (wsb_process_protections(p) &
		(WSB_PROT_PROCESS_TREE | WSB_PROT_NETWORK)) == (WSB_PROT_PROCESS_TREE | WSB_PROT_NETWORK));
	CHECK(wsb_process_protections(p) & WSB_PROT_FS_WRITE);
	wsb_process_free(p);
	CHECK(sb_run(&p, pol, "write", path_of(base, "outside"), NULL) == WSB_OK);
	CHECK(wsb_process_exit_code(p) == 1);
	wsb_process_free(p);
	wsb__lx_fake_missing = 0;
	wsb_policy_free(pol);
	return 0;
}

/* Landlock before ABI 3 does not handle truncate(2): a file outside the
 * roots can be emptied, so write confinement is reported missing. */
static int sc_landlock_abi_below_3(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	int rc, code, prot;
	CHECK(pol);
	CHECK(put_file(path_of(base, "victim"), "data") == 0);
	/* the real ABI (3 or more here) refuses it */
	CHECK(wsb__lx_landlock_abi() >= 3);
	CHECK(sb(pol, "truncate", path_of(base, "victim"), NULL) == 1);
	CHECK(file_size(path_of(base, "victim")) == 4);
	wsb__lx_fake_landlock_abi = 2;
	rc = sb_run(&p, pol, "truncate", path_of(base, "victim"), NULL);
	wsb__lx_fake_landlock_abi = 0;
	CHECK(rc == WSB_EUNAVAIL);
	CHECK(strstr(wsb_error_message(NULL), "truncate") != NULL);
	CHECK(file_size(path_of(base, "victim")) == 4);
	/* accepted: it runs, says FS_WRITE is missing, and it really is */
	CHECK(wsb_policy_allow_missing(pol, WSB_PROT_FS_WRITE) == WSB_OK);
	wsb__lx_fake_landlock_abi = 2;
	rc = sb_run(&p, pol, "truncate", path_of(base, "victim"), NULL);
	wsb__lx_fake_landlock_abi = 0;
	CHECK(rc == WSB_OK);
	code = (int)wsb_process_exit_code(p);
	prot = (int)wsb_process_protections(p);
	wsb_process_free(p);
	CHECK(!(prot & WSB_PROT_FS_WRITE));
	CHECK(code == 0 && file_size(path_of(base, "victim")) == 0);
	wsb_policy_free(pol);
	return 0;
}

static int sc_output_cap(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	size_t len = 0;
	int trunc = 0;
	CHECK(pol);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_OUTPUT, 1000) == WSB_OK);
	CHECK(sb_run(&p, pol, "spew", "3000000", NULL) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	CHECK(wsb_process_output(&len, &trunc, p, WSB_STREAM_STDOUT) != NULL);
	CHECK(len == 1000 && trunc == 1);
	CHECK(wsb_process_output(&len, &trunc, p, WSB_STREAM_STDERR) != NULL);
	CHECK(len == 46 && trunc == 0);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* Reading a stream again after its end gives 0 bytes and WSB_OK (as on
 * Windows); a stream that is no pipe stays WSB_ESTATE. */
static int sc_read_after_end(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_process *p = NULL;
	const char *argv[] = { helper_path, "--helper", "spew", "100", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	char buf[4096];
	size_t n = 1, total = 0;
	int i;
	CHECK(pol);
	o.argv = argv;
	o.stdout_mode = WSB_STDIO_PIPE;
	o.stderr_mode = WSB_STDIO_NULL;
	CHECK(wsb_spawn(&p, pol, NULL, &o) == WSB_OK);
	for (i = 0; i < 1000 && n > 0; i++) {
		CHECK(wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), 5000) == WSB_OK);
		total += n;
	}
	CHECK(n == 0 && total == 100);
	n = 1;
	CHECK(wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), 5000) == WSB_OK);
	CHECK(n == 0);
	CHECK(wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), 0) == WSB_OK && n == 0);
	CHECK(wsb_process_read(&n, p, WSB_STREAM_STDERR, buf, sizeof(buf), 0) == WSB_ESTATE);
	CHECK(wsb_process_wait(p, 5000) == WSB_OK);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static int sc_plan(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_plan *plan = NULL;
	wsb_process *p = NULL;
	char *json = NULL;
	CHECK(pol);
	CHECK(mkdir(path_of(base, "root/.git"), 0755) == 0);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 10) == WSB_OK);
	CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
	CHECK(wsb_plan_to_json(&json, plan) == WSB_OK);
	CHECK(strstr(json, "\"landlock_rule\""));
	CHECK(strstr(json, "\"mount\""));
	CHECK(strstr(json, "\"namespace\""));
	CHECK(strstr(json, "\"seccomp\""));
	CHECK(strstr(json, "\"limit\""));
	CHECK(strstr(json, "root/.git"));
	CHECK(wsb_plan_protections(plan) & WSB_PROT_FS_WRITE);
	wsb_free(json);
	wsb_plan_free(plan);
	/* a root that does not exist: the dry run notes it, a spawn refuses */
	CHECK(wsb_policy_allow_write(pol, path_of(base, "missing")) == WSB_OK);
	CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
	CHECK(wsb_plan_to_json(&json, plan) == WSB_OK);
	CHECK(strstr(json, "not an existing directory"));
	wsb_free(json);
	wsb_plan_free(plan);
	CHECK(sb_run(&p, pol, "sleep", "0", NULL) == WSB_EPATH);
	wsb_policy_free(pol);
	return 0;
}

/* ---- the environments' common check (tests/linux/CMakeLists.txt runs it
 * in each WSB_TEST_ENV): what the ladder must give there, fail-closed for
 * what it cannot, and an escape attempt for every protection the result
 * reports in force. Nothing is asserted in force that is not. ---- */

static int udp_listener(int *port)
{
	return loopback_socket(SOCK_DGRAM, port);
}

static int unix_listener(struct sockaddr_un *a, socklen_t len)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)a, len) < 0 || listen(s, 4) < 0)
		return -1;
	return s;
}

/* The marker a daemon of the tree appends to must stop growing once the
 * run is over (the tree is dead). */
static int marker_still(const char *marker)
{
	long s1, s2;
	if (file_size(marker) <= 0)
		return 0;
	sleep_ms(200);
	s1 = file_size(marker);
	sleep_ms(400);
	s2 = file_size(marker);
	return s1 == s2;
}

/* Whether the self-test's report says the canary was proved. */
static int canary_proved(const char *json, const char *name)
{
	char pat[80];
	const char *at, *end;

	snprintf(pat, sizeof(pat), "{\"name\":\"%s\"", name);
	if (!(at = strstr(json, pat)))
		return 0;
	end = strstr(at + 1, "{\"name\":");
	at = strstr(at, "\"status\":\"proved\"");
	return at && (!end || at < end);
}

/* Below Landlock ABI 6 the cgroup of the tree is applied but the tree is
 * reported missing: the command kills its supervisor and the library's
 * caller (here a child of the scenario), and then nothing ends its daemon.
 * The daemon is ended here by hand, through the cgroup left behind. */
static int caller_killed_tree_lives(wsb_policy *pol, const char *base)
{
	const char *marker = path_of(base, "root/m4");
	char prefix[64], procs[512], pids[4096];
	struct dirent *d;
	DIR *dir;
	pid_t caller;
	int st, lives, fd, rounds;
	ssize_t n;

	caller = fork();
	if (caller < 0)
		return -1;
	if (caller == 0)
		_exit(sb(pol, "daemon-kill-caller", marker, NULL) >= 0 ? 3 : 4);
	if (waitpid(caller, &st, 0) != caller || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return -1;
	lives = !marker_still(marker);
	printf("caller killed: the daemon %s\n", lives ? "lives on (escape, as documented)" :
		"stopped");
	snprintf(prefix, sizeof(prefix), "wsandbox-%ld-", (long)caller);
	if (!(dir = opendir(deleg_dir)))
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(procs, sizeof(procs), "%s/%s/cgroup.procs", deleg_dir, d->d_name);
		for (rounds = 0; rounds < 100; rounds++) {
			char *w, *save = NULL;
			fd = open(procs, O_RDONLY);
			n = fd >= 0 ? read(fd, pids, sizeof(pids) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				break;
			pids[n] = '\0';
			for (w = strtok_r(pids, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
				if (atoi(w) > 1)
					kill(atoi(w), SIGKILL);
			sleep_ms(10);
		}
		procs[strlen(procs) - strlen("/cgroup.procs")] = '\0';
		for (rounds = 0; rounds < 200 && rmdir(procs) < 0 && errno == EBUSY; rounds++)
			sleep_ms(10);
	}
	closedir(dir);
	return lives ? 0 : -1;
}

static int sc_env_escapes(const char *base)
{
	wsb_policy *pol = workspace(base);
	wsb_plan *plan = NULL;
	wsb_process *p = NULL;
	char *json = NULL, num[16], name[64];
	unsigned int prot, miss, got, want_in = 0, want_out = 0;
	int abi = wsb__lx_landlock_abi(), userns_off = env_has("userns-off"), port, l, rc;
	int cg_kill, lp_cgroup;
	struct sockaddr_un ua;
	socklen_t alen;
	const char *out;

	CHECK(pol);
	CHECK(mkdir(path_of(base, "root/.git"), 0755) == 0);
	CHECK(put_file(path_of(base, "root/.git/config"), "orig") == 0);
	CHECK(mkdir(path_of(base, "secret"), 0755) == 0);
	CHECK(put_file(path_of(base, "secret/key"), "k") == 0);
	CHECK(put_file(path_of(base, "public"), "p") == 0);
	CHECK(wsb_policy_deny_read(pol, path_of(base, "secret")) == WSB_OK);
	CHECK(wsb_policy_set_network(pol, WSB_NETWORK_OFF) == WSB_OK);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 8) == WSB_OK);

	/* What the ladder must give here (docs/linux-backend.md's table). */
	if (abi >= 3)
		want_in |= WSB_PROT_FS_WRITE;
	else
		want_out |= WSB_PROT_FS_WRITE;
	if (!userns_off)
		want_in |= WSB_PROT_FS_PROTECTED | WSB_PROT_FS_DENY_READ;
	else
		want_out |= WSB_PROT_FS_PROTECTED;
	/* without a mount namespace, Landlock reads around deny-read paths */
	if (!userns_off || abi >= 1)
		want_in |= WSB_PROT_FS_DENY_READ;
	else
		want_out |= WSB_PROT_FS_DENY_READ;
	want_in |= WSB_PROT_NO_NEW_PRIVS | WSB_PROT_SYSCALL_FILTER;
	/* without a PID namespace, only if the user's other processes cannot be traced */
	if (!userns_off || wsb__lx_ptrace_confined())
		want_in |= WSB_PROT_NETWORK;
	else
		want_out |= WSB_PROT_NETWORK;
	if (!userns_off || abi >= 6)
		want_in |= WSB_PROT_PROCESS_TREE;
	else
		want_out |= WSB_PROT_PROCESS_TREE;
	/* a cgroup the command could leave (no Landlock) bounds nothing */
	if (env_has("cgroup-delegated") && abi >= 1)
		want_in |= WSB_PROT_LIMIT_PROCESSES;
	else if (env_has("cgroup-delegated") && (userns_off || geteuid() == 0))
		want_out |= WSB_PROT_LIMIT_PROCESSES;  /* (else RLIMIT_NPROC in the user namespace) */
	if (env_has("cgroup-ro") && geteuid() == 0)
		want_out |= WSB_PROT_LIMIT_PROCESSES;

	CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
	prot = wsb_plan_protections(plan);
	miss = plan->missing;  /* internal: the public API gives it in the JSON */
	CHECK(wsb_plan_to_json(&json, plan) == WSB_OK);
	printf("env %s uid %d abi %d: in force %#x missing %#x\n%s\n",
		getenv("WSB_TEST_ENV") ? getenv("WSB_TEST_ENV") : "host", (int)geteuid(), abi, prot, miss,
		strstr(json, "\"mechanisms\""));
	fflush(stdout);
	/* without a PID namespace, a cgroup of the tree's own that the command cannot leave */
	cg_kill = strstr(json, "kill of its own") != NULL;
	lp_cgroup = strstr(json, "\"limit_processes\",\"mechanism\":\"cgroup") != NULL;
	wsb_free(json);
	wsb_plan_free(plan);
	CHECK((prot & want_in) == want_in);
	CHECK((miss & want_out) == want_out);
	CHECK((prot & miss) == 0);
	if (userns_off && abi >= 1) {
		/* a deny-read path inside a writable root: Landlock cannot take
		 * read away below a grant of every right */
		wsb_policy *inner = workspace(base);
		CHECK(inner && mkdir(path_of(base, "root/inner"), 0755) == 0);
		CHECK(wsb_policy_deny_read(inner, path_of(base, "root/inner")) == WSB_OK);
		CHECK(wsb_plan_create(&plan, inner, NULL) == WSB_OK);
		CHECK((plan->missing & WSB_PROT_FS_DENY_READ) && !(plan->protections & WSB_PROT_FS_DENY_READ));
		wsb_plan_free(plan);
		wsb_policy_free(inner);
	}

	/* fail-closed: nothing runs while something is missing and not accepted */
	if (miss) {
		CHECK(sb_run(&p, pol, "write", path_of(base, "root/ran"), NULL) == WSB_EUNAVAIL);
		CHECK(!exists(path_of(base, "root/ran")));
		CHECK(wsb_policy_allow_missing(pol, miss) == WSB_OK);
	}
	CHECK(sb_run(&p, pol, "write", path_of(base, "root/ran"), NULL) == WSB_OK);
	got = wsb_process_protections(p);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	wsb_process_free(p);
	CHECK(got == prot);

	if (got & WSB_PROT_FS_WRITE) {
		CHECK(sb(pol, "write", path_of(base, "outside"), NULL) == 1);
		CHECK(!exists(path_of(base, "outside")));
	}
	if (got & WSB_PROT_FS_PROTECTED) {
		CHECK(sb(pol, "write", path_of(base, "root/.git/config"), NULL) == 1);
		CHECK(sb(pol, "write", path_of(base, "root/.git/new"), NULL) == 1);
		CHECK(sb(pol, "unlink", path_of(base, "root/.git/config"), NULL) == 1);
		CHECK(sb(pol, "rename", path_of(base, "root/.git"), path_of(base, "root/moved")) == 1);
		CHECK(file_size(path_of(base, "root/.git/config")) == 4);
		CHECK(!exists(path_of(base, "root/.git/new")) && !exists(path_of(base, "root/moved")));
	}
	if (got & WSB_PROT_FS_DENY_READ) {
		CHECK(sb(pol, "read", path_of(base, "secret/key"), NULL) == 1);
		CHECK(sb(pol, "read", path_of(base, "public"), NULL) == 0);   /* the control */
	}
	if (got & WSB_PROT_NETWORK) {
		char c;
		CHECK((l = tcp_listener(&port)) >= 0);
		snprintf(num, sizeof(num), "%d", port);
		CHECK(sb(pol, "tcp", num, NULL) == 1);
		close(l);
		CHECK((l = udp_listener(&port)) >= 0);
		snprintf(num, sizeof(num), "%d", port);
		/* in a network namespace the datagram leaves into its own loopback */
		CHECK(sb(pol, "udp", num, NULL) >= 0);
		sleep_ms(50);
		CHECK(recv(l, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
		close(l);
		memset(&ua, 0, sizeof(ua));
		ua.sun_family = AF_UNIX;
		strncpy(ua.sun_path, path_of(base, "sock"), sizeof(ua.sun_path) - 1);
		CHECK((l = unix_listener(&ua, sizeof(ua))) >= 0);
		CHECK(chmod(path_of(base, "sock"), 0777) == 0);
		CHECK(sb(pol, "unix", path_of(base, "sock"), NULL) == 1);
		close(l);
		memset(&ua, 0, sizeof(ua));
		ua.sun_family = AF_UNIX;
		strncpy(ua.sun_path, path_of(base, "dsock"), sizeof(ua.sun_path) - 1);
		CHECK((l = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0);
		CHECK(bind(l, (struct sockaddr *)&ua, sizeof(ua)) == 0);
		CHECK(chmod(path_of(base, "dsock"), 0777) == 0);
		CHECK(sb(pol, "unix-dgram", path_of(base, "dsock"), NULL) == 1);
		CHECK(recv(l, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
		close(l);
		snprintf(name, sizeof(name), "wsb-env-%ld", (long)getpid());
		memset(&ua, 0, sizeof(ua));
		ua.sun_family = AF_UNIX;
		memcpy(ua.sun_path + 1, name, strlen(name));
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
		CHECK((l = unix_listener(&ua, alen)) >= 0);
		CHECK(sb(pol, "unix-abstract", name, NULL) == 1);
		close(l);
	}
	if (env_has("cgroup-delegated")) {
		/* the delegated cgroup is the caller's: the command must not move
		 * itself back into it (out of its limits and its tree's cgroup) */
		rc = sb(pol, "cgroup-leave", path_of(deleg_dir, "cgroup.procs"), NULL);
		printf("cgroup-leave: %s\n", rc == 1 ? "refused" : rc == 0 ? "moved out" : "error");
		if ((got & WSB_PROT_LIMIT_PROCESSES) && lp_cgroup)
			CHECK(rc == 1);
		if (userns_off) {
			CHECK(rc == (abi >= 1 ? 1 : 0));
			CHECK(cg_kill == (abi >= 1));
		}
	}
	if ((got & WSB_PROT_PROCESS_TREE) || cg_kill) {
		long long t0;
		/* without the process limit: the tree's cgroup is then made for it
		 * alone (as root cgroup v2 here, with cgroup.kill) */
		CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 0) == WSB_OK);
		CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
		CHECK(wsb_plan_to_json(&json, plan) == WSB_OK);
		out = strstr(json, "{\"protection\":\"process_tree\"");
		printf("without the process limit: %.*s\n", out ? (int)strcspn(out, "}") : 0, out ? out : "");
		wsb_free(json);
		wsb_plan_free(plan);
		t0 = now_ms();
		/* ended with the command, not when the daemon (10 s) lets go of the pipes */
		CHECK(sb(pol, "daemon", path_of(base, "root/m1"), NULL) == 0);
		CHECK(now_ms() - t0 < 5000);
		CHECK(marker_still(path_of(base, "root/m1")));
		/* ends normally (signal scope) or as init's SIGKILL (the cgroup's kill) */
		CHECK(sb_run(&p, pol, "daemon-kill-init", path_of(base, "root/m2"), NULL) == WSB_OK);
		wsb_process_free(p);
		CHECK(marker_still(path_of(base, "root/m2")));
		/* outlive the timeout: the top process stays, a daemon too */
		CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_TIMEOUT, 1500) == WSB_OK);
		CHECK(sb_run(&p, pol, "daemon", path_of(base, "root/m3"), "stay") == WSB_OK);
		rc = wsb_process_exit_kind(p);
		wsb_process_free(p);
		CHECK(rc == WSB_EXIT_TIMEOUT);
		CHECK(marker_still(path_of(base, "root/m3")));
		CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_TIMEOUT, 0) == WSB_OK);
		CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_PROCESSES, 8) == WSB_OK);
	}
	if (cg_kill && !(got & WSB_PROT_PROCESS_TREE) && env_has("cgroup-delegated"))
		CHECK(caller_killed_tree_lives(pol, base) == 0);
	if (got & WSB_PROT_LIMIT_PROCESSES) {
		program_override = limit_helper_path;
		rc = sb_run(&p, pol, "forkbomb", "64", NULL);
		program_override = NULL;
		CHECK(rc == WSB_OK);
		out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
		CHECK(out && atoi(out) >= 1 && atoi(out) < 8);
		wsb_process_free(p);
	}

	/* The self-test here, under the same policy: nothing it finds in force
	 * may be seen to fail, and what was proved above is proved there too. */
	{
		const char *probe[] = { helper_path, "--probe", NULL };
		wsb_self_test_options so = WSB_SELF_TEST_OPTIONS_INIT;
		unsigned int failed = 1;

		so.probe_argv = probe;
		so.work_dir = base;
		CHECK(wsb_self_test(&json, &failed, pol, NULL, &so) == WSB_OK);
		printf("self-test: %s\n", strstr(json, "\"summary\"") ? strstr(json, "\"summary\"") : json);
		rc = failed == 0 && strstr(json, "\"FAILED\"") == NULL &&
			(!(got & WSB_PROT_FS_WRITE) || canary_proved(json, "write_outside_roots")) &&
			(!(got & WSB_PROT_NETWORK) || canary_proved(json, "tcp_to_host")) &&
			(!(got & WSB_PROT_FS_PROTECTED) || canary_proved(json, "git_write"));
		if (!rc)
			printf("%s\n", json);
		fflush(stdout);
		wsb_free(json);
		CHECK(rc);
	}

	/* A terminal inside the sandbox works on every rung of the ladder. */
	{
		const char *targv[] = { "/bin/sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty", NULL };
		wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;

		o.argv = targv;
		o.cwd = "/";
		o.terminal = 1;
		CHECK(wsb_run(&p, pol, NULL, &o, NULL, 0) == WSB_OK);
		out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
		CHECK(wsb_process_exit_code(p) == 0 && out && strstr(out, "on-a-tty"));
		wsb_process_free(p);
	}
	wsb_policy_free(pol);

	/* A network allow-list needs the network namespace: the command reaches
	 * the proxy through it. Without one the network is missing, not "in
	 * force" through seccomp (which would also cut the proxy off). */
	pol = workspace(base);
	CHECK(pol);
	CHECK(wsb_policy_set_network(pol, WSB_NETWORK_ALLOWLIST) == WSB_OK);
	CHECK(wsb_policy_allow_host(pol, "pypi.test") == WSB_OK);
	CHECK(wsb_plan_create(&plan, pol, NULL) == WSB_OK);
	prot = wsb_plan_protections(plan);
	miss = plan->missing;
	wsb_plan_free(plan);
	if (userns_off) {
		CHECK(!(prot & WSB_PROT_NETWORK) && (miss & WSB_PROT_NETWORK));
		CHECK(sb_run(&p, pol, "write", path_of(base, "root/ran-allowlist"), NULL) == WSB_EUNAVAIL);
		CHECK(!exists(path_of(base, "root/ran-allowlist")));
	} else {
		CHECK((prot & WSB_PROT_NETWORK) && !(miss & WSB_PROT_NETWORK));
	}
	wsb_policy_free(pol);
	return 0;
}

#define SCENARIO(name) \
	static void test_##name##_as_root(void **state) { (void)state; as_root(sc_##name); } \
	static void test_##name##_as_user(void **state) { (void)state; as_user(sc_##name); }
#define BOTH(name) cmocka_unit_test(test_##name##_as_root), cmocka_unit_test(test_##name##_as_user)

SCENARIO(write_in_root)
SCENARIO(private_tmp)
SCENARIO(write_outside)
SCENARIO(symlink)
SCENARIO(hardlink_rename)
SCENARIO(git)
SCENARIO(git_out_of_reach)
SCENARIO(gitfile)
SCENARIO(gitfile_not_regular)
SCENARIO(deny_read)
SCENARIO(tcp)
SCENARIO(unix)
SCENARIO(relay_echo)
SCENARIO(relay_env)
SCENARIO(relay_concurrent)
SCENARIO(relay_freed)
SCENARIO(relay_target_refuses)
SCENARIO(relay_network_on)
SCENARIO(relay_plan)
SCENARIO(relay_bulk_half_close)
SCENARIO(relay_connection_limit)
SCENARIO(daemon)
SCENARIO(free_kills_tree)
SCENARIO(freed_inits_reaped)
SCENARIO(warm_namespaces)
SCENARIO(caller_death)
SCENARIO(tmp_cwd_and_git_symlink)
SCENARIO(tmp_host_readable)
SCENARIO(tmp_without_overlay)
SCENARIO(root_is_tmp)
SCENARIO(protected_name_vanishes)
SCENARIO(moved_protected_paths)
SCENARIO(fork_bomb)
SCENARIO(fork_bomb_without_cgroup)
SCENARIO(memory_hog)
SCENARIO(timeout)
SCENARIO(cpu_limit)
SCENARIO(inherited_fd)
SCENARIO(syscall_filter)
SCENARIO(exec_errors)
SCENARIO(exit_kinds)
SCENARIO(caller_reaps_children)
SCENARIO(caller_ignores_sigchld)
SCENARIO(fail_closed)
SCENARIO(landlock_abi_below_3)
SCENARIO(output_cap)
SCENARIO(read_after_end)
SCENARIO(plan)
SCENARIO(env_escapes)

/* The sandboxed helpers are this binary and linux_limit_helper beside it.
 * Run copies of them from a world-readable directory, so that uid 65534 can
 * execute them wherever the build tree is (a CI checkout may be under /root,
 * which is closed to other users). Returns 0 with both paths set, or -1. */
static char helper_dir[] = "/var/tmp/wsb-linux-helper-XXXXXX";

static int copy_helpers(void)
{
	char self[4096], limit[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || mkdtemp(helper_dir) == NULL || chmod(helper_dir, 0755) < 0)
		return -1;
	self[n] = '\0';
	snprintf(limit, sizeof(limit), "%.*s/linux_limit_helper",
		(int)(strrchr(self, '/') - self), self);
	snprintf(helper_path, sizeof(helper_path), "%s/linux_test_sandbox", helper_dir);
	snprintf(limit_helper_path, sizeof(limit_helper_path), "%s/linux_limit_helper", helper_dir);
	if (copy_file(self, helper_path) < 0 || copy_file(limit, limit_helper_path) < 0)
		return -1;
	/* the init server too, unless the in-process way is under test */
	if (getenv("WSB_TEST_NO_INITD"))
		wsb__lx_initd_off = 1;
	else if (use_initd_in(helper_dir) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		BOTH(write_in_root), BOTH(private_tmp), BOTH(write_outside), BOTH(symlink), BOTH(hardlink_rename),
		BOTH(git), BOTH(git_out_of_reach), BOTH(gitfile), BOTH(gitfile_not_regular), BOTH(deny_read), BOTH(tcp), BOTH(unix),
		BOTH(relay_echo), BOTH(relay_env), BOTH(relay_concurrent), BOTH(relay_freed),
		BOTH(relay_target_refuses), BOTH(relay_network_on), BOTH(relay_plan),
		BOTH(relay_bulk_half_close), BOTH(relay_connection_limit), BOTH(daemon),
		BOTH(free_kills_tree), BOTH(freed_inits_reaped), BOTH(caller_death), BOTH(tmp_cwd_and_git_symlink),
		BOTH(tmp_host_readable), BOTH(tmp_without_overlay), BOTH(root_is_tmp),
		BOTH(protected_name_vanishes), BOTH(moved_protected_paths),
		BOTH(fork_bomb), BOTH(fork_bomb_without_cgroup), BOTH(memory_hog), BOTH(timeout), BOTH(cpu_limit),
		BOTH(inherited_fd), BOTH(syscall_filter), BOTH(exec_errors), BOTH(exit_kinds), BOTH(caller_reaps_children), BOTH(caller_ignores_sigchld),
		BOTH(fail_closed), BOTH(landlock_abi_below_3),
		BOTH(output_cap), BOTH(read_after_end), BOTH(plan), BOTH(env_escapes),
		BOTH(warm_namespaces),
	};
	int failed;

	if (argc > 2 && strcmp(argv[1], "--probe") == 0) {
		/* the self-test's probe (env_escapes) */
		int rc = wsb_self_test_probe(argc - 2, (const char *const *)argv + 2);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	if (argc > 2 && strcmp(argv[1], "--helper") == 0) {
		/* _exit: no exit-time work (a leak checker would need a thread,
		 * which a process limit may refuse) */
		int rc = helper(argc - 2, argv + 2);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	if ((env_has("cgroup-ro") || env_has("cgroup-delegated")) && geteuid() != 0) {
		printf("skipped: WSB_TEST_ENV %s is made by root\n", getenv("WSB_TEST_ENV"));
		return 77;
	}
	if (copy_helpers() < 0) {
		perror("copying the test helpers to /var/tmp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (getenv("WSB_TEST_NO_REUSE"))  /* every spawn builds its namespaces afresh */
		wsb__lx_no_reuse = 1;
	if (getenv("WSB_TEST_FILTER"))  /* run some scenarios only, e.g. "*abi*" */
		cmocka_set_test_filter(getenv("WSB_TEST_FILTER"));
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(helper_path);
	unlink(limit_helper_path);
	unlink(path_of(helper_dir, "wsb-initd"));
	rmdir(helper_dir);
	return failed;
}
