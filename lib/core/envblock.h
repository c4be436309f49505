/*
 * Environments (lib/core/envblock.c): the list of NAME=VALUE entries the
 * command gets, and the UTF-16 block CreateProcessW wants (sorted
 * case-insensitively by name, each entry NUL-terminated, the block ending
 * with an extra NUL). OS-neutral: the caller passes the starting environment.
 */
#ifndef WSB_CORE_ENVBLOCK_H
#define WSB_CORE_ENVBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

struct wsb_policy;

/* Build the final environment for a command:
 *   start from base (NULL-terminated "NAME=VALUE" array; may be NULL) if the
 *   policy inherits, otherwise empty plus the variables in keep_if_clear
 *   taken from base (Windows: SYSTEMROOT, SYSTEMDRIVE, WINDIR, COMSPEC,
 *   PATHEXT, TEMP, TMP, USERPROFILE...; the caller passes the list);
 *   then apply the policy's unsets and sets in order, then extra (the
 *   backend's own additions, e.g. advisory proxy variables), which win.
 * Names compare case-insensitively when case_insensitive (Windows). A set
 * replaces the first entry of that name in place (so the base order is kept)
 * and drops later duplicates; an unset removes every spelling; keep_if_clear
 * takes the last matching base entry. Base entries without a name are
 * dropped. Result: owned "NAME=VALUE" strings in out, whose earlier contents
 * are released on success; on failure out is untouched. WSB_EINVAL (NULL
 * policy, unknown env_mode, invalid op name, extra entry without NAME=),
 * WSB_ENOMEM. */
int wsb__env_build(wsb__strvec *out, const struct wsb_policy *policy,
	const char *const *base, const char *const *keep_if_clear,
	const char *const *extra, int case_insensitive);

/* UTF-16 environment block from "NAME=VALUE" entries: sorted by name
 * case-insensitively (by upper-cased UTF-16 units, as Windows does), entries
 * with '=' drive names ("=C:=C:\x") first as Windows keeps them, double-NUL
 * terminated. Entries with the same name (case-insensitively): the last one
 * in entries wins. An empty list gives two NULs. *out_len (may be NULL)
 * counts units including both final NULs. WSB_EINVAL for a NULL entry or
 * one without '=' after the first character; WSB_EUTF8; WSB_ETOOLONG when an
 * entry with its NUL exceeds 32767 units. *out is NULL on failure. */
int wsb__env_block_utf16(uint16_t **out, size_t *out_len,
	const char *const *entries, size_t count);

/* Valid environment variable name? (non-empty, valid UTF-8, no '=' after the
 * first character; on Windows a leading '=' is allowed, elsewhere no '=' at
 * all.) Returns 1 or 0, sets no error. */
int wsb__env_valid_name(const char *name, int windows);

/* The proxy variables a command gets with a loopback relay (policy.h
 * relay_listen): HTTP_PROXY, HTTPS_PROXY, ALL_PROXY =
 * http://127.0.0.1:<listen_port>, each appended to out unless the policy sets
 * or unsets that name itself in any spelling; with lower_too each is followed
 * by its lower-case twin (http_proxy...), which curl and wget read on POSIX
 * systems where names are case-sensitive. Nothing without a relay.
 * WSB_ENOMEM, with the entries pushed so far left in out. */
int wsb__env_relay_proxies(wsb__strvec *out, const struct wsb_policy *policy, int lower_too);
/* The same variables pointed at 127.0.0.1:port; with no_proxy also an empty
 * NO_PROXY (and no_proxy), so no host bypasses the proxy. Each only if the
 * policy does not name it itself. */
int wsb__env_proxy_vars(wsb__strvec *out, const struct wsb_policy *policy, unsigned short port,
	int lower_too, int no_proxy);

#endif
