//! Safe Rust binding of libwsandbox: run an AI agent's commands inside a
//! sandbox that confines writes, protects `.git`, cuts the network and kills
//! the whole process tree when time is up.
//!
//! ```
//! use wsandbox::{Command, Mode, Policy};
//!
//! let dir = std::env::temp_dir().join(format!("wsb-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let mut policy = Policy::new(Mode::WorkspaceWrite).unwrap();
//! policy.allow_write(&dir).unwrap();
//! policy.set_timeout(std::time::Duration::from_secs(10)).unwrap();
//!
//! // A write inside the workspace works...
//! let out = Command::new("sh").arg("-c").arg("echo hi > hello.txt")
//!     .current_dir(&dir).output(&policy).unwrap();
//! assert!(out.status.success());
//! // ...and the policy says why a write to .git would not.
//! let check = policy.check_path(dir.join(".git/config"), wsandbox::Access::Write).unwrap();
//! assert!(!check.allowed);
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! Handles own their C objects and free them on `Drop`. `Policy` and
//! `Identity` are `Send` and `Sync` (the C API lets a policy that is no longer
//! modified be read from many threads; modification needs `&mut`); `Process`
//! is `Send` only.

use std::ffi::{CStr, CString, OsStr};
use std::fmt;
use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::time::Duration;

use wsandbox_sys as sys;

/// A libwsandbox failure: the `WSB_E*` code, the library's message and the
/// OS error (errno / GetLastError) captured where it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: i32,
    message: String,
    os_error: i64,
}

impl Error {
    fn last(code: c_int) -> Error {
        unsafe {
            let err = sys::wsb_error_last();
            Error {
                code,
                message: CStr::from_ptr(sys::wsb_error_message(err)).to_string_lossy().into_owned(),
                os_error: sys::wsb_error_os(err) as i64,
            }
        }
    }

    fn local(code: c_int, message: String) -> Error {
        Error { code, message, os_error: 0 }
    }

    /// The negative `WSB_E*` code (see `wsandbox_sys::WSB_E*`).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The library's message, naming the argument or step that failed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The OS error number, or 0.
    pub fn os_error(&self) -> i64 {
        self.os_error
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = unsafe { CStr::from_ptr(sys::wsb_strerror(self.code)) };
        write!(f, "{} [{}]", self.message, what.to_string_lossy())?;
        if self.os_error != 0 {
            write!(f, " (OS error {})", self.os_error)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Result of every fallible call.
pub type Result<T> = std::result::Result<T, Error>;

fn check(rc: c_int) -> Result<()> {
    if rc < 0 {
        Err(Error::last(rc))
    } else {
        Ok(())
    }
}

fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::local(sys::WSB_EINVAL, format!("{} contains a NUL byte", what)))
}

fn os_cstring(s: &OsStr, what: &str) -> Result<CString> {
    match s.to_str() {
        Some(t) => cstring(t, what),
        None => Err(Error::local(sys::WSB_EUTF8, format!("{} is not valid UTF-8: {:?}", what, s))),
    }
}

fn path_cstring(p: &Path) -> Result<CString> {
    os_cstring(p.as_os_str(), "path")
}

unsafe fn take_string(p: *mut c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    let s = CStr::from_ptr(p).to_string_lossy().into_owned();
    sys::wsb_free(p as *mut c_void);
    s
}

/// The version of the loaded C library, "MAJOR.MINOR.PATCH".
pub fn version() -> String {
    unsafe { CStr::from_ptr(sys::wsb_version()).to_string_lossy().into_owned() }
}

/// File-system mode of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read everything not denied; write nothing but temp.
    ReadOnly,
    /// Write only under writable roots, minus protected paths.
    WorkspaceWrite,
    /// No file-system confinement.
    FullAccess,
}

impl Mode {
    fn raw(self) -> c_int {
        match self {
            Mode::ReadOnly => sys::WSB_MODE_READ_ONLY,
            Mode::WorkspaceWrite => sys::WSB_MODE_WORKSPACE_WRITE,
            Mode::FullAccess => sys::WSB_MODE_FULL_ACCESS,
        }
    }
}

/// Network setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// No traffic leaves the sandbox.
    Off,
    /// The host's network.
    On,
    /// Only the hosts [`Policy::allow_host`] and [`Policy::allow_address`]
    /// allow, through the library's filtering proxy (Linux; elsewhere
    /// spawning fails with `WSB_ENOTSUP`).
    Allowlist,
}

/// Resource limits; see [`Policy::set_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Memory of the tree, in bytes.
    Memory,
    /// Processes alive at once.
    Processes,
    /// CPU time, in milliseconds.
    CpuTime,
    /// Wall-clock time, in milliseconds.
    Timeout,
    /// Captured bytes per stream.
    Output,
}

impl Limit {
    fn raw(self) -> c_int {
        match self {
            Limit::Memory => sys::WSB_LIMIT_MEMORY,
            Limit::Processes => sys::WSB_LIMIT_PROCESSES,
            Limit::CpuTime => sys::WSB_LIMIT_CPU_TIME,
            Limit::Timeout => sys::WSB_LIMIT_TIMEOUT,
            Limit::Output => sys::WSB_LIMIT_OUTPUT,
        }
    }

    fn from_raw(v: c_int) -> Option<Limit> {
        match v {
            sys::WSB_LIMIT_MEMORY => Some(Limit::Memory),
            sys::WSB_LIMIT_PROCESSES => Some(Limit::Processes),
            sys::WSB_LIMIT_CPU_TIME => Some(Limit::CpuTime),
            sys::WSB_LIMIT_TIMEOUT => Some(Limit::Timeout),
            sys::WSB_LIMIT_OUTPUT => Some(Limit::Output),
            _ => None,
        }
    }
}

/// Access kinds for [`Policy::check_path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read, list, execute.
    Read,
    /// Create, modify, delete, rename.
    Write,
}

/// A set of protections (`WSB_PROT_*` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Protections(pub u32);

impl Protections {
    /// Writes confined to the writable roots.
    pub const FS_WRITE: Protections = Protections(sys::WSB_PROT_FS_WRITE);
    /// Protected paths cannot be written.
    pub const FS_PROTECTED: Protections = Protections(sys::WSB_PROT_FS_PROTECTED);
    /// Deny-read paths cannot be read.
    pub const FS_DENY_READ: Protections = Protections(sys::WSB_PROT_FS_DENY_READ);
    /// Network off is enforced.
    pub const NETWORK: Protections = Protections(sys::WSB_PROT_NETWORK);
    /// Network off is only advisory.
    pub const NETWORK_ADVISORY: Protections = Protections(sys::WSB_PROT_NETWORK_ADVISORY);
    /// The process tree is contained and killed.
    pub const PROCESS_TREE: Protections = Protections(sys::WSB_PROT_PROCESS_TREE);
    /// Memory limit enforced.
    pub const LIMIT_MEMORY: Protections = Protections(sys::WSB_PROT_LIMIT_MEMORY);
    /// Process-count limit enforced.
    pub const LIMIT_PROCESSES: Protections = Protections(sys::WSB_PROT_LIMIT_PROCESSES);
    /// CPU-time limit enforced.
    pub const LIMIT_CPU: Protections = Protections(sys::WSB_PROT_LIMIT_CPU);
    /// No privilege gain.
    pub const NO_NEW_PRIVS: Protections = Protections(sys::WSB_PROT_NO_NEW_PRIVS);
    /// System-call filter.
    pub const SYSCALL_FILTER: Protections = Protections(sys::WSB_PROT_SYSCALL_FILTER);
    /// Private desktop (Windows).
    pub const PRIVATE_DESKTOP: Protections = Protections(sys::WSB_PROT_PRIVATE_DESKTOP);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Protections) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Protections {
    type Output = Protections;
    fn bitor(self, rhs: Protections) -> Protections {
        Protections(self.0 | rhs.0)
    }
}

/// Verdict of [`Policy::check_path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCheck {
    /// Whether the access would be allowed.
    pub allowed: bool,
    /// The deciding rule (`WSB_RULE_*`).
    pub rule: i32,
    /// A sentence naming the rule and the entry that matched.
    pub reason: String,
}

/// What a sandboxed command may do.
pub struct Policy {
    ptr: NonNull<sys::wsb_policy>,
}

// The C API allows a handle on any thread, and concurrent reads of a policy
// that is not being modified; every mutation here takes &mut self.
unsafe impl Send for Policy {}
unsafe impl Sync for Policy {}

impl Policy {
    /// A policy with `mode`, network off, no limits, `.git` protected.
    pub fn new(mode: Mode) -> Result<Policy> {
        let mut p = ptr::null_mut();
        check(unsafe { sys::wsb_policy_create(&mut p, mode.raw()) })?;
        Ok(Policy { ptr: NonNull::new(p).expect("wsb_policy_create returned NULL") })
    }

    fn raw(&self) -> *mut sys::wsb_policy {
        self.ptr.as_ptr()
    }

    /// Change the mode.
    pub fn set_mode(&mut self, mode: Mode) -> Result<()> {
        check(unsafe { sys::wsb_policy_set_mode(self.raw(), mode.raw()) })
    }

    /// Add a writable root (absolute path).
    pub fn allow_write<P: AsRef<Path>>(&mut self, path: P) -> Result<()> {
        let c = path_cstring(path.as_ref())?;
        check(unsafe { sys::wsb_policy_allow_write(self.raw(), c.as_ptr()) })
    }

    /// Keep a path inside roots read-only.
    pub fn protect_path<P: AsRef<Path>>(&mut self, path: P) -> Result<()> {
        let c = path_cstring(path.as_ref())?;
        check(unsafe { sys::wsb_policy_protect_path(self.raw(), c.as_ptr()) })
    }

    /// Keep a name (like `.hg`) read-only wherever it appears under a root.
    pub fn protect_name<S: AsRef<OsStr>>(&mut self, name: S) -> Result<()> {
        let c = os_cstring(name.as_ref(), "name")?;
        check(unsafe { sys::wsb_policy_protect_name(self.raw(), c.as_ptr()) })
    }

    /// Make a path unreadable.
    pub fn deny_read<P: AsRef<Path>>(&mut self, path: P) -> Result<()> {
        let c = path_cstring(path.as_ref())?;
        check(unsafe { sys::wsb_policy_deny_read(self.raw(), c.as_ptr()) })
    }

    /// Network off or on.
    pub fn set_network(&mut self, network: Network) -> Result<()> {
        let v = match network {
            Network::Off => sys::WSB_NETWORK_OFF,
            Network::On => sys::WSB_NETWORK_ON,
            Network::Allowlist => sys::WSB_NETWORK_ALLOWLIST,
        };
        check(unsafe { sys::wsb_policy_set_network(self.raw(), v) })
    }

    /// Allow a host for [`Network::Allowlist`]: `"name"`, `"*.name"`
    /// (subdomains only), with optional `":port[,port]"` or `":*"` (default
    /// 80 and 443). Invalid patterns fail with `WSB_EINVAL` and the reason.
    pub fn allow_host(&mut self, pattern: &str) -> Result<()> {
        let c = cstring(pattern, "pattern")?;
        check(unsafe { sys::wsb_policy_allow_host(self.raw(), c.as_ptr()) })
    }

    /// Deny a host whatever allows it (without ports: every port).
    pub fn deny_host(&mut self, pattern: &str) -> Result<()> {
        let c = cstring(pattern, "pattern")?;
        check(unsafe { sys::wsb_policy_deny_host(self.raw(), c.as_ptr()) })
    }

    /// Allow an address range, e.g. `"10.0.0.0/8:5432"` or `"[fd00::]/8"`.
    pub fn allow_address(&mut self, pattern: &str) -> Result<()> {
        let c = cstring(pattern, "pattern")?;
        check(unsafe { sys::wsb_policy_allow_address(self.raw(), c.as_ptr()) })
    }

    /// Builder form of [`Policy::allow_host`].
    pub fn with_allowed_host(mut self, pattern: &str) -> Result<Self> {
        self.allow_host(pattern)?;
        Ok(self)
    }

    /// Builder form of [`Policy::deny_host`].
    pub fn with_denied_host(mut self, pattern: &str) -> Result<Self> {
        self.deny_host(pattern)?;
        Ok(self)
    }

    /// Set a limit in its unit (bytes, count, milliseconds); 0 removes it.
    pub fn set_limit(&mut self, limit: Limit, value: u64) -> Result<()> {
        check(unsafe { sys::wsb_policy_set_limit(self.raw(), limit.raw(), value) })
    }

    /// Relay 127.0.0.1:`listen_port` to 127.0.0.1:`target_port` while a
    /// command runs (Windows and Linux; elsewhere planning and spawning fail with
    /// `WSB_ENOTSUP`). `listen_port` 0 removes the relay.
    pub fn set_loopback_relay(&mut self, listen_port: u16, target_port: u16) -> Result<()> {
        check(unsafe { sys::wsb_policy_set_loopback_relay(self.raw(), listen_port, target_port) })
    }

    /// Read a limit (0 = none).
    pub fn limit(&self, limit: Limit) -> Result<u64> {
        let mut v = 0u64;
        check(unsafe { sys::wsb_policy_limit(&mut v, self.raw(), limit.raw()) })?;
        Ok(v)
    }

    /// Wall-clock limit.
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
        let ms = timeout.as_millis().max(1);
        let ms = u64::try_from(ms)
            .map_err(|_| Error::local(sys::WSB_ERANGE, "timeout too large".into()))?;
        self.set_limit(Limit::Timeout, ms)
    }

    /// Start the environment empty (`true`) or from the caller's (`false`).
    pub fn clear_env(&mut self, clear: bool) -> Result<()> {
        let m = if clear { sys::WSB_ENV_CLEAR } else { sys::WSB_ENV_INHERIT };
        check(unsafe { sys::wsb_policy_env_mode(self.raw(), m) })
    }

    /// Set an environment variable for the command.
    pub fn env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&mut self, key: K, value: V) -> Result<()> {
        let k = os_cstring(key.as_ref(), "name")?;
        let v = os_cstring(value.as_ref(), "value")?;
        check(unsafe { sys::wsb_policy_env_set(self.raw(), k.as_ptr(), v.as_ptr()) })
    }

    /// Remove an environment variable.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> Result<()> {
        let k = os_cstring(key.as_ref(), "name")?;
        check(unsafe { sys::wsb_policy_env_unset(self.raw(), k.as_ptr()) })
    }

    /// Set `WSB_POLICY_*` flags.
    pub fn set_flags(&mut self, flags: u32) -> Result<()> {
        check(unsafe { sys::wsb_policy_set_flags(self.raw(), flags) })
    }

    /// Accept that these protections may be missing (a named weaker mode).
    pub fn allow_missing(&mut self, protections: Protections) -> Result<()> {
        check(unsafe { sys::wsb_policy_allow_missing(self.raw(), protections.0) })
    }

    /// Check the policy as a whole.
    pub fn validate(&self) -> Result<()> {
        check(unsafe { sys::wsb_policy_validate(self.raw()) })
    }

    /// Would this access be allowed, and which rule decides? Runs nothing.
    pub fn check_path<P: AsRef<Path>>(&self, path: P, access: Access) -> Result<PathCheck> {
        let c = path_cstring(path.as_ref())?;
        let (mut allowed, mut rule, mut reason) = (0, 0, ptr::null_mut());
        let a = match access {
            Access::Read => sys::WSB_ACCESS_READ,
            Access::Write => sys::WSB_ACCESS_WRITE,
        };
        check(unsafe {
            sys::wsb_policy_check_path(&mut allowed, &mut rule, &mut reason, self.raw(), c.as_ptr(), a)
        })?;
        Ok(PathCheck { allowed: allowed != 0, rule, reason: unsafe { take_string(reason) } })
    }

    /// The dry run: what running under this policy would change.
    pub fn plan(&self, identity: Option<&Identity>) -> Result<Plan> {
        let mut p = ptr::null_mut();
        check(unsafe { sys::wsb_plan_create(&mut p, self.raw(), identity_ptr(identity)) })?;
        Ok(Plan { ptr: NonNull::new(p).expect("wsb_plan_create returned NULL") })
    }
}

impl Drop for Policy {
    fn drop(&mut self) {
        unsafe { sys::wsb_policy_free(self.raw()) }
    }
}

/// Which principal commands run as, and where the library keeps its state.
pub struct Identity {
    ptr: NonNull<sys::wsb_identity>,
}

unsafe impl Send for Identity {}
unsafe impl Sync for Identity {}

fn identity_ptr(identity: Option<&Identity>) -> *const sys::wsb_identity {
    identity.map_or(ptr::null(), |i| i.ptr.as_ptr() as *const _)
}

impl Identity {
    /// The current user, restricted, with the default state directory.
    pub fn current_user() -> Result<Identity> {
        Identity::create(sys::WSB_IDENTITY_CURRENT_USER, None)
    }

    /// The current user with an explicit state directory.
    pub fn with_state_dir<P: AsRef<Path>>(dir: P) -> Result<Identity> {
        Identity::create(sys::WSB_IDENTITY_CURRENT_USER, Some(dir.as_ref()))
    }

    /// A provisioned sandbox user (Windows elevated sandbox).
    pub fn sandbox_user() -> Result<Identity> {
        Identity::create(sys::WSB_IDENTITY_SANDBOX_USER, None)
    }

    fn create(kind: c_int, dir: Option<&Path>) -> Result<Identity> {
        let dir = dir.map(path_cstring).transpose()?;
        let mut opts = sys::wsb_identity_options { version: 0, kind: 0, state_dir: ptr::null() };
        check(unsafe { sys::wsb_identity_options_init(&mut opts, sys::WSB_IDENTITY_OPTIONS_VERSION) })?;
        opts.kind = kind;
        opts.state_dir = dir.as_ref().map_or(ptr::null(), |d| d.as_ptr());
        let mut p = ptr::null_mut();
        check(unsafe { sys::wsb_identity_create(&mut p, &opts) })?;
        Ok(Identity { ptr: NonNull::new(p).expect("wsb_identity_create returned NULL") })
    }

    /// The state directory in use.
    pub fn state_dir(&self) -> String {
        unsafe { CStr::from_ptr(sys::wsb_identity_state_dir(self.ptr.as_ptr())).to_string_lossy().into_owned() }
    }

    /// Undo every lasting change recorded in the journal.
    pub fn revert(&mut self) -> Result<()> {
        check(unsafe { sys::wsb_identity_revert(self.ptr.as_ptr()) })
    }
}

impl Drop for Identity {
    fn drop(&mut self) {
        unsafe { sys::wsb_identity_free(self.ptr.as_ptr()) }
    }
}

/// A dry run's decisions.
pub struct Plan {
    ptr: NonNull<sys::wsb_plan>,
}

unsafe impl Send for Plan {}

impl Plan {
    /// The plan as JSON (docs/plan-json.md).
    pub fn to_json(&self) -> Result<String> {
        let mut s = ptr::null_mut();
        check(unsafe { sys::wsb_plan_to_json(&mut s, self.ptr.as_ptr()) })?;
        Ok(unsafe { take_string(s) })
    }

    /// Protections that would be in force.
    pub fn protections(&self) -> Protections {
        Protections(unsafe { sys::wsb_plan_protections(self.ptr.as_ptr()) })
    }

    /// Number of changes.
    pub fn len(&self) -> usize {
        unsafe { sys::wsb_plan_step_count(self.ptr.as_ptr()) }
    }

    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Plan {
    fn drop(&mut self) {
        unsafe { sys::wsb_plan_free(self.ptr.as_ptr()) }
    }
}

/// Where a standard stream goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdio {
    /// The null device.
    Null,
    /// A pipe to the caller.
    Piped,
    /// The caller's own stream.
    Inherit,
}

impl Stdio {
    fn raw(self) -> c_int {
        match self {
            Stdio::Null => sys::WSB_STDIO_NULL,
            Stdio::Piped => sys::WSB_STDIO_PIPE,
            Stdio::Inherit => sys::WSB_STDIO_INHERIT,
        }
    }
}

/// How a sandboxed tree ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Still running.
    Running,
    /// Exited with this code.
    Exited(i64),
    /// Ended by this signal (Linux) or exception code (Windows).
    Signaled(i64),
    /// Killed when the wall-clock limit passed.
    TimedOut,
    /// Killed by a resource limit.
    LimitExceeded(Option<Limit>),
    /// Killed by the caller.
    Killed,
}

impl ExitStatus {
    /// Exited with code 0.
    pub fn success(&self) -> bool {
        *self == ExitStatus::Exited(0)
    }

    /// The exit code if it exited.
    pub fn code(&self) -> Option<i64> {
        match self {
            ExitStatus::Exited(c) => Some(*c),
            _ => None,
        }
    }
}

/// Result of [`Command::output`], like `std::process::Output` plus the sandbox's status.
#[derive(Debug, Clone)]
pub struct Output {
    /// How it ended.
    pub status: ExitStatus,
    /// Captured stdout (at most the policy's output limit).
    pub stdout: Vec<u8>,
    /// Captured stderr.
    pub stderr: Vec<u8>,
    /// Whether stdout was cut at the output limit.
    pub stdout_truncated: bool,
    /// Whether stderr was cut at the output limit.
    pub stderr_truncated: bool,
    /// Protections that were in force.
    pub protections: Protections,
    /// Wall-clock duration.
    pub duration: Duration,
}

/// A running sandboxed process tree; dropping it kills what still runs.
pub struct Process {
    ptr: NonNull<sys::wsb_process>,
}

unsafe impl Send for Process {}

impl Process {
    fn raw(&self) -> *mut sys::wsb_process {
        self.ptr.as_ptr()
    }

    /// Wait for the end (`None`: no time limit on the wait). `Ok(None)` if
    /// the wait ran out first.
    pub fn wait_timeout(&mut self, timeout: Option<Duration>) -> Result<Option<ExitStatus>> {
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as std::os::raw::c_long);
        let rc = unsafe { sys::wsb_process_wait(self.raw(), ms) };
        if rc == sys::WSB_ERUNNING {
            return Ok(None);
        }
        check(rc)?;
        Ok(Some(self.status()))
    }

    /// Wait for the end.
    pub fn wait(&mut self) -> Result<ExitStatus> {
        Ok(self.wait_timeout(None)?.expect("an endless wait ended early"))
    }

    /// Kill the whole tree.
    pub fn kill(&mut self) -> Result<()> {
        check(unsafe { sys::wsb_process_kill(self.raw()) })
    }

    /// Write to stdin (spawned with `Stdio::Piped`).
    pub fn write_stdin(&mut self, data: &[u8]) -> Result<usize> {
        let mut n = 0usize;
        check(unsafe { sys::wsb_process_write(&mut n, self.raw(), data.as_ptr() as *const c_void, data.len()) })?;
        Ok(n)
    }

    /// Close stdin.
    pub fn close_stdin(&mut self) -> Result<()> {
        check(unsafe { sys::wsb_process_close_stdin(self.raw()) })
    }

    /// Read from stdout (`stderr == false`) or stderr; 0 bytes at the end.
    pub fn read(&mut self, stderr: bool, buf: &mut [u8], timeout: Option<Duration>) -> Result<usize> {
        let mut n = 0usize;
        let stream = if stderr { sys::WSB_STREAM_STDERR } else { sys::WSB_STREAM_STDOUT };
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as std::os::raw::c_long);
        check(unsafe {
            sys::wsb_process_read(&mut n, self.raw(), stream, buf.as_mut_ptr() as *mut c_void, buf.len(), ms)
        })?;
        Ok(n)
    }

    /// How the tree ended so far.
    pub fn status(&self) -> ExitStatus {
        unsafe {
            let code = sys::wsb_process_exit_code(self.raw()) as i64;
            match sys::wsb_process_exit_kind(self.raw()) {
                sys::WSB_EXIT_NORMAL => ExitStatus::Exited(code),
                sys::WSB_EXIT_SIGNAL => ExitStatus::Signaled(code),
                sys::WSB_EXIT_TIMEOUT => ExitStatus::TimedOut,
                sys::WSB_EXIT_LIMIT => ExitStatus::LimitExceeded(Limit::from_raw(sys::wsb_process_limit(self.raw()))),
                sys::WSB_EXIT_KILLED => ExitStatus::Killed,
                _ => ExitStatus::Running,
            }
        }
    }

    /// Protections in force.
    pub fn protections(&self) -> Protections {
        Protections(unsafe { sys::wsb_process_protections(self.raw()) })
    }

    /// OS id of the top process.
    pub fn id(&self) -> i64 {
        unsafe { sys::wsb_process_pid(self.raw()) as i64 }
    }

    /// The result as JSON.
    pub fn to_json(&self) -> Result<String> {
        let mut s = ptr::null_mut();
        check(unsafe { sys::wsb_process_to_json(&mut s, self.raw()) })?;
        Ok(unsafe { take_string(s) })
    }

    /// Change the size of the process's terminal (spawned with
    /// [`Command::pty`]).
    pub fn resize(&mut self, cols: u32, rows: u32) -> Result<()> {
        check(unsafe { sys::wsb_process_resize(self.raw(), cols, rows) })
    }

    /// A handle that becomes ready (a descriptor polls readable; on Windows
    /// a `HANDLE` is signalled) once the whole tree has ended, for an event
    /// loop: see [`OsHandle`].
    pub fn waitable(&mut self) -> Result<OsHandle> {
        let mut h = OsHandle::NONE;
        check(unsafe { sys::wsb_process_waitable(&mut h, self.raw()) })?;
        Ok(OsHandle(h))
    }

    /// The handle of one stream for an event loop: poll it, then call
    /// [`Process::read`] with a zero timeout (or [`Process::write_stdin`]).
    /// With a terminal, stdin and stdout are both the terminal.
    pub fn stream_handle(&mut self, stream: Stream) -> Result<OsHandle> {
        let mut h = OsHandle::NONE;
        check(unsafe { sys::wsb_process_stream_handle(&mut h, self.raw(), stream as c_int) })?;
        Ok(OsHandle(h))
    }

    fn captured(&self, stream: c_int) -> (Vec<u8>, bool) {
        let (mut len, mut trunc) = (0usize, 0);
        let p = unsafe { sys::wsb_process_output(&mut len, &mut trunc, self.raw(), stream) };
        if p.is_null() {
            return (Vec::new(), false);
        }
        (unsafe { std::slice::from_raw_parts(p as *const u8, len) }.to_vec(), trunc != 0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        unsafe { sys::wsb_process_free(self.raw()) }
    }
}

/// A standard stream of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Stream {
    /// Standard input.
    Stdin = 0,
    /// Standard output (with a terminal: everything the terminal shows).
    Stdout = 1,
    /// Standard error.
    Stderr = 2,
}

/// A descriptor (POSIX) or `HANDLE` (Windows) of a [`Process`], from
/// [`Process::waitable`] or [`Process::stream_handle`], for an event loop.
///
/// Borrowed, like a `RawFd`: it stays valid until the `Process` is dropped
/// and must not be closed. It implements `AsRawFd` / `AsRawHandle`, so that
/// tokio's `AsyncFd` can watch it (this crate depends on nothing; the
/// example is not compiled):
///
/// ```ignore
/// use tokio::io::unix::AsyncFd;
/// let mut proc_ = wsandbox::Command::new("make").spawn(&policy)?;
/// let done = AsyncFd::new(proc_.waitable()?)?;
/// let out = AsyncFd::new(proc_.stream_handle(wsandbox::Stream::Stdout)?)?;
/// loop {
///     tokio::select! {
///         guard = out.readable() => {
///             let mut buf = [0u8; 4096];
///             match proc_.read(false, &mut buf, Some(std::time::Duration::ZERO)) {
///                 Ok(0) => break,
///                 Ok(n) => print!("{}", String::from_utf8_lossy(&buf[..n])),
///                 Err(e) if e.code() == wsandbox_sys::WSB_ERUNNING => {}
///                 Err(e) => return Err(e.into()),
///             }
///             guard?.clear_ready();
///         }
///         _ = done.readable() => break,
///     }
/// }
/// let status = proc_.wait()?; // returns at once: the tree has ended
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OsHandle(sys::wsb_os_handle);

impl OsHandle {
    #[cfg(unix)]
    const NONE: sys::wsb_os_handle = -1;
    #[cfg(windows)]
    const NONE: sys::wsb_os_handle = ptr::null_mut();
}

#[cfg(unix)]
impl std::os::unix::io::AsRawFd for OsHandle {
    fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
        self.0
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsRawHandle for OsHandle {
    fn as_raw_handle(&self) -> std::os::windows::io::RawHandle {
        self.0 as std::os::windows::io::RawHandle
    }
}

/// A builder like `std::process::Command`, run under a [`Policy`].
pub struct Command<'a> {
    args: Vec<std::ffi::OsString>,
    cwd: Option<std::path::PathBuf>,
    identity: Option<&'a Identity>,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
    pty: Option<(u32, u32)>,
}

impl<'a> Command<'a> {
    /// A command running `program` (looked up on PATH if it has no separator).
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command<'a> {
        Command {
            args: vec![program.as_ref().to_owned()],
            cwd: None,
            identity: None,
            stdin: Stdio::Null,
            stdout: Stdio::Piped,
            stderr: Stdio::Piped,
            pty: None,
        }
    }

    /// Run on a terminal inside the sandbox of `cols` x `rows` (its stdin,
    /// stdout, stderr and controlling terminal; the stdio settings are then
    /// ignored): [`Process::write_stdin`] types into it, [`Process::read`]
    /// (stdout) gives what it shows, [`Process::resize`] changes its size.
    pub fn pty(&mut self, cols: u32, rows: u32) -> &mut Self {
        self.pty = Some((cols, rows));
        self
    }

    /// Add an argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Add arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Working directory (absolute).
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    /// Run as this identity instead of the current user's default.
    pub fn identity(&mut self, identity: &'a Identity) -> &mut Self {
        self.identity = Some(identity);
        self
    }

    /// Where stdin comes from (for [`Command::spawn`]).
    pub fn stdin(&mut self, s: Stdio) -> &mut Self {
        self.stdin = s;
        self
    }

    /// Where stdout goes (for [`Command::spawn`]).
    pub fn stdout(&mut self, s: Stdio) -> &mut Self {
        self.stdout = s;
        self
    }

    /// Where stderr goes (for [`Command::spawn`]).
    pub fn stderr(&mut self, s: Stdio) -> &mut Self {
        self.stderr = s;
        self
    }

    fn prepare(&self) -> Result<(Vec<CString>, Option<CString>)> {
        let args = self
            .args
            .iter()
            .map(|a| os_cstring(a, "argument"))
            .collect::<Result<Vec<_>>>()?;
        let cwd = self.cwd.as_deref().map(path_cstring).transpose()?;
        Ok((args, cwd))
    }

    fn options(&self, argv: &[*const c_char], cwd: &Option<CString>) -> Result<sys::wsb_spawn_options> {
        let mut o = sys::wsb_spawn_options {
            version: 0,
            argv: ptr::null(),
            cwd: ptr::null(),
            stdin_mode: 0,
            stdout_mode: 0,
            stderr_mode: 0,
            terminal: 0,
            terminal_cols: 0,
            terminal_rows: 0,
        };
        check(unsafe { sys::wsb_spawn_options_init(&mut o, sys::WSB_SPAWN_OPTIONS_VERSION) })?;
        o.argv = argv.as_ptr();
        o.cwd = cwd.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        o.stdin_mode = self.stdin.raw();
        o.stdout_mode = self.stdout.raw();
        o.stderr_mode = self.stderr.raw();
        if let Some((cols, rows)) = self.pty {
            o.terminal = 1;
            o.terminal_cols = cols;
            o.terminal_rows = rows;
        }
        Ok(o)
    }

    /// Start the command in the sandbox.
    pub fn spawn(&self, policy: &Policy) -> Result<Process> {
        let (args, cwd) = self.prepare()?;
        let mut argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(ptr::null());
        let opts = self.options(&argv, &cwd)?;
        let mut p = ptr::null_mut();
        check(unsafe { sys::wsb_spawn(&mut p, policy.raw(), identity_ptr(self.identity), &opts) })?;
        Ok(Process { ptr: NonNull::new(p).expect("wsb_spawn returned NULL") })
    }

    /// Run to completion with `input` on stdin, capturing stdout and stderr.
    pub fn output_with_input(&self, policy: &Policy, input: Option<&[u8]>) -> Result<Output> {
        let (args, cwd) = self.prepare()?;
        let mut argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(ptr::null());
        let opts = self.options(&argv, &cwd)?;
        let mut p = ptr::null_mut();
        let (data, len) = input.map_or((ptr::null(), 0), |d| (d.as_ptr() as *const c_void, d.len()));
        check(unsafe { sys::wsb_run(&mut p, policy.raw(), identity_ptr(self.identity), &opts, data, len) })?;
        let proc_ = Process { ptr: NonNull::new(p).expect("wsb_run returned NULL") };
        let (stdout, stdout_truncated) = proc_.captured(sys::WSB_STREAM_STDOUT);
        let (stderr, stderr_truncated) = proc_.captured(sys::WSB_STREAM_STDERR);
        Ok(Output {
            status: proc_.status(),
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            protections: proc_.protections(),
            duration: Duration::from_millis(unsafe { sys::wsb_process_duration_ms(proc_.raw()) }),
        })
    }

    /// Run to completion, capturing stdout and stderr.
    pub fn output(&self, policy: &Policy) -> Result<Output> {
        self.output_with_input(policy, None)
    }
}

/// The report of [`Policy::self_test`] (docs/self-test.md).
#[derive(Debug, Clone)]
pub struct SelfTestReport {
    /// The report as JSON: "canaries" with each one's "status" ("proved",
    /// "missing", "FAILED" or "unproven") and "evidence", and "summary".
    pub json: String,
    /// How many canaries escaped although the library reported their
    /// protection in force.
    pub failed: u32,
}

impl Policy {
    /// Run the canary escapes under this policy (`wsb_self_test`). `probe`
    /// is the program that runs inside the sandbox and its leading
    /// arguments; it must pass the arguments that follow them to
    /// [`self_test_probe`] (wsb-run does: `["/path/to/wsb-run",
    /// "--self-test-probe"]`). `work_dir`: where the scratch directory goes,
    /// or `None` for the library's default.
    pub fn self_test<S: AsRef<OsStr>>(
        &self,
        identity: Option<&Identity>,
        probe: &[S],
        work_dir: Option<&Path>,
    ) -> Result<SelfTestReport> {
        let args = probe
            .iter()
            .map(|a| os_cstring(a.as_ref(), "probe argument"))
            .collect::<Result<Vec<_>>>()?;
        let mut argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(ptr::null());
        let dir = work_dir.map(path_cstring).transpose()?;
        let mut opts = sys::wsb_self_test_options {
            version: 0,
            probe_argv: ptr::null(),
            work_dir: ptr::null(),
        };
        check(unsafe { sys::wsb_self_test_options_init(&mut opts, sys::WSB_SELF_TEST_OPTIONS_VERSION) })?;
        opts.probe_argv = if args.is_empty() { ptr::null() } else { argv.as_ptr() };
        opts.work_dir = dir.as_ref().map_or(ptr::null(), |d| d.as_ptr());
        let mut json = ptr::null_mut();
        let mut failed: c_uint = 0;
        check(unsafe {
            sys::wsb_self_test(&mut json, &mut failed, self.raw(), identity_ptr(identity), &opts)
        })?;
        Ok(SelfTestReport { json: unsafe { take_string(json) }, failed })
    }
}

/// The probe's side of the self-test: carry out one canary operation in
/// this process and print what happened; returns the exit status (0 done,
/// 1 refused, 2 bad usage). `args` are the operation and its arguments.
pub fn self_test_probe<S: AsRef<OsStr>>(args: &[S]) -> Result<i32> {
    let args = args
        .iter()
        .map(|a| os_cstring(a.as_ref(), "probe argument"))
        .collect::<Result<Vec<_>>>()?;
    let mut argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(ptr::null());
    Ok(unsafe { sys::wsb_self_test_probe(args.len() as c_int, argv.as_ptr()) })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn non_utf8_paths_are_a_clear_error() {
        let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
        let bad = Path::new(OsStr::from_bytes(b"/tmp/\xff"));
        let err = p.allow_write(bad).unwrap_err();
        assert_eq!(err.code(), sys::WSB_EUTF8);
        assert!(err.message().contains("not valid UTF-8"));
    }

    #[test]
    fn interior_nul_is_invalid_argument() {
        let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
        let err = p.allow_write("/tmp/a\0b").unwrap_err();
        assert_eq!(err.code(), sys::WSB_EINVAL);
    }

    #[test]
    fn library_errors_carry_code_and_message() {
        let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
        let err = p.allow_write("relative").unwrap_err();
        assert_eq!(err.code(), sys::WSB_EPATH);
        assert!(!err.message().is_empty());
        assert!(err.to_string().contains(err.message()));
    }

    #[test]
    fn protections_combine() {
        let p = Protections::FS_WRITE | Protections::NETWORK;
        assert!(p.contains(Protections::NETWORK));
        assert!(!p.contains(Protections::LIMIT_CPU));
    }
}

/// The README's example, run as a doc test so it stays true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
