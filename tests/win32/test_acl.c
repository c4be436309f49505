/* ACL rewriting: SDDL of our ACEs, insertion in canonical position without
 * touching existing ACEs, exact removal — on Wine's real ACL and SDDL APIs,
 * on a real kernel object's DACL (Wine stores and enforces those), and on
 * file paths through the fake file system (Wine's SetNamedSecurityInfoW on
 * files is a stub). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

#define CAP "S-1-5-21-11-22-33-44"

static int setup(void **state)
{
	(void)state;
	fakefs_clear();
	fakefs_install();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wsb__os_reset();
	fakefs_clear();
	return 0;
}

static PACL acl_of(const char *sddl, PSECURITY_DESCRIPTOR *sd)
{
	wchar_t w[2048];
	BOOL present, def;
	PACL d = NULL;

	MultiByteToWideChar(CP_UTF8, 0, sddl, -1, w, 2048);
	assert_true(ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, sd, NULL));
	assert_true(GetSecurityDescriptorDacl(*sd, &present, &d, &def));
	return d;
}

static const char *sddl_of_acl(PACL acl)
{
	static char out[4096];
	SECURITY_DESCRIPTOR sd;
	wchar_t *s = NULL;

	InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
	SetSecurityDescriptorDacl(&sd, TRUE, acl, FALSE);
	assert_true(ConvertSecurityDescriptorToStringSecurityDescriptorW(&sd, SDDL_REVISION_1,
		DACL_SECURITY_INFORMATION, &s, NULL));
	WideCharToMultiByte(CP_UTF8, 0, s, -1, out, sizeof(out), NULL, NULL);
	LocalFree(s);
	return out;
}

static void the_allow_ace_grants_rwx_and_delete_but_never_delete_child(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(wsb__ace_sddl(&s, 0, WSB__MASK_ALLOW_WRITE, 1, CAP), WSB_OK);
	assert_string_equal(s, "(A;OICI;0x1301bf;;;" CAP ")");
	assert_int_equal(WSB__MASK_ALLOW_WRITE & FILE_DELETE_CHILD, 0);
	wsb__free(s);
	assert_int_equal(wsb__ace_sddl(&s, 1, WSB__MASK_DENY_WRITE, 1, CAP), WSB_OK);
	assert_string_equal(s, "(D;OICI;0xd0156;;;" CAP ")");
	assert_true(WSB__MASK_DENY_WRITE & FILE_DELETE_CHILD);
	assert_true(WSB__MASK_DENY_WRITE & DELETE);
	wsb__free(s);
}

static void an_ace_round_trips_through_wine_sddl(void **state)
{
	void *ace = NULL;
	ACCESS_ALLOWED_ACE *a;
	wchar_t *ws = NULL;
	char s[128];

	(void)state;
	assert_int_equal(wsb__ace_from_sddl(&ace, "(A;OICI;0x1301bf;;;" CAP ")"), WSB_OK);
	a = ace;
	assert_int_equal(a->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
	assert_int_equal(a->Header.AceFlags, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE);
	assert_int_equal(a->Mask, 0x1301bf);
	assert_true(ConvertSidToStringSidW((PSID)&a->SidStart, &ws));
	WideCharToMultiByte(CP_UTF8, 0, ws, -1, s, sizeof(s), NULL, NULL);
	LocalFree(ws);
	assert_string_equal(s, CAP);
	wsb__free(ace);
}

static void a_malformed_ace_is_refused(void **state)
{
	void *ace = NULL;

	(void)state;
	assert_int_not_equal(wsb__ace_from_sddl(&ace, "(A;OICI;0x1301bf;;;not-a-sid)"), WSB_OK);
	assert_null(ace);
}

static void deny_goes_first_and_allow_after_explicit_aces_before_inherited_ones(void **state)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL old = acl_of("D:(A;;FA;;;BA)(A;OICIID;FA;;;SY)", &sd), mid = NULL, out = NULL;
	void *allow = NULL, *deny = NULL;

	(void)state;
	assert_int_equal(wsb__ace_from_sddl(&allow, "(A;OICI;0x1301bf;;;" CAP ")"), WSB_OK);
	assert_int_equal(wsb__ace_from_sddl(&deny, "(D;OICI;0xd0156;;;" CAP ")"), WSB_OK);
	assert_int_equal(wsb__acl_insert(&mid, old, allow), WSB_OK);
	assert_int_equal(wsb__acl_insert(&out, mid, deny), WSB_OK);
	assert_true(IsValidAcl(out));
	assert_string_equal(sddl_of_acl(out),
		"D:(D;OICI;DCLCRPDTCRSDWDWO;;;" CAP ")(A;;FA;;;BA)"
		"(A;OICI;0x1301bf;;;" CAP ")(A;OICIID;FA;;;SY)");
	wsb__free(mid);
	wsb__free(out);
	wsb__free(allow);
	wsb__free(deny);
	LocalFree(sd);
}

static void removal_takes_out_exactly_our_ace_and_keeps_the_rest_in_order(void **state)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL old = acl_of("D:(A;;FA;;;BA)(A;OICI;0x1301bf;;;" CAP ")(A;;FR;;;WD)(A;OICIID;FA;;;SY)", &sd);
	PACL out = NULL;
	void *allow = NULL;

	(void)state;
	assert_int_equal(wsb__ace_from_sddl(&allow, "(A;OICI;0x1301bf;;;" CAP ")"), WSB_OK);
	assert_int_equal(wsb__acl_find(old, allow), 1);
	assert_int_equal(wsb__acl_without(&out, old, allow), WSB_OK);
	assert_string_equal(sddl_of_acl(out), "D:(A;;FA;;;BA)(A;;FR;;;WD)(A;OICIID;FA;;;SY)");
	assert_int_equal(wsb__acl_find(out, allow), -1);
	wsb__free(out);
	assert_int_equal(wsb__acl_without(&out, old, allow) , WSB_OK);
	wsb__free(out);
	wsb__free(allow);
	LocalFree(sd);
}

static void an_inherited_copy_of_our_ace_is_not_taken_for_ours(void **state)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL old = acl_of("D:(A;OICIID;0x1301bf;;;" CAP ")", &sd);
	void *allow = NULL;

	(void)state;
	assert_int_equal(wsb__ace_from_sddl(&allow, "(A;OICI;0x1301bf;;;" CAP ")"), WSB_OK);
	assert_int_equal(wsb__acl_find(old, allow), -1);
	wsb__free(allow);
	LocalFree(sd);
}

static void a_dacl_built_here_is_stored_on_a_kernel_object_and_read_back(void **state)
{
	PSECURITY_DESCRIPTOR sd = NULL, back = NULL;
	PACL old = acl_of("D:(A;;GA;;;WD)", &sd), out = NULL, got = NULL;
	void *deny = NULL;
	HANDLE m = CreateMutexW(NULL, FALSE, NULL);

	(void)state;
	assert_non_null(m);
	assert_int_equal(wsb__ace_from_sddl(&deny, "(D;;0xd0156;;;" CAP ")"), WSB_OK);
	assert_int_equal(wsb__acl_insert(&out, old, deny), WSB_OK);
	assert_int_equal(SetSecurityInfo(m, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, out, NULL),
		ERROR_SUCCESS);
	assert_int_equal(GetSecurityInfo(m, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &got,
		NULL, &back), ERROR_SUCCESS);
	assert_int_equal(wsb__acl_find(got, deny), 0);
	assert_int_equal(got->AceCount, 2);
	LocalFree(back);
	CloseHandle(m);
	wsb__free(out);
	wsb__free(deny);
	LocalFree(sd);
}

static void add_checks_before_it_writes(void **state)
{
	int added = -1;
	const char *ace = "(A;OICI;0x1301bf;;;" CAP ")";

	(void)state;
	fakefs_add("C:\\work", 1, NULL, 0);
	assert_int_equal(wsb__acl_add(&added, "C:\\work", ace), WSB_OK);
	assert_int_equal(added, 1);
	assert_int_equal(fakefs_writes, 1);
	assert_int_equal(wsb__acl_add(&added, "C:\\work", ace), WSB_OK);
	assert_int_equal(added, 0);
	assert_int_equal(fakefs_writes, 1);
	assert_int_equal(fakefs_reads, 2);
	assert_int_equal(fakefs_owner_writes, 0);
	assert_int_equal(fakefs_ace_count("C:\\work"), 4);
}

static void add_then_remove_gives_back_the_original_dacl(void **state)
{
	int done = 0;
	const char *deny = "(D;OICI;0xd0156;;;" CAP ")";
	char before[4096];

	(void)state;
	fakefs_add("C:\\work\\.git", 1, NULL, 0);
	strcpy(before, fakefs_dacl("C:\\work\\.git"));
	assert_int_equal(wsb__acl_add(&done, "C:\\work\\.git", deny), WSB_OK);
	assert_int_equal(done, 1);
	assert_string_not_equal(fakefs_dacl("C:\\work\\.git"), before);
	assert_int_equal(wsb__acl_remove(&done, "C:\\work\\.git", deny), WSB_OK);
	assert_int_equal(done, 1);
	assert_string_equal(fakefs_dacl("C:\\work\\.git"), before);
	assert_int_equal(wsb__acl_remove(&done, "C:\\work\\.git", deny), WSB_OK);
	assert_int_equal(done, 0);
}

static void a_missing_path_reports_not_found(void **state)
{
	int done = 0;

	(void)state;
	wsb__os_set("GetNamedSecurityInfoW", NULL);
	assert_int_equal(wsb__acl_add(&done, "C:\\no\\such\\dir\\anywhere", "(A;;FA;;;" CAP ")"), WSB_ENOENT);
	assert_non_null(strstr(wsb_error_message(NULL), "GetNamedSecurityInfoW"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_allow_ace_grants_rwx_and_delete_but_never_delete_child),
		cmocka_unit_test(an_ace_round_trips_through_wine_sddl),
		cmocka_unit_test(a_malformed_ace_is_refused),
		cmocka_unit_test(deny_goes_first_and_allow_after_explicit_aces_before_inherited_ones),
		cmocka_unit_test(removal_takes_out_exactly_our_ace_and_keeps_the_rest_in_order),
		cmocka_unit_test(an_inherited_copy_of_our_ace_is_not_taken_for_ours),
		cmocka_unit_test(a_dacl_built_here_is_stored_on_a_kernel_object_and_read_back),
		cmocka_unit_test_setup_teardown(add_checks_before_it_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(add_then_remove_gives_back_the_original_dacl, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_path_reports_not_found, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
