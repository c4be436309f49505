/* Cross-check of the MSVCRT quoting against the real Windows parsers: the
 * command lines built by wsb__quote_argv are fed to CommandLineToArgvW, and
 * to a child process whose C runtime splits its own command line. Under
 * Wine both are Wine's real implementations, so a pass shows the quoting
 * agrees with a second, independent parser (not with Microsoft's code). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <windows.h>
#include <shellapi.h>

#include "core/common.h"
#include "core/quote.h"
#include "core/utf.h"

/* The MSVCRT entry that splits the process's command line into a wide argv
 * (exported by msvcrt.dll; mingw-w64 has no public prototype for it). */
typedef struct { int newmode; } startupinfo_t;
extern int __cdecl __wgetmainargs(int *argc, wchar_t ***argv, wchar_t ***env,
	int expand_wildcards, startupinfo_t *si);

#define CHILD_FLAG "--print-wide-argv"

static uint64_t rng_state = 424242;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static const char *const pieces[] = {
	"a", " ", "\t", "\"", "\\", "\\\\", "\\\"", "\"\"", "\xC3\xA9", "\xE2\x82\xAC",
	"\xF0\x9F\x98\x80", "^", "&", "%", "=", "'", "b\"c\\", "\n", ""
};
static const char *const prog_pieces[] = {
	"C:", "\\", "a", " ", "Program Files", "\xC3\xA9", "x.exe"
};

/* Fill args with a random argv; returns its count. */
static size_t random_argv(char args[][48], const char **argv, size_t max)
{
	size_t count = 1 + rnd((unsigned)max), i, n;

	for (i = 0; i < count; i++) {
		const char *const *set = i ? pieces : prog_pieces;
		size_t setn = i ? WSB__ARRAY_SIZE(pieces) : WSB__ARRAY_SIZE(prog_pieces);
		args[i][0] = '\0';
		for (n = rnd(6); n > 0; n--) {
			const char *piece = set[rnd((unsigned)setn)];
			if (strlen(args[i]) + strlen(piece) < 48)
				strcat(args[i], piece);
		}
		argv[i] = args[i];
	}
	return count;
}

static wchar_t *to_wide(const char *s)
{
	uint16_t *w = NULL;

	assert_int_equal(wsb__utf8_to_utf16(&w, NULL, s, strlen(s)), WSB_OK);
	return (wchar_t *)w;
}

static void assert_wide_equals(const wchar_t *w, const char *expect)
{
	char *s = NULL;

	assert_int_equal(wsb__utf16_to_utf8(&s, NULL, (const uint16_t *)w, wcslen(w)), WSB_OK);
	assert_string_equal(s, expect);
	wsb__free(s);
}

static void assert_commandlinetoargvw_agrees(const char *const *argv, size_t count)
{
	char *line = NULL;
	wchar_t *wline, **wargv;
	int n, i;

	assert_int_equal(wsb__quote_argv(&line, argv, count), WSB_OK);
	wline = to_wide(line);
	wargv = CommandLineToArgvW(wline, &n);
	assert_non_null(wargv);
	assert_int_equal(n, (int)count);
	for (i = 0; i < n; i++)
		assert_wide_equals(wargv[i], argv[i]);
	LocalFree(wargv);
	wsb__free(wline);
	wsb__free(line);
}

static void documented_tricky_arguments_survive_commandlinetoargvw(void **state)
{
	const char *argv[] = {
		"C:\\Program Files\\x\\", "a b\"c\\", "", "\\\\\"", "a\tb", "\"\"\"",
		"C:\\dir\\", "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80", "\\", "x\\\\"
	};

	(void)state;
	assert_commandlinetoargvw_agrees(argv, WSB__ARRAY_SIZE(argv));
}

static void generated_argvs_survive_commandlinetoargvw(void **state)
{
	char args[6][48];
	const char *argv[6];
	int iter;

	(void)state;
	for (iter = 0; iter < 5000; iter++) {
		size_t count = random_argv(args, argv, 6);
		assert_commandlinetoargvw_agrees(argv, count);
	}
}

/* Run this executable with the command line built from argv (argv[0] is
 * replaced by our own path) and return what the child's C runtime saw,
 * as UTF-8 arguments separated by NULs. */
static char *child_argv(const char *const *argv, size_t count, size_t *out_len)
{
	wchar_t self[MAX_PATH];
	char self8[4 * MAX_PATH], *line = NULL, *result;
	const char **full;
	wchar_t *wline;
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	HANDLE rd, wr;
	wsb__buf out = WSB__BUF_INIT;
	char chunk[4096];
	DWORD got;
	size_t i;

	assert_true(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
	assert_true(WideCharToMultiByte(CP_UTF8, 0, self, -1, self8, sizeof(self8), NULL, NULL) > 0);
	full = wsb__calloc(count + 1, sizeof(*full));
	assert_non_null(full);
	full[0] = self8;
	full[1] = CHILD_FLAG;
	for (i = 1; i < count; i++)
		full[i + 1] = argv[i];
	assert_int_equal(wsb__quote_argv(&line, full, count + 1), WSB_OK);
	wline = to_wide(line);

	assert_true(CreatePipe(&rd, &wr, &sa, 0));
	SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdOutput = wr;
	si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
	si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	assert_true(CreateProcessW(self, wline, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
	CloseHandle(wr);
	while (ReadFile(rd, chunk, sizeof(chunk), &got, NULL) && got > 0)
		wsb__buf_put(&out, chunk, got);
	WaitForSingleObject(pi.hProcess, INFINITE);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	CloseHandle(rd);
	wsb__free(wline);
	wsb__free(line);
	wsb__free(full);
	*out_len = out.size;
	result = wsb__buf_detach(&out);
	assert_non_null(result);
	return result;
}

static void assert_child_runtime_agrees(const char *const *argv, size_t count)
{
	size_t len, off = 0, i;
	char *got = child_argv(argv, count, &len);

	/* The child printed argv[2..] (after its own path and the flag). */
	for (i = 1; i < count; i++) {
		assert_true(off < len);
		assert_string_equal(got + off, argv[i]);
		off += strlen(argv[i]) + 1;
	}
	assert_int_equal(off, len);
	wsb__free(got);
}

static void child_c_runtime_gets_the_exact_argv(void **state)
{
	const char *argv[] = {
		"prog", "a b\"c\\", "", "\\\\\"", "a\tb", "\"\"\"", "C:\\dir\\",
		"\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80", "%PATH%", "^&|<>"
	};
	char args[6][48];
	const char *gen[6];
	int iter;

	(void)state;
	assert_child_runtime_agrees(argv, WSB__ARRAY_SIZE(argv));
	for (iter = 0; iter < 20; iter++) {
		size_t count = random_argv(args, gen, 6);
		assert_child_runtime_agrees(gen, count);
	}
}

/* Child mode: write every argument after the flag as UTF-8, NUL-ended. */
static int print_wide_argv(void)
{
	int argc = 0, i;
	wchar_t **wargv = NULL, **wenv = NULL;
	startupinfo_t si = { 0 };
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);

	if (__wgetmainargs(&argc, &wargv, &wenv, 0, &si) < 0)
		return 2;
	for (i = 2; i < argc; i++) {
		char *s = NULL;
		size_t n = 0;
		DWORD put;
		if (wsb__utf16_to_utf8(&s, &n, (const uint16_t *)wargv[i], wcslen(wargv[i])))
			return 3;
		WriteFile(out, s, (DWORD)n + 1, &put, NULL);
		wsb__free(s);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(documented_tricky_arguments_survive_commandlinetoargvw),
		cmocka_unit_test(generated_argvs_survive_commandlinetoargvw),
		cmocka_unit_test(child_c_runtime_gets_the_exact_argv),
	};

	if (argc > 1 && strcmp(argv[1], CHILD_FLAG) == 0)
		return print_wide_argv();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
