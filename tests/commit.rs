//! One change, one file, one commit: `ripen::git::commit` against real
//! repositories.
//!
//! Every test builds its own repository in a temporary directory, with a
//! fixed identity in the repository's own configuration and fixed dates for
//! the seed commits. The user's global and system git configuration is
//! hidden from libgit2 for the whole test binary (see [`hermetic`]), so a
//! machine with or without `~/.gitconfig` behaves the same.
//!
//! Refusals are checked by what the user would notice: the error, and that
//! the repository is exactly as before (HEAD, every ref, the index file's
//! bytes, every working-tree file, and the files at the top of `.git`).

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use support::observe::Observed;

use git2::{
    Delta, Diff, ObjectType, Oid, Patch, Repository, RepositoryInitOptions, Signature, Status,
    StatusOptions,
};
use ripen::change::{self, Edit};
use ripen::git::commit::{
    ChangeError, Committed, FileChange, commit_file, commit_file_expecting, head_commit,
    read_only_reason,
};
use ripen::model::{Date, Policy, Settings, Stage, UseCase, canonical};
use ripen::register::{self, Register};
use support::repo::hermetic;

const NAME: &str = "Rita Register";
const EMAIL: &str = "rita@example.com";
const A: &str = "state/use-cases/a.ron";
const B: &str = "state/use-cases/b.ron";
const A_REL: &str = "use-cases/a.ron";
const JUSTIFICATION: &str = "Enough labelled tickets to start collecting.";

/// The author of the commits the tests make themselves, at a fixed time.
fn seed_signature(seconds_later: i64) -> Signature<'static> {
    support::repo::signature(
        "Seed Author",
        "seed@example.com",
        1_700_000_000 + seconds_later,
    )
}

fn scaffold(title: &str) -> UseCase {
    UseCase::scaffold(title, "owner@example.com", "Support")
}

fn today() -> Date {
    Date::parse("2026-01-15").unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: PathBuf,
    repo: Repository,
}

enum Seed {
    /// Files written and committed.
    Committed,
    /// Files written, nothing committed (unborn `main`).
    Unborn,
}

impl Fixture {
    /// A repository with README.md and a register of two use cases, `a` and
    /// `b`, committed on `main`, with the identity in `.git/config`.
    fn new() -> Fixture {
        Fixture::build(true, Seed::Committed)
    }

    fn build(identity: bool, seed: Seed) -> Fixture {
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
        fs::write(
            state.join("use-cases/a.ron"),
            canonical::use_case(&scaffold("Ticket triage")),
        )
        .unwrap();
        fs::write(
            state.join("use-cases/b.ron"),
            canonical::use_case(&scaffold("Invoice extraction")),
        )
        .unwrap();
        let fx = Fixture {
            _dir: dir,
            root,
            state,
            repo,
        };
        if let Seed::Committed = seed {
            fx.commit_all("Seed the register", 0);
        }
        fx
    }

    /// Stages everything and commits it on HEAD with a fixed signature.
    fn commit_all(&self, message: &str, seconds_later: i64) -> Oid {
        let sig = seed_signature(seconds_later);
        support::repo::commit_paths(&self.repo, &["*"], message, &sig)
    }

    fn head(&self) -> Oid {
        self.repo.head().unwrap().peel_to_commit().unwrap().id()
    }

    fn path(&self, repo_rel: &str) -> PathBuf {
        self.root.join(repo_rel)
    }

    fn read(&self, repo_rel: &str) -> Vec<u8> {
        fs::read(self.path(repo_rel)).unwrap()
    }

    fn write(&self, repo_rel: &str, bytes: &[u8]) {
        fs::write(self.path(repo_rel), bytes).unwrap();
    }

    /// Stages the working-tree content of `repo_rel`.
    fn stage(&self, repo_rel: &str) {
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(repo_rel)).unwrap();
        index.write().unwrap();
    }

    /// Loads the register from the working tree, as the user interface does.
    fn load(&self) -> Register {
        let snapshot = ripen::store::snapshot(&self.state).unwrap();
        register::load(&snapshot, None, today())
    }

    fn index_entry(&self, repo_rel: &str) -> Option<EntryKey> {
        let mut index = self.repo.index().unwrap();
        index.read(true).unwrap();
        index.get_path(Path::new(repo_rel), 0).map(|e| key(&e))
    }

    fn status(&self, repo_rel: &str) -> Status {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true);
        let statuses = self.repo.statuses(Some(&mut opts)).unwrap();
        statuses
            .iter()
            .find(|s| s.path().ok() == Some(repo_rel))
            .map(|s| s.status())
            .unwrap_or(Status::CURRENT)
    }

    /// Everything a refusal must leave alone.
    fn observe(&self) -> Observed {
        support::observe::observe(&self.repo, &self.root)
    }
}

/// The parts of an index entry that `git status` and `git commit` use.
type EntryKey = (Oid, u32, u32, i32, u32, u32, u32);

fn key(e: &git2::IndexEntry) -> EntryKey {
    (
        e.id,
        e.mode,
        e.file_size,
        e.mtime.seconds(),
        e.mtime.nanoseconds(),
        e.ino,
        e.dev,
    )
}

/// The paths a commit changes relative to its only parent, and the lines
/// added and removed.
fn diff_against_parent(repo: &Repository, id: Oid) -> (Vec<(Delta, String)>, usize, usize) {
    let commit = repo.find_commit(id).unwrap();
    let parent_tree = match commit.parent_count() {
        0 => None,
        1 => Some(commit.parent(0).unwrap().tree().unwrap()),
        n => panic!("{n} parents"),
    };
    let diff: Diff<'_> = repo
        .diff_tree_to_tree(parent_tree.as_ref(), Some(&commit.tree().unwrap()), None)
        .unwrap();
    let mut paths = Vec::new();
    let (mut added, mut removed) = (0, 0);
    for i in 0..diff.deltas().len() {
        let delta = diff.get_delta(i).unwrap();
        paths.push((
            delta.status(),
            delta
                .new_file()
                .path()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        ));
        let patch = Patch::from_diff(&diff, i).unwrap().unwrap();
        let (_, a, r) = patch.line_stats().unwrap();
        added += a;
        removed += r;
    }
    (paths, added, removed)
}

/// Every path in a commit's tree.
fn tree_paths(repo: &Repository, id: Oid) -> Vec<String> {
    let tree = repo.find_commit(id).unwrap().tree().unwrap();
    let mut out = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(ObjectType::Blob) {
            out.push(format!("{dir}{}", entry.name().unwrap()));
        }
        git2::TreeWalkResult::Ok
    })
    .unwrap();
    out.sort();
    out
}

fn blob_at(repo: &Repository, commit: Oid, repo_rel: &str) -> Vec<u8> {
    let tree = repo.find_commit(commit).unwrap().tree().unwrap();
    let entry = tree.get_path(Path::new(repo_rel)).unwrap();
    repo.find_blob(entry.id()).unwrap().content().to_vec()
}

/// What every successful commit must leave behind: a sound object
/// database holding the commit, its tree and the blob; the branch and HEAD
/// on the commit; no lock or temporary file; the working file identical to
/// the committed blob; and the file clean in `git status`.
fn assert_sound(fx: &Fixture, committed: &Committed, repo_rel: &str) {
    // A fresh handle, so nothing cached in `fx.repo` hides a problem.
    let repo = Repository::open(&fx.root).unwrap();
    assert_eq!(committed.branch, "refs/heads/main");
    assert_eq!(
        repo.find_reference("HEAD")
            .unwrap()
            .symbolic_target()
            .unwrap(),
        Some("refs/heads/main"),
        "HEAD stays on the branch"
    );
    assert_eq!(repo.refname_to_id("refs/heads/main").unwrap(), committed.id);

    let odb = repo.odb().unwrap();
    let commit = repo.find_commit(committed.id).unwrap();
    let tree = commit.tree().unwrap();
    let entry = tree.get_path(Path::new(repo_rel)).unwrap();
    for (id, kind) in [
        (committed.id, ObjectType::Commit),
        (tree.id(), ObjectType::Tree),
        (entry.id(), ObjectType::Blob),
    ] {
        assert!(
            odb.exists(id),
            "{kind} {id} missing from the object database"
        );
        assert_eq!(odb.read_header(id).unwrap().1, kind);
    }
    // Every object reads back and hashes to its name.
    let mut ids = Vec::new();
    odb.foreach(|id| {
        ids.push(*id);
        true
    })
    .unwrap();
    for id in ids {
        let object = odb.read(id).unwrap();
        assert_eq!(
            Oid::hash_object(object.kind(), object.data()).unwrap(),
            id,
            "object {id} is corrupt"
        );
    }

    let blob = repo.find_blob(entry.id()).unwrap();
    assert_eq!(
        fs::read(fx.path(repo_rel)).unwrap(),
        blob.content(),
        "the working file is the committed blob"
    );
    let mut index = repo.index().unwrap();
    index.read(true).unwrap();
    let staged = index.get_path(Path::new(repo_rel), 0).unwrap();
    assert_eq!(
        staged.id,
        entry.id(),
        "the index entry is the committed blob"
    );
    assert_eq!(staged.mode, entry.filemode() as u32);
    assert_eq!(
        fx.status(repo_rel),
        Status::CURRENT,
        "`git status` shows {repo_rel} clean"
    );

    assert!(!repo.path().join("index.lock").exists(), "index.lock left");
    for e in fs::read_dir(repo.path()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with("ripen-") && !name.ends_with(".lock"),
            "left behind in .git: {name}"
        );
    }
    let dir = fx.path(repo_rel).parent().unwrap().to_path_buf();
    for e in fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".ripen-"), "temporary file left: {name}");
    }
}

/// A stage move of `a` prepared from the working tree: (bytes loaded, new
/// text, message).
fn move_a(fx: &Fixture, to: Stage) -> (Vec<u8>, String, String) {
    let register = fx.load();
    let entry = register.get("a").expect("a loads");
    let applied = change::apply(
        &entry.id,
        &entry.use_case,
        Edit::MoveStage(to),
        JUSTIFICATION,
        None,
    )
    .unwrap();
    (entry.original.to_vec(), applied.text, applied.message)
}

fn change<'a>(fx: &'a Fixture, loaded: &'a [u8], new: &'a str, msg: &'a str) -> FileChange<'a> {
    FileChange {
        state_dir: &fx.state,
        rel: A_REL,
        expected: Some(loaded),
        new: new.as_bytes(),
        message: msg,
    }
}

/// Runs a change that must be refused, and checks nothing moved.
fn refused(fx: &Fixture, change: &FileChange<'_>) -> ChangeError {
    let before = fx.observe();
    let err = commit_file(change).expect_err("the change must be refused");
    assert_eq!(fx.observe(), before, "a refusal changed the repository");
    err
}

// 1 ---------------------------------------------------------------------

#[test]
fn stage_move_is_one_commit_of_one_line_in_one_file() {
    let fx = Fixture::new();
    let old_head = fx.head();
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let committed = commit_file(&change(&fx, &loaded, &new, &message)).unwrap();

    let commit = fx.repo.find_commit(committed.id).unwrap();
    assert_eq!(commit.parent_ids().collect::<Vec<_>>(), vec![old_head]);
    let (paths, added, removed) = diff_against_parent(&fx.repo, committed.id);
    assert_eq!(paths, vec![(Delta::Modified, A.to_owned())]);
    assert_eq!((added, removed), (1, 1), "exactly one line changes");
    assert_eq!(
        commit.summary().unwrap(),
        Some("a: stage Identify -> Collect")
    );
    assert_eq!(commit.body().unwrap(), Some(JUSTIFICATION));
    assert_eq!(
        commit.message().unwrap(),
        format!("a: stage Identify -> Collect\n\n{JUSTIFICATION}\n")
    );
    for who in [commit.author(), commit.committer()] {
        assert_eq!(who.name().unwrap(), NAME);
        assert_eq!(who.email().unwrap(), EMAIL);
    }
    assert!(
        String::from_utf8(fx.read(A))
            .unwrap()
            .contains("    stage: Collect,\n")
    );
    // The reflog says who moved the branch.
    let reflog = fx.repo.reflog("refs/heads/main").unwrap();
    assert_eq!(
        reflog.get(0).unwrap().message().unwrap(),
        Some("commit (ripen): a: stage Identify -> Collect")
    );
    assert_sound(&fx, &committed, A);

    // The loaded register now shows the new stage, and a second change on
    // top of it is again one commit.
    let (loaded, new, message) = move_a(&fx, Stage::FineTune);
    let second = commit_file(&change(&fx, &loaded, &new, &message)).unwrap();
    assert_eq!(
        fx.repo
            .find_commit(second.id)
            .unwrap()
            .parent_id(0)
            .unwrap(),
        committed.id
    );
    assert_sound(&fx, &second, A);
}

// 2 ---------------------------------------------------------------------

#[test]
fn the_users_other_work_is_untouched() {
    let fx = Fixture::new();
    let old_head = fx.head();
    let old_tree_paths = tree_paths(&fx.repo, old_head);

    // Unstaged edit to b.ron.
    let b_edited = b"UseCase( /* half-typed edit */\n".to_vec();
    fx.write(B, &b_edited);
    // A new file, staged.
    fx.write("other.txt", b"not ready to commit\n");
    fx.stage("other.txt");
    // A change to README, staged; the working tree differs again.
    fx.write("README.md", b"# Register (staged)\n");
    fx.stage("README.md");
    fx.write("README.md", b"# Register (working)\n");

    let staged_before: BTreeMap<&str, Option<EntryKey>> = ["other.txt", "README.md", B]
        .into_iter()
        .map(|p| (p, fx.index_entry(p)))
        .collect();
    let readme_status = fx.status("README.md");
    assert!(readme_status.contains(Status::INDEX_MODIFIED | Status::WT_MODIFIED));

    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    let committed = commit_file(&change(&fx, &loaded, &new, &message)).unwrap();

    // The commit holds the one change and nothing the user prepared.
    let (paths, _, _) = diff_against_parent(&fx.repo, committed.id);
    assert_eq!(paths, vec![(Delta::Modified, A.to_owned())]);
    assert_eq!(tree_paths(&fx.repo, committed.id), old_tree_paths);
    assert_eq!(
        blob_at(&fx.repo, committed.id, "README.md"),
        b"# Register\n"
    );
    assert_eq!(
        blob_at(&fx.repo, committed.id, B),
        blob_at(&fx.repo, old_head, B)
    );

    // The user's work is where they left it.
    assert_eq!(fx.read(B), b_edited);
    assert_eq!(fx.read("README.md"), b"# Register (working)\n");
    assert_eq!(fx.read("other.txt"), b"not ready to commit\n");
    for (path, before) in &staged_before {
        assert_eq!(&fx.index_entry(path), before, "index entry of {path}");
    }
    assert_eq!(fx.status("other.txt"), Status::INDEX_NEW);
    assert_eq!(fx.status("README.md"), readme_status);
    assert_eq!(fx.status(B), Status::WT_MODIFIED);
    assert_sound(&fx, &committed, A);
}

// 3 ---------------------------------------------------------------------

#[test]
fn a_file_changed_on_disk_since_loading_is_refused() {
    let fx = Fixture::new();
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    // Someone saves the file in an editor meanwhile.
    let theirs = String::from_utf8(loaded.clone())
        .unwrap()
        .replace("Ticket triage", "Ticket triage (edited)");
    fx.write(A, theirs.as_bytes());

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::ChangedOnDisk(p) if p == A),
        "{err:?}"
    );
    assert!(err.to_string().contains("changed on disk"));
    assert_eq!(fx.read(A), theirs.as_bytes());

    // Deleted meanwhile: the same refusal.
    fs::remove_file(fx.path(A)).unwrap();
    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(matches!(err, ChangeError::ChangedOnDisk(_)), "{err:?}");

    // Creating a file that appeared meanwhile: the same refusal.
    fx.write("state/use-cases/c.ron", b"someone else's\n");
    let create = FileChange {
        state_dir: &fx.state,
        rel: "use-cases/c.ron",
        expected: None,
        new: new.as_bytes(),
        message: &message,
    };
    let err = refused(&fx, &create);
    assert!(matches!(err, ChangeError::ChangedOnDisk(_)), "{err:?}");
}

// 4 ---------------------------------------------------------------------

#[test]
fn uncommitted_edits_to_the_same_file_are_refused() {
    let fx = Fixture::new();
    // The user edited a.ron by hand and did not commit; the interface
    // loaded that edited file.
    let edited = String::from_utf8(fx.read(A))
        .unwrap()
        .replace("Ticket triage", "Ticket triage, by hand");
    fx.write(A, edited.as_bytes());
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    assert_eq!(loaded, edited.as_bytes());

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::Uncommitted(p) if p == A),
        "{err:?}"
    );
    assert!(err.to_string().contains("uncommitted changes"));
}

#[test]
fn an_uncommitted_deletion_of_the_same_file_is_refused() {
    let fx = Fixture::new();
    let (_, new, message) = move_a(&fx, Stage::Collect);
    // Deleted in the working tree (not committed): the interface sees no
    // file and creates one; that would silently undo the deletion.
    fs::remove_file(fx.path(A)).unwrap();
    let create = FileChange {
        state_dir: &fx.state,
        rel: A_REL,
        expected: None,
        new: new.as_bytes(),
        message: &message,
    };
    let err = refused(&fx, &create);
    assert!(
        matches!(&err, ChangeError::Uncommitted(p) if p == A),
        "{err:?}"
    );
}

#[test]
fn staged_changes_to_the_same_file_are_refused() {
    let fx = Fixture::new();
    let original = fx.read(A);
    let staged = String::from_utf8(original.clone())
        .unwrap()
        .replace("Ticket triage", "Ticket triage, staged");
    fx.write(A, staged.as_bytes());
    fx.stage(A);
    fx.write(A, &original);
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    assert_eq!(loaded, original);

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(matches!(&err, ChangeError::Staged(p) if p == A), "{err:?}");
    assert!(err.to_string().contains("staged changes"));
}

#[test]
fn a_staged_deletion_of_the_same_file_is_refused() {
    let fx = Fixture::new();
    // `git rm --cached state/use-cases/a.ron`: staged for deletion, still on
    // disk and identical to HEAD.
    let mut index = fx.repo.index().unwrap();
    index.remove_path(Path::new(A)).unwrap();
    index.write().unwrap();
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(matches!(&err, ChangeError::Staged(p) if p == A), "{err:?}");
}

// 5 ---------------------------------------------------------------------

#[test]
fn a_stale_index_lock_is_refused_and_left_alone() {
    let fx = Fixture::new();
    let lock = fx.repo.path().join("index.lock");
    fs::write(&lock, b"someone else's lock").unwrap();
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::Locked(p) if *p == lock),
        "{err:?}"
    );
    assert!(err.to_string().contains(&lock.display().to_string()));
    assert_eq!(fs::read(&lock).unwrap(), b"someone else's lock");
}

#[test]
fn a_locked_branch_is_reported_as_locked_not_as_moved() {
    let fx = Fixture::new();
    let lock = fx.repo.path().join("refs/heads/main.lock");
    fs::write(&lock, b"").unwrap();
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    // The file is written and then put back, and the commit object is
    // unreachable; what the user sees is exactly as before.
    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::Locked(p) if *p == lock),
        "{err:?}"
    );
    assert!(lock.exists());
}

// 6 ---------------------------------------------------------------------

#[test]
fn a_commit_landing_after_loading_is_refused() {
    let fx = Fixture::new();
    // The interface loads the register and records HEAD.
    let loaded_at = head_commit(&fx.state).unwrap();
    assert_eq!(loaded_at, Some(fx.head()));
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    // Someone commits on the branch meanwhile (another file).
    fx.write("README.md", b"# Register, v2\n");
    let theirs = fx.commit_all("Another commit", 60);

    let before = fx.observe();
    let err = commit_file_expecting(&change(&fx, &loaded, &new, &message), loaded_at)
        .expect_err("HEAD moved");
    assert!(matches!(err, ChangeError::HeadMoved), "{err:?}");
    assert!(err.to_string().contains("reload"));
    assert_eq!(fx.observe(), before);
    assert_eq!(fx.head(), theirs);
    assert_eq!(fx.read(A), loaded);

    // After reloading, the same change goes through on top of theirs.
    let loaded_at = head_commit(&fx.state).unwrap();
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    let committed =
        commit_file_expecting(&change(&fx, &loaded, &new, &message), loaded_at).unwrap();
    let commit = fx.repo.find_commit(committed.id).unwrap();
    assert_eq!(commit.parent_id(0).unwrap(), theirs);
    assert_eq!(
        blob_at(&fx.repo, committed.id, "README.md"),
        b"# Register, v2\n",
        "their commit is kept"
    );
    assert_sound(&fx, &committed, A);
}

#[test]
fn a_first_commit_landing_after_loading_an_unborn_branch_is_refused() {
    let fx = Fixture::build(true, Seed::Unborn);
    let loaded_at = head_commit(&fx.state).unwrap();
    assert_eq!(loaded_at, None);
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    fx.commit_all("Someone else's first commit", 0);

    let before = fx.observe();
    let err = commit_file_expecting(&change(&fx, &loaded, &new, &message), loaded_at)
        .expect_err("the branch was born meanwhile");
    assert!(matches!(err, ChangeError::HeadMoved), "{err:?}");
    assert_eq!(fx.observe(), before);
}

// 7 ---------------------------------------------------------------------

#[test]
fn no_identity_is_a_clear_message() {
    let fx = Fixture::build(false, Seed::Committed);
    assert!(
        fx.repo.signature().is_err(),
        "the test must not see any identity outside the repository"
    );
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(matches!(err, ChangeError::NoIdentity), "{err:?}");
    assert!(err.to_string().contains("git config user.name"));
    assert!(err.to_string().contains("git config user.email"));

    // A name without an e-mail address is not an identity either.
    fx.repo
        .config()
        .unwrap()
        .set_str("user.name", NAME)
        .unwrap();
    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(matches!(err, ChangeError::NoIdentity), "{err:?}");
}

#[test]
fn a_detached_head_is_read_only() {
    let fx = Fixture::new();
    fx.repo.set_head_detached(fx.head()).unwrap();
    let reason = read_only_reason(&fx.state).expect("read-only");
    assert!(reason.contains("detached"), "{reason}");
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::ReadOnly(r) if r.contains("detached")),
        "{err:?}"
    );
    let err = commit_file_expecting(&change(&fx, &loaded, &new, &message), Some(fx.head()))
        .expect_err("detached");
    assert!(matches!(err, ChangeError::ReadOnly(_)), "{err:?}");
}

#[test]
fn a_merge_in_progress_is_read_only() {
    let fx = Fixture::new();
    fs::write(
        fx.repo.path().join("MERGE_HEAD"),
        format!("{}\n", fx.head()),
    )
    .unwrap();
    let reason = read_only_reason(&fx.state).expect("read-only");
    assert!(reason.contains("merge"), "{reason}");
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::ReadOnly(r) if r.contains("merge")),
        "{err:?}"
    );
}

#[test]
fn a_rebase_in_progress_is_read_only() {
    let fx = Fixture::new();
    fs::create_dir(fx.repo.path().join("rebase-merge")).unwrap();
    let reason = read_only_reason(&fx.state).expect("read-only");
    assert!(reason.contains("rebase"), "{reason}");
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    let err = refused(&fx, &change(&fx, &loaded, &new, &message));
    assert!(
        matches!(&err, ChangeError::ReadOnly(r) if r.contains("rebase")),
        "{err:?}"
    );
}

#[test]
fn a_bare_repository_is_read_only() {
    hermetic();
    let dir = tempfile::tempdir().unwrap();
    Repository::init_bare(dir.path()).unwrap();
    let reason = read_only_reason(&dir.path().join("state")).expect("read-only");
    assert!(reason.contains("bare"), "{reason}");
}

#[test]
fn outside_any_repository_is_read_only() {
    hermetic();
    let dir = tempfile::tempdir().unwrap();
    if let Ok(r) = Repository::discover(dir.path()) {
        panic!(
            "the temporary directory is inside the repository at {}; \
             cannot test `not inside a git repository` here",
            r.path().display()
        );
    }
    let state = dir.path().join("state");
    fs::create_dir_all(state.join("use-cases")).unwrap();
    let text = canonical::use_case(&scaffold("Ticket triage"));
    fs::write(state.join(A_REL), &text).unwrap();

    let reason = read_only_reason(&state).expect("read-only");
    assert!(reason.contains("not inside a git repository"), "{reason}");
    let err = commit_file(&FileChange {
        state_dir: &state,
        rel: A_REL,
        expected: Some(text.as_bytes()),
        new: b"changed\n",
        message: "a: edit\n",
    })
    .expect_err("no repository");
    assert!(
        matches!(&err, ChangeError::ReadOnly(r) if r.contains("not inside a git repository")),
        "{err:?}"
    );
    assert_eq!(fs::read(state.join(A_REL)).unwrap(), text.as_bytes());
    assert!(
        head_commit(&state).is_err(),
        "no HEAD to record outside a repository"
    );
}

#[test]
fn the_first_commit_of_an_unborn_branch_holds_only_that_file() {
    let fx = Fixture::build(true, Seed::Unborn);
    assert!(fx.repo.head().is_err());
    let mut before_work = fx.observe().work;
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let committed = commit_file(&change(&fx, &loaded, &new, &message)).unwrap();

    let commit = fx.repo.find_commit(committed.id).unwrap();
    assert_eq!(commit.parent_count(), 0);
    assert_eq!(tree_paths(&fx.repo, committed.id), vec![A.to_owned()]);
    let (paths, added, _) = diff_against_parent(&fx.repo, committed.id);
    assert_eq!(paths, vec![(Delta::Added, A.to_owned())]);
    assert_eq!(added, new.lines().count());
    assert_eq!(
        commit.summary().unwrap(),
        Some("a: stage Identify -> Collect")
    );
    assert_sound(&fx, &committed, A);
    // Everything else is still only in the working tree, untracked.
    before_work.insert(A.to_owned(), new.into_bytes());
    assert_eq!(fx.observe().work, before_work);
    for other in ["README.md", "state/register.ron", "state/policy.ron", B] {
        assert_eq!(fx.status(other), Status::WT_NEW, "{other}");
        assert_eq!(fx.index_entry(other), None, "{other}");
    }
}

// 8 and more --------------------------------------------------------------

#[test]
fn a_new_file_is_one_commit_adding_one_path() {
    let fx = Fixture::new();
    let text = canonical::use_case(&scaffold("Contract review"));
    let committed = commit_file(&FileChange {
        state_dir: &fx.state,
        rel: "use-cases/c.ron",
        expected: None,
        new: text.as_bytes(),
        message: "c: create\n",
    })
    .unwrap();
    let (paths, _, removed) = diff_against_parent(&fx.repo, committed.id);
    assert_eq!(
        paths,
        vec![(Delta::Added, "state/use-cases/c.ron".to_owned())]
    );
    assert_eq!(removed, 0);
    assert_sound(&fx, &committed, "state/use-cases/c.ron");
    assert!(fx.load().get("c").is_some());
}

#[test]
fn a_state_directory_at_the_repository_root_works() {
    let fx = Fixture::new();
    // The same register, but the state directory is the repository.
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    let committed = commit_file(&FileChange {
        state_dir: &fx.root,
        rel: A,
        expected: Some(&loaded),
        new: new.as_bytes(),
        message: &message,
    })
    .unwrap();
    let (paths, _, _) = diff_against_parent(&fx.repo, committed.id);
    assert_eq!(paths, vec![(Delta::Modified, A.to_owned())]);
    assert_sound(&fx, &committed, A);
}

#[cfg(unix)]
#[test]
fn an_executable_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    fs::set_permissions(fx.path(A), fs::Permissions::from_mode(0o755)).unwrap();
    fx.commit_all("Make a.ron executable", 60);
    let old_mode = fx
        .repo
        .head()
        .unwrap()
        .peel_to_tree()
        .unwrap()
        .get_path(Path::new(A))
        .unwrap()
        .filemode();
    assert_eq!(old_mode, 0o100755);
    let (loaded, new, message) = move_a(&fx, Stage::Collect);

    let committed = commit_file(&change(&fx, &loaded, &new, &message)).unwrap();
    let entry = fx
        .repo
        .find_commit(committed.id)
        .unwrap()
        .tree()
        .unwrap()
        .get_path(Path::new(A))
        .unwrap();
    assert_eq!(entry.filemode(), 0o100755, "no mode change in the commit");
    let (paths, added, removed) = diff_against_parent(&fx.repo, committed.id);
    assert_eq!(paths.len(), 1);
    assert_eq!((added, removed), (1, 1));
    assert_sound(&fx, &committed, A);
}

#[test]
fn head_commit_follows_the_branch() {
    let fx = Fixture::new();
    assert_eq!(head_commit(&fx.state).unwrap(), Some(fx.head()));
    let (loaded, new, message) = move_a(&fx, Stage::Collect);
    let committed = commit_file(&change(&fx, &loaded, &new, &message)).unwrap();
    assert_eq!(head_commit(&fx.state).unwrap(), Some(committed.id));
    // With the branch gone, HEAD names an unborn branch again.
    fx.repo
        .find_reference("refs/heads/main")
        .unwrap()
        .delete()
        .unwrap();
    assert_eq!(head_commit(&fx.state).unwrap(), None);
}
