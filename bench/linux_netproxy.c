/*
 * Network allow-list benchmark (not a test: figures measured side by side
 * in one run). A local server sends N bytes (default 1 GiB) to a client
 * that reads them to the end, three ways, interleaved:
 *   direct  - the client connects to the server;
 *   proxy   - through the filtering proxy (HTTP CONNECT, SNI check, pump);
 *   relay   - through the loopback relay and then the proxy, the path a
 *             sandboxed command takes (minus the namespace boundary, which
 *             a socket does not cost anything to cross).
 * Prints MB/s of each and the ratios to direct.
 * Usage: linux_netproxy_bench [MiB] [rounds]   (default 1024 MiB, 3 rounds)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsandbox/wsandbox.h"
#include "core/policy.h"
#include "linux/linux.h"
#include "linux/proxy.h"

static unsigned long long total;
static int server_fd;

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

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	int rounds = argc > 2 ? atoi(argv[2]) : 3, r;
	unsigned short server_port, proxy_port, relay_port;
	struct wsb__lx_proxy *proxy = NULL;
	struct wsb__lx_relay *relay = NULL;
	double best[3] = { 0, 0, 0 };
	wsb_policy *p = NULL;
	pthread_t t;
	char pattern[64];
	int probe;

	total = (unsigned long long)mib << 20;
	server_fd = listen_any(&server_port);
	pthread_create(&t, NULL, server, NULL);
	snprintf(pattern, sizeof(pattern), "127.0.0.1:%u", server_port);
	if (wsb_policy_create(&p, WSB_MODE_READ_ONLY) != WSB_OK ||
	    wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST) != WSB_OK ||
	    wsb_policy_allow_address(p, pattern) != WSB_OK ||
	    wsb__lx_proxy_start(&proxy, &proxy_port, p) != WSB_OK) {
		fprintf(stderr, "proxy: %s\n", wsb_error_message(NULL));
		return 1;
	}
	probe = listen_any(&relay_port);
	close(probe);
	if (wsb__lx_relay_acquire_host(&relay, relay_port, proxy_port) != WSB_OK) {
		fprintf(stderr, "relay: %s\n", wsb_error_message(NULL));
		return 1;
	}
	printf("%lu MiB per transfer, best of %d rounds, interleaved\n", mib, rounds);
	for (r = 0; r < rounds; r++) {
		double d = fetch(server_port, 0, 0), x = fetch(proxy_port, 1, server_port),
			y = fetch(relay_port, 1, server_port);

		printf("round %d: direct %.0f MB/s, proxy %.0f MB/s, relay+proxy %.0f MB/s\n", r + 1, d, x, y);
		best[0] = d > best[0] ? d : best[0];
		best[1] = x > best[1] ? x : best[1];
		best[2] = y > best[2] ? y : best[2];
	}
	printf("proxy/direct: %.0f %%\nrelay+proxy/direct: %.0f %%\n", 100 * best[1] / best[0],
		100 * best[2] / best[0]);
	wsb__lx_relay_release(relay);
	wsb__lx_proxy_stop(proxy);
	wsb_policy_free(p);
	return 0;
}
