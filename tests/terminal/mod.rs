//! Shared by the end-to-end tests: what a test needs from the machine
//! ([`machine_has`]: skip with a reason, or fail under
//! `RIPEN_REQUIRE_ALL_TESTS=1`), a private tmux server driven like a person
//! would (send keys, read the screen), and a throwaway repository holding a
//! copy of the shipped register.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ripen");

/// Runs ripen on the state directory `state` with `args` and extra
/// environment, without colour, and returns what it did.
pub fn ripen_env(state: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--state")
        .arg(state)
        .args(args)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Runs the `git` command in `dir`, with no system configuration and fixed
/// dates, so that its commits are reproducible.
pub fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2026-10-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-10-01T12:00:00Z")
        .output()
        .expect("git is needed for these tests")
}

/// Something a test needs that a contributor's machine may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The tmux terminal multiplexer.
    Tmux,
    /// Root (mounting a tmpfs, starting sshd, handing files to another user).
    Root,
    /// The OpenSSH server and client (`/usr/sbin/sshd`, `ssh`, `ssh-keygen`).
    Sshd,
    /// `pkill` (procps).
    Pkill,
    /// The `git` command.
    Git,
    /// `ssh-keygen` (OpenSSH's client tools), to make signing keys.
    SshKeygen,
    /// GnuPG, to make an OpenPGP signing key.
    Gpg,
    /// The OpenSSH client (`ssh`, `ssh-keygen`), to connect to `ripen serve`.
    Ssh,
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

impl Need {
    fn present(self) -> bool {
        match self {
            Need::Tmux => runs("tmux", "-V"),
            // SAFETY: geteuid has no preconditions and cannot fail.
            Need::Root => (unsafe { libc::geteuid() }) == 0,
            Need::Sshd => {
                Path::new("/usr/sbin/sshd").exists()
                    && runs("ssh", "-V")
                    && runs("ssh-keygen", "-?")
            }
            Need::Pkill => runs("pkill", "-V"),
            Need::Git => runs("git", "--version"),
            Need::SshKeygen => runs("ssh-keygen", "-?"),
            Need::Gpg => runs("gpg", "--version"),
            Need::Ssh => runs("ssh", "-V") && runs("ssh-keygen", "-?"),
        }
    }

    fn why(self) -> &'static str {
        match self {
            Need::Tmux => "tmux (apt-get install tmux)",
            Need::Root => "root (run as root, as CI does)",
            Need::Sshd => "OpenSSH (apt-get install openssh-server openssh-client)",
            Need::Pkill => "pkill (apt-get install procps)",
            Need::Git => "git (apt-get install git)",
            Need::SshKeygen => "ssh-keygen (apt-get install openssh-client)",
            Need::Gpg => "GnuPG (apt-get install gnupg)",
            Need::Ssh => "the OpenSSH client (apt-get install openssh-client)",
        }
    }
}

/// Whether the machine has everything `test` needs. When it does not, the
/// test is skipped: this says why on standard error (past the test
/// harness's capture, so that it shows) and returns false. With
/// `RIPEN_REQUIRE_ALL_TESTS=1` (as `.ci/run` sets) a missing need fails the
/// test instead, so CI never passes by skipping.
pub fn machine_has(test: &str, needs: &[Need]) -> bool {
    use std::io::Write;
    let missing: Vec<&str> = needs
        .iter()
        .filter(|n| !n.present())
        .map(|n| n.why())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let reason = format!("{test}: needs {}", missing.join(", "));
    if std::env::var_os("RIPEN_REQUIRE_ALL_TESTS").is_some_and(|v| v == "1") {
        panic!("{reason}; RIPEN_REQUIRE_ALL_TESTS=1 requires every test to run");
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped {reason} (set RIPEN_REQUIRE_ALL_TESTS=1 to make this a failure)"
    );
    false
}

/// A private tmux server, killed when dropped (also when a test fails).
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(name: &str, command: &str, w: u16, h: u16) -> Tmux {
        let socket = format!("ripen-e2e-{name}-{}", std::process::id());
        let tmux = Tmux { socket };
        let ok = Command::new("tmux")
            .args(["-L", &tmux.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .arg(command)
            .status()
            .expect("tmux is required for the end-to-end tests (apt-get install tmux)");
        assert!(ok.success(), "tmux new-session failed");
        for opt in [["escape-time", "0"], ["remain-on-exit", "on"]] {
            tmux.run(&["set-option", "-g", opt[0], opt[1]]);
        }
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "0", k]);
        }
    }

    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "0", "-l", text]);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen satisfies `pred` and has settled (two
    /// captures in a row are the same, so no frame is half drawn), then
    /// returns it.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let s = self.screen();
            if pred(&s) && s == last {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; the screen was:\n{s}");
            }
            last = s;
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A repository holding a copy of the shipped register, committed once.
pub fn repo_with_shipped_state() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("state"), &state);
    let repo = git2::Repository::init(dir.path()).unwrap();
    let mut cfg = repo.config().unwrap();
    cfg.set_str("user.name", "Review Lead").unwrap();
    cfg.set_str("user.email", "lead@example.com").unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["state"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new(
        "Review Lead",
        "lead@example.com",
        &git2::Time::new(1_760_000_000, 0),
    )
    .unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "Register", &tree, &[])
        .unwrap();
    (dir, state)
}

pub fn shell_command(state: &Path) -> String {
    format!(
        "sh -c 'NO_COLOR=1 TERM=xterm-256color {BIN} --state {}; echo ripen-exited-$?; sleep 600'",
        state.display()
    )
}
