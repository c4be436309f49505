/*
 * wsb_self_test: prove on this machine, under the caller's policy, what the
 * sandbox enforces. Each canary is one probe run through wsb_run (the public
 * spawn path) and judged by what the host observes afterwards (a file on
 * the host, a listener that was reached, the probe's own output for a read
 * or a count), never by the probe's exit status alone. docs/self-test.md.
 */
#include "selftest.h"
#include "../backend.h"
#include "json.h"
#include "policy.h"
#include "utf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Small limits so the canaries end quickly; the mechanism is the caller's. */
#define ST_PROCESS_LIMIT 8
#define ST_FORKS 16
#define ST_TIMEOUT_MS 1000
#define ST_PROBE_TIMEOUT_MS 20000
#define ST_MAX_PROBE_ARGS 64
#define ST_MAX_CANARIES 16

unsigned int wsb__st_test_claim;

int wsb__st_judge(int in_force, int observed)
{
	if (!in_force)
		return WSB__ST_MISSING;
	if (observed == WSB__ST_ESCAPED)
		return WSB__ST_FAILED;
	if (observed == WSB__ST_REFUSED)
		return WSB__ST_PROVED;
	return WSB__ST_UNPROVEN;
}

const char *wsb__st_status_name(int status)
{
	switch (status) {
	case WSB__ST_PROVED: return "proved";
	case WSB__ST_MISSING: return "missing";
	case WSB__ST_FAILED: return "FAILED";
	default: return "unproven";
	}
}

static const char *observed_name(int observed)
{
	return observed == WSB__ST_ESCAPED ? "escaped"
		: observed == WSB__ST_REFUSED ? "refused" : "unknown";
}

int wsb__st_report_json(char **out, const wsb__st_result *results, size_t count,
	unsigned int requested, const char *work_dir)
{
	size_t i, n[5] = { 0, 0, 0, 0, 0 };
	wsb__json j;

	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_u64(&j, "format", 1);
	wsb__json_kv_string(&j, "backend", wsb__backend_name);
	wsb__json_key(&j, "work_dir");
	wsb__json_text(&j, work_dir);
	wsb__json_key(&j, "requested");
	wsb__json_protections(&j, requested);
	wsb__json_key(&j, "canaries");
	wsb__json_array_begin(&j);
	for (i = 0; i < count; i++) {
		const wsb__st_result *r = &results[i];

		n[r->status >= 1 && r->status <= 4 ? r->status : WSB__ST_UNPROVEN]++;
		wsb__json_object_begin(&j);
		wsb__json_kv_string(&j, "name", r->name);
		wsb__json_kv_string(&j, "protection", wsb__protection_name(r->protection));
		wsb__json_kv_string(&j, "attempt", r->attempt);
		wsb__json_kv_bool(&j, "in_force", r->in_force);
		wsb__json_kv_string(&j, "observed", observed_name(r->observed));
		wsb__json_kv_string(&j, "status", wsb__st_status_name(r->status));
		wsb__json_key(&j, "evidence");
		wsb__json_text(&j, r->evidence ? r->evidence : "");
		wsb__json_object_end(&j);
	}
	wsb__json_array_end(&j);
	wsb__json_key(&j, "summary");
	wsb__json_object_begin(&j);
	wsb__json_kv_u64(&j, "proved", n[WSB__ST_PROVED]);
	wsb__json_kv_u64(&j, "missing", n[WSB__ST_MISSING]);
	wsb__json_kv_u64(&j, "failed", n[WSB__ST_FAILED]);
	wsb__json_kv_u64(&j, "unproven", n[WSB__ST_UNPROVEN]);
	wsb__json_object_end(&j);
	wsb__json_object_end(&j);
	return wsb__json_finish(out, &j);
}

/* ---- the runner ----------------------------------------------------------- */

typedef struct st_ctx {
	const wsb_policy *caller;
	const wsb_identity *identity;
	const char *const *probe;
	size_t probe_argc;
	char *base;     /* the scratch directory */
	char *ws;       /* base/ws: the canaries' writable root, with a .git */
	char *outside;  /* base/outside: outside every root */
	char *secret;   /* base/secret: a deny-read file */
	char token[64]; /* written by escapes; unique to this run */
	int outside_ok; /* the caller's policy would refuse writes to outside */
	wsb__st_result results[ST_MAX_CANARIES];
	size_t count;
} st_ctx;

static char *join(const char *a, const char *b)
{
	char *p = NULL;

	if (wsb__path_join(&p, a, b, WSB__PATH_HOST) < 0)
		return NULL;
	return p;
}

static char *fmt(const char *f, ...) WSB__PRINTF(1, 2);
static char *fmt(const char *f, ...)
{
	wsb__buf b = WSB__BUF_INIT;
	va_list ap;

	va_start(ap, f);
	wsb__buf_vprintf(&b, f, ap);
	va_end(ap);
	if (b.oom) {
		wsb__buf_dispose(&b);
		return NULL;
	}
	return wsb__buf_detach(&b);
}

/* A copy of the caller's policy plus the canaries' root and deny-read file:
 * the same mode, network, flags, accepted weaker modes, limits and
 * environment, so each protection is put in force as the caller's would be. */
static int derive_policy(wsb_policy **out, const st_ctx *c, int limit, wsb_u64 value,
	int deny_secret)
{
	const wsb_policy *s = c->caller;
	wsb_policy *p = NULL;
	size_t i;
	int rc, l;

	*out = NULL;
	/* The timeout canary's heartbeat needs the scratch workspace writable:
	 * a read-only policy runs it in workspace-write mode (the process tree
	 * is held the same way in every mode). */
	rc = wsb_policy_create(&p, limit == WSB_LIMIT_TIMEOUT && s->mode == WSB_MODE_READ_ONLY
		? WSB_MODE_WORKSPACE_WRITE : s->mode);
	if (rc == WSB_OK)
		rc = wsb_policy_set_network(p, s->network);
	if (rc == WSB_OK)
		rc = wsb_policy_set_flags(p, s->flags);
	if (rc == WSB_OK)
		rc = wsb_policy_allow_missing(p, s->allow_missing);
	if (rc == WSB_OK)
		rc = wsb_policy_env_mode(p, s->env_mode);
	for (l = WSB_LIMIT_MEMORY; rc == WSB_OK && l <= WSB_LIMIT_OUTPUT; l++)
		if (l != WSB_LIMIT_TIMEOUT && l != WSB_LIMIT_PROCESSES)
			rc = wsb_policy_set_limit(p, l, s->limits[l]);
	if (rc == WSB_OK)
		rc = wsb_policy_set_limit(p, WSB_LIMIT_TIMEOUT, ST_PROBE_TIMEOUT_MS);
	if (rc == WSB_OK && limit != WSB_LIMIT_NONE)
		rc = wsb_policy_set_limit(p, limit, value);
	for (i = 0; rc == WSB_OK && i < s->env_op_count; i++)
		rc = s->env_ops[i].value ? wsb_policy_env_set(p, s->env_ops[i].name, s->env_ops[i].value)
			: wsb_policy_env_unset(p, s->env_ops[i].name);
	for (i = 0; rc == WSB_OK && i < s->write_roots.count; i++)
		rc = wsb_policy_allow_write(p, s->write_roots.items[i]);
	for (i = 0; rc == WSB_OK && i < s->protect_paths.count; i++)
		rc = wsb_policy_protect_path(p, s->protect_paths.items[i]);
	for (i = 0; rc == WSB_OK && i < s->protect_names.count; i++)
		rc = wsb_policy_protect_name(p, s->protect_names.items[i]);
	for (i = 0; rc == WSB_OK && i < s->deny_read.count; i++)
		rc = wsb_policy_deny_read(p, s->deny_read.items[i]);
	if (rc == WSB_OK && s->relay_listen)
		rc = wsb_policy_set_loopback_relay(p, s->relay_listen, s->relay_target);
	if (rc == WSB_OK)
		rc = wsb_policy_allow_write(p, c->ws);
	if (rc == WSB_EEXIST)
		rc = WSB_OK;
	/* Only the deny-read canary has the secret denied: where deny-read
	 * cannot be enforced (the unelevated Windows sandbox), the library
	 * refuses the whole run, and the other canaries would prove nothing. */
	if (rc == WSB_OK && deny_secret)
		rc = wsb_policy_deny_read(p, c->secret);
	if (rc != WSB_OK) {
		wsb_policy_free(p);
		return rc;
	}
	*out = p;
	return WSB_OK;
}

/* One probe run. *out_proc is the finished process, or NULL with *out_why
 * saying why nothing ran (and *out_unavail set when the library refused
 * because a protection is unavailable: the fail-closed answer). */
static int run_probe_in(wsb_process **out_proc, char **out_why, int *out_unavail, const st_ctx *c,
	int limit, wsb_u64 value, int deny_secret, const char *const *args)
{
	const char *argv[ST_MAX_PROBE_ARGS + 8];
	wsb_spawn_options so = WSB_SPAWN_OPTIONS_INIT;
	wsb_policy *p = NULL;
	size_t i, k = 0;
	int rc;

	*out_proc = NULL;
	*out_why = NULL;
	*out_unavail = 0;
	for (i = 0; i < c->probe_argc; i++)
		argv[k++] = c->probe[i];
	for (i = 0; args[i]; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	rc = derive_policy(&p, c, limit, value, deny_secret);
	if (rc == WSB_OK) {
		so.argv = argv;
		so.cwd = c->ws;
		rc = wsb_run(out_proc, p, c->identity, &so, NULL, 0);
	}
	wsb_policy_free(p);
	if (rc != WSB_OK) {
		*out_unavail = rc == WSB_EUNAVAIL;
		*out_why = fmt("the library ran nothing (%s): %s",
			wsb_strerror(rc), wsb_error_message(NULL));
		if (*out_why == NULL)
			return WSB_ENOMEM;
	}
	return WSB_OK;
}

static int run_probe(wsb_process **out_proc, char **out_why, int *out_unavail, const st_ctx *c,
	int limit, wsb_u64 value, const char *const *args)
{
	return run_probe_in(out_proc, out_why, out_unavail, c, limit, value, 0, args);
}

/* The probe's own report line(s), for the evidence, without the final
 * newline (the probe's output is its to end; the copy is the process's). */
static const char *probe_said(const wsb_process *proc)
{
	size_t len = 0;
	char *o = proc ? (char *)wsb_process_output(&len, NULL, proc, WSB_STREAM_STDOUT) : NULL;

	while (o && len > 0 && (o[len - 1] == '\n' || o[len - 1] == '\r'))
		o[--len] = '\0';
	return o && *o ? o : "(nothing)";
}

static wsb__st_result *add(st_ctx *c, const char *name, const char *attempt, unsigned int prot)
{
	wsb__st_result *r = &c->results[c->count++];

	memset(r, 0, sizeof(*r));
	r->name = name;
	r->attempt = attempt;
	r->protection = prot;
	r->observed = WSB__ST_UNKNOWN;
	return r;
}

/* Record a verdict. in_force comes from the finished process; a run the
 * library refused as unavailable reports the protection not in force. */
static int settle(const st_ctx *c, wsb__st_result *r, const wsb_process *proc, int observed,
	char *evidence)
{
	r->in_force = proc ? ((wsb_process_protections(proc) | wsb__st_test_claim)
		& r->protection) != 0 : 0;
	r->observed = observed;
	r->status = wsb__st_judge(r->in_force, observed);
	if (evidence && !r->in_force
		&& !(wsb__policy_required_protections(c->caller) & r->protection)) {
		char *e = fmt("the policy does not ask for it; %s", evidence);
		wsb__free(evidence);
		evidence = e;
	}
	r->evidence = evidence;
	return evidence ? WSB_OK : wsb__error_nomem();
}

/* A canary whose run the library refused, or that could not be set up. */
static int not_run(wsb__st_result *r, int unavail, char *why)
{
	r->in_force = 0;
	r->observed = WSB__ST_UNKNOWN;
	r->status = unavail ? WSB__ST_MISSING : WSB__ST_UNPROVEN;
	r->evidence = why;
	return why ? WSB_OK : wsb__error_nomem();
}

/* What the host saw. When nothing escaped, that proves a refusal only if
 * the probe said it tried the operation: a probe that could not start (or
 * has no such operation here) changes nothing either. */
static int observed_after(int escaped, const wsb_process *proc, const char *op)
{
	const char *o = wsb_process_output(NULL, NULL, proc, WSB_STREAM_STDOUT);
	size_t n = strlen(op);

	if (escaped)
		return WSB__ST_ESCAPED;
	if (o && strncmp(o, "probe: ", 7) == 0 && strncmp(o + 7, op, n) == 0 && o[7 + n] == ' ')
		return WSB__ST_REFUSED;
	return WSB__ST_UNKNOWN;
}

/* write/rename/delete canaries: args for the probe, and what the host
 * sees afterwards decides. */
static int file_canary(st_ctx *c, wsb__st_result *r, const char *const *args,
	int (*escaped)(const st_ctx *c, const char *a, const char *b), const char *a, const char *b)
{
	wsb_process *proc;
	char *why;
	int unavail, rc, o;

	rc = run_probe(&proc, &why, &unavail, c, WSB_LIMIT_NONE, 0, args);
	if (rc < 0)
		return rc;
	if (proc == NULL)
		return not_run(r, unavail, why);
	o = observed_after(escaped(c, a, b), proc, args[0]);
	rc = settle(c, r, proc, o,
		fmt("%s; the host %s; the probe said: %s", observed_name(o),
			o == WSB__ST_ESCAPED ? "sees the change" : "sees no change", probe_said(proc)));
	wsb_process_free(proc);
	return rc;
}

static int exists_escape(const st_ctx *c, const char *a, const char *b)
{
	(void)c;
	(void)b;
	return wsb__st_exists(a) == 1;
}

static int missing_escape(const st_ctx *c, const char *a, const char *b)
{
	(void)c;
	(void)b;
	return wsb__st_exists(a) != 1;
}

static int rename_escape(const st_ctx *c, const char *a, const char *b)
{
	(void)c;
	return wsb__st_exists(a) != 1 || wsb__st_exists(b) == 1;
}

static int grew_escape(const st_ctx *c, const char *a, const char *b)
{
	long long size = wsb__st_file_size(a);

	(void)c;
	(void)b;
	return size > 0;
}

/* .git/config is made holding GIT_CONFIG: any other size means a write. */
#define GIT_CONFIG "[core]\n"

static int changed_escape(const st_ctx *c, const char *a, const char *b)
{
	(void)c;
	(void)b;
	return wsb__st_file_size(a) != (long long)(sizeof(GIT_CONFIG) - 1);
}

static int canary_write_outside(st_ctx *c)
{
	wsb__st_result *r = add(c, "write_outside_roots", "create a file outside every writable root",
		WSB_PROT_FS_WRITE);
	char *target = join(c->outside, "escape");
	const char *args[4];
	int rc;

	if (target == NULL)
		return WSB_ENOMEM;
	if (!c->outside_ok) {
		wsb__free(target);
		return not_run(r, 0, fmt("the policy allows writes to %s: give a work directory "
			"outside its writable roots", c->outside));
	}
	args[0] = "write";
	args[1] = target;
	args[2] = c->token;
	args[3] = NULL;
	rc = file_canary(c, r, args, exists_escape, target, NULL);
	wsb__free(target);
	return rc;
}

static int canary_inherited(st_ctx *c)
{
	wsb__st_result *r = add(c, "inherited_descriptor",
		"write through a descriptor to a file outside the roots left open by the caller",
		WSB_PROT_FS_WRITE);
	char *target = join(c->outside, "inherited"), *number = NULL;
	const char *args[4];
	long handle = -1;
	int rc;

	if (target == NULL)
		return WSB_ENOMEM;
	rc = wsb__st_inheritable_open(&handle, &number, target);
	if (rc < 0) {
		wsb__free(target);
		return not_run(r, 0, fmt("not run: %s", wsb_error_message(NULL)));
	}
	args[0] = "fd";
	args[1] = number;
	args[2] = c->token;
	args[3] = NULL;
	rc = file_canary(c, r, args, grew_escape, target, NULL);
	wsb__st_inheritable_close(handle);
	wsb__free(number);
	wsb__free(target);
	return rc;
}

static int canary_git(st_ctx *c, int which)
{
	static const char *const names[] = { "git_write", "git_rename", "git_delete" };
	static const char *const attempts[] = {
		"append to .git/config under a writable root",
		"rename .git/config under a writable root",
		"delete .git/HEAD under a writable root" };
	wsb__st_result *r = add(c, names[which], attempts[which], WSB_PROT_FS_PROTECTED);
	char *config = join(c->ws, ".git/config"), *moved = join(c->ws, ".git/config.moved"),
		*head = join(c->ws, ".git/HEAD");
	const char *args[4];
	int rc;

	if (!config || !moved || !head) {
		rc = WSB_ENOMEM;
	} else if (which == 0) {
		args[0] = "write";
		args[1] = config;
		args[2] = c->token;
		args[3] = NULL;
		rc = file_canary(c, r, args, changed_escape, config, NULL);
	} else if (which == 1) {
		args[0] = "rename";
		args[1] = config;
		args[2] = moved;
		args[3] = NULL;
		rc = file_canary(c, r, args, rename_escape, config, moved);
	} else {
		args[0] = "unlink";
		args[1] = head;
		args[2] = NULL;
		rc = file_canary(c, r, args, missing_escape, head, NULL);
	}
	wsb__free(config);
	wsb__free(moved);
	wsb__free(head);
	return rc;
}

static int canary_deny_read(st_ctx *c)
{
	wsb__st_result *r = add(c, "read_denied", "read a deny-read file", WSB_PROT_FS_DENY_READ);
	const char *args[3];
	wsb_process *proc;
	const char *o;
	char *why;
	int unavail, rc, e;

	args[0] = "read";
	args[1] = c->secret;
	args[2] = NULL;
	rc = run_probe_in(&proc, &why, &unavail, c, WSB_LIMIT_NONE, 0, 1, args);
	if (rc < 0)
		return rc;
	if (proc == NULL)
		return not_run(r, unavail, why);
	o = wsb_process_output(NULL, NULL, proc, WSB_STREAM_STDOUT);
	e = observed_after(o && strstr(o, c->token) != NULL, proc, "read");
	rc = settle(c, r, proc, e,
		fmt("%s; the probe's output %s the file's secret; it said: %s", observed_name(e),
			e == WSB__ST_ESCAPED ? "holds" : "does not hold", probe_said(proc)));
	wsb_process_free(proc);
	return rc;
}

static int canary_listener(st_ctx *c, const char *kind, const char *name, const char *attempt)
{
	wsb__st_result *r = add(c, name, attempt, WSB_PROT_NETWORK);
	wsb__st_listener *l = NULL;
	char *address = NULL, *why;
	const char *args[4];
	wsb_process *proc;
	int unavail, rc, e;

	rc = wsb__st_listen(&l, &address, kind, c->base, c->token);
	if (rc == WSB_ENOMEM)
		return rc;
	if (rc < 0)
		return not_run(r, 0, fmt("not run: %s", wsb_error_message(NULL)));
	args[0] = kind;
	args[1] = address;
	args[2] = c->token;
	args[3] = NULL;
	rc = run_probe(&proc, &why, &unavail, c, WSB_LIMIT_NONE, 0, args);
	if (rc == WSB_OK && proc == NULL) {
		rc = not_run(r, unavail, why);
	} else if (rc == WSB_OK) {
		/* A connection the probe made may still sit in the queue: give
		 * the listener time only when the probe said it got through. */
		e = observed_after(wsb__st_listener_reached(l,
			strstr(probe_said(proc), ": ok") ? 2000 : 50), proc, kind);
		rc = settle(c, r, proc, e,
			fmt("%s; the host's listener (%s) %s; the probe said: %s", observed_name(e),
				address, e == WSB__ST_ESCAPED ? "was reached" : "saw nothing",
				probe_said(proc)));
		wsb_process_free(proc);
	}
	wsb__st_listener_close(l);
	wsb__free(address);
	return rc;
}

static int canary_fork(st_ctx *c)
{
	wsb__st_result *r = add(c, "fork_past_limit", "start more processes than the process limit",
		WSB_PROT_LIMIT_PROCESSES);
	const char *args[3], *o, *at;
	char count[16], *why;
	wsb_process *proc;
	unsigned long started = 0;
	int unavail, rc, e, observed;

	sprintf(count, "%d", ST_FORKS);
	args[0] = "fork";
	args[1] = count;
	args[2] = NULL;
	rc = run_probe(&proc, &why, &unavail, c, WSB_LIMIT_PROCESSES, ST_PROCESS_LIMIT, args);
	if (rc < 0)
		return rc;
	if (proc == NULL)
		return not_run(r, unavail, why);
	o = wsb_process_output(NULL, NULL, proc, WSB_STREAM_STDOUT);
	at = o ? strstr(o, "started=") : NULL;
	if (at)
		started = strtoul(at + 8, NULL, 10);
	/* The probe itself is one of the tree's processes. A tree the limit
	 * killed before it could count was refused too. */
	e = at != NULL && started + 1 > ST_PROCESS_LIMIT;
	observed = at || wsb_process_exit_kind(proc) == WSB_EXIT_LIMIT
		? (e ? WSB__ST_ESCAPED : WSB__ST_REFUSED) : WSB__ST_UNKNOWN;
	rc = settle(c, r, proc, observed,
		fmt("%s; with a limit of %d processes the probe started %lu more (%s, exit %s); it said: %s",
			observed_name(observed), ST_PROCESS_LIMIT, started,
			at ? "counted" : "no count", wsb__exit_kind_name(wsb_process_exit_kind(proc)),
			probe_said(proc)));
	wsb_process_free(proc);
	return rc;
}

static int canary_outlive(st_ctx *c)
{
	wsb__st_result *r = add(c, "outlive_timeout",
		"leave a detached process running past the timeout", WSB_PROT_PROCESS_TREE);
	char *beat = join(c->ws, "heartbeat"), *why;
	const char *args[3];
	wsb_process *proc;
	long long before, after;
	int unavail, rc, e;

	if (beat == NULL)
		return WSB_ENOMEM;
	args[0] = "outlive";
	args[1] = beat;
	args[2] = NULL;
	rc = run_probe(&proc, &why, &unavail, c, WSB_LIMIT_TIMEOUT, ST_TIMEOUT_MS, args);
	if (rc < 0) {
		wsb__free(beat);
		return rc;
	}
	if (proc == NULL) {
		wsb__free(beat);
		return not_run(r, unavail, why);
	}
	/* The detached process appends to the heartbeat every 50 ms: if it
	 * still grows after the tree was ended, something outlived it. */
	before = wsb__st_file_size(beat);
	wsb__st_sleep_ms(500);
	after = wsb__st_file_size(beat);
	e = after > before;
	rc = settle(c, r, proc, before < 0 ? WSB__ST_UNKNOWN : e ? WSB__ST_ESCAPED : WSB__ST_REFUSED,
		before < 0 ? fmt("unknown: the detached process never wrote its heartbeat (exit %s); the "
			"probe said: %s", wsb__exit_kind_name(wsb_process_exit_kind(proc)), probe_said(proc))
		: fmt("%s; the tree ended as %s after %lu ms and the heartbeat %s (%lld then %lld bytes); "
			"the probe said: %s", e ? "escaped" : "refused",
			wsb__exit_kind_name(wsb_process_exit_kind(proc)),
			(unsigned long)wsb_process_duration_ms(proc),
			e ? "kept growing" : "stopped", before, after, probe_said(proc)));
	wsb_process_free(proc);
	wsb__free(beat);
	return rc;
}

/* ---- set-up and the public entry points ---------------------------------- */

static int setup(st_ctx *c, const char *work_dir)
{
	char *git = NULL, *f = NULL;
	int rc, allowed = 1, rule = 0;

	rc = wsb__st_make_dir(&c->base, work_dir);
	if (rc < 0)
		return rc;
	c->ws = join(c->base, "ws");
	c->outside = join(c->base, "outside");
	c->secret = join(c->base, "secret");
	git = c->ws ? join(c->ws, ".git") : NULL;
	if (!c->ws || !c->outside || !c->secret || !git) {
		wsb__free(git);
		return wsb__error_nomem();
	}
	rc = wsb__st_make_subdir(c->ws);
	if (rc == WSB_OK)
		rc = wsb__st_make_subdir(git);
	if (rc == WSB_OK)
		rc = wsb__st_make_subdir(c->outside);
	if (rc == WSB_OK && (f = join(git, "config")) == NULL)
		rc = wsb__error_nomem();
	if (rc == WSB_OK)
		rc = wsb__st_write_file(f, GIT_CONFIG);
	wsb__free(f);
	if (rc == WSB_OK && (f = join(git, "HEAD")) == NULL)
		rc = wsb__error_nomem();
	if (rc == WSB_OK)
		rc = wsb__st_write_file(f, "ref: refs/heads/main\n");
	wsb__free(f);
	if (rc == WSB_OK) {
		char line[sizeof(c->token) + 2];
		sprintf(line, "%s\n", c->token);
		rc = wsb__st_write_file(c->secret, line);
	}
	wsb__free(git);
	if (rc < 0)
		return rc;
	/* A canary that writes where the caller's policy allows would prove
	 * nothing: the write-outside canary checks this first. */
	rc = wsb_policy_check_path(&allowed, &rule, NULL, c->caller, c->outside, WSB_ACCESS_WRITE);
	if (rc < 0)
		return rc;
	c->outside_ok = !allowed || rule == WSB_RULE_FULL_ACCESS;
	return WSB_OK;
}

static void teardown(st_ctx *c)
{
	size_t i;

	if (c->base)
		wsb__st_remove_tree(c->base);
	wsb__free(c->base);
	wsb__free(c->ws);
	wsb__free(c->outside);
	wsb__free(c->secret);
	for (i = 0; i < c->count; i++)
		wsb__free(c->results[i].evidence);
}

int wsb_self_test_options_init(wsb_self_test_options *opts, unsigned int version)
{
	static const wsb_self_test_options init = WSB_SELF_TEST_OPTIONS_INIT;

	if (opts == NULL)
		return wsb__error_null("wsb_self_test_options_init", "opts");
	if (version < 1 || version > WSB_SELF_TEST_OPTIONS_VERSION)
		return wsb__error(WSB_EVERSION, "wsb_self_test_options_init: version %u is not "
			"supported (1..%u)", version, WSB_SELF_TEST_OPTIONS_VERSION);
	*opts = init;
	opts->version = version;
	return WSB_OK;
}

static int check_options(const wsb_self_test_options *opts, size_t *out_argc)
{
	static const char fn[] = "wsb_self_test";
	size_t n;
	int rc;

	if (opts == NULL)
		return wsb__error_null(fn, "opts");
	if (opts->version < 1 || opts->version > WSB_SELF_TEST_OPTIONS_VERSION)
		return wsb__error(WSB_EVERSION, "%s: options version %u is not supported (1..%u)",
			fn, opts->version, WSB_SELF_TEST_OPTIONS_VERSION);
	if (opts->probe_argv == NULL || opts->probe_argv[0] == NULL)
		return wsb__error(WSB_EINVAL, "%s: probe_argv is NULL or empty (the probe program "
			"is required)", fn);
	for (n = 0; opts->probe_argv[n]; n++) {
		if (n >= ST_MAX_PROBE_ARGS)
			return wsb__error(WSB_ERANGE, "%s: probe_argv has more than %d entries", fn,
				ST_MAX_PROBE_ARGS);
		rc = wsb__utf8_check_arg(opts->probe_argv[n], 4096, "probe_argv entry");
		if (rc < 0)
			return wsb__error_prefix(rc, fn);
	}
	if (opts->work_dir) {
		rc = wsb__utf8_check_arg(opts->work_dir, WSB__PATH_HOST == WSB__PATH_WIN
			? WSB__PATH_MAX_WIN : WSB__PATH_MAX_POSIX, "work_dir");
		if (rc < 0)
			return wsb__error_prefix(rc, fn);
		if (!wsb__path_is_absolute(opts->work_dir, WSB__PATH_HOST))
			return wsb__error(WSB_EPATH, "%s: work_dir is not an absolute path: %s", fn,
				opts->work_dir);
	}
	*out_argc = n;
	return WSB_OK;
}

int wsb_self_test(char **out_json, unsigned int *out_failed, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_self_test_options *opts)
{
	static const char fn[] = "wsb_self_test";
	st_ctx *c;
	size_t i;
	int rc;

	if (out_json == NULL)
		return wsb__error_null(fn, "out_json");
	*out_json = NULL;
	if (out_failed)
		*out_failed = 0;
	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	rc = wsb_policy_validate(policy);
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	c = wsb__calloc(1, sizeof(*c));
	if (c == NULL)
		return wsb__error_nomem();
	rc = check_options(opts, &c->probe_argc);
	if (rc < 0) {
		wsb__free(c);
		return rc;
	}
	c->caller = policy;
	c->identity = identity;
	c->probe = opts->probe_argv;
	sprintf(c->token, "wsb-self-test-%lx-%lx", (unsigned long)wsb__now_ms(),
		(unsigned long)((size_t)c >> 4));
	rc = setup(c, opts->work_dir);
	if (rc < 0)
		rc = wsb__error_prefix(rc, fn);
	if (rc == WSB_OK)
		rc = canary_write_outside(c);
	if (rc == WSB_OK)
		rc = canary_inherited(c);
	for (i = 0; rc == WSB_OK && i < 3; i++)
		rc = canary_git(c, (int)i);
	if (rc == WSB_OK)
		rc = canary_deny_read(c);
	if (rc == WSB_OK)
		rc = canary_listener(c, "tcp", "tcp_to_host",
			"connect to a TCP listener on the host's 127.0.0.1");
	if (rc == WSB_OK)
		rc = canary_listener(c, "udp", "udp_to_host",
			"send a datagram to a UDP socket on the host's 127.0.0.1");
	if (rc == WSB_OK)
		rc = canary_listener(c, "unix-abstract", "unix_abstract",
			"connect to an abstract UNIX socket listening on the host");
	if (rc == WSB_OK)
		rc = canary_listener(c, "unix", "unix_pathname",
			"connect to a pathname UNIX socket listening on the host");
	if (rc == WSB_OK)
		rc = canary_fork(c);
	if (rc == WSB_OK)
		rc = canary_outlive(c);
	if (rc == WSB_OK)
		rc = wsb__st_report_json(out_json, c->results, c->count,
			wsb__policy_required_protections(policy), c->base);
	if (rc == WSB_OK && out_failed)
		for (i = 0; i < c->count; i++)
			*out_failed += c->results[i].status == WSB__ST_FAILED;
	teardown(c);
	wsb__free(c);
	return rc;
}

int wsb_self_test_probe(int argc, const char *const *argv)
{
	if (argc < 0) {
		wsb__error(WSB_EINVAL, "wsb_self_test_probe: argc is negative");
		return 2;
	}
	if (argc > 0 && argv == NULL) {
		wsb__error_null("wsb_self_test_probe", "argv");
		return 2;
	}
	return wsb__backend_probe(argc, argv);
}
