/* libFuzzer: one proxy connection's decisions (lib/core/proxyserve.c)
 * against a fake backend. The first input byte picks the fake's answers
 * (how the client's bytes arrive, what the name resolves to, whether the
 * connect succeeds, who speaks first in a tunnel); the rest is what the
 * client sent. Invariants: the proxy never reads past the client's bytes,
 * never connects to an address the rules refuse, an allowed attempt
 * connected, and a reported attempt has a protocol, a reason and a record
 * that renders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "core/policy.h"
#include "core/proxyserve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fake {
	const uint8_t *in;
	size_t len, off;
	unsigned int flags;
	wsb__hostpat *rules;
	size_t count;
	int connected;
} fake;

static long client_read(void *ctx, char *buf, size_t cap)
{
	fake *f = ctx;
	size_t n = f->len - f->off;
	size_t piece = (f->flags & 3) == 0 ? 1 : (f->flags & 3) == 1 ? 7 : n;

	if (n > piece)
		n = piece;
	if (n > cap)
		n = cap;
	if (n == 0)
		return (f->flags & 4) ? -1 : 0;
	memcpy(buf, f->in + f->off, n);
	f->off += n;
	return (long)n;
}

static int send_all(void *ctx, int to, const void *data, size_t len)
{
	fake *f = ctx;

	if (to == 1 && !f->connected)
		abort(); /* bytes upstream without a connection */
	(void)data;
	(void)len;
	return 0;
}

static int first_bytes(void *ctx)
{
	fake *f = ctx;

	return (f->flags & 8) ? 1 : f->off < f->len ? 0 : -1;
}

static long resolve(void *ctx, const char *host, unsigned int port, wsb__px_addr *out, size_t cap)
{
	static const unsigned char pub[4] = { 93, 184, 216, 34 }, loop[4] = { 127, 0, 0, 1 },
		meta[4] = { 169, 254, 169, 254 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 1 };
	fake *f = ctx;

	(void)host;
	(void)port;
	if (cap < 3)
		abort();
	switch ((f->flags >> 4) & 3) {
	case 0:
		return -1;
	case 1:
		out[0].family = WSB__ADDR_V4;
		memcpy(out[0].bytes, pub, 4);
		return 1;
	case 2:
		out[0].family = WSB__ADDR_V4;
		memcpy(out[0].bytes, meta, 4);
		out[1].family = WSB__ADDR_V4;
		memcpy(out[1].bytes, loop, 4);
		out[2].family = WSB__ADDR_V6;
		memcpy(out[2].bytes, v6, 16);
		return 3;
	default:
		return 0;
	}
}

static int connect_to(void *ctx, const wsb__px_addr *addr, unsigned int port)
{
	fake *f = ctx;
	wsb__net_verdict v;

	wsb__net_decide_addr(&v, f->rules, f->count, addr->family, addr->bytes, port);
	if (!v.allowed)
		abort(); /* the proxy must connect only to an address it checked */
	if (f->flags & 64)
		return -1;
	f->connected = 1;
	return 0;
}

static void pump(void *ctx, wsb__px_attempt *a)
{
	fake *f = ctx;

	a->up += f->len - f->off;
	f->off = f->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static wsb_policy *policy;
	wsb__px_attempt a;
	wsb__px_io io;
	fake f;
	char *json = NULL;

	if (size < 1)
		return 0;
	if (!policy) {
		if (wsb_policy_create(&policy, WSB_MODE_READ_ONLY) != WSB_OK ||
		    wsb_policy_allow_host(policy, "pypi.test") != WSB_OK ||
		    wsb_policy_allow_host(policy, "*.example.org:*") != WSB_OK ||
		    wsb_policy_deny_host(policy, "bad.example.org") != WSB_OK ||
		    wsb_policy_allow_address(policy, "127.0.0.1:8080") != WSB_OK)
			abort();
	}
	memset(&f, 0, sizeof(f));
	f.flags = data[0];
	f.in = data + 1;
	f.len = size - 1;
	f.rules = policy->net_rules;
	f.count = policy->net_rule_count;
	io.ctx = &f;
	io.client_read = client_read;
	io.send_all = send_all;
	io.first_bytes = first_bytes;
	io.resolve = resolve;
	io.connect = connect_to;
	io.pump = pump;
	wsb__px_serve(&a, &io, f.rules, f.count);
	if (f.off > f.len)
		abort();
	if (a.allowed && !f.connected)
		abort();
	if (a.protocol) {
		if (!a.allowed && a.reason == NULL)
			abort();
		if (wsb__px_attempt_json(&json, &a) == WSB_OK)
			wsb__free(json);
	}
	return 0;
}
