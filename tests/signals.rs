//! SIGTERM and SIGHUP in the middle of a save (a dropped SSH connection, a
//! shutdown): ripen finishes the save it started, restores the terminal and
//! exits; nothing is half written and no lock is left.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::data::repo_with_shipped_state;
use support::run::BIN;
use support::tmux::Tmux;

fn signal_during_save(signal: &str, expected_exit: i32) {
    let (dir, state) = repo_with_shipped_state();
    let file = state.join("use-cases/contract-review.ron");
    let old = std::fs::read(&file).unwrap();
    let command = format!(
        "sh -c 'RIPEN_PAUSE_AT=written NO_COLOR=1 TERM=xterm-256color {BIN} --state {}; echo ripen-exited-$?; sleep 600'",
        state.display()
    );
    let t = Tmux::start(&format!("sig-{signal}"), &command, 80, 24);
    t.open_move_of_contract_review();
    t.text("signal test");
    t.keys(&["Enter"]);

    // The save is under way once the file has its new content; it then
    // pauses before committing. Signal it right then.
    let start = Instant::now();
    while std::fs::read(&file).unwrap() == old {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the save never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Anchored, so that the shell around ripen (whose command line holds
    // the same words) is not signalled too.
    let pattern = format!("^{BIN} --state {}", state.display());
    let status = Command::new("pkill")
        .args([&format!("-{signal}"), "-f", &pattern])
        .status()
        .unwrap();
    assert!(status.success(), "ripen was running");

    let s = t.wait_for(&format!("ripen-exited-{expected_exit}"));
    assert!(!s.contains("Portfolio"), "the terminal is restored:\n{s}");
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

#[test]
fn sigterm_during_a_save_finishes_the_save_then_exits() {
    if !support::need::machine_has(
        "sigterm_during_a_save_finishes_the_save_then_exits",
        &[support::need::Need::Tmux, support::need::Need::Pkill],
    ) {
        return;
    }
    signal_during_save("TERM", 143);
}

#[test]
fn sighup_during_a_save_finishes_the_save_then_exits() {
    if !support::need::machine_has(
        "sighup_during_a_save_finishes_the_save_then_exits",
        &[support::need::Need::Tmux, support::need::Need::Pkill],
    ) {
        return;
    }
    signal_during_save("HUP", 129);
}
