/* The OS-call seam: entries swap by name, reset restores them, the fault
 * hook fails exactly the chosen call, counters count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"

static DWORD WINAPI fake_attributes(LPCWSTR name)
{
	(void)name;
	return FILE_ATTRIBUTE_DIRECTORY;
}

static int teardown(void **state)
{
	(void)state;
	wsb__os_reset();
	return 0;
}

static void every_entry_has_a_name_and_a_default(void **state)
{
	size_t i;

	(void)state;
	assert_true(wsb__os_count() > 50);
	for (i = 0; i < wsb__os_count(); i++) {
		const char *name = wsb__os_name(i);
		assert_non_null(name);
		assert_non_null(wsb__os_default(name));
		assert_ptr_equal(wsb__os_get(name), wsb__os_default(name));
	}
	assert_null(wsb__os_name(wsb__os_count()));
}

static void an_entry_is_swapped_by_name_and_restored_by_null(void **state)
{
	int dir = 0;

	(void)state;
	assert_int_equal(wsb__os_set("GetFileAttributesW", (wsb__os_fn)fake_attributes), 0);
	assert_int_equal(wsb__w32_stat(&dir, "C:\\no\\such\\thing"), 1);
	assert_int_equal(dir, 1);
	assert_int_equal(wsb__os_set("GetFileAttributesW", NULL), 0);
	assert_int_equal(wsb__w32_stat(&dir, "C:\\no\\such\\thing"), 0);
}

static void an_unknown_name_is_refused(void **state)
{
	(void)state;
	assert_int_equal(wsb__os_set("NoSuchFunctionW", (wsb__os_fn)fake_attributes), -1);
	assert_null(wsb__os_get("NoSuchFunctionW"));
	assert_int_equal(wsb__os_faultable("NoSuchFunctionW"), 0);
}

static void reset_restores_every_entry(void **state)
{
	(void)state;
	wsb__os_set("GetFileAttributesW", (wsb__os_fn)fake_attributes);
	wsb__os_reset();
	assert_ptr_equal(wsb__os_get("GetFileAttributesW"), wsb__os_default("GetFileAttributesW"));
}

static int fail_second(const char *name, unsigned long index, void *ctx)
{
	(void)name;
	(void)ctx;
	return index == 2;
}

static void the_hook_fails_exactly_the_chosen_call_with_the_fault_error(void **state)
{
	HANDLE a, b;

	(void)state;
	wsb__os_set_hook(fail_second, NULL);
	a = WSB_OS(CreateEventW)(NULL, TRUE, FALSE, NULL);
	b = WSB_OS(CreateEventW)(NULL, TRUE, FALSE, NULL);
	assert_non_null(a);
	assert_null(b);
	assert_int_equal(GetLastError(), WSB__OS_FAULT_ERROR);
	assert_string_equal(wsb__os_last_fault(), "CreateEventW");
	/* Release functions are never failed: cleanup must always work. */
	assert_int_equal(wsb__os_faultable("CloseHandle"), 0);
	assert_true(WSB_OS(CloseHandle)(a));
	wsb__os_set_hook(NULL, NULL);
}

static void failed_calls_return_each_functions_failure_value(void **state)
{
	PACL dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;

	(void)state;
	wsb__os_set_hook(fail_second, NULL);
	assert_int_equal(WSB_OS(GetFileAttributesW)(L"C:\\"), FILE_ATTRIBUTE_DIRECTORY);
	assert_int_equal(WSB_OS(GetNamedSecurityInfoW)(L"C:\\", SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
		NULL, NULL, &dacl, NULL, &sd), WSB__OS_FAULT_ERROR);
	wsb__os_set_hook(NULL, NULL);
}

static void counters_count_calls_per_entry(void **state)
{
	(void)state;
	wsb__os_reset_counts();
	WSB_OS(GetFileAttributesW)(L"C:\\");
	WSB_OS(GetFileAttributesW)(L"C:\\windows");
	assert_int_equal(wsb__os_calls("GetFileAttributesW"), 2);
	assert_int_equal(wsb__os_calls("CreateFileW"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(every_entry_has_a_name_and_a_default, teardown),
		cmocka_unit_test_teardown(an_entry_is_swapped_by_name_and_restored_by_null, teardown),
		cmocka_unit_test_teardown(an_unknown_name_is_refused, teardown),
		cmocka_unit_test_teardown(reset_restores_every_entry, teardown),
		cmocka_unit_test_teardown(the_hook_fails_exactly_the_chosen_call_with_the_fault_error, teardown),
		cmocka_unit_test_teardown(failed_calls_return_each_functions_failure_value, teardown),
		cmocka_unit_test_teardown(counters_count_calls_per_entry, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
