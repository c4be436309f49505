/*
 * Points the Windows backend's OS-call seam (lib/win32/os.h) at the
 * simulated Windows model (model.h), so the library's real Windows code runs
 * unchanged while files, security descriptors, tokens, jobs and processes
 * live in the model. Windows builds only; tests, never shipped.
 *
 * Routing: paths on drive C: (also \\?\C:) are the model's volume; "\\.\NUL"
 * is a model object with its own security descriptor; any other path, and
 * any handle the adapter did not make, goes to the real (Wine) function.
 * Every model call made for the library acts with the CALLER's token (the
 * unrestricted user token below), as the real backend runs as the user.
 *
 * Not thread-safe: one world at a time, installed by the test.
 */
#ifndef WINMODEL_SEAM_H
#define WINMODEL_SEAM_H

#include "model.h"

#include <windows.h>

/* Token limits the adapter enforces, as Windows has them (see
 * docs/windows-model.md "Token limits"): */
/* SIDs in a token: user + groups + restricting SIDs (the kernel's 1,024-SID
 * token bound, the origin of the "about 1,015 groups" logon limit). */
#define WMS_TOKEN_MAX_SIDS 1024
/* Bytes for the default DACL plus primary group (TOKEN_STATISTICS
 * DynamicCharged: 1,024 by default); more fails with
 * ERROR_ALLOTTED_SPACE_EXCEEDED. */
#define WMS_TOKEN_DYNAMIC_BYTES 1024

typedef struct wms_options {
	int gen_short_names;         /* 8.3 aliases for new names */
	uint32_t write_restricted_mask;  /* 0 (narrow) or WM_WRITE_RESTRICTED_WIDE */
	const char *temp;            /* %TEMP% the library sees (NULL = unset) */
	const char *localappdata;    /* %LOCALAPPDATA% (NULL = unset) */
	/* More of the model machine's variables, "NAME=value", NULL-ended.
	 * TEMP, TMP, LOCALAPPDATA, USERPROFILE, PUBLIC, PATH and SystemDrive
	 * come only from here (unset if absent); other names read the real
	 * environment. */
	const char *const *env;
	const char *cwd;             /* GetCurrentDirectoryW (NULL = the real one) */
	const char *windir;          /* GetWindowsDirectoryW (NULL = the real one) */
	const char *root_sddl;       /* C:\'s descriptor (NULL = Windows' default, WMS_ROOT_SDDL) */
} wms_options;

/* C:\ as Windows installs it: Administrators and SYSTEM full control,
 * Users read, Authenticated Users may create folders (the "LC" ACE). */
#define WMS_ROOT_SDDL "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;;0x4;;;AU)"

/* The caller's identity in the model. */
#define WMS_USER_SID  "S-1-5-21-1111-2222-3333-1001"
#define WMS_LOGON_SID "S-1-5-5-0-424242"

/* Create the model world (volume C: owned by Administrators, readable by
 * Users; C:\Users\u owned by the user with full control for the user and
 * SYSTEM, inheritable) and swap the seam entries to it. */
int wms_install(const wms_options *opts);
/* Restore the real seam and free the world. */
void wms_uninstall(void);

wm_fs *wms_fs(void);
wm_jobsys *wms_jobs(void);
/* The caller's (unrestricted) token. */
const wm_token *wms_caller(void);
/* The token OpenProcessToken(GetCurrentProcess()) hands out from now on
 * (copied), as if the library ran in a process of another user (the
 * sandbox user's runner); NULL: the caller's again. Only that call changes:
 * file system calls still act with the caller's token. 0, or -1 out of
 * memory. */
int wms_set_process_token(const wm_token *t);
/* The model token / job / pid behind a handle the adapter returned; NULL /
 * 0 / 0 for any other handle. */
const wm_token *wms_token_of(HANDLE h);
int wms_job_of(HANDLE h);
long wms_pid_of(HANDLE h);
/* Security descriptors handed out and not yet LocalFree'd, and handles open. */
size_t wms_outstanding_sds(void);
size_t wms_open_handles(void);

/* Threads started by the library (the process monitor) wait on model
 * processes: a test that changes jobs or processes directly while one runs
 * holds this lock around those calls. Recursive. */
void wms_lock(void);
void wms_unlock(void);
/* Processes resumed (ResumeThread) while in no job: 0 if the library always
 * assigned before it resumed. */
unsigned long wms_resumed_outside_job(void);
/* The token a model process was created with (while its handle is open). */
const wm_token *wms_token_of_pid(long pid);

/* Win32 error code for a model result (WM_OK -> ERROR_SUCCESS). */
DWORD wms_error(int wm_rc);

#endif
