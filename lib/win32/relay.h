/*
 * The loopback relay (lib/win32/relay.c, docs/windows-relay.md): the library,
 * as the caller's user, listens on 127.0.0.1:listen_port and copies each
 * connection both ways to 127.0.0.1:target_port, for as long as a process
 * whose policy asks for it lives. One relay per listen port, shared by
 * reference count between the caller's processes. Nothing on the machine
 * changes, so nothing is journaled.
 */
#ifndef WSB_WIN32_RELAY_H
#define WSB_WIN32_RELAY_H

#include "win32.h"

/* Connections one relay carries at once; more are accepted and closed. */
#define WSB__RELAY_MAX_CONNS 256
/* Bytes buffered per connection and direction. */
#define WSB__RELAY_BUF 16384

struct wsb__relay;

/* A reference to the relay on listen_port, started if none runs yet (bound
 * with SO_EXCLUSIVEADDRUSE, its thread running). listen_port 0: *out NULL,
 * WSB_OK. WSB_ECONFLICT if this library already relays listen_port to
 * another target; WSB_EEXIST if another program holds listen_port; WSB_EOS
 * and friends for a failed call, after which nothing is left behind. */
int wsb__relay_acquire(struct wsb__relay **out, unsigned short listen_port,
	unsigned short target_port);
/* Drop a reference; the last one stops the relay: every socket closed, the
 * thread joined. NULL is a no-op. */
void wsb__relay_release(struct wsb__relay *relay);

/* The proxy variables the command gets with a relay: HTTP_PROXY,
 * HTTPS_PROXY, ALL_PROXY = http://127.0.0.1:<listen_port>, each appended to
 * d->env_extra unless the policy sets or unsets that name itself; either way
 * the backend's earlier entry for the name (the advisory dead proxy of
 * network off) is dropped. Nothing without a relay. */
int wsb__relay_env(wsb__w32_decision *d, const struct wsb_policy *policy);

/* For tests: relays running now, and connections a relay refused because
 * it carried WSB__RELAY_MAX_CONNS already. */
size_t wsb__relay_count(void);
unsigned long wsb__relay_refused(const struct wsb__relay *relay);

#endif
