/*
 * Lexical path syntax for POSIX and Windows, on any host. Nothing here
 * touches the file system; docs/paths.md has the full rules and the reasons.
 *
 * POSIX: absolute only; "//" collapses; "." drops; ".." removes the previous
 * component and never climbs above "/"; no trailing '/' except the root.
 *
 * Windows (Win32 syntax):
 *  - roots: "C:\" (letter upper-cased), "\\srv\share" (case kept, ".." above
 *    the share is an error), "\\?\C:\x" -> "C:\x", "\\?\UNC\srv\share\x" ->
 *    "\\srv\share\x"; other "\\?\..." and "\\.\..." are device paths, kept only
 *    with WSB__PATH_ALLOW_DEVICE. "C:x", "\x", "x" are relative: WSB_EPATH.
 *  - '/' and '\' both separate; repeated and trailing separators drop; "."
 *    drops, ".." removes the previous component ("C:\.." is "C:\").
 *  - trailing dots and spaces: Win32 strips them from the final component
 *    only when the path does not end in a separator, and is inconsistent
 *    about the other components; we strip exactly that case and reject a
 *    surviving component ending in dot or space anywhere else, so the
 *    normalized path always names what Windows would open. Components made
 *    only of dots and spaces (other than "." and "..") are rejected.
 *  - "\\?\" paths are passed to NT unchanged by Windows: there "." and
 *    "..", empty components (except one trailing separator), '/' and names
 *    ending in dot or space are rejected, since the Win32 form we return
 *    would name something else.
 *  - a ':' after the root is a stream ("f:s", "f::$DATA"): rejected unless
 *    WSB__PATH_ALLOW_STREAM, and then only in the final component.
 *  - reserved device names (NUL, CON, COM1, "nul.txt", "CON ", ...) as any
 *    surviving component are rejected unless WSB__PATH_ALLOW_DEVICE.
 *  - < > " | ? * and control characters are rejected.
 * Both: inputs longer than WSB__PATH_MAX_* bytes give WSB_ETOOLONG, invalid
 * UTF-8 gives WSB_EUTF8.
 */
#include "path.h"
#include "common.h"
#include "utf.h"

#include <stdio.h>
#include <string.h>

/* Longest part of a path quoted in an error message, in bytes. */
#define SHOW_MAX 160

typedef struct shown {
	char text[SHOW_MAX * 4 + 8];
} shown;

/* A printable, bounded rendering of p for error messages: control bytes
 * (and every byte >= 0x80 when p is not UTF-8) as \xNN, cut with "...". */
static const char *show(shown *sh, const char *p)
{
	size_t len = strlen(p), n = len, i, o = 0;
	int valid = wsb__utf8_valid(p, len);

	if (n > SHOW_MAX) {
		n = SHOW_MAX;
		while (valid && n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7F || (c >= 0x80 && !valid)) {
			snprintf(sh->text + o, 5, "\\x%02X", c);
			o += 4;
		} else {
			sh->text[o++] = (char)c;
		}
	}
	if (n < len) {
		memcpy(sh->text + o, "...", 3);
		o += 3;
	}
	sh->text[o] = '\0';
	return sh->text;
}

static int bad_path(const char *path, const char *why)
{
	shown sh;
	return wsb__error(WSB_EPATH, "invalid path \"%s\": %s", show(&sh, path), why);
}

static int is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char upper_ascii(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static int is_win_sep(char c)
{
	return c == '\\' || c == '/';
}

static int is_dot_or_space(char c)
{
	return c == '.' || c == ' ';
}

/* Characters Win32 refuses in any name (':' is handled on its own). */
static int is_forbidden_win(unsigned char c)
{
	return c < 0x20 || c == '<' || c == '>' || c == '"' || c == '|' || c == '?' || c == '*';
}

static int ascii_ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++)
		if (upper_ascii(a[i]) != upper_ascii(b[i]))
			return 0;
	return 1;
}

int wsb__path_is_device_name(const char *name, size_t len)
{
	static const char *const plain[] = { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$" };
	/* digits after COM/LPT: 0-9 and the superscripts Win32 also maps. */
	static const char *const digits[] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
		"\xC2\xB9", "\xC2\xB2", "\xC2\xB3"
	};
	size_t base = 0, i;

	if (name == NULL)
		return 0;
	/* The device part ends at the first '.' (extension) or ':' (stream),
	 * without the spaces before it. */
	while (base < len && name[base] != '.' && name[base] != ':')
		base++;
	while (base > 0 && name[base - 1] == ' ')
		base--;
	for (i = 0; i < WSB__ARRAY_SIZE(plain); i++)
		if (ascii_ieq(name, base, plain[i]))
			return 1;
	if (base < 4 || !(ascii_ieq(name, 3, "COM") || ascii_ieq(name, 3, "LPT")))
		return 0;
	for (i = 0; i < WSB__ARRAY_SIZE(digits); i++)
		if (base - 3 == strlen(digits[i]) && memcmp(name + 3, digits[i], base - 3) == 0)
			return 1;
	return 0;
}

typedef struct seg {
	size_t off, len;
} seg;

/* ---- Windows ---- */

enum { ROOT_DRIVE, ROOT_UNC, ROOT_DEVICE };

typedef struct winpath {
	const char *p;
	size_t len;
	unsigned int flags;
	int extended;       /* "\\?\": Windows does not normalize the rest */
	int kind;
	char drive;
	seg a;              /* UNC server, or device name */
	seg b;              /* UNC share */
	const char *prefix; /* device paths: "\\.\" or "\\?\" */
	size_t rest;        /* where the components after the root start */
} winpath;

static int wsep(const winpath *w, char c)
{
	return c == '\\' || (!w->extended && c == '/');
}

/* Read one root name (UNC server or share, device name) at *i. */
static int root_name(winpath *w, size_t *i, seg *out, int colon_ok, const char *what)
{
	size_t k;

	out->off = *i;
	while (*i < w->len && !wsep(w, w->p[*i]))
		(*i)++;
	out->len = *i - out->off;
	if (out->len == 0)
		return bad_path(w->p, what);
	if ((out->len == 1 && w->p[out->off] == '.') ||
	    (out->len == 2 && w->p[out->off] == '.' && w->p[out->off + 1] == '.'))
		return bad_path(w->p, "\".\" or \"..\" in the root");
	for (k = out->off; k < *i; k++) {
		unsigned char c = (unsigned char)w->p[k];
		if (is_forbidden_win(c) || c == '/' || (c == ':' && !colon_ok))
			return bad_path(w->p, "forbidden character in the root");
	}
	if (is_dot_or_space(w->p[*i - 1]))
		return bad_path(w->p, "a root name ends in a dot or space");
	return WSB_OK;
}

static int parse_unc(winpath *w, size_t i)
{
	int rc;

	w->kind = ROOT_UNC;
	if ((rc = root_name(w, &i, &w->a, 0, "UNC path without a server")) < 0)
		return rc;
	if (i < w->len)
		i++;
	if ((rc = root_name(w, &i, &w->b, 0, "UNC path without a share")) < 0)
		return rc;
	w->rest = i;
	return WSB_OK;
}

static int parse_device(winpath *w, size_t i, const char *prefix)
{
	w->kind = ROOT_DEVICE;
	w->prefix = prefix;
	if (!(w->flags & WSB__PATH_ALLOW_DEVICE))
		return bad_path(w->p, "device paths are not allowed here");
	w->rest = i;
	return root_name(w, &w->rest, &w->a, 1, "device path without a device name");
}

static int parse_win_root(winpath *w)
{
	const char *p = w->p;
	size_t len = w->len;

	if (len >= 4 && memcmp(p, "\\\\?\\", 4) == 0) {
		w->extended = 1;
		if (len >= 7 && is_letter(p[4]) && p[5] == ':' && p[6] == '\\') {
			w->kind = ROOT_DRIVE;
			w->drive = upper_ascii(p[4]);
			w->rest = 7;
			return WSB_OK;
		}
		if (len >= 8 && ascii_ieq(p + 4, 3, "UNC") && p[7] == '\\')
			return parse_unc(w, 8);
		return parse_device(w, 4, "\\\\?\\");
	}
	if (len >= 3 && is_win_sep(p[0]) && is_win_sep(p[1]) &&
	    (p[2] == '?' || p[2] == '.') && (len == 3 || is_win_sep(p[3]))) {
		if (p[2] == '?')
			return bad_path(p, "the \\\\?\\ prefix must be written with backslashes");
		return parse_device(w, len == 3 ? 3 : 4, "\\\\.\\");
	}
	if (len >= 2 && is_win_sep(p[0]) && is_win_sep(p[1]))
		return parse_unc(w, 2);
	if (len >= 2 && is_letter(p[0]) && p[1] == ':') {
		if (len == 2 || !is_win_sep(p[2]))
			return bad_path(p, "drive-relative path (absolute needs C:\\)");
		w->kind = ROOT_DRIVE;
		w->drive = upper_ascii(p[0]);
		w->rest = 3;
		return WSB_OK;
	}
	if (is_win_sep(p[0]))
		return bad_path(p, "rooted path without a drive");
	return bad_path(p, "relative path");
}

/* Split the components after the root, resolving "." and "..". */
static int win_segments(winpath *w, seg *segs, size_t *count)
{
	const char *p = w->p;
	size_t i = w->rest, n = 0;

	while (i < w->len) {
		size_t start, len, k;
		int odd = 1;

		if (wsep(w, p[i])) {
			if (w->extended && wsep(w, p[i - 1]))
				return bad_path(p, "empty component in a \\\\?\\ path");
			i++;
			continue;
		}
		start = i;
		while (i < w->len && !wsep(w, p[i]))
			i++;
		len = i - start;
		if ((len == 1 && p[start] == '.') || (len == 2 && p[start] == '.' && p[start + 1] == '.')) {
			if (w->extended)
				return bad_path(p, "\".\" or \"..\" in a \\\\?\\ path");
			if (len == 1)
				continue;
			if (n > 0)
				n--;
			else if (w->kind != ROOT_DRIVE)
				return bad_path(p, "\"..\" above the root");
			continue;
		}
		for (k = start; k < i; k++)
			if (!is_dot_or_space(p[k]))
				odd = 0;
		if (odd)
			return bad_path(p, "a component made only of dots and spaces");
		segs[n].off = start;
		segs[n].len = len;
		n++;
	}
	*count = n;
	return WSB_OK;
}

/* Check one surviving component; may shorten it (trailing dots/spaces). */
static int win_component(const winpath *w, seg *s, int last)
{
	const char *c = w->p + s->off;
	size_t len = s->len, k, colons = 0;
	const char *colon;

	for (k = 0; k < len; k++) {
		if (is_forbidden_win((unsigned char)c[k]) || c[k] == '/')
			return bad_path(w->p, "forbidden character (< > \" | ? * or control)");
		if (c[k] == ':')
			colons++;
	}
	if (is_dot_or_space(c[len - 1])) {
		if (w->extended || !last || s->off + len != w->len)
			return bad_path(w->p, "a component ends in a dot or space");
		while (is_dot_or_space(c[len - 1]))
			len--;
	}
	colon = memchr(c, ':', len);
	if (colon != NULL) {
		size_t base = (size_t)(colon - c);
		if (!(w->flags & WSB__PATH_ALLOW_STREAM))
			return bad_path(w->p, "alternate data streams are not allowed here");
		if (!last)
			return bad_path(w->p, "a stream must be the last component");
		if (base == 0 || is_dot_or_space(c[base - 1]) || colons > 2 || c[len - 1] == ':')
			return bad_path(w->p, "malformed stream name");
	}
	if (!(w->flags & WSB__PATH_ALLOW_DEVICE) && wsb__path_is_device_name(c, len))
		return bad_path(w->p, "reserved device name");
	s->len = len;
	return WSB_OK;
}

static void put(char *out, size_t *o, const char *s, size_t len)
{
	memcpy(out + *o, s, len);
	*o += len;
}

static int normalize_win(char **out, const char *path, size_t len, unsigned int flags)
{
	winpath w;
	seg *segs;
	size_t n = 0, i, o = 0;
	char *res;
	int rc;

	memset(&w, 0, sizeof(w));
	w.p = path;
	w.len = len;
	w.flags = flags;
	if ((rc = parse_win_root(&w)) < 0)
		return rc;
	segs = wsb__calloc(len / 2 + 1, sizeof(*segs));
	/* The result is never longer than the input. */
	res = wsb__malloc(len + 1);
	if (segs == NULL || res == NULL) {
		rc = wsb__error_nomem();
		goto done;
	}
	if ((rc = win_segments(&w, segs, &n)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if ((rc = win_component(&w, &segs[i], i + 1 == n)) < 0)
			goto done;
	switch (w.kind) {
	case ROOT_DRIVE:
		res[o++] = w.drive;
		put(res, &o, ":\\", 2);
		break;
	case ROOT_UNC:
		put(res, &o, "\\\\", 2);
		put(res, &o, path + w.a.off, w.a.len);
		res[o++] = '\\';
		put(res, &o, path + w.b.off, w.b.len);
		break;
	default:
		put(res, &o, w.prefix, 4);
		put(res, &o, path + w.a.off, w.a.len);
		break;
	}
	for (i = 0; i < n; i++) {
		if (res[o - 1] != '\\')
			res[o++] = '\\';
		put(res, &o, path + segs[i].off, segs[i].len);
	}
	res[o] = '\0';
	*out = res;
	res = NULL;
done:
	wsb__free(segs);
	wsb__free(res);
	return rc;
}

/* ---- POSIX ---- */

static int normalize_posix(char **out, const char *path, size_t len)
{
	seg *segs;
	size_t n = 0, i = 0, o = 0;
	char *res;

	if (path[0] != '/')
		return bad_path(path, "relative path");
	segs = wsb__calloc(len / 2 + 1, sizeof(*segs));
	res = wsb__malloc(len + 1);
	if (segs == NULL || res == NULL) {
		wsb__free(segs);
		wsb__free(res);
		return wsb__error_nomem();
	}
	while (i < len) {
		size_t start;

		if (path[i] == '/') {
			i++;
			continue;
		}
		start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i - start == 1 && path[start] == '.')
			continue;
		if (i - start == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (n > 0)
				n--;
			continue;
		}
		segs[n].off = start;
		segs[n].len = i - start;
		n++;
	}
	for (i = 0; i < n; i++) {
		res[o++] = '/';
		put(res, &o, path + segs[i].off, segs[i].len);
	}
	if (o == 0)
		res[o++] = '/';
	res[o] = '\0';
	wsb__free(segs);
	*out = res;
	return WSB_OK;
}

/* ---- public to the library ---- */

int wsb__path_normalize(char **out, const char *path, int flavor, unsigned int flags)
{
	size_t len, max;
	shown sh;

	if (out != NULL)
		*out = NULL;
	WSB__CHECK_ARG(out != NULL, "out");
	WSB__CHECK_ARG(path != NULL, "path");
	WSB__CHECK_ARG(flavor == WSB__PATH_POSIX || flavor == WSB__PATH_WIN, "flavor");
	WSB__CHECK_ARG((flags & ~(unsigned int)(WSB__PATH_ALLOW_STREAM | WSB__PATH_ALLOW_DEVICE)) == 0, "flags");
	max = flavor == WSB__PATH_WIN ? WSB__PATH_MAX_WIN : WSB__PATH_MAX_POSIX;
	len = strlen(path);
	if (len > max)
		return wsb__error(WSB_ETOOLONG, "path is longer than %lu bytes: \"%s\"",
			(unsigned long)max, show(&sh, path));
	if (!wsb__utf8_valid(path, len))
		return wsb__error(WSB_EUTF8, "path is not valid UTF-8: \"%s\"", show(&sh, path));
	if (len == 0)
		return wsb__error(WSB_EPATH, "path is empty");
	if (flavor == WSB__PATH_WIN)
		return normalize_win(out, path, len, flags);
	return normalize_posix(out, path, len);
}

int wsb__path_is_absolute(const char *path, int flavor)
{
	if (path == NULL)
		return 0;
	if (flavor == WSB__PATH_POSIX)
		return path[0] == '/';
	if (flavor != WSB__PATH_WIN)
		return 0;
	if (is_win_sep(path[0]))
		return is_win_sep(path[1]);
	return is_letter(path[0]) && path[1] == ':' && is_win_sep(path[2]);
}

/* Next component of a normalized path at *i (separators skipped). */
static int next_component(const char *p, size_t *i, seg *s, int flavor)
{
	while (p[*i] == '/' || (flavor == WSB__PATH_WIN && p[*i] == '\\'))
		(*i)++;
	if (p[*i] == '\0')
		return 0;
	s->off = *i;
	while (p[*i] != '\0' && p[*i] != '/' && !(flavor == WSB__PATH_WIN && p[*i] == '\\'))
		(*i)++;
	s->len = *i - s->off;
	return 1;
}

static int component_cmp(const char *a, const seg *sa, const char *b, const seg *sb, int flavor)
{
	size_t n;
	int r;

	if (flavor == WSB__PATH_WIN)
		return wsb__utf8_ncasecmp(a + sa->off, sa->len, b + sb->off, sb->len);
	n = sa->len < sb->len ? sa->len : sb->len;
	r = memcmp(a + sa->off, b + sb->off, n);
	if (r != 0)
		return r;
	return (sa->len > sb->len) - (sa->len < sb->len);
}

/* Component-wise, so a directory sorts right before what it contains. */
int wsb__path_cmp(const char *a, const char *b, int flavor)
{
	size_t ia = 0, ib = 0;
	seg sa = { 0 }, sb = { 0 }; /* gcc -O3 cannot see next_component sets them */

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	for (;;) {
		int ha = next_component(a, &ia, &sa, flavor);
		int hb = next_component(b, &ib, &sb, flavor);
		int r;

		if (!ha || !hb)
			return ha - hb;
		r = component_cmp(a, &sa, b, &sb, flavor);
		if (r != 0)
			return r < 0 ? -1 : 1;
	}
}

/* Match root's components against path's; on success *i is in path just
 * after the last matched component. */
static int match_root(const char *path, const char *root, int flavor, size_t *i)
{
	size_t ir = 0;
	seg sr = { 0 }, sp = { 0 }; /* as in wsb__path_cmp */

	if (path == NULL || root == NULL || !wsb__path_is_absolute(path, flavor) ||
	    !wsb__path_is_absolute(root, flavor))
		return 0;
	*i = 0;
	while (next_component(root, &ir, &sr, flavor)) {
		if (!next_component(path, i, &sp, flavor) ||
		    component_cmp(path, &sp, root, &sr, flavor) != 0)
			return 0;
	}
	return 1;
}

int wsb__path_within(const char *path, const char *root, int flavor)
{
	size_t i;

	return match_root(path, root, flavor, &i);
}

int wsb__path_find_component(size_t *out_end, const char *path, const char *root,
	const char *name, int flavor)
{
	size_t i;
	seg s, sn;

	if (out_end == NULL || name == NULL || name[0] == '\0' ||
	    !wsb__utf8_valid(name, strlen(name)) || !match_root(path, root, flavor, &i))
		return 0;
	sn.off = 0;
	sn.len = strlen(name);
	while (next_component(path, &i, &s, flavor)) {
		if (component_cmp(path, &s, name, &sn, flavor) == 0) {
			*out_end = i;
			return 1;
		}
	}
	return 0;
}

int wsb__path_join(char **out, const char *base, const char *rel, int flavor)
{
	wsb__buf b = WSB__BUF_INIT;
	shown sh;
	int rc;

	if (out != NULL)
		*out = NULL;
	WSB__CHECK_ARG(out != NULL, "out");
	WSB__CHECK_ARG(base != NULL, "base");
	WSB__CHECK_ARG(rel != NULL, "rel");
	WSB__CHECK_ARG(flavor == WSB__PATH_POSIX || flavor == WSB__PATH_WIN, "flavor");
	if (flavor == WSB__PATH_POSIX ? rel[0] == '/' :
	    (is_win_sep(rel[0]) || (is_letter(rel[0]) && rel[1] == ':')))
		return wsb__error(WSB_EPATH, "path to join is not relative: \"%s\"", show(&sh, rel));
	wsb__buf_puts(&b, base);
	wsb__buf_putc(&b, flavor == WSB__PATH_WIN ? '\\' : '/');
	wsb__buf_puts(&b, rel);
	if (b.oom) {
		wsb__buf_dispose(&b);
		return wsb__error_nomem();
	}
	rc = wsb__path_normalize(out, b.ptr, flavor, 0);
	wsb__buf_dispose(&b);
	return rc;
}

size_t wsb__path_root_len(const char *path, int flavor)
{
	size_t i, parts;

	if (path == NULL || !wsb__path_is_absolute(path, flavor))
		return 0;
	if (flavor == WSB__PATH_POSIX)
		return 1;
	if (path[1] == ':')
		return 3;
	/* "\\srv\share" and "\\?\dev", "\\.\dev": two names after "\\". */
	i = 2;
	for (parts = 0; parts < 2; parts++) {
		if (parts > 0 && path[i] == '\\')
			i++;
		while (path[i] != '\0' && path[i] != '\\')
			i++;
	}
	return i;
}

int wsb__path_valid_name(const char *name, int flavor)
{
	size_t len, k;

	if (name == NULL)
		return 0;
	len = strlen(name);
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    !wsb__utf8_valid(name, len))
		return 0;
	for (k = 0; k < len; k++) {
		unsigned char c = (unsigned char)name[k];
		if (c == '/')
			return 0;
		if (flavor == WSB__PATH_WIN && (c == '\\' || c == ':' || is_forbidden_win(c)))
			return 0;
	}
	if (flavor == WSB__PATH_WIN &&
	    (is_dot_or_space(name[len - 1]) || wsb__path_is_device_name(name, len)))
		return 0;
	return flavor == WSB__PATH_POSIX || flavor == WSB__PATH_WIN;
}
