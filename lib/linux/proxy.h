/*
 * The filtering proxy of WSB_NETWORK_ALLOWLIST on Linux (proxy.c;
 * docs/network.md). Not part of the public API.
 */
#ifndef WSB_LINUX_PROXY_H
#define WSB_LINUX_PROXY_H

#include "core/common.h"
#include "core/hostpat.h"

struct wsb_policy;
struct wsb__lx_proxy;

/* One connection attempt, as the audit shows it. */
typedef struct wsb__lx_proxy_event {
	const char *protocol;     /* "connect", "http" or "socks5" */
	const char *host;         /* as requested (A-label form when it was a name) */
	unsigned int port;
	const char *address;      /* the address connected to (or refused), or "" */
	int allowed;
	const char *rule;         /* the deciding rule's text, or "" */
	const char *reason;
	wsb_u64 bytes_up, bytes_down, duration_ms;
} wsb__lx_proxy_event;

typedef void (*wsb__lx_proxy_event_fn)(const wsb__lx_proxy_event *ev, void *ctx);

/* Test hook, for the tests only: resolve names through fn (an address's
 * text, or NULL for "no such name") instead of getaddrinfo(), so test names
 * such as pypi.test reach local servers. NULL restores getaddrinfo(). Set
 * it before starting a proxy. */
typedef const char *(*wsb__lx_proxy_resolve_fn)(const char *ascii_host);
void wsb__lx_proxy_set_resolver(wsb__lx_proxy_resolve_fn fn);

/* Start a proxy on the host's 127.0.0.1 at an ephemeral port (*out_port),
 * enforcing a copy of the policy's rules. on_event (may be NULL) is called
 * from the proxy's threads after each attempt ends. */
int wsb__lx_proxy_start(struct wsb__lx_proxy **out, unsigned short *out_port,
	const struct wsb_policy *policy, wsb__lx_proxy_event_fn on_event, void *ctx);
/* Stop it: every thread woken and joined, every socket closed. NULL is a
 * no-op. */
void wsb__lx_proxy_stop(struct wsb__lx_proxy *px);

#endif
