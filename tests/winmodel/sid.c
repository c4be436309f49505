/* SIDs: string form (MS-DTYP 2.4.2.1) and binary form (MS-DTYP 2.4.2.2). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *alias, *sid; } aliases[] = {
	{ "WD", "S-1-1-0" }, { "CO", "S-1-3-0" }, { "CG", "S-1-3-1" },
	{ "OW", "S-1-3-4" }, { "SY", "S-1-5-18" }, { "LS", "S-1-5-19" },
	{ "NS", "S-1-5-20" }, { "BA", "S-1-5-32-544" }, { "BU", "S-1-5-32-545" },
	{ "AU", "S-1-5-11" }, { "IU", "S-1-5-4" }, { "RC", "S-1-5-12" },
	{ "AC", "S-1-15-2-1" }, { "LW", "S-1-16-4096" }, { "ME", "S-1-16-8192" },
	{ "HI", "S-1-16-12288" }, { "SI", "S-1-16-16384" },
};

static int parse_u64(const char **pp, uint64_t *out, int allow_hex)
{
	const char *p = *pp;
	uint64_t v = 0;
	int base = 10, digits = 0;

	if (allow_hex && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		int d;
		if (*p >= '0' && *p <= '9') d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f') d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F') d = *p - 'A' + 10;
		else break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return WM_E_INVALID;
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits) return WM_E_INVALID;
	*pp = p;
	*out = v;
	return WM_OK;
}

int wm_sid_parse(wm_sid *out, const char *text)
{
	const char *p = text;
	uint64_t v;
	wm_sid s;
	size_t i;

	if (!out || !text) return WM_E_INVALID;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(text, aliases[i].alias) == 0)
			return wm_sid_parse(out, aliases[i].sid);
	memset(&s, 0, sizeof(s));
	if ((p[0] != 'S' && p[0] != 's') || p[1] != '-') return WM_E_INVALID;
	p += 2;
	if (parse_u64(&p, &v, 0) || v != 1 || *p != '-') return WM_E_INVALID;
	s.revision = 1;
	p++;
	if (parse_u64(&p, &v, 1) || v > 0xFFFFFFFFFFFFull) return WM_E_INVALID;
	for (i = 0; i < 6; i++) s.authority[5 - i] = (uint8_t)(v >> (8 * i));
	while (*p == '-') {
		p++;
		if (s.sub_count == WM_SID_MAX_SUB) return WM_E_INVALID;
		if (parse_u64(&p, &v, 0) || v > 0xFFFFFFFFu) return WM_E_INVALID;
		s.sub[s.sub_count++] = (uint32_t)v;
	}
	if (*p) return WM_E_INVALID;
	*out = s;
	return WM_OK;
}

int wm_sid_format(const wm_sid *sid, char *buf, size_t buflen)
{
	uint64_t auth = 0;
	size_t i, n;
	int w;

	for (i = 0; i < 6; i++) auth = (auth << 8) | sid->authority[i];
	/* Authorities of 2^32 and more are written in hex (MS-DTYP 2.4.2.1). */
	if (auth >= 0x100000000ull)
		w = snprintf(buf, buflen, "S-%u-0x%012llX", sid->revision, (unsigned long long)auth);
	else
		w = snprintf(buf, buflen, "S-%u-%llu", sid->revision, (unsigned long long)auth);
	if (w < 0 || (size_t)w >= buflen) return WM_E_INVALID;
	n = (size_t)w;
	for (i = 0; i < sid->sub_count; i++) {
		w = snprintf(buf + n, buflen - n, "-%lu", (unsigned long)sid->sub[i]);
		if (w < 0 || (size_t)w >= buflen - n) return WM_E_INVALID;
		n += (size_t)w;
	}
	return WM_OK;
}

size_t wm_sid_size(const wm_sid *sid)
{
	return 8 + 4 * (size_t)sid->sub_count;
}

int wm_sid_from_bin(wm_sid *out, const uint8_t *p, size_t len, size_t *used)
{
	wm_sid s;
	size_t i;

	if (len < 8 || p[0] != 1 || p[1] > WM_SID_MAX_SUB || len < 8 + 4 * (size_t)p[1])
		return WM_E_INVALID;
	memset(&s, 0, sizeof(s));
	s.revision = 1;
	s.sub_count = p[1];
	memcpy(s.authority, p + 2, 6);
	for (i = 0; i < s.sub_count; i++) {
		const uint8_t *q = p + 8 + 4 * i;
		s.sub[i] = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
	}
	*out = s;
	if (used) *used = wm_sid_size(&s);
	return WM_OK;
}

void wm_sid_to_bin(const wm_sid *sid, uint8_t *p)
{
	size_t i;

	p[0] = sid->revision;
	p[1] = sid->sub_count;
	memcpy(p + 2, sid->authority, 6);
	for (i = 0; i < sid->sub_count; i++) {
		uint8_t *q = p + 8 + 4 * i;
		q[0] = (uint8_t)sid->sub[i];
		q[1] = (uint8_t)(sid->sub[i] >> 8);
		q[2] = (uint8_t)(sid->sub[i] >> 16);
		q[3] = (uint8_t)(sid->sub[i] >> 24);
	}
}

int wm_sid_equal(const wm_sid *a, const wm_sid *b)
{
	return a->revision == b->revision && a->sub_count == b->sub_count
		&& memcmp(a->authority, b->authority, 6) == 0
		&& memcmp(a->sub, b->sub, 4 * (size_t)a->sub_count) == 0;
}

wm_sid wm_sid_of(const char *text)
{
	wm_sid s;

	if (wm_sid_parse(&s, text) != WM_OK) {
		fprintf(stderr, "winmodel: bad SID literal %s\n", text);
		abort();
	}
	return s;
}
