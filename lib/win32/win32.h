/*
 * Declarations shared by the modules of the unelevated Windows backend
 * (docs/windows-backend.md describes the design). Every Win32 call goes
 * through os.h.
 */
#ifndef WSB_WIN32_WIN32_H
#define WSB_WIN32_WIN32_H

#include "os.h"
#include "../backend.h"

/* ---- util.c ---- */

/* Record a failed Win32 call: the message names the call and the object,
 * the code follows the OS error (ACCESS_DENIED -> WSB_EACCES, not found ->
 * WSB_ENOENT, out of memory -> WSB_ENOMEM, else WSB_EOS). */
int wsb__w32_fail(const char *call, DWORD err, const char *fmt, ...) WSB__PRINTF(3, 4);
/* A security descriptor from SDDL text built like printf (freed with
 * LocalFree through the seam); what names it in the error. */
int wsb__w32_sd_from_sddl(PSECURITY_DESCRIPTOR *out, const char *what, const char *fmt, ...)
	WSB__PRINTF(3, 4);
/* UTF-8 <-> wchar_t. */
int wsb__w32_wide(wchar_t **out, const char *s);
int wsb__w32_narrow(char **out, const wchar_t *w);
/* A variable of the caller's environment (UTF-8); *out NULL if unset. */
int wsb__w32_getenv(char **out, const char *name);
/* Create a directory and its missing parents. */
int wsb__w32_mkdirs(const char *path);
/* GetFileAttributesW: 1 exists (sets *out_dir), 0 absent, <0 error. */
int wsb__w32_stat(int *out_dir, const char *path);
/* Read a whole file; WSB_ETOOLONG past max bytes, WSB_ENOENT if absent. */
int wsb__w32_read_file(char **out, size_t *out_len, const char *path, size_t max);
/* Read at most max bytes of a regular file; WSB_ENOENT (no error recorded)
 * if it is absent or a directory. */
int wsb__w32_read_prefix(char **out, size_t *out_len, const char *path, size_t max);
/* Append bytes to a file and flush them to disk before returning. */
int wsb__w32_append_file(const char *path, const char *data, size_t len);
/* Replace a file's contents (temp file, flush, MoveFileEx). */
int wsb__w32_write_file(const char *path, const char *data, size_t len);

/* ---- sid.c: capability SIDs ---- */

/* Up to this many writable roots each get their own capability SID; above
 * it, one SID stands for the whole set of roots (docs/windows-backend.md). */
#define WSB__CAP_PER_ROOT_MAX 8

typedef struct wsb__caps {
	wsb__strvec sids;      /* distinct capability SIDs, as strings */
	wsb__strvec keys;      /* the state-file key of each SID */
	unsigned char *is_new; /* per SID: not yet in the state file */
	size_t *root_sid;      /* per root: index into sids */
	size_t root_count;
} wsb__caps;

/* Choose the capability SIDs for a list of roots (normalized Windows paths):
 * read the state directory's capsids file, make new random SIDs for roots
 * it does not know (in memory only). */
int wsb__caps_decide(wsb__caps *out, const char *state_dir, const wsb__strvec *roots);
/* Persist the new SIDs of caps (appended and flushed). */
int wsb__caps_persist(wsb__caps *caps, const char *state_dir);
void wsb__caps_dispose(wsb__caps *caps);
/* FNV-1a-64 of the sorted, upper-cased roots, then salt (may be NULL):
 * the same set in any order gives the same value. */
int wsb__roots_hash(unsigned long long *out, const wsb__strvec *roots, const char *salt);
/* A random SID S-1-5-21-a-b-c-d from BCryptGenRandom. */
int wsb__sid_random(char **out);

/* ---- token.c ---- */

/* The restricted token for a sandboxed command: DISABLE_MAX_PRIVILEGE |
 * LUA_TOKEN (| WRITE_RESTRICTED with the restricting SIDs cap_sids + logon
 * SID + Everyone when write_restricted), default DACL granting the logon
 * SID, Everyone and cap_sids. *out_logon_sid (may be NULL) receives the
 * logon SID string. */
int wsb__token_create(HANDLE *out, char **out_logon_sid, const wsb__strvec *cap_sids,
	int write_restricted);

/* The logon SID of the caller's token (a restricting SID of every sandbox
 * token), as a string. */
int wsb__token_logon_sid(char **out);

/* ---- warm.c ---- */

/* A command's restricted token: its own copy of the template kept for the
 * policy's content, the state directory and the caller's token as they are
 * (made, with the template, when there is none). */
typedef struct wsb__w32_token {
	HANDLE token;      /* the command's own: closed by wsb__token_release */
	char *logon;       /* the logon SID string */
	HANDLE fresh;      /* a template made by this spawn, kept if it succeeds */
	char *key;
	wsb__strvec sids;
	int write_restricted;
	LUID caller_id, caller_modified;
} wsb__w32_token;
/* Set by tests: every spawn makes its token from nothing, keeps none. */
extern int wsb__w32_no_reuse;
int wsb__token_acquire(wsb__w32_token *out, const struct wsb_policy *policy, const char *state_dir,
	const wsb__strvec *cap_sids, int write_restricted);
/* Close the command's token; keep the fresh template only if keep (the
 * spawn succeeded). Safe on a zeroed or already released one. */
void wsb__token_release(wsb__w32_token *t, int keep);
/* Close the templates of a state directory (NULL: all). */
void wsb__token_cache_drop(const char *state_dir);
/* Templates held now. */
size_t wsb__token_cache_count(void);

/* ---- acl.c ---- */

#define WSB__MASK_ALLOW_WRITE (FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE)
#define WSB__MASK_DENY_WRITE (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | \
	FILE_WRITE_ATTRIBUTES | FILE_DELETE_CHILD | DELETE | WRITE_DAC | WRITE_OWNER)
#define WSB__MASK_NUL (FILE_GENERIC_READ | FILE_GENERIC_WRITE)

/* The SDDL text of one ACE: "(A;OICI;0x1301bf;;;S-1-5-21-1-2-3-4)". */
int wsb__ace_sddl(char **out, int deny, unsigned int mask, int inherit, const char *sid);

/* Read a path's DACL: *out_has_ace says whether the exact ACE (sddl) is
 * there as an explicit ACE. */
int wsb__acl_has(int *out_has_ace, const char *path, const char *sddl);
/* Add the ACE in canonical position (deny first among explicit ACEs, allow
 * after the explicit ones) if it is missing; *out_added says if it wrote.
 * Never touches the owner, never drops or reorders an existing ACE. */
int wsb__acl_add(int *out_added, const char *path, const char *sddl);
/* Remove the first explicit ACE equal to sddl if present. */
int wsb__acl_remove(int *out_removed, const char *path, const char *sddl);
/* In-memory forms (tests use them on Wine's real ACL APIs). */
int wsb__acl_insert(PACL *out, const ACL *old, const void *ace);
int wsb__acl_without(PACL *out, const ACL *old, const void *ace);
int wsb__acl_find(const ACL *acl, const void *ace);
/* The binary ACE of an SDDL ACE string, freed with wsb__free. */
int wsb__ace_from_sddl(void **out, const char *sddl);

/* ---- journal.c ---- */

/* Record in the state directory's journal, flushed to disk, that the ACE
 * sddl is about to be added to path ("add") or was removed ("del"). */
int wsb__journal_record(const char *state_dir, const char *op, const char *path, const char *sddl);
/* Remove every ACE the journal says is still added, newest first; record
 * each removal; compact the journal when nothing is left. Idempotent. */
int wsb__journal_revert(const char *state_dir);
/* Count ACEs the journal says are added (for tests and status). */
int wsb__journal_outstanding(size_t *out, const char *state_dir);

/* ---- job.c ---- */

typedef struct wsb__job {
	HANDLE job;
	HANDLE port;
} wsb__job;

/* A job with KILL_ON_JOB_CLOSE, DIE_ON_UNHANDLED_EXCEPTION, UI restrictions
 * and the policy's limits, and a completion port for its messages.
 * helpers: how many of the library's own processes (the runner) the job
 * holds besides the command's; added to the process limit. */
int wsb__job_create(wsb__job *out, const struct wsb_policy *policy, unsigned int helpers);
/* The limit message (a wsb_limit) in one completion packet, or 0. */
int wsb__job_limit_of_message(DWORD message);
void wsb__job_close(wsb__job *job);

/* ---- process.c / spawn.c ---- */

struct wsb_process {
	HANDLE process;
	DWORD pid;
	wsb__job job;
	HANDLE monitor;           /* thread: timeout and limit messages */
	HANDLE stop;              /* event: tells the monitor to finish */
	HANDLE desktop;           /* HDESK of a private desktop, or NULL */
	HANDLE in_w;              /* our end of stdin, or NULL */
	HANDLE out_r[2];          /* our ends of stdout, stderr, or NULL */
	wsb__buf out[2];          /* captured by communicate */
	int truncated[2];
	wsb_u64 cap;              /* output bytes kept per stream; 0 = all */
	wsb_u64 timeout_ms;       /* wall clock; 0 = none */
	wsb_u64 start_ms, end_ms;
	volatile LONG limit;      /* wsb_limit that ended the tree (monitor) */
	volatile LONG timed_out;
	volatile LONG killed;
	int ended;
	int exit_kind;
	long exit_code;
	unsigned int protections;
	struct wsb__relay *relay;  /* loopback relay reference (relay.c), or NULL */
	struct wsb__w32_proxy *proxy; /* the allow-list's proxy (proxy.c), or NULL */
	void *pseudoconsole;      /* HPCON of wsb_spawn_options.terminal, or NULL */
	HANDLE runner_ctl;        /* the runner's control pipe while its command has a
	                           * terminal (sizes go there), or NULL */
};

/* What spawn prepared, whichever way the command starts. */
typedef struct wsb__w32_launch {
	char *program;      /* the resolved program (UTF-8, for messages) */
	wchar_t *app;       /* what CreateProcess* runs (cmd.exe for a batch file) */
	wchar_t *cmdline;
	wchar_t *cwd;
	uint16_t *env;      /* sorted UTF-16 block */
	size_t env_len;     /* units, both final NULs included */
	void *pseudoconsole; /* HPCON to attach the command to instead of the stdio handles, or NULL */
} wsb__w32_launch;

/* CreateProcessAsUserW of l with token: suspended, Unicode environment,
 * only the three stdio handles inherited (PROC_THREAD_ATTRIBUTE_HANDLE_LIST),
 * on desktop (NULL: the caller's), CREATE_NO_WINDOW when no_window. *pi is
 * zeroed on failure. */
int wsb__w32_create_suspended(PROCESS_INFORMATION *pi, HANDLE token, HANDLE stdio[3],
	const wsb__w32_launch *l, wchar_t *desktop, int no_window);
/* A private desktop that only sid may use, named given (or "wsb-<pid>-<n>"
 * when NULL); name_out receives "WinSta0\\<name>". */
int wsb__w32_desktop_create(HANDLE *out, wchar_t *name_out, size_t name_cap, const char *sid,
	const wchar_t *given);

/* Wait for a handle of ours (a thread, a process) to be signalled, for
 * cleanup. Such a wait fails only when a test injects a fault; retrying
 * keeps a thread from outliving what it uses. */
void wsb__w32_join(HANDLE h);
/* Start the monitor thread of a process (after it was resumed). */
int wsb__proc_start_monitor(struct wsb_process *p);
/* Resolve a program the way the sandbox runs it: absolute, existing, with
 * an extension from PATHEXT; PATH searched when it has no separator. */
int wsb__w32_resolve_program(char **out, const char *argv0, const char *path_var,
	const char *pathext_var, const char *cwd);

/* ---- audit.c ---- */

/* What the world-writable audit found among its candidates (bounded):
 * normalized paths, none under a writable root. */
typedef struct wsb__audit {
	wsb__strvec holes;       /* Everyone or the logon SID may write: so may the sandbox */
	wsb__strvec groups_only; /* only Users / Authenticated Users / INTERACTIVE may write:
	                          * the restricted pass refuses the sandbox */
	wsb__strvec groups_by;   /* per groups_only entry: those groups, by name */
	int exhausted;           /* the entry or time budget ran out */
} wsb__audit;

int wsb__audit_find(wsb__audit *out, const struct wsb_policy *policy, const char *cwd,
	unsigned long max_entries, unsigned long max_ms);
void wsb__audit_dispose(wsb__audit *a);

/* ---- decide.c (decide/act); the plan is filled in backend.c ---- */

typedef struct wsb__w32_ace {
	char *path;
	char *sddl;
	const char *role;   /* "writable_root", "protected", "null_device", "world_writable",
	                     * and for a sandbox user "sandbox_root", "deny_read" */
	int present;        /* already there: nothing to write */
	int added;          /* written by this run's apply */
} wsb__w32_ace;

/* Budget of decide's protected-name scan below the writable roots: as on
 * Linux (lib/linux/mounts.c) folders are listed down to depth 3 (names
 * found at root\a\b\NAME) and at most 1,024 of them for all roots; here
 * also at most 100,000 names, since every name listed costs time. */
#define WSB__SCAN_MAX_DEPTH 3
#define WSB__SCAN_MAX_DIRS 1024
#define WSB__SCAN_MAX_ENTRIES 100000

/* What a deny-read path denies the sandbox group: the contents (read
 * data / list directory), extended attributes and execute / traverse. Not
 * FILE_READ_ATTRIBUTES, READ_CONTROL or SYNCHRONIZE: every open asks for
 * SYNCHRONIZE and stat-like calls for the attributes, so denying those
 * would break listing the parent and "does it exist" checks while hiding
 * nothing secret (names, sizes and times stay visible). */
#define WSB__MASK_DENY_READ (FILE_READ_DATA | FILE_READ_EA | FILE_EXECUTE)

typedef struct wsb__w32_decision {
	wsb__strvec roots;         /* writable roots, then the private temp folder */
	char *temp_dir;            /* the sandbox's TEMP/TMP (%TEMP%\wsb-<id>), or NULL */
	int temp_absent;           /* it does not exist yet: apply creates it */
	int temp_is_root;          /* it is the last of roots (not under a policy root) */
	wsb__caps caps;
	wsb__w32_ace *aces;
	size_t ace_count;
	size_t ace_cap;
	wsb__strvec env_extra;     /* advisory "NAME=VALUE" */
	wsb__strvec world_writable;  /* audit holes: denied or refused */
	wsb__strvec group_writable;  /* writable by non-restricting groups only: noted */
	unsigned long scan_dirs;     /* folders listed by the protected-name scan */
	unsigned long scan_entries;  /* names it saw */
	int scan_truncated;          /* it stopped at its budget */
	int write_restricted;
	unsigned int protections;
	unsigned int missing;
	char *group_sid;             /* the sandbox users' group (decide_as), or NULL */
	wsb__strvec deny_read_absent;  /* deny-read paths that do not exist: no ACE */
} wsb__w32_decision;

/* run_audit: run the world-writable audit when the policy's flags ask
 * for it, over audit_cwd (the command's directory; NULL: the caller's) and
 * the other candidates. */
int wsb__w32_decide(wsb__w32_decision **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, int run_audit, const char *audit_cwd);
/* The same for commands run as a sandbox user whose group is group_sid
 * ("S-1-5-21-..."; NULL: wsb__w32_decide). The sandbox user is not the
 * real user, so its normal access check needs grants of its own: every
 * writable root (the private temp folder too) gets the capability ACE's
 * allow for the group ("sandbox_root"), and every existing deny-read path a
 * WSB__MASK_DENY_READ deny for it ("deny_read", inherited on folders).
 * Deny-read is then in force (where it applies: not in full access); a
 * deny-read path that does not exist gets no ACE and is listed in
 * deny_read_absent (noted in the plan). Everyone, Authenticated Users,
 * Users, INTERACTIVE and Local are refused as group_sid (WSB_EINVAL): their
 * grant would reach every user. */
int wsb__w32_decide_as(wsb__w32_decision **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, int run_audit, const char *audit_cwd,
	const char *group_sid);
void wsb__w32_decision_free(wsb__w32_decision *d);
/* Add the missing ACEs, journaled first. On failure the ACEs added by this
 * call are removed again (and the removal journaled). */
int wsb__w32_apply(wsb__w32_decision *d, const char *state_dir);
/* Remove the ACEs this decision's apply added (journaled); the current
 * error is kept. */
void wsb__w32_unapply(wsb__w32_decision *d, const char *state_dir);
/* Fill a plan from a decision. */
int wsb__w32_plan_fill(struct wsb_plan *plan, const wsb__w32_decision *d,
	const struct wsb_policy *policy);

/* ---- asuser.c: the command as a sandbox user, through the runner ---- */

struct wsb__sandbox_account;
/* Load the account for the policy's network setting (offline or online)
 * and decide as wsb__w32_decide_as for its group; with the offline user's
 * firewall rules verified, network off is enforced (not advisory). */
int wsb__asuser_decide(wsb__w32_decision **d, struct wsb__sandbox_account *acct,
	const struct wsb_policy *policy, const struct wsb_identity *identity, const char *cwd);
/* Start wsb-runner.exe as the account (CreateProcessWithLogonW), in p's
 * job, and have it start the command: p->process is the runner (whose exit
 * code is the command's), p->pid the command's, p's stdio ends are the
 * named pipes. On failure nothing is left running and p holds no handle. */
int wsb__asuser_start(struct wsb_process *p, const struct wsb__sandbox_account *account,
	const wsb__w32_launch *l, const wsb__w32_decision *d, const struct wsb_policy *policy,
	const wsb_spawn_options *opts);
/* Send the runner of p (which has a terminal) a new size and wait for its
 * answer (at most WSB__RUNNER_RESIZE_MS). */
int wsb__asuser_resize(struct wsb_process *p, unsigned int cols, unsigned int rows);
/* Test hook: use this runner instead of the one next to the library
 * (NULL: back to the default). */
void wsb__asuser_set_runner(const wchar_t *path);

#endif
