/* The allow-list's proxy on Windows under Wine, whose Winsock on loopback is
 * real: an echo server of the test on an ephemeral 127.0.0.1 port, the test
 * resolver sending pypi.test there (and meta.test to the metadata address),
 * and the test's own client sockets speaking CONNECT, plain HTTP and SOCKS5
 * to the proxy. These are plumbing claims: the proxy's answers, the bytes
 * it carries, its audit, its cleanup and its error paths. Whether the
 * sandbox can reach anything but the proxy is the firewall's business,
 * which Wine does not have (tests/winreal). */
#include <winsock2.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/proxy.h"
#include "fakefs.h"
#include "loopnet.h"

/* ---- the upstream: echoes, then on EOF says "<EOF>" and shuts down ---- */

static loopnet_echo up;

static const char *resolve(const char *host)
{
	if (strcmp(host, "pypi.test") == 0 || strcmp(host, "other.test") == 0)
		return "127.0.0.1";
	if (strcmp(host, "meta.test") == 0)
		return "169.254.169.254";
	return NULL;
}

/* ---- the client ---- */

/* Everything until the proxy closes (at most cap - 1 bytes), NUL-ended. */
static int recv_to_eof(SOCKET s, char *b, int cap)
{
	int len = 0, k;

	while (len < cap - 1 && (k = recv(s, b + len, cap - 1 - len, 0)) > 0)
		len += k;
	b[len] = '\0';
	return len;
}

/* ---- the proxy under test ---- */

static int events_seen;

static void on_event(const char *json, void *ctx)
{
	(void)json;
	(void)ctx;
	InterlockedIncrement((volatile LONG *)&events_seen);
}

/* pypi.test at the upstream's port, and the upstream's loopback address
 * (a restricted range) by address. */
static wsb_policy *allowlist_policy(void)
{
	wsb_policy *policy = NULL;
	char rule[64];

	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb_policy_set_network(policy, WSB_NETWORK_ALLOWLIST), WSB_OK);
	snprintf(rule, sizeof(rule), "pypi.test:%u", up.port);
	assert_int_equal(wsb_policy_allow_host(policy, rule), WSB_OK);
	snprintf(rule, sizeof(rule), "127.0.0.1:%u", up.port);
	assert_int_equal(wsb_policy_allow_address(policy, rule), WSB_OK);
	return policy;
}

/* allowlist_policy's rules, and meta.test, *.evil.test but not
 * deny.evil.test. */
static struct wsb__w32_proxy *start_proxy(unsigned short *port)
{
	struct wsb__w32_proxy *px = NULL;
	wsb_policy *policy = allowlist_policy();
	char rule[64];

	snprintf(rule, sizeof(rule), "meta.test:%u", up.port);
	assert_int_equal(wsb_policy_allow_host(policy, rule), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(policy, "*.evil.test"), WSB_OK);
	assert_int_equal(wsb_policy_deny_host(policy, "deny.evil.test"), WSB_OK);
	assert_int_equal(wsb_policy_set_network_callback(policy, on_event, NULL), WSB_OK);
	if (wsb__w32_proxy_start(&px, port, policy, NULL, 0) != WSB_OK)
		fail_msg("wsb__w32_proxy_start: %s", wsb_error_message(NULL));
	assert_true(*port != 0);
	/* The proxy keeps its own copy of the rules. */
	wsb_policy_free(policy);
	return px;
}

/* Send a request and read the whole answer (the proxy closes after a
 * denial). */
static void ask(unsigned short port, const char *req, char *answer, int cap)
{
	SOCKET c = loopnet_dial(port);

	assert_int_equal(loopnet_send_all(c, req, (int)strlen(req)), 0);
	recv_to_eof(c, answer, cap);
	closesocket(c);
}

static int setup(void **state)
{
	WSADATA wsa;

	(void)state;
	assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
	loopnet_echo_start(&up);
	wsb__px_set_resolver(resolve);
	events_seen = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wsb__px_set_resolver(NULL);
	loopnet_echo_stop(&up);
	wsb__os_reset();
	assert_int_equal(wsb__w32_proxy_threads(), 0);
	WSACleanup();
	return 0;
}

/* ---- what a client sees ---- */

static void connect_to_an_allowed_name_carries_bytes_both_ways(void **state)
{
	static char out[200000], in[200000];
	unsigned short port;
	struct wsb__w32_proxy *px = start_proxy(&port);
	char req[128], reply[40] = { 0 }, tail[8] = { 0 }, *json = NULL;
	SOCKET c = loopnet_dial(port);
	int i;

	(void)state;
	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = (char)('a' + i % 26);
	snprintf(req, sizeof(req), "CONNECT pypi.test:%u HTTP/1.1\r\nHost: pypi.test:%u\r\n\r\n",
		up.port, up.port);
	assert_int_equal(loopnet_send_all(c, req, (int)strlen(req)), 0);
	assert_int_equal(loopnet_recv_all(c, reply, 39), 0);
	assert_string_equal(reply, "HTTP/1.1 200 Connection established\r\n\r\n");
	/* Not TLS: passed on as it is, after the SNI check saw no hello. */
	assert_int_equal(loopnet_send_all(c, out, sizeof(out)), 0);
	assert_int_equal(loopnet_recv_all(c, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	/* A half-close reaches the upstream, and its answer comes back. */
	shutdown(c, SD_SEND);
	assert_int_equal(loopnet_recv_all(c, tail, 5), 0);
	assert_string_equal(tail, "<EOF>");
	assert_int_equal(recv_to_eof(c, tail, sizeof(tail)), 0);
	closesocket(c);
	assert_int_equal(wsb__w32_proxy_events_json(&json, px, 5000), WSB_OK);
	assert_non_null(strstr(json, "\"protocol\":\"connect\",\"host\":\"pypi.test\""));
	assert_non_null(strstr(json, "\"address\":\"127.0.0.1\",\"allowed\":true"));
	assert_non_null(strstr(json, "\"bytes_up\":200000,\"bytes_down\":200005"));
	assert_non_null(strstr(json, "\"not_kept\":0"));
	wsb__free(json);
	wsb__w32_proxy_stop(px);
	assert_int_equal(events_seen, 1);
}

static void a_denied_name_gets_403_with_the_reason(void **state)
{
	unsigned short port;
	struct wsb__w32_proxy *px = start_proxy(&port);
	char answer[2048], *json = NULL;

	(void)state;
	ask(port, "CONNECT other.test:443 HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	assert_non_null(strstr(answer, "\r\nX-Wsandbox-Denied: "));
	assert_non_null(strstr(answer, "\r\n\r\nwsandbox: other.test:443 is not allowed: "));
	/* A request no parser takes: its own answer, and the audit says why. */
	ask(port, "GET /relative HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 400 Bad Request\r\n", 26);
	/* Deny wins over the wildcard that allows its parent. */
	ask(port, "CONNECT deny.evil.test:443 HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	assert_int_equal(wsb__w32_proxy_events_json(&json, px, 5000), WSB_OK);
	assert_non_null(strstr(json, "\"host\":\"other.test\",\"port\":443,\"address\":\"\",\"allowed\":false"));
	assert_non_null(strstr(json, "\"host\":\"deny.evil.test\",\"port\":443,\"address\":\"\","
		"\"allowed\":false,\"rule\":\"deny.evil.test:*\""));
	assert_null(strstr(json, "\"reason\":\"\""));
	wsb__free(json);
	wsb__w32_proxy_stop(px);
}

static void plain_http_is_rewritten_to_origin_form(void **state)
{
	unsigned short port;
	struct wsb__w32_proxy *px = start_proxy(&port);
	char req[256], answer[2048];

	(void)state;
	snprintf(req, sizeof(req), "GET http://pypi.test:%u/simple/ HTTP/1.1\r\nHost: pypi.test:%u\r\n"
		"Proxy-Connection: keep-alive\r\n\r\n", up.port, up.port);
	ask(port, req, answer, sizeof(answer));
	/* The echo shows what the upstream got. */
	assert_memory_equal(answer, "GET /simple/ HTTP/1.1\r\n", 23);
	assert_non_null(strstr(answer, "\r\nConnection: close\r\n"));
	assert_null(strstr(answer, "Proxy-Connection"));
	ask(port, "GET http://other.test/ HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	wsb__w32_proxy_stop(px);
}

static void socks5_with_a_name(void **state)
{
	unsigned short port;
	struct wsb__w32_proxy *px = start_proxy(&port);
	unsigned char req[64], reply[10];
	char in[8] = { 0 };
	SOCKET c;
	size_t n;

	(void)state;
	/* Allowed: greeting, request by name, then the tunnel. */
	c = loopnet_dial(port);
	assert_int_equal(loopnet_send_all(c, "\x05\x01\x00", 3), 0);
	assert_int_equal(loopnet_recv_all(c, (char *)reply, 2), 0);
	assert_memory_equal(reply, "\x05\x00", 2);
	n = 0;
	req[n++] = 5; req[n++] = 1; req[n++] = 0; req[n++] = 3; req[n++] = 9;
	memcpy(req + n, "pypi.test", 9);
	n += 9;
	req[n++] = (unsigned char)(up.port >> 8);
	req[n++] = (unsigned char)(up.port & 0xff);
	assert_int_equal(loopnet_send_all(c, (char *)req, (int)n), 0);
	assert_int_equal(loopnet_recv_all(c, (char *)reply, 10), 0);
	assert_int_equal(reply[0], 5);
	assert_int_equal(reply[1], 0);
	assert_int_equal(loopnet_send_all(c, "ping", 4), 0);
	assert_int_equal(loopnet_recv_all(c, in, 4), 0);
	assert_string_equal(in, "ping");
	closesocket(c);
	/* Refused: reply 2, "connection not allowed by ruleset". */
	c = loopnet_dial(port);
	assert_int_equal(loopnet_send_all(c, "\x05\x01\x00", 3), 0);
	assert_int_equal(loopnet_recv_all(c, (char *)reply, 2), 0);
	memcpy(req + 5, "evil.test", 9);
	req[14] = 1;
	req[15] = 187;
	assert_int_equal(loopnet_send_all(c, (char *)req, 16), 0);
	assert_int_equal(loopnet_recv_all(c, (char *)reply, 10), 0);
	assert_int_equal(reply[1], 2);
	closesocket(c);
	wsb__w32_proxy_stop(px);
}

static void address_literals_and_the_metadata_address_are_refused(void **state)
{
	unsigned short port;
	struct wsb__w32_proxy *px = start_proxy(&port);
	char req[128], answer[2048], *json = NULL;

	(void)state;
	ask(port, "CONNECT 169.254.169.254:80 HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	/* The upstream's own address, but a port no address rule names. */
	ask(port, "CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	/* An allowed name that resolves to the metadata address. */
	snprintf(req, sizeof(req), "CONNECT meta.test:%u HTTP/1.1\r\n\r\n", up.port);
	ask(port, req, answer, sizeof(answer));
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	assert_non_null(strstr(answer, "link-local"));
	assert_int_equal(wsb__w32_proxy_events_json(&json, px, 5000), WSB_OK);
	assert_non_null(strstr(json, "\"host\":\"meta.test\""));
	assert_non_null(strstr(json, "\"address\":\"169.254.169.254\",\"allowed\":false"));
	wsb__free(json);
	wsb__w32_proxy_stop(px);
	assert_int_equal(events_seen, 3);
}

/* ---- cleanup ---- */

/* Count sockets and Winsock starts; with threads also thread handles,
 * which only works where the proxy is the seam's only user of CreateThread
 * and CloseHandle (not in a spawn). */
static void count_everything(int threads)
{
	fakefs_count_sockets(threads ? FAKEFS_COUNT_THREADS | FAKEFS_COUNT_CLOSES : 0);
}

static void assert_nothing_left(const char *when)
{
	if (fakefs_sockets != 0 || fakefs_wsa != 0 || fakefs_threads != 0 || wsb__w32_proxy_threads() != 0)
		fail_msg("%s: %ld sockets, %ld Winsock starts, %ld thread handles, %ld connection "
			"threads left", when, (long)fakefs_sockets, (long)fakefs_wsa, (long)fakefs_threads,
			wsb__w32_proxy_threads());
}

static void stopping_with_clients_in_every_state_leaves_nothing(void **state)
{
	unsigned short port;
	struct wsb__w32_proxy *px;
	char req[128], reply[40] = { 0 };
	SOCKET half, open, idle;
	unsigned long before;
	int i;

	(void)state;
	count_everything(1);
	before = fakefs_handles();
	px = start_proxy(&port);
	/* Half a request, a tunnel open, a client that never said a thing. */
	half = loopnet_dial(port);
	assert_int_equal(loopnet_send_all(half, "CONNECT pypi.te", 15), 0);
	open = loopnet_dial(port);
	snprintf(req, sizeof(req), "CONNECT pypi.test:%u HTTP/1.1\r\n\r\n", up.port);
	assert_int_equal(loopnet_send_all(open, req, (int)strlen(req)), 0);
	assert_int_equal(loopnet_recv_all(open, reply, 39), 0);
	assert_int_equal(loopnet_send_all(open, "x", 1), 0);
	assert_int_equal(loopnet_recv_all(open, reply, 1), 0);
	idle = loopnet_dial(port);
	for (i = 0; wsb__w32_proxy_threads() < 3 && i < 1000; i++)
		Sleep(10);
	assert_int_equal(wsb__w32_proxy_threads(), 3);
	wsb__w32_proxy_stop(px);
	assert_nothing_left("after stop");
	closesocket(half);
	closesocket(open);
	closesocket(idle);
	/* A few handles of Winsock's own may come and go; not ours. */
	assert_true(fakefs_handles() <= before + 4);
}

/* Fail the target-th faultable call made on any thread but the test's. */
typedef struct any_fault {
	DWORD test_thread;
	unsigned long target;
	volatile LONG seen;
} any_fault;

static int fail_off_thread(const char *name, unsigned long index, void *ctx)
{
	any_fault *f = ctx;

	(void)name;
	(void)index;
	if (GetCurrentThreadId() == f->test_thread)
		return 0;
	return (unsigned long)InterlockedIncrement(&f->seen) == f->target;
}

static void every_failing_call_of_the_start_is_clean(void **state)
{
	unsigned long k, faults = 0;
	int done = 0;

	(void)state;
	count_everything(1);
	for (k = 1; k < 100 && !done; k++) {
		struct wsb__w32_proxy *px = NULL;
		wsb_policy *policy = NULL;
		unsigned short port = 1;
		fakefs_fault f;
		int rc;

		assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
		assert_int_equal(wsb_policy_allow_host(policy, "pypi.test"), WSB_OK);
		f.thread = GetCurrentThreadId();
		f.target = k;
		f.seen = 0;
		wsb__os_set_hook(fakefs_fail_on_thread, &f);
		rc = wsb__w32_proxy_start(&px, &port, policy, NULL, 0);
		wsb__os_set_hook(NULL, NULL);
		wsb_policy_free(policy);
		if (f.seen < k) {
			assert_int_equal(rc, WSB_OK);
			wsb__w32_proxy_stop(px);
			done = 1;
		} else {
			faults++;
			assert_true(rc < 0);
			assert_null(px);
			assert_int_equal(port, 0);
			if (!strstr(wsb_error_message(NULL), wsb__os_last_fault()))
				fail_msg("call %lu (%s) failed but the error does not name it: %s", k,
					wsb__os_last_fault(), wsb_error_message(NULL));
		}
		assert_nothing_left(wsb__os_last_fault() ? wsb__os_last_fault() : "no fault");
	}
	assert_true(done);
	print_message("proxy start: %lu calls failed in turn, each cleaned up\n", faults);
	assert_true(faults >= 8);
}

/* While serving a CONNECT tunnel: each Winsock or thread call of the
 * proxy's threads fails in turn. The client gets an answer or a closed
 * connection, never a hang, and stopping leaves nothing. */
static void every_failing_call_while_serving_is_clean(void **state)
{
	unsigned long k, faults = 0;
	int done = 0;

	(void)state;
	count_everything(1);
	for (k = 1; k < 200 && !done; k++) {
		unsigned short port;
		struct wsb__w32_proxy *px = start_proxy(&port);
		char req[128], answer[256];
		DWORD ms = 2000;
		any_fault f;
		SOCKET c;

		f.test_thread = GetCurrentThreadId();
		f.target = k;
		f.seen = 0;
		c = loopnet_dial(port);
		/* A failed shutdown keeps the upstream waiting for our FIN: the
		 * client gives up after 2 s, then closes. */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof(ms));
		wsb__os_set_hook(fail_off_thread, &f);
		snprintf(req, sizeof(req), "CONNECT pypi.test:%u HTTP/1.1\r\n\r\nping", up.port);
		loopnet_send_all(c, req, (int)strlen(req));
		shutdown(c, SD_SEND);
		recv_to_eof(c, answer, sizeof(answer));
		closesocket(c);
		wsb__w32_proxy_stop(px);
		wsb__os_set_hook(NULL, NULL);
		if ((unsigned long)f.seen < k) {
			/* No call failed: the whole exchange went through. */
			assert_non_null(strstr(answer, "\r\n\r\nping<EOF>"));
			done = 1;
		} else {
			faults++;
		}
		assert_nothing_left(wsb__os_last_fault() ? wsb__os_last_fault() : "no fault");
	}
	assert_true(done);
	print_message("proxy serving: %lu calls failed in turn, each cleaned up\n", faults);
	assert_true(faults >= 8);
}

static void a_taken_port_is_skipped_and_all_taken_is_eexist(void **state)
{
	struct wsb__w32_proxy *px = NULL;
	wsb_policy *policy = NULL;
	unsigned short ports[2], port = 0;
	struct sockaddr_in a;
	int alen = sizeof(a);
	SOCKET taken = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), free_s;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(taken, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(taken, 1), 0);
	assert_int_equal(getsockname(taken, (struct sockaddr *)&a, &alen), 0);
	ports[0] = ntohs(a.sin_port);
	free_s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	a.sin_port = 0;
	assert_int_equal(bind(free_s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(free_s, (struct sockaddr *)&a, &alen), 0);
	ports[1] = ntohs(a.sin_port);
	closesocket(free_s);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb__w32_proxy_start(&px, &port, policy, ports, 2), WSB_OK);
	assert_int_equal(port, ports[1]);
	wsb__w32_proxy_stop(px);
	assert_int_equal(wsb__w32_proxy_start(&px, &port, policy, ports, 1), WSB_EEXIST);
	assert_null(px);
	assert_non_null(strstr(wsb_error_message(NULL), "in use"));
	wsb_policy_free(policy);
	closesocket(taken);
}

/* ---- through the public API, as the caller's own user ---- */

static wsb_identity *own_identity(void)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *identity = NULL;

	io.state_dir = fakefs_temp_dir("proxystate");
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	return identity;
}

/* The restricted token has no network enforcement: as for network off,
 * the spawn fails closed unless the caller accepts that, and nothing of
 * the proxy is left behind. */
static void the_unelevated_allowlist_fails_closed_unless_accepted(void **state)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_identity *identity = own_identity();
	wsb_policy *policy = allowlist_policy();
	wsb_process *p = (wsb_process *)1;
	wsb_plan *plan = (wsb_plan *)1;

	(void)state;
	count_everything(0);
	o.argv = argv;
	o.cwd = fakefs_temp_dir("proxycwd");
	assert_int_equal(wsb_spawn(&p, policy, identity, &o), WSB_EUNAVAIL);
	assert_null(p);
	assert_non_null(strstr(wsb_error_message(NULL), "network isolation"));
	assert_non_null(strstr(wsb_error_message(NULL), "wsb_policy_allow_missing"));
	assert_nothing_left("refused spawn");
	/* Accepted, but with a loopback relay too: the proxy would take the
	 * relay's place, so neither plan nor spawn takes the policy. */
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(policy, 47699, up.port), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, policy, identity), WSB_ECONFLICT);
	assert_null(plan);
	assert_int_equal(wsb_spawn(&p, policy, identity, &o), WSB_ECONFLICT);
	assert_null(p);
	assert_nothing_left("conflicting spawn");
	wsb_policy_free(policy);
	wsb_identity_free(identity);
}

/* Accepted as advisory: the proxy runs for the process, the variables
 * point at it (and no package manager is told to stay offline), the
 * protections say advisory, the result has the audit, and freeing the
 * process stops it. */
static void an_accepted_unelevated_allowlist_runs_the_proxy_for_the_process(void **state)
{
	const char *argv[] = { "cmd", "/c", "echo %HTTP_PROXY% %HTTPS_PROXY% %ALL_PROXY% "
		"[%NO_PROXY%] %PIP_NO_INDEX%", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_identity *identity = own_identity();
	wsb_policy *policy = allowlist_policy();
	wsb_process *p = NULL;
	wsb_plan *plan = NULL;
	unsigned int port = 0;
	char want[160], req[128], reply[40] = { 0 }, in[8] = { 0 }, *json = NULL, *plan_json = NULL;
	const char *out;
	SOCKET c;

	(void)state;
	count_everything(0);
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, policy, identity), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&plan_json, plan), WSB_OK);
	assert_non_null(strstr(plan_json, "\"network_proxy\""));
	assert_non_null(strstr(plan_json, "network allow-list is advisory only"));
	assert_null(strstr(plan_json, "PIP_NO_INDEX"));
	wsb__free(plan_json);
	wsb_plan_free(plan);
	o.argv = argv;
	o.cwd = fakefs_temp_dir("proxycwd");
	if (wsb_run(&p, policy, identity, &o, NULL, 0) != WSB_OK)
		fail_msg("wsb_run: %s", wsb_error_message(NULL));
	assert_true(wsb_process_protections(p) & WSB_PROT_NETWORK_ADVISORY);
	assert_false(wsb_process_protections(p) & WSB_PROT_NETWORK);
	out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	assert_non_null(out);
	assert_int_equal(sscanf(out, "http://127.0.0.1:%u ", &port), 1);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u http://127.0.0.1:%u http://127.0.0.1:%u [] "
		"%%PIP_NO_INDEX%%\r\n", port, port, port);
	assert_string_equal(out, want);
	/* Until the process is freed, its proxy serves. */
	c = loopnet_dial((unsigned short)port);
	snprintf(req, sizeof(req), "CONNECT pypi.test:%u HTTP/1.1\r\n\r\n", up.port);
	assert_int_equal(loopnet_send_all(c, req, (int)strlen(req)), 0);
	assert_int_equal(loopnet_recv_all(c, reply, 39), 0);
	assert_string_equal(reply, "HTTP/1.1 200 Connection established\r\n\r\n");
	assert_int_equal(loopnet_send_all(c, "ping", 4), 0);
	assert_int_equal(loopnet_recv_all(c, in, 4), 0);
	assert_string_equal(in, "ping");
	closesocket(c);
	assert_int_equal(wsb_process_to_json(&json, p), WSB_OK);
	assert_non_null(strstr(json, "\"network\":{\"connections\":[{\"protocol\":\"connect\","
		"\"host\":\"pypi.test\""));
	wsb__free(json);
	wsb_process_free(p);
	assert_nothing_left("after wsb_process_free");
	wsb_policy_free(policy);
	wsb_identity_free(identity);
}

/* A spawn whose proxy cannot start fails with the call's error, before
 * the command starts, and leaves nothing: no socket, no Winsock start, no
 * journal entry. */
static int fail_bind(const char *name, unsigned long index, void *ctx)
{
	(void)index;
	(void)ctx;
	return strcmp(name, "bind") == 0;
}

static void a_spawn_whose_proxy_cannot_start_fails_and_leaves_nothing(void **state)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_identity *identity = own_identity();
	wsb_policy *policy = allowlist_policy();
	wsb_process *p = (wsb_process *)1;
	size_t outstanding = 1;

	(void)state;
	count_everything(0);
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	o.argv = argv;
	o.cwd = fakefs_temp_dir("proxycwd");
	wsb__os_set_hook(fail_bind, NULL);
	assert_true(wsb_spawn(&p, policy, identity, &o) < 0);
	wsb__os_set_hook(NULL, NULL);
	assert_null(p);
	assert_non_null(strstr(wsb_error_message(NULL), "bind"));
	assert_non_null(strstr(wsb_error_message(NULL), "proxy"));
	assert_nothing_left("failed spawn");
	assert_int_equal(wsb__journal_outstanding(&outstanding, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(outstanding, 0);
	wsb_policy_free(policy);
	wsb_identity_free(identity);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(connect_to_an_allowed_name_carries_bytes_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(a_denied_name_gets_403_with_the_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(plain_http_is_rewritten_to_origin_form, setup, teardown),
		cmocka_unit_test_setup_teardown(socks5_with_a_name, setup, teardown),
		cmocka_unit_test_setup_teardown(address_literals_and_the_metadata_address_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(stopping_with_clients_in_every_state_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(every_failing_call_of_the_start_is_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(every_failing_call_while_serving_is_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(a_taken_port_is_skipped_and_all_taken_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(the_unelevated_allowlist_fails_closed_unless_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(an_accepted_unelevated_allowlist_runs_the_proxy_for_the_process, setup, teardown),
		cmocka_unit_test_setup_teardown(a_spawn_whose_proxy_cannot_start_fails_and_leaves_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
