/*
 * What every backend provides (lib/linux/, lib/win32/, lib/stub/). The public
 * entry points in lib/core/api.c validate arguments and then call these; a
 * backend never re-validates what the core already checked.
 *
 * Flow: decide (backend_plan) -> act (backend_spawn applies the plan) ->
 * process (the wsb__proc_* functions).
 */
#ifndef WSB_BACKEND_H
#define WSB_BACKEND_H

#include "core/common.h"
#include "core/policy.h"
#include "core/plan.h"

/* The identity object, shared by core and backends. */
struct wsb_identity {
	int kind;            /* wsb_identity_kind */
	char *state_dir;     /* normalized absolute path; never NULL after create */
};

/* Name of the backend for JSON and messages: "linux", "win32", "stub". */
extern const char *const wsb__backend_name;

/* The per-user default state directory ($XDG_STATE_HOME/wsandbox or
 * ~/.local/state/wsandbox; %LOCALAPPDATA%\wsandbox). */
int wsb__backend_default_state_dir(char **out);

/* Accept or refuse an identity kind on this platform (WSB_ENOTSUP). */
int wsb__backend_identity_check(const struct wsb_identity *identity);

/* decide: fill a plan for running under policy + identity. Reads only. */
int wsb__backend_plan(struct wsb_plan **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity);

/* Read a small file (for the path check's .git file); WSB_ENOENT if absent,
 * WSB_OK with the contents otherwise. At most max bytes. */
int wsb__backend_read_small_file(char **out, size_t *out_len, const char *path, size_t max);

/* act + process start: apply the plan and start the command. opts is already
 * validated (argv non-empty, valid UTF-8, modes known, cwd absolute). */
int wsb__backend_spawn(struct wsb_process **out, const struct wsb_policy *policy,
	const struct wsb_identity *identity, const wsb_spawn_options *opts);

/* Undo journaled changes of an identity. */
int wsb__backend_revert(struct wsb_identity *identity);
/* wsb_reuse_release: drop every cache kept between spawns. */
void wsb__backend_reuse_release(void);

/* Process operations: the backend defines struct wsb_process; the core's
 * api.c calls these after checking arguments. */
void wsb__proc_free(struct wsb_process *p);
int wsb__proc_wait(struct wsb_process *p, long timeout_ms);
int wsb__proc_kill(struct wsb_process *p);
int wsb__proc_write(size_t *out_written, struct wsb_process *p, const void *data, size_t len);
int wsb__proc_close_stdin(struct wsb_process *p);
int wsb__proc_read(size_t *out_read, struct wsb_process *p, int stream, void *buf, size_t len, long timeout_ms);
/* Run to completion capturing stdout/stderr with the policy's output cap. */
int wsb__proc_communicate(struct wsb_process *p, const void *stdin_data, size_t stdin_len);
int wsb__proc_exit_kind(const struct wsb_process *p);
long wsb__proc_exit_code(const struct wsb_process *p);
int wsb__proc_limit(const struct wsb_process *p);
unsigned int wsb__proc_protections(const struct wsb_process *p);
long wsb__proc_pid(const struct wsb_process *p);
wsb_u64 wsb__proc_duration_ms(const struct wsb_process *p);
const char *wsb__proc_output(size_t *out_len, int *out_truncated, const struct wsb_process *p, int stream);
/* Terminal size (WSB_ESTATE without a terminal); the waitable handle and
 * the stream handles, owned by the process (see wsb_process_waitable). */
int wsb__proc_resize(struct wsb_process *p, unsigned int cols, unsigned int rows);
int wsb__proc_waitable(wsb_os_handle *out, struct wsb_process *p);
int wsb__proc_stream_handle(wsb_os_handle *out, struct wsb_process *p, int stream);
/* The network allow-list's connection attempts so far, as a JSON object
 * {"connections": [...], "not_kept": n} in *out (freed with wsb__free), or
 * *out NULL when the process has no proxy. */
int wsb__proc_network_json(char **out, const struct wsb_process *p);

/* World-writable audit and elevated setup (Windows); WSB_ENOTSUP elsewhere. */
int wsb__backend_audit(char **out_json, const struct wsb_policy *policy, const wsb_audit_options *opts);
int wsb__backend_setup_plan(struct wsb_plan **out, const wsb_setup_options *opts);
int wsb__backend_setup_install(const wsb_setup_options *opts);
int wsb__backend_setup_status(char **out_json, const wsb_setup_options *opts);
int wsb__backend_setup_uninstall(const wsb_setup_options *opts);

#endif
