/*
 * One connection of the allow-list's filtering proxy, decided without any
 * OS call (lib/core/proxyserve.c; docs/network.md): read the request,
 * decide the host, resolve, check every address, connect to an address it
 * checked, answer a denial in the protocol's own way, check a tunnel's SNI,
 * and build the attempt's audit record. Each backend's proxy
 * (lib/linux/proxy.c, lib/win32/proxy.c) owns its sockets, threads and
 * wake-up, and lends them to this code through wsb__px_io, so both run
 * the same decisions.
 */
#ifndef WSB_CORE_PROXYSERVE_H
#define WSB_CORE_PROXYSERVE_H

#include "common.h"
#include "hostpat.h"
#include "proxyparse.h"

/* Attempts kept for wsb_process_to_json(); later ones are only counted. */
#define WSB__PX_LOG_MAX 10000
/* Addresses of one name the proxy considers. */
#define WSB__PX_MAX_ADDRS 16

typedef struct wsb__px_attempt {
	const char *protocol;      /* "connect", "http", "socks5"; NULL: nothing to report */
	char host[WSB__PX_HOST_MAX + 1];
	unsigned int port;
	char address[64];
	int allowed;
	const char *rule;          /* the rule that decided on the host */
	const char *address_rule;  /* the address rule that let a restricted address through */
	const char *reason;
	wsb_u64 up, down, start;
} wsb__px_attempt;

typedef struct wsb__px_addr {
	int family;                /* WSB__ADDR_V4 / _V6 */
	unsigned char bytes[16];
} wsb__px_addr;

/* What a backend lends to wsb__px_serve for one client connection. */
typedef struct wsb__px_io {
	void *ctx;
	/* Bytes from the client into buf: the count, 0 at end of stream, -1
	 * on an error, a timeout or the proxy stopping. */
	long (*client_read)(void *ctx, char *buf, size_t cap);
	/* All of data to the client (to 0) or the upstream (to 1): 0 or -1. */
	int (*send_all)(void *ctx, int to, const void *data, size_t len);
	/* A tunnel just opened: whose bytes come first? 0 the client's (or
	 * its end of stream), 1 the upstream's, -1 timeout, error or stop. */
	int (*first_bytes)(void *ctx);
	/* Resolve an A-label name: up to cap IPv4/IPv6 addresses in the
	 * resolver's order, or -1 when the name does not resolve. */
	long (*resolve)(void *ctx, const char *host, unsigned int port, wsb__px_addr *out,
		size_t cap);
	/* Connect the upstream to addr:port: 0, or -1. */
	int (*connect)(void *ctx, const wsb__px_addr *addr, unsigned int port);
	/* Carry the open tunnel both ways until both ends finished, adding
	 * the bytes each way to a->up and a->down. */
	void (*pump)(void *ctx, wsb__px_attempt *a);
} wsb__px_io;

/* Serve one client: a is filled (a->protocol NULL when the client never
 * got as far as a request worth reporting). The upstream io connected is
 * the caller's to close afterwards. */
void wsb__px_serve(wsb__px_attempt *a, const wsb__px_io *io, const wsb__hostpat *rules,
	size_t count);

/* Test hook, for the tests only: resolve names through fn (an address's
 * text, or NULL for "no such name") instead of the backend's resolver, so
 * test names such as pypi.test reach local servers. NULL restores the
 * resolver. Set it before starting a proxy. */
typedef const char *(*wsb__px_resolve_fn)(const char *ascii_host);
void wsb__px_set_resolver(wsb__px_resolve_fn fn);

/* The attempts of one proxy, kept for its result. Not locked: the
 * backend holds its own lock around add and json. */
typedef struct wsb__px_log {
	wsb__strvec items;         /* each attempt's JSON, at most WSB__PX_LOG_MAX */
	wsb_u64 dropped;
} wsb__px_log;

/* The attempt's JSON record (as the callback gets it) into *out. */
int wsb__px_attempt_json(char **out, const wsb__px_attempt *a);
/* Keep text (taken; freed when not kept). */
void wsb__px_log_add(wsb__px_log *log, char *text);
/* {"connections": [...], "not_kept": n}. */
int wsb__px_log_json(char **out, const wsb__px_log *log);
void wsb__px_log_dispose(wsb__px_log *log);

/* A deep copy of a policy's rules, for a proxy that outlives the policy. */
int wsb__px_rules_copy(wsb__hostpat **out, size_t *out_count, const wsb__hostpat *rules,
	size_t count);
void wsb__px_rules_free(wsb__hostpat *rules, size_t count);

#endif
