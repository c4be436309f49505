/* decide: which ACEs a policy needs, found by reads only — protected names
 * in any case, the gitdir of a .git file, the state directory, 1,000 roots
 * with a bounded token. DACLs in the fake file system. */
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

static int setup(void **s)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;

	(void)s;
	fakefs_clear();
	fakefs_install();
	fakefs_add("\\\\.\\NUL", 0, "D:(A;;FA;;;WD)", 0);
	io.state_dir = fakefs_temp_dir("decide");
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(policy, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb_policy_free(policy);
	wsb_identity_free(identity);
	wsb__os_reset();
	fakefs_clear();
	return 0;
}

static const wsb__w32_ace *find(const wsb__w32_decision *d, const char *path, const char *role)
{
	size_t i;

	for (i = 0; i < d->ace_count; i++)
		if (_stricmp(d->aces[i].path, path) == 0 && strcmp(d->aces[i].role, role) == 0)
			return &d->aces[i];
	return NULL;
}

static void a_git_directory_in_any_case_is_protected(void **s)
{
	wsb__w32_decision *d = NULL;
	const wsb__w32_ace *a;

	(void)s;
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\.GiT", 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	a = find(d, "C:\\w\\.git", "protected");
	assert_non_null(a);
	assert_memory_equal(a->sddl, "(D;OICI;0xd0156;;;S-1-5-21-", 27);
	assert_false(a->present);
	assert_true(d->protections & WSB_PROT_FS_PROTECTED);
	/* The deny ACE names the same SID as the root's grant. */
	assert_string_equal(strrchr(a->sddl, ';'), strrchr(find(d, "C:\\w", "writable_root")->sddl, ';'));
	assert_int_equal(fakefs_writes, 0);
	wsb__w32_decision_free(d);
}

static void the_gitdir_of_a_git_file_is_protected(void **s)
{
	char root[600], gitfile[700], gitdir[700], text[800];
	wsb__w32_decision *d = NULL;

	(void)s;
	strcpy(root, fakefs_temp_dir("wt"));
	snprintf(gitfile, sizeof(gitfile), "%s\\.git", root);
	snprintf(gitdir, sizeof(gitdir), "%s\\repo-git", root);
	snprintf(text, sizeof(text), "gitdir: %s\n", gitdir);
	assert_int_equal(wsb__w32_write_file(gitfile, text, strlen(text)), WSB_OK);
	fakefs_add(root, 1, NULL, 0);
	fakefs_add(gitdir, 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, root), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_non_null(find(d, gitdir, "protected"));
	wsb__w32_decision_free(d);
}

static void the_state_directory_under_a_root_is_protected(void **s)
{
	wsb__w32_decision *d = NULL;
	wsb_identity *inner = NULL;
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;

	(void)s;
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\state", 1, NULL, 0);
	io.state_dir = "C:\\w\\state";
	assert_int_equal(wsb_identity_create(&inner, &io), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, inner, 0, NULL), WSB_OK);
	assert_non_null(find(d, "C:\\w\\state", "protected"));
	wsb__w32_decision_free(d);
	wsb_identity_free(inner);
}

/* A dry run before the first spawn: the state directory does not exist yet.
 * decide reads only, so it must neither need it nor create it, and still
 * plan its deny ACE (apply creates the directory first). Real files (Wine). */
static void a_missing_state_directory_is_planned_not_read_nor_created(void **s)
{
	char root[600], state[700];
	wsb__w32_decision *d = NULL;
	wsb_identity *inner = NULL;
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wsb_plan *plan = NULL;
	char *json = NULL;
	const wsb__w32_ace *a;
	int is_dir = 0;

	(void)s;
	wsb__os_reset();
	strcpy(root, fakefs_temp_dir("fresh"));
	snprintf(state, sizeof(state), "%s\\AppData\\wsandbox", root);
	io.state_dir = state;
	assert_int_equal(wsb_identity_create(&inner, &io), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(policy, root), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, inner, 1, NULL), WSB_OK);
	a = find(d, state, "protected");
	assert_non_null(a);
	assert_false(a->present);
	wsb__w32_decision_free(d);
	assert_int_equal(wsb_plan_create(&plan, policy, inner), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "AppData\\\\wsandbox\",\"sddl\":\"(D;OICI;0xd0156;;;S-1-5-21-"));
	assert_int_equal(wsb__w32_stat(&is_dir, state), 0);
	wsb_free(json);
	wsb_plan_free(plan);
	wsb_identity_free(inner);
}

static void nested_protected_names_are_found_down_to_three_levels(void **s)
{
	wsb__w32_decision *d = NULL;
	unsigned long reads;

	(void)s;
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\a", 1, NULL, 3);
	fakefs_add("C:\\w\\a\\.git", 1, NULL, 0);
	fakefs_add("C:\\w\\a\\b", 1, NULL, 0);
	fakefs_add("C:\\w\\a\\b\\.GIT", 1, NULL, 0);
	fakefs_add("C:\\w\\a\\b\\c", 1, NULL, 0);
	fakefs_add("C:\\w\\a\\b\\c\\.git", 1, NULL, 0);
	fakefs_add("C:\\w\\a\\.git\\modules", 1, NULL, 0);
	fakefs_add("C:\\w\\a\\.git\\modules\\.git", 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	wsb__os_reset_counts();
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_non_null(find(d, "C:\\w\\a\\.git", "protected"));
	assert_non_null(find(d, "C:\\w\\a\\b\\.GIT", "protected"));
	/* Below the budget's depth, and inside a protected folder: not looked at. */
	assert_null(find(d, "C:\\w\\a\\b\\c\\.git", "protected"));
	assert_null(find(d, "C:\\w\\a\\.git\\modules\\.git", "protected"));
	assert_false(d->scan_truncated);
	assert_int_equal(d->scan_dirs, 3);          /* w, w\a, w\a\b */
	assert_int_equal(d->scan_entries, 1 + 5 + 2); /* a; .git, b, 3 files; .GIT, c */
	/* One DACL read per ACE: root, two protected folders, \\.\NUL. */
	reads = wsb__os_calls("GetNamedSecurityInfoW");
	assert_int_equal(reads, d->ace_count);
	assert_int_equal(d->ace_count, 4);
	assert_int_equal(fakefs_writes, 0);
	wsb__w32_decision_free(d);
}

static void the_scan_stops_at_its_folder_budget_and_the_plan_says_so(void **s)
{
	wsb_plan *plan = NULL;
	char *json = NULL, p[64];
	int i;

	(void)s;
	fakefs_add("C:\\w", 1, NULL, 0);
	for (i = 0; i < WSB__SCAN_MAX_DIRS + 10; i++) {
		snprintf(p, sizeof(p), "C:\\w\\d%04d", i);
		fakefs_add(p, 1, NULL, 0);
	}
	/* The root's own names are looked up whatever the budget. */
	fakefs_add("C:\\w\\.git", 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, policy, identity), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "the protected-name scan stopped at its budget after 1024 folders"));
	assert_non_null(strstr(json, "\"target\":\"C:\\\\w\\\\.git\",\"sddl\":\"(D;"));
	wsb_free(json);
	wsb_plan_free(plan);
}

static void a_missing_root_is_reported_and_nothing_is_written(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\definitely\\not\\here"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_ENOENT);
	assert_null(d);
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\definitely\\not\\here"));
	assert_int_equal(fakefs_writes, 0);
}

static void a_thousand_roots_keep_the_token_bounded(void **s)
{
	wsb__w32_decision *d = NULL;
	HANDLE token = NULL;
	char path[64];
	int i;

	(void)s;
	for (i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "C:\\many\\r%04d", i);
		fakefs_add(path, 1, NULL, 0);
		assert_int_equal(wsb_policy_allow_write(policy, path), WSB_OK);
	}
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_int_equal(d->caps.sids.count, 1);
	assert_int_equal(d->ace_count, 1001); /* 1,000 grants + \\.\NUL */
	assert_int_equal(wsb__token_create(&token, NULL, &d->caps.sids, 1), WSB_OK);
	CloseHandle(token);
	wsb__w32_decision_free(d);
}

static void apply_writes_the_missing_aces_once(void **s)
{
	wsb__w32_decision *d = NULL;
	size_t n = 0, i;

	(void)s;
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\.git", 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_int_equal(wsb__w32_apply(d, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(fakefs_writes, 3);
	assert_int_equal(wsb__journal_outstanding(&n, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(n, 3);
	wsb__w32_decision_free(d);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	for (i = 0; i < d->ace_count; i++)
		assert_true(d->aces[i].present);
	assert_int_equal(wsb__w32_apply(d, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(fakefs_writes, 3);
	wsb__w32_decision_free(d);
}

static void deny_read_paths_are_reported_missing(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	fakefs_add("C:\\w", 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, "C:\\secret"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_true(d->missing & WSB_PROT_FS_DENY_READ);
	assert_true(d->missing & WSB_PROT_NETWORK);
	assert_false(d->protections & WSB_PROT_NETWORK);
	wsb__w32_decision_free(d);
}

/* Reads are not restricted in any mode; deny-read is missing wherever it
 * applies: read-only and workspace-write. */
static void deny_read_paths_are_missing_in_read_only_too(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	assert_int_equal(wsb_policy_set_mode(policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, "C:\\secret"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_true(d->missing & WSB_PROT_FS_DENY_READ);
	assert_false(d->protections & WSB_PROT_FS_DENY_READ);
	wsb__w32_decision_free(d);
}

/* Full access confines no path, so deny-read does not apply (the core's
 * required protections and path check, the Linux backend): nothing is
 * missing, only the network when it is off. */
static void deny_read_paths_do_not_apply_in_full_access(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	assert_int_equal(wsb_policy_set_mode(policy, WSB_MODE_FULL_ACCESS), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, "C:\\secret"), WSB_OK);
	assert_int_equal(wsb__w32_decide(&d, policy, identity, 0, NULL), WSB_OK);
	assert_int_equal(d->missing, WSB_PROT_NETWORK);
	assert_false(d->write_restricted);
	assert_int_equal(d->ace_count, 0);
	wsb__w32_decision_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_git_directory_in_any_case_is_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(the_gitdir_of_a_git_file_is_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(the_state_directory_under_a_root_is_protected, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_state_directory_is_planned_not_read_nor_created, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_protected_names_are_found_down_to_three_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(the_scan_stops_at_its_folder_budget_and_the_plan_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_root_is_reported_and_nothing_is_written, setup, teardown),
		cmocka_unit_test_setup_teardown(a_thousand_roots_keep_the_token_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(apply_writes_the_missing_aces_once, setup, teardown),
		cmocka_unit_test_setup_teardown(deny_read_paths_are_reported_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(deny_read_paths_are_missing_in_read_only_too, setup, teardown),
		cmocka_unit_test_setup_teardown(deny_read_paths_do_not_apply_in_full_access, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
