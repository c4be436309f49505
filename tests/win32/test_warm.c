/* Reuse of the restricted token (lib/win32/warm.c) under Wine, counted and
 * failed through the OS-call seam; DACLs live in the fake file system.
 * Plumbing only: Wine enforces no token, so what a reused token may do is
 * proved on the simulated model (tests/winmodel/test_props_spawn.c spawns
 * through the cache). Asserted here: an unchanged policy's second spawn
 * makes no token, only the command's copy of the template; no process runs
 * with the template itself; another policy, other capability SIDs or a
 * changed caller token never reuse one; the templates are bounded and
 * closed by revert; a call failing in the warm path leaves no handle and
 * the cache as it was. Token handles are counted through the seam (every
 * one OpenProcessToken, CreateRestrictedToken and DuplicateTokenEx gave,
 * until CloseHandle), and all of the process's by fakefs_handles. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

#define ROOTS 12

static char roots[ROOTS][64], cwd[600];
static wsb_identity *identity;

/* ---- token handles open, through the seam ---- */

#define LIVE_MAX 64
static HANDLE live[LIVE_MAX];
static size_t nlive;

static void track(HANDLE h)
{
	assert_true(nlive < LIVE_MAX);
	live[nlive++] = h;
}

static BOOL WINAPI t_open(HANDLE p, DWORD a, PHANDLE o)
{
	BOOL ok = ((wsb__os_OpenProcessToken_fn)wsb__os_default("OpenProcessToken"))(p, a, o);

	if (ok)
		track(*o);
	return ok;
}

static BOOL WINAPI t_close(HANDLE h)
{
	size_t i;

	for (i = 0; i < nlive; i++)
		if (live[i] == h) {
			live[i] = live[--nlive];
			break;
		}
	return ((wsb__os_CloseHandle_fn)wsb__os_default("CloseHandle"))(h);
}

static BOOL WINAPI rec_restricted(HANDLE t, DWORD f, DWORD nd, PSID_AND_ATTRIBUTES d, DWORD np,
	PLUID_AND_ATTRIBUTES p, DWORD nr, PSID_AND_ATTRIBUTES r, PHANDLE o);
static BOOL WINAPI rec_duplicate(HANDLE t, DWORD a, LPSECURITY_ATTRIBUTES sa, SECURITY_IMPERSONATION_LEVEL l,
	TOKEN_TYPE y, PHANDLE o);

static int setup(void **s)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	char git[80];
	size_t i;

	(void)s;
	fakefs_clear();
	fakefs_install();
	fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
	for (i = 0; i < ROOTS; i++) {
		snprintf(roots[i], sizeof(roots[i]), "C:\\warm\\r%02lu", (unsigned long)i);
		fakefs_add(roots[i], 1, NULL, 0);
		snprintf(git, sizeof(git), "%s\\.git", roots[i]);
		fakefs_add(git, 1, NULL, 0);
	}
	snprintf(cwd, sizeof(cwd), "%s", fakefs_temp_dir("warmcwd"));
	io.state_dir = fakefs_temp_dir("warmstate");
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	wsb__w32_no_reuse = 0;
	nlive = 0;
	wsb__os_set("OpenProcessToken", (wsb__os_fn)t_open);
	wsb__os_set("CreateRestrictedToken", (wsb__os_fn)rec_restricted);
	wsb__os_set("DuplicateTokenEx", (wsb__os_fn)rec_duplicate);
	wsb__os_set("CloseHandle", (wsb__os_fn)t_close);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	assert_int_equal(wsb_identity_revert(identity), WSB_OK);
	assert_int_equal(wsb__token_cache_count(), 0);
	assert_int_equal(nlive, 0);
	wsb_identity_free(identity);
	wsb__os_reset();
	wsb__w32_no_reuse = 0;
	return 0;
}

static wsb_policy *policy_of(size_t root)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, roots[root]), WSB_OK);
	assert_int_equal(wsb_policy_allow_missing(p, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	return p;
}

static void spawn(wsb_policy *policy)
{
	const char *argv[] = { "cmd", "/c", "exit", "5", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;

	o.argv = argv;
	o.cwd = cwd;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	wsb__os_reset_counts();
	if (wsb_spawn(&p, policy, identity, &o) != WSB_OK)
		fail_msg("wsb_spawn: %s", wsb_error_message(NULL));
	assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
	assert_int_equal(wsb_process_exit_code(p), 5);
	wsb_process_free(p);
}

/* ---- which token each process gets ---- */

static HANDLE made[4], copied[4], used[4];
static size_t nmade, ncopied, nused;

/* A token the real call gave: tracked until closed, the first few listed. */
static BOOL noted(BOOL ok, const HANDLE *o, HANDLE *list, size_t *n)
{
	if (ok) {
		track(*o);
		if (*n < 4)
			list[(*n)++] = *o;
	}
	return ok;
}

static BOOL WINAPI rec_restricted(HANDLE t, DWORD f, DWORD nd, PSID_AND_ATTRIBUTES d, DWORD np,
	PLUID_AND_ATTRIBUTES p, DWORD nr, PSID_AND_ATTRIBUTES r, PHANDLE o)
{
	return noted(((wsb__os_CreateRestrictedToken_fn)wsb__os_default("CreateRestrictedToken"))(t, f, nd, d,
		np, p, nr, r, o), o, made, &nmade);
}

static BOOL WINAPI rec_duplicate(HANDLE t, DWORD a, LPSECURITY_ATTRIBUTES sa, SECURITY_IMPERSONATION_LEVEL l,
	TOKEN_TYPE y, PHANDLE o)
{
	return noted(((wsb__os_DuplicateTokenEx_fn)wsb__os_default("DuplicateTokenEx"))(t, a, sa, l, y, o), o,
		copied, &ncopied);
}

static BOOL WINAPI rec_create(HANDLE t, LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa,
	LPSECURITY_ATTRIBUTES ta, BOOL inh, DWORD f, LPVOID env, LPCWSTR dir, LPSTARTUPINFOW si,
	LPPROCESS_INFORMATION pi)
{
	if (nused < 4)
		used[nused++] = t;
	return ((wsb__os_CreateProcessAsUserW_fn)wsb__os_default("CreateProcessAsUserW"))(t, app, cmd, pa, ta,
		inh, f, env, dir, si, pi);
}

static void a_second_spawn_copies_the_template_and_makes_no_token(void **s)
{
	wsb_policy *policy = policy_of(0);

	(void)s;
	wsb__os_set("CreateProcessAsUserW", (wsb__os_fn)rec_create);
	nmade = ncopied = nused = 0;
	spawn(policy);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	assert_int_equal(wsb__os_calls("DuplicateTokenEx"), 1);
	assert_int_equal(wsb__token_cache_count(), 1);
	spawn(policy);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 0);
	assert_int_equal(wsb__os_calls("ConvertStringSidToSidW"), 0);
	assert_int_equal(wsb__os_calls("SetTokenInformation"), 0);
	assert_int_equal(wsb__os_calls("DuplicateTokenEx"), 1);
	assert_int_equal(wsb__os_calls("SetNamedSecurityInfoW"), 0);
	assert_int_equal(wsb__token_cache_count(), 1);
	/* Each process ran with its own copy, never with the template. */
	assert_int_equal(nmade, 1);
	assert_int_equal(ncopied, 2);
	assert_int_equal(nused, 2);
	assert_true(used[0] == copied[0] && used[1] == copied[1]);
	assert_true(used[0] != made[0] && used[1] != made[0]);
	wsb_policy_free(policy);
}

static void another_policy_never_reuses_a_template(void **s)
{
	wsb_policy *a = policy_of(0), *b = policy_of(0), *c = policy_of(1);

	(void)s;
	assert_int_equal(wsb_policy_set_limit(b, WSB_LIMIT_PROCESSES, 7), WSB_OK);
	spawn(a);
	spawn(b); /* same root, same SIDs, other content */
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	spawn(c);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	assert_int_equal(wsb__token_cache_count(), 3);
	/* A policy changed after its spawn is another policy. */
	assert_int_equal(wsb_policy_allow_write(a, roots[2]), WSB_OK);
	spawn(a);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	assert_int_equal(wsb__token_cache_count(), 4);
	spawn(c);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 0);
	wsb_policy_free(a);
	wsb_policy_free(b);
	wsb_policy_free(c);
}

static DWORD bump;

static BOOL WINAPI changed_caller(HANDLE t, TOKEN_INFORMATION_CLASS c, LPVOID b, DWORD n, PDWORD r)
{
	BOOL ok = ((wsb__os_GetTokenInformation_fn)wsb__os_default("GetTokenInformation"))(t, c, b, n, r);

	if (ok && c == TokenStatistics)
		((TOKEN_STATISTICS *)b)->ModifiedId.LowPart += bump;
	return ok;
}

static void a_changed_caller_token_or_other_sids_make_a_new_template(void **s)
{
	wsb_policy *policy = policy_of(0);
	char caps[700];

	(void)s;
	spawn(policy);
	assert_int_equal(nlive, 1);
	/* The caller adjusted its token (groups, privileges) since. */
	wsb__os_set("GetTokenInformation", (wsb__os_fn)changed_caller);
	bump = 1;
	spawn(policy);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	spawn(policy);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 0);
	/* Another process dropped the capability SIDs: decide makes new ones. */
	snprintf(caps, sizeof(caps), "%s\\capsids", wsb_identity_state_dir(identity));
	assert_true(DeleteFileA(caps));
	spawn(policy);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	/* Each replaced the stale template of the same key. */
	assert_int_equal(wsb__token_cache_count(), 1);
	assert_int_equal(nlive, 1);
	wsb_policy_free(policy);
}

static void templates_are_bounded_and_closed_by_revert(void **s)
{
	wsb_policy *p[ROOTS];
	unsigned long before;
	size_t i;

	(void)s;
	p[0] = policy_of(0);
	spawn(p[0]); /* what Wine opens once per process is not ours */
	assert_int_equal(wsb_identity_revert(identity), WSB_OK);
	before = fakefs_handles();
	for (i = 0; i < ROOTS; i++) {
		if (i)
			p[i] = policy_of(i);
		spawn(p[i]);
		assert_int_equal(wsb__token_cache_count(), i < 8 ? i + 1 : 8);
		assert_int_equal(nlive, i < 8 ? i + 1 : 8);
		/* Of the whole process: nothing of a command after its free. */
		assert_int_equal(fakefs_handles(), before + nlive);
	}
	/* The least recently used ones went first: the last is still warm. */
	spawn(p[ROOTS - 1]);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 0);
	spawn(p[0]);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	assert_int_equal(wsb_identity_revert(identity), WSB_OK);
	assert_int_equal(wsb__token_cache_count(), 0);
	assert_int_equal(nlive, 0);
	assert_int_equal(fakefs_handles(), before);
	for (i = 0; i < ROOTS; i++)
		wsb_policy_free(p[i]);
}

/* Fail the 1st, 2nd, ... call of a spawn, warm (the template made
 * beforehand) or cold (none: each run starts from a reverted identity);
 * every failed spawn must name the call and leave no token handle but the
 * template a warm one had, and a cold one must keep none. */
static void fault_loop(int warm_first)
{
	const char *argv[] = { "cmd", "/c", "exit", "5", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *policy = policy_of(0);
	unsigned long k, faults = 0;
	int done = 0;

	o.argv = argv;
	o.cwd = cwd;
	o.stdout_mode = o.stderr_mode = WSB_STDIO_NULL;
	if (warm_first)
		spawn(policy);
	for (k = 1; k < 2000 && !done; k++) {
		wsb_process *p = NULL;
		fakefs_fault f;
		int rc;
		f.thread = GetCurrentThreadId();
		f.target = k;
		f.seen = 0;
		wsb__os_reset_counts();
		if (!warm_first)
			assert_int_equal(wsb_identity_revert(identity), WSB_OK);
		wsb__os_set_hook(fakefs_fail_on_thread, &f);
		rc = wsb_spawn(&p, policy, identity, &o);
		wsb__os_set_hook(NULL, NULL);
		if (rc == WSB_OK) {
			/* Not failed, or failed where the spawn can do without. */
			done = f.seen < k;
			assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
			if (wsb_process_exit_code(p) != 5)
				fail_msg("call %lu (%s): exit code %ld", k, wsb__os_last_fault(),
					wsb_process_exit_code(p));
			wsb_process_free(p);
		} else {
			faults++;
			assert_null(p);
			if (!strstr(wsb_error_message(NULL), wsb__os_last_fault()))
				fail_msg("call %lu (%s) failed but the error does not name it: %s", k,
					wsb__os_last_fault(), wsb_error_message(NULL));
		}
		/* No token handle left but the template: a warm spawn's stays, and
		 * stays the one, never made again; a cold one keeps its new
		 * template only if it succeeded. */
		if (nlive != (warm_first || rc == WSB_OK ? 1u : 0u) ||
				wsb__token_cache_count() != (warm_first || rc == WSB_OK ? 1u : 0u))
			fail_msg("call %lu (%s): %lu token handles open, %lu templates", k, wsb__os_last_fault(),
				(unsigned long)nlive, (unsigned long)wsb__token_cache_count());
		if (warm_first)
			assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 0);
	}
	assert_true(done);
	assert_true(faults > 10);
	print_message("%s fault loop: %lu calls, %lu failures reported\n", warm_first ? "warm" : "cold", k - 1,
		faults);
	wsb_policy_free(policy);
}

static void a_failing_call_of_a_warm_spawn_leaves_nothing(void **s)
{
	(void)s;
	fault_loop(1);
}

static void a_failing_call_of_a_cold_spawn_keeps_no_template(void **s)
{
	(void)s;
	fault_loop(0);
}

static void with_reuse_off_nothing_is_kept(void **s)
{
	wsb_policy *policy = policy_of(0);

	(void)s;
	wsb__w32_no_reuse = 1;
	spawn(policy);
	spawn(policy);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	assert_int_equal(wsb__os_calls("DuplicateTokenEx"), 0);
	assert_int_equal(wsb__token_cache_count(), 0);
	wsb_policy_free(policy);
}

/* wsb_reuse_release drops every template (their handles closed: the
 * teardown counts them); the next spawn makes a token again. */
static void release_drops_every_template(void **s)
{
	wsb_policy *a = policy_of(0), *c = policy_of(1);

	(void)s;
	spawn(a);
	spawn(c);
	assert_int_equal(wsb__token_cache_count(), 2);
	assert_int_equal(wsb_reuse_release(), WSB_OK);
	assert_int_equal(wsb__token_cache_count(), 0);
	spawn(a);
	assert_int_equal(wsb__os_calls("CreateRestrictedToken"), 1);
	assert_int_equal(wsb__token_cache_count(), 1);
	wsb_policy_free(a);
	wsb_policy_free(c);
}

/* Each test with its own identity, reverted and checked after. */
#define WARM_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		WARM_TEST(a_second_spawn_copies_the_template_and_makes_no_token),
		WARM_TEST(another_policy_never_reuses_a_template),
		WARM_TEST(a_changed_caller_token_or_other_sids_make_a_new_template),
		WARM_TEST(templates_are_bounded_and_closed_by_revert),
		WARM_TEST(a_failing_call_of_a_warm_spawn_leaves_nothing),
		WARM_TEST(a_failing_call_of_a_cold_spawn_keeps_no_template),
		WARM_TEST(with_reuse_off_nothing_is_kept),
		WARM_TEST(release_drops_every_template),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
