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

/// A new repository at `dir` (created if needed) whose first branch is
/// `main` whatever the machine's git configuration says, with no identity
/// of its own.
pub fn init(dir: &Path) -> Repository {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(dir, &opts).unwrap()
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

/// Writes each of `files` (path from the working tree's root, content)
/// into the working tree (folders created), stages them and commits the
/// index on HEAD as `sig`.
pub fn commit_files(
    repo: &Repository,
    files: &[(&str, &str)],
    message: &str,
    sig: &Signature<'_>,
) -> Oid {
    let root = repo.workdir().unwrap().to_path_buf();
    let mut index = repo.index().unwrap();
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        index.add_path(Path::new(rel)).unwrap();
    }
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
    git_dated(dir, args, "2026-10-01T12:00:00Z")
}

/// Runs the `git` command in `dir` as [`git`] does, with `date` (as git's
/// environment writes it) as the author and committer date.
pub fn git_dated(dir: &Path, args: &[&str], date: &str) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git is needed for these tests")
}

/// Makes `name <email>` the identity of the repository at `root` through
/// `git config`, as people taking turns at one terminal would.
pub fn be(root: &Path, name: &str, email: &str) {
    git(root, &["config", "user.name", name]);
    git(root, &["config", "user.email", email]);
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

/// Returns the tree `base` with `path` (split at `/`) set to `blob` with
/// its mode, or removed when `None`, writing the trees on the way; `None`
/// when the result is empty. Builds history without a working tree.
pub fn put(
    repo: &Repository,
    base: Option<&git2::Tree<'_>>,
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

/// The id of the empty tree, written.
pub fn empty_tree(repo: &Repository) -> Oid {
    repo.treebuilder(None).unwrap().write().unwrap()
}

/// Hides every configuration file outside the repository from libgit2.
///
/// libgit2 reads `HOME`, `XDG_CONFIG_HOME` and friends once, when it is
/// first initialised, so changing those variables inside a running test
/// binary would not reliably take effect (and would race between tests).
/// Instead the global, XDG, system and program-data search paths are pointed
/// at an empty directory before any test touches git. Every test calls this
/// first; `Once` makes the others wait until it is done.
pub fn hermetic() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let empty = tempfile::tempdir().expect("temp dir").keep();
        for level in [
            git2::ConfigLevel::Global,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::System,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: runs once, before any other libgit2 call in this
            // process (every test calls `hermetic` first and waits on ONCE).
            unsafe { git2::opts::set_search_path(level, empty.as_path()) }
                .expect("set search path");
        }
    });
}

/// Commits on branch `branch` (created or moved) a child of HEAD's commit
/// whose tree is HEAD's with each of `files` (path from the root, content)
/// written, without touching the working tree or the index: what another
/// person's branch brings. Returns the new commit.
pub fn commit_on_branch(
    repo: &Repository,
    branch: &str,
    files: &[(&str, &[u8])],
    message: &str,
    sig: &Signature<'_>,
) -> Oid {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let mut tree_id = head.tree_id();
    for (path, content) in files {
        let blob = repo.blob(content).unwrap();
        let base = repo.find_tree(tree_id).unwrap();
        let parts: Vec<&str> = path.split('/').collect();
        tree_id = put(repo, Some(&base), &parts, Some((blob, 0o100644))).unwrap();
    }
    let tree = repo.find_tree(tree_id).unwrap();
    repo.commit(
        Some(&format!("refs/heads/{branch}")),
        sig,
        sig,
        message,
        &tree,
        &[&head],
    )
    .unwrap()
}

/// The bytes of `path` (from the root) in HEAD's tree.
pub fn head_blob(repo: &Repository, path: &str) -> Vec<u8> {
    let tree = repo.head().unwrap().peel_to_tree().unwrap();
    let entry = tree.get_path(Path::new(path)).unwrap();
    repo.find_blob(entry.id()).unwrap().content().to_vec()
}

/// The commit id `rev` names in the repository at `dir`, through
/// `git rev-parse` (which must succeed).
pub fn rev_parse(dir: &Path, rev: &str) -> String {
    git_ok(dir, &["rev-parse", rev]).trim().to_owned()
}
