/*
 * The stub backend: every operation that needs a real backend says so with
 * WSB_ENOTSUP. Used where no backend exists for the host, so the core and
 * its tests build everywhere.
 */
#include "../backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct wsb_process {
	int unused;
};

const char *const wsb__backend_name = "stub";

static int missing(const char *what)
{
	return wsb__error(WSB_ENOTSUP, "%s is not implemented by the '%s' backend of this build",
		what, wsb__backend_name);
}

wsb_u64 wsb__now_ms(void)
{
	return (wsb_u64)clock() * 1000u / CLOCKS_PER_SEC;
}

/* $base/<rel> when $var is an absolute path (XDG ignores relative ones). */
static int state_dir_from(char **out, const char *var, const char *rel)
{
	const char *base = getenv(var);
	char *norm;
	int rc;

	*out = NULL;
	if (base == NULL || !wsb__path_is_absolute(base, WSB__PATH_HOST))
		return WSB_ENOENT;
	rc = wsb__path_normalize(&norm, base, WSB__PATH_HOST, 0);
	if (rc < 0)
		return rc;
	rc = wsb__path_join(out, norm, rel, WSB__PATH_HOST);
	wsb__free(norm);
	return rc;
}

/* The same places the real backends use, so dry runs work with the stub. */
int wsb__backend_default_state_dir(char **out)
{
	int rc;

	rc = state_dir_from(out, "XDG_STATE_HOME", "wsandbox");
	if (rc == WSB_ENOENT)
		rc = state_dir_from(out, "LOCALAPPDATA", "wsandbox");
	if (rc == WSB_ENOENT)
		rc = state_dir_from(out, "HOME", ".local/state/wsandbox");
	if (rc == WSB_ENOENT)
		return wsb__error(WSB_ENOENT, "no default state directory: set XDG_STATE_HOME or "
			"HOME to an absolute path, or pass a state_dir");
	return rc;
}

int wsb__backend_identity_check(const struct wsb_identity *identity)
{
	(void)identity;
	return WSB_OK;
}

/* Fail closed: never plan or report as if the relay would run. */
static int relay_refused(void)
{
	return wsb__error(WSB_ENOTSUP, "the loopback relay runs on Windows and Linux only; "
		"the '%s' backend of this build cannot run it", wsb__backend_name);
}

/* An honest empty plan: nothing would change and nothing is enforced, so
 * every protection the policy asks for is listed as missing. */
int wsb__backend_plan(struct wsb_plan **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity)
{
	struct wsb_plan *plan;
	int rc;

	(void)identity;
	*out = NULL;
	if (policy->relay_listen)
		return relay_refused();
	rc = wsb__plan_new(&plan, wsb__backend_name, policy);
	if (rc < 0)
		return rc;
	plan->missing = wsb__policy_required_protections(policy);
	rc = wsb__plan_note(plan, "the stub backend of this build enforces nothing; "
		"spawning is not supported");
	if (rc < 0) {
		wsb_plan_free(plan);
		return rc;
	}
	*out = plan;
	return WSB_OK;
}

/* Plain C stdio: only regular files count, anything else is "no file". */
int wsb__backend_read_small_file(char **out, size_t *out_len, const char *path, size_t max)
{
	struct stat st;
	wsb__buf b = WSB__BUF_INIT;
	FILE *f;
	size_t n;
	int err;

	*out = NULL;
	*out_len = 0;
	if (stat(path, &st) != 0) {
		err = errno;
		if (err == ENOENT || err == ENOTDIR)
			return WSB_ENOENT;
		return wsb__error_os(WSB_EOS, err, "cannot examine '%s'", path);
	}
	if (!S_ISREG(st.st_mode))
		return WSB_ENOENT;
	f = fopen(path, "rb");
	if (f == NULL) {
		err = errno;
		return wsb__error_os(err == ENOENT ? WSB_ENOENT : WSB_EOS, err, "cannot open '%s'", path);
	}
	if (wsb__buf_grow(&b, max) < 0) {
		fclose(f);
		return WSB_ENOMEM;
	}
	n = fread(b.ptr, 1, max, f);
	err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		wsb__buf_dispose(&b);
		return wsb__error_os(WSB_EOS, err, "cannot read '%s'", path);
	}
	b.size = n;
	*out = wsb__buf_detach(&b);
	*out_len = n;
	return *out ? WSB_OK : wsb__error_nomem();
}

int wsb__backend_spawn(struct wsb_process **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, const wsb_spawn_options *opts)
{
	(void)identity; (void)opts;
	*out = NULL;
	if (policy->relay_listen)
		return relay_refused();
	return missing("spawning a sandboxed process");
}

int wsb__backend_revert(struct wsb_identity *identity)
{
	(void)identity;
	return missing("reverting journaled changes");
}

void wsb__backend_reuse_release(void)
{
	/* nothing is kept */
}

void wsb__proc_free(struct wsb_process *p) { wsb__free(p); }
int wsb__proc_wait(struct wsb_process *p, long t) { (void)p; (void)t; return missing("waiting"); }
int wsb__proc_kill(struct wsb_process *p) { (void)p; return missing("killing"); }
int wsb__proc_write(size_t *w, struct wsb_process *p, const void *d, size_t l)
{ (void)w; (void)p; (void)d; (void)l; return missing("writing to stdin"); }
int wsb__proc_close_stdin(struct wsb_process *p) { (void)p; return missing("closing stdin"); }
int wsb__proc_read(size_t *r, struct wsb_process *p, int s, void *b, size_t l, long t)
{ (void)r; (void)p; (void)s; (void)b; (void)l; (void)t; return missing("reading output"); }
int wsb__proc_communicate(struct wsb_process *p, const void *d, size_t l)
{ (void)p; (void)d; (void)l; return missing("running to completion"); }
int wsb__proc_exit_kind(const struct wsb_process *p) { (void)p; return WSB_EXIT_RUNNING; }
long wsb__proc_exit_code(const struct wsb_process *p) { (void)p; return -1; }
int wsb__proc_limit(const struct wsb_process *p) { (void)p; return WSB_LIMIT_NONE; }
unsigned int wsb__proc_protections(const struct wsb_process *p) { (void)p; return 0; }
long wsb__proc_pid(const struct wsb_process *p) { (void)p; return -1; }
wsb_u64 wsb__proc_duration_ms(const struct wsb_process *p) { (void)p; return 0; }
int wsb__proc_network_json(char **out, const struct wsb_process *p) { (void)p; *out = NULL; return WSB_OK; }
const char *wsb__proc_output(size_t *l, int *t, const struct wsb_process *p, int s)
{ (void)p; (void)s; if (l) *l = 0; if (t) *t = 0; return NULL; }
int wsb__proc_resize(struct wsb_process *p, unsigned int c, unsigned int r)
{ (void)p; (void)c; (void)r; return missing("resizing a terminal"); }
int wsb__proc_waitable(wsb_os_handle *o, struct wsb_process *p)
{ (void)o; (void)p; return missing("a waitable handle"); }
int wsb__proc_stream_handle(wsb_os_handle *o, struct wsb_process *p, int s)
{ (void)o; (void)p; (void)s; return missing("stream handles"); }

int wsb__backend_audit(char **out_json, const struct wsb_policy *policy, const wsb_audit_options *opts)
{ (void)policy; (void)opts; *out_json = NULL; return missing("the world-writable audit"); }
int wsb__backend_setup_plan(struct wsb_plan **out, const wsb_setup_options *opts)
{ (void)opts; *out = NULL; return missing("elevated setup"); }
int wsb__backend_setup_install(const wsb_setup_options *opts)
{ (void)opts; return missing("elevated setup"); }
int wsb__backend_setup_status(char **out_json, const wsb_setup_options *opts)
{ (void)opts; *out_json = NULL; return missing("elevated setup"); }
int wsb__backend_setup_uninstall(const wsb_setup_options *opts)
{ (void)opts; return missing("elevated setup"); }
