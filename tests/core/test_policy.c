/* Building and validating policies; the .git file parser; allocation
 * torture of every setter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"
#include "core/plan.h"

static wsb_policy *new_policy(int mode, int flavor)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, mode), WSB_OK);
	assert_int_equal(wsb__policy_set_flavor(p, flavor), WSB_OK);
	return p;
}

/* The policy's JSON plus the environment values the JSON leaves out. */
static char *snapshot(const wsb_policy *p)
{
	wsb__buf b = WSB__BUF_INIT;
	char *s = NULL;
	size_t i;

	assert_int_equal(wsb__policy_json_string(&s, p), WSB_OK);
	assert_int_equal(wsb__buf_puts(&b, s), WSB_OK);
	wsb__free(s);
	for (i = 0; i < p->env_op_count; i++)
		assert_int_equal(wsb__buf_printf(&b, "|%s", p->env_ops[i].value ?
			p->env_ops[i].value : "(unset)"), WSB_OK);
	s = wsb__buf_detach(&b);
	assert_non_null(s);
	return s;
}

/* Assert the call failed with code, said something, and changed nothing. */
#define EXPECT_UNCHANGED(p, code, call) do { \
		char *before_ = snapshot(p), *after_; \
		wsb_error_clear(); \
		assert_int_equal((call), (code)); \
		assert_int_equal(wsb_error_code(NULL), (code)); \
		assert_true(strlen(wsb_error_message(NULL)) > 0); \
		after_ = snapshot(p); \
		assert_string_equal(before_, after_); \
		wsb__free(before_); \
		wsb__free(after_); \
	} while (0)

static void new_policy_has_documented_defaults(void **state)
{
	wsb_policy *p = NULL;
	wsb_u64 v = 99;

	(void)state;
	assert_int_equal(wsb_policy_create(&p, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_mode(p), WSB_MODE_WORKSPACE_WRITE);
	assert_int_equal(p->network, WSB_NETWORK_OFF);
	assert_int_equal(p->env_mode, WSB_ENV_INHERIT);
	assert_int_equal(p->flavor, WSB__PATH_HOST);
	assert_int_equal(wsb_policy_limit(&v, p, WSB_LIMIT_MEMORY), WSB_OK);
	assert_int_equal(v, 0);
	assert_true(wsb__policy_protects_name(p, ".git"));
	wsb_policy_free(p);
}

static void roots_are_normalized_and_kept_in_order(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_WIN);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "c:/work/repo/"), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "D:\\a\\.\\b\\..\\c"), WSB_OK);
	assert_int_equal(p->write_roots.count, 2);
	assert_string_equal(p->write_roots.items[0], "C:\\work\\repo");
	assert_string_equal(p->write_roots.items[1], "D:\\a\\c");
	wsb_policy_free(p);
}

static void same_root_in_other_spelling_is_a_duplicate(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_WIN);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:/Work/Repo"), WSB_OK);
	EXPECT_UNCHANGED(p, WSB_EEXIST, wsb_policy_allow_write(p, "c:\\work\\repo\\"));
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\Work\\Repo"));
	wsb_policy_free(p);
}

static void posix_paths_are_case_sensitive(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "/work/repo"), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(p, "/Work/Repo"), WSB_OK);
	EXPECT_UNCHANGED(p, WSB_EEXIST, wsb_policy_allow_write(p, "/work//repo/."));
	wsb_policy_free(p);
}

static void bad_paths_are_refused_with_their_codes(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_WIN);
	char longpath[WSB__PATH_MAX_WIN + 10];

	(void)state;
	memset(longpath, 'a', sizeof(longpath) - 1);
	memcpy(longpath, "C:\\", 3);
	longpath[sizeof(longpath) - 1] = '\0';
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_allow_write(p, NULL));
	EXPECT_UNCHANGED(p, WSB_EPATH, wsb_policy_allow_write(p, "relative\\dir"));
	EXPECT_UNCHANGED(p, WSB_EPATH, wsb_policy_allow_write(p, "C:relative"));
	EXPECT_UNCHANGED(p, WSB_EPATH, wsb_policy_allow_write(p, ""));
	EXPECT_UNCHANGED(p, WSB_EPATH, wsb_policy_allow_write(p, "C:\\x\\NUL"));
	EXPECT_UNCHANGED(p, WSB_EPATH, wsb_policy_protect_path(p, "C:\\x\\file.txt:stream"));
	EXPECT_UNCHANGED(p, WSB_EUTF8, wsb_policy_deny_read(p, "C:\\\xff"));
	EXPECT_UNCHANGED(p, WSB_ETOOLONG, wsb_policy_allow_write(p, longpath));
	assert_non_null(strstr(wsb_error_message(NULL), "wsb_policy_allow_write"));
	wsb_policy_free(p);
}

static void too_many_roots_is_a_range_error(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);
	char path[32];
	int i;

	(void)state;
	for (i = 0; i < WSB_MAX_ROOTS; i++) {
		snprintf(path, sizeof(path), "/r/%d", i);
		assert_int_equal(wsb_policy_deny_read(p, path), WSB_OK);
	}
	EXPECT_UNCHANGED(p, WSB_ERANGE, wsb_policy_deny_read(p, "/r/x"));
	/* the other lists have their own budget */
	assert_int_equal(wsb_policy_allow_write(p, "/r/x"), WSB_OK);
	wsb_policy_free(p);
}

static void protected_names_are_single_components(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_WIN);
	char big[WSB__NAME_MAX + 2];

	(void)state;
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(wsb_policy_protect_name(p, ".hg"), WSB_OK);
	EXPECT_UNCHANGED(p, WSB_EEXIST, wsb_policy_protect_name(p, ".HG"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, ""));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, "."));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, ".."));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, "a\\b"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, "a/b"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, "a?"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, ".svn."));
	EXPECT_UNCHANGED(p, WSB_EUTF8, wsb_policy_protect_name(p, "\xed\xa0\x80"));
	EXPECT_UNCHANGED(p, WSB_ETOOLONG, wsb_policy_protect_name(p, big));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_protect_name(p, NULL));
	wsb_policy_free(p);
}

static int collect(const char *name, void *ctx)
{
	wsb__strvec *v = ctx;

	return wsb__strvec_push(v, name);
}

static void default_git_protection_follows_the_flag(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);
	wsb__strvec names = WSB__STRVEC_INIT;

	(void)state;
	assert_int_equal(wsb_policy_protect_name(p, ".hg"), WSB_OK);
	assert_int_equal(wsb__policy_each_protected_name(p, collect, &names), 0);
	assert_int_equal(names.count, 2);
	assert_string_equal(names.items[0], ".git");
	assert_string_equal(names.items[1], ".hg");
	wsb__strvec_dispose(&names);

	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_NO_DEFAULT_PROTECT), WSB_OK);
	assert_false(wsb__policy_protects_name(p, ".git"));
	assert_true(wsb__policy_protects_name(p, ".hg"));
	assert_false(wsb__policy_protects_name(p, ".HG"));
	wsb_policy_free(p);
}

static void explicit_git_survives_disabling_the_default(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);
	wsb__strvec names = WSB__STRVEC_INIT;

	(void)state;
	assert_int_equal(wsb_policy_protect_name(p, ".git"), WSB_OK);
	assert_int_equal(wsb__policy_each_protected_name(p, collect, &names), 0);
	assert_int_equal(names.count, 1); /* not listed twice */
	wsb__strvec_dispose(&names);
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_NO_DEFAULT_PROTECT), WSB_OK);
	assert_true(wsb__policy_protects_name(p, ".git"));
	wsb_policy_free(p);
}

static void enums_and_flags_are_checked(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_READ_ONLY, WSB__PATH_POSIX);

	(void)state;
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_mode(p, 3));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_mode(p, -1));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_network(p, 3));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_env_mode(p, 2));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_flags(p, 1u << 5));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_flags(p,
		WSB_POLICY_DENY_WORLD_WRITABLE | WSB_POLICY_REFUSE_WORLD_WRITABLE));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_allow_missing(p, 1u << 12));
	assert_int_equal(wsb_policy_set_mode(p, WSB_MODE_FULL_ACCESS), WSB_OK);
	assert_int_equal(wsb_policy_mode(p), WSB_MODE_FULL_ACCESS);
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(wsb_policy_set_flags(p, WSB_POLICY_REFUSE_WORLD_WRITABLE |
		WSB_POLICY_NO_TEMP_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_missing(p, WSB_PROT_NETWORK | WSB_PROT_PRIVATE_DESKTOP),
		WSB_OK);
	assert_int_equal(p->allow_missing, WSB_PROT_NETWORK | WSB_PROT_PRIVATE_DESKTOP);
	wsb_policy_free(p);
}

static void limits_have_ranges(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_READ_ONLY, WSB__PATH_POSIX);
	wsb_u64 v;

	(void)state;
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_limit(p, WSB_LIMIT_NONE, 5));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_set_limit(p, 6, 5));
	EXPECT_UNCHANGED(p, WSB_ERANGE, wsb_policy_set_limit(p, WSB_LIMIT_MEMORY, 4096));
	EXPECT_UNCHANGED(p, WSB_ERANGE, wsb_policy_set_limit(p, WSB_LIMIT_MEMORY, ~(wsb_u64)0));
	EXPECT_UNCHANGED(p, WSB_ERANGE, wsb_policy_set_limit(p, WSB_LIMIT_PROCESSES,
		WSB__LIMIT_PROCESSES_MAX + 1));
	EXPECT_UNCHANGED(p, WSB_ERANGE, wsb_policy_set_limit(p, WSB_LIMIT_TIMEOUT,
		WSB__LIMIT_MS_MAX + 1));
	assert_non_null(strstr(wsb_error_message(NULL), "timeout"));
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_MEMORY, 512u << 20), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_PROCESSES, 1), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_CPU_TIME, WSB__LIMIT_MS_MAX), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_OUTPUT, 1), WSB_OK);
	assert_int_equal(wsb_policy_limit(&v, p, WSB_LIMIT_MEMORY), WSB_OK);
	assert_int_equal(v, 512u << 20);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_MEMORY, 0), WSB_OK);
	assert_int_equal(wsb_policy_limit(&v, p, WSB_LIMIT_MEMORY), WSB_OK);
	assert_int_equal(v, 0);
	assert_int_equal(wsb_policy_limit(&v, p, 0), WSB_EINVAL);
	wsb_policy_free(p);
}

static void env_set_replaces_and_unset_overrides(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_READ_ONLY, WSB__PATH_WIN);

	(void)state;
	assert_int_equal(wsb_policy_env_set(p, "Path", "C:\\bin"), WSB_OK);
	assert_int_equal(wsb_policy_env_set(p, "HOME", "C:\\h"), WSB_OK);
	assert_int_equal(wsb_policy_env_set(p, "PATH", "C:\\other"), WSB_OK);
	assert_int_equal(p->env_op_count, 2);
	assert_string_equal(p->env_ops[0].name, "Path");
	assert_string_equal(p->env_ops[0].value, "C:\\other");
	assert_int_equal(wsb_policy_env_unset(p, "home"), WSB_OK);
	assert_null(p->env_ops[1].value);
	assert_int_equal(wsb_policy_env_set(p, "=C:", "C:\\x"), WSB_OK); /* drive variable */
	assert_int_equal(wsb_policy_env_set(p, "EMPTY", ""), WSB_OK);
	wsb_policy_free(p);
}

static void env_names_and_values_are_checked(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_READ_ONLY, WSB__PATH_POSIX);
	char *big = wsb__malloc(WSB__ENV_MAX + 2);

	(void)state;
	memset(big, 'v', WSB__ENV_MAX + 1);
	big[WSB__ENV_MAX + 1] = '\0';
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_env_set(p, "", "x"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_env_set(p, "A=B", "x"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_env_set(p, "=C:", "x")); /* POSIX: no */
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_env_set(p, NULL, "x"));
	EXPECT_UNCHANGED(p, WSB_EINVAL, wsb_policy_env_set(p, "A", NULL));
	EXPECT_UNCHANGED(p, WSB_EUTF8, wsb_policy_env_set(p, "A", "\x80"));
	EXPECT_UNCHANGED(p, WSB_EUTF8, wsb_policy_env_unset(p, "\xc3"));
	EXPECT_UNCHANGED(p, WSB_ETOOLONG, wsb_policy_env_set(p, "A", big));
	big[WSB__ENV_MAX - 1] = '\0'; /* fits alone, not with "A=" */
	EXPECT_UNCHANGED(p, WSB_ETOOLONG, wsb_policy_env_set(p, "AB", big));
	wsb__free(big);
	wsb_policy_free(p);
}

static void flavor_can_change_only_while_empty(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);

	(void)state;
	assert_int_equal(wsb__policy_set_flavor(p, 9), WSB_EINVAL);
	assert_int_equal(wsb_policy_allow_write(p, "/w"), WSB_OK);
	assert_int_equal(wsb__policy_set_flavor(p, WSB__PATH_WIN), WSB_ESTATE);
	assert_int_equal(p->flavor, WSB__PATH_POSIX);
	wsb_policy_free(p);
}

static void validate_names_a_root_inside_a_protected_path(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_WIN);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "C:\\work\\repo"), WSB_OK);
	assert_int_equal(wsb_policy_protect_path(p, "C:\\work\\repo\\vendor"), WSB_OK);
	assert_int_equal(wsb_policy_validate(p), WSB_OK); /* carve-out: fine */
	assert_int_equal(wsb_policy_protect_path(p, "c:\\WORK"), WSB_OK);
	assert_int_equal(wsb_policy_validate(p), WSB_ECONFLICT);
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\work\\repo"));
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\WORK"));
	wsb_policy_free(p);
}

static void validate_names_a_root_inside_a_deny_read_path(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);

	(void)state;
	assert_int_equal(wsb_policy_allow_write(p, "/home/u/repo"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(p, "/home/u/repo/secrets"), WSB_OK);
	assert_int_equal(wsb_policy_validate(p), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(p, "/home/u/repo"), WSB_OK);
	assert_int_equal(wsb_policy_validate(p), WSB_ECONFLICT);
	assert_non_null(strstr(wsb_error_message(NULL), "deny-read"));
	wsb_policy_free(p);
}

static void workspace_write_without_roots_is_valid(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);

	(void)state;
	assert_int_equal(wsb_policy_validate(p), WSB_OK);
	wsb_policy_free(p);
}

static void required_protections_follow_the_policy(void **state)
{
	wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_POSIX);

	(void)state;
	assert_int_equal(wsb__policy_required_protections(p),
		WSB_PROT_PROCESS_TREE | WSB_PROT_FS_WRITE | WSB_PROT_NETWORK);
	assert_int_equal(wsb_policy_allow_write(p, "/w"), WSB_OK);
	assert_int_equal(wsb_policy_deny_read(p, "/w/s"), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_CPU_TIME, 5), WSB_OK);
	assert_int_equal(wsb_policy_set_network(p, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(wsb__policy_required_protections(p),
		WSB_PROT_PROCESS_TREE | WSB_PROT_FS_WRITE | WSB_PROT_FS_PROTECTED |
		WSB_PROT_FS_DENY_READ | WSB_PROT_LIMIT_CPU);
	assert_int_equal(wsb_policy_set_mode(p, WSB_MODE_FULL_ACCESS), WSB_OK);
	assert_int_equal(wsb__policy_required_protections(p),
		WSB_PROT_PROCESS_TREE | WSB_PROT_LIMIT_CPU);
	wsb_policy_free(p);
}

static void gitdir_absolute_pointer_is_normalized(void **state)
{
	char *out = NULL;
	const char *c = "gitdir: C:/src/main/.git/worktrees/feature\r\n";

	(void)state;
	assert_int_equal(wsb__gitdir_from_file(&out, c, strlen(c), "C:\\wt\\feature", WSB__PATH_WIN),
		WSB_OK);
	assert_non_null(out);
	assert_string_equal(out, "C:\\src\\main\\.git\\worktrees\\feature");
	wsb__free(out);
}

static void gitdir_relative_pointer_resolves_against_the_directory(void **state)
{
	char *out = NULL;
	const char *c = "gitdir: ../../.git/modules/lib  \n\n";

	(void)state;
	assert_int_equal(wsb__gitdir_from_file(&out, c, strlen(c), "/repo/sub/lib", WSB__PATH_POSIX),
		WSB_OK);
	assert_non_null(out);
	assert_string_equal(out, "/repo/.git/modules/lib");
	wsb__free(out);
}

static void gitdir_garbage_is_not_a_pointer(void **state)
{
	static const char *const bad[] = {
		"", "gitdir:", "gitdir: ", "gitdir:   \r\n", "gitdir:/x", "GITDIR: /x",
		"ref: refs/heads/main", "gitdir: /a\n/b", "gitdir: /a\rb", "gitdir: /\xff",
		" gitdir: /x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = (char *)1;

		assert_int_equal(wsb__gitdir_from_file(&out, bad[i], strlen(bad[i]), "/r",
			WSB__PATH_POSIX), WSB_OK);
		assert_null(out);
	}
	{
		char *out = (char *)1;

		/* embedded NUL */
		assert_int_equal(wsb__gitdir_from_file(&out, "gitdir: /a\0b", 12, "/r",
			WSB__PATH_POSIX), WSB_OK);
		assert_null(out);
		/* a device path in a Windows pointer */
		assert_int_equal(wsb__gitdir_from_file(&out, "gitdir: C:\\x\\CON", 16, "C:\\r",
			WSB__PATH_WIN), WSB_OK);
		assert_null(out);
	}
}

/* Every setter under allocation failure: a clean ENOMEM, no leak, the
 * policy unchanged; then it succeeds once allocation is allowed far enough. */
typedef int (*setter)(wsb_policy *p);
static int s_root(wsb_policy *p) { return wsb_policy_allow_write(p, "C:\\Work\\Repo\\..\\New"); }
static int s_protect(wsb_policy *p) { return wsb_policy_protect_path(p, "C:\\Work\\Repo\\vendor"); }
static int s_name(wsb_policy *p) { return wsb_policy_protect_name(p, ".svn"); }
static int s_deny(wsb_policy *p) { return wsb_policy_deny_read(p, "C:\\Users\\me\\.ssh"); }
static int s_env_new(wsb_policy *p) { return wsb_policy_env_set(p, "NEWVAR", "value"); }
static int s_env_replace(wsb_policy *p) { return wsb_policy_env_set(p, "path", "C:\\y"); }
static int s_env_unset(wsb_policy *p) { return wsb_policy_env_unset(p, "TEMP"); }

static void every_setter_survives_allocation_failure(void **state)
{
	static const setter setters[] = {
		s_root, s_protect, s_name, s_deny, s_env_new, s_env_replace, s_env_unset,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(setters) / sizeof(setters[0]); i++) {
		wsb_policy *p = new_policy(WSB_MODE_WORKSPACE_WRITE, WSB__PATH_WIN);
		char *before, *after;
		unsigned long n;
		long live;
		int rc;

		assert_int_equal(wsb_policy_allow_write(p, "C:\\Work\\Repo"), WSB_OK);
		assert_int_equal(wsb_policy_env_set(p, "PATH", "C:\\x"), WSB_OK);
		before = snapshot(p);
		for (n = 1;; n++) {
			live = wsb__alloc_live();
			wsb__alloc_fail_after(n);
			rc = setters[i](p);
			wsb__alloc_fail_after(0);
			if (rc == WSB_OK)
				break;
			assert_int_equal(rc, WSB_ENOMEM);
			assert_int_equal(wsb_error_code(NULL), WSB_ENOMEM);
			assert_int_equal(wsb__alloc_live(), live);
			after = snapshot(p);
			assert_string_equal(before, after);
			wsb__free(after);
		}
		after = snapshot(p);
		assert_string_not_equal(before, after);
		wsb__free(before);
		wsb__free(after);
		wsb_policy_free(p);
	}
}

static void creating_a_policy_survives_allocation_failure(void **state)
{
	long live = wsb__alloc_live();
	wsb_policy *p = (wsb_policy *)1;

	(void)state;
	wsb__alloc_fail_after(1);
	assert_int_equal(wsb_policy_create(&p, WSB_MODE_READ_ONLY), WSB_ENOMEM);
	wsb__alloc_fail_after(0);
	assert_null(p);
	assert_int_equal(wsb__alloc_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_policy_has_documented_defaults),
		cmocka_unit_test(roots_are_normalized_and_kept_in_order),
		cmocka_unit_test(same_root_in_other_spelling_is_a_duplicate),
		cmocka_unit_test(posix_paths_are_case_sensitive),
		cmocka_unit_test(bad_paths_are_refused_with_their_codes),
		cmocka_unit_test(too_many_roots_is_a_range_error),
		cmocka_unit_test(protected_names_are_single_components),
		cmocka_unit_test(default_git_protection_follows_the_flag),
		cmocka_unit_test(explicit_git_survives_disabling_the_default),
		cmocka_unit_test(enums_and_flags_are_checked),
		cmocka_unit_test(limits_have_ranges),
		cmocka_unit_test(env_set_replaces_and_unset_overrides),
		cmocka_unit_test(env_names_and_values_are_checked),
		cmocka_unit_test(flavor_can_change_only_while_empty),
		cmocka_unit_test(validate_names_a_root_inside_a_protected_path),
		cmocka_unit_test(validate_names_a_root_inside_a_deny_read_path),
		cmocka_unit_test(workspace_write_without_roots_is_valid),
		cmocka_unit_test(required_protections_follow_the_policy),
		cmocka_unit_test(gitdir_absolute_pointer_is_normalized),
		cmocka_unit_test(gitdir_relative_pointer_resolves_against_the_directory),
		cmocka_unit_test(gitdir_garbage_is_not_a_pointer),
		cmocka_unit_test(every_setter_survives_allocation_failure),
		cmocka_unit_test(creating_a_policy_survives_allocation_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
