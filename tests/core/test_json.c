/* The JSON writer: escaping, commas, nesting limits, misuse, names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/json.h"

static char *finish_ok(wsb__json *j)
{
	char *out = NULL;

	assert_int_equal(wsb__json_finish(&out, j), WSB_OK);
	assert_non_null(out);
	return out;
}

static void expect_doc(wsb__json *j, const char *want)
{
	char *out = finish_ok(j);

	assert_string_equal(out, want);
	wsb__free(out);
}

static void commas_are_inserted_between_members_and_elements(void **state)
{
	wsb__json j;

	(void)state;
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_string(&j, "a", "x");
	wsb__json_kv_u64(&j, "b", 18446744073709551615ull);
	wsb__json_key(&j, "c");
	wsb__json_array_begin(&j);
	wsb__json_i64(&j, -9223372036854775807ll - 1);
	wsb__json_bool(&j, 1);
	wsb__json_bool(&j, 0);
	wsb__json_null(&j);
	wsb__json_array_begin(&j);
	wsb__json_array_end(&j);
	wsb__json_object_begin(&j);
	wsb__json_object_end(&j);
	wsb__json_array_end(&j);
	wsb__json_kv_i64(&j, "d", 0);
	wsb__json_object_end(&j);
	expect_doc(&j, "{\"a\":\"x\",\"b\":18446744073709551615,"
		"\"c\":[-9223372036854775808,true,false,null,[],{}],\"d\":0}");
}

static void strings_are_escaped_per_rfc8259(void **state)
{
	wsb__json j;

	(void)state;
	wsb__json_init(&j);
	wsb__json_string(&j, "q\" b\\ /\b\f\n\r\t\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x98\x80");
	expect_doc(&j, "\"q\\\" b\\\\ /\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9 \xf0\x9f\x98\x80\"");
}

static void embedded_nul_is_written_as_an_escape(void **state)
{
	wsb__json j;

	(void)state;
	wsb__json_init(&j);
	wsb__json_string_n(&j, "a\0b", 3);
	expect_doc(&j, "\"a\\u0000b\"");
}

static void keys_are_escaped_too(void **state)
{
	wsb__json j;

	(void)state;
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_bool(&j, "k\"\n", 1);
	wsb__json_object_end(&j);
	expect_doc(&j, "{\"k\\\"\\n\":true}");
}

static void null_string_is_written_as_null(void **state)
{
	wsb__json j;

	(void)state;
	wsb__json_init(&j);
	wsb__json_array_begin(&j);
	wsb__json_string(&j, NULL);
	wsb__json_raw(&j, "{\"x\":1}");
	wsb__json_array_end(&j);
	expect_doc(&j, "[null,{\"x\":1}]");
}

static void invalid_utf8_fails_the_document(void **state)
{
	wsb__json j;
	char *out = (char *)1;

	(void)state;
	wsb__json_init(&j);
	wsb__json_array_begin(&j);
	wsb__json_string(&j, "ok");
	wsb__json_string(&j, "bad \xc0\xaf overlong");
	wsb__json_array_end(&j);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EUTF8);
	assert_null(out);
	assert_true(strlen(wsb_error_message(NULL)) > 0);
}

static void nesting_past_the_limit_is_refused(void **state)
{
	wsb__json j;
	char *out;
	int i;

	(void)state;
	wsb__json_init(&j);
	for (i = 0; i < WSB__JSON_MAX_DEPTH; i++)
		wsb__json_array_begin(&j);
	for (i = 0; i < WSB__JSON_MAX_DEPTH; i++)
		wsb__json_array_end(&j);
	out = finish_ok(&j);
	assert_int_equal(strlen(out), 2 * WSB__JSON_MAX_DEPTH);
	wsb__free(out);

	wsb__json_init(&j);
	for (i = 0; i <= WSB__JSON_MAX_DEPTH; i++)
		wsb__json_array_begin(&j);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	assert_null(out);
}

static void misuse_is_reported_not_written(void **state)
{
	wsb__json j;
	char *out;

	(void)state;
	/* value without a key inside an object */
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_u64(&j, 1);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	/* key inside an array */
	wsb__json_init(&j);
	wsb__json_array_begin(&j);
	wsb__json_key(&j, "k");
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	/* mismatched end */
	wsb__json_init(&j);
	wsb__json_array_begin(&j);
	wsb__json_object_end(&j);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	/* key without value */
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_key(&j, "k");
	wsb__json_object_end(&j);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	/* unclosed */
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	/* two top-level values */
	wsb__json_init(&j);
	wsb__json_u64(&j, 1);
	wsb__json_u64(&j, 2);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	/* nothing at all */
	wsb__json_init(&j);
	assert_int_equal(wsb__json_finish(&out, &j), WSB_EINVAL);
	assert_null(out);
}

static void protections_are_named_and_unknown_bits_kept(void **state)
{
	wsb__json j;

	(void)state;
	wsb__json_init(&j);
	wsb__json_protections(&j, WSB_PROT_FS_WRITE | WSB_PROT_NETWORK | WSB_PROT_PRIVATE_DESKTOP |
		(1u << 20) | (1u << 5));
	expect_doc(&j, "[\"fs_write\",\"network\",\"process_tree\",\"private_desktop\",\"bit20\"]");
	wsb__json_init(&j);
	wsb__json_protections(&j, 0);
	expect_doc(&j, "[]");
}

static void every_protection_bit_has_a_distinct_name(void **state)
{
	unsigned int a, b;

	(void)state;
	for (a = 1; a <= WSB_PROT_PRIVATE_DESKTOP; a <<= 1) {
		assert_non_null(wsb__protection_name(a));
		for (b = a << 1; b <= WSB_PROT_PRIVATE_DESKTOP; b <<= 1)
			assert_string_not_equal(wsb__protection_name(a), wsb__protection_name(b));
	}
	assert_null(wsb__protection_name(WSB_PROT_PRIVATE_DESKTOP << 1));
	assert_null(wsb__protection_name(3));
}

static void enum_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(wsb__mode_name(WSB_MODE_WORKSPACE_WRITE), "workspace_write");
	assert_string_equal(wsb__mode_name(7), "unknown");
	assert_string_equal(wsb__limit_name(WSB_LIMIT_CPU_TIME), "cpu_time");
	assert_string_equal(wsb__limit_name(-1), "unknown");
	assert_string_equal(wsb__exit_kind_name(WSB_EXIT_TIMEOUT), "timeout");
	assert_string_equal(wsb__exit_kind_name(99), "unknown");
	assert_string_equal(wsb__network_name(WSB_NETWORK_OFF), "off");
	assert_string_equal(wsb__env_mode_name(WSB_ENV_CLEAR), "clear");
	assert_string_equal(wsb__rule_name(WSB_RULE_GITDIR), "gitdir");
	assert_string_equal(wsb__policy_flag_name(WSB_POLICY_NO_TEMP_WRITE), "no_temp_write");
	assert_null(wsb__policy_flag_name(1u << 5));
}

static void u64_text_covers_the_extremes(void **state)
{
	char buf[WSB__U64_STR_SIZE];

	(void)state;
	assert_string_equal(wsb__u64_str(buf, 0), "0");
	assert_string_equal(wsb__u64_str(buf, 18446744073709551615ull), "18446744073709551615");
}

static void failed_allocation_fails_the_document_without_leaks(void **state)
{
	long live = wsb__alloc_live();
	unsigned long n;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		wsb__json j;
		char *out = NULL;
		int i;

		wsb__json_init(&j);
		wsb__alloc_fail_after(n);
		wsb__json_array_begin(&j);
		for (i = 0; i < 200; i++)
			wsb__json_string(&j, "a fairly long string to make the buffer grow");
		wsb__json_array_end(&j);
		rc = wsb__json_finish(&out, &j);
		wsb__alloc_fail_after(0);
		assert_int_equal(wsb__alloc_live(), live + (rc == WSB_OK));
		if (rc == WSB_OK) {
			wsb__free(out);
			break;
		}
		assert_int_equal(rc, WSB_ENOMEM);
		assert_null(out);
	}
	assert_true(n > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commas_are_inserted_between_members_and_elements),
		cmocka_unit_test(strings_are_escaped_per_rfc8259),
		cmocka_unit_test(embedded_nul_is_written_as_an_escape),
		cmocka_unit_test(keys_are_escaped_too),
		cmocka_unit_test(null_string_is_written_as_null),
		cmocka_unit_test(invalid_utf8_fails_the_document),
		cmocka_unit_test(nesting_past_the_limit_is_refused),
		cmocka_unit_test(misuse_is_reported_not_written),
		cmocka_unit_test(protections_are_named_and_unknown_bits_kept),
		cmocka_unit_test(every_protection_bit_has_a_distinct_name),
		cmocka_unit_test(enum_names_are_stable),
		cmocka_unit_test(u64_text_covers_the_extremes),
		cmocka_unit_test(failed_allocation_fails_the_document_without_leaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
