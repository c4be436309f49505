/* The loopback relay under Wine, whose Winsock is real: an echo server on an
 * ephemeral 127.0.0.1 port, a relay from another free port to it, and
 * clients of the test connecting to the relay. Bytes both ways, many
 * connections, half-close, a refusing target, a taken port, sharing by
 * reference count, the connection bound, every failing call of the start,
 * and a real spawn that runs the relay and gets the proxy variables. What
 * the firewall lets the sandbox user reach is not tested here (Wine has no
 * firewall). */
#include <winsock2.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/relay.h"
#include "fakefs.h"
#include "loopnet.h"

/* 1 if the peer closed cleanly (recv says 0), 0 for anything else. */
static int at_eof(SOCKET s)
{
	char c;

	return recv(s, &c, 1, 0) == 0;
}

static loopnet_echo srv;

static int setup(void **state)
{
	WSADATA wsa;

	(void)state;
	assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
	loopnet_echo_start(&srv);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	loopnet_echo_stop(&srv);
	wsb__os_reset();
	assert_int_equal(wsb__relay_count(), 0);
	WSACleanup();
	return 0;
}

/* ---- the relay module ---- */

static void bytes_go_through_both_ways(void **state)
{
	struct wsb__relay *r = NULL;
	unsigned short port = loopnet_free_port();
	static char out[8192], in[8192];
	SOCKET c;
	int i, j;

	(void)state;
	assert_int_equal(wsb__relay_acquire(&r, port, srv.port), WSB_OK);
	assert_non_null(r);
	assert_int_equal(wsb__relay_count(), 1);
	c = loopnet_dial(port);
	/* 1 MiB in all, more than every buffer on the way holds. */
	for (i = 0; i < 128; i++) {
		for (j = 0; j < (int)sizeof(out); j++)
			out[j] = (char)(i * 7 + j * 13);
		assert_int_equal(loopnet_send_all(c, out, sizeof(out)), 0);
		assert_int_equal(loopnet_recv_all(c, in, sizeof(in)), 0);
		assert_memory_equal(in, out, sizeof(out));
	}
	closesocket(c);
	wsb__relay_release(r);
	assert_int_equal(wsb__relay_count(), 0);
}

static void many_connections_at_once_each_get_their_own_bytes(void **state)
{
	enum { N = 40 };
	struct wsb__relay *r = NULL;
	unsigned short port = loopnet_free_port();
	SOCKET c[N];
	char msg[32], in[32];
	int i;

	(void)state;
	assert_int_equal(wsb__relay_acquire(&r, port, srv.port), WSB_OK);
	for (i = 0; i < N; i++)
		c[i] = loopnet_dial(port);
	for (i = 0; i < N; i++) {
		snprintf(msg, sizeof(msg), "connection %02d", i);
		assert_int_equal(loopnet_send_all(c[i], msg, (int)strlen(msg)), 0);
	}
	for (i = N - 1; i >= 0; i--) {
		snprintf(msg, sizeof(msg), "connection %02d", i);
		memset(in, 0, sizeof(in));
		assert_int_equal(loopnet_recv_all(c[i], in, (int)strlen(msg)), 0);
		assert_string_equal(in, msg);
		closesocket(c[i]);
	}
	wsb__relay_release(r);
}

/* The client's FIN reaches the target, which still answers afterwards, and
 * the target's FIN comes back: a half-closed connection carries on. */
static void a_half_close_is_passed_on_both_ways(void **state)
{
	struct wsb__relay *r = NULL;
	unsigned short port = loopnet_free_port();
	char in[16] = { 0 };
	SOCKET c;

	(void)state;
	assert_int_equal(wsb__relay_acquire(&r, port, srv.port), WSB_OK);
	c = loopnet_dial(port);
	assert_int_equal(loopnet_send_all(c, "hello", 5), 0);
	assert_int_equal(shutdown(c, SD_SEND), 0);
	assert_int_equal(loopnet_recv_all(c, in, 10), 0);
	assert_string_equal(in, "hello<EOF>");
	assert_true(at_eof(c));
	closesocket(c);
	wsb__relay_release(r);
}

static void a_refusing_target_closes_the_client_cleanly(void **state)
{
	struct wsb__relay *r = NULL;
	unsigned short port = loopnet_free_port(), nobody = loopnet_free_port();
	SOCKET c;

	(void)state;
	assert_int_equal(wsb__relay_acquire(&r, port, nobody), WSB_OK);
	c = loopnet_dial(port);
	assert_true(at_eof(c));
	closesocket(c);
	/* The relay itself lives on. */
	c = loopnet_dial(port);
	assert_true(at_eof(c));
	closesocket(c);
	wsb__relay_release(r);
}

static void a_port_another_program_holds_is_eexist(void **state)
{
	struct wsb__relay *r = (struct wsb__relay *)1;
	unsigned short port;
	SOCKET taken = loopnet_listen(&port);

	(void)state;
	assert_int_equal(wsb__relay_acquire(&r, port, srv.port), WSB_EEXIST);
	assert_null(r);
	assert_non_null(strstr(wsb_error_message(NULL), "already in use by another program"));
	assert_int_equal(wsb__relay_count(), 0);
	closesocket(taken);
	/* Free again: now it starts. */
	assert_int_equal(wsb__relay_acquire(&r, port, srv.port), WSB_OK);
	wsb__relay_release(r);
}

static void one_relay_per_port_is_shared_by_reference_count(void **state)
{
	struct wsb__relay *a = NULL, *b = NULL, *other = (struct wsb__relay *)1;
	unsigned short port = loopnet_free_port();
	char in[8] = { 0 };
	SOCKET c, probe;

	(void)state;
	assert_int_equal(wsb__relay_acquire(&a, port, srv.port), WSB_OK);
	assert_int_equal(wsb__relay_acquire(&b, port, srv.port), WSB_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(wsb__relay_count(), 1);
	assert_int_equal(wsb__relay_acquire(&other, port, (unsigned short)(srv.port + 1)), WSB_ECONFLICT);
	assert_null(other);
	wsb__relay_release(a);
	/* Still relaying for the second holder. */
	c = loopnet_dial(port);
	assert_int_equal(loopnet_send_all(c, "ping", 4), 0);
	assert_int_equal(loopnet_recv_all(c, in, 4), 0);
	assert_string_equal(in, "ping");
	closesocket(c);
	wsb__relay_release(b);
	assert_int_equal(wsb__relay_count(), 0);
	/* The port is free again. */
	{
		struct sockaddr_in addr;
		probe = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
		loopnet_addr(&addr, port);
		assert_int_equal(bind(probe, (struct sockaddr *)&addr, sizeof(addr)), 0);
		closesocket(probe);
	}
}

/* Connections past WSB__RELAY_MAX_CONNS are accepted and closed at once; the
 * ones carried stay open. The target only queues connections (never
 * accepts): connecting to it completes all the same. */
static void connections_past_the_bound_are_refused(void **state)
{
	struct wsb__relay *r = NULL;
	unsigned short port = loopnet_free_port(), target;
	SOCKET sink = loopnet_listen(&target);
	static SOCKET c[WSB__RELAY_MAX_CONNS + 1];
	struct timeval zero = { 0, 0 };
	fd_set rd;
	int i, waited;

	(void)state;
	assert_int_equal(wsb__relay_acquire(&r, port, target), WSB_OK);
	for (i = 0; i < WSB__RELAY_MAX_CONNS + 1; i++)
		c[i] = loopnet_dial(port);
	for (waited = 0; wsb__relay_refused(r) == 0 && waited < 200; waited++)
		Sleep(50);
	assert_int_equal(wsb__relay_refused(r), 1);
	/* The last one in was the one turned away. */
	assert_true(at_eof(c[WSB__RELAY_MAX_CONNS]));
	FD_ZERO(&rd);
	FD_SET(c[0], &rd);
	assert_int_equal(select(0, &rd, NULL, NULL, &zero), 0);
	for (i = 0; i < WSB__RELAY_MAX_CONNS + 1; i++)
		closesocket(c[i]);
	wsb__relay_release(r);
	closesocket(sink);
}

/* ---- every failing call of the start ---- */

static void every_failing_call_of_the_start_leaves_nothing_behind(void **state)
{
	unsigned short port = loopnet_free_port();
	unsigned long k, handles, faults = 0;
	int done = 0;

	(void)state;
	fakefs_count_sockets(FAKEFS_COUNT_THREADS);
	/* Warm up what Winsock loads lazily, so the handle count is stable. */
	{
		struct wsb__relay *r = NULL;
		assert_int_equal(wsb__relay_acquire(&r, port, srv.port), WSB_OK);
		wsb__relay_release(r);
	}
	for (k = 1; k < 100 && !done; k++) {
		struct wsb__relay *r = NULL;
		fakefs_fault f;
		int rc;

		fakefs_sockets = fakefs_wsa = fakefs_threads = 0;
		handles = fakefs_handles();
		f.thread = GetCurrentThreadId();
		f.target = k;
		f.seen = 0;
		wsb__os_set_hook(fakefs_fail_on_thread, &f);
		rc = wsb__relay_acquire(&r, port, srv.port);
		wsb__os_set_hook(NULL, NULL);
		if (f.seen < k) {
			/* No call was failed: the whole start is covered. */
			assert_int_equal(rc, WSB_OK);
			assert_int_equal(fakefs_threads, 1);
			wsb__relay_release(r);
			done = 1;
		} else {
			faults++;
			assert_true(rc < 0);
			assert_null(r);
			if (!strstr(wsb_error_message(NULL), wsb__os_last_fault()))
				fail_msg("call %lu (%s) failed but the error does not name it: %s", k,
					wsb__os_last_fault(), wsb_error_message(NULL));
			assert_int_equal(fakefs_threads, 0);
		}
		if (fakefs_sockets != 0 || fakefs_wsa != 0 || fakefs_handles() != handles ||
				wsb__relay_count() != 0)
			fail_msg("call %lu (%s): %ld sockets and %ld Winsock starts left, %lu handles "
				"before and %lu after, %lu relays", k, wsb__os_last_fault(), (long)fakefs_sockets,
				(long)fakefs_wsa, handles, fakefs_handles(), (unsigned long)wsb__relay_count());
	}
	assert_true(done);
	print_message("relay start: %lu calls failed in turn, each cleaned up\n", faults);
	assert_true(faults >= 10);
}

/* ---- through the public API ---- */

static void a_spawn_runs_the_relay_and_sets_the_proxy_variables(void **state)
{
	const char *argv[] = { "cmd", "/c", "echo", "%HTTP_PROXY%", "%HTTPS_PROXY%", "%ALL_PROXY%", NULL };
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_identity *identity = NULL;
	wsb_policy *policy = NULL;
	wsb_process *p = NULL;
	unsigned short port = loopnet_free_port();
	char want[128], in[8] = { 0 };
	SOCKET c;

	(void)state;
	io.state_dir = fakefs_temp_dir("relaystate");
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(policy, port, srv.port), WSB_OK);
	/* The caller's own choice is kept. */
	assert_int_equal(wsb_policy_env_set(policy, "https_proxy", "http://mine:1"), WSB_OK);
	o.argv = argv;
	o.cwd = fakefs_temp_dir("relaycwd");
	if (wsb_run(&p, policy, identity, &o, NULL, 0) != WSB_OK)
		fail_msg("wsb_run: %s", wsb_error_message(NULL));
	/* Until the process is freed, the relay carries bytes. */
	assert_int_equal(wsb__relay_count(), 1);
	c = loopnet_dial(port);
	assert_int_equal(loopnet_send_all(c, "ping", 4), 0);
	assert_int_equal(loopnet_recv_all(c, in, 4), 0);
	assert_string_equal(in, "ping");
	closesocket(c);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u http://mine:1 http://127.0.0.1:%u\r\n",
		port, port);
	assert_string_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT), want);
	/* Freeing the process stops the relay. */
	wsb_process_free(p);
	assert_int_equal(wsb__relay_count(), 0);
	wsb_policy_free(policy);
	wsb_identity_free(identity);
}

static void a_spawn_whose_relay_cannot_start_fails_and_leaves_nothing(void **state)
{
	const char *argv[] = { "cmd", "/c", "echo", "x", NULL };
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_identity *identity = NULL;
	wsb_policy *policy = NULL;
	wsb_process *p = (wsb_process *)1;
	unsigned short port;
	SOCKET taken = loopnet_listen(&port);
	size_t outstanding = 1;

	(void)state;
	io.state_dir = fakefs_temp_dir("relaystate2");
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(policy, port, srv.port), WSB_OK);
	o.argv = argv;
	o.cwd = fakefs_temp_dir("relaycwd2");
	assert_int_equal(wsb_spawn(&p, policy, identity, &o), WSB_EEXIST);
	assert_null(p);
	assert_int_equal(wsb__relay_count(), 0);
	assert_int_equal(wsb__journal_outstanding(&outstanding, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(outstanding, 0);
	closesocket(taken);
	wsb_policy_free(policy);
	wsb_identity_free(identity);
}

static void the_plan_shows_the_relay_and_its_variables(void **state)
{
	wsb_policy *policy = NULL;
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(policy, 18080, 7890), WSB_OK);
	if (wsb_plan_create(&plan, policy, NULL) != WSB_OK)
		fail_msg("wsb_plan_create: %s", wsb_error_message(NULL));
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "{\"kind\":\"loopback_relay\",\"action\":\"add\","
		"\"target\":\"127.0.0.1:7890\",\"listen\":\"127.0.0.1:18080\"}"));
	assert_non_null(strstr(json, "{\"kind\":\"env\",\"action\":\"set\",\"target\":\"ALL_PROXY\","
		"\"value\":\"http://127.0.0.1:18080\"}"));
	/* A plan starts nothing. */
	assert_int_equal(wsb__relay_count(), 0);
	wsb__free(json);
	wsb_plan_free(plan);
	wsb_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bytes_go_through_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(many_connections_at_once_each_get_their_own_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(a_half_close_is_passed_on_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(a_refusing_target_closes_the_client_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(a_port_another_program_holds_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(one_relay_per_port_is_shared_by_reference_count, setup, teardown),
		cmocka_unit_test_setup_teardown(connections_past_the_bound_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(every_failing_call_of_the_start_leaves_nothing_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(a_spawn_runs_the_relay_and_sets_the_proxy_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(a_spawn_whose_relay_cannot_start_fails_and_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(the_plan_shows_the_relay_and_its_variables, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
