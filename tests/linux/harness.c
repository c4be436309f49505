/*
 * The Linux tests' harness (harness.h): each scenario runs in a forked
 * child, as root or dropped to uid 65534, in the environment WSB_TEST_ENV
 * names, made for real in that child before it uses the API.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "harness.h"
#include "linux/linux.h"

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	remove(path);
	return 0;
}

void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- environments (WSB_TEST_ENV, a comma-separated list): the machine
 * as a container or a hardened distribution would leave it, made for real
 * in the scenario's process before it uses the API:
 *   userns-off        a user namespace whose user.max_user_namespaces is 0
 *                     (no further user namespace can be created)
 *   no-landlock       a seccomp filter answering ENOSYS to landlock_*
 *   abi=N             the Landlock ABI lowered to N (test hook)
 *   cgroup-ro         cgroup file systems read-only (mount namespace; root)
 *   cgroup-delegated  a pids (v1) cgroup made for the scenario, owned by its
 *                     uid, the scenario moved into it
 * ---- */

int env_has(const char *name)
{
	const char *e = getenv("WSB_TEST_ENV"), *p;
	size_t n = strlen(name);

	for (p = e; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0' || p[n] == '='))
			return 1;
	return 0;
}

int env_abi(void)
{
	const char *e = getenv("WSB_TEST_ENV"), *p = e ? strstr(e, "abi=") : NULL;
	return p ? atoi(p + 4) : 0;
}

int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

char deleg_dir[128];

/* As root, before the uid drops. */
int env_privileged(uid_t uid)
{
	char num[32];
	if (env_has("cgroup-delegated")) {
		snprintf(deleg_dir, sizeof(deleg_dir), "/sys/fs/cgroup/pids/wsb-env-%ld", (long)getpid());
		snprintf(num, sizeof(num), "%ld", (long)getpid());
		/* an empty one left by an earlier scenario of the same pid */
		if (rmdir(deleg_dir) < 0 && errno != ENOENT)
			return -1;
		if (mkdir(deleg_dir, 0755) < 0 || chown(deleg_dir, uid, uid) < 0 ||
		    chown(path_of(deleg_dir, "cgroup.procs"), uid, uid) < 0 ||
		    chown(path_of(deleg_dir, "tasks"), uid, uid) < 0 ||
		    write_text(path_of(deleg_dir, "cgroup.procs"), num) < 0)
			return -1;
	}
	if (env_has("cgroup-ro")) {
		FILE *f;
		char line[1024];
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    !(f = fopen("/proc/self/mountinfo", "r")))
			return -1;
		while (fgets(line, sizeof(line), f)) {
			char mnt[512], *sep = strstr(line, " - ");
			if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
				continue;
			if (!strncmp(sep, " - cgroup", 9) && mount(NULL, mnt, NULL,
					MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
				fclose(f);
				return -1;
			}
		}
		fclose(f);
	}
	return 0;
}

/* As the scenario's user. */
int env_unprivileged(void)
{
	if (env_has("userns-off")) {
		char map[64];
		uid_t u = geteuid();
		gid_t g = getegid();
		/* a dropped uid leaves us not dumpable: /proc/self would be root's */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (unshare(CLONE_NEWUSER) < 0)
			return -1;
		write_text("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "%lu %lu 1\n", (unsigned long)u, (unsigned long)u);
		if (write_text("/proc/self/uid_map", map) < 0)
			return -1;
		snprintf(map, sizeof(map), "%lu %lu 1\n", (unsigned long)g, (unsigned long)g);
		if (write_text("/proc/self/gid_map", map) < 0 ||
		    write_text("/proc/sys/user/max_user_namespaces", "0") < 0)
			return -1;
		/* really off: the kernel refuses one more */
		if (fork() == 0)
			_exit(unshare(CLONE_NEWUSER) == 0 ? 1 : 0);
		{
			int st;
			if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				return -1;
		}
	}
	if (env_has("no-landlock")) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 444, 0, 2),
			BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 446, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			return -1;
		if (syscall(444, NULL, 0, 1) >= 0 || errno != ENOSYS)
			return -1;
	}
	if (env_abi())
		wsb__lx_fake_landlock_abi = env_abi();
	return 0;
}

void run_as(scenario fn, uid_t uid)
{
	char base[] = "/var/tmp/wsb-linux-test-XXXXXX";
	int st;
	pid_t pid;

	assert_non_null(mkdtemp(base));
	assert_int_equal(chown(base, uid, uid), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (getuid() == 0 && env_privileged(uid) < 0) {
			perror("making the test environment");
			_exit(5);
		}
		if (getuid() != uid) {
			if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
				_exit(3);
		}
		if (env_unprivileged() < 0) {
			perror("making the test environment");
			_exit(5);
		}
		/* The sandbox carries the working directory: start from one the
		 * user can enter, not the build tree (which may be under /root). */
		if (chdir(base) < 0)
			_exit(4);
		_exit(fn(base) ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (env_has("cgroup-delegated")) {
		char dir[128];
		int tries;
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/wsb-env-%ld", (long)pid);
		/* the scenario's last killed processes may still be leaving it */
		for (tries = 0; tries < 200 && rmdir(dir) < 0 && errno == EBUSY; tries++)
			sleep_ms(10);
	}
	remove_tree(base);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("scenario failed as uid %d (status %#x)", (int)uid, st);
}

void as_root(scenario fn)
{
	if (geteuid() != 0)
		skip();
	run_as(fn, 0);
}

void as_user(scenario fn)
{
	run_as(fn, geteuid() == 0 ? NOBODY : geteuid());
}

char *path_of(const char *base, const char *rel)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, 4096, "%s/%s", base, rel);
	return b;
}

wsb_policy *workspace(const char *base)
{
	wsb_policy *pol = NULL;

	mkdir(path_of(base, "root"), 0755);
	if (wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE) != WSB_OK ||
	    wsb_policy_allow_write(pol, path_of(base, "root")) != WSB_OK) {
		wsb_policy_free(pol);
		return NULL;
	}
	return pol;
}

/* Copy a file, executable, to a new path (O_EXCL: never over an old file). */
int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out, rc = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		rc = -1;
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0)
		if (n < 0 || write(out, buf, (size_t)n) != n)
			rc = -1;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		rc = -1;
	return rc;
}

int use_initd_in(const char *dir)
{
#ifdef WSB_TEST_INITD
	static char path[4200];

	snprintf(path, sizeof(path), "%s/wsb-initd", dir);
	if (copy_file(WSB_TEST_INITD, path) < 0)
		return -1;
	wsb__lx_initd_path = path;
	wsb__lx_initd_min_anon = 0;   /* small as the tests are */
#else
	(void)dir;
	wsb__lx_initd_off = 1;
#endif
	return 0;
}

int loopback_socket(int type, int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(s, 16) < 0) ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return s;
}

int count_fds(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	/* in our own list, the DIR's descriptor */
	return n - (strcmp(dir, "/proc/self/fd") == 0);
}
