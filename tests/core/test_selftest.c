/*
 * The self-test's judge and report, fed fabricated observations: the
 * FAILED verdict (reported in force, yet escaped) must be reachable and
 * counted, whatever this machine enforces. The real runs are in
 * tests/tools (SelfTest*) on the kernel and under Wine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/selftest.h"
#include "core/common.h"

static void judge_in_force_and_refused_is_proved(void **state)
{
	(void)state;
	assert_int_equal(wsb__st_judge(1, WSB__ST_REFUSED), WSB__ST_PROVED);
}

static void judge_in_force_and_escaped_is_failed(void **state)
{
	(void)state;
	assert_int_equal(wsb__st_judge(1, WSB__ST_ESCAPED), WSB__ST_FAILED);
}

static void judge_not_in_force_is_missing_whatever_happened(void **state)
{
	(void)state;
	assert_int_equal(wsb__st_judge(0, WSB__ST_ESCAPED), WSB__ST_MISSING);
	assert_int_equal(wsb__st_judge(0, WSB__ST_REFUSED), WSB__ST_MISSING);
	assert_int_equal(wsb__st_judge(0, WSB__ST_UNKNOWN), WSB__ST_MISSING);
}

static void judge_unknown_observation_in_force_is_unproven(void **state)
{
	(void)state;
	assert_int_equal(wsb__st_judge(1, WSB__ST_UNKNOWN), WSB__ST_UNPROVEN);
}

static void status_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(wsb__st_status_name(WSB__ST_PROVED), "proved");
	assert_string_equal(wsb__st_status_name(WSB__ST_MISSING), "missing");
	assert_string_equal(wsb__st_status_name(WSB__ST_FAILED), "FAILED");
	assert_string_equal(wsb__st_status_name(WSB__ST_UNPROVEN), "unproven");
}

static wsb__st_result fabricated(const char *name, unsigned int prot, int in_force, int observed,
	const char *evidence)
{
	wsb__st_result r;

	memset(&r, 0, sizeof(r));
	r.name = name;
	r.attempt = "a fabricated attempt";
	r.protection = prot;
	r.in_force = in_force;
	r.observed = observed;
	r.status = wsb__st_judge(in_force, observed);
	r.evidence = (char *)evidence;
	return r;
}

static void report_shows_each_verdict_and_counts_failed(void **state)
{
	wsb__st_result r[4];
	char *json = NULL;

	(void)state;
	r[0] = fabricated("write_outside_roots", WSB_PROT_FS_WRITE, 1, WSB__ST_REFUSED, "refused");
	r[1] = fabricated("tcp_to_host", WSB_PROT_NETWORK, 1, WSB__ST_ESCAPED,
		"escaped; the host's listener was reached \"here\"");
	r[2] = fabricated("udp_to_host", WSB_PROT_NETWORK, 0, WSB__ST_ESCAPED, "escaped");
	r[3] = fabricated("outlive_timeout", WSB_PROT_PROCESS_TREE, 1, WSB__ST_UNKNOWN, "unknown");
	assert_int_equal(wsb__st_report_json(&json, r, 4, WSB_PROT_FS_WRITE | WSB_PROT_NETWORK,
		"/var/tmp/wsb-self-test-x"), WSB_OK);
	assert_non_null(strstr(json, "\"format\":1"));
	assert_non_null(strstr(json, "\"work_dir\":\"/var/tmp/wsb-self-test-x\""));
	assert_non_null(strstr(json, "{\"name\":\"write_outside_roots\",\"protection\":\"fs_write\","
		"\"attempt\":\"a fabricated attempt\",\"in_force\":true,\"observed\":\"refused\","
		"\"status\":\"proved\",\"evidence\":\"refused\"}"));
	assert_non_null(strstr(json, "{\"name\":\"tcp_to_host\",\"protection\":\"network\","
		"\"attempt\":\"a fabricated attempt\",\"in_force\":true,\"observed\":\"escaped\","
		"\"status\":\"FAILED\",\"evidence\":\"escaped; the host's listener was reached "
		"\\\"here\\\"\"}"));
	assert_non_null(strstr(json, "\"name\":\"udp_to_host\",\"protection\":\"network\","
		"\"attempt\":\"a fabricated attempt\",\"in_force\":false,\"observed\":\"escaped\","
		"\"status\":\"missing\""));
	assert_non_null(strstr(json, "\"status\":\"unproven\""));
	assert_non_null(strstr(json, "\"summary\":{\"proved\":1,\"missing\":1,\"failed\":1,"
		"\"unproven\":1}"));
	wsb_free(json);
}

static void report_of_nothing_is_well_formed(void **state)
{
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb__st_report_json(&json, NULL, 0, 0, "/w"), WSB_OK);
	assert_non_null(strstr(json, "\"canaries\":[]"));
	assert_non_null(strstr(json, "\"summary\":{\"proved\":0,\"missing\":0,\"failed\":0,"
		"\"unproven\":0}"));
	wsb_free(json);
}

static void options_init_gives_the_defaults(void **state)
{
	wsb_self_test_options o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	assert_int_equal(wsb_self_test_options_init(&o, WSB_SELF_TEST_OPTIONS_VERSION), WSB_OK);
	assert_int_equal(o.version, WSB_SELF_TEST_OPTIONS_VERSION);
	assert_null(o.probe_argv);
	assert_null(o.work_dir);
}

static void probe_without_an_operation_is_usage(void **state)
{
	(void)state;
	assert_int_equal(wsb_self_test_probe(0, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(judge_in_force_and_refused_is_proved),
		cmocka_unit_test(judge_in_force_and_escaped_is_failed),
		cmocka_unit_test(judge_not_in_force_is_missing_whatever_happened),
		cmocka_unit_test(judge_unknown_observation_in_force_is_unproven),
		cmocka_unit_test(status_names_are_stable),
		cmocka_unit_test(report_shows_each_verdict_and_counts_failed),
		cmocka_unit_test(report_of_nothing_is_well_formed),
		cmocka_unit_test(options_init_gives_the_defaults),
		cmocka_unit_test(probe_without_an_operation_is_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
