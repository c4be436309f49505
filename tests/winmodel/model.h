/*
 * A simulated Windows security model, for tests only (never shipped).
 *
 * Written from the documents, not from the library: MS-DTYP 2.4 (SID, ACE,
 * ACL, SECURITY_DESCRIPTOR binary formats), MS-DTYP 2.5.3.2 (access check
 * pseudocode), the Win32 docs on restricted tokens, SID attributes, mandatory
 * integrity control, ACE inheritance, file generic mapping, job objects and
 * Windows Firewall rules. docs/windows-model.md lists what it covers and what
 * it does not.
 *
 * Portable C99: builds on the Linux host and with mingw-w64, and never
 * includes windows.h, so its verdicts are the same on both. Every constant is
 * redefined here with a WM_ prefix (values from MS-DTYP / winnt.h).
 *
 * Errors: functions return WM_OK (0) or a negative WM_E* code; they never
 * leave a partial change behind.
 */
#ifndef WINMODEL_MODEL_H
#define WINMODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- result codes (mapped onto Win32 errors by the seam adapter) ---- */
enum {
	WM_OK = 0,
	WM_E_INVALID = -1,       /* ERROR_INVALID_PARAMETER / malformed binary */
	WM_E_ACCESS = -2,        /* ERROR_ACCESS_DENIED */
	WM_E_NOT_FOUND = -3,     /* ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND */
	WM_E_EXISTS = -4,        /* ERROR_ALREADY_EXISTS */
	WM_E_NOT_EMPTY = -5,     /* ERROR_DIR_NOT_EMPTY */
	WM_E_NOMEM = -6,         /* ERROR_NOT_ENOUGH_MEMORY */
	WM_E_QUOTA = -7,         /* ERROR_NOT_ENOUGH_QUOTA (job limits) */
	WM_E_LOOP = -8,          /* ERROR_CANT_RESOLVE_FILENAME (reparse loop) */
	WM_E_STATE = -9          /* object in the wrong state (e.g. closed job) */
};

/* ---- access rights (MS-DTYP 2.4.3, winnt.h) ---- */
#define WM_FILE_READ_DATA            0x00000001u /* = FILE_LIST_DIRECTORY */
#define WM_FILE_LIST_DIRECTORY       0x00000001u
#define WM_FILE_WRITE_DATA           0x00000002u /* = FILE_ADD_FILE */
#define WM_FILE_ADD_FILE             0x00000002u
#define WM_FILE_APPEND_DATA          0x00000004u /* = FILE_ADD_SUBDIRECTORY */
#define WM_FILE_ADD_SUBDIRECTORY     0x00000004u
#define WM_FILE_READ_EA              0x00000008u
#define WM_FILE_WRITE_EA             0x00000010u
#define WM_FILE_EXECUTE              0x00000020u /* = FILE_TRAVERSE */
#define WM_FILE_TRAVERSE             0x00000020u
#define WM_FILE_DELETE_CHILD         0x00000040u
#define WM_FILE_READ_ATTRIBUTES      0x00000080u
#define WM_FILE_WRITE_ATTRIBUTES     0x00000100u
#define WM_DELETE                    0x00010000u
#define WM_READ_CONTROL              0x00020000u
#define WM_WRITE_DAC                 0x00040000u
#define WM_WRITE_OWNER               0x00080000u
#define WM_SYNCHRONIZE               0x00100000u
#define WM_ACCESS_SYSTEM_SECURITY    0x01000000u
#define WM_MAXIMUM_ALLOWED           0x02000000u
#define WM_GENERIC_ALL               0x10000000u
#define WM_GENERIC_EXECUTE           0x20000000u
#define WM_GENERIC_WRITE             0x40000000u
#define WM_GENERIC_READ              0x80000000u
#define WM_FILE_ALL_ACCESS           0x001F01FFu
#define WM_FILE_GENERIC_READ         0x00120089u
#define WM_FILE_GENERIC_WRITE        0x00120116u
#define WM_FILE_GENERIC_EXECUTE      0x001200A0u
/* The firewall's LocalUserAuthorizedList uses the directory right "CC". */
#define WM_ADS_RIGHT_DS_CREATE_CHILD 0x00000001u

typedef struct wm_generic_mapping {
	uint32_t read, write, execute, all;
} wm_generic_mapping;

/* FILE_GENERIC_READ/WRITE/EXECUTE/FILE_ALL_ACCESS. */
extern const wm_generic_mapping wm_file_mapping;

/* Replace GENERIC_* bits by what the mapping says (MapGenericMask). */
uint32_t wm_map_generic(uint32_t mask, const wm_generic_mapping *m);

/* ---- SIDs (MS-DTYP 2.4.2) ---- */
#define WM_SID_MAX_SUB 15
typedef struct wm_sid {
	uint8_t revision;        /* always 1 */
	uint8_t sub_count;       /* 0..15 */
	uint8_t authority[6];    /* big-endian 48-bit identifier authority */
	uint32_t sub[WM_SID_MAX_SUB];
} wm_sid;

/* Parse "S-1-5-32-544" (decimal, or 0x-hex authority >= 2^32) or one of the
 * SDDL two-letter aliases this model knows (WD, SY, BA, BU, AU, LS, NS, CO,
 * CG, OW, IU, RC, AC, LW, ME, HI, SI). */
int wm_sid_parse(wm_sid *out, const char *text);
/* Format into buf ("S-1-..."); returns WM_E_INVALID if it does not fit. */
int wm_sid_format(const wm_sid *sid, char *buf, size_t buflen);
/* Binary form: 8 + 4 * sub_count bytes. */
size_t wm_sid_size(const wm_sid *sid);
int wm_sid_from_bin(wm_sid *out, const uint8_t *p, size_t len, size_t *used);
void wm_sid_to_bin(const wm_sid *sid, uint8_t *p);
int wm_sid_equal(const wm_sid *a, const wm_sid *b);
/* Shorthand used everywhere in tests: aborts on a malformed literal. */
wm_sid wm_sid_of(const char *text);

/* Well-known SIDs the access check treats specially. */
#define WM_SID_EVERYONE       "S-1-1-0"
#define WM_SID_CREATOR_OWNER  "S-1-3-0"
#define WM_SID_CREATOR_GROUP  "S-1-3-1"
#define WM_SID_OWNER_RIGHTS   "S-1-3-4"
#define WM_SID_SYSTEM         "S-1-5-18"
#define WM_SID_ADMINISTRATORS "S-1-5-32-544"
#define WM_SID_USERS          "S-1-5-32-545"

/* ---- ACEs and ACLs (MS-DTYP 2.4.4, 2.4.5) ---- */
#define WM_ACE_ALLOWED          0x00
#define WM_ACE_DENIED           0x01
#define WM_ACE_MANDATORY_LABEL  0x11

#define WM_OI  0x01  /* OBJECT_INHERIT_ACE */
#define WM_CI  0x02  /* CONTAINER_INHERIT_ACE */
#define WM_NP  0x04  /* NO_PROPAGATE_INHERIT_ACE */
#define WM_IO  0x08  /* INHERIT_ONLY_ACE */
#define WM_ID  0x10  /* INHERITED_ACE */

/* Mandatory label policy bits (ACE mask of a SYSTEM_MANDATORY_LABEL_ACE). */
#define WM_NO_WRITE_UP    0x1u
#define WM_NO_READ_UP     0x2u
#define WM_NO_EXECUTE_UP  0x4u

/* Integrity levels: the RID of S-1-16-<rid>. */
#define WM_IL_UNTRUSTED 0x0000u
#define WM_IL_LOW       0x1000u
#define WM_IL_MEDIUM    0x2000u
#define WM_IL_HIGH      0x3000u
#define WM_IL_SYSTEM    0x4000u

/* One ACE. Types the model does not interpret (object, callback, audit ACEs)
 * keep their body bytes in raw so a round trip is byte-exact. */
typedef struct wm_ace {
	uint8_t type;
	uint8_t flags;
	uint32_t mask;
	wm_sid sid;
	uint8_t *raw;        /* body after the 4-byte header, for other types */
	uint16_t raw_len;
} wm_ace;

/* revision 0 with no ACEs is a NULL ACL (no ACL at all); an empty but
 * present ACL has revision 2. */
typedef struct wm_acl {
	uint8_t revision;    /* 2, or 4 when object ACEs are present */
	size_t count;
	wm_ace *aces;
} wm_acl;

int wm_acl_add(wm_acl *acl, uint8_t type, uint8_t flags, uint32_t mask, const wm_sid *sid);
int wm_acl_copy(wm_acl *out, const wm_acl *in);
void wm_acl_dispose(wm_acl *acl);
size_t wm_acl_size(const wm_acl *acl);
int wm_acl_from_bin(wm_acl *out, const uint8_t *p, size_t len);
void wm_acl_to_bin(const wm_acl *acl, uint8_t *p);

/* ---- security descriptors (MS-DTYP 2.4.6, self-relative form) ---- */
#define WM_SE_OWNER_DEFAULTED      0x0001
#define WM_SE_GROUP_DEFAULTED      0x0002
#define WM_SE_DACL_PRESENT         0x0004
#define WM_SE_DACL_DEFAULTED       0x0008
#define WM_SE_SACL_PRESENT         0x0010
#define WM_SE_SACL_DEFAULTED       0x0020
#define WM_SE_DACL_AUTO_INHERITED  0x0400
#define WM_SE_SACL_AUTO_INHERITED  0x0800
#define WM_SE_DACL_PROTECTED       0x1000
#define WM_SE_SACL_PROTECTED       0x2000
#define WM_SE_SELF_RELATIVE        0x8000

typedef struct wm_sd {
	uint16_t control;    /* WM_SE_*; DACL/SACL_PRESENT say whether the ACLs exist */
	int has_owner, has_group;
	wm_sid owner, group;
	wm_acl dacl;         /* meaningful only with WM_SE_DACL_PRESENT */
	wm_acl sacl;         /* meaningful only with WM_SE_SACL_PRESENT */
} wm_sd;

void wm_sd_init(wm_sd *sd);
int wm_sd_copy(wm_sd *out, const wm_sd *in);
void wm_sd_dispose(wm_sd *sd);
/* Self-relative binary; wm_sd_to_bin mallocs *out (free with free()). */
int wm_sd_from_bin(wm_sd *out, const uint8_t *p, size_t len);
int wm_sd_to_bin(uint8_t **out, size_t *out_len, const wm_sd *sd);
/* A subset of SDDL: O:, G:, D:[P][AI](ace)..., S:[P][AI](ace)... with ACE
 * types A, D, ML; flags OI CI NP IO ID; rights as 0x-hex or the two-letter
 * names (GA GR GW GX FA FR FW FX SD RC WD WO CC DC LC SW RP WP DT LO CR, NW
 * NR NX for labels). Enough for the ACLs the library and firewall use. */
int wm_sd_from_sddl(wm_sd *out, const char *sddl);

/* ---- tokens ---- */
#define WM_SE_GROUP_MANDATORY          0x00000001u
#define WM_SE_GROUP_ENABLED_BY_DEFAULT 0x00000002u
#define WM_SE_GROUP_ENABLED            0x00000004u
#define WM_SE_GROUP_OWNER              0x00000008u
#define WM_SE_GROUP_USE_FOR_DENY_ONLY  0x00000010u
#define WM_SE_GROUP_LOGON_ID           0xC0000000u

/* Privileges the model gives meaning to (held AND enabled). */
#define WM_PRIV_BACKUP          0x01u  /* SeBackupPrivilege */
#define WM_PRIV_RESTORE         0x02u  /* SeRestorePrivilege */
#define WM_PRIV_TAKE_OWNERSHIP  0x04u  /* SeTakeOwnershipPrivilege */
#define WM_PRIV_SECURITY        0x08u  /* SeSecurityPrivilege */
#define WM_PRIV_CHANGE_NOTIFY   0x10u  /* SeChangeNotifyPrivilege (bypass traverse) */
#define WM_PRIV_CREATE_SYMLINK  0x20u  /* SeCreateSymbolicLinkPrivilege */

typedef struct wm_sid_attr {
	wm_sid sid;
	uint32_t attrs;
} wm_sid_attr;

#define WM_TOKEN_MANDATORY_POLICY_NO_WRITE_UP 0x1u

typedef struct wm_token {
	wm_sid_attr user;            /* attrs 0 = enabled; DENY_ONLY possible */
	wm_sid_attr *groups;
	size_t group_count;
	wm_sid *restricted;          /* restricting SIDs (always "enabled") */
	size_t restricted_count;
	int write_restricted;        /* CreateRestrictedToken(WRITE_RESTRICTED) */
	uint32_t privileges;         /* WM_PRIV_* held and enabled */
	uint32_t integrity;          /* WM_IL_* */
	uint32_t mandatory_policy;   /* WM_TOKEN_MANDATORY_POLICY_* */
	wm_sid owner;                /* TokenOwner: owner of objects it creates */
	wm_sid primary_group;
	int has_default_dacl;
	wm_acl default_dacl;         /* used when nothing is inherited */
} wm_token;

/* A medium-integrity token for user with change-notify, owner = user,
 * mandatory policy NO_WRITE_UP. */
int wm_token_init(wm_token *t, const wm_sid *user);
int wm_token_add_group(wm_token *t, const wm_sid *sid, uint32_t attrs);
int wm_token_add_restricted(wm_token *t, const wm_sid *sid);
int wm_token_copy(wm_token *out, const wm_token *in);
void wm_token_dispose(wm_token *t);

/* ---- access check (MS-DTYP 2.5.3.2 plus restricted tokens and MIC) ---- */
typedef struct wm_check {
	const wm_generic_mapping *mapping;  /* NULL = wm_file_mapping */
	int backup_intent;                  /* FILE_FLAG_BACKUP_SEMANTICS */
	/* Which granted bits a WRITE_RESTRICTED token's restricted pass
	 * constrains. 0 = the write rights of the mapping's GenericWrite that
	 * are not also read/execute rights (for files FILE_WRITE_DATA,
	 * FILE_APPEND_DATA, FILE_WRITE_EA, FILE_WRITE_ATTRIBUTES): the narrowest
	 * reading of "only write access is checked", so a denial the model
	 * proves holds on any kernel that checks more. Set it to
	 * WM_WRITE_RESTRICTED_WIDE to also constrain DELETE, WRITE_DAC,
	 * WRITE_OWNER and FILE_DELETE_CHILD (see docs/windows-model.md). */
	uint32_t write_restricted_mask;
} wm_check;

#define WM_WRITE_RESTRICTED_WIDE (0x116u | WM_DELETE | WM_WRITE_DAC | WM_WRITE_OWNER | WM_FILE_DELETE_CHILD)

/* AccessCheck: maps generic bits of desired, honours MAXIMUM_ALLOWED.
 * WM_OK with *granted set (the desired mask, or for MAXIMUM_ALLOWED
 * everything grantable), or WM_E_ACCESS with *granted = 0. */
int wm_access_check(uint32_t *granted, const wm_sd *sd, const wm_token *t,
	uint32_t desired, const wm_check *opts);

/* Integrity level of an object: its mandatory label, or Medium when the SD
 * has none (the documented default). *policy gets the label's policy bits. */
uint32_t wm_sd_integrity(const wm_sd *sd, uint32_t *policy);

/* ---- simulated file system ---- */
typedef struct wm_fs wm_fs;
typedef struct wm_node wm_node;

enum { WM_REPARSE_NONE = 0, WM_REPARSE_JUNCTION, WM_REPARSE_SYMLINK };

/* Open/create flags. */
#define WM_OPEN_REPARSE_POINT  0x1u  /* FILE_FLAG_OPEN_REPARSE_POINT */
#define WM_OPEN_BACKUP         0x2u  /* FILE_FLAG_BACKUP_SEMANTICS (backup intent) */

/* A file system with one volume "C:" whose root has root_sd. 8.3 names are
 * generated for new names that are not already 8.3 when gen_short_names. */
int wm_fs_create(wm_fs **out, const wm_sd *root_sd, int gen_short_names);
void wm_fs_free(wm_fs *fs);

/* Paths are "C:\a\b" (or with '/'); a last component "name:stream" or
 * "name:stream:$DATA" names an alternate data stream. Names compare
 * case-insensitively; 8.3 short names are aliases. A reparse point in the
 * path is followed (the last one too unless WM_OPEN_REPARSE_POINT).
 * token NULL = no access checks (the test harness acting as the system). */

/* CreateFile on an existing object: check desired on the object it resolves
 * to. DELETE is also granted by FILE_DELETE_CHILD on the parent, as NTFS does. */
int wm_fs_open(wm_fs *fs, const wm_token *t, const char *path, uint32_t desired,
	unsigned flags, uint32_t *granted);
/* Create a file or directory: FILE_ADD_FILE / FILE_ADD_SUBDIRECTORY on the
 * parent; its SD is inherited from the parent, merged with sd when given (as
 * CreateFile with SECURITY_ATTRIBUTES). A stream is created on its file with
 * FILE_WRITE_DATA on the file. */
int wm_fs_create_file(wm_fs *fs, const wm_token *t, const char *path, const wm_sd *sd);
int wm_fs_create_dir(wm_fs *fs, const wm_token *t, const char *path, const wm_sd *sd);
/* A junction (a directory reparse point) or symlink at path to target (an
 * absolute path, or relative to the link's folder for symlinks). The link
 * itself is created like a directory / file. */
int wm_fs_create_link(wm_fs *fs, const wm_token *t, const char *path, int kind,
	const char *target);
/* Write to a file or stream (FILE_WRITE_DATA), creating a missing stream. */
int wm_fs_write(wm_fs *fs, const wm_token *t, const char *path, const char *data);
int wm_fs_read(wm_fs *fs, const wm_token *t, const char *path, const char **out);
/* Delete a file, empty directory, stream or link (not its target). */
int wm_fs_delete(wm_fs *fs, const wm_token *t, const char *path);
/* MoveFileEx within the volume; replace as MOVEFILE_REPLACE_EXISTING. The
 * moved object keeps its security descriptor, inherited ACEs included. */
int wm_fs_rename(wm_fs *fs, const wm_token *t, const char *from, const char *to, int replace);

/* SECURITY_INFORMATION bits (GetNamedSecurityInfo/SetNamedSecurityInfo). */
#define WM_OWNER_SI              0x00000001u
#define WM_GROUP_SI              0x00000002u
#define WM_DACL_SI               0x00000004u
#define WM_SACL_SI               0x00000008u
#define WM_LABEL_SI              0x00000010u
#define WM_UNPROTECTED_SACL_SI   0x10000000u
#define WM_UNPROTECTED_DACL_SI   0x20000000u
#define WM_PROTECTED_SACL_SI     0x40000000u
#define WM_PROTECTED_DACL_SI     0x80000000u

/* GetNamedSecurityInfo: READ_CONTROL (ACCESS_SYSTEM_SECURITY for a SACL).
 * The returned SD has only the parts asked for. */
int wm_fs_get_sd(wm_fs *fs, const wm_token *t, const char *path, uint32_t si, wm_sd *out);
/* SetNamedSecurityInfo with auto-inheritance: WRITE_DAC / WRITE_OWNER; a new
 * DACL keeps its explicit ACEs (inherited ones given are dropped), then gets
 * the parent's inheritable ACEs unless protected, and the change propagates
 * to every descendant whose DACL is not protected. As with the real call
 * (which takes a PACL, not a descriptor), protection comes only from
 * WM_PROTECTED_DACL_SI / WM_UNPROTECTED_DACL_SI; with neither it is kept. */
int wm_fs_set_sd(wm_fs *fs, const wm_token *t, const char *path, uint32_t si, const wm_sd *sd);
/* Raw access for the harness and assertions: the SD of the object a path
 * names (after reparse resolution unless WM_OPEN_REPARSE_POINT). */
const wm_sd *wm_fs_peek_sd(wm_fs *fs, const char *path, unsigned flags);
int wm_fs_exists(wm_fs *fs, const char *path);
/* The 8.3 alias of the object at path, or NULL. */
const char *wm_fs_short_name(wm_fs *fs, const char *path);
int wm_fs_set_short_name(wm_fs *fs, const char *path, const char *short_name);
/* Full long path of the object a path resolves to (into buf). */
int wm_fs_real_path(wm_fs *fs, const char *path, char *buf, size_t buflen);

/* What a path names, without access checks: WM_KIND_FILE (a file or an
 * existing stream), WM_KIND_DIR, WM_KIND_LINK (a reparse point, only with
 * WM_OPEN_REPARSE_POINT), or WM_E_NOT_FOUND. */
enum { WM_KIND_FILE = 0, WM_KIND_DIR = 1, WM_KIND_LINK = 2 };
int wm_fs_kind(wm_fs *fs, const char *path, unsigned flags);
/* The names in a directory (FILE_LIST_DIRECTORY on it); free the vector
 * with wm_fs_list_free. */
int wm_fs_list(wm_fs *fs, const wm_token *t, const char *path, char ***names, size_t *count);
void wm_fs_list_free(char **names, size_t count);
/* wm_check.write_restricted_mask for every access check of this file
 * system (0 = the narrow default, or WM_WRITE_RESTRICTED_WIDE). */
void wm_fs_set_write_restricted_mask(wm_fs *fs, uint32_t mask);

/* ---- job objects ---- */
#define WM_JOB_LIMIT_ACTIVE_PROCESS          0x00000008u
#define WM_JOB_LIMIT_PROCESS_MEMORY          0x00000100u
#define WM_JOB_LIMIT_JOB_MEMORY              0x00000200u
#define WM_JOB_LIMIT_DIE_ON_UNHANDLED_EXCEPTION 0x00000400u
#define WM_JOB_LIMIT_BREAKAWAY_OK            0x00000800u
#define WM_JOB_LIMIT_SILENT_BREAKAWAY_OK     0x00001000u
#define WM_JOB_LIMIT_KILL_ON_JOB_CLOSE       0x00002000u

#define WM_CREATE_BREAKAWAY_FROM_JOB         0x01000000u
#define WM_CREATE_SUSPENDED                  0x00000004u

typedef struct wm_jobsys wm_jobsys;

typedef struct wm_job_limits {
	uint32_t flags;               /* WM_JOB_LIMIT_* */
	uint32_t active_processes;
	uint64_t process_memory;      /* bytes of committed memory per process */
	uint64_t job_memory;          /* bytes for the whole job */
} wm_job_limits;

int wm_jobsys_create(wm_jobsys **out);
void wm_jobsys_free(wm_jobsys *js);
/* A process outside any job (the caller); returns its pid. */
int wm_proc_start(wm_jobsys *js, long *pid);
/* CreateProcess from parent: the child joins the parent's job unless it
 * breaks away (CREATE_BREAKAWAY_FROM_JOB needs BREAKAWAY_OK, else
 * WM_E_ACCESS; SILENT_BREAKAWAY_OK breaks away without asking). Over the
 * active-process limit the child is not created (WM_E_QUOTA). */
int wm_proc_create(wm_jobsys *js, long parent, uint32_t flags, long *child);
int wm_proc_exit(wm_jobsys *js, long pid);
int wm_proc_alive(wm_jobsys *js, long pid);
/* Commit bytes of memory in a process; WM_E_QUOTA past a job limit. */
int wm_proc_commit(wm_jobsys *js, long pid, uint64_t bytes);
/* Job id or 0 when the process is in no job. */
int wm_proc_job(wm_jobsys *js, long pid);

int wm_job_create(wm_jobsys *js, int *job);  /* one open handle */
int wm_job_set_limits(wm_jobsys *js, int job, const wm_job_limits *lim);
/* AssignProcessToJobObject; over the active limit the process is terminated
 * and WM_E_QUOTA returned (as documented). */
int wm_job_assign(wm_jobsys *js, int job, long pid);
int wm_job_active(wm_jobsys *js, int job);     /* live processes in the job */
int wm_job_terminate(wm_jobsys *js, int job);
int wm_job_dup_handle(wm_jobsys *js, int job);
/* Closing the last handle kills the job's processes with KILL_ON_JOB_CLOSE. */
int wm_job_close_handle(wm_jobsys *js, int job);

/* ---- Windows Firewall ---- */
enum { WM_FW_IN = 1, WM_FW_OUT = 2 };
enum { WM_FW_BLOCK = 0, WM_FW_ALLOW = 1 };
#define WM_PROTO_ICMP 1
#define WM_PROTO_TCP  6
#define WM_PROTO_UDP  17
#define WM_PROTO_ANY  256

typedef struct wm_fw_rule {
	const char *name;
	int enabled;
	int direction;                  /* WM_FW_IN / WM_FW_OUT */
	int action;                     /* WM_FW_BLOCK / WM_FW_ALLOW */
	int protocol;                   /* WM_PROTO_*, or any IANA number */
	const char *local_addresses;    /* "*" or list of a, a-b, a/n (v4/v6); NULL = "*" */
	const char *remote_addresses;
	const char *local_ports;        /* "*" or list of p, p-q; NULL = "*" */
	const char *remote_ports;
	const char *local_user_authorized_list; /* SDDL or NULL */
} wm_fw_rule;

typedef struct wm_fw wm_fw;

int wm_fw_create(wm_fw **out);
void wm_fw_free(wm_fw *fw);
/* Validates and copies the rule; WM_E_INVALID on a bad list or SDDL.
 * A rule with the same name replaces the old one (rules are found by name). */
int wm_fw_add(wm_fw *fw, const wm_fw_rule *rule);
int wm_fw_remove(wm_fw *fw, const char *name);
size_t wm_fw_count(const wm_fw *fw);

typedef struct wm_fw_conn {
	const wm_token *user;       /* the connecting process's token */
	int direction;
	int protocol;
	const char *local_address;
	const char *remote_address;
	unsigned local_port, remote_port;
} wm_fw_conn;

/* Block rules win over allow rules; with no match, outbound is allowed and
 * inbound blocked (the default profile behaviour). */
int wm_fw_verdict(const wm_fw *fw, const wm_fw_conn *c);

#ifdef __cplusplus
}
#endif
#endif
