/*
 * Linux backend benchmark (not a test: it prints figures measured side by
 * side in one run).
 *  1. Spawn overhead of /bin/true, interleaved: bare posix_spawn, our
 *     sandbox warm (the reused network namespace, netns.c) and cold (reuse
 *     off), bubblewrap with an equivalent policy (read-only root, one
 *     writable root, private /tmp, new PID and network namespaces, new
 *     session), and a floor: new user, mount and PID namespaces made by a
 *     copy of the caller that vforks and execs the command, nothing else:
 *     the least any sandbox whose init is made that way per command costs;
 *     and a second floor, "prepared": the init made instead by a small
 *     process prepared once (this program executed again, in new user and
 *     network namespaces), with CLONE_PARENT, a tmpfs on /tmp and the
 *     command's vfork+exec: what a design with such a server could reach.
 *     Warm is measured the way the library picks for this caller (a small
 *     one: in-process, the inits cloned from the caller) and through the
 *     policy's init server (initd.c, wsb-initd: the inits cloned from it).
 *     As the calling user, and as uid 65534 when run as root.
 *  2. 1 GB through stdout with a 10 MB capture cap vs an unsandboxed pipe.
 *  3. Peak RSS and live library allocations over 100 sandboxed runs.
 *  4. Peak RSS, live allocations and open descriptors over many warm spawns.
 *  5. Bare, warm (served and in-process) and both floors from a caller
 *     holding 256 MiB (an agent runtime's size): posix_spawn does not copy
 *     the caller, a sandbox's init made per command as a copy of it does,
 *     one cloned from the init server or a prepared process does not.
 * Usage: linux_spawn_bench [runs [warm_spawns]]   (default 1000, 10000)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsandbox/wsandbox.h"
#include "core/common.h"
#include "linux/linux.h"

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_plain(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int run_ours(const wsb_policy *pol)
{
	static const char *const argv[] = { "/bin/true", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	int ok;

	o.argv = argv;
	o.cwd = "/";
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	if (wsb_spawn(&p, pol, NULL, &o) != WSB_OK) {
		fprintf(stderr, "wsb_spawn: %s\n", wsb_error_message(NULL));
		return -1;
	}
	ok = wsb_process_wait(p, -1) == WSB_OK && wsb_process_exit_kind(p) == WSB_EXIT_NORMAL &&
		wsb_process_exit_code(p) == 0;
	wsb_process_free(p);
	return ok ? 0 : -1;
}

/* The library's threshold for the init server (initd.c), as built. */
static unsigned long min_anon_default;

/* 1 if the policy's warm init comes from the init server (a clone of it
 * bears its name). */
static int served(const wsb_policy *pol)
{
	static const char *const argv[] = { "/bin/sleep", "30", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	char path[64], name[32] = "";
	ssize_t n = -1;
	int fd;

	o.argv = argv;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	if (wsb_spawn(&p, pol, NULL, &o) != WSB_OK)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", wsb_process_pid(p));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, name, sizeof(name) - 1);
		close(fd);
	}
	wsb_process_free(p);
	return n > 0 && strncmp(name, "wsb-initd", 9) == 0;
}

/* A floor's init: the command's vfork+exec, its status as init's. */
static void __attribute__((noreturn)) floor_init(void)
{
	pid_t cmd = vfork();
	int st;

	if (cmd == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/bin/true", "/bin/true", (char *)NULL);
		_exit(127);
	}
	if (cmd < 0 || waitpid(cmd, &st, 0) != cmd)
		_exit(1);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

/* The floor (see the top): no maps written, no mounts, no Landlock or
 * seccomp, no pipes. */
static int run_floor(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | SIGCHLD,
		NULL, NULL, NULL, NULL);
	int st;

	if (pid == 0)
		floor_init();
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

/* The prepared floor's server: for each byte read, an init in new PID and
 * mount namespaces, the caller's child (CLONE_PARENT), whose pid is
 * written back. */
static int prepared_serve(void)
{
	char c;

	while (read(0, &c, 1) == 1) {
		long pid = syscall(SYS_clone, CLONE_PARENT | CLONE_NEWPID | CLONE_NEWNS | SIGCHLD,
			NULL, NULL, NULL, NULL);
		if (pid == 0) {
			mount("none", "/tmp", "tmpfs", 0, NULL);
			floor_init();
		}
		if (write(1, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
			return 1;
	}
	return 0;
}

static struct prepared {
	pid_t pid;
	int to, from;
} prep = { -1, -1, -1 };
/* This program, opened while still root: uid 65534 may not be able to
 * reach the build tree by path. */
static int self_exe = -1;

static void write_map(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0) {
			/* the server then fails its clone; the figure says n/a */
		}
		close(fd);
	}
}

static void prepared_start(void)
{
	int to[2], from[2];
	char umap[64], gmap[64];

	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		return;
	/* uid 0 inside, so that the server keeps its capabilities over exec */
	snprintf(umap, sizeof(umap), "0 %d 1", (int)getuid());
	snprintf(gmap, sizeof(gmap), "0 %d 1", (int)getgid());
	prep.pid = fork();
	if (prep.pid == 0) {
		/* a process that changed uid is not dumpable: its /proc files
		 * would be root's */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(1);
		write_map("/proc/self/setgroups", "deny");
		write_map("/proc/self/uid_map", umap);
		write_map("/proc/self/gid_map", gmap);
		dup2(to[0], 0);
		dup2(from[1], 1);
		{
			static char *const args[] = { "linux_spawn_bench", "--prepared", NULL };
			syscall(SYS_execveat, self_exe, "", args, environ, AT_EMPTY_PATH);
		}
		_exit(1);
	}
	close(to[0]);
	close(from[1]);
	prep.to = to[1];
	prep.from = from[0];
}

static void prepared_stop(void)
{
	if (prep.pid <= 0)
		return;
	close(prep.to);
	close(prep.from);
	waitpid(prep.pid, NULL, 0);
	prep.pid = prep.to = prep.from = -1;
}

static int run_prepared(void)
{
	long pid;
	int st;
	char c = 1;

	if (prep.pid <= 0 || write(prep.to, &c, 1) != 1 ||
	    read(prep.from, &pid, sizeof(pid)) != (ssize_t)sizeof(pid) || pid <= 0)
		return -1;
	if (waitpid((pid_t)pid, &st, 0) != (pid_t)pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of v, left as it is: the samples stay paired by round for
 * the ratios taken after (sorting them in place had paired warm with
 * another round's floor). */
static double median(const double *v, int n)
{
	double *c = malloc((size_t)n * sizeof(*v)), m;

	if (!c)
		return 0;
	memcpy(c, v, (size_t)n * sizeof(*v));
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* The median of the per-round ratios a[i] / b[i] (tmp: runs doubles). */
static double median_ratio(const double *a, const double *b, int runs, double *tmp)
{
	int i;

	for (i = 0; i < runs; i++)
		tmp[i] = a[i] / b[i];
	return median(tmp, runs);
}

static void spawn_bench(int runs, const char *who)
{
	char root[] = "/var/tmp/wsb-bench-XXXXXX";
	char *bw[] = { "/usr/bin/bwrap", "--ro-bind", "/", "/", "--bind", root, root,
		"--tmpfs", "/tmp", "--proc", "/proc", "--unshare-pid", "--unshare-net",
		"--new-session", "--die-with-parent", "/bin/true", NULL };
	char *bare[] = { "/bin/true", NULL };
	double t_bare = 0, t_ours = 0, t_bw = 0, t0, d;
	double *s_bare = calloc((size_t)runs, sizeof(double));
	double *s_ours = calloc((size_t)runs, sizeof(double));
	double *s_bw = calloc((size_t)runs, sizeof(double));
	double *s_same = calloc((size_t)runs, sizeof(double));
	double *s_cold = calloc((size_t)runs, sizeof(double));
	double *s_floor = calloc((size_t)runs, sizeof(double));
	double *s_prep = calloc((size_t)runs, sizeof(double));
	double *s_served = calloc((size_t)runs, sizeof(double));
	double *s_r = calloc((size_t)runs, sizeof(double));
	wsb_policy *pol = NULL;
	int i, have_bw = access(bw[0], X_OK) == 0, bw_ok = have_bw, prep_ok;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return;
	}
	wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE);
	wsb_policy_allow_write(pol, root);
	prepared_start();
	/* warm up each */
	run_plain(bare);
	prep_ok = run_prepared() == 0;
	if (run_ours(pol) < 0 || run_ours(pol) < 0)
		goto out;
	{
		int ok;
		wsb__lx_initd_min_anon = 0;
		ok = served(pol);
		wsb__lx_initd_min_anon = min_anon_default;
		printf("init server (%s): %s; this caller's warm spawns go %s\n",
			wsb__lx_initd_path ? wsb__lx_initd_path : "none", ok ? "runs" : "does not run here",
			wsb__lx_initd_wanted() ? "through it" : "in-process");
	}
	if (have_bw && run_plain(bw) < 0) {
		fprintf(stderr, "bwrap does not run here as %s; skipping it\n", who);
		bw_ok = 0;
	}
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		run_plain(bare);
		d = now_ms() - t0;
		t_bare += d;
		s_bare[i] = d;
		t0 = now_ms();
		run_ours(pol);
		d = now_ms() - t0;
		t_ours += d;
		s_ours[i] = d;
		if (bw_ok) {
			t0 = now_ms();
			run_plain(bw);
			d = now_ms() - t0;
			t_bw += d;
			s_bw[i] = d;
		}
		/* The same /tmp as bwrap's --tmpfs /tmp: an empty tmpfs instead of
		 * the overlay that shows the host's files (the path a kernel
		 * without overlayfs takes). */
		wsb__lx_fake_missing = WSB__LX_FAKE_NO_OVERLAY;
		t0 = now_ms();
		run_ours(pol);
		s_same[i] = now_ms() - t0;
		wsb__lx_fake_missing = 0;
		/* Warm through the init server, whatever the caller's size. */
		wsb__lx_initd_min_anon = 0;
		t0 = now_ms();
		run_ours(pol);
		s_served[i] = now_ms() - t0;
		wsb__lx_initd_min_anon = min_anon_default;
		/* Cold: every namespace made for this command alone. */
		wsb__lx_no_reuse = 1;
		t0 = now_ms();
		run_ours(pol);
		s_cold[i] = now_ms() - t0;
		wsb__lx_no_reuse = 0;
		t0 = now_ms();
		run_floor();
		s_floor[i] = now_ms() - t0;
		if (prep_ok) {
			t0 = now_ms();
			run_prepared();
			s_prep[i] = now_ms() - t0;
		}
	}
	printf("spawn /bin/true as %s, %d interleaved runs each (mean ms per run):\n", who, runs);
	printf("  bare %.3f  ours %.3f  bwrap %s%.3f\n", t_bare / runs, t_ours / runs,
		bw_ok ? "" : "n/a ", bw_ok ? t_bw / runs : 0.0);
	printf("  ours/bare %.2fx", t_ours / t_bare);
	if (bw_ok)
		printf("  bwrap/bare %.2fx  ours/bwrap %.2fx (target <= 0.50)", t_bw / t_bare, t_ours / t_bw);
	printf("\n");
	{
		double mb = median(s_bare, runs), mo = median(s_ours, runs);
		double mw = bw_ok ? median(s_bw, runs) : 0;
		printf("  medians: bare %.3f  ours %.3f  bwrap %.3f  ours/bwrap %.2fx (less sensitive to a loaded machine)\n",
			mb, mo, mw, bw_ok ? mo / mw : 0.0);
	}
	if (bw_ok) {
		/* Each run's ours/bwrap pair is measured back to back, so the
		 * median of the pair ratios follows the load from other work
		 * least of all. */
		printf("  median of the %d per-run ratios ours/bwrap %.2fx\n", runs,
			median_ratio(s_ours, s_bw, runs, s_r));
		printf("  same /tmp as bwrap (empty tmpfs, no overlay): ours median %.3f ms, "
			"median per-run ratio ours/bwrap %.2fx (target <= 0.50)\n",
			median(s_same, runs), median_ratio(s_same, s_bw, runs, s_r));
	}
	/* Warm against cold, each against bare fork+exec and bwrap, as the
	 * median of the ratios of runs measured back to back. */
	printf("  warm (reused network namespace, the way the library picks): median %.3f ms, median per-run ratio "
		"warm/bare %.2fx (target <= 1.50)", median(s_ours, runs), median_ratio(s_ours, s_bare, runs, s_r));
	if (bw_ok) {
		printf(", warm/bwrap %.2fx", median_ratio(s_ours, s_bw, runs, s_r));
	}
	printf("\n  warm through the init server: median %.3f ms, median per-run ratio "
		"served/bare %.2fx", median(s_served, runs), median_ratio(s_served, s_bare, runs, s_r));
	printf(", served/warm %.2fx", median_ratio(s_served, s_ours, runs, s_r));
	printf("\n  cold (reuse off): median per-run ratio cold/bare %.2fx", median_ratio(s_cold, s_bare, runs, s_r));
	if (bw_ok) {
		printf(", cold/bwrap %.2fx (target <= 0.50)", median_ratio(s_cold, s_bw, runs, s_r));
	}
	printf(", warm/cold %.2fx; cold median %.3f ms\n", median_ratio(s_ours, s_cold, runs, s_r), median(s_cold, runs));
	printf("  floor (namespaces + vfork+exec from a copy of the caller, nothing else): median %.3f ms, "
		"median per-run ratio floor/bare %.2fx", median(s_floor, runs), median_ratio(s_floor, s_bare, runs, s_r));
	printf(", warm/floor %.2fx\n", median_ratio(s_ours, s_floor, runs, s_r));
	if (prep_ok) {
		printf("  prepared floor (init made by a small prepared process): median %.3f ms, "
			"median per-run ratio prepared/bare %.2fx\n", median(s_prep, runs), median_ratio(s_prep, s_bare, runs, s_r));
	}
out:
	free(s_bare);
	free(s_ours);
	free(s_bw);
	free(s_same);
	free(s_cold);
	free(s_floor);
	free(s_prep);
	free(s_served);
	free(s_r);
	prepared_stop();
	wsb_policy_free(pol);
	rmdir(root);
}

/* 1b: bare, warm and the floor from a caller holding `mib` MiB of touched
 * memory, interleaved, as medians. */
static void big_caller_bench(int runs, size_t mib)
{
	char root[] = "/var/tmp/wsb-bench-XXXXXX";
	char *bare[] = { "/bin/true", NULL };
	double *s[5], t0, r[5];
	size_t len = mib << 20;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	wsb_policy *pol = NULL;
	int i, k, prep_ok;

	if (mem == MAP_FAILED || !mkdtemp(root)) {
		perror("big caller");
		return;
	}
	memset(mem, 1, len);
	for (k = 0; k < 5; k++)
		s[k] = calloc((size_t)runs, sizeof(double));
	wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE);
	wsb_policy_allow_write(pol, root);
	run_ours(pol);
	run_ours(pol);
	prepared_start();  /* forked from the big caller, but executed afresh */
	prep_ok = run_prepared() == 0;
	for (i = 0; i < runs; i++) {
		t0 = now_ms();
		run_plain(bare);
		s[0][i] = now_ms() - t0;
		t0 = now_ms();
		run_ours(pol);
		s[1][i] = now_ms() - t0;
		t0 = now_ms();
		run_floor();
		s[2][i] = now_ms() - t0;
		if (prep_ok) {
			t0 = now_ms();
			run_prepared();
			s[3][i] = now_ms() - t0;
		}
		wsb__lx_initd_off = 1;
		t0 = now_ms();
		run_ours(pol);
		s[4][i] = now_ms() - t0;
		wsb__lx_initd_off = 0;
	}
	prepared_stop();
	for (k = 0; k < 5; k++)
		r[k] = median(s[k], runs);
	printf("a caller of %lu MiB, %d interleaved runs: medians bare %.3f ms, warm (%s) %.3f ms (%.2fx bare), "
		"warm in-process %.3f ms (%.2fx bare), floor %.3f ms (%.2fx bare)", (unsigned long)mib, runs,
		r[0], wsb__lx_initd_wanted() ? "through the init server" : "in-process", r[1], r[1] / r[0],
		r[4], r[4] / r[0], r[2], r[2] / r[0]);
	if (prep_ok)
		printf(", prepared floor %.3f ms (%.2fx bare)", r[3], r[3] / r[0]);
	printf("\n");
	for (k = 0; k < 5; k++)
		free(s[k]);
	wsb_policy_free(pol);
	rmdir(root);
	munmap(mem, len);
}

static void throughput_bench(void)
{
	static const char *const argv[] = { "/usr/bin/head", "-c", "1073741824", "/dev/zero", NULL };
	static char buf[1 << 16];
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *pol = NULL;
	wsb_process *p = NULL;
	double t0, t_pipe, t_ours;
	int fds[2], st, trunc = 0;
	long long total = 0;
	size_t kept = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		total += n;
	close(fds[0]);
	waitpid(pid, &st, 0);
	t_pipe = now_ms() - t0;

	wsb_policy_create(&pol, WSB_MODE_READ_ONLY);
	wsb_policy_set_limit(pol, WSB_LIMIT_OUTPUT, 10u << 20);
	o.argv = argv;
	o.cwd = "/";
	t0 = now_ms();
	if (wsb_run(&p, pol, NULL, &o, NULL, 0) != WSB_OK) {
		fprintf(stderr, "wsb_run: %s\n", wsb_error_message(NULL));
		wsb_policy_free(pol);
		return;
	}
	t_ours = now_ms() - t0;
	wsb_process_output(&kept, &trunc, p, WSB_STREAM_STDOUT);
	printf("1 GiB through stdout: unsandboxed pipe %.0f ms (%lld bytes read), "
		"ours with a 10 MiB cap %.0f ms (kept %lu, truncated %d, exit kind %d): ratio %.2fx (target <= 2)\n",
		t_pipe, total, t_ours, (unsigned long)kept, trunc, wsb_process_exit_kind(p), t_ours / t_pipe);
	wsb_process_free(p);
	wsb_policy_free(pol);
}

static void memory_bench(void)
{
	static const char *const argv[] = { "/bin/echo", "hello", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *pol = NULL;
	struct rusage ru;
	long rss10 = 0, live10 = 0;
	int i;

	wsb_policy_create(&pol, WSB_MODE_READ_ONLY);
	o.argv = argv;
	o.cwd = "/";
	for (i = 1; i <= 100; i++) {
		wsb_process *p = NULL;
		if (wsb_run(&p, pol, NULL, &o, NULL, 0) != WSB_OK) {
			fprintf(stderr, "wsb_run: %s\n", wsb_error_message(NULL));
			break;
		}
		wsb_process_free(p);
		if (i == 10) {
			getrusage(RUSAGE_SELF, &ru);
			rss10 = ru.ru_maxrss;
			live10 = wsb__alloc_live();
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("100 runs of wsb_run(echo): peak RSS after 10 runs %ld KiB, after 100 runs %ld KiB; "
		"live allocations after 10: %ld, after 100: %ld\n", rss10, ru.ru_maxrss, live10,
		wsb__alloc_live());
	wsb_policy_free(pol);
}

static int open_fds(void)
{
	char path[32];
	int fd, n = 0;

	for (fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* The caller's memory and descriptors over many warm spawns: after the
 * first ones (which make the warm namespace) nothing may grow. */
static void warm_flat_bench(int spawns)
{
	char root[] = "/var/tmp/wsb-bench-XXXXXX";
	wsb_policy *pol = NULL;
	struct rusage ru;
	long rss_first = 0, live_first = 0;
	int i, fds_first = 0;
	double t0 = now_ms();

	if (!mkdtemp(root))
		return;
	wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE);
	wsb_policy_allow_write(pol, root);
	for (i = 1; i <= spawns; i++) {
		if (run_ours(pol) < 0)
			break;
		if (i == 100) {
			getrusage(RUSAGE_SELF, &ru);
			rss_first = ru.ru_maxrss;
			live_first = wsb__alloc_live();
			fds_first = open_fds();
		}
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("%d warm spawns of /bin/true (%.2f ms each): peak RSS after 100 %ld KiB, after %d %ld KiB; "
		"live allocations %ld -> %ld; open descriptors %d -> %d\n", i - 1,
		(now_ms() - t0) / (i > 1 ? i - 1 : 1), rss_first, i - 1, ru.ru_maxrss, live_first,
		wsb__alloc_live(), fds_first, open_fds());
	wsb_policy_free(pol);
	rmdir(root);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 1000;
	int warm_spawns = argc > 2 ? atoi(argv[2]) : 10000;
	pid_t pid;
	int st;

	if (argc > 1 && strcmp(argv[1], "--prepared") == 0)
		return prepared_serve();
	self_exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	min_anon_default = wsb__lx_initd_min_anon;
#ifdef WSB_BENCH_INITD
	/* linked statically: the server is the one this build made */
	wsb__lx_initd_path = WSB_BENCH_INITD;
#endif
	if (runs <= 0)
		runs = 1000;
	signal(SIGPIPE, SIG_IGN);
	spawn_bench(runs, geteuid() == 0 ? "root" : "the calling user");
	if (geteuid() == 0) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
				_exit(1);
			spawn_bench(runs, "uid 65534");
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, &st, 0);
	}
	throughput_bench();
	memory_bench();
	if (warm_spawns > 100)
		warm_flat_bench(warm_spawns);
	big_caller_bench(runs < 100 ? runs : 100, 256);
	return 0;
}
