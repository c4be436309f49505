/*
 * The stub backend: every operation that needs a real backend says so with
 * WSB_ENOTSUP. Used where no backend exists for the host, so the core and
 * its tests build everywhere.
 */
#include "../backend.h"

#include <stdlib.h>
#include <string.h>
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

int wsb__backend_default_state_dir(char **out)
{
	*out = NULL;
	return missing("a default state directory");
}

int wsb__backend_identity_check(const struct wsb_identity *identity)
{
	(void)identity;
	return WSB_OK;
}

int wsb__backend_plan(struct wsb_plan **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity)
{
	(void)policy; (void)identity;
	*out = NULL;
	return missing("planning");
}

int wsb__backend_read_small_file(char **out, size_t *out_len, const char *path, size_t max)
{
	(void)path; (void)max;
	*out = NULL;
	*out_len = 0;
	return missing("reading files");
}

int wsb__backend_spawn(struct wsb_process **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, const wsb_spawn_options *opts)
{
	(void)policy; (void)identity; (void)opts;
	*out = NULL;
	return missing("spawning a sandboxed process");
}

int wsb__backend_revert(struct wsb_identity *identity)
{
	(void)identity;
	return missing("reverting journaled changes");
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
const char *wsb__proc_output(size_t *l, int *t, const struct wsb_process *p, int s)
{ (void)p; (void)s; if (l) *l = 0; if (t) *t = 0; return NULL; }

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
