/*
 * What wsb-runner.exe does (wsb-runner.c is only its entry point): started
 * by the library as a sandbox user (lib/win32/asuser.c,
 * docs/windows-runner.md), it opens the pipes the library made, checks
 * that their server is the process that started it, reads one request,
 * restricts its own token as the unelevated sandbox does
 * (wsb__token_create: capability SIDs + logon SID + Everyone, never the
 * user's own SID), starts the command with it (on the library's private
 * desktop if asked), answers with the command's process id or the error,
 * and ends with the command's exit code. It is in the library's job
 * already, so the command is too.
 *
 * With a terminal it makes the pseudoconsole itself, on the stdin and
 * stdout pipes, so the console's host runs as the sandbox user in the job
 * (the library's own user could not attach another account's process to
 * a console of its own); it keeps the control pipe open while the command
 * runs, applies each size the library sends and answers it, and closes the
 * pseudoconsole when the command has ended, before it exits, so the last
 * output reaches the pipe.
 *
 * It trusts nothing it reads: the request is decoded strictly
 * (lib/core/runmsg.c), and it acts only for the pipe server whose process
 * id its command line names.
 */
#include "../win32.h"
#include "../runner.h"
#include "core/runmsg.h"

#include <string.h>
#include <stdio.h>
#include <wchar.h>

/* How often the runner looks for a new size while a command with a
 * terminal runs: a pipe handle is not waitable, and a thread blocked in a
 * read could not be ended cleanly. */
#define RESIZE_POLL_MS 50
/* A resize message is 36 bytes; anything much longer is not one. */
#define RESIZE_MSG_MAX 256

/* The pipe name is ours only if it has exactly the library's form. */
static int pipe_base_ok(const wchar_t *base)
{
	size_t n = wcslen(WSB__RUNNER_PIPE_PREFIX), i, len = wcslen(base);

	if (len <= n || len >= WSB__RUNNER_PIPE_BASE_MAX || wcsncmp(base, WSB__RUNNER_PIPE_PREFIX, n) != 0)
		return 0;
	for (i = n; i < len; i++)
		if (!((base[i] >= L'0' && base[i] <= L'9') || (base[i] >= L'a' && base[i] <= L'f') || base[i] == L'-'))
			return 0;
	return 1;
}

static HANDLE open_pipe(const wchar_t *base, int which, DWORD access, BOOL inherit)
{
	static const wchar_t *const suffix[] = WSB__RUNNER_PIPE_SUFFIXES;
	wchar_t name[WSB__RUNNER_PIPE_BASE_MAX + 8];
	SECURITY_ATTRIBUTES sa;

	_snwprintf(name, WSB__ARRAY_SIZE(name), L"%ls%ls", base, suffix[which]);
	name[WSB__ARRAY_SIZE(name) - 1] = 0;
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = NULL;
	sa.bInheritHandle = inherit;
	/* SECURITY_IDENTIFICATION: the server may learn who we are, never act
	 * as us. */
	return WSB_OS(CreateFileW)(name, access, 0, &sa, OPEN_EXISTING,
		SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
}

static int read_all(HANDLE h, unsigned char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		DWORD n = 0;
		if (!WSB_OS(ReadFile)(h, buf + done, (DWORD)(len - done), &n, NULL) || n == 0)
			return -1;
		done += n;
	}
	return 0;
}

static int write_all(HANDLE h, const unsigned char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		DWORD n = 0;
		if (!WSB_OS(WriteFile)(h, buf + done, (DWORD)(len - done), &n, NULL))
			return -1;
		done += n;
	}
	return 0;
}

static int read_request(wsb__runreq *req, HANDLE ctl)
{
	unsigned char head[WSB__RUNMSG_HEADER], *msg;
	size_t len = 0;
	int rc;

	if (read_all(ctl, head, sizeof(head)) != 0)
		return wsb__error(WSB_EOS, "no request on the control pipe");
	if ((rc = wsb__runmsg_length(&len, head, sizeof(head))) != WSB_OK)
		return rc;
	if (!(msg = wsb__malloc(len)))
		return wsb__error_nomem();
	memcpy(msg, head, sizeof(head));
	rc = read_all(ctl, msg + sizeof(head), len - sizeof(head)) == 0 ?
		wsb__runreq_decode(req, msg, len) : wsb__error(WSB_EOS, "the request was cut short");
	wsb__free(msg);
	return rc;
}

/* A stdio handle for the command: the pipe, or the null device. A
 * pseudoconsole's pipes are not inherited (the console's host gets its own
 * duplicates). */
static int stdio_handle(HANDLE *out, const wchar_t *base, int which, int piped, DWORD access, BOOL inherit)
{
	SECURITY_ATTRIBUTES sa;

	if (piped) {
		*out = open_pipe(base, which, access, inherit);
		if (*out == INVALID_HANDLE_VALUE) {
			DWORD err = GetLastError();
			*out = NULL;
			return wsb__w32_fail("CreateFileW", err, "a stdio pipe");
		}
		return WSB_OK;
	}
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = NULL;
	sa.bInheritHandle = TRUE;
	*out = WSB_OS(CreateFileW)(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
		OPEN_EXISTING, 0, NULL);
	if (*out == INVALID_HANDLE_VALUE) {
		DWORD err = GetLastError();
		*out = NULL;
		return wsb__w32_fail("CreateFileW", err, "the null device");
	}
	return WSB_OK;
}

typedef struct started {
	HANDLE process;
	DWORD pid;
	void *pseudoconsole; /* HPCON when the request asked for a terminal */
} started;

/* The command's terminal on the stdin and stdout pipes. */
static int open_terminal(void **out, HANDLE in, HANDLE out_pipe, const wsb__runreq *req)
{
	COORD size;
	HRESULT hr;

	size.X = (SHORT)req->term_cols;
	size.Y = (SHORT)req->term_rows;
	hr = WSB_OS(CreatePseudoConsole)(size, in, out_pipe, 0, out);
	if (hr == HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND)) {
		*out = NULL;
		return wsb__error(WSB_ENOTSUP, "a terminal needs ConPTY (CreatePseudoConsole, Windows 10 "
			"1809 or later), which the Windows the sandbox user's runner runs on does not have");
	}
	if (FAILED(hr)) {
		*out = NULL;
		return wsb__error_os(WSB_EOS, (long)hr, "CreatePseudoConsole failed in the runner "
			"(HRESULT 0x%08lx)", (unsigned long)hr);
	}
	return WSB_OK;
}

static int start_command(started *out, const wsb__runreq *req, const wchar_t *base)
{
	static const DWORD access[3] = { GENERIC_READ, GENERIC_WRITE, GENERIC_WRITE };
	static const uint32_t piped[3] = { WSB__RUNREQ_STDIN_PIPE, WSB__RUNREQ_STDOUT_PIPE, WSB__RUNREQ_STDERR_PIPE };
	wsb__strvec sids = WSB__STRVEC_INIT;
	wsb__w32_launch l;
	HANDLE token = NULL, child[3] = { NULL, NULL, NULL };
	PROCESS_INFORMATION pi;
	wchar_t desk_name[WSB__RUNNER_PIPE_BASE_MAX + 8], *desktop = NULL;
	char *logon = NULL;
	void *pc = NULL;
	int rc = WSB_OK, i, terminal = (req->flags & WSB__RUNREQ_TERMINAL) != 0;
	size_t k;

	memset(&pi, 0, sizeof(pi));
	for (k = 0; k < req->sid_count && rc == WSB_OK; k++)
		rc = wsb__strvec_push(&sids, req->sids[k]);
	/* With a terminal (stdin and stdout piped, stderr not: runmsg.c
	 * checked) the console's host is the command's only stream. */
	for (i = 0; i < 3 && rc == WSB_OK; i++)
		if (!terminal || (req->flags & piped[i]))
			rc = stdio_handle(&child[i], base, WSB__PIPE_IN + i, (req->flags & piped[i]) != 0, access[i],
				!terminal);
	if (rc == WSB_OK && terminal)
		rc = open_terminal(&pc, child[0], child[1], req);
	if (rc != WSB_OK || (rc = wsb__token_create(&token, &logon, &sids,
			(req->flags & WSB__RUNREQ_WRITE_RESTRICTED) != 0)) != WSB_OK)
		goto done;
	if (req->flags & WSB__RUNREQ_DESKTOP) {
		_snwprintf(desk_name, WSB__ARRAY_SIZE(desk_name), L"WinSta0\\%ls", base + WSB__RUNNER_PIPE_NS_LEN);
		desk_name[WSB__ARRAY_SIZE(desk_name) - 1] = 0;
		desktop = desk_name;
	}
	memset(&l, 0, sizeof(l));
	l.app = (wchar_t *)req->app;
	l.cmdline = (wchar_t *)req->cmdline;
	l.cwd = (wchar_t *)req->cwd;
	l.env = req->env;
	l.env_len = req->env_len;
	l.pseudoconsole = pc;
	if ((rc = wsb__w32_create_suspended(&pi, token, child, &l, desktop,
			(req->flags & WSB__RUNREQ_NO_WINDOW) != 0)) != WSB_OK)
		goto done;
	if (WSB_OS(ResumeThread)(pi.hThread) == (DWORD)-1) {
		DWORD err = GetLastError();
		WSB_OS(TerminateProcess)(pi.hProcess, 1);
		WSB_OS(CloseHandle)(pi.hProcess);
		rc = wsb__w32_fail("ResumeThread", err, "the command");
		goto done;
	}
	out->process = pi.hProcess;
	out->pid = pi.dwProcessId;
	out->pseudoconsole = pc;
	pc = NULL;
done:
	if (pc)
		WSB_OS(ClosePseudoConsole)(pc);
	if (pi.hThread)
		WSB_OS(CloseHandle)(pi.hThread);
	for (i = 0; i < 3; i++)
		if (child[i])
			WSB_OS(CloseHandle)(child[i]);
	if (token)
		WSB_OS(CloseHandle)(token);
	wsb__free(logon);
	wsb__strvec_dispose(&sids);
	return rc;
}

static int answer(HANDLE ctl, int status, DWORD pid)
{
	wsb__runrep rep;
	unsigned char *msg = NULL;
	size_t len = 0;
	int ok;

	memset(&rep, 0, sizeof(rep));
	rep.status = status;
	rep.os_error = status == WSB_OK ? 0 : (uint32_t)wsb_error_os(NULL);
	rep.pid = status == WSB_OK ? pid : 0;
	rep.message = (char *)(status == WSB_OK ? "" : wsb_error_message(NULL));
	if (wsb__runrep_encode(&msg, &len, &rep) != WSB_OK)
		return -1;
	ok = write_all(ctl, msg, len);
	wsb__free(msg);
	return ok;
}

/* One size from the library, if one has arrived: applied and answered.
 * -1 when the control pipe is closed or out of step (no more sizes). */
static int resize_pending(HANDLE ctl, const started *cmd)
{
	unsigned char msg[RESIZE_MSG_MAX];
	wsb__runsize size;
	DWORD avail = 0;
	size_t len = 0;
	COORD c;
	HRESULT hr;
	int rc;

	if (!WSB_OS(PeekNamedPipe)(ctl, NULL, 0, NULL, &avail, NULL))
		return -1;
	if (avail < WSB__RUNMSG_HEADER)
		return 0;
	if (read_all(ctl, msg, WSB__RUNMSG_HEADER) != 0)
		return -1;
	if ((rc = wsb__runmsg_length(&len, msg, WSB__RUNMSG_HEADER)) != WSB_OK || len > sizeof(msg)) {
		/* The rest of the stream cannot be trusted to be in step. */
		if (rc == WSB_OK)
			wsb__error(WSB_EINVAL, "runner message: %lu bytes is no resize", (unsigned long)len);
		answer(ctl, WSB_EINVAL, 0);
		return -1;
	}
	if (read_all(ctl, msg + WSB__RUNMSG_HEADER, len - WSB__RUNMSG_HEADER) != 0)
		return -1;
	if ((rc = wsb__runsize_decode(&size, msg, len)) != WSB_OK) {
		answer(ctl, rc, 0);
		return -1;
	}
	c.X = (SHORT)size.cols;
	c.Y = (SHORT)size.rows;
	hr = WSB_OS(ResizePseudoConsole)(cmd->pseudoconsole, c);
	if (hr == E_NOTIMPL || hr == HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND))
		rc = wsb__error(WSB_ENOTSUP, "ResizePseudoConsole is not implemented where the runner runs "
			"(HRESULT 0x%08lx)", (unsigned long)hr);
	else if (FAILED(hr))
		rc = wsb__error_os(WSB_EOS, (long)hr, "ResizePseudoConsole failed in the runner (HRESULT "
			"0x%08lx)", (unsigned long)hr);
	else
		rc = WSB_OK;
	return answer(ctl, rc, cmd->pid) == 0 ? 0 : -1;
}

/* While the command with a terminal runs: its new sizes. Returns when it
 * has ended (or the wait failed: the caller's wait decides). */
static void serve_terminal(HANDLE ctl, const started *cmd)
{
	int listening = 1;

	while (WSB_OS(WaitForSingleObject)(cmd->process, listening ? RESIZE_POLL_MS : INFINITE) == WAIT_TIMEOUT)
		if (resize_pending(ctl, cmd) != 0)
			listening = 0;
}

UINT wsb__runner_run(int argc, wchar_t **argv)
{
	wsb__runreq req;
	started cmd;
	HANDLE ctl;
	ULONG server = 0;
	DWORD code = 0;
	wchar_t *end = NULL;
	unsigned long parent;
	int rc;

	if (argc != 4 || wcscmp(argv[1], WSB__RUNNER_ARG) != 0 || !pipe_base_ok(argv[3]))
		return WSB__RUNNER_EXIT_USAGE;
	parent = wcstoul(argv[2], &end, 10);
	if (!*argv[2] || *end || parent == 0)
		return WSB__RUNNER_EXIT_USAGE;
	ctl = open_pipe(argv[3], WSB__PIPE_CTL, GENERIC_READ | GENERIC_WRITE, FALSE);
	if (ctl == INVALID_HANDLE_VALUE)
		return WSB__RUNNER_EXIT_PIPE;
	if (!WSB_OS(GetNamedPipeServerProcessId)(ctl, &server) || server != parent) {
		WSB_OS(CloseHandle)(ctl);
		return WSB__RUNNER_EXIT_PEER;
	}
	memset(&req, 0, sizeof(req));
	memset(&cmd, 0, sizeof(cmd));
	if ((rc = read_request(&req, ctl)) != WSB_OK) {
		/* Say why if the pipe still works; either way, nothing starts. */
		answer(ctl, rc, 0);
		WSB_OS(CloseHandle)(ctl);
		return WSB__RUNNER_EXIT_PROTO;
	}
	rc = start_command(&cmd, &req, argv[3]);
	wsb__runreq_dispose(&req);
	if (answer(ctl, rc, cmd.pid) != 0 && rc == WSB_OK) {
		/* The library cannot learn of the command: do not leave it. */
		WSB_OS(TerminateProcess)(cmd.process, 1);
		rc = WSB_EOS;
	}
	if (rc == WSB_OK && cmd.pseudoconsole)
		serve_terminal(ctl, &cmd);
	WSB_OS(CloseHandle)(ctl);
	if (rc != WSB_OK) {
		if (cmd.pseudoconsole)
			WSB_OS(ClosePseudoConsole)(cmd.pseudoconsole);
		if (cmd.process)
			WSB_OS(CloseHandle)(cmd.process);
		return WSB__RUNNER_EXIT_FAILED;
	}
	WSB_OS(WaitForSingleObject)(cmd.process, INFINITE);
	if (!WSB_OS(GetExitCodeProcess)(cmd.process, &code))
		code = WSB__RUNNER_EXIT_FAILED;
	/* Its last output goes to the pipe now, while the library may still
	 * read it; the console's host then ends. */
	if (cmd.pseudoconsole)
		WSB_OS(ClosePseudoConsole)(cmd.pseudoconsole);
	WSB_OS(CloseHandle)(cmd.process);
	return code;
}
