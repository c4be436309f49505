/*
 * The runner's terminal, run in this process (runner/serve.c is linked in)
 * so the OS-call seam records and fails its calls. The test plays the
 * library: it makes the pipes, sends the request and the sizes, reads the
 * answers. The seam's ConPTY entries are wrapped to record the order of
 * the calls and their arguments around Wine's own functions; Wine does not
 * attach the command to the pseudoconsole and answers ResizePseudoConsole
 * with E_NOTIMPL (docs/terminal.md), so the resize is faked to succeed as
 * Windows would, and nothing here reads what a command shows on the
 * terminal. Plumbing, order and cleanup only: real Windows is needed for
 * the rest (tests/winreal).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "win32/runner.h"
#include "core/runmsg.h"
#include "fakefs.h"

#define DEADLINE_MS 30000

static struct {
	wchar_t base[96];
	HANDLE pipe[WSB__PIPE_COUNT];   /* our (the library's) ends */
	HANDLE thread;                  /* the runner */
	UINT exit_code;
	char order[256];
	int creates, closes;
	COORD created_size, resized;
	HANDLE pc_in, pc_out;
	char pc_in_read[8];             /* what the console's input handle gave */
	void *created_pc, *attached_pc;
	DWORD start_flags;
	BOOL start_inherit;
	DWORD command_pid;
	int conpty_absent;
	HRESULT resize_answer;
} R;

static void note(const char *what)
{
	if (R.order[0])
		strncat(R.order, ",", sizeof(R.order) - strlen(R.order) - 1);
	strncat(R.order, what, sizeof(R.order) - strlen(R.order) - 1);
}

/* Checks which pipes the console gets: keys the library typed come out of
 * its input handle, and what it writes to its output handle reaches the
 * library's stdout pipe. Then Wine's own pseudoconsole on them. */
static HRESULT WINAPI rec_create(COORD s, HANDLE i, HANDLE o, DWORD f, void **pc)
{
	DWORD n = 0;
	HRESULT hr;

	note("create");
	R.created_size = s;
	R.pc_in = i;
	R.pc_out = o;
	if (R.conpty_absent)
		return HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND);
	memset(R.pc_in_read, 0, sizeof(R.pc_in_read));
	/* The runner opened it: connected, so the library's end may write. */
	ConnectNamedPipe(R.pipe[WSB__PIPE_IN], NULL);
	if (WriteFile(R.pipe[WSB__PIPE_IN], "keys", 4, &n, NULL))
		ReadFile(i, R.pc_in_read, 4, &n, NULL);
	WriteFile(o, "shown", 5, &n, NULL);
	hr = ((wsb__os_CreatePseudoConsole_fn)wsb__os_default("CreatePseudoConsole"))(s, i, o, f, pc);
	if (SUCCEEDED(hr)) {
		R.creates++;
		R.created_pc = *pc;
	}
	return hr;
}

static BOOL WINAPI rec_update(LPPROC_THREAD_ATTRIBUTE_LIST l, DWORD f, DWORD_PTR a, PVOID v, SIZE_T n,
	PVOID p, PSIZE_T r)
{
	if (a == PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE) {
		note("attach");
		R.attached_pc = v;
	} else if (a == PROC_THREAD_ATTRIBUTE_HANDLE_LIST) {
		note("handles");
	}
	return ((wsb__os_UpdateProcThreadAttribute_fn)wsb__os_default("UpdateProcThreadAttribute"))(l, f, a,
		v, n, p, r);
}

static BOOL WINAPI rec_start(HANDLE t, LPCWSTR app, LPWSTR cmd, LPSECURITY_ATTRIBUTES pa,
	LPSECURITY_ATTRIBUTES ta, BOOL inh, DWORD f, LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si,
	LPPROCESS_INFORMATION pi)
{
	BOOL ok;

	note("start");
	R.start_flags = si->dwFlags;
	R.start_inherit = inh;
	ok = ((wsb__os_CreateProcessAsUserW_fn)wsb__os_default("CreateProcessAsUserW"))(t, app, cmd, pa,
		ta, inh, f, env, cwd, si, pi);
	if (ok)
		R.command_pid = pi->dwProcessId;
	return ok;
}

static HRESULT WINAPI rec_resize(void *pc, COORD s)
{
	assert_ptr_equal(pc, R.created_pc);
	note("resize");
	R.resized = s;
	return R.resize_answer;
}

static void WINAPI rec_close(void *pc)
{
	assert_ptr_equal(pc, R.created_pc);
	note("close");
	R.closes++;
	((wsb__os_ClosePseudoConsole_fn)wsb__os_default("ClosePseudoConsole"))(pc);
}

static int setup(void **state)
{
	(void)state;
	wsb__os_reset();
	memset(&R, 0, sizeof(R));
	R.start_inherit = -1;
	R.resize_answer = S_OK;
	wsb__os_set("CreatePseudoConsole", (wsb__os_fn)rec_create);
	wsb__os_set("UpdateProcThreadAttribute", (wsb__os_fn)rec_update);
	wsb__os_set("CreateProcessAsUserW", (wsb__os_fn)rec_start);
	wsb__os_set("ResizePseudoConsole", (wsb__os_fn)rec_resize);
	wsb__os_set("ClosePseudoConsole", (wsb__os_fn)rec_close);
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	wsb__os_set_hook(NULL, NULL);
	for (i = 0; i < WSB__PIPE_COUNT; i++)
		if (R.pipe[i])
			CloseHandle(R.pipe[i]);
	if (R.thread)
		CloseHandle(R.thread);
	wsb__os_reset();
	return 0;
}

/* ---- the library's side ---- */

static DWORD WINAPI runner_thread(LPVOID arg)
{
	static wchar_t name[] = L"wsb-runner.exe", flag[] = WSB__RUNNER_ARG;
	wchar_t parent[16], *argv[5];

	(void)arg;
	swprintf(parent, 16, L"%lu", (unsigned long)GetCurrentProcessId());
	argv[0] = name;
	argv[1] = flag;
	argv[2] = parent;
	argv[3] = R.base;
	argv[4] = NULL;
	R.exit_code = wsb__runner_run(4, argv);
	return 0;
}

/* The pipes as the library makes them (non-blocking, one instance), the
 * runner started suspended so a fault hook can name its thread. */
static void start_runner(fakefs_fault *fault)
{
	static const wchar_t *const suffix[] = WSB__RUNNER_PIPE_SUFFIXES;
	static unsigned long serial;
	wchar_t name[128];
	DWORD tid = 0;
	int i;

	swprintf(R.base, 96, L"\\\\.\\pipe\\wsandbox-%lu-%08lx", (unsigned long)GetCurrentProcessId(), ++serial);
	for (i = 0; i < WSB__PIPE_COUNT; i++) {
		swprintf(name, 128, L"%ls%ls", R.base, suffix[i]);
		R.pipe[i] = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
			PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_NOWAIT, 1, 65536, 65536, 0, NULL);
		assert_true(R.pipe[i] != INVALID_HANDLE_VALUE);
	}
	R.thread = CreateThread(NULL, 0, runner_thread, NULL, CREATE_SUSPENDED, &tid);
	assert_non_null(R.thread);
	if (fault) {
		fault->thread = tid;
		wsb__os_set_hook(fakefs_fail_on_thread, fault);
	}
	ResumeThread(R.thread);
}

static int runner_ended(void)
{
	return WaitForSingleObject(R.thread, 0) == WAIT_OBJECT_0;
}

/* 0 once the runner opened the pipe; -1 if it ended first. */
static int lib_connect(HANDLE pipe)
{
	DWORD start = GetTickCount();

	while (GetTickCount() - start < DEADLINE_MS) {
		if (ConnectNamedPipe(pipe, NULL) || GetLastError() == ERROR_PIPE_CONNECTED)
			return 0;
		if (runner_ended())
			return -1;
		Sleep(1);
	}
	fail_msg("the runner neither opened its pipe nor ended");
	return -1;
}

static int lib_send(const unsigned char *buf, size_t len)
{
	size_t done = 0;
	DWORD start = GetTickCount();

	while (done < len && GetTickCount() - start < DEADLINE_MS) {
		DWORD n = 0;
		if (!WriteFile(R.pipe[WSB__PIPE_CTL], buf + done, (DWORD)(len - done), &n, NULL))
			return -1;
		done += n;
		if (n == 0)
			Sleep(1);
	}
	return done == len ? 0 : -1;
}

/* Read exactly len bytes from a non-blocking pipe; -1 if the runner ended
 * or closed the pipe first. */
static int lib_recv(HANDLE pipe, unsigned char *buf, size_t len)
{
	size_t done = 0;
	DWORD start = GetTickCount();

	while (done < len) {
		DWORD n = 0;
		if (!ReadFile(pipe, buf + done, (DWORD)(len - done), &n, NULL)) {
			if (GetLastError() != ERROR_NO_DATA)
				return -1;
			if (runner_ended()) {
				/* It may have answered just before it ended. */
				if (!ReadFile(pipe, buf + done, (DWORD)(len - done), &n, NULL) || n == 0)
					return -1;
			}
		}
		done += n;
		if (n == 0) {
			if (GetTickCount() - start > DEADLINE_MS)
				fail_msg("no answer from the runner");
			Sleep(1);
		}
	}
	return 0;
}

static int lib_reply(wsb__runrep *rep)
{
	unsigned char head[WSB__RUNMSG_HEADER], *msg;
	size_t len = 0;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (lib_recv(R.pipe[WSB__PIPE_CTL], head, sizeof(head)) != 0)
		return -1;
	assert_int_equal(wsb__runmsg_length(&len, head, sizeof(head)), WSB_OK);
	msg = malloc(len);
	assert_non_null(msg);
	memcpy(msg, head, sizeof(head));
	rc = lib_recv(R.pipe[WSB__PIPE_CTL], msg + sizeof(head), len - sizeof(head));
	if (rc == 0)
		assert_int_equal(wsb__runrep_decode(rep, msg, len), WSB_OK);
	free(msg);
	return rc;
}

/* cmd.exe running script, on a 100x30 terminal. */
static int lib_request(const char *script)
{
	static uint16_t env[] = { 'A', '=', '1', 0, 0 };
	wchar_t sys[MAX_PATH], app[MAX_PATH + 16], cmd[256];
	wsb__runreq req;
	unsigned char *msg = NULL;
	size_t len = 0;
	int rc;

	GetSystemDirectoryW(sys, MAX_PATH);
	swprintf(app, MAX_PATH + 16, L"%ls\\cmd.exe", sys);
	swprintf(cmd, 256, L"cmd.exe /d /c \"%hs\"", script);
	memset(&req, 0, sizeof(req));
	req.app = (uint16_t *)app;
	req.cmdline = (uint16_t *)cmd;
	req.cwd = (uint16_t *)sys;
	req.env = env;
	req.env_len = WSB__ARRAY_SIZE(env);
	req.flags = WSB__RUNREQ_TERMINAL | WSB__RUNREQ_STDIN_PIPE | WSB__RUNREQ_STDOUT_PIPE |
		WSB__RUNREQ_NO_WINDOW;
	req.term_cols = 100;
	req.term_rows = 30;
	assert_int_equal(wsb__runreq_encode(&msg, &len, &req), WSB_OK);
	rc = lib_send(msg, len);
	wsb__free(msg);
	return rc;
}

static int lib_resize(unsigned int cols, unsigned int rows)
{
	wsb__runsize size;
	unsigned char *msg = NULL;
	size_t len = 0;
	int rc;

	size.cols = cols;
	size.rows = rows;
	assert_int_equal(wsb__runsize_encode(&msg, &len, &size), WSB_OK);
	rc = lib_send(msg, len);
	wsb__free(msg);
	return rc;
}

static void wait_runner(void)
{
	assert_int_equal(WaitForSingleObject(R.thread, DEADLINE_MS), WAIT_OBJECT_0);
}

/* ---- tests ---- */

static void the_runner_makes_the_terminal_and_resizes_it(void **state)
{
	unsigned char shown[5];
	wsb__runrep rep;
	(void)state;

	start_runner(NULL);
	assert_int_equal(lib_connect(R.pipe[WSB__PIPE_CTL]), 0);
	/* Long enough for the sizes below to reach it while it runs. */
	assert_int_equal(lib_request("ping -n 3 127.0.0.1 >NUL & exit 3"), 0);
	assert_int_equal(lib_reply(&rep), 0);
	assert_int_equal(rep.status, WSB_OK);
	assert_int_equal(rep.pid, R.command_pid);
	wsb__runrep_dispose(&rep);
	/* The size asked for, the stdin pipe's keys read from the console's
	 * input, what it writes to its output on our stdout pipe. */
	assert_int_equal(R.created_size.X, 100);
	assert_int_equal(R.created_size.Y, 30);
	assert_memory_equal(R.pc_in_read, "keys", 4);
	assert_int_equal(lib_connect(R.pipe[WSB__PIPE_OUT]), 0);
	assert_int_equal(lib_recv(R.pipe[WSB__PIPE_OUT], shown, 5), 0);
	assert_memory_equal(shown, "shown", 5);
	/* No stderr pipe: the console has one output. */
	assert_false(ConnectNamedPipe(R.pipe[WSB__PIPE_ERR], NULL));
	assert_int_equal(GetLastError(), ERROR_PIPE_LISTENING);
	/* Attached by the attribute, started without stdio handles and
	 * without inheritance. */
	assert_non_null(R.created_pc);
	assert_ptr_equal(R.attached_pc, R.created_pc);
	assert_int_equal(R.start_flags & STARTF_USESTDHANDLES, 0);
	assert_int_equal(R.start_inherit, FALSE);
	/* A new size while it runs: applied and answered with its pid. */
	assert_int_equal(lib_resize(120, 40), 0);
	assert_int_equal(lib_reply(&rep), 0);
	assert_int_equal(rep.status, WSB_OK);
	assert_int_equal(rep.pid, R.command_pid);
	wsb__runrep_dispose(&rep);
	assert_int_equal(R.resized.X, 120);
	assert_int_equal(R.resized.Y, 40);
	/* A size the runner's Windows cannot apply is answered as such. */
	R.resize_answer = E_NOTIMPL;
	assert_int_equal(lib_resize(81, 25), 0);
	assert_int_equal(lib_reply(&rep), 0);
	assert_int_equal(rep.status, WSB_ENOTSUP);
	assert_int_equal(rep.pid, 0);
	assert_non_null(strstr(rep.message, "ResizePseudoConsole"));
	wsb__runrep_dispose(&rep);
	/* Ends with the command's code, the pseudoconsole closed after it. */
	wait_runner();
	assert_int_equal(R.exit_code, 3);
	assert_string_equal(R.order, "create,attach,start,resize,resize,close");
	assert_int_equal(R.creates, 1);
	assert_int_equal(R.closes, 1);
}

static void a_size_that_is_no_resize_stops_the_listening_not_the_command(void **state)
{
	static const unsigned char junk[16] = { 0x57, 0x53, 0x42, 0x52, 1, 0, 0, 0, 16, 0, 0, 0, 9, 9, 9, 9 };
	wsb__runrep rep;
	(void)state;

	start_runner(NULL);
	assert_int_equal(lib_connect(R.pipe[WSB__PIPE_CTL]), 0);
	assert_int_equal(lib_request("ping -n 2 127.0.0.1 >NUL & exit 4"), 0);
	assert_int_equal(lib_reply(&rep), 0);
	assert_int_equal(rep.status, WSB_OK);
	wsb__runrep_dispose(&rep);
	assert_int_equal(lib_send(junk, sizeof(junk)), 0);
	assert_int_equal(lib_reply(&rep), 0);
	assert_int_equal(rep.status, WSB_EINVAL);
	assert_non_null(strstr(rep.message, "runner message"));
	wsb__runrep_dispose(&rep);
	wait_runner();
	assert_int_equal(R.exit_code, 4);
	assert_null(strstr(R.order, "resize"));
	assert_int_equal(R.closes, 1);
}

static void without_conpty_the_runner_answers_enotsup(void **state)
{
	wsb__runrep rep;
	(void)state;

	R.conpty_absent = 1;
	start_runner(NULL);
	assert_int_equal(lib_connect(R.pipe[WSB__PIPE_CTL]), 0);
	assert_int_equal(lib_request("exit 0"), 0);
	assert_int_equal(lib_reply(&rep), 0);
	assert_int_equal(rep.status, WSB_ENOTSUP);
	assert_int_equal(rep.pid, 0);
	assert_non_null(strstr(rep.message, "ConPTY"));
	wsb__runrep_dispose(&rep);
	wait_runner();
	assert_int_equal(R.exit_code, WSB__RUNNER_EXIT_FAILED);
	assert_string_equal(R.order, "create");   /* nothing started */
	assert_int_equal(R.closes, 0);
}

/* Fail each faultable call the runner makes, in turn: it answers an error
 * or ends early, never leaves a pseudoconsole open or a command running,
 * and this process's handle count is back where it was. */
static void every_failing_call_of_the_runner_leaves_nothing_behind(void **state)
{
	fakefs_fault fault;
	unsigned long before, target, failed = 0;
	wsb__runrep rep;
	(void)state;

	/* Warm up once so lazily loaded DLLs do not count as leaks. */
	start_runner(NULL);
	assert_int_equal(lib_connect(R.pipe[WSB__PIPE_CTL]), 0);
	assert_int_equal(lib_request("exit 0"), 0);
	assert_int_equal(lib_reply(&rep), 0);
	wsb__runrep_dispose(&rep);
	wait_runner();
	teardown(NULL);
	setup(NULL);
	before = fakefs_handles();
	for (target = 1; target < 400; target++) {
		int answered;
		memset(&fault, 0, sizeof(fault));
		fault.target = target;
		start_runner(&fault);
		answered = lib_connect(R.pipe[WSB__PIPE_CTL]) == 0 && lib_request("exit 2") == 0 &&
			lib_reply(&rep) == 0;
		wait_runner();
		wsb__os_set_hook(NULL, NULL);
		if (fault.seen < target) {
			/* Nothing failed: the run went through. */
			assert_true(answered);
			assert_int_equal(rep.status, WSB_OK);
			assert_int_equal(R.exit_code, 2);
			wsb__runrep_dispose(&rep);
			break;
		}
		failed++;
		if (answered && rep.status != WSB_OK)
			assert_true(strlen(rep.message) > 0);
		wsb__runrep_dispose(&rep);
		assert_int_equal(R.creates, R.closes);
		if (R.command_pid) {
			HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, R.command_pid);
			if (h) {
				assert_int_equal(WaitForSingleObject(h, 10000), WAIT_OBJECT_0);
				CloseHandle(h);
			}
		}
		teardown(NULL);
		setup(NULL);
		assert_int_equal(fakefs_handles(), before);
	}
	assert_true(target < 400);
	assert_true(failed > 10);
	print_message("failed %lu of the runner's calls in turn\n", failed);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_runner_makes_the_terminal_and_resizes_it),
		T(a_size_that_is_no_resize_stops_the_listening_not_the_command),
		T(without_conpty_the_runner_answers_enotsup),
		T(every_failing_call_of_the_runner_leaves_nothing_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
