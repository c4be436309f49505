/*
 * The filtering proxy of WSB_NETWORK_ALLOWLIST on Windows (proxy.c;
 * docs/network.md): the core's decisions (lib/core/proxyserve.c) served
 * over Winsock, every call through the OS-call seam. Not part of the
 * public API.
 */
#ifndef WSB_WIN32_PROXY_H
#define WSB_WIN32_PROXY_H

#include "win32.h"
#include "core/proxyserve.h"

/* Connections one proxy serves at once; more are accepted and closed. */
#define WSB__W32_PROXY_MAX_CONNS 256

struct wsb__w32_proxy;

/* Start a proxy enforcing a copy of the policy's rules and calling its
 * network callback (from the proxy's threads) as each attempt ends. It
 * listens on 127.0.0.1 at the first of ports[0..count) it can bind
 * (SO_EXCLUSIVEADDRUSE; count 0: an ephemeral port); *out_port is the port
 * it listens on. WSB_EEXIST when every port given is taken; WSB_EOS and
 * friends for a failed call, after which nothing is left behind. */
int wsb__w32_proxy_start(struct wsb__w32_proxy **out, unsigned short *out_port,
	const struct wsb_policy *policy, const unsigned short *ports, size_t count);
/* The attempts so far, as on Linux: {"connections": [...], "not_kept": n},
 * after waiting up to settle_ms for the connections under way to end. */
int wsb__w32_proxy_events_json(char **out, struct wsb__w32_proxy *px, long settle_ms);
/* Stop it: every thread woken and joined, every socket closed, Winsock
 * released. NULL is a no-op. */
void wsb__w32_proxy_stop(struct wsb__w32_proxy *px);

/* For tests: connection threads running now in every proxy. */
long wsb__w32_proxy_threads(void);

/* ---- allowlist.c: how a spawn reaches the proxy ---- */

struct wsb__sandbox_account;

/* Can this policy's allow-list run for this identity? WSB_ECONFLICT with a
 * loopback relay; WSB_ENOTSETUP for a sandbox user whose firewall holds but
 * that may reach no loopback port (acct NULL: the caller's own user). WSB_OK
 * for any other network mode. */
int wsb__w32_allowlist_check(const struct wsb_policy *policy,
	const struct wsb__sandbox_account *acct);
/* The plan's allow-list steps and note (nothing for other modes). */
int wsb__w32_allowlist_plan(struct wsb_plan *plan, const struct wsb_policy *policy,
	const struct wsb__sandbox_account *acct, unsigned int protections);
/* Start p's proxy (a sandbox user whose firewall holds: on a port setup
 * allowed; else an ephemeral one) and point the command's proxy variables
 * at it (d->env_extra). Nothing for other modes. */
int wsb__w32_allowlist_start(struct wsb_process *p, wsb__w32_decision *d,
	const struct wsb_policy *policy, const struct wsb__sandbox_account *acct);

#endif
