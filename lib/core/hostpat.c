/*
 * Host names and the allow-list's patterns (docs/network.md). Names are
 * compared in IDNA A-label form: Unicode labels are lower-cased and
 * Punycode-encoded, so "BÜCHER.example" and "xn--bcher-kva.example" are one
 * host. Of UTS #46 only the case folding of the common scripts and the three
 * full stops are done: no NFC, no compatibility mapping (fullwidth letters
 * are refused, not mapped), no Bidi or CONTEXTJ rules, and deviation
 * characters (U+00DF, U+03C2, ZWJ/ZWNJ) are encoded as they are
 * (transitional processing is not done). A name that needs more is still
 * safe: it simply never equals another spelling of itself.
 */
#include "hostpat.h"
#include "punycode.h"
#include "utf.h"

#include <stdio.h>
#include <string.h>

#define LABEL_MAX 63

static int is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Decode one code point of valid UTF-8 (the caller validated it). */
static uint32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];

	if (c < 0x80) {
		*p += 1;
		return c;
	}
	if (c < 0xe0) {
		*p += 2;
		return ((c & 0x1f) << 6) | (s[1] & 0x3f);
	}
	if (c < 0xf0) {
		*p += 3;
		return ((c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
	}
	*p += 4;
	return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
		((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
}

/* Simple lower-case mapping of the scripts host names mostly use. */
static uint32_t fold(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if ((c >= 0xc0 && c <= 0xde && c != 0xd7))
		return c + 32;
	if (c >= 0x100 && c <= 0x17f && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 &&
	    c != 0x17f) {
		/* Latin Extended-A pairs: even upper in 0100-0137 and 014A-0177,
		 * odd upper in 0139-0148 and 0179-017E; 0178 is Ÿ. */
		if (c == 0x178)
			return 0xff;
		if ((c < 0x138 || (c >= 0x14a && c < 0x178)) && !(c & 1))
			return c + 1;
		if (((c >= 0x139 && c < 0x149) || (c >= 0x179 && c < 0x17f)) && (c & 1))
			return c + 1;
		return c;
	}
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

/* Code points no host name may hold: controls, spaces, and the characters
 * URL syntax or the proxy's own parsing gives a meaning to. */
static int disallowed(uint32_t c)
{
	if (c < 0x80)
		return !is_ldh((unsigned char)c);
	return c < 0xa1 || c == 0xad || (c >= 0x2000 && c <= 0x200f) ||
		(c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) ||
		c == 0x3000 || c == 0xfeff || (c >= 0xfff0 && c <= 0xffff) ||
		(c >= 0xff01 && c <= 0xff5e) || (c >= 0xd800 && c <= 0xdfff);
}

static int is_full_stop(uint32_t c)
{
	return c == '.' || c == 0x3002 || c == 0xff0e || c == 0xff61;
}

/* One label (code points) to ASCII, appended to b. */
static int label_to_ascii(wsb__buf *b, const uint32_t *cps, size_t n)
{
	char enc[LABEL_MAX + 1];
	size_t i, len;
	int ascii = 1;

	if (n == 0)
		return wsb__error(WSB_EINVAL, "an empty label");
	for (i = 0; i < n; i++) {
		if (disallowed(cps[i]))
			return cps[i] < 0x80 && cps[i] > 0x20 && cps[i] != 0x7f ?
				wsb__error(WSB_EINVAL, "'%c' is not allowed in a host name", (char)cps[i]) :
				wsb__error(WSB_EINVAL, "U+%04lX is not allowed in a host name",
					(unsigned long)cps[i]);
		if (cps[i] >= 0x80)
			ascii = 0;
	}
	if (cps[0] == '-' || cps[n - 1] == '-')
		return wsb__error(WSB_EINVAL, "a label starts or ends with '-'");
	if (ascii) {
		if (n > LABEL_MAX)
			return wsb__error(WSB_ETOOLONG, "a label is longer than %d bytes", LABEL_MAX);
		if (n > 4 && cps[0] == 'x' && cps[1] == 'n' && cps[2] == '-' && cps[3] == '-') {
			for (i = 4; i < n; i++)
				if (cps[i] == '_')
					return wsb__error(WSB_EINVAL, "an A-label ('xn--') holds '_'");
		}
		for (i = 0; i < n; i++)
			wsb__buf_putc(b, (char)cps[i]);
		return WSB_OK;
	}
	if (wsb__punycode_encode(enc, LABEL_MAX - 4, &len, cps, n) < 0)
		return wsb__error(WSB_ETOOLONG, "a label is longer than %d bytes in A-label form", LABEL_MAX);
	wsb__buf_puts(b, "xn--");
	wsb__buf_put(b, enc, len);
	return WSB_OK;
}

int wsb__host_to_ascii(char **out, const char *host, size_t len)
{
	wsb__buf b = WSB__BUF_INIT;
	uint32_t cps[WSB__HOST_INPUT_MAX];
	const unsigned char *p = (const unsigned char *)host, *end = p + len;
	size_t n = 0, start = 0, i;
	int rc = WSB_OK;

	*out = NULL;
	if (len == 0)
		return wsb__error(WSB_EINVAL, "the host name is empty");
	if (len > WSB__HOST_INPUT_MAX)
		return wsb__error(WSB_ETOOLONG, "the host name is longer than %d bytes", WSB__HOST_INPUT_MAX);
	if (!wsb__utf8_valid(host, len))
		return wsb__error(WSB_EUTF8, "the host name is not valid UTF-8");
	while (p < end)
		cps[n++] = fold(utf8_next(&p));
	if (is_full_stop(cps[n - 1]))
		n--;
	for (i = 0; i <= n && rc == WSB_OK; i++) {
		if (i < n && !is_full_stop(cps[i]))
			continue;
		if (start > 0)
			wsb__buf_putc(&b, '.');
		rc = label_to_ascii(&b, cps + start, i - start);
		start = i + 1;
	}
	if (rc == WSB_OK && b.oom)
		rc = wsb__error_nomem();
	if (rc == WSB_OK && b.size > WSB__HOST_MAX)
		rc = wsb__error(WSB_ETOOLONG, "the host name is longer than %d bytes in A-label form",
			WSB__HOST_MAX);
	if (rc < 0) {
		wsb__buf_dispose(&b);
		return rc;
	}
	*out = wsb__buf_detach(&b);
	return WSB_OK;
}

int wsb__host_looks_numeric(const char *ascii)
{
	const char *last = strrchr(ascii, '.');
	const char *s = last ? last + 1 : ascii;

	if (*s == '\0')
		return 0;
	if (s[0] == '0' && s[1] == 'x') {
		for (s += 2; *s; s++)
			if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
				return 0;
		return 1;
	}
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int parse_v4(unsigned char *a, const char *s, size_t len)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned int v = 0, digits = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned int)(s[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0'))
			return 0;
		a[part] = (unsigned char)v;
	}
	return i == len;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_v6(unsigned char *a, const char *s, size_t len)
{
	unsigned char words[16];
	size_t i = 0, n = 0, gap = (size_t)-1;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len > 0 && s[0] == ':') {
		return 0;
	}
	while (i < len) {
		unsigned int v = 0, digits = 0;
		size_t start = i;

		if (n >= 16)
			return 0;
		while (i < len && hexval(s[i]) >= 0 && digits < 5) {
			v = v * 16 + (unsigned int)hexval(s[i++]);
			digits++;
		}
		if (i < len && s[i] == '.') {
			/* A trailing dotted quad fills the last 32 bits. */
			if (n > 12 || !parse_v4(words + n, s + start, len - start))
				return 0;
			n += 4;
			i = len;
			break;
		}
		if (digits == 0 || digits > 4)
			return 0;
		words[n++] = (unsigned char)(v >> 8);
		words[n++] = (unsigned char)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < len && s[i] == ':') {
			if (gap != (size_t)-1)
				return 0;
			gap = n;
			i++;
		} else if (i == len) {
			return 0;
		}
	}
	if (gap == (size_t)-1) {
		if (n != 16)
			return 0;
		memcpy(a, words, 16);
		return 1;
	}
	if (n > 14)
		return 0;
	memset(a, 0, 16);
	memcpy(a, words, gap);
	memcpy(a + 16 - (n - gap), words + gap, n - gap);
	return 1;
}

int wsb__addr_parse(unsigned char *addr, const char *s, size_t len)
{
	memset(addr, 0, 16);
	if (parse_v4(addr, s, len))
		return WSB__ADDR_V4;
	if (memchr(s, ':', len) && parse_v6(addr, s, len))
		return WSB__ADDR_V6;
	memset(addr, 0, 16);
	return 0;
}

void wsb__addr_format(char *buf, size_t cap, int family, const unsigned char *a)
{
	size_t best = 0, best_len = 0, run = 0, i, n = 0;
	int k;

	if (family == WSB__ADDR_V4) {
		snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* RFC 5952: the longest run (of two or more) of zero words becomes "::". */
	for (i = 0; i < 8; i++) {
		if (a[2 * i] == 0 && a[2 * i + 1] == 0) {
			if (++run > best_len && run >= 2) {
				best_len = run;
				best = i + 1 - run;
			}
		} else {
			run = 0;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (best_len && i == best) {
			k = snprintf(buf + n, cap - n, "::");
			i += best_len - 1;
		} else {
			k = snprintf(buf + n, cap - n, "%s%x", (n && buf[n - 1] != ':') ? ":" : "",
				(unsigned int)(a[2 * i] << 8 | a[2 * i + 1]));
		}
		if (k < 0 || (size_t)k >= cap - n)
			return;
		n += (size_t)k;
	}
}

static int in_v4(const unsigned char *a, unsigned int b0, unsigned int b1, unsigned int bits)
{
	unsigned long x = (unsigned long)a[0] << 24 | (unsigned long)a[1] << 16 |
		(unsigned long)a[2] << 8 | a[3];
	unsigned long net = (unsigned long)b0 << 24 | (unsigned long)b1 << 16;
	unsigned long mask = bits ? 0xffffffffUL << (32 - bits) & 0xffffffffUL : 0;

	return (x & mask) == net;
}

static const char *v4_restricted(const unsigned char *a)
{
	if (in_v4(a, 0, 0, 8))
		return "unspecified (0.0.0.0/8)";
	if (in_v4(a, 127, 0, 8))
		return "loopback";
	if (in_v4(a, 169, 254, 16))
		return "link-local (169.254.0.0/16, cloud metadata)";
	if (in_v4(a, 10, 0, 8) || in_v4(a, 172, 16, 12) || in_v4(a, 192, 168, 16))
		return "private";
	if (in_v4(a, 100, 64, 10))
		return "shared address space (100.64.0.0/10)";
	if ((a[0] == 192 && a[1] == 0 && a[2] == 0) || in_v4(a, 198, 18, 15))
		return "reserved";
	if (in_v4(a, 224, 0, 4))
		return "multicast";
	if (in_v4(a, 240, 0, 4))
		return "reserved (240.0.0.0/4, broadcast)";
	return NULL;
}

const char *wsb__addr_restricted(int family, const unsigned char *a)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char zero[16];

	if (family == WSB__ADDR_V4)
		return v4_restricted(a);
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_restricted(a + 12);
	if (memcmp(a, zero, 15) == 0)
		return a[15] == 1 ? "loopback" : "unspecified";
	if (memcmp(a, zero, 12) == 0)
		return "reserved (IPv4-compatible)";
	if ((a[0] & 0xfe) == 0xfc)
		return "unique-local (fc00::/7)";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local (fe80::/10)";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return "site-local (fec0::/10)";
	if (a[0] == 0xff)
		return "multicast";
	return NULL;
}

/* ":p1,p2" or ":*" (s points after the colon). */
static int parse_ports(wsb__hostpat *p, const char *s)
{
	if (strcmp(s, "*") == 0) {
		p->any_port = 1;
		return WSB_OK;
	}
	for (;;) {
		unsigned long v = 0;
		size_t digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 6) {
			v = v * 10 + (unsigned long)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || v < 1 || v > 65535)
			return wsb__error(WSB_EINVAL, "a port is not a number from 1 to 65535");
		if (p->port_count >= WSB__HOSTPAT_MAX_PORTS)
			return wsb__error(WSB_EINVAL, "more than %d ports", WSB__HOSTPAT_MAX_PORTS);
		p->ports[p->port_count++] = (unsigned short)v;
		if (*s == '\0')
			return WSB_OK;
		if (*s++ != ',')
			return wsb__error(WSB_EINVAL, "ports are numbers separated by ',' (or '*')");
	}
}

static int parse_prefix(wsb__hostpat *p, const char *s, size_t len)
{
	unsigned int max = p->family == WSB__ADDR_V4 ? 32 : 128, v = 0, bit;
	size_t i;

	p->prefix = max;
	if (len == 0)
		return WSB_OK;
	if (len > 3)
		return wsb__error(WSB_EINVAL, "the prefix length is not a number");
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return wsb__error(WSB_EINVAL, "the prefix length is not a number");
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return wsb__error(WSB_EINVAL, "the prefix length is more than %u", max);
	p->prefix = v;
	for (bit = v; bit < 128; bit++)
		p->addr[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
	return WSB_OK;
}

static int parse_address(wsb__hostpat *p, const char *s)
{
	const char *a = s, *a_end, *len_start = NULL, *len_end = NULL, *ports = NULL;
	char text[64];
	int rc;

	if (*s == '[') {
		/* "[v6]", then "/len", then ":ports", each optional after the address. */
		const char *close = strchr(s, ']'), *rest;

		if (close == NULL)
			return wsb__error(WSB_EINVAL, "'[' without ']'");
		a = s + 1;
		a_end = close;
		rest = close + 1;
		if (*rest == '/') {
			len_start = ++rest;
			while (*rest && *rest != ':')
				rest++;
			len_end = rest;
		}
		if (*rest == ':')
			ports = rest + 1;
		else if (*rest != '\0')
			return wsb__error(WSB_EINVAL, "only '/len' and ':ports' may follow ']'");
	} else {
		const char *c1 = strchr(s, ':'), *slash;

		if (c1 && strchr(c1 + 1, ':')) {
			a_end = s + strlen(s); /* a bare IPv6 address: no ports */
		} else {
			a_end = c1 ? c1 : s + strlen(s);
			ports = c1 ? c1 + 1 : NULL;
		}
		slash = memchr(a, '/', (size_t)(a_end - a));
		if (slash) {
			len_start = slash + 1;
			len_end = a_end;
			a_end = slash;
		}
	}
	p->family = wsb__addr_parse(p->addr, a, (size_t)(a_end - a));
	if (p->family == 0)
		return wsb__error(WSB_EINVAL, "not an IPv4 or IPv6 address (with an optional /prefix)");
	if ((rc = parse_prefix(p, len_start ? len_start : a_end,
			len_start ? (size_t)(len_end - len_start) : 0)) < 0)
		return rc;
	if (ports && (rc = parse_ports(p, ports)) < 0)
		return rc;
	wsb__addr_format(text, sizeof(text), p->family, p->addr);
	return (p->name = wsb__strdup(text)) ? WSB_OK : wsb__error_nomem();
}

static int parse_name(wsb__hostpat *p, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	int rc;

	if (*s == '[' || (colon && strchr(colon + 1, ':')))
		return wsb__error(WSB_EINVAL, "an IPv6 address is not a host name "
			"(allow addresses with wsb_policy_allow_address)");
	if (len == 1 && s[0] == '*')
		return wsb__error(WSB_EINVAL, "a bare '*' would allow every host "
			"(that is WSB_NETWORK_ON)");
	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		p->wildcard = 1;
		s += 2;
		len -= 2;
	}
	if (memchr(s, '*', len))
		return wsb__error(WSB_EINVAL, "'*' may only be a whole first label (\"*.example.org\")");
	if ((rc = wsb__host_to_ascii(&p->name, s, len)) < 0)
		return rc;
	if (wsb__host_looks_numeric(p->name))
		return wsb__error(WSB_EINVAL, "an address literal is not a host name "
			"(allow addresses with wsb_policy_allow_address)");
	if (colon && (rc = parse_ports(p, colon + 1)) < 0)
		return rc;
	return WSB_OK;
}

int wsb__hostpat_parse(wsb__hostpat *out, const char *pattern, int address, int deny)
{
	wsb__buf text = WSB__BUF_INIT;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->deny = deny;
	out->is_address = address;
	if (strlen(pattern) > WSB__HOST_INPUT_MAX)
		return wsb__error(WSB_ETOOLONG, "the pattern is longer than %d bytes", WSB__HOST_INPUT_MAX);
	if (!wsb__utf8_valid(pattern, strlen(pattern)))
		return wsb__error(WSB_EUTF8, "the pattern is not valid UTF-8");
	rc = address ? parse_address(out, pattern) : parse_name(out, pattern);
	if (rc == WSB_OK && !out->any_port && out->port_count == 0) {
		/* A deny rule without ports covers every port; an allow rule the web's. */
		if (deny) {
			out->any_port = 1;
		} else {
			out->ports[0] = 80;
			out->ports[1] = 443;
			out->port_count = 2;
		}
	}
	if (rc == WSB_OK) {
		if (out->is_address && out->family == WSB__ADDR_V6)
			wsb__buf_printf(&text, "[%s]/%u", out->name, out->prefix);
		else if (out->is_address)
			wsb__buf_printf(&text, "%s/%u", out->name, out->prefix);
		else
			wsb__buf_printf(&text, "%s%s", out->wildcard ? "*." : "", out->name);
		if (out->any_port)
			wsb__buf_puts(&text, ":*");
		for (i = 0; i < out->port_count; i++)
			wsb__buf_printf(&text, "%c%u", i ? ',' : ':', (unsigned int)out->ports[i]);
		if (text.oom)
			rc = wsb__error_nomem();
		else
			out->text = wsb__buf_detach(&text);
	}
	if (rc < 0) {
		wsb__buf_dispose(&text);
		wsb__hostpat_dispose(out);
	}
	return rc;
}

void wsb__hostpat_dispose(wsb__hostpat *p)
{
	wsb__free(p->name);
	wsb__free(p->text);
	p->name = p->text = NULL;
}

int wsb__hostpat_copy(wsb__hostpat *out, const wsb__hostpat *in)
{
	*out = *in;
	out->name = wsb__strdup(in->name);
	out->text = wsb__strdup(in->text);
	if (out->name == NULL || out->text == NULL) {
		wsb__hostpat_dispose(out);
		return wsb__error_nomem();
	}
	return WSB_OK;
}

static int port_matches(const wsb__hostpat *p, unsigned int port)
{
	size_t i;

	if (p->any_port)
		return 1;
	for (i = 0; i < p->port_count; i++)
		if (p->ports[i] == port)
			return 1;
	return 0;
}

int wsb__hostpat_match_name(const wsb__hostpat *p, const char *ascii, unsigned int port)
{
	size_t n, h;

	if (p->is_address || !port_matches(p, port))
		return 0;
	if (!p->wildcard)
		return strcmp(p->name, ascii) == 0;
	n = strlen(p->name);
	h = strlen(ascii);
	return h > n + 1 && ascii[h - n - 1] == '.' && strcmp(ascii + h - n, p->name) == 0;
}

int wsb__hostpat_match_addr(const wsb__hostpat *p, int family, const unsigned char *addr,
	unsigned int port)
{
	unsigned int full = p->prefix / 8, rest = p->prefix % 8;

	if (!p->is_address || p->family != family || !port_matches(p, port))
		return 0;
	if (memcmp(p->addr, addr, full) != 0)
		return 0;
	return rest == 0 || ((p->addr[full] ^ addr[full]) & (0xff00u >> rest) & 0xff) == 0;
}

void wsb__net_decide_host(wsb__net_verdict *out, const wsb__hostpat *rules, size_t count,
	const char *ascii, unsigned int port)
{
	unsigned char addr[16];
	int family = wsb__addr_parse(addr, ascii, strlen(ascii));
	size_t i;

	out->allowed = 0;
	out->rule = NULL;
	if (family == 0 && wsb__host_looks_numeric(ascii)) {
		out->reason = "a numeric host that is not a plain address literal";
		return;
	}
	if (family) {
		for (i = 0; i < count; i++)
			if (!rules[i].deny && wsb__hostpat_match_addr(&rules[i], family, addr, port)) {
				out->allowed = 1;
				out->rule = &rules[i];
				out->reason = "allowed by address";
				return;
			}
		out->reason = "an address literal no rule allows by address";
		return;
	}
	for (i = 0; i < count; i++)
		if (rules[i].deny && wsb__hostpat_match_name(&rules[i], ascii, port)) {
			out->rule = &rules[i];
			out->reason = "denied by rule";
			return;
		}
	for (i = 0; i < count; i++)
		if (!rules[i].deny && wsb__hostpat_match_name(&rules[i], ascii, port)) {
			out->allowed = 1;
			out->rule = &rules[i];
			out->reason = "allowed by rule";
			return;
		}
	out->reason = "no rule allows this host and port";
}

void wsb__net_decide_addr(wsb__net_verdict *out, const wsb__hostpat *rules, size_t count,
	int family, const unsigned char *addr, unsigned int port)
{
	const char *why = wsb__addr_restricted(family, addr);
	size_t i;

	out->allowed = 1;
	out->rule = NULL;
	out->reason = "a public address";
	if (why == NULL)
		return;
	for (i = 0; i < count; i++)
		if (!rules[i].deny && wsb__hostpat_match_addr(&rules[i], family, addr, port)) {
			out->rule = &rules[i];
			out->reason = "allowed by address";
			return;
		}
	out->allowed = 0;
	out->reason = why;
}
