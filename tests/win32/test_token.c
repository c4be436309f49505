/* Capability SIDs and the restricted token. Under Wine CreateRestrictedToken
 * is a stub (the token is not restricted), so these tests prove the calls,
 * the SIDs we ask for, the default DACL Wine stores, and the bound on the
 * token's size — never that a write is denied. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

static int teardown(void **s)
{
	(void)s;
	wsb__os_reset();
	return 0;
}

static void random_sids_are_well_formed_and_differ(void **s)
{
	char *a = NULL, *b = NULL;
	unsigned long x[4];
	PSID sid = NULL;
	wchar_t w[128];

	(void)s;
	assert_int_equal(wsb__sid_random(&a), WSB_OK);
	assert_int_equal(wsb__sid_random(&b), WSB_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(sscanf(a, "S-1-5-21-%lu-%lu-%lu-%lu", &x[0], &x[1], &x[2], &x[3]), 4);
	MultiByteToWideChar(CP_UTF8, 0, a, -1, w, 128);
	assert_true(ConvertStringSidToSidW(w, &sid));
	assert_true(IsValidSid(sid));
	LocalFree(sid);
	wsb__free(a);
	wsb__free(b);
}

static int fail_rng(const char *name, unsigned long i, void *ctx)
{
	(void)i;
	(void)ctx;
	return strcmp(name, "BCryptGenRandom") == 0;
}

static void a_failing_rng_is_an_error_not_a_weak_sid(void **s)
{
	char *a = NULL;

	(void)s;
	wsb__os_set_hook(fail_rng, NULL);
	assert_int_equal(wsb__sid_random(&a), WSB_EOS);
	assert_null(a);
	assert_non_null(strstr(wsb_error_message(NULL), "BCryptGenRandom"));
}

static void roots(wsb__strvec *v, size_t n, const char *prefix)
{
	size_t i;
	char buf[64];

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s%lu", prefix, (unsigned long)i);
		assert_int_equal(wsb__strvec_push(v, buf), WSB_OK);
	}
}

static void few_roots_get_one_persisted_sid_each(void **s)
{
	const char *state = fakefs_temp_dir("caps");
	wsb__strvec three = WSB__STRVEC_INIT, two = WSB__STRVEC_INIT;
	wsb__caps a, b;

	(void)s;
	roots(&three, 3, "C:\\r");
	roots(&two, 2, "C:\\r");
	assert_int_equal(wsb__caps_decide(&a, state, &three), WSB_OK);
	assert_int_equal(a.sids.count, 3);
	assert_true(a.is_new[0] && a.is_new[1] && a.is_new[2]);
	assert_int_equal(wsb__caps_persist(&a, state), WSB_OK);
	/* A later sandbox with fewer roots carries only their SIDs. */
	assert_int_equal(wsb__caps_decide(&b, state, &two), WSB_OK);
	assert_int_equal(b.sids.count, 2);
	assert_false(b.is_new[0] || b.is_new[1]);
	assert_string_equal(b.sids.items[0], a.sids.items[0]);
	assert_string_equal(b.sids.items[1], a.sids.items[1]);
	wsb__caps_dispose(&a);
	wsb__caps_dispose(&b);
	wsb__strvec_dispose(&three);
	wsb__strvec_dispose(&two);
}

static void many_roots_share_one_sid_that_changes_with_the_set(void **s)
{
	const char *state = fakefs_temp_dir("caps");
	wsb__strvec all = WSB__STRVEC_INIT, fewer = WSB__STRVEC_INIT;
	wsb__caps a, b;
	size_t i;

	(void)s;
	roots(&all, 1000, "C:\\r");
	roots(&fewer, 999, "C:\\r");
	assert_int_equal(wsb__caps_decide(&a, state, &all), WSB_OK);
	assert_int_equal(a.sids.count, 1);
	for (i = 0; i < 1000; i++)
		assert_int_equal(a.root_sid[i], 0);
	assert_int_equal(wsb__caps_persist(&a, state), WSB_OK);
	assert_int_equal(wsb__caps_decide(&b, state, &fewer), WSB_OK);
	assert_int_equal(b.sids.count, 1);
	assert_string_not_equal(a.sids.items[0], b.sids.items[0]);
	wsb__caps_dispose(&b);
	/* The same set again, in another order, finds the persisted SID. */
	wsb__strvec_remove(&all, 0);
	assert_int_equal(wsb__strvec_push(&all, "C:\\r0"), WSB_OK);
	assert_int_equal(wsb__caps_decide(&b, state, &all), WSB_OK);
	assert_string_equal(a.sids.items[0], b.sids.items[0]);
	assert_false(b.is_new[0]);
	wsb__caps_dispose(&a);
	wsb__caps_dispose(&b);
	wsb__strvec_dispose(&all);
	wsb__strvec_dispose(&fewer);
}

static unsigned default_dacl_aces(HANDLE token)
{
	char buf[4096];
	DWORD n = 0;
	TOKEN_DEFAULT_DACL *d = (TOKEN_DEFAULT_DACL *)buf;

	assert_true(GetTokenInformation(token, TokenDefaultDacl, buf, sizeof(buf), &n));
	return d->DefaultDacl ? d->DefaultDacl->AceCount : 0;
}

static void the_token_is_created_with_a_bounded_default_dacl(void **s)
{
	wsb__strvec caps = WSB__STRVEC_INIT;
	HANDLE token = NULL;
	char *logon = NULL;

	(void)s;
	roots(&caps, WSB__CAP_PER_ROOT_MAX, "S-1-5-21-7-7-7-");
	assert_int_equal(wsb__token_create(&token, &logon, &caps, 1), WSB_OK);
	assert_non_null(token);
	assert_non_null(logon);
	assert_memory_equal(logon, "S-1-5-5-", 8);
	/* capability SIDs + logon SID + Everyone, whatever the root count */
	assert_int_equal(default_dacl_aces(token), WSB__CAP_PER_ROOT_MAX + 2);
	CloseHandle(token);
	wsb__free(logon);
	wsb__strvec_dispose(&caps);
}

struct restricted_call {
	DWORD flags;
	DWORD count;
};

static struct restricted_call seen;

static BOOL WINAPI record_restricted(HANDLE t, DWORD f, DWORD nd, PSID_AND_ATTRIBUTES d, DWORD np,
	PLUID_AND_ATTRIBUTES p, DWORD nr, PSID_AND_ATTRIBUTES r, PHANDLE o)
{
	seen.flags = f;
	seen.count = nr;
	return ((wsb__os_CreateRestrictedToken_fn)wsb__os_default("CreateRestrictedToken"))(t, f, nd, d, np, p, nr, r, o);
}

static void the_token_asks_for_write_restricted_lua_and_no_privileges(void **s)
{
	wsb__strvec caps = WSB__STRVEC_INIT;
	HANDLE token = NULL;

	(void)s;
	roots(&caps, 1, "S-1-5-21-7-7-7-");
	wsb__os_set("CreateRestrictedToken", (wsb__os_fn)record_restricted);
	assert_int_equal(wsb__token_create(&token, NULL, &caps, 1), WSB_OK);
	assert_int_equal(seen.flags, DISABLE_MAX_PRIVILEGE | LUA_TOKEN | WRITE_RESTRICTED);
	assert_int_equal(seen.count, 3);
	CloseHandle(token);
	wsb__strvec_dispose(&caps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(random_sids_are_well_formed_and_differ, teardown),
		cmocka_unit_test_teardown(a_failing_rng_is_an_error_not_a_weak_sid, teardown),
		cmocka_unit_test_teardown(few_roots_get_one_persisted_sid_each, teardown),
		cmocka_unit_test_teardown(many_roots_share_one_sid_that_changes_with_the_set, teardown),
		cmocka_unit_test_teardown(the_token_is_created_with_a_bounded_default_dacl, teardown),
		cmocka_unit_test_teardown(the_token_asks_for_write_restricted_lua_and_no_privileges, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
