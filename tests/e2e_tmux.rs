//! End to end: the real binary in a real terminal (tmux at 80x24), driven
//! with keys and read back with `capture-pane`, as a person would use it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ripen");

/// A private tmux server, killed when dropped (also when a test fails).
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, command: &str, w: u16, h: u16) -> Tmux {
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

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "0", k]);
        }
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "0", "-l", text]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen satisfies `pred`, then returns it.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; the screen was:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
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

fn copy_dir(from: &Path, to: &Path) {
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
fn repo_with_shipped_state() -> (tempfile::TempDir, PathBuf) {
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

fn shell_command(state: &Path) -> String {
    format!(
        "sh -c 'NO_COLOR=1 TERM=xterm-256color {BIN} --state {}; echo ripen-exited-$?; sleep 600'",
        state.display()
    )
}

#[test]
fn a_review_session_navigates_filters_helps_and_quits_cleanly() {
    let (_dir, state) = repo_with_shipped_state();
    let t = Tmux::start("session", &shell_command(&state), 80, 24);
    let s = t.wait_for("Portfolio · 20 of 20");
    assert!(s.contains("Contract cla"), "rows are shown:\n{s}");
    assert!(
        s.contains("as of 2026-10-15"),
        "status bar shows the as-of date:\n{s}"
    );

    t.keys(&["/"]);
    t.text("claims");
    let s = t.wait_for("best match first");
    assert!(
        s.contains("Motor claims"),
        "the filter keeps the match:\n{s}"
    );
    assert!(
        !s.contains("Contract clause"),
        "the filter narrows the rows:\n{s}"
    );
    t.keys(&["Escape"]);
    t.wait_for("Portfolio · 20 of 20");

    t.keys(&["?"]);
    let s = t.wait_for("Help");
    assert!(s.contains("quit ripen"), "help lists the keys:\n{s}");
    t.keys(&["Escape", "3"]);
    let s = t.wait_for("ready · 3 almost");
    assert!(
        s.contains("proven_value"),
        "the readiness checklist shows:\n{s}"
    );

    t.keys(&["q"]);
    let s = t.wait_for("ripen-exited-0");
    assert!(
        !s.contains("Portfolio"),
        "the terminal is restored after quitting:\n{s}"
    );
}

#[test]
fn a_stage_move_commits_one_file_from_the_terminal() {
    let (dir, state) = repo_with_shipped_state();
    let t = Tmux::start("stage", &shell_command(&state), 80, 24);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["/"]);
    t.text("contract clause");
    t.wait_for("best match first");
    t.keys(&["Enter", ">"]);
    let s = t.wait_for("Move contract-review");
    assert!(s.contains("Collect") && s.contains("FineTune"), "{s}");
    t.text("Plateau confirmed by the Q3 eval");
    t.keys(&["Enter"]);
    let s = t.wait_for("committed");
    assert!(
        s.contains("contract-review: stage Collect -> FineTune"),
        "{s}"
    );

    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(
        head.summary().unwrap(),
        Some("contract-review: stage Collect -> FineTune")
    );
    assert!(
        head.message()
            .unwrap()
            .contains("Plateau confirmed by the Q3 eval")
    );
    assert_eq!(head.author().email().unwrap(), "lead@example.com");
    let parent = head.parent(0).unwrap();
    let diff = repo
        .diff_tree_to_tree(
            Some(&parent.tree().unwrap()),
            Some(&head.tree().unwrap()),
            None,
        )
        .unwrap();
    assert_eq!(diff.deltas().count(), 1, "exactly one file changed");
    let stats = diff.stats().unwrap();
    assert_eq!((stats.insertions(), stats.deletions()), (1, 1));
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}

#[test]
fn a_small_terminal_gets_a_clear_message_and_resizing_recovers() {
    let (_dir, state) = repo_with_shipped_state();
    let t = Tmux::start("small", &shell_command(&state), 60, 20);
    t.wait_for("terminal too small (need 80x24)");
    t.run(&["resize-window", "-t", "0", "-x", "100", "-y", "30"]);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}
