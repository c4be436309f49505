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

/* Append one argument (not argv[0]) quoted by the MSVCRT rules, quoted only
 * when needed: empty, or containing space, tab, newline, vertical tab or
 * '"'. Inside quotes, backslashes are doubled only before a '"' and before
 * the closing quote. WSB_EINVAL (NULL), WSB_EUTF8; nothing is appended then.
 * WSB_ENOMEM when the buffer could not grow. */
struct wsb__buf;
int wsb__quote_arg(struct wsb__buf *out, const char *arg);

/* Build a whole command line from argv (count >= 1 entries), arguments
 * separated by one space. argv[0] follows the program-name rule of the
 * parsers (no backslash escapes): it is put in quotes when empty or when it
 * holds a space or control character, and WSB_EINVAL if it holds a '"'.
 * WSB_ETOOLONG when the line is WSB__CMDLINE_MAX UTF-16 units or more
 * (with its NUL it must fit). WSB_EUTF8, WSB_EINVAL (NULL entry, count 0). */
int wsb__quote_argv(char **out, const char *const *argv, size_t count);

/* Parse a command line as CommandLineToArgvW does (argv[0] by the program-name
 * rule, the rest by the 2n / 2n+1 backslash rules). "" inside a quoted
 * region gives a literal '"' and the region goes on: the post-2008 MSVCRT
 * rule (CommandLineToArgvW and older runtimes differ on runs of quotes;
 * wsb__quote_argv never emits one, so every parser agrees on its output).
 * An empty line gives no arguments (Windows would substitute the program
 * path). *out_argv is a NULL-terminated array freed with wsb__argv_free;
 * out_count may be NULL. WSB_EUTF8, WSB_EINVAL, WSB_ENOMEM. */
int wsb__argv_parse(char ***out_argv, size_t *out_count, const char *cmdline);
void wsb__argv_free(char **argv);

/* Escape an already-quoted command line for cmd.exe /c: metacharacters
 * ( ) % ! ^ " < > & | are prefixed with '^', so cmd.exe sees no quoted
 * region and passes every character on literally (see
 * docs/windows-command-lines.md for the one %VAR^% caveat). Returns
 * WSB_EINVAL for text cmd.exe cannot carry safely (CR or LF), WSB_EUTF8. */
int wsb__quote_cmd(char **out, const char *cmdline);

#endif
