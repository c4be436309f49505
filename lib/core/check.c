/*
 * The path check: would the policy allow this read or write, which rule
 * decides, and a sentence saying why. Lexical: the path is normalized, not
 * resolved, so symbolic links, junctions and 8.3 short names are not
 * followed here; the sandbox's enforcement is what binds. The one file it
 * reads is a ".git" file at the top of a writable root, for its gitdir.
 */
#include "policy.h"
#include "json.h"
#include "utf.h"
#include "backend.h"

#include <string.h>

/* A ".git" file holds one short line; anything longer is not a pointer. */
#define GITFILE_MAX 4096

static wsb__read_file_fn reader;

void wsb__check_set_reader(wsb__read_file_fn fn)
{
	reader = fn;
}

typedef struct verdict {
	int allowed;
	int rule;
	wsb__buf why;
} verdict;

static void decide(verdict *v, int allowed, int rule)
{
	v->allowed = allowed;
	v->rule = rule;
}

static const char *access_name(int access)
{
	return access == WSB_ACCESS_READ ? "reading" : "writing";
}

/* Normalize, then check an alternate data stream as the file it belongs to:
 * "C:\r\f.txt:s" and "C:\r\.git:s" are "C:\r\f.txt" and "C:\r\.git". */
static int normalize_for_check(char **out, const wsb_policy *policy, const char *path)
{
	char *norm, *colon;
	size_t root;
	int rc;

	rc = wsb__path_normalize(&norm, path, policy->flavor, WSB__PATH_ALLOW_STREAM);
	if (rc < 0 || policy->flavor != WSB__PATH_WIN) {
		*out = rc < 0 ? NULL : norm;
		return rc;
	}
	root = wsb__path_root_len(norm, policy->flavor);
	colon = strchr(norm + root, ':');
	if (colon == NULL) {
		*out = norm;
		return WSB_OK;
	}
	*colon = '\0';
	/* Strip what Win32 strips from the file part ("f.txt. :s"). */
	rc = wsb__path_normalize(out, norm, policy->flavor, 0);
	wsb__free(norm);
	return rc;
}

static int under_tmp(const wsb_policy *policy, const char *path)
{
	return policy->flavor == WSB__PATH_POSIX && wsb__path_within(path, "/tmp", policy->flavor);
}

struct name_match {
	const char *path;
	const char *root;
	int flavor;
	const char *name;
	size_t end;
};

static int match_name(const char *name, void *ctx)
{
	struct name_match *m = ctx;

	if (wsb__path_find_component(&m->end, m->path, m->root, name, m->flavor)) {
		m->name = name;
		return 1;
	}
	return 0;
}

/* The gitdir that root's ".git" file points to, or NULL (no file, a .git
 * directory, or contents that are not a pointer). */
static int root_gitdir(char **out, const wsb_policy *policy, const char *root)
{
	char *file, *contents = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = wsb__path_join(&file, root, WSB__DEFAULT_PROTECT_NAME, policy->flavor);
	if (rc < 0)
		return rc;
	rc = (reader ? reader : wsb__backend_read_small_file)(&contents, &len, file, GITFILE_MAX);
	if (rc == WSB_ENOENT) {
		wsb__free(file);
		return WSB_OK;
	}
	if (rc < 0) {
		wsb__free(contents);
		rc = rc == WSB_ENOMEM ? rc : wsb__error_os(rc, wsb_error_os(NULL),
			"wsb_policy_check_path: cannot read '%s'", file);
		wsb__free(file);
		return rc;
	}
	rc = wsb__gitdir_from_file(out, contents, len, root, policy->flavor);
	wsb__free(contents);
	wsb__free(file);
	return rc;
}

/* Workspace-write: a path under some root is writable unless, for a root it
 * lies under, it is inside a protected path or a protected name below that
 * root, or (for any root) inside the gitdir its ".git" file points to. */
static int check_roots(verdict *v, const wsb_policy *policy, const char *path)
{
	const char *root = NULL;
	size_t r, i;
	int rc;

	for (r = 0; r < policy->write_roots.count; r++) {
		const char *cand = policy->write_roots.items[r];
		struct name_match m;

		if (!wsb__path_within(path, cand, policy->flavor))
			continue;
		if (root == NULL)
			root = cand;
		for (i = 0; i < policy->protect_paths.count; i++) {
			const char *p = policy->protect_paths.items[i];

			if (wsb__path_within(path, p, policy->flavor)) {
				decide(v, 0, WSB_RULE_PROTECTED_PATH);
				return wsb__buf_printf(&v->why, "writing '%s' is denied: it is under the "
					"protected path '%s' inside the writable root '%s'", path, p, cand);
			}
		}
		m.path = path;
		m.root = cand;
		m.flavor = policy->flavor;
		m.name = NULL;
		if (wsb__policy_each_protected_name(policy, match_name, &m)) {
			decide(v, 0, WSB_RULE_PROTECTED_NAME);
			return wsb__buf_printf(&v->why, "writing '%s' is denied: '%.*s' is the protected "
				"name '%s' inside the writable root '%s'", path, (int)m.end, path, m.name, cand);
		}
	}
	if (root == NULL)
		return WSB_OK;
	if (wsb__policy_protects_name(policy, WSB__DEFAULT_PROTECT_NAME)) {
		for (r = 0; r < policy->write_roots.count; r++) {
			char *gitdir;
			int inside;

			rc = root_gitdir(&gitdir, policy, policy->write_roots.items[r]);
			if (rc < 0)
				return rc;
			inside = gitdir && wsb__path_within(path, gitdir, policy->flavor);
			if (inside) {
				decide(v, 0, WSB_RULE_GITDIR);
				rc = wsb__buf_printf(&v->why, "writing '%s' is denied: it is under '%s', the "
					"gitdir that the .git file of the writable root '%s' points to", path,
					gitdir, policy->write_roots.items[r]);
			}
			wsb__free(gitdir);
			if (inside)
				return rc;
		}
	}
	decide(v, 1, WSB_RULE_WRITABLE_ROOT);
	return wsb__buf_printf(&v->why, "writing '%s' is allowed: it is under the writable root '%s'",
		path, root);
}

static int check(verdict *v, const wsb_policy *policy, const char *path, int access)
{
	size_t i;
	int rc;

	if (policy->mode == WSB_MODE_FULL_ACCESS) {
		decide(v, 1, WSB_RULE_FULL_ACCESS);
		return wsb__buf_printf(&v->why, "%s '%s' is allowed: the policy's mode is full access",
			access_name(access), path);
	}
	for (i = 0; i < policy->deny_read.count; i++) {
		if (wsb__path_within(path, policy->deny_read.items[i], policy->flavor)) {
			decide(v, 0, WSB_RULE_DENY_READ);
			return wsb__buf_printf(&v->why, "%s '%s' is denied: it is under the deny-read "
				"path '%s'", access_name(access), path, policy->deny_read.items[i]);
		}
	}
	if (access == WSB_ACCESS_READ) {
		decide(v, 1, WSB_RULE_READ_DEFAULT);
		return wsb__buf_printf(&v->why, "reading '%s' is allowed: reads are allowed "
			"everywhere except under deny-read paths", path);
	}
	if (policy->mode == WSB_MODE_WORKSPACE_WRITE) {
		rc = check_roots(v, policy, path);
		if (rc < 0 || v->rule)
			return rc;
	}
	if (under_tmp(policy, path) && !(policy->flags & WSB_POLICY_NO_TEMP_WRITE)) {
		decide(v, 1, WSB_RULE_TEMP);
		return wsb__buf_printf(&v->why, "writing '%s' is allowed: writes under /tmp go to "
			"the command's private layer over the host's /tmp, discarded when it ends", path);
	}
	if (policy->mode == WSB_MODE_READ_ONLY) {
		decide(v, 0, WSB_RULE_READ_ONLY_MODE);
		return wsb__buf_printf(&v->why, "writing '%s' is denied: the policy's mode is "
			"read-only", path);
	}
	decide(v, 0, WSB_RULE_OUTSIDE_ROOTS);
	return wsb__buf_printf(&v->why, "writing '%s' is denied: it is not under any writable root",
		path);
}

int wsb_policy_check_path(int *out_allowed, int *out_rule, char **out_reason,
	const wsb_policy *policy, const char *path, int access)
{
	static const char fn[] = "wsb_policy_check_path";
	verdict v;
	char *norm;
	int rc;

	if (out_reason)
		*out_reason = NULL;
	if (out_allowed == NULL)
		return wsb__error_null(fn, "out_allowed");
	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (path == NULL)
		return wsb__error_null(fn, "path");
	if (access != WSB_ACCESS_READ && access != WSB_ACCESS_WRITE)
		return wsb__error(WSB_EINVAL, "%s: unknown access %d (WSB_ACCESS_READ or "
			"WSB_ACCESS_WRITE)", fn, access);
	rc = wsb__utf8_check_arg(path, wsb__policy_path_max(policy), "path");
	if (rc == WSB_OK)
		rc = normalize_for_check(&norm, policy, path);
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	memset(&v, 0, sizeof(v));
	rc = check(&v, policy, norm, access);
	wsb__free(norm);
	if (rc < 0) {
		wsb__buf_dispose(&v.why);
		return rc;
	}
	if (out_reason) {
		*out_reason = wsb__buf_detach(&v.why);
		if (*out_reason == NULL)
			return wsb__error_nomem();
	} else {
		wsb__buf_dispose(&v.why);
	}
	*out_allowed = v.allowed;
	if (out_rule)
		*out_rule = v.rule;
	return WSB_OK;
}
