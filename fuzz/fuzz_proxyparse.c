/* libFuzzer: the input is what a client sent the filtering proxy, fed to
 * every parser (HTTP head, SOCKS5 greeting and request, TLS SNI). Nothing
 * may read past the input; what parses must parse the same from exactly
 * the bytes it consumed, any shorter prefix must be "need more", the host
 * must be non-empty with a port, and a plain HTTP head must rewrite. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/hostpat.h"
#include "core/proxyparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void http(const char *buf, size_t size)
{
	wsb__px_request r, again;
	wsb__buf out = WSB__BUF_INIT;
	char *ascii = NULL;

	if (wsb__px_parse_http(&r, buf, size) != WSB__PX_DONE)
		return;
	if (r.consumed > size || r.host[0] == '\0' || r.port < 1 || r.port > 65535)
		abort();
	if (wsb__px_parse_http(&again, buf, r.consumed) != WSB__PX_DONE ||
	    strcmp(again.host, r.host) != 0 || again.port != r.port)
		abort();
	if (r.consumed > 1 && wsb__px_parse_http(&again, buf, r.consumed - 1) != WSB__PX_MORE)
		abort();
	if (r.kind == WSB__PX_HTTP) {
		if (wsb__px_http_rewrite(&out, buf, &r) != WSB_OK ||
		    out.size < 4 || memcmp(out.ptr + out.size - 4, "\r\n\r\n", 4) != 0)
			abort();
		wsb__buf_dispose(&out);
	}
	if (wsb__host_to_ascii(&ascii, r.host, strlen(r.host)) == WSB_OK)
		wsb__free(ascii);
}

static void socks(const unsigned char *buf, size_t size)
{
	wsb__px_request r, again;
	size_t consumed;
	int no_auth;

	if (wsb__px_parse_socks_greeting(&consumed, &no_auth, buf, size) == WSB__PX_DONE &&
	    (consumed > size || consumed < 3))
		abort();
	if (wsb__px_parse_socks_request(&r, buf, size) != WSB__PX_DONE)
		return;
	if (r.consumed > size || r.host[0] == '\0' || r.port == 0)
		abort();
	if (wsb__px_parse_socks_request(&again, buf, r.consumed) != WSB__PX_DONE ||
	    strcmp(again.host, r.host) != 0 || again.port != r.port)
		abort();
}

static void sni(const unsigned char *buf, size_t size)
{
	char name[256];

	if (wsb__px_tls_sni(name, sizeof(name), buf, size) == WSB__PX_DONE &&
	    strlen(name) >= sizeof(name))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so ASan sees any over-read. */
	unsigned char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	http((const char *)copy, size);
	socks(copy, size);
	sni(copy, size);
	free(copy);
	return 0;
}
