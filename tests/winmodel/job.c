/*
 * Job object accounting, from the JOBOBJECT_BASIC_LIMIT_INFORMATION and
 * JOBOBJECT_EXTENDED_LIMIT_INFORMATION docs, AssignProcessToJobObject and
 * CreateProcess (CREATE_BREAKAWAY_FROM_JOB): a child is in its parent's job
 * unless it breaks away, which needs BREAKAWAY_OK (or happens silently with
 * SILENT_BREAKAWAY_OK); going over the active-process limit fails; closing
 * the last handle of a KILL_ON_JOB_CLOSE job terminates its processes.
 * One level of jobs (no nesting).
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

typedef struct proc {
	long pid;
	int job;          /* 0 = none */
	int alive;
	uint64_t committed;
} proc;

typedef struct job {
	int id;
	int handles;
	wm_job_limits lim;
} job;

struct wm_jobsys {
	proc *procs;
	size_t nprocs;
	job *jobs;
	size_t njobs;
	long next_pid;
};

int wm_jobsys_create(wm_jobsys **out)
{
	wm_jobsys *js = calloc(1, sizeof(*js));

	if (!js) return WM_E_NOMEM;
	js->next_pid = 100;
	*out = js;
	return WM_OK;
}

void wm_jobsys_free(wm_jobsys *js)
{
	if (!js) return;
	free(js->procs);
	free(js->jobs);
	free(js);
}

static proc *find_proc(wm_jobsys *js, long pid)
{
	size_t i;

	for (i = 0; i < js->nprocs; i++)
		if (js->procs[i].pid == pid) return &js->procs[i];
	return NULL;
}

static job *find_job(wm_jobsys *js, int id)
{
	size_t i;

	for (i = 0; i < js->njobs; i++)
		if (js->jobs[i].id == id) return &js->jobs[i];
	return NULL;
}

static int new_proc(wm_jobsys *js, int jobid, long *pid)
{
	proc *n = realloc(js->procs, (js->nprocs + 1) * sizeof(*n));

	if (!n) return WM_E_NOMEM;
	js->procs = n;
	memset(&n[js->nprocs], 0, sizeof(*n));
	n[js->nprocs].pid = js->next_pid;
	n[js->nprocs].job = jobid;
	n[js->nprocs].alive = 1;
	js->nprocs++;
	*pid = js->next_pid;
	js->next_pid += 4;
	return WM_OK;
}

int wm_proc_start(wm_jobsys *js, long *pid)
{
	return new_proc(js, 0, pid);
}

int wm_job_active(wm_jobsys *js, int id)
{
	size_t i;
	int n = 0;

	for (i = 0; i < js->nprocs; i++)
		if (js->procs[i].job == id && js->procs[i].alive) n++;
	return n;
}

static int over_active(wm_jobsys *js, const job *j, int adding)
{
	return (j->lim.flags & WM_JOB_LIMIT_ACTIVE_PROCESS)
		&& (uint32_t)(wm_job_active(js, j->id) + adding) > j->lim.active_processes;
}

int wm_proc_create(wm_jobsys *js, long parent, uint32_t flags, long *child)
{
	proc *p = find_proc(js, parent);
	job *j;
	int jobid;

	if (!p || !p->alive) return WM_E_INVALID;
	jobid = p->job;
	j = jobid ? find_job(js, jobid) : NULL;
	if (j) {
		if (flags & WM_CREATE_BREAKAWAY_FROM_JOB) {
			if (!(j->lim.flags & (WM_JOB_LIMIT_BREAKAWAY_OK | WM_JOB_LIMIT_SILENT_BREAKAWAY_OK)))
				return WM_E_ACCESS;
			jobid = 0;
		} else if (j->lim.flags & WM_JOB_LIMIT_SILENT_BREAKAWAY_OK) {
			jobid = 0;
		} else if (over_active(js, j, 1)) {
			return WM_E_QUOTA;
		}
	}
	return new_proc(js, jobid, child);
}

int wm_proc_exit(wm_jobsys *js, long pid)
{
	proc *p = find_proc(js, pid);

	if (!p) return WM_E_INVALID;
	p->alive = 0;
	p->committed = 0;
	return WM_OK;
}

int wm_proc_alive(wm_jobsys *js, long pid)
{
	proc *p = find_proc(js, pid);

	return p && p->alive;
}

int wm_proc_job(wm_jobsys *js, long pid)
{
	proc *p = find_proc(js, pid);

	return p && p->alive ? p->job : 0;
}

int wm_proc_commit(wm_jobsys *js, long pid, uint64_t bytes)
{
	proc *p = find_proc(js, pid);
	job *j;

	if (!p || !p->alive) return WM_E_INVALID;
	j = p->job ? find_job(js, p->job) : NULL;
	if (j) {
		uint64_t total = 0;
		size_t i;

		if ((j->lim.flags & WM_JOB_LIMIT_PROCESS_MEMORY) && p->committed + bytes > j->lim.process_memory)
			return WM_E_QUOTA;
		for (i = 0; i < js->nprocs; i++)
			if (js->procs[i].job == j->id && js->procs[i].alive) total += js->procs[i].committed;
		if ((j->lim.flags & WM_JOB_LIMIT_JOB_MEMORY) && total + bytes > j->lim.job_memory)
			return WM_E_QUOTA;
	}
	p->committed += bytes;
	return WM_OK;
}

int wm_job_create(wm_jobsys *js, int *id)
{
	job *n = realloc(js->jobs, (js->njobs + 1) * sizeof(*n));

	if (!n) return WM_E_NOMEM;
	js->jobs = n;
	memset(&n[js->njobs], 0, sizeof(*n));
	n[js->njobs].id = (int)js->njobs + 1;
	n[js->njobs].handles = 1;
	*id = n[js->njobs].id;
	js->njobs++;
	return WM_OK;
}

int wm_job_set_limits(wm_jobsys *js, int id, const wm_job_limits *lim)
{
	job *j = find_job(js, id);

	if (!j || !j->handles) return WM_E_STATE;
	j->lim = *lim;
	return WM_OK;
}

int wm_job_assign(wm_jobsys *js, int id, long pid)
{
	job *j = find_job(js, id);
	proc *p = find_proc(js, pid);

	if (!j || !j->handles || !p || !p->alive) return WM_E_STATE;
	if (p->job == id) return WM_OK;
	if (p->job) return WM_E_ACCESS;   /* no nested jobs in this model */
	if (over_active(js, j, 1)) {
		/* documented: the process is terminated and the assignment fails */
		p->alive = 0;
		return WM_E_QUOTA;
	}
	p->job = id;
	return WM_OK;
}

int wm_job_terminate(wm_jobsys *js, int id)
{
	size_t i;

	if (!find_job(js, id)) return WM_E_STATE;
	for (i = 0; i < js->nprocs; i++)
		if (js->procs[i].job == id) js->procs[i].alive = 0;
	return WM_OK;
}

int wm_job_dup_handle(wm_jobsys *js, int id)
{
	job *j = find_job(js, id);

	if (!j || !j->handles) return WM_E_STATE;
	j->handles++;
	return WM_OK;
}

int wm_job_close_handle(wm_jobsys *js, int id)
{
	job *j = find_job(js, id);

	if (!j || !j->handles) return WM_E_STATE;
	if (--j->handles == 0 && (j->lim.flags & WM_JOB_LIMIT_KILL_ON_JOB_CLOSE))
		return wm_job_terminate(js, id);
	return WM_OK;
}
