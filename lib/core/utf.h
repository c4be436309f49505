/*
 * Strict UTF-8 validation and UTF-8 <-> UTF-16 conversion (lib/core/utf.c).
 * OS-neutral: UTF-16 is plain uint16_t, so it is tested on every host. The
 * Windows backend casts to wchar_t at the boundary.
 */
#ifndef WSB_CORE_UTF_H
#define WSB_CORE_UTF_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..len) is valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated sequence). Embedded NULs are invalid.
 * Never reads past len. */
int wsb__utf8_valid(const char *s, size_t len);

/* Validate a NUL-terminated public string argument, setting the error.
 * what names the argument in the message (the byte offset of bad UTF-8 is
 * given too). Returns WSB_OK, WSB_EINVAL (NULL), WSB_EUTF8 or WSB_ETOOLONG
 * (strlen > max_len; pass (size_t)-1 for no limit). */
int wsb__utf8_check_arg(const char *s, size_t max_len, const char *what);

/* UTF-8 -> UTF-16. *out is NUL-terminated, freed with wsb__free; *out_len
 * (may be NULL) gets the count of units without the NUL. WSB_EUTF8 on bad
 * input (exactly when wsb__utf8_valid says 0), with *out NULL. */
int wsb__utf8_to_utf16(uint16_t **out, size_t *out_len, const char *s, size_t len);

/* UTF-16 -> UTF-8. Unpaired surrogates and NUL units inside s[0..len) are
 * rejected (WSB_EUTF8), so the result is always valid UTF-8. */
int wsb__utf16_to_utf8(char **out, size_t *out_len, const uint16_t *s, size_t len);

/* Length of a NUL-terminated UTF-16 string. */
size_t wsb__utf16_len(const uint16_t *s);

/* Case-insensitive comparison of UTF-8 strings the way Windows compares file
 * names: each BMP code point is upper-cased by a fixed table (ASCII,
 * Latin-1, Latin Extended-A, Greek, Cyrillic, Armenian, Roman numerals,
 * circled and fullwidth Latin), then compared in UTF-16 unit order, so the
 * result has the same sign as wsb__utf16_casecmp on the converted strings.
 * No non-ASCII letter ever equals an ASCII one (U+0131, U+017F stay).
 * Returns <0, 0, >0. Invalid bytes do not crash: they compare as
 * themselves, after every character. */
int wsb__utf8_casecmp(const char *a, const char *b);
int wsb__utf8_ncasecmp(const char *a, size_t alen, const char *b, size_t blen);

/* Same ordering over UTF-16, unit by unit (surrogates are not upper-cased),
 * as Windows sorts environment blocks. Lengths in units. */
int wsb__utf16_casecmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen);

#endif
