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
#include "core/plan.h"
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

/* ---- a sandbox user (decide_as with the sandbox group) ---- */

#define GROUP "S-1-5-21-7-8-9-1010"

static size_t count_role(const wsb__w32_decision *d, const char *role)
{
	size_t i, n = 0;

	for (i = 0; i < d->ace_count; i++)
		n += strcmp(d->aces[i].role, role) == 0;
	return n;
}

/* secret_dacl: C:\w\secret's DACL (NULL: the default). */
static void sandbox_user_world(const char *secret_dacl)
{
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\.git", 1, NULL, 0);
	fakefs_add("C:\\w\\secret", 1, secret_dacl, 0);
	fakefs_add("C:\\notes.txt", 0, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, "C:\\w\\secret"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(policy, "C:\\notes.txt"), WSB_OK);
}

static void without_a_group_no_sandbox_user_aces_and_deny_read_is_missing(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	sandbox_user_world(NULL);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, NULL), WSB_OK);
	assert_null(d->group_sid);
	assert_int_equal(count_role(d, "sandbox_root"), 0);
	assert_int_equal(count_role(d, "deny_read"), 0);
	assert_true(d->missing & WSB_PROT_FS_DENY_READ);
	assert_false(d->protections & WSB_PROT_FS_DENY_READ);
	assert_int_equal(d->ace_count, 3); /* .git, the root's grant, \\.\NUL */
	wsb__w32_decision_free(d);
}

static void a_group_adds_its_root_grant_and_deny_read_aces(void **s)
{
	wsb__w32_decision *d = NULL;
	const wsb__w32_ace *root, *cap, *dir, *file;

	(void)s;
	sandbox_user_world(NULL);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, GROUP), WSB_OK);
	assert_string_equal(d->group_sid, GROUP);
	assert_int_equal(d->ace_count, 6);
	root = find(d, "C:\\w", "sandbox_root");
	cap = find(d, "C:\\w", "writable_root");
	assert_non_null(root);
	assert_non_null(cap);
	assert_string_equal(root->sddl, "(A;OICI;0x1301bf;;;" GROUP ")");
	/* The same rights as the capability SID's grant: only the SID differs. */
	assert_memory_equal(root->sddl, cap->sddl, strlen("(A;OICI;0x1301bf;;;"));
	dir = find(d, "C:\\w\\secret", "deny_read");
	file = find(d, "C:\\notes.txt", "deny_read");
	assert_non_null(dir);
	assert_non_null(file);
	assert_string_equal(dir->sddl, "(D;OICI;0x29;;;" GROUP ")");
	assert_string_equal(file->sddl, "(D;;0x29;;;" GROUP ")");
	/* Denies are written before the grants they carve out of. */
	assert_true(dir < root && file < root && dir < cap);
	assert_true(d->protections & WSB_PROT_FS_DENY_READ);
	assert_false(d->missing & WSB_PROT_FS_DENY_READ);
	/* The network is the coordinator's business: unchanged. */
	assert_true(d->missing & WSB_PROT_NETWORK);
	assert_int_equal(d->deny_read_absent.count, 0);
	assert_int_equal(fakefs_writes, 0);
	wsb__w32_decision_free(d);
}

static void the_private_temp_folder_is_granted_to_the_group_too(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	assert_int_equal(wsb_policy_set_flags(policy, 0), WSB_OK);
	fakefs_add("C:\\w", 1, NULL, 0);
	assert_int_equal(wsb_policy_allow_write(policy, "C:\\w"), WSB_OK);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, GROUP), WSB_OK);
	assert_non_null(d->temp_dir);
	assert_true(d->temp_is_root);
	assert_non_null(find(d, d->temp_dir, "sandbox_root"));
	assert_non_null(find(d, d->temp_dir, "writable_root"));
	assert_int_equal(count_role(d, "sandbox_root"), 2);
	wsb__w32_decision_free(d);
}

/* Nothing to read at a missing deny-read path: no ACE, no failure, the
 * plan names it; the others are still denied and deny-read is in force. */
static void a_missing_deny_read_path_is_noted_not_refused(void **s)
{
	wsb__w32_decision *d = NULL;
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)s;
	sandbox_user_world(NULL);
	assert_int_equal(wsb_policy_deny_read(policy, "C:\\Users\\u\\.aws"), WSB_OK);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, GROUP), WSB_OK);
	assert_int_equal(d->deny_read_absent.count, 1);
	assert_string_equal(d->deny_read_absent.items[0], "C:\\Users\\u\\.aws");
	assert_null(find(d, "C:\\Users\\u\\.aws", "deny_read"));
	assert_int_equal(count_role(d, "deny_read"), 2);
	assert_true(d->protections & WSB_PROT_FS_DENY_READ);
	assert_int_equal(wsb__plan_new(&plan, "win32-restricted", policy), WSB_OK);
	assert_int_equal(wsb__w32_plan_fill(plan, d, policy), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "deny-read path C:\\\\Users\\\\u\\\\.aws does not exist"));
	assert_non_null(strstr(json, "commands run as the sandbox user"));
	assert_null(strstr(json, "reads are not restricted"));
	assert_null(strstr(json, "cannot be enforced"));
	assert_int_equal(fakefs_writes, 0);
	wsb_free(json);
	wsb_plan_free(plan);
	wsb__w32_decision_free(d);
}

static void the_plan_without_a_group_keeps_its_read_notes(void **s)
{
	wsb__w32_decision *d = NULL;
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)s;
	sandbox_user_world(NULL);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, NULL), WSB_OK);
	assert_int_equal(wsb__plan_new(&plan, "win32-restricted", policy), WSB_OK);
	assert_int_equal(wsb__w32_plan_fill(plan, d, policy), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "reads are not restricted"));
	assert_non_null(strstr(json, "deny-read paths cannot be enforced"));
	assert_null(strstr(json, "sandbox user"));
	wsb_free(json);
	wsb_plan_free(plan);
	wsb__w32_decision_free(d);
}

/* Read-only confines the file system too: deny-read is enforced there;
 * full access confines nothing, so nothing is denied nor missing. */
static void a_group_enforces_deny_read_in_read_only_not_in_full_access(void **s)
{
	wsb__w32_decision *d = NULL;

	(void)s;
	sandbox_user_world(NULL);
	assert_int_equal(wsb_policy_set_mode(policy, WSB_MODE_READ_ONLY), WSB_OK);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, GROUP), WSB_OK);
	assert_int_equal(count_role(d, "deny_read"), 2);
	assert_int_equal(count_role(d, "sandbox_root"), 0);
	assert_true(d->protections & WSB_PROT_FS_DENY_READ);
	assert_false(d->missing & WSB_PROT_FS_DENY_READ);
	wsb__w32_decision_free(d);
	assert_int_equal(wsb_policy_set_mode(policy, WSB_MODE_FULL_ACCESS), WSB_OK);
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, GROUP), WSB_OK);
	assert_int_equal(d->ace_count, 0);
	assert_false(d->protections & WSB_PROT_FS_DENY_READ);
	assert_int_equal(d->missing, WSB_PROT_NETWORK);
	wsb__w32_decision_free(d);
}

/* A group every user is in would hand the roots to them all; a string
 * that is not a bare SID could smuggle ACEs into the SDDL. */
static void a_broad_or_malformed_group_is_refused(void **s)
{
	static const char *const bad[] = { "S-1-1-0", "S-1-5-32-545", "S-1-5-11", "S-1-5-4", "S-1-2-0",
		"S-1-5-21-1)(A;OICI;FA;;;WD", "S-1-5", "S-1-5-", "S-1--5", "BU", "" };
	wsb__w32_decision *d = NULL;
	size_t i;

	(void)s;
	sandbox_user_world(NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, bad[i]), WSB_EINVAL);
		assert_null(d);
	}
	assert_int_equal(fakefs_writes, 0);
}

/* apply writes the group's ACEs journaled like any other; reverting the
 * journal leaves every DACL as it was, byte for byte. */
static void revert_removes_exactly_the_sandbox_user_aces(void **s)
{
	static const char *const paths[] = { "C:\\w", "C:\\w\\.git", "C:\\w\\secret", "C:\\notes.txt" };
	char before[4][1024];
	wsb__w32_decision *d = NULL;
	size_t i, n = 0;

	(void)s;
	sandbox_user_world("D:(A;OICI;FA;;;SY)(A;;0x1200a9;;;BU)(A;OICIID;FA;;;BA)");
	for (i = 0; i < 4; i++)
		strcpy(before[i], fakefs_dacl(paths[i]));
	assert_int_equal(wsb__w32_decide_as(&d, policy, identity, 0, NULL, GROUP), WSB_OK);
	assert_int_equal(wsb__w32_apply(d, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(fakefs_writes, 6); /* .git, 2 deny-reads, 2 root grants, NUL */
	assert_non_null(strstr(fakefs_dacl("C:\\w"), "(A;OICI;0x1301bf;;;" GROUP ")"));
	/* The deny goes first, before the explicit allows. Wine writes the
	 * mask 0x29 with the directory-service letters CC SW WP. */
	assert_memory_equal(fakefs_dacl("C:\\w\\secret"), "D:(D;OICI;CCSWWP;;;" GROUP ")",
		strlen("D:(D;OICI;CCSWWP;;;" GROUP ")"));
	assert_non_null(strstr(fakefs_dacl("C:\\notes.txt"), "(D;;CCSWWP;;;" GROUP ")"));
	wsb__w32_decision_free(d);
	assert_int_equal(wsb__journal_revert(wsb_identity_state_dir(identity)), WSB_OK);
	for (i = 0; i < 4; i++)
		assert_string_equal(fakefs_dacl(paths[i]), before[i]);
	assert_int_equal(wsb__journal_outstanding(&n, wsb_identity_state_dir(identity)), WSB_OK);
	assert_int_equal(n, 0);
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
		cmocka_unit_test_setup_teardown(without_a_group_no_sandbox_user_aces_and_deny_read_is_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_group_adds_its_root_grant_and_deny_read_aces, setup, teardown),
		cmocka_unit_test_setup_teardown(the_private_temp_folder_is_granted_to_the_group_too, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_deny_read_path_is_noted_not_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(the_plan_without_a_group_keeps_its_read_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(a_group_enforces_deny_read_in_read_only_not_in_full_access, setup, teardown),
		cmocka_unit_test_setup_teardown(a_broad_or_malformed_group_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(revert_removes_exactly_the_sandbox_user_aces, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
