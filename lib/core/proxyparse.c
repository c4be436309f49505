/*
 * Parsers for the filtering proxy (proxyparse.h). Strict on purpose: what a
 * real client sends parses, anything unusual is refused, because the host
 * the proxy checks must be the host the bytes go to.
 */
#include "proxyparse.h"

#include <string.h>

static int bad_http(wsb__px_request *out, int status, const char *why)
{
	out->status = status;
	out->why = why;
	return WSB__PX_BAD;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		(c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "host[:port]" or "[v6][:port]" in s[0..len) into host and *port
 * (default_port when absent; 0 = required). Host bytes are printable ASCII
 * or UTF-8 without the delimiters URLs give a meaning to. */
static int parse_authority(char *host, unsigned int *port, const char *s, size_t len,
	unsigned int default_port)
{
	const char *h = s, *colon = NULL;
	size_t hlen, i;
	unsigned long v = 0;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return 0;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (close + 1 < s + len) {
			if (close[1] != ':')
				return 0;
			colon = close + 1;
		}
		for (i = 0; i < hlen; i++)
			if (!(strchr("0123456789abcdefABCDEF:.", h[i]) && h[i]))
				return 0;
	} else {
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == ':') {
				colon = s + i;
				break;
			}
			if (c <= 0x20 || c == 0x7f || strchr("/?#@[]\\%\"<>^`{|}", c))
				return 0;
		}
		hlen = colon ? (size_t)(colon - s) : len;
	}
	if (hlen == 0 || hlen > WSB__PX_HOST_MAX)
		return 0;
	if (colon) {
		const char *p = colon + 1, *end = s + len;

		if (p == end || end - p > 5)
			return 0;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return 0;
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v < 1 || v > 65535)
			return 0;
		*port = (unsigned int)v;
	} else {
		if (default_port == 0)
			return 0;
		*port = default_port;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return 1;
}

static int host_equal(const char *a, const char *b)
{
	return ieq(a, strlen(a), b);
}

int wsb__px_parse_http(wsb__px_request *out, const char *buf, size_t len)
{
	const char *end = NULL, *sp1, *sp2, *line_end, *p, *target;
	size_t i, scan = len < WSB__PX_HEAD_MAX ? len : WSB__PX_HEAD_MAX, tlen;
	char host_hdr[WSB__PX_HOST_MAX + 1];
	unsigned int host_port = 0;
	int hosts = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i + 3 < scan; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	if (end == NULL)
		return len >= WSB__PX_HEAD_MAX ?
			bad_http(out, 431, "the request head is larger than 16 KiB") : WSB__PX_MORE;
	out->consumed = (size_t)(end - buf);
	line_end = memchr(buf, '\r', out->consumed);
	for (p = buf; p < line_end && is_tchar((unsigned char)*p); p++)
		;
	sp1 = p;
	if (sp1 == buf || sp1 == line_end || *sp1 != ' ')
		return bad_http(out, 400, "a malformed request line");
	out->method_len = (size_t)(sp1 - buf);
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(line_end - target));
	if (sp2 == NULL || sp2 == target)
		return bad_http(out, 400, "a malformed request line");
	tlen = (size_t)(sp2 - target);
	if ((size_t)(line_end - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return bad_http(out, 505, "only HTTP/1.0 and HTTP/1.1 are proxied");
	out->version_off = (size_t)(sp2 + 1 - buf);
	for (p = target; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return bad_http(out, 400, "a control character in the request target");
	if (ieq(buf, out->method_len, "CONNECT")) {
		out->kind = WSB__PX_CONNECT;
		if (!parse_authority(out->host, &out->port, target, tlen, 0))
			return bad_http(out, 400, "CONNECT needs host:port");
	} else {
		const char *auth = target + 7, *auth_end;

		out->kind = WSB__PX_HTTP;
		if (tlen >= 8 && ieq(target, 8, "https://"))
			return bad_http(out, 400, "an https:// URI must use CONNECT");
		if (tlen < 8 || !ieq(target, 7, "http://"))
			return bad_http(out, 400, "a proxy request needs an absolute http:// URI");
		for (auth_end = auth; auth_end < sp2 && *auth_end != '/' && *auth_end != '?' &&
		     *auth_end != '#'; auth_end++)
			;
		if (memchr(auth, '@', (size_t)(auth_end - auth)))
			return bad_http(out, 400, "user information in the URI is not proxied");
		if (!parse_authority(out->host, &out->port, auth, (size_t)(auth_end - auth), 80))
			return bad_http(out, 400, "a malformed host in the URI");
		if (auth_end < sp2 && *auth_end == '#')
			return bad_http(out, 400, "a fragment in the request target");
		out->path_off = (size_t)(auth_end - buf);
		out->path_len = (size_t)(sp2 - auth_end);
	}
	/* Header lines: "name: value", no folding, at most one Host. */
	out->headers_off = (size_t)(line_end + 2 - buf);
	for (p = line_end + 2; p < end - 2; p = line_end + 2) {
		const char *colon, *v, *ve;

		line_end = memchr(p, '\r', (size_t)(end - p));
		if (line_end == NULL || line_end[1] != '\n')
			return bad_http(out, 400, "a bare CR in the request head");
		if (memchr(p, '\n', (size_t)(line_end - p)))
			return bad_http(out, 400, "a bare LF in the request head");
		if (*p == ' ' || *p == '\t')
			return bad_http(out, 400, "a folded header line");
		for (colon = p; colon < line_end && is_tchar((unsigned char)*colon); colon++)
			;
		if (colon == p || colon == line_end || *colon != ':')
			return bad_http(out, 400, "a malformed header line");
		for (v = colon + 1; v < line_end && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = line_end; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		for (i = 0; v + i < ve; i++)
			if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
				return bad_http(out, 400, "a control character in a header");
		if (!ieq(p, (size_t)(colon - p), "Host"))
			continue;
		if (++hosts > 1)
			return bad_http(out, 400, "more than one Host header");
		if (!parse_authority(host_hdr, &host_port, v, (size_t)(ve - v), 80))
			return bad_http(out, 400, "a malformed Host header");
	}
	if (out->kind == WSB__PX_HTTP && hosts &&
	    (!host_equal(host_hdr, out->host) || host_port != out->port))
		return bad_http(out, 400, "the Host header names another host than the URI");
	return WSB__PX_DONE;
}

static int hop_by_hop(const char *name, size_t len)
{
	return ieq(name, len, "Connection") || ieq(name, len, "Keep-Alive") ||
		(len >= 6 && ieq(name, 6, "Proxy-")) || ieq(name, len, "TE") ||
		ieq(name, len, "Upgrade");
}

int wsb__px_http_rewrite(wsb__buf *out, const char *head, const wsb__px_request *req)
{
	const char *p = head + req->headers_off, *end = head + req->consumed - 2, *le;

	wsb__buf_put(out, head, req->method_len);
	wsb__buf_putc(out, ' ');
	if (req->path_len == 0 || head[req->path_off] == '?')
		wsb__buf_putc(out, '/');
	wsb__buf_put(out, head + req->path_off, req->path_len);
	wsb__buf_putc(out, ' ');
	wsb__buf_put(out, head + req->version_off, 8);
	wsb__buf_puts(out, "\r\n");
	for (; p < end; p = le + 2) {
		const char *colon;

		le = memchr(p, '\r', (size_t)(end - p));
		colon = memchr(p, ':', (size_t)(le - p));
		if (hop_by_hop(p, (size_t)(colon - p)))
			continue;
		wsb__buf_put(out, p, (size_t)(le + 2 - p));
	}
	wsb__buf_puts(out, "Connection: close\r\n\r\n");
	return out->oom ? wsb__error_nomem() : WSB_OK;
}

int wsb__px_parse_socks_greeting(size_t *consumed, int *no_auth, const unsigned char *buf,
	size_t len)
{
	size_t i;

	*consumed = 0;
	*no_auth = 0;
	if (len < 2)
		return len == 1 && buf[0] != 5 ? WSB__PX_BAD : WSB__PX_MORE;
	if (buf[0] != 5 || buf[1] == 0)
		return WSB__PX_BAD;
	if (len < 2 + (size_t)buf[1])
		return WSB__PX_MORE;
	for (i = 0; i < buf[1]; i++)
		if (buf[2 + i] == 0)
			*no_auth = 1;
	*consumed = 2 + (size_t)buf[1];
	return WSB__PX_DONE;
}

static int bad_socks(wsb__px_request *out, int reply, const char *why)
{
	out->socks_reply = reply;
	out->why = why;
	return WSB__PX_BAD;
}

/* Only the family's text form: the address is checked like any literal. */
static void format_addr(char *out, int v6, const unsigned char *a)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	if (!v6) {
		for (i = 0; i < 4; i++) {
			unsigned int b = a[i];

			if (i)
				out[n++] = '.';
			if (b >= 100)
				out[n++] = (char)('0' + b / 100);
			if (b >= 10)
				out[n++] = (char)('0' + b / 10 % 10);
			out[n++] = (char)('0' + b % 10);
		}
	} else {
		for (i = 0; i < 16; i++) {
			if (i && i % 2 == 0)
				out[n++] = ':';
			out[n++] = hex[a[i] >> 4];
			out[n++] = hex[a[i] & 15];
		}
	}
	out[n] = '\0';
}

int wsb__px_parse_socks_request(wsb__px_request *out, const unsigned char *buf, size_t len)
{
	size_t alen, need;

	memset(out, 0, sizeof(*out));
	out->kind = WSB__PX_SOCKS5;
	if (len < 5)
		return len >= 1 && buf[0] != 5 ? bad_socks(out, 1, "not SOCKS version 5") : WSB__PX_MORE;
	if (buf[0] != 5 || buf[2] != 0)
		return bad_socks(out, 1, "a malformed SOCKS5 request");
	switch (buf[3]) {
	case 1: alen = 4; need = 4 + 4 + 2; break;
	case 3: alen = buf[4]; need = 5 + alen + 2; break;
	case 4: alen = 16; need = 4 + 16 + 2; break;
	default: return bad_socks(out, 8, "an unknown SOCKS5 address type");
	}
	if (buf[1] != 1)
		return bad_socks(out, 7, "only the SOCKS5 CONNECT command is proxied");
	if (buf[3] == 3 && alen == 0)
		return bad_socks(out, 1, "an empty SOCKS5 domain name");
	if (len < need)
		return WSB__PX_MORE;
	if (buf[3] == 3) {
		if (memchr(buf + 5, 0, alen))
			return bad_socks(out, 1, "a NUL in a SOCKS5 domain name");
		memcpy(out->host, buf + 5, alen);
		out->host[alen] = '\0';
	} else {
		format_addr(out->host, buf[3] == 4, buf + 4);
	}
	out->port = (unsigned int)buf[need - 2] << 8 | buf[need - 1];
	if (out->port == 0)
		return bad_socks(out, 1, "SOCKS5 port 0");
	out->consumed = need;
	return WSB__PX_DONE;
}

static unsigned int be16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

int wsb__px_tls_sni(char *out, size_t cap, const unsigned char *buf, size_t len)
{
	size_t rec_len, pos, end, hs_end, n;

	if (cap == 0)
		return WSB__PX_BAD;
	out[0] = '\0';
	if (len < 1)
		return WSB__PX_MORE;
	if (buf[0] != 0x16)
		return WSB__PX_DONE; /* not a TLS handshake: nothing to compare */
	if (len < 5)
		return WSB__PX_MORE;
	if (buf[1] != 3)
		return WSB__PX_DONE;
	rec_len = be16(buf + 3);
	if (rec_len < 4 || rec_len > 16384)
		return WSB__PX_BAD;
	if (len < 5 + rec_len)
		return WSB__PX_MORE;
	end = 5 + rec_len;
	if (buf[5] != 1)
		return WSB__PX_BAD; /* the first handshake message must be a ClientHello */
	hs_end = 9 + ((size_t)buf[6] << 16 | (size_t)buf[7] << 8 | buf[8]);
	/* A hello longer than its first record is read as far as that record goes. */
	if (hs_end > end)
		hs_end = end;
	pos = 9 + 2 + 32;                                    /* version, random */
	if (pos + 1 > hs_end)
		return WSB__PX_BAD;
	pos += 1 + buf[pos];                                 /* session id */
	if (pos + 2 > hs_end)
		return WSB__PX_BAD;
	pos += 2 + be16(buf + pos);                          /* cipher suites */
	if (pos + 1 > hs_end)
		return WSB__PX_BAD;
	pos += 1 + buf[pos];                                 /* compression methods */
	if (pos == hs_end)
		return WSB__PX_DONE;                             /* no extensions */
	if (pos + 2 > hs_end)
		return WSB__PX_BAD;
	pos += 2;
	while (pos + 4 <= hs_end) {
		unsigned int type = be16(buf + pos);
		size_t elen = be16(buf + pos + 2), p, list_end;

		pos += 4;
		if (pos + elen > hs_end)
			return WSB__PX_BAD;
		if (type != 0) {
			pos += elen;
			continue;
		}
		if (elen < 2 || 2 + be16(buf + pos) > elen)
			return WSB__PX_BAD;
		list_end = pos + 2 + be16(buf + pos);
		for (p = pos + 2; p + 3 <= list_end; p += 3 + n) {
			n = be16(buf + p + 1);
			if (p + 3 + n > list_end)
				return WSB__PX_BAD;
			if (buf[p] != 0)
				continue;
			if (n == 0 || n >= cap || memchr(buf + p + 3, 0, n))
				return WSB__PX_BAD;
			memcpy(out, buf + p + 3, n);
			out[n] = '\0';
			return WSB__PX_DONE;
		}
		return WSB__PX_BAD;
	}
	return WSB__PX_DONE;
}
