/*
 * The policy object (lib/core/policy.c; the network allow-list's rules in
 * lib/core/policy_net.c). Backends read it through this header; only those
 * two files write it. Every stored path is already normalized
 * (path.h) in the policy's flavor.
 */
#ifndef WSB_CORE_POLICY_H
#define WSB_CORE_POLICY_H

#include "common.h"
#include "path.h"
#include "hostpat.h"

/* An environment change, applied in order. value == NULL means unset. */
typedef struct wsb__env_op {
	char *name;
	char *value;
} wsb__env_op;

struct wsb_policy {
	int flavor;                 /* wsb__path_flavor; WSB__PATH_HOST unless a test changed it */
	int mode;                   /* wsb_mode */
	int network;                /* wsb_network */
	unsigned int flags;         /* wsb_policy_flag */
	unsigned int allow_missing; /* wsb_protection bits the caller can do without */
	wsb_u64 limits[6];          /* indexed by wsb_limit; [0] unused */
	int env_mode;               /* wsb_env_mode */
	wsb__env_op *env_ops;
	size_t env_op_count;
	size_t env_op_cap;
	wsb__strvec write_roots;    /* normalized, in insertion order */
	wsb__strvec protect_paths;  /* normalized */
	wsb__strvec protect_names;  /* names added by the caller; ".git" is implied unless NO_DEFAULT_PROTECT */
	wsb__strvec deny_read;      /* normalized */
	unsigned short relay_listen; /* loopback relay: 127.0.0.1 port to listen on; 0 = none */
	unsigned short relay_target; /* ... and the 127.0.0.1 port it forwards to */
	wsb__hostpat *net_rules;    /* allow-list rules (hostpat.h), in insertion order */
	wsb_network_event_fn net_callback; /* wsb_policy_set_network_callback */
	void *net_callback_ctx;
	size_t net_rule_count;
	size_t net_rule_cap;
};

/* The names protected by default. */
#define WSB__DEFAULT_PROTECT_NAME ".git"

/* Ranges accepted by wsb_policy_set_limit (0 always means "no limit").
 * Chosen so every backend can represent them: Windows job limits take
 * 100 ns units in 64 bits, Linux caps pids at 2^22, captured output lives
 * in memory. */
#define WSB__LIMIT_MEMORY_MIN ((wsb_u64)1 << 20)       /* 1 MiB: less cannot start a process */
#define WSB__LIMIT_MEMORY_MAX ((wsb_u64)1 << 52)       /* 4 PiB */
#define WSB__LIMIT_PROCESSES_MAX ((wsb_u64)1 << 22)
#define WSB__LIMIT_MS_MAX ((wsb_u64)100 * 366 * 24 * 3600 * 1000) /* a century */
#define WSB__LIMIT_OUTPUT_MAX ((wsb_u64)1 << 40)       /* 1 TiB (SIZE_MAX/2 on 32-bit hosts) */

/* Longest protected name (bytes of UTF-8) and environment entry. */
#define WSB__NAME_MAX 255
#define WSB__ENV_MAX 32767

/* Error helpers for the public entry points in lib/core (policy.c,
 * check.c, api.c): "<fn>: <arg> is NULL" as WSB_EINVAL, and putting the
 * function name in front of the message another module recorded (keeping
 * its code and OS error; WSB_ENOMEM is passed through untouched). */
int wsb__error_null(const char *fn, const char *arg);
int wsb__error_prefix(int rc, const char *fn);

/* Longest path accepted in the policy's flavor. */
size_t wsb__policy_path_max(const struct wsb_policy *policy);

/* The protections this policy asks for: what a backend must put in force
 * (or report as missing). FS_WRITE unless full access; FS_PROTECTED in
 * workspace-write when anything is protected; FS_DENY_READ with deny-read
 * paths (unless full access); NETWORK when the network is off;
 * PROCESS_TREE always; LIMIT_* for the limits set; PRIVATE_DESKTOP for its
 * flag. Backend-specific hardening (NO_NEW_PRIVS, SYSCALL_FILTER) is the
 * backend's to add. */
unsigned int wsb__policy_required_protections(const struct wsb_policy *policy);

/* Test and tool hook: make a policy use the other path syntax (so Windows
 * policies can be built and checked on Linux). Only on an empty policy. */
int wsb__policy_set_flavor(struct wsb_policy *policy, int flavor);

/* The protected names in force: protect_names plus ".git" unless the
 * NO_DEFAULT_PROTECT flag is set. Calls fn for each; stops on non-zero. */
int wsb__policy_each_protected_name(const struct wsb_policy *policy,
	int (*fn)(const char *name, void *ctx), void *ctx);

/* 1 if the policy protects name (case-insensitive on Windows). */
int wsb__policy_protects_name(const struct wsb_policy *policy, const char *name);

/* The gitdir a ".git" file points to ("gitdir: <path>"), given the file's
 * contents and the directory holding it; relative paths resolve against that
 * directory. Returns WSB_OK with *out NULL when the contents are not a gitdir
 * pointer. Pure: the caller reads the file. */
int wsb__gitdir_from_file(char **out, const char *contents, size_t len,
	const char *dir, int flavor);

/* How the path check (lib/core/check.c) reads a ".git" file: by default
 * wsb__backend_read_small_file. Tests point it at a fake so Windows-syntax
 * policies can be checked on any host; NULL restores the default. Not
 * thread-safe: set it before checking. */
typedef int (*wsb__read_file_fn)(char **out, size_t *out_len, const char *path, size_t max);
void wsb__check_set_reader(wsb__read_file_fn fn);

#endif
