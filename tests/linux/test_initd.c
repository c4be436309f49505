/*
 * The init server of a warm policy (lib/linux/initd.c), on the real
 * kernel, as root and as uid 65534: it makes the inits once a policy is
 * warm, a command still gets what a child of the caller would have
 * inherited, and every way it can be missing, untrusted, killed, copied by
 * a fork or outlived ends in a spawn that works the in-process way.
 *
 * Which way made an init is told by its name: a clone of the server is
 * called wsb-initd, a clone of the caller by the test's own name.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "linux/linux.h"

static char server_dir[] = "/var/tmp/wsb-initd-test-XXXXXX";

/* Run sh -c script under pol; its exit code (-1: not run) and stdout. */
static int sh(const wsb_policy *pol, const char *script, char *out, size_t cap)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	const char *text;
	size_t len = 0;
	int code = -1;

	o.argv = argv;
	o.stdout_mode = WSB_STDIO_PIPE;
	o.stderr_mode = WSB_STDIO_INHERIT;
	if (wsb_run(&p, pol, NULL, &o, NULL, 0) != WSB_OK) {
		fprintf(stderr, "wsb_run: %s\n", wsb_error_message(NULL));
		return -1;
	}
	if (wsb_process_exit_kind(p) == WSB_EXIT_NORMAL)
		code = (int)wsb_process_exit_code(p);
	if (out) {
		text = wsb_process_output(&len, NULL, p, WSB_STREAM_STDOUT);
		snprintf(out, cap, "%.*s", text ? (int)len : 0, text ? text : "");
	}
	wsb_process_free(p);
	return code;
}

/* The name of the init of a command started under pol (read while it
 * runs), into name: "wsb-initd" when the server made it. */
static int init_name(const wsb_policy *pol, char *name, size_t cap)
{
	const char *argv[] = { "/bin/sleep", "30", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	char path[64];
	ssize_t n;
	int fd;

	o.argv = argv;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	if (wsb_spawn(&p, pol, NULL, &o) != WSB_OK)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/comm", wsb_process_pid(p));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, name, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	wsb_process_free(p);
	if (n <= 0)
		return -1;
	name[n] = '\0';
	if (name[n - 1] == '\n')
		name[n - 1] = '\0';
	return 0;
}

static int served(const wsb_policy *pol)
{
	char name[64];

	return init_name(pol, name, sizeof(name)) == 0 && strcmp(name, "wsb-initd") == 0;
}

/* Our children called wsb-initd: the live ones' pid (the last found), and
 * how many are zombies. */
static pid_t server_of_ours(int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	*zombies = 0;
	while (d && (de = readdir(d)) != NULL) {
		char path[300], buf[512], *close_paren, state;
		long ppid;
		ssize_t n;
		int fd;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (!(close_paren = strrchr(buf, ')')) || sscanf(close_paren + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		if (ppid != (long)getpid() || !strstr(buf, "(wsb-initd)"))
			continue;
		if (state == 'Z')
			(*zombies)++;
		else
			found = (pid_t)atol(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* A policy that warms up: the first spawn is cold, the second makes the
 * warm namespace and its server. */
static wsb_policy *warm_policy(const char *base, const char *root)
{
	wsb_policy *pol = NULL;

	mkdir(path_of(base, root), 0755);
	if (wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE) != WSB_OK ||
	    wsb_policy_allow_write(pol, path_of(base, root)) != WSB_OK ||
	    sh(pol, "true", NULL, 0) != 0 || sh(pol, "true", NULL, 0) != 0) {
		wsb_policy_free(pol);
		return NULL;
	}
	return pol;
}

/* ------------------------------------------------------------ scenarios */

/* Once warm, the server makes the inits; with it off, the caller does. */
static int sc_server_makes_inits(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root");
	char out[256], name[64];
	int zombies;

	CHECK(pol);
	CHECK(server_of_ours(&zombies) > 0 && zombies == 0);
	CHECK(served(pol));
	CHECK(sh(pol, "echo ok", out, sizeof(out)) == 0 && strcmp(out, "ok\n") == 0);
	wsb__lx_initd_off = 1;
	CHECK(init_name(pol, name, sizeof(name)) == 0 && strcmp(name, "wsb-initd") != 0);
	wsb__lx_initd_off = 0;
	CHECK(served(pol));
	wsb_policy_free(pol);
	return 0;
}

/* The umask and limits a command gets are the caller's at the spawn, not
 * the server's from when it started; a hard limit above the server's,
 * which it could not set, sends the spawn the in-process way (and the
 * server stays). */
static int sc_command_inherits_from_the_caller(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root");
	struct rlimit r, lower;
	char out[256], want[64];
	int zombies;
	pid_t srv;

	CHECK(pol);
	CHECK(served(pol));
	umask(027);
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_max > 200);
	r.rlim_cur = 123;
	CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
	CHECK(sh(pol, "umask; ulimit -n", out, sizeof(out)) == 0);
	CHECK(strcmp(out, "0027\n123\n") == 0);
	CHECK(served(pol));
	/* the server's hard limit lowered below the caller's */
	CHECK((srv = server_of_ours(&zombies)) > 0);
	lower.rlim_cur = 100;
	lower.rlim_max = 200;
	CHECK(prlimit(srv, RLIMIT_NOFILE, &lower, NULL) == 0);
	snprintf(want, sizeof(want), "%llu\n", (unsigned long long)r.rlim_max);
	if (r.rlim_max == RLIM_INFINITY)
		snprintf(want, sizeof(want), "unlimited\n");
	CHECK(sh(pol, "ulimit -Hn", out, sizeof(out)) == 0);
	CHECK(strcmp(out, want) == 0);
	CHECK(!served(pol));
	CHECK(server_of_ours(&zombies) == srv);
	wsb_policy_free(pol);
	return 0;
}

/* Killed: the next spawn still runs, in-process, and the dead server is
 * reaped. */
static int sc_killed_server(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root");
	char out[64];
	pid_t srv;
	int zombies, i;

	CHECK(pol);
	CHECK((srv = server_of_ours(&zombies)) > 0);
	CHECK(kill(srv, SIGKILL) == 0);
	for (i = 0; i < 3; i++) {
		CHECK(sh(pol, "echo $((6 * 7))", out, sizeof(out)) == 0);
		CHECK(strcmp(out, "42\n") == 0);
	}
	CHECK(!served(pol));
	CHECK(server_of_ours(&zombies) == 0 && zombies == 0);
	wsb_policy_free(pol);
	return 0;
}

/* A program that others could change, or one that is no server (no
 * hello), is never used; the spawns work without it. */
static int sc_untrusted_or_foreign_program(const char *base)
{
	char path[4200], out[64];
	const char *saved = wsb__lx_initd_path;
	wsb_policy *pol;
	int zombies;

	snprintf(path, sizeof(path), "%s/writable-initd", base);
	CHECK(copy_file(saved, path) == 0 && chmod(path, 0777) == 0);
	wsb__lx_initd_path = path;
	CHECK((pol = warm_policy(base, "a")) != NULL);
	CHECK(sh(pol, "echo fine", out, sizeof(out)) == 0 && strcmp(out, "fine\n") == 0);
	CHECK(!served(pol));
	wsb_policy_free(pol);
	wsb__lx_initd_path = "/bin/true";
	CHECK((pol = warm_policy(base, "b")) != NULL);
	CHECK(sh(pol, "echo fine", out, sizeof(out)) == 0 && strcmp(out, "fine\n") == 0);
	CHECK(!served(pol));
	CHECK(server_of_ours(&zombies) == 0 && zombies == 0);
	wsb_policy_free(pol);
	wsb__lx_initd_path = saved;
	return 0;
}

/* A caller that closes descriptors it did not open, and gets the server
 * socket's number back on a file of its own: no request is written into
 * that file, the spawn goes in-process, and the file is left as it was. */
static int sc_socket_number_reused(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root");
	char link[64], path[300], out[64];
	struct stat st;
	DIR *d;
	struct dirent *de;
	int sock = -1, file, zombies, i;

	CHECK(pol && served(pol));
	/* the scenario's one socket is the caller's end of the server's */
	CHECK((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)) != NULL) {
		ssize_t n;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0 && (link[n] = '\0', strncmp(link, "socket:", 7) == 0))
			sock = atoi(de->d_name);
	}
	closedir(d);
	CHECK(sock >= 0);
	CHECK((file = open(path_of(base, "mine"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0);
	CHECK(dup3(file, sock, O_CLOEXEC) == sock);
	close(file);
	CHECK(sh(pol, "echo fine", out, sizeof(out)) == 0 && strcmp(out, "fine\n") == 0);
	CHECK(!served(pol));
	CHECK(fstat(sock, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0);
	close(sock);
	/* the server, whose socket closed, ended and was reaped */
	for (i = 0; i < 500 && (server_of_ours(&zombies) != 0 || zombies != 0); i++) {
		CHECK(sh(pol, "true", NULL, 0) == 0);
		sleep_ms(10);
	}
	CHECK(server_of_ours(&zombies) == 0 && zombies == 0);
	wsb_policy_free(pol);
	return 0;
}

/* A child forked after the server started does not use its parent's
 * (the inits would be its parent's children): it starts a server of its
 * own; the parent keeps its own. */
static int sc_fork_after_start(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root");
	int zombies, st;
	pid_t child, srv;

	CHECK(pol && served(pol));
	CHECK((srv = server_of_ours(&zombies)) > 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char out[64];
		pid_t mine;
		int ok = sh(pol, "echo child", out, sizeof(out)) == 0 && strcmp(out, "child\n") == 0 &&
			served(pol) && (mine = server_of_ours(&zombies)) > 0 && mine != srv;
		_exit(ok ? 0 : 1);
	}
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(served(pol));
	CHECK(server_of_ours(&zombies) == srv);
	wsb_policy_free(pol);
	return 0;
}

/* With the library's own threshold, a caller with little private memory
 * (whose page tables copy faster than a request's round trip) spawns
 * in-process and starts no server; once it holds more, the server makes
 * its inits. */
static int sc_server_only_for_a_large_caller(const char *base)
{
	const unsigned long mib = 1ul << 20;
	wsb_policy *pol;
	char *heap;
	int zombies;

	wsb__lx_initd_min_anon = 64 * mib;
	CHECK((pol = warm_policy(base, "root")) != NULL);
	CHECK(!served(pol));
	CHECK(server_of_ours(&zombies) == 0);
	CHECK((heap = malloc(96 * mib)) != NULL);
	memset(heap, 1, 96 * mib);
	CHECK(served(pol));
	CHECK(server_of_ours(&zombies) > 0);
	free(heap);
	wsb__lx_initd_min_anon = 0;
	wsb_policy_free(pol);
	return 0;
}

/* 200 served spawns: the caller's descriptors and the server's stay as
 * they were (the server keeps 0-2 on /dev/null and its socket). An
 * environment of 1 MiB, inherited from the caller, goes over whole. */
static int sc_flat_and_large(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root");
	char dir[64], out[64], name[32], value[256];
	int before, i, zombies;
	pid_t srv;

	CHECK(pol && served(pol));
	CHECK((srv = server_of_ours(&zombies)) > 0);
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)srv);
	before = count_fds("/proc/self/fd");
	for (i = 0; i < 200; i++)
		CHECK(sh(pol, "true", NULL, 0) == 0);
	CHECK(count_fds("/proc/self/fd") == before);
	CHECK(count_fds(dir) == 4);
	CHECK(server_of_ours(&zombies) == srv && zombies == 0);
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	for (i = 0; i < 4096; i++) {
		snprintf(name, sizeof(name), "WSB_BIG_%d", i);
		CHECK(setenv(name, value, 1) == 0);
	}
	CHECK(sh(pol, "env | grep -c '^WSB_BIG_'", out, sizeof(out)) == 0);
	CHECK(strcmp(out, "4096\n") == 0);
	CHECK(served(pol));
	wsb_policy_free(pol);
	return 0;
}

/* The server ends with its caller, even one that exits without freeing
 * anything (its orphan comes to this process, a sub-reaper). */
static int sc_ends_with_the_caller(const char *base)
{
	int pipefd[2], st, i;
	pid_t caller, srv = 0, r = 0;

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
	CHECK(pipe(pipefd) == 0);
	caller = fork();
	CHECK(caller >= 0);
	if (caller == 0) {
		wsb_policy *pol = warm_policy(base, "root");
		int zombies;
		pid_t mine = pol && served(pol) ? server_of_ours(&zombies) : 0;
		ssize_t w = write(pipefd[1], &mine, sizeof(mine));
		_exit(w == (ssize_t)sizeof(mine) ? 0 : 1);
	}
	close(pipefd[1]);
	CHECK(read(pipefd[0], &srv, sizeof(srv)) == (ssize_t)sizeof(srv));
	close(pipefd[0]);
	CHECK(waitpid(caller, &st, 0) == caller && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(srv > 0);
	for (i = 0; i < 1000 && (r = waitpid(srv, &st, WNOHANG)) == 0; i++)
		sleep_ms(10);
	CHECK(r == srv && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

/* With the network on there is no namespace to reuse, but a server all
 * the same: the command reaches the host's loopback (the caller's network),
 * and two commands running at once are both served (the server is lent
 * for one request, not for a command's life). */
static int sc_network_on(const char *base)
{
	const char *argv[] = { "/bin/sleep", "30", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *a = NULL, *b = NULL;
	char script[128], path[64], name[2][32];
	wsb_policy *pol = NULL;
	int l, i, port;

	mkdir(path_of(base, "root"), 0755);
	CHECK(wsb_policy_create(&pol, WSB_MODE_WORKSPACE_WRITE) == WSB_OK);
	CHECK(wsb_policy_allow_write(pol, path_of(base, "root")) == WSB_OK);
	CHECK(wsb_policy_set_network(pol, WSB_NETWORK_ON) == WSB_OK);
	CHECK(sh(pol, "true", NULL, 0) == 0 && sh(pol, "true", NULL, 0) == 0);
	CHECK(served(pol));
	CHECK((l = loopback_socket(SOCK_STREAM, &port)) >= 0);
	snprintf(script, sizeof(script), "exec bash -c 'echo > /dev/tcp/127.0.0.1/%d'", port);
	CHECK(sh(pol, script, NULL, 0) == 0);
	close(l);
	o.argv = argv;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	CHECK(wsb_spawn(&a, pol, NULL, &o) == WSB_OK && wsb_spawn(&b, pol, NULL, &o) == WSB_OK);
	for (i = 0; i < 2; i++) {
		ssize_t n;
		int fd;
		snprintf(path, sizeof(path), "/proc/%ld/comm", wsb_process_pid(i ? b : a));
		CHECK((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0);
		n = read(fd, name[i], sizeof(name[i]) - 1);
		close(fd);
		CHECK(n > 0);
		name[i][n] = '\0';
		CHECK(strcmp(name[i], "wsb-initd\n") == 0);
	}
	wsb_process_free(a);
	wsb_process_free(b);
	wsb_policy_free(pol);
	return 0;
}

/* A relay or an allow-list puts a listener in the command's own network
 * namespace, which init makes: the server clones such inits into a new
 * one, and the relay's listener comes back to the caller through it. */
static int sc_relay_and_allowlist(const char *base)
{
	wsb_policy *relay = warm_policy(base, "r"), *allow = NULL;
	char script[160], host[64], out[2][64], got[8];
	int target, listen_port, l, c, i;
	ssize_t n;

	CHECK(relay);
	CHECK((l = loopback_socket(SOCK_STREAM, &target)) >= 0);
	CHECK((c = loopback_socket(SOCK_STREAM, &listen_port)) >= 0);
	close(c);   /* a free port for the relay to listen on inside */
	CHECK(wsb_policy_set_loopback_relay(relay, (unsigned short)listen_port,
		(unsigned short)target) == WSB_OK);
	CHECK(sh(relay, "true", NULL, 0) == 0 && sh(relay, "true", NULL, 0) == 0);
	CHECK(served(relay));
	snprintf(script, sizeof(script), "exec bash -c 'echo hi > /dev/tcp/127.0.0.1/%d'", listen_port);
	CHECK(sh(relay, script, NULL, 0) == 0);
	CHECK((c = accept(l, NULL, NULL)) >= 0);
	n = read(c, got, sizeof(got) - 1);
	CHECK(n == 3 && memcmp(got, "hi\n", 3) == 0);
	close(c);
	close(l);

	mkdir(path_of(base, "a"), 0755);
	CHECK(wsb_policy_create(&allow, WSB_MODE_WORKSPACE_WRITE) == WSB_OK);
	CHECK(wsb_policy_allow_write(allow, path_of(base, "a")) == WSB_OK);
	CHECK(wsb_policy_set_network(allow, WSB_NETWORK_ALLOWLIST) == WSB_OK);
	CHECK(wsb_policy_allow_host(allow, "example.invalid") == WSB_OK);
	CHECK(sh(allow, "true", NULL, 0) == 0 && sh(allow, "true", NULL, 0) == 0);
	CHECK(served(allow));
	CHECK((n = readlink("/proc/self/ns/net", host, sizeof(host) - 1)) > 0);
	host[n] = '\0';
	for (i = 0; i < 2; i++) {
		CHECK(sh(allow, "readlink /proc/self/ns/net; test -n \"$HTTPS_PROXY\"", out[i],
			sizeof(out[i])) == 0);
		CHECK(strncmp(out[i], host, strlen(host)) != 0);
	}
	CHECK(strcmp(out[0], out[1]) != 0);   /* one of its own each */
	wsb_policy_free(relay);
	wsb_policy_free(allow);
	return 0;
}

/* wsb_reuse_release ends and reaps every server before it returns (a
 * caller may then wait for all of its children); spawns go on, and make
 * a server again. */
static int sc_release(const char *base)
{
	wsb_policy *pol = warm_policy(base, "root"), *other = warm_policy(base, "other");
	int zombies;

	CHECK(pol && other && served(pol) && served(other));
	CHECK(wsb_reuse_release() == WSB_OK);
	CHECK(server_of_ours(&zombies) == 0 && zombies == 0);
	CHECK(sh(pol, "true", NULL, 0) == 0);   /* cold again: the first spawn */
	CHECK(served(pol));
	CHECK(server_of_ours(&zombies) > 0);
	CHECK(wsb_reuse_release() == WSB_OK);
	CHECK(server_of_ours(&zombies) == 0 && zombies == 0);
	wsb_policy_free(pol);
	wsb_policy_free(other);
	return 0;
}

#define SCENARIO(name) \
	static void name##_root(void **st) { (void)st; as_root(sc_##name); } \
	static void name##_user(void **st) { (void)st; as_user(sc_##name); }
#define BOTH(name) cmocka_unit_test(name##_root), cmocka_unit_test(name##_user)

SCENARIO(server_makes_inits)
SCENARIO(command_inherits_from_the_caller)
SCENARIO(killed_server)
SCENARIO(untrusted_or_foreign_program)
SCENARIO(fork_after_start)
SCENARIO(socket_number_reused)
SCENARIO(server_only_for_a_large_caller)
SCENARIO(flat_and_large)
SCENARIO(ends_with_the_caller)
SCENARIO(release)
SCENARIO(network_on)
SCENARIO(relay_and_allowlist)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(server_makes_inits), BOTH(command_inherits_from_the_caller), BOTH(killed_server),
		BOTH(untrusted_or_foreign_program), BOTH(fork_after_start), BOTH(socket_number_reused),
		BOTH(server_only_for_a_large_caller), BOTH(flat_and_large),
		BOTH(ends_with_the_caller), BOTH(release), BOTH(network_on), BOTH(relay_and_allowlist),
	};
	int failed;

#ifndef WSB_TEST_INITD
	printf("skipped: this build makes no init server (a static library)\n");
	return 77;
#endif
	if (!mkdtemp(server_dir) || chmod(server_dir, 0755) < 0 || use_initd_in(server_dir) < 0) {
		perror("copying the init server to /var/tmp");
		return 1;
	}
	if (getenv("WSB_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WSB_TEST_FILTER"));
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path_of(server_dir, "wsb-initd"));
	rmdir(server_dir);
	return failed;
}
