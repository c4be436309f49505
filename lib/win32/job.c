/*
 * Job objects: one job per sandboxed process tree. The process is created
 * suspended, assigned, then resumed (spawn.c), so nothing it starts escapes.
 * KILL_ON_JOB_CLOSE ends the tree with the last handle; breakaway is never
 * allowed. Limits come from the policy; the completion port tells which
 * limit ended the tree.
 */
#include "win32.h"

#include <string.h>

int wsb__job_limit_of_message(DWORD message)
{
	switch (message) {
	case JOB_OBJECT_MSG_JOB_MEMORY_LIMIT:
	case JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT:
		return WSB_LIMIT_MEMORY;
	case JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT:
		return WSB_LIMIT_PROCESSES;
	case JOB_OBJECT_MSG_END_OF_JOB_TIME:
		return WSB_LIMIT_CPU_TIME;
	default:
		return WSB_LIMIT_NONE;
	}
}

int wsb__job_create(wsb__job *out, const struct wsb_policy *policy, unsigned int helpers)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
	JOBOBJECT_BASIC_UI_RESTRICTIONS ui;
	JOBOBJECT_ASSOCIATE_COMPLETION_PORT port;
	wsb_u64 mem = policy->limits[WSB_LIMIT_MEMORY];
	wsb_u64 procs = policy->limits[WSB_LIMIT_PROCESSES];
	wsb_u64 cpu = policy->limits[WSB_LIMIT_CPU_TIME];
	int rc;

	out->job = out->port = NULL;
	if (procs > 0xFFFFFFFFull - helpers || cpu > 0x7FFFFFFFFFFFFFFFull / 10000)
		return wsb__error(WSB_ERANGE, "a process or CPU-time limit is too large for a job object");
	out->job = WSB_OS(CreateJobObjectW)(NULL, NULL);
	if (!out->job) {
		DWORD err = GetLastError();
		return wsb__w32_fail("CreateJobObjectW", err, "job for the process tree");
	}
	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE |
		JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
	if (procs) {
		/* The library's own processes in the job do not use the command's
		 * allowance. */
		ext.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
		ext.BasicLimitInformation.ActiveProcessLimit = (DWORD)(procs + helpers);
	}
	if (mem) {
		ext.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
		ext.JobMemoryLimit = (SIZE_T)mem;
	}
	if (cpu) {
		ext.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_JOB_TIME;
		ext.BasicLimitInformation.PerJobUserTimeLimit.QuadPart = (LONGLONG)(cpu * 10000);
	}
	if (!WSB_OS(SetInformationJobObject)(out->job, JobObjectExtendedLimitInformation, &ext, sizeof(ext))) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("SetInformationJobObject", err, "job limits");
		goto fail;
	}
	/* The command gets no handles to the user's windows, clipboard,
	 * global atoms or system settings. */
	ui.UIRestrictionsClass = JOB_OBJECT_UILIMIT_DESKTOP | JOB_OBJECT_UILIMIT_DISPLAYSETTINGS |
		JOB_OBJECT_UILIMIT_EXITWINDOWS | JOB_OBJECT_UILIMIT_GLOBALATOMS | JOB_OBJECT_UILIMIT_HANDLES |
		JOB_OBJECT_UILIMIT_READCLIPBOARD | JOB_OBJECT_UILIMIT_WRITECLIPBOARD |
		JOB_OBJECT_UILIMIT_SYSTEMPARAMETERS;
	if (!WSB_OS(SetInformationJobObject)(out->job, JobObjectBasicUIRestrictions, &ui, sizeof(ui))) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("SetInformationJobObject", err, "job UI restrictions");
		goto fail;
	}
	out->port = WSB_OS(CreateIoCompletionPort)(INVALID_HANDLE_VALUE, NULL, 0, 1);
	if (!out->port) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("CreateIoCompletionPort", err, "job notification port");
		goto fail;
	}
	port.CompletionKey = out->job;
	port.CompletionPort = out->port;
	if (!WSB_OS(SetInformationJobObject)(out->job, JobObjectAssociateCompletionPortInformation,
			&port, sizeof(port))) {
		DWORD err = GetLastError();
		rc = wsb__w32_fail("SetInformationJobObject", err, "job completion port");
		goto fail;
	}
	return WSB_OK;
fail:
	wsb__job_close(out);
	return rc;
}

void wsb__job_close(wsb__job *job)
{
	if (job->port)
		WSB_OS(CloseHandle)(job->port);
	if (job->job)
		WSB_OS(CloseHandle)(job->job);
	job->job = job->port = NULL;
}
