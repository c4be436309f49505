/* The network allow-list in the policy (lib/core/policy_net.c): rules are
 * stored in canonical form, shown in the summary, refused with the reason
 * and no change; a backend without the filtering proxy never runs a policy
 * in WSB_NETWORK_ALLOWLIST (fails closed); Linux plans the proxy. */
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

static void rules_are_canonical_and_in_the_summary(void **state)
{
	wsb_policy *p = new_policy();
	char *json;

	(void)state;
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(p, "PyPI.test"), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(p, "*.github.test:443"), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(p, "b\xc3\xbc" "cher.test"), WSB_OK);
	assert_int_equal(wsb_policy_deny_host(p, "evil.github.test"), WSB_OK);
	assert_int_equal(wsb_policy_allow_address(p, "127.0.0.1:8443"), WSB_OK);
	assert_int_equal(p->net_rule_count, 5);
	json = policy_json(p);
	assert_non_null(strstr(json, "\"network\":\"allowlist\""));
	assert_non_null(strstr(json, "\"network_rules\":{\"allow_hosts\":[\"pypi.test:80,443\","
		"\"*.github.test:443\",\"xn--bcher-kva.test:80,443\"],\"deny_hosts\":"
		"[\"evil.github.test:*\"],\"allow_addresses\":[\"127.0.0.1/32:8443\"]}"));
	wsb__free(json);
	wsb_policy_free(p);
}

static void a_policy_without_rules_has_no_rules_key(void **state)
{
	wsb_policy *p = new_policy();
	char *json = policy_json(p);

	(void)state;
	assert_null(strstr(json, "network_rules"));
	wsb__free(json);
	wsb_policy_free(p);
}

/* The same rule in another spelling is the same rule; an allow and a deny
 * of one host are two rules (the deny wins when matching). */
static void duplicates_are_found_in_a_label_form(void **state)
{
	wsb_policy *p = new_policy();

	(void)state;
	assert_int_equal(wsb_policy_allow_host(p, "b\xc3\xbc" "cher.test"), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(p, "XN--BCHER-KVA.test.:80,443"), WSB_EEXIST);
	assert_non_null(strstr(wsb_error_message(NULL), "already a rule"));
	assert_int_equal(wsb_policy_deny_host(p, "b\xc3\xbc" "cher.test"), WSB_OK);
	assert_int_equal(p->net_rule_count, 2);
	wsb_policy_free(p);
}

static void expect_refused(wsb_policy *p, int (*fn)(wsb_policy *, const char *),
	const char *fn_name, const char *pattern, int code, const char *reason)
{
	char *before = policy_json(p), *after;

	wsb_error_clear();
	assert_int_equal(fn(p, pattern), code);
	assert_int_equal(wsb_error_code(NULL), code);
	assert_non_null(strstr(wsb_error_message(NULL), fn_name));
	assert_non_null(strstr(wsb_error_message(NULL), reason));
	after = policy_json(p);
	assert_string_equal(before, after);
	wsb__free(before);
	wsb__free(after);
}

static void invalid_patterns_give_the_reason_and_change_nothing(void **state)
{
	wsb_policy *p = new_policy();

	(void)state;
	assert_int_equal(wsb_policy_allow_host(p, "pypi.test"), WSB_OK);
	expect_refused(p, wsb_policy_allow_host, "wsb_policy_allow_host", "*", WSB_EINVAL, "bare '*'");
	expect_refused(p, wsb_policy_allow_host, "wsb_policy_allow_host", "a..test", WSB_EINVAL,
		"empty label");
	expect_refused(p, wsb_policy_allow_host, "wsb_policy_allow_host", "169.254.169.254",
		WSB_EINVAL, "wsb_policy_allow_address");
	expect_refused(p, wsb_policy_allow_host, "wsb_policy_allow_host", "[::1]", WSB_EINVAL,
		"wsb_policy_allow_address");
	expect_refused(p, wsb_policy_deny_host, "wsb_policy_deny_host", "a b", WSB_EINVAL, "U+0020");
	expect_refused(p, wsb_policy_allow_address, "wsb_policy_allow_address", "pypi.test",
		WSB_EINVAL, "not an IPv4 or IPv6 address");
	wsb_policy_free(p);
}

/* Every allocation of a successful call, failed in turn, leaves the policy
 * as it was and leaks nothing. */
static void allocation_failures_leave_the_policy_unchanged(void **state)
{
	wsb_policy *p = new_policy();
	char *before = policy_json(p), *after;
	unsigned long n;
	long live;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		live = wsb__alloc_live();
		wsb__alloc_fail_after(n);
		rc = wsb_policy_allow_host(p, "b\xc3\xbc" "cher.test:443");
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK)
			break;
		assert_int_equal(rc, WSB_ENOMEM);
		assert_int_equal(wsb__alloc_live(), live);
		after = policy_json(p);
		assert_string_equal(before, after);
		wsb__free(after);
	}
	assert_true(n > 1);
	assert_int_equal(p->net_rule_count, 1);
	wsb__free(before);
	wsb_policy_free(p);
}

/* Direct traffic stays off in the allow-list mode: the proxy is the only
 * way out, so the network protection is required as with network off. */
static void the_allowlist_requires_network_isolation(void **state)
{
	wsb_policy *p = new_policy();

	(void)state;
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST), WSB_OK);
	assert_true(wsb__policy_required_protections(p) & WSB_PROT_NETWORK);
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ON), WSB_OK);
	assert_false(wsb__policy_required_protections(p) & WSB_PROT_NETWORK);
	wsb_policy_free(p);
}

/* Backends without the filtering proxy (all but Linux and Windows) refuse to spawn
 * such a policy before doing anything, whatever the rules; the plan says
 * why. */
static void spawning_an_allowlist_policy_fails_closed_elsewhere(void **state)
{
	static const char *const argv[] = { "true", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *p = new_policy();
	wsb_process *proc = (wsb_process *)1;
	wsb_plan *plan = NULL;
	size_t i, found = 0;

	(void)state;
	if (strcmp(wsb__backend_name, "linux") == 0 || strcmp(wsb__backend_name, "win32") == 0) {
		print_message("skipped: the %s backend runs the proxy (tests/linux/test_netproxy.c, "
			"tests/win32/test_proxy.c)\n", wsb__backend_name);
		wsb_policy_free(p);
		skip();
	}
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(p, "pypi.test"), WSB_OK);
	o.argv = argv;
	assert_int_equal(wsb_spawn(&proc, p, NULL, &o), WSB_ENOTSUP);
	assert_null(proc);
	assert_non_null(strstr(wsb_error_message(NULL), "WSB_NETWORK_ALLOWLIST"));
	proc = (wsb_process *)1;
	assert_int_equal(wsb_run(&proc, p, NULL, &o, NULL, 0), WSB_ENOTSUP);
	assert_null(proc);
	if (strcmp(wsb__backend_name, "stub") != 0) {
		print_message("plan not checked on the %s backend\n", wsb__backend_name);
		wsb_policy_free(p);
		return;
	}
	assert_int_equal(wsb_plan_create(&plan, p, NULL), WSB_OK);
	for (i = 0; i < plan->notes.count; i++)
		found += strstr(plan->notes.items[i], "network allow-list: not enforced") != NULL;
	assert_int_equal(found, 1);
	wsb_plan_free(plan);
	wsb_policy_free(p);
}

/* Linux plans the proxy: its step, one step per rule, the note; a policy
 * with a loopback relay too is a conflict (the proxy uses the relay). */
static void the_linux_backend_plans_the_proxy(void **state)
{
	wsb_policy *p = new_policy();
	wsb_plan *plan = NULL;
	size_t i, proxy = 0, rules = 0;

	(void)state;
	if (strcmp(wsb__backend_name, "linux") != 0) {
		print_message("skipped: not the linux backend\n");
		wsb_policy_free(p);
		skip();
	}
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ALLOWLIST), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(p, "pypi.test"), WSB_OK);
	assert_int_equal(wsb_policy_deny_host(p, "evil.test"), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, p, NULL), WSB_OK);
	for (i = 0; i < plan->step_count; i++) {
		proxy += strcmp(plan->steps[i].kind, "network_proxy") == 0;
		rules += strcmp(plan->steps[i].kind, "network_rule") == 0;
	}
	assert_int_equal(proxy, 1);
	assert_int_equal(rules, 2);
	wsb_plan_free(plan);
	assert_int_equal(wsb_policy_set_loopback_relay(p, 18080, 7890), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, p, NULL), WSB_ECONFLICT);
	assert_null(plan);
	wsb_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_are_canonical_and_in_the_summary),
		cmocka_unit_test(a_policy_without_rules_has_no_rules_key),
		cmocka_unit_test(duplicates_are_found_in_a_label_form),
		cmocka_unit_test(invalid_patterns_give_the_reason_and_change_nothing),
		cmocka_unit_test(allocation_failures_leave_the_policy_unchanged),
		cmocka_unit_test(the_allowlist_requires_network_isolation),
		cmocka_unit_test(spawning_an_allowlist_policy_fails_closed_elsewhere),
		cmocka_unit_test(the_linux_backend_plans_the_proxy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
