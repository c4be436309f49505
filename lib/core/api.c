/*
 * The public entry points that reach a backend: identities, plans,
 * processes, the audit and the elevated setup. Each checks every argument
 * (so backends never re-validate), then delegates to lib/backend.h.
 */
#include "backend.h"
#include "json.h"
#include "utf.h"

#include <stdio.h>
#include <string.h>

/* Longest single command-line argument (Linux's MAX_ARG_STRLEN; Windows'
 * whole command line is shorter still and checked by its backend). */
#define WSB__ARG_MAX 131072
/* Windows limits: local user names 20 characters, group names 256. */
#define WSB__USER_NAME_MAX 20
#define WSB__GROUP_NAME_MAX 256


static int check_version(unsigned int version, unsigned int current, const char *fn,
	const char *type)
{
	if (version < 1 || version > current)
		return wsb__error(WSB_EVERSION, "%s: %s version %u is not supported (1..%u)", fn,
			type, version, current);
	return WSB_OK;
}

/* An absolute host path given as an option: normalized copy in *out. */
static int host_path_arg(char **out, const char *path, const char *fn, const char *what)
{
	int rc;

	*out = NULL;
	rc = wsb__utf8_check_arg(path, WSB__PATH_HOST == WSB__PATH_WIN ? WSB__PATH_MAX_WIN :
		WSB__PATH_MAX_POSIX, what);
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	rc = wsb__path_normalize(out, path, WSB__PATH_HOST, 0);
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	return WSB_OK;
}

/* The backends run host paths: a policy switched to the other syntax (by
 * tests and tools) can be checked and rendered, not run. */
/* The backends that run the allow-list's filtering proxy (docs/network.md). */
static int allowlist_backend(void)
{
	return strcmp(wsb__backend_name, "linux") == 0 || strcmp(wsb__backend_name, "win32") == 0;
}

static int host_policy(const wsb_policy *policy, const char *fn)
{
	int rc = wsb_policy_validate(policy);

	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	if (policy->flavor != WSB__PATH_HOST)
		return wsb__error(WSB_ENOTSUP, "%s: the policy uses %s path syntax, which this host "
			"cannot run", fn, policy->flavor == WSB__PATH_WIN ? "Windows" : "POSIX");
	return WSB_OK;
}

/* ---- identity ---- */

int wsb_identity_options_init(wsb_identity_options *opts, unsigned int version)
{
	static const wsb_identity_options defaults = WSB_IDENTITY_OPTIONS_INIT;
	int rc;

	if (opts == NULL)
		return wsb__error_null("wsb_identity_options_init", "opts");
	rc = check_version(version, WSB_IDENTITY_OPTIONS_VERSION, "wsb_identity_options_init",
		"wsb_identity_options");
	if (rc < 0)
		return rc;
	*opts = defaults;
	opts->version = version;
	return WSB_OK;
}

int wsb_identity_create(wsb_identity **out, const wsb_identity_options *opts)
{
	static const char fn[] = "wsb_identity_create";
	static const wsb_identity_options defaults = WSB_IDENTITY_OPTIONS_INIT;
	struct wsb_identity *id;
	char *state_dir;
	int rc;

	if (out == NULL)
		return wsb__error_null(fn, "out");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	rc = check_version(opts->version, WSB_IDENTITY_OPTIONS_VERSION, fn, "wsb_identity_options");
	if (rc < 0)
		return rc;
	if (opts->kind != WSB_IDENTITY_CURRENT_USER && opts->kind != WSB_IDENTITY_SANDBOX_USER)
		return wsb__error(WSB_EINVAL, "%s: unknown identity kind %d", fn, opts->kind);
	if (opts->state_dir)
		rc = host_path_arg(&state_dir, opts->state_dir, fn, "state_dir");
	else
		rc = wsb__backend_default_state_dir(&state_dir);
	if (rc < 0)
		return rc;
	id = wsb__calloc(1, sizeof(*id));
	if (id == NULL) {
		wsb__free(state_dir);
		return wsb__error_nomem();
	}
	id->kind = opts->kind;
	id->state_dir = state_dir;
	rc = wsb__backend_identity_check(id);
	if (rc < 0) {
		wsb_identity_free(id);
		return rc;
	}
	*out = id;
	return WSB_OK;
}

void wsb_identity_free(wsb_identity *identity)
{
	if (identity == NULL)
		return;
	wsb__free(identity->state_dir);
	wsb__free(identity);
}

const char *wsb_identity_state_dir(const wsb_identity *identity)
{
	if (identity == NULL) {
		wsb__error_null("wsb_identity_state_dir", "identity");
		return NULL;
	}
	return identity->state_dir;
}

int wsb_identity_revert(wsb_identity *identity)
{
	if (identity == NULL)
		return wsb__error_null("wsb_identity_revert", "identity");
	return wsb__backend_revert(identity);
}

/* The identity to use: the caller's, or a default one made for this call
 * (*tmp, freed by the caller). */
static int use_identity(const wsb_identity **out, wsb_identity **tmp,
	const wsb_identity *identity)
{
	int rc;

	*tmp = NULL;
	*out = identity;
	if (identity)
		return WSB_OK;
	rc = wsb_identity_create(tmp, NULL);
	*out = *tmp;
	return rc;
}

/* ---- plan ---- */

int wsb_plan_create(wsb_plan **out, const wsb_policy *policy, const wsb_identity *identity)
{
	static const char fn[] = "wsb_plan_create";
	const wsb_identity *id;
	wsb_identity *tmp;
	int rc;

	if (out == NULL)
		return wsb__error_null(fn, "out");
	*out = NULL;
	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	rc = host_policy(policy, fn);
	if (rc < 0)
		return rc;
	rc = use_identity(&id, &tmp, identity);
	if (rc < 0)
		return rc;
	rc = wsb__backend_plan(out, policy, id);
	wsb_identity_free(tmp);
	if (rc == WSB_OK && policy->network == WSB_NETWORK_ALLOWLIST && !allowlist_backend())
		rc = wsb__plan_note(*out, "network allow-list: not enforced by the %s backend, so "
			"wsb_spawn() refuses the policy (WSB_ENOTSUP); the plan shows network off",
			wsb__backend_name);
	if (rc < 0) {
		wsb_plan_free(*out);
		*out = NULL;
		return rc;
	}
	(*out)->policy = NULL;
	return WSB_OK;
}

/* ---- spawn ---- */

int wsb_spawn_options_init(wsb_spawn_options *opts, unsigned int version)
{
	static const wsb_spawn_options defaults = WSB_SPAWN_OPTIONS_INIT;
	int rc;

	if (opts == NULL)
		return wsb__error_null("wsb_spawn_options_init", "opts");
	rc = check_version(version, WSB_SPAWN_OPTIONS_VERSION, "wsb_spawn_options_init",
		"wsb_spawn_options");
	if (rc < 0)
		return rc;
	*opts = defaults;
	opts->version = version;
	return WSB_OK;
}

static int check_stdio(int mode, const char *fn, const char *which)
{
	if (mode != WSB_STDIO_NULL && mode != WSB_STDIO_PIPE && mode != WSB_STDIO_INHERIT)
		return wsb__error(WSB_EINVAL, "%s: unknown %s mode %d", fn, which, mode);
	return WSB_OK;
}

/* A terminal width or height: 1..WSB_MAX_TERMINAL_SIZE, or 0 when
 * zero_ok (the default size). */
static int check_terminal_size(unsigned int n, int zero_ok, const char *fn, const char *which)
{
	if ((n == 0 && !zero_ok) || n > WSB_MAX_TERMINAL_SIZE)
		return wsb__error(WSB_EINVAL, "%s: %s is %u (1..%d)", fn, which, n,
			WSB_MAX_TERMINAL_SIZE);
	return WSB_OK;
}

/* Check the options and copy them into *copy with a normalized cwd
 * (*cwd, freed by the caller). */
static int check_spawn(wsb_spawn_options *copy, char **cwd, const wsb_policy *policy,
	const wsb_spawn_options *opts, const char *fn)
{
	size_t i;
	int rc;

	*cwd = NULL;
	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (opts == NULL)
		return wsb__error_null(fn, "opts");
	rc = check_version(opts->version, WSB_SPAWN_OPTIONS_VERSION, fn, "wsb_spawn_options");
	if (rc < 0)
		return rc;
	if (opts->argv == NULL)
		return wsb__error_null(fn, "opts->argv");
	if (opts->argv[0] == NULL)
		return wsb__error(WSB_EINVAL, "%s: opts->argv is empty (it needs the program)", fn);
	if (opts->argv[0][0] == '\0')
		return wsb__error(WSB_EINVAL, "%s: opts->argv[0] (the program) is an empty string", fn);
	for (i = 0; opts->argv[i]; i++) {
		char label[40];

		if (i >= WSB_MAX_ARGS)
			return wsb__error(WSB_ERANGE, "%s: opts->argv has more than %d arguments", fn,
				WSB_MAX_ARGS);
		snprintf(label, sizeof(label), "opts->argv[%lu]", (unsigned long)i);
		rc = wsb__utf8_check_arg(opts->argv[i], WSB__ARG_MAX, label);
		if (rc < 0)
			return wsb__error_prefix(rc, fn);
	}
	if ((rc = check_stdio(opts->stdin_mode, fn, "opts->stdin_mode")) < 0 ||
	    (rc = check_stdio(opts->stdout_mode, fn, "opts->stdout_mode")) < 0 ||
	    (rc = check_stdio(opts->stderr_mode, fn, "opts->stderr_mode")) < 0)
		return rc;
	/* A version-1 caller's struct ends before the terminal fields. */
	memset(copy, 0, sizeof(*copy));
	if (opts->version >= 2) {
		if (opts->terminal != 0 && opts->terminal != 1)
			return wsb__error(WSB_EINVAL, "%s: opts->terminal is %d (0 or 1)", fn,
				opts->terminal);
		if ((rc = check_terminal_size(opts->terminal_cols, 1, fn, "opts->terminal_cols")) < 0 ||
		    (rc = check_terminal_size(opts->terminal_rows, 1, fn, "opts->terminal_rows")) < 0)
			return rc;
		copy->terminal = opts->terminal;
		copy->terminal_cols = opts->terminal_cols ? opts->terminal_cols : 80;
		copy->terminal_rows = opts->terminal_rows ? opts->terminal_rows : 24;
	}
	if (opts->cwd) {
		rc = host_path_arg(cwd, opts->cwd, fn, "opts->cwd");
		if (rc < 0)
			return rc;
	}
	rc = host_policy(policy, fn);
	/* Where the filtering proxy does not run, refuse rather than run with
	 * the network silently on or off. */
	if (rc == WSB_OK && policy->network == WSB_NETWORK_ALLOWLIST && !allowlist_backend())
		rc = wsb__error(WSB_ENOTSUP, "%s: the network allow-list (WSB_NETWORK_ALLOWLIST) is "
			"not enforced by the %s backend yet; use WSB_NETWORK_OFF or WSB_NETWORK_ON", fn,
			wsb__backend_name);
	if (rc < 0) {
		wsb__free(*cwd);
		*cwd = NULL;
		return rc;
	}
	copy->version = WSB_SPAWN_OPTIONS_VERSION;
	copy->argv = opts->argv;
	copy->cwd = *cwd;
	copy->stdin_mode = opts->stdin_mode;
	copy->stdout_mode = opts->stdout_mode;
	copy->stderr_mode = opts->stderr_mode;
	return WSB_OK;
}

static int spawn(wsb_process **out, const wsb_policy *policy, const wsb_identity *identity,
	const wsb_spawn_options *opts)
{
	const wsb_identity *id;
	wsb_identity *tmp;
	int rc;

	rc = use_identity(&id, &tmp, identity);
	if (rc < 0)
		return rc;
	rc = wsb__backend_spawn(out, policy, id, opts);
	wsb_identity_free(tmp);
	if (rc < 0)
		*out = NULL;
	return rc;
}

int wsb_spawn(wsb_process **out, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *opts)
{
	wsb_spawn_options copy;
	char *cwd;
	int rc;

	if (out == NULL)
		return wsb__error_null("wsb_spawn", "out");
	*out = NULL;
	rc = check_spawn(&copy, &cwd, policy, opts, "wsb_spawn");
	if (rc < 0)
		return rc;
	rc = spawn(out, policy, identity, &copy);
	wsb__free(cwd);
	return rc;
}

int wsb_reuse_release(void)
{
	wsb__backend_reuse_release();
	return WSB_OK;
}

int wsb_run(wsb_process **out, const wsb_policy *policy,
	const wsb_identity *identity, const wsb_spawn_options *opts,
	const void *stdin_data, size_t stdin_len)
{
	wsb_spawn_options copy;
	wsb_process *p;
	char *cwd;
	int rc;

	if (out == NULL)
		return wsb__error_null("wsb_run", "out");
	*out = NULL;
	if (stdin_data == NULL && stdin_len > 0)
		return wsb__error(WSB_EINVAL, "wsb_run: stdin_data is NULL but stdin_len is %lu",
			(unsigned long)stdin_len);
	rc = check_spawn(&copy, &cwd, policy, opts, "wsb_run");
	if (rc < 0)
		return rc;
	copy.stdin_mode = stdin_data ? WSB_STDIO_PIPE : WSB_STDIO_NULL;
	copy.stdout_mode = WSB_STDIO_PIPE;
	copy.stderr_mode = WSB_STDIO_PIPE;
	rc = spawn(&p, policy, identity, &copy);
	wsb__free(cwd);
	if (rc < 0)
		return rc;
	rc = wsb__proc_communicate(p, stdin_data, stdin_len);
	if (rc < 0) {
		wsb__proc_free(p);
		return rc;
	}
	*out = p;
	return WSB_OK;
}

/* ---- process ---- */

void wsb_process_free(wsb_process *process)
{
	if (process)
		wsb__proc_free(process);
}

int wsb_process_wait(wsb_process *process, long timeout_ms)
{
	if (process == NULL)
		return wsb__error_null("wsb_process_wait", "process");
	return wsb__proc_wait(process, timeout_ms);
}

int wsb_process_kill(wsb_process *process)
{
	if (process == NULL)
		return wsb__error_null("wsb_process_kill", "process");
	return wsb__proc_kill(process);
}

int wsb_process_write(size_t *out_written, wsb_process *process, const void *data, size_t len)
{
	size_t written = 0;
	int rc;

	if (out_written)
		*out_written = 0;
	if (process == NULL)
		return wsb__error_null("wsb_process_write", "process");
	if (data == NULL && len > 0)
		return wsb__error_null("wsb_process_write", "data");
	rc = wsb__proc_write(&written, process, data, len);
	if (out_written)
		*out_written = written;
	return rc;
}

int wsb_process_close_stdin(wsb_process *process)
{
	if (process == NULL)
		return wsb__error_null("wsb_process_close_stdin", "process");
	return wsb__proc_close_stdin(process);
}

static int check_stream(int stream, const char *fn)
{
	if (stream != WSB_STREAM_STDOUT && stream != WSB_STREAM_STDERR)
		return wsb__error(WSB_EINVAL, "%s: unknown stream %d (WSB_STREAM_STDOUT or "
			"WSB_STREAM_STDERR)", fn, stream);
	return WSB_OK;
}

int wsb_process_read(size_t *out_read, wsb_process *process, int stream,
	void *buf, size_t len, long timeout_ms)
{
	static const char fn[] = "wsb_process_read";
	int rc;

	if (out_read == NULL)
		return wsb__error_null(fn, "out_read");
	*out_read = 0;
	if (process == NULL)
		return wsb__error_null(fn, "process");
	if ((rc = check_stream(stream, fn)) < 0)
		return rc;
	if (buf == NULL)
		return wsb__error_null(fn, "buf");
	/* 0 bytes read means end of stream, so an empty buffer is a mistake. */
	if (len == 0)
		return wsb__error(WSB_EINVAL, "%s: len is 0", fn);
	return wsb__proc_read(out_read, process, stream, buf, len, timeout_ms);
}

/* A backend's failure, with the public function's name in front. */
static int prefixed(int rc, const char *fn)
{
	return rc < 0 ? wsb__error_prefix(rc, fn) : rc;
}

int wsb_process_resize(wsb_process *process, unsigned int cols, unsigned int rows)
{
	static const char fn[] = "wsb_process_resize";
	int rc;

	if (process == NULL)
		return wsb__error_null(fn, "process");
	if ((rc = check_terminal_size(cols, 0, fn, "cols")) < 0 ||
	    (rc = check_terminal_size(rows, 0, fn, "rows")) < 0)
		return rc;
	return prefixed(wsb__proc_resize(process, cols, rows), fn);
}

int wsb_process_waitable(wsb_os_handle *out, wsb_process *process)
{
	static const char fn[] = "wsb_process_waitable";

	if (out == NULL)
		return wsb__error_null(fn, "out");
	if (process == NULL)
		return wsb__error_null(fn, "process");
	return prefixed(wsb__proc_waitable(out, process), fn);
}

int wsb_process_stream_handle(wsb_os_handle *out, wsb_process *process, int stream)
{
	static const char fn[] = "wsb_process_stream_handle";

	if (out == NULL)
		return wsb__error_null(fn, "out");
	if (process == NULL)
		return wsb__error_null(fn, "process");
	if (stream != WSB_STREAM_STDIN && stream != WSB_STREAM_STDOUT &&
	    stream != WSB_STREAM_STDERR)
		return wsb__error(WSB_EINVAL, "%s: unknown stream %d (WSB_STREAM_STDIN, "
			"WSB_STREAM_STDOUT or WSB_STREAM_STDERR)", fn, stream);
	return prefixed(wsb__proc_stream_handle(out, process, stream), fn);
}

int wsb_process_exit_kind(const wsb_process *process)
{
	if (process == NULL)
		return wsb__error_null("wsb_process_exit_kind", "process");
	return wsb__proc_exit_kind(process);
}

long wsb_process_exit_code(const wsb_process *process)
{
	if (process == NULL) {
		wsb__error_null("wsb_process_exit_code", "process");
		return -1;
	}
	return wsb__proc_exit_code(process);
}

int wsb_process_limit(const wsb_process *process)
{
	if (process == NULL)
		return wsb__error_null("wsb_process_limit", "process");
	return wsb__proc_limit(process);
}

unsigned int wsb_process_protections(const wsb_process *process)
{
	if (process == NULL) {
		wsb__error_null("wsb_process_protections", "process");
		return 0;
	}
	return wsb__proc_protections(process);
}

long wsb_process_pid(const wsb_process *process)
{
	if (process == NULL) {
		wsb__error_null("wsb_process_pid", "process");
		return -1;
	}
	return wsb__proc_pid(process);
}

wsb_u64 wsb_process_duration_ms(const wsb_process *process)
{
	if (process == NULL) {
		wsb__error_null("wsb_process_duration_ms", "process");
		return 0;
	}
	return wsb__proc_duration_ms(process);
}

const char *wsb_process_output(size_t *out_len, int *out_truncated,
	const wsb_process *process, int stream)
{
	if (out_len)
		*out_len = 0;
	if (out_truncated)
		*out_truncated = 0;
	if (process == NULL) {
		wsb__error_null("wsb_process_output", "process");
		return NULL;
	}
	if (check_stream(stream, "wsb_process_output") < 0)
		return NULL;
	return wsb__proc_output(out_len, out_truncated, process, stream);
}

static void stream_json(wsb__json *j, const char *key, const wsb_process *process, int stream)
{
	size_t len;
	int truncated;
	const char *data = wsb__proc_output(&len, &truncated, process, stream);

	wsb__json_key(j, key);
	wsb__json_object_begin(j);
	wsb__json_kv_bool(j, "captured", data != NULL);
	wsb__json_kv_u64(j, "bytes", data ? len : 0);
	wsb__json_kv_bool(j, "truncated", data && truncated);
	wsb__json_object_end(j);
}

int wsb_process_to_json(char **out, const wsb_process *process)
{
	wsb__json j;
	char *net = NULL;
	int kind, rc;

	if (out == NULL)
		return wsb__error_null("wsb_process_to_json", "out");
	*out = NULL;
	if (process == NULL)
		return wsb__error_null("wsb_process_to_json", "process");
	kind = wsb__proc_exit_kind(process);
	wsb__json_init(&j);
	wsb__json_object_begin(&j);
	wsb__json_kv_u64(&j, "format", 1);
	wsb__json_kv_string(&j, "backend", wsb__backend_name);
	wsb__json_kv_i64(&j, "pid", wsb__proc_pid(process));
	wsb__json_key(&j, "exit");
	wsb__json_object_begin(&j);
	wsb__json_kv_string(&j, "kind", wsb__exit_kind_name(kind));
	wsb__json_key(&j, "code");
	if (kind == WSB_EXIT_NORMAL || kind == WSB_EXIT_SIGNAL)
		wsb__json_i64(&j, wsb__proc_exit_code(process));
	else
		wsb__json_null(&j);
	wsb__json_kv_string(&j, "limit", wsb__limit_name(wsb__proc_limit(process)));
	wsb__json_object_end(&j);
	wsb__json_kv_u64(&j, "duration_ms", wsb__proc_duration_ms(process));
	wsb__json_key(&j, "protections");
	wsb__json_protections(&j, wsb__proc_protections(process));
	stream_json(&j, "stdout", process, WSB_STREAM_STDOUT);
	stream_json(&j, "stderr", process, WSB_STREAM_STDERR);
	/* Only with the allow-list's proxy, so other results keep their shape. */
	if ((rc = wsb__proc_network_json(&net, process)) < 0) {
		wsb__json_dispose(&j);
		return rc;
	}
	if (net) {
		wsb__json_key(&j, "network");
		wsb__json_raw(&j, net);
		wsb__free(net);
	}
	wsb__json_object_end(&j);
	return wsb__json_finish(out, &j);
}

/* ---- audit ---- */

int wsb_audit_options_init(wsb_audit_options *opts, unsigned int version)
{
	static const wsb_audit_options defaults = WSB_AUDIT_OPTIONS_INIT;
	int rc;

	if (opts == NULL)
		return wsb__error_null("wsb_audit_options_init", "opts");
	rc = check_version(version, WSB_AUDIT_OPTIONS_VERSION, "wsb_audit_options_init",
		"wsb_audit_options");
	if (rc < 0)
		return rc;
	*opts = defaults;
	opts->version = version;
	return WSB_OK;
}

int wsb_audit_world_writable(char **out_json, const wsb_policy *policy,
	const wsb_audit_options *opts)
{
	static const char fn[] = "wsb_audit_world_writable";
	static const wsb_audit_options defaults = WSB_AUDIT_OPTIONS_INIT;
	wsb_audit_options copy;
	char *cwd = NULL;
	int rc;

	if (out_json == NULL)
		return wsb__error_null(fn, "out_json");
	*out_json = NULL;
	if (policy == NULL)
		return wsb__error_null(fn, "policy");
	if (opts == NULL)
		opts = &defaults;
	rc = check_version(opts->version, WSB_AUDIT_OPTIONS_VERSION, fn, "wsb_audit_options");
	if (rc < 0)
		return rc;
	if (opts->cwd && (rc = host_path_arg(&cwd, opts->cwd, fn, "opts->cwd")) < 0)
		return rc;
	rc = host_policy(policy, fn);
	if (rc == WSB_OK) {
		copy = *opts;
		copy.cwd = cwd;
		rc = wsb__backend_audit(out_json, policy, &copy);
	}
	wsb__free(cwd);
	return rc;
}

/* ---- setup ---- */

int wsb_setup_options_init(wsb_setup_options *opts, unsigned int version)
{
	static const wsb_setup_options defaults = WSB_SETUP_OPTIONS_INIT;
	int rc;

	if (opts == NULL)
		return wsb__error_null("wsb_setup_options_init", "opts");
	rc = check_version(version, WSB_SETUP_OPTIONS_VERSION, "wsb_setup_options_init",
		"wsb_setup_options");
	if (rc < 0)
		return rc;
	*opts = defaults;
	opts->version = version;
	return WSB_OK;
}

/* A Windows account or group name: not empty, not only dots and spaces,
 * none of the characters Windows forbids, at most max UTF-16 units. */
static int check_account_name(const char *name, size_t max, const char *fn, const char *what)
{
	static const char forbidden[] = "\\/[]:;|=,+*?<>\"";
	size_t units = 0, i;
	int only_dots = 1;
	int rc;

	rc = wsb__utf8_check_arg(name, max * 3, what);
	if (rc < 0)
		return wsb__error_prefix(rc, fn);
	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || strchr(forbidden, c))
			return wsb__error(WSB_EINVAL, "%s: %s '%s' contains a character Windows forbids "
				"in account names (\\ / [ ] : ; | = , + * ? < > \" or a control character)",
				fn, what, name);
		if (c != '.' && c != ' ')
			only_dots = 0;
		/* Count UTF-16 units: one per lead byte, two for 4-byte sequences. */
		if ((c & 0xc0) != 0x80)
			units += c >= 0xf0 ? 2 : 1;
	}
	if (i == 0 || only_dots)
		return wsb__error(WSB_EINVAL, "%s: %s must not be empty or only dots and spaces",
			fn, what);
	if (units > max)
		return wsb__error(WSB_ETOOLONG, "%s: %s '%s' is longer than %lu characters", fn, what,
			name, (unsigned long)max);
	return WSB_OK;
}

/* Check the options; *copy gets them with defaults and a normalized state
 * directory (*state_dir, freed by the caller). */
static int check_setup(wsb_setup_options *copy, char **state_dir,
	const wsb_setup_options *opts, const char *fn)
{
	static const wsb_setup_options defaults = WSB_SETUP_OPTIONS_INIT;
	unsigned char seen[65536 / 8];
	size_t i;
	int rc;

	*state_dir = NULL;
	if (opts == NULL)
		opts = &defaults;
	rc = check_version(opts->version, WSB_SETUP_OPTIONS_VERSION, fn, "wsb_setup_options");
	if (rc < 0)
		return rc;
	if ((opts->offline_user &&
	     (rc = check_account_name(opts->offline_user, WSB__USER_NAME_MAX, fn, "opts->offline_user")) < 0) ||
	    (opts->online_user &&
	     (rc = check_account_name(opts->online_user, WSB__USER_NAME_MAX, fn, "opts->online_user")) < 0) ||
	    (opts->group &&
	     (rc = check_account_name(opts->group, WSB__GROUP_NAME_MAX, fn, "opts->group")) < 0))
		return rc;
	if (opts->offline_user && opts->online_user &&
	    wsb__utf8_casecmp(opts->offline_user, opts->online_user) == 0)
		return wsb__error(WSB_EINVAL, "%s: opts->offline_user and opts->online_user are both "
			"'%s'", fn, opts->online_user);
	if (opts->loopback_port_count > 0 && opts->loopback_ports == NULL)
		return wsb__error(WSB_EINVAL, "%s: opts->loopback_ports is NULL but "
			"opts->loopback_port_count is %lu", fn, (unsigned long)opts->loopback_port_count);
	if (opts->loopback_port_count > 65535)
		return wsb__error(WSB_ERANGE, "%s: opts->loopback_port_count %lu is more than 65535",
			fn, (unsigned long)opts->loopback_port_count);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < opts->loopback_port_count; i++) {
		unsigned int port = opts->loopback_ports[i];

		if (port == 0)
			return wsb__error(WSB_ERANGE, "%s: opts->loopback_ports[%lu] is 0", fn,
				(unsigned long)i);
		if (seen[port / 8] & (1u << (port % 8)))
			return wsb__error(WSB_EEXIST, "%s: port %u appears twice in opts->loopback_ports",
				fn, port);
		seen[port / 8] |= (unsigned char)(1u << (port % 8));
	}
	if (opts->state_dir && (rc = host_path_arg(state_dir, opts->state_dir, fn, "opts->state_dir")) < 0)
		return rc;
	*copy = *opts;
	copy->state_dir = *state_dir;
	return WSB_OK;
}

int wsb_setup_plan(wsb_plan **out, const wsb_setup_options *opts)
{
	wsb_setup_options copy;
	char *state_dir;
	int rc;

	if (out == NULL)
		return wsb__error_null("wsb_setup_plan", "out");
	*out = NULL;
	rc = check_setup(&copy, &state_dir, opts, "wsb_setup_plan");
	if (rc < 0)
		return rc;
	rc = wsb__backend_setup_plan(out, &copy);
	wsb__free(state_dir);
	if (rc < 0) {
		wsb_plan_free(*out);
		*out = NULL;
	}
	return rc;
}

int wsb_setup_install(const wsb_setup_options *opts)
{
	wsb_setup_options copy;
	char *state_dir;
	int rc;

	rc = check_setup(&copy, &state_dir, opts, "wsb_setup_install");
	if (rc < 0)
		return rc;
	rc = wsb__backend_setup_install(&copy);
	wsb__free(state_dir);
	return rc;
}

int wsb_setup_status(char **out_json, const wsb_setup_options *opts)
{
	wsb_setup_options copy;
	char *state_dir;
	int rc;

	if (out_json == NULL)
		return wsb__error_null("wsb_setup_status", "out_json");
	*out_json = NULL;
	rc = check_setup(&copy, &state_dir, opts, "wsb_setup_status");
	if (rc < 0)
		return rc;
	rc = wsb__backend_setup_status(out_json, &copy);
	wsb__free(state_dir);
	if (rc < 0) {
		wsb__free(*out_json);
		*out_json = NULL;
	}
	return rc;
}

int wsb_setup_uninstall(const wsb_setup_options *opts)
{
	wsb_setup_options copy;
	char *state_dir;
	int rc;

	rc = check_setup(&copy, &state_dir, opts, "wsb_setup_uninstall");
	if (rc < 0)
		return rc;
	rc = wsb__backend_setup_uninstall(&copy);
	wsb__free(state_dir);
	return rc;
}
