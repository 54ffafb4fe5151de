//! End to end: the real binary in a real terminal (tmux at 80x24), driven
//! with keys and read back with `capture-pane`, as a person would use it.

mod support;

use support::data::repo_with_shipped_state;
use support::need::{Need, machine_has};
use support::tmux::{Tmux, shell_command};

#[test]
fn a_review_session_navigates_filters_helps_and_quits_cleanly() {
    if !machine_has(
        "a_review_session_navigates_filters_helps_and_quits_cleanly",
        &[Need::Tmux],
    ) {
        return;
    }
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
    if !machine_has(
        "a_stage_move_commits_one_file_from_the_terminal",
        &[Need::Tmux],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let t = Tmux::start("stage", &shell_command(&state), 80, 24);
    let s = t.open_move_of_contract_review();
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
    if !machine_has(
        "a_small_terminal_gets_a_clear_message_and_resizing_recovers",
        &[Need::Tmux],
    ) {
        return;
    }
    let (_dir, state) = repo_with_shipped_state();
    let t = Tmux::start("small", &shell_command(&state), 60, 20);
    t.wait_for("terminal too small (need 80x24)");
    t.run(&["resize-window", "-t", "0", "-x", "100", "-y", "30"]);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}

/// A team's branch that moves claims-triage to FineTune, on top of HEAD.
fn propose(dir: &std::path::Path) -> git2::Oid {
    let repo = git2::Repository::open(dir).unwrap();
    let path = "state/use-cases/claims-triage.ron";
    let text = std::fs::read_to_string(dir.join(path)).unwrap();
    let changed = text.replace("stage: Collect,", "stage: FineTune,");
    support::repo::commit_on_branch(
        &repo,
        "proposal/claims",
        &[(path, changed.as_bytes())],
        "claims-triage: stage Collect -> FineTune",
        &support::repo::signature("Claims Team", "claims@example.com", 1_760_100_000),
    )
}

#[test]
fn a_proposal_is_reviewed_and_accepted_from_the_proposals_screen() {
    if !machine_has(
        "a_proposal_is_reviewed_and_accepted_from_the_proposals_screen",
        &[Need::Tmux],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let tip = propose(dir.path());
    let t = Tmux::start("accept", &shell_command(&state), 80, 24);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["6"]);
    let s = t.wait_for("proposal/claims");
    assert!(s.contains("✓ valid") && s.contains("merges cleanly"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("stage: Collect -> FineTune");
    assert!(s.contains("claims-triage"), "{s}");
    t.keys(&["a"]);
    t.wait_for("Accept proposal/claims");
    // claims-triage is `almost` ready: the same override confirmation as
    // `>`, with a reason that goes into the merge commit.
    let s = t.wait_for("Reason for the override");
    assert!(s.contains("Override"), "{s}");
    t.keys(&["y"]);
    t.wait_for("> y");
    let repo = git2::Repository::open(dir.path()).unwrap();
    let before = repo.head().unwrap().target();
    assert_ne!(before, Some(tip), "y is typed, not a yes");
    t.keys(&["BSpace"]);
    t.text("Board approved the pilot");
    t.keys(&["Enter"]);
    t.wait_for("although readiness does not support it");
    t.keys(&["y"]);
    t.wait_for("Accepted proposal/claims: merge commit");
    // The list is loaded again in the background after the accept: the
    // accepted branch is gone once it is in.
    t.wait("the accepted branch gone from the list", |s| {
        s.contains("Accepted proposal/claims: merge commit") && s.contains("No branch proposes")
    });
    let merge = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(merge.parent_id(0).ok(), before);
    assert_eq!(
        merge.parent_id(1).unwrap(),
        tip,
        "a merge commit, never a fast-forward"
    );
    let message = merge.message().unwrap();
    assert!(
        message.contains("Override reason: Board approved the pilot"),
        "{message}"
    );
    assert!(
        message.contains("Readiness override: claims-triage moved to FineTune"),
        "{message}"
    );
    let on_disk = std::fs::read_to_string(state.join("use-cases/claims-triage.ron")).unwrap();
    assert!(
        on_disk.contains("stage: FineTune,"),
        "the working tree follows"
    );
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "nothing left modified"
    );
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}

#[test]
fn export_to_a_terminal_shows_control_characters_escaped() {
    if !machine_has(
        "export_to_a_terminal_shows_control_characters_escaped",
        &[Need::Tmux],
    ) {
        return;
    }
    let (_dir, state) = repo_with_shipped_state();
    let file = state.join("use-cases/claims-triage.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("title: \"").unwrap() + "title: \"".len();
    let end = start + text[start..].find('"').unwrap();
    let hostile = format!(
        "{}\u{1b}[2J\u{1b}]0;pwned\u{7}Evil{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&file, hostile).unwrap();
    let command = format!(
        "sh -c '{} --state {} export csv --columns id,title; echo exported-$?; sleep 600'",
        support::run::BIN,
        state.display()
    );
    let t = Tmux::start("export", &command, 120, 30);
    let s = t.wait_for("exported-");
    assert!(
        s.contains("claims-triage,\\u{1b}[2J\\u{1b}]0;pwned\\u{7}Evil"),
        "{s}"
    );
    assert!(
        s.contains("id,title"),
        "the header was not cleared away:\n{s}"
    );
    assert!(s.contains("exported-0"), "{s}");
}
