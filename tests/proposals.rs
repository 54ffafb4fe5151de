//! Proposals: branches that change the register, listed and accepted with
//! `ripen::git::proposals` against real repositories.
//!
//! Every test builds its own repository in a temporary directory with a
//! repository-local identity and fixed signatures and times for the commits
//! it makes itself. The user's global and system git configuration is hidden
//! from libgit2 for the whole test binary (see [`hermetic`]).
//!
//! Refusals are checked by what the user would notice: the error, and that
//! the repository is exactly as before (HEAD, every ref, the index file's
//! bytes, every working-tree file, and the files at the top of `.git`).

mod repo_state;

use repo_state::Observed;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use git2::{
    ConfigLevel, IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature, StatusOptions,
    Time, Tree, build::CheckoutBuilder,
};
use ripen::diff::{FieldChange, FieldValue, Status};
use ripen::git::proposals::{self, AcceptError, Accepted, Proposal};
use ripen::model::{Date, Policy, Settings, Stage, UseCase, canonical};
use ripen::register::Severity;
use serde_json::{Value, json};

const NAME: &str = "Rita Register";
const EMAIL: &str = "rita@example.com";
const T0: i64 = 1_700_000_000;
const CLAIMS: &str = "state/use-cases/claims-triage.ron";
const INVOICES: &str = "state/use-cases/invoices.ron";
const BRANCH: &str = "team/claims-update";

/// Hides every configuration file outside the repository from libgit2, once,
/// before any test touches git (see tests/commit.rs for why this way).
fn hermetic() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let empty = tempfile::tempdir().expect("temp dir").keep();
        for level in [
            ConfigLevel::Global,
            ConfigLevel::XDG,
            ConfigLevel::System,
            ConfigLevel::ProgramData,
        ] {
            // SAFETY: runs once, before any other libgit2 call in this
            // process (every test calls `hermetic` first and waits on ONCE).
            unsafe { git2::opts::set_search_path(level, empty.as_path()) }
                .expect("set search path");
        }
    });
}

fn as_of() -> Date {
    Date::parse("2026-10-15").unwrap()
}

fn today() -> Date {
    Date::parse("2026-01-01").unwrap()
}

/// Who makes a commit: name and e-mail.
#[derive(Clone, Copy)]
struct Who(&'static str, &'static str);

const ALICE: Who = Who("Alice Archer", "alice@example.com");
const BOB: Who = Who("Bob Baker", "bob@example.com");
const SEED: Who = Who("Seed Author", "seed@example.com");

fn case(title: &str) -> UseCase {
    UseCase::scaffold(title, "owner@example.com", "Claims")
}

fn text(u: &UseCase) -> String {
    canonical::use_case(u)
}

/// Returns `base` with `path` set to `blob` (with `mode`), or removed when
/// `None`; `None` when the result is empty.
fn put(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    path: &[&str],
    blob: Option<(Oid, i32)>,
) -> Option<Oid> {
    let mut b = repo.treebuilder(base).unwrap();
    if let [name] = path {
        match blob {
            Some((id, mode)) => {
                b.insert(name, id, mode).unwrap();
            }
            None => {
                let _ = b.remove(name);
            }
        }
    } else {
        let sub = base
            .and_then(|t| t.get_name(path[0]))
            .map(|e| repo.find_tree(e.id()).unwrap());
        match put(repo, sub.as_ref(), &path[1..], blob) {
            Some(id) => {
                b.insert(path[0], id, 0o040000).unwrap();
            }
            None => {
                let _ = b.remove(path[0]);
            }
        }
    }
    (!b.is_empty()).then(|| b.write().unwrap())
}

/// A file of a commit: its path, and its content and mode (`None` to delete).
type RawFile<'a> = (&'a str, Option<(Vec<u8>, i32)>);

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: PathBuf,
    repo: Repository,
}

impl Fixture {
    /// `main` with README.md and a register of two use cases,
    /// `claims-triage` and `invoices`, committed and checked out.
    fn new() -> Fixture {
        Fixture::build(true)
    }

    fn build(identity: bool) -> Fixture {
        hermetic();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(&root, &opts).unwrap();
        if identity {
            let mut config = repo.config().unwrap();
            config.set_str("user.name", NAME).unwrap();
            config.set_str("user.email", EMAIL).unwrap();
        }
        let state = root.join("state");
        fs::create_dir_all(state.join("use-cases")).unwrap();
        fs::write(root.join("README.md"), "# Register\n").unwrap();
        fs::write(
            state.join("register.ron"),
            canonical::settings(&Settings::new("Test register")),
        )
        .unwrap();
        fs::write(
            state.join("policy.ron"),
            canonical::policy(&Policy::default()),
        )
        .unwrap();
        fs::write(root.join(CLAIMS), text(&case("Claims triage"))).unwrap();
        fs::write(root.join(INVOICES), text(&case("Invoice extraction"))).unwrap();
        let fx = Fixture {
            _dir: dir,
            root,
            state,
            repo,
        };
        {
            let mut index = fx.repo.index().unwrap();
            index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
            index.write().unwrap();
            let tree = fx.repo.find_tree(index.write_tree().unwrap()).unwrap();
            let sig = signature(SEED, 0);
            fx.repo
                .commit(Some("HEAD"), &sig, &sig, "Seed the register", &tree, &[])
                .unwrap();
        }
        fx
    }

    fn head(&self) -> Oid {
        self.repo.head().unwrap().peel_to_commit().unwrap().id()
    }

    /// A commit on `parent` with `files` changed (content, or `None` to
    /// delete), by `who` at `T0 + minute * 60`. Moves no branch.
    fn commit_on(
        &self,
        parent: Oid,
        files: &[(&str, Option<&str>)],
        message: &str,
        who: Who,
        minute: i64,
    ) -> Oid {
        let raw: Vec<RawFile<'_>> = files
            .iter()
            .map(|(p, c)| (*p, c.map(|c| (c.as_bytes().to_vec(), 0o100644))))
            .collect();
        self.commit_raw(parent, &raw, message, who, minute)
    }

    fn commit_raw(
        &self,
        parent: Oid,
        files: &[RawFile<'_>],
        message: &str,
        who: Who,
        minute: i64,
    ) -> Oid {
        let repo = &self.repo;
        let parent = repo.find_commit(parent).unwrap();
        let mut tree_id = Some(parent.tree_id());
        for (path, content) in files {
            let blob = content
                .as_ref()
                .map(|(c, mode)| (repo.blob(c).unwrap(), *mode));
            let base = tree_id.map(|id| repo.find_tree(id).unwrap());
            let parts: Vec<&str> = path.split('/').collect();
            tree_id = put(repo, base.as_ref(), &parts, blob);
        }
        let tree = repo.find_tree(tree_id.unwrap()).unwrap();
        let sig = signature(who, minute);
        repo.commit(None, &sig, &sig, message, &tree, &[&parent])
            .unwrap()
    }

    /// Points branch `name` (`refs/heads/<name>`) at `id`.
    fn branch(&self, name: &str, id: Oid) {
        self.repo
            .reference(&format!("refs/heads/{name}"), id, true, "test")
            .unwrap();
    }

    /// Moves `main` to `id` and checks it out (working tree and index).
    fn advance_main(&self, id: Oid) {
        self.branch("main", id);
        self.repo
            .checkout_head(Some(CheckoutBuilder::new().force()))
            .unwrap();
    }

    /// A branch `team/claims-update` of two commits on HEAD: Alice moves
    /// claims-triage to Collect, then Bob sets its curated examples.
    fn claims_update(&self) -> Oid {
        let mut u = case("Claims triage");
        u.stage = Stage::Collect;
        let first = self.commit_on(
            self.head(),
            &[(CLAIMS, Some(&text(&u)))],
            "Move claims triage to Collect",
            ALICE,
            10,
        );
        u.profile.curated_examples = 500;
        let second = self.commit_on(
            first,
            &[(CLAIMS, Some(&text(&u)))],
            "Count the curated examples",
            BOB,
            20,
        );
        self.branch(BRANCH, second);
        second
    }

    fn list(&self) -> Vec<Proposal> {
        proposals::list(&self.state, Some(as_of()), today()).unwrap()
    }

    fn accept(&self, branch: &str, tip: Oid) -> Result<Accepted, AcceptError> {
        proposals::accept(&self.state, branch, tip, Some(as_of()), today())
    }

    fn read(&self, repo_rel: &str) -> Option<Vec<u8>> {
        fs::read(self.root.join(repo_rel)).ok()
    }

    /// The blob at `path` in commit `id`'s tree.
    fn blob_at(&self, id: Oid, path: &str) -> Option<Vec<u8>> {
        let tree = self.repo.find_commit(id).unwrap().tree().unwrap();
        let entry = tree.get_path(Path::new(path)).ok()?;
        Some(self.repo.find_blob(entry.id()).unwrap().content().to_vec())
    }

    /// Every status entry (untracked included): empty when clean.
    fn statuses(&self) -> Vec<String> {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true).recurse_untracked_dirs(true);
        let repo = Repository::open(&self.root).unwrap();
        let statuses = repo.statuses(Some(&mut opts)).unwrap();
        statuses
            .iter()
            .map(|s| format!("{:?} {}", s.status(), s.path().unwrap()))
            .collect()
    }

    /// The index entry's blob for `path`.
    fn index_blob(&self, path: &str) -> Option<Oid> {
        let repo = Repository::open(&self.root).unwrap();
        let index = repo.index().unwrap();
        index.get_path(Path::new(path), 0).map(|e| e.id)
    }

    /// Everything a refusal must leave alone.
    fn observe(&self) -> Observed {
        repo_state::observe(&self.repo, &self.root)
    }
}

fn signature(who: Who, minute: i64) -> Signature<'static> {
    Signature::new(who.0, who.1, &Time::new(T0 + minute * 60, 0)).unwrap()
}

fn name(s: &str) -> FieldValue {
    FieldValue::Name(s.to_owned())
}

fn branches(list: &[Proposal]) -> Vec<&str> {
    list.iter().map(|p| p.branch.as_str()).collect()
}

/// Runs accept, expects a refusal, and checks that nothing changed.
fn refused(fx: &Fixture, branch: &str, tip: Oid) -> AcceptError {
    let before = fx.observe();
    let err = fx
        .accept(branch, tip)
        .expect_err("accepting should be refused");
    assert_eq!(fx.observe(), before, "a refusal changed the repository");
    // The preview refuses the same way.
    let preview = proposals::preview(&fx.state, branch, Some(as_of()), today());
    assert!(preview.is_err(), "preview accepted what accept refused");
    assert_eq!(fx.observe(), before, "a preview changed the repository");
    err
}

// ---------------------------------------------------------------- listing

#[test]
fn a_valid_proposal_is_listed_with_its_diff() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    let list = fx.list();
    assert_eq!(branches(&list), vec![BRANCH]);
    let p = &list[0];
    assert_eq!(p.reference, "refs/heads/team/claims-update");
    assert_eq!(p.commits, 2);
    assert_eq!(
        p.authors,
        vec![
            "Bob Baker <bob@example.com>".to_owned(),
            "Alice Archer <alice@example.com>".to_owned()
        ]
    );
    assert_eq!(p.last_commit_time.timestamp(), T0 + 20 * 60);
    assert!(p.valid, "{:?}", p.diagnostics);
    assert_eq!(p.errors(), 0);
    assert!(p.mergeable);
    assert_eq!(p.files_outside_state, 0);
    assert_eq!(p.tip, tip);
    assert_eq!(p.base, fx.head());
    assert_eq!(p.changes.as_of.before, as_of());
    assert_eq!(p.changes.as_of.after, as_of());
    assert!(p.changes.settings.is_empty() && p.changes.policy.is_empty());
    assert_eq!(p.changes.use_cases.len(), 1);
    let u = &p.changes.use_cases[0];
    assert_eq!(u.id, "claims-triage");
    assert_eq!(u.status, Status::Changed);
    assert_eq!(
        u.changes,
        vec![
            FieldChange::new("stage", name("Identify"), name("Collect")),
            FieldChange::new(
                "profile.curated_examples",
                FieldValue::Int(0),
                FieldValue::Int(500)
            ),
        ]
    );
}

#[test]
fn an_invalid_proposal_is_listed_with_its_diagnostics() {
    let fx = Fixture::new();
    let broken = "(\n    title: 42,\n)\n";
    let tip = fx.commit_on(
        fx.head(),
        &[(CLAIMS, Some(broken))],
        "Break claims triage",
        ALICE,
        10,
    );
    fx.branch("team/broken", tip);
    let list = fx.list();
    assert_eq!(branches(&list), vec!["team/broken"]);
    let p = &list[0];
    assert!(!p.valid);
    assert!(p.errors() >= 1);
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .unwrap();
    assert_eq!(d.file, "team/broken:state/use-cases/claims-triage.ron");
    // On the line of the bad value, past its indentation (the exact
    // column is the parser's business).
    assert_eq!(d.line, 2, "{d}");
    assert!(d.column > 4, "{d}");
    // The broken use case is not "removed": its file changed and does not
    // load, and the diff says so.
    let u = &p.changes.use_cases[0];
    assert_eq!(u.id, "claims-triage");
    assert_eq!(u.status, Status::Changed);
    assert_eq!(u.changes[0].field, "parse_error");
    let why = u.changes[0].to.to_string();
    assert!(
        why.contains("2:") && why.contains("expected a string"),
        "{why}"
    );
}

#[test]
fn a_conflicting_proposal_is_not_mergeable() {
    let fx = Fixture::new();
    let seed = fx.head();
    let ours = fx.commit_on(
        seed,
        &[(CLAIMS, Some(&text(&case("Claims triage, ours"))))],
        "Retitle on main",
        ALICE,
        10,
    );
    fx.advance_main(ours);
    let theirs = fx.commit_on(
        seed,
        &[(CLAIMS, Some(&text(&case("Claims triage, theirs"))))],
        "Retitle on the branch",
        BOB,
        20,
    );
    fx.branch("team/retitle", theirs);
    let list = fx.list();
    assert_eq!(branches(&list), vec!["team/retitle"]);
    assert!(list[0].valid);
    assert!(!list[0].mergeable);
    assert_eq!(list[0].base, seed);
    assert_eq!(
        list[0].changes.use_cases[0].changes,
        vec![FieldChange::new(
            "title",
            FieldValue::Text("Claims triage".into()),
            FieldValue::Text("Claims triage, theirs".into())
        )]
    );
}

#[test]
fn merged_and_code_only_branches_are_not_listed() {
    let fx = Fixture::new();
    let seed = fx.head();
    // Merged: a branch at HEAD, and one at an ancestor of HEAD.
    fx.branch("at-head", seed);
    let mut u = case("Claims triage");
    u.stage = Stage::Collect;
    let next = fx.commit_on(seed, &[(CLAIMS, Some(&text(&u)))], "Collect", ALICE, 5);
    fx.advance_main(next);
    fx.branch("old", seed);
    // Only outside the state directory.
    let code = fx.commit_on(
        next,
        &[
            ("README.md", Some("# Changed\n")),
            ("src/x.rs", Some("fn x() {}\n")),
        ],
        "Code only",
        BOB,
        10,
    );
    fx.branch("code-only", code);
    // Changes inside state/ undone later on the same branch.
    let there = fx.commit_on(next, &[(INVOICES, Some("broken"))], "Break", BOB, 11);
    let back = fx.commit_on(
        there,
        &[(INVOICES, Some(&text(&case("Invoice extraction"))))],
        "Unbreak",
        BOB,
        12,
    );
    fx.branch("round-trip", back);
    assert!(fx.list().is_empty(), "{:?}", branches(&fx.list()));
}

#[test]
fn remote_tracking_branches_are_listed() {
    let fx = Fixture::new();
    let mut u = case("Invoice extraction");
    u.stage = Stage::Collect;
    let tip = fx.commit_on(
        fx.head(),
        &[(INVOICES, Some(&text(&u)))],
        "Collect",
        BOB,
        10,
    );
    fx.repo
        .reference("refs/remotes/origin/team/invoices", tip, true, "fetch")
        .unwrap();
    fx.repo
        .reference_symbolic(
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/team/invoices",
            true,
            "test",
        )
        .unwrap();
    // A local branch with the same tip is listed too, before it.
    fx.branch("invoices", tip);
    let list = fx.list();
    assert_eq!(branches(&list), vec!["invoices", "origin/team/invoices"]);
    assert_eq!(list[1].reference, "refs/remotes/origin/team/invoices");
    assert_eq!(list[1].commits, 1);
    assert!(list[1].valid && list[1].mergeable);
    // And it can be accepted by that name.
    assert_eq!(
        fx.accept("origin/team/invoices", tip).unwrap(),
        Accepted::FastForward { to: tip }
    );
    assert!(fx.list().is_empty());
}

#[test]
fn nothing_is_listed_before_the_first_commit() {
    // HEAD without a commit: nothing to compare with, nothing listed.
    hermetic();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(dir.path(), &opts).unwrap();
    let list = proposals::list(&dir.path().join("state"), None, today()).unwrap();
    assert!(list.is_empty());
}

#[test]
fn hostile_branch_content_is_listed_without_harm() {
    let fx = Fixture::new();
    let mut u = case("Evil \u{1b}]0;pwned\u{7} title \u{202e}");
    u.notes = "\u{1b}[2J".to_owned();
    let huge = "x".repeat(1024 * 1024 + 1);
    let tip = fx.commit_on(
        fx.head(),
        &[
            (CLAIMS, Some(&text(&u))),
            ("state/use-cases/huge.ron", Some(&huge)),
            ("state/use-cases/not\u{1b}[31mred.ron", Some("(")),
            ("state/register.ron", Some("\u{0}\u{1b}garbage")),
        ],
        "Hostile",
        BOB,
        10,
    );
    fx.branch("team/hostile", tip);
    let list = fx.list();
    assert_eq!(branches(&list), vec!["team/hostile"]);
    let p = &list[0];
    assert!(!p.valid);
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.file.ends_with("huge.ron") && d.message.contains("1 MiB")),
        "{:?}",
        p.diagnostics
    );
    let err = refused(&fx, "team/hostile", tip);
    assert!(matches!(err, AcceptError::Invalid { .. }), "{err}");
    assert!(!err.to_string().contains('\u{1b}'), "{err}");

    let out = ripen(&fx.root, &["proposals"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("INVALID"), "{}", out.stdout);
    for c in ['\u{1b}', '\u{7}', '\u{202e}', '\u{0}'] {
        assert!(!out.stdout.contains(c), "raw {c:?} in {}", out.stdout);
    }
    // Piped output is never cut.
    assert!(!out.stdout.contains('…'), "{}", out.stdout);
    let out = ripen(&fx.root, &["proposals", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains('\u{1b}'));
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v[0]["valid"], json!(false));
}

// -------------------------------------------------------------- accepting

#[test]
fn accepting_by_fast_forward() {
    let fx = Fixture::new();
    let old_head = fx.head();
    let tip = fx.claims_update();
    // The branch also adds a use case and removes one.
    let tip = fx.commit_on(
        tip,
        &[
            ("state/use-cases/new-case.ron", Some(&text(&case("New")))),
            (INVOICES, None),
        ],
        "Add one, remove one",
        ALICE,
        30,
    );
    fx.branch(BRANCH, tip);
    let listed = fx.list();
    assert_eq!(listed[0].tip, tip);

    let preview = proposals::preview(&fx.state, BRANCH, Some(as_of()), today()).unwrap();
    assert!(preview.fast_forward);
    assert_eq!(preview.head, old_head);
    assert_eq!(preview.into, "refs/heads/main");
    assert_eq!(
        preview.files,
        vec![
            CLAIMS.to_owned(),
            INVOICES.to_owned(),
            "state/use-cases/new-case.ron".to_owned()
        ]
    );

    let done = fx.accept(BRANCH, listed[0].tip).unwrap();
    assert_eq!(done, Accepted::FastForward { to: tip });
    assert_eq!(fx.head(), tip);
    assert_eq!(
        fx.repo.head().unwrap().name().unwrap(),
        "refs/heads/main",
        "HEAD still on main"
    );
    for path in [CLAIMS, "state/use-cases/new-case.ron"] {
        assert_eq!(fx.read(path), fx.blob_at(tip, path), "{path}");
        let blob = fx.repo.blob(&fx.read(path).unwrap()).unwrap();
        assert_eq!(fx.index_blob(path), Some(blob), "{path}");
    }
    assert_eq!(fx.read(INVOICES), None);
    assert_eq!(fx.index_blob(INVOICES), None);
    assert_eq!(fx.statuses(), Vec::<String>::new());
    assert!(!fx.repo.path().join("index.lock").exists());
    assert!(fx.list().is_empty());
}

#[test]
fn accepting_by_merge_commit() {
    let fx = Fixture::new();
    let seed = fx.head();
    let tip = fx.claims_update();
    // main moves on with another file inside and one outside the register.
    let mut inv = case("Invoice extraction");
    inv.risk = ripen::model::Risk::High;
    let ours = fx.commit_on(
        seed,
        &[
            (INVOICES, Some(&text(&inv))),
            ("README.md", Some("# Register, v2\n")),
        ],
        "Invoices are high risk",
        ALICE,
        40,
    );
    fx.advance_main(ours);
    let listed = fx.list();
    assert_eq!(branches(&listed), vec![BRANCH]);
    assert!(listed[0].mergeable);
    assert_eq!(listed[0].base, seed);

    let done = fx.accept(BRANCH, listed[0].tip).unwrap();
    let Accepted::Merged { commit } = done else {
        panic!("expected a merge, got {done:?}")
    };
    assert_eq!(fx.head(), commit);
    let merge = fx.repo.find_commit(commit).unwrap();
    assert_eq!(merge.parent_ids().collect::<Vec<_>>(), vec![ours, tip]);
    assert_eq!(merge.author().name(), Ok(NAME));
    assert_eq!(merge.committer().email(), Ok(EMAIL));
    let message = merge.message().unwrap();
    assert_eq!(
        message.lines().next().unwrap(),
        "Accept proposal team/claims-update: 1 use case changed (claims-triage: stage: Identify -> Collect; ...)",
        "{message}"
    );
    assert!(
        message.contains("claims-triage: profile.curated_examples: 0 -> 500"),
        "{message}"
    );
    // The tree: the branch's claims-triage, main's invoices and README.
    assert_eq!(fx.blob_at(commit, CLAIMS), fx.blob_at(tip, CLAIMS));
    assert_eq!(fx.blob_at(commit, INVOICES), fx.blob_at(ours, INVOICES));
    assert_eq!(
        fx.blob_at(commit, "README.md"),
        fx.blob_at(ours, "README.md")
    );
    // The working tree and the index follow.
    assert_eq!(fx.read(CLAIMS), fx.blob_at(tip, CLAIMS));
    assert_eq!(fx.read(INVOICES), fx.blob_at(ours, INVOICES));
    assert_eq!(fx.statuses(), Vec::<String>::new());
    assert!(fx.list().is_empty());
}

#[test]
fn an_executable_bit_and_a_new_folder_are_written() {
    let fx = Fixture::new();
    let tip = fx.commit_raw(
        fx.head(),
        &[(
            "state/tools/check.sh",
            Some((b"#!/bin/sh\n".to_vec(), 0o100755)),
        )],
        "A script",
        ALICE,
        10,
    );
    // A non-register file under state/ still changes the state directory.
    fx.branch("tools", tip);
    assert_eq!(branches(&fx.list()), vec!["tools"]);
    fx.accept("tools", tip).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(fx.root.join("state/tools/check.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "{mode:o}");
    }
    assert_eq!(fx.statuses(), Vec::<String>::new());
}

// --------------------------------------------------------------- refusals

#[test]
fn refuses_an_invalid_proposal() {
    let fx = Fixture::new();
    let tip = fx.commit_on(
        fx.head(),
        &[(CLAIMS, Some("(\n    title: 42,\n)\n"))],
        "Break",
        ALICE,
        10,
    );
    fx.branch("team/broken", tip);
    let err = refused(&fx, "team/broken", tip);
    assert!(matches!(err, AcceptError::Invalid { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("team/broken does not validate"), "{msg}");
    assert!(
        msg.contains("team/broken:state/use-cases/claims-triage.ron:2:"),
        "{msg}"
    );
}

#[test]
fn refuses_a_conflicting_proposal() {
    let fx = Fixture::new();
    let seed = fx.head();
    let ours = fx.commit_on(
        seed,
        &[(CLAIMS, Some(&text(&case("Ours"))))],
        "Ours",
        ALICE,
        10,
    );
    fx.advance_main(ours);
    let theirs = fx.commit_on(
        seed,
        &[(CLAIMS, Some(&text(&case("Theirs"))))],
        "Theirs",
        BOB,
        20,
    );
    fx.branch("team/retitle", theirs);
    let err = refused(&fx, "team/retitle", theirs);
    assert!(matches!(err, AcceptError::Conflicts { .. }), "{err}");
    assert!(err.to_string().contains(CLAIMS), "{err}");
}

#[test]
fn refuses_uncommitted_changes_under_the_state_directory() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    // An edit of a file the branch does not touch.
    fs::write(fx.root.join(INVOICES), "edited\n").unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::Uncommitted { .. }), "{err}");
    assert!(err.to_string().contains(INVOICES), "{err}");
    // A staged change.
    fs::write(fx.root.join(INVOICES), text(&case("Staged"))).unwrap();
    let mut index = fx.repo.index().unwrap();
    index.add_path(Path::new(INVOICES)).unwrap();
    index.write().unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::Uncommitted { .. }), "{err}");
    // An untracked file.
    fx.repo
        .checkout_head(Some(CheckoutBuilder::new().force()))
        .unwrap();
    fs::write(fx.root.join("state/use-cases/draft.ron"), "draft").unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::Uncommitted { .. }), "{err}");
    // Changes outside the state directory do not matter.
    fs::remove_file(fx.root.join("state/use-cases/draft.ron")).unwrap();
    fs::write(fx.root.join("README.md"), "local edit\n").unwrap();
    fx.accept(BRANCH, tip).unwrap();
    assert_eq!(fx.read("README.md").unwrap(), b"local edit\n");
}

#[test]
fn refuses_with_a_detached_head() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    fx.repo.set_head_detached(fx.head()).unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::ReadOnly(_)), "{err}");
    assert!(err.to_string().contains("detached"), "{err}");
}

#[test]
fn refuses_a_proposal_that_changes_files_outside_the_state_directory() {
    let fx = Fixture::new();
    let mut u = case("Claims triage");
    u.stage = Stage::Collect;
    let tip = fx.commit_on(
        fx.head(),
        &[
            (CLAIMS, Some(&text(&u))),
            ("src/main.rs", Some("fn main() {}\n")),
        ],
        "Code and register",
        ALICE,
        10,
    );
    fx.branch("team/mixed", tip);
    let listed = fx.list();
    assert_eq!(branches(&listed), vec!["team/mixed"]);
    assert_eq!(listed[0].files_outside_state, 1);
    let err = refused(&fx, "team/mixed", tip);
    assert!(matches!(err, AcceptError::OutsideState { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("changes files outside state"), "{msg}");
    assert!(msg.contains("src/main.rs"), "{msg}");
    assert!(msg.contains("accept it with git"), "{msg}");
}

#[test]
fn refuses_when_the_tip_moved_since_listing() {
    let fx = Fixture::new();
    let listed_tip = fx.claims_update();
    assert_eq!(fx.list()[0].tip, listed_tip);
    let mut u = case("Claims triage");
    u.stage = Stage::Retired;
    let moved = fx.commit_on(listed_tip, &[(CLAIMS, Some(&text(&u)))], "Retire", BOB, 30);
    fx.branch(BRANCH, moved);
    let before = fx.observe();
    let err = fx.accept(BRANCH, listed_tip).unwrap_err();
    assert_eq!(fx.observe(), before);
    assert!(
        matches!(err, AcceptError::TipMoved { now, .. } if now == moved),
        "{err}"
    );
    assert!(
        err.to_string().contains("moved since it was listed"),
        "{err}"
    );
}

#[test]
fn refuses_other_unsafe_states() {
    // A merge in progress.
    let fx = Fixture::new();
    let tip = fx.claims_update();
    fs::write(fx.repo.path().join("MERGE_HEAD"), format!("{tip}\n")).unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::ReadOnly(_)), "{err}");
    assert!(err.to_string().contains("merge"), "{err}");
    fs::remove_file(fx.repo.path().join("MERGE_HEAD")).unwrap();

    // Another process holds the index lock: reported and left alone.
    fs::write(fx.repo.path().join("index.lock"), "").unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::Locked(_)), "{err}");
    assert!(fx.repo.path().join("index.lock").exists());
    fs::remove_file(fx.repo.path().join("index.lock")).unwrap();

    // An unknown branch, and one already merged.
    let err = refused(&fx, "no-such-branch", tip);
    assert!(matches!(err, AcceptError::UnknownBranch(_)), "{err}");
    fx.branch("old", fx.head());
    let err = refused(&fx, "old", fx.head());
    assert!(matches!(err, AcceptError::AlreadyMerged(_)), "{err}");

    // A symbolic link under the state directory.
    let link = fx.commit_raw(
        fx.head(),
        &[(
            "state/use-cases/link.ron",
            Some((b"/etc/passwd".to_vec(), 0o120000)),
        )],
        "Link",
        BOB,
        50,
    );
    fx.branch("team/link", link);
    let err = refused(&fx, "team/link", link);
    // The loader reports the link, so the branch does not validate, or
    // accepting refuses to write it: either way, refused.
    assert!(
        matches!(
            err,
            AcceptError::Invalid { .. } | AcceptError::Unsupported { .. }
        ),
        "{err}"
    );

    // No identity.
    let fx = Fixture::build(false);
    let tip = fx.claims_update();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::NoIdentity), "{err}");
}

#[test]
fn a_link_elsewhere_under_state_is_refused_unwritten() {
    let fx = Fixture::new();
    let link = fx.commit_raw(
        fx.head(),
        &[("state/docs/link", Some((b"/etc/passwd".to_vec(), 0o120000)))],
        "Link",
        BOB,
        50,
    );
    fx.branch("team/link", link);
    let err = refused(&fx, "team/link", link);
    assert!(matches!(err, AcceptError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
}

// ------------------------------------------------------------ the binary

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ripen(root: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_ripen"))
        .current_dir(root)
        .args(args)
        .arg("--state")
        .arg(root.join("state"))
        .args(["--as-of", "2026-10-15"])
        .env("NO_COLOR", "1")
        .env("HOME", root)
        .env("XDG_CONFIG_HOME", root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("RIPEN_STATE")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn cli_json_shape() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    let out = ripen(&fx.root, &["proposals", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let p = &list[0];
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "authors",
            "base",
            "branch",
            "changes",
            "commits",
            "diagnostics",
            "files_outside_state",
            "last_commit_time",
            "mergeable",
            "ref",
            "tip",
            "valid"
        ]
    );
    assert_eq!(p["branch"], json!(BRANCH));
    assert_eq!(p["ref"], json!("refs/heads/team/claims-update"));
    assert_eq!(p["commits"], json!(2));
    assert_eq!(
        p["authors"],
        json!([
            "Bob Baker <bob@example.com>",
            "Alice Archer <alice@example.com>"
        ])
    );
    assert_eq!(p["last_commit_time"], json!("2023-11-14T22:33:20Z"));
    assert_eq!(p["valid"], json!(true));
    assert_eq!(p["diagnostics"], json!([]));
    assert_eq!(p["mergeable"], json!(true));
    assert_eq!(p["tip"], json!(tip.to_string()));
    assert_eq!(p["base"], json!(fx.head().to_string()));
    assert_eq!(
        p["changes"]["as_of"],
        json!({"before": "2026-10-15", "after": "2026-10-15"})
    );
    assert_eq!(p["changes"]["use_cases"][0]["id"], json!("claims-triage"));
    assert_eq!(p["changes"]["use_cases"][0]["status"], json!("changed"));
    assert_eq!(
        p["changes"]["use_cases"][0]["changes"][0],
        json!({"field": "stage", "from": "Identify", "to": "Collect"})
    );

    // An invalid proposal's diagnostics carry positions.
    let broken = fx.commit_on(
        fx.head(),
        &[(INVOICES, Some("(\n    title: 42,\n)\n"))],
        "Break",
        ALICE,
        60,
    );
    fx.branch("team/broken", broken);
    let out = ripen(&fx.root, &["proposals", "--format", "json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let p = &v[0];
    assert_eq!(p["branch"], json!("team/broken"));
    assert_eq!(p["valid"], json!(false));
    let d = &p["diagnostics"][0];
    assert_eq!(d["severity"], json!("error"));
    assert_eq!(d["file"], json!("team/broken:state/use-cases/invoices.ron"));
    assert_eq!(d["line"], json!(2));
    assert!(d["column"].as_u64().unwrap() > 4, "{d}");
}

#[test]
fn cli_text_and_accept() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    let out = ripen(&fx.root, &["proposals"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let short = &tip.to_string()[..7];
    assert!(
        out.stdout.starts_with(&format!(
            "team/claims-update ({short})\n  2 commits by Bob Baker <bob@example.com>, Alice Archer <alice@example.com>\n  last commit 2023-11-14 22:33 +00:00\n  valid, merges cleanly\n"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("~ claims-triage\n    stage: Identify -> Collect\n"),
        "{}",
        out.stdout
    );
    // The hint names the branch, so it works when pasted; piped output is
    // never cut.
    assert!(
        out.stdout
            .contains("`ripen proposals accept team/claims-update`"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('…'), "{}", out.stdout);

    // The help documents --yes.
    let help = ripen(&fx.root, &["proposals", "accept", "--help"]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    assert!(help.stdout.contains("--yes"), "{}", help.stdout);
    assert!(
        help.stdout.contains("Without --yes, nothing is changed"),
        "{}",
        help.stdout
    );

    // Without --yes: what would happen, nothing changed, exit 0.
    let before = fx.observe();
    let out = ripen(&fx.root, &["proposals", "accept", BRANCH]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("Accepting would fast-forward main from "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Nothing was changed."),
        "{}",
        out.stdout
    );
    assert_eq!(fx.observe(), before);

    // A refusal: exit 2 with the reason, nothing changed.
    fs::write(fx.root.join(INVOICES), "edited\n").unwrap();
    let before = fx.observe();
    let out = ripen(&fx.root, &["proposals", "accept", BRANCH, "--yes"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("uncommitted changes under state"),
        "{}",
        out.stderr
    );
    assert_eq!(fx.observe(), before);
    fx.repo
        .checkout_head(Some(CheckoutBuilder::new().force()))
        .unwrap();

    // With --yes: done.
    let out = ripen(&fx.root, &["proposals", "accept", BRANCH, "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("Accepted {BRANCH}: main is now at {short}.")),
        "{}",
        out.stdout
    );
    assert_eq!(fx.head(), tip);
    assert_eq!(fx.statuses(), Vec::<String>::new());
    let out = ripen(&fx.root, &["proposals"]);
    assert!(out.stdout.starts_with("No proposals"), "{}", out.stdout);
}
