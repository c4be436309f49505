/*
 * Host names, address literals and the allow-list's patterns
 * (lib/core/hostpat.c; docs/network.md). Pure: no OS calls, no resolver.
 * The policy stores parsed patterns; the filtering proxy asks the same
 * functions whether a requested host, and then each address it resolved
 * to, may be reached.
 */
#ifndef WSB_CORE_HOSTPAT_H
#define WSB_CORE_HOSTPAT_H

#include "common.h"

#define WSB__HOST_MAX 253          /* bytes of an A-label name, no trailing dot */
#define WSB__HOST_INPUT_MAX 1024   /* bytes of UTF-8 accepted before conversion */
#define WSB__HOSTPAT_MAX_PORTS 16

/* Address families, independent of the OS's AF_* values. */
enum { WSB__ADDR_V4 = 4, WSB__ADDR_V6 = 6 };

typedef struct wsb__hostpat {
	int deny;                  /* a deny rule (wins over every allow) */
	int is_address;            /* an address range, not a name */
	int wildcard;              /* "*.name": strict subdomains of name only */
	char *name;                /* A-label, lower case, no trailing dot */
	int family;                /* WSB__ADDR_V4 / _V6 when is_address */
	unsigned char addr[16];    /* network byte order, host bits zero */
	unsigned int prefix;       /* prefix length in bits */
	int any_port;              /* ":*" */
	unsigned short ports[WSB__HOSTPAT_MAX_PORTS];
	size_t port_count;
	char *text;                /* canonical form, shown in summaries and audit */
} wsb__hostpat;

/* A host name to its compared form: UTF-8 in, IDNA A-labels out, lower
 * case, separators U+3002 U+FF0E U+FF61 read as '.', one trailing dot
 * dropped. Labels are letters, digits, '-' and '_' (not starting or ending
 * with '-'), at most 63 bytes; the name at most WSB__HOST_MAX. On error the
 * message gives the reason (no function name: the caller prefixes it);
 * WSB_EINVAL, WSB_EUTF8, WSB_ETOOLONG or WSB_ENOMEM. */
int wsb__host_to_ascii(char **out, const char *host, size_t len);

/* 1 if an A-label name is an address in disguise: its last label is all
 * digits or "0x" and hex digits (what inet_aton() accepts, such as
 * "2130706433" or "127.1"). No top-level domain looks like that. */
int wsb__host_looks_numeric(const char *ascii);

/* Strict address literals: dotted-quad IPv4 (four decimal parts, no leading
 * zeros) or RFC 4291 IPv6 (with "::" and a trailing dotted quad; no zone).
 * Returns WSB__ADDR_V4 / WSB__ADDR_V6 and fills addr (16 bytes, v4 in the
 * first 4), or 0 when s[0..len) is not one. */
int wsb__addr_parse(unsigned char *addr, const char *s, size_t len);

/* Text of an address (IPv6 in RFC 5952 form) into buf (at least 46 bytes). */
void wsb__addr_format(char *buf, size_t cap, int family, const unsigned char *addr);

/* Why the proxy must not connect to an address unless a rule allows it by
 * address: "loopback", "link-local", "private", "unique-local",
 * "unspecified", "multicast", "reserved", ...; NULL for a public address.
 * IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 inside. */
const char *wsb__addr_restricted(int family, const unsigned char *addr);

/* Parse a pattern. Names: "host", "*.host", each with an optional
 * ":port[,port...]" or ":*" (default 80 and 443). Addresses (address != 0):
 * "a.b.c.d[/len][:ports]", "[v6][/len][:ports]" or a bare v6 "v6[/len]".
 * A name pattern that is an address literal, a bare "*", a '*' anywhere but
 * a leading "*." label, an empty label, a port outside 1..65535 or more
 * than WSB__HOSTPAT_MAX_PORTS ports are WSB_EINVAL with the reason. */
int wsb__hostpat_parse(wsb__hostpat *out, const char *pattern, int address, int deny);
void wsb__hostpat_dispose(wsb__hostpat *p);
/* A deep copy (the proxy keeps the rules after the policy is freed). */
int wsb__hostpat_copy(wsb__hostpat *out, const wsb__hostpat *in);

/* 1 if a name pattern covers ascii (a wsb__host_to_ascii result) and port. */
int wsb__hostpat_match_name(const wsb__hostpat *p, const char *ascii, unsigned int port);
/* 1 if an address pattern covers addr and port. */
int wsb__hostpat_match_addr(const wsb__hostpat *p, int family, const unsigned char *addr,
	unsigned int port);

/* The allow-list's verdicts. */
typedef struct wsb__net_verdict {
	int allowed;
	const wsb__hostpat *rule;  /* the rule that decided, or NULL (nothing allowed it) */
	const char *reason;        /* static text: why, for the audit and the denial */
} wsb__net_verdict;

/* May a client ask for this host (a wsb__host_to_ascii result, or an
 * address literal's text) and port? Deny rules first, then allow rules; an
 * address literal is allowed only by an address rule. */
void wsb__net_decide_host(wsb__net_verdict *out, const wsb__hostpat *rules, size_t count,
	const char *ascii, unsigned int port);

/* May the proxy connect to this address (after resolving an allowed name)?
 * A public address is allowed; a restricted one (wsb__addr_restricted) only
 * by an address rule. */
void wsb__net_decide_addr(wsb__net_verdict *out, const wsb__hostpat *rules, size_t count,
	int family, const unsigned char *addr, unsigned int port);

#endif
