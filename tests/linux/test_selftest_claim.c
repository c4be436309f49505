/*
 * The self-test seeing a failure on the real kernel: a test hook makes the
 * runner take network as in force while the policy leaves the network on,
 * so the canaries really reach the host's listeners and the self-test must
 * say FAILED and count it. This binary is its own probe (--probe).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/selftest.h"

static char self[4096];

static const char *status_of(const char *json, const char *name)
{
	static char out[16];
	char pat[64];
	const char *at, *s;
	size_t n;

	snprintf(pat, sizeof(pat), "{\"name\":\"%s\"", name);
	at = strstr(json, pat);
	assert_non_null(at);
	s = strstr(at, "\"status\":\"");
	assert_non_null(s);
	s += 10;
	n = strcspn(s, "\"");
	assert_true(n < sizeof(out));
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static char *self_test(unsigned int *failed, int network)
{
	const char *probe[] = { self, "--probe", NULL };
	wsb_self_test_options o = WSB_SELF_TEST_OPTIONS_INIT;
	wsb_policy *p = NULL;
	char *json = NULL;

	o.probe_argv = probe;
	assert_int_equal(wsb_policy_create(&p, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_network(p, network), WSB_OK);
	assert_int_equal(wsb_self_test(&json, failed, p, NULL, &o), WSB_OK);
	wsb_policy_free(p);
	return json;
}

static void claimed_network_that_is_on_is_failed(void **state)
{
	unsigned int failed = 0;
	char *json;

	(void)state;
	wsb__st_test_claim = WSB_PROT_NETWORK;
	json = self_test(&failed, WSB_NETWORK_ON);
	wsb__st_test_claim = 0;
	assert_string_equal(status_of(json, "tcp_to_host"), "FAILED");
	assert_string_equal(status_of(json, "udp_to_host"), "FAILED");
	assert_string_equal(status_of(json, "unix_abstract"), "FAILED");
	assert_string_equal(status_of(json, "unix_pathname"), "FAILED");
	assert_true(failed >= 4);
	assert_non_null(strstr(json, "\"in_force\":true,\"observed\":\"escaped\",\"status\":\"FAILED\""));
	/* What is really enforced is still proved alongside. */
	assert_string_equal(status_of(json, "write_outside_roots"), "proved");
	wsb_free(json);
}

static void without_the_hook_the_same_policy_fails_nothing(void **state)
{
	unsigned int failed = 7;
	char *json;

	(void)state;
	json = self_test(&failed, WSB_NETWORK_ON);
	assert_int_equal(failed, 0);
	assert_string_equal(status_of(json, "tcp_to_host"), "missing");
	wsb_free(json);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(claimed_network_that_is_on_is_failed),
		cmocka_unit_test(without_the_hook_the_same_policy_fails_nothing),
	};
	ssize_t n;

	if (argc >= 2 && strcmp(argv[1], "--probe") == 0)
		return wsb_self_test_probe(argc - 2, (const char *const *)argv + 2);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
