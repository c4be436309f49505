//! Terminals and waitable handles through the safe API (Linux kernel).
#![cfg(target_os = "linux")]

use std::os::raw::{c_int, c_short, c_ulong};
use std::os::unix::io::AsRawFd;
use std::time::Duration;

use wsandbox::{Command, ExitStatus, Policy, Mode, Stream};

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

extern "C" {
    fn poll(fds: *mut PollFd, n: c_ulong, timeout: c_int) -> c_int;
}

const POLLIN: c_short = 1;

fn read_until(p: &mut wsandbox::Process, needle: &str) -> String {
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let mut buf = [0u8; 4096];
        let n = p.read(false, &mut buf, Some(Duration::from_secs(30))).unwrap();
        assert!(n > 0, "the terminal ended before {:?}: {:?}", needle, String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn a_terminal_with_its_size_and_a_resize() {
    let policy = Policy::new(Mode::ReadOnly).unwrap();
    let mut p = Command::new("sh")
        .arg("-c")
        .arg("tty; stty size; read x; stty size")
        .pty(100, 30)
        .spawn(&policy)
        .unwrap();
    let out = read_until(&mut p, "30 100");
    assert!(out.starts_with("/dev/pts/"), "{:?}", out);
    p.resize(132, 43).unwrap();
    p.write_stdin(b"\r").unwrap();
    read_until(&mut p, "43 132");
    assert_eq!(p.wait().unwrap(), ExitStatus::Exited(0));
}

#[test]
fn the_waitable_handle_polls_readable_at_the_end() {
    let policy = Policy::new(Mode::ReadOnly).unwrap();
    let mut p = Command::new("sh").arg("-c").arg("sleep 0.3; exit 4").spawn(&policy).unwrap();
    let w = p.waitable().unwrap();
    let out = p.stream_handle(Stream::Stdout).unwrap();
    assert_ne!(w.as_raw_fd(), out.as_raw_fd());
    let mut fds = PollFd { fd: w.as_raw_fd(), events: POLLIN, revents: 0 };
    assert_eq!(unsafe { poll(&mut fds, 1, 0) }, 0, "ready before the end");
    assert_eq!(unsafe { poll(&mut fds, 1, 30_000) }, 1);
    assert_eq!(p.wait_timeout(Some(Duration::ZERO)).unwrap(), Some(ExitStatus::Exited(4)));
}

#[test]
fn resize_without_a_terminal_is_a_state_error() {
    let policy = Policy::new(Mode::ReadOnly).unwrap();
    let mut p = Command::new("true").spawn(&policy).unwrap();
    assert_eq!(p.resize(80, 24).unwrap_err().code(), wsandbox_sys::WSB_ESTATE);
    p.wait().unwrap();
}
