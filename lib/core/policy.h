/*
 * The policy object (lib/core/policy.c). Backends read it through this
 * header; only policy.c writes it. Every stored path is already normalized
 * (path.h) in the policy's flavor.
 */
#ifndef WSB_CORE_POLICY_H
#define WSB_CORE_POLICY_H

#include "common.h"
#include "path.h"

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
	wsb__strvec protect_names;  /* single components; ".git" present unless NO_DEFAULT_PROTECT */
	wsb__strvec deny_read;      /* normalized */
};

/* The names protected by default. */
#define WSB__DEFAULT_PROTECT_NAME ".git"

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

#endif
