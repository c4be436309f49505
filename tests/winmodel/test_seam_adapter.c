/*
 * The seam adapter itself (seam.c): Win32 calls through the backend's seam
 * land on the model with Win32's conventions (pointers into returned
 * descriptors, error codes, dispositions, token queries), and anything not
 * the model's still reaches the real function. Windows builds, under Wine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seam.h"

#include "win32/os.h"

#define U "C:\\Users\\u"
#define WU L"C:\\Users\\u"

static int setup(void **state)
{
	wms_options o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.gen_short_names = 1;
	return wms_install(&o);
}

static int teardown(void **state)
{
	(void)state;
	wms_uninstall();
	return 0;
}

static PSID sid_bin(const char *s, BYTE *buf)
{
	wm_sid w = wm_sid_of(s);

	wm_sid_to_bin(&w, buf);
	return buf;
}

static void seam_get_named_security_info_points_into_the_descriptor(void **state)
{
	PSID owner = NULL;
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	BYTE user[68];
	DWORD err;
	const wm_sd *m = wm_fs_peek_sd(wms_fs(), U, 0);

	(void)state;
	err = WSB_OS(GetNamedSecurityInfoW)(WU, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION |
		DACL_SECURITY_INFORMATION, &owner, NULL, &dacl, NULL, &sd);
	assert_int_equal(err, ERROR_SUCCESS);
	assert_true((BYTE *)owner > (BYTE *)sd && (BYTE *)dacl > (BYTE *)sd);
	assert_true(EqualSid(owner, sid_bin(WMS_USER_SID, user)));
	assert_int_equal(dacl->AceCount, m->dacl.count);
	assert_int_equal(wms_outstanding_sds(), 1);
	WSB_OS(LocalFree)(sd);
	assert_int_equal(wms_outstanding_sds(), 0);
}

static void seam_set_named_security_info_propagates_to_children(void **state)
{
	BYTE acl_buf[256], sid[68];
	PACL acl = (PACL)acl_buf;
	const wm_sd *child;
	size_t i, inherited = 0;
	wm_sid want = wm_sid_of("S-1-5-21-5-6-7-8");

	(void)state;
	assert_true(WSB_OS(CreateDirectoryW)(WU L"\\a", NULL));
	assert_true(WSB_OS(CreateDirectoryW)(WU L"\\a\\b", NULL));
	assert_true(InitializeAcl(acl, sizeof(acl_buf), ACL_REVISION));
	assert_true(AddAccessAllowedAceEx(acl, ACL_REVISION, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
		FILE_GENERIC_READ, sid_bin("S-1-5-21-5-6-7-8", sid)));
	assert_int_equal(WSB_OS(SetNamedSecurityInfoW)((LPWSTR)WU L"\\a", SE_FILE_OBJECT,
		DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION, NULL, NULL, acl, NULL),
		ERROR_SUCCESS);
	child = wm_fs_peek_sd(wms_fs(), U "\\a\\b", 0);
	for (i = 0; i < child->dacl.count; i++)
		if (wm_sid_equal(&child->dacl.aces[i].sid, &want) && (child->dacl.aces[i].flags & WM_ID))
			inherited++;
	assert_int_equal(inherited, 1);
}

static void seam_file_errors_are_win32_codes(void **state)
{
	HANDLE h;

	(void)state;
	h = WSB_OS(CreateFileW)(WU L"\\missing.txt", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	assert_true(h == INVALID_HANDLE_VALUE);
	assert_int_equal(GetLastError(), ERROR_FILE_NOT_FOUND);
	h = WSB_OS(CreateFileW)(WU L"\\f.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	assert_true(h != INVALID_HANDLE_VALUE);
	WSB_OS(CloseHandle)(h);
	h = WSB_OS(CreateFileW)(WU L"\\f.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	assert_true(h == INVALID_HANDLE_VALUE);
	assert_int_equal(GetLastError(), ERROR_FILE_EXISTS);
	assert_false(WSB_OS(CreateDirectoryW)(WU, NULL));
	assert_int_equal(GetLastError(), ERROR_ALREADY_EXISTS);
	assert_false(WSB_OS(CreateDirectoryW)(WU L"\\no\\such", NULL));
	assert_int_equal(GetLastError(), ERROR_PATH_NOT_FOUND);
	/* The user may not create in C:\Windows-like places: C:\ grants
	 * Authenticated Users folders only. */
	h = WSB_OS(CreateFileW)(L"C:\\file.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	assert_true(h == INVALID_HANDLE_VALUE);
	assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
	assert_int_equal(WSB_OS(GetFileAttributesW)(WU L"\\nope"), INVALID_FILE_ATTRIBUTES);
	assert_int_equal(GetLastError(), ERROR_FILE_NOT_FOUND);
	assert_int_equal(wms_open_handles(), 0);
}

static void seam_file_write_append_read(void **state)
{
	HANDLE h;
	DWORD n;
	char buf[32];
	LARGE_INTEGER size;

	(void)state;
	h = WSB_OS(CreateFileW)(WU L"\\log", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
	assert_true(WSB_OS(WriteFile)(h, "abc", 3, &n, NULL));
	WSB_OS(CloseHandle)(h);
	h = WSB_OS(CreateFileW)(WU L"\\log", FILE_APPEND_DATA, 0, NULL, OPEN_ALWAYS, 0, NULL);
	assert_int_equal(GetLastError(), ERROR_ALREADY_EXISTS);
	assert_true(WSB_OS(WriteFile)(h, "def", 3, &n, NULL));
	WSB_OS(CloseHandle)(h);
	h = WSB_OS(CreateFileW)(WU L"\\log", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	assert_true(WSB_OS(GetFileSizeEx)(h, &size));
	assert_int_equal(size.QuadPart, 6);
	assert_true(WSB_OS(ReadFile)(h, buf, sizeof(buf), &n, NULL));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "abcdef", 6);
	assert_false(WSB_OS(WriteFile)(h, "x", 1, &n, NULL));
	assert_int_equal(GetLastError(), ERROR_ACCESS_DENIED);
	WSB_OS(CloseHandle)(h);
	assert_true(WSB_OS(MoveFileExW)(WU L"\\log", WU L"\\log2", 0));
	assert_true(WSB_OS(DeleteFileW)(WU L"\\log2"));
	assert_false(wm_fs_exists(wms_fs(), U "\\log2"));
}

static void seam_find_lists_a_directory(void **state)
{
	WIN32_FIND_DATAW fd;
	HANDLE h;
	int files = 0, dirs = 0;

	(void)state;
	assert_true(WSB_OS(CreateDirectoryW)(WU L"\\d", NULL));
	assert_true(WSB_OS(CreateDirectoryW)(WU L"\\d\\sub", NULL));
	WSB_OS(CloseHandle)(WSB_OS(CreateFileW)(WU L"\\d\\x.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL));
	h = WSB_OS(FindFirstFileW)(WU L"\\d\\*", &fd);
	assert_true(h != INVALID_HANDLE_VALUE);
	do {
		if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
			dirs += wcscmp(fd.cFileName, L"sub") == 0;
		else
			files += wcscmp(fd.cFileName, L"x.txt") == 0;
	} while (WSB_OS(FindNextFileW)(h, &fd));
	assert_int_equal(GetLastError(), ERROR_NO_MORE_FILES);
	assert_true(WSB_OS(FindClose)(h));
	assert_int_equal(files, 1);
	assert_int_equal(dirs, 1);
}

static void seam_restricted_token_deny_only_and_intersection(void **state)
{
	HANDLE base = NULL, t1 = NULL, t2 = NULL;
	BYTE users[68], a[68], b[68], c[68], buf[1024];
	SID_AND_ATTRIBUTES dis[1], r1[2], r2[2];
	TOKEN_GROUPS *g = (TOKEN_GROUPS *)buf;
	const wm_token *wt;
	DWORD n, i;
	int found = 0;

	(void)state;
	assert_true(WSB_OS(OpenProcessToken)(GetCurrentProcess(), TOKEN_ALL_ACCESS, &base));
	dis[0].Sid = sid_bin("S-1-5-32-545", users);
	dis[0].Attributes = 0;
	r1[0].Sid = sid_bin("S-1-5-21-1-1-1-1", a);
	r1[1].Sid = sid_bin("S-1-5-21-2-2-2-2", b);
	r1[0].Attributes = r1[1].Attributes = 0;
	assert_true(WSB_OS(CreateRestrictedToken)(base, WRITE_RESTRICTED | DISABLE_MAX_PRIVILEGE, 1, dis, 0, NULL,
		2, r1, &t1));
	r2[0].Sid = b;
	r2[1].Sid = sid_bin("S-1-5-21-3-3-3-3", c);
	r2[0].Attributes = r2[1].Attributes = 0;
	assert_true(WSB_OS(CreateRestrictedToken)(t1, 0, 0, NULL, 0, NULL, 2, r2, &t2));
	wt = wms_token_of(t2);
	assert_non_null(wt);
	assert_true(wt->write_restricted);
	assert_true(WSB_OS(GetTokenInformation)(t2, TokenRestrictedSids, buf, sizeof(buf), &n));
	assert_int_equal(g->GroupCount, 1);
	assert_true(EqualSid(g->Groups[0].Sid, b));
	assert_true(WSB_OS(GetTokenInformation)(t2, TokenGroups, buf, sizeof(buf), &n));
	for (i = 0; i < g->GroupCount; i++)
		if (EqualSid(g->Groups[i].Sid, users)) {
			found = 1;
			assert_true(g->Groups[i].Attributes & SE_GROUP_USE_FOR_DENY_ONLY);
			assert_false(g->Groups[i].Attributes & SE_GROUP_ENABLED);
		}
	assert_true(found);
	assert_false(WSB_OS(GetTokenInformation)(t2, TokenGroups, buf, 8, &n));
	assert_int_equal(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
	WSB_OS(CloseHandle)(t2);
	WSB_OS(CloseHandle)(t1);
	WSB_OS(CloseHandle)(base);
	assert_int_equal(wms_open_handles(), 0);
}

static void seam_other_paths_reach_the_real_function(void **state)
{
	wchar_t self[MAX_PATH];

	(void)state;
	assert_true(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
	if ((self[0] == L'C' || self[0] == L'c') && self[1] == L':')
		skip(); /* the test binary itself lives on the model's drive letter */
	assert_int_not_equal(WSB_OS(GetFileAttributesW)(self), INVALID_FILE_ATTRIBUTES);
	assert_true(WSB_OS(GetFileAttributesW)(L"C:\\Windows\\notepad.exe") == INVALID_FILE_ATTRIBUTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(seam_get_named_security_info_points_into_the_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(seam_set_named_security_info_propagates_to_children, setup, teardown),
		cmocka_unit_test_setup_teardown(seam_file_errors_are_win32_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(seam_file_write_append_read, setup, teardown),
		cmocka_unit_test_setup_teardown(seam_find_lists_a_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(seam_restricted_token_deny_only_and_intersection, setup, teardown),
		cmocka_unit_test_setup_teardown(seam_other_paths_reach_the_real_function, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
