/*
 * Process-tree properties over the simulated Windows model: the REAL
 * backend's wsb__job_create sets the job's limits through the seam (on the
 * model's job accounting); the command is started as spawn.c starts it
 * (CreateProcessAsUserW suspended with the backend's token, assigned to the
 * job, resumed). Then a random process tree grows from it: the number of
 * live processes in the job never exceeds the policy's process limit, no
 * child leaves the job, and every process dies when the backend closes the
 * job. Random from a seed (props.h).
 * (test_props_spawn.c covers the same through wsb_spawn.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seam.h"
#include "props.h"

#include "win32/win32.h"
#include "core/policy.h"

#define MAXP 256

static void tree_case(prop_rng *r)
{
	wsb_policy *policy = NULL;
	wsb__job job;
	wsb__strvec caps;
	HANDLE token = NULL;
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	wchar_t cmd[] = L"C:\\Windows\\System32\\cmd.exe /c build";
	long pids[MAXP];
	size_t npids = 0, i, steps;
	unsigned limit = 1 + prop_below(r, 12);
	wms_options o;
	int jid, rc;

	memset(&o, 0, sizeof(o));
	assert_int_equal(wms_install(&o), 0);
	memset(&caps, 0, sizeof(caps));
	assert_int_equal(wsb__strvec_push(&caps, "S-1-5-21-10-20-30-40"), WSB_OK);
	assert_int_equal(wsb__token_create(&token, NULL, &caps, 1), WSB_OK);
	assert_int_equal(wsb_policy_create(&policy, WSB_MODE_WORKSPACE_WRITE), WSB_OK);
	assert_int_equal(wsb_policy_set_limit(policy, WSB_LIMIT_PROCESSES, limit), WSB_OK);
	if (prop_below(r, 2))
		assert_int_equal(wsb_policy_set_limit(policy, WSB_LIMIT_MEMORY, (wsb_u64)64 << 20), WSB_OK);
	rc = wsb__job_create(&job, policy, 0);
	PROP(rc == WSB_OK, "job: %s", wsb_error_message(NULL));
	jid = wms_job_of(job.job);
	PROP(jid != 0, "the job is not the model's");

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	memset(&pi, 0, sizeof(pi));
	assert_true(WSB_OS(CreateProcessAsUserW)(token, NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED,
		NULL, NULL, &si, &pi));
	PROP(WSB_OS(AssignProcessToJobObject)(job.job, pi.hProcess), "assign: %lu", GetLastError());
	assert_true(WSB_OS(ResumeThread)(pi.hThread) != (DWORD)-1);
	pids[npids++] = wms_pid_of(pi.hProcess);
	PROP(wm_proc_job(wms_jobs(), pids[0]) == jid, "the command is not in the job");

	steps = 20 + prop_below(r, 80);
	for (i = 0; i < steps; i++) {
		unsigned what = prop_below(r, 10);
		long parent = pids[prop_below(r, (unsigned)npids)], child;
		if (!wm_proc_alive(wms_jobs(), parent))
			continue;
		if (what < 6) {
			rc = wm_proc_create(wms_jobs(), parent, 0, &child);
			PROP(rc == WM_OK || rc == WM_E_QUOTA, "create: %d", rc);
			if (rc == WM_OK) {
				PROP(wm_proc_job(wms_jobs(), child) == jid, "child %ld outside the job", child);
				if (npids < MAXP)
					pids[npids++] = child;
			} else {
				PROP((unsigned)wm_job_active(wms_jobs(), jid) >= limit, "refused below the limit");
			}
		} else if (what < 8) {
			rc = wm_proc_create(wms_jobs(), parent, WM_CREATE_BREAKAWAY_FROM_JOB, &child);
			PROP(rc != WM_OK || wm_proc_job(wms_jobs(), child) == jid, "child %ld broke away", child);
			if (rc == WM_OK && npids < MAXP)
				pids[npids++] = child;
		} else {
			wm_proc_exit(wms_jobs(), parent);
		}
		PROP((unsigned)wm_job_active(wms_jobs(), jid) <= limit, "%d processes alive, limit %u",
			wm_job_active(wms_jobs(), jid), limit);
	}
	/* The backend closes its handles: the tree dies with the job. */
	WSB_OS(CloseHandle)(pi.hThread);
	wsb__job_close(&job);
	for (i = 0; i < npids; i++)
		PROP(!wm_proc_alive(wms_jobs(), pids[i]), "process %ld survived the job", pids[i]);
	WSB_OS(CloseHandle)(pi.hProcess);
	WSB_OS(CloseHandle)(token);
	PROP(wms_open_handles() == 0, "%lu handles left open", (unsigned long)wms_open_handles());
	wsb__strvec_dispose(&caps);
	wsb_policy_free(policy);
	wms_uninstall();
}

static void props_process_tree_within_limit_and_dies_with_job(void **state)
{
	uint64_t base = prop_base_seed();
	unsigned i, n = prop_cases(300);

	(void)state;
	for (i = 0; i < n; i++) {
		prop_rng r;
		prop_case_seed = base + i;
		r.s = prop_case_seed;
		tree_case(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(props_process_tree_within_limit_and_dies_with_job),
	};

	print_message("property seed base: %llu (set WSB_PROPS_SEED to replay)\n",
		(unsigned long long)prop_base_seed());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
