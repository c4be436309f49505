//! Raw declarations of `include/wsandbox/wsandbox.h`. Every item mirrors the
//! header one to one; `tests/header.rs` checks the constants and struct sizes
//! against the header itself. Use the `wsandbox` crate for a safe API.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_long, c_uint, c_ulong, c_ushort, c_void};

pub type wsb_u64 = u64;

pub const WSB_VERSION_MAJOR: c_uint = 0;
pub const WSB_VERSION_MINOR: c_uint = 2;
pub const WSB_VERSION_PATCH: c_uint = 0;
pub const WSB_VERSION_NUMBER: c_uint =
    WSB_VERSION_MAJOR * 10000 + WSB_VERSION_MINOR * 100 + WSB_VERSION_PATCH;

pub const WSB_OK: c_int = 0;
pub const WSB_ERROR: c_int = -1;
pub const WSB_ENOMEM: c_int = -2;
pub const WSB_EINVAL: c_int = -3;
pub const WSB_EUTF8: c_int = -4;
pub const WSB_EPATH: c_int = -5;
pub const WSB_ETOOLONG: c_int = -6;
pub const WSB_ERANGE: c_int = -7;
pub const WSB_ENOTSUP: c_int = -8;
pub const WSB_ENOENT: c_int = -9;
pub const WSB_EEXIST: c_int = -10;
pub const WSB_EACCES: c_int = -11;
pub const WSB_EOS: c_int = -12;
pub const WSB_ESTATE: c_int = -13;
pub const WSB_ERUNNING: c_int = -14;
pub const WSB_EUNAVAIL: c_int = -15;
pub const WSB_ECONFLICT: c_int = -16;
pub const WSB_EVERSION: c_int = -17;
pub const WSB_ENOEXEC: c_int = -18;
pub const WSB_EJOURNAL: c_int = -19;
pub const WSB_ENOTELEVATED: c_int = -20;
pub const WSB_EGROUPPOLICY: c_int = -21;
pub const WSB_ELOGON: c_int = -22;
pub const WSB_ELOCKED: c_int = -23;
pub const WSB_ENOTSETUP: c_int = -24;
pub const WSB_EWORLDWRITABLE: c_int = -25;

pub const WSB_MODE_READ_ONLY: c_int = 0;
pub const WSB_MODE_WORKSPACE_WRITE: c_int = 1;
pub const WSB_MODE_FULL_ACCESS: c_int = 2;

pub const WSB_NETWORK_OFF: c_int = 0;
pub const WSB_NETWORK_ON: c_int = 1;
pub const WSB_NETWORK_ALLOWLIST: c_int = 2;

/// `wsb_network_event_fn`: one connection attempt as JSON.
pub type wsb_network_event_fn = Option<unsafe extern "C" fn(event_json: *const c_char, ctx: *mut c_void)>;

pub const WSB_LIMIT_NONE: c_int = 0;
pub const WSB_LIMIT_MEMORY: c_int = 1;
pub const WSB_LIMIT_PROCESSES: c_int = 2;
pub const WSB_LIMIT_CPU_TIME: c_int = 3;
pub const WSB_LIMIT_TIMEOUT: c_int = 4;
pub const WSB_LIMIT_OUTPUT: c_int = 5;

pub const WSB_ENV_INHERIT: c_int = 0;
pub const WSB_ENV_CLEAR: c_int = 1;

pub const WSB_PROT_FS_WRITE: c_uint = 1 << 0;
pub const WSB_PROT_FS_PROTECTED: c_uint = 1 << 1;
pub const WSB_PROT_FS_DENY_READ: c_uint = 1 << 2;
pub const WSB_PROT_NETWORK: c_uint = 1 << 3;
pub const WSB_PROT_NETWORK_ADVISORY: c_uint = 1 << 4;
pub const WSB_PROT_PROCESS_TREE: c_uint = 1 << 5;
pub const WSB_PROT_LIMIT_MEMORY: c_uint = 1 << 6;
pub const WSB_PROT_LIMIT_PROCESSES: c_uint = 1 << 7;
pub const WSB_PROT_LIMIT_CPU: c_uint = 1 << 8;
pub const WSB_PROT_NO_NEW_PRIVS: c_uint = 1 << 9;
pub const WSB_PROT_SYSCALL_FILTER: c_uint = 1 << 10;
pub const WSB_PROT_PRIVATE_DESKTOP: c_uint = 1 << 11;

pub const WSB_POLICY_NO_DEFAULT_PROTECT: c_uint = 1 << 0;
pub const WSB_POLICY_DENY_WORLD_WRITABLE: c_uint = 1 << 1;
pub const WSB_POLICY_REFUSE_WORLD_WRITABLE: c_uint = 1 << 2;
pub const WSB_POLICY_PRIVATE_DESKTOP: c_uint = 1 << 3;
pub const WSB_POLICY_NO_TEMP_WRITE: c_uint = 1 << 4;

pub const WSB_MAX_ROOTS: c_uint = 4096;
pub const WSB_MAX_ARGS: c_uint = 65536;
pub const WSB_MAX_TERMINAL_SIZE: c_uint = 32767;

pub const WSB_ACCESS_READ: c_int = 1;
pub const WSB_ACCESS_WRITE: c_int = 2;

pub const WSB_RULE_FULL_ACCESS: c_int = 1;
pub const WSB_RULE_READ_DEFAULT: c_int = 2;
pub const WSB_RULE_DENY_READ: c_int = 3;
pub const WSB_RULE_WRITABLE_ROOT: c_int = 4;
pub const WSB_RULE_PROTECTED_NAME: c_int = 5;
pub const WSB_RULE_PROTECTED_PATH: c_int = 6;
pub const WSB_RULE_GITDIR: c_int = 7;
pub const WSB_RULE_OUTSIDE_ROOTS: c_int = 8;
pub const WSB_RULE_READ_ONLY_MODE: c_int = 9;
pub const WSB_RULE_TEMP: c_int = 10;

pub const WSB_IDENTITY_CURRENT_USER: c_int = 0;
pub const WSB_IDENTITY_SANDBOX_USER: c_int = 1;

pub const WSB_STDIO_NULL: c_int = 0;
pub const WSB_STDIO_PIPE: c_int = 1;
pub const WSB_STDIO_INHERIT: c_int = 2;

pub const WSB_STREAM_STDIN: c_int = 0;
pub const WSB_STREAM_STDOUT: c_int = 1;
pub const WSB_STREAM_STDERR: c_int = 2;

pub const WSB_EXIT_RUNNING: c_int = 0;
pub const WSB_EXIT_NORMAL: c_int = 1;
pub const WSB_EXIT_SIGNAL: c_int = 2;
pub const WSB_EXIT_TIMEOUT: c_int = 3;
pub const WSB_EXIT_LIMIT: c_int = 4;
pub const WSB_EXIT_KILLED: c_int = 5;

pub const WSB_ALLOCATOR_VERSION: c_uint = 1;
pub const WSB_IDENTITY_OPTIONS_VERSION: c_uint = 1;
pub const WSB_SPAWN_OPTIONS_VERSION: c_uint = 2;
pub const WSB_AUDIT_OPTIONS_VERSION: c_uint = 1;
pub const WSB_SELF_TEST_OPTIONS_VERSION: c_uint = 1;
pub const WSB_SETUP_OPTIONS_VERSION: c_uint = 1;

#[repr(C)]
pub struct wsb_error {
    _private: [u8; 0],
}
#[repr(C)]
pub struct wsb_policy {
    _private: [u8; 0],
}
#[repr(C)]
pub struct wsb_identity {
    _private: [u8; 0],
}
#[repr(C)]
pub struct wsb_plan {
    _private: [u8; 0],
}
#[repr(C)]
pub struct wsb_process {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wsb_allocator {
    pub version: c_uint,
    pub malloc_fn: Option<unsafe extern "C" fn(usize, *mut c_void) -> *mut c_void>,
    pub realloc_fn: Option<unsafe extern "C" fn(*mut c_void, usize, *mut c_void) -> *mut c_void>,
    pub free_fn: Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>,
    pub ctx: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wsb_identity_options {
    pub version: c_uint,
    pub kind: c_int,
    pub state_dir: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wsb_spawn_options {
    pub version: c_uint,
    pub argv: *const *const c_char,
    pub cwd: *const c_char,
    pub stdin_mode: c_int,
    pub stdout_mode: c_int,
    pub stderr_mode: c_int,
    // version 2 (0.2.0)
    pub terminal: c_int,
    pub terminal_cols: c_uint,
    pub terminal_rows: c_uint,
}

/// A file descriptor on POSIX systems, a `HANDLE` on Windows.
#[cfg(windows)]
pub type wsb_os_handle = *mut c_void;
/// A file descriptor on POSIX systems, a `HANDLE` on Windows.
#[cfg(not(windows))]
pub type wsb_os_handle = c_int;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wsb_audit_options {
    pub version: c_uint,
    pub cwd: *const c_char,
    pub max_entries: c_ulong,
    pub max_ms: c_ulong,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wsb_self_test_options {
    pub version: c_uint,
    pub probe_argv: *const *const c_char,
    pub work_dir: *const c_char,
}

pub type wsb_progress_cb =
    Option<unsafe extern "C" fn(*const c_char, c_ulong, c_ulong, *mut c_void)>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wsb_setup_options {
    pub version: c_uint,
    pub state_dir: *const c_char,
    pub offline_user: *const c_char,
    pub online_user: *const c_char,
    pub group: *const c_char,
    pub loopback_ports: *const c_ushort,
    pub loopback_port_count: usize,
    pub progress: wsb_progress_cb,
    pub progress_ctx: *mut c_void,
}

extern "C" {
    pub fn wsb_version() -> *const c_char;
    pub fn wsb_version_number() -> c_uint;
    pub fn wsb_error_last() -> *const wsb_error;
    pub fn wsb_error_message(err: *const wsb_error) -> *const c_char;
    pub fn wsb_error_code(err: *const wsb_error) -> c_int;
    pub fn wsb_error_os(err: *const wsb_error) -> c_long;
    pub fn wsb_error_clear();
    pub fn wsb_strerror(code: c_int) -> *const c_char;
    pub fn wsb_set_allocator(allocator: *const wsb_allocator) -> c_int;
    pub fn wsb_free(ptr: *mut c_void);

    pub fn wsb_policy_create(out: *mut *mut wsb_policy, mode: c_int) -> c_int;
    pub fn wsb_policy_free(policy: *mut wsb_policy);
    pub fn wsb_policy_set_mode(policy: *mut wsb_policy, mode: c_int) -> c_int;
    pub fn wsb_policy_mode(policy: *const wsb_policy) -> c_int;
    pub fn wsb_policy_allow_write(policy: *mut wsb_policy, path: *const c_char) -> c_int;
    pub fn wsb_policy_protect_path(policy: *mut wsb_policy, path: *const c_char) -> c_int;
    pub fn wsb_policy_protect_name(policy: *mut wsb_policy, name: *const c_char) -> c_int;
    pub fn wsb_policy_deny_read(policy: *mut wsb_policy, path: *const c_char) -> c_int;
    pub fn wsb_policy_set_network(policy: *mut wsb_policy, network: c_int) -> c_int;
    pub fn wsb_policy_set_limit(policy: *mut wsb_policy, limit: c_int, value: wsb_u64) -> c_int;
    pub fn wsb_policy_limit(out: *mut wsb_u64, policy: *const wsb_policy, limit: c_int) -> c_int;
    pub fn wsb_policy_env_mode(policy: *mut wsb_policy, mode: c_int) -> c_int;
    pub fn wsb_policy_env_set(
        policy: *mut wsb_policy,
        name: *const c_char,
        value: *const c_char,
    ) -> c_int;
    pub fn wsb_policy_env_unset(policy: *mut wsb_policy, name: *const c_char) -> c_int;
    pub fn wsb_policy_set_flags(policy: *mut wsb_policy, flags: c_uint) -> c_int;
    pub fn wsb_policy_set_loopback_relay(
        policy: *mut wsb_policy,
        listen_port: c_ushort,
        target_port: c_ushort,
    ) -> c_int;
    pub fn wsb_policy_allow_missing(policy: *mut wsb_policy, protections: c_uint) -> c_int;
    pub fn wsb_policy_allow_host(policy: *mut wsb_policy, pattern: *const c_char) -> c_int;
    pub fn wsb_policy_deny_host(policy: *mut wsb_policy, pattern: *const c_char) -> c_int;
    pub fn wsb_policy_allow_address(policy: *mut wsb_policy, pattern: *const c_char) -> c_int;
    pub fn wsb_policy_set_network_callback(
        policy: *mut wsb_policy,
        func: wsb_network_event_fn,
        ctx: *mut c_void,
    ) -> c_int;
    pub fn wsb_policy_validate(policy: *const wsb_policy) -> c_int;
    pub fn wsb_policy_check_path(
        out_allowed: *mut c_int,
        out_rule: *mut c_int,
        out_reason: *mut *mut c_char,
        policy: *const wsb_policy,
        path: *const c_char,
        access: c_int,
    ) -> c_int;

    pub fn wsb_identity_options_init(opts: *mut wsb_identity_options, version: c_uint) -> c_int;
    pub fn wsb_identity_create(
        out: *mut *mut wsb_identity,
        opts: *const wsb_identity_options,
    ) -> c_int;
    pub fn wsb_identity_free(identity: *mut wsb_identity);
    pub fn wsb_identity_state_dir(identity: *const wsb_identity) -> *const c_char;
    pub fn wsb_identity_revert(identity: *mut wsb_identity) -> c_int;

    pub fn wsb_plan_create(
        out: *mut *mut wsb_plan,
        policy: *const wsb_policy,
        identity: *const wsb_identity,
    ) -> c_int;
    pub fn wsb_plan_free(plan: *mut wsb_plan);
    pub fn wsb_plan_to_json(out: *mut *mut c_char, plan: *const wsb_plan) -> c_int;
    pub fn wsb_plan_protections(plan: *const wsb_plan) -> c_uint;
    pub fn wsb_plan_step_count(plan: *const wsb_plan) -> usize;

    pub fn wsb_spawn_options_init(opts: *mut wsb_spawn_options, version: c_uint) -> c_int;
    pub fn wsb_spawn(
        out: *mut *mut wsb_process,
        policy: *const wsb_policy,
        identity: *const wsb_identity,
        opts: *const wsb_spawn_options,
    ) -> c_int;
    pub fn wsb_run(
        out: *mut *mut wsb_process,
        policy: *const wsb_policy,
        identity: *const wsb_identity,
        opts: *const wsb_spawn_options,
        stdin_data: *const c_void,
        stdin_len: usize,
    ) -> c_int;
    pub fn wsb_process_free(process: *mut wsb_process);
    pub fn wsb_reuse_release() -> c_int;
    pub fn wsb_process_wait(process: *mut wsb_process, timeout_ms: c_long) -> c_int;
    pub fn wsb_process_kill(process: *mut wsb_process) -> c_int;
    pub fn wsb_process_write(
        out_written: *mut usize,
        process: *mut wsb_process,
        data: *const c_void,
        len: usize,
    ) -> c_int;
    pub fn wsb_process_close_stdin(process: *mut wsb_process) -> c_int;
    pub fn wsb_process_read(
        out_read: *mut usize,
        process: *mut wsb_process,
        stream: c_int,
        buf: *mut c_void,
        len: usize,
        timeout_ms: c_long,
    ) -> c_int;
    pub fn wsb_process_exit_kind(process: *const wsb_process) -> c_int;
    pub fn wsb_process_exit_code(process: *const wsb_process) -> c_long;
    pub fn wsb_process_limit(process: *const wsb_process) -> c_int;
    pub fn wsb_process_protections(process: *const wsb_process) -> c_uint;
    pub fn wsb_process_pid(process: *const wsb_process) -> c_long;
    pub fn wsb_process_duration_ms(process: *const wsb_process) -> wsb_u64;
    pub fn wsb_process_output(
        out_len: *mut usize,
        out_truncated: *mut c_int,
        process: *const wsb_process,
        stream: c_int,
    ) -> *const c_char;
    pub fn wsb_process_to_json(out: *mut *mut c_char, process: *const wsb_process) -> c_int;
    pub fn wsb_process_resize(process: *mut wsb_process, cols: c_uint, rows: c_uint) -> c_int;
    pub fn wsb_process_waitable(out: *mut wsb_os_handle, process: *mut wsb_process) -> c_int;
    pub fn wsb_process_stream_handle(
        out: *mut wsb_os_handle,
        process: *mut wsb_process,
        stream: c_int,
    ) -> c_int;

    pub fn wsb_audit_options_init(opts: *mut wsb_audit_options, version: c_uint) -> c_int;
    pub fn wsb_audit_world_writable(
        out_json: *mut *mut c_char,
        policy: *const wsb_policy,
        opts: *const wsb_audit_options,
    ) -> c_int;

    pub fn wsb_setup_options_init(opts: *mut wsb_setup_options, version: c_uint) -> c_int;
    pub fn wsb_setup_plan(out: *mut *mut wsb_plan, opts: *const wsb_setup_options) -> c_int;
    pub fn wsb_setup_install(opts: *const wsb_setup_options) -> c_int;
    pub fn wsb_setup_status(out_json: *mut *mut c_char, opts: *const wsb_setup_options) -> c_int;
    pub fn wsb_setup_uninstall(opts: *const wsb_setup_options) -> c_int;
    pub fn wsb_self_test_options_init(opts: *mut wsb_self_test_options, version: c_uint) -> c_int;
    pub fn wsb_self_test(
        out_json: *mut *mut c_char,
        out_failed: *mut c_uint,
        policy: *const wsb_policy,
        identity: *const wsb_identity,
        opts: *const wsb_self_test_options,
    ) -> c_int;
    pub fn wsb_self_test_probe(argc: c_int, argv: *const *const c_char) -> c_int;
}
