/*
 * A command as a sandbox user, under Wine: setup installed on the fake
 * machine of setup_fake.h, then the real wsb-runner.exe started through
 * the seam's CreateProcessWithLogonW, the real named pipes and their
 * client checks, the real job. Wine has no other accounts, so the fake
 * logon starts the runner as the current user and the fake accounts are
 * given the current user's SID (the pipes' DACLs, which Wine enforces,
 * then admit it as they would admit the sandbox user). Plumbing, errors and
 * cleanup only: nothing here says Windows would deny anything.
 */
/* Winsock for the allow-list test's client; before <windows.h>. */
#include <winsock2.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "setup_fake.h"
#include "win32/win32.h"
#include "win32/runner.h"
#include "core/runmsg.h"

typedef struct logon_seen {
	unsigned long calls;
	wchar_t user[64], domain[16], password[64], app[MAX_PATH * 2], cmd[1024];
	DWORD logon_flags, create_flags;
	DWORD runner_pid;
	DWORD fail_with;          /* make the logon fail with this error */
} logon_seen;

static struct {
	wchar_t dir[MAX_PATH];
	char dir8[MAX_PATH];
	char root[MAX_PATH];
	wsb_setup_options opts;
	unsigned short ports[1];
	wsb_identity *id;
	wsb_policy *policy;
	logon_seen logon;
	PSID me;
	ULONG wrong_client;       /* report this client pid instead, 0 = real */
	int terminal;             /* run() asks for a terminal */
} E;

static wsb__os_LookupAccountNameW_fn fake_lookup;

/* The fake accounts, but with the current user's SID for the users. */
static BOOL WINAPI lookup_as_me(LPCWSTR s, LPCWSTR n, PSID sid, LPDWORD cb, LPWSTR d, LPDWORD cd,
	PSID_NAME_USE u)
{
	BOOL ok = fake_lookup(s, n, sid, cb, d, cd, u);

	if (ok && *u == SidTypeUser) {
		if (*cb < GetLengthSid(E.me)) {
			*cb = GetLengthSid(E.me);
			SetLastError(ERROR_INSUFFICIENT_BUFFER);
			return FALSE;
		}
		CopySid(*cb, sid, E.me);
	}
	return ok;
}

/* The logon: checks nothing Wine could, records what it was given, and
 * starts the runner as the current user. */
static BOOL WINAPI fake_logon(LPCWSTR u, LPCWSTR d, LPCWSTR pw, DWORD lf, LPCWSTR app, LPWSTR cmd, DWORD f,
	LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi)
{
	E.logon.calls++;
	wcsncpy(E.logon.user, u, 63);
	wcsncpy(E.logon.domain, d ? d : L"", 15);
	wcsncpy(E.logon.password, pw, 63);
	wcsncpy(E.logon.app, app, MAX_PATH * 2 - 1);
	wcsncpy(E.logon.cmd, cmd, 1023);
	E.logon.logon_flags = lf;
	E.logon.create_flags = f;
	if (E.logon.fail_with) {
		SetLastError(E.logon.fail_with);
		return FALSE;
	}
	if (!CreateProcessW(app, cmd, NULL, NULL, FALSE, f, env, cwd, si, pi))
		return FALSE;
	E.logon.runner_pid = pi->dwProcessId;
	return TRUE;
}

static BOOL WINAPI wrong_client(HANDLE h, PULONG pid)
{
	BOOL ok = GetNamedPipeClientProcessId(h, pid);
	if (ok && E.wrong_client)
		*pid = E.wrong_client;
	return ok;
}

/* The runner next to this test (where the Windows CI job copies it), else
 * the build's, through Wine's Z: drive. */
static void runner_path(wchar_t *out, size_t cap)
{
	const char *p = WSB_RUNNER_EXE;
	wchar_t *slash;
	size_t i;

	if (GetModuleFileNameW(NULL, out, (DWORD)cap) && (slash = wcsrchr(out, L'\\')) != NULL &&
			(size_t)(slash + 1 - out) + wcslen(WSB__RUNNER_EXE) < cap) {
		wcscpy(slash + 1, WSB__RUNNER_EXE);
		if (GetFileAttributesW(out) != INVALID_FILE_ATTRIBUTES)
			return;
	}
	swprintf(out, cap, L"Z:%hs", p);
	for (i = 0; out[i]; i++)
		if (out[i] == L'/')
			out[i] = L'\\';
}

static int setup(void **s)
{
	static const wsb_setup_options init = WSB_SETUP_OPTIONS_INIT;
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	wchar_t runner[MAX_PATH * 2];
	HANDLE tok;
	DWORD n = 0;
	static unsigned char user_buf[256];

	(void)s;
	memset(&E.logon, 0, sizeof(E.logon));
	E.wrong_client = 0;
	E.terminal = 0;
	assert_true(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok));
	assert_true(GetTokenInformation(tok, TokenUser, user_buf, sizeof(user_buf), &n));
	CloseHandle(tok);
	E.me = ((TOKEN_USER *)user_buf)->User.Sid;

	fake_state_dir(E.dir, "asuser");
	snprintf(E.dir8, sizeof(E.dir8), "%ls", E.dir);
	fake_install(E.dir);
	fake_profile("asuser");
	fake_lookup = (wsb__os_LookupAccountNameW_fn)wsb__os_get("LookupAccountNameW");
	wsb__os_set("LookupAccountNameW", (wsb__os_fn)lookup_as_me);
	wsb__os_set("CreateProcessWithLogonW", (wsb__os_fn)fake_logon);
	wsb__os_set("GetNamedPipeClientProcessId", (wsb__os_fn)wrong_client);
	runner_path(runner, WSB__ARRAY_SIZE(runner));
	wsb__asuser_set_runner(runner);

	E.opts = init;
	E.opts.state_dir = E.dir8;
	E.ports[0] = 47613;
	E.opts.loopback_ports = E.ports;
	E.opts.loopback_port_count = 1;
	assert_int_equal(wsb_setup_install(&E.opts), WSB_OK);

	snprintf(E.root, sizeof(E.root), "%s", fakefs_temp_dir("asuser-root"));
	io.kind = WSB_IDENTITY_SANDBOX_USER;
	io.state_dir = E.dir8;
	assert_int_equal(wsb_identity_create(&E.id, &io), WSB_OK);
	assert_int_equal(wsb_policy_create(&E.policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_allow_write(E.policy, E.root), WSB_OK);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	wsb__os_set_hook(NULL, NULL);
	wsb_identity_revert(E.id);
	wsb_identity_free(E.id);
	wsb_policy_free(E.policy);
	E.id = NULL;
	E.policy = NULL;
	wsb__setup_uninstall(&E.opts);
	RemoveDirectoryW(E.dir);
	wsb__asuser_set_runner(NULL);
	wsb__os_reset();
	return 0;
}

static int run(wsb_process **p, const char *const *argv, const char *in)
{
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;

	o.argv = argv;
	o.cwd = E.root;
	if (in)
		o.stdin_mode = WSB_STDIO_PIPE;
	o.terminal = E.terminal;
	return wsb_run(p, E.policy, E.id, &o, in, in ? strlen(in) : 0);
}

static size_t outstanding(void)
{
	size_t n = 99;

	assert_int_equal(wsb__journal_outstanding(&n, wsb_identity_state_dir(E.id)), WSB_OK);
	return n;
}

static const wchar_t *stored_password(const wchar_t *user)
{
	int i = find_name(W.users, W.nusers, user);

	assert_true(i >= 0);
	return W.passwords[i];
}

static void runs_as_the_offline_user_with_output_and_exit_code(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo out& echo err 1>&2& exit 7", NULL };
	wsb_process *p = NULL;
	const char *o;

	(void)s;
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_int_equal(E.logon.calls, 1);
	assert_true(wcscmp(E.logon.user, L"wsb-offline") == 0);
	assert_true(wcscmp(E.logon.domain, L".") == 0);
	assert_true(wcscmp(E.logon.password, stored_password(L"wsb-offline")) == 0);
	assert_int_equal(E.logon.logon_flags, LOGON_WITH_PROFILE);
	assert_true(E.logon.create_flags & CREATE_SUSPENDED);
	assert_non_null(wcsstr(E.logon.app, WSB__RUNNER_EXE));
	assert_non_null(wcsstr(E.logon.cmd, WSB__RUNNER_ARG));
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_NORMAL);
	assert_int_equal(wsb_process_exit_code(p), 7);
	o = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	assert_non_null(o);
	assert_memory_equal(o, "out", 3);
	o = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDERR);
	assert_non_null(o);
	assert_memory_equal(o, "err", 3);
	/* The pid is the command's, not the runner's. */
	assert_int_not_equal(wsb_process_pid(p), 0);
	assert_int_not_equal((unsigned long)wsb_process_pid(p), (unsigned long)E.logon.runner_pid);
	/* The firewall rules verified: network off is enforced, not advisory. */
	assert_true(wsb_process_protections(p) & WSB_PROT_NETWORK);
	assert_false(wsb_process_protections(p) & WSB_PROT_NETWORK_ADVISORY);
	assert_true(wsb_process_protections(p) & WSB_PROT_PROCESS_TREE);
	wsb_process_free(p);
}

static void network_on_runs_as_the_online_user(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;

	(void)s;
	assert_int_equal(wsb_policy_set_network(E.policy, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_true(wcscmp(E.logon.user, L"wsb-online") == 0);
	assert_true(wcscmp(E.logon.password, stored_password(L"wsb-online")) == 0);
	assert_int_equal(wsb_process_exit_code(p), 0);
	wsb_process_free(p);
}

static void stdin_reaches_the_command(void **s)
{
	const char *argv[] = { "cmd", "/c", "more", NULL };
	wsb_process *p = NULL;
	const char *o;

	(void)s;
	assert_int_equal(run(&p, argv, "through the pipe\r\n"), WSB_OK);
	o = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	assert_non_null(o);
	assert_non_null(strstr(o, "through the pipe"));
	wsb_process_free(p);
}

static void a_timeout_ends_runner_and_command(void **s)
{
	const char *argv[] = { "cmd", "/c", "ping", "-n", "30", "127.0.0.1", NULL };
	wsb_process *p = NULL;
	HANDLE runner;

	(void)s;
	assert_int_equal(wsb_policy_set_limit(E.policy, WSB_LIMIT_TIMEOUT, 500), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_TIMEOUT);
	assert_true(wsb_process_duration_ms(p) < 20000);
	/* The command ended with the tree. */
	runner = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)wsb_process_pid(p));
	if (runner) {
		assert_int_equal(WaitForSingleObject(runner, 5000), WAIT_OBJECT_0);
		CloseHandle(runner);
	}
	wsb_process_free(p);
}

static void inherited_streams_are_refused(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;

	(void)s;
	o.argv = argv;
	o.cwd = E.root;
	o.stdout_mode = WSB_STDIO_INHERIT;
	assert_int_equal(wsb_spawn(&p, E.policy, E.id, &o), WSB_ENOTSUP);
	assert_null(p);
	assert_int_equal(E.logon.calls, 0);
}

static void logon_failure(DWORD err, int code, const char *words)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;
	unsigned long before = fakefs_handles();

	E.logon.fail_with = err;
	assert_int_equal(run(&p, argv, NULL), code);
	assert_null(p);
	assert_non_null(strstr(wsb_error_message(NULL), "wsb-offline"));
	assert_non_null(strstr(wsb_error_message(NULL), words));
	assert_non_null(strstr(wsb_error_message(NULL), "Recovery"));
	assert_int_equal(wsb_error_os(NULL), (long)err);
	assert_int_equal(outstanding(), 0);
	assert_int_equal(fakefs_handles(), before);
}

static void a_stale_password_is_elogon_with_its_recovery(void **s)
{
	(void)s;
	logon_failure(ERROR_LOGON_FAILURE, WSB_ELOGON, "setup");
}

static void a_locked_account_is_elocked_with_its_recovery(void **s)
{
	(void)s;
	logon_failure(ERROR_ACCOUNT_LOCKED_OUT, WSB_ELOCKED, "locked out");
}

static void a_disabled_account_is_elocked(void **s)
{
	(void)s;
	logon_failure(ERROR_ACCOUNT_DISABLED, WSB_ELOCKED, "disabled");
}

static void a_pipe_client_that_is_not_the_runner_is_refused(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;
	unsigned long before = fakefs_handles();
	HANDLE runner;

	(void)s;
	E.wrong_client = 4;
	assert_int_equal(run(&p, argv, NULL), WSB_EACCES);
	assert_null(p);
	assert_non_null(strstr(wsb_error_message(NULL), "not by the runner"));
	assert_int_equal(outstanding(), 0);
	/* The runner did not outlive the refusal. */
	runner = OpenProcess(SYNCHRONIZE, FALSE, E.logon.runner_pid);
	if (runner) {
		assert_int_equal(WaitForSingleObject(runner, 5000), WAIT_OBJECT_0);
		CloseHandle(runner);
	}
	assert_int_equal(fakefs_handles(), before);
}

static void without_setup_it_is_enotsetup(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;

	(void)s;
	assert_int_equal(wsb_setup_uninstall(&E.opts), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_ENOTSETUP);
	assert_non_null(strstr(wsb_error_message(NULL), "wsb_setup_install"));
	assert_int_equal(E.logon.calls, 0);
}

static void a_missing_firewall_rule_refuses_network_off_unless_accepted(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;

	(void)s;
	assert_true(W.nrules > 0);
	W.nrules--;   /* someone deleted a rule */
	assert_int_equal(run(&p, argv, NULL), WSB_ENOTSETUP);
	assert_non_null(strstr(wsb_error_message(NULL), "network isolation"));
	assert_int_equal(E.logon.calls, 0);
	assert_int_equal(wsb_policy_allow_missing(E.policy, WSB_PROT_NETWORK), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_false(wsb_process_protections(p) & WSB_PROT_NETWORK);
	assert_true(wsb_process_protections(p) & WSB_PROT_NETWORK_ADVISORY);
	wsb_process_free(p);
}

static void a_missing_runner_is_enoent(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;

	(void)s;
	wsb__asuser_set_runner(L"C:\\no\\such\\folder\\wsb-runner.exe");
	assert_int_equal(run(&p, argv, NULL), WSB_ENOENT);
	assert_non_null(strstr(wsb_error_message(NULL), "next to"));
	assert_int_equal(E.logon.calls, 0);
	assert_int_equal(outstanding(), 0);
}

static void the_plan_names_the_user_and_the_runner(void **s)
{
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)s;
	assert_int_equal(wsb_plan_create(&plan, E.policy, E.id), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "win32-sandbox-user"));
	assert_non_null(strstr(json, "wsb-offline"));
	assert_non_null(strstr(json, "wsb-runner.exe"));
	assert_int_equal(E.logon.calls, 0);
	wsb_free(json);
	wsb_plan_free(plan);
}

static void deny_read_is_in_force_for_the_sandbox_user(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	char secret[MAX_PATH + 16];
	wsb_process *p = NULL;
	wsb_plan *plan = NULL;
	char *json = NULL;

	(void)s;
	snprintf(secret, sizeof(secret), "%s\\secret", E.root);
	assert_true(CreateDirectoryA(secret, NULL));
	assert_int_equal(wsb_policy_deny_read(E.policy, secret), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, E.policy, E.id), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "\"deny_read\""));
	assert_true(wsb_plan_protections(plan) & WSB_PROT_FS_DENY_READ);
	assert_non_null(strstr(json, "enforced by the offline user's firewall"));
	assert_null(strstr(json, "advisory only"));
	wsb_free(json);
	wsb_plan_free(plan);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_true(wsb_process_protections(p) & WSB_PROT_FS_DENY_READ);
	wsb_process_free(p);
	RemoveDirectoryA(secret);
}

static DWORD job_process_limit;
static BOOL WINAPI record_job_limits(HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n)
{
	if (c == JobObjectExtendedLimitInformation)
		job_process_limit = ((JOBOBJECT_EXTENDED_LIMIT_INFORMATION *)b)->BasicLimitInformation.ActiveProcessLimit;
	return SetInformationJobObject(j, c, b, n);
}

static void the_runner_does_not_use_the_commands_process_allowance(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;

	(void)s;
	wsb__os_set("SetInformationJobObject", (wsb__os_fn)record_job_limits);
	assert_int_equal(wsb_policy_set_limit(E.policy, WSB_LIMIT_PROCESSES, 3), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	/* Wine does not enforce the limit; what matters is what was asked. */
	assert_int_equal(job_process_limit, 4);
	wsb_process_free(p);
}

/* A terminal through the real runner: it makes Wine's pseudoconsole on
 * its side, the command runs and its exit code comes through, a new size
 * travels to the runner and its answer back (Wine's ResizePseudoConsole is
 * E_NOTIMPL, which the runner reports as WSB_ENOTSUP); the console's host
 * is counted in the job's process limit. Wine does not attach the command
 * to the pseudoconsole, so its output is not checked here
 * (tests/winreal). */
static void a_terminal_is_made_by_the_runner_and_takes_sizes(void **s)
{
	const char *argv[] = { "cmd", "/c", "ping -n 3 127.0.0.1 >NUL & exit 6", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	wsb_os_handle h;
	int rc;

	(void)s;
	wsb__os_set("SetInformationJobObject", (wsb__os_fn)record_job_limits);
	assert_int_equal(wsb_policy_set_limit(E.policy, WSB_LIMIT_PROCESSES, 3), WSB_OK);
	o.argv = argv;
	o.cwd = E.root;
	o.terminal = 1;
	o.terminal_cols = 100;
	o.terminal_rows = 30;
	/* Ignored with a terminal, as in the unelevated mode. */
	o.stdout_mode = WSB_STDIO_INHERIT;
	assert_int_equal(wsb_spawn(&p, E.policy, E.id, &o), WSB_OK);
	assert_int_equal(E.logon.calls, 1);
	assert_int_equal(job_process_limit, 5);
	assert_int_equal(wsb_process_stream_handle(&h, p, WSB_STREAM_STDIN), WSB_OK);
	assert_int_equal(wsb_process_stream_handle(&h, p, WSB_STREAM_STDOUT), WSB_OK);
	assert_int_equal(wsb_process_stream_handle(&h, p, WSB_STREAM_STDERR), WSB_ESTATE);
	rc = wsb_process_resize(p, 120, 40);
	assert_int_equal(rc, WSB_ENOTSUP);
	assert_non_null(strstr(wsb_error_message(NULL), "ResizePseudoConsole"));
	/* Refused before anything is sent. */
	assert_int_equal(wsb_process_resize(p, 0, 40), WSB_EINVAL);
	assert_int_equal(wsb_process_wait(p, 30000), WSB_OK);
	assert_int_equal(wsb_process_exit_kind(p), WSB_EXIT_NORMAL);
	assert_int_equal(wsb_process_exit_code(p), 6);
	assert_int_equal(wsb_process_resize(p, 80, 24), WSB_ESTATE);
	wsb_process_free(p);
}

static wchar_t desktop_name[128];
static HDESK WINAPI record_desktop(LPCWSTR n, LPCWSTR d, DEVMODEW *m, DWORD f, ACCESS_MASK a,
	LPSECURITY_ATTRIBUTES sa)
{
	wcsncpy(desktop_name, n, 127);
	return CreateDesktopW(n, d, m, f, a, sa);
}

static void a_private_desktop_is_made_by_the_library_for_the_user(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo desk", NULL };
	wsb_process *p = NULL;
	wchar_t want[64];

	(void)s;
	wsb__os_set("CreateDesktopW", (wsb__os_fn)record_desktop);
	desktop_name[0] = 0;
	assert_int_equal(wsb_policy_set_flags(E.policy, WSB_POLICY_PRIVATE_DESKTOP), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	/* Made here, before the runner is in a job that forbids making one,
	 * and named after the pipes so the runner can find it. */
	swprintf(want, 64, L"wsandbox-%lu-", (unsigned long)GetCurrentProcessId());
	assert_int_equal(wcsncmp(desktop_name, want, wcslen(want)), 0);
	assert_non_null(p->desktop);
	assert_true(wsb_process_protections(p) & WSB_PROT_PRIVATE_DESKTOP);
	assert_memory_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT), "desk", 4);
	wsb_process_free(p);
}

static void a_relay_on_an_allowed_port_reaches_the_command(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo %HTTP_PROXY%", NULL };
	wsb_process *p = NULL;
	const char *o;

	(void)s;
	assert_int_equal(wsb_policy_set_loopback_relay(E.policy, 47613, 47614), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	o = wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT);
	assert_non_null(o);
	assert_non_null(strstr(o, "http://127.0.0.1:47613"));
	assert_true(wsb_process_protections(p) & WSB_PROT_NETWORK);
	wsb_process_free(p);
}

static void a_relay_on_a_port_the_offline_user_may_not_reach_is_refused(void **s)
{
	const char *argv[] = { "cmd", "/c", "exit 0", NULL };
	wsb_process *p = NULL;

	(void)s;
	assert_int_equal(wsb_policy_set_loopback_relay(E.policy, 47615, 47614), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_ECONFLICT);
	assert_non_null(strstr(wsb_error_message(NULL), "47613"));
	assert_int_equal(E.logon.calls, 0);
	/* The online user has no firewall rule: any port is fine. */
	assert_int_equal(wsb_policy_set_network(E.policy, WSB_NETWORK_ON), WSB_OK);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	wsb_process_free(p);
}

/* A socket on 127.0.0.1:port: connected (listen 0) or bound and listening
 * (listen 1); INVALID_SOCKET if that failed. */
static SOCKET loopback_socket(unsigned short port, int listen_too)
{
	struct sockaddr_in a;
	SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	DWORD ms = 10000;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof(ms));
	if (listen_too ? bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 1) != 0 :
			connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	return s;
}

/* The offline user may reach only the loopback ports setup allowed: the
 * allow-list's proxy listens on one, the command is told so, the firewall
 * keeps network isolation in force (what it refuses is not tested here:
 * Wine has no firewall), and freeing the process frees the port. */
static void an_allowlist_proxy_listens_on_the_port_setup_allowed(void **s)
{
	const char *argv[] = { "cmd", "/c", "echo %HTTP_PROXY% %PIP_NO_INDEX%", NULL };
	static const char ask[] = "CONNECT evil.test:443 HTTP/1.1\r\n\r\n";
	wsb_process *p = NULL;
	wsb_plan *plan = NULL;
	char *json = NULL, answer[512];
	WSADATA wsa;
	SOCKET c;
	size_t aces;
	int n, len = 0;

	(void)s;
	assert_int_equal(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
	assert_int_equal(wsb_policy_set_network(E.policy, WSB_NETWORK_ALLOWLIST), WSB_OK);
	assert_int_equal(wsb_policy_allow_host(E.policy, "pypi.test"), WSB_OK);
	assert_int_equal(wsb_plan_create(&plan, E.policy, E.id), WSB_OK);
	assert_int_equal(wsb_plan_to_json(&json, plan), WSB_OK);
	assert_non_null(strstr(json, "setup allowed (47613)"));
	assert_non_null(strstr(json, "the offline user's firewall refuses direct connections"));
	wsb__free(json);
	wsb_plan_free(plan);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_string_equal(wsb_process_output(NULL, NULL, p, WSB_STREAM_STDOUT),
		"http://127.0.0.1:47613 %PIP_NO_INDEX%\r\n");
	assert_true(wsb_process_protections(p) & WSB_PROT_NETWORK);
	assert_false(wsb_process_protections(p) & WSB_PROT_NETWORK_ADVISORY);
	c = loopback_socket(47613, 0);
	assert_true(c != INVALID_SOCKET);
	assert_int_equal(send(c, ask, (int)strlen(ask), 0), (int)strlen(ask));
	while (len < (int)sizeof(answer) - 1 && (n = recv(c, answer + len, sizeof(answer) - 1 - len, 0)) > 0)
		len += n;
	answer[len] = '\0';
	closesocket(c);
	assert_memory_equal(answer, "HTTP/1.1 403 Forbidden\r\n", 24);
	wsb_process_free(p);
	c = loopback_socket(47613, 1);
	assert_true(c != INVALID_SOCKET);
	/* Taken by another program: the spawn fails before anything changes
	 * (the journal holds the first run's ACEs, kept for the next runs). */
	aces = outstanding();
	assert_int_equal(run(&p, argv, NULL), WSB_EEXIST);
	assert_null(p);
	assert_int_equal(E.logon.calls, 1);
	assert_int_equal(outstanding(), aces);
	closesocket(c);
	WSACleanup();
}

/* Fail each faultable call of a spawn in turn: every run errs, leaves no
 * ACE, handle or process behind; then the spawn succeeds. */
static unsigned long fail_at;
static int fail_nth(const char *name, unsigned long index, void *ctx)
{
	(void)name;
	(void)ctx;
	return index == fail_at;
}

static void failing_calls_leave_nothing_behind(void)
{
	const char *argv[] = { "cmd", "/c", "echo ok", NULL };
	wsb_process *p = NULL;
	unsigned long before, failed = 0;
	size_t aces;
	int rc;

	/* Warm up once so lazily loaded DLLs do not count as leaks. */
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	wsb_process_free(p);
	before = fakefs_handles();
	aces = outstanding();   /* the warm-up's ACEs stay for the next runs */
	for (fail_at = 1; fail_at < 2000; fail_at++) {
		p = NULL;
		wsb__os_set_hook(fail_nth, NULL);
		rc = run(&p, argv, NULL);
		wsb__os_set_hook(NULL, NULL);
		if (rc == WSB_OK && !wsb__os_last_fault()) {
			wsb_process_free(p);
			break;
		}
		if (rc == WSB_OK) {
			/* A failure the spawn may absorb (a wait, a read during the
			 * run): the result still has to be whole. */
			wsb_process_free(p);
		} else {
			failed++;
			assert_null(p);
			assert_true(strlen(wsb_error_message(NULL)) > 0);
		}
		assert_int_equal(outstanding(), aces);
		assert_int_equal(fakefs_handles(), before);
	}
	assert_true(fail_at < 2000);
	assert_true(failed > 20);
	print_message("failed %lu of %lu calls in turn\n", failed, fail_at - 1);
	assert_int_equal(run(&p, argv, NULL), WSB_OK);
	assert_int_equal(wsb_process_exit_code(p), 0);
	wsb_process_free(p);
}

static void every_failing_call_of_a_spawn_leaves_nothing_behind(void **s)
{
	(void)s;
	failing_calls_leave_nothing_behind();
}

/* The same with a terminal: the control pipe kept for sizes is closed on
 * every path too. */
static void every_failing_call_of_a_terminal_spawn_leaves_nothing_behind(void **s)
{
	(void)s;
	E.terminal = 1;
	failing_calls_leave_nothing_behind();
}

/* A size the runner never answers (it stopped reading, or the answer is
 * lost): the wait ends at the deadline with an error, the process stays
 * usable and is freed whole. */
static unsigned long resize_fail_at;
static int fail_nth_on_resize(const char *name, unsigned long index, void *ctx)
{
	(void)ctx;
	(void)name;
	return index == resize_fail_at;
}

static void a_failing_call_of_a_resize_is_an_error_and_leaves_the_process_whole(void **s)
{
	const char *argv[] = { "cmd", "/c", "ping -n 3 127.0.0.1 >NUL & exit 2", NULL };
	wsb_spawn_options o = WSB_SPAWN_OPTIONS_INIT;
	wsb_process *p = NULL;
	unsigned long before;
	int rc;

	(void)s;
	o.argv = argv;
	o.cwd = E.root;
	o.terminal = 1;
	before = fakefs_handles();
	assert_int_equal(wsb_spawn(&p, E.policy, E.id, &o), WSB_OK);
	/* The first call of the resize (the send) fails: an error, with its
	 * message; the next resize still reaches the runner. */
	resize_fail_at = 1;
	wsb__os_set_hook(fail_nth_on_resize, NULL);
	rc = wsb_process_resize(p, 90, 30);
	wsb__os_set_hook(NULL, NULL);
	assert_true(rc < 0);
	assert_true(strlen(wsb_error_message(NULL)) > 0);
	assert_int_equal(wsb_process_resize(p, 91, 31), WSB_ENOTSUP);   /* Wine's answer, relayed */
	assert_int_equal(wsb_process_wait(p, 30000), WSB_OK);
	assert_int_equal(wsb_process_exit_code(p), 2);
	wsb_process_free(p);
	assert_int_equal(fakefs_handles(), before);
}

/* The runner's own refusals, run directly. */
static DWORD run_runner(const wchar_t *args)
{
	wchar_t runner[MAX_PATH * 2], cmd[1024];
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	DWORD code = 0;

	runner_path(runner, WSB__ARRAY_SIZE(runner));
	swprintf(cmd, 1024, L"\"%ls\" %ls", runner, args);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	assert_true(CreateProcessW(runner, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
	assert_int_equal(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
	GetExitCodeProcess(pi.hProcess, &code);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return code;
}

static void the_runner_refuses_a_bad_command_line(void **s)
{
	(void)s;
	assert_int_equal(run_runner(L""), WSB__RUNNER_EXIT_USAGE);
	assert_int_equal(run_runner(WSB__RUNNER_ARG L" 12 \\\\.\\pipe\\elsewhere"), WSB__RUNNER_EXIT_USAGE);
	assert_int_equal(run_runner(WSB__RUNNER_ARG L" x \\\\.\\pipe\\wsandbox-1-ab"), WSB__RUNNER_EXIT_USAGE);
	assert_int_equal(run_runner(L"--other 12 \\\\.\\pipe\\wsandbox-1-ab"), WSB__RUNNER_EXIT_USAGE);
}

static void the_runner_stops_without_its_pipe(void **s)
{
	(void)s;
	assert_int_equal(run_runner(WSB__RUNNER_ARG L" 12 \\\\.\\pipe\\wsandbox-12-0123abcd"), WSB__RUNNER_EXIT_PIPE);
}

static void the_runner_refuses_a_pipe_served_by_another_process(void **s)
{
	wchar_t args[256];
	HANDLE ctl = CreateNamedPipeW(L"\\\\.\\pipe\\wsandbox-77-00ff-ctl", PIPE_ACCESS_DUPLEX,
		PIPE_TYPE_BYTE | PIPE_NOWAIT, 1, 4096, 4096, 0, NULL);

	(void)s;
	assert_true(ctl != INVALID_HANDLE_VALUE);
	/* The pipe is ours, but the runner is told its parent is process 77. */
	swprintf(args, 256, L"%ls 77 \\\\.\\pipe\\wsandbox-77-00ff", WSB__RUNNER_ARG);
	assert_int_equal(run_runner(args), WSB__RUNNER_EXIT_PEER);
	CloseHandle(ctl);
}

/* A request the runner must not trust: it answers why and starts nothing. */
static void the_runner_refuses_a_malformed_request(void **s)
{
	wchar_t runner[MAX_PATH * 2], cmd[1024], name[128], base[96];
	unsigned char bad[64], head[WSB__RUNMSG_HEADER], *msg;
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	HANDLE ctl;
	DWORD n = 0, code = 0;
	size_t len = 0, got = 0;
	wsb__runrep rep;

	(void)s;
	swprintf(base, 96, L"\\\\.\\pipe\\wsandbox-%lu-0badc0de", (unsigned long)GetCurrentProcessId());
	swprintf(name, 128, L"%ls-ctl", base);
	ctl = CreateNamedPipeW(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, NULL);
	assert_true(ctl != INVALID_HANDLE_VALUE);
	runner_path(runner, WSB__ARRAY_SIZE(runner));
	swprintf(cmd, 1024, L"\"%ls\" %ls %lu %ls", runner, WSB__RUNNER_ARG, (unsigned long)GetCurrentProcessId(),
		base);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	assert_true(CreateProcessW(runner, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
	/* PIPE_WAIT: returns once the runner has opened it. */
	if (!ConnectNamedPipe(ctl, NULL))
		assert_int_equal(GetLastError(), ERROR_PIPE_CONNECTED);
	/* A header that announces a message, then bytes that are no fields. */
	memset(bad, 0xee, sizeof(bad));
	bad[0] = 0x57; bad[1] = 0x53; bad[2] = 0x42; bad[3] = 0x52;   /* magic */
	bad[4] = 1; bad[5] = bad[6] = bad[7] = 0;                        /* version */
	bad[8] = sizeof(bad); bad[9] = bad[10] = bad[11] = 0;            /* length */
	assert_true(WriteFile(ctl, bad, sizeof(bad), &n, NULL));
	assert_true(ReadFile(ctl, head, sizeof(head), &n, NULL));
	assert_int_equal(n, sizeof(head));
	assert_int_equal(wsb__runmsg_length(&len, head, sizeof(head)), WSB_OK);
	msg = malloc(len);
	assert_non_null(msg);
	memcpy(msg, head, sizeof(head));
	for (got = sizeof(head); got < len; got += n)
		assert_true(ReadFile(ctl, msg + got, (DWORD)(len - got), &n, NULL) && n > 0);
	assert_int_equal(wsb__runrep_decode(&rep, msg, len), WSB_OK);
	assert_int_equal(rep.status, WSB_EINVAL);
	assert_int_equal(rep.pid, 0);
	assert_non_null(strstr(rep.message, "runner message"));
	wsb__runrep_dispose(&rep);
	free(msg);
	assert_int_equal(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
	assert_true(GetExitCodeProcess(pi.hProcess, &code));
	assert_int_equal(code, WSB__RUNNER_EXIT_PROTO);
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	CloseHandle(ctl);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(runs_as_the_offline_user_with_output_and_exit_code),
		T(network_on_runs_as_the_online_user),
		T(stdin_reaches_the_command),
		T(a_timeout_ends_runner_and_command),
		T(inherited_streams_are_refused),
		T(a_stale_password_is_elogon_with_its_recovery),
		T(a_locked_account_is_elocked_with_its_recovery),
		T(a_disabled_account_is_elocked),
		T(a_pipe_client_that_is_not_the_runner_is_refused),
		T(without_setup_it_is_enotsetup),
		T(a_missing_firewall_rule_refuses_network_off_unless_accepted),
		T(a_missing_runner_is_enoent),
		T(the_plan_names_the_user_and_the_runner),
		T(deny_read_is_in_force_for_the_sandbox_user),
		T(the_runner_does_not_use_the_commands_process_allowance),
		T(a_relay_on_an_allowed_port_reaches_the_command),
		T(a_relay_on_a_port_the_offline_user_may_not_reach_is_refused),
		T(an_allowlist_proxy_listens_on_the_port_setup_allowed),
		T(a_private_desktop_is_made_by_the_library_for_the_user),
		T(a_terminal_is_made_by_the_runner_and_takes_sizes),
		T(every_failing_call_of_a_spawn_leaves_nothing_behind),
		T(every_failing_call_of_a_terminal_spawn_leaves_nothing_behind),
		T(a_failing_call_of_a_resize_is_an_error_and_leaves_the_process_whole),
		T(the_runner_refuses_a_bad_command_line),
		T(the_runner_stops_without_its_pipe),
		T(the_runner_refuses_a_pipe_served_by_another_process),
		T(the_runner_refuses_a_malformed_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
