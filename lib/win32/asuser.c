/*
 * A command as a sandbox user (docs/windows-runner.md). The library cannot
 * make a token for another account without privileges it lacks, so it
 * starts wsb-runner.exe, which ships next to it, as that account with
 * CreateProcessWithLogonW, suspended, puts it in the command's job, and
 * resumes it. The runner restricts its own token as the unelevated
 * sandbox does and starts the command; the command inherits the job.
 *
 * Runner and library talk over named pipes the library creates: single
 * instance, local clients only, a DACL that admits only the sandbox user,
 * and each pipe's client process id checked against the runner's. The
 * pipes are non-blocking while the handshake runs, so a runner that dies or
 * hangs ends the wait (WSB__RUNNER_HANDSHAKE_MS) instead of blocking the
 * caller; the stdio pipes then become blocking, as the anonymous pipes of
 * the unelevated sandbox are.
 *
 * With a terminal the runner makes the pseudoconsole on the stdin and
 * stdout pipes (docs/windows-runner.md, "A terminal"); the control pipe
 * stays open while the command runs, and wsb_process_resize() sends each
 * new size over it and waits for the runner's answer.
 */
#include "win32.h"
#include "elevated.h"
#include "runner.h"
#include "core/runmsg.h"

#include <stdio.h>
#include <string.h>

#define PIPE_BUFFER 65536

static wchar_t *runner_override;

void wsb__asuser_set_runner(const wchar_t *path)
{
	wsb__free(runner_override);
	runner_override = NULL;
	if (path) {
		size_t n = (wcslen(path) + 1) * sizeof(wchar_t);
		if ((runner_override = wsb__malloc(n)) != NULL)
			memcpy(runner_override, path, n);
	}
}

/* wsb-runner.exe next to the module that holds the library (the DLL, or
 * the program that linked it statically). */
static int runner_path(wchar_t **out)
{
	wchar_t *buf = NULL, *slash;
	HMODULE mod = NULL;
	DWORD n, cap = 32768;

	*out = NULL;
	if (!(buf = wsb__malloc(cap * sizeof(wchar_t))))
		return wsb__error_nomem();
	if (runner_override) {
		wcsncpy(buf, runner_override, cap - 1);
		buf[cap - 1] = 0;
	} else {
		if (!WSB_OS(GetModuleHandleExW)(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
				GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, (LPCWSTR)(void *)&runner_override, &mod)) {
			DWORD err = GetLastError();
			wsb__free(buf);
			return wsb__w32_fail("GetModuleHandleExW", err, "the library's own module");
		}
		n = WSB_OS(GetModuleFileNameW)(mod, buf, cap);
		if (n == 0 || n >= cap) {
			DWORD err = n ? ERROR_INSUFFICIENT_BUFFER : GetLastError();
			wsb__free(buf);
			return wsb__w32_fail("GetModuleFileNameW", err, "the library's own file");
		}
		slash = wcsrchr(buf, L'\\');
		if (!slash || (size_t)(slash + 1 - buf) + wcslen(WSB__RUNNER_EXE) >= cap) {
			wsb__free(buf);
			return wsb__error(WSB_EPATH, "the library's file name has no folder");
		}
		wcscpy(slash + 1, WSB__RUNNER_EXE);
	}
	if (WSB_OS(GetFileAttributesW)(buf) == INVALID_FILE_ATTRIBUTES) {
		DWORD err = GetLastError();
		char *b8 = NULL;
		wsb__w32_narrow(&b8, buf);
		wsb__free(buf);
		wsb__error_os(err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ? WSB_ENOENT : WSB_EOS,
			(long)err, "the runner %s cannot be found: it ships with the library and must sit next to "
			"it, where the sandbox users may read it", b8 ? b8 : "wsb-runner.exe");
		wsb__free(b8);
		return wsb_error_code(NULL);
	}
	*out = buf;
	return WSB_OK;
}

/* "\\.\pipe\wsandbox-<pid>-<32 random hex digits>": nobody can guess it,
 * and FILE_FLAG_FIRST_PIPE_INSTANCE refuses a name someone took first. */
static int pipe_base(wchar_t out[WSB__RUNNER_PIPE_BASE_MAX])
{
	unsigned char r[16];
	wchar_t hex[33];
	NTSTATUS st = WSB_OS(BCryptGenRandom)(NULL, r, sizeof(r), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
	int i;

	if (!BCRYPT_SUCCESS(st))
		return wsb__error_os(WSB_EOS, (long)st, "BCryptGenRandom failed (0x%lx) naming the runner's pipes",
			(unsigned long)st);
	for (i = 0; i < 16; i++) {
		hex[2 * i] = L"0123456789abcdef"[r[i] >> 4];
		hex[2 * i + 1] = L"0123456789abcdef"[r[i] & 15];
	}
	hex[32] = 0;
	_snwprintf(out, WSB__RUNNER_PIPE_BASE_MAX, L"%ls%lu-%ls", WSB__RUNNER_PIPE_PREFIX,
		(unsigned long)GetCurrentProcessId(), hex);
	out[WSB__RUNNER_PIPE_BASE_MAX - 1] = 0;
	return WSB_OK;
}

/* One pipe whose only client may be the sandbox user, with access mask. */
static int pipe_create(HANDLE *out, const wchar_t *base, int which, const char *user_sid, DWORD mask)
{
	static const wchar_t *const suffix[] = WSB__RUNNER_PIPE_SUFFIXES;
	wchar_t name[WSB__RUNNER_PIPE_BASE_MAX + 8];
	PSECURITY_DESCRIPTOR sd = NULL;
	SECURITY_ATTRIBUTES sa;
	int rc;

	*out = NULL;
	if ((rc = wsb__w32_sd_from_sddl(&sd, "pipe DACL", "D:P(A;;0x%lx;;;%s)", (unsigned long)mask,
			user_sid)) != WSB_OK)
		return rc;
	_snwprintf(name, WSB__ARRAY_SIZE(name), L"%ls%ls", base, suffix[which]);
	name[WSB__ARRAY_SIZE(name) - 1] = 0;
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = sd;
	sa.bInheritHandle = FALSE;
	*out = WSB_OS(CreateNamedPipeW)(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
		PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_NOWAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
		PIPE_BUFFER, PIPE_BUFFER, 0, &sa);
	WSB_OS(LocalFree)(sd);
	if (*out == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		*out = NULL;
		return wsb__w32_fail("CreateNamedPipeW", err, "the runner's %ls pipe", suffix[which] + 1);
	}
	return WSB_OK;
}

/* The handshake's clock and the runner it waits for. */
typedef struct handshake {
	HANDLE runner;
	DWORD runner_pid;
	ULONGLONG deadline;
	unsigned long rounds;
	const char *user;
} handshake;

static const char *runner_exit_text(DWORD code)
{
	switch (code) {
	case WSB__RUNNER_EXIT_USAGE: return "it did not understand its command line (a runner of another version?)";
	case WSB__RUNNER_EXIT_PIPE: return "it could not open the control pipe";
	case WSB__RUNNER_EXIT_PEER: return "the control pipe was not served by this process";
	case WSB__RUNNER_EXIT_PROTO: return "it could not read the request or answer it";
	default: return "it ended early";
	}
}

/* Wait a moment for the runner; an error once it exited or time is up. */
static int handshake_pause(handshake *h, const char *waiting_for)
{
	DWORD ms = h->rounds < 10 ? 1 : 10, code = 0;

	h->rounds++;
	if (WSB_OS(GetTickCount64)() > h->deadline)
		return wsb__error(WSB_EOS, "the runner (as %s) did not %s within %lu ms", h->user, waiting_for,
			(unsigned long)WSB__RUNNER_HANDSHAKE_MS);
	if (WSB_OS(WaitForSingleObject)(h->runner, ms) != WAIT_OBJECT_0)
		return WSB_OK;
	if (!WSB_OS(GetExitCodeProcess)(h->runner, &code)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("GetExitCodeProcess", err, "the runner");
	}
	return wsb__error_os(WSB_EOS, (long)code, "the runner (as %s) exited with 0x%lx before it could %s: %s",
		h->user, (unsigned long)code, waiting_for, runner_exit_text(code));
}

static int check_client(HANDLE pipe, DWORD pid, const char *what)
{
	ULONG client = 0;

	if (!WSB_OS(GetNamedPipeClientProcessId)(pipe, &client)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("GetNamedPipeClientProcessId", err, "the runner's %s pipe", what);
	}
	if (client != pid)
		return wsb__error(WSB_EACCES, "the runner's %s pipe was opened by process %lu, not by the runner "
			"(%lu): refused", what, (unsigned long)client, (unsigned long)pid);
	return WSB_OK;
}

static int ctl_connect(handshake *h, HANDLE ctl)
{
	int rc;

	for (;;) {
		DWORD err;
		if (WSB_OS(ConnectNamedPipe)(ctl, NULL))
			break;
		err = GetLastError();
		if (err == ERROR_PIPE_CONNECTED)
			break;
		if (err != ERROR_PIPE_LISTENING)
			return wsb__w32_fail("ConnectNamedPipe", err, "the runner's control pipe");
		if ((rc = handshake_pause(h, "connect")) != WSB_OK)
			return rc;
	}
	return check_client(ctl, h->runner_pid, "control");
}

static int ctl_send(handshake *h, HANDLE ctl, const unsigned char *buf, size_t len)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		DWORD chunk = len - done > PIPE_BUFFER ? PIPE_BUFFER : (DWORD)(len - done), n = 0;
		if (!WSB_OS(WriteFile)(ctl, buf + done, chunk, &n, NULL)) {
			DWORD err = GetLastError();
			if (err == ERROR_NO_DATA || err == ERROR_BROKEN_PIPE) {
				WSB_OS(WaitForSingleObject)(h->runner, 1000);
				if ((rc = handshake_pause(h, "read its request")) != WSB_OK)
					return rc;
				return wsb__error(WSB_EOS, "the runner (as %s) closed the control pipe", h->user);
			}
			return wsb__w32_fail("WriteFile", err, "the runner's control pipe");
		}
		done += n;
		if (n == 0 && (rc = handshake_pause(h, "read its request")) != WSB_OK)
			return rc;
	}
	return WSB_OK;
}

static int ctl_recv(handshake *h, HANDLE ctl, unsigned char *buf, size_t len)
{
	size_t done = 0;
	int rc;

	while (done < len) {
		DWORD n = 0;
		if (!WSB_OS(ReadFile)(ctl, buf + done, (DWORD)(len - done), &n, NULL)) {
			DWORD err = GetLastError();
			if (err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED) {
				/* Its exit code says more than the broken pipe. */
				WSB_OS(WaitForSingleObject)(h->runner, 1000);
				if ((rc = handshake_pause(h, "answer")) != WSB_OK)
					return rc;
				return wsb__error(WSB_EOS, "the runner (as %s) closed the control pipe without an "
					"answer", h->user);
			}
			if (err != ERROR_NO_DATA)
				return wsb__w32_fail("ReadFile", err, "the runner's control pipe");
		}
		done += n;
		if (n == 0 && (rc = handshake_pause(h, "answer")) != WSB_OK)
			return rc;
	}
	return WSB_OK;
}

static int ctl_reply(handshake *h, HANDLE ctl, wsb__runrep *rep)
{
	unsigned char head[WSB__RUNMSG_HEADER], *msg;
	size_t len = 0;
	int rc;

	if ((rc = ctl_recv(h, ctl, head, sizeof(head))) != WSB_OK ||
			(rc = wsb__runmsg_length(&len, head, sizeof(head))) != WSB_OK)
		return rc;
	if (!(msg = wsb__malloc(len)))
		return wsb__error_nomem();
	memcpy(msg, head, sizeof(head));
	if ((rc = ctl_recv(h, ctl, msg + sizeof(head), len - sizeof(head))) == WSB_OK)
		rc = wsb__runrep_decode(rep, msg, len);
	wsb__free(msg);
	return rc;
}

/* A stdio pipe the runner must have opened before it answered. */
static int data_pipe(HANDLE pipe, DWORD runner_pid, const char *what)
{
	DWORD mode = PIPE_READMODE_BYTE | PIPE_WAIT;

	if (!WSB_OS(ConnectNamedPipe)(pipe, NULL)) {
		DWORD err = GetLastError();
		if (err != ERROR_PIPE_CONNECTED)
			return wsb__error_os(WSB_EOS, (long)err, "the runner answered but had not opened the %s pipe",
				what);
	}
	if (check_client(pipe, runner_pid, what) != WSB_OK)
		return WSB_EACCES;
	if (!WSB_OS(SetNamedPipeHandleState)(pipe, &mode, NULL, NULL)) {
		DWORD err = GetLastError();
		return wsb__w32_fail("SetNamedPipeHandleState", err, "the %s pipe", what);
	}
	return WSB_OK;
}

/* CreateProcessWithLogonW's errors that mean the account, not the call. */
static int logon_failed(DWORD err, const char *user)
{
	switch (err) {
	case ERROR_LOGON_FAILURE:
	case ERROR_PASSWORD_EXPIRED:
	case ERROR_PASSWORD_MUST_CHANGE:
		return wsb__error_os(WSB_ELOGON, (long)err, "the sandbox user %s cannot log on (error %lu: its "
			"stored password is no longer accepted). Recovery: run wsb_setup_install() (wsb-setup "
			"install) again as an administrator from this account; it sets and stores a new password",
			user, (unsigned long)err);
	case ERROR_LOGON_TYPE_NOT_GRANTED:
		return wsb__error_os(WSB_ELOGON, (long)err, "the sandbox user %s may not log on here (error "
			"1385: a policy denies it \"log on locally\"). Recovery: an administrator allows the sandbox "
			"group to log on locally (secpol.msc, User Rights Assignment)", user);
	case ERROR_ACCOUNT_LOCKED_OUT:
	case ERROR_ACCOUNT_DISABLED:
	case ERROR_ACCOUNT_EXPIRED:
		return wsb__error_os(WSB_ELOCKED, (long)err, "the sandbox user %s is %s (error %lu). Recovery: "
			"an administrator re-enables it (net user %s /active:yes; a lockout also ends by itself "
			"after the lockout duration), then runs setup again", user,
			err == ERROR_ACCOUNT_LOCKED_OUT ? "locked out" : err == ERROR_ACCOUNT_DISABLED ? "disabled" :
			"expired", (unsigned long)err, user);
	default:
		return wsb__w32_fail("CreateProcessWithLogonW", err, "the runner as %s", user);
	}
}

static int start_runner(struct wsb_process *p, PROCESS_INFORMATION *pi, const wsb__sandbox_account *a,
	const wchar_t *runner, const wchar_t *base)
{
	wchar_t *cmd = NULL, *dir = NULL, *slash;
	STARTUPINFOW si;
	size_t n = wcslen(runner) + wcslen(base) + 64;
	int rc = WSB_OK;

	if (!(cmd = wsb__malloc(n * sizeof(wchar_t))) || !(dir = wsb__malloc((wcslen(runner) + 1) * sizeof(wchar_t)))) {
		wsb__free(cmd);
		return wsb__error_nomem();
	}
	/* Windows paths cannot hold a double quote: quoting is enough. */
	_snwprintf(cmd, n, L"\"%ls\" %ls %lu %ls", runner, WSB__RUNNER_ARG, (unsigned long)GetCurrentProcessId(),
		base);
	cmd[n - 1] = 0;
	wcscpy(dir, runner);
	if ((slash = wcsrchr(dir, L'\\')) != NULL)
		slash[slash == dir + 2 && dir[1] == L':' ? 1 : 0] = 0;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESHOWWINDOW;
	si.wShowWindow = SW_HIDE;
	/* Its own directory: the caller's may be closed to the sandbox user. */
	if (!WSB_OS(CreateProcessWithLogonW)(a->user, L".", a->password, LOGON_WITH_PROFILE, runner, cmd,
			CREATE_SUSPENDED, NULL, dir, &si, pi)) {
		DWORD err = GetLastError();
		memset(pi, 0, sizeof(*pi));
		rc = logon_failed(err, a->user8);
		goto done;
	}
	p->process = pi->hProcess;
	/* Into the job while suspended: the runner and everything it starts
	 * die with the job. */
	if (!WSB_OS(AssignProcessToJobObject)(p->job.job, pi->hProcess)) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("AssignProcessToJobObject", err, "the runner");
		goto done;
	}
	p->start_ms = wsb__now_ms();
	if (WSB_OS(ResumeThread)(pi->hThread) == (DWORD)-1) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("ResumeThread", err, "the runner");
	}
done:
	wsb__free(cmd);
	wsb__free(dir);
	return rc;
}

static int send_request(handshake *h, HANDLE ctl, const wsb__w32_launch *l, const wsb__w32_decision *d,
	const struct wsb_policy *policy, const wsb_spawn_options *opts)
{
	wsb__runreq req;
	unsigned char *msg = NULL;
	size_t len = 0;
	int rc;

	memset(&req, 0, sizeof(req));
	req.app = (uint16_t *)l->app;
	req.cmdline = (uint16_t *)l->cmdline;
	req.cwd = (uint16_t *)l->cwd;
	req.env = l->env;
	req.env_len = l->env_len;
	req.sids = d->caps.sids.items;
	req.sid_count = d->caps.sids.count;
	req.flags = WSB__RUNREQ_NO_WINDOW;
	if (d->write_restricted)
		req.flags |= WSB__RUNREQ_WRITE_RESTRICTED;
	if (opts->terminal) {
		req.flags |= WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE;
		req.term_cols = opts->terminal_cols;
		req.term_rows = opts->terminal_rows;
	} else {
		if (opts->stdin_mode == WSB_STDIO_PIPE)
			req.flags |= WSB__RUNREQ_STDIN_PIPE;
		if (opts->stdout_mode == WSB_STDIO_PIPE)
			req.flags |= WSB__RUNREQ_STDOUT_PIPE;
		if (opts->stderr_mode == WSB_STDIO_PIPE)
			req.flags |= WSB__RUNREQ_STDERR_PIPE;
	}
	if (policy->flags & WSB_POLICY_PRIVATE_DESKTOP)
		req.flags |= WSB__RUNREQ_DESKTOP;
	if ((rc = wsb__runreq_encode(&msg, &len, &req)) != WSB_OK)
		return rc;
	rc = ctl_send(h, ctl, msg, len);
	wsb__free(msg);
	return rc;
}

int wsb__asuser_decide(wsb__w32_decision **d, wsb__sandbox_account *acct, const struct wsb_policy *policy,
	const struct wsb_identity *identity, const char *cwd)
{
	int rc;

	*d = NULL;
	if ((rc = wsb__setup_account(acct, identity->state_dir, policy->network == WSB_NETWORK_ON)) != WSB_OK)
		return rc;
	if ((rc = wsb__w32_decide_as(d, policy, identity, 1, cwd, acct->group_sid)) != WSB_OK)
		return rc;
	if (policy->network != WSB_NETWORK_ON && acct->firewall) {
		/* The offline user's traffic is blocked by the firewall: the
		 * advisory variables would only get in the way of the loopback
		 * ports setup allowed. */
		(*d)->protections = ((*d)->protections & ~WSB_PROT_NETWORK_ADVISORY) | WSB_PROT_NETWORK;
		(*d)->missing &= ~WSB_PROT_NETWORK;
		wsb__strvec_dispose(&(*d)->env_extra);
	}
	return WSB_OK;
}

int wsb__asuser_start(struct wsb_process *p, const wsb__sandbox_account *a, const wsb__w32_launch *l,
	const wsb__w32_decision *d, const struct wsb_policy *policy, const wsb_spawn_options *opts)
{
	static const DWORD mask[WSB__PIPE_COUNT] = {
		FILE_GENERIC_READ | FILE_GENERIC_WRITE, FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_WRITE
	};
	/* A terminal's console reads stdin and writes stdout; it has no stderr. */
	const int used[WSB__PIPE_COUNT] = {
		1, opts->terminal || opts->stdin_mode == WSB_STDIO_PIPE,
		opts->terminal || opts->stdout_mode == WSB_STDIO_PIPE,
		!opts->terminal && opts->stderr_mode == WSB_STDIO_PIPE
	};
	static const char *const what[WSB__PIPE_COUNT] = { "control", "stdin", "stdout", "stderr" };
	HANDLE pipe[WSB__PIPE_COUNT] = { NULL, NULL, NULL, NULL };
	wchar_t base[WSB__RUNNER_PIPE_BASE_MAX], desk_name[WSB__RUNNER_PIPE_BASE_MAX + 8], *runner = NULL;
	PROCESS_INFORMATION pi;
	wsb__runrep rep;
	handshake h;
	int i, rc;

	memset(&pi, 0, sizeof(pi));
	memset(&rep, 0, sizeof(rep));
	if ((rc = runner_path(&runner)) != WSB_OK || (rc = pipe_base(base)) != WSB_OK)
		goto done;
	for (i = 0; i < WSB__PIPE_COUNT && rc == WSB_OK; i++)
		if (used[i])
			rc = pipe_create(&pipe[i], base, i, a->user_sid, mask[i]);
	if (rc == WSB_OK && (policy->flags & WSB_POLICY_PRIVATE_DESKTOP))
		rc = wsb__w32_desktop_create(&p->desktop, desk_name, WSB__ARRAY_SIZE(desk_name), a->user_sid,
			base + WSB__RUNNER_PIPE_NS_LEN);
	/* The runner, and with a terminal the console's host it starts, live in
	 * the job: the command keeps its whole process allowance. */
	if (rc != WSB_OK || (rc = wsb__job_create(&p->job, policy, opts->terminal ? 2 : 1)) != WSB_OK ||
			(rc = start_runner(p, &pi, a, runner, base)) != WSB_OK)
		goto done;
	h.runner = pi.hProcess;
	h.runner_pid = pi.dwProcessId;
	h.deadline = WSB_OS(GetTickCount64)() + WSB__RUNNER_HANDSHAKE_MS;
	h.rounds = 0;
	h.user = a->user8;
	if ((rc = ctl_connect(&h, pipe[WSB__PIPE_CTL])) != WSB_OK ||
			(rc = send_request(&h, pipe[WSB__PIPE_CTL], l, d, policy, opts)) != WSB_OK ||
			(rc = ctl_reply(&h, pipe[WSB__PIPE_CTL], &rep)) != WSB_OK)
		goto done;
	if (rep.status != WSB_OK) {
		rc = wsb__error_os(rep.status, (long)rep.os_error, "the runner (as %s) could not start %s: %s",
			a->user8, l->program, rep.message);
		goto done;
	}
	for (i = WSB__PIPE_IN; i < WSB__PIPE_COUNT && rc == WSB_OK; i++)
		if (used[i])
			rc = data_pipe(pipe[i], pi.dwProcessId, what[i]);
	if (rc != WSB_OK)
		goto done;
	p->pid = rep.pid;
	p->in_w = pipe[WSB__PIPE_IN];
	p->out_r[0] = pipe[WSB__PIPE_OUT];
	p->out_r[1] = pipe[WSB__PIPE_ERR];
	pipe[WSB__PIPE_IN] = pipe[WSB__PIPE_OUT] = pipe[WSB__PIPE_ERR] = NULL;
	if (opts->terminal) {
		p->runner_ctl = pipe[WSB__PIPE_CTL];
		pipe[WSB__PIPE_CTL] = NULL;
	}
done:
	if (pi.hThread)
		WSB_OS(CloseHandle)(pi.hThread);
	for (i = 0; i < WSB__PIPE_COUNT; i++)
		if (pipe[i])
			WSB_OS(CloseHandle)(pipe[i]);
	wsb__runrep_dispose(&rep);
	wsb__free(runner);
	return rc;
}

int wsb__asuser_resize(struct wsb_process *p, unsigned int cols, unsigned int rows)
{
	wsb__runsize size;
	wsb__runrep rep;
	unsigned char *msg = NULL;
	size_t len = 0;
	handshake h;
	int rc;

	memset(&rep, 0, sizeof(rep));
	size.cols = cols;
	size.rows = rows;
	if ((rc = wsb__runsize_encode(&msg, &len, &size)) != WSB_OK)
		return rc;
	/* The pipe is non-blocking: a runner that stopped reading ends the
	 * wait at the deadline instead of blocking the caller. */
	h.runner = p->process;
	h.runner_pid = 0;
	h.deadline = WSB_OS(GetTickCount64)() + WSB__RUNNER_RESIZE_MS;
	h.rounds = 0;
	h.user = "the sandbox user";
	rc = ctl_send(&h, p->runner_ctl, msg, len);
	wsb__free(msg);
	if (rc == WSB_OK)
		rc = ctl_reply(&h, p->runner_ctl, &rep);
	if (rc == WSB_OK && rep.status != WSB_OK)
		rc = wsb__error_os(rep.status, (long)rep.os_error, "the runner could not resize the terminal: %s",
			rep.message);
	else if (rc == WSB_OK && rep.pid != p->pid)
		rc = wsb__error(WSB_EOS, "the runner answered the resize for process %lu, not %lu",
			(unsigned long)rep.pid, (unsigned long)p->pid);
	else if (rc != WSB_OK && WSB_OS(WaitForSingleObject)(p->process, 0) == WAIT_OBJECT_0)
		rc = wsb__error(WSB_ESTATE, "the process has ended: its terminal has no size to change");
	wsb__runrep_dispose(&rep);
	return rc;
}
