/* The per-thread error state, the allocator hooks and the error strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/common.h"
#include "core/utf.h"

static void last_error_is_never_null_and_starts_as_no_error(void **state)
{
	(void)state;
	wsb_error_clear();
	assert_non_null(wsb_error_last());
	assert_int_equal(wsb_error_code(NULL), WSB_OK);
	assert_string_equal(wsb_error_message(NULL), "no error");
	assert_int_equal(wsb_error_os(NULL), 0);
}

static void error_records_code_message_and_os_error(void **state)
{
	int rc;

	(void)state;
	rc = wsb__error_os(WSB_EOS, 5, "CreateFileW(%s) failed", "C:\\x");
	assert_int_equal(rc, WSB_EOS);
	assert_int_equal(wsb_error_code(wsb_error_last()), WSB_EOS);
	assert_string_equal(wsb_error_message(wsb_error_last()), "CreateFileW(C:\\x) failed");
	assert_int_equal(wsb_error_os(wsb_error_last()), 5);
}

static void out_of_memory_error_needs_no_allocation(void **state)
{
	(void)state;
	wsb__alloc_fail_after(1);
	assert_null(wsb__strdup("x"));
	assert_int_equal(wsb__error_nomem(), WSB_ENOMEM);
	assert_string_equal(wsb_error_message(NULL), "out of memory");
	wsb__alloc_fail_after(0);
}

static void long_messages_are_truncated_not_overflowed(void **state)
{
	char big[4000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wsb__error(WSB_EPATH, "bad path %s", big);
	assert_true(strlen(wsb_error_message(NULL)) < sizeof(big));
	assert_memory_equal(wsb_error_message(NULL), "bad path aaa", 12);
}

/* The message is documented as UTF-8: a cut must not split a character,
 * whatever the offset of the cut within a multibyte sequence. */
static void truncation_never_splits_a_utf8_sequence(void **state)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
	char big[4000];
	size_t c, shift, i;

	(void)state;
	for (c = 0; c < 3; c++) {
		size_t w = strlen(chars[c]);

		for (shift = 0; shift < w; shift++) {
			const char *msg;

			memset(big, 'a', shift);
			for (i = shift; i + w < sizeof(big); i += w)
				memcpy(big + i, chars[c], w);
			big[i] = '\0';
			wsb__error(WSB_EPATH, "%s", big);
			msg = wsb_error_message(NULL);
			assert_true(strlen(msg) > 1000);
			assert_true(wsb__utf8_valid(msg, strlen(msg)));
		}
	}
}

static void every_code_has_its_own_string(void **state)
{
	int a, b;

	(void)state;
	for (a = WSB_EWORLDWRITABLE; a <= WSB_OK; a++) {
		assert_string_not_equal(wsb_strerror(a), "unknown error code");
		for (b = a + 1; b <= WSB_OK; b++)
			assert_string_not_equal(wsb_strerror(a), wsb_strerror(b));
	}
	assert_string_equal(wsb_strerror(WSB_EWORLDWRITABLE - 1), "unknown error code");
	assert_string_equal(wsb_strerror(12345), "unknown error code");
}

static void allocator_cannot_change_after_first_allocation(void **state)
{
	wsb_allocator a = WSB_ALLOCATOR_INIT;
	char *p;

	(void)state;
	p = wsb__strdup("x");
	assert_non_null(p);
	wsb__free(p);
	assert_int_equal(wsb_set_allocator(&a), WSB_ESTATE);
	assert_int_equal(wsb_set_allocator(NULL), WSB_ESTATE);
}

static void buffer_grows_and_detaches(void **state)
{
	wsb__buf b = WSB__BUF_INIT;
	long live = wsb__alloc_live();
	char *s;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(wsb__buf_printf(&b, "%d,", i), WSB_OK);
	assert_memory_equal(b.ptr, "0,1,2,", 6);
	s = wsb__buf_detach(&b);
	assert_non_null(s);
	assert_int_equal(strlen(s), 3890);
	wsb__free(s);
	assert_int_equal(wsb__alloc_live(), live);
}

static void buffer_failure_is_sticky(void **state)
{
	wsb__buf b = WSB__BUF_INIT;

	(void)state;
	wsb__alloc_fail_after(1);
	assert_int_equal(wsb__buf_puts(&b, "abc"), WSB_ENOMEM);
	wsb__alloc_fail_after(0);
	assert_int_equal(wsb__buf_puts(&b, "def"), WSB_ENOMEM);
	assert_null(wsb__buf_detach(&b));
}

static void version_matches_header(void **state)
{
	(void)state;
	assert_int_equal(wsb_version_number(), WSB_VERSION_NUMBER);
	assert_non_null(strchr(wsb_version(), '.'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(last_error_is_never_null_and_starts_as_no_error),
		cmocka_unit_test(error_records_code_message_and_os_error),
		cmocka_unit_test(out_of_memory_error_needs_no_allocation),
		cmocka_unit_test(long_messages_are_truncated_not_overflowed),
		cmocka_unit_test(truncation_never_splits_a_utf8_sequence),
		cmocka_unit_test(every_code_has_its_own_string),
		cmocka_unit_test(allocator_cannot_change_after_first_allocation),
		cmocka_unit_test(buffer_grows_and_detaches),
		cmocka_unit_test(buffer_failure_is_sticky),
		cmocka_unit_test(version_matches_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
