/* The world-writable audit: which DACLs let the write-restricted sandbox
 * token write (Everyone, the logon SID) and which only non-restricting
 * groups (Users, Authenticated Users, INTERACTIVE); the budget; deny or
 * refuse as the policy says.
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

/* The audit of one folder, given as the current directory. */
static void audit_of(wsb__audit *out, const char *dir)
{
	assert_int_equal(wsb__audit_find(out, policy, dir, 0, 0), WSB_OK);
	assert_int_equal(out->exhausted, 0);
}

static void folders_everyone_may_write_are_holes(void **s)
{
	wsb__audit a;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;WD)", 0);
	fakefs_add("C:\\ww-generic", 1, "D:(A;;GW;;;WD)", 0);
	audit_of(&a, "C:\\ww");
	assert_true(found(&a.holes, "C:\\ww"));
	assert_false(found(&a.groups_only, "C:\\ww"));
	wsb__audit_dispose(&a);
	audit_of(&a, "C:\\ww-generic");
	assert_true(found(&a.holes, "C:\\ww-generic"));
	wsb__audit_dispose(&a);
}

static void a_folder_the_logon_sid_may_write_is_a_hole(void **s)
{
	char *logon = NULL, sddl[200];
	wsb__audit a;

	(void)s;
	assert_int_equal(wsb__token_logon_sid(&logon), WSB_OK);
	assert_memory_equal(logon, "S-1-5-5-", 8);
	snprintf(sddl, sizeof(sddl), "D:(A;OICI;FA;;;SY)(A;;0x2;;;%s)", logon);
	fakefs_add("C:\\session", 1, sddl, 0);
	audit_of(&a, "C:\\session");
	assert_true(found(&a.holes, "C:\\session"));
	wsb__audit_dispose(&a);
	wsb__free(logon);
}

/* Users, Authenticated Users and INTERACTIVE are not restricting SIDs of
 * the sandbox token: what they may write fails its restricted pass. Such
 * folders (Windows' own C:\ among them) are listed apart, never as holes. */
static void folders_only_users_groups_may_write_are_not_holes(void **s)
{
	wsb__audit a;

	(void)s;
	fakefs_add("C:\\users-append", 1, "D:(A;;0x4;;;AU)", 0);
	fakefs_add("C:\\users-modify", 1, "D:(A;OICI;0x1301bf;;;BU)(A;OICI;0x1301bf;;;IU)", 0);
	audit_of(&a, "C:\\users-append");
	assert_false(found(&a.holes, "C:\\users-append"));
	assert_true(found(&a.groups_only, "C:\\users-append"));
	assert_string_equal(a.groups_by.items[0], "Authenticated Users");
	wsb__audit_dispose(&a);
	audit_of(&a, "C:\\users-modify");
	assert_false(found(&a.holes, "C:\\users-modify"));
	assert_true(found(&a.groups_only, "C:\\users-modify"));
	assert_string_equal(a.groups_by.items[0], "Users, INTERACTIVE");
	wsb__audit_dispose(&a);
}

static void read_only_denied_inherit_only_and_anonymous_folders_are_not_findings(void **s)
{
	static const char *const dirs[] = {
		"C:\\readonly", "C:\\denied", "C:\\denied-before-users", "C:\\inherit-only", "C:\\anonymous"
	};
	wsb__audit a;
	size_t i;

	(void)s;
	fakefs_add("C:\\readonly", 1, "D:(A;OICI;FR;;;WD)(A;OICI;FA;;;BA)", 0);
	fakefs_add("C:\\denied", 1, "D:(D;;0x6;;;WD)(A;;FA;;;WD)", 0);
	fakefs_add("C:\\denied-before-users", 1, "D:(D;;0x6;;;WD)(A;;FA;;;AU)", 0);
	fakefs_add("C:\\inherit-only", 1, "D:(A;OICIIO;FA;;;WD)", 0);
	/* ANONYMOUS LOGON is neither in the caller's token nor a restricting SID. */
	fakefs_add("C:\\anonymous", 1, "D:(A;OICI;FA;;;AN)", 0);
	for (i = 0; i < WSB__ARRAY_SIZE(dirs); i++) {
		audit_of(&a, dirs[i]);
		assert_false(found(&a.holes, dirs[i]));
		assert_false(found(&a.groups_only, dirs[i]));
		wsb__audit_dispose(&a);
	}
}

static void the_entry_budget_stops_the_audit_and_says_so(void **s)
{
	wsb__audit a;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;WD)", 0);
	assert_int_equal(wsb__audit_find(&a, policy, "C:\\ww", 1, 0), WSB_OK);
	assert_int_equal(a.exhausted, 1);
	assert_int_equal(a.holes.count, 1);
	wsb__audit_dispose(&a);
}

static void writable_roots_are_not_findings(void **s)
{
	wsb__audit a;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;WD)", 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\ww"), WSB_OK);
	audit_of(&a, "C:\\ww");
	assert_false(found(&a.holes, "C:\\ww"));
	wsb__audit_dispose(&a);
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
	fakefs_add("C:\\users-append", 1, "D:(A;;0x4;;;AU)", 0);
	o.cwd = "C:\\users-append";
	assert_int_equal(wsb_audit_world_writable(&json, policy, &o), WSB_OK);
	assert_non_null(strstr(json, "\"world_writable\":[]"));
	assert_non_null(strstr(json, "\"not_exploitable\":[{\"path\":\"C:\\\\users-append\","
		"\"writable_by\":\"Authenticated Users\",\"exploitable\":false}"));
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

static void a_folder_only_users_may_write_is_neither_denied_nor_refused(void **s)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;
	wsb__w32_decision *d = NULL;
	size_t i;

	(void)s;
	fakefs_add("C:\\ww", 1, "D:(A;OICI;FA;;;SY)(A;;0x4;;;AU)(A;OICI;0x1301bf;;;BU)", 0);
	fakefs_add("C:\\root", 1, NULL, 0);
	fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
	wsb__os_set("GetCurrentDirectoryW", (wsb__os_fn)fake_cwd);
	io.state_dir = fakefs_temp_dir("audit-groups");
	assert_int_equal(wsb_identity_create(&id, &io), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\root"), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_REFUSE_WORLD_WRITABLE | WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, id, 1, NULL), WSB_OK);
	wsb__w32_decision_free(d);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_DENY_WORLD_WRITABLE | WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, id, 1, NULL), WSB_OK);
	assert_false(found(&d->world_writable, "C:\\ww"));
	assert_true(found(&d->group_writable, "C:\\ww"));
	for (i = 0; i < d->ace_count; i++)
		assert_string_not_equal(d->aces[i].path, "C:\\ww");
	wsb__w32_decision_free(d);
	wsb_identity_free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(folders_everyone_may_write_are_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(a_folder_the_logon_sid_may_write_is_a_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(folders_only_users_groups_may_write_are_not_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_denied_inherit_only_and_anonymous_folders_are_not_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(the_entry_budget_stops_the_audit_and_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(writable_roots_are_not_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(the_public_audit_returns_json, setup, teardown),
		cmocka_unit_test_setup_teardown(refuse_fails_with_world_writable_and_deny_plans_a_deny_ace, setup, teardown),
		cmocka_unit_test_setup_teardown(a_folder_only_users_may_write_is_neither_denied_nor_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
