/*
 * One proxy connection's decisions (proxyserve.h, docs/network.md). The
 * request is read until one of the parsers (proxyparse.c) is done, the host
 * decided against the rules (hostpat.c), the name resolved by the backend
 * (or the test hook), every address checked, and exactly an address that
 * passed connected to, so a name cannot rebind between check and use.
 * Denials are answered in the protocol's own way (HTTP 403 with a reason
 * header, SOCKS5 reply 2). A tunnel whose first bytes are a TLS
 * ClientHello naming a server (SNI) must name the requested host.
 */
#include "proxyserve.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

/* Room for a full head plus the first TLS record of a tunnel. */
#define SERVE_BUF (WSB__PX_HEAD_MAX + 16384 + 5)

static wsb__px_resolve_fn test_resolver;

void wsb__px_set_resolver(wsb__px_resolve_fn fn)
{
	test_resolver = fn;
}

static int is_literal(const char *host)
{
	unsigned char bytes[16];

	return wsb__addr_parse(bytes, host, strlen(host)) != 0;
}

static void deny_http(const wsb__px_io *io, int status, const char *host, unsigned int port,
	const char *reason)
{
	char body[512], head[1024];
	int blen, hlen;

	blen = snprintf(body, sizeof(body), "wsandbox: %s:%u is not allowed: %s\n", host, port, reason);
	hlen = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nX-Wsandbox-Denied: %s\r\n"
		"Content-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		status, status == 403 ? "Forbidden" : status == 502 ? "Bad Gateway" :
		status == 431 ? "Request Header Fields Too Large" : status == 505 ?
		"HTTP Version Not Supported" : "Bad Request", reason, blen);
	if (blen > 0 && hlen > 0 && (size_t)hlen < sizeof(head) && (size_t)blen < sizeof(body)) {
		io->send_all(io->ctx, 0, head, (size_t)hlen);
		io->send_all(io->ctx, 0, body, (size_t)blen);
	}
}

static void socks_reply(const wsb__px_io *io, int code)
{
	unsigned char r[10] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };

	r[1] = (unsigned char)code;
	io->send_all(io->ctx, 0, r, sizeof(r));
}

/* Resolve and check: fills addrs with the addresses the rules allow, in
 * the resolver's order. Returns the count; 0 with a->reason set when none. */
static size_t resolve(wsb__px_attempt *a, const wsb__px_io *io, const wsb__hostpat *rules,
	size_t count, wsb__px_addr *addrs)
{
	wsb__px_addr found[WSB__PX_MAX_ADDRS];
	const char *allowed_reason = a->reason;
	long got, i;
	size_t n = 0;

	if (is_literal(a->host)) {
		found[0].family = wsb__addr_parse(found[0].bytes, a->host, strlen(a->host));
		got = 1;
	} else if (test_resolver) {
		const char *name = test_resolver(a->host);

		got = name && (found[0].family = wsb__addr_parse(found[0].bytes, name,
			strlen(name))) != 0 ? 1 : -1;
	} else {
		got = io->resolve(io->ctx, a->host, a->port, found, WSB__PX_MAX_ADDRS);
	}
	if (got < 0) {
		a->reason = "the name does not resolve";
		return 0;
	}
	a->reason = "the name resolves to no address";
	for (i = 0; i < got; i++) {
		wsb__net_verdict v;

		wsb__net_decide_addr(&v, rules, count, found[i].family, found[i].bytes, a->port);
		if (!v.allowed) {
			if (n == 0 && a->address[0] == '\0') {
				wsb__addr_format(a->address, sizeof(a->address), found[i].family,
					found[i].bytes);
				a->reason = v.reason;
			}
			continue;
		}
		if (n == 0) {
			a->address_rule = v.rule ? v.rule->text : NULL;
			a->reason = allowed_reason;
		}
		addrs[n++] = found[i];
	}
	return n;
}

/* Connect to the first address that answers: 0, or -1. */
static int connect_any(wsb__px_attempt *a, const wsb__px_io *io, const wsb__px_addr *addrs,
	size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		wsb__addr_format(a->address, sizeof(a->address), addrs[i].family, addrs[i].bytes);
		if (io->connect(io->ctx, &addrs[i], a->port) == 0)
			return 0;
	}
	return -1;
}

/* Read the client's first bytes of a tunnel; if they are a TLS ClientHello
 * that names a server, it must be the requested host. The bytes read are
 * left in buf for the upstream. A server that speaks first (TLS never
 * does) ends the check. 1 to go on, 0 to close. */
static int check_sni(wsb__px_attempt *a, const wsb__px_io *io, char *buf, size_t cap, size_t *len)
{
	char sni[WSB__PX_HOST_MAX + 1], *ascii = NULL;
	int rc, same;

	for (;;) {
		long n;

		rc = wsb__px_tls_sni(sni, sizeof(sni), (const unsigned char *)buf, *len);
		if (rc != WSB__PX_MORE)
			break;
		if (*len == cap)
			return 0;
		if (*len == 0) {
			int who = io->first_bytes(io->ctx);

			if (who < 0)
				return 0;
			if (who == 1)
				return 1; /* the server spoke first: not TLS */
		}
		n = io->client_read(io->ctx, buf + *len, cap - *len);
		if (n <= 0)
			return n == 0 && *len == 0; /* a client that closes at once */
		*len += (size_t)n;
	}
	if (rc == WSB__PX_BAD) {
		a->allowed = 0;
		a->reason = "a malformed TLS ClientHello";
		return 0;
	}
	if (sni[0] == '\0')
		return 1;
	if (wsb__host_to_ascii(&ascii, sni, strlen(sni)) < 0) {
		a->allowed = 0;
		a->reason = "the TLS server name is not a valid host name";
		return 0;
	}
	same = strcmp(ascii, a->host) == 0;
	wsb__free(ascii);
	if (!same) {
		a->allowed = 0;
		a->reason = "the TLS server name (SNI) is another host than the tunnel's";
	}
	return same;
}

/* Read the request: WSB__PX_DONE with req filled and *socks set, or
 * WSB__PX_BAD once the client was answered or is gone. SOCKS5 starts with
 * its version byte, HTTP with a method. */
static int read_request(wsb__px_attempt *a, const wsb__px_io *io, wsb__px_request *req,
	int *socks, char *buf, size_t *len)
{
	long n;
	int rc;

	for (;;) {
		n = io->client_read(io->ctx, buf + *len, WSB__PX_HEAD_MAX - *len);
		if (n <= 0)
			return WSB__PX_BAD;
		*len += (size_t)n;
		if (buf[0] == 5) {
			size_t used;
			int no_auth;

			*socks = 1;
			rc = wsb__px_parse_socks_greeting(&used, &no_auth, (unsigned char *)buf, *len);
			if (rc == WSB__PX_MORE)
				continue;
			if (rc == WSB__PX_BAD)
				return WSB__PX_BAD;
			io->send_all(io->ctx, 0, no_auth ? "\x05\x00" : "\x05\xff", 2);
			if (!no_auth)
				return WSB__PX_BAD;
			memmove(buf, buf + used, *len - used);
			*len -= used;
			for (;;) {
				rc = wsb__px_parse_socks_request(req, (unsigned char *)buf, *len);
				if (rc != WSB__PX_MORE)
					break;
				n = io->client_read(io->ctx, buf + *len, WSB__PX_HEAD_MAX - *len);
				if (n <= 0)
					return WSB__PX_BAD;
				*len += (size_t)n;
			}
			a->protocol = "socks5";
			if (rc == WSB__PX_BAD) {
				a->reason = req->why;
				socks_reply(io, req->socks_reply);
				return WSB__PX_BAD;
			}
			return WSB__PX_DONE;
		}
		rc = wsb__px_parse_http(req, buf, *len);
		if (rc == WSB__PX_MORE && *len < WSB__PX_HEAD_MAX)
			continue;
		a->protocol = req->kind == WSB__PX_CONNECT ? "connect" : "http";
		if (rc != WSB__PX_DONE) {
			/* The audit says why, as the answer does. */
			a->reason = req->why ? req->why : "the request head is too large";
			deny_http(io, req->status ? req->status : 431, "-", 0, a->reason);
			return WSB__PX_BAD;
		}
		return WSB__PX_DONE;
	}
}

void wsb__px_serve(wsb__px_attempt *a, const wsb__px_io *io, const wsb__hostpat *rules,
	size_t count)
{
	char *buf = wsb__malloc(SERVE_BUF);
	size_t len = 0, naddrs;
	wsb__px_addr addrs[WSB__PX_MAX_ADDRS];
	wsb__px_request req;
	wsb__net_verdict v;
	wsb__buf head = WSB__BUF_INIT;
	char *ascii = NULL;
	int socks = 0;

	memset(a, 0, sizeof(*a));
	a->start = wsb__now_ms();
	if (buf == NULL)
		return;
	if (read_request(a, io, &req, &socks, buf, &len) != WSB__PX_DONE)
		goto out;
	a->port = req.port;
	snprintf(a->host, sizeof(a->host), "%s", req.host);
	/* The rules see the compared form: an address's text, or A-labels. */
	if (!is_literal(req.host)) {
		if (wsb__host_to_ascii(&ascii, req.host, strlen(req.host)) < 0) {
			a->reason = "not a valid host name";
			goto deny;
		}
		snprintf(a->host, sizeof(a->host), "%s", ascii);
	}
	wsb__net_decide_host(&v, rules, count, a->host, a->port);
	a->rule = v.rule ? v.rule->text : NULL;
	a->reason = v.reason;
	if (!v.allowed)
		goto deny;
	naddrs = resolve(a, io, rules, count, addrs);
	if (naddrs == 0)
		goto deny;
	a->allowed = 1;
	if (connect_any(a, io, addrs, naddrs) < 0) {
		a->allowed = 0;
		a->reason = "the connection failed";
		if (socks)
			socks_reply(io, 5);
		else
			deny_http(io, 502, a->host, a->port, a->reason);
		goto out;
	}
	if (req.kind == WSB__PX_HTTP) {
		if (wsb__px_http_rewrite(&head, buf, &req) < 0 ||
		    io->send_all(io->ctx, 1, head.ptr, head.size) < 0 ||
		    io->send_all(io->ctx, 1, buf + req.consumed, len - req.consumed) < 0)
			goto out;
		a->up += len - req.consumed;
	} else {
		if (socks)
			socks_reply(io, 0);
		else if (io->send_all(io->ctx, 0, "HTTP/1.1 200 Connection established\r\n\r\n", 39) < 0)
			goto out;
		memmove(buf, buf + req.consumed, len - req.consumed);
		len -= req.consumed;
		if (!check_sni(a, io, buf, SERVE_BUF, &len))
			goto out;
		if (io->send_all(io->ctx, 1, buf, len) < 0)
			goto out;
		a->up += len;
	}
	io->pump(io->ctx, a);
	goto out;
deny:
	a->allowed = 0;
	if (socks)
		socks_reply(io, 2);
	else
		deny_http(io, 403, a->host, a->port, a->reason);
out:
	wsb__buf_dispose(&head);
	wsb__free(ascii);
	wsb__free(buf);
}

int wsb__px_attempt_json(char **out, const wsb__px_attempt *a)
{
	wsb__json j;

	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_string(&j, "protocol", a->protocol);
	wsb__json_kv_string(&j, "host", a->host);
	wsb__json_kv_u64(&j, "port", a->port);
	wsb__json_kv_string(&j, "address", a->address);
	wsb__json_kv_bool(&j, "allowed", a->allowed);
	wsb__json_kv_string(&j, "rule", a->rule ? a->rule : "");
	wsb__json_kv_string(&j, "address_rule", a->address_rule ? a->address_rule : "");
	wsb__json_kv_string(&j, "reason", a->reason ? a->reason : "");
	wsb__json_kv_u64(&j, "bytes_up", a->up);
	wsb__json_kv_u64(&j, "bytes_down", a->down);
	wsb__json_kv_u64(&j, "duration_ms", wsb__now_ms() - a->start);
	wsb__json_object_end(&j);
	return wsb__json_finish(out, &j);
}

void wsb__px_log_add(wsb__px_log *log, char *text)
{
	if (log->items.count >= WSB__PX_LOG_MAX) {
		log->dropped++;
		wsb__free(text);
	} else if (wsb__strvec_push_owned(&log->items, text) < 0) {
		log->dropped++; /* push_owned freed text */
	}
}

int wsb__px_log_json(char **out, const wsb__px_log *log)
{
	wsb__json j;
	size_t i;

	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_key(&j, "connections");
	wsb__json_array_begin(&j);
	for (i = 0; i < log->items.count; i++)
		wsb__json_raw(&j, log->items.items[i]);
	wsb__json_array_end(&j);
	wsb__json_kv_u64(&j, "not_kept", log->dropped);
	wsb__json_object_end(&j);
	return wsb__json_finish(out, &j);
}

void wsb__px_log_dispose(wsb__px_log *log)
{
	wsb__strvec_dispose(&log->items);
	log->dropped = 0;
}

int wsb__px_rules_copy(wsb__hostpat **out, size_t *out_count, const wsb__hostpat *rules,
	size_t count)
{
	size_t i;
	int rc;

	*out = NULL;
	*out_count = 0;
	if (count == 0)
		return WSB_OK;
	*out = wsb__calloc(count, sizeof(**out));
	if (*out == NULL)
		return wsb__error_nomem();
	for (i = 0; i < count; i++) {
		if ((rc = wsb__hostpat_copy(&(*out)[i], &rules[i])) < 0) {
			wsb__px_rules_free(*out, i);
			*out = NULL;
			return rc;
		}
	}
	*out_count = count;
	return WSB_OK;
}

void wsb__px_rules_free(wsb__hostpat *rules, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		wsb__hostpat_dispose(&rules[i]);
	wsb__free(rules);
}
