/* The journal: every ACE the library adds is on disk before the DACL
 * changes; revert removes exactly those, is idempotent, and finishes after
 * a crash halfway. Real files in Wine's TEMP; DACLs in the fake file
 * system. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

#define ALLOW "(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-4)"
#define DENY "(D;OICI;0xd0156;;;S-1-5-21-1-2-3-4)"

static char state[600];
static char before_root[4096], before_git[4096];

static int setup(void **s)
{
	(void)s;
	fakefs_clear();
	fakefs_install();
	fakefs_add("C:\\w", 1, NULL, 0);
	fakefs_add("C:\\w\\.git", 1, NULL, 0);
	strcpy(before_root, fakefs_dacl("C:\\w"));
	strcpy(before_git, fakefs_dacl("C:\\w\\.git"));
	strcpy(state, fakefs_temp_dir("journal"));
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb__os_reset();
	fakefs_clear();
	return 0;
}

static void add(const char *path, const char *sddl)
{
	int added = 0;

	assert_int_equal(wsb__journal_record(state, "add", path, sddl), WSB_OK);
	assert_int_equal(wsb__acl_add(&added, path, sddl), WSB_OK);
	assert_int_equal(added, 1);
}

static void revert_removes_exactly_the_journaled_aces(void **s)
{
	size_t n = 9;

	(void)s;
	add("C:\\w\\.git", DENY);
	add("C:\\w", ALLOW);
	assert_int_equal(wsb__journal_outstanding(&n, state), WSB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(wsb__journal_revert(state), WSB_OK);
	assert_string_equal(fakefs_dacl("C:\\w"), before_root);
	assert_string_equal(fakefs_dacl("C:\\w\\.git"), before_git);
	assert_int_equal(wsb__journal_outstanding(&n, state), WSB_OK);
	assert_int_equal(n, 0);
	assert_int_equal(fakefs_owner_writes, 0);
}

static void revert_twice_changes_nothing_the_second_time(void **s)
{
	unsigned long writes;

	(void)s;
	add("C:\\w", ALLOW);
	assert_int_equal(wsb__journal_revert(state), WSB_OK);
	writes = fakefs_writes;
	assert_int_equal(wsb__journal_revert(state), WSB_OK);
	assert_int_equal(fakefs_writes, writes);
	assert_string_equal(fakefs_dacl("C:\\w"), before_root);
}

static void a_crash_between_journal_and_dacl_write_is_accounted_for(void **s)
{
	size_t n = 9;

	(void)s;
	/* The "add" line reached the disk, the ACE never did. */
	assert_int_equal(wsb__journal_record(state, "add", "C:\\w", ALLOW), WSB_OK);
	assert_int_equal(wsb__journal_revert(state), WSB_OK);
	assert_string_equal(fakefs_dacl("C:\\w"), before_root);
	assert_int_equal(wsb__journal_outstanding(&n, state), WSB_OK);
	assert_int_equal(n, 0);
}

static int fail_first_write(const char *name, unsigned long index, void *ctx)
{
	int *seen = ctx;

	(void)index;
	return strcmp(name, "SetNamedSecurityInfoW") == 0 && (*seen)++ == 0;
}

static void a_revert_that_fails_halfway_finishes_on_the_next_call(void **s)
{
	size_t n = 0;
	int seen = 0;

	(void)s;
	add("C:\\w\\.git", DENY);
	add("C:\\w", ALLOW);
	wsb__os_set_hook(fail_first_write, &seen);
	assert_int_not_equal(wsb__journal_revert(state), WSB_OK);
	assert_non_null(strstr(wsb_error_message(NULL), "SetNamedSecurityInfoW"));
	wsb__os_set_hook(NULL, NULL);
	assert_int_equal(wsb__journal_outstanding(&n, state), WSB_OK);
	assert_int_equal(n, 1);
	assert_int_equal(wsb__journal_revert(state), WSB_OK);
	assert_string_equal(fakefs_dacl("C:\\w"), before_root);
	assert_string_equal(fakefs_dacl("C:\\w\\.git"), before_git);
}

static void an_identical_ace_the_user_had_is_left_alone(void **s)
{
	int added = 1;

	(void)s;
	fakefs_add("C:\\mine", 1, "D:(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-4)", 0);
	/* Check before write: present already, so nothing is journaled. */
	assert_int_equal(wsb__acl_add(&added, "C:\\mine", ALLOW), WSB_OK);
	assert_int_equal(added, 0);
	assert_int_equal(wsb__journal_revert(state), WSB_OK);
	assert_int_equal(fakefs_ace_count("C:\\mine"), 1);
}

static void a_damaged_journal_is_reported(void **s)
{
	char path[700];

	(void)s;
	snprintf(path, sizeof(path), "%s\\journal", state);
	assert_int_equal(wsb__w32_write_file(path, "garbage line\n", 13), WSB_OK);
	assert_int_equal(wsb__journal_revert(state), WSB_EJOURNAL);
}

static void a_journal_line_records_op_time_ace_and_path(void **s)
{
	char path[700], *text = NULL;
	unsigned long long t = 0;
	char op[8], ace[128], p[64];

	(void)s;
	assert_int_equal(wsb__journal_record(state, "add", "C:\\w", ALLOW), WSB_OK);
	snprintf(path, sizeof(path), "%s\\journal", state);
	assert_int_equal(wsb__w32_read_file(&text, NULL, path, 4096), WSB_OK);
	assert_int_equal(sscanf(text, "%7[^\t]\t%llu\t%127[^\t]\t%63[^\n]", op, &t, ace, p), 4);
	assert_string_equal(op, "add");
	assert_true(t > 116444736000000000ull); /* after 1970 in FILETIME units */
	assert_string_equal(ace, ALLOW);
	assert_string_equal(p, "C:\\w");
	wsb__free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(revert_removes_exactly_the_journaled_aces, setup, teardown),
		cmocka_unit_test_setup_teardown(revert_twice_changes_nothing_the_second_time, setup, teardown),
		cmocka_unit_test_setup_teardown(a_crash_between_journal_and_dacl_write_is_accounted_for, setup, teardown),
		cmocka_unit_test_setup_teardown(a_revert_that_fails_halfway_finishes_on_the_next_call, setup, teardown),
		cmocka_unit_test_setup_teardown(an_identical_ace_the_user_had_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(a_damaged_journal_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(a_journal_line_records_op_time_ace_and_path, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
