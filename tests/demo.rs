//! `ripen demo`: the generated repositories, read back with git2 and the
//! library, and the command as a user runs it.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use git2::{ObjectType, Oid, Repository, StatusOptions};
use ripen::demo::{self, History, Plan};
use ripen::git::history::use_case_history;
use ripen::git::snapshot_of_tree;
use ripen::model::{Date, Stage, UseCaseId};
use ripen::register::{self, Register};
use ripen::report;

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Seconds since the epoch at midnight (UTC) starting `d`.
fn midnight(d: Date) -> i64 {
    d.0.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp()
}

fn ripen(args: &[&str]) -> std::process::Output {
    support::run::ripen(args).output()
}

/// The register at revision `rev` of `repo`, evaluated at `today`.
fn register_at(repo: &Repository, rev: &str, today: Date) -> Register {
    let commit = repo.revparse_single(rev).unwrap().peel_to_commit().unwrap();
    let tree = commit.tree().unwrap();
    let snapshot = snapshot_of_tree(repo, &tree, demo::STATE_DIR, rev).unwrap();
    register::load(&snapshot, None, today)
}

/// Main's commits, oldest first.
fn main_commits(repo: &Repository) -> Vec<Oid> {
    let mut walk = repo.revwalk().unwrap();
    walk.push_ref("refs/heads/main").unwrap();
    walk.simplify_first_parent().unwrap();
    let mut ids: Vec<Oid> = walk.map(Result::unwrap).collect();
    ids.reverse();
    ids
}

fn assert_clean(repo: &Repository) {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let statuses = repo.statuses(Some(&mut opts)).unwrap();
    let dirty: Vec<_> = statuses
        .iter()
        .map(|s| (s.path().unwrap_or("").to_owned(), s.status()))
        .collect();
    assert!(dirty.is_empty(), "working tree not clean: {dirty:?}");
    assert_eq!(repo.head().unwrap().shorthand().unwrap(), "main");
}

/// Reads every object of the repository: libgit2 checks each one's id
/// against its content, so this verifies the pack written by the generator.
fn read_every_object(repo: &Repository) -> usize {
    let odb = repo.odb().unwrap();
    let mut ids = Vec::new();
    odb.foreach(|id| {
        ids.push(*id);
        true
    })
    .unwrap();
    for id in &ids {
        odb.read(*id).unwrap();
    }
    ids.len()
}

const TODAY: &str = "2027-02-17";

#[test]
fn the_northwind_demo_has_a_believable_validating_past() {
    let today = date(TODAY);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let made = demo::generate(&dir, &Plan::Northwind { seed: 1 }, today).unwrap();
    let repo = Repository::open(&dir).unwrap();
    assert_eq!(made.state_dir, made.root.join("state"));
    read_every_object(&repo);

    // Main validates, with no pinned as-of date, and reads as the shipped
    // register did at its own as-of date.
    let reg = register_at(&repo, "main", today);
    assert_eq!(reg.errors(), 0, "{:#?}", reg.diagnostics);
    assert_eq!(reg.warnings(), 0, "{:#?}", reg.diagnostics);
    assert_eq!(reg.use_cases.len(), 20);
    assert_eq!(reg.settings.as_ref().unwrap().as_of, None);
    assert_eq!(reg.as_of, today);
    let shipped = register::load(
        &ripen::store::snapshot(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("state")
                .as_path(),
        )
        .unwrap(),
        None,
        today,
    );
    assert_eq!(
        report::summary(&report::assess_all(&reg)),
        report::summary(&report::assess_all(&shipped)),
        "the demo's verdicts today are the shipped register's at its as_of"
    );

    // Review tags at quarter ends, annotated, one line each.
    let tags = repo.tag_names(Some("review/*")).unwrap();
    assert!(tags.len() >= 6, "{} review tags", tags.len());
    for name in tags.iter().map(|n| n.unwrap().unwrap()) {
        let reference = repo.find_reference(&format!("refs/tags/{name}")).unwrap();
        let tag = repo
            .find_tag(reference.target().unwrap())
            .unwrap_or_else(|_| panic!("{name} is not annotated"));
        let message = tag.message().unwrap().unwrap().trim_end();
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{message:?}"
        );
        assert!(message.starts_with(&name["review/".len()..]), "{message}");
        let tagged = tag.target().unwrap().peel_to_commit().unwrap();
        let when = tag.tagger().unwrap().when().seconds();
        assert!(tagged.time().seconds() <= when);
        let quarter_end = chrono::DateTime::from_timestamp(when, 0)
            .unwrap()
            .date_naive();
        assert!(
            matches!(
                (quarter_end.format("%m-%d").to_string()).as_str(),
                "03-31" | "06-30" | "09-30" | "12-31"
            ),
            "{name} tagged on {quarter_end}"
        );
    }

    // Several authors, commit times strictly increasing, the last one a few
    // days before today.
    let commits = main_commits(&repo);
    assert_eq!(commits.len(), made.commits);
    assert!(commits.len() > 100, "{} commits", commits.len());
    let mut authors = BTreeSet::new();
    let mut last = i64::MIN;
    for id in &commits {
        let c = repo.find_commit(*id).unwrap();
        let email = c.author().email().unwrap().to_owned();
        assert!(email.ends_with("@example.com"), "{email}");
        authors.insert(email);
        assert!(c.time().seconds() > last, "times go back at {id}");
        last = c.time().seconds();
    }
    assert!(authors.len() >= 5, "{authors:?}");
    assert!(
        last < midnight(today),
        "the last commit is not before today"
    );
    assert!(
        last >= midnight(today) - 30 * 86_400,
        "the last commit is more than 30 days old"
    );
    let first = repo.find_commit(commits[0]).unwrap().time().seconds();
    assert!(
        midnight(today) - first > 2 * 365 * 86_400,
        "less than two years of history"
    );

    // A use case's history has several commits.
    let id = UseCaseId::new("claims-triage").unwrap();
    let history = use_case_history(&made.state_dir, &id, "HEAD").unwrap();
    assert!(history.len() >= 5, "{} commits", history.len());
    let stage_moves = history
        .iter()
        .filter(|h| h.changes.iter().any(|c| c.field == "stage"))
        .count();
    assert!(stage_moves >= 1);

    // The policy changed exactly once: min_annual_roi_usd 20000 -> 25000.
    let mut policies = Vec::new();
    for id in &commits {
        let tree = repo.find_commit(*id).unwrap().tree().unwrap();
        let blob = tree.get_path(Path::new("state/policy.ron")).unwrap().id();
        if policies.last() != Some(&blob) {
            policies.push(blob);
        }
    }
    assert_eq!(policies.len(), 2, "the policy should change exactly once");
    let text = |id: Oid| {
        let blob = repo.find_blob(id).unwrap();
        register::parse_policy(std::str::from_utf8(blob.content()).unwrap()).unwrap()
    };
    assert_eq!(text(policies[0]).min_annual_roi_usd, 20000);
    assert_eq!(text(policies[1]).min_annual_roi_usd, 25000);

    // Two open proposals: one validates, one does not.
    let good = register_at(&repo, "proposal/claims-finetune", today);
    assert_eq!(good.errors(), 0, "{:#?}", good.diagnostics);
    assert_eq!(
        good.get("claims-triage").unwrap().use_case.stage,
        Stage::FineTune
    );
    let broken = register_at(&repo, "proposal/broken-translation", today);
    assert!(broken.errors() >= 1);
    assert!(
        broken
            .diagnostics
            .iter()
            .all(|d| d.file.contains("policy-translation")),
        "{:#?}",
        broken.diagnostics
    );
    for branch in ["proposal/claims-finetune", "proposal/broken-translation"] {
        let tip = repo
            .revparse_single(branch)
            .unwrap()
            .peel_to_commit()
            .unwrap();
        assert_eq!(tip.parent_id(0).unwrap(), made.head, "{branch} is off main");
        assert!(tip.time().seconds() < midnight(today));
    }
    assert_eq!(
        made.branches,
        ["proposal/claims-finetune", "proposal/broken-translation"]
    );

    assert_clean(&repo);
}

#[test]
fn the_demo_never_goes_stale() {
    for (today, seed) in [
        ("2026-10-15", 1),
        ("2026-11-29", 2),
        ("2028-05-06", 3),
        ("2035-01-01", 4),
    ] {
        let today = date(today);
        let h: History = demo::history(&Plan::Northwind { seed }, today).unwrap();
        let last = h.main.last().unwrap().time;
        assert!(last < midnight(today) && last > midnight(today) - 30 * 86_400);
        assert!(h.tags.len() >= 6);
        assert!(h.main.windows(2).all(|w| w[0].time < w[1].time));
        for b in &h.branches {
            assert!(b.commits.iter().all(|c| c.time < midnight(today)));
        }
    }
}

#[test]
fn the_command_creates_a_repository_that_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("northwind demo");
    let out = ripen(&["demo", dir.to_str().unwrap(), "--no-tui"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Created a demo register at"), "{stdout}");
    assert!(stdout.contains("history claims-triage"), "{stdout}");
    let state = dir.join("state");
    let out = ripen(&["--state", state.to_str().unwrap(), "validate"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("20 use case(s) loaded, 0 error(s)"),
        "{stdout}"
    );
    assert_clean(&Repository::open(&dir).unwrap());

    // A folder with anything in it is refused, untouched.
    let out = ripen(&["demo", dir.to_str().unwrap(), "--no-tui"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
}

#[test]
fn synthetic_repositories_are_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for run in ["a", "b"] {
        let dir = tmp.path().join(run);
        let out = ripen(&[
            "demo",
            dir.to_str().unwrap(),
            "--no-tui",
            "--use-cases",
            "50",
            "--commits",
            "120",
            "--seed",
            "7",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let repo = Repository::open(&dir).unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let cases = head
            .tree()
            .unwrap()
            .get_path(Path::new("state/use-cases"))
            .unwrap()
            .to_object(&repo)
            .unwrap()
            .peel_to_tree()
            .unwrap();
        assert_eq!(cases.len(), 50);
        assert!(main_commits(&repo).len() > 120);
        let reg = register_at(&repo, "HEAD", Date(chrono::Local::now().date_naive()));
        assert_eq!(reg.errors(), 0, "{:#?}", reg.diagnostics);
        assert_eq!(reg.use_cases.len(), 50);
        assert_clean(&repo);
        trees.push(head.tree_id());
    }
    assert_eq!(trees[0], trees[1], "same seed, same tree");
}

#[test]
fn synthetic_plans_follow_the_seed_and_read_back_whole() {
    let today = date(TODAY);
    let plan = |seed| Plan::Synthetic {
        use_cases: 40,
        commits: 300,
        seed,
    };
    let a = demo::history(&plan(1), today).unwrap();
    assert_eq!(a, demo::history(&plan(1), today).unwrap());
    assert_ne!(a, demo::history(&plan(2), today).unwrap());
    assert_eq!(a.main.len(), 301);
    for c in &a.main[1..] {
        assert!((1..=3).contains(&c.files.len()), "{}", c.message);
    }
    assert!(a.main.windows(2).all(|w| w[0].time < w[1].time));

    let tmp = tempfile::tempdir().unwrap();
    let made = demo::write(tmp.path(), &a).unwrap();
    let repo = Repository::open(tmp.path()).unwrap();
    let objects = read_every_object(&repo);
    assert!(objects > 300 * 3, "{objects} objects");
    // Every commit's tree holds exactly the planned files.
    let commits = main_commits(&repo);
    assert_eq!(commits.len(), a.main.len());
    for (i, id) in commits.iter().enumerate().step_by(37) {
        let tree = repo.find_commit(*id).unwrap().tree().unwrap();
        for (path, text) in a.files_at(i) {
            let entry = tree.get_path(Path::new(path)).unwrap();
            assert_eq!(entry.kind(), Some(ObjectType::Blob));
            let blob = repo.find_blob(entry.id()).unwrap();
            assert_eq!(blob.content(), text.as_bytes(), "{path} at commit {i}");
        }
    }
    let reg = register_at(&repo, "main", today);
    assert_eq!(reg.errors(), 0, "{:#?}", reg.diagnostics);
    assert!(!made.tags.is_empty());
    assert_clean(&repo);
}
