/* The plan type, its JSON, and the dry run through the public API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/plan.h"
#include "core/policy.h"
#include "backend.h"

static wsb_policy *sample_policy(void)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb__policy_set_flavor(p, WSB__PATH_WIN), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "C:/Work/Repo"), WSB_OK);
	assert_int_equal(wsb_policy_protect_name(p, ".hg"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(p, "C:\\Users\\me\\.ssh"), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_TIMEOUT, 60000), WSB_OK);
	assert_int_equal(wsb_policy_env_set(p, "API_KEY", "s3cr3t"), WSB_OK);
	assert_int_equal(wsb_policy_env_unset(p, "HTTP_PROXY"), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_PRIVATE_DESKTOP), WSB_OK);
	return p;
}

static wsb_plan *sample_plan(const wsb_policy *policy)
{
	wsb_plan *plan = NULL;
	wsb__plan_step *step;

	assert_int_equal(wsb__plan_new(&plan, "win32-restricted", policy), WSB_OK);
	plan->protections = WSB_PROT_FS_WRITE | WSB_PROT_PROCESS_TREE;
	plan->missing = WSB_PROT_NETWORK;
	assert_int_equal(wsb__plan_add(plan, &step, "ace", "add", "C:\\Work\\Repo"), WSB_OK);
	assert_int_equal(wsb__plan_set(step, "sddl", "(A;OICI;0x1301bf;;;S-1-5-21-1)"), WSB_OK);
	assert_int_equal(wsb__plan_set(step, "access", "modify"), WSB_OK);
	assert_int_equal(wsb__plan_add(plan, &step, "job_limit", "set", NULL), WSB_OK);
	assert_int_equal(wsb__plan_set_u64(step, "timeout_ms", 60000), WSB_OK);
	assert_int_equal(wsb__plan_note(plan, "network is %s", "advisory"), WSB_OK);
	return plan;
}

static void steps_keep_their_fields_in_order(void **state)
{
	wsb_policy *policy = sample_policy();
	wsb_plan *plan = sample_plan(policy);

	(void)state;
	assert_int_equal(wsb_plan_step_count(plan), 2);
	assert_int_equal(plan->steps[0].field_count, 2);
	assert_string_equal(plan->steps[0].fields[0].key, "sddl");
	assert_string_equal(wsb__plan_step_get(&plan->steps[0], "access"), "modify");
	assert_null(wsb__plan_step_get(&plan->steps[0], "missing"));
	assert_string_equal(wsb__plan_step_get(&plan->steps[1], "timeout_ms"), "60000");
	assert_int_equal(wsb__plan_set(&plan->steps[0], "access", "read"), WSB_OK);
	assert_int_equal(plan->steps[0].field_count, 2);
	assert_string_equal(wsb__plan_step_get(&plan->steps[0], "access"), "read");
	assert_int_equal(wsb_plan_protections(plan), WSB_PROT_FS_WRITE | WSB_PROT_PROCESS_TREE);
	wsb_plan_free(plan);
	wsb_policy_free(policy);
}

static void reserved_step_members_cannot_be_fields(void **state)
{
	wsb_plan *plan = NULL;
	wsb__plan_step *step;

	(void)state;
	assert_int_equal(wsb__plan_new(&plan, "stub", NULL), WSB_OK);
	assert_int_equal(wsb__plan_add(plan, &step, "mount", "add", "/tmp"), WSB_OK);
	assert_int_equal(wsb__plan_set(step, "kind", "x"), WSB_EINVAL);
	assert_int_equal(wsb__plan_set(step, "target", "x"), WSB_EINVAL);
	assert_int_equal(wsb__plan_add(plan, NULL, NULL, "add", NULL), WSB_EINVAL);
	assert_int_equal(step->field_count, 0);
	wsb_plan_free(plan);
}

static void plan_json_has_the_documented_shape(void **state)
{
	wsb_policy *policy = sample_policy();
	wsb_plan *plan = sample_plan(policy);
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_string_equal(json,
		"{\"format\":1,\"backend\":\"win32-restricted\","
		"\"policy\":{\"path_syntax\":\"windows\",\"mode\":\"workspace_write\",\"network\":\"off\","
		"\"flags\":[\"private_desktop\"],\"allow_missing\":[],"
		"\"limits\":{\"memory\":0,\"processes\":0,\"cpu_time\":0,\"timeout\":60000,\"output\":0},"
		"\"writable_roots\":[\"C:\\\\Work\\\\Repo\"],\"protected_paths\":[],"
		"\"protected_names\":[\".git\",\".hg\"],\"deny_read\":[\"C:\\\\Users\\\\me\\\\.ssh\"],"
		"\"env\":{\"mode\":\"inherit\",\"changes\":[{\"name\":\"API_KEY\",\"op\":\"set\"},"
		"{\"name\":\"HTTP_PROXY\",\"op\":\"unset\"}]}},"
		"\"protections\":[\"fs_write\",\"process_tree\"],\"missing\":[\"network\"],"
		"\"steps\":[{\"kind\":\"ace\",\"action\":\"add\",\"target\":\"C:\\\\Work\\\\Repo\","
		"\"sddl\":\"(A;OICI;0x1301bf;;;S-1-5-21-1)\",\"access\":\"modify\"},"
		"{\"kind\":\"job_limit\",\"action\":\"set\",\"target\":null,\"timeout_ms\":\"60000\"}],"
		"\"notes\":[\"network is advisory\"]}");
	assert_null(strstr(json, "s3cr3t"));
	wsb__free(json);
	wsb_plan_free(plan);
	wsb_policy_free(policy);
}

static void plan_outlives_its_policy(void **state)
{
	wsb_policy *policy = sample_policy();
	wsb_plan *plan = sample_plan(policy);
	char *json = NULL;

	(void)state;
	plan->policy = NULL;
	wsb_policy_free(policy);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "\"writable_roots\":[\"C:\\\\Work\\\\Repo\"]"));
	wsb__free(json);
	wsb_plan_free(plan);
}

static void plan_without_policy_says_null(void **state)
{
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb__plan_new(&plan, "win32-setup", NULL), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_string_equal(json, "{\"format\":1,\"backend\":\"win32-setup\",\"policy\":null,"
		"\"protections\":[],\"missing\":[],\"steps\":[],\"notes\":[]}");
	wsb__free(json);
	wsb_plan_free(plan);
}

/* The Linux backend names the mechanism of each protection; a second
 * record for the same protection replaces the first. */
static void mechanisms_are_rendered(void **state)
{
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb__plan_new(&plan, "linux", NULL), WSB_OK);
	assert_int_equal(wsb__plan_mechanism(plan, WSB_PROT_NETWORK, "first", NULL), WSB_OK);
	assert_int_equal(wsb__plan_mechanism(plan, WSB_PROT_NETWORK, "seccomp", "no user namespaces"), WSB_OK);
	assert_int_equal(wsb__plan_mechanism(plan, WSB_PROT_PROCESS_TREE, "pid-namespace", NULL), WSB_OK);
	assert_int_equal(wsb__plan_mechanism(NULL, WSB_PROT_NETWORK, "x", NULL), WSB_EINVAL);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_string_equal(json, "{\"format\":1,\"backend\":\"linux\",\"policy\":null,"
		"\"protections\":[],\"missing\":[],\"steps\":[],\"notes\":[],\"mechanisms\":["
		"{\"protection\":\"network\",\"mechanism\":\"seccomp\",\"stronger_unavailable\":\"no user namespaces\"},"
		"{\"protection\":\"process_tree\",\"mechanism\":\"pid-namespace\",\"stronger_unavailable\":null}]}");
	wsb__free(json);
	wsb_plan_free(plan);
}

/* Backends copy file names into steps (a .git found in a directory whose
 * name is not UTF-8): the JSON must still render, with U+FFFD per bad byte. */
static void invalid_utf8_in_a_step_is_replaced_in_the_json(void **state)
{
	wsb_plan *plan = NULL;
	wsb__plan_step *step;
	char *json = NULL;

	(void)state;
	assert_int_equal(wsb__plan_new(&plan, "stub", NULL), WSB_OK);
	assert_int_equal(wsb__plan_add(plan, &step, "mount", "add", "/bad\xff/.git"), WSB_OK);
	assert_int_equal(wsb__plan_set(step, "reason", "cut \xc3"), WSB_OK);
	assert_int_equal(wsb__plan_set(step, "quoted", "\"q\"\t\xfe"), WSB_OK);
	assert_int_equal(wsb__plan_add(plan, &step, "mount", "add", "/caf\xc3\xa9"), WSB_OK);
	assert_int_equal(wsb__plan_note(plan, "root %s", "/r\xe2\x82"), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "\"/bad\xef\xbf\xbd/.git\""));
	assert_non_null(strstr(json, "\"cut \xef\xbf\xbd\""));
	assert_non_null(strstr(json, "\"\\\"q\\\"\\t\xef\xbf\xbd\""));
	assert_non_null(strstr(json, "\"/caf\xc3\xa9\""));
	assert_non_null(strstr(json, "\"root /r\xef\xbf\xbd\xef\xbf\xbd\""));
	wsb__free(json);
	wsb_plan_free(plan);
}

static int freed_backend_data;

static void backend_free(void *data)
{
	assert_ptr_equal(data, &freed_backend_data);
	freed_backend_data++;
}

static void backend_data_is_freed_with_the_plan(void **state)
{
	wsb_plan *plan = NULL;

	(void)state;
	assert_int_equal(wsb__plan_new(&plan, "stub", NULL), WSB_OK);
	plan->backend_data = &freed_backend_data;
	plan->backend_free = backend_free;
	wsb_plan_free(plan);
	assert_int_equal(freed_backend_data, 1);
	wsb_plan_free(NULL);
}

static void plan_json_survives_allocation_failure(void **state)
{
	wsb_policy *policy = sample_policy();
	wsb_plan *plan = sample_plan(policy);
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		long live = wsb__alloc_live();
		char *json = (char *)1;

		wsb__alloc_fail_after(n);
		rc = wsb_plan_to_json(&json, plan);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK) {
			assert_non_null(json);
			wsb__free(json);
			break;
		}
		assert_int_equal(rc, WSB_ENOMEM);
		assert_null(json);
		assert_int_equal(wsb__alloc_live(), live);
	}
	wsb_plan_free(plan);
	wsb_policy_free(policy);
}

static void building_a_plan_survives_allocation_failure(void **state)
{
	wsb_policy *policy = sample_policy();
	unsigned long n;

	(void)state;
	for (n = 1;; n++) {
		long live = wsb__alloc_live();
		wsb_plan *plan = NULL;
		wsb__plan_step *step = NULL;
		int rc;

		wsb__alloc_fail_after(n);
		rc = wsb__plan_new(&plan, "linux", policy);
		if (rc == WSB_OK)
			rc = wsb__plan_add(plan, &step, "landlock_rule", "add", "/w");
		if (rc == WSB_OK)
			rc = wsb__plan_set(step, "access", "rw");
		if (rc == WSB_OK)
			rc = wsb__plan_note(plan, "note %d", 1);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK) {
			assert_int_equal(wsb_plan_step_count(plan), 1);
			assert_int_equal(plan->notes.count, 1);
			wsb_plan_free(plan);
			assert_int_equal(wsb__alloc_live(), live);
			break;
		}
		assert_int_equal(rc, WSB_ENOMEM);
		wsb_plan_free(plan);
		assert_int_equal(wsb__alloc_live(), live);
	}
	wsb_policy_free(policy);
}

/* A directory that exists: real backends insist that roots do. */
static const char *existing_dir(void)
{
#ifdef _WIN32
	const char *t = getenv("TEMP");

	return t ? t : "C:\\Windows\\Temp";
#else
	return "/tmp";
#endif
}

static void dry_run_through_the_public_api(void **state)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;
	wsb_policy *policy = NULL;
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)state;
	io.state_dir = WSB__PATH_HOST == WSB__PATH_WIN ? "C:\\state" : "/state";
	assert_int_equal(wsb_identity_create(&id, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, existing_dir()), WSB_OK);
	if (wsb_plan_create(&plan, policy, id) != WSB_OK)
		fail_msg("wsb_plan_create: %s", wsb_error_message(NULL));
	assert_non_null(plan);
	assert_null(plan->policy); /* not kept: the caller may free it */
	wsb_policy_free(policy);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_memory_equal(json, "{\"format\":1,\"backend\":\"", 23);
	assert_non_null(strstr(json, wsb__backend_name));
	wsb__free(json);
	wsb_plan_free(plan);
	wsb_identity_free(id);
}

static void dry_run_refuses_a_conflicting_policy(void **state)
{
	wsb_policy *policy = NULL;
	wsb_plan *plan = (wsb_plan *)1;

	(void)state;
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy,
		WSB__PATH_HOST == WSB__PATH_WIN ? "C:\\w\\x" : "/w/x"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy,
		WSB__PATH_HOST == WSB__PATH_WIN ? "C:\\w" : "/w"), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, policy, NULL), WSB_ECONFLICT);
	assert_null(plan);
	wsb_policy_free(policy);
}

static void dry_run_refuses_the_other_path_syntax(void **state)
{
	wsb_policy *policy = NULL;
	wsb_plan *plan = NULL;

	(void)state;
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb__policy_set_flavor(policy,
		WSB__PATH_HOST == WSB__PATH_WIN ? WSB__PATH_POSIX : WSB__PATH_WIN), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, policy, NULL), WSB_ENOTSUP);
	assert_null(plan);
	wsb_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steps_keep_their_fields_in_order),
		cmocka_unit_test(reserved_step_members_cannot_be_fields),
		cmocka_unit_test(plan_json_has_the_documented_shape),
		cmocka_unit_test(plan_outlives_its_policy),
		cmocka_unit_test(plan_without_policy_says_null),
		cmocka_unit_test(invalid_utf8_in_a_step_is_replaced_in_the_json),
		cmocka_unit_test(backend_data_is_freed_with_the_plan),
		cmocka_unit_test(plan_json_survives_allocation_failure),
		cmocka_unit_test(building_a_plan_survives_allocation_failure),
		cmocka_unit_test(mechanisms_are_rendered),
		cmocka_unit_test(dry_run_through_the_public_api),
		cmocka_unit_test(dry_run_refuses_a_conflicting_policy),
		cmocka_unit_test(dry_run_refuses_the_other_path_syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
