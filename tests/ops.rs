//! The operations layer on real temporary git repositories (fixed
//! identities and dates): each operation's outcome, its wording, and what
//! the repository holds afterwards; commits authored by an explicit
//! identity and committed by the repository's.

use std::path::{Path, PathBuf};
use std::process::Command;

use ripen::model::{Date, Stage};
use ripen::ops::*;

/// A temporary repository holding a register in `state/`, with one commit.
struct Repo {
    /// Keeps the folder alive.
    dir: tempfile::TempDir,
    /// The state directory.
    state: PathBuf,
}

/// Runs git in `dir` with fixed identities and dates; panics on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Fixed Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Fixed Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-05T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-05T10:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The date every test evaluates at.
fn today() -> Date {
    Date::parse("2026-06-30").unwrap()
}

/// A prompting use case in Collect; with `ready`, one that passes every
/// default gate at [`today`], else one with too few curated examples.
fn use_case(title: &str, ready: bool) -> String {
    let examples = if ready { 5000 } else { 10 };
    format!(
        r#"UseCase(
    title: "{title}",
    summary: "Drafts and checks one kind of document.",
    owner: "owner@example.com",
    team: "Operations",
    stage: Collect,
    approach: Prompting(technique: FewShot, model: "gpt-4o"),
    risk: Limited,
    profile: (
        specificity: Narrow,
        daily_volume: 2000,
        curated_examples: {examples},
        ml_expertise: true,
        budget_usd: 50000,
        can_wait_weeks: true,
        needs_consistency: false,
    ),
    targets: (
        accuracy: Some(0.9),
        p95_latency_ms: None,
        cost_per_1k_usd: None,
    ),
    measurements: [
        (date: "2026-02-01", accuracy: 0.8, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: "eval/2026-02-01"),
        (date: "2026-04-01", accuracy: 0.81, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: "eval/2026-04-01"),
        (date: "2026-06-01", accuracy: 0.815, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: "eval/2026-06-01"),
    ],
    roi: [
        (date: "2026-03-01", kind: TimeSaved, value_usd: 40000, period: Quarter, evidence: "finance/2026-03-01.md", confidence: Measured),
    ],
    notes: "",
)
"#
    )
}

impl Repo {
    /// A repository with a register of two use cases, `ready-one` and
    /// `unready`, committed; the repository's identity is "Repo Committer".
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["config", "user.name", "Repo Committer"]);
        git(root, &["config", "user.email", "repo@example.com"]);
        let done = ripen::ops::init(root, "Test register").unwrap();
        let state = done.state_dir;
        for (id, ready) in [("ready-one", true), ("unready", false)] {
            let text = use_case(id, ready);
            // Canonical, as ripen writes it, so that a change is one field.
            let canon =
                ripen::register::canonical_form(ripen::register::FileKind::UseCase, &text).unwrap();
            std::fs::write(state.join(format!("use-cases/{id}.ron")), canon).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "Two use cases"]);
        Repo { dir, state }
    }

    /// The repository's root.
    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A context on this register.
    fn ctx(&self) -> Context {
        Context::new(self.state.clone(), today())
    }

    /// `git log -1 --format=FORMAT` at HEAD.
    fn head(&self, format: &str) -> String {
        git(self.root(), &["log", "-1", &format!("--format={format}")])
    }

    /// A file of the state directory.
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.state.join(rel)).unwrap()
    }
}

fn identity() -> Identity {
    Identity {
        name: "Ada Lovelace".to_owned(),
        email: "ada@example.com".to_owned(),
    }
}

fn stage_of(repo: &Repo, id: &str) -> String {
    let text = repo.read(&format!("use-cases/{id}.ron"));
    text.lines()
        .find_map(|l| l.trim().strip_prefix("stage: "))
        .unwrap()
        .trim_end_matches(',')
        .to_owned()
}

#[test]
fn a_move_commits_the_stage_and_says_so() {
    let repo = Repo::new();
    let before = repo.head("%H");
    let moved = change::move_stage(
        &repo.ctx(),
        "ready-one",
        Stage::FineTune,
        "Gates pass",
        false,
    )
    .unwrap();
    assert_eq!((moved.from, moved.to), (Stage::Collect, Stage::FineTune));
    assert_eq!(moved.overridden, None);
    assert_eq!(stage_of(&repo, "ready-one"), "FineTune");
    assert_eq!(repo.head("%P"), before, "one commit on top");
    assert_eq!(repo.head("%H"), moved.saved.commit.to_string());
    assert_eq!(repo.head("%s"), moved.saved.summary);
    assert_eq!(repo.head("%b").trim(), "Gates pass");
    assert_eq!(
        moved.describe(),
        format!(
            "committed {}: {}",
            &moved.saved.commit.to_string()[..7],
            moved.saved.summary
        )
    );
    // Exactly that file changed.
    let files = git(repo.root(), &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files, "state/use-cases/ready-one.ron");
}

#[test]
fn a_move_into_finetune_that_is_not_ready_needs_the_override_and_records_it() {
    let repo = Repo::new();
    let head = repo.head("%H");
    let err =
        change::move_stage(&repo.ctx(), "unready", Stage::FineTune, "Try it", false).unwrap_err();
    let OpError::Refused(why) = &err else {
        panic!("{err:?}")
    };
    assert!(
        why.starts_with("unready is not ready to move to FineTune: readiness is"),
        "{why}"
    );
    assert!(why.contains("pass --override"), "{why}");
    assert_eq!(repo.head("%H"), head, "nothing committed");
    assert_eq!(stage_of(&repo, "unready"), "Collect", "nothing written");

    let moved =
        change::move_stage(&repo.ctx(), "unready", Stage::FineTune, "Try it", true).unwrap();
    let reason = moved.overridden.expect("an override");
    assert!(reason.contains("not `ready`"), "{reason}");
    assert!(repo.head("%B").contains(&reason), "{}", repo.head("%B"));
    assert_eq!(stage_of(&repo, "unready"), "FineTune");
}

#[test]
fn a_move_is_refused_without_a_reason_or_for_an_unknown_id() {
    let repo = Repo::new();
    let head = repo.head("%H");
    let err =
        change::move_stage(&repo.ctx(), "ready-one", Stage::Evaluate, "  ", false).unwrap_err();
    assert!(matches!(err, OpError::Refused(_)), "{err:?}");
    let err = change::move_stage(&repo.ctx(), "nobody", Stage::Evaluate, "Why", false).unwrap_err();
    assert!(
        matches!(&err, OpError::NoSuchUseCase { id, .. } if id == "nobody"),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("no use case `nobody` in "),
        "{err}"
    );
    let mut ctx = repo.ctx();
    ctx.state_dir = repo.root().join("elsewhere");
    let err = change::move_stage(&ctx, "ready-one", Stage::Evaluate, "Why", false).unwrap_err();
    assert!(matches!(err, OpError::NoRegister(_)), "{err:?}");
    assert_eq!(repo.head("%H"), head);
}

#[test]
fn a_commit_with_an_identity_is_authored_by_it_and_committed_by_the_repository() {
    let repo = Repo::new();
    let mut ctx = repo.ctx();
    ctx.identity = Some(identity());
    change::move_stage(&ctx, "ready-one", Stage::Evaluate, "Evaluated", false).unwrap();
    assert_eq!(repo.head("%an <%ae>"), "Ada Lovelace <ada@example.com>");
    assert_eq!(repo.head("%cn <%ce>"), "Repo Committer <repo@example.com>");
    // Without one, the repository's identity is both.
    change::move_stage(&repo.ctx(), "ready-one", Stage::Retired, "Done", false).unwrap();
    assert_eq!(repo.head("%an <%ae>"), "Repo Committer <repo@example.com>");
    assert_eq!(repo.head("%cn <%ce>"), "Repo Committer <repo@example.com>");
}

#[test]
fn an_identity_also_authors_a_measurement() {
    let repo = Repo::new();
    let mut ctx = repo.ctx();
    ctx.identity = Some(identity());
    let m = ripen::model::Measurement {
        date: Date::parse("2026-06-15").unwrap(),
        accuracy: 0.9,
        consistency: 0.85,
        p95_latency_ms: 800,
        cost_per_1k_usd: 2.0,
        satisfaction: 4.2,
        source: "eval/june".to_owned(),
    };
    change::add_measurement(&ctx, "unready", m).unwrap();
    assert_eq!(repo.head("%an"), "Ada Lovelace");
    assert_eq!(repo.head("%cn"), "Repo Committer");
}

#[test]
fn a_new_use_case_is_authored_by_the_identity() {
    let repo = Repo::new();
    let mut ctx = repo.ctx();
    ctx.identity = Some(identity());
    let id = ripen::model::UseCaseId::new("fresh-one").unwrap();
    let created = new_use_case_with(
        &ctx.state_dir,
        &id,
        ("Fresh", "ada@example.com", "Claims"),
        Some(&ctx.commit_options()),
    )
    .unwrap();
    assert_eq!(repo.head("%H"), created.commit.unwrap().to_string());
    assert_eq!(repo.head("%an / %cn"), "Ada Lovelace / Repo Committer");
    assert_eq!(repo.head("%s"), "fresh-one: new use case \"Fresh\"");
}

#[test]
fn a_measurement_and_an_roi_entry_are_committed_in_date_order() {
    let repo = Repo::new();
    let m = ripen::model::Measurement {
        date: Date::parse("2026-03-01").unwrap(),
        accuracy: 0.805,
        consistency: 0.8,
        p95_latency_ms: 900,
        cost_per_1k_usd: 2.5,
        satisfaction: 4.0,
        source: "eval/march".to_owned(),
    };
    let saved = change::add_measurement(&repo.ctx(), "unready", m).unwrap();
    assert!(
        saved.describe().starts_with("committed "),
        "{}",
        saved.describe()
    );
    let text = repo.read("use-cases/unready.ron");
    let feb = text.find("eval/2026-02-01").unwrap();
    let mar = text.find("eval/march").unwrap();
    let apr = text.find("eval/2026-04-01").unwrap();
    assert!(feb < mar && mar < apr, "{text}");
    assert_eq!(repo.head("%H"), saved.commit.to_string());

    let roi = ripen::model::RoiEntry {
        date: Date::parse("2026-05-01").unwrap(),
        kind: ripen::model::RoiKind::TimeSaved,
        value_usd: 12_000,
        period: ripen::model::Period::Quarter,
        evidence: "finance/may.md".to_owned(),
        confidence: ripen::model::Confidence::Estimated,
    };
    let saved = change::add_roi(&repo.ctx(), "unready", roi).unwrap();
    assert!(
        repo.read("use-cases/unready.ron")
            .contains("finance/may.md")
    );
    assert_eq!(repo.head("%H"), saved.commit.to_string());
    assert_eq!(git(repo.root(), &["status", "--porcelain"]), "");
}

#[test]
fn an_edited_file_is_committed_checked_and_refused_when_it_changes_nothing() {
    let repo = Repo::new();
    let original = repo.read("use-cases/ready-one.ron");
    let head = repo.head("%H");
    let err = change::edit_use_case(&repo.ctx(), "ready-one", original.as_bytes(), "Why", false)
        .unwrap_err();
    assert_eq!(err.to_string(), change::EditCheck::NO_CHANGE);
    let broken = original.replace("title:", "titel:");
    let err = change::edit_use_case(&repo.ctx(), "ready-one", broken.as_bytes(), "Why", false)
        .unwrap_err();
    assert!(err.to_string().contains("has errors"), "{err}");
    assert!(err.to_string().contains("ready-one.ron:"), "{err}");
    assert_eq!(repo.head("%H"), head);

    let edited = original.replace("Drafts and checks", "Drafts, checks");
    let saved = change::edit_use_case(
        &repo.ctx(),
        "ready-one",
        edited.as_bytes(),
        "Clearer",
        false,
    )
    .unwrap();
    assert_eq!(repo.read("use-cases/ready-one.ron"), edited);
    assert_eq!(repo.head("%H"), saved.commit.to_string());
    assert!(repo.head("%B").contains("Clearer"));
}

#[test]
fn a_prepared_change_is_refused_as_stale_when_the_branch_moved() {
    let repo = Repo::new();
    let reg = load::register(&repo.ctx(), None).unwrap();
    let e = reg.get("ready-one").unwrap();
    let applied = ripen::change::apply(
        &e.id,
        &e.use_case,
        ripen::change::Edit::MoveStage(Stage::Evaluate),
        "Later",
        None,
    )
    .unwrap();
    let prepared = change::Prepared {
        rel: e.rel.clone(),
        expected: Some(e.original.to_vec()),
        text: applied.text,
        message: applied.message,
        head: Some(git2::Oid::from_str(&repo.head("%H")).unwrap()),
    };
    // Someone commits meanwhile.
    change::move_stage(&repo.ctx(), "unready", Stage::Identify, "Back", false).unwrap();
    let moved_head = repo.head("%H");
    let err = change::save(&repo.ctx(), &prepared).unwrap_err();
    assert!(err.is_stale(), "{err:?}");
    assert_eq!(repo.head("%H"), moved_head);
    assert_eq!(stage_of(&repo, "ready-one"), "Collect");
}

#[test]
fn load_reads_the_working_tree_or_a_revision() {
    let repo = Repo::new();
    let first = repo.head("%H");
    change::move_stage(&repo.ctx(), "ready-one", Stage::FineTune, "Go", false).unwrap();
    let now = load::register(&repo.ctx(), None).unwrap();
    assert_eq!(
        now.get("ready-one").unwrap().use_case.stage,
        Stage::FineTune
    );
    let then = load::register(&repo.ctx(), Some(&first)).unwrap();
    assert_eq!(
        then.get("ready-one").unwrap().use_case.stage,
        Stage::Collect
    );
    let view = load::view(&repo.ctx(), Some(&first)).unwrap();
    assert_eq!(view.status.head.map(|h| h.to_string()), Some(first.clone()));
    assert!(view.read_only.unwrap().starts_with("viewing revision"));
    let view = load::view(&repo.ctx(), None).unwrap();
    assert_eq!(view.read_only, None);
    assert_eq!(view.status.branch.as_deref(), Some("main"));
    let err = load::register(&repo.ctx(), Some("no-such-rev")).unwrap_err();
    assert!(matches!(err, OpError::Git(_)), "{err:?}");
}

#[test]
fn fmt_checks_then_rewrites_the_files_that_are_not_canonical() {
    let repo = Repo::new();
    let rel = "use-cases/ready-one.ron";
    let canonical = repo.read(rel);
    let messy = canonical.replace("    title:", "  title:");
    std::fs::write(repo.state.join(rel), &messy).unwrap();
    std::fs::write(
        repo.state.join("use-cases/bad.ron"),
        "UseCase(\n  bogus: 1,\n)\n",
    )
    .unwrap();

    let checked = fmt::fmt(&repo.ctx(), true).unwrap();
    assert_eq!(checked.not_canonical.len(), 1, "{checked:?}");
    assert!(checked.not_canonical[0].ends_with("ready-one.ron"));
    assert_eq!(checked.problems.len(), 1, "{checked:?}");
    assert!(
        checked.problems[0].location.contains("bad.ron:"),
        "{checked:?}"
    );
    assert!(checked.problems[0].message.ends_with("(not formatted)"));
    assert_eq!(
        checked.check_note().unwrap(),
        "1 file(s) not canonical; run `ripen fmt` to rewrite them"
    );
    assert!(!checked.ok());
    assert_eq!(repo.read(rel), messy, "a check writes nothing");

    let done = fmt::fmt(&repo.ctx(), false).unwrap();
    assert_eq!(done.formatted.len(), 1);
    assert_eq!(repo.read(rel), canonical);
    assert_eq!(
        fmt::Formatted::formatted_line(&done.formatted[0]),
        format!("formatted {}", done.formatted[0])
    );
    std::fs::remove_file(repo.state.join("use-cases/bad.ron")).unwrap();
    assert!(fmt::fmt(&repo.ctx(), true).unwrap().ok());
}

#[test]
fn an_import_is_planned_then_committed_as_the_identity() {
    let repo = Repo::new();
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spreadsheet.csv"
    ))
    .unwrap();
    let map_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spreadsheet-mapping.ron"
    ))
    .unwrap();
    let mapping = ripen::import::Mapping::parse("map.ron", &map_text).unwrap();
    let mut ctx = repo.ctx();
    ctx.identity = Some(identity());
    let head = repo.head("%H");

    let planned = import::plan(&ctx, "data.csv", &csv, &mapping, true).unwrap();
    assert!(!planned.plan.writes.is_empty());
    let dry = import::write(&ctx, &planned, true).unwrap();
    assert_eq!(dry, import::Imported::DryRun);
    assert_eq!(dry.describe(), "Dry run: nothing was written.");
    assert_eq!(repo.head("%H"), head);

    let done = import::write(&ctx, &planned, false).unwrap();
    let n = planned.plan.writes.len();
    assert_eq!(done.written(), n);
    let commit = done.commit().unwrap();
    assert_eq!(repo.head("%H"), commit.to_string());
    assert_eq!(
        done.describe(),
        format!(
            "Wrote {n} file(s) and committed them as {} on main.",
            &commit.to_string()[..7]
        )
    );
    assert_eq!(repo.head("%an"), "Ada Lovelace");
    assert_eq!(repo.head("%cn"), "Repo Committer");
    // Again: nothing to change.
    let again = import::plan(&ctx, "data.csv", &csv, &mapping, false).unwrap();
    assert_eq!(
        import::write(&ctx, &again, false).unwrap(),
        import::Imported::NothingToChange
    );

    let bad = import::plan(&ctx, "data.csv", b"no,header\n", &mapping, false).unwrap_err();
    assert!(
        matches!(&bad, OpError::ImportProblems(p) if !p.is_empty()),
        "{bad:?}"
    );
}

#[test]
fn a_review_is_closed_as_the_identity() {
    let repo = Repo::new();
    let mut ctx = repo.ctx();
    ctx.identity = Some(identity());
    let closed = review::close(&ctx, "2026-Q2", None, Some("Reviewed".to_owned())).unwrap();
    assert_eq!(closed.tag.name, "review/2026-Q2");
    assert!(!closed.dirty);
    assert_eq!(closed.note(), None);
    assert_eq!(
        closed.describe(),
        format!(
            "Closed review 2026-Q2: tag review/2026-Q2 on commit {}",
            &repo.head("%H")[..7]
        )
    );
    let tagger = git(
        repo.root(),
        &[
            "for-each-ref",
            "--format=%(taggername) %(taggeremail)",
            "refs/tags/review/2026-Q2",
        ],
    );
    assert_eq!(tagger, "Ada Lovelace <ada@example.com>");
    let again = review::close(&ctx, "2026-Q2", None, None).unwrap_err();
    assert!(matches!(again, OpError::Review(_)), "{again:?}");
}

#[test]
fn a_proposal_is_previewed_then_accepted_and_described() {
    let repo = Repo::new();
    let root = repo.root();
    git(root, &["checkout", "-q", "-b", "proposal/evaluate"]);
    change::move_stage(&repo.ctx(), "ready-one", Stage::Evaluate, "Ready", false).unwrap();
    let tip = repo.head("%H");
    git(root, &["checkout", "-q", "main"]);

    let options = ripen::git::proposals::AcceptOptions::default();
    let preview = accept::preview(&repo.ctx(), "proposal/evaluate", &options).unwrap();
    assert_eq!(preview.tip.to_string(), tip);
    let done = accept::accept(&repo.ctx(), "proposal/evaluate", preview.tip, &options).unwrap();
    assert_eq!(done.into, "main");
    let ripen::git::proposals::Accepted::Merged { commit } = done.how;
    assert_eq!(
        done.describe(),
        format!(
            "Accepted proposal/evaluate: merge commit {} on main.",
            &commit.to_string()[..7]
        )
    );
    assert_eq!(repo.head("%H"), commit.to_string());
    assert_eq!(repo.head("%P").split(' ').nth(1), Some(tip.as_str()));
    assert_eq!(stage_of(&repo, "ready-one"), "Evaluate");
}

/// A context acting for a Proposer named `who`.
fn proposer(repo: &Repo, who: &str) -> Context {
    let mut ctx = repo.ctx();
    ctx.act_as(&ripen::access::Principal {
        name: who.to_owned(),
        email: format!("{who}@example.com"),
        role: Role::Proposer,
        keys: Vec::new(),
    });
    ctx
}

#[test]
fn proposers_racing_on_one_use_case_each_get_their_own_branch_and_main_stays() {
    let repo = Repo::new();
    let main = repo.head("%H");
    let file = repo.read("use-cases/ready-one.ron");
    // Many rounds of two proposers of the same use case at once: every
    // proposal lands on a branch of its own, none overwrites another, and
    // main, the index and the working tree never move.
    for round in 0..25 {
        let stages = [Stage::FineTune, Stage::Identify];
        let saved: Vec<change::Saved> = std::thread::scope(|s| {
            let handles: Vec<_> = stages
                .iter()
                .map(|&to| {
                    let ctx = proposer(&repo, "pat");
                    s.spawn(move || {
                        change::move_stage(&ctx, "ready-one", to, "race", true)
                            .unwrap()
                            .saved
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(saved.iter().all(|s| s.proposed), "round {round}");
        assert_ne!(saved[0].branch, saved[1].branch, "round {round}");
        let r = git2::Repository::open(repo.root()).unwrap();
        for (s, to) in saved.iter().zip(stages) {
            let tip = r
                .find_reference(&s.branch)
                .unwrap()
                .peel_to_commit()
                .unwrap();
            assert_eq!(
                tip.id(),
                s.commit,
                "round {round}: the branch holds its commit"
            );
            assert_eq!(tip.parent_id(0).unwrap().to_string(), main);
            let blob = tip
                .tree()
                .unwrap()
                .get_path(Path::new("state/use-cases/ready-one.ron"))
                .unwrap()
                .to_object(&r)
                .unwrap()
                .peel_to_blob()
                .unwrap();
            let text = String::from_utf8_lossy(blob.content()).into_owned();
            assert!(
                text.contains(&format!("stage: {to:?},")),
                "round {round}: {} holds its own change",
                s.branch
            );
        }
    }
    assert_eq!(repo.head("%H"), main);
    assert_eq!(repo.read("use-cases/ready-one.ron"), file);
    assert_eq!(git(repo.root(), &["status", "--porcelain"]), "");
    let branches = git(repo.root(), &["branch", "--list", "propose/*"]);
    assert_eq!(branches.lines().count(), 50, "{branches}");
}

#[test]
fn an_accept_that_also_writes_a_record_is_refused_when_the_record_moved() {
    let repo = Repo::new();
    let root = repo.root();
    // A proposal branch, and a review record on main.
    git(root, &["checkout", "-q", "-b", "team/x"]);
    let text = repo
        .read("use-cases/unready.ron")
        .replacen("Operations", "Field Operations", 1);
    std::fs::write(repo.state.join("use-cases/unready.ron"), text).unwrap();
    git(root, &["commit", "-qam", "unready: team"]);
    git(root, &["checkout", "-q", "main"]);
    std::fs::create_dir_all(repo.state.join("reviews")).unwrap();
    std::fs::write(repo.state.join("reviews/2026-Q2.ron"), "v1").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "record"]);
    let head = repo.head("%H");
    let tip = git2::Oid::from_str(&git(root, &["rev-parse", "team/x"])).unwrap();
    let options = |expected: &str| ripen::git::proposals::AcceptOptions {
        also: Some(ripen::git::proposals::AlsoWrite {
            rel: "reviews/2026-Q2.ron".to_owned(),
            expected: Some(expected.as_bytes().to_vec()),
            new: b"v2".to_vec(),
            note: "Review 2026-Q2: team/x accepted.".to_owned(),
        }),
        ..Default::default()
    };
    // Someone changed the record since the decision was prepared: nothing.
    let err = accept::accept(&repo.ctx(), "team/x", tip, &options("v0")).unwrap_err();
    assert!(err.to_string().contains("reviews/2026-Q2.ron"), "{err}");
    assert_eq!(repo.head("%H"), head);
    assert_eq!(repo.read("reviews/2026-Q2.ron"), "v1");
    assert_eq!(git(root, &["status", "--porcelain"]), "");
    // As prepared: one merge commit carries the proposal and the record.
    accept::accept(&repo.ctx(), "team/x", tip, &options("v1")).unwrap();
    assert_eq!(repo.head("%P"), format!("{head} {tip}"));
    assert_eq!(repo.read("reviews/2026-Q2.ron"), "v2");
    assert!(
        repo.read("use-cases/unready.ron")
            .contains("Field Operations")
    );
    assert!(repo.head("%B").contains("Review 2026-Q2: team/x accepted."));
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}
