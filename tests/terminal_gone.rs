//! The controlling terminal vanishing without any signal (an SSH connection
//! dropped while ripen runs as a child that gets no SIGHUP): ripen must
//! notice that its terminal is gone and exit in order (code 2), never spin,
//! hang or abort, whatever it was doing: starting, idle, in a dialog, in the
//! middle of a save. Standard error is on the same dead terminal, as in
//! every real session, or a file that must stay free of panics.

mod support;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use support::data::repo_with_shipped_state;
use support::run::BIN;

/// How many times a case repeats in one run: a race between the
/// terminal's end and ripen's last draw or read shows only now and then.
/// `RIPEN_GONE_ROUNDS=200` runs every case 200 times in a row.
fn rounds(default: usize) -> usize {
    std::env::var("RIPEN_GONE_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Held from opening a pty until its descriptors are close-on-exec and
/// ripen is spawned: the tests run in parallel threads, and a child forked
/// by another test in between would inherit this pty's master and keep the
/// terminal alive.
static PTY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Where ripen's standard error goes.
enum Stderr<'a> {
    /// The same terminal as its input and output.
    Terminal,
    /// A file, read after the exit.
    File(&'a Path),
}

/// ripen running on a fresh pseudo-terminal whose master end the test holds.
struct OnPty {
    child: Child,
    master: Option<std::fs::File>,
    seen: Vec<u8>,
}

impl OnPty {
    fn start(state: &Path, envs: &[(&str, &str)], stderr: Stderr<'_>) -> OnPty {
        let guard = PTY.lock().unwrap_or_else(|e| e.into_inner());
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
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let err = match stderr {
            Stderr::Terminal => Stdio::from(slave.try_clone().unwrap()),
            Stderr::File(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        };
        // The pty is not ripen's controlling terminal (no new session), so
        // closing its master sends no SIGHUP: only reads and writes fail.
        let child = Command::new(BIN)
            .arg("--state")
            .arg(state)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm-256color")
            .envs(envs.iter().copied())
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave))
            .stderr(err)
            .spawn()
            .unwrap();
        drop(guard);
        // Non-blocking, so that waiting for a screen never blocks forever.
        // SAFETY: fcntl on a descriptor owned here.
        unsafe {
            use std::os::fd::AsRawFd;
            let fd = master.as_raw_fd();
            libc::fcntl(
                fd,
                libc::F_SETFL,
                libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK,
            );
        }
        OnPty {
            child,
            master: Some(std::fs::File::from(master)),
            seen: Vec::new(),
        }
    }

    /// Reads the terminal's output until it contains `needle`.
    fn wait_for(&mut self, needle: &str) {
        let start = Instant::now();
        let master = self.master.as_mut().expect("the terminal is open");
        while !String::from_utf8_lossy(&self.seen).contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "ripen never showed {needle:?}; it wrote:\n{}",
                String::from_utf8_lossy(&self.seen)
            );
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "ripen exited before showing {needle:?}"
            );
            let mut buf = [0u8; 8192];
            match master.read(&mut buf) {
                Ok(n) if n > 0 => self.seen.extend_from_slice(&buf[..n]),
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Types into the terminal.
    fn type_text(&mut self, text: &str) {
        let master = self.master.as_mut().expect("the terminal is open");
        master.write_all(text.as_bytes()).unwrap();
    }

    /// Closes the terminal and waits for ripen to exit.
    fn vanish(mut self) -> ExitStatus {
        self.master = None;
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("ripen still runs after its terminal disappeared");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// An orderly exit (code 2: the terminal went away), not a crash by a
/// signal such as the abort of a panic while printing to the dead terminal.
fn assert_orderly(status: ExitStatus, round: usize) {
    assert_eq!(status.code(), Some(2), "round {round}: {status:?}");
}

#[test]
fn ripen_exits_in_order_whenever_its_idle_terminal_disappears() {
    let (_dir, state) = repo_with_shipped_state();
    for round in 0..rounds(25) {
        let mut ui = OnPty::start(&state, &[], Stderr::Terminal);
        ui.wait_for("Portfolio");
        assert_orderly(ui.vanish(), round);
    }
}

#[test]
fn ripen_exits_in_order_when_its_terminal_disappears_while_starting() {
    let (_dir, state) = repo_with_shipped_state();
    for round in 0..rounds(25) {
        // Closed at once: ripen finds it gone while setting up or drawing.
        let ui = OnPty::start(&state, &[], Stderr::Terminal);
        assert_orderly(ui.vanish(), round);
    }
}

#[test]
fn a_terminal_that_vanishes_at_start_leaves_no_panic_on_standard_error() {
    let (dir, state) = repo_with_shipped_state();
    let log = dir.path().join("stderr.log");
    for round in 0..rounds(25) {
        let ui = OnPty::start(&state, &[], Stderr::File(&log));
        let status = ui.vanish();
        let err = std::fs::read_to_string(&log).unwrap();
        assert!(!err.contains("panicked"), "round {round}: {err}");
        assert_orderly(status, round);
    }
}

#[test]
fn a_vanished_terminal_leaves_no_panic_on_standard_error() {
    let (dir, state) = repo_with_shipped_state();
    let log = dir.path().join("stderr.log");
    let mut ui = OnPty::start(&state, &[], Stderr::File(&log));
    ui.wait_for("Portfolio");
    let status = ui.vanish();
    let err = std::fs::read_to_string(&log).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(2), "{status:?}: {err}");
    assert!(!err.contains("Failed to"), "{err}");
    assert!(
        err.contains("the terminal went away"),
        "ripen says why it stopped: {err}"
    );
}

#[test]
fn ripen_exits_in_order_when_its_terminal_disappears_in_a_dialog() {
    let (_dir, state) = repo_with_shipped_state();
    for round in 0..rounds(10) {
        let mut ui = OnPty::start(&state, &[], Stderr::Terminal);
        ui.wait_for("Portfolio");
        ui.type_text(">");
        // A dialog's double-line corner: screens use single lines. (Text is
        // not matched: a redraw writes only the cells that changed.)
        ui.wait_for("╔");
        ui.type_text("half typed");
        assert_orderly(ui.vanish(), round);
    }
}

#[test]
fn a_save_under_way_completes_when_the_terminal_disappears() {
    for round in 0..rounds(2) {
        save_then_vanish(round);
    }
}

fn save_then_vanish(round: usize) {
    let (dir, state) = repo_with_shipped_state();
    let file = state.join("use-cases/contract-review.ron");
    let old = std::fs::read(&file).unwrap();
    // The commit pauses two seconds after writing the file: the terminal
    // goes away right then, in the middle of the save.
    let mut ui = OnPty::start(&state, &[("RIPEN_PAUSE_AT", "written")], Stderr::Terminal);
    ui.wait_for("Portfolio");
    ui.type_text("/contract clause\r>");
    ui.wait_for("╔");
    ui.type_text("terminal gone test\r");
    let start = Instant::now();
    while std::fs::read(&file).unwrap() == old {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the save never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_orderly(ui.vanish(), round);

    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(
        head.summary().unwrap(),
        Some("contract-review: stage Collect -> FineTune"),
        "the save that had started was completed"
    );
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "tree and index agree"
    );
    assert!(!dir.path().join(".git/index.lock").exists(), "no lock left");
}
