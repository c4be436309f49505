/* Windows command lines: MSVCRT quoting proven by round trip through the
 * CommandLineToArgvW-style parser, the documented parsing examples, and
 * cmd.exe escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/common.h"
#include "core/quote.h"

static char *quote(const char *const *argv, size_t count)
{
	char *line = NULL;

	assert_int_equal(wsb__quote_argv(&line, argv, count), WSB_OK);
	assert_non_null(line);
	return line;
}

static void assert_parses_to(const char *cmdline, const char *const *expect, size_t count)
{
	char **argv = NULL;
	size_t n = 99, i;

	assert_int_equal(wsb__argv_parse(&argv, &n, cmdline), WSB_OK);
	assert_int_equal(n, count);
	for (i = 0; i < count; i++)
		assert_string_equal(argv[i], expect[i]);
	assert_null(argv[count]);
	wsb__argv_free(argv);
}

static void assert_round_trip(const char *const *argv, size_t count)
{
	char *line = quote(argv, count);

	assert_parses_to(line, argv, count);
	wsb__free(line);
}

static void plain_arguments_are_not_quoted(void **state)
{
	const char *argv[] = { "prog", "a", "b\\c", "--x=1" };
	char *line;

	(void)state;
	line = quote(argv, 4);
	assert_string_equal(line, "prog a b\\c --x=1");
	wsb__free(line);
}

static void empty_argument_becomes_two_quotes(void **state)
{
	const char *argv[] = { "prog", "", "x", "" };
	char *line;

	(void)state;
	line = quote(argv, 4);
	assert_string_equal(line, "prog \"\" x \"\"");
	wsb__free(line);
	assert_round_trip(argv, 4);
}

static void whitespace_and_quotes_force_quoting(void **state)
{
	const char *argv[] = { "p", "a b", "a\tb", "a\nb", "a\vb", "a\"b" };
	char *line;

	(void)state;
	line = quote(argv, 6);
	assert_string_equal(line, "p \"a b\" \"a\tb\" \"a\nb\" \"a\vb\" \"a\\\"b\"");
	wsb__free(line);
	assert_round_trip(argv, 6);
}

static void backslashes_double_only_before_a_quote(void **state)
{
	/* a b"c\  ->  "a b\"c\\"   (trailing backslash doubled before the
	 * closing quote; the inner quote escaped; the inner backslash of
	 * x\y left alone). */
	const char *argv[] = { "p", "a b\"c\\", "x\\y z", "\\\\\"", "q\\\\ r\\\\" };
	char *line;

	(void)state;
	line = quote(argv, 5);
	assert_string_equal(line,
		"p \"a b\\\"c\\\\\" \"x\\y z\" \"\\\\\\\\\\\"\" \"q\\\\ r\\\\\\\\\"");
	wsb__free(line);
	assert_round_trip(argv, 5);
}

static void trailing_backslash_without_quoting_stays_single(void **state)
{
	const char *argv[] = { "p", "C:\\dir\\", "C:\\a dir\\" };
	char *line;

	(void)state;
	line = quote(argv, 3);
	assert_string_equal(line, "p C:\\dir\\ \"C:\\a dir\\\\\"");
	wsb__free(line);
	assert_round_trip(argv, 3);
}

static void program_name_is_quoted_without_escapes(void **state)
{
	const char *argv[] = { "C:\\Program Files\\x\\", "y" };
	char *line;

	(void)state;
	line = quote(argv, 2);
	/* argv[0] has no backslash processing, so its trailing backslash
	 * must not be doubled. */
	assert_string_equal(line, "\"C:\\Program Files\\x\\\" y");
	wsb__free(line);
	assert_round_trip(argv, 2);
}

static void program_name_with_a_quote_is_refused(void **state)
{
	const char *argv[] = { "a\"b", "y" };
	char *line = (char *)1;

	(void)state;
	assert_int_equal(wsb__quote_argv(&line, argv, 2), WSB_EINVAL);
	assert_null(line);
	assert_non_null(strstr(wsb_error_message(NULL), "argv[0]"));
}

static void empty_program_name_round_trips(void **state)
{
	const char *argv[] = { "", "a" };
	char *line;

	(void)state;
	line = quote(argv, 2);
	assert_string_equal(line, "\"\" a");
	wsb__free(line);
	assert_round_trip(argv, 2);
}

static void bad_arguments_are_rejected(void **state)
{
	const char *nul_arg[] = { "p", NULL };
	const char *bad_utf8[] = { "p", "\xC0\xAF" };
	char *line = NULL;

	(void)state;
	assert_int_equal(wsb__quote_argv(&line, nul_arg, 2), WSB_EINVAL);
	assert_int_equal(wsb__quote_argv(&line, bad_utf8, 2), WSB_EUTF8);
	assert_int_equal(wsb__quote_argv(&line, nul_arg, 0), WSB_EINVAL);
	assert_int_equal(wsb__quote_argv(NULL, bad_utf8, 1), WSB_EINVAL);
	assert_null(line);
}

static void command_line_longer_than_windows_takes_is_refused(void **state)
{
	static char big[WSB__CMDLINE_MAX];
	const char *argv[] = { "p", big };
	char *line = NULL;

	(void)state;
	/* "p " + arg = 32766 units + NUL = 32767: fits exactly. */
	memset(big, 'x', WSB__CMDLINE_MAX - 3);
	big[WSB__CMDLINE_MAX - 3] = '\0';
	assert_int_equal(wsb__quote_argv(&line, argv, 2), WSB_OK);
	assert_int_equal(strlen(line), WSB__CMDLINE_MAX - 1);
	wsb__free(line);
	big[WSB__CMDLINE_MAX - 3] = 'x';
	big[WSB__CMDLINE_MAX - 2] = '\0';
	assert_int_equal(wsb__quote_argv(&line, argv, 2), WSB_ETOOLONG);
	assert_null(line);
}

static void length_limit_counts_utf16_units_not_bytes(void **state)
{
	/* U+20AC is 3 bytes but 1 unit: 10000 of them (30000 bytes) fit. */
	static char big[3 * 10000 + 1];
	const char *argv[] = { "p", big };
	char *line = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		memcpy(big + 3 * i, "\xE2\x82\xAC", 3);
	assert_int_equal(wsb__quote_argv(&line, argv, 2), WSB_OK);
	wsb__free(line);
}

/* The examples of Microsoft's "Parsing C Command-Line Arguments" page, with
 * a program name in front. */
static void microsoft_example_quoted_string_is_one_argument(void **state)
{
	const char *expect[] = { "p", "a b c", "d", "e" };

	(void)state;
	assert_parses_to("p \"a b c\" d e", expect, 4);
}

static void microsoft_example_escaped_quote_and_lone_backslash(void **state)
{
	const char *expect[] = { "p", "ab\"c", "\\", "d" };

	(void)state;
	assert_parses_to("p \"ab\\\"c\" \"\\\\\" d", expect, 4);
}

static void microsoft_example_backslashes_literal_without_quote(void **state)
{
	const char *expect[] = { "p", "a\\\\\\b", "de fg", "h" };

	(void)state;
	assert_parses_to("p a\\\\\\b d\"e f\"g h", expect, 4);
}

static void microsoft_example_odd_backslashes_escape_quote(void **state)
{
	/* a\\\"b -> a\"b */
	const char *expect[] = { "p", "a\\\"b", "c", "d" };

	(void)state;
	assert_parses_to("p a\\\\\\\"b c d", expect, 4);
}

static void microsoft_example_even_backslashes_open_quotes(void **state)
{
	/* a\\\\"b c" d e -> a\\b c */
	const char *expect[] = { "p", "a\\\\b c", "d", "e" };

	(void)state;
	assert_parses_to("p a\\\\\\\\\"b c\" d e", expect, 4);
}

static void doubled_quote_inside_quotes_is_literal_and_stays_quoted(void **state)
{
	/* The post-2008 MSVCRT rule this parser follows: a"b"" c d -> ab" c d
	 * (older runtimes and CommandLineToArgvW end the quotes there). */
	const char *expect[] = { "p", "ab\" c d" };

	(void)state;
	assert_parses_to("p a\"b\"\" c d", expect, 2);
}

static void program_name_takes_no_escapes(void **state)
{
	const char *quoted[] = { "C:\\a b\\", "x" };
	const char *plain[] = { "a\\\"b", "c" };

	(void)state;
	assert_parses_to("\"C:\\a b\\\" x", quoted, 2);
	/* Unquoted: up to the next blank, backslashes and quotes as they are. */
	assert_parses_to("a\\\"b c", plain, 2);
}

static void program_name_ends_at_its_closing_quote(void **state)
{
	const char *expect[] = { "a", "b", "c" };

	(void)state;
	assert_parses_to("\"a\"b c", expect, 3);
}

static void leading_blank_gives_empty_program_name(void **state)
{
	const char *expect[] = { "", "a" };

	(void)state;
	assert_parses_to(" a", expect, 2);
}

static void empty_command_line_has_no_arguments(void **state)
{
	(void)state;
	assert_parses_to("", NULL, 0);
}

static void trailing_blanks_add_no_argument(void **state)
{
	const char *expect[] = { "p", "a" };

	(void)state;
	assert_parses_to("p \t a \t ", expect, 2);
}

static void unterminated_quote_runs_to_the_end(void **state)
{
	const char *expect[] = { "p", "a b " };

	(void)state;
	assert_parses_to("p \"a b ", expect, 2);
}

/* Every string of up to five characters over the characters that matter,
 * as the only argument and next to a neighbour. */
static void exhaustive_short_arguments_round_trip(void **state)
{
	static const char alphabet[] = { 'a', ' ', '"', '\\', '\t' };
	char arg[8];
	size_t len, k, idx[8];

	(void)state;
	for (len = 0; len <= 5; len++) {
		memset(idx, 0, sizeof(idx));
		for (;;) {
			const char *one[] = { "p", arg };
			const char *two[] = { "p", arg, arg, "\\" };
			for (k = 0; k < len; k++)
				arg[k] = alphabet[idx[k]];
			arg[len] = '\0';
			assert_round_trip(one, 2);
			assert_round_trip(two, 4);
			for (k = 0; k < len && ++idx[k] == sizeof(alphabet); k++)
				idx[k] = 0;
			if (k == len)
				break;
		}
	}
}

/* A fixed pseudo-random generator, so failures reproduce. */
static uint64_t rng_state = 12345;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static void generated_argvs_round_trip(void **state)
{
	static const char *const pieces[] = {
		"a", " ", "\t", "\"", "\\", "\\\\", "\\\"", "\"\"", "\n", "\v",
		"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "^", "&", "%", "=",
		"'", "b\"c\\", ""
	};
	static const char *const prog_pieces[] = {
		"C:", "\\", "a", " ", "Program Files", "\xC3\xA9", "\t", "x.exe"
	};
	char args[6][64];
	const char *argv[6];
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		size_t count = 1 + rnd(5), i, n;
		for (i = 0; i < count; i++) {
			const char *const *set = i ? pieces : prog_pieces;
			size_t setn = i ? WSB__ARRAY_SIZE(pieces) : WSB__ARRAY_SIZE(prog_pieces);
			args[i][0] = '\0';
			for (n = rnd(6); n > 0; n--) {
				const char *piece = set[rnd((unsigned)setn)];
				if (strlen(args[i]) + strlen(piece) < sizeof(args[i]))
					strcat(args[i], piece);
			}
			argv[i] = args[i];
		}
		assert_round_trip(argv, count);
	}
}

static void only_quotes_round_trip(void **state)
{
	const char *argv[] = { "p", "\"", "\"\"", "\"\"\"", "\" \"", "\\\"\\" };

	(void)state;
	assert_round_trip(argv, 6);
}

static void quote_arg_appends_to_the_buffer(void **state)
{
	wsb__buf b = WSB__BUF_INIT;

	(void)state;
	wsb__buf_puts(&b, "x ");
	assert_int_equal(wsb__quote_arg(&b, "a b"), WSB_OK);
	assert_string_equal(b.ptr, "x \"a b\"");
	assert_int_equal(wsb__quote_arg(&b, "\xFF"), WSB_EUTF8);
	assert_string_equal(b.ptr, "x \"a b\"");
	wsb__buf_dispose(&b);
}

static void cmd_metacharacters_get_a_caret(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(wsb__quote_cmd(&out, "echo \"a&b\" | x (y) %P% !Q! ^ <i >o"), WSB_OK);
	assert_string_equal(out,
		"echo ^\"a^&b^\" ^| x ^(y^) ^%P^% ^!Q^! ^^ ^<i ^>o");
	wsb__free(out);
}

static void cmd_plain_text_is_unchanged(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(wsb__quote_cmd(&out, "dir C:\\x /b"), WSB_OK);
	assert_string_equal(out, "dir C:\\x /b");
	wsb__free(out);
	assert_int_equal(wsb__quote_cmd(&out, ""), WSB_OK);
	assert_string_equal(out, "");
	wsb__free(out);
}

static void cmd_refuses_line_breaks(void **state)
{
	char *out = (char *)1;

	(void)state;
	assert_int_equal(wsb__quote_cmd(&out, "echo a\nformat c:"), WSB_EINVAL);
	assert_null(out);
	assert_int_equal(wsb__quote_cmd(&out, "echo a\rb"), WSB_EINVAL);
	assert_int_equal(wsb__quote_cmd(&out, "\xED\xA0\x80"), WSB_EUTF8);
}

static void out_of_memory_fails_cleanly_at_every_step(void **state)
{
	const char *argv[] = { "C:\\p q\\x.exe", "a b\"c\\", "", "d" };
	unsigned long n;
	long live = wsb__alloc_live();

	(void)state;
	for (n = 1; n < 64; n++) {
		char *line = NULL, **parsed = NULL;
		int rc;
		wsb__alloc_fail_after(n);
		rc = wsb__quote_argv(&line, argv, 4);
		if (rc == WSB_OK) {
			rc = wsb__argv_parse(&parsed, NULL, line);
			wsb__argv_free(parsed);
		}
		wsb__alloc_fail_after(0);
		wsb__free(line);
		assert_true(rc == WSB_OK || rc == WSB_ENOMEM);
		assert_int_equal(wsb__alloc_live(), live);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_arguments_are_not_quoted),
		cmocka_unit_test(empty_argument_becomes_two_quotes),
		cmocka_unit_test(whitespace_and_quotes_force_quoting),
		cmocka_unit_test(backslashes_double_only_before_a_quote),
		cmocka_unit_test(trailing_backslash_without_quoting_stays_single),
		cmocka_unit_test(program_name_is_quoted_without_escapes),
		cmocka_unit_test(program_name_with_a_quote_is_refused),
		cmocka_unit_test(empty_program_name_round_trips),
		cmocka_unit_test(bad_arguments_are_rejected),
		cmocka_unit_test(command_line_longer_than_windows_takes_is_refused),
		cmocka_unit_test(length_limit_counts_utf16_units_not_bytes),
		cmocka_unit_test(microsoft_example_quoted_string_is_one_argument),
		cmocka_unit_test(microsoft_example_escaped_quote_and_lone_backslash),
		cmocka_unit_test(microsoft_example_backslashes_literal_without_quote),
		cmocka_unit_test(microsoft_example_odd_backslashes_escape_quote),
		cmocka_unit_test(microsoft_example_even_backslashes_open_quotes),
		cmocka_unit_test(doubled_quote_inside_quotes_is_literal_and_stays_quoted),
		cmocka_unit_test(program_name_takes_no_escapes),
		cmocka_unit_test(program_name_ends_at_its_closing_quote),
		cmocka_unit_test(leading_blank_gives_empty_program_name),
		cmocka_unit_test(empty_command_line_has_no_arguments),
		cmocka_unit_test(trailing_blanks_add_no_argument),
		cmocka_unit_test(unterminated_quote_runs_to_the_end),
		cmocka_unit_test(exhaustive_short_arguments_round_trip),
		cmocka_unit_test(generated_argvs_round_trip),
		cmocka_unit_test(only_quotes_round_trip),
		cmocka_unit_test(quote_arg_appends_to_the_buffer),
		cmocka_unit_test(cmd_metacharacters_get_a_caret),
		cmocka_unit_test(cmd_plain_text_is_unchanged),
		cmocka_unit_test(cmd_refuses_line_breaks),
		cmocka_unit_test(out_of_memory_fails_cleanly_at_every_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
