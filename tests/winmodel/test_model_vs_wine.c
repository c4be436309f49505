/*
 * Cross-check: the model's access check against Wine's real AccessCheck for
 * ordinary (unrestricted) tokens. Thousands of seeded random security
 * descriptors with allow/deny ACEs for SIDs the current token has (user,
 * enabled groups, deny-only groups) or lacks, random requested masks with
 * generic bits and MAXIMUM_ALLOWED; every verdict and granted mask must
 * agree. The seed is printed on failure; WM_SEED=<n> replays one run.
 *
 * The cases stay where Wine 8 follows the documented algorithm. Measured
 * deviations of Wine, left out and listed in docs/windows-model.md: the
 * owner gets more than READ_CONTROL|WRITE_DAC; OWNER RIGHTS ACEs are
 * ignored; a deny ACE after an allow of the same right still denies (so
 * only canonical DACLs, denies first, are generated); MAXIMUM_ALLOWED with
 * other bits succeeds even when those bits are not granted (so
 * MAXIMUM_ALLOWED is asked alone).
 * Windows only (cross-built with mingw, run under Wine).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <windows.h>
#include <sddl.h>

#include "model.h"

#define CASES 4000

static HANDLE imp;        /* impersonation token of this process */
static wm_token model;    /* the same token, as the model sees it */
static wm_sid pool[16];   /* SIDs the ACEs draw from */
static size_t npool;

static uint64_t rng;
static uint32_t next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void sid_from_win(wm_sid *out, PSID s)
{
	size_t len = GetLengthSid(s);

	assert_int_equal(wm_sid_from_bin(out, (const uint8_t *)s, len, NULL), WM_OK);
}

static void add_pool(const wm_sid *s)
{
	size_t i;

	for (i = 0; i < npool; i++)
		if (wm_sid_equal(&pool[i], s)) return;
	if (npool < sizeof(pool) / sizeof(pool[0])) pool[npool++] = *s;
}

/* Read user and groups of the real token into the model's token. */
static int setup(void **state)
{
	HANDLE proc;
	DWORD len = 0, i;
	TOKEN_USER *user;
	TOKEN_GROUPS *groups;
	wm_sid s;
	const char *absent[] = { "S-1-5-21-7-7-7-1001", "S-1-5-21-7-7-7-1002", "S-1-5-32-551" };

	(void)state;
	assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &proc));
	assert_true(DuplicateToken(proc, SecurityImpersonation, &imp));
	CloseHandle(proc);

	GetTokenInformation(imp, TokenUser, NULL, 0, &len);
	user = malloc(len);
	assert_true(GetTokenInformation(imp, TokenUser, user, len, &len));
	sid_from_win(&s, user->User.Sid);
	wm_token_init(&model, &s);
	model.privileges = 0;         /* privileges play no part without intent */
	model.integrity = WM_IL_SYSTEM; /* the SDs carry no label */
	add_pool(&s);
	free(user);

	len = 0;
	GetTokenInformation(imp, TokenGroups, NULL, 0, &len);
	groups = malloc(len);
	assert_true(GetTokenInformation(imp, TokenGroups, groups, len, &len));
	for (i = 0; i < groups->GroupCount; i++) {
		sid_from_win(&s, groups->Groups[i].Sid);
		wm_token_add_group(&model, &s, groups->Groups[i].Attributes);
		if (!(groups->Groups[i].Attributes & SE_GROUP_LOGON_ID)) add_pool(&s);
	}
	free(groups);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		s = wm_sid_of(absent[i]);
		add_pool(&s);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	CloseHandle(imp);
	wm_token_dispose(&model);
	return 0;
}

static const uint32_t bits[] = {
	0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100,
	WM_DELETE, WM_READ_CONTROL, WM_WRITE_DAC, WM_WRITE_OWNER, WM_SYNCHRONIZE,
};

static uint32_t random_mask(int generic)
{
	uint32_t m = 0;
	int n = 1 + (int)(next32() % 5), i;

	for (i = 0; i < n; i++) m |= bits[next32() % (sizeof(bits) / sizeof(bits[0]))];
	if (generic && next32() % 4 == 0) m |= WM_GENERIC_READ >> (next32() % 4);
	return m;
}

static void random_sd(wm_sd *sd)
{
	int n = (int)(next32() % 7), i, shape = (int)(next32() % 10);
	int nd = (int)(next32() % (unsigned)(n + 1));

	wm_sd_init(sd);
	sd->has_owner = sd->has_group = 1;
	sd->owner = wm_sid_of("S-1-5-21-7-7-7-1001");   /* not in the token */
	sd->group = pool[next32() % npool];
	if (shape == 0) {
		sd->control = WM_SE_DACL_PRESENT;   /* NULL DACL */
		return;
	}
	sd->control = WM_SE_DACL_PRESENT;
	sd->dacl.revision = 2;
	for (i = 0; i < n; i++) {
		uint8_t flags = next32() % 6 == 0 ? WM_IO | WM_OI : 0;
		wm_sid s = pool[next32() % npool];
		wm_acl_add(&sd->dacl, i < nd ? WM_ACE_DENIED : WM_ACE_ALLOWED, flags, random_mask(0), &s);
	}
}

static int wine_check(const uint8_t *bin, uint32_t desired, uint32_t *granted)
{
	GENERIC_MAPPING map = { FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS };
	union { PRIVILEGE_SET set; char buf[256]; } ps;
	DWORD pslen = sizeof(ps), g = 0, want = desired;
	BOOL status = FALSE;

	MapGenericMask(&want, &map);
	if (!AccessCheck((PSECURITY_DESCRIPTOR)bin, imp, want, &map, &ps.set, &pslen, &g, &status))
		return -(int)GetLastError();
	*granted = status ? g : 0;
	return status ? 1 : 0;
}

static void one_run(uint64_t seed)
{
	int i;

	rng = seed ? seed : 1;
	for (i = 0; i < CASES; i++) {
		wm_sd sd;
		uint8_t *bin;
		size_t len;
		uint32_t desired, mg = 0, wg = 0;
		int mrc, wrc;

		random_sd(&sd);
		desired = random_mask(1);
		if (next32() % 4 == 0) desired = WM_MAXIMUM_ALLOWED;
		assert_int_equal(wm_sd_to_bin(&bin, &len, &sd), WM_OK);
		mrc = wm_access_check(&mg, &sd, &model, desired, NULL);
		wrc = wine_check(bin, desired, &wg);
		if (wrc < 0 || (mrc == WM_OK) != (wrc == 1) || mg != wg) {
			char *sddl = NULL;
			ConvertSecurityDescriptorToStringSecurityDescriptorA((PSECURITY_DESCRIPTOR)bin, SDDL_REVISION_1,
				OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &sddl, NULL);
			print_error("seed %llu case %d: %s desired 0x%08lx: model %s 0x%08lx, Wine %d 0x%08lx\n",
				(unsigned long long)seed, i, sddl ? sddl : "?", (unsigned long)desired,
				mrc == WM_OK ? "granted" : "denied", (unsigned long)mg, wrc, (unsigned long)wg);
			LocalFree(sddl);
			free(bin);
			wm_sd_dispose(&sd);
			fail();
		}
		free(bin);
		wm_sd_dispose(&sd);
	}
}

static void model_agrees_with_wine_access_check(void **state)
{
	const char *env = getenv("WM_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)GetTickCount64();

	(void)state;
	print_message("model-vs-Wine seed %llu, %d cases\n", (unsigned long long)seed, CASES);
	one_run(seed);
}

static void model_agrees_with_wine_fixed_seeds(void **state)
{
	(void)state;
	one_run(1);
	one_run(20240601);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_agrees_with_wine_fixed_seeds),
		cmocka_unit_test(model_agrees_with_wine_access_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
