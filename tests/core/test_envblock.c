/* The command's environment: building it from a policy, and the sorted
 * UTF-16 block CreateProcessW takes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/common.h"
#include "core/envblock.h"
#include "core/policy.h"

/* A policy filled by hand: only the environment fields matter here. */
struct fixture {
	struct wsb_policy policy;
	wsb__env_op ops[8];
};

static void add_op(struct fixture *f, const char *name, const char *value)
{
	f->ops[f->policy.env_op_count].name = (char *)name;
	f->ops[f->policy.env_op_count].value = (char *)value;
	f->policy.env_ops = f->ops;
	f->policy.env_op_count++;
}

static void init(struct fixture *f, int env_mode)
{
	memset(f, 0, sizeof(*f));
	f->policy.env_mode = env_mode;
}

/* out must hold exactly the expected entries, in that order. */
static void assert_env(const wsb__strvec *v, const char *const *expect, size_t n)
{
	size_t i;

	assert_int_equal(v->count, n);
	for (i = 0; i < n; i++)
		assert_string_equal(v->items[i], expect[i]);
}

static const char *const base[] = {
	"PATH=C:\\Windows", "SystemRoot=C:\\Windows", "HOME=C:\\u", "=C:=C:\\work",
	"TEMP=C:\\t", "SECRET=hunter2", NULL
};
static const char *const keep[] = { "SYSTEMROOT", "TEMP", "MISSING", NULL };

static void inherit_keeps_the_base_in_order(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	assert_int_equal(wsb__env_build(&v, &f.policy, base, keep, NULL, 1), WSB_OK);
	assert_env(&v, (const char *const *)base, 6);
	wsb__strvec_dispose(&v);
}

static void clear_keeps_only_the_keep_list(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *expect[] = { "SystemRoot=C:\\Windows", "TEMP=C:\\t" };

	(void)state;
	init(&f, WSB_ENV_CLEAR);
	assert_int_equal(wsb__env_build(&v, &f.policy, base, keep, NULL, 1), WSB_OK);
	assert_env(&v, expect, 2);
	wsb__strvec_dispose(&v);
}

static void clear_with_case_sensitive_names_needs_exact_case(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *expect[] = { "TEMP=C:\\t" };

	(void)state;
	init(&f, WSB_ENV_CLEAR);
	assert_int_equal(wsb__env_build(&v, &f.policy, base, keep, NULL, 0), WSB_OK);
	assert_env(&v, expect, 1);
	wsb__strvec_dispose(&v);
}

static void set_replaces_case_insensitively_in_place(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *expect[] = {
		"Path=D:\\bin", "SystemRoot=C:\\Windows", "HOME=C:\\u", "=C:=C:\\work",
		"TEMP=C:\\t", "SECRET=hunter2", "NEW=1"
	};

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	add_op(&f, "Path", "D:\\bin");
	add_op(&f, "NEW", "1");
	assert_int_equal(wsb__env_build(&v, &f.policy, base, keep, NULL, 1), WSB_OK);
	assert_env(&v, expect, 7);
	wsb__strvec_dispose(&v);
}

static void set_on_posix_is_case_sensitive(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *const posix_base[] = { "PATH=/bin", NULL };
	const char *expect[] = { "PATH=/bin", "path=/x" };

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	add_op(&f, "path", "/x");
	assert_int_equal(wsb__env_build(&v, &f.policy, posix_base, NULL, NULL, 0), WSB_OK);
	assert_env(&v, expect, 2);
	wsb__strvec_dispose(&v);
}

static void unset_removes_every_spelling(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *const dup_base[] = { "A=1", "secret=x", "B=2", "SECRET=y", NULL };
	const char *expect[] = { "A=1", "B=2" };

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	add_op(&f, "Secret", NULL);
	add_op(&f, "NOT_THERE", NULL);
	assert_int_equal(wsb__env_build(&v, &f.policy, dup_base, NULL, NULL, 1), WSB_OK);
	assert_env(&v, expect, 2);
	wsb__strvec_dispose(&v);
}

static void operations_apply_in_order(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *expect[] = { "X=3" };

	(void)state;
	init(&f, WSB_ENV_CLEAR);
	add_op(&f, "X", "1");
	add_op(&f, "x", NULL);
	add_op(&f, "Y", "2");
	add_op(&f, "y", NULL);
	add_op(&f, "X", "3");
	assert_int_equal(wsb__env_build(&v, &f.policy, base, NULL, NULL, 1), WSB_OK);
	assert_env(&v, expect, 1);
	wsb__strvec_dispose(&v);
}

static void extra_entries_win_over_the_policy(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *const extra[] = { "HTTP_PROXY=http://127.0.0.1:9", "temp=E:\\", NULL };
	const char *expect[] = { "SystemRoot=C:\\Windows", "temp=E:\\", "HTTP_PROXY=http://127.0.0.1:9" };

	(void)state;
	init(&f, WSB_ENV_CLEAR);
	add_op(&f, "HTTP_PROXY", "mine");
	assert_int_equal(wsb__env_build(&v, &f.policy, base, keep, extra, 1), WSB_OK);
	assert_env(&v, expect, 3);
	wsb__strvec_dispose(&v);
}

static void duplicates_in_the_base_resolve_to_the_last(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *const dup_base[] = { "A=1", "B=2", "a=3", NULL };
	const char *const keep_a[] = { "A", NULL };
	const char *inherit_expect[] = { "a=3", "B=2" };
	const char *clear_expect[] = { "a=3" };

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	assert_int_equal(wsb__env_build(&v, &f.policy, dup_base, NULL, NULL, 1), WSB_OK);
	assert_env(&v, inherit_expect, 2);
	init(&f, WSB_ENV_CLEAR);
	assert_int_equal(wsb__env_build(&v, &f.policy, dup_base, keep_a, NULL, 1), WSB_OK);
	assert_env(&v, clear_expect, 1);
	wsb__strvec_dispose(&v);
}

static void base_entries_without_a_name_are_dropped(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *const odd_base[] = { "junk", "", "=", "OK=1", NULL };
	const char *expect[] = { "OK=1" };

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	assert_int_equal(wsb__env_build(&v, &f.policy, odd_base, NULL, NULL, 1), WSB_OK);
	assert_env(&v, expect, 1);
	wsb__strvec_dispose(&v);
}

static void bad_input_leaves_out_untouched(void **state)
{
	struct fixture f;
	wsb__strvec v = WSB__STRVEC_INIT;
	const char *const bad_extra[] = { "NOEQUALS", NULL };

	(void)state;
	assert_int_equal(wsb__strvec_push(&v, "KEEP=me"), WSB_OK);
	init(&f, WSB_ENV_INHERIT);
	add_op(&f, "A=B", "x");
	assert_int_equal(wsb__env_build(&v, &f.policy, base, NULL, NULL, 1), WSB_EINVAL);
	init(&f, WSB_ENV_INHERIT);
	assert_int_equal(wsb__env_build(&v, &f.policy, base, NULL, bad_extra, 1), WSB_EINVAL);
	init(&f, 7);
	assert_int_equal(wsb__env_build(&v, &f.policy, base, NULL, NULL, 1), WSB_EINVAL);
	assert_int_equal(wsb__env_build(&v, NULL, base, NULL, NULL, 1), WSB_EINVAL);
	assert_int_equal(v.count, 1);
	assert_string_equal(v.items[0], "KEEP=me");
	wsb__strvec_dispose(&v);
}

static void valid_names_follow_the_platform(void **state)
{
	(void)state;
	assert_true(wsb__env_valid_name("PATH", 1));
	assert_true(wsb__env_valid_name("=C:", 1));
	assert_false(wsb__env_valid_name("=C:", 0));
	assert_false(wsb__env_valid_name("A=B", 1));
	assert_false(wsb__env_valid_name("", 1));
	assert_false(wsb__env_valid_name(NULL, 0));
	assert_false(wsb__env_valid_name("\xC0\xAF", 0));
	assert_true(wsb__env_valid_name("\xC3\xA9t\xC3\xA9", 0));
}

/* Build a block and compare it unit by unit with the expected one. */
static void assert_block(const char *const *entries, size_t count,
	const uint16_t *expect, size_t expect_len)
{
	uint16_t *block = NULL;
	size_t len = 0;

	assert_int_equal(wsb__env_block_utf16(&block, &len, entries, count), WSB_OK);
	assert_int_equal(len, expect_len);
	assert_memory_equal(block, expect, expect_len * sizeof(uint16_t));
	wsb__free(block);
}

static void empty_block_is_two_nuls(void **state)
{
	const uint16_t expect[] = { 0, 0 };

	(void)state;
	assert_block(NULL, 0, expect, 2);
}

static void block_layout_is_entries_nul_and_a_final_nul(void **state)
{
	const char *entries[] = { "B=2", "A=\xE2\x82\xAC" };
	const uint16_t expect[] = { 'A', '=', 0x20AC, 0, 'B', '=', '2', 0, 0 };

	(void)state;
	assert_block(entries, 2, expect, WSB__ARRAY_SIZE(expect));
}

static void block_is_sorted_by_upper_cased_name(void **state)
{
	/* By name, not by whole entry: "A" before "A0" although '=' > '0';
	 * upper-cased, so "_X" sorts after "zz" ('_' > 'Z'). */
	const char *entries[] = { "_X=1", "zz=2", "A0=3", "a=4", "Path=5" };
	const uint16_t expect[] = {
		'a', '=', '4', 0, 'A', '0', '=', '3', 0, 'P', 'a', 't', 'h', '=', '5', 0,
		'z', 'z', '=', '2', 0, '_', 'X', '=', '1', 0, 0
	};

	(void)state;
	assert_block(entries, 5, expect, WSB__ARRAY_SIZE(expect));
}

static void drive_entries_come_first(void **state)
{
	const char *entries[] = { "!A=1", "=D:=D:\\", "0=2", "=C:=C:\\x" };
	const uint16_t expect[] = {
		'=', 'C', ':', '=', 'C', ':', '\\', 'x', 0,
		'=', 'D', ':', '=', 'D', ':', '\\', 0,
		'!', 'A', '=', '1', 0, '0', '=', '2', 0, 0
	};

	(void)state;
	assert_block(entries, 4, expect, WSB__ARRAY_SIZE(expect));
}

static void block_duplicates_keep_the_last(void **state)
{
	const char *entries[] = { "path=1", "X=9", "PATH=2", "Path=3" };
	const uint16_t expect[] = { 'P', 'a', 't', 'h', '=', '3', 0, 'X', '=', '9', 0, 0 };

	(void)state;
	assert_block(entries, 4, expect, WSB__ARRAY_SIZE(expect));
}

static void block_value_may_hold_equals_and_be_empty(void **state)
{
	const char *entries[] = { "A==b=", "E=" };
	const uint16_t expect[] = { 'A', '=', '=', 'b', '=', 0, 'E', '=', 0, 0 };

	(void)state;
	assert_block(entries, 2, expect, WSB__ARRAY_SIZE(expect));
}

static void block_rejects_bad_entries(void **state)
{
	const char *no_eq[] = { "A=1", "NOPE" };
	const char *only_eq[] = { "=" };
	const char *null_entry[] = { NULL };
	const char *bad_utf8[] = { "A=\xFF" };
	uint16_t *block = (uint16_t *)1;
	long live = wsb__alloc_live();

	(void)state;
	assert_int_equal(wsb__env_block_utf16(&block, NULL, no_eq, 2), WSB_EINVAL);
	assert_null(block);
	assert_int_equal(wsb__env_block_utf16(&block, NULL, only_eq, 1), WSB_EINVAL);
	assert_int_equal(wsb__env_block_utf16(&block, NULL, null_entry, 1), WSB_EINVAL);
	assert_int_equal(wsb__env_block_utf16(&block, NULL, bad_utf8, 1), WSB_EUTF8);
	assert_int_equal(wsb__alloc_live(), live);
}

static void block_entry_length_limit(void **state)
{
	static char big[32770];
	const char *entries[] = { big };
	uint16_t *block = NULL;
	size_t len = 0;

	(void)state;
	/* "V=" + 32764 = 32766 units + NUL = 32767: the largest accepted. */
	memcpy(big, "V=", 2);
	memset(big + 2, 'x', 32764);
	big[32766] = '\0';
	assert_int_equal(wsb__env_block_utf16(&block, &len, entries, 1), WSB_OK);
	assert_int_equal(len, 32768);
	wsb__free(block);
	big[32766] = 'x';
	big[32767] = '\0';
	assert_int_equal(wsb__env_block_utf16(&block, &len, entries, 1), WSB_ETOOLONG);
}

static void block_survives_out_of_memory(void **state)
{
	const char *entries[] = { "B=2", "a=1", "=C:=C:\\" };
	long live = wsb__alloc_live();
	unsigned long n;

	(void)state;
	for (n = 1; n < 12; n++) {
		uint16_t *block = NULL;
		int rc;
		wsb__alloc_fail_after(n);
		rc = wsb__env_block_utf16(&block, NULL, entries, 3);
		wsb__alloc_fail_after(0);
		assert_true(rc == WSB_OK || rc == WSB_ENOMEM);
		wsb__free(block);
		assert_int_equal(wsb__alloc_live(), live);
	}
}

static void build_survives_out_of_memory(void **state)
{
	struct fixture f;
	long live = wsb__alloc_live();
	unsigned long n;

	(void)state;
	init(&f, WSB_ENV_INHERIT);
	add_op(&f, "PATH", "x");
	add_op(&f, "HOME", NULL);
	for (n = 1; n < 16; n++) {
		wsb__strvec v = WSB__STRVEC_INIT;
		int rc;
		wsb__alloc_fail_after(n);
		rc = wsb__env_build(&v, &f.policy, base, keep, NULL, 1);
		wsb__alloc_fail_after(0);
		assert_true(rc == WSB_OK || rc == WSB_ENOMEM);
		if (rc)
			assert_int_equal(v.count, 0);
		wsb__strvec_dispose(&v);
		assert_int_equal(wsb__alloc_live(), live);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inherit_keeps_the_base_in_order),
		cmocka_unit_test(clear_keeps_only_the_keep_list),
		cmocka_unit_test(clear_with_case_sensitive_names_needs_exact_case),
		cmocka_unit_test(set_replaces_case_insensitively_in_place),
		cmocka_unit_test(set_on_posix_is_case_sensitive),
		cmocka_unit_test(unset_removes_every_spelling),
		cmocka_unit_test(operations_apply_in_order),
		cmocka_unit_test(extra_entries_win_over_the_policy),
		cmocka_unit_test(duplicates_in_the_base_resolve_to_the_last),
		cmocka_unit_test(base_entries_without_a_name_are_dropped),
		cmocka_unit_test(bad_input_leaves_out_untouched),
		cmocka_unit_test(valid_names_follow_the_platform),
		cmocka_unit_test(empty_block_is_two_nuls),
		cmocka_unit_test(block_layout_is_entries_nul_and_a_final_nul),
		cmocka_unit_test(block_is_sorted_by_upper_cased_name),
		cmocka_unit_test(drive_entries_come_first),
		cmocka_unit_test(block_duplicates_keep_the_last),
		cmocka_unit_test(block_value_may_hold_equals_and_be_empty),
		cmocka_unit_test(block_rejects_bad_entries),
		cmocka_unit_test(block_entry_length_limit),
		cmocka_unit_test(block_survives_out_of_memory),
		cmocka_unit_test(build_survives_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
