/* The filtering proxy's parsers (lib/core/proxyparse.c): what curl, git,
 * pip and SOCKS clients send parses to the host and port they meant; half
 * a request is "need more"; anything ambiguous is refused with the status
 * or reply code the proxy will answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/proxyparse.h"

static wsb__px_request parse_http(const char *head, int want)
{
	wsb__px_request r;

	assert_int_equal(wsb__px_parse_http(&r, head, strlen(head)), want);
	return r;
}

static void connect_names_host_and_port(void **state)
{
	static const char head[] = "CONNECT pypi.test:443 HTTP/1.1\r\nHost: pypi.test:443\r\n"
		"User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\nTLS...";
	wsb__px_request r = parse_http(head, WSB__PX_DONE);

	(void)state;
	assert_int_equal(r.kind, WSB__PX_CONNECT);
	assert_string_equal(r.host, "pypi.test");
	assert_int_equal(r.port, 443);
	assert_int_equal(r.consumed, strlen(head) - strlen("TLS..."));
	r = parse_http("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", WSB__PX_DONE);
	assert_string_equal(r.host, "::1");
	assert_int_equal(r.port, 8443);
}

static void half_a_head_needs_more(void **state)
{
	static const char head[] = "CONNECT pypi.test:443 HTTP/1.1\r\nHost: pypi.test:443\r\n\r\n";
	wsb__px_request r;
	size_t n;

	(void)state;
	for (n = 0; n < strlen(head); n++)
		assert_int_equal(wsb__px_parse_http(&r, head, n), WSB__PX_MORE);
	assert_int_equal(wsb__px_parse_http(&r, head, n), WSB__PX_DONE);
}

static void plain_http_is_rewritten_to_origin_form(void **state)
{
	static const char head[] = "GET http://PyPI.test/simple/?x=1 HTTP/1.1\r\nHost: pypi.test\r\n"
		"Accept: */*\r\nProxy-Connection: Keep-Alive\r\nConnection: keep-alive\r\n"
		"Proxy-Authorization: Basic eA==\r\n\r\n";
	wsb__buf out = WSB__BUF_INIT;
	wsb__px_request r = parse_http(head, WSB__PX_DONE);

	(void)state;
	assert_int_equal(r.kind, WSB__PX_HTTP);
	assert_string_equal(r.host, "PyPI.test");
	assert_int_equal(r.port, 80);
	assert_int_equal(wsb__px_http_rewrite(&out, head, &r), WSB_OK);
	assert_string_equal(out.ptr, "GET /simple/?x=1 HTTP/1.1\r\nHost: pypi.test\r\nAccept: */*\r\n"
		"Connection: close\r\n\r\n");
	wsb__buf_dispose(&out);
	r = parse_http("HEAD http://a.test:8080?q HTTP/1.0\r\n\r\n", WSB__PX_DONE);
	assert_int_equal(r.port, 8080);
	assert_int_equal(wsb__px_http_rewrite(&out, "HEAD http://a.test:8080?q HTTP/1.0\r\n\r\n", &r),
		WSB_OK);
	assert_string_equal(out.ptr, "HEAD /?q HTTP/1.0\r\nConnection: close\r\n\r\n");
	wsb__buf_dispose(&out);
}

static void expect_bad_http(const char *head, int status, const char *why)
{
	wsb__px_request r = parse_http(head, WSB__PX_BAD);

	assert_int_equal(r.status, status);
	assert_non_null(strstr(r.why, why));
}

static void ambiguous_heads_are_refused(void **state)
{
	char big[WSB__PX_HEAD_MAX + 10];

	(void)state;
	expect_bad_http("GET http://a.test/ HTTP/1.1\r\nHost: evil.test\r\n\r\n", 400, "another host");
	expect_bad_http("GET http://a.test/ HTTP/1.1\r\nHost: a.test:81\r\n\r\n", 400, "another host");
	expect_bad_http("GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", 400,
		"more than one Host");
	expect_bad_http("GET /relative HTTP/1.1\r\nHost: a.test\r\n\r\n", 400, "absolute");
	expect_bad_http("GET https://a.test/ HTTP/1.1\r\n\r\n", 400, "CONNECT");
	expect_bad_http("GET http://user@evil.test/ HTTP/1.1\r\n\r\n", 400, "user information");
	expect_bad_http("GET http://a.test/ HTTP/2.0\r\n\r\n", 505, "HTTP/1");
	expect_bad_http("CONNECT a.test HTTP/1.1\r\n\r\n", 400, "host:port");
	expect_bad_http("CONNECT a.test:0 HTTP/1.1\r\n\r\n", 400, "host:port");
	expect_bad_http("CONNECT a.test:99999 HTTP/1.1\r\n\r\n", 400, "host:port");
	expect_bad_http("CONNECT a/b.test:443 HTTP/1.1\r\n\r\n", 400, "host:port");
	expect_bad_http("GET http://a.test/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400, "folded");
	expect_bad_http("GET http://a.test/ HTTP/1.1\r\nX a\r\n\r\n", 400, "malformed header");
	expect_bad_http("GET http://a.test/ HTTP/1.1\r\nX: a\nHost: b.test\r\n\r\n", 400, "bare LF");
	expect_bad_http("GET\thttp://a.test/ HTTP/1.1\r\n\r\n", 400, "request line");
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET http://a.test/", 18);
	{
		wsb__px_request r;

		assert_int_equal(wsb__px_parse_http(&r, big, sizeof(big)), WSB__PX_BAD);
		assert_int_equal(r.status, 431);
	}
}

static void socks5_greeting_and_requests(void **state)
{
	static const unsigned char greet[] = { 5, 2, 2, 0 };
	static const unsigned char no_none[] = { 5, 1, 2 };
	static const unsigned char domain[] = { 5, 1, 0, 3, 11, 'g', 'i', 't', 'h', 'u', 'b', '.',
		't', 'e', 's', 't', 0x01, 0xbb };
	static const unsigned char v4[] = { 5, 1, 0, 1, 169, 254, 169, 254, 0, 80 };
	static const unsigned char v6[] = { 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 0x1f, 0x90 };
	static const unsigned char bind[] = { 5, 2, 0, 1, 1, 2, 3, 4, 0, 80 };
	static const unsigned char bad_type[] = { 5, 1, 0, 9, 1, 2, 3, 4, 0, 80 };
	wsb__px_request r;
	size_t consumed, n;
	int no_auth;

	(void)state;
	for (n = 0; n < sizeof(greet); n++)
		assert_int_equal(wsb__px_parse_socks_greeting(&consumed, &no_auth, greet, n), WSB__PX_MORE);
	assert_int_equal(wsb__px_parse_socks_greeting(&consumed, &no_auth, greet, 4), WSB__PX_DONE);
	assert_int_equal(consumed, 4);
	assert_true(no_auth);
	assert_int_equal(wsb__px_parse_socks_greeting(&consumed, &no_auth, no_none, 3), WSB__PX_DONE);
	assert_false(no_auth);
	assert_int_equal(wsb__px_parse_socks_greeting(&consumed, &no_auth,
		(const unsigned char *)"GET ", 4), WSB__PX_BAD);

	for (n = 0; n < sizeof(domain); n++)
		assert_int_equal(wsb__px_parse_socks_request(&r, domain, n), WSB__PX_MORE);
	assert_int_equal(wsb__px_parse_socks_request(&r, domain, sizeof(domain)), WSB__PX_DONE);
	assert_string_equal(r.host, "github.test");
	assert_int_equal(r.port, 443);
	assert_int_equal(r.consumed, sizeof(domain));
	assert_int_equal(wsb__px_parse_socks_request(&r, v4, sizeof(v4)), WSB__PX_DONE);
	assert_string_equal(r.host, "169.254.169.254");
	assert_int_equal(wsb__px_parse_socks_request(&r, v6, sizeof(v6)), WSB__PX_DONE);
	assert_string_equal(r.host, "0000:0000:0000:0000:0000:0000:0000:0001");
	assert_int_equal(r.port, 8080);
	assert_int_equal(wsb__px_parse_socks_request(&r, bind, sizeof(bind)), WSB__PX_BAD);
	assert_int_equal(r.socks_reply, 7);
	assert_int_equal(wsb__px_parse_socks_request(&r, bad_type, sizeof(bad_type)), WSB__PX_BAD);
	assert_int_equal(r.socks_reply, 8);
}

/* A minimal ClientHello: record, handshake header, version, random,
 * empty session id, one suite, null compression, extensions. */
static size_t client_hello(unsigned char *b, const char *sni)
{
	size_t n = 0, name = sni ? strlen(sni) : 0, ext = sni ? 4 + 2 + 3 + name : 0;
	size_t body = 2 + 32 + 1 + 4 + 2 + 2 + 4 + ext; /* + a padding extension of 0 bytes */
	size_t i;

	b[n++] = 0x16; b[n++] = 3; b[n++] = 1;
	b[n++] = (unsigned char)((body + 4) >> 8); b[n++] = (unsigned char)(body + 4);
	b[n++] = 1; b[n++] = 0; b[n++] = (unsigned char)(body >> 8); b[n++] = (unsigned char)body;
	b[n++] = 3; b[n++] = 3;
	for (i = 0; i < 32; i++)
		b[n++] = (unsigned char)i;
	b[n++] = 0;
	b[n++] = 0; b[n++] = 2; b[n++] = 0x13; b[n++] = 0x01;
	b[n++] = 1; b[n++] = 0;
	b[n++] = (unsigned char)((4 + ext) >> 8); b[n++] = (unsigned char)(4 + ext);
	b[n++] = 0; b[n++] = 21; b[n++] = 0; b[n++] = 0; /* padding, empty */
	if (sni) {
		b[n++] = 0; b[n++] = 0;
		b[n++] = (unsigned char)((5 + name) >> 8); b[n++] = (unsigned char)(5 + name);
		b[n++] = (unsigned char)((3 + name) >> 8); b[n++] = (unsigned char)(3 + name);
		b[n++] = 0;
		b[n++] = (unsigned char)(name >> 8); b[n++] = (unsigned char)name;
		memcpy(b + n, sni, name);
		n += name;
	}
	return n;
}

static void tls_sni_is_read_from_the_client_hello(void **state)
{
	unsigned char hello[512];
	char name[256];
	size_t len = client_hello(hello, "pypi.test"), n;

	(void)state;
	for (n = 0; n < len; n++)
		assert_int_equal(wsb__px_tls_sni(name, sizeof(name), hello, n), WSB__PX_MORE);
	assert_int_equal(wsb__px_tls_sni(name, sizeof(name), hello, len), WSB__PX_DONE);
	assert_string_equal(name, "pypi.test");
	len = client_hello(hello, NULL);
	assert_int_equal(wsb__px_tls_sni(name, sizeof(name), hello, len), WSB__PX_DONE);
	assert_string_equal(name, "");
	/* Not TLS at all (an ssh banner through CONNECT): nothing to compare. */
	assert_int_equal(wsb__px_tls_sni(name, sizeof(name), (const unsigned char *)"SSH-2.0-x", 9),
		WSB__PX_DONE);
	assert_string_equal(name, "");
	/* A name longer than the room for it is refused, not cut. */
	len = client_hello(hello, "pypi.test");
	assert_int_equal(wsb__px_tls_sni(name, 5, hello, len), WSB__PX_BAD);
	/* A server-name list that claims more than its extension holds. */
	hello[len - 9 - 5] = 0x40; /* the list length's high byte */
	assert_int_equal(wsb__px_tls_sni(name, sizeof(name), hello, len), WSB__PX_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_names_host_and_port),
		cmocka_unit_test(half_a_head_needs_more),
		cmocka_unit_test(plain_http_is_rewritten_to_origin_form),
		cmocka_unit_test(ambiguous_heads_are_refused),
		cmocka_unit_test(socks5_greeting_and_requests),
		cmocka_unit_test(tls_sni_is_read_from_the_client_hello),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
