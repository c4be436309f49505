/* The fault-injection loop: through the seam, make the 1st, 2nd, ... Win32
 * call of wsb_spawn fail until a run gets through. Each failed run must
 * return an error naming the failed call, leak no handle, and leave no ACE
 * the journal cannot account for (reverting the journal restores every
 * DACL exactly). DACLs live in the fake file system; process creation,
 * pipes, jobs and files are Wine's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

#define MAX_CALLS 2000

static void fault_loop(unsigned int flags, int stdio, int use_run)
{
	const char *argv[] = { "cmd", "/c", "exit", "3", NULL };
	char root[600], git[700], before_root[4096], before_git[4096], before_nul[4096];
	unsigned long k, faults = 0, tolerated = 0;
	int done = 0;

	strcpy(root, fakefs_temp_dir("faultroot"));
	snprintf(git, sizeof(git), "%s\\.git", root);
	/* k == 0: a whole run without a fault first, so what Wine opens once
	 * per process (its window station, a thread pool) is not taken for a
	 * leak of the runs that follow. */
	for (k = 0; k < MAX_CALLS && !done; k++) {
		wsb_policy *policy = NULL;
		wsb_identity *identity = NULL;
		wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
		wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
		wsb_process *p = NULL;
		fakefs_fault f;
		unsigned long handles;
		size_t outstanding = 0;
		int rc;

		fakefs_clear();
		fakefs_install();
		fakefs_add(root, 1, NULL, 0);
		fakefs_add(git, 1, NULL, 0);
		fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
		strcpy(before_root, fakefs_dacl(root));
		strcpy(before_git, fakefs_dacl(git));
		strcpy(before_nul, fakefs_dacl("\\\\.\\NUL"));
		io.state_dir = fakefs_temp_dir("faultstate");
		assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
		assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
		assert_int_equal(wsb_policy_allow_write(policy, root), WSB_OK);
		assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
		assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE | flags), WSB_OK);
		o.argv = argv;
		o.cwd = root;
		o.stdin_mode = o.stdout_mode = o.stderr_mode = stdio;

		handles = fakefs_handles();
		f.thread = GetCurrentThreadId();
		f.target = k;
		f.seen = 0;
		wsb__os_set_hook(fakefs_fail_on_thread, &f);
		if (use_run)
			rc = wsb_run(&p, policy, identity, &o, NULL, 0);
		else
			rc = wsb_spawn(&p, policy, identity, &o);
		wsb__os_set_hook(NULL, NULL);

		if (k == 0) {
			if (rc != WSB_OK)
				fail_msg("warm-up run: %s", wsb_error_message(NULL));
			assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
			wsb_process_free(p);
		} else if (f.seen < k) {
			/* No call was failed: the whole spawn has been covered. */
			if (rc != WSB_OK)
				fail_msg("no fault injected but: %s", wsb_error_message(NULL));
			assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
			assert_int_equal(wsb_process_exit_code(p), 3);
			wsb_process_free(p);
			done = 1;
		} else if (rc == WSB_OK) {
			/* The failed call was one the spawn can do without (a
			 * limit-message drain, a cleanup step): the result holds. */
			assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
			if (wsb_process_exit_code(p) != 3)
				fail_msg("call %lu (%s) failed silently: exit code %ld", k, wsb__os_last_fault(),
					wsb_process_exit_code(p));
			tolerated++;
			wsb_process_free(p);
		} else {
			const char *msg = wsb_error_message(NULL);
			faults++;
			assert_null(p);
			if (!strstr(msg, wsb__os_last_fault()))
				fail_msg("call %lu (%s) failed but the error does not name it: %s", k,
					wsb__os_last_fault(), msg);
			/* A run that failed after its spawn succeeded may keep the
			 * policy's token template (warm.c); revert closes it. */
			if (fakefs_handles() != handles + wsb__token_cache_count())
				fail_msg("call %lu (%s): %lu handles before, %lu after, %lu token templates", k,
					wsb__os_last_fault(), handles, fakefs_handles(),
					(unsigned long)wsb__token_cache_count());
		}
		/* Whatever is on the DACLs now, the journal accounts for it (it may
		 * hold an "add" whose write never happened: that is the safe side). */
		assert_int_equal(wsb__journal_outstanding(&outstanding, wsb_identity_state_dir(identity)), WSB_OK);
		assert_true(fakefs_ace_count(root) - 3 + fakefs_ace_count(git) - 3 +
			fakefs_ace_count("\\\\.\\NUL") - 1 <= (int)outstanding);
		assert_int_equal(wsb_identity_revert(identity), WSB_OK);
		assert_int_equal(wsb__token_cache_count(), 0);
		assert_string_equal(fakefs_dacl(root), before_root);
		assert_string_equal(fakefs_dacl(git), before_git);
		assert_string_equal(fakefs_dacl("\\\\.\\NUL"), before_nul);
		assert_int_equal(fakefs_owner_writes, 0);
		wsb_policy_free(policy);
		wsb_identity_free(identity);
		wsb__os_reset();
	}
	assert_true(done);
	print_message("fault loop (%s): %lu calls, %lu injected failures reported, %lu tolerated\n",
		use_run ? "wsb_run" : "wsb_spawn", k - 1, faults, tolerated);
	assert_true(faults > 20);
}

static void each_failing_call_of_spawn_is_reported_cleaned_up_and_journaled(void **s)
{
	(void)s;
	fault_loop(0, WSB_STDIO_PIPE, 0);
}

static void the_same_holds_with_a_private_desktop_and_null_stdio(void **s)
{
	(void)s;
	fault_loop(WSB_POLICY_PRIVATE_DESKTOP, WSB_STDIO_NULL, 0);
}

/* The world-writable audit's calls too (the logon SID, the candidates'
 * DACLs, the cwd's listing): unreadable candidates are skipped, the rest is
 * reported. */
static void the_same_holds_with_the_world_writable_audit(void **s)
{
	(void)s;
	fault_loop(WSB_POLICY_DENY_WORLD_WRITABLE, WSB_STDIO_NULL, 0);
}

static void a_whole_run_fails_cleanly_at_every_call_too(void **s)
{
	(void)s;
	fault_loop(0, WSB_STDIO_PIPE, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_failing_call_of_spawn_is_reported_cleaned_up_and_journaled),
		cmocka_unit_test(the_same_holds_with_a_private_desktop_and_null_stdio),
		cmocka_unit_test(the_same_holds_with_the_world_writable_audit),
		cmocka_unit_test(a_whole_run_fails_cleanly_at_every_call_too),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
