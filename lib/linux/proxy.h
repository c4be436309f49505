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

/* Attempts kept for wsb_process_to_json(); later ones are only counted. */
#define WSB__LX_PROXY_LOG_MAX 10000

/* Test hook, for the tests only: resolve names through fn (an address's
 * text, or NULL for "no such name") instead of getaddrinfo(), so test names
 * such as pypi.test reach local servers. NULL restores getaddrinfo(). Set
 * it before starting a proxy. */
typedef const char *(*wsb__lx_proxy_resolve_fn)(const char *ascii_host);
void wsb__lx_proxy_set_resolver(wsb__lx_proxy_resolve_fn fn);

/* Start a proxy enforcing a copy of the policy's rules and calling its
 * network callback (from the proxy's threads) as each attempt ends. It
 * serves listener (a listening TCP socket, taken, closed on failure too:
 * the one the sandbox's init made in the command's network namespace, so
 * the command's connections reach the proxy in one hop), or with -1 a
 * socket of its own on the host's 127.0.0.1 at an ephemeral port; either
 * way *out_port is the port listened on. */
int wsb__lx_proxy_start(struct wsb__lx_proxy **out, unsigned short *out_port,
	const struct wsb_policy *policy, int listener);
/* The attempts so far: {"connections": [each as the callback gets it],
 * "not_kept": attempts past WSB__LX_PROXY_LOG_MAX}, after waiting up to
 * settle_ms for the connections under way to end (once the command ended,
 * its last ones are closing). */
int wsb__lx_proxy_events_json(char **out, struct wsb__lx_proxy *px, long settle_ms);
/* Stop it: every thread woken and joined, every socket closed. NULL is a
 * no-op. */
void wsb__lx_proxy_stop(struct wsb__lx_proxy *px);

#endif
