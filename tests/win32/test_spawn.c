/* A real sandboxed spawn under Wine through the public API: the command
 * runs, its output is captured, its exit code and the protections in force
 * come back. Wine ignores the token, so nothing here asserts a denial. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

static wsb_policy *policy;
static wsb_identity *identity;
static char root[600];

static int setup(void **s)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	char state[700];

	(void)s;
	strcpy(root, fakefs_temp_dir("root"));
	snprintf(state, sizeof(state), "%s", fakefs_temp_dir("state"));
	io.state_dir = state;
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, root), WSB_OK);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb_policy_free(policy);
	wsb_identity_free(identity);
	wsb__os_reset();
	return 0;
}

static wsb_process *run(const char *const *argv, int expect)
{
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	int rc;

	o.argv = argv;
	o.cwd = root;
	rc = wsb_run(&p, policy, identity, &o, NULL, 0);
	if (rc != expect)
		fail_msg("wsb_run: %d %s", rc, wsb_error_message(NULL));
	return p;
}

static void network_off_without_consent_fails_pointing_at_the_elevated_sandbox(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "hi", NULL };

	(void)s;
	assert_null(run(argv, WSB_EUNAVAIL));
	assert_non_null(strstr(wsb_error_message(NULL), "elevated sandbox"));
}

static void cmd_echo_runs_and_its_output_is_captured(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "hello", NULL };
	wsb_process *p;
	size_t len = 0;
	const char *out;

	(void)s;
	assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_NETWORK), WSB_OK);
	p = run(argv, WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_NORMAL);
	assert_int_equal(wsb_process_exit_code(p), 0);
	out = wsb_process_output(&len, NULL, p, WSB_STREAM_STDOUT);
	assert_non_null(out);
	assert_string_equal(out, "hello\r\n");
	/* Network is reported as advisory, never as enforced. */
	assert_true(wsb_process_protections(p) & WSB_PROT_NETWORK_ADVISORY);
	assert_false(wsb_process_protections(p) & WSB_PROT_NETWORK);
	assert_true(wsb_process_protections(p) & WSB_PROT_PROCESS_TREE);
	assert_true(wsb_process_protections(p) & WSB_PROT_FS_WRITE);
	wsb_process_free(p);
}

static void the_exit_code_comes_back(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit", "7", NULL };
	wsb_process *p;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	p = run(argv, WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_NORMAL);
	assert_int_equal(wsb_process_exit_code(p), 7);
	wsb_process_free(p);
}

static void advisory_variables_reach_the_command(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "%HTTPS_PROXY%", "%PIP_NO_INDEX%", NULL };
	wsb_process *p;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	p = run(argv, WSB_OK);
	assert_string_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT), "http://127.0.0.1:9 1\r\n");
	wsb_process_free(p);
}

static void temp_and_tmp_name_the_sandboxs_own_folder(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "%TEMP%+%TMP%", NULL };
	wsb_process *p;
	char *real = NULL, *out, *bar, *nl;
	int is_dir = 0;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	assert_int_equal(wsb__w32_getenv(&real, "TEMP"), WSB_OK);
	assert_non_null(real);
	p = run(argv, WSB_OK);
	out = wsb__strdup(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT));
	assert_non_null(out);
	nl = strstr(out, "\r\n");
	assert_non_null(nl);
	*nl = '\0';
	bar = strchr(out, '+');
	assert_non_null(bar);
	*bar = '\0';
	assert_string_equal(out, bar + 1);
	/* %TEMP%\wsb-<id>, made by the library, not the caller's %TEMP%. */
	assert_int_equal(_strnicmp(out, real, strlen(real)), 0);
	assert_int_equal(_strnicmp(out + strlen(real), "\\wsb-", 5), 0);
	assert_int_equal(wsb__w32_stat(&is_dir, out), 1);
	assert_true(is_dir);
	wsb__free(out);
	wsb__free(real);
	wsb_process_free(p);
}

/* Full access confines no path: deny-read does not apply, and nothing else
 * fails the spawn either. */
static void full_access_with_deny_read_paths_runs(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit", "3", NULL };
	char secret[700];
	wsb_process *p;

	(void)s;
	snprintf(secret, sizeof(secret), "%s\\secret", root);
	assert_int_equal(wsb_policy_set_mode(policy, WSB_MODE_FULL_ACCESS), WSB_OK);
	assert_int_equal(wsb_policy_set_network(policy, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, secret), WSB_OK);
	p = run(argv, WSB_OK);
	assert_int_equal(wsb_process_exit_code(p), 3);
	assert_false(wsb_process_protections(p) & WSB_PROT_FS_DENY_READ);
	assert_false(wsb_process_protections(p) & WSB_PROT_FS_WRITE);
	wsb_process_free(p);
}

/* Where deny-read applies, this mode cannot restrict reads: the spawn
 * fails closed, naming it, until WSB_PROT_FS_DENY_READ is allowed missing. */
static void deny_read_fails_closed_unless_allowed_missing(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit", "0", NULL };
	char secret[700];
	wsb_process *p;
	int mode;

	(void)s;
	snprintf(secret, sizeof(secret), "%s\\secret", root);
	assert_int_equal(wsb_policy_set_network(policy, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, secret), WSB_OK);
	for (mode = WSB_MODE_READ_ONLY; mode <= WSB_MODE_WORKSPACE_WRITE; mode++) {
		assert_int_equal(wsb_policy_set_mode(policy, mode), WSB_OK);
		assert_int_equal(wsb_policy_allow_missing(policy, 0), WSB_OK);
		assert_null(run(argv, WSB_EUNAVAIL));
		assert_non_null(strstr(wsb_error_message(NULL), "deny-read"));
		assert_int_equal(wsb_policy_allow_missing(policy, WSB_PROT_FS_DENY_READ), WSB_OK);
		p = run(argv, WSB_OK);
		assert_int_equal(wsb_process_exit_code(p), 0);
		assert_false(wsb_process_protections(p) & WSB_PROT_FS_DENY_READ);
		wsb_process_free(p);
	}
}

/* Reads after end of stream: WSB_OK with 0 bytes, again and again, with any
 * timeout, before and after the wait; for a stream that carried nothing
 * too, and after wsb_run drained both. */
static void reads_after_end_of_stream_keep_returning_ok_and_zero(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "hi", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	static const long timeouts[] = { 0, 50, -1 };
	wsb_process *p = NULL;
	char buf[64], got[64];
	size_t n = 0, total = 0, i;
	int k;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	o.argv = argv;
	o.cwd = root;
	o.stdin_mode = WSB_STDIO_NULL;
	o.stdout_mode = WSB_STDIO_PIPE;
	o.stderr_mode = WSB_STDIO_PIPE;
	assert_int_equal(wsb_spawn(&p, policy, identity, &o), WSB_OK);
	do {
		assert_int_equal(wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), 5000), WSB_OK);
		assert_true(total + n < sizeof(got));
		memcpy(got + total, buf, n);
		total += n;
	} while (n > 0);
	got[total] = '\0';
	assert_string_equal(got, "hi\r\n");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 3; i++) {
			n = 99;
			assert_int_equal(wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), timeouts[i]),
				WSB_OK);
			assert_int_equal(n, 0);
			n = 99;
			assert_int_equal(wsb_process_read(&n, p, WSB_STREAM_STDERR, buf, sizeof(buf), timeouts[i]),
				WSB_OK);
			assert_int_equal(n, 0);
		}
		if (k == 0)
			assert_int_equal(wsb_process_wait(p, -1), WSB_OK);
	}
	wsb_process_free(p);

	p = run(argv, WSB_OK);
	for (i = 0; i < 3; i++) {
		n = 99;
		assert_int_equal(wsb_process_read(&n, p, WSB_STREAM_STDOUT, buf, sizeof(buf), timeouts[i]), WSB_OK);
		assert_int_equal(n, 0);
	}
	wsb_process_free(p);
}

static void stderr_is_captured_apart_and_output_is_capped(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo 0123456789 & echo err 1>&2", NULL };
	wsb_process *p;
	int truncated = 0;
	size_t len = 0;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	wsb_policy_set_limit(policy, WSB_LIMIT_OUTPUT, 4);
	p = run(argv, WSB_OK);
	assert_memory_equal(wsb_process_output(&len, &truncated, p, WSB_STREAM_STDOUT), "0123", 4);
	assert_int_equal(len, 4);
	assert_int_equal(truncated, 1);
	assert_memory_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDERR), "err ", 4);
	wsb_process_free(p);
}

static void a_wall_clock_timeout_kills_the_tree_and_says_so(void **s)
{
	const char *argv[] = { "cmd", "/c", "ping", "-n", "30", "127.0.0.1", NULL };
	wsb_process *p;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	wsb_policy_set_limit(policy, WSB_LIMIT_TIMEOUT, 300);
	p = run(argv, WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_TIMEOUT);
	assert_true(wsb_process_duration_ms(p) < 20000);
	wsb_process_free(p);
}

static void kill_ends_a_running_tree(void **s)
{
	const char *argv[] = { "cmd", "/c", "ping", "-n", "30", "127.0.0.1", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	o.argv = argv;
	o.cwd = root;
	assert_int_equal(wsb_spawn(&p, policy, identity, &o), WSB_OK);
	assert_int_equal(wsb_process_wait(p, 0), WSB_ERUNNING);
	assert_int_equal(wsb_process_kill(p), WSB_OK);
	assert_int_equal(wsb_process_wait(p, 10000), WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_KILLED);
	wsb_process_free(p);
}

static void stdin_pipe_feeds_the_command(void **s)
{
	const char *argv[] = { "cmd", "/c", "more", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	o.argv = argv;
	o.cwd = root;
	assert_int_equal(wsb_run(&p, policy, identity, &o, "ax\r\nb\r\n", 7), WSB_OK);
	assert_string_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT), "ax\r\nb\r\n");
	wsb_process_free(p);
}

static void a_missing_program_is_not_found_and_changes_nothing(void **s)
{
	const char *argv[] = { "no-such-program-here", NULL };
	char journal[700];
	int dir;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	assert_null(run(argv, WSB_ENOENT));
	snprintf(journal, sizeof(journal), "%s\\journal", wsb_identity_state_dir(identity));
	assert_int_equal(wsb__w32_stat(&dir, journal), 0);
}

static void the_plan_lists_aces_sids_limits_and_advisory_notes(void **s)
{
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)s;
	wsb_policy_set_limit(policy, WSB_LIMIT_MEMORY, 1 << 28);
	assert_int_equal(wsb_plan_create(&plan, policy, identity), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "(A;OICI;0x1301bf;;;S-1-5-21-"));
	assert_non_null(strstr(json, "token_sid"));
	assert_non_null(strstr(json, "WRITE_RESTRICTED"));
	assert_non_null(strstr(json, "HTTPS_PROXY"));
	assert_non_null(strstr(json, "advisory"));
	assert_true(wsb_plan_protections(plan) & WSB_PROT_NETWORK_ADVISORY);
	assert_true(wsb_plan_protections(plan) & WSB_PROT_LIMIT_MEMORY);
	wsb_free(json);
	wsb_plan_free(plan);
}

static void a_cleared_environment_keeps_systemroot(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "%SYSTEMROOT%", NULL };
	wsb_process *p;
	const char *out;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	assert_int_equal(wsb_policy_env_mode(policy, WSB_ENV_CLEAR), WSB_OK);
	p = run(argv, WSB_OK);
	out = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	assert_non_null(strstr(out, ":\\"));
	assert_null(strstr(out, "%SYSTEMROOT%"));
	wsb_process_free(p);
}

static void a_private_desktop_is_created_and_reported(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "desk", NULL };
	wsb_process *p;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_PRIVATE_DESKTOP), WSB_OK);
	p = run(argv, WSB_OK);
	assert_true(wsb_process_protections(p) & WSB_PROT_PRIVATE_DESKTOP);
	assert_string_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT), "desk\r\n");
	wsb_process_free(p);
}

static void a_run_and_free_leave_no_handle_behind(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo", "x", NULL };
	unsigned long before;
	wsb_process *p;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	wsb_process_free(run(argv, WSB_OK)); /* warm up lazily loaded DLLs */
	before = fakefs_handles();
	p = run(argv, WSB_OK);
	wsb_process_free(p);
	assert_int_equal(fakefs_handles(), before);
}

static void check_path_works_with_a_git_directory_and_follows_a_git_file(void **s)
{
	char git[700], wt[700], gitfile[800], text[800], target[800];
	int allowed = 1, rule = 0;

	(void)s;
	snprintf(git, sizeof(git), "%s\\.git", root);
	assert_true(CreateDirectoryA(git, NULL));
	snprintf(target, sizeof(target), "%s\\.git\\config", root);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, NULL, policy, target, WSB_ACCESS_WRITE), WSB_OK);
	assert_int_equal(allowed, 0);
	assert_int_equal(rule, WSB_RULE_PROTECTED_NAME);
	strcpy(wt, fakefs_temp_dir("wt"));
	snprintf(gitfile, sizeof(gitfile), "%s\\.git", wt);
	snprintf(text, sizeof(text), "gitdir: %s\\.git\\worktrees\\x\n", root);
	assert_int_equal(wsb__w32_write_file(gitfile, text, strlen(text)), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, wt), WSB_OK);
	snprintf(target, sizeof(target), "%s\\HEAD", wt);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, NULL, policy, target, WSB_ACCESS_WRITE), WSB_OK);
	assert_int_equal(allowed, 1);
}

static void revert_after_a_spawn_leaves_nothing_outstanding(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit", "0", NULL };
	size_t n = 1;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	wsb_process_free(run(argv, WSB_OK));
	assert_int_equal(wsb_identity_revert(identity), WSB_OK);
	assert_int_equal(wsb__journal_outstanding(&n, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(n, 0);
	assert_int_equal(wsb_identity_revert(identity), WSB_OK);
}

static void a_limit_message_on_the_job_port_ends_the_tree_as_that_limit(void **s)
{
	const char *argv[] = { "cmd", "/c", "ping", "-n", "30", "127.0.0.1", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;

	(void)s;
	/* Wine does not enforce job limits; the message Windows would post
	 * is posted by hand to exercise the reporting path. */
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	wsb_policy_set_limit(policy, WSB_LIMIT_MEMORY, 1u << 30);
	o.argv = argv;
	o.cwd = root;
	assert_int_equal(wsb_spawn(&p, policy, identity, &o), WSB_OK);
	assert_true(PostQueuedCompletionStatus(p->job.port, JOB_OBJECT_MSG_JOB_MEMORY_LIMIT,
		(ULONG_PTR)p->job.job, (LPOVERLAPPED)(ULONG_PTR)p->pid));
	assert_int_equal(wsb_process_wait(p, 20000), WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_LIMIT);
	assert_int_equal(wsb_process_limit(p), WSB_LIMIT_MEMORY);
	wsb_process_free(p);
}

static void a_missing_root_fails_before_anything_changes(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit", "0", NULL };
	char missing[700], journal[700];
	int dir;

	(void)s;
	wsb_policy_allow_missing(policy, WSB_PROT_NETWORK);
	snprintf(missing, sizeof(missing), "%s\\not-there", root);
	assert_int_equal(wsb_policy_allow_write(policy, missing), WSB_OK);
	assert_null(run(argv, WSB_ENOENT));
	assert_non_null(strstr(wsb_error_message(NULL), "not-there"));
	snprintf(journal, sizeof(journal), "%s\\journal", wsb_identity_state_dir(identity));
	assert_int_equal(wsb__w32_stat(&dir, journal), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(network_off_without_consent_fails_pointing_at_the_elevated_sandbox, setup, teardown),
		cmocka_unit_test_setup_teardown(cmd_echo_runs_and_its_output_is_captured, setup, teardown),
		cmocka_unit_test_setup_teardown(the_exit_code_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(advisory_variables_reach_the_command, setup, teardown),
		cmocka_unit_test_setup_teardown(temp_and_tmp_name_the_sandboxs_own_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(full_access_with_deny_read_paths_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(deny_read_fails_closed_unless_allowed_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_after_end_of_stream_keep_returning_ok_and_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(stderr_is_captured_apart_and_output_is_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(a_wall_clock_timeout_kills_the_tree_and_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(kill_ends_a_running_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(stdin_pipe_feeds_the_command, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_program_is_not_found_and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(the_plan_lists_aces_sids_limits_and_advisory_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(a_cleared_environment_keeps_systemroot, setup, teardown),
		cmocka_unit_test_setup_teardown(a_private_desktop_is_created_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(a_run_and_free_leave_no_handle_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(revert_after_a_spawn_leaves_nothing_outstanding, setup, teardown),
		cmocka_unit_test_setup_teardown(a_limit_message_on_the_job_port_ends_the_tree_as_that_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_root_fails_before_anything_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(check_path_works_with_a_git_directory_and_follows_a_git_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
