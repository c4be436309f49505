//! The declarations in src/lib.rs must match include/wsandbox/wsandbox.h:
//! every constant's value, every function's presence, every options struct's
//! size and alignment (measured by compiling a C probe against the header).
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use wsandbox_sys::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn header() -> String {
    fs::read_to_string(root().join("include/wsandbox/wsandbox.h")).expect("read header")
}

fn eval(expr: &str) -> Option<i64> {
    let e = expr.trim().trim_end_matches(',').trim();
    if let Some((a, b)) = e.split_once("<<") {
        return Some(eval(a)? << eval(b)?);
    }
    e.parse::<i64>().ok()
}

/// NAME -> value for every `#define WSB_X <number>` and `WSB_X = <expr>` enum entry.
fn header_constants() -> BTreeMap<String, i64> {
    let mut map = BTreeMap::new();
    for line in header().lines() {
        let line = line.split("/*").next().unwrap().trim();
        if let Some(rest) = line.strip_prefix("#define ") {
            let mut parts = rest.splitn(2, char::is_whitespace);
            let name = parts.next().unwrap();
            if let Some(v) = parts.next().and_then(eval) {
                if name.starts_with("WSB_") {
                    map.insert(name.to_string(), v);
                }
            }
        } else if line.starts_with("WSB_") && line.contains('=') {
            let (name, value) = line.split_once('=').unwrap();
            if let Some(v) = eval(value) {
                map.insert(name.trim().to_string(), v);
            }
        }
    }
    map
}

macro_rules! rust_constants {
    ($($name:ident),* $(,)?) => {{
        let mut m = BTreeMap::new();
        $( m.insert(stringify!($name).to_string(), $name as i64); )*
        m
    }};
}

#[test]
fn every_header_constant_has_the_same_value_in_rust() {
    let rust = rust_constants!(
        WSB_VERSION_MAJOR, WSB_VERSION_MINOR, WSB_VERSION_PATCH,
        WSB_OK, WSB_ERROR, WSB_ENOMEM, WSB_EINVAL, WSB_EUTF8, WSB_EPATH, WSB_ETOOLONG,
        WSB_ERANGE, WSB_ENOTSUP, WSB_ENOENT, WSB_EEXIST, WSB_EACCES, WSB_EOS, WSB_ESTATE,
        WSB_ERUNNING, WSB_EUNAVAIL, WSB_ECONFLICT, WSB_EVERSION, WSB_ENOEXEC, WSB_EJOURNAL,
        WSB_ENOTELEVATED, WSB_EGROUPPOLICY, WSB_ELOGON, WSB_ELOCKED, WSB_ENOTSETUP,
        WSB_EWORLDWRITABLE,
        WSB_MODE_READ_ONLY, WSB_MODE_WORKSPACE_WRITE, WSB_MODE_FULL_ACCESS,
        WSB_NETWORK_OFF, WSB_NETWORK_ON, WSB_NETWORK_ALLOWLIST,
        WSB_LIMIT_NONE, WSB_LIMIT_MEMORY, WSB_LIMIT_PROCESSES, WSB_LIMIT_CPU_TIME,
        WSB_LIMIT_TIMEOUT, WSB_LIMIT_OUTPUT,
        WSB_ENV_INHERIT, WSB_ENV_CLEAR,
        WSB_PROT_FS_WRITE, WSB_PROT_FS_PROTECTED, WSB_PROT_FS_DENY_READ, WSB_PROT_NETWORK,
        WSB_PROT_NETWORK_ADVISORY, WSB_PROT_PROCESS_TREE, WSB_PROT_LIMIT_MEMORY,
        WSB_PROT_LIMIT_PROCESSES, WSB_PROT_LIMIT_CPU, WSB_PROT_NO_NEW_PRIVS,
        WSB_PROT_SYSCALL_FILTER, WSB_PROT_PRIVATE_DESKTOP,
        WSB_POLICY_NO_DEFAULT_PROTECT, WSB_POLICY_DENY_WORLD_WRITABLE,
        WSB_POLICY_REFUSE_WORLD_WRITABLE, WSB_POLICY_PRIVATE_DESKTOP, WSB_POLICY_NO_TEMP_WRITE,
        WSB_MAX_ROOTS, WSB_MAX_ARGS, WSB_MAX_TERMINAL_SIZE,
        WSB_ACCESS_READ, WSB_ACCESS_WRITE,
        WSB_RULE_FULL_ACCESS, WSB_RULE_READ_DEFAULT, WSB_RULE_DENY_READ, WSB_RULE_WRITABLE_ROOT,
        WSB_RULE_PROTECTED_NAME, WSB_RULE_PROTECTED_PATH, WSB_RULE_GITDIR,
        WSB_RULE_OUTSIDE_ROOTS, WSB_RULE_READ_ONLY_MODE, WSB_RULE_TEMP,
        WSB_IDENTITY_CURRENT_USER, WSB_IDENTITY_SANDBOX_USER,
        WSB_STDIO_NULL, WSB_STDIO_PIPE, WSB_STDIO_INHERIT,
        WSB_STREAM_STDIN, WSB_STREAM_STDOUT, WSB_STREAM_STDERR,
        WSB_EXIT_RUNNING, WSB_EXIT_NORMAL, WSB_EXIT_SIGNAL, WSB_EXIT_TIMEOUT, WSB_EXIT_LIMIT,
        WSB_EXIT_KILLED,
        WSB_ALLOCATOR_VERSION, WSB_IDENTITY_OPTIONS_VERSION, WSB_SPAWN_OPTIONS_VERSION,
        WSB_AUDIT_OPTIONS_VERSION, WSB_SETUP_OPTIONS_VERSION, WSB_SELF_TEST_OPTIONS_VERSION,
    );
    let header = header_constants();
    assert!(header.len() > 50, "header parse found only {} constants", header.len());
    for (name, value) in &header {
        assert_eq!(rust.get(name), Some(value), "{} differs or is missing in Rust", name);
    }
    for name in rust.keys() {
        assert!(header.contains_key(name), "{} is in Rust but not in the header", name);
    }
}

#[test]
fn every_header_function_is_declared() {
    let lib = fs::read_to_string(root().join("bindings/rust/wsandbox-sys/src/lib.rs")).unwrap();
    let text = header();
    let mut count = 0;
    for line in text.lines().filter(|l| l.starts_with("WSB_API ")) {
        let name: String = line
            .split('(')
            .next()
            .unwrap()
            .rsplit(|c: char| c == ' ' || c == '*')
            .next()
            .unwrap()
            .to_string();
        assert!(lib.contains(&format!("pub fn {}(", name)), "{} is not declared", name);
        count += 1;
    }
    assert!(count > 60, "only {} functions found", count);
}

#[test]
fn options_structs_have_the_header_layout() {
    let dir = std::env::temp_dir().join(format!("wsb-sys-probe-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    fs::write(
        &src,
        "#include <stdio.h>\n#include <stddef.h>\n#include \"wsandbox/wsandbox.h\"\n\
         #define S(t) printf(#t \" %zu %zu\\n\", sizeof(t), _Alignof(t))\n\
         int main(void) { S(wsb_allocator); S(wsb_identity_options); S(wsb_spawn_options);\n\
         S(wsb_audit_options); S(wsb_setup_options); S(wsb_self_test_options); S(wsb_u64); return 0; }\n",
    )
    .unwrap();
    let exe = dir.join("probe");
    let status = Command::new("cc")
        .arg("-std=c11")
        .arg("-I")
        .arg(root().join("include"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("run cc");
    assert!(status.success());
    let out = String::from_utf8(Command::new(&exe).output().unwrap().stdout).unwrap();
    let mut c = BTreeMap::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        c.insert(f[0].to_string(), (f[1].parse::<usize>().unwrap(), f[2].parse::<usize>().unwrap()));
    }
    use std::mem::{align_of, size_of};
    let rust = [
        ("wsb_allocator", size_of::<wsb_allocator>(), align_of::<wsb_allocator>()),
        ("wsb_identity_options", size_of::<wsb_identity_options>(), align_of::<wsb_identity_options>()),
        ("wsb_spawn_options", size_of::<wsb_spawn_options>(), align_of::<wsb_spawn_options>()),
        ("wsb_audit_options", size_of::<wsb_audit_options>(), align_of::<wsb_audit_options>()),
        ("wsb_setup_options", size_of::<wsb_setup_options>(), align_of::<wsb_setup_options>()),
        ("wsb_self_test_options", size_of::<wsb_self_test_options>(), align_of::<wsb_self_test_options>()),
        ("wsb_u64", size_of::<wsb_u64>(), align_of::<wsb_u64>()),
    ];
    for (name, size, align) in rust {
        assert_eq!(c.get(name), Some(&(size, align)), "{} layout differs", name);
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn linked_library_reports_the_header_version() {
    assert_eq!(unsafe { wsb_version_number() }, WSB_VERSION_NUMBER);
}
