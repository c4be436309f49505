/*
 * Decide and act for the unelevated sandbox. decide reads the machine (the
 * capsids file, the DACLs of the roots and protected paths) and lists the
 * ACEs the policy needs, each marked present or missing: reads only, so a
 * dry run is just decide. apply writes the missing ones, each journaled
 * first. DACL reads and writes per root are a constant number whatever lies
 * below it; the only walk is the bounded, names-only protected-name scan.
 */
#include "win32.h"
#include "core/policy.h"
#include "core/path.h"
#include "core/utf.h"

#include <string.h>

#define NUL_DEVICE "\\\\.\\NUL"
#define GITFILE_MAX 4096

/* A dead local port: connections fail at once instead of leaving. */
static const char *const advisory_env[] = {
	"HTTP_PROXY=http://127.0.0.1:9",
	"HTTPS_PROXY=http://127.0.0.1:9",
	"ALL_PROXY=http://127.0.0.1:9",
	"NO_PROXY=",
	"PIP_NO_INDEX=1",
	"PIP_PROXY=http://127.0.0.1:9",
	"NPM_CONFIG_OFFLINE=true",
	"YARN_ENABLE_OFFLINE_MODE=1",
	"CARGO_NET_OFFLINE=true",
	"GIT_ALLOW_PROTOCOL=file",
	NULL
};

static int add_ace(wsb__w32_decision *d, const char *path, int deny, unsigned int mask, int inherit,
	const char *sid, const char *role)
{
	wsb__w32_ace *a;
	char *sddl;
	size_t i;

	if (wsb__ace_sddl(&sddl, deny, mask, inherit, sid) != WSB_OK)
		return wsb__error_nomem();
	for (i = 0; i < d->ace_count; i++)
		if (strcmp(d->aces[i].sddl, sddl) == 0 && wsb__path_cmp(d->aces[i].path, path, WSB__PATH_WIN) == 0) {
			wsb__free(sddl);
			return WSB_OK;
		}
	if (wsb__array_reserve(&d->aces, &d->ace_cap, d->ace_count, sizeof(*d->aces), 16) != WSB_OK) {
		wsb__free(sddl);
		return WSB_ENOMEM;
	}
	a = &d->aces[d->ace_count];
	a->path = wsb__strdup(path);
	if (!a->path) {
		wsb__free(sddl);
		return wsb__error_nomem();
	}
	a->sddl = sddl;
	a->role = role;
	a->present = 0;
	a->added = 0;
	d->ace_count++;
	return WSB_OK;
}

/* Deny writes to a protected path for every capability SID whose root
 * contains it. */
static int protect(wsb__w32_decision *d, const char *path, int is_dir)
{
	size_t i;
	int rc;

	for (i = 0; i < d->roots.count; i++) {
		if (!wsb__path_within(path, d->roots.items[i], WSB__PATH_WIN))
			continue;
		rc = add_ace(d, path, 1, WSB__MASK_DENY_WRITE, is_dir,
			d->caps.sids.items[d->caps.root_sid[i]], "protected");
		if (rc != WSB_OK)
			return rc;
	}
	return WSB_OK;
}

/* A protected name found in dir (as path); a ".git" file also protects the
 * gitdir it names. */
static int protect_found(wsb__w32_decision *d, const char *dir, const char *name, const char *path,
	int is_dir)
{
	char *text = NULL, *gitdir = NULL;
	size_t len = 0;
	int rc;

	if ((rc = protect(d, path, is_dir)) != WSB_OK || is_dir ||
			wsb__utf8_casecmp(name, WSB__DEFAULT_PROTECT_NAME) != 0)
		return rc;
	rc = wsb__w32_read_prefix(&text, &len, path, GITFILE_MAX);
	if (rc == WSB_ENOENT)
		rc = WSB_OK; /* gone since we looked: nothing to follow */
	else if (rc == WSB_OK)
		rc = wsb__gitdir_from_file(&gitdir, text, len, dir, WSB__PATH_WIN);
	if (rc == WSB_OK && gitdir && (rc = wsb__w32_stat(&is_dir, gitdir)) == 1)
		rc = protect(d, gitdir, is_dir);
	wsb__free(text);
	wsb__free(gitdir);
	return rc < 0 ? rc : WSB_OK;
}

struct name_ctx {
	wsb__w32_decision *d;
	const char *root;
};

/* A protected name directly under a root: one case-insensitive lookup
 * (".GiT" is found as ".git"), never limited by the scan's budget. */
static int protect_name(const char *name, void *vctx)
{
	struct name_ctx *ctx = vctx;
	char *path = NULL;
	int is_dir = 0, rc;

	if ((rc = wsb__path_join(&path, ctx->root, name, WSB__PATH_WIN)) != WSB_OK)
		return rc;
	rc = wsb__w32_stat(&is_dir, path);
	if (rc == 1)
		rc = protect_found(ctx->d, ctx->root, name, path, is_dir);
	wsb__free(path);
	return rc < 0 ? rc : WSB_OK;
}

/* One name of a listed folder: a protected name below the top level
 * (protect_name covers that one) is protected; another folder, not a
 * reparse point (a junction may lead out of the root or in a circle), goes
 * to next while its depth is within the budget. */
static int scan_entry(wsb__w32_decision *d, const struct wsb_policy *policy, const char *dir,
	unsigned depth, wsb__strvec *next, const WIN32_FIND_DATAW *fd)
{
	char *name = NULL, *child = NULL;
	int is_dir = (fd->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0, prot, rc;

	if (wcscmp(fd->cFileName, L".") == 0 || wcscmp(fd->cFileName, L"..") == 0)
		return WSB_OK;
	if (d->scan_entries >= WSB__SCAN_MAX_ENTRIES) {
		d->scan_truncated = 1;
		return WSB_OK;
	}
	d->scan_entries++;
	if ((rc = wsb__w32_narrow(&name, fd->cFileName)) != WSB_OK)
		return rc;
	prot = wsb__policy_protects_name(policy, name);
	if (prot ? depth > 0 : is_dir && !(fd->dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
			depth + 1 < WSB__SCAN_MAX_DEPTH) {
		if ((rc = wsb__path_join(&child, dir, name, WSB__PATH_WIN)) == WSB_OK) {
			if (prot) {
				rc = protect_found(d, dir, name, child, is_dir);
				wsb__free(child);
			} else {
				rc = wsb__strvec_push_owned(next, child);
			}
		}
	}
	wsb__free(name);
	return rc;
}

/* List one folder of the scan. */
static int scan_dir(wsb__w32_decision *d, const struct wsb_policy *policy, const char *dir,
	unsigned depth, wsb__strvec *next)
{
	wsb__buf pat = WSB__BUF_INIT;
	wchar_t *w = NULL;
	WIN32_FIND_DATAW fd;
	HANDLE h;
	int rc;

	wsb__buf_printf(&pat, "%s%s*", dir, dir[strlen(dir) - 1] == '\\' ? "" : "\\");
	if (pat.oom)
		return wsb__error_nomem();
	rc = wsb__w32_wide(&w, pat.ptr);
	wsb__buf_dispose(&pat);
	if (rc != WSB_OK)
		return rc;
	d->scan_dirs++;
	h = WSB_OS(FindFirstFileW)(w, &fd);
	wsb__free(w);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		/* Gone, empty, or not ours to list: nothing to protect in it. */
		if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ||
				err == ERROR_NO_MORE_FILES || err == ERROR_ACCESS_DENIED ||
				err == ERROR_DIRECTORY)
			return WSB_OK;
		return wsb__w32_fail("FindFirstFileW", err, "listing %s for protected names", dir);
	}
	for (;;) {
		if ((rc = scan_entry(d, policy, dir, depth, next, &fd)) != WSB_OK || d->scan_truncated)
			break;
		if (!WSB_OS(FindNextFileW)(h, &fd)) {
			DWORD err = GetLastError();
			if (err != ERROR_NO_MORE_FILES)
				rc = wsb__w32_fail("FindNextFileW", err, "listing %s for protected names", dir);
			break;
		}
	}
	WSB_OS(FindClose)(h);
	return rc;
}

/* Protected names below the top level of the roots: folders are listed
 * breadth first over all roots together (every root's own folder first),
 * down to WSB__SCAN_MAX_DEPTH, within WSB__SCAN_MAX_DIRS listings and
 * WSB__SCAN_MAX_ENTRIES names. Names only: no DACL is read here. */
static int scan_protected_names(wsb__w32_decision *d, const struct wsb_policy *policy)
{
	wsb__strvec level = WSB__STRVEC_INIT, next = WSB__STRVEC_INIT;
	unsigned depth;
	size_t i;
	int rc = WSB_OK;

	/* The policy's roots, not TEMP: a temp folder holds no repository. */
	for (i = 0; i < d->roots.count && rc == WSB_OK; i++)
		if (policy->mode == WSB_MODE_WORKSPACE_WRITE && i < policy->write_roots.count)
			rc = wsb__strvec_push(&level, d->roots.items[i]);
	for (depth = 0; rc == WSB_OK && level.count > 0 && depth < WSB__SCAN_MAX_DEPTH; depth++) {
		for (i = 0; i < level.count && rc == WSB_OK && !d->scan_truncated; i++) {
			if (d->scan_dirs >= WSB__SCAN_MAX_DIRS) {
				d->scan_truncated = 1;
				break;
			}
			rc = scan_dir(d, policy, level.items[i], depth, &next);
		}
		wsb__strvec_dispose(&level);
		level = next;
		memset(&next, 0, sizeof(next));
		if (d->scan_truncated)
			break;
	}
	wsb__strvec_dispose(&level);
	wsb__strvec_dispose(&next);
	return rc;
}

/* The sandbox's own temp folder, %TEMP%\wsb-<id>: never the user's real
 * %TEMP%, which unsandboxed programs share and load files from (a DLL or
 * script planted there would run outside the sandbox). id hashes the
 * policy's roots and the state directory, so each identity and set of roots
 * has its own folder, granted to its own capability SID. A folder there that
 * is not a plain directory (a junction would carry the grant elsewhere) is
 * refused. 1 it exists, 0 not yet, <0 error. */
static int temp_dir_state(const char *path)
{
	wchar_t *w = NULL;
	DWORD attrs, err;
	int rc;

	if ((rc = wsb__w32_wide(&w, path)) != WSB_OK)
		return rc;
	attrs = WSB_OS(GetFileAttributesW)(w);
	err = GetLastError();
	wsb__free(w);
	if (attrs == INVALID_FILE_ATTRIBUTES) {
		if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
			return 0;
		return wsb__w32_fail("GetFileAttributesW", err, "private temp folder %s", path);
	}
	if (!(attrs & FILE_ATTRIBUTE_DIRECTORY) || (attrs & FILE_ATTRIBUTE_REPARSE_POINT))
		return wsb__error(WSB_EACCES, "the sandbox's temp folder %s exists but is not a plain "
			"folder (a file, junction or link); remove it", path);
	return 1;
}

static int add_private_temp(wsb__w32_decision *d, const char *state_dir)
{
	char *temp = NULL, *norm = NULL;
	wsb__buf b = WSB__BUF_INIT;
	unsigned long long id;
	size_t i;
	int rc;

	if ((rc = wsb__w32_getenv(&temp, "TEMP")) != WSB_OK || !temp)
		return rc;
	rc = wsb__path_normalize(&norm, temp, WSB__PATH_WIN, 0);
	wsb__free(temp);
	if (rc != WSB_OK) {
		wsb_error_clear();
		return WSB_OK; /* an unusable TEMP: no temp folder at all */
	}
	rc = wsb__roots_hash(&id, &d->roots, state_dir);
	if (rc == WSB_OK && wsb__buf_printf(&b, "%s%swsb-%016llx", norm,
			norm[strlen(norm) - 1] == '\\' ? "" : "\\", id) != WSB_OK)
		rc = wsb__error_nomem();
	wsb__free(norm);
	if (rc != WSB_OK)
		return rc;
	d->temp_dir = wsb__buf_detach(&b);
	if ((rc = temp_dir_state(d->temp_dir)) < 0)
		return rc;
	d->temp_absent = rc == 0;
	for (i = 0; i < 2; i++) {
		wsb__buf e = WSB__BUF_INIT;
		if (wsb__buf_printf(&e, "%s=%s", i ? "TMP" : "TEMP", d->temp_dir) != WSB_OK)
			return wsb__error_nomem();
		if ((rc = wsb__strvec_push_owned(&d->env_extra, wsb__buf_detach(&e))) != WSB_OK)
			return rc;
	}
	/* Under a writable root it already has that root's grant. */
	for (i = 0; i < d->roots.count; i++)
		if (wsb__path_within(d->temp_dir, d->roots.items[i], WSB__PATH_WIN))
			return WSB_OK;
	d->temp_is_root = 1;
	return wsb__strvec_push(&d->roots, d->temp_dir);
}

static int world_writable(wsb__w32_decision *d, const struct wsb_policy *policy, const char *cwd)
{
	wsb__audit found;
	int rc;
	size_t i, j;

	if ((rc = wsb__audit_find(&found, policy, cwd, 0, 0)) != WSB_OK)
		return rc;
	/* Folders only non-restricting groups may write are no hole: noted in
	 * the plan, never denied (the user often cannot re-ACL them: C:\). */
	d->world_writable = found.holes;
	d->group_writable = found.groups_only;
	memset(&found.holes, 0, sizeof(found.holes));
	memset(&found.groups_only, 0, sizeof(found.groups_only));
	wsb__audit_dispose(&found);
	if (d->world_writable.count == 0)
		return WSB_OK;
	if (policy->flags & WSB_POLICY_REFUSE_WORLD_WRITABLE)
		return wsb__error(WSB_EWORLDWRITABLE, "%lu world-writable director%s found (first: %s); "
			"the policy refuses them", (unsigned long)d->world_writable.count,
			d->world_writable.count == 1 ? "y" : "ies", d->world_writable.items[0]);
	for (i = 0; i < d->world_writable.count; i++) {
		const char *dir = d->world_writable.items[i];
		int ancestor = 0;
		for (j = 0; j < d->roots.count; j++)
			if (wsb__path_within(d->roots.items[j], dir, WSB__PATH_WIN))
				ancestor = 1;
		/* Above a root the deny is not inherited: it would flow into the
		 * root's tree (a tree walk and a conflict with the root's grant). */
		for (j = 0; j < d->caps.sids.count; j++)
			if ((rc = add_ace(d, dir, 1, WSB__MASK_DENY_WRITE, !ancestor,
					d->caps.sids.items[j], "world_writable")) != WSB_OK)
				return rc;
	}
	return WSB_OK;
}

/* A group SID the sandbox user's grants may name: "S-1-<digits>(-<digits>)+"
 * (nothing that could end the SDDL ACE it goes into), and not a group every
 * user is in. */
static int check_group_sid(const char *sid)
{
	static const char *const everybody[] = { "S-1-1-0", "S-1-5-11", "S-1-5-32-545", "S-1-5-4",
		"S-1-2-0" };
	const char *p;
	size_t i;
	int digits = 0, parts = 0;

	if (strncmp(sid, "S-1-", 4) != 0)
		return wsb__error(WSB_EINVAL, "sandbox group '%s' is not a SID string (S-1-...)", sid);
	for (p = sid + 4; ; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			continue;
		}
		if ((*p != '-' && *p != '\0') || digits == 0)
			return wsb__error(WSB_EINVAL, "sandbox group '%s' is not a SID string (S-1-...)", sid);
		parts++;
		digits = 0;
		if (*p == '\0')
			break;
	}
	if (parts < 2)
		return wsb__error(WSB_EINVAL, "sandbox group '%s' is not a SID string (S-1-...)", sid);
	for (i = 0; i < sizeof(everybody) / sizeof(everybody[0]); i++)
		if (strcmp(sid, everybody[i]) == 0)
			return wsb__error(WSB_EINVAL, "sandbox group %s is a group every user is in; "
				"its grants would reach them all", sid);
	return WSB_OK;
}

/* The sandbox group's deny of every existing deny-read path; absent ones
 * are only listed (nothing there to read; the plan says so). */
static int deny_reads(wsb__w32_decision *d, const struct wsb_policy *policy)
{
	size_t i;
	int rc;

	for (i = 0; i < policy->deny_read.count; i++) {
		const char *path = policy->deny_read.items[i];
		int is_dir = 0;
		rc = wsb__w32_stat(&is_dir, path);
		if (rc < 0)
			return rc;
		if (rc == 0)
			rc = wsb__strvec_push(&d->deny_read_absent, path);
		else
			rc = add_ace(d, path, 1, WSB__MASK_DENY_READ, is_dir, d->group_sid, "deny_read");
		if (rc != WSB_OK)
			return rc;
	}
	return WSB_OK;
}

int wsb__w32_decide(wsb__w32_decision **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, int run_audit, const char *audit_cwd)
{
	return wsb__w32_decide_as(out, policy, identity, run_audit, audit_cwd, NULL);
}

int wsb__w32_decide_as(wsb__w32_decision **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, int run_audit, const char *audit_cwd,
	const char *group_sid)
{
	wsb__w32_decision *d;
	size_t i;
	int rc = WSB_OK, state_absent = 0;

	*out = NULL;
	if (group_sid && (rc = check_group_sid(group_sid)) != WSB_OK)
		return rc;
	d = wsb__calloc(1, sizeof(*d));
	if (!d)
		return wsb__error_nomem();
	if (group_sid && !(d->group_sid = wsb__strdup(group_sid))) {
		wsb__free(d);
		return wsb__error_nomem();
	}
	d->protections = WSB_PROT_PROCESS_TREE;
	if (policy->limits[WSB_LIMIT_MEMORY])
		d->protections |= WSB_PROT_LIMIT_MEMORY;
	if (policy->limits[WSB_LIMIT_PROCESSES])
		d->protections |= WSB_PROT_LIMIT_PROCESSES;
	if (policy->limits[WSB_LIMIT_CPU_TIME])
		d->protections |= WSB_PROT_LIMIT_CPU;
	if (policy->flags & WSB_POLICY_PRIVATE_DESKTOP)
		d->protections |= WSB_PROT_PRIVATE_DESKTOP;
	/* The write-restricted token restricts no read, so for the caller's
	 * own user deny-read paths are missing, and fail the spawn unless
	 * allowed missing, in every mode that confines the file system. A
	 * sandbox user reads through its own groups: the deny ACEs for its
	 * group enforce them. In full access they do not apply at all (as for
	 * the core's path check and the Linux backend): nothing is missing. */
	if (policy->deny_read.count > 0 && policy->mode != WSB_MODE_FULL_ACCESS) {
		if (group_sid)
			d->protections |= WSB_PROT_FS_DENY_READ;
		else
			d->missing |= WSB_PROT_FS_DENY_READ;
	}
	if (policy->network != WSB_NETWORK_ON) {
		d->missing |= WSB_PROT_NETWORK;
		d->protections |= WSB_PROT_NETWORK_ADVISORY;
		/* The allow-list's proxy variables come at spawn (allowlist.c);
		 * telling package managers to stay offline would defeat it. */
		for (i = 0; policy->network == WSB_NETWORK_OFF && advisory_env[i] && rc == WSB_OK; i++)
			rc = wsb__strvec_push(&d->env_extra, advisory_env[i]);
		if (rc != WSB_OK)
			goto fail;
	}
	if (policy->mode == WSB_MODE_FULL_ACCESS)
		goto done;
	d->write_restricted = 1;
	d->protections |= WSB_PROT_FS_WRITE;
	if (policy->mode == WSB_MODE_WORKSPACE_WRITE)
		for (i = 0; i < policy->write_roots.count && rc == WSB_OK; i++)
			rc = wsb__strvec_push(&d->roots, policy->write_roots.items[i]);
	if (rc == WSB_OK && !(policy->flags & WSB_POLICY_NO_TEMP_WRITE))
		rc = add_private_temp(d, identity->state_dir);
	if (rc != WSB_OK)
		goto fail;
	if ((rc = wsb__caps_decide(&d->caps, identity->state_dir, &d->roots)) != WSB_OK)
		goto fail;
	/* Deny ACEs first in the list, so apply writes them before the grants
	 * they carve out of. */
	for (i = 0; i < d->roots.count; i++) {
		struct name_ctx ctx;
		int is_dir = 0;
		if (d->temp_absent && d->temp_is_root && i == d->roots.count - 1)
			continue; /* the private temp folder: apply creates it */
		rc = wsb__w32_stat(&is_dir, d->roots.items[i]);
		if (rc == 0 || (rc == 1 && !is_dir)) {
			rc = wsb__error(WSB_ENOENT, "writable root %s is not an existing directory",
				d->roots.items[i]);
			goto fail;
		}
		if (rc < 0)
			goto fail;
		ctx.d = d;
		ctx.root = d->roots.items[i];
		if ((rc = wsb__policy_each_protected_name(policy, protect_name, &ctx)) != WSB_OK)
			goto fail;
	}
	if ((rc = scan_protected_names(d, policy)) != WSB_OK)
		goto fail;
	for (i = 0; i < policy->protect_paths.count; i++) {
		int is_dir = 0;
		rc = wsb__w32_stat(&is_dir, policy->protect_paths.items[i]);
		if (rc < 0)
			goto fail;
		if (rc == 1 && (rc = protect(d, policy->protect_paths.items[i], is_dir)) != WSB_OK)
			goto fail;
	}
	/* The library's own state is never writable by the sandbox. decide
	 * only reads: a state directory that does not exist yet (a dry run
	 * before any spawn) needs its ACE, which apply adds after creating it. */
	if ((rc = wsb__w32_stat(NULL, identity->state_dir)) < 0)
		goto fail;
	state_absent = rc == 0;
	if ((rc = protect(d, identity->state_dir, 1)) != WSB_OK)
		goto fail;
	if (group_sid && (rc = deny_reads(d, policy)) != WSB_OK)
		goto fail;
	if (run_audit && (policy->flags & (WSB_POLICY_DENY_WORLD_WRITABLE | WSB_POLICY_REFUSE_WORLD_WRITABLE)))
		if ((rc = world_writable(d, policy, audit_cwd)) != WSB_OK)
			goto fail;
	/* A sandbox user passes the normal check of a root through its
	 * group's grant, the restricted one through the capability SID's. */
	for (i = 0; i < d->roots.count; i++)
		if ((rc = add_ace(d, d->roots.items[i], 0, WSB__MASK_ALLOW_WRITE, 1,
				d->caps.sids.items[d->caps.root_sid[i]], "writable_root")) != WSB_OK ||
				(group_sid && (rc = add_ace(d, d->roots.items[i], 0, WSB__MASK_ALLOW_WRITE, 1,
				group_sid, "sandbox_root")) != WSB_OK))
			goto fail;
	for (i = 0; i < d->caps.sids.count; i++)
		if ((rc = add_ace(d, NUL_DEVICE, 0, WSB__MASK_NUL, 0, d->caps.sids.items[i], "null_device")) != WSB_OK)
			goto fail;
	for (i = 0; i < d->ace_count; i++) {
		if (strcmp(d->aces[i].role, "protected") == 0)
			d->protections |= WSB_PROT_FS_PROTECTED;
		if ((state_absent && wsb__path_cmp(d->aces[i].path, identity->state_dir, WSB__PATH_WIN) == 0) ||
				(d->temp_absent && wsb__path_cmp(d->aces[i].path, d->temp_dir, WSB__PATH_WIN) == 0))
			continue; /* no DACL to read: missing */
		if ((rc = wsb__acl_has(&d->aces[i].present, d->aces[i].path, d->aces[i].sddl)) != WSB_OK)
			goto fail;
	}
done:
	*out = d;
	return WSB_OK;
fail:
	wsb__w32_decision_free(d);
	return rc;
}

void wsb__w32_decision_free(wsb__w32_decision *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->ace_count; i++) {
		wsb__free(d->aces[i].path);
		wsb__free(d->aces[i].sddl);
	}
	wsb__free(d->aces);
	wsb__strvec_dispose(&d->roots);
	wsb__free(d->temp_dir);
	wsb__caps_dispose(&d->caps);
	wsb__strvec_dispose(&d->env_extra);
	wsb__strvec_dispose(&d->world_writable);
	wsb__strvec_dispose(&d->group_writable);
	wsb__free(d->group_sid);
	wsb__strvec_dispose(&d->deny_read_absent);
	wsb__free(d);
}

int wsb__w32_apply(wsb__w32_decision *d, const char *state_dir)
{
	size_t i;
	int rc = WSB_OK;

	/* The private temp folder, made by us (a plain folder inheriting
	 * %TEMP%'s DACL) before its grant; checked again, as something may
	 * have appeared there since decide looked. */
	if (d->temp_dir && d->temp_absent) {
		if ((rc = wsb__w32_mkdirs(d->temp_dir)) != WSB_OK || (rc = temp_dir_state(d->temp_dir)) < 0)
			return rc;
		rc = WSB_OK;
		d->temp_absent = 0;
	}
	for (i = 0; i < d->ace_count; i++)
		if (!d->aces[i].present)
			break;
	if (i == d->ace_count)
		return WSB_OK;
	if ((rc = wsb__w32_mkdirs(state_dir)) != WSB_OK)
		return rc;
	if ((rc = wsb__caps_persist(&d->caps, state_dir)) != WSB_OK)
		return rc;
	for (i = 0; i < d->ace_count; i++) {
		wsb__w32_ace *a = &d->aces[i];
		int added = 0;
		if (a->present)
			continue;
		if ((rc = wsb__journal_record(state_dir, "add", a->path, a->sddl)) != WSB_OK)
			break;
		rc = wsb__acl_add(&added, a->path, a->sddl);
		if (rc != WSB_OK) {
			/* The "add" line is on disk but the ACE may not be:
			 * account for it now so the journal stays exact. */
			int removed = 0, keep = wsb_error_code(NULL);
			char msg[1024];
			long os = wsb_error_os(NULL);
			strncpy(msg, wsb_error_message(NULL), sizeof(msg) - 1);
			msg[sizeof(msg) - 1] = '\0';
			if (wsb__acl_remove(&removed, a->path, a->sddl) == WSB_OK)
				wsb__journal_record(state_dir, "del", a->path, a->sddl);
			wsb__error_os(keep, os, "%s", msg);
			break;
		}
		a->present = 1;
		a->added = 1;
	}
	if (rc != WSB_OK)
		wsb__w32_unapply(d, state_dir);
	return rc;
}

void wsb__w32_unapply(wsb__w32_decision *d, const char *state_dir)
{
	int keep = wsb_error_code(NULL);
	long os = wsb_error_os(NULL);
	char msg[1024];
	size_t i;

	/* Undo this run's grants, newest first, keeping the error that made
	 * the caller give up. */
	strncpy(msg, wsb_error_message(NULL), sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	for (i = d->ace_count; i-- > 0; ) {
		wsb__w32_ace *a = &d->aces[i];
		int removed = 0;
		if (!a->added)
			continue;
		if (wsb__acl_remove(&removed, a->path, a->sddl) == WSB_OK &&
				wsb__journal_record(state_dir, "del", a->path, a->sddl) == WSB_OK)
			a->present = a->added = 0;
	}
	wsb__error_os(keep, os, "%s", msg);
}

