/* Job accounting against the job-object documentation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "model.h"

static void child_joins_job_and_active_limit_holds(void **state)
{
	wm_jobsys *js;
	wm_job_limits lim = { WM_JOB_LIMIT_ACTIVE_PROCESS, 2, 0, 0 };
	long p, c1, c2;
	int job;

	(void)state;
	assert_int_equal(wm_jobsys_create(&js), WM_OK);
	wm_proc_start(js, &p);
	wm_job_create(js, &job);
	wm_job_set_limits(js, job, &lim);
	assert_int_equal(wm_job_assign(js, job, p), WM_OK);
	assert_int_equal(wm_proc_create(js, p, 0, &c1), WM_OK);
	assert_int_equal(wm_proc_job(js, c1), job);
	assert_int_equal(wm_proc_create(js, c1, 0, &c2), WM_E_QUOTA);
	wm_proc_exit(js, c1);
	assert_int_equal(wm_proc_create(js, p, 0, &c2), WM_OK);
	assert_int_equal(wm_job_active(js, job), 2);
	wm_jobsys_free(js);
}

static void assign_over_limit_terminates_process(void **state)
{
	wm_jobsys *js;
	wm_job_limits lim = { WM_JOB_LIMIT_ACTIVE_PROCESS, 1, 0, 0 };
	long a, b;
	int job;

	(void)state;
	wm_jobsys_create(&js);
	wm_proc_start(js, &a);
	wm_proc_start(js, &b);
	wm_job_create(js, &job);
	wm_job_set_limits(js, job, &lim);
	assert_int_equal(wm_job_assign(js, job, a), WM_OK);
	assert_int_equal(wm_job_assign(js, job, b), WM_E_QUOTA);
	assert_false(wm_proc_alive(js, b));
	wm_jobsys_free(js);
}

static void breakaway_needs_breakaway_ok(void **state)
{
	wm_jobsys *js;
	wm_job_limits none = { 0, 0, 0, 0 }, ok = { WM_JOB_LIMIT_BREAKAWAY_OK, 0, 0, 0 };
	long p, c;
	int job;

	(void)state;
	wm_jobsys_create(&js);
	wm_proc_start(js, &p);
	wm_job_create(js, &job);
	wm_job_set_limits(js, job, &none);
	wm_job_assign(js, job, p);
	assert_int_equal(wm_proc_create(js, p, WM_CREATE_BREAKAWAY_FROM_JOB, &c), WM_E_ACCESS);
	wm_job_set_limits(js, job, &ok);
	assert_int_equal(wm_proc_create(js, p, WM_CREATE_BREAKAWAY_FROM_JOB, &c), WM_OK);
	assert_int_equal(wm_proc_job(js, c), 0);
	wm_jobsys_free(js);
}

static void kill_on_close_kills_tree_at_last_handle(void **state)
{
	wm_jobsys *js;
	wm_job_limits lim = { WM_JOB_LIMIT_KILL_ON_JOB_CLOSE, 0, 0, 0 };
	long p, c;
	int job;

	(void)state;
	wm_jobsys_create(&js);
	wm_proc_start(js, &p);
	wm_job_create(js, &job);
	wm_job_set_limits(js, job, &lim);
	wm_job_assign(js, job, p);
	wm_proc_create(js, p, 0, &c);
	wm_job_dup_handle(js, job);
	wm_job_close_handle(js, job);
	assert_true(wm_proc_alive(js, c));
	wm_job_close_handle(js, job);
	assert_false(wm_proc_alive(js, p));
	assert_false(wm_proc_alive(js, c));
	wm_jobsys_free(js);
}

static void memory_limits_refuse_commit(void **state)
{
	wm_jobsys *js;
	wm_job_limits lim = { WM_JOB_LIMIT_PROCESS_MEMORY | WM_JOB_LIMIT_JOB_MEMORY, 0, 100, 150 };
	long p, c;
	int job;

	(void)state;
	wm_jobsys_create(&js);
	wm_proc_start(js, &p);
	wm_job_create(js, &job);
	wm_job_set_limits(js, job, &lim);
	wm_job_assign(js, job, p);
	wm_proc_create(js, p, 0, &c);
	assert_int_equal(wm_proc_commit(js, p, 101), WM_E_QUOTA);
	assert_int_equal(wm_proc_commit(js, p, 100), WM_OK);
	assert_int_equal(wm_proc_commit(js, c, 60), WM_E_QUOTA);
	assert_int_equal(wm_proc_commit(js, c, 50), WM_OK);
	wm_jobsys_free(js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(child_joins_job_and_active_limit_holds),
		cmocka_unit_test(assign_over_limit_terminates_process),
		cmocka_unit_test(breakaway_needs_breakaway_ok),
		cmocka_unit_test(kill_on_close_kills_tree_at_last_handle),
		cmocka_unit_test(memory_limits_refuse_commit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
