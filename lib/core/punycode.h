/*
 * Punycode (RFC 3492) encoding of one host-name label, for IDNA A-labels
 * (lib/core/punycode.c). Pure: no allocation, no OS calls.
 */
#ifndef WSB_CORE_PUNYCODE_H
#define WSB_CORE_PUNYCODE_H

#include <stddef.h>
#include <stdint.h>

/* Encode cps[0..count) (Unicode code points, at most U+10FFFF) into out as
 * Punycode ASCII, without the "xn--" prefix and without a NUL. *out_len gets
 * the length. Returns 0, or -1 when the result would not fit in out_cap
 * bytes or the arithmetic would overflow (RFC 3492 section 6.4). */
int wsb__punycode_encode(char *out, size_t out_cap, size_t *out_len,
	const uint32_t *cps, size_t count);

#endif
