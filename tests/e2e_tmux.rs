//! End to end: the real binary in a real terminal (tmux at 80x24), driven
//! with keys and read back with `capture-pane`, as a person would use it.

mod terminal;

use terminal::{Tmux, repo_with_shipped_state, shell_command};

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
    let s = t.wait_for("/ claims");
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
    // Wait for Esc to land before the next key, or the two arrive together
    // and read as Alt-3, as they would from a person typing that fast.
    t.keys(&["Escape"]);
    t.wait("help to close", |s| !s.contains("Help ·"));
    t.keys(&["3"]);
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
    t.wait_for("/ contract clause");
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
