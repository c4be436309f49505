/* Job objects under Wine: creation with our limits and port, kill on close,
 * termination; the limit messages map to the limit that ended the tree.
 * Wine does not enforce job limits, so none is asserted to bite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "win32/win32.h"
#include "fakefs.h"
#include "core/policy.h"

static struct wsb_policy *policy(void)
{
	wsb_policy *p = NULL;

	assert_int_equal(wsb_policy_create(&p, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_MEMORY, 64u << 20), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_PROCESSES, 4), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(p, WSB_LIMIT_CPU_TIME, 5000), WSB_OK);
	return p;
}

static HANDLE start_suspended(void)
{
	wchar_t cmd[] = L"C:\\windows\\system32\\cmd.exe /c exit 0";
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	assert_true(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED | CREATE_NO_WINDOW,
		NULL, NULL, &si, &pi));
	CloseHandle(pi.hThread);
	return pi.hProcess;
}

struct job_flags {
	DWORD flags;
	int breakaway;
};

static struct job_flags asked;

static BOOL WINAPI record_set(HANDLE j, JOBOBJECTINFOCLASS c, LPVOID b, DWORD n)
{
	if (c == JobObjectExtendedLimitInformation) {
		JOBOBJECT_EXTENDED_LIMIT_INFORMATION *e = b;
		asked.flags = e->BasicLimitInformation.LimitFlags;
	}
	return ((wsb__os_SetInformationJobObject_fn)wsb__os_default("SetInformationJobObject"))(j, c, b, n);
}

static void the_job_asks_for_kill_on_close_and_the_policy_limits_never_breakaway(void **s)
{
	wsb_policy *p = policy();
	wsb__job job;

	(void)s;
	wsb__os_set("SetInformationJobObject", (wsb__os_fn)record_set);
	assert_int_equal(wsb__job_create(&job, p, 0), WSB_OK);
	assert_true(asked.flags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE);
	assert_true(asked.flags & JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION);
	assert_true(asked.flags & JOB_OBJECT_LIMIT_JOB_MEMORY);
	assert_true(asked.flags & JOB_OBJECT_LIMIT_ACTIVE_PROCESS);
	assert_true(asked.flags & JOB_OBJECT_LIMIT_JOB_TIME);
	assert_false(asked.flags & (JOB_OBJECT_LIMIT_BREAKAWAY_OK | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK));
	assert_non_null(job.port);
	wsb__job_close(&job);
	wsb__os_reset();
	wsb_policy_free(p);
}

static void closing_the_job_kills_a_process_inside_it(void **s)
{
	wsb_policy *p = policy();
	wsb__job job;
	HANDLE proc;

	(void)s;
	assert_int_equal(wsb__job_create(&job, p, 0), WSB_OK);
	proc = start_suspended();
	assert_true(AssignProcessToJobObject(job.job, proc));
	wsb__job_close(&job);
	assert_int_equal(WaitForSingleObject(proc, 10000), WAIT_OBJECT_0);
	CloseHandle(proc);
	wsb_policy_free(p);
}

static void terminating_the_job_ends_the_process_with_the_code_given(void **s)
{
	wsb_policy *p = policy();
	wsb__job job;
	HANDLE proc;
	DWORD code = 0;

	(void)s;
	assert_int_equal(wsb__job_create(&job, p, 0), WSB_OK);
	proc = start_suspended();
	assert_true(AssignProcessToJobObject(job.job, proc));
	assert_true(TerminateJobObject(job.job, 42));
	assert_int_equal(WaitForSingleObject(proc, 10000), WAIT_OBJECT_0);
	assert_true(GetExitCodeProcess(proc, &code));
	assert_int_equal(code, 42);
	CloseHandle(proc);
	wsb__job_close(&job);
	wsb_policy_free(p);
}

static void limit_messages_name_the_limit(void **s)
{
	(void)s;
	assert_int_equal(wsb__job_limit_of_message(JOB_OBJECT_MSG_JOB_MEMORY_LIMIT), WSB_LIMIT_MEMORY);
	assert_int_equal(wsb__job_limit_of_message(JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT), WSB_LIMIT_MEMORY);
	assert_int_equal(wsb__job_limit_of_message(JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT), WSB_LIMIT_PROCESSES);
	assert_int_equal(wsb__job_limit_of_message(JOB_OBJECT_MSG_END_OF_JOB_TIME), WSB_LIMIT_CPU_TIME);
	assert_int_equal(wsb__job_limit_of_message(JOB_OBJECT_MSG_EXIT_PROCESS), WSB_LIMIT_NONE);
}

static int fail_third_set(const char *name, unsigned long i, void *ctx)
{
	int *n = ctx;

	(void)i;
	return strcmp(name, "SetInformationJobObject") == 0 && ++*n == 3;
}

static void a_failing_job_call_leaks_nothing(void **s)
{
	wsb_policy *p = policy();
	wsb__job job;
	unsigned long before;
	int n = 0;

	(void)s;
	before = fakefs_handles();
	wsb__os_set_hook(fail_third_set, &n);
	assert_int_equal(wsb__job_create(&job, p, 0), WSB_EOS);
	wsb__os_set_hook(NULL, NULL);
	assert_null(job.job);
	assert_null(job.port);
	assert_int_equal(fakefs_handles(), before);
	assert_non_null(strstr(wsb_error_message(NULL), "completion port"));
	wsb_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_job_asks_for_kill_on_close_and_the_policy_limits_never_breakaway),
		cmocka_unit_test(closing_the_job_kills_a_process_inside_it),
		cmocka_unit_test(terminating_the_job_ends_the_process_with_the_code_given),
		cmocka_unit_test(limit_messages_name_the_limit),
		cmocka_unit_test(a_failing_job_call_leaks_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
