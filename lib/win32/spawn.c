/*
 * Spawn: decide, apply (journaled), then start the command with the
 * restricted token, suspended, in its job, with only its stdio handles
 * inherited (PROC_THREAD_ATTRIBUTE_HANDLE_LIST), the core's sorted UTF-16
 * environment block, an MSVCRT-quoted command line and an absolute program
 * path; then resume it.
 */
#include "win32.h"
#include "elevated.h"
#include "proxy.h"
#include "relay.h"
#include "core/policy.h"
#include "core/envblock.h"
#include "core/quote.h"
#include "core/path.h"
#include "core/utf.h"

#include <stdio.h>
#include <string.h>

/* Kept when the policy clears the environment: programs fail without them. */
static const char *const keep_if_clear[] = {
	"SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "PATH", "TEMP", "TMP",
	"USERPROFILE", "LOCALAPPDATA", "APPDATA", "PROGRAMDATA", "PROGRAMFILES",
	"PROGRAMFILES(X86)", "COMMONPROGRAMFILES", "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE",
	"OS", "USERNAME", "USERDOMAIN", "COMPUTERNAME", "HOMEDRIVE", "HOMEPATH", NULL
};

static int has_sep(const char *s)
{
	return strchr(s, '\\') || strchr(s, '/') || strchr(s, ':');
}

/* 1 if path is an existing file, 0 if not, <0 on an error worth stopping
 * for (a PATH entry we may not read is skipped, like Windows does). */
static int is_file(const char *path)
{
	int dir = 0, rc = wsb__w32_stat(&dir, path);

	if (rc < 0) {
		long os = wsb_error_os(NULL);
		if (os == ERROR_ACCESS_DENIED || os == ERROR_INVALID_NAME || os == ERROR_NOT_READY ||
				os == ERROR_BAD_NETPATH || os == ERROR_BAD_NET_NAME) {
			wsb_error_clear();
			return 0;
		}
		return rc;
	}
	return rc == 1 && !dir;
}

static int has_ext(const char *name, const char *pathext)
{
	const char *dot = strrchr(name, '.'), *p = pathext;

	if (!dot || strchr(dot, '\\'))
		return 0;
	while (p && *p) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		if (len == strlen(dot) && wsb__utf8_ncasecmp(p, len, dot, len) == 0)
			return 1;
		p = semi ? semi + 1 : NULL;
	}
	return 0;
}

/* base (absolute), as given when it has a PATHEXT extension, else with
 * each extension of PATHEXT in turn. */
static int try_candidate(char **out, const char *base, const char *pathext)
{
	const char *p = pathext;

	int rc;

	if (has_ext(base, pathext) && (rc = is_file(base)) != 0) {
		if (rc < 0)
			return rc;
		*out = wsb__strdup(base);
		return *out ? 1 : wsb__error_nomem();
	}
	while (p && *p) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		wsb__buf b = WSB__BUF_INIT;
		if (len > 0) {
			if (wsb__buf_puts(&b, base) != WSB_OK || wsb__buf_put(&b, p, len) != WSB_OK) {
				wsb__buf_dispose(&b);
				return wsb__error_nomem();
			}
			if ((rc = is_file(b.ptr)) != 0) {
				if (rc < 0) {
					wsb__buf_dispose(&b);
					return rc;
				}
				*out = wsb__buf_detach(&b);
				return 1;
			}
			wsb__buf_dispose(&b);
		}
		p = semi ? semi + 1 : NULL;
	}
	return 0;
}

int wsb__w32_resolve_program(char **out, const char *argv0, const char *path_var,
	const char *pathext_var, const char *cwd)
{
	const char *pathext = pathext_var && *pathext_var ? pathext_var : ".COM;.EXE;.BAT;.CMD";
	const char *p;
	int rc;

	*out = NULL;
	if (has_sep(argv0)) {
		char *abs = NULL;
		if (wsb__path_is_absolute(argv0, WSB__PATH_WIN))
			rc = wsb__path_normalize(&abs, argv0, WSB__PATH_WIN, 0);
		else
			rc = wsb__path_join(&abs, cwd, argv0, WSB__PATH_WIN);
		if (rc != WSB_OK)
			return rc;
		rc = try_candidate(out, abs, pathext);
		wsb__free(abs);
		if (rc < 0)
			return rc;
		return rc ? WSB_OK : wsb__error(WSB_ENOENT, "program not found: %s", argv0);
	}
	/* Only PATH is searched, never the current directory. */
	for (p = path_var; p && *p; ) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);
		char *dir = wsb__strndup(p, len), *norm = NULL, *full = NULL;
		if (!dir)
			return wsb__error_nomem();
		if (len >= 2 && dir[0] == '"' && dir[len - 1] == '"') {
			memmove(dir, dir + 1, len - 2);
			dir[len - 2] = '\0';
		}
		if (*dir && wsb__path_normalize(&norm, dir, WSB__PATH_WIN, 0) == WSB_OK &&
				wsb__path_join(&full, norm, argv0, WSB__PATH_WIN) == WSB_OK) {
			rc = try_candidate(out, full, pathext);
			if (rc != 0) {
				wsb__free(dir);
				wsb__free(norm);
				wsb__free(full);
				return rc < 0 ? rc : WSB_OK;
			}
		}
		wsb_error_clear();
		wsb__free(dir);
		wsb__free(norm);
		wsb__free(full);
		p = semi ? semi + 1 : NULL;
	}
	return wsb__error(WSB_ENOENT, "program not found on PATH: %s", argv0);
}

static const char *env_get(const wsb__strvec *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->count; i++)
		if (wsb__utf8_ncasecmp(env->items[i], n, name, n) == 0 && env->items[i][n] == '=')
			return env->items[i] + n + 1;
	return NULL;
}

static int caller_env(wsb__strvec *out)
{
	LPWCH block = WSB_OS(GetEnvironmentStringsW)();
	const wchar_t *p;
	int rc = WSB_OK;

	if (!block) {
		DWORD err = GetLastError();
		return wsb__w32_fail("GetEnvironmentStringsW", err, "the caller's environment");
	}
	for (p = block; *p && rc == WSB_OK; p += lstrlenW(p) + 1) {
		char *s = NULL;
		if ((rc = wsb__w32_narrow(&s, p)) == WSB_OK)
			rc = wsb__strvec_push_owned(out, s);
	}
	WSB_OS(FreeEnvironmentStringsW)(block);
	return rc;
}

/* Make items[count] NULL so the vector doubles as a NULL-terminated array. */
static int null_terminate(wsb__strvec *v)
{
	if (wsb__strvec_push(v, "") != WSB_OK)
		return wsb__error_nomem();
	v->count--;
	wsb__free(v->items[v->count]);
	v->items[v->count] = NULL;
	return WSB_OK;
}

static int build_env(uint16_t **out, size_t *out_len, wsb__strvec *env, const struct wsb_policy *policy,
	const wsb__w32_decision *d)
{
	wsb__strvec base = WSB__STRVEC_INIT, extra = WSB__STRVEC_INIT;
	size_t i;
	int rc;

	if ((rc = caller_env(&base)) != WSB_OK)
		goto done;
	for (i = 0; i < d->env_extra.count && rc == WSB_OK; i++)
		rc = wsb__strvec_push(&extra, d->env_extra.items[i]);
	if (rc == WSB_OK && (rc = null_terminate(&base)) == WSB_OK)
		rc = null_terminate(&extra);
	if (rc != WSB_OK)
		goto done;
	if ((rc = wsb__env_build(env, policy, (const char *const *)base.items, keep_if_clear,
			(const char *const *)extra.items, 1)) != WSB_OK)
		goto done;
	rc = wsb__env_block_utf16(out, out_len, (const char *const *)env->items, env->count);
done:
	wsb__strvec_dispose(&base);
	wsb__strvec_dispose(&extra);
	return rc;
}

static int build_cmdline(wchar_t **out_cmd, char **out_app, const char *program,
	const wsb_spawn_options *opts, const wsb__strvec *env)
{
	size_t argc = 0, plen = strlen(program);
	char *line = NULL;
	int rc;

	*out_cmd = NULL;
	*out_app = NULL;
	while (opts->argv[argc])
		argc++;
	if ((rc = wsb__quote_argv(&line, opts->argv, argc)) != WSB_OK)
		return rc;
	if (plen > 4 && (wsb__utf8_casecmp(program + plen - 4, ".bat") == 0 ||
			wsb__utf8_casecmp(program + plen - 4, ".cmd") == 0)) {
		/* Batch files run through cmd.exe, with its metacharacters escaped
		 * so arguments cannot start new commands. */
		const char *comspec = env_get(env, "COMSPEC");
		char *escaped = NULL;
		wsb__buf b = WSB__BUF_INIT;
		const char **args = wsb__calloc(argc + 1, sizeof(char *));
		char *qline = NULL;
		size_t i;
		if (!args) {
			wsb__free(line);
			return wsb__error_nomem();
		}
		args[0] = program;
		for (i = 1; i < argc; i++)
			args[i] = opts->argv[i];
		rc = wsb__quote_argv(&qline, args, argc);
		wsb__free(args);
		if (rc == WSB_OK)
			rc = wsb__quote_cmd(&escaped, qline);
		wsb__free(qline);
		wsb__free(line);
		line = NULL;
		if (rc != WSB_OK)
			return rc;
		if (!comspec || !*comspec)
			comspec = "C:\\Windows\\System32\\cmd.exe";
		wsb__buf_printf(&b, "\"%s\" /d /s /c \"%s\"", comspec, escaped);
		wsb__free(escaped);
		if (b.oom)
			return wsb__error_nomem();
		line = wsb__buf_detach(&b);
		*out_app = wsb__strdup(comspec);
	} else {
		*out_app = wsb__strdup(program);
	}
	if (!*out_app) {
		wsb__free(line);
		return wsb__error_nomem();
	}
	rc = wsb__w32_wide(out_cmd, line);
	wsb__free(line);
	if (rc == WSB_OK && lstrlenW(*out_cmd) >= WSB__CMDLINE_MAX)
		rc = wsb__error(WSB_ETOOLONG, "the command line is longer than %d characters", WSB__CMDLINE_MAX);
	if (rc != WSB_OK) {
		wsb__free(*out_cmd);
		wsb__free(*out_app);
		*out_cmd = NULL;
		*out_app = NULL;
	}
	return rc;
}

/* One stdio handle for the child (inheritable) and our end, if any. */
static int open_stdio(HANDLE *child, HANDLE *ours, int mode, int is_input, DWORD std_id)
{
	SECURITY_ATTRIBUTES sa;

	*child = NULL;
	if (ours)
		*ours = NULL;
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = NULL;
	sa.bInheritHandle = TRUE;
	if (mode == WSB_STDIO_PIPE) {
		HANDLE r, w;
		if (!WSB_OS(CreatePipe)(&r, &w, &sa, 0)) {
			DWORD err = GetLastError();
			return wsb__w32_fail("CreatePipe", err, "stdio pipe");
		}
		*child = is_input ? r : w;
		*ours = is_input ? w : r;
		if (!WSB_OS(SetHandleInformation)(*ours, HANDLE_FLAG_INHERIT, 0)) {
			DWORD err = GetLastError();
			WSB_OS(CloseHandle)(r);
			WSB_OS(CloseHandle)(w);
			*child = *ours = NULL;
			return wsb__w32_fail("SetHandleInformation", err, "stdio pipe");
		}
		return WSB_OK;
	}
	if (mode == WSB_STDIO_INHERIT) {
		HANDLE h = WSB_OS(GetStdHandle)(std_id);
		if (h && h != INVALID_HANDLE_VALUE) {
			if (!WSB_OS(DuplicateHandle)(GetCurrentProcess(), h, GetCurrentProcess(), child, 0, TRUE,
					DUPLICATE_SAME_ACCESS)) {
				DWORD err = GetLastError();
				*child = NULL;
				return wsb__w32_fail("DuplicateHandle", err, "the caller's standard stream");
			}
			return WSB_OK;
		}
	}
	*child = WSB_OS(CreateFileW)(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
		&sa, OPEN_EXISTING, 0, NULL);
	if (*child == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		*child = NULL;
		return wsb__w32_fail("CreateFileW", err, "the null device");
	}
	return WSB_OK;
}

static void launch_dispose(wsb__w32_launch *l)
{
	wsb__free(l->program);
	wsb__free(l->app);
	wsb__free(l->cmdline);
	wsb__free(l->cwd);
	wsb__free(l->env);
	memset(l, 0, sizeof(*l));
}

/* Environment, directory, program and command line: reads only. */
static int prepare(wsb__w32_launch *l, const struct wsb_policy *policy, const wsb_spawn_options *opts,
	const wsb__w32_decision *d)
{
	wsb__strvec env = WSB__STRVEC_INIT;
	char *cwd = NULL, *app = NULL;
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = build_env(&l->env, &l->env_len, &env, policy, d)) != WSB_OK)
		goto done;
	if (opts->cwd) {
		cwd = wsb__strdup(opts->cwd);
		if (!cwd) {
			rc = wsb__error_nomem();
			goto done;
		}
	} else {
		wchar_t buf[MAX_PATH * 4];
		DWORD n = WSB_OS(GetCurrentDirectoryW)(WSB__ARRAY_SIZE(buf), buf);
		if (n == 0 || n >= WSB__ARRAY_SIZE(buf)) {
			DWORD err = n ? ERROR_BUFFER_OVERFLOW : GetLastError();
			rc = wsb__w32_fail("GetCurrentDirectoryW", err, "the caller's directory");
			goto done;
		}
		if ((rc = wsb__w32_narrow(&cwd, buf)) != WSB_OK)
			goto done;
	}
	if ((rc = wsb__w32_resolve_program(&l->program, opts->argv[0], env_get(&env, "PATH"),
			env_get(&env, "PATHEXT"), cwd)) != WSB_OK)
		goto done;
	if ((rc = build_cmdline(&l->cmdline, &app, l->program, opts, &env)) != WSB_OK)
		goto done;
	if ((rc = wsb__w32_wide(&l->app, app)) == WSB_OK)
		rc = wsb__w32_wide(&l->cwd, cwd);
done:
	if (rc != WSB_OK)
		launch_dispose(l);
	wsb__strvec_dispose(&env);
	wsb__free(cwd);
	wsb__free(app);
	return rc;
}

int wsb__w32_create_suspended(PROCESS_INFORMATION *pi, HANDLE token, HANDLE stdio[3],
	const wsb__w32_launch *l, wchar_t *desktop, int no_window)
{
	HANDLE list[3];
	LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
	SIZE_T attr_size = 0;
	STARTUPINFOEXW si;
	DWORD nlist = 0, i, k;
	DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT;
	int rc = WSB_OK, attrs_ready = 0;

	memset(pi, 0, sizeof(*pi));
	for (i = 0; i < 3; i++) {
		for (k = 0; k < nlist && list[k] != stdio[i]; k++)
			;
		if (k == nlist)
			list[nlist++] = stdio[i];
	}
	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	/* With a pseudoconsole the command's streams are its console: no
	 * stdio handles, nothing inherited. */
	if (!l->pseudoconsole) {
		si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
		si.StartupInfo.hStdInput = stdio[0];
		si.StartupInfo.hStdOutput = stdio[1];
		si.StartupInfo.hStdError = stdio[2];
	}
	si.StartupInfo.lpDesktop = desktop;
	WSB_OS(InitializeProcThreadAttributeList)(NULL, 1, 0, &attr_size);
	if (!(attrs = wsb__malloc(attr_size ? attr_size : 64)))
		return wsb__error_nomem();
	if (!WSB_OS(InitializeProcThreadAttributeList)(attrs, 1, 0, &attr_size)) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("InitializeProcThreadAttributeList", err, "handle list");
		goto done;
	}
	attrs_ready = 1;
	/* Exactly the stdio handles are inherited, or the pseudoconsole is
	 * the command's console. */
	if (l->pseudoconsole ? !WSB_OS(UpdateProcThreadAttribute)(attrs, 0,
			PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE, l->pseudoconsole, sizeof(l->pseudoconsole),
			NULL, NULL) :
	    !WSB_OS(UpdateProcThreadAttribute)(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
			nlist * sizeof(HANDLE), NULL, NULL)) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("UpdateProcThreadAttribute", err, l->pseudoconsole ?
			"pseudoconsole" : "handle list");
		goto done;
	}
	si.lpAttributeList = attrs;
	if (no_window && !l->pseudoconsole)
		flags |= CREATE_NO_WINDOW;
	if (!WSB_OS(CreateProcessAsUserW)(token, l->app, l->cmdline, NULL, NULL, !l->pseudoconsole,
			flags, l->env, l->cwd, &si.StartupInfo, pi)) {
		DWORD err = GetLastError();
		memset(pi, 0, sizeof(*pi));
		rc = wsb__w32_fail("CreateProcessAsUserW", err, "%s", l->program ? l->program : "the command");
	}
done:
	if (attrs_ready)
		WSB_OS(DeleteProcThreadAttributeList)(attrs);
	wsb__free(attrs);
	return rc;
}

/* The command's terminal: a pseudoconsole reading keys from one pipe and
 * writing what it shows to another. Our ends become stdin and stdout;
 * *child_in and *child_out are the console's, closed once the command has
 * started. WSB_ENOTSUP where this Windows has no ConPTY. */
static int open_terminal(struct wsb_process *p, HANDLE *child_in, HANDLE *child_out,
	const wsb_spawn_options *opts)
{
	COORD size;
	HRESULT hr;

	if (!WSB_OS(CreatePipe)(child_in, &p->in_w, NULL, 0)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreatePipe", err, "terminal input");
	}
	if (!WSB_OS(CreatePipe)(&p->out_r[0], child_out, NULL, 0)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreatePipe", err, "terminal output");
	}
	size.X = (SHORT)opts->terminal_cols;
	size.Y = (SHORT)opts->terminal_rows;
	hr = WSB_OS(CreatePseudoConsole)(size, *child_in, *child_out, 0, &p->pseudoconsole);
	if (hr == HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND)) {
		p->pseudoconsole = NULL;
		return wsb__error(WSB_ENOTSUP, "a terminal needs ConPTY (CreatePseudoConsole, Windows 10 "
			"1809 or later), which this Windows does not have");
	}
	if (FAILED(hr)) {
		p->pseudoconsole = NULL;
		return wsb__error_os(WSB_EOS, (long)hr, "CreatePseudoConsole failed (HRESULT 0x%08lx)",
			(unsigned long)hr);
	}
	return WSB_OK;
}

/* The unelevated way: the caller's own token, restricted (its copy of the
 * policy's template, warm.c; the caller releases tok). */
static int start_restricted(struct wsb_process *p, wsb__w32_token *tok, const wsb__w32_launch *l,
	const wsb__w32_decision *d, const struct wsb_policy *policy, const char *state_dir,
	const wsb_spawn_options *opts)
{
	wchar_t desk_name[96], *desktop = NULL;
	wsb__w32_launch launch;
	HANDLE child[3] = { NULL, NULL, NULL };
	PROCESS_INFORMATION pi;
	DWORD i;
	int rc;

	memset(&pi, 0, sizeof(pi));
	if ((rc = wsb__token_acquire(tok, policy, state_dir, &d->caps.sids, d->write_restricted)) != WSB_OK)
		goto done;
	if ((rc = wsb__job_create(&p->job, policy, 0)) != WSB_OK)
		goto done;
	if (opts->terminal) {
		if ((rc = open_terminal(p, &child[0], &child[1], opts)) != WSB_OK)
			goto done;
		launch = *l;
		launch.pseudoconsole = p->pseudoconsole;
		l = &launch;
	} else if ((rc = open_stdio(&child[0], &p->in_w, opts->stdin_mode, 1, STD_INPUT_HANDLE)) != WSB_OK ||
			(rc = open_stdio(&child[1], &p->out_r[0], opts->stdout_mode, 0, STD_OUTPUT_HANDLE)) != WSB_OK ||
			(rc = open_stdio(&child[2], &p->out_r[1], opts->stderr_mode, 0, STD_ERROR_HANDLE)) != WSB_OK)
		goto done;
	if (policy->flags & WSB_POLICY_PRIVATE_DESKTOP) {
		if ((rc = wsb__w32_desktop_create(&p->desktop, desk_name, WSB__ARRAY_SIZE(desk_name),
				tok->logon, NULL)) != WSB_OK)
			goto done;
		desktop = desk_name;
	}
	/* No console of its own unless it writes to ours. */
	if ((rc = wsb__w32_create_suspended(&pi, tok->token, child, l, desktop,
			opts->stdin_mode != WSB_STDIO_INHERIT && opts->stdout_mode != WSB_STDIO_INHERIT &&
			opts->stderr_mode != WSB_STDIO_INHERIT)) != WSB_OK)
		goto done;
	p->process = pi.hProcess;
	p->pid = pi.dwProcessId;
	/* Into the job before it runs a single instruction. */
	if (!WSB_OS(AssignProcessToJobObject)(p->job.job, pi.hProcess)) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("AssignProcessToJobObject", err, "process %lu", (unsigned long)pi.dwProcessId);
		goto done;
	}
	p->start_ms = wsb__now_ms();
	if (WSB_OS(ResumeThread)(pi.hThread) == (DWORD)-1) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("ResumeThread", err, "process %lu", (unsigned long)pi.dwProcessId);
		goto done;
	}
done:
	if (pi.hThread)
		WSB_OS(CloseHandle)(pi.hThread);
	for (i = 0; i < 3; i++)
		if (child[i])
			WSB_OS(CloseHandle)(child[i]);
	return rc;
}

/* What the unelevated sandbox cannot enforce and the policy did not
 * accept. */
static int refuse_missing(unsigned int m)
{
	return wsb__error(WSB_EUNAVAIL, "%s%s%s cannot be enforced by the unelevated sandbox; use the "
		"elevated sandbox (WSB_IDENTITY_SANDBOX_USER after wsb_setup_install), or accept it with "
		"wsb_policy_allow_missing()%s",
		(m & WSB_PROT_NETWORK) ? "network isolation" : "",
		(m & WSB_PROT_NETWORK) && (m & WSB_PROT_FS_DENY_READ) ? " and " : "",
		(m & WSB_PROT_FS_DENY_READ) ? "deny-read (reads are not restricted in this mode)" : "",
		(m & WSB_PROT_NETWORK) ? " (network then is advisory only)" : "");
}

/* The sandbox user: which account, and what its firewall rules add. */
static int decide_sandbox_user(wsb__w32_decision **d, wsb__sandbox_account *acct,
	const struct wsb_policy *policy, const struct wsb_identity *identity, const wsb_spawn_options *opts)
{
	unsigned int m;
	int rc;

	/* With a terminal the stdio modes are ignored: the runner's
	 * pseudoconsole is the command's streams. */
	if (!opts->terminal && (opts->stdin_mode == WSB_STDIO_INHERIT || opts->stdout_mode == WSB_STDIO_INHERIT ||
			opts->stderr_mode == WSB_STDIO_INHERIT))
		return wsb__error(WSB_ENOTSUP, "a command that runs as a sandbox user cannot inherit the "
			"caller's standard streams (another account's process cannot use them): use "
			"WSB_STDIO_PIPE or WSB_STDIO_NULL");
	if ((rc = wsb__asuser_decide(d, acct, policy, identity, opts->cwd)) != WSB_OK)
		return rc;
	if (policy->relay_listen && !acct->online) {
		wsb__buf allowed = WSB__BUF_INIT;
		size_t i;
		for (i = 0; i < acct->port_count && acct->ports[i] != policy->relay_listen; i++)
			;
		if (i < acct->port_count)
			return WSB_OK;
		for (i = 0; i < acct->port_count; i++)
			wsb__buf_printf(&allowed, "%s%u", i ? ", " : "", (unsigned)acct->ports[i]);
		if (allowed.oom)
			rc = wsb__error_nomem();
		else
			rc = wsb__error(WSB_ECONFLICT, "the loopback relay listens on port %u, which the offline "
				"user may not reach (setup allowed %s): use an allowed port, or run setup again with "
				"this one", (unsigned)policy->relay_listen, allowed.size ? allowed.ptr : "none");
		wsb__buf_dispose(&allowed);
		return rc;
	}
	m = (*d)->missing & ~policy->allow_missing;
	if (m & WSB_PROT_NETWORK)
		return wsb__error(WSB_ENOTSETUP, "network isolation for %s is not in force: %s; run setup "
			"again (elevated) to restore the firewall rules, or accept it with "
			"wsb_policy_allow_missing() (network then is advisory only)", acct->user8,
			acct->firewall_why ? acct->firewall_why : "its firewall rules do not verify");
	if (m)
		return wsb__error(WSB_EUNAVAIL, "protections 0x%x cannot be enforced for the sandbox user", m);
	return WSB_OK;
}

int wsb__backend_spawn(struct wsb_process **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, const wsb_spawn_options *opts)
{
	wsb__w32_decision *d = NULL;
	wsb__sandbox_account acct;
	wsb__w32_launch l;
	wsb__w32_token tok;
	struct wsb_process *p = NULL;
	int rc, applied = 0, as_user = identity->kind == WSB_IDENTITY_SANDBOX_USER;

	*out = NULL;
	memset(&acct, 0, sizeof(acct));
	memset(&l, 0, sizeof(l));
	memset(&tok, 0, sizeof(tok));
	if (as_user) {
		if ((rc = decide_sandbox_user(&d, &acct, policy, identity, opts)) != WSB_OK)
			goto done;
	} else {
		if ((rc = wsb__w32_decide(&d, policy, identity, 1, opts->cwd)) != WSB_OK)
			goto done;
		if (d->missing & ~policy->allow_missing) {
			rc = refuse_missing(d->missing & ~policy->allow_missing);
			goto done;
		}
	}
	p = wsb__calloc(1, sizeof(*p));
	if (!p) {
		rc = wsb__error_nomem();
		goto done;
	}
	p->protections = d->protections;
	p->cap = policy->limits[WSB_LIMIT_OUTPUT];
	p->timeout_ms = policy->limits[WSB_LIMIT_TIMEOUT];
	/* Loopback relay (relay.c) and the allow-list's proxy (proxy.c):
	 * running before anything changes; freeing p stops them. */
	if ((rc = wsb__relay_env(d, policy)) != WSB_OK ||
			(rc = wsb__relay_acquire(&p->relay, policy->relay_listen, policy->relay_target)) != WSB_OK ||
			(rc = wsb__w32_allowlist_start(p, d, policy, as_user ? &acct : NULL)) != WSB_OK)
		goto done;
	if ((rc = prepare(&l, policy, opts, d)) != WSB_OK)
		goto done;

	/* act: lasting changes, journaled; undone below if anything fails. */
	if ((rc = wsb__w32_apply(d, identity->state_dir)) != WSB_OK)
		goto done;
	applied = 1;
	if (as_user)
		rc = wsb__asuser_start(p, &acct, &l, d, policy, opts);
	else
		rc = start_restricted(p, &tok, &l, d, policy, identity->state_dir, opts);
	if (rc == WSB_OK)
		rc = wsb__proc_start_monitor(p);
	if (rc != WSB_OK && p->process) {
		/* Started but not handed over: it dies with its job; never leave
		 * a suspended process behind. */
		WSB_OS(TerminateProcess)(p->process, 1);
		WSB_OS(WaitForSingleObject)(p->process, INFINITE);
		p->ended = 1;
	}
done:
	/* The template is kept only for a spawn that succeeded. */
	wsb__token_release(&tok, rc == WSB_OK);
	if (rc != WSB_OK) {
		if (applied)
			wsb__w32_unapply(d, identity->state_dir);
		wsb__proc_free(p);
		p = NULL;
	}
	*out = p;
	wsb__w32_decision_free(d);
	wsb__setup_account_dispose(&acct);
	launch_dispose(&l);
	return rc;
}
