/*
 * The elevated sandbox's setup (docs/windows-setup.md): sandbox users and
 * their group (users.c), their passwords (secrets.c), the offline user's
 * firewall rules (firewall.c), and the transactional setup that ties them
 * together (setup.c). Every Win32 and COM call goes through os.h, except
 * the memory-only ones os.h allows plus CreateWellKnownSid,
 * SetSecurityDescriptorControl and GetLengthSid, which only fill or read
 * buffers the caller owns.
 */
#ifndef WSB_WIN32_ELEVATED_H
#define WSB_WIN32_ELEVATED_H

#include "os.h"
#include "core/common.h"

/* ---- elevated.c: helpers shared by the setup modules ---- */

/* Record a failed call: code from the OS error (access denied ->
 * WSB_EACCES, out of memory -> WSB_ENOMEM, else fallback), the message
 * names the call and what it was for. */
int wsb__el_fail(int fallback, const char *call, DWORD err, const char *fmt, ...) WSB__PRINTF(4, 5);
/* UTF-8 <-> UTF-16 (wchar_t), freed with wsb__free. */
int wsb__el_wide(wchar_t **out, const char *s);
int wsb__el_narrow(char **out, const wchar_t *w);
/* The SID of the calling process's user (freed with wsb__free). */
int wsb__el_current_user_sid(PSID *out);
/* 1 if the process token is elevated (an administrator's full token). */
int wsb__el_is_elevated(int *out);
/* The SID of a local account or group by name (freed with wsb__free);
 * WSB_ENOENT if no such account. */
int wsb__el_account_sid(PSID *out, const wchar_t *name);
/* A SID as a string "S-1-5-..." (freed with wsb__free). */
int wsb__el_sid_string(char **out, PSID sid);
/* Whole small files: read (WSB_ENOENT if absent), write through a temp
 * file and a rename so readers never see half a file; sd (may be NULL)
 * is the new file's security descriptor. */
int wsb__el_read_file(char **out, size_t *out_len, const wchar_t *path, size_t max);
int wsb__el_write_file(const wchar_t *path, const void *data, size_t len, PSECURITY_DESCRIPTOR sd);
/* Delete a file; an absent file is not an error. */
int wsb__el_delete_file(const wchar_t *path);
/* dir + "\" + name, freed with wsb__free. */
int wsb__el_join(wchar_t **out, const wchar_t *dir, const wchar_t *name);

/* ---- secrets.c ---- */

/* Characters in a generated password. */
#define WSB__PASSWORD_LEN 32

/* A random password from BCryptGenRandom: WSB__PASSWORD_LEN characters,
 * uniform over upper case, lower case, digits and symbols, with at least
 * one of each class (Windows' complexity rule). */
int wsb__secret_password(wchar_t out[WSB__PASSWORD_LEN + 1]);
/* DPAPI, user scope, with the library's entropy: *out is freed with
 * wsb__free. */
int wsb__secret_protect(BYTE **out, DWORD *out_len, const wchar_t *password);
/* The password inside a protected blob; free it with wsb__secret_free. */
int wsb__secret_unprotect(wchar_t **out, const BYTE *blob, DWORD len);
/* Overwrite a password with zeros and free it. NULL is fine. */
void wsb__secret_free(wchar_t *password);
/* The security descriptor of the setup folder (deny == NULL) and of the
 * secret files (deny = the sandbox group): a protected DACL with, in
 * canonical order, a deny-all ACE for deny, then full control for user,
 * SYSTEM and Administrators; container+object inherit when inherit.
 * One allocation, freed with wsb__free. */
int wsb__secret_sd(PSECURITY_DESCRIPTOR *out, PSID deny, PSID user, int inherit);
/* SDDL text of a security descriptor's DACL ("D:P(...)"). */
int wsb__el_sd_sddl(char **out, PSECURITY_DESCRIPTOR sd);
/* Store / load a password protected with DPAPI in a file. */
int wsb__secret_store(const wchar_t *path, const wchar_t *password, PSECURITY_DESCRIPTOR sd);
int wsb__secret_load(wchar_t **out, const wchar_t *path);

/* ---- users.c ---- */

/* Longest local user name Windows accepts (sAMAccountName). */
#define WSB__USER_NAME_MAX 20
#define WSB__GROUP_NAME_MAX 256

/* Check an account name before any change: length, reserved names, the
 * characters \ / [ ] : ; | = , + * ? < > " and control characters, not
 * only dots and spaces. WSB_EINVAL or WSB_ETOOLONG with what in the
 * message. */
int wsb__account_name_check(const char *name, size_t max, const char *what);

int wsb__group_exists(int *out, const wchar_t *group);
int wsb__group_create(const wchar_t *group);
/* Delete a group; an absent group is not an error. */
int wsb__group_delete(const wchar_t *group);
int wsb__user_exists(int *out, const wchar_t *user);
/* NetUserAdd level 1: USER_PRIV_USER, UF_SCRIPT | UF_DONT_EXPIRE_PASSWD. */
int wsb__user_create(const wchar_t *user, const wchar_t *password);
/* NetUserSetInfo level 1003. */
int wsb__user_set_password(const wchar_t *user, const wchar_t *password);
/* Delete a user; an absent user is not an error. */
int wsb__user_delete(const wchar_t *user);
int wsb__user_in_group(int *out, const wchar_t *user, const wchar_t *group);
int wsb__group_add_member(const wchar_t *group, const wchar_t *user);
/* Remove a member; not being a member is not an error. */
int wsb__group_del_member(const wchar_t *group, const wchar_t *user);
/* The (localized) name of the built-in Users group, S-1-5-32-545. */
int wsb__users_group_name(wchar_t **out);

/* Hiding from the sign-in screen: a DWORD 0 value named after the user
 * under HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\
 * SpecialAccounts\UserList. */
/* How many of the keys SpecialAccounts and UserList are missing (0..2),
 * and whether the user's value is there. */
int wsb__hide_state(int *out_missing_keys, int *out_hidden, const wchar_t *user);
/* Create the missing keys and the value. */
int wsb__hide_user(const wchar_t *user);
/* Delete the value; absent is fine. */
int wsb__unhide_user(const wchar_t *user);
/* Delete the innermost 'levels' keys (1: UserList, 2: and SpecialAccounts)
 * if they are empty; a key that holds anything else is kept. */
int wsb__hide_keys_remove(int levels);

/* ---- firewall.c ---- */

/* Most loopback ports a caller may allow. */
#define WSB__FW_PORTS_MAX 64

/* One outbound block rule for one user. Strings are UTF-8. */
typedef struct wsb__fw_rule {
	char *name;
	char *description;
	int protocol;             /* 256 any, 6 TCP, 17 UDP */
	char *remote_addresses;   /* Windows firewall address list, "*" any */
	char *remote_ports;       /* port ranges, "*" any (TCP/UDP only) */
	char *user_list;          /* LocalUserAuthorizedList SDDL */
	int active;               /* outbound, block, enabled, every profile */
} wsb__fw_rule;

typedef struct wsb__fw_ruleset {
	wsb__fw_rule *rules;
	size_t count;
} wsb__fw_ruleset;

/* Check the allowed loopback ports: 1..65535, no duplicates, at most
 * WSB__FW_PORTS_MAX. WSB_ERANGE / WSB_EEXIST / WSB_EINVAL. */
int wsb__fw_ports_check(const unsigned short *ports, size_t count);
/* The rules for the offline user: one for every non-loopback address, one
 * each for loopback TCP and UDP to every port except the allowed ones.
 * Names derive from the user name, so a later run finds them. */
int wsb__fw_rules_build(wsb__fw_ruleset *out, const char *user, const char *user_sid,
	const unsigned short *ports, size_t port_count);
void wsb__fw_ruleset_dispose(wsb__fw_ruleset *set);
void wsb__fw_rule_dispose(wsb__fw_rule *rule);
/* 1 if two rules mean the same (address and port lists compared as sets
 * of ranges, so Windows' rewriting of the text does not matter). */
int wsb__fw_rule_equal(const wsb__fw_rule *a, const wsb__fw_rule *b);
/* Text form for the journal (one line, tab-separated) and back. */
int wsb__fw_rule_serialize(char **out, const wsb__fw_rule *rule);
int wsb__fw_rule_parse(wsb__fw_rule *out, const char *text);

/* A session with the firewall policy (COM initialized on this thread). */
typedef struct wsb__fw wsb__fw;
int wsb__fw_open(wsb__fw **out);
void wsb__fw_close(wsb__fw *fw);
/* WSB_EGROUPPOLICY if group policy overrides local rules. */
int wsb__fw_preflight(wsb__fw *fw);
/* The rule named name: *out_found 0 if there is none. */
int wsb__fw_get(wsb__fw_rule *out, int *out_found, wsb__fw *fw, const char *name);
int wsb__fw_add(wsb__fw *fw, const wsb__fw_rule *rule);
/* Remove by name; absent is fine. */
int wsb__fw_remove(wsb__fw *fw, const char *name);
/* Read every rule of set back and compare; WSB_EUNAVAIL naming the first
 * rule that is missing or different. */
int wsb__fw_verify(wsb__fw *fw, const wsb__fw_ruleset *set);

/* ---- grants.c: read access for the sandbox group ---- */

/* 1 if a directory name in the profile is never granted (secret folders,
 * AppData, the legacy junction names, . and ..). */
int wsb__grant_skipped(const char *name);
/* The directories directly in profile that get a read grant (UTF-8 paths). */
int wsb__grant_roots(wsb__strvec *out, const wchar_t *profile);
/* The inherited read+execute allow ACE for the group, as SDDL. */
int wsb__grant_sddl(char **out, const char *group_sid);

/* ---- setup.c ---- */

/* Version of what setup installs; a record with another version makes
 * the next setup reconcile. */
#define WSB__SETUP_VERSION 1

/* Test hook: stop setup after this many journaled changes, as a crash
 * would (no rollback, no record); 0 = never. */
void wsb__setup_crash_after(unsigned long changes);

int wsb__setup_install(const wsb_setup_options *opts);
int wsb__setup_uninstall(const wsb_setup_options *opts);
int wsb__setup_status(char **out_json, const wsb_setup_options *opts);
struct wsb_plan;
int wsb__setup_plan(struct wsb_plan **out, const wsb_setup_options *opts);

/* The sandbox user a command runs as (lib/win32/asuser.c), from an
 * installed, committed setup in state_dir. */
typedef struct wsb__sandbox_account {
	int online;           /* 0: the offline user, 1: the online user */
	char *user8;          /* its name */
	wchar_t *user;
	char *user_sid;       /* "S-1-5-21-..." */
	char *group_sid;      /* the sandbox group's SID */
	wchar_t *password;    /* decrypted; wiped by dispose */
	int firewall;         /* offline: 1 if its block rules read back as setup
	                       * wrote them; else 0 (online: always 0) */
	char *firewall_why;   /* offline, firewall 0: what is wrong */
	unsigned short ports[WSB__FW_PORTS_MAX]; /* offline: the loopback ports it may reach */
	size_t port_count;
} wsb__sandbox_account;

/* WSB_ENOTSETUP (with the recovery in the message) when setup is missing,
 * of another version, unfinished, or its user, group or password is gone;
 * a firewall that does not verify is reported in the struct, not as an
 * error. */
int wsb__setup_account(wsb__sandbox_account *out, const char *state_dir, int online);
void wsb__setup_account_dispose(wsb__sandbox_account *a);

#endif
