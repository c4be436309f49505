//! Real sandboxed runs through the safe API (Linux kernel enforcement).
#![cfg(target_os = "linux")]

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use wsandbox::{Access, Command, ExitStatus, Mode, Network, Policy, Protections};

/// Under /var/tmp, not /tmp: the sandbox gives commands a private /tmp, so a
/// write there would succeed without reaching the host.
fn workspace(name: &str) -> PathBuf {
    let d = PathBuf::from("/var/tmp").join(format!("wsb-rs-{}-{}", name, std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn write_inside_the_workspace_is_allowed() {
    let dir = workspace("allowed");
    let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
    p.allow_write(&dir).unwrap();
    let out = Command::new("sh").arg("-c").arg("echo ok > f.txt").current_dir(&dir).output(&p).unwrap();
    assert!(out.status.success(), "{:?}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read_to_string(dir.join("f.txt")).unwrap(), "ok\n");
    assert!(out.protections.contains(Protections::FS_WRITE));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_outside_the_workspace_is_denied() {
    let dir = workspace("denied");
    let work = dir.join("work");
    fs::create_dir(&work).unwrap();
    let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
    p.allow_write(&work).unwrap();
    let target = dir.join("escape.txt");
    let out = Command::new("sh").arg("-c").arg(format!("echo x > {}", target.display())).output(&p).unwrap();
    assert!(!out.status.success());
    assert!(!target.exists());
    assert!(!p.check_path(&target, Access::Write).unwrap().allowed);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn network_off_blocks_a_listener_outside() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut p = Policy::new(Mode::ReadOnly).unwrap();
    p.set_network(Network::Off).unwrap();
    let script = format!("exec 3<>/dev/tcp/127.0.0.1/{} && echo connected", port);
    let out = Command::new("bash").arg("-c").arg(script).output(&p).unwrap();
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("connected"));
    assert!(out.protections.contains(Protections::NETWORK));
}

#[test]
fn timeout_is_reported_as_timed_out() {
    let mut p = Policy::new(Mode::ReadOnly).unwrap();
    p.set_timeout(Duration::from_millis(300)).unwrap();
    let out = Command::new("sleep").arg("30").output(&p).unwrap();
    assert_eq!(out.status, ExitStatus::TimedOut);
    assert!(out.duration < Duration::from_secs(10));
}

#[test]
fn stdin_and_exit_code_pass_through() {
    let p = Policy::new(Mode::ReadOnly).unwrap();
    let out = Command::new("sh").arg("-c").arg("cat; exit 3").output_with_input(&p, Some(b"ping")).unwrap();
    assert_eq!(out.status, ExitStatus::Exited(3));
    assert_eq!(out.stdout, b"ping");
}

#[test]
fn missing_program_is_an_error_with_code() {
    let p = Policy::new(Mode::ReadOnly).unwrap();
    let err = Command::new("definitely-not-a-program-wsb").output(&p).unwrap_err();
    assert_eq!(err.code(), wsandbox_sys::WSB_ENOENT);
}

#[test]
fn spawned_process_can_be_killed() {
    let p = Policy::new(Mode::ReadOnly).unwrap();
    let mut child = Command::new("sleep").arg("30").spawn(&p).unwrap();
    assert!(child.id() > 0);
    assert_eq!(child.wait_timeout(Some(Duration::from_millis(50))).unwrap(), None);
    child.kill().unwrap();
    assert_eq!(child.wait().unwrap(), ExitStatus::Killed);
}

#[test]
fn plan_is_json() {
    let dir = workspace("plan");
    let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
    p.allow_write(&dir).unwrap();
    let plan = p.plan(None).unwrap();
    let json = plan.to_json().unwrap();
    assert!(json.starts_with('{') && json.contains("\"steps\""));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn allowed_hosts_are_canonical_in_the_plan_and_bad_patterns_say_why() {
    let mut p = Policy::new(Mode::ReadOnly)
        .unwrap()
        .with_allowed_host("PyPI.org")
        .unwrap()
        .with_denied_host("evil.example.org")
        .unwrap();
    p.set_network(Network::Allowlist).unwrap();
    p.allow_address("10.0.0.0/8:5432").unwrap();
    let err = p.allow_host("*").unwrap_err();
    assert_eq!(err.code(), wsandbox_sys::WSB_EINVAL);
    assert!(err.message().contains("bare '*'"), "{}", err.message());
    let json = p.plan(None).unwrap().to_json().unwrap();
    assert!(json.contains("\"network\":\"allowlist\""), "{}", json);
    assert!(json.contains("\"allow_hosts\":[\"pypi.org:80,443\"]"), "{}", json);
    assert!(json.contains("\"deny_hosts\":[\"evil.example.org:*\"]"), "{}", json);
    assert!(json.contains("\"allow_addresses\":[\"10.0.0.0/8:5432\"]"), "{}", json);
}

#[test]
fn the_allowlist_proxy_refuses_other_hosts() {
    let mut p = Policy::new(Mode::ReadOnly).unwrap().with_allowed_host("pypi.test").unwrap();
    p.set_network(Network::Allowlist).unwrap();
    let script = "exec 3<>/dev/tcp/127.0.0.1/3128; printf 'CONNECT evil.test:443 HTTP/1.1\\r\\n\\r\\n' >&3; head -c 22 <&3";
    let out = match Command::new("bash").arg("-c").arg(script).output(&p) {
        Ok(out) => out,
        Err(e) if e.code() == wsandbox_sys::WSB_EUNAVAIL => return, // no network namespace here
        Err(e) => panic!("{}", e),
    };
    assert_eq!(String::from_utf8_lossy(&out.stdout), "HTTP/1.1 403 Forbidden");
}
