//! A whole quarterly review scripted through the command line on a real
//! repository: the agenda, `review start`, a decision on every item, the
//! approval flow of a High-risk advance (pending until the second approval,
//! the decider's own approval refused), `review close` refused while items
//! are open and then accepted, the tag's message and the report's decisions
//! section, and the next agenda's action items.

mod support;

use std::path::Path;

use serde_json::Value;
use support::data::{repo_with_shipped_state, stage_of};
use support::repo::{be, git};
use support::run::ripen_env;

fn ripen(state: &Path, args: &[&str]) -> (i32, String, String) {
    let out = ripen_env(state, args, &[]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(state: &Path, args: &[&str]) -> String {
    let (code, out, err) = ripen(state, args);
    assert_eq!(code, 0, "ripen {args:?}: {out}{err}");
    out
}

fn refused(state: &Path, args: &[&str]) -> String {
    let (code, out, err) = ripen(state, args);
    assert_eq!(code, 2, "ripen {args:?} should be refused: {out}{err}");
    err
}

fn head_files(root: &Path) -> Vec<String> {
    let out = git(root, &["show", "--name-only", "--format=", "HEAD"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn head_author(root: &Path) -> String {
    let out = git(root, &["log", "-1", "--format=%ae"]);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn commits(root: &Path) -> usize {
    let out = git(root, &["rev-list", "--count", "HEAD"]);
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// The shipped register with an approval rule: High-risk advances and
/// retirements need two approvals by Reviewers.
fn register_with_approvals() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, state) = repo_with_shipped_state();
    let policy = std::fs::read_to_string(state.join("policy.ron")).unwrap();
    let policy = policy.trim_end().trim_end_matches(')').to_owned()
        + "    approvals: [(risk: High, decisions: [Advance, Retire], approvers: 2, role: Reviewer)],\n)\n";
    std::fs::write(state.join("policy.ron"), policy).unwrap();
    git(
        dir.path(),
        &["commit", "-qam", "Approvals for High-risk decisions"],
    );
    (dir, state)
}

#[test]
fn a_whole_review_through_the_command_line() {
    let (dir, state) = register_with_approvals();
    let root = dir.path();
    let first = String::from_utf8_lossy(&git(root, &["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_owned();

    // The agenda, before any review: ready first, then almost, then flags.
    let agenda: Value =
        serde_json::from_str(&ok(&state, &["review", "agenda", "--format", "json"])).unwrap();
    assert_eq!(agenda["review"], Value::Null);
    let items: Vec<(String, String)> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item"].as_str().unwrap().to_owned(),
                i["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(items[0], ("customer-faq".to_owned(), "Ready".to_owned()));
    assert!(items.contains(&("contract-review".to_owned(), "Ready".to_owned())));
    let almost = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "product-descriptions")
        .unwrap();
    assert_eq!(almost["blocking"], "budget");
    assert!(items.iter().any(|(_, k)| k == "Flagged"));

    // Start: one commit of the review file only.
    let before = commits(root);
    let out = ok(
        &state,
        &[
            "review",
            "start",
            "2026-Q3",
            "--attendee",
            "Bo Reviewer",
            "--attendee",
            "Cy Reviewer",
        ],
    );
    assert!(out.contains("Started review 2026-Q3"), "{out}");
    assert_eq!(commits(root), before + 1);
    assert_eq!(head_files(root), ["state/reviews/2026-Q3.ron"]);
    let err = refused(&state, &["review", "start", "2026-Q3"]);
    assert!(err.contains("was started already"), "{err}");

    // A High-risk advance is pending: the use case does not move yet.
    let out = ok(
        &state,
        &[
            "review",
            "decide",
            "contract-review",
            "advance",
            "--because",
            "Ready, and the clause library is stable",
        ],
    );
    assert!(out.contains("pending: 0 of 2 approval(s)"), "{out}");
    assert_eq!(stage_of(&state, "contract-review"), "Collect");
    assert_eq!(head_files(root), ["state/reviews/2026-Q3.ron"]);

    // The decider cannot approve their own decision.
    let err = refused(
        &state,
        &["review", "approve", "contract-review", "--because", "mine"],
    );
    assert!(err.contains("cannot approve their own decision"), "{err}");

    // Closing now is refused, naming what is open.
    let err = refused(&state, &["review", "close", "2026-Q3"]);
    assert!(err.contains("undecided: customer-faq"), "{err}");
    assert!(err.contains("pending approval: contract-review"), "{err}");

    // The first approval: still pending; the same approver twice: refused.
    be(root, "Bo Reviewer", "bo@example.com");
    let out = ok(
        &state,
        &[
            "review",
            "approve",
            "contract-review",
            "--because",
            "Evidence holds",
        ],
    );
    assert!(out.contains("1 of 2"), "{out}");
    assert_eq!(stage_of(&state, "contract-review"), "Collect");
    let err = refused(
        &state,
        &["review", "approve", "contract-review", "--because", "again"],
    );
    assert!(err.contains("approved this decision already"), "{err}");

    // The second approval makes the change, in its own commit, by its author.
    be(root, "Cy Reviewer", "cy@example.com");
    let out = ok(
        &state,
        &[
            "review",
            "approve",
            "contract-review",
            "--because",
            "Agreed",
        ],
    );
    assert!(out.contains("2 of 2, applied"), "{out}");
    assert_eq!(stage_of(&state, "contract-review"), "FineTune");
    let mut files = head_files(root);
    files.sort();
    assert_eq!(
        files,
        [
            "state/reviews/2026-Q3.ron",
            "state/use-cases/contract-review.ron"
        ]
    );
    assert_eq!(head_author(root), "cy@example.com");

    // A decision that needs no approval changes the use case and records
    // itself in one commit, authored by the decider.
    be(root, "Review Lead", "lead@example.com");
    let before = commits(root);
    ok(
        &state,
        &[
            "review",
            "decide",
            "customer-faq",
            "advance",
            "--because",
            "Ready with the most ROI",
            "--action",
            "lead@example.com|2026-11-30|Plan the training run",
        ],
    );
    assert_eq!(commits(root), before + 1);
    assert_eq!(stage_of(&state, "customer-faq"), "FineTune");
    let mut files = head_files(root);
    files.sort();
    assert_eq!(
        files,
        [
            "state/reviews/2026-Q3.ron",
            "state/use-cases/customer-faq.ron"
        ]
    );
    assert_eq!(head_author(root), "lead@example.com");

    // The readiness override rule of `>`: an almost-ready use case is not
    // advanced into FineTune without --override.
    let err = refused(
        &state,
        &[
            "review",
            "decide",
            "product-descriptions",
            "advance",
            "--to",
            "FineTune",
            "--because",
            "Soon",
        ],
    );
    assert!(err.contains("--override"), "{err}");

    // Every other item: a decision that changes nothing.
    let view: Value =
        serde_json::from_str(&ok(&state, &["review", "agenda", "--format", "json"])).unwrap();
    assert_eq!(view["review"], "2026-Q3");
    for item in view["items"].as_array().unwrap() {
        let id = item["item"].as_str().unwrap();
        if id == "contract-review" || id == "customer-faq" {
            continue;
        }
        let decision = if item["kind"] == "Almost" {
            "request-data"
        } else {
            "hold"
        };
        ok(
            &state,
            &[
                "review",
                "decide",
                id,
                decision,
                "--because",
                "Next quarter",
            ],
        );
    }
    let text = ok(&state, &["review", "agenda"]);
    assert!(!text.contains("[undecided]"), "{text}");

    // Close: accepted now; the record is closed, the tag lists decisions.
    let out = ok(&state, &["review", "close", "2026-Q3"]);
    assert!(out.contains("Closed review 2026-Q3"), "{out}");
    let record = std::fs::read_to_string(state.join("reviews/2026-Q3.ron")).unwrap();
    assert!(record.contains("closed: true"), "{record}");
    let tag = String::from_utf8_lossy(
        &git(
            root,
            &["tag", "-l", "--format=%(contents)", "review/2026-Q3"],
        )
        .stdout,
    )
    .into_owned();
    assert!(tag.contains("Decisions:"), "{tag}");
    assert!(
        tag.contains(
            "- contract-review: advance to FineTune (applied; approved by Bo Reviewer, Cy Reviewer)"
        ),
        "{tag}"
    );

    // The report's decisions section: attendees, approvals, action items.
    let report = ok(&state, &["report", "--since", &first]);
    assert!(report.contains("## Review 2026-Q3: decisions"), "{report}");
    assert!(
        report.contains("Attendees: Bo Reviewer, Cy Reviewer"),
        "{report}"
    );
    assert!(report.contains("2 of 2: Bo Reviewer"), "{report}");
    assert!(report.contains("Plan the training run"), "{report}");
    let json: Value = serde_json::from_str(&ok(
        &state,
        &["report", "--since", &first, "--format", "json"],
    ))
    .unwrap();
    assert_eq!(json["reviews"][0]["quarter"], "2026-Q3");

    // The next agenda lists the action item, overdue after its date.
    let next: Value = serde_json::from_str(&ok(
        &state,
        &[
            "review",
            "agenda",
            "--format",
            "json",
            "--as-of",
            "2026-12-01",
        ],
    ))
    .unwrap();
    let actions = next["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{next}");
    assert_eq!(actions[0]["what"], "Plan the training run");
    assert_eq!(actions[0]["state"], "overdue");
}

#[test]
fn close_with_allow_open_carries_items_over() {
    let (dir, state) = register_with_approvals();
    ok(&state, &["review", "start", "2026-Q3"]);
    ok(
        &state,
        &[
            "review",
            "decide",
            "contract-review",
            "retire",
            "--because",
            "Superseded",
        ],
    );
    let out = ok(&state, &["review", "close", "2026-Q3", "--allow-open"]);
    assert!(out.contains("Carried over: customer-faq"), "{out}");
    let record = std::fs::read_to_string(state.join("reviews/2026-Q3.ron")).unwrap();
    assert!(record.contains("carried_over: ["), "{record}");
    assert!(
        record.contains("\"contract-review\""),
        "pending ones too: {record}"
    );
    // A pending decision's change was never made.
    assert_eq!(stage_of(&state, "contract-review"), "Collect");
    drop(dir);
}

#[test]
fn a_broken_review_file_is_reported_where_it_is_and_blocks_decisions() {
    let (dir, state) = repo_with_shipped_state();
    ok(&state, &["review", "start", "2026-Q3"]);
    let path = state.join("reviews/2026-Q3.ron");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("quarter: \"2026-Q3\"", "quarter: \"2026-Q2\"");
    std::fs::write(&path, text).unwrap();
    let (_, _, err) = ripen(&state, &["review", "agenda"]);
    assert!(
        err.contains("reviews/2026-Q3.ron:2:14: error: quarter `2026-Q2` does not match"),
        "{err}"
    );
    let err = refused(
        &state,
        &["review", "decide", "customer-faq", "hold", "--because", "x"],
    );
    assert!(err.contains("the review files have errors"), "{err}");
    drop(dir);
}

#[test]
fn decisions_need_an_open_review_and_a_known_item() {
    let (dir, state) = repo_with_shipped_state();
    let err = refused(
        &state,
        &["review", "decide", "customer-faq", "hold", "--because", "x"],
    );
    assert!(err.contains("no review is open"), "{err}");
    ok(&state, &["review", "start", "2026-Q3"]);
    let err = refused(
        &state,
        &[
            "review",
            "decide",
            "no-such-thing",
            "hold",
            "--because",
            "x",
        ],
    );
    assert!(err.contains("no use case `no-such-thing`"), "{err}");
    let err = refused(
        &state,
        &[
            "review",
            "decide",
            "customer-faq",
            "accept",
            "--because",
            "x",
        ],
    );
    assert!(err.contains("accept and reject are for proposals"), "{err}");
    let err = refused(
        &state,
        &[
            "review",
            "decide",
            "customer-faq",
            "hold",
            "--because",
            "x",
            "--action",
            "nobody",
        ],
    );
    assert!(err.contains("OWNER|YYYY-MM-DD|WHAT"), "{err}");
    drop(dir);
}

#[test]
fn accepting_a_proposal_in_the_review_is_one_merge_commit_that_records_the_decision() {
    let (dir, state) = repo_with_shipped_state();
    let root = dir.path();
    be(root, "Team Lead", "team@example.com");
    // A team proposes a change on a branch.
    git(root, &["checkout", "-q", "-b", "team/faq-notes"]);
    let rel = "use-cases/customer-faq.ron";
    let text = std::fs::read_to_string(state.join(rel)).unwrap();
    let changed = text.replacen("    notes: \"", "    notes: \"Q4 evaluation attached. ", 1);
    assert_ne!(text, changed);
    std::fs::write(state.join(rel), changed).unwrap();
    git(
        root,
        &["commit", "-qam", "customer-faq: note the Q4 evaluation"],
    );
    git(root, &["checkout", "-q", "main"]);
    be(root, "Eleanor Whitfield", "eleanor@example.com");

    ok(&state, &["review", "start", "2026-Q4"]);
    let before = commits(root);
    let head_before = git(root, &["rev-parse", "HEAD"]);
    let head_before = String::from_utf8_lossy(&head_before.stdout)
        .trim()
        .to_owned();
    let agenda = ok(&state, &["review", "agenda"]);
    assert!(agenda.contains("team/faq-notes"), "{agenda}");
    let out = ok(
        &state,
        &[
            "review",
            "decide",
            "team/faq-notes",
            "accept",
            "--because",
            "The evaluation note is right",
        ],
    );
    assert!(out.contains("merge"), "{out}");
    // One commit on the main line: the merge, whose first parent is the
    // commit before the decision, and which carries the proposal's change
    // and the record of the decision.
    let parents = git(root, &["log", "-1", "--format=%P"]);
    let parents: Vec<String> = String::from_utf8_lossy(&parents.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(parents.len(), 2, "a merge commit");
    assert_eq!(parents[0], head_before, "no other commit on the main line");
    assert_eq!(
        commits(root),
        before + 2,
        "the merge and the proposal's own commit"
    );
    let changed = git(root, &["diff", "--name-only", "HEAD~1", "HEAD"]);
    let changed = String::from_utf8_lossy(&changed.stdout);
    assert!(
        changed.contains("state/use-cases/customer-faq.ron"),
        "{changed}"
    );
    assert!(changed.contains("state/reviews/2026-Q4.ron"), "{changed}");
    let record = std::fs::read_to_string(state.join("reviews/2026-Q4.ron")).unwrap();
    assert!(record.contains("The evaluation note is right"), "{record}");
    assert!(record.contains("decision: Accept"), "{record}");
    assert_eq!(head_author(root), "eleanor@example.com");
    let status = git(root, &["status", "--porcelain"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "clean after the merge"
    );
}

/// Two reviewers approving one pending decision at the same moment, many
/// rounds: each approval lands once, in its own commit, or is refused with
/// nothing changed; the use case moves exactly when the record holds the
/// approvals it needs; HEAD, the index and the working tree always agree.
#[test]
fn two_approvals_racing_are_each_recorded_once_or_refused() {
    use ripen::ops::{Context, Identity, meeting};
    let (dir, state) = register_with_approvals();
    let root = dir.path();
    ok(&state, &["review", "start", "2026-Q3"]);
    let out = ok(
        &state,
        &[
            "review",
            "decide",
            "contract-review",
            "advance",
            "--because",
            "Ready",
        ],
    );
    assert!(out.contains("pending: 0 of 2 approval(s)"), "{out}");
    let pending = String::from_utf8_lossy(&git(root, &["rev-parse", "HEAD"]).stdout)
        .trim()
        .to_owned();
    let today = ripen::model::Date::parse("2026-10-15").unwrap();
    let mut both = 0;
    for round in 0..20 {
        let reset = git(root, &["reset", "-q", "--hard", &pending]);
        assert!(reset.status.success(), "round {round}");
        let outcomes: Vec<(&str, Result<meeting::Approved, ripen::ops::OpError>)> =
            std::thread::scope(|s| {
                let handles: Vec<_> = ["bo", "cy"]
                    .into_iter()
                    .map(|who| {
                        let mut ctx = Context::new(state.clone(), today);
                        ctx.identity = Some(Identity {
                            name: format!("{who} Reviewer"),
                            email: format!("{who}@example.com"),
                        });
                        s.spawn(move || (who, meeting::approve(&ctx, "contract-review", "race")))
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
        let label = format!("round {round}");
        let record = std::fs::read_to_string(state.join("reviews/2026-Q3.ron")).unwrap();
        let mut won = 0;
        for (who, outcome) in &outcomes {
            let recorded = record.contains(&format!("{who}@example.com"));
            match outcome {
                Ok(_) => {
                    won += 1;
                    assert!(recorded, "{label}: {who}'s approval is in the record");
                }
                Err(e) => {
                    assert!(!recorded, "{label}: {who} was refused yet recorded");
                    assert!(
                        e.to_string().contains("nothing was changed"),
                        "{label}: {who} is told nothing changed: {e}"
                    );
                }
            }
        }
        assert!(won >= 1, "{label}: one of two approvals lands");
        both += usize::from(won == 2);
        let moved = if won == 2 { "FineTune" } else { "Collect" };
        assert_eq!(stage_of(&state, "contract-review"), moved, "{label}");
        let new_commits = String::from_utf8_lossy(
            &git(root, &["rev-list", "--count", &format!("{pending}..HEAD")]).stdout,
        )
        .trim()
        .parse::<usize>()
        .unwrap();
        assert_eq!(new_commits, won, "{label}: one commit per approval");
        let status = git(root, &["status", "--porcelain", "--untracked-files=all"]);
        assert_eq!(String::from_utf8_lossy(&status.stdout), "", "{label}");
    }
    eprintln!("both approvals landed in {both} of 20 rounds");
}

/// The approval that completes a decision commits the record and the use
/// case together. Killed at every step of that commit, the next run leaves
/// both as before or both as decided, never one without the other.
#[test]
fn a_kill_at_any_step_of_the_deciding_approval_leaves_both_files_or_neither() {
    use std::os::unix::process::ExitStatusExt;
    for step in ripen::git::commit::Step::ALL {
        let label = format!("approval killed after {}", step.name());
        let (dir, state) = register_with_approvals();
        let root = dir.path();
        ok(&state, &["review", "start", "2026-Q3"]);
        ok(
            &state,
            &[
                "review",
                "decide",
                "contract-review",
                "advance",
                "--because",
                "Ready",
            ],
        );
        be(root, "Bo Reviewer", "bo@example.com");
        ok(
            &state,
            &["review", "approve", "contract-review", "--because", "Holds"],
        );
        be(root, "Cy Reviewer", "cy@example.com");
        let before = commits(root);
        let out = ripen_env(
            &state,
            &[
                "review",
                "approve",
                "contract-review",
                "--because",
                "Agreed",
            ],
            &[("RIPEN_CRASH_AT", step.name())],
        );
        assert_eq!(out.status.signal(), Some(9), "{label}: killed at the step");

        let next = ripen_env(&state, &["list"], &[]);
        assert!(next.status.success(), "{label}: the next run works");
        let status = git(root, &["status", "--porcelain", "--untracked-files=all"]);
        assert_eq!(String::from_utf8_lossy(&status.stdout), "", "{label}");
        let record = std::fs::read_to_string(state.join("reviews/2026-Q3.ron")).unwrap();
        let approved = record.contains("cy@example.com");
        let stage = stage_of(&state, "contract-review");
        let decided = if approved { "FineTune" } else { "Collect" };
        assert_eq!(stage, decided, "{label}: the record and the use case agree");
        assert_eq!(
            commits(root),
            before + usize::from(approved),
            "{label}: one commit or none"
        );
        let landed = !matches!(
            step,
            ripen::git::commit::Step::Checked | ripen::git::commit::Step::Committed
        );
        assert_eq!(approved, landed, "{label}: lands once the branch moved");
    }
}
