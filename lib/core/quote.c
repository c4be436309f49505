/*
 * Windows command lines: MSVCRT quoting, the CommandLineToArgvW parser that
 * proves it, and cmd.exe escaping. The rules are written out in
 * docs/windows-command-lines.md.
 */
#include "quote.h"
#include "common.h"
#include "utf.h"

#include <string.h>

static int needs_quotes(const char *arg)
{
	return *arg == '\0' || strpbrk(arg, " \t\n\v\"") != NULL;
}

/* Emit arg in double quotes: a run of backslashes is doubled when a quote
 * follows it (an escaped '"' from arg, or the closing quote), and the quote
 * from arg gets one more backslash; other backslashes are literal. */
static void put_quoted(wsb__buf *out, const char *arg)
{
	const char *p = arg;

	wsb__buf_putc(out, '"');
	while (*p) {
		size_t n = 0, k;
		while (p[n] == '\\')
			n++;
		if (p[n] == '"') {
			for (k = 0; k < 2 * n + 1; k++)
				wsb__buf_putc(out, '\\');
			wsb__buf_putc(out, '"');
			p += n + 1;
		} else if (p[n] == '\0') {
			for (k = 0; k < 2 * n; k++)
				wsb__buf_putc(out, '\\');
			p += n;
		} else {
			wsb__buf_put(out, p, n + 1);
			p += n + 1;
		}
	}
	wsb__buf_putc(out, '"');
}

int wsb__quote_arg(wsb__buf *out, const char *arg)
{
	int rc;

	WSB__CHECK_ARG(out, "out");
	rc = wsb__utf8_check_arg(arg, (size_t)-1, "argument");
	if (rc)
		return rc;
	if (needs_quotes(arg))
		put_quoted(out, arg);
	else
		wsb__buf_puts(out, arg);
	return out->oom ? wsb__error_nomem() : WSB_OK;
}

/* argv[0] is read by the program-name rule (no backslash escapes, the
 * quoted form ends at the next '"'), so it is quoted plainly and cannot
 * carry a '"' at all. Any control character or space forces quotes, since
 * older parsers end an unquoted program name at any of them. */
static int quote_program(wsb__buf *out, const char *prog)
{
	const unsigned char *p;
	int quote = *prog == '\0';
	int rc = wsb__utf8_check_arg(prog, (size_t)-1, "program name (argv[0])");

	if (rc)
		return rc;
	for (p = (const unsigned char *)prog; *p; p++) {
		if (*p == '"')
			return wsb__error(WSB_EINVAL,
				"program name (argv[0]) contains '\"', which no Windows command line can carry: %s",
				prog);
		if (*p <= ' ')
			quote = 1;
	}
	if (quote)
		wsb__buf_putc(out, '"');
	wsb__buf_puts(out, prog);
	if (quote)
		wsb__buf_putc(out, '"');
	return WSB_OK;
}

/* Command-line length in UTF-16 units (surrogate pairs count twice). The
 * buffer holds valid UTF-8 only, so lead bytes tell the widths. */
static size_t utf16_units(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) != 0x80)
			n += c >= 0xF0 ? 2 : 1;
	}
	return n;
}

int wsb__quote_argv(char **out, const char *const *argv, size_t count)
{
	wsb__buf b = WSB__BUF_INIT;
	size_t i, units;
	int rc;

	WSB__CHECK_ARG(out, "out");
	*out = NULL;
	WSB__CHECK_ARG(argv, "argv");
	if (count == 0)
		return wsb__error(WSB_EINVAL, "invalid argument: argv is empty (no program)");
	rc = quote_program(&b, argv[0]);
	for (i = 1; rc == WSB_OK && i < count; i++) {
		wsb__buf_putc(&b, ' ');
		rc = wsb__quote_arg(&b, argv[i]);
	}
	if (rc == WSB_OK && b.oom)
		rc = wsb__error_nomem();
	if (rc) {
		wsb__buf_dispose(&b);
		return rc;
	}
	units = utf16_units(b.ptr, b.size);
	if (units + 1 > WSB__CMDLINE_MAX) {
		wsb__buf_dispose(&b);
		return wsb__error(WSB_ETOOLONG,
			"command line is too long: %lu UTF-16 units, Windows takes at most %d",
			(unsigned long)units, WSB__CMDLINE_MAX - 1);
	}
	*out = wsb__buf_detach(&b);
	return *out ? WSB_OK : wsb__error_nomem();
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Push the bytes of b as one argument; b is reset for the next. */
static int push_arg(wsb__strvec *v, wsb__buf *b)
{
	int rc = wsb__strvec_push(v, b->size ? b->ptr : "");

	b->size = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
	return rc;
}

/* The program-name rule: a leading '"' quotes up to the next '"' (or the
 * end); otherwise the name runs to the next space or tab. No escapes. */
static const char *parse_program(wsb__buf *b, const char *p)
{
	const char *start;

	if (*p == '"') {
		start = ++p;
		while (*p && *p != '"')
			p++;
		wsb__buf_put(b, start, (size_t)(p - start));
		return *p ? p + 1 : p;
	}
	start = p;
	while (*p && !is_blank(*p))
		p++;
	wsb__buf_put(b, start, (size_t)(p - start));
	return p;
}

/* One later argument by the MSVCRT rules; p is at its first character. */
static const char *parse_arg(wsb__buf *b, const char *p)
{
	int in_quotes = 0;

	while (*p && (in_quotes || !is_blank(*p))) {
		if (*p == '\\') {
			size_t n = 0, k;
			while (p[n] == '\\')
				n++;
			if (p[n] == '"') {
				for (k = 0; k < n / 2; k++)
					wsb__buf_putc(b, '\\');
				p += n;
				if (n % 2) {
					wsb__buf_putc(b, '"');
					p++;
				}
			} else {
				wsb__buf_put(b, p, n);
				p += n;
			}
		} else if (*p == '"') {
			/* Post-2008 MSVCRT: "" inside quotes is a literal quote
			 * and the quoted region goes on. */
			if (in_quotes && p[1] == '"') {
				wsb__buf_putc(b, '"');
				p += 2;
			} else {
				in_quotes = !in_quotes;
				p++;
			}
		} else {
			wsb__buf_putc(b, *p++);
		}
	}
	return p;
}

int wsb__argv_parse(char ***out_argv, size_t *out_count, const char *cmdline)
{
	wsb__strvec v = WSB__STRVEC_INIT;
	wsb__buf b = WSB__BUF_INIT;
	const char *p;
	int rc;
	char **argv;
	size_t i;

	WSB__CHECK_ARG(out_argv, "out_argv");
	*out_argv = NULL;
	if (out_count)
		*out_count = 0;
	rc = wsb__utf8_check_arg(cmdline, (size_t)-1, "command line");
	if (rc)
		return rc;
	p = cmdline;
	if (*p) {
		p = parse_program(&b, p);
		rc = b.oom ? wsb__error_nomem() : push_arg(&v, &b);
	}
	while (rc == WSB_OK) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		p = parse_arg(&b, p);
		rc = b.oom ? wsb__error_nomem() : push_arg(&v, &b);
	}
	wsb__buf_dispose(&b);
	/* The result is NULL-terminated, which a strvec need not be. */
	argv = rc ? NULL : wsb__calloc(v.count + 1, sizeof(*argv));
	if (!argv) {
		wsb__strvec_dispose(&v);
		return rc ? rc : wsb__error_nomem();
	}
	for (i = 0; i < v.count; i++)
		argv[i] = v.items[i];
	if (out_count)
		*out_count = v.count;
	wsb__free(v.items);
	*out_argv = argv;
	return WSB_OK;
}

void wsb__argv_free(char **argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; argv[i]; i++)
		wsb__free(argv[i]);
	wsb__free(argv);
}

int wsb__quote_cmd(char **out, const char *cmdline)
{
	wsb__buf b = WSB__BUF_INIT;
	const char *p;
	int rc;

	WSB__CHECK_ARG(out, "out");
	*out = NULL;
	rc = wsb__utf8_check_arg(cmdline, (size_t)-1, "command line");
	if (rc)
		return rc;
	for (p = cmdline; *p; p++) {
		if (*p == '\n' || *p == '\r') {
			wsb__buf_dispose(&b);
			return wsb__error(WSB_EINVAL,
				"cmd.exe cannot carry a line break inside a command; rejected at byte %lu",
				(unsigned long)(p - cmdline));
		}
		if (strchr("()%!^\"<>&|", *p))
			wsb__buf_putc(&b, '^');
		wsb__buf_putc(&b, *p);
	}
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	*out = wsb__buf_detach(&b);
	return *out ? WSB_OK : wsb__error_nomem();
}
