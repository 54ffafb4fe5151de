//! The controlling terminal vanishing without any signal (an SSH connection
//! dropped while ripen runs as a child that gets no SIGHUP): ripen must
//! notice that its terminal is gone and exit, not spin or hang.

mod terminal;

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use terminal::{BIN, repo_with_shipped_state};

#[test]
fn ripen_exits_when_its_terminal_disappears() {
    let (_dir, state) = repo_with_shipped_state();
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors; the pointers are valid.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    // openpty's descriptors are inherited by default: the child must not
    // keep the master open, or the terminal never goes away.
    for fd in [master, slave] {
        // SAFETY: fcntl on descriptors just opened.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both descriptors were just opened and are owned here.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    // The pty is not ripen's controlling terminal (no new session), so
    // closing its master sends no SIGHUP: only the reads fail.
    let mut child = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();

    // Let the UI start and draw: read from the master until the portfolio shows.
    let mut seen = Vec::new();
    let start = Instant::now();
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    while !String::from_utf8_lossy(&seen).contains("Portfolio") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "ripen did not draw"
        );
        let mut buf = [0u8; 4096];
        match std::io::Read::read(&mut reader, &mut buf) {
            Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "ripen is running");

    drop(reader);
    drop(master);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("ripen still runs after its terminal disappeared");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // An orderly exit (code 2: the terminal went away), not a crash by a
    // signal such as the abort of a panic while printing to the dead terminal.
    assert_eq!(status.code(), Some(2), "{status:?}");
}
