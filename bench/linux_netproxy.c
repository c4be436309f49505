/*
 * Network allow-list benchmark (not a test: figures measured side by side
 * in one run). A local server sends N bytes (default 1 GiB) to a client
 * that reads them to the end, three ways, in each round:
 *   direct  - the client (this process) connects to the server;
 *   proxy   - the same client through the filtering proxy (HTTP CONNECT,
 *             SNI check, tunnel);
 *   sandbox - the path a sandboxed command takes: this program run again
 *             by wsb_run() under WSB_NETWORK_ALLOWLIST, in its own network
 *             namespace, connecting to 127.0.0.1:3128 there, where the
 *             proxy serves the listener init made, and timing itself.
 * Prints MB/s of each and, as the machine may be loaded by others, the
 * median over rounds of each round's ratio to that round's direct run.
 * Also the CPU time each way costs (all threads: server, client, proxy),
 * which load does not change much: the ratio of direct's to a path's is
 * the speed ratio a machine short of CPU would see.
 * Usage: linux_netproxy_bench [MiB] [rounds]   (default 1024 MiB, 5 rounds)
 * (linux_netproxy_bench --client PORT SERVER_PORT MiB is the sandboxed
 * client.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsandbox/wsandbox.h"
#include "core/policy.h"
#include "linux/proxy.h"

#define MAX_ROUNDS 64

static unsigned long long total;
static int server_fd;

/* CPU seconds used so far by this process's threads, or (children) by
 * the waited-for children and theirs. */
static double cpu_s(int who)
{
	struct rusage u;

	getrusage(who, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
		(double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int listen_any(unsigned short *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("listen");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(unsigned short port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/* Serve each connection: send total bytes, then close. */
static void *server(void *arg)
{
	static char buf[1 << 18];

	(void)arg;
	memset(buf, 'x', sizeof(buf));
	for (;;) {
		unsigned long long left = total;
		int fd = accept(server_fd, NULL, NULL);

		if (fd < 0)
			return NULL;
		while (left > 0) {
			ssize_t n = write(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));

			if (n <= 0)
				break;
			left -= (unsigned long long)n;
		}
		close(fd);
	}
}

/* Read to the end: MB/s. With via_proxy, first a CONNECT to the server. */
static double fetch(unsigned short port, int via_proxy, unsigned short server_port)
{
	static char buf[1 << 18];
	unsigned long long got = 0;
	int fd = connect_to(port);
	double t0 = now_s();
	ssize_t n;

	if (via_proxy) {
		char req[128], head[256];
		size_t hl = 0;

		snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", server_port);
		if (write(fd, req, strlen(req)) < 0)
			exit(1);
		/* The reply head is 39 bytes; read exactly it. */
		while (hl < 39 && (n = read(fd, head + hl, 39 - hl)) > 0)
			hl += (size_t)n;
		if (hl < 39 || memcmp(head, "HTTP/1.1 200", 12) != 0) {
			fprintf(stderr, "proxy refused: %.*s\n", (int)hl, head);
			exit(1);
		}
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		got += (unsigned long long)n;
	close(fd);
	if (got != total) {
		fprintf(stderr, "short transfer: %llu of %llu\n", got, total);
		exit(1);
	}
	return (double)total / 1e6 / (now_s() - t0);
}

/* The sandboxed run: MB/s as the client measured it, or 0 if the sandbox
 * could not run it; *cpu the client's CPU seconds. */
static double fetch_sandboxed(double *cpu, const wsb_policy *p, const char *self,
	unsigned short server_port, unsigned long mib)
{
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *proc = NULL;
	char sport[16], smib[24];
	const char *argv[] = { self, "--client", "3128", sport, smib, NULL };
	const char *out;
	double v = 0;

	snprintf(sport, sizeof(sport), "%u", server_port);
	snprintf(smib, sizeof(smib), "%lu", mib);
	o.argv = argv;
	o.cwd = "/";
	if (wsb_run(&proc, p, NULL, &o, NULL, 0) != WSB_OK) {
		fprintf(stderr, "sandbox: %s\n", wsb_error_message(NULL));
		return 0;
	}
	out = wsb_process_output(NULL, NULL, proc, WSB_STREAM_STDOUT);
	if (wsb_process_exit_kind(proc) != WSB_EXIT_NORMAL || wsb_process_exit_code(proc) != 0 ||
	    out == NULL || sscanf(out, "%lf %lf", &v, cpu) != 2) {
		out = wsb_process_output(NULL, NULL, proc, WSB_STREAM_STDERR);
		fprintf(stderr, "sandboxed client failed: %s\n", out ? out : "");
		v = 0;
	}
	wsb_process_free(proc);
	return v;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	unsigned long mib;
	int rounds, r, sandboxed = 1;
	unsigned short server_port, proxy_port;
	struct wsb__lx_proxy *proxy = NULL;
	double ratio[2][MAX_ROUNDS], cpu[3][MAX_ROUNDS], best[3] = { 0, 0, 0 };
	wsb_policy *p = NULL;
	pthread_t t;
	char pattern[64], self[PATH_MAX];
	ssize_t n;

	if (argc == 5 && strcmp(argv[1], "--client") == 0) {
		total = strtoull(argv[4], NULL, 10) << 20;
		double mbps = fetch((unsigned short)atoi(argv[2]), 1, (unsigned short)atoi(argv[3]));

		printf("%.1f %.4f\n", mbps, cpu_s(RUSAGE_SELF));
		return 0;
	}
	mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (mib == 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: linux_netproxy_bench [MiB] [rounds 1..%d]\n", MAX_ROUNDS);
		return 2;
	}
	total = (unsigned long long)mib << 20;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0) {
		perror("readlink");
		return 1;
	}
	self[n] = '\0';
	server_fd = listen_any(&server_port);
	pthread_create(&t, NULL, server, NULL);
	snprintf(pattern, sizeof(pattern), "127.0.0.1:%u", server_port);
	if (wsb_policy_create(&p, WSB_MODE_READ_ONLY) != WSB_OK ||
	    wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST) != WSB_OK ||
	    wsb_policy_allow_address(p, pattern) != WSB_OK ||
	    wsb_policy_set_limit(p, WSB_LIMIT_TIMEOUT, 600000) != WSB_OK ||
	    wsb__lx_proxy_start(&proxy, &proxy_port, p, -1) != WSB_OK) {
		fprintf(stderr, "proxy: %s\n", wsb_error_message(NULL));
		return 1;
	}
	printf("%lu MiB per transfer, %d rounds\n", mib, rounds);
	for (r = 0; r < rounds; r++) {
		double c0 = cpu_s(RUSAGE_SELF), d = fetch(server_port, 0, 0), c1 = cpu_s(RUSAGE_SELF),
			x = fetch(proxy_port, 1, server_port), c2 = cpu_s(RUSAGE_SELF), child = 0,
			y = sandboxed ? fetch_sandboxed(&child, p, self, server_port, mib) : 0;

		if (y == 0)
			sandboxed = 0;
		/* seconds per GiB: server and client (and proxy) threads, plus
		 * the sandboxed client's own */
		cpu[0][r] = (c1 - c0) * 1024 / (double)mib;
		cpu[1][r] = (c2 - c1) * 1024 / (double)mib;
		cpu[2][r] = (cpu_s(RUSAGE_SELF) - c2 + child) * 1024 / (double)mib;
		printf("round %d: direct %.0f MB/s, proxy %.0f MB/s, sandbox %.0f MB/s\n", r + 1, d, x, y);
		ratio[0][r] = x / d;
		ratio[1][r] = y / d;
		best[0] = d > best[0] ? d : best[0];
		best[1] = x > best[1] ? x : best[1];
		best[2] = y > best[2] ? y : best[2];
	}
	printf("best MB/s: direct %.0f, proxy %.0f, sandbox %.0f\n", best[0], best[1], best[2]);
	printf("median CPU seconds per GiB: direct %.2f, proxy %.2f", median(cpu[0], rounds),
		median(cpu[1], rounds));
	if (sandboxed)
		printf(", sandbox %.2f", median(cpu[2], rounds));
	printf("\n");
	printf("median of the rounds' ratios: proxy/direct %.0f %%", 100 * median(ratio[0], rounds));
	if (sandboxed)
		printf(", sandbox/direct %.0f %%\n", 100 * median(ratio[1], rounds));
	else
		printf(", sandbox not measured (see above)\n");
	wsb__lx_proxy_stop(proxy);
	wsb_policy_free(p);
	return 0;
}
