/*
 * Setup with Wine's real calls, nothing faked: Wine's accounts and firewall
 * are stubs (NetLocalGroupAdd says yes and creates nothing, INetFwPolicy2
 * stores nothing), so setup must FAIL with a clear error, roll back, and
 * leave the state folder as it found it. This is plumbing (the calls link
 * and run, errors are handled); it proves nothing about Windows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "setup_fake.h"

static wchar_t dir[MAX_PATH];
static char dir8[MAX_PATH];

static int make_dir(void **state)
{
	wchar_t tmp[MAX_PATH];

	(void)state;
	wsb__os_reset();
	GetTempPathW(MAX_PATH, tmp);
	swprintf(dir, MAX_PATH, L"%lswsb-setup-wine-%lu", tmp, (unsigned long)GetCurrentProcessId());
	CreateDirectoryW(dir, NULL);
	snprintf(dir8, sizeof(dir8), "%ls", dir);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	RemoveDirectoryW(dir);
	return 0;
}

static int dir_is_empty(void)
{
	WIN32_FIND_DATAW fd;
	wchar_t pat[MAX_PATH];
	HANDLE h;
	int n = 0;

	swprintf(pat, MAX_PATH, L"%ls\\*", dir);
	if ((h = FindFirstFileW(pat, &fd)) == INVALID_HANDLE_VALUE)
		return 1;
	do {
		if (wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L".."))
			n++;
	} while (FindNextFileW(h, &fd));
	FindClose(h);
	return n == 0;
}

static void setup_under_wine_fails_and_leaves_no_state(void **state)
{
	wsb_setup_options o = WSB_SETUP_OPTIONS_INIT;
	int rc;

	(void)state;
	o.state_dir = dir8;
	o.offline_user = "wsb-wine-off";
	o.online_user = "wsb-wine-on";
	o.group = "wsb-wine-grp";
	rc = wsb__setup_install(&o);
	print_message("setup under wine: %d %s\n", rc, wsb_error_message(NULL));
	assert_int_not_equal(rc, WSB_OK);
	assert_true(strlen(wsb_error_message(NULL)) > 20);
	assert_true(dir_is_empty());
}

static void status_under_wine_reports_not_installed(void **state)
{
	wsb_setup_options o = WSB_SETUP_OPTIONS_INIT;
	char *json = NULL;

	(void)state;
	o.state_dir = dir8;
	assert_int_equal(wsb__setup_status(&json, &o), WSB_OK);
	assert_non_null(strstr(json, "\"installed\":false"));
	assert_non_null(strstr(json, "\"intact\":false"));
	assert_non_null(strstr(json, "\"password_decrypts\":false"));
	wsb__free(json);
	assert_true(dir_is_empty());
}

/* Only the token and the firewall policy faked (Wine's policy cannot say
 * whether local rules apply): Wine's real account calls and registry run.
 * Wine's NetLocalGroupAdd creates nothing, so the group has no SID and
 * setup stops there, undoing what it journaled. */
static void setup_with_wine_accounts_stops_at_the_group_sid_and_rolls_back(void **state)
{
	static const char *const real[] = {
		"NetLocalGroupAdd", "NetLocalGroupDel", "NetLocalGroupGetInfo", "NetLocalGroupAddMembers",
		"NetLocalGroupDelMembers", "NetUserAdd", "NetUserDel", "NetUserGetInfo", "NetUserSetInfo",
		"NetUserGetLocalGroups", "NetApiBufferFree", "LookupAccountNameW", "LookupAccountSidW",
		"RegOpenKeyExW", "RegCreateKeyExW", "RegQueryValueExW", "RegSetValueExW", "RegDeleteValueW",
		"RegDeleteKeyExW", "RegQueryInfoKeyW", "RegCloseKey",
	};
	wsb_setup_options o = WSB_SETUP_OPTIONS_INIT;
	size_t i;
	int rc;

	(void)state;
	fake_install(dir);
	for (i = 0; i < WSB__ARRAY_SIZE(real); i++)
		assert_int_equal(wsb__os_set(real[i], NULL), 0);
	o.state_dir = dir8;
	o.offline_user = "wsb-wine-off";
	o.online_user = "wsb-wine-on";
	o.group = "wsb-wine-grp";
	rc = wsb__setup_install(&o);
	print_message("setup with wine accounts: %d %s\n", rc, wsb_error_message(NULL));
	assert_int_not_equal(rc, WSB_OK);
	assert_non_null(strstr(wsb_error_message(NULL), "setup step"));
	assert_non_null(strstr(wsb_error_message(NULL), "rolled back"));
	assert_true(dir_is_empty());
	assert_int_equal(W.nrules, 0);
	wsb__os_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(setup_under_wine_fails_and_leaves_no_state, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(status_under_wine_reports_not_installed, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(setup_with_wine_accounts_stops_at_the_group_sid_and_rolls_back, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
