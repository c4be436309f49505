//! The self-test through the safe API, with wsb-run from the build as the
//! probe (Linux kernel enforcement).
#![cfg(target_os = "linux")]

use std::path::PathBuf;

use wsandbox::{Mode, Network, Policy};

/// wsb-run next to the library the tests link (bindings/rust/test.sh sets
/// WSANDBOX_LIB_DIR to the build directory).
fn probe() -> Vec<String> {
    let dir = std::env::var("WSANDBOX_LIB_DIR").expect("WSANDBOX_LIB_DIR");
    let wsb_run = PathBuf::from(dir).join("examples/wsb-run");
    assert!(wsb_run.exists(), "{} is not built", wsb_run.display());
    vec![wsb_run.to_string_lossy().into_owned(), "--self-test-probe".to_string()]
}

/// The status of one canary, read from the report (the library writes no
/// spaces and escapes quotes inside values).
fn status<'a>(json: &'a str, name: &str) -> &'a str {
    let at = json.find(&format!("{{\"name\":\"{}\"", name)).expect("canary in the report");
    let rest = &json[at..];
    let s = rest.find("\"status\":\"").unwrap() + 10;
    &rest[s..s + rest[s..].find('"').unwrap()]
}

#[test]
fn self_test_proves_the_write_confinement_and_fails_nothing() {
    let p = Policy::new(Mode::WorkspaceWrite).unwrap();
    let report = p.self_test(None, &probe(), None).unwrap();
    assert_eq!(report.failed, 0, "{}", report.json);
    assert_eq!(status(&report.json, "write_outside_roots"), "proved", "{}", report.json);
    assert_eq!(status(&report.json, "git_write"), "proved", "{}", report.json);
    assert!(report.json.contains("\"failed\":0"));
}

#[test]
fn network_on_shows_missing_not_failed() {
    let mut p = Policy::new(Mode::WorkspaceWrite).unwrap();
    p.set_network(Network::On).unwrap();
    let report = p.self_test(None, &probe(), None).unwrap();
    assert_eq!(status(&report.json, "tcp_to_host"), "missing", "{}", report.json);
    assert_eq!(report.failed, 0);
}

#[test]
fn an_empty_probe_is_rejected() {
    let p = Policy::new(Mode::ReadOnly).unwrap();
    let err = p.self_test::<&str>(None, &[], None).unwrap_err();
    assert_eq!(err.code(), wsandbox_sys::WSB_EINVAL);
}

#[test]
fn the_probe_runs_one_operation_here() {
    assert_eq!(wsandbox::self_test_probe(&["no-such-operation"]).unwrap(), 2);
}
