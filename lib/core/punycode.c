/*
 * Punycode encoder, written from RFC 3492 section 6.3 (the decoder is not
 * needed: the library only compares names in A-label form).
 */
#include "punycode.h"

enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700,
	INITIAL_BIAS = 72, INITIAL_N = 0x80 };

static char digit(uint32_t d)
{
	/* 0..25 -> a..z, 26..35 -> 0..9 (lower case, as A-labels are compared). */
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static uint32_t adapt(uint32_t delta, uint32_t numpoints, int first)
{
	uint32_t k = 0;

	delta = first ? delta / DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((BASE - TMIN) * TMAX) / 2) {
		delta /= BASE - TMIN;
		k += BASE;
	}
	return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

int wsb__punycode_encode(char *out, size_t out_cap, size_t *out_len,
	const uint32_t *cps, size_t count)
{
	uint32_t n = INITIAL_N, delta = 0, bias = INITIAL_BIAS, h, b, m, q, k, t;
	size_t len = 0, j;

	if (count > 0xffffu)
		return -1;
	for (j = 0; j < count; j++) {
		if (cps[j] > 0x10ffff)
			return -1;
		if (cps[j] < 0x80) {
			if (len >= out_cap)
				return -1;
			out[len++] = (char)cps[j];
		}
	}
	h = b = (uint32_t)len;
	if (b > 0) {
		if (len >= out_cap)
			return -1;
		out[len++] = '-';
	}
	while (h < count) {
		m = 0xffffffffu;
		for (j = 0; j < count; j++)
			if (cps[j] >= n && cps[j] < m)
				m = cps[j];
		if (m - n > (0xffffffffu - delta) / (h + 1))
			return -1;
		delta += (m - n) * (h + 1);
		n = m;
		for (j = 0; j < count; j++) {
			if (cps[j] < n && ++delta == 0)
				return -1;
			if (cps[j] != n)
				continue;
			for (q = delta, k = BASE;; k += BASE) {
				t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
				if (q < t)
					break;
				if (len >= out_cap)
					return -1;
				out[len++] = digit(t + (q - t) % (BASE - t));
				q = (q - t) / (BASE - t);
			}
			if (len >= out_cap)
				return -1;
			out[len++] = digit(q);
			bias = adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		n++;
	}
	*out_len = len;
	return 0;
}
