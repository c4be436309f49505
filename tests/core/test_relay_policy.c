/* The loopback relay setting: the setter's checks and copy semantics, the
 * policy summary and the plan step, and that a backend without a relay
 * refuses such a policy (fails closed) instead of ignoring it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"
#include "core/plan.h"
#include "backend.h"

static wsb_policy *new_policy(void)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, WSB_MODE_READ_ONLY), WSB_OK);
	return p;
}

static char *policy_json(const wsb_policy *p)
{
	char *s = NULL;

	assert_int_equal(wsb__policy_json_string(&s, p), WSB_OK);
	return s;
}

/* Assert a call failed with code and a message naming the setter, and left
 * the policy's summary as it was. */
static void expect_unchanged(wsb_policy *p, int code, unsigned short listen, unsigned short target)
{
	char *before = policy_json(p), *after;

	wsb_error_clear();
	assert_int_equal(wsb_policy_set_loopback_relay(p, listen, target), code);
	assert_int_equal(wsb_error_code(NULL), code);
	assert_non_null(strstr(wsb_error_message(NULL), "wsb_policy_set_loopback_relay"));
	after = policy_json(p);
	assert_string_equal(before, after);
	wsb__free(before);
	wsb__free(after);
}

static void a_new_policy_has_no_relay_and_no_summary_key(void **state)
{
	wsb_policy *p = new_policy();
	char *json = policy_json(p);

	(void)state;
	assert_int_equal(p->relay_listen, 0);
	assert_int_equal(p->relay_target, 0);
	assert_null(strstr(json, "loopback_relay"));
	wsb__free(json);
	wsb_policy_free(p);
}

static void the_relay_is_stored_and_shown_in_the_summary(void **state)
{
	wsb_policy *p = new_policy();
	char *json;

	(void)state;
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	assert_int_equal(p->relay_listen, 18080);
	assert_int_equal(p->relay_target, 7890);
	json = policy_json(p);
	assert_non_null(strstr(json, ",\"loopback_relay\":{\"listen\":18080,\"target\":7890}}"));
	wsb__free(json);
	wsb_policy_free(p);
}

static void setting_again_replaces_and_listen_zero_removes(void **state)
{
	wsb_policy *p = new_policy();
	char *json;

	(void)state;
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7891), WSB_OK);
	assert_int_equal(p->relay_target, 7891);
	/* listen 0 removes it whatever the target says. */
	assert_int_equal(wsb_policy_set_loopback_relay(p, 0, 7891), WSB_OK);
	assert_int_equal(p->relay_listen, 0);
	assert_int_equal(p->relay_target, 0);
	json = policy_json(p);
	assert_null(strstr(json, "loopback_relay"));
	wsb__free(json);
	assert_int_equal(wsb_policy_set_loopback_relay(p, 0, 0), WSB_OK);
	wsb_policy_free(p);
}

static void bad_input_is_refused_and_changes_nothing(void **state)
{
	wsb_policy *p = new_policy();

	(void)state;
	assert_int_equal(wsb_policy_set_loopback_relay(NULL, 18080, 7890), WSB_EINVAL);
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	expect_unchanged(p, WSB_ERANGE, 18081, 0);
	expect_unchanged(p, WSB_EINVAL, 7890, 7890);
	expect_unchanged(p, WSB_EINVAL, 65535, 65535);
	assert_non_null(strstr(wsb_error_message(NULL), "connect to itself"));
	assert_int_equal(p->relay_listen, 18080);
	assert_int_equal(p->relay_target, 7890);
	wsb_policy_free(p);
}

static void the_extreme_ports_are_accepted(void **state)
{
	wsb_policy *p = new_policy();

	(void)state;
	assert_int_equal(wsb_policy_set_loopback_relay(p, 1, 65535), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(p, 65535, 1), WSB_OK);
	assert_int_equal(p->relay_listen, 65535);
	assert_int_equal(p->relay_target, 1);
	wsb_policy_free(p);
}

/* The plan keeps its own rendering: freeing or changing the policy later
 * does not change it (the policy's values were copied). */
static void the_plan_step_and_summary_outlive_the_policy(void **state)
{
	wsb_policy *p = new_policy();
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	assert_int_equal(wsb__plan_new(&plan, "test", p), WSB_OK);
	assert_int_equal(wsb__plan_loopback_relay(plan, p), WSB_OK);
	assert_int_equal(wsb_policy_set_loopback_relay(p, 0, 0), WSB_OK);
	wsb_policy_free(p);
	assert_int_equal(plan->step_count, 1);
	assert_string_equal(plan->steps[0].kind, "loopback_relay");
	assert_string_equal(wsb__plan_step_get(&plan->steps[0], "listen"), "127.0.0.1:18080");
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "\"loopback_relay\":{\"listen\":18080,\"target\":7890}"));
	assert_non_null(strstr(json, "{\"kind\":\"loopback_relay\",\"action\":\"add\","
		"\"target\":\"127.0.0.1:7890\",\"listen\":\"127.0.0.1:18080\"}"));
	wsb__free(json);
	wsb_plan_free(plan);
}

static void no_relay_no_step(void **state)
{
	wsb_policy *p = new_policy();
	wsb_plan *plan = NULL;

	(void)state;
	assert_int_equal(wsb__plan_new(&plan, "test", p), WSB_OK);
	assert_int_equal(wsb__plan_loopback_relay(plan, p), WSB_OK);
	assert_int_equal(plan->step_count, 0);
	wsb_plan_free(plan);
	wsb_policy_free(p);
}

static void the_plan_step_survives_allocation_failure(void **state)
{
	wsb_policy *p = new_policy();
	unsigned long n;
	int rc;

	(void)state;
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	for (n = 1;; n++) {
		wsb_plan *plan = NULL;
		long live;

		assert_int_equal(wsb__plan_new(&plan, "test", p), WSB_OK);
		live = wsb__alloc_live();
		wsb__alloc_fail_after(n);
		rc = wsb__plan_loopback_relay(plan, p);
		wsb__alloc_fail_after(0);
		wsb_plan_free(plan);
		if (rc == WSB_OK)
			break;
		assert_int_equal(rc, WSB_ENOMEM);
		assert_true(wsb__alloc_live() <= live);
	}
	assert_true(n > 1);
	wsb_policy_free(p);
}

/* The Windows and Linux backends run the relay; the stub runs nothing and
 * must refuse it rather than plan as if it would run. */
static void a_backend_without_a_relay_refuses_the_policy(void **state)
{
	static const char *const argv[] = { "true", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *p = new_policy();
	wsb_process *proc = NULL;
	wsb_plan *plan = NULL;

	(void)state;
	if (strcmp(wsb__backend_name, "stub") != 0) {
		print_message("skipped: the %s backend runs the relay (tests/win32/test_relay.c, "
			"tests/linux/test_sandbox.c)\n", wsb__backend_name);
		wsb_policy_free(p);
		skip();
	}
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, p, NULL), WSB_ENOTSUP);
	assert_null(plan);
	assert_non_null(strstr(wsb_error_message(NULL), "Windows and Linux only"));
	o.argv = argv;
	assert_int_equal(wsb_spawn(&proc, p, NULL, &o), WSB_ENOTSUP);
	assert_null(proc);
	assert_non_null(strstr(wsb_error_message(NULL), "Windows and Linux only"));
	/* Without the relay the same policy plans again. */
	assert_int_equal(wsb_policy_set_loopback_relay(p, 0, 0), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, p, NULL), WSB_OK);
	wsb_plan_free(plan);
	wsb_policy_free(p);
}

/* Linux runs the relay in both network modes: the plan shows its step
 * (spawning it is tests/linux/test_sandbox.c, under the real kernel). */
static void the_linux_backend_plans_the_relay(void **state)
{
	wsb_policy *p = new_policy();
	wsb_plan *plan = NULL;
	size_t i, found;
	int net;

	(void)state;
	if (strcmp(wsb__backend_name, "linux") != 0) {
		print_message("skipped: not the linux backend\n");
		wsb_policy_free(p);
		skip();
	}
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	for (net = WSB_NETWORK_OFF; net <= WSB_NETWORK_ON; net++) {
		assert_int_equal(wsb_policy_set_network(p, net), WSB_OK);
		assert_int_equal(wsb_plan_create(&plan, p, NULL), WSB_OK);
		for (found = 0, i = 0; i < plan->step_count; i++)
			found += strcmp(plan->steps[i].kind, "loopback_relay") == 0 &&
				strcmp(plan->steps[i].target, "127.0.0.1:7890") == 0;
		assert_int_equal(found, 1);
		wsb_plan_free(plan);
	}
	wsb_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_new_policy_has_no_relay_and_no_summary_key),
		cmocka_unit_test(the_relay_is_stored_and_shown_in_the_summary),
		cmocka_unit_test(setting_again_replaces_and_listen_zero_removes),
		cmocka_unit_test(bad_input_is_refused_and_changes_nothing),
		cmocka_unit_test(the_extreme_ports_are_accepted),
		cmocka_unit_test(the_plan_step_and_summary_outlive_the_policy),
		cmocka_unit_test(no_relay_no_step),
		cmocka_unit_test(the_plan_step_survives_allocation_failure),
		cmocka_unit_test(a_backend_without_a_relay_refuses_the_policy),
		cmocka_unit_test(the_linux_backend_plans_the_relay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
