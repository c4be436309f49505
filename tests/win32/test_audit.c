/* The world-writable audit: which DACLs let Everyone, Users or
 * Authenticated Users write; the budget; deny or refuse as the policy says.
 * DACLs of the fake file system; the current directory is swapped through
 * the seam. Other candidates (TEMP, PATH, ...) are Wine's and not asserted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

static wsb_policy *policy;

static DWORD WINAPI fake_cwd(DWORD n, LPWSTR b)
{
	static const wchar_t cwd[] = L"C:\\ww";

	if (n < WSB__ARRAY_SIZE(cwd))
		return WSB__ARRAY_SIZE(cwd);
	memcpy(b, cwd, sizeof(cwd));
	return WSB__ARRAY_SIZE(cwd) - 1;
}

static int setup(void **s)
{
	(void)s;
	fakefs_clear();
	fakefs_install();
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb_policy_free(policy);
	wsb__os_reset();
	fakefs_clear();
	return 0;
}

static int found(const wsb__strvec *v, const char *path)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		if (strcmp(v->items[i], path) == 0)
			return 1;
	return 0;
}

static void directories_the_world_may_write_are_found_and_others_not(void **s)
{
	wsb__strvec out = WSB__STRVEC_INIT;
	int exhausted = 1;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;WD)", 0);
	fakefs_add("C:\\users-append", 1, "D:(A;;0x4;;;AU)", 0);
	fakefs_add("C:\\readonly", 1, "D:(A;OICI;FR;;;WD)(A;OICI;FA;;;BA)", 0);
	fakefs_add("C:\\denied", 1, "D:(D;;0x6;;;WD)(A;;FA;;;WD)", 0);
	fakefs_add("C:\\inherit-only", 1, "D:(A;OICIIO;FA;;;BU)", 0);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\ww", 0, 0), WSB_OK);
	assert_true(found(&out, "C:\\ww"));
	assert_int_equal(exhausted, 0);
	wsb__strvec_dispose(&out);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\users-append", 0, 0), WSB_OK);
	assert_true(found(&out, "C:\\users-append"));
	wsb__strvec_dispose(&out);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\readonly", 0, 0), WSB_OK);
	assert_false(found(&out, "C:\\readonly"));
	wsb__strvec_dispose(&out);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\denied", 0, 0), WSB_OK);
	assert_false(found(&out, "C:\\denied"));
	wsb__strvec_dispose(&out);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\inherit-only", 0, 0), WSB_OK);
	assert_false(found(&out, "C:\\inherit-only"));
	wsb__strvec_dispose(&out);
}

static void the_entry_budget_stops_the_audit_and_says_so(void **s)
{
	wsb__strvec out = WSB__STRVEC_INIT;
	int exhausted = 0;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;WD)", 0);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\ww", 1, 0), WSB_OK);
	assert_int_equal(exhausted, 1);
	assert_int_equal(out.count, 1);
	wsb__strvec_dispose(&out);
}

static void writable_roots_are_not_findings(void **s)
{
	wsb__strvec out = WSB__STRVEC_INIT;
	int exhausted = 0;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;WD)", 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\ww"), WSB_OK);
	assert_int_equal(wsb__audit_find(&out, &exhausted, policy, "C:\\ww", 0, 0), WSB_OK);
	assert_false(found(&out, "C:\\ww"));
	wsb__strvec_dispose(&out);
}

static void the_public_audit_returns_json(void **s)
{
	wsb_audit_options o = WSB_AUDIT_OPTIONS_INIT;
	char *json = NULL;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;WD)", 0);
	o.cwd = "C:\\ww";
	assert_int_equal(wsb_audit_world_writable(&json, policy, &o), WSB_OK);
	assert_non_null(strstr(json, "\"world_writable\":[\"C:\\\\ww\""));
	assert_non_null(strstr(json, "\"budget_exhausted\":false"));
	wsb_free(json);
}

static void refuse_fails_with_world_writable_and_deny_plans_a_deny_ace(void **s)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;
	wsb__w32_decision *d = NULL;
	size_t i;
	int denied = 0;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;WD)", 0);
	fakefs_add("C:\\root", 1, NULL, 0);
	fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
	wsb__os_set("GetCurrentDirectoryW", (wsb__os_fn)fake_cwd);
	io.state_dir = fakefs_temp_dir("audit");
	assert_int_equal(wsb_identity_create(&id, &io), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\root"), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_REFUSE_WORLD_WRITABLE | WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, id, 1, NULL), WSB_EWORLDWRITABLE);
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\ww"));
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_DENY_WORLD_WRITABLE | WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, id, 1, NULL), WSB_OK);
	for (i = 0; i < d->ace_count; i++)
		if (strcmp(d->aces[i].path, "C:\\ww") == 0 && strcmp(d->aces[i].role, "world_writable") == 0 &&
				strncmp(d->aces[i].sddl, "(D;OICI;0xd0156;;;S-1-5-21-", 27) == 0)
			denied = 1;
	assert_true(denied);
	wsb__w32_decision_free(d);
	wsb_identity_free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(directories_the_world_may_write_are_found_and_others_not, setup, teardown),
		cmocka_unit_test_setup_teardown(the_entry_budget_stops_the_audit_and_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(writable_roots_are_not_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(the_public_audit_returns_json, setup, teardown),
		cmocka_unit_test_setup_teardown(refuse_fails_with_world_writable_and_deny_plans_a_deny_ace, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
