/* Lexical path normalization, comparison and containment (lib/core/path.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/common.h"
#include "core/path.h"

#define WIN WSB__PATH_WIN
#define POSIX WSB__PATH_POSIX
#define STREAM WSB__PATH_ALLOW_STREAM
#define DEVICE WSB__PATH_ALLOW_DEVICE

static long live_before;

static int record_live(void **state)
{
	(void)state;
	live_before = wsb__alloc_live();
	return 0;
}

/* Every test must give back what it allocated. */
static int check_no_leak(void **state)
{
	(void)state;
	assert_int_equal(wsb__alloc_live(), live_before);
	return 0;
}

static void norm_is(const char *in, int flavor, unsigned int flags, const char *want)
{
	char *out = (char *)"untouched";
	int rc = wsb__path_normalize(&out, in, flavor, flags);

	if (rc != WSB_OK)
		fail_msg("normalize(%s) failed: %d %s", in, rc, wsb_error_message(NULL));
	assert_string_equal(out, want);
	wsb__free(out);
}

static void norm_fails(const char *in, int flavor, unsigned int flags, int code)
{
	char *out = (char *)"untouched";
	int rc = wsb__path_normalize(&out, in, flavor, flags);

	if (rc != code)
		fail_msg("normalize(%s): want %d, got %d (%s)", in, code, rc,
			rc == WSB_OK ? out : wsb_error_message(NULL));
	assert_null(out);
	assert_int_equal(wsb_error_code(NULL), code);
}

/* ---- Windows normalization ---- */

static void win_dotdot_removes_previous_component(void **state)
{
	(void)state;
	norm_is("C:\\a\\..\\b", WIN, 0, "C:\\b");
	norm_is("C:\\a\\b\\.\\..\\c", WIN, 0, "C:\\a\\c");
}

static void win_dotdot_stops_at_drive_root(void **state)
{
	(void)state;
	norm_is("C:\\..", WIN, 0, "C:\\");
	norm_is("C:\\..\\..\\x", WIN, 0, "C:\\x");
}

static void win_drive_letter_upper_cased_and_slashes_converted(void **state)
{
	(void)state;
	norm_is("c:/Work/Repo", WIN, 0, "C:\\Work\\Repo");
	norm_is("c:\\", WIN, 0, "C:\\");
}

static void win_repeated_and_trailing_separators_collapse(void **state)
{
	(void)state;
	norm_is("C:\\\\a//b\\/\\", WIN, 0, "C:\\a\\b");
	norm_is("C://", WIN, 0, "C:\\");
}

static void win_extended_drive_path_becomes_plain(void **state)
{
	(void)state;
	norm_is("\\\\?\\C:\\x", WIN, 0, "C:\\x");
	norm_is("\\\\?\\c:\\x\\", WIN, 0, "C:\\x");
	norm_is("\\\\?\\C:\\", WIN, 0, "C:\\");
}

static void win_unc_path_stays(void **state)
{
	(void)state;
	norm_is("\\\\server\\share\\x", WIN, 0, "\\\\server\\share\\x");
	norm_is("//server/share/x/", WIN, 0, "\\\\server\\share\\x");
	norm_is("\\\\server\\share\\", WIN, 0, "\\\\server\\share");
}

static void win_extended_unc_becomes_unc(void **state)
{
	(void)state;
	norm_is("\\\\?\\UNC\\server\\share\\x", WIN, 0, "\\\\server\\share\\x");
	norm_is("\\\\?\\unc\\server\\share", WIN, 0, "\\\\server\\share");
}

static void win_unc_needs_server_and_share(void **state)
{
	(void)state;
	norm_fails("\\\\server", WIN, 0, WSB_EPATH);
	norm_fails("\\\\server\\", WIN, 0, WSB_EPATH);
	norm_fails("\\\\\\share\\x", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\UNC\\server", WIN, 0, WSB_EPATH);
	norm_fails("\\\\..\\share", WIN, 0, WSB_EPATH);
}

static void win_dotdot_above_unc_share_is_an_error(void **state)
{
	(void)state;
	norm_is("\\\\srv\\share\\a\\..", WIN, 0, "\\\\srv\\share");
	norm_fails("\\\\srv\\share\\..", WIN, 0, WSB_EPATH);
	norm_fails("\\\\srv\\share\\a\\..\\..\\b", WIN, 0, WSB_EPATH);
}

static void win_trailing_dots_and_spaces_stripped_from_last_component(void **state)
{
	(void)state;
	norm_is("C:\\x\\file. .", WIN, 0, "C:\\x\\file");
	norm_is("C:\\x\\name.txt...", WIN, 0, "C:\\x\\name.txt");
}

static void win_trailing_dot_or_space_elsewhere_rejected(void **state)
{
	(void)state;
	norm_fails("C:\\x.\\y", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x \\y", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\y.\\", WIN, 0, WSB_EPATH);
}

static void win_popped_component_may_end_in_dot(void **state)
{
	(void)state;
	norm_is("C:\\x.\\..\\y", WIN, 0, "C:\\y");
}

static void win_components_of_only_dots_and_spaces_rejected(void **state)
{
	(void)state;
	norm_fails("C:\\x\\...", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\ \\y", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\.. ", WIN, 0, WSB_EPATH);
}

static void win_extended_path_rejects_what_windows_would_not_normalize(void **state)
{
	(void)state;
	norm_fails("\\\\?\\C:\\x.", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\x \\y", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\a\\..\\b", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\a\\.\\b", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\a\\\\b", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\\\b", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\a/b", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\C:\\x\\nul", WIN, 0, WSB_EPATH);
}

static void win_extended_prefix_with_forward_slashes_rejected(void **state)
{
	(void)state;
	norm_fails("//?/C:/x", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?/C:\\x", WIN, 0, WSB_EPATH);
}

static void win_stream_rejected_without_flag(void **state)
{
	(void)state;
	norm_fails("C:\\x\\file.txt:stream", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\file::$DATA", WIN, 0, WSB_EPATH);
	norm_fails("C:\\dir::$INDEX_ALLOCATION\\f", WIN, 0, WSB_EPATH);
}

static void win_stream_kept_with_flag(void **state)
{
	(void)state;
	norm_is("C:\\x\\file.txt:stream", WIN, STREAM, "C:\\x\\file.txt:stream");
	norm_is("c:/x/file::$DATA", WIN, STREAM, "C:\\x\\file::$DATA");
}

static void win_stream_must_be_last_and_well_formed(void **state)
{
	(void)state;
	norm_fails("C:\\dir::$INDEX_ALLOCATION\\f", WIN, STREAM, WSB_EPATH);
	norm_fails("C:\\x\\:s", WIN, STREAM, WSB_EPATH);
	norm_fails("C:\\x\\f:", WIN, STREAM, WSB_EPATH);
	norm_fails("C:\\x\\f:a:b:c", WIN, STREAM, WSB_EPATH);
}

static void win_device_names_rejected(void **state)
{
	(void)state;
	norm_fails("NUL", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\NUL", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\nul.txt", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\CON ", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\con\\y", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\Com1.log", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\lpt9", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\COM\xC2\xB9", WIN, 0, WSB_EPATH);
	norm_fails("C:\\x\\aux .c", WIN, 0, WSB_EPATH);
}

static void win_device_names_kept_with_flag(void **state)
{
	(void)state;
	norm_is("C:\\x\\nul.txt", WIN, DEVICE, "C:\\x\\nul.txt");
	norm_is("C:\\x\\CON ", WIN, DEVICE, "C:\\x\\CON");
}

static void win_names_that_only_look_like_devices_kept(void **state)
{
	(void)state;
	norm_is("C:\\x\\console", WIN, 0, "C:\\x\\console");
	norm_is("C:\\x\\COM10", WIN, 0, "C:\\x\\COM10");
	norm_is("C:\\x\\nullable.c", WIN, 0, "C:\\x\\nullable.c");
}

static void win_device_namespace_paths_need_flag(void **state)
{
	(void)state;
	norm_fails("\\\\.\\NUL", WIN, 0, WSB_EPATH);
	norm_fails("//./NUL", WIN, 0, WSB_EPATH);
	norm_fails("\\\\?\\Volume{1b3b}\\x", WIN, 0, WSB_EPATH);
	norm_is("\\\\.\\NUL", WIN, DEVICE, "\\\\.\\NUL");
	norm_is("//./pipe/x", WIN, DEVICE, "\\\\.\\pipe\\x");
	norm_is("\\\\?\\Volume{1b3b}\\x", WIN, DEVICE, "\\\\?\\Volume{1b3b}\\x");
	norm_fails("\\\\.\\", WIN, DEVICE, WSB_EPATH);
	norm_fails("\\\\.\\pipe\\..\\..", WIN, DEVICE, WSB_EPATH);
}

static void win_forbidden_characters_rejected(void **state)
{
	const char *bad[] = { "C:\\a<b", "C:\\a>b", "C:\\a\"b", "C:\\a|b", "C:\\a?b",
		"C:\\a*b", "C:\\a\x01" "b", "C:\\a\x1F" "b", "\\\\s|v\\share" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		norm_fails(bad[i], WIN, STREAM | DEVICE, WSB_EPATH);
}

static void win_relative_paths_rejected(void **state)
{
	(void)state;
	norm_fails("a\\b", WIN, 0, WSB_EPATH);
	norm_fails("C:a", WIN, 0, WSB_EPATH);
	norm_fails("C:", WIN, 0, WSB_EPATH);
	norm_fails("\\a", WIN, 0, WSB_EPATH);
	norm_fails("/a", WIN, 0, WSB_EPATH);
	norm_fails("..\\a", WIN, 0, WSB_EPATH);
	norm_fails("1:\\a", WIN, 0, WSB_EPATH);
	norm_fails("", WIN, 0, WSB_EPATH);
}

static void win_non_ascii_names_kept(void **state)
{
	(void)state;
	norm_is("C:\\Users\\J\xC3\xBCrgen\\\xE6\x96\x87", WIN, 0, "C:\\Users\\J\xC3\xBCrgen\\\xE6\x96\x87");
}

static void over_long_paths_rejected(void **state)
{
	char *p = wsb__malloc(WSB__PATH_MAX_WIN + 2);
	char *out;

	(void)state;
	assert_non_null(p);
	memcpy(p, "C:\\", 3);
	memset(p + 3, 'a', WSB__PATH_MAX_WIN - 3);
	p[WSB__PATH_MAX_WIN] = '\0';
	assert_int_equal(wsb__path_normalize(&out, p, WIN, 0), WSB_OK);
	wsb__free(out);
	p[WSB__PATH_MAX_WIN] = 'a';
	p[WSB__PATH_MAX_WIN + 1] = '\0';
	norm_fails(p, WIN, 0, WSB_ETOOLONG);

	p[0] = '/';
	memset(p + 1, 'a', WSB__PATH_MAX_POSIX - 1);
	p[WSB__PATH_MAX_POSIX] = '\0';
	assert_int_equal(wsb__path_normalize(&out, p, POSIX, 0), WSB_OK);
	wsb__free(out);
	p[WSB__PATH_MAX_POSIX] = 'a';
	p[WSB__PATH_MAX_POSIX + 1] = '\0';
	norm_fails(p, POSIX, 0, WSB_ETOOLONG);
	wsb__free(p);
}

static void invalid_utf8_rejected(void **state)
{
	(void)state;
	norm_fails("C:\\\xC3\x28", WIN, 0, WSB_EUTF8);
	norm_fails("C:\\\xC0\xAF", WIN, 0, WSB_EUTF8);
	norm_fails("C:\\\xED\xA0\x80", WIN, 0, WSB_EUTF8);
	norm_fails("/a\xFF", POSIX, 0, WSB_EUTF8);
	norm_fails("/a\xE6\x96", POSIX, 0, WSB_EUTF8);
}

static void bad_arguments_rejected(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(wsb__path_normalize(NULL, "/a", POSIX, 0), WSB_EINVAL);
	assert_int_equal(wsb__path_normalize(&out, NULL, POSIX, 0), WSB_EINVAL);
	assert_int_equal(wsb__path_normalize(&out, "/a", 7, 0), WSB_EINVAL);
	assert_int_equal(wsb__path_normalize(&out, "/a", POSIX, 0x80), WSB_EINVAL);
}

static void error_message_names_the_path(void **state)
{
	(void)state;
	norm_fails("C:\\x\\nul.txt", WIN, 0, WSB_EPATH);
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\x\\nul.txt"));
	assert_non_null(strstr(wsb_error_message(NULL), "device"));
}

static void error_message_truncates_long_paths(void **state)
{
	char *p = wsb__malloc(5000);

	(void)state;
	assert_non_null(p);
	memcpy(p, "C:\\", 3);
	memset(p + 3, 'a', 4990);
	memcpy(p + 4993, "\\nul", 5);
	norm_fails(p, WIN, 0, WSB_EPATH);
	assert_true(strlen(wsb_error_message(NULL)) < 400);
	assert_non_null(strstr(wsb_error_message(NULL), "C:\\aaaa"));
	assert_non_null(strstr(wsb_error_message(NULL), "..."));
	wsb__free(p);
}

static void error_message_escapes_invalid_bytes(void **state)
{
	(void)state;
	norm_fails("/a\xFF\x01", POSIX, 0, WSB_EUTF8);
	assert_non_null(strstr(wsb_error_message(NULL), "/a\\xFF\\x01"));
}

static void out_of_memory_leaves_nothing_behind(void **state)
{
	unsigned long n;

	(void)state;
	for (n = 1; n <= 2; n++) {
		wsb__alloc_fail_after(n);
		norm_fails("C:\\a\\b", WIN, 0, WSB_ENOMEM);
		wsb__alloc_fail_after(n);
		norm_fails("/a/b", POSIX, 0, WSB_ENOMEM);
	}
	wsb__alloc_fail_after(0);
}

/* ---- POSIX normalization ---- */

static void posix_dots_and_double_slashes_resolved(void **state)
{
	(void)state;
	norm_is("/a/./b/../c//", POSIX, 0, "/a/c");
	norm_is("//a///b", POSIX, 0, "/a/b");
}

static void posix_dotdot_stops_at_root(void **state)
{
	(void)state;
	norm_is("/..", POSIX, 0, "/");
	norm_is("/../../x", POSIX, 0, "/x");
	norm_is("/", POSIX, 0, "/");
	norm_is("//", POSIX, 0, "/");
}

static void posix_backslash_colon_and_trailing_dots_are_plain_bytes(void **state)
{
	(void)state;
	norm_is("/a\\b:c/d. /nul", POSIX, 0, "/a\\b:c/d. /nul");
	norm_is("/a/...", POSIX, 0, "/a/...");
}

static void posix_relative_paths_rejected(void **state)
{
	(void)state;
	norm_fails("a/b", POSIX, 0, WSB_EPATH);
	norm_fails("./a", POSIX, 0, WSB_EPATH);
	norm_fails("C:\\a", POSIX, 0, WSB_EPATH);
	norm_fails("", POSIX, 0, WSB_EPATH);
}

/* ---- comparison and containment ---- */

static void win_cmp_ignores_case_and_spelling(void **state)
{
	char *a, *b;

	(void)state;
	assert_int_equal(wsb__path_normalize(&a, "C:/Work/Repo", WIN, 0), WSB_OK);
	assert_int_equal(wsb__path_normalize(&b, "c:\\work\\repo\\", WIN, 0), WSB_OK);
	assert_int_equal(wsb__path_cmp(a, b, WIN), 0);
	wsb__free(a);
	wsb__free(b);
	assert_int_equal(wsb__path_cmp("C:\\J\xC3\x9CRGEN", "c:\\j\xC3\xBCrgen", WIN), 0);
	assert_int_not_equal(wsb__path_cmp("C:\\a", "C:\\b", WIN), 0);
}

static void posix_cmp_is_exact(void **state)
{
	(void)state;
	assert_int_equal(wsb__path_cmp("/a/b", "/a/b", POSIX), 0);
	assert_int_not_equal(wsb__path_cmp("/a/B", "/a/b", POSIX), 0);
}

static void cmp_sorts_directory_before_its_contents(void **state)
{
	(void)state;
	assert_true(wsb__path_cmp("C:\\a", "C:\\a\\b", WIN) < 0);
	assert_true(wsb__path_cmp("C:\\a\\b", "C:\\a b", WIN) < 0);
	assert_true(wsb__path_cmp("/a/b", "/a b", POSIX) < 0);
	assert_true(wsb__path_cmp("/a b", "/a/b", POSIX) > 0);
}

static void within_is_component_wise(void **state)
{
	(void)state;
	assert_false(wsb__path_within("C:\\ab", "C:\\a", WIN));
	assert_true(wsb__path_within("C:\\a\\b", "C:\\a", WIN));
	assert_true(wsb__path_within("c:\\A\\b", "C:\\a", WIN));
	assert_false(wsb__path_within("C:\\a", "C:\\a\\b", WIN));
	assert_false(wsb__path_within("/ab", "/a", POSIX));
	assert_true(wsb__path_within("/a/b", "/a", POSIX));
	assert_false(wsb__path_within("/A/b", "/a", POSIX));
}

static void root_is_within_itself(void **state)
{
	(void)state;
	assert_true(wsb__path_within("C:\\", "C:\\", WIN));
	assert_true(wsb__path_within("C:\\x", "C:\\", WIN));
	assert_false(wsb__path_within("D:\\x", "C:\\", WIN));
	assert_true(wsb__path_within("/", "/", POSIX));
	assert_true(wsb__path_within("/x", "/", POSIX));
	assert_true(wsb__path_within("C:\\a", "C:\\a", WIN));
}

static void within_unc_share(void **state)
{
	(void)state;
	assert_true(wsb__path_within("\\\\srv\\share", "\\\\srv\\share", WIN));
	assert_true(wsb__path_within("\\\\SRV\\Share\\x", "\\\\srv\\share", WIN));
	assert_false(wsb__path_within("\\\\srv\\share2\\x", "\\\\srv\\share", WIN));
	assert_false(wsb__path_within("\\\\srv\\other", "\\\\srv\\share", WIN));
	assert_false(wsb__path_within("C:\\srv\\share", "\\\\srv\\share", WIN));
	assert_false(wsb__path_within("\\\\srv\\share", "C:\\", WIN));
}

static void within_refuses_relative_or_null(void **state)
{
	(void)state;
	assert_false(wsb__path_within("a\\b", "C:\\", WIN));
	assert_false(wsb__path_within("a/b", "/", POSIX));
	assert_false(wsb__path_within(NULL, "/", POSIX));
	assert_false(wsb__path_within("/a", NULL, POSIX));
}

static void find_component_finds_git_dir_under_root(void **state)
{
	size_t end = 0;
	const char *p = "C:\\repo\\.GIT\\config";

	(void)state;
	assert_true(wsb__path_find_component(&end, p, "C:\\repo", ".git", WIN));
	assert_int_equal(end, strlen("C:\\repo\\.GIT"));
	assert_true(wsb__path_find_component(&end, "/r/a/.git/x/.git", "/r", ".git", POSIX));
	assert_int_equal(end, strlen("/r/a/.git"));
}

static void find_component_ignores_root_and_outside(void **state)
{
	size_t end = 42;

	(void)state;
	assert_false(wsb__path_find_component(&end, "C:\\.git\\x", "C:\\.git", ".git", WIN));
	assert_false(wsb__path_find_component(&end, "C:\\other\\.git", "C:\\repo", ".git", WIN));
	assert_false(wsb__path_find_component(&end, "C:\\repo\\.gitx", "C:\\repo", ".git", WIN));
	assert_false(wsb__path_find_component(&end, "/r/.GIT", "/r", ".git", POSIX));
	assert_int_equal(end, 42);
}

/* ---- join, root length, names ---- */

static void join_resolves_relative_parts(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(wsb__path_join(&out, "C:\\a", "b\\..\\c", WIN), WSB_OK);
	assert_string_equal(out, "C:\\a\\c");
	wsb__free(out);
	assert_int_equal(wsb__path_join(&out, "C:\\a", "../../x", WIN), WSB_OK);
	assert_string_equal(out, "C:\\x");
	wsb__free(out);
	assert_int_equal(wsb__path_join(&out, "/a", "b/c", POSIX), WSB_OK);
	assert_string_equal(out, "/a/b/c");
	wsb__free(out);
	assert_int_equal(wsb__path_join(&out, "C:\\", "", WIN), WSB_OK);
	assert_string_equal(out, "C:\\");
	wsb__free(out);
}

static void join_rejects_absolute_and_escaping_parts(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(wsb__path_join(&out, "C:\\a", "D:\\b", WIN), WSB_EPATH);
	assert_null(out);
	assert_int_equal(wsb__path_join(&out, "C:\\a", "D:b", WIN), WSB_EPATH);
	assert_int_equal(wsb__path_join(&out, "C:\\a", "\\b", WIN), WSB_EPATH);
	assert_int_equal(wsb__path_join(&out, "/a", "/b", POSIX), WSB_EPATH);
	assert_int_equal(wsb__path_join(&out, "\\\\srv\\share", "..\\x", WIN), WSB_EPATH);
	assert_int_equal(wsb__path_join(&out, "C:\\a", "f:s", WIN), WSB_EPATH);
}

static void root_len_of_each_root_kind(void **state)
{
	(void)state;
	assert_int_equal(wsb__path_root_len("/", POSIX), 1);
	assert_int_equal(wsb__path_root_len("/a/b", POSIX), 1);
	assert_int_equal(wsb__path_root_len("C:\\", WIN), 3);
	assert_int_equal(wsb__path_root_len("C:\\x", WIN), 3);
	assert_int_equal(wsb__path_root_len("\\\\srv\\share\\x", WIN), strlen("\\\\srv\\share"));
	assert_int_equal(wsb__path_root_len("\\\\srv\\share", WIN), strlen("\\\\srv\\share"));
	assert_int_equal(wsb__path_root_len("\\\\.\\NUL", WIN), strlen("\\\\.\\NUL"));
	assert_int_equal(wsb__path_root_len("x", WIN), 0);
}

static void is_absolute_is_lexical(void **state)
{
	(void)state;
	assert_true(wsb__path_is_absolute("/a", POSIX));
	assert_false(wsb__path_is_absolute("a", POSIX));
	assert_true(wsb__path_is_absolute("C:\\a", WIN));
	assert_true(wsb__path_is_absolute("c:/a", WIN));
	assert_true(wsb__path_is_absolute("\\\\srv\\share", WIN));
	assert_false(wsb__path_is_absolute("C:a", WIN));
	assert_false(wsb__path_is_absolute("\\a", WIN));
	assert_false(wsb__path_is_absolute(NULL, WIN));
}

static void valid_name_per_flavor(void **state)
{
	(void)state;
	assert_true(wsb__path_valid_name(".git", WIN));
	assert_true(wsb__path_valid_name(".git", POSIX));
	assert_true(wsb__path_valid_name("a\\b:c", POSIX));
	assert_false(wsb__path_valid_name("a\\b", WIN));
	assert_false(wsb__path_valid_name("a:b", WIN));
	assert_false(wsb__path_valid_name("a*", WIN));
	assert_false(wsb__path_valid_name("nul", WIN));
	assert_false(wsb__path_valid_name("x.", WIN));
	assert_false(wsb__path_valid_name("a/b", POSIX));
	assert_false(wsb__path_valid_name("", POSIX));
	assert_false(wsb__path_valid_name("..", POSIX));
	assert_false(wsb__path_valid_name(".", WIN));
	assert_false(wsb__path_valid_name("\xFF", POSIX));
	assert_false(wsb__path_valid_name(NULL, POSIX));
}

static void device_name_recognition(void **state)
{
	const char *yes[] = { "NUL", "nul.txt", "CON  ", "com1.", "COM\xC2\xB9", "Lpt9.x.y",
		"aux:s", "CONIN$", "conout$.x", "prn . txt" };
	const char *no[] = { "NULL", "COM10", "COM", "xNUL", " nul", "LPT", "CONIN", "COM\xC2\xB4" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!wsb__path_is_device_name(yes[i], strlen(yes[i])))
			fail_msg("%s should be a device name", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (wsb__path_is_device_name(no[i], strlen(no[i])))
			fail_msg("%s should not be a device name", no[i]);
	assert_false(wsb__path_is_device_name("NUL", 2));
}

#define T(f) cmocka_unit_test_setup_teardown(f, record_live, check_no_leak)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(win_dotdot_removes_previous_component),
		T(win_dotdot_stops_at_drive_root),
		T(win_drive_letter_upper_cased_and_slashes_converted),
		T(win_repeated_and_trailing_separators_collapse),
		T(win_extended_drive_path_becomes_plain),
		T(win_unc_path_stays),
		T(win_extended_unc_becomes_unc),
		T(win_unc_needs_server_and_share),
		T(win_dotdot_above_unc_share_is_an_error),
		T(win_trailing_dots_and_spaces_stripped_from_last_component),
		T(win_trailing_dot_or_space_elsewhere_rejected),
		T(win_popped_component_may_end_in_dot),
		T(win_components_of_only_dots_and_spaces_rejected),
		T(win_extended_path_rejects_what_windows_would_not_normalize),
		T(win_extended_prefix_with_forward_slashes_rejected),
		T(win_stream_rejected_without_flag),
		T(win_stream_kept_with_flag),
		T(win_stream_must_be_last_and_well_formed),
		T(win_device_names_rejected),
		T(win_device_names_kept_with_flag),
		T(win_names_that_only_look_like_devices_kept),
		T(win_device_namespace_paths_need_flag),
		T(win_forbidden_characters_rejected),
		T(win_relative_paths_rejected),
		T(win_non_ascii_names_kept),
		T(over_long_paths_rejected),
		T(invalid_utf8_rejected),
		T(bad_arguments_rejected),
		T(error_message_names_the_path),
		T(error_message_truncates_long_paths),
		T(error_message_escapes_invalid_bytes),
		T(out_of_memory_leaves_nothing_behind),
		T(posix_dots_and_double_slashes_resolved),
		T(posix_dotdot_stops_at_root),
		T(posix_backslash_colon_and_trailing_dots_are_plain_bytes),
		T(posix_relative_paths_rejected),
		T(win_cmp_ignores_case_and_spelling),
		T(posix_cmp_is_exact),
		T(cmp_sorts_directory_before_its_contents),
		T(within_is_component_wise),
		T(root_is_within_itself),
		T(within_unc_share),
		T(within_refuses_relative_or_null),
		T(find_component_finds_git_dir_under_root),
		T(find_component_ignores_root_and_outside),
		T(join_resolves_relative_parts),
		T(join_rejects_absolute_and_escaping_parts),
		T(root_len_of_each_root_kind),
		T(is_absolute_is_lexical),
		T(valid_name_per_flavor),
		T(device_name_recognition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
