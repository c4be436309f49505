/* libFuzzer: the validator and the converters must agree. Valid UTF-8 goes
 * to UTF-16 and back unchanged; invalid UTF-8 is refused by the converter.
 * The input read as UTF-16 converts only when it has no unpaired surrogate
 * or NUL, and then round-trips too. Case comparison never crashes and is
 * antisymmetric, and agrees between UTF-8 and UTF-16. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/utf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s, size_t size)
{
	uint16_t *w = NULL;
	char *back = NULL;
	size_t wn = 0, bn = 0;
	int valid = wsb__utf8_valid(s, size);
	int rc = wsb__utf8_to_utf16(&w, &wn, s, size);

	if (valid != (rc == WSB_OK))
		abort();
	if (!valid) {
		if (rc != WSB_EUTF8 || w)
			abort();
		return;
	}
	if (w[wn] != 0 || wsb__utf16_len(w) != wn)
		abort();
	if (wsb__utf16_to_utf8(&back, &bn, w, wn) != WSB_OK)
		abort();
	if (bn != size || memcmp(back, s, size) != 0)
		abort();
	wsb__free(back);
	wsb__free(w);
}

static void check_utf16(const uint8_t *data, size_t size)
{
	size_t n = size / 2, i, bn = 0, wn = 0;
	uint16_t *w = malloc((n ? n : 1) * sizeof(*w)), *again = NULL;
	char *s = NULL;
	int ok = 1;

	if (!w)
		return;
	for (i = 0; i < n; i++)
		w[i] = (uint16_t)(data[2 * i] | (data[2 * i + 1] << 8));
	for (i = 0; i < n && ok; i++) {
		if (w[i] == 0 || (w[i] >= 0xDC00 && w[i] <= 0xDFFF))
			ok = 0;
		else if (w[i] >= 0xD800 && w[i] <= 0xDBFF) {
			if (i + 1 < n && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF)
				i++;
			else
				ok = 0;
		}
	}
	if ((wsb__utf16_to_utf8(&s, &bn, w, n) == WSB_OK) != ok)
		abort();
	if (ok) {
		if (!wsb__utf8_valid(s, bn))
			abort();
		if (wsb__utf8_to_utf16(&again, &wn, s, bn) != WSB_OK || wn != n ||
		    memcmp(again, w, n * sizeof(*w)) != 0)
			abort();
		wsb__free(again);
		wsb__free(s);
	}
	free(w);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void check_casecmp(const char *s, size_t size)
{
	size_t half = size / 2;
	const char *a = s, *b = s + half;
	size_t alen = half, blen = size - half;
	uint16_t *wa = NULL, *wb = NULL;
	size_t wan, wbn;
	int c = wsb__utf8_ncasecmp(a, alen, b, blen);

	if (sign(c) != -sign(wsb__utf8_ncasecmp(b, blen, a, alen)))
		abort();
	if (wsb__utf8_ncasecmp(a, alen, a, alen) != 0)
		abort();
	if (wsb__utf8_to_utf16(&wa, &wan, a, alen) == WSB_OK &&
	    wsb__utf8_to_utf16(&wb, &wbn, b, blen) == WSB_OK) {
		if (sign(wsb__utf16_casecmp(wa, wan, wb, wbn)) != sign(c))
			abort();
	}
	wsb__free(wa);
	wsb__free(wb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_utf8((const char *)data, size);
	check_utf16(data, size);
	check_casecmp((const char *)data, size);
	return 0;
}
