/*
 * The Windows terminal (ConPTY) plumbing. The seam's entries for
 * CreatePseudoConsole, ResizePseudoConsole and ClosePseudoConsole are
 * wrapped to record the order of the calls (create, attach through
 * PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE, start without stdio handles, resize,
 * close once the tree has ended) around Wine's own implementations; their
 * absence (Windows before 10 1809) is faked. Wine 8 creates a pseudoconsole
 * but does not attach the child to it and answers ResizePseudoConsole with
 * E_NOTIMPL (docs/terminal.md), so no test here reads the terminal's output.
 * The sandbox user's terminal, made by the runner: test_runner.c (the
 * runner's calls) and test_asuser.c (through the real runner).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"

static wsb_identity *identity;  /* the current user, state in a temp directory */
static char order[256];
static void *created_pc, *attached_pc;
static DWORD start_flags;
static BOOL start_inherit;
static int resize_cols, resize_rows;

static void note(const char *what)
{
	if (order[0])
		strncat(order, ",", sizeof(order) - strlen(order) - 1);
	strncat(order, what, sizeof(order) - strlen(order) - 1);
}

static HRESULT WINAPI rec_create(COORD s, HANDLE i, HANDLE o, DWORD f, void **pc)
{
	HRESULT hr = ((wsb__os_CreatePseudoConsole_fn)wsb__os_default("CreatePseudoConsole"))(s, i, o, f, pc);

	note("create");
	created_pc = SUCCEEDED(hr) ? *pc : NULL;
	return hr;
}

static BOOL WINAPI rec_update(LPPROC_THREAD_ATTRIBUTE_LIST l, DWORD f, DWORD_PTR a, PVOID v, SIZE_T n,
	PVOID p, PSIZE_T r)
{
	if (a == PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE) {
		note("attach");
		attached_pc = v;
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
	note("start");
	start_flags = si->dwFlags;
	start_inherit = inh;
	return ((wsb__os_CreateProcessAsUserW_fn)wsb__os_default("CreateProcessAsUserW"))(t, app, cmd, pa,
		ta, inh, f, env, cwd, si, pi);
}

/* Wine answers E_NOTIMPL: record the call and succeed, as Windows does. */
static HRESULT WINAPI rec_resize(void *pc, COORD s)
{
	(void)pc;
	note("resize");
	resize_cols = s.X;
	resize_rows = s.Y;
	return S_OK;
}

static void WINAPI rec_close(void *pc)
{
	note("close");
	((wsb__os_ClosePseudoConsole_fn)wsb__os_default("ClosePseudoConsole"))(pc);
}

static HRESULT WINAPI absent_create(COORD s, HANDLE i, HANDLE o, DWORD f, void **pc)
{
	(void)s; (void)i; (void)o; (void)f; (void)pc;
	return HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND);
}

static wsb_policy *policy(void)
{
	wsb_policy *pol = NULL;

	assert_int_equal(wsb_policy_create(&pol, WSB_MODE_READ_ONLY), WSB_OK);
	/* Wine cannot block the network; this is plumbing, not enforcement. */
	assert_int_equal(wsb_policy_allow_missing(pol, WSB_PROT_NETWORK), WSB_OK);
	return pol;
}

static int setup(void **state)
{
	wsb_identity_options io = WSB_IDENTITY_OPTIONS_INIT;
	char dir[700];

	(void)state;
	wsb__os_reset();
	snprintf(dir, sizeof(dir), "%s", fakefs_temp_dir("state"));
	io.state_dir = dir;
	assert_int_equal(wsb_identity_create(&identity, &io), WSB_OK);
	memset(order, 0, sizeof(order));
	created_pc = attached_pc = NULL;
	start_flags = 0;
	start_inherit = -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wsb_identity_free(identity);
	identity = NULL;
	wsb__os_reset();
	return 0;
}

static void spawn_opts(wsb_spawn_options *o, const char *const *argv)
{
	wsb_spawn_options init = WSB_SPAWN_OPTIONS_INIT;

	*o = init;
	o->argv = argv;
	o->terminal = 1;
	o->terminal_cols = 100;
	o->terminal_rows = 30;
}

static void conpty_calls_in_order(void **state)
{
	static const char *const argv[] = { "cmd.exe", "/c", "exit 3", NULL };
	wsb_spawn_options o;
	wsb_policy *pol = policy();
	wsb_process *p = NULL;
	wsb_os_handle h;
	(void)state;

	wsb__os_set("CreatePseudoConsole", (wsb__os_fn)rec_create);
	wsb__os_set("UpdateProcThreadAttribute", (wsb__os_fn)rec_update);
	wsb__os_set("CreateProcessAsUserW", (wsb__os_fn)rec_start);
	wsb__os_set("ResizePseudoConsole", (wsb__os_fn)rec_resize);
	wsb__os_set("ClosePseudoConsole", (wsb__os_fn)rec_close);
	spawn_opts(&o, argv);
	assert_int_equal(wsb_spawn(&p, pol, identity, &o), WSB_OK);
	assert_non_null(created_pc);
	assert_ptr_equal(attached_pc, created_pc);
	/* The console is the command's streams: no stdio handles, none inherited. */
	assert_int_equal(start_flags & STARTF_USESTDHANDLES, 0);
	assert_int_equal(start_inherit, FALSE);
	assert_int_equal(wsb_process_stream_handle(&h, p, WSB_STREAM_STDIN), WSB_OK);
	assert_int_equal(wsb_process_stream_handle(&h, p, WSB_STREAM_STDOUT), WSB_OK);
	assert_int_equal(wsb_process_stream_handle(&h, p, WSB_STREAM_STDERR), WSB_ESTATE);
	assert_int_equal(wsb_process_resize(p, 120, 40), WSB_OK);
	assert_int_equal(resize_cols, 120);
	assert_int_equal(resize_rows, 40);
	assert_int_equal(wsb_process_wait(p, 30000), WSB_OK);
	assert_int_equal(wsb_process_exit_code(p), 3);
	/* Closed when the tree ended, so reads reach end of stream. */
	assert_string_equal(order, "create,attach,start,resize,close");
	assert_int_equal(wsb_process_resize(p, 80, 24), WSB_ESTATE);
	wsb_process_free(p);
	assert_string_equal(order, "create,attach,start,resize,close");
	wsb_policy_free(pol);
}

static void conpty_absent_is_not_supported(void **state)
{
	static const char *const argv[] = { "cmd.exe", "/c", "exit 0", NULL };
	wsb_spawn_options o;
	wsb_policy *pol = policy();
	wsb_process *p = (wsb_process *)1;
	(void)state;

	wsb__os_set("CreatePseudoConsole", (wsb__os_fn)absent_create);
	wsb__os_set("CreateProcessAsUserW", (wsb__os_fn)rec_start);
	spawn_opts(&o, argv);
	assert_int_equal(wsb_spawn(&p, pol, identity, &o), WSB_ENOTSUP);
	assert_null(p);
	assert_non_null(strstr(wsb_error_message(NULL), "ConPTY"));
	assert_string_equal(order, "");  /* nothing started */
	wsb_policy_free(pol);
}

/* Wine's own ConPTY through the default (run-time resolved) entries: the
 * command runs and ends; resizing reports what Wine answers. */
static void wine_conpty_plumbing(void **state)
{
	static const char *const argv[] = { "cmd.exe", "/c", "exit 5", NULL };
	wsb_spawn_options o;
	wsb_policy *pol = policy();
	wsb_process *p = NULL;
	wsb_os_handle w;
	int rc;
	(void)state;

	spawn_opts(&o, argv);
	assert_int_equal(wsb_spawn(&p, pol, identity, &o), WSB_OK);
	rc = wsb_process_resize(p, 90, 20);
	assert_true(rc == WSB_OK || rc == WSB_ENOTSUP || rc == WSB_ESTATE);
	assert_int_equal(wsb_process_waitable(&w, p), WSB_OK);
	assert_int_equal(WaitForSingleObject(w, 30000), WAIT_OBJECT_0);
	assert_int_equal(wsb_process_wait(p, 0), WSB_OK);
	assert_int_equal(wsb_process_exit_code(p), 5);
	wsb_process_free(p);
	wsb_policy_free(pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(conpty_calls_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(conpty_absent_is_not_supported, setup, teardown),
		cmocka_unit_test_setup_teardown(wine_conpty_plumbing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
