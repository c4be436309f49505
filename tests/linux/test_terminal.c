/*
 * Terminals and event loops on the Linux backend, for real: a command run
 * with wsb_spawn_options.terminal gets a pseudo-terminal as its controlling
 * terminal (tty, stty, a Python REPL, Ctrl-C and Ctrl-Z in bash -i), no
 * descriptor leaks over 1,000 cycles, and 50 sandboxed processes are
 * waited on and read from one thread with epoll. Every scenario runs as
 * root and as uid 65534 (a forked child drops to it before using the API).
 * With WSB_TEST_ENV (harness.c) the terminal scenarios run on that rung of
 * the mechanism ladder (tests/linux/CMakeLists.txt: linux_terminal_env_*).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "wsandbox/wsandbox.h"
#include "harness.h"

/* Generous: the machine running the suite may be loaded. */
#define WAIT_MS 30000

/* The scenarios' policy. In a WSB_TEST_ENV environment (a rung of the
 * ladder, harness.c) what the rung cannot give is accepted as missing:
 * there the terminal is under test, not the protections, which env_escapes
 * (test_sandbox.c) checks in each environment. */
static wsb_policy *tty_workspace(const char *base)
{
	wsb_policy *pol = workspace(base);

	if (pol && getenv("WSB_TEST_ENV") &&
	    wsb_policy_allow_missing(pol, WSB_PROT_FS_WRITE | WSB_PROT_FS_PROTECTED |
		WSB_PROT_FS_DENY_READ | WSB_PROT_NETWORK | WSB_PROT_PROCESS_TREE |
		WSB_PROT_SYSCALL_FILTER) != WSB_OK) {
		wsb_policy_free(pol);
		return NULL;
	}
	return pol;
}

static int spawn_tty(wsb_process **out, const wsb_policy *pol, const char *const *argv,
	unsigned int cols, unsigned int rows)
{
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;

	o.argv = argv;
	o.terminal = 1;
	o.terminal_cols = cols;
	o.terminal_rows = rows;
	return wsb_spawn(out, pol, NULL, &o);
}

/* The terminal's output so far, searched from the start of the last call
 * to expect() that succeeded. */
typedef struct screen {
	char text[65536];
	size_t len, mark;
} screen;

/* Read until needle appears after the mark (then move the mark past it);
 * 0 on success, 1 on a timeout or end of output. */
static int expect(wsb_process *p, screen *s, const char *needle)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char *hit;
		size_t n = 0;
		long spent;

		s->text[s->len] = '\0';
		if ((hit = strstr(s->text + s->mark, needle)) != NULL) {
			s->mark = (size_t)(hit - s->text) + strlen(needle);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= WAIT_MS || s->len + 1 >= sizeof(s->text) ||
		    wsb_process_read(&n, p, WSB_STREAM_STDOUT, s->text + s->len,
			    sizeof(s->text) - s->len - 1, WAIT_MS - spent) != WSB_OK || n == 0) {
			fprintf(stderr, "did not see \"%s\"; the terminal showed:\n%s\n", needle,
				s->text + s->mark);
			return 1;
		}
		s->len += n;
	}
}

static int type(wsb_process *p, const char *keys)
{
	size_t n = 0;

	return wsb_process_write(&n, p, keys, strlen(keys)) == WSB_OK && n == strlen(keys) ? 0 : 1;
}

/* ------------------------------------------------------------ scenarios */

static int sc_tty_prints_pts(const char *base)
{
	static const char *const argv[] = { "tty", NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	screen s;

	memset(&s, 0, sizeof(s));
	CHECK(pol);
	CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
	CHECK(expect(p, &s, "/dev/pts/") == 0);
	CHECK(wsb_process_wait(p, WAIT_MS) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 0);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* Without a terminal the same command is told it has none. */
static int sc_no_terminal_by_default(const char *base)
{
	static const char *const argv[] = { "tty", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	size_t len = 0;
	const char *out;

	CHECK(pol);
	o.argv = argv;
	CHECK(wsb_run(&p, pol, NULL, &o, NULL, 0) == WSB_OK);
	out = wsb_process_output(&len, NULL, p, WSB_STREAM_STDOUT);
	CHECK(out && strstr(out, "not a tty") && wsb_process_exit_code(p) == 1);
	CHECK(wsb_process_resize(p, 80, 24) == WSB_ESTATE);
	wsb_process_free(p);
	/* A version-1 caller's struct has no terminal fields: whatever lies
	 * after it is not read. */
	o.version = 1;
	o.terminal = 1;
	CHECK(wsb_run(&p, pol, NULL, &o, NULL, 0) == WSB_OK);
	out = wsb_process_output(&len, NULL, p, WSB_STREAM_STDOUT);
	CHECK(out && strstr(out, "not a tty") && wsb_process_exit_code(p) == 1);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static int sc_stty_size_and_resize(const char *base)
{
	static const char *const argv[] = { "sh", "-c",
		"stty size; read line; stty size", NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	screen s;

	memset(&s, 0, sizeof(s));
	CHECK(pol);
	CHECK(spawn_tty(&p, pol, argv, 100, 30) == WSB_OK);
	CHECK(expect(p, &s, "30 100") == 0);
	CHECK(wsb_process_resize(p, 132, 43) == WSB_OK);
	CHECK(type(p, "\n") == 0);
	CHECK(expect(p, &s, "43 132") == 0);
	CHECK(wsb_process_wait(p, WAIT_MS) == WSB_OK);
	CHECK(wsb_process_exit_code(p) == 0);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

static int sc_python_repl(const char *base)
{
	static const char *const argv[] = { "/usr/bin/python3", "-q", NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	screen s;

	memset(&s, 0, sizeof(s));
	CHECK(pol);
	CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
	CHECK(expect(p, &s, ">>> ") == 0);
	CHECK(type(p, "import os, sys; print(os.isatty(0), 6 * 7)\r") == 0);
	CHECK(expect(p, &s, "True 42") == 0);
	CHECK(expect(p, &s, ">>> ") == 0);
	CHECK(type(p, "raise SystemExit(5)\r") == 0);
	CHECK(wsb_process_wait(p, WAIT_MS) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 5);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* Wait until a job other than the shell (fg0) holds the terminal and its
 * leader runs program (it has execed: before that, the shell's child may
 * still ignore the signal a key sends); 0 when it does. The master answers
 * TIOCGPGRP for its slave, in the caller's PID namespace. */
static int wait_foreground_job(wsb_process *p, pid_t fg0, const char *program)
{
	wsb_os_handle master;
	int i;

	if (wsb_process_stream_handle(&master, p, WSB_STREAM_STDOUT) != WSB_OK)
		return 1;
	for (i = 0; i < WAIT_MS / 10; i++) {
		pid_t fg = tcgetpgrp(master);
		char path[64], comm[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%ld/comm", (long)fg);
		if (fg > 0 && fg != fg0 && (f = fopen(path, "r")) != NULL) {
			int ok = fgets(comm, sizeof(comm), f) && strncmp(comm, program, strlen(program)) == 0;
			fclose(f);
			if (ok)
				return 0;
		}
		usleep(10000);
	}
	return 1;
}

static pid_t foreground(wsb_process *p)
{
	wsb_os_handle master;

	return wsb_process_stream_handle(&master, p, WSB_STREAM_STDOUT) == WSB_OK ?
		tcgetpgrp(master) : -1;
}

/* Ctrl-C stops the foreground job, not the shell; Ctrl-Z stops a job and
 * the shell's job control lists it. */
static int sc_bash_ctrl_c_and_job_control(const char *base)
{
	static const char *const argv[] = { "bash", "--norc", "--noprofile", "-i", NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	pid_t shell;
	screen s;

	memset(&s, 0, sizeof(s));
	CHECK(pol);
	CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
	/* The quotes keep the typed-in echo from matching the output. */
	CHECK(type(p, "PS1='$ '; echo rea''dy\r") == 0);
	CHECK(expect(p, &s, "ready") == 0);
	CHECK(strstr(s.text, "no job control") == NULL);
	/* The shell's own process group holds the terminal at its prompt. */
	CHECK((shell = foreground(p)) > 0);
	CHECK(type(p, "echo sleep''ing; sleep 100\r") == 0);
	CHECK(expect(p, &s, "sleeping") == 0);
	CHECK(wait_foreground_job(p, shell, "sleep") == 0);
	CHECK(type(p, "\003") == 0);
	CHECK(type(p, "echo status $?; echo al''ive\r") == 0);
	CHECK(expect(p, &s, "status 130") == 0);
	CHECK(expect(p, &s, "alive") == 0);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_RUNNING);
	CHECK(type(p, "echo sleep''ing; sleep 100\r") == 0);
	CHECK(expect(p, &s, "sleeping") == 0);
	CHECK(wait_foreground_job(p, shell, "sleep") == 0);
	CHECK(type(p, "\032") == 0);
	CHECK(expect(p, &s, "Stopped") == 0);
	/* Back to the foreground (the shell hands it the terminal again). */
	CHECK(type(p, "fg\r") == 0);
	CHECK(expect(p, &s, "sleep 100") == 0);
	CHECK(wait_foreground_job(p, shell, "sleep") == 0);
	CHECK(type(p, "\003") == 0);
	CHECK(type(p, "echo status $?; jobs; echo jo''bs listed\r") == 0);
	CHECK(expect(p, &s, "status 130") == 0);
	CHECK(expect(p, &s, "jobs listed") == 0);
	CHECK(strstr(s.text + s.mark - 20, "Stopped") == NULL);
	CHECK(type(p, "exit 3\r") == 0);
	if (wsb_process_wait(p, WAIT_MS) != WSB_OK) {
		expect(p, &s, "(the end)");
		CHECK(!"bash ended after exit 3");
	}
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_NORMAL && wsb_process_exit_code(p) == 3);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* The sandbox holds with a terminal: a write outside the roots, a write to
 * .git inside one and the network are refused; a write in a root works. */
static int sc_enforced_with_terminal(const char *base)
{
	char script[2048], outside[256], git[256], inside[256];
	const char *argv[] = { "sh", "-c", script, NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	screen s;

	memset(&s, 0, sizeof(s));
	CHECK(pol);
	snprintf(outside, sizeof(outside), "%s/outside.txt", base);
	snprintf(inside, sizeof(inside), "%s/root/inside.txt", base);
	snprintf(git, sizeof(git), "%s/root/.git", base);
	CHECK(mkdir(git, 0755) == 0);
	snprintf(git, sizeof(git), "%s/root/.git/config", base);
	/* bash's /dev/tcp is a plain connect(2) to a port nothing needs to
	 * listen on: with the network off it fails before reaching anything. */
	snprintf(script, sizeof(script),
		"echo x > '%s' && echo inside-ok; "
		"echo x > '%s' 2>/dev/null || echo outside-refused; "
		"echo x > '%s' 2>/dev/null || echo git-refused; "
		"bash -c 'echo > /dev/tcp/127.0.0.1/9' 2>/dev/null || echo net-refused; "
		"[ -t 0 ] && [ -t 1 ] && echo on-a-tty",
		inside, outside, git);
	CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
	CHECK(expect(p, &s, "inside-ok") == 0);
	CHECK(expect(p, &s, "outside-refused") == 0);
	CHECK(expect(p, &s, "git-refused") == 0);
	CHECK(expect(p, &s, "net-refused") == 0);
	CHECK(expect(p, &s, "on-a-tty") == 0);
	CHECK(wsb_process_wait(p, WAIT_MS) == WSB_OK);
	CHECK(access(outside, F_OK) != 0 && access(git, F_OK) != 0 && access(inside, F_OK) == 0);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* The command reaches its own terminal and no other: TIOCSTI is refused
 * even into its own, /dev/tty is its own, another terminal of the same
 * user is refused (Landlock: /dev/pts is outside the writable set), and so
 * is a new one from /dev/ptmx. */
static int sc_terminal_confined(const char *base)
{
	char script[1024], other[128];
	const char *argv[] = { "/usr/bin/python3", "-c", script, NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	screen s;
	int m;

	memset(&s, 0, sizeof(s));
	CHECK(pol);
	CHECK((m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0);
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0 && ptsname_r(m, other, sizeof(other)) == 0);
	snprintf(script, sizeof(script),
		"import fcntl, os, termios\n"
		"def tried(what, f):\n"
		"    try:\n"
		"        f(); print(what + '-worked')\n"
		"    except OSError as e:\n"
		"        print(what + '-refused', e.errno)\n"
		"tried('inject', lambda: fcntl.ioctl(0, termios.TIOCSTI, b'x'))\n"
		"tried('other', lambda: os.open('%s', os.O_WRONLY))\n"
		"tried('ptmx', os.openpty)\n"
		"os.write(os.open('/dev/tty', os.O_WRONLY), b'own-' + b'tty\\n')\n", other);
	CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
	CHECK(expect(p, &s, "inject-refused") == 0);
	CHECK(expect(p, &s, "other-refused") == 0);
	CHECK(expect(p, &s, "ptmx-refused") == 0);
	CHECK(expect(p, &s, "own-tty") == 0);
	CHECK(wsb_process_wait(p, WAIT_MS) == WSB_OK);
	CHECK(wsb_process_exit_code(p) == 0);
	close(m);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

/* 1,000 cycles with a terminal: half freed while running, half after the
 * end with every handle asked for; the descriptor count is unchanged. */
static int sc_thousand_cycles_leak_nothing(const char *base)
{
	static const char *const argv[] = { "true", NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *first = NULL;
	int before, after, i;

	CHECK(pol);
	/* The second spawn under a policy makes its warm network namespace
	 * (netns.c) and init server (initd.c), whose descriptors the library
	 * keeps for the next. */
	for (i = 0; i < 2; i++) {
		CHECK(spawn_tty(&first, pol, argv, 0, 0) == WSB_OK);
		wsb_process_free(first);
	}
	before = count_fds("/proc/self/fd");
	for (i = 0; i < 1000; i++) {
		wsb_process *p = NULL;
		wsb_os_handle h;

		CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
		if (i % 2) {
			CHECK(wsb_process_waitable(&h, p) == WSB_OK);
			CHECK(wsb_process_stream_handle(&h, p, WSB_STREAM_STDOUT) == WSB_OK);
			CHECK(wsb_process_stream_handle(&h, p, WSB_STREAM_STDIN) == WSB_OK);
			CHECK(wsb_process_wait(p, WAIT_MS) == WSB_OK);
		}
		wsb_process_free(p);
	}
	/* No delay: wsb_process_free returns once init is reaped. */
	after = count_fds("/proc/self/fd");
	if (before != after)
		fprintf(stderr, "descriptors: %d before, %d after\n", before, after);
	CHECK(before == after && before > 0);
	wsb_policy_free(pol);
	return 0;
}

/* 50 processes from one thread: epoll on every waitable handle and stdout
 * handle; each prints its number and exits with it. */
#define FLEET 50

static int sc_epoll_fifty(const char *base)
{
	wsb_policy *pol = tty_workspace(base);
	wsb_process *procs[FLEET];
	char out[FLEET][64], script[FLEET][96];
	size_t out_len[FLEET];
	int ended[FLEET], eof[FLEET], ep, i, left = FLEET * 2;
	struct timespec t0, t;

	CHECK(pol);
	CHECK((ep = epoll_create1(EPOLL_CLOEXEC)) >= 0);
	memset(out_len, 0, sizeof(out_len));
	memset(ended, 0, sizeof(ended));
	memset(eof, 0, sizeof(eof));
	for (i = 0; i < FLEET; i++) {
		const char *argv[] = { "sh", "-c", script[i], NULL };
		wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
		wsb_os_handle w, r;
		struct epoll_event ev;

		/* Staggered ends, so that readiness really comes in any order. */
		snprintf(script[i], sizeof(script[i]), "sleep 0.%d; echo proc-%d; exit %d",
			(i * 7) % 10, i, i);
		o.argv = argv;
		CHECK(wsb_spawn(&procs[i], pol, NULL, &o) == WSB_OK);
		CHECK(wsb_process_waitable(&w, procs[i]) == WSB_OK);
		CHECK(wsb_process_stream_handle(&r, procs[i], WSB_STREAM_STDOUT) == WSB_OK);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i * 2;
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, w, &ev) == 0);
		ev.data.u32 = (uint32_t)i * 2 + 1;
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev) == 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		struct epoll_event evs[16];
		int n, k;

		clock_gettime(CLOCK_MONOTONIC, &t);
		CHECK(t.tv_sec - t0.tv_sec < 120);
		n = epoll_wait(ep, evs, 16, 1000);
		CHECK(n >= 0 || errno == EINTR);
		for (k = 0; k < n; k++) {
			int idx = (int)(evs[k].data.u32 / 2);
			wsb_os_handle h;

			if (evs[k].data.u32 % 2 == 0) {
				/* Ready means ended: waiting does not block. */
				CHECK(wsb_process_wait(procs[idx], 0) == WSB_OK);
				CHECK(wsb_process_waitable(&h, procs[idx]) == WSB_OK);
				CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, h, NULL) == 0);
				ended[idx] = 1;
				left--;
			} else {
				size_t got = 0;
				CHECK(wsb_process_read(&got, procs[idx], WSB_STREAM_STDOUT,
					out[idx] + out_len[idx], sizeof(out[idx]) - 1 - out_len[idx], 0) == WSB_OK);
				out_len[idx] += got;
				if (got == 0) {
					CHECK(wsb_process_stream_handle(&h, procs[idx], WSB_STREAM_STDOUT) == WSB_OK);
					CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, h, NULL) == 0);
					eof[idx] = 1;
					left--;
				}
			}
		}
	}
	for (i = 0; i < FLEET; i++) {
		char want[32];

		out[i][out_len[i]] = '\0';
		snprintf(want, sizeof(want), "proc-%d\n", i);
		CHECK(ended[i] && eof[i] && strcmp(out[i], want) == 0);
		CHECK(wsb_process_exit_kind(procs[i]) == WSB_EXIT_NORMAL);
		CHECK(wsb_process_exit_code(procs[i]) == i);
		wsb_process_free(procs[i]);
	}
	close(ep);
	wsb_policy_free(pol);
	return 0;
}

/* A tree killed by its wall-clock limit makes its waitable handle ready
 * without anyone calling into the library. */
static int sc_waitable_on_timeout(const char *base)
{
	static const char *const argv[] = { "sleep", "100", NULL };
	wsb_policy *pol = tty_workspace(base);
	wsb_process *p = NULL;
	wsb_os_handle w;
	struct epoll_event ev;
	int ep;

	CHECK(pol);
	CHECK(wsb_policy_set_limit(pol, WSB_LIMIT_TIMEOUT, 300) == WSB_OK);
	CHECK(spawn_tty(&p, pol, argv, 0, 0) == WSB_OK);
	CHECK(wsb_process_waitable(&w, p) == WSB_OK);
	CHECK((ep = epoll_create1(EPOLL_CLOEXEC)) >= 0);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, w, &ev) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0);
	CHECK(epoll_wait(ep, &ev, 1, WAIT_MS) == 1);
	CHECK(wsb_process_wait(p, 0) == WSB_OK);
	CHECK(wsb_process_exit_kind(p) == WSB_EXIT_TIMEOUT);
	close(ep);
	wsb_process_free(p);
	wsb_policy_free(pol);
	return 0;
}

#define SCENARIO(name) \
	static void name##_root(void **st) { (void)st; as_root(sc_##name); } \
	static void name##_user(void **st) { (void)st; as_user(sc_##name); }
#define BOTH(name) cmocka_unit_test(name##_root), cmocka_unit_test(name##_user)

SCENARIO(tty_prints_pts)
SCENARIO(no_terminal_by_default)
SCENARIO(stty_size_and_resize)
SCENARIO(python_repl)
SCENARIO(bash_ctrl_c_and_job_control)
SCENARIO(enforced_with_terminal)
SCENARIO(terminal_confined)
SCENARIO(thousand_cycles_leak_nothing)
SCENARIO(epoll_fifty)
SCENARIO(waitable_on_timeout)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(tty_prints_pts), BOTH(no_terminal_by_default), BOTH(stty_size_and_resize),
		BOTH(python_repl), BOTH(bash_ctrl_c_and_job_control), BOTH(enforced_with_terminal),
		BOTH(terminal_confined), BOTH(thousand_cycles_leak_nothing), BOTH(epoll_fifty),
		BOTH(waitable_on_timeout),
	};
	/* On a rung of the ladder: the terminal's own behaviour, not the full
	 * sandbox's protections (enforced_with_terminal, terminal_confined)
	 * nor the long leak and load runs. */
	const struct CMUnitTest rung[] = {
		BOTH(tty_prints_pts), BOTH(no_terminal_by_default), BOTH(stty_size_and_resize),
		BOTH(python_repl), BOTH(bash_ctrl_c_and_job_control), BOTH(waitable_on_timeout),
	};

	char dir[] = "/var/tmp/wsb-terminal-XXXXXX";
	int failed;

	if (getenv("WSB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WSB_TEST_FILTER"));
	if (getenv("WSB_TEST_ENV") && (env_has("cgroup-ro") || env_has("cgroup-delegated")) &&
	    geteuid() != 0) {
		printf("skipped: WSB_TEST_ENV %s is made by root\n", getenv("WSB_TEST_ENV"));
		return 77;
	}
	/* warm spawns through the init server, which uid 65534 can run */
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0 || use_initd_in(dir) < 0) {
		perror("copying the init server to /var/tmp");
		return 1;
	}
	if (getenv("WSB_TEST_ENV"))
		failed = cmocka_run_group_tests(rung, NULL, NULL);
	else
		failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path_of(dir, "wsb-initd"));
	rmdir(dir);
	return failed;
}
