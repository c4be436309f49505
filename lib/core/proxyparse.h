/*
 * What the filtering proxy reads from a client, parsed without any OS call
 * (lib/core/proxyparse.c; docs/network.md): HTTP request heads (CONNECT and
 * absolute-URI requests), SOCKS5 greetings and requests, and the server
 * name (SNI) of a TLS ClientHello. Every function takes the bytes received
 * so far and answers "need more", "done" or "bad", so a client that sends
 * half a request simply has not finished; nothing reads past len.
 */
#ifndef WSB_CORE_PROXYPARSE_H
#define WSB_CORE_PROXYPARSE_H

#include "common.h"

enum { WSB__PX_BAD = -1, WSB__PX_MORE = 0, WSB__PX_DONE = 1 };

#define WSB__PX_HEAD_MAX 16384     /* bytes of an HTTP request head */
#define WSB__PX_HOST_MAX 255       /* bytes of a requested host (a SOCKS5 name's limit) */

enum { WSB__PX_CONNECT = 1, WSB__PX_HTTP = 2, WSB__PX_SOCKS5 = 3 };

typedef struct wsb__px_request {
	int kind;                  /* WSB__PX_CONNECT, _HTTP or _SOCKS5 */
	char host[WSB__PX_HOST_MAX + 1]; /* as the client wrote it, brackets removed */
	unsigned int port;
	size_t consumed;           /* bytes of the head or SOCKS5 request */
	int status;                /* on WSB__PX_BAD of an HTTP head: 400, 405, 414, 431 or 505 */
	int socks_reply;           /* on WSB__PX_BAD of a SOCKS5 request: its reply code */
	const char *why;           /* on WSB__PX_BAD: static text */
	/* Plain HTTP: the request line's parts, as offsets into the head. */
	size_t method_len;
	size_t path_off, path_len; /* origin form ("/..."); path_len 0 means "/" */
	size_t version_off;        /* "HTTP/1.x" */
	size_t headers_off;        /* first header line */
} wsb__px_request;

/* An HTTP/1.x request head in buf[0..len). CONNECT needs "host:port";
 * other methods an absolute "http://" URI (no userinfo), whose Host header,
 * if any, must name the same host and port; one Host header at most; no
 * folded lines; at most WSB__PX_HEAD_MAX bytes. */
int wsb__px_parse_http(wsb__px_request *out, const char *buf, size_t len);

/* The head to send upstream for a plain HTTP request: the request line in
 * origin form, every header but the hop-by-hop ones (Connection,
 * Keep-Alive, Proxy-*, TE, Upgrade) and "Connection: close", so each
 * request is one connection and is checked on its own. */
int wsb__px_http_rewrite(wsb__buf *out, const char *head, const wsb__px_request *req);

/* A SOCKS5 greeting (RFC 1928): VER 5, NMETHODS, METHODS. On WSB__PX_DONE
 * *consumed is its length and *no_auth is 1 when method 0 is offered. */
int wsb__px_parse_socks_greeting(size_t *consumed, int *no_auth, const unsigned char *buf,
	size_t len);

/* A SOCKS5 request. CONNECT only (else reply 7); IPv4, domain or IPv6
 * (else reply 8); a domain of 1..255 bytes without NUL. */
int wsb__px_parse_socks_request(wsb__px_request *out, const unsigned char *buf, size_t len);

/* The server name of a TLS ClientHello in the first record. WSB__PX_DONE
 * with out[0] == '\0' when the bytes are not TLS or the hello names no
 * server; WSB__PX_BAD for a malformed hello or a name that does not fit
 * cap. Reads at most the first record (5 + 16384 bytes). */
int wsb__px_tls_sni(char *out, size_t cap, const unsigned char *buf, size_t len);

#endif
