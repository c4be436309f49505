/*
 * Windows command lines (lib/core/quote.c): building one from an argv by the
 * MSVCRT rules, so that CommandLineToArgvW and the C runtime give back exactly
 * the same argv; parsing one by the documented CommandLineToArgvW rules (used
 * by tests to prove the round trip, and by the model); cmd.exe escaping.
 * UTF-8 in and out; the Windows backend converts to UTF-16 afterwards.
 */
#ifndef WSB_CORE_QUOTE_H
#define WSB_CORE_QUOTE_H

#include <stddef.h>

/* Longest command line CreateProcessW accepts (UTF-16 units, with the NUL). */
#define WSB__CMDLINE_MAX 32767

/* Append one argument quoted by the MSVCRT rules (quoted only when needed:
 * empty, or containing space, tab, newline, vertical tab or '"'). */
struct wsb__buf;
int wsb__quote_arg(struct wsb__buf *out, const char *arg);

/* Build a whole command line from argv (count entries). WSB_ETOOLONG past
 * WSB__CMDLINE_MAX. argv[0] is quoted the same way. */
int wsb__quote_argv(char **out, const char *const *argv, size_t count);

/* Parse a command line as CommandLineToArgvW does (argv[0] by the program-name
 * rule, the rest by the 2n / 2n+1 backslash rules, "" inside quotes).
 * *out_argv is a NULL-terminated array freed with wsb__argv_free. */
int wsb__argv_parse(char ***out_argv, size_t *out_count, const char *cmdline);
void wsb__argv_free(char **argv);

/* Escape an already-quoted command line for cmd.exe /c: metacharacters
 * ( ) % ! ^ " < > & | are prefixed with '^'. Returns WSB_EINVAL for text that
 * cmd.exe cannot carry safely (newlines, NUL). */
int wsb__quote_cmd(char **out, const char *cmdline);

#endif
