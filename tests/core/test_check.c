/* The path check: verdicts, deciding rules and explanations, for Windows
 * syntax on any host (a fake reader stands in for .git files) and for POSIX
 * syntax against a real .git file in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"

#ifndef _WIN32
#  include <sys/stat.h>
#  include <unistd.h>
#endif

/* The fake file system for .git files: one path and its contents. */
static const char *fake_path;
static const char *fake_contents;
static int fake_reads;

static int fake_reader(char **out, size_t *out_len, const char *path, size_t max)
{
	(void)max;
	fake_reads++;
	*out = NULL;
	*out_len = 0;
	if (fake_path == NULL || strcmp(path, fake_path) != 0)
		return WSB_ENOENT;
	*out = wsb__strdup(fake_contents);
	if (*out == NULL)
		return WSB_ENOMEM;
	*out_len = strlen(fake_contents);
	return WSB_OK;
}

static int setup_fake(void **state)
{
	(void)state;
	fake_path = NULL;
	fake_contents = NULL;
	fake_reads = 0;
	wsb__check_set_reader(fake_reader);
	return 0;
}

static int teardown_fake(void **state)
{
	(void)state;
	wsb__check_set_reader(NULL);
	return 0;
}

static wsb_policy *win_policy(int mode)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, mode), WSB_OK);
	assert_int_equal(wsb__policy_set_flavor(p, WSB__PATH_WIN), WSB_OK);
	return p;
}

static wsb_policy *posix_policy(int mode)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, mode), WSB_OK);
	assert_int_equal(wsb__policy_set_flavor(p, WSB__PATH_POSIX), WSB_OK);
	return p;
}

/* Check and compare verdict and rule; the reason must mention `mention`. */
static void expect(const wsb_policy *p, const char *path, int access, int allowed, int rule,
	const char *mention)
{
	int got_allowed = -1, got_rule = -1;
	char *why = NULL;

	assert_int_equal(wsb_policy_check_path(&got_allowed, &got_rule, &why, p, path, access),
		WSB_OK);
	if (got_allowed != allowed || got_rule != rule)
		fail_msg("%s %s: got allowed=%d rule=%d (%s), want allowed=%d rule=%d", path,
			access == WSB_ACCESS_READ ? "read" : "write", got_allowed, got_rule,
			why ? why : "", allowed, rule);
	assert_non_null(why);
	if (mention && !strstr(why, mention))
		fail_msg("reason '%s' does not mention '%s'", why, mention);
	wsb__free(why);
}

static void full_access_allows_everything(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_FULL_ACCESS);

	(void)state;
	assert_int_equal(wsb_policy_deny_read(p, "C:\\secret"), WSB_OK);
	expect(p, "C:\\Windows\\x", WSB_ACCESS_WRITE, 1, WSB_RULE_FULL_ACCESS, "full access");
	expect(p, "C:\\secret\\k", WSB_ACCESS_READ, 1, WSB_RULE_FULL_ACCESS, NULL);
	wsb_policy_free(p);
}

static void read_is_allowed_outside_deny_read_paths(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_READ_ONLY);

	(void)state;
	assert_int_equal(wsb_policy_deny_read(p, "C:\\Users\\me\\.ssh"), WSB_OK);
	expect(p, "C:\\Users\\me\\notes.txt", WSB_ACCESS_READ, 1, WSB_RULE_READ_DEFAULT, NULL);
	expect(p, "c:/users/ME/.SSH/id_ed25519", WSB_ACCESS_READ, 0, WSB_RULE_DENY_READ,
		"C:\\Users\\me\\.ssh");
	expect(p, "C:\\Users\\me\\.ssh", WSB_ACCESS_WRITE, 0, WSB_RULE_DENY_READ, NULL);
	expect(p, "C:\\Users\\me\\.sshx", WSB_ACCESS_READ, 1, WSB_RULE_READ_DEFAULT, NULL);
	wsb_policy_free(p);
}

static void deny_read_also_denies_write_inside_a_root(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(p, "C:\\Work\\Repo\\secrets"), WSB_OK);
	expect(p, "C:\\Work\\Repo\\secrets\\k.pem", WSB_ACCESS_WRITE, 0, WSB_RULE_DENY_READ,
		"deny-read");
	expect(p, "C:\\Work\\Repo\\src\\a.c", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	wsb_policy_free(p);
}

static void read_only_mode_denies_writes(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_READ_ONLY);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
	expect(p, "C:\\Work\\Repo\\a.c", WSB_ACCESS_WRITE, 0, WSB_RULE_READ_ONLY_MODE, "read-only");
	wsb_policy_free(p);
}

static void read_only_mode_allows_the_private_tmp(void **state)
{
	wsb_policy *p = posix_policy(WSB_MODE_READ_ONLY);

	(void)state;
	expect(p, "/tmp/build/x.o", WSB_ACCESS_WRITE, 1, WSB_RULE_TEMP, "/tmp");
	expect(p, "/tmpx/y", WSB_ACCESS_WRITE, 0, WSB_RULE_READ_ONLY_MODE, NULL);
	expect(p, "/home/u/x", WSB_ACCESS_WRITE, 0, WSB_RULE_READ_ONLY_MODE, NULL);
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	expect(p, "/tmp/build/x.o", WSB_ACCESS_WRITE, 0, WSB_RULE_READ_ONLY_MODE, NULL);
	wsb_policy_free(p);
}

static void same_root_in_another_spelling_matches(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:/Work/Repo"), WSB_OK);
	expect(p, "c:\\work\\repo\\", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, "C:\\Work\\Repo");
	expect(p, "\\\\?\\C:\\WORK\\REPO\\src\\main.c", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT,
		NULL);
	expect(p, "C:\\Work\\Repo2\\x", WSB_ACCESS_WRITE, 0, WSB_RULE_OUTSIDE_ROOTS, NULL);
	expect(p, "C:\\Work\\Repo\\..\\Other\\x", WSB_ACCESS_WRITE, 0, WSB_RULE_OUTSIDE_ROOTS,
		"C:\\Work\\Other\\x");
	wsb_policy_free(p);
}

static void git_carve_out_ignores_case_on_windows(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
	expect(p, "C:\\Work\\Repo\\.GIT\\config", WSB_ACCESS_WRITE, 0, WSB_RULE_PROTECTED_NAME,
		"'.git'");
	expect(p, "c:/work/repo/sub/module/.Git/HEAD", WSB_ACCESS_WRITE, 0, WSB_RULE_PROTECTED_NAME,
		NULL);
	expect(p, "C:\\Work\\Repo\\.git", WSB_ACCESS_WRITE, 0, WSB_RULE_PROTECTED_NAME, NULL);
	expect(p, "C:\\Work\\Repo\\.github\\ci.yml", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT,
		NULL);
	expect(p, "C:\\Work\\Repo\\.GIT\\config", WSB_ACCESS_READ, 1, WSB_RULE_READ_DEFAULT, NULL);
	wsb_policy_free(p);
}

static void git_carve_out_is_exact_case_on_posix(void **state)
{
	wsb_policy *p = posix_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "/work/repo"), WSB_OK);
	expect(p, "/work/repo/.git/config", WSB_ACCESS_WRITE, 0, WSB_RULE_PROTECTED_NAME, NULL);
	expect(p, "/work/repo/.GIT/config", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	wsb_policy_free(p);
}

static void a_name_above_the_root_does_not_protect(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	/* The root itself lies inside a directory called .git: only names
	 * below the root count. */
	assert_int_equal(wsb_policy_allow_write(p, "C:\\x\\.git\\scratch"), WSB_OK);
	expect(p, "C:\\x\\.git\\scratch\\f", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	wsb_policy_free(p);
}

static void without_default_protection_git_is_writable(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_NO_DEFAULT_PROTECT), WSB_OK);
	expect(p, "C:\\Work\\Repo\\.git\\config", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	assert_int_equal(wsb_policy_protect_name(p, "node_modules"), WSB_OK);
	expect(p, "C:\\Work\\Repo\\web\\NODE_MODULES\\x.js", WSB_ACCESS_WRITE, 0,
		WSB_RULE_PROTECTED_NAME, "node_modules");
	wsb_policy_free(p);
}

static void protected_path_inside_a_root_is_read_only(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
	assert_int_equal(wsb_policy_protect_path(p, "C:\\Work\\Repo\\vendor"), WSB_OK);
	expect(p, "C:\\work\\repo\\VENDOR\\lib.c", WSB_ACCESS_WRITE, 0, WSB_RULE_PROTECTED_PATH,
		"C:\\Work\\Repo\\vendor");
	expect(p, "C:\\Work\\Repo\\vendorx", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	wsb_policy_free(p);
}

static void stream_paths_are_checked_as_their_file(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
	expect(p, "C:\\Work\\Repo\\file.txt:stream", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT,
		"C:\\Work\\Repo\\file.txt'");
	expect(p, "C:\\Work\\Repo\\file.txt::$DATA", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT,
		NULL);
	expect(p, "C:\\Work\\Repo\\.git:evil", WSB_ACCESS_WRITE, 0, WSB_RULE_PROTECTED_NAME, NULL);
	expect(p, "C:\\Work\\Repo\\.git\\config:evil:$DATA", WSB_ACCESS_WRITE, 0,
		WSB_RULE_PROTECTED_NAME, NULL);
	expect(p, "C:\\Work\\file.txt:stream", WSB_ACCESS_WRITE, 0, WSB_RULE_OUTSIDE_ROOTS, NULL);
	wsb_policy_free(p);
}

static void workspace_write_without_roots_writes_nothing(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	expect(p, "C:\\anything", WSB_ACCESS_WRITE, 0, WSB_RULE_OUTSIDE_ROOTS, "not under any");
	wsb_policy_free(p);
}

static void git_file_protects_the_gitdir_it_points_to(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	fake_path = "C:\\wt\\feature\\.git";
	fake_contents = "gitdir: C:/src/main/.git/worktrees/feature\r\n";
	assert_int_equal(wsb_policy_allow_write(p, "C:\\wt\\feature"), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "C:\\src\\main"), WSB_OK);
	expect(p, "C:\\SRC\\main\\.git\\worktrees\\feature\\HEAD", WSB_ACCESS_WRITE, 0,
		WSB_RULE_PROTECTED_NAME, NULL);
	/* A gitdir under no root: denied by the gitdir rule only if under a root. */
	expect(p, "C:\\wt\\feature\\src\\a.c", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	assert_true(fake_reads > 0);
	wsb_policy_free(p);
}

static void git_file_gitdir_inside_another_root_is_denied(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	/* Root A's .git file points into root B, at a directory not named .git. */
	fake_path = "C:\\A\\.git";
	fake_contents = "gitdir: ..\\B\\gitdirs\\a";
	assert_int_equal(wsb_policy_allow_write(p, "C:\\A"), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "C:\\B"), WSB_OK);
	expect(p, "C:\\B\\gitdirs\\A\\index", WSB_ACCESS_WRITE, 0, WSB_RULE_GITDIR,
		"C:\\B\\gitdirs\\a");
	expect(p, "C:\\B\\gitdirs\\b\\index", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	/* Turning off .git protection turns off the gitdir too. */
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_NO_DEFAULT_PROTECT), WSB_OK);
	expect(p, "C:\\B\\gitdirs\\a\\index", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	wsb_policy_free(p);
}

static void garbage_git_file_protects_nothing_more(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);

	(void)state;
	fake_path = "C:\\A\\.git";
	fake_contents = "not a pointer\n";
	assert_int_equal(wsb_policy_allow_write(p, "C:\\A"), WSB_OK);
	expect(p, "C:\\A\\src\\x", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	wsb_policy_free(p);
}

static int failing_reader(char **out, size_t *out_len, const char *path, size_t max)
{
	(void)path; (void)max;
	*out = NULL;
	*out_len = 0;
	return wsb__error_os(WSB_EACCES, 5, "access denied");
}

static void unreadable_git_file_is_an_error_not_a_verdict(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);
	int allowed = -1;

	(void)state;
	wsb__check_set_reader(failing_reader);
	assert_int_equal(wsb_policy_allow_write(p, "C:\\A"), WSB_OK);
	assert_int_equal(wsb_policy_check_path(&allowed, NULL, NULL, p, "C:\\A\\x", WSB_ACCESS_WRITE),
		WSB_EACCES);
	assert_int_equal(allowed, -1);
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\A\\.git"));
	wsb__check_set_reader(fake_reader);
	wsb_policy_free(p);
}

static void bad_arguments_are_refused(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);
	int allowed, rule;
	char *why = (char *)1;

	(void)state;
	assert_int_equal(wsb_policy_check_path(NULL, &rule, &why, p, "C:\\x", 1), WSB_EINVAL);
	assert_null(why);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, NULL, "C:\\x", 1), WSB_EINVAL);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, p, NULL, 1), WSB_EINVAL);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, p, "C:\\x", 3), WSB_EINVAL);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, p, "C:\\x", 0), WSB_EINVAL);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, p, "x\\y", 1), WSB_EPATH);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, p, "C:\\NUL", 2), WSB_EPATH);
	assert_int_equal(wsb_policy_check_path(&allowed, &rule, &why, p, "C:\\\xc3", 2), WSB_EUTF8);
	assert_null(why);
	/* rule and reason are optional */
	assert_int_equal(wsb_policy_check_path(&allowed, NULL, NULL, p, "C:\\x", 1), WSB_OK);
	assert_int_equal(allowed, 1);
	wsb_policy_free(p);
}

static void check_survives_allocation_failure(void **state)
{
	wsb_policy *p = win_policy(WSB_MODE_WORKSPACE_WRITE);
	unsigned long n;
	int rc;

	(void)state;
	fake_path = "C:\\A\\.git";
	fake_contents = "gitdir: C:\\B\\g";
	assert_int_equal(wsb_policy_allow_write(p, "C:\\A"), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "C:\\B"), WSB_OK);
	for (n = 1;; n++) {
		long live = wsb__alloc_live();
		int allowed = -1, rule = -1;
		char *why = NULL;

		wsb__alloc_fail_after(n);
		rc = wsb_policy_check_path(&allowed, &rule, &why, p, "C:\\B\\g\\x:s", WSB_ACCESS_WRITE);
		wsb__alloc_fail_after(0);
		if (rc == WSB_OK) {
			assert_int_equal(allowed, 0);
			assert_int_equal(rule, WSB_RULE_GITDIR);
			wsb__free(why);
			break;
		}
		assert_int_equal(rc, WSB_ENOMEM);
		assert_null(why);
		assert_int_equal(allowed, -1);
		assert_int_equal(wsb__alloc_live(), live);
	}
	assert_true(n > 3);
	wsb_policy_free(p);
}

#ifndef _WIN32
/* The real reader: a .git file in a temporary directory. */
static void real_git_file_protects_its_gitdir(void **state)
{
	char root[] = "/tmp/wsb-check-XXXXXX";
	char file[64], contents[128];
	wsb_policy *p = posix_policy(WSB_MODE_WORKSPACE_WRITE);
	FILE *f;

	(void)state;
	wsb__check_set_reader(NULL);
	assert_non_null(mkdtemp(root));
	snprintf(file, sizeof(file), "%s/.git", root);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("gitdir: ../elsewhere/gitdir\n", f);
	fclose(f);
	assert_int_equal(wsb_policy_allow_write(p, root), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "/tmp"), WSB_OK);
	expect(p, "/tmp/elsewhere/gitdir/HEAD", WSB_ACCESS_WRITE, 0, WSB_RULE_GITDIR,
		"/tmp/elsewhere/gitdir");
	snprintf(contents, sizeof(contents), "%s/src/a.c", root);
	expect(p, contents, WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	/* A .git directory is not a pointer. */
	assert_int_equal(unlink(file), 0);
	assert_int_equal(mkdir(file, 0700), 0);
	expect(p, "/tmp/elsewhere/gitdir/HEAD", WSB_ACCESS_WRITE, 1, WSB_RULE_WRITABLE_ROOT, NULL);
	assert_int_equal(rmdir(file), 0);
	assert_int_equal(rmdir(root), 0);
	wsb__check_set_reader(fake_reader);
	wsb_policy_free(p);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_access_allows_everything),
		cmocka_unit_test(read_is_allowed_outside_deny_read_paths),
		cmocka_unit_test(deny_read_also_denies_write_inside_a_root),
		cmocka_unit_test(read_only_mode_denies_writes),
		cmocka_unit_test(read_only_mode_allows_the_private_tmp),
		cmocka_unit_test(same_root_in_another_spelling_matches),
		cmocka_unit_test(git_carve_out_ignores_case_on_windows),
		cmocka_unit_test(git_carve_out_is_exact_case_on_posix),
		cmocka_unit_test(a_name_above_the_root_does_not_protect),
		cmocka_unit_test(without_default_protection_git_is_writable),
		cmocka_unit_test(protected_path_inside_a_root_is_read_only),
		cmocka_unit_test(stream_paths_are_checked_as_their_file),
		cmocka_unit_test(workspace_write_without_roots_writes_nothing),
		cmocka_unit_test(git_file_protects_the_gitdir_it_points_to),
		cmocka_unit_test(git_file_gitdir_inside_another_root_is_denied),
		cmocka_unit_test(garbage_git_file_protects_nothing_more),
		cmocka_unit_test(unreadable_git_file_is_an_error_not_a_verdict),
		cmocka_unit_test(bad_arguments_are_refused),
		cmocka_unit_test(check_survives_allocation_failure),
#ifndef _WIN32
		cmocka_unit_test(real_git_file_protects_its_gitdir),
#endif
	};
	return cmocka_run_group_tests(tests, setup_fake, teardown_fake);
}
