/* Passwords from BCryptGenRandom, DPAPI round trip (real under Wine), and
 * the DACL built for the secrets folder and files, read back from memory
 * and as SDDL (Wine does not store file DACLs, so never from the file). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <wchar.h>
#include <stdio.h>
#include <cmocka.h>

#include "win32/elevated.h"

static int reset(void **state)
{
	(void)state;
	wsb__os_reset();
	return 0;
}

static void password_has_length_and_every_character_class(void **state)
{
	wchar_t pw[WSB__PASSWORD_LEN + 1];
	int i, classes[4] = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(wsb__secret_password(pw), WSB_OK);
	assert_int_equal((int)wcslen(pw), WSB__PASSWORD_LEN);
	for (i = 0; i < WSB__PASSWORD_LEN; i++) {
		if (pw[i] >= L'A' && pw[i] <= L'Z')
			classes[0] = 1;
		else if (pw[i] >= L'a' && pw[i] <= L'z')
			classes[1] = 1;
		else if (pw[i] >= L'0' && pw[i] <= L'9')
			classes[2] = 1;
		else
			classes[3] = 1;
		assert_true(pw[i] > 32 && pw[i] < 127);
		assert_true(pw[i] != L'"' && pw[i] != L'\\');
	}
	assert_true(classes[0] && classes[1] && classes[2] && classes[3]);
}

static void two_passwords_differ(void **state)
{
	wchar_t a[WSB__PASSWORD_LEN + 1], b[WSB__PASSWORD_LEN + 1];

	(void)state;
	assert_int_equal(wsb__secret_password(a), WSB_OK);
	assert_int_equal(wsb__secret_password(b), WSB_OK);
	assert_true(wcscmp(a, b) != 0);
}

static int fail_rng(const char *name, unsigned long index, void *ctx)
{
	(void)index;
	(void)ctx;
	return strcmp(name, "BCryptGenRandom") == 0;
}

static void password_reports_rng_failure(void **state)
{
	wchar_t pw[WSB__PASSWORD_LEN + 1];

	(void)state;
	wsb__os_set_hook(fail_rng, NULL);
	assert_int_equal(wsb__secret_password(pw), WSB_EOS);
	assert_non_null(strstr(wsb_error_message(NULL), "BCryptGenRandom"));
	assert_int_equal(pw[0], 0);
}

static void dpapi_round_trip_returns_the_password(void **state)
{
	wchar_t pw[WSB__PASSWORD_LEN + 1], *back = NULL;
	BYTE *blob = NULL;
	DWORD len = 0;

	(void)state;
	assert_int_equal(wsb__secret_password(pw), WSB_OK);
	assert_int_equal(wsb__secret_protect(&blob, &len, pw), WSB_OK);
	assert_true(len > WSB__PASSWORD_LEN * 2);
	/* The blob does not contain the password in clear. */
	{
		DWORD i;
		int found = 0;
		for (i = 0; i + WSB__PASSWORD_LEN * 2 <= len; i++)
			if (memcmp(blob + i, pw, WSB__PASSWORD_LEN * 2) == 0)
				found = 1;
		assert_false(found);
	}
	assert_int_equal(wsb__secret_unprotect(&back, blob, len), WSB_OK);
	assert_true(wcscmp(back, pw) == 0);
	wsb__secret_free(back);
	wsb__free(blob);
}

static void dpapi_rejects_a_damaged_blob(void **state)
{
	wchar_t *back = NULL;
	BYTE *blob = NULL;
	DWORD len = 0;

	(void)state;
	assert_int_equal(wsb__secret_protect(&blob, &len, L"Secret-1x"), WSB_OK);
	blob[len - 1] ^= 0x55;
	assert_int_not_equal(wsb__secret_unprotect(&back, blob, len), WSB_OK);
	assert_null(back);
	wsb__free(blob);
}

static void secrets_file_round_trip(void **state)
{
	wchar_t dir[MAX_PATH], path[MAX_PATH], *back = NULL;
	char *raw = NULL;
	size_t raw_len = 0;

	(void)state;
	assert_true(GetTempPathW(MAX_PATH, dir) > 0);
	swprintf(path, MAX_PATH, L"%lswsb-secret-%lu.bin", dir, (unsigned long)GetCurrentProcessId());
	assert_int_equal(wsb__secret_store(path, L"Correct-Horse-9", NULL), WSB_OK);
	assert_int_equal(wsb__el_read_file(&raw, &raw_len, path, 65536), WSB_OK);
	assert_null(wcsstr((const wchar_t *)raw, L"Correct"));
	wsb__free(raw);
	assert_int_equal(wsb__secret_load(&back, path), WSB_OK);
	assert_true(wcscmp(back, L"Correct-Horse-9") == 0);
	wsb__secret_free(back);
	assert_int_equal(wsb__el_delete_file(path), WSB_OK);
	assert_int_equal(wsb__secret_load(&back, path), WSB_ENOENT);
}

static PSID sid_of(const char *s)
{
	PSID sid = NULL;
	wchar_t w[128];

	swprintf(w, 128, L"%hs", s);
	assert_true(ConvertStringSidToSidW(w, &sid));
	return sid;
}

static void secrets_file_dacl_denies_group_and_admits_user_system_admins(void **state)
{
	PSID group = sid_of("S-1-5-21-1-2-3-1001"), user = sid_of("S-1-5-21-1-2-3-1000");
	PSECURITY_DESCRIPTOR sd = NULL;
	BOOL present = FALSE, defaulted = FALSE;
	SECURITY_DESCRIPTOR_CONTROL ctl = 0;
	DWORD rev = 0;
	PACL acl = NULL;
	ACE_HEADER *ace;
	char *sddl = NULL;

	(void)state;
	assert_int_equal(wsb__secret_sd(&sd, group, user, 0), WSB_OK);
	assert_true(GetSecurityDescriptorDacl(sd, &present, &acl, &defaulted));
	assert_true(present);
	assert_int_equal(acl->AceCount, 4);
	assert_true(GetAce(acl, 0, (void **)&ace));
	assert_int_equal(ace->AceType, ACCESS_DENIED_ACE_TYPE);
	assert_true(EqualSid((PSID)&((ACCESS_DENIED_ACE *)ace)->SidStart, group));
	assert_true(GetSecurityDescriptorControl(sd, &ctl, &rev));
	assert_true(ctl & SE_DACL_PROTECTED);
	assert_int_equal(wsb__el_sd_sddl(&sddl, sd), WSB_OK);
	assert_string_equal(sddl,
		"D:P(D;;FA;;;S-1-5-21-1-2-3-1001)(A;;FA;;;S-1-5-21-1-2-3-1000)(A;;FA;;;SY)(A;;FA;;;BA)");
	wsb__free(sddl);
	wsb__free(sd);
	LocalFree(group);
	LocalFree(user);
}

static void secrets_folder_dacl_is_inherited_and_has_no_deny(void **state)
{
	PSID user = sid_of("S-1-5-21-1-2-3-1000");
	PSECURITY_DESCRIPTOR sd = NULL;
	char *sddl = NULL;

	(void)state;
	assert_int_equal(wsb__secret_sd(&sd, NULL, user, 1), WSB_OK);
	assert_int_equal(wsb__el_sd_sddl(&sddl, sd), WSB_OK);
	assert_string_equal(sddl, "D:P(A;OICI;FA;;;S-1-5-21-1-2-3-1000)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
	wsb__free(sddl);
	wsb__free(sd);
	LocalFree(user);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(password_has_length_and_every_character_class, reset),
		cmocka_unit_test_setup(two_passwords_differ, reset),
		cmocka_unit_test_setup_teardown(password_reports_rng_failure, reset, reset),
		cmocka_unit_test_setup(dpapi_round_trip_returns_the_password, reset),
		cmocka_unit_test_setup(dpapi_rejects_a_damaged_blob, reset),
		cmocka_unit_test_setup(secrets_file_round_trip, reset),
		cmocka_unit_test_setup(secrets_file_dacl_denies_group_and_admits_user_system_admins, reset),
		cmocka_unit_test_setup(secrets_folder_dacl_is_inherited_and_has_no_deny, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
