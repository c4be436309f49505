/*
 * The filtering proxy of WSB_NETWORK_ALLOWLIST on Linux (proxy.c;
 * docs/network.md). Not part of the public API.
 */
#ifndef WSB_LINUX_PROXY_H
#define WSB_LINUX_PROXY_H

#include "core/common.h"
#include "core/hostpat.h"
#include "core/proxyserve.h"

struct wsb_policy;
struct wsb__lx_proxy;

/* The tests' resolver hook is the core's: wsb__px_set_resolver
 * (core/proxyserve.h). */

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
 * "not_kept": attempts past WSB__PX_LOG_MAX}, after waiting up to
 * settle_ms for the connections under way to end (once the command ended,
 * its last ones are closing). */
int wsb__lx_proxy_events_json(char **out, struct wsb__lx_proxy *px, long settle_ms);
/* Stop it: every thread woken and joined, every socket closed. NULL is a
 * no-op. */
void wsb__lx_proxy_stop(struct wsb__lx_proxy *px);

#endif
