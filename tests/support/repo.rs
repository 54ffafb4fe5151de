//! Hermetic git repositories: made through git2 in temporary folders, with
//! fixed identities and fixed commit times, so that a test's history is the
//! same on every machine and every run.

use std::path::Path;
use std::process::{Command, Output};

use git2::{Commit, IndexAddOption, Oid, Repository, Signature, Time};

/// The name of the identity tests commit as unless they say otherwise.
pub const NAME: &str = "Register Keeper";
/// The email of [`NAME`].
pub const EMAIL: &str = "keeper@example.com";
/// 2026-06-30 12:00 UTC, in seconds since the epoch: when [`keeper`] signs.
pub const T0: i64 = 1_782_820_800;
/// [`T0`] as git's environment writes a date.
pub const DATE: &str = "2026-06-30T12:00:00+00:00";

/// A signature of `name <email>` at `seconds` since the epoch, UTC.
pub fn signature(name: &str, email: &str, seconds: i64) -> Signature<'static> {
    Signature::new(name, email, &Time::new(seconds, 0)).unwrap()
}

/// The default identity, [`NAME`] <[`EMAIL`]>, at [`T0`].
pub fn keeper() -> Signature<'static> {
    signature(NAME, EMAIL, T0)
}

/// A new repository at `dir` (created if needed) with no identity of its
/// own.
pub fn init(dir: &Path) -> Repository {
    Repository::init(dir).unwrap()
}

/// A new repository at `dir` whose configuration names `name <email>` as
/// the identity, as `git config user.name/user.email` would.
pub fn init_as(dir: &Path, name: &str, email: &str) -> Repository {
    let repo = init(dir);
    set_identity(&repo, name, email);
    repo
}

/// Sets `user.name` and `user.email` in the repository's configuration.
pub fn set_identity(repo: &Repository, name: &str, email: &str) {
    let mut cfg = repo.config().unwrap();
    cfg.set_str("user.name", name).unwrap();
    cfg.set_str("user.email", email).unwrap();
}

/// Commits the index's tree on HEAD with `sig` as author and committer.
fn commit_index(
    repo: &Repository,
    index: &mut git2::Index,
    message: &str,
    sig: &Signature<'_>,
) -> Oid {
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.head().ok().map(|h| h.peel_to_commit().unwrap());
    let parents: Vec<&Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), sig, sig, message, &tree, &parents)
        .unwrap()
}

/// Stages every change of the working tree, additions and removals (as
/// `git add -A`), and commits it on HEAD as `sig`.
pub fn commit_all(repo: &Repository, message: &str, sig: &Signature<'_>) -> Oid {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    commit_index(repo, &mut index, message, sig)
}

/// Stages what is under `paths` (files added or changed, not removals, as
/// `git add PATHS`) and commits the index on HEAD as `sig`.
pub fn commit_paths(repo: &Repository, paths: &[&str], message: &str, sig: &Signature<'_>) -> Oid {
    let mut index = repo.index().unwrap();
    index.add_all(paths, IndexAddOption::DEFAULT, None).unwrap();
    commit_index(repo, &mut index, message, sig)
}

/// Writes `bytes` to `rel` in the working tree (folders created), stages
/// that one file and commits it on HEAD as `sig`.
pub fn commit_file(
    repo: &Repository,
    rel: &str,
    bytes: impl AsRef<[u8]>,
    message: &str,
    sig: &Signature<'_>,
) -> Oid {
    let path = repo.workdir().unwrap().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new(rel)).unwrap();
    commit_index(repo, &mut index, message, sig)
}

/// The commit HEAD points at.
pub fn head(repo: &Repository) -> Oid {
    repo.head().unwrap().target().unwrap()
}

/// Creates branch `name` at HEAD's commit (HEAD stays where it is).
pub fn branch(repo: &Repository, name: &str) -> Oid {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.branch(name, &head, false).unwrap();
    head.id()
}

/// Makes branch `name` HEAD and its tree the working tree, as
/// `git switch --force`.
pub fn switch(repo: &Repository, name: &str) {
    let refname = format!("refs/heads/{name}");
    repo.set_head(&refname).unwrap();
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
}

/// Runs the `git` command in `dir`, with no system configuration and fixed
/// dates, so that its commits are reproducible.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2026-10-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-10-01T12:00:00Z")
        .output()
        .expect("git is needed for these tests")
}

/// Runs [`git`] and expects it to succeed; returns its standard output.
pub fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
