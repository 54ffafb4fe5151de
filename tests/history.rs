//! The history of a use case: `ripen::git::history` and `ripen history` on
//! real repositories built commit by commit with git2 (fixed signatures and
//! times, trees written directly, so nothing depends on the user's git
//! configuration).

mod support;

use std::path::Path;
use std::process::Command;

use git2::{Oid, Repository, Signature, Time};
use ripen::diff::{FieldChange, FieldValue};
use ripen::git::history::{HistoryEntry, file_history, use_case_history};
use ripen::model::{
    Approach, Confidence, Date, Measurement, Method, Period, Policy, RoiEntry, RoiKind, Settings,
    Stage, UseCase, UseCaseId, canonical,
};
use serde_json::{Value, json};
use support::repo::{empty_tree, put};
use support::run::Run;

const A: &str = "state/use-cases/a.ron";
const B: &str = "state/use-cases/b.ron";
const OTHER: &str = "state/use-cases/other.ron";
const T0: i64 = 1_700_000_000;

// ---------------------------------------------------------------------------
// Building repositories
// ---------------------------------------------------------------------------

struct Repo {
    dir: tempfile::TempDir,
    repo: Repository,
}

/// Who makes a commit: name, e-mail, and the time's offset in minutes.
#[derive(Clone, Copy)]
struct Who(&'static str, &'static str, i32);

const ALICE: Who = Who("Alice Archer", "alice@example.com", 0);
const BOB: Who = Who("Bob Baker", "bob@example.com", 120);

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        Repo { dir, repo }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A commit with `parents`' first tree plus `files` (path, content or
    /// `None` to delete), made at `T0 + minute * 60` by `who`. Does not
    /// move any branch.
    fn commit_on(
        &self,
        parents: &[Oid],
        files: &[(&str, Option<String>)],
        message: &str,
        who: Who,
        minute: i64,
    ) -> Oid {
        let repo = &self.repo;
        let mut tree_id = parents
            .first()
            .map(|p| repo.find_commit(*p).unwrap().tree_id());
        for (path, content) in files {
            let blob = content
                .as_ref()
                .map(|c| (repo.blob(c.as_bytes()).unwrap(), 0o100644));
            let base = tree_id.map(|id| repo.find_tree(id).unwrap());
            let parts: Vec<&str> = path.split('/').collect();
            tree_id = put(repo, base.as_ref(), &parts, blob);
        }
        let tree = match tree_id {
            Some(id) => repo.find_tree(id).unwrap(),
            None => repo.find_tree(empty_tree(repo)).unwrap(),
        };
        let time = Time::new(T0 + minute * 60, who.2);
        let sig = Signature::new(who.0, who.1, &time).unwrap();
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        repo.commit(None, &sig, &sig, message, &tree, &parent_refs)
            .unwrap()
    }

    /// Points `main` and HEAD at `head`.
    fn set_head(&self, head: Oid) {
        self.repo
            .reference("refs/heads/main", head, true, "test")
            .unwrap();
        self.repo.set_head("refs/heads/main").unwrap();
    }

    /// The history of `path` from HEAD, checked to be the same through the
    /// history index (`.git/ripen-cache/history-v1`): built afresh, then reused.
    fn history(&self, path: &str) -> Vec<HistoryEntry> {
        let head = self.repo.head().unwrap().target().unwrap();
        let plain = file_history(&self.repo, head, path).unwrap();
        if let Some(id) = path
            .strip_prefix("state/use-cases/")
            .and_then(|n| n.strip_suffix(".ron"))
        {
            let id = UseCaseId::new(id).unwrap();
            let state = self.root().join("state");
            let _ = std::fs::remove_file(self.index_file());
            let cold = use_case_history(&state, &id, "HEAD").unwrap();
            assert_eq!(cold, plain, "building the history index changed {path}");
            assert!(self.index_file().is_file());
            let warm = use_case_history(&state, &id, "HEAD").unwrap();
            assert_eq!(warm, plain, "the history index changed {path}");
        }
        plain
    }

    fn index_file(&self) -> std::path::PathBuf {
        self.repo.path().join("ripen-cache/history-v1")
    }
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn base_case() -> UseCase {
    UseCase::scaffold("Contract review", "ana@example.com", "Legal")
}

fn text(u: &UseCase) -> Option<String> {
    Some(canonical::use_case(u))
}

fn measurement(d: &str) -> Measurement {
    Measurement {
        date: date(d),
        accuracy: 0.8,
        consistency: 0.7,
        p95_latency_ms: 900,
        cost_per_1k_usd: 2.5,
        satisfaction: 4.0,
        source: "eval".to_owned(),
    }
}

fn roi(d: &str) -> RoiEntry {
    RoiEntry {
        date: date(d),
        kind: RoiKind::TimeSaved,
        value_usd: 12_000,
        period: Period::Quarter,
        evidence: "roi.md".to_owned(),
        confidence: Confidence::Measured,
    }
}

fn name(s: &str) -> FieldValue {
    FieldValue::Name(s.to_owned())
}

fn ids(h: &[HistoryEntry]) -> Vec<String> {
    h.iter().map(|e| e.commit.clone()).collect()
}

fn oids(v: &[Oid]) -> Vec<String> {
    v.iter().map(Oid::to_string).collect()
}

/// What `git log --format=%H -- <path>` lists, when a git binary exists.
fn git_log(root: &Path, path: &str) -> Option<Vec<String>> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["log", "--format=%H", "main", "--", path])
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    })
}

// ---------------------------------------------------------------------------
// A linear history
// ---------------------------------------------------------------------------

/// Twelve commits; eight touch `a.ron`. Returns the repo and the touching
/// commits, newest first.
fn linear() -> (Repo, Vec<Oid>) {
    let r = Repo::new();
    let mut u = base_case();
    let mut touching = Vec::new();
    let settings = canonical::settings(&Settings::new("Acme"));
    let c1 = r.commit_on(
        &[],
        &[
            ("state/register.ron", Some(settings)),
            (
                "state/policy.ron",
                Some(canonical::policy(&Policy::default())),
            ),
            (A, text(&u)),
        ],
        "Add contract review\n\nFirst use case of the register.",
        ALICE,
        1,
    );
    touching.push(c1);
    let c2 = r.commit_on(&[c1], &[(OTHER, text(&base_case()))], "Add other", BOB, 2);
    u.stage = Stage::Collect;
    let c3 = r.commit_on(&[c2], &[(A, text(&u))], "Move a to Collect", BOB, 3);
    touching.push(c3);
    let mut s = Settings::new("Acme Group");
    s.currency = "EUR".to_owned();
    let c4 = r.commit_on(
        &[c3],
        &[("state/register.ron", Some(canonical::settings(&s)))],
        "Rename the register",
        ALICE,
        4,
    );
    u.measurements.push(measurement("2026-03-31"));
    let c5 = r.commit_on(&[c4], &[(A, text(&u))], "Measure a", ALICE, 5);
    touching.push(c5);
    u.profile.curated_examples = 1200;
    u.targets.accuracy = Some(0.9);
    let c6 = r.commit_on(&[c5], &[(A, text(&u))], "Targets for a", BOB, 6);
    touching.push(c6);
    let mut o = base_case();
    o.notes = "Other notes.".to_owned();
    let c7 = r.commit_on(&[c6], &[(OTHER, text(&o))], "Touch other", ALICE, 7);
    u.roi.push(roi("2026-03-31"));
    let c8 = r.commit_on(&[c7], &[(A, text(&u))], "ROI for a", ALICE, 8);
    touching.push(c8);
    u.approach = Approach::FineTuned {
        method: Method::Lora,
        base_model: "llama".to_owned(),
        dataset: "ds".to_owned(),
    };
    let c9 = r.commit_on(&[c8], &[(A, text(&u))], "Fine-tune a", BOB, 9);
    touching.push(c9);
    // Same content, another layout: a commit with no field change.
    let reformatted = canonical::use_case(&u).replace("    ", "  ");
    let c10 = r.commit_on(&[c9], &[(A, Some(reformatted))], "Reformat a", ALICE, 10);
    touching.push(c10);
    u.notes = "Done.".to_owned();
    u.targets.accuracy = None;
    let c11 = r.commit_on(&[c10], &[(A, text(&u))], "Notes for a", BOB, 11);
    touching.push(c11);
    let c12 = r.commit_on(&[c11], &[(OTHER, None)], "Drop other", ALICE, 12);
    r.set_head(c12);
    touching.reverse();
    (r, touching)
}

#[test]
fn lists_exactly_the_touching_commits_newest_first() {
    let (r, touching) = linear();
    let h = r.history(A);
    assert_eq!(ids(&h), oids(&touching));
    if let Some(log) = git_log(r.root(), A) {
        assert_eq!(ids(&h), log, "same commits as git log");
    }

    let who: Vec<(&str, &str)> = h
        .iter()
        .map(|e| (e.author.as_str(), e.email.as_str()))
        .collect();
    assert_eq!(
        who,
        vec![
            ("Bob Baker", "bob@example.com"),
            ("Alice Archer", "alice@example.com"),
            ("Bob Baker", "bob@example.com"),
            ("Alice Archer", "alice@example.com"),
            ("Bob Baker", "bob@example.com"),
            ("Alice Archer", "alice@example.com"),
            ("Bob Baker", "bob@example.com"),
            ("Alice Archer", "alice@example.com"),
        ]
    );
    let summaries: Vec<&str> = h.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(
        summaries,
        vec![
            "Notes for a",
            "Reformat a",
            "Fine-tune a",
            "ROI for a",
            "Targets for a",
            "Measure a",
            "Move a to Collect",
            "Add contract review",
        ]
    );
    // Times keep the committer's offset.
    assert_eq!(h[0].time.timestamp(), T0 + 11 * 60);
    assert_eq!(h[0].time.offset().local_minus_utc(), 120 * 60);
    assert_eq!(h[7].time.timestamp(), T0 + 60);
    assert_eq!(h[7].time.offset().local_minus_utc(), 0);
}

#[test]
fn field_changes_of_each_commit() {
    let (r, _) = linear();
    let h = r.history(A);
    assert_eq!(
        h[0].changes,
        vec![
            FieldChange::new("targets.accuracy", FieldValue::Real(0.9), FieldValue::None),
            FieldChange::new(
                "notes",
                FieldValue::Text(base_case().notes),
                FieldValue::Text("Done.".to_owned())
            ),
        ]
    );
    assert!(h[1].changes.is_empty(), "reformatting changes no field");
    let fields: Vec<&str> = h[2].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "approach",
            "approach.technique",
            "approach.model",
            "approach.method",
            "approach.base_model",
            "approach.dataset"
        ]
    );
    assert_eq!(
        h[3].changes,
        vec![FieldChange::new(
            "roi",
            FieldValue::None,
            FieldValue::Roi(roi("2026-03-31"))
        )]
    );
    assert_eq!(
        h[4].changes,
        vec![
            FieldChange::new(
                "profile.curated_examples",
                FieldValue::Int(0),
                FieldValue::Int(1200)
            ),
            FieldChange::new("targets.accuracy", FieldValue::None, FieldValue::Real(0.9)),
        ]
    );
    assert_eq!(
        h[5].changes,
        vec![FieldChange::new(
            "measurements",
            FieldValue::None,
            FieldValue::Measurement(measurement("2026-03-31"))
        )]
    );
    assert_eq!(
        h[6].changes,
        vec![FieldChange::new("stage", name("Identify"), name("Collect"))]
    );
    assert_eq!(
        h[7].changes,
        vec![FieldChange::new("id", FieldValue::None, name("a"))]
    );
}

#[test]
fn a_file_no_commit_touched_has_no_history() {
    let (r, _) = linear();
    assert!(r.history("state/use-cases/never.ron").is_empty());
}

#[test]
fn a_deleted_file_shows_its_deletion() {
    let (r, _) = linear();
    let h = r.history(OTHER);
    let summaries: Vec<&str> = h.iter().map(|e| e.summary.as_str()).collect();
    assert_eq!(summaries, vec!["Drop other", "Touch other", "Add other"]);
    assert_eq!(
        h[0].changes,
        vec![FieldChange::new("id", name("other"), FieldValue::None)]
    );
}

#[test]
fn a_broken_file_shows_as_a_parse_error() {
    let r = Repo::new();
    let c1 = r.commit_on(&[], &[(A, text(&base_case()))], "Add a", ALICE, 1);
    let c2 = r.commit_on(
        &[c1],
        &[(A, Some("UseCase(".to_owned()))],
        "Break a",
        ALICE,
        2,
    );
    let c3 = r.commit_on(&[c2], &[(A, text(&base_case()))], "Fix a", ALICE, 3);
    r.set_head(c3);
    let h = r.history(A);
    assert_eq!(h.len(), 3);
    assert_eq!(h[0].changes.len(), 1);
    assert_eq!(h[0].changes[0].field, "parse_error");
    assert!(h[0].changes[0].to.is_none());
    assert!(matches!(h[1].changes[0].to, FieldValue::Text(_)));
}

// ---------------------------------------------------------------------------
// Renames
// ---------------------------------------------------------------------------

#[test]
fn follows_a_rename_with_the_same_content() {
    let r = Repo::new();
    let mut u = base_case();
    let c1 = r.commit_on(&[], &[(A, text(&u))], "Add a", ALICE, 1);
    u.stage = Stage::Collect;
    let c2 = r.commit_on(&[c1], &[(A, text(&u))], "Collect a", BOB, 2);
    let c3 = r.commit_on(&[c2], &[(OTHER, text(&base_case()))], "Unrelated", BOB, 3);
    let c4 = r.commit_on(
        &[c3],
        &[(A, None), (B, text(&u))],
        "Rename a to b",
        ALICE,
        4,
    );
    u.notes = "Renamed.".to_owned();
    let c5 = r.commit_on(&[c4], &[(B, text(&u))], "Notes for b", BOB, 5);
    r.set_head(c5);

    let h = r.history(B);
    assert_eq!(ids(&h), oids(&[c5, c4, c2, c1]));
    assert_eq!(
        h[1].changes,
        vec![FieldChange::new("id", name("a"), name("b"))]
    );
    assert_eq!(
        h[2].changes,
        vec![FieldChange::new("stage", name("Identify"), name("Collect"))]
    );
    assert_eq!(
        h[3].changes,
        vec![FieldChange::new("id", FieldValue::None, name("a"))]
    );

    // The old id's history ends with its removal.
    let old = r.history(A);
    assert_eq!(ids(&old), oids(&[c4, c2, c1]));
    assert_eq!(
        old[0].changes,
        vec![FieldChange::new("id", name("a"), FieldValue::None)]
    );
}

#[test]
fn follows_a_rename_with_changes_by_title() {
    let r = Repo::new();
    let u = base_case();
    let mut decoy = base_case();
    decoy.title = "Something else".to_owned();
    let c1 = r.commit_on(
        &[],
        &[(A, text(&u)), ("state/use-cases/decoy.ron", text(&decoy))],
        "Add a",
        ALICE,
        1,
    );
    let mut moved = u.clone();
    moved.stage = Stage::Collect;
    // Both files go in one commit; only the one with the same title is a
    // rename source.
    let c2 = r.commit_on(
        &[c1],
        &[
            (A, None),
            ("state/use-cases/decoy.ron", None),
            (B, text(&moved)),
        ],
        "Rename a to b and move it",
        BOB,
        2,
    );
    r.set_head(c2);
    let h = r.history(B);
    assert_eq!(ids(&h), oids(&[c2, c1]));
    assert_eq!(
        h[0].changes,
        vec![
            FieldChange::new("id", name("a"), name("b")),
            FieldChange::new("stage", name("Identify"), name("Collect")),
        ]
    );
}

// ---------------------------------------------------------------------------
// Merges
// ---------------------------------------------------------------------------

#[test]
fn merges_are_listed_only_when_they_differ_from_every_parent() {
    let r = Repo::new();
    let u0 = base_case();
    let c1 = r.commit_on(&[], &[(A, text(&u0))], "Add a", ALICE, 1);

    // Two branches change different fields; the merge combines them, so its
    // blob differs from both parents: listed.
    let mut on_main = u0.clone();
    on_main.stage = Stage::Collect;
    let m1 = r.commit_on(&[c1], &[(A, text(&on_main))], "Main: stage", ALICE, 2);
    let mut on_feat = u0.clone();
    on_feat.notes = "From the branch.".to_owned();
    let f1 = r.commit_on(&[c1], &[(A, text(&on_feat))], "Feat: notes", BOB, 3);
    let f2 = r.commit_on(&[f1], &[(OTHER, text(&u0))], "Feat: other file", BOB, 4);
    let mut both = on_main.clone();
    both.notes = on_feat.notes.clone();
    let merge1 = r.commit_on(&[m1, f2], &[(A, text(&both))], "Merge feat", ALICE, 5);

    // The branch touches only another file, main changes a: the merge's blob
    // equals the first parent's: not listed.
    let g1 = r.commit_on(&[merge1], &[(OTHER, None)], "Feat2: drop other", BOB, 6);
    let mut u = both.clone();
    u.team = "Legal Ops".to_owned();
    let m2 = r.commit_on(&[merge1], &[(A, text(&u))], "Main: team", ALICE, 7);
    let merge2 = r.commit_on(&[m2, g1], &[], "Merge feat2", ALICE, 8);

    // The branch changes a, main does not: the merge takes the branch's
    // blob, equal to the second parent's: not listed, the branch commit is.
    u.risk = ripen::model::Risk::High;
    let h1 = r.commit_on(&[merge2], &[(A, text(&u))], "Feat3: risk", BOB, 9);
    let merge3 = r.commit_on(&[merge2, h1], &[(A, text(&u))], "Merge feat3", ALICE, 10);

    // A branch whose change the merge discards (`-s ours`): neither the merge
    // nor the discarded commit is listed, as in `git log -- <path>`.
    let mut discarded = u.clone();
    discarded.summary = "Discarded.".to_owned();
    let k1 = r.commit_on(
        &[merge3],
        &[(A, text(&discarded))],
        "Feat4: summary",
        BOB,
        11,
    );
    let merge4 = r.commit_on(&[merge3, k1], &[], "Merge feat4 (ours)", ALICE, 12);
    r.set_head(merge4);

    let h = r.history(A);
    assert_eq!(ids(&h), oids(&[h1, m2, merge1, f1, m1, c1]));
    if let Some(log) = git_log(r.root(), A) {
        assert_eq!(ids(&h), log, "same commits as git log");
    }
    // The merge's changes are taken against its first parent.
    assert_eq!(
        h[2].changes,
        vec![FieldChange::new(
            "notes",
            FieldValue::Text(u0.notes.clone()),
            FieldValue::Text("From the branch.".to_owned())
        )]
    );
    assert_eq!(
        h[0].changes,
        vec![FieldChange::new("risk", name("Limited"), name("High"))]
    );
}

#[test]
fn a_rename_on_a_branch_is_followed_through_the_merge() {
    let r = Repo::new();
    let mut u = base_case();
    let c1 = r.commit_on(&[], &[(A, text(&u))], "Add a", ALICE, 1);
    u.stage = Stage::Collect;
    let c2 = r.commit_on(&[c1], &[(A, text(&u))], "Collect a", ALICE, 2);
    let m1 = r.commit_on(
        &[c2],
        &[(OTHER, text(&base_case()))],
        "Main: other",
        ALICE,
        3,
    );
    let f1 = r.commit_on(&[c2], &[(A, None), (B, text(&u))], "Feat: rename", BOB, 4);
    let merge = r.commit_on(
        &[m1, f1],
        &[(A, None), (B, text(&u))],
        "Merge rename",
        ALICE,
        5,
    );
    r.set_head(merge);
    let h = r.history(B);
    // The merge differs from its first parent (no b there) but equals the
    // second: not listed; the rename is.
    assert_eq!(ids(&h), oids(&[f1, c2, c1]));
}

// ---------------------------------------------------------------------------
// Through the library's front door and the binary
// ---------------------------------------------------------------------------

#[test]
fn use_case_history_by_id_and_revision() {
    let (r, touching) = linear();
    let state = r.root().join("state");
    let id = UseCaseId::new("a").unwrap();
    let h = use_case_history(&state, &id, "HEAD").unwrap();
    assert_eq!(ids(&h), oids(&touching));
    // From an older revision: only what was reachable then.
    let h = use_case_history(&state, &id, &touching[3].to_string()).unwrap();
    assert_eq!(ids(&h), oids(&touching[3..]));
    assert!(use_case_history(&state, &id, "nope").is_err());
}

/// A history rewritten under an existing index (as `git rebase` or
/// `git commit --amend` leave it): the index must not make the old
/// commits' facts leak into the new history.
#[test]
fn a_rewritten_history_gives_the_same_history_as_without_the_index() {
    let (r, touching) = linear();
    let state = r.root().join("state");
    let id = UseCaseId::new("a").unwrap();
    let before = use_case_history(&state, &id, "HEAD").unwrap();
    assert_eq!(ids(&before), oids(&touching));
    assert!(r.index_file().is_file());

    // Rewrite from the second commit on: the same changes, one more change
    // of `a` in the middle, other messages and times.
    let walk = {
        let mut w = r.repo.revwalk().unwrap();
        w.push_head().unwrap();
        w.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
            .unwrap();
        w.map(Result::unwrap).collect::<Vec<Oid>>()
    };
    let mut parent = walk[0];
    for (k, old) in walk.iter().enumerate().skip(1) {
        let old = r.repo.find_commit(*old).unwrap();
        let tree = old.tree().unwrap();
        let files: Vec<(String, Option<String>)> = [A, B, OTHER, "state/register.ron"]
            .iter()
            .map(|p| {
                let content = tree.get_path(Path::new(p)).ok().map(|e| {
                    let blob = r.repo.find_blob(e.id()).unwrap();
                    String::from_utf8(blob.content().to_vec()).unwrap()
                });
                ((*p).to_owned(), content)
            })
            .collect();
        let files: Vec<(&str, Option<String>)> =
            files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect();
        let message = format!("Rewritten: {}", old.summary().unwrap().unwrap_or(""));
        parent = r.commit_on(&[parent], &files, &message, BOB, 100 + k as i64);
        if k == 2 {
            let mut u = base_case();
            u.title = "Changed while rewriting".to_owned();
            parent = r.commit_on(&[parent], &[(A, text(&u))], "Extra", ALICE, 200);
        }
    }
    r.set_head(parent);
    let plain = file_history(&r.repo, parent, A).unwrap();
    assert!(plain.iter().any(|e| e.summary == "Extra"));
    assert!(plain.iter().any(|e| e.summary.starts_with("Rewritten: ")));
    let indexed = use_case_history(&state, &id, "HEAD").unwrap();
    assert_eq!(indexed, plain);
    // Once more, with the index now holding both histories.
    assert_eq!(use_case_history(&state, &id, "HEAD").unwrap(), plain);
    // And the old history, still reachable by its id, is unchanged.
    let old = use_case_history(&state, &id, &touching[0].to_string()).unwrap();
    assert_eq!(old, before);
}

#[test]
fn a_damaged_history_index_is_ignored_and_rebuilt() {
    let (r, _) = linear();
    let state = r.root().join("state");
    let id = UseCaseId::new("a").unwrap();
    let expected = r.history(A);
    let good = std::fs::read(r.index_file()).unwrap();
    let mut damaged = vec![
        Vec::new(),
        b"garbage".to_vec(),
        good[..good.len() / 2].to_vec(),
    ];
    for at in [2, good.len() / 2, good.len() - 3] {
        let mut b = good.clone();
        b[at] ^= 0x41;
        damaged.push(b);
    }
    for bytes in damaged {
        std::fs::write(r.index_file(), &bytes).unwrap();
        assert_eq!(use_case_history(&state, &id, "HEAD").unwrap(), expected);
        assert_eq!(std::fs::read(r.index_file()).unwrap(), good, "not rebuilt");
    }
    // A git directory where the index cannot be written: no error.
    std::fs::remove_file(r.index_file()).unwrap();
    std::fs::create_dir_all(r.index_file().join("taken")).unwrap();
    assert_eq!(use_case_history(&state, &id, "HEAD").unwrap(), expected);
}

fn ripen(root: &Path, args: &[&str]) -> Run {
    support::run::ripen(args)
        .cwd(root)
        .state(&root.join("state"))
        .run()
}

#[test]
fn cli_json_shape() {
    let (r, touching) = linear();
    let out = ripen(r.root(), &["history", "a", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 8);
    for e in entries {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(
            keys,
            vec![
                "author",
                "body",
                "changes",
                "commit",
                "email",
                "signature",
                "summary",
                "time"
            ]
        );
        // Each commit's signature, in `ripen verify`'s words.
        assert_eq!(e["signature"]["state"], json!("unsigned"));
        for c in e["changes"].as_array().unwrap() {
            let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, vec!["field", "from", "to"]);
        }
    }
    assert_eq!(entries[0]["commit"], json!(touching[0].to_string()));
    assert_eq!(entries[0]["author"], json!("Bob Baker"));
    assert_eq!(entries[0]["email"], json!("bob@example.com"));
    // T0 + 11 minutes, at +02:00.
    assert_eq!(entries[0]["time"], json!("2023-11-15T00:24:20+02:00"));
    assert_eq!(entries[7]["time"], json!("2023-11-14T22:14:20Z"));
    assert_eq!(entries[0]["summary"], json!("Notes for a"));
    assert_eq!(entries[0]["body"], json!(""));
    assert_eq!(
        entries[0]["changes"][0],
        json!({"field": "targets.accuracy", "from": 0.9, "to": null})
    );
    assert_eq!(
        entries[5]["changes"],
        json!([{
            "field": "measurements",
            "from": null,
            "to": {
                "date": "2026-03-31", "accuracy": 0.8, "consistency": 0.7,
                "p95_latency_ms": 900, "cost_per_1k_usd": 2.5,
                "satisfaction": 4.0, "source": "eval"
            }
        }])
    );
    assert_eq!(
        entries[7]["changes"],
        json!([{"field": "id", "from": null, "to": "a"}])
    );
}

#[test]
fn cli_text() {
    let (r, touching) = linear();
    let out = ripen(r.root(), &["history", "a"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let short = |k: usize| touching[k].to_string()[..7].to_owned();
    let expected_start = format!(
        "{}  2023-11-15 00:24 +02:00  Bob Baker <bob@example.com>  [unsigned]\n  Notes for a\n    targets.accuracy: 0.9 -> none\n",
        short(0)
    );
    assert!(out.stdout.starts_with(&expected_start), "{}", out.stdout);
    assert!(out.stdout.contains(&format!(
        "{}  2023-11-15 00:16 +02:00  Bob Baker <bob@example.com>  [unsigned]\n  Move a to Collect\n    stage: Identify -> Collect\n",
        short(6)
    )));
    assert!(
        out.stdout
            .contains("  Reformat a\n    (no field changed: formatting only)\n")
    );
    assert!(
        out.stdout.ends_with(
            "  Add contract review\n  First use case of the register.\n    created as a\n"
        )
    );
    let blocks = out.stdout.split("\n\n").count();
    assert_eq!(blocks, 8);
    // Piped output is never cut: the long notes are there whole.
    assert!(!out.stdout.contains('…'), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("review the risk tier, then run `ripen validate`.\""),
        "{}",
        out.stdout
    );
}

#[test]
fn cli_errors() {
    let (r, _) = linear();
    let out = ripen(r.root(), &["history", "zzz"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no use case `zzz`"), "{}", out.stderr);

    let out = ripen(r.root(), &["history", "a", "--rev", "no-such-rev"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("revision `no-such-rev` not found"),
        "{}",
        out.stderr
    );

    let out = ripen(r.root(), &["history", "Not An Id"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid use-case id"), "{}", out.stderr);
}

#[test]
fn walks_a_long_history() {
    // 2,000 commits, one in ten touching the file (its speed is measured by
    // the `issue_10k` benchmarks, not here).
    let r = Repo::new();
    let mut u = base_case();
    let mut head = r.commit_on(&[], &[(A, text(&u))], "Add a", ALICE, 0);
    let mut expected = 1;
    for i in 1..2000i64 {
        if i % 10 == 0 {
            u.profile.daily_volume = i as u64;
            head = r.commit_on(&[head], &[(A, text(&u))], "Volume", ALICE, i);
            expected += 1;
        } else {
            let content = Some(format!("// {i}\n"));
            head = r.commit_on(&[head], &[("notes.txt", content)], "Other", BOB, i);
        }
    }
    r.set_head(head);
    let h = r.history(A);
    assert_eq!(h.len(), expected);
    if let Some(log) = git_log(r.root(), A) {
        assert_eq!(ids(&h), log, "same commits as git log");
    }
}

#[test]
fn cli_shows_the_whole_message_justification_override_and_trailers() {
    let r = Repo::new();
    let mut u = base_case();
    let first = r.commit_on(&[], &[(A, text(&u))], "Add a", ALICE, 0);
    u.stage = Stage::FineTune;
    let message = "a: stage Identify -> FineTune\n\nThe pilot plateaued at 0.83 for a quarter.\n\nReadiness override: moved to FineTune although data: 200 curated examples (min 1000).\n\nSigned-off-by: Bob Baker <bob@example.com>\n";
    let second = r.commit_on(&[first], &[(A, text(&u))], message, BOB, 1);
    r.set_head(second);

    let out = ripen(r.root(), &["history", "a"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected = "  a: stage Identify -> FineTune\n  The pilot plateaued at 0.83 for a quarter.\n  Readiness override: moved to FineTune although data: 200 curated examples (min 1000).\n  Signed-off-by: Bob Baker <bob@example.com>\n    stage: Identify -> FineTune\n";
    assert!(out.stdout.contains(expected), "{}", out.stdout);

    let out = ripen(r.root(), &["history", "a", "--format", "json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v[0]["body"],
        json!(
            "The pilot plateaued at 0.83 for a quarter.\n\nReadiness override: moved to FineTune although data: 200 curated examples (min 1000).\n\nSigned-off-by: Bob Baker <bob@example.com>"
        )
    );
    assert_eq!(v[1]["body"], json!(""));
}

/// In a shallow clone the oldest commit present has no parents in the
/// clone: it is where the clone starts, not where the use case was
/// created, and the history says so.
#[test]
fn a_shallow_clone_boundary_is_not_shown_as_the_creator() {
    let src = tempfile::tempdir().unwrap();
    let repo = Repository::init(src.path()).unwrap();
    let sig = |n: i64| support::repo::signature("Ada", "ada@example.com", 1_760_000_000 + n * 60);
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-good");
    let case = std::fs::read_to_string(good.join("invoice-triage.ron")).unwrap();
    let mut parent: Option<Oid> = None;
    for (n, title) in ["Invoice triage", "Invoice triage v2", "Invoice triage v3"]
        .iter()
        .enumerate()
    {
        let text = case.replace("Invoice triage", title);
        let mut index = git2::Index::new().unwrap();
        if let Some(p) = parent {
            index
                .read_tree(&repo.find_commit(p).unwrap().tree().unwrap())
                .unwrap();
        }
        for (path, bytes) in [
            (
                "state/register.ron".to_owned(),
                std::fs::read(good.join("register.ron")).unwrap(),
            ),
            (
                "state/policy.ron".to_owned(),
                std::fs::read(good.join("policy.ron")).unwrap(),
            ),
            (
                "state/use-cases/invoice-triage.ron".to_owned(),
                text.into_bytes(),
            ),
        ] {
            let blob = repo.blob(&bytes).unwrap();
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: bytes.len() as u32,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: path.into_bytes(),
            };
            index.add(&entry).unwrap();
        }
        let tree = repo.find_tree(index.write_tree_to(&repo).unwrap()).unwrap();
        let parents: Vec<git2::Commit<'_>> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        parent = Some(
            repo.commit(
                Some("HEAD"),
                &sig(n as i64),
                &sig(n as i64),
                &format!("Step {n}"),
                &tree,
                &refs,
            )
            .unwrap(),
        );
    }
    let clone = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "2"])
        .arg(format!("file://{}", src.path().display()))
        .arg(clone.path().join("c"))
        .status()
        .expect("git is needed to make a shallow clone");
    assert!(status.success());
    let state = clone.path().join("c/state");
    let id = ripen::model::UseCaseId::new("invoice-triage").unwrap();
    let history = use_case_history(&state, &id, "HEAD").unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    let boundary = &history[1];
    assert_eq!(boundary.summary, "Step 1");
    assert_eq!(boundary.changes.len(), 1, "{:?}", boundary.changes);
    assert_eq!(boundary.changes[0].field, ripen::diff::SHALLOW_BOUNDARY);
    // The full repository shows the real creation.
    let full = use_case_history(&src.path().join("state"), &id, "HEAD").unwrap();
    assert_eq!(full[2].changes[0].describe(), "created as invoice-triage");
    // The command line says so.
    let out = support::run::ripen(&[])
        .state(&state)
        .args(&["history", "invoice-triage"])
        .output();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("shallow clone: earlier history of invoice-triage is not here"),
        "{text}"
    );
    assert!(!text.contains("created as"), "{text}");
}

/// Random histories with branches and merges of every kind (a merge that
/// keeps one side's file, takes the other's, or writes its own): the walk
/// goes down lines by itself and hands merges to a revision walk, and must
/// list exactly what `git log -- <path>` lists, in its order, with and
/// without the history index.
#[test]
fn random_histories_with_merges_list_what_git_log_lists() {
    if git_log(Path::new("."), A).is_none() {
        eprintln!("skipped: no git binary to compare with");
        return;
    }
    for seed in 0..40u64 {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        let r = Repo::new();
        let mut version = 0;
        let mut content = |u: &mut UseCase| {
            version += 1;
            u.notes = format!("Version {version}.");
            text(u)
        };
        let mut u = base_case();
        let mut minute = 0;
        let root = r.commit_on(
            &[],
            &[(A, content(&mut u)), (OTHER, text(&base_case()))],
            "Add",
            ALICE,
            minute,
        );
        let mut tips = vec![root];
        for _ in 0..40 {
            minute += 1;
            match next(5) {
                0 if tips.len() > 1 => {
                    let i = next(tips.len());
                    let j = (i + 1 + next(tips.len() - 1)) % tips.len();
                    let theirs = r.repo.find_commit(tips[j]).unwrap().tree().unwrap();
                    let their_a = theirs.get_path(Path::new(A)).ok().map(|e| {
                        let blob = r.repo.find_blob(e.id()).unwrap();
                        String::from_utf8(blob.content().to_vec()).unwrap()
                    });
                    let files = match next(3) {
                        0 => vec![],                     // keeps ours
                        1 => vec![(A, their_a)],         // takes theirs
                        _ => vec![(A, content(&mut u))], // its own
                    };
                    let merge = r.commit_on(&[tips[i], tips[j]], &files, "Merge", ALICE, minute);
                    tips[i] = merge;
                    tips.remove(j);
                }
                1 if tips.len() < 4 => tips.push(tips[next(tips.len())]),
                k => {
                    let t = next(tips.len());
                    let files = if k % 2 == 0 {
                        vec![(A, content(&mut u))]
                    } else {
                        vec![(OTHER, Some(format!("// {minute}\n")))]
                    };
                    tips[t] = r.commit_on(&[tips[t]], &files, "Change", BOB, minute);
                }
            }
        }
        while tips.len() > 1 {
            minute += 1;
            let last = tips.pop().unwrap();
            tips[0] = r.commit_on(&[tips[0], last], &[], "Merge", ALICE, minute);
        }
        r.set_head(tips[0]);
        let h = r.history(A);
        assert_eq!(
            Some(ids(&h)),
            git_log(r.root(), A),
            "seed {seed}: same commits as git log, in its order"
        );
    }
}
