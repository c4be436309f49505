/*
 * The policy object: what a sandboxed command may do. Every setter validates
 * its whole input before touching the policy, and allocates what it stores
 * before replacing anything, so a failed call leaves the policy unchanged.
 */
#include "policy.h"
#include "envblock.h"
#include "json.h"
#include "utf.h"

#include <stdio.h>
#include <string.h>

#define KNOWN_FLAGS (WSB_POLICY_NO_DEFAULT_PROTECT | WSB_POLICY_DENY_WORLD_WRITABLE | \
	WSB_POLICY_REFUSE_WORLD_WRITABLE | WSB_POLICY_PRIVATE_DESKTOP | WSB_POLICY_NO_TEMP_WRITE)
#define KNOWN_PROTECTIONS ((unsigned int)WSB_PROT_PRIVATE_DESKTOP * 2u - 1u)

int wsb__error_null(const char *fn, const char *arg)
{
	return wsb__error(WSB_EINVAL, "%s: %s is NULL", fn, arg);
}

int wsb__error_prefix(int rc, const char *fn)
{
	char msg[512];

	if (rc == WSB_ENOMEM)
		return rc;
	/* Copy first: the message lives in the buffer the new error reuses. */
	snprintf(msg, sizeof(msg), "%s", wsb_error_message(NULL));
	return wsb__error_os(rc, wsb_error_os(NULL), "%s: %s", fn, msg);
}

static int names_equal(const char *a, const char *b, int flavor)
{
	if (flavor == WSB__PATH_WIN)
		return wsb__utf8_casecmp(a, b) == 0;
	return strcmp(a, b) == 0;
}

size_t wsb__policy_path_max(const struct wsb_policy *policy)
{
	return policy->flavor == WSB__PATH_WIN ? WSB__PATH_MAX_WIN : WSB__PATH_MAX_POSIX;
}

int wsb_policy_create(wsb_policy **out, int mode)
{
	wsb_policy *p;

	if (out == NULL)
		return wsb__error_null("wsb_policy_create", "out");
	*out = NULL;
	if (mode < WSB_MODE_READ_ONLY || mode > WSB_MODE_FULL_ACCESS)
		return wsb__error(WSB_EINVAL, "wsb_policy_create: unknown mode %d", mode);
	p = wsb__calloc(1, sizeof(*p));
	if (p == NULL)
		return wsb__error_nomem();
	p->flavor = WSB__PATH_HOST;
	p->mode = mode;
	p->network = WSB_NETWORK_OFF;
	p->env_mode = WSB_ENV_INHERIT;
	*out = p;
	return WSB_OK;
}

void wsb_policy_free(wsb_policy *policy)
{
	size_t i;

	if (policy == NULL)
		return;
	for (i = 0; i < policy->env_op_count; i++) {
		wsb__free(policy->env_ops[i].name);
		wsb__free(policy->env_ops[i].value);
	}
	wsb__free(policy->env_ops);
	wsb__strvec_dispose(&policy->write_roots);
	wsb__strvec_dispose(&policy->protect_paths);
	wsb__strvec_dispose(&policy->protect_names);
	wsb__strvec_dispose(&policy->deny_read);
	for (i = 0; i < policy->net_rule_count; i++)
		wsb__hostpat_dispose(&policy->net_rules[i]);
	wsb__free(policy->net_rules);
	wsb__free(policy);
}

int wsb_policy_set_mode(wsb_policy *policy, int mode)
{
	if (policy == NULL)
		return wsb__error_null("wsb_policy_set_mode", "policy");
	if (mode < WSB_MODE_READ_ONLY || mode > WSB_MODE_FULL_ACCESS)
		return wsb__error(WSB_EINVAL, "wsb_policy_set_mode: unknown mode %d", mode);
	policy->mode = mode;
	return WSB_OK;
}

int wsb_policy_mode(const wsb_policy *policy)
{
	if (policy == NULL)
		return wsb__error_null("wsb_policy_mode", "policy");
	return policy->mode;
}

/* Shared by the three path lists: normalize, refuse duplicates and
 * overflow, then append (the append frees the copy if it fails). */
static int add_path(wsb_policy *policy, wsb__strvec *list, const char *path,
	const char *fn, const char *what)
{
	char *norm;
	size_t i;
	int rc;

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (path == NULL)
		return wsb__error_null(fn, "path");
	rc = wsb__utf8_check_arg(path, wsb__policy_path_max(policy), "path");
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	rc = wsb__path_normalize(&norm, path, policy->flavor, 0);
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	for (i = 0; i < list->count; i++) {
		if (wsb__path_cmp(list->items[i], norm, policy->flavor) == 0) {
			rc = wsb__error(WSB_EEXIST, "%s: '%s' is already a %s (as '%s')", fn, path,
				what, list->items[i]);
			wsb__free(norm);
			return rc;
		}
	}
	if (list->count >= WSB_MAX_ROOTS) {
		wsb__free(norm);
		return wsb__error(WSB_ERANGE, "%s: more than %d %ss", fn, WSB_MAX_ROOTS, what);
	}
	return wsb__strvec_push_owned(list, norm);
}

int wsb_policy_allow_write(wsb_policy *policy, const char *path)
{
	return add_path(policy, policy ? &policy->write_roots : NULL, path,
		"wsb_policy_allow_write", "writable root");
}

int wsb_policy_protect_path(wsb_policy *policy, const char *path)
{
	return add_path(policy, policy ? &policy->protect_paths : NULL, path,
		"wsb_policy_protect_path", "protected path");
}

int wsb_policy_deny_read(wsb_policy *policy, const char *path)
{
	return add_path(policy, policy ? &policy->deny_read : NULL, path,
		"wsb_policy_deny_read", "deny-read path");
}

int wsb_policy_protect_name(wsb_policy *policy, const char *name)
{
	static const char fn[] = "wsb_policy_protect_name";
	size_t i, len;
	int rc;

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (name == NULL)
		return wsb__error_null(fn, "name");
	rc = wsb__utf8_check_arg(name, WSB__NAME_MAX, "name");
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	len = strlen(name);
	if (!wsb__path_valid_name(name, policy->flavor))
		return wsb__error(WSB_EINVAL, "%s: '%s' is not a single file or directory name "
			"(empty, '.', '..', a separator or a forbidden character)", fn, name);
	/* Windows drops trailing dots and spaces from names, so such a name
	 * could never match a normalized path. */
	if (policy->flavor == WSB__PATH_WIN && (name[len - 1] == '.' || name[len - 1] == ' '))
		return wsb__error(WSB_EINVAL, "%s: '%s' ends with a dot or space, which Windows "
			"removes from names", fn, name);
	for (i = 0; i < policy->protect_names.count; i++)
		if (names_equal(policy->protect_names.items[i], name, policy->flavor))
			return wsb__error(WSB_EEXIST, "%s: '%s' is already a protected name", fn, name);
	if (policy->protect_names.count >= WSB_MAX_ROOTS)
		return wsb__error(WSB_ERANGE, "%s: more than %d protected names", fn, WSB_MAX_ROOTS);
	return wsb__strvec_push(&policy->protect_names, name);
}

int wsb_policy_set_network(wsb_policy *policy, int network)
{
	if (policy == NULL)
		return wsb__error_null("wsb_policy_set_network", "policy");
	if (network != WSB_NETWORK_OFF && network != WSB_NETWORK_ON && network != WSB_NETWORK_ALLOWLIST)
		return wsb__error(WSB_EINVAL, "wsb_policy_set_network: unknown network setting %d", network);
	policy->network = network;
	return WSB_OK;
}

static int limit_range(int limit, wsb_u64 *min, wsb_u64 *max)
{
	*min = 1;
	switch (limit) {
	case WSB_LIMIT_MEMORY:
		*min = WSB__LIMIT_MEMORY_MIN;
		*max = WSB__LIMIT_MEMORY_MAX;
		return 1;
	case WSB_LIMIT_PROCESSES:
		*max = WSB__LIMIT_PROCESSES_MAX;
		return 1;
	case WSB_LIMIT_CPU_TIME:
	case WSB_LIMIT_TIMEOUT:
		*max = WSB__LIMIT_MS_MAX;
		return 1;
	case WSB_LIMIT_OUTPUT:
		*max = WSB__LIMIT_OUTPUT_MAX;
		if ((wsb_u64)(SIZE_MAX / 2) < *max)
			*max = SIZE_MAX / 2;
		return 1;
	}
	return 0;
}

int wsb_policy_set_limit(wsb_policy *policy, int limit, wsb_u64 value)
{
	static const char fn[] = "wsb_policy_set_limit";
	char a[WSB__U64_STR_SIZE], b[WSB__U64_STR_SIZE], c[WSB__U64_STR_SIZE];
	wsb_u64 min, max;

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (!limit_range(limit, &min, &max))
		return wsb__error(WSB_EINVAL, "%s: unknown limit %d", fn, limit);
	if (value != 0 && (value < min || value > max))
		return wsb__error(WSB_ERANGE, "%s: %s limit %s is out of range (%s..%s, or 0 for none)",
			fn, wsb__limit_name(limit), wsb__u64_str(a, value), wsb__u64_str(b, min),
			wsb__u64_str(c, max));
	policy->limits[limit] = value;
	return WSB_OK;
}

int wsb_policy_limit(wsb_u64 *out, const wsb_policy *policy, int limit)
{
	wsb_u64 min, max;

	if (out == NULL)
		return wsb__error_null("wsb_policy_limit", "out");
	if (policy == NULL)
		return wsb__error_null("wsb_policy_limit", "policy");
	if (!limit_range(limit, &min, &max))
		return wsb__error(WSB_EINVAL, "wsb_policy_limit: unknown limit %d", limit);
	*out = policy->limits[limit];
	return WSB_OK;
}

int wsb_policy_env_mode(wsb_policy *policy, int mode)
{
	if (policy == NULL)
		return wsb__error_null("wsb_policy_env_mode", "policy");
	if (mode != WSB_ENV_INHERIT && mode != WSB_ENV_CLEAR)
		return wsb__error(WSB_EINVAL, "wsb_policy_env_mode: unknown environment mode %d", mode);
	policy->env_mode = mode;
	return WSB_OK;
}

static int check_env_name(const wsb_policy *policy, const char *name, const char *fn)
{
	int rc;

	if (name == NULL)
		return wsb__error_null(fn, "name");
	rc = wsb__utf8_check_arg(name, WSB__ENV_MAX, "name");
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	if (!wsb__env_valid_name(name, policy->flavor == WSB__PATH_WIN))
		return wsb__error(WSB_EINVAL, "%s: '%s' is not a valid environment variable name "
			"(empty, or '=' after the first character)", fn, name);
	return WSB_OK;
}

/* Replace the operation on name, or append one. value NULL = unset. */
static int env_put(wsb_policy *policy, const char *name, const char *value)
{
	char *v = NULL, *n;
	size_t i;

	if (value != NULL && (v = wsb__strdup(value)) == NULL)
		return wsb__error_nomem();
	for (i = 0; i < policy->env_op_count; i++) {
		if (names_equal(policy->env_ops[i].name, name, policy->flavor)) {
			wsb__free(policy->env_ops[i].value);
			policy->env_ops[i].value = v;
			return WSB_OK;
		}
	}
	if (policy->env_op_count == policy->env_op_cap) {
		size_t ncap = policy->env_op_cap ? policy->env_op_cap * 2 : 8;
		wsb__env_op *ops = wsb__realloc(policy->env_ops, ncap * sizeof(*ops));

		if (ops == NULL) {
			wsb__free(v);
			return wsb__error_nomem();
		}
		policy->env_ops = ops;
		policy->env_op_cap = ncap;
	}
	n = wsb__strdup(name);
	if (n == NULL) {
		wsb__free(v);
		return wsb__error_nomem();
	}
	policy->env_ops[policy->env_op_count].name = n;
	policy->env_ops[policy->env_op_count].value = v;
	policy->env_op_count++;
	return WSB_OK;
}

int wsb_policy_env_set(wsb_policy *policy, const char *name, const char *value)
{
	static const char fn[] = "wsb_policy_env_set";
	int rc;

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	rc = check_env_name(policy, name, fn);
	if (rc < 0)
		return rc;
	if (value == NULL)
		return wsb__error_null(fn, "value");
	rc = wsb__utf8_check_arg(value, WSB__ENV_MAX, "value");
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	if (strlen(name) + 1 + strlen(value) > WSB__ENV_MAX)
		return wsb__error(WSB_ETOOLONG, "%s: '%s=...' is longer than %d bytes", fn, name,
			WSB__ENV_MAX);
	return env_put(policy, name, value);
}

int wsb_policy_env_unset(wsb_policy *policy, const char *name)
{
	static const char fn[] = "wsb_policy_env_unset";
	int rc;

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	rc = check_env_name(policy, name, fn);
	if (rc < 0)
		return rc;
	return env_put(policy, name, NULL);
}

int wsb_policy_set_flags(wsb_policy *policy, unsigned int flags)
{
	static const char fn[] = "wsb_policy_set_flags";

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (flags & ~(unsigned int)KNOWN_FLAGS)
		return wsb__error(WSB_EINVAL, "%s: unknown flag bits 0x%x", fn,
			flags & ~(unsigned int)KNOWN_FLAGS);
	if ((flags & WSB_POLICY_DENY_WORLD_WRITABLE) && (flags & WSB_POLICY_REFUSE_WORLD_WRITABLE))
		return wsb__error(WSB_EINVAL, "%s: WSB_POLICY_DENY_WORLD_WRITABLE and "
			"WSB_POLICY_REFUSE_WORLD_WRITABLE exclude each other", fn);
	policy->flags = flags;
	return WSB_OK;
}

int wsb_policy_allow_missing(wsb_policy *policy, unsigned int protections)
{
	if (policy == NULL)
		return wsb__error_null("wsb_policy_allow_missing", "policy");
	if (protections & ~KNOWN_PROTECTIONS)
		return wsb__error(WSB_EINVAL, "wsb_policy_allow_missing: unknown protection bits 0x%x",
			protections & ~KNOWN_PROTECTIONS);
	policy->allow_missing = protections;
	return WSB_OK;
}

int wsb_policy_set_loopback_relay(wsb_policy *policy, unsigned short listen_port,
	unsigned short target_port)
{
	static const char fn[] = "wsb_policy_set_loopback_relay";

	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (listen_port != 0 && target_port == 0)
		return wsb__error(WSB_ERANGE, "%s: target_port 0 is not a port to forward to "
			"(listen_port 0 removes the relay)", fn);
	if (listen_port != 0 && listen_port == target_port)
		return wsb__error(WSB_EINVAL, "%s: listen_port and target_port are both %u: the "
			"relay would connect to itself", fn, (unsigned int)listen_port);
	policy->relay_listen = listen_port;
	policy->relay_target = listen_port ? target_port : 0;
	return WSB_OK;
}

/* A writable root may not lie inside a path that must stay unwritable or
 * unreadable: the sandbox could not grant one without breaking the other.
 * A protected or deny-read path inside a root is the normal carve-out. A
 * workspace-write policy without roots is valid: only temp is writable. */
int wsb_policy_validate(const wsb_policy *policy)
{
	size_t r, i;

	if (policy == NULL)
		return wsb__error_null("wsb_policy_validate", "policy");
	for (r = 0; r < policy->write_roots.count; r++) {
		const char *root = policy->write_roots.items[r];

		for (i = 0; i < policy->protect_paths.count; i++)
			if (wsb__path_within(root, policy->protect_paths.items[i], policy->flavor))
				return wsb__error(WSB_ECONFLICT, "wsb_policy_validate: writable root "
					"'%s' lies inside protected path '%s'", root,
					policy->protect_paths.items[i]);
		for (i = 0; i < policy->deny_read.count; i++)
			if (wsb__path_within(root, policy->deny_read.items[i], policy->flavor))
				return wsb__error(WSB_ECONFLICT, "wsb_policy_validate: writable root "
					"'%s' lies inside deny-read path '%s'", root, policy->deny_read.items[i]);
	}
	return WSB_OK;
}

unsigned int wsb__policy_required_protections(const struct wsb_policy *policy)
{
	unsigned int p = WSB_PROT_PROCESS_TREE;

	if (policy->mode != WSB_MODE_FULL_ACCESS) {
		p |= WSB_PROT_FS_WRITE;
		if (policy->deny_read.count)
			p |= WSB_PROT_FS_DENY_READ;
	}
	if (policy->mode == WSB_MODE_WORKSPACE_WRITE && policy->write_roots.count &&
	    (policy->protect_paths.count || policy->protect_names.count ||
	     !(policy->flags & WSB_POLICY_NO_DEFAULT_PROTECT)))
		p |= WSB_PROT_FS_PROTECTED;
	/* The allow-list's proxy is the only way out: direct traffic stays off. */
	if (policy->network != WSB_NETWORK_ON)
		p |= WSB_PROT_NETWORK;
	if (policy->limits[WSB_LIMIT_MEMORY])
		p |= WSB_PROT_LIMIT_MEMORY;
	if (policy->limits[WSB_LIMIT_PROCESSES])
		p |= WSB_PROT_LIMIT_PROCESSES;
	if (policy->limits[WSB_LIMIT_CPU_TIME])
		p |= WSB_PROT_LIMIT_CPU;
	if (policy->flags & WSB_POLICY_PRIVATE_DESKTOP)
		p |= WSB_PROT_PRIVATE_DESKTOP;
	return p;
}

int wsb__policy_set_flavor(struct wsb_policy *policy, int flavor)
{
	if (policy == NULL)
		return wsb__error_null("wsb__policy_set_flavor", "policy");
	if (flavor != WSB__PATH_POSIX && flavor != WSB__PATH_WIN)
		return wsb__error(WSB_EINVAL, "wsb__policy_set_flavor: unknown path flavor %d", flavor);
	if (policy->write_roots.count || policy->protect_paths.count || policy->deny_read.count ||
	    policy->protect_names.count || policy->env_op_count)
		return wsb__error(WSB_ESTATE, "wsb__policy_set_flavor: the policy already holds "
			"paths, names or environment changes in the other syntax");
	policy->flavor = flavor;
	return WSB_OK;
}

int wsb__policy_each_protected_name(const struct wsb_policy *policy,
	int (*fn)(const char *name, void *ctx), void *ctx)
{
	int with_default = !(policy->flags & WSB_POLICY_NO_DEFAULT_PROTECT);
	size_t i;
	int rc;

	if (with_default && (rc = fn(WSB__DEFAULT_PROTECT_NAME, ctx)) != 0)
		return rc;
	for (i = 0; i < policy->protect_names.count; i++) {
		const char *name = policy->protect_names.items[i];

		if (with_default && names_equal(name, WSB__DEFAULT_PROTECT_NAME, policy->flavor))
			continue;
		if ((rc = fn(name, ctx)) != 0)
			return rc;
	}
	return 0;
}

int wsb__policy_protects_name(const struct wsb_policy *policy, const char *name)
{
	size_t i;

	if (!(policy->flags & WSB_POLICY_NO_DEFAULT_PROTECT) &&
	    names_equal(name, WSB__DEFAULT_PROTECT_NAME, policy->flavor))
		return 1;
	for (i = 0; i < policy->protect_names.count; i++)
		if (names_equal(policy->protect_names.items[i], name, policy->flavor))
			return 1;
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int wsb__gitdir_from_file(char **out, const char *contents, size_t len,
	const char *dir, int flavor)
{
	static const char prefix[] = "gitdir: ";
	size_t plen = sizeof(prefix) - 1;
	char *target;
	int rc;

	*out = NULL;
	while (len > 0 && is_space(contents[len - 1]))
		len--;
	if (len <= plen || memcmp(contents, prefix, plen) != 0)
		return WSB_OK;
	contents += plen;
	len -= plen;
	/* One line of text only: anything else is not a gitdir pointer. */
	if (memchr(contents, '\n', len) || memchr(contents, '\r', len) ||
	    !wsb__utf8_valid(contents, len))
		return WSB_OK;
	target = wsb__strndup(contents, len);
	if (target == NULL)
		return wsb__error_nomem();
	if (wsb__path_is_absolute(target, flavor))
		rc = wsb__path_normalize(out, target, flavor, 0);
	else
		rc = wsb__path_join(out, dir, target, flavor);
	wsb__free(target);
	if (rc == WSB_ENOMEM)
		return rc;
	if (rc < 0)
		*out = NULL;
	return WSB_OK;
}
