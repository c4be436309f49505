/* End to end against the simulated Windows model: the model's file system
 * (tests/winmodel, with SetNamedSecurityInfo's inheritance propagation)
 * answers this backend's DACL calls through the seam, and the token the
 * backend asks CreateRestrictedToken for is rebuilt as a model token. After
 * a real wsb_spawn (the process itself runs under Wine), the model decides
 * what that token may do to files that existed before the grant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"
#include "model.h"

#define USER "S-1-5-21-0-0-0-1000"
#define LOGON "S-1-5-5-0-77"
#define DRIVE_SDDL "O:" USER "D:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" USER ")(A;OICI;0x1200a9;;;BU)"

static wm_fs *fs;
static wm_token user, sbx;
static int have_sbx;
static const char *dirs[] = { "C:\\proj", "C:\\proj\\src", "C:\\proj\\.git", "C:\\other", "C:\\Users",
	"C:\\Users\\u", NULL };

static void sid(wm_sid *s, const char *text)
{
	assert_int_equal(wm_sid_parse(s, text), WM_OK);
}

static void user_groups(wm_token *t)
{
	wm_sid s;

	sid(&s, USER);
	assert_int_equal(wm_token_init(t, &s), WM_OK);
	sid(&s, "WD");
	wm_token_add_group(t, &s, WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	sid(&s, "BU");
	wm_token_add_group(t, &s, WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	sid(&s, "AU");
	wm_token_add_group(t, &s, WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
	sid(&s, LOGON);
	wm_token_add_group(t, &s, WM_SE_GROUP_LOGON_ID | WM_SE_GROUP_ENABLED | WM_SE_GROUP_MANDATORY);
}

static int in_model(const wchar_t *w, char *out, size_t n)
{
	WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)n, NULL, NULL);
	return strncmp(out, "C:\\proj", 7) == 0 || strncmp(out, "C:\\other", 8) == 0 ||
		strncmp(out, "C:\\Users\\u", 10) == 0;
}

static DWORD wm_err(int rc)
{
	return rc == WM_E_NOT_FOUND ? ERROR_FILE_NOT_FOUND : rc == WM_E_ACCESS ? ERROR_ACCESS_DENIED :
		ERROR_INVALID_PARAMETER;
}

static DWORD WINAPI model_get(LPCWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID *o, PSID *g,
	PACL *d, PACL *s, PSECURITY_DESCRIPTOR *sd)
{
	char path[512];
	wm_sd msd;
	uint8_t *bin = NULL;
	size_t len = 0;
	BOOL present, def;
	int rc;

	if (!in_model(n, path, sizeof(path)))
		return ((wsb__os_GetNamedSecurityInfoW_fn)wsb__os_default("GetNamedSecurityInfoW"))(n, t, i, o, g, d, s, sd);
	wm_sd_init(&msd);
	if ((rc = wm_fs_get_sd(fs, &user, path, i & 0xF, &msd)) != WM_OK)
		return wm_err(rc);
	assert_int_equal(wm_sd_to_bin(&bin, &len, &msd), WM_OK);
	wm_sd_dispose(&msd);
	*sd = LocalAlloc(LMEM_FIXED, len);
	memcpy(*sd, bin, len);
	free(bin);
	if (d)
		GetSecurityDescriptorDacl(*sd, &present, d, &def);
	return ERROR_SUCCESS;
}

static DWORD WINAPI model_set(LPWSTR n, SE_OBJECT_TYPE t, SECURITY_INFORMATION i, PSID o, PSID g, PACL d, PACL s)
{
	char path[512];
	SECURITY_DESCRIPTOR abs;
	DWORD len = 0;
	PSECURITY_DESCRIPTOR rel;
	wm_sd msd;
	int rc;

	if (!in_model(n, path, sizeof(path)))
		return ((wsb__os_SetNamedSecurityInfoW_fn)wsb__os_default("SetNamedSecurityInfoW"))(n, t, i, o, g, d, s);
	InitializeSecurityDescriptor(&abs, SECURITY_DESCRIPTOR_REVISION);
	SetSecurityDescriptorDacl(&abs, TRUE, d, FALSE);
	MakeSelfRelativeSD(&abs, NULL, &len);
	rel = LocalAlloc(LMEM_FIXED, len);
	assert_true(MakeSelfRelativeSD(&abs, rel, &len));
	wm_sd_init(&msd);
	assert_int_equal(wm_sd_from_bin(&msd, rel, len), WM_OK);
	LocalFree(rel);
	rc = wm_fs_set_sd(fs, &user, path, (uint32_t)i, &msd);
	wm_sd_dispose(&msd);
	return rc == WM_OK ? ERROR_SUCCESS : wm_err(rc);
}

static DWORD WINAPI model_attr(LPCWSTR n)
{
	char path[512];
	size_t i;

	if (!in_model(n, path, sizeof(path)))
		return ((wsb__os_GetFileAttributesW_fn)wsb__os_default("GetFileAttributesW"))(n);
	if (!wm_fs_exists(fs, path)) {
		SetLastError(ERROR_FILE_NOT_FOUND);
		return INVALID_FILE_ATTRIBUTES;
	}
	for (i = 0; dirs[i]; i++)
		if (_stricmp(dirs[i], path) == 0)
			return FILE_ATTRIBUTE_DIRECTORY;
	return FILE_ATTRIBUTE_NORMAL;
}

/* The token the backend asks for, rebuilt in the model. */
static BOOL WINAPI model_restricted(HANDLE t, DWORD f, DWORD nd, PSID_AND_ATTRIBUTES d, DWORD np,
	PLUID_AND_ATTRIBUTES p, DWORD nr, PSID_AND_ATTRIBUTES r, PHANDLE o)
{
	DWORD i;
	wm_sid s;

	if (have_sbx)
		wm_token_dispose(&sbx);
	user_groups(&sbx);
	if (f & LUA_TOKEN) {
		sid(&s, "BA");
		wm_token_add_group(&sbx, &s, WM_SE_GROUP_USE_FOR_DENY_ONLY);
	}
	if (f & DISABLE_MAX_PRIVILEGE)
		sbx.privileges = WM_PRIV_CHANGE_NOTIFY;
	for (i = 0; i < nr; i++) {
		char *text = NULL;
		assert_true(ConvertSidToStringSidA(r[i].Sid, &text));
		/* The logon SID of Wine's token stands for the model's. */
		sid(&s, strncmp(text, "S-1-5-5-", 8) == 0 ? LOGON : text);
		wm_token_add_restricted(&sbx, &s);
		LocalFree(text);
	}
	sbx.write_restricted = (f & WRITE_RESTRICTED) != 0;
	have_sbx = 1;
	return ((wsb__os_CreateRestrictedToken_fn)wsb__os_default("CreateRestrictedToken"))(t, f, nd, d, np, p, nr, r, o);
}

static int setup(void **s)
{
	wm_sd root;
	size_t i;

	(void)s;
	wm_sd_init(&root);
	assert_int_equal(wm_sd_from_sddl(&root, DRIVE_SDDL), WM_OK);
	assert_int_equal(wm_fs_create(&fs, &root, 0), WM_OK);
	wm_sd_dispose(&root);
	for (i = 0; dirs[i]; i++)
		assert_int_equal(wm_fs_create_dir(fs, NULL, dirs[i], NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(fs, NULL, "C:\\proj\\src\\main.c", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(fs, NULL, "C:\\proj\\.git\\config", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(fs, NULL, "C:\\Users\\u\\secret.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_create_file(fs, NULL, "C:\\other\\file.txt", NULL), WM_OK);
	user_groups(&user);
	wsb__os_set("GetNamedSecurityInfoW", (wsb__os_fn)model_get);
	wsb__os_set("SetNamedSecurityInfoW", (wsb__os_fn)model_set);
	wsb__os_set("GetFileAttributesW", (wsb__os_fn)model_attr);
	wsb__os_set("CreateRestrictedToken", (wsb__os_fn)model_restricted);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb__os_reset();
	if (have_sbx)
		wm_token_dispose(&sbx);
	have_sbx = 0;
	wm_token_dispose(&user);
	wm_fs_free(fs);
	return 0;
}

static void spawn_with_roots(wsb_identity *identity, const char *const *roots)
{
	const char *argv[] = { "cmd", "/c", "exit", "0", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *policy = NULL;
	wsb_process *p = NULL;

	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	for (; *roots; roots++)
		assert_int_equal(wsb_policy_allow_write(policy, *roots), WSB_OK);
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	o.argv = argv;
	o.cwd = fakefs_temp_dir("e2ecwd");
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	if (wsb_spawn(&p, policy, identity, &o) != WSB_OK)
		fail_msg("wsb_spawn: %s", wsb_error_message(NULL));
	assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
	wsb_process_free(p);
	wsb_policy_free(policy);
	assert_true(have_sbx);
}

static wsb_identity *new_identity(void)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_identity *id = NULL;

	io.state_dir = fakefs_temp_dir("e2e");
	assert_int_equal(wsb_identity_create(&id, &io), WSB_OK);
	return id;
}

static void after_a_spawn_the_token_writes_the_root_but_not_git_nor_the_users_files(void **s)
{
	static const char *const roots[] = { "C:\\proj", NULL };
	wsb_identity *id = new_identity();
	const char *text = NULL;

	(void)s;
	spawn_with_roots(id, roots);
	/* Existing files got the grant through inheritance propagation. */
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\proj\\src\\main.c", "int x;"), WM_OK);
	assert_int_equal(wm_fs_create_file(fs, &sbx, "C:\\proj\\new.txt", NULL), WM_OK);
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\proj\\.git\\config", "evil"), WM_E_ACCESS);
	assert_int_equal(wm_fs_create_file(fs, &sbx, "C:\\proj\\.git\\hook", NULL), WM_E_ACCESS);
	assert_int_equal(wm_fs_read(fs, &sbx, "C:\\proj\\.git\\config", &text), WM_OK);
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\Users\\u\\secret.txt", "x"), WM_E_ACCESS);
	assert_int_equal(wm_fs_read(fs, &sbx, "C:\\Users\\u\\secret.txt", &text), WM_OK);
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\other\\file.txt", "x"), WM_E_ACCESS);
	/* The user's own token is untouched by all this. */
	assert_int_equal(wm_fs_write(fs, &user, "C:\\proj\\.git\\config", "ok"), WM_OK);
	wsb_identity_revert(id);
	wsb_identity_free(id);
}

static void an_unchanged_policy_writes_no_dacl_the_second_time(void **s)
{
	static const char *const roots[] = { "C:\\proj", NULL };
	wsb_identity *id = new_identity();

	(void)s;
	spawn_with_roots(id, roots);
	wsb__os_reset_counts();
	spawn_with_roots(id, roots);
	assert_int_equal(wsb__os_calls("SetNamedSecurityInfoW"), 0);
	wsb_identity_revert(id);
	wsb_identity_free(id);
}

static void a_sandbox_with_fewer_roots_cannot_write_the_dropped_one(void **s)
{
	static const char *const both[] = { "C:\\proj", "C:\\other", NULL };
	static const char *const one[] = { "C:\\other", NULL };
	wsb_identity *id = new_identity();

	(void)s;
	spawn_with_roots(id, both);
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\proj\\src\\main.c", "x"), WM_OK);
	spawn_with_roots(id, one);
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\proj\\src\\main.c", "x"), WM_E_ACCESS);
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\other\\file.txt", "x"), WM_OK);
	wsb_identity_revert(id);
	wsb_identity_free(id);
}

static void revert_restores_every_dacl_and_takes_the_grant_away(void **s)
{
	static const char *const roots[] = { "C:\\proj", NULL };
	wsb_identity *id = new_identity();
	uint8_t *before[3], *after = NULL;
	size_t blen[3], alen = 0, i;
	static const char *const paths[] = { "C:\\proj", "C:\\proj\\.git", "C:\\proj\\src\\main.c" };

	(void)s;
	for (i = 0; i < 3; i++)
		assert_int_equal(wm_sd_to_bin(&before[i], &blen[i], wm_fs_peek_sd(fs, paths[i], 0)), WM_OK);
	spawn_with_roots(id, roots);
	assert_int_equal(wsb_identity_revert(id), WSB_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(wm_sd_to_bin(&after, &alen, wm_fs_peek_sd(fs, paths[i], 0)), WM_OK);
		assert_int_equal(alen, blen[i]);
		assert_memory_equal(after, before[i], alen);
		free(after);
		free(before[i]);
	}
	assert_int_equal(wm_fs_write(fs, &sbx, "C:\\proj\\src\\main.c", "x"), WM_E_ACCESS);
	wsb_identity_free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(after_a_spawn_the_token_writes_the_root_but_not_git_nor_the_users_files, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unchanged_policy_writes_no_dacl_the_second_time, setup, teardown),
		cmocka_unit_test_setup_teardown(a_sandbox_with_fewer_roots_cannot_write_the_dropped_one, setup, teardown),
		cmocka_unit_test_setup_teardown(revert_restores_every_dacl_and_takes_the_grant_away, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
