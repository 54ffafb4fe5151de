//! End to end: a quarterly review driven from the terminal UI's Review
//! screen in tmux: the agenda (`a`), starting the review (`s`), decisions
//! (`d`, with ←/→ and a rationale) and the approval flow of a High-risk
//! advance (`p`), with the git identity switched between approvers as
//! people would take turns at one terminal.

mod support;

use support::data::{repo_with_shipped_state, stage_of};
use support::need::{Need, machine_has};
use support::repo::{be, git};
use support::tmux::{Tmux, shell_command};

#[test]
fn a_review_through_the_review_screen() {
    if !machine_has(
        "a_review_through_the_review_screen",
        &[Need::Tmux, Need::Git],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let root = dir.path();
    let policy = std::fs::read_to_string(state.join("policy.ron")).unwrap();
    let policy = policy.trim_end().trim_end_matches(')').to_owned()
        + "    approvals: [(risk: High, decisions: [Advance, Retire], approvers: 2, role: Reviewer)],\n)\n";
    std::fs::write(state.join("policy.ron"), policy).unwrap();
    git(
        root,
        &["commit", "-qam", "Approvals for High-risk decisions"],
    );

    let t = Tmux::start("review", &shell_command(&state), 120, 40);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["7"]);
    t.keys(&["a"]);
    let s = t.wait_for("no review open");
    assert!(s.contains("Ready to move to fine-tuning (4)"), "{s}");
    assert!(
        s.contains("▶ customer-faq"),
        "the first item is selected:\n{s}"
    );

    // Start: the agenda becomes the open review's.
    t.keys(&["s"]);
    // Each step commits, then the agenda is built again: wait for both.
    let after =
        |flash: &str, state: &str| t.wait(flash, |s| s.contains(flash) && s.contains(state));
    after("Started review 2026-Q4", "[undecided]");
    assert!(std::fs::read_to_string(state.join("reviews/2026-Q4.ron")).is_ok());

    // Decide on the first item: advance (the default for a ready one).
    t.keys(&["d"]);
    let s = t.wait_for("Decide on customer-faq");
    assert!(s.contains("← advance →"), "{s}");
    t.text("Ready with the most ROI");
    t.keys(&["Enter"]);
    after(
        "customer-faq advance to FineTune (applied)",
        "[advance to FineTune, applied]",
    );
    assert_eq!(stage_of(&state, "customer-faq"), "FineTune");

    // The second, High-risk: advance is pending.
    t.keys(&["j", "d"]);
    t.wait_for("Decide on contract-review");
    t.text("Ready; the clause library is stable");
    t.keys(&["Enter"]);
    after(
        "pending: 0 of 2 approval(s)",
        "[advance to FineTune, pending]",
    );
    assert_eq!(stage_of(&state, "contract-review"), "Collect");

    // The decider's own approval is refused.
    t.keys(&["p"]);
    t.wait_for("Approve the decision on contract-review");
    t.text("mine");
    t.keys(&["Enter"]);
    t.wait_for("cannot approve their own decision");

    // Two others approve at the same terminal; the second makes the change.
    be(root, "Bo Reviewer", "bo@example.com");
    t.keys(&["p"]);
    t.wait_for("Approve the decision on contract-review");
    t.text("Evidence holds");
    t.keys(&["Enter"]);
    after("(1 of 2, pending", "[advance to FineTune, pending]");
    be(root, "Cy Reviewer", "cy@example.com");
    t.keys(&["p"]);
    t.wait_for("Approve the decision on contract-review");
    t.text("Agreed");
    t.keys(&["Enter"]);
    let s = after("(2 of 2, applied)", "contract-review  ready");
    assert!(s.contains("advance to FineTune, applied"), "{s}");
    assert_eq!(stage_of(&state, "contract-review"), "FineTune");

    // A decision chosen with the arrows: hold.
    t.keys(&["j", "d"]);
    t.wait_for("Decide on it-support-assistant");
    t.keys(&["Right"]);
    t.wait_for("← hold →");
    t.text("Next quarter");
    t.keys(&["Enter"]);
    after("it-support-assistant hold (recorded)", "[hold, recorded]");
    let record = std::fs::read_to_string(state.join("reviews/2026-Q4.ron")).unwrap();
    assert!(record.contains("decision: Hold"), "{record}");
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}
