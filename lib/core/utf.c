/*
 * Strict UTF-8 (RFC 3629) and UTF-16 conversion, and the case-insensitive
 * ordering Windows uses for file and environment variable names.
 */
#include "utf.h"
#include "common.h"

#include <string.h>

/* Decode one code point from s[*i..len). Returns 0 and advances *i, or -1
 * (leaving *i alone) for a malformed, overlong, truncated, surrogate or
 * out-of-range sequence. NUL decodes fine here; callers decide about it. */
static int decode_utf8(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t p = *i;
	unsigned char c = s[p];
	uint32_t v, min;
	size_t n, k;

	if (c < 0x80) {
		*cp = c;
		*i = p + 1;
		return 0;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1; v = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2; v = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3; v = c & 0x07; min = 0x10000;
	} else {
		return -1; /* continuation byte, C0/C1 (always overlong), F5..FF */
	}
	if (len - p - 1 < n)
		return -1;
	for (k = 1; k <= n; k++) {
		unsigned char t = s[p + k];
		if ((t & 0xC0) != 0x80)
			return -1;
		v = (v << 6) | (t & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return -1;
	*cp = v;
	*i = p + 1 + n;
	return 0;
}

/* Offset of the first invalid byte, or len when all of s is valid. */
static size_t utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t at = i;
		if (decode_utf8(u, len, &i, &cp) < 0 || cp == 0)
			return at;
	}
	return len;
}

int wsb__utf8_valid(const char *s, size_t len)
{
	if (!s)
		return len == 0;
	return utf8_invalid_at(s, len) == len;
}

int wsb__utf8_check_arg(const char *s, size_t max_len, const char *what)
{
	size_t len, bad;

	if (!what)
		what = "string";
	if (!s)
		return wsb__error(WSB_EINVAL, "invalid argument: %s is NULL", what);
	len = strlen(s);
	if (len > max_len)
		return wsb__error(WSB_ETOOLONG, "%s is too long (%lu bytes, at most %lu)",
			what, (unsigned long)len, (unsigned long)max_len);
	bad = utf8_invalid_at(s, len);
	if (bad != len)
		return wsb__error(WSB_EUTF8, "%s is not valid UTF-8 (at byte %lu)",
			what, (unsigned long)bad);
	return WSB_OK;
}

int wsb__utf8_to_utf16(uint16_t **out, size_t *out_len, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, units = 0, o = 0;
	uint16_t *w;
	uint32_t cp;

	WSB__CHECK_ARG(out, "out");
	WSB__CHECK_ARG(s || len == 0, "s");
	*out = NULL;
	/* First pass validates and sizes, so nothing is allocated for bad input. */
	while (i < len) {
		size_t at = i;
		if (decode_utf8(u, len, &i, &cp) < 0 || cp == 0)
			return wsb__error(WSB_EUTF8, "invalid UTF-8 at byte %lu", (unsigned long)at);
		units += cp >= 0x10000 ? 2 : 1;
	}
	w = wsb__calloc(units + 1, sizeof(*w));
	if (!w)
		return wsb__error_nomem();
	for (i = 0; i < len;) {
		decode_utf8(u, len, &i, &cp);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			w[o++] = (uint16_t)(0xD800 | (cp >> 10));
			w[o++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else {
			w[o++] = (uint16_t)cp;
		}
	}
	w[o] = 0;
	*out = w;
	if (out_len)
		*out_len = o;
	return WSB_OK;
}

/* Decode one code point from UTF-16; -1 for an unpaired surrogate or NUL. */
static int decode_utf16(const uint16_t *s, size_t len, size_t *i, uint32_t *cp)
{
	uint32_t c = s[*i];

	if (c == 0)
		return -1;
	if (c >= 0xDC00 && c <= 0xDFFF)
		return -1;
	if (c >= 0xD800 && c <= 0xDBFF) {
		uint32_t t;
		if (*i + 1 >= len)
			return -1;
		t = s[*i + 1];
		if (t < 0xDC00 || t > 0xDFFF)
			return -1;
		*cp = 0x10000 + ((c - 0xD800) << 10) + (t - 0xDC00);
		*i += 2;
		return 0;
	}
	*cp = c;
	*i += 1;
	return 0;
}

static size_t utf8_width(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

int wsb__utf16_to_utf8(char **out, size_t *out_len, const uint16_t *s, size_t len)
{
	size_t i = 0, bytes = 0, o = 0;
	unsigned char *p;
	uint32_t cp;

	WSB__CHECK_ARG(out, "out");
	WSB__CHECK_ARG(s || len == 0, "s");
	*out = NULL;
	while (i < len) {
		size_t at = i;
		if (decode_utf16(s, len, &i, &cp) < 0)
			return wsb__error(WSB_EUTF8, "invalid UTF-16 at unit %lu", (unsigned long)at);
		bytes += utf8_width(cp);
	}
	p = wsb__malloc(bytes + 1);
	if (!p)
		return wsb__error_nomem();
	for (i = 0; i < len;) {
		decode_utf16(s, len, &i, &cp);
		switch (utf8_width(cp)) {
		case 1:
			p[o++] = (unsigned char)cp;
			break;
		case 2:
			p[o++] = (unsigned char)(0xC0 | (cp >> 6));
			p[o++] = (unsigned char)(0x80 | (cp & 0x3F));
			break;
		case 3:
			p[o++] = (unsigned char)(0xE0 | (cp >> 12));
			p[o++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			p[o++] = (unsigned char)(0x80 | (cp & 0x3F));
			break;
		default:
			p[o++] = (unsigned char)(0xF0 | (cp >> 18));
			p[o++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			p[o++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			p[o++] = (unsigned char)(0x80 | (cp & 0x3F));
			break;
		}
	}
	p[o] = 0;
	*out = (char *)p;
	if (out_len)
		*out_len = o;
	return WSB_OK;
}

size_t wsb__utf16_len(const uint16_t *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	while (s[n])
		n++;
	return n;
}

/*
 * Simple upper-casing of BMP code points, written as ranges. Windows upcases
 * names one UTF-16 unit at a time through a fixed table (the NTFS $UpCase
 * data); this covers the parts of it that matter for names people type:
 * ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic, Armenian, Roman
 * numerals, circled letters and fullwidth Latin. Like Windows, it never maps
 * a non-ASCII letter to ASCII (U+0131 dotless i and U+017F long s stay as
 * they are), so ".gıt" is not ".git". U+00B5 micro sign and U+00DF sharp s
 * have no single upper-case unit and stay too.
 *
 * RUN: every code point in [first, last] moves by delta.
 * PAIRS: the range alternates upper, lower, upper, lower...; the lower one
 * (odd offset from first) moves down by one.
 */
enum { RUN, PAIRS };

static const struct upcase_range {
	uint16_t first, last;
	int16_t delta;
	uint8_t kind;
} upcase_ranges[] = {
	/* sorted by first; ranges do not overlap */
	{ 0x0061, 0x007A,  -32, RUN },   /* a-z */
	{ 0x00E0, 0x00F6,  -32, RUN },   /* a-grave .. o-diaeresis */
	{ 0x00F8, 0x00FE,  -32, RUN },   /* o-stroke .. thorn (skips division sign) */
	{ 0x00FF, 0x00FF,  0x0178 - 0x00FF, RUN }, /* y-diaeresis */
	{ 0x0100, 0x012F,    0, PAIRS }, /* A-macron .. i-ogonek */
	{ 0x0132, 0x0137,    0, PAIRS }, /* IJ .. k-cedilla */
	{ 0x0139, 0x0148,    0, PAIRS }, /* L-acute .. n-caron */
	{ 0x014A, 0x0177,    0, PAIRS }, /* ENG .. y-circumflex */
	{ 0x0179, 0x017E,    0, PAIRS }, /* Z-acute .. z-caron */
	{ 0x03AC, 0x03AC,  -38, RUN },   /* alpha-tonos */
	{ 0x03AD, 0x03AF,  -37, RUN },   /* epsilon, eta, iota with tonos */
	{ 0x03B1, 0x03C1,  -32, RUN },   /* alpha .. rho */
	{ 0x03C2, 0x03C2,  -31, RUN },   /* final sigma -> SIGMA */
	{ 0x03C3, 0x03CB,  -32, RUN },   /* sigma .. upsilon-dialytika */
	{ 0x03CC, 0x03CC,  -64, RUN },   /* omicron-tonos */
	{ 0x03CD, 0x03CE,  -63, RUN },   /* upsilon, omega with tonos */
	{ 0x0430, 0x044F,  -32, RUN },   /* Cyrillic a .. ya */
	{ 0x0450, 0x045F,  -80, RUN },   /* ie-grave .. dzhe */
	{ 0x0460, 0x0481,    0, PAIRS }, /* omega .. koppa */
	{ 0x048A, 0x04BF,    0, PAIRS }, /* short i with tail .. abkhasian che */
	{ 0x04C1, 0x04CE,    0, PAIRS }, /* zhe-breve .. em with tail (odd start) */
	{ 0x04D0, 0x052F,    0, PAIRS }, /* a-breve .. el with descender */
	{ 0x0561, 0x0586,  -48, RUN },   /* Armenian ayb .. feh */
	{ 0x2170, 0x217F,  -16, RUN },   /* small Roman numerals */
	{ 0x24D0, 0x24E9,  -26, RUN },   /* circled a .. z */
	{ 0xFF41, 0xFF5A,  -32, RUN },   /* fullwidth a .. z */
};

static uint32_t upcase(uint32_t c)
{
	size_t lo = 0, hi = WSB__ARRAY_SIZE(upcase_ranges);

	if (c < 0x61)
		return c;
	if (c <= 0x7A)
		return c - 32;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct upcase_range *r = &upcase_ranges[mid];
		if (c < r->first)
			hi = mid;
		else if (c > r->last)
			lo = mid + 1;
		else if (r->kind == RUN)
			return (uint32_t)((int32_t)c + r->delta);
		else
			return ((c - r->first) & 1) ? c - 1 : c;
	}
	return c;
}

/*
 * Key of a code point in the order of its UTF-16 units, so that UTF-8 and
 * UTF-16 comparisons agree: U+E000..U+FFFF sort after the supplementary
 * planes (whose lead surrogates are D800..DBFF). Bytes that do not decode
 * sort after everything, one by one.
 */
static uint32_t utf16_order_key(uint32_t cp)
{
	if (cp >= 0xE000 && cp <= 0xFFFF)
		return cp + 0x200000;
	return cp;
}

static uint32_t next_key(const unsigned char *s, size_t len, size_t *i)
{
	uint32_t cp;

	if (decode_utf8(s, len, i, &cp) < 0)
		return 0x400000u + s[(*i)++];
	return utf16_order_key(cp < 0x10000 ? upcase(cp) : cp);
}

int wsb__utf8_ncasecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *ua = (const unsigned char *)a;
	const unsigned char *ub = (const unsigned char *)b;
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		uint32_t ka = next_key(ua, alen, &i);
		uint32_t kb = next_key(ub, blen, &j);
		if (ka != kb)
			return ka < kb ? -1 : 1;
	}
	if (i < alen)
		return 1;
	if (j < blen)
		return -1;
	return 0;
}

int wsb__utf8_casecmp(const char *a, const char *b)
{
	return wsb__utf8_ncasecmp(a, strlen(a), b, strlen(b));
}

int wsb__utf16_casecmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		/* Unit by unit like Windows: surrogates are never upcased. */
		uint32_t ca = upcase(a[i]), cb = upcase(b[i]);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}
