//! Committing changed files, safely: one file ([`commit_file_expecting`])
//! or several in one commit ([`commit_files`]), by the same protocol; and
//! writing several files without a commit ([`write_files`], for `ripen
//! fmt`) in one step or not at all.
//!
//! The protocol, in order: refuse when editing is not possible (no
//! repository, bare, detached HEAD, merge or rebase in progress, no identity,
//! an `.git/index.lock` that someone else holds, even a stale one: it is
//! reported and left alone); check that the branch still points where it did
//! when the change was prepared ([`commit_file_expecting`]); check that each
//! file on disk is still what was loaded, has no uncommitted changes (edits
//! or a deletion, compared through git's filters) and nothing staged; build
//! the commit's tree from HEAD's tree plus those files, keeping their modes
//! (never from the index, so nothing the user staged for other files is
//! included), and write the commit object through
//! [`super::sign::write_commit`] (hooks, signing); stage the new files in a
//! journal ([`crate::store::journal`]); drop it if a file changed
//! meanwhile; move the branch only if it still points there
//! (compare-and-swap); bring each working file to the commit only if it
//! still holds what ripen saw (an edit made meanwhile is kept and reported,
//! never overwritten or rolled back); finally, holding `.git/index.lock`
//! only for that moment, update those files' index entries (creating the
//! index on a branch's first commit) unless someone staged them meanwhile,
//! and remove the journal.
//!
//! # Phases
//!
//! [`commit_files_with`] reads as that protocol, one function per phase:
//! `check` (refusals, nothing written; [`Step::Checked`]), `write_objects`
//! (blobs, tree and commit, unreachable), then [`land_commit`]:
//! `stage_journal` ([`Step::Committed`]), `unchanged_meanwhile`,
//! `move_branch` ([`Step::Moved`]), `write_working_tree`
//! ([`Step::Written`]) and `update_index_entries` ([`Step::Indexed`]).
//!
//! A process killed at any [`Step`] leaves the old state, or a commit whose
//! working tree the next run's [`recover`] finishes from the journal; a lock
//! of its own left behind is recognised and removed by [`recover`], anyone
//! else's never.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use git2::{FileMode, IndexEntry, IndexTime, ObjectType, Oid, Repository, RepositoryState, Tree};

pub use super::sign::{CommitOptions, Identity};
use super::{GitError, locate};
use crate::store::journal::{self, Applied, Change, Journal, Manifest};

/// Why a change could not be committed. Nothing was changed in any case
/// except [`ChangeError::IndexNotUpdated`].
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Editing is off for this repository, with the reason.
    #[error("editing is off: {0}")]
    ReadOnly(String),
    /// No author identity is configured.
    #[error(
        "no git identity: set one with `git config user.name \"Your Name\"` and `git config user.email you@example.com`"
    )]
    NoIdentity,
    /// Another git process holds the index lock or the branch's lock, or a
    /// stale lock is left. The path is the lock file; ripen never removes it.
    #[error(
        "{} exists: another git process is running, or one crashed; if none is running, remove that file and retry",
        .0.display()
    )]
    Locked(PathBuf),
    /// The file on disk differs from what was loaded.
    #[error(
        "{0} was changed on disk since it was loaded (by another ripen or an editor); nothing was changed: reload and make the change again"
    )]
    ChangedOnDisk(String),
    /// The file has uncommitted changes of its own.
    #[error(
        "{0} has uncommitted changes; commit or discard them first, so this commit holds only this change"
    )]
    Uncommitted(String),
    /// The user staged a change to the same file.
    #[error("{0} has staged changes; commit or unstage them first")]
    Staged(String),
    /// The branch moved between loading and committing.
    #[error(
        "the branch moved while the change was being made (another commit landed); nothing was changed: reload and try again"
    )]
    HeadMoved,
    /// Committed, but the index entry could not be updated.
    #[error(
        "committed {0}, but the index could not be updated ({1}); `git status` may show the file as changed until `git add` or `git reset`"
    )]
    IndexNotUpdated(String, String),
    /// Committed, but a file in the working tree could not be brought up
    /// to date; the next ripen command finishes it.
    #[error(
        "committed {commit}, but the working tree could not be updated ({why}); the next ripen command finishes the update"
    )]
    WorkingTreeBehind {
        /// The commit.
        commit: String,
        /// What failed.
        why: String,
    },
    /// Committed, but a file was edited by someone else while the change was
    /// being saved: their version was kept in the working tree.
    #[error(
        "committed {commit}, but {files} was edited while the change was being saved: your edit is kept in the file (`git status` shows it), ripen's version is in the commit (`git show HEAD`)"
    )]
    KeptEdit {
        /// The commit.
        commit: String,
        /// The files, comma-separated.
        files: String,
    },
    /// A `pre-commit` or `commit-msg` hook refused the commit.
    #[error(
        "the {hook} hook refused the commit; nothing was changed (`--no-verify` skips the hooks, as in git):\n{output}"
    )]
    HookFailed {
        /// The hook's name.
        hook: String,
        /// What it printed.
        output: String,
    },
    /// The repository asks for signed commits and signing failed.
    #[error("commit.gpgsign is set but the commit cannot be signed: {0}; nothing was changed")]
    Sign(String),
    /// Another ripen process is saving the same file right now.
    #[error("another ripen is saving {0} right now; nothing was changed: reload and try again")]
    Busy(String),
    /// A file-system failure.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A git failure.
    #[error(transparent)]
    Git(#[from] GitError),
}

impl From<git2::Error> for ChangeError {
    fn from(e: git2::Error) -> Self {
        ChangeError::Git(GitError::Git(e))
    }
}

/// Why editing is impossible in the repository holding `state_dir`, if it is.
pub fn read_only_reason(state_dir: &Path) -> Option<String> {
    let located = match locate(state_dir) {
        Ok(l) => l,
        Err(e @ (GitError::NotOwned(_) | GitError::Unsupported { .. } | GitError::Symlink(_))) => {
            return Some(e.to_string());
        }
        Err(_) => {
            return Some(format!(
                "{} is not inside a git repository (run `git init`)",
                state_dir.display()
            ));
        }
    };
    let repo = &located.repo;
    if repo.is_bare() {
        return Some("the repository is bare".to_owned());
    }
    let state = repo.state();
    if state != RepositoryState::Clean {
        return Some(format!(
            "a {} is in progress; finish or abort it first",
            match state {
                RepositoryState::Merge => "merge",
                RepositoryState::Revert | RepositoryState::RevertSequence => "revert",
                RepositoryState::CherryPick | RepositoryState::CherryPickSequence => "cherry-pick",
                RepositoryState::Bisect => "bisect",
                RepositoryState::Rebase
                | RepositoryState::RebaseInteractive
                | RepositoryState::RebaseMerge => "rebase",
                _ => "git operation",
            }
        ));
    }
    if repo.head_detached().unwrap_or(false) {
        return Some("HEAD is detached; check out a branch first".to_owned());
    }
    None
}

/// The steps of a commit, in order, for observers (crash tests stop the
/// process at each one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Every check passed; nothing is written yet.
    Checked,
    /// The commit object exists (unreachable) and the new files are staged
    /// in a journal; the working tree is untouched. For a plain multi-file
    /// write (`ripen fmt`), the journal is complete.
    Committed,
    /// The branch points to the new commit; the working tree is not
    /// updated yet (the next run finishes it from the journal).
    Moved,
    /// The files are written in the working tree; the index is not updated.
    Written,
    /// The index is updated: the change is complete.
    Indexed,
    /// For a plain multi-file write ([`write_files`]), not a commit: the
    /// journal is complete, no working file is written yet.
    Staged,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [
        Step::Checked,
        Step::Committed,
        Step::Moved,
        Step::Written,
        Step::Indexed,
    ];

    /// The step's name in lower case (`checked`, `written`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Step::Checked => "checked",
            Step::Written => "written",
            Step::Committed => "committed",
            Step::Moved => "moved",
            Step::Indexed => "indexed",
            Step::Staged => "staged",
        }
    }
}

/// One file to change and commit.
pub struct FileChange<'a> {
    /// The state directory.
    pub state_dir: &'a Path,
    /// The file, relative to the state directory (`use-cases/x.ron`).
    pub rel: &'a str,
    /// The bytes it was loaded with; `None` when it must not exist yet.
    pub expected: Option<&'a [u8]>,
    /// The new bytes.
    pub new: &'a [u8],
    /// The commit message.
    pub message: &'a str,
}

/// What was committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The new commit.
    pub id: Oid,
    /// The branch it is on (`refs/heads/main`).
    pub branch: String,
}

/// Holds `.git/index.lock` for the duration of a change.
///
/// The lock is a hard link to a private file under `.git/ripen/` that this
/// process keeps `flock`ed: when a process dies holding it, the next run
/// knows the lock is ripen's own (same file) and its owner gone (the
/// `flock` is free), and removes it ([`sweep_stale_locks`]). A lock that is
/// not ripen's is never removed.
pub(crate) struct IndexLock {
    path: PathBuf,
    mine: Option<(PathBuf, fs::File)>,
}

impl IndexLock {
    pub(crate) fn take(git_dir: &Path) -> Result<IndexLock, ChangeError> {
        let mut tries = 0;
        loop {
            match IndexLock::try_take(git_dir) {
                // Another ripen holds it for an instant: wait for it.
                Err(ChangeError::Locked(p))
                    if tries < 100 && (!p.exists() || held_by_ripen(git_dir)) =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => return other,
            }
        }
    }

    fn try_take(git_dir: &Path) -> Result<IndexLock, ChangeError> {
        let path = git_dir.join("index.lock");
        if fs::symlink_metadata(&path).is_ok() {
            return Err(ChangeError::Locked(path));
        }
        let root = git_dir.join(JOURNAL_DIR);
        let private = journal::locked_file(&root, "index-lock-", "").map(|(f, p)| (p, f));
        if let Ok((mine, file)) = private {
            match fs::hard_link(&mine, &path) {
                Ok(()) => {
                    return Ok(IndexLock {
                        path,
                        mine: Some((mine, file)),
                    });
                }
                Err(e) => {
                    let _ = fs::remove_file(&mine);
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        return Err(ChangeError::Locked(path));
                    }
                    // A file system without hard links: a plain lock file.
                }
            }
        }
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => Ok(IndexLock { path, mine: None }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(ChangeError::Locked(path)),
            Err(e) => Err(e.into()),
        }
    }
}

/// Whether `.git/index.lock` is a live ripen process's (a link to a
/// private lock file under `.git/ripen/`).
pub(crate) fn held_by_ripen(git_dir: &Path) -> bool {
    let lock = git_dir.join("index.lock");
    fs::read_dir(git_dir.join(JOURNAL_DIR)).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            e.file_name().to_string_lossy().starts_with("index-lock-")
                && same_file(&e.path(), &lock)
        })
    })
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_a: &Path, _b: &Path) -> bool {
    false
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        match &self.mine {
            Some((mine, _)) => {
                if same_file(mine, &self.path) {
                    let _ = fs::remove_file(&self.path);
                }
                let _ = fs::remove_file(mine);
                if let Some(root) = mine.parent() {
                    journal::remove_if_empty(root);
                }
            }
            None => {
                let _ = fs::remove_file(&self.path);
            }
        }
    }
}

/// The folder under the git directory where ripen keeps its journals and
/// lock files.
pub(crate) const JOURNAL_DIR: &str = "ripen";

/// Removes index locks left by ripen processes that died (a lock that is a
/// link to a private file nobody holds), and the temporary index copies
/// such a process may have left. Never touches another program's lock.
fn sweep_stale_locks(git_dir: &Path) {
    let root = git_dir.join(JOURNAL_DIR);
    let lock = git_dir.join("index.lock");
    let entries: Vec<fs::DirEntry> = fs::read_dir(&root)
        .map(|d| d.filter_map(Result::ok).collect())
        .unwrap_or_default();
    let mut edits = Vec::new();
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("index-lock-") {
            let Ok(file) = fs::OpenOptions::new().read(true).write(true).open(e.path()) else {
                continue;
            };
            if crate::store::journal::try_flock(&file, false).unwrap_or(false) {
                if same_file(&e.path(), &lock) {
                    let _ = fs::remove_file(&lock);
                }
                let _ = fs::remove_file(e.path());
            }
        } else if name.starts_with("index-edit-") {
            edits.push(e.path());
        }
    }
    // Index copies are edited only under the index lock: holding it, any
    // copy left is a dead process's.
    let mut legacy: Vec<PathBuf> = fs::read_dir(git_dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("ripen-index-"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    edits.append(&mut legacy);
    if !edits.is_empty()
        && let Ok(held) = IndexLock::take(git_dir)
    {
        for d in edits {
            let _ = fs::remove_dir_all(d);
        }
        drop(held);
    }
}

/// One blob to set in a tree: its path split at `/`, its id and its mode.
type TreeEntrySpec<'p> = (Vec<&'p str>, Oid, i32);

/// The tree `base` with one blob set at `repo_rel` (a `/`-separated path
/// from the repository's root), with `mode`; nothing else changes.
pub(crate) fn tree_with_file(
    repo: &Repository,
    base: &Tree<'_>,
    repo_rel: &str,
    blob: Oid,
    mode: i32,
) -> Result<Oid, git2::Error> {
    tree_with(
        repo,
        Some(base),
        &[(repo_rel.split('/').collect(), blob, mode)],
    )
}

/// The tree `base` with each blob set at its path, building each changed
/// folder once however many files change in it.
fn tree_with(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    entries: &[TreeEntrySpec<'_>],
) -> Result<Oid, git2::Error> {
    let mut builder = repo.treebuilder(base)?;
    let mut folders: BTreeMap<&str, Vec<TreeEntrySpec<'_>>> = BTreeMap::new();
    for (path, blob, mode) in entries {
        match path.as_slice() {
            [] => return Err(git2::Error::from_str("empty path")),
            [name] => {
                builder.insert(name, *blob, *mode)?;
            }
            [dir, rest @ ..] => folders
                .entry(dir)
                .or_default()
                .push((rest.to_vec(), *blob, *mode)),
        }
    }
    for (dir, inner) in folders {
        let sub = match base.and_then(|t| t.get_name(dir)) {
            Some(e) if e.kind() == Some(ObjectType::Tree) => Some(repo.find_tree(e.id())?),
            _ => None,
        };
        let sub_id = tree_with(repo, sub.as_ref(), &inner)?;
        builder.insert(dir, sub_id, i32::from(FileMode::Tree))?;
    }
    builder.write()
}

fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
pub(crate) fn index_entry(path: &Path, repo_rel: &str, id: Oid) -> io::Result<IndexEntry> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path)?;
    let mode = if m.mode() & 0o111 != 0 {
        0o100755
    } else {
        0o100644
    };
    Ok(IndexEntry {
        ctime: IndexTime::new(m.ctime() as i32, m.ctime_nsec() as u32),
        mtime: IndexTime::new(m.mtime() as i32, m.mtime_nsec() as u32),
        dev: m.dev() as u32,
        ino: m.ino() as u32,
        mode,
        uid: m.uid(),
        gid: m.gid(),
        file_size: m.size() as u32,
        id,
        flags: repo_rel.len().min(0xfff) as u16,
        flags_extended: 0,
        path: repo_rel.as_bytes().to_vec(),
    })
}

#[cfg(not(unix))]
pub(crate) fn index_entry(path: &Path, repo_rel: &str, id: Oid) -> io::Result<IndexEntry> {
    let m = fs::metadata(path)?;
    Ok(IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: m.len() as u32,
        id,
        flags: repo_rel.len().min(0xfff) as u16,
        flags_extended: 0,
        path: repo_rel.as_bytes().to_vec(),
    })
}

/// Rewrites the index while the caller holds index.lock: a copy is edited by
/// `edit` in a private directory inside `.git` and renamed over `.git/index`.
/// With no index yet (a repository without commits), the copy starts empty.
pub(crate) fn edit_index(
    git_dir: &Path,
    edit: impl FnOnce(&mut git2::Index) -> Result<(), String>,
) -> Result<(), String> {
    let index_path = git_dir.join("index");
    let root = git_dir.join(JOURNAL_DIR);
    let work = journal::create_in(&root, |root| {
        tempfile::Builder::new()
            .prefix("index-edit-")
            .tempdir_in(root)
    })
    .map_err(|e| e.to_string())?;
    let copy = work.path().join("index");
    match fs::copy(&index_path, &copy) {
        Ok(_) => {}
        // libgit2 starts an empty index when the file does not exist (an
        // empty file, by contrast, is an unreadable index).
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.to_string()),
    }
    let mut index = git2::Index::open(&copy).map_err(|e| e.to_string())?;
    edit(&mut index)?;
    index.write().map_err(|e| e.to_string())?;
    drop(index);
    fs::rename(&copy, &index_path).map_err(|e| e.to_string())?;
    Ok(())
}

/// Replaces `entries` in the index and removes `removed` (see [`edit_index`]).
fn update_index(git_dir: &Path, entries: &[IndexEntry], removed: &[String]) -> Result<(), String> {
    edit_index(git_dir, |index| {
        entries
            .iter()
            .try_for_each(|entry| index.add(entry).map_err(|e| e.to_string()))?;
        removed
            .iter()
            .try_for_each(|p| index.remove_path(Path::new(p)).map_err(|e| e.to_string()))
    })
}

/// The commit the current branch points to in the repository holding
/// `state_dir`, or `None` while the branch has no commit yet.
///
/// A user interface records this when it loads the register and passes it
/// to [`commit_file_expecting`], so that a commit made meanwhile by anyone
/// else is noticed instead of silently built upon.
pub fn head_commit(state_dir: &Path) -> Result<Option<Oid>, GitError> {
    let located = locate(state_dir)?;
    current_head(&located.repo)
}

fn current_head(repo: &Repository) -> Result<Option<Oid>, GitError> {
    match repo.head() {
        Ok(h) => Ok(Some(h.peel_to_commit()?.id())),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes one file atomically and commits exactly that file on the current
/// branch, on top of whatever the branch points to now. See the module
/// documentation for the protocol.
///
/// Prefer [`commit_file_expecting`] when the change was prepared from a
/// register loaded earlier: it also refuses when the branch moved since.
pub fn commit_file(change: &FileChange<'_>) -> Result<Committed, ChangeError> {
    if let Some(reason) = read_only_reason(change.state_dir) {
        return Err(ChangeError::ReadOnly(reason));
    }
    let head = current_head(&locate(change.state_dir)?.repo)?;
    commit_file_expecting(change, head)
}

/// Like [`commit_file`], but `expected_head` is the HEAD the change was
/// prepared against (the commit the branch pointed to when the user
/// interface loaded the register, as given by [`head_commit`]; `None` when
/// the branch had no commit yet). If the branch points anywhere else,
/// whether before the file is written or at the moment the branch is
/// moved, nothing is changed and the result is [`ChangeError::HeadMoved`].
pub fn commit_file_expecting(
    change: &FileChange<'_>,
    expected_head: Option<Oid>,
) -> Result<Committed, ChangeError> {
    let file = FileWrite {
        rel: change.rel,
        expected: change.expected,
        new: change.new,
    };
    commit_files(change.state_dir, &[file], change.message, expected_head)
}

/// One file of a commit of several files.
#[derive(Debug, Clone, Copy)]
pub struct FileWrite<'a> {
    /// The file, relative to the state directory (`use-cases/x.ron`).
    pub rel: &'a str,
    /// The bytes it was loaded with; `None` when it must not exist yet.
    pub expected: Option<&'a [u8]>,
    /// The new bytes.
    pub new: &'a [u8],
}

/// A file of the commit being made, checked and ready to write.
struct Prepared<'a> {
    repo_rel: String,
    path: PathBuf,
    on_disk: Option<Vec<u8>>,
    mode: i32,
    new: &'a [u8],
    /// The file's index entry when it was checked.
    staged: Option<Oid>,
}

/// Writes several files atomically and commits exactly those files, in one
/// commit with `message`, on the current branch, by the protocol of the
/// module documentation: every file is checked (unchanged on disk since it
/// was loaded, no uncommitted or staged change of its own) before any is
/// written, and on any failure every file written is put back as it was.
/// `expected_head` is as for [`commit_file_expecting`]. Each path may be
/// listed once; an empty list is refused.
pub fn commit_files(
    state_dir: &Path,
    files: &[FileWrite<'_>],
    message: &str,
    expected_head: Option<Oid>,
) -> Result<Committed, ChangeError> {
    commit_files_observed(state_dir, files, message, expected_head, &mut |_| {})
}

/// [`commit_files`], calling `observe` after each [`Step`].
pub fn commit_files_observed(
    state_dir: &Path,
    files: &[FileWrite<'_>],
    message: &str,
    expected_head: Option<Oid>,
    observe: &mut dyn FnMut(Step),
) -> Result<Committed, ChangeError> {
    commit_files_with(
        state_dir,
        files,
        message,
        expected_head,
        &CommitOptions::default(),
        observe,
    )
}

/// [`commit_files_observed`] with options (`--no-verify`).
///
/// Reads as the protocol: `check` everything, `write_objects`, then
/// [`land_commit`] (stage the journal, move the branch, write the working
/// tree, update the index).
pub fn commit_files_with(
    state_dir: &Path,
    files: &[FileWrite<'_>],
    message: &str,
    expected_head: Option<Oid>,
    options: &CommitOptions,
    observe: &mut dyn FnMut(Step),
) -> Result<Committed, ChangeError> {
    if let Some(reason) = read_only_reason(state_dir) {
        return Err(ChangeError::ReadOnly(reason));
    }
    if files.is_empty() {
        return Err(invalid_input("no file to commit".to_owned()));
    }
    // What a killed run left half done is finished first (a long-running
    // UI may not have started after it); a file it changes then fails the
    // checks below as changed on disk, as it should.
    let _ = recover(state_dir);
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let signature = repo.signature().map_err(|_| ChangeError::NoIdentity)?;

    let checked = check(repo, state_dir, &located.state_rel, files, expected_head)?;
    observe(Step::Checked);

    let id = write_objects(repo, &checked, &signature, message, options)?;

    let landings: Vec<Landing<'_>> = checked
        .files
        .iter()
        .map(|p| Landing {
            repo_rel: &p.repo_rel,
            seen: p.on_disk.as_deref(),
            new: Some(p.new),
            mode: p.mode,
            staged: p.staged,
        })
        .collect();
    land_commit(repo, &checked.branch, expected_head, id, &landings, observe)
}

fn invalid_input(what: String) -> ChangeError {
    ChangeError::Io(io::Error::new(io::ErrorKind::InvalidInput, what))
}

/// What the check phase found: the branch and the commit to build on, and
/// each file checked and ready to write.
struct Checked<'r, 'a> {
    /// The branch HEAD names (`refs/heads/main`).
    branch: String,
    /// The commit the branch points to (`None` on a branch's first commit).
    old_commit: Option<git2::Commit<'r>>,
    /// Its tree.
    old_tree: Option<Tree<'r>>,
    files: Vec<Prepared<'a>>,
}

/// Phase 1, check: refuses, before anything is written, when the branch
/// cannot be moved (detached HEAD, someone else's index lock) or has moved
/// since `expected_head`, or when a file is not what was loaded, has
/// uncommitted changes or staged ones.
fn check<'r, 'a>(
    repo: &'r Repository,
    state_dir: &Path,
    state_rel: &str,
    files: &[FileWrite<'a>],
    expected_head: Option<Oid>,
) -> Result<Checked<'r, 'a>, ChangeError> {
    let mut prepared = prepare(state_dir, state_rel, files)?;
    let branch = current_branch(repo)?;
    wait_for_index_lock(repo)?;

    // The branch must still point where it did when the change was
    // prepared; the compare-and-swap when it moves covers the moment after.
    if current_head(repo)? != expected_head {
        return Err(ChangeError::HeadMoved);
    }
    let old_commit = expected_head.map(|id| repo.find_commit(id)).transpose()?;
    let old_tree = old_commit.as_ref().map(|c| c.tree()).transpose()?;

    let index = repo
        .index()
        .and_then(|mut i| i.read(true).map(|()| i))
        .map_err(GitError::explain)?;
    for (p, f) in prepared.iter_mut().zip(files) {
        check_file(repo, &index, old_tree.as_ref(), p, f.expected)?;
    }
    Ok(Checked {
        branch,
        old_commit,
        old_tree,
        files: prepared,
    })
}

/// Each file's path in the repository; a path listed twice is refused.
fn prepare<'a>(
    state_dir: &Path,
    state_rel: &str,
    files: &[FileWrite<'a>],
) -> Result<Vec<Prepared<'a>>, ChangeError> {
    let mut seen = BTreeSet::new();
    let mut prepared = Vec::with_capacity(files.len());
    for f in files {
        let repo_rel = if state_rel.is_empty() {
            f.rel.to_owned()
        } else {
            format!("{}/{}", state_rel, f.rel)
        };
        if !seen.insert(repo_rel.clone()) {
            return Err(invalid_input(format!(
                "{repo_rel} is listed twice in one commit"
            )));
        }
        prepared.push(Prepared {
            repo_rel,
            path: state_dir.join(f.rel),
            on_disk: None,
            mode: i32::from(FileMode::Blob),
            new: f.new,
            staged: None,
        });
    }
    Ok(prepared)
}

/// The branch HEAD names; a detached HEAD is refused.
fn current_branch(repo: &Repository) -> Result<String, ChangeError> {
    let head_ref = repo.find_reference("HEAD")?;
    head_ref
        .symbolic_target()?
        .map(str::to_owned)
        .ok_or_else(|| ChangeError::ReadOnly("HEAD is detached".to_owned()))
}

/// Someone else's index lock (or a stale one) stops the change before it
/// starts; another ripen's is held for an instant: waits for it.
fn wait_for_index_lock(repo: &Repository) -> Result<(), ChangeError> {
    let lock_path = repo.path().join("index.lock");
    let mut tries = 0;
    while lock_path.exists() {
        if tries == 100 || (!held_by_ripen(repo.path()) && lock_path.exists()) {
            return Err(ChangeError::Locked(lock_path));
        }
        tries += 1;
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(())
}

/// Checks one file: on disk it still holds `expected` (what was loaded),
/// it has no uncommitted change (an edit or a deletion, compared through
/// git's filters) and nothing staged. Records what it holds, its index
/// entry and the mode to keep.
fn check_file(
    repo: &Repository,
    index: &git2::Index,
    old_tree: Option<&Tree<'_>>,
    p: &mut Prepared<'_>,
    expected: Option<&[u8]>,
) -> Result<(), ChangeError> {
    // A file another ripen is saving right now: say so rather than call
    // its half-finished state someone's uncommitted change.
    let busy_or = |e: ChangeError| {
        let journal_root = repo.path().join(JOURNAL_DIR);
        if journal::busy_files(&journal_root).contains(&p.repo_rel) {
            ChangeError::Busy(p.repo_rel.clone())
        } else {
            e
        }
    };
    let display = p.repo_rel.clone();
    let on_disk = read_optional(&p.path)?;
    if on_disk.as_deref() != expected {
        return Err(busy_or(ChangeError::ChangedOnDisk(display)));
    }
    let head_entry = old_tree.and_then(|t| t.get_path(Path::new(&p.repo_rel)).ok());
    let head_blob = head_entry.as_ref().map(|e| e.id());
    match (head_blob, on_disk.as_deref()) {
        (Some(head_id), Some(disk)) => {
            if !worktree_is_blob(repo, &p.repo_rel, disk, head_id)? {
                return Err(busy_or(ChangeError::Uncommitted(display)));
            }
        }
        // In HEAD but gone from the working tree: an uncommitted deletion
        // that writing the file would silently undo.
        (Some(_), None) => return Err(busy_or(ChangeError::Uncommitted(display))),
        (None, _) => {}
    }
    let clean = match index.get_path(Path::new(&p.repo_rel), 0) {
        Some(staged) => match (head_blob, on_disk.as_deref()) {
            (Some(head_id), _) => staged.id == head_id,
            (None, Some(disk)) => worktree_is_blob(repo, &p.repo_rel, disk, staged.id)?,
            (None, None) => false,
        },
        // Tracked in HEAD but not in the index: a staged deletion
        // (`git rm --cached`) that updating the index would undo.
        None => head_blob.is_none(),
    };
    if !clean {
        // Between moving the branch and updating the index, another
        // ripen's save looks like a staged change: say what it is.
        return Err(busy_or(ChangeError::Staged(display)));
    }
    p.staged = index.get_path(Path::new(&p.repo_rel), 0).map(|e| e.id);
    // Keep the mode HEAD has (an executable file stays executable).
    if let Some(m) = head_entry.as_ref().map(|e| e.filemode())
        && m == i32::from(FileMode::BlobExecutable)
    {
        p.mode = m;
    }
    p.on_disk = on_disk;
    Ok(())
}

/// Phase 2, write objects: the blobs, the tree (HEAD's tree plus these
/// files, never the index, so nothing staged for other files is included)
/// and the commit object, through [`super::sign::write_commit`] (hooks,
/// signing). Objects first: if the disk is full or git's object store
/// fails, nothing in the working tree has changed yet. The commit is
/// unreachable until the branch moves.
fn write_objects(
    repo: &Repository,
    checked: &Checked<'_, '_>,
    signature: &git2::Signature<'_>,
    message: &str,
    options: &CommitOptions,
) -> Result<Oid, ChangeError> {
    let mut entries = Vec::with_capacity(checked.files.len());
    for p in &checked.files {
        let blob = repo.blob(p.new)?;
        entries.push((p.repo_rel.split('/').collect::<Vec<_>>(), blob, p.mode));
    }
    let tree_id = tree_with(repo, checked.old_tree.as_ref(), &entries)?;
    let tree = repo.find_tree(tree_id)?;
    let parents: Vec<&git2::Commit<'_>> = checked.old_commit.iter().collect();
    // The author is the identity the change is made for (a principal of
    // the server), else the repository's; the committer is always the
    // repository's configured identity, at the same time.
    let author = match &options.author {
        Some(who) => who.signature_at(&signature.when())?,
        None => signature.to_owned(),
    };
    super::sign::write_commit(repo, &author, signature, message, &tree, &parents, options)
}

/// One file of a commit that [`land_commit`] brings into the working tree.
#[derive(Debug, Clone, Copy)]
pub struct Landing<'a> {
    /// The path inside the repository, `/`-separated.
    pub repo_rel: &'a str,
    /// What the working file held when it was checked (`None`: absent).
    pub seen: Option<&'a [u8]>,
    /// What the commit holds there (`None`: the commit removes the file).
    pub new: Option<&'a [u8]>,
    /// The commit's file mode for it (`0o100644` or `0o100755`).
    pub mode: i32,
    /// The file's index entry when it was checked (`None`: none).
    pub staged: Option<Oid>,
}

/// Makes a commit object already written (`commit`, whose parent is
/// `old_head`) the tip of `branch` and brings the working tree and the
/// index to it, by the protocol of the module documentation: the new files
/// are staged in a journal; if any working file no longer holds what was
/// `seen`, nothing lands ([`ChangeError::ChangedOnDisk`]); the branch moves
/// by compare-and-swap from `old_head` ([`ChangeError::HeadMoved`]); each
/// working file is then replaced (or removed) only if it still holds what
/// was seen, an edit made meanwhile being kept ([`ChangeError::KeptEdit`],
/// the commit stays); the index entries whose id is still `staged` are set
/// to the commit's. A kill at any point is finished or dropped by the next
/// [`recover`]. Callers check the files (see [`commit_files`]) and write
/// the commit (with [`super::sign::write_commit`]) first; `observe` sees
/// [`Step::Committed`] (journal staged), [`Step::Moved`], [`Step::Written`]
/// and [`Step::Indexed`].
pub fn land_commit(
    repo: &Repository,
    branch: &str,
    old_head: Option<Oid>,
    commit: Oid,
    files: &[Landing<'_>],
    observe: &mut dyn FnMut(Step),
) -> Result<Committed, ChangeError> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| ChangeError::ReadOnly("the repository is bare".to_owned()))?
        .to_path_buf();

    let journal = stage_journal(repo, &workdir, branch, commit, files)?;
    observe(Step::Committed);

    let journal = unchanged_meanwhile(journal)?;
    let reflog = reflog_message(repo, commit)?;
    if let Err(e) = move_branch(repo, branch, old_head, commit, &reflog) {
        journal.discard();
        return Err(branch_error(repo, branch, e));
    }
    observe(Step::Moved);

    let applied = write_working_tree(&journal, commit)?;
    observe(Step::Written);

    let kept = update_index_entries(repo, &workdir, commit, files, &applied, journal)?;
    observe(Step::Indexed);

    if !kept.is_empty() {
        return Err(ChangeError::KeptEdit {
            commit: commit.to_string(),
            files: kept.join(", "),
        });
    }
    Ok(Committed {
        id: commit,
        branch: branch.to_owned(),
    })
}

/// Phase 3, stage: the new files go into a journal (the working tree is
/// untouched) that the next run finishes or drops if this one is killed.
fn stage_journal(
    repo: &Repository,
    workdir: &Path,
    branch: &str,
    commit: Oid,
    files: &[Landing<'_>],
) -> Result<Journal, ChangeError> {
    let journal_root = repo.path().join(JOURNAL_DIR);
    let changes: Vec<Change<'_>> = files
        .iter()
        .map(|f| Change {
            rel: f.repo_rel,
            old: f.seen,
            new: f.new,
        })
        .collect();
    let journal = Journal::stage(&journal_root, workdir, Some((commit, branch)), &changes)?;
    // Each staged copy gets the commit's mode (an executable file stays or
    // becomes executable), before anything is visible.
    let modes = journal
        .manifest()
        .files
        .iter()
        .zip(files)
        .filter(|(_, f)| f.new.is_some())
        .try_for_each(|(e, f)| {
            set_executable(
                &journal.staged_path(e),
                f.mode == i32::from(FileMode::BlobExecutable),
            )
        });
    if let Err(e) = modes {
        journal.discard();
        return Err(e.into());
    }
    Ok(journal)
}

/// A working file edited by hand while the change was prepared stops the
/// landing: the journal is dropped and nothing lands.
fn unchanged_meanwhile(journal: Journal) -> Result<Journal, ChangeError> {
    let changed = journal.changed_meanwhile();
    if !changed.is_empty() {
        journal.discard();
        return Err(ChangeError::ChangedOnDisk(changed.join(", ")));
    }
    Ok(journal)
}

/// The reflog entry of the branch's move: `commit (ripen): <subject>`.
fn reflog_message(repo: &Repository, commit: Oid) -> Result<String, ChangeError> {
    let message = repo.find_commit(commit)?.message().unwrap_or("").to_owned();
    let summary = message.lines().next().unwrap_or("");
    Ok(format!("commit (ripen): {summary}"))
}

/// Phase 4, move the branch: compare-and-swap from `old_head` to `commit`
/// (create it on a branch's first commit). The branch's lock is held only
/// for an instant by whoever moves it (git, or another ripen): waits for it
/// a little before calling it stuck.
fn move_branch(
    repo: &Repository,
    branch: &str,
    old_head: Option<Oid>,
    commit: Oid,
    reflog: &str,
) -> Result<(), git2::Error> {
    let mut tries = 0;
    loop {
        let moved = match old_head {
            Some(old) => repo.reference_matching(branch, commit, true, old, reflog),
            None => repo.reference(branch, commit, false, reflog),
        };
        match moved {
            Err(e) if e.code() == git2::ErrorCode::Locked && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.map(|_| ()),
        }
    }
}

/// Phase 5, write the working tree: the commit has landed; the working
/// tree follows it file by file, never over an edit made meanwhile. A
/// failure leaves the journal for the next run to finish.
fn write_working_tree(
    journal: &Journal,
    commit: Oid,
) -> Result<Vec<(journal::Entry, Applied)>, ChangeError> {
    journal.apply().map_err(|e| ChangeError::WorkingTreeBehind {
        commit: commit.to_string(),
        why: e.to_string(),
    })
}

/// Phase 6, update the index: holding `.git/index.lock` only for this
/// moment, sets the entries of the files written to the commit's, unless
/// someone staged them since the checks (left as the user staged them);
/// then removes the journal. Returns the files whose edit made meanwhile
/// was kept.
fn update_index_entries(
    repo: &Repository,
    workdir: &Path,
    commit: Oid,
    files: &[Landing<'_>],
    applied: &[(journal::Entry, Applied)],
    journal: Journal,
) -> Result<Vec<String>, ChangeError> {
    let mut entries = Vec::with_capacity(files.len());
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for (f, (_, how)) in files.iter().zip(applied) {
        if *how == Applied::Kept {
            kept.push(f.repo_rel.to_owned());
        }
        let Some(new) = f.new else {
            removed.push(f.repo_rel.to_owned());
            continue;
        };
        let blob = journal::blob_id(new);
        let mut entry = match how {
            Applied::Done => index_entry(&workdir.join(f.repo_rel), f.repo_rel, blob)
                .map_err(|e| ChangeError::IndexNotUpdated(commit.to_string(), e.to_string()))?,
            Applied::Kept => unknown_stat_entry(f.repo_rel, blob),
        };
        entry.mode = f.mode as u32;
        entries.push(entry);
    }
    let not_updated = |why: String| ChangeError::IndexNotUpdated(commit.to_string(), why);
    let indexed = (|| {
        let lock = IndexLock::take(repo.path()).map_err(|e| not_updated(e.to_string()))?;
        let mut index = repo.index()?;
        index.read(true)?;
        for f in files {
            let now = index.get_path(Path::new(f.repo_rel), 0).map(|e| e.id);
            if now != f.staged {
                return Err(not_updated(format!(
                    "{} was staged meanwhile; the staged version was kept",
                    f.repo_rel
                )));
            }
        }
        drop(index);
        update_index(repo.path(), &entries, &removed).map_err(not_updated)?;
        drop(lock);
        Ok(())
    })();
    journal.finish();
    indexed?;
    Ok(kept)
}

/// Sets or clears the executable bits of `path` (where the read bits are).
#[cfg(unix)]
pub(crate) fn set_executable(path: &Path, executable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = fs::metadata(path)?.permissions();
    let mode = perms.mode();
    let wanted = if executable {
        mode | ((mode & 0o444) >> 2)
    } else {
        mode & !0o111
    };
    if wanted != mode {
        perms.set_mode(wanted);
        fs::set_permissions(path, perms)?;
    }
    Ok(())
}

/// Sets or clears the executable bits of `path`: nothing to do here.
#[cfg(not(unix))]
pub(crate) fn set_executable(_: &Path, _: bool) -> io::Result<()> {
    Ok(())
}

/// Whether the working file `repo_rel` (holding `bytes`) is the blob
/// `expected` as git compares them: through the repository's filters
/// (`core.autocrlf`, `eol` and `text` attributes), so that a file git calls
/// clean is clean here too. The filters run only when the bytes differ.
fn worktree_is_blob(
    repo: &Repository,
    repo_rel: &str,
    bytes: &[u8],
    expected: Oid,
) -> Result<bool, ChangeError> {
    if Oid::hash_object(ObjectType::Blob, bytes)? == expected {
        return Ok(true);
    }
    let Some(workdir) = repo.workdir() else {
        return Ok(false);
    };
    Ok(repo.blob_path(&workdir.join(repo_rel))? == expected)
}

/// An index entry whose file-system data never matches, so that git hashes
/// the working file again (it holds an edit that is not the commit's).
fn unknown_stat_entry(repo_rel: &str, id: Oid) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: 0,
        id,
        flags: repo_rel.len().min(0xfff) as u16,
        flags_extended: 0,
        path: repo_rel.as_bytes().to_vec(),
    }
}

/// Finishes what a ripen process that died left half done in the
/// repository (or, outside one, the state directory) holding `state_dir`:
/// a commit whose working tree was not fully written, a plain multi-file
/// write, an index lock of its own. See [`crate::store::journal`]. Returns
/// one line per finding for the user, empty when there was nothing.
pub fn recover(state_dir: &Path) -> Result<Vec<String>, ChangeError> {
    let swept = crate::store::sweep_temporary_files(state_dir);
    let mut notes = Vec::new();
    if swept > 0 {
        notes.push(format!(
            "removed {swept} temporary file(s) .ripen-*.tmp left by an interrupted write"
        ));
    }
    let mut found = recover_journals(state_dir)?;
    notes.append(&mut found);
    Ok(notes)
}

fn recover_journals(state_dir: &Path) -> Result<Vec<String>, ChangeError> {
    let located = match locate(state_dir) {
        Ok(l) => l,
        Err(GitError::NotARepository(_) | GitError::NotOwned(_) | GitError::Unsupported { .. }) => {
            let root = state_dir.join(journal::PLAIN_DIR);
            if !root.exists() {
                return Ok(Vec::new());
            }
            let found = journal::recover(&root, state_dir, &|_, _| true, &mut |_| Ok(()))?;
            let _ = fs::remove_dir(&root);
            return Ok(describe(&found));
        }
        // The command itself reports a repository it cannot use.
        Err(_) => return Ok(Vec::new()),
    };
    let repo = &located.repo;
    let Some(workdir) = repo.workdir() else {
        return Ok(Vec::new());
    };
    let root = repo.path().join(JOURNAL_DIR);
    let legacy = fs::read_dir(repo.path()).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("ripen-index-"))
    });
    if !root.exists() && !legacy {
        return Ok(Vec::new());
    }
    sweep_stale_locks(repo.path());
    let landed = |m: &Manifest, e: &journal::Entry| match (&m.commit, &m.branch) {
        (Some(_), Some(branch)) => repo
            .find_reference(branch)
            .and_then(|r| r.peel_to_tree())
            .is_ok_and(|t| t.get_path(Path::new(&e.rel)).ok().map(|x| x.id()) == e.new),
        _ => true,
    };
    let git_dir = repo.path().to_path_buf();
    let mut fix_index = |r: &journal::Recovered| -> io::Result<()> {
        if r.manifest.commit.is_none() || r.applied.is_empty() {
            return Ok(());
        }
        let _lock = IndexLock::take(&git_dir).map_err(|e| io::Error::other(e.to_string()))?;
        let tip = r
            .manifest
            .branch
            .as_deref()
            .and_then(|b| repo.find_reference(b).and_then(|r| r.peel_to_tree()).ok());
        let mut entries = Vec::new();
        let mut removed = Vec::new();
        let index = repo.index().and_then(|mut i| i.read(true).map(|()| i));
        let index = index.map_err(|e| io::Error::other(e.to_string()))?;
        for (e, how) in &r.applied {
            let staged = index.get_path(Path::new(&e.rel), 0).map(|x| x.id);
            if staged != e.old {
                continue; // staged by the user meanwhile, or already done
            }
            let Some(new) = e.new else {
                removed.push(e.rel.clone());
                continue;
            };
            let mode = tip
                .as_ref()
                .and_then(|t| t.get_path(Path::new(&e.rel)).ok())
                .map_or(0o100644, |x| x.filemode() as u32);
            let mut entry = match how {
                Applied::Done => index_entry(&workdir.join(&e.rel), &e.rel, new)?,
                Applied::Kept => unknown_stat_entry(&e.rel, new),
            };
            entry.mode = mode;
            entries.push(entry);
        }
        drop(index);
        if entries.is_empty() && removed.is_empty() {
            return Ok(());
        }
        update_index(&git_dir, &entries, &removed).map_err(io::Error::other)
    };
    let found = journal::recover(&root, workdir, &landed, &mut fix_index)?;
    Ok(describe(&found))
}

/// One line per recovered journal that changed something or kept an edit.
fn describe(found: &[journal::Recovered]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in found {
        let done = r
            .applied
            .iter()
            .filter(|(_, a)| *a == Applied::Done)
            .count();
        let what = match r.manifest.commit {
            Some(c) => format!("the working tree of commit {}", super::short_id(c)),
            None => "a write".to_owned(),
        };
        if done > 0 {
            lines.push(format!(
                "finished {what}, interrupted earlier: {done} file(s) brought up to date"
            ));
        }
        for (e, a) in &r.applied {
            if *a == Applied::Kept {
                lines.push(format!(
                    "{} was changed by someone else while {what} was interrupted: their version is kept in the file; ripen's version is {}",
                    e.rel,
                    if r.manifest.commit.is_some() {
                        "in the commit"
                    } else {
                        "not written"
                    }
                ));
            }
        }
    }
    lines
}

/// What a failure to move the branch means: someone else moved it (or, on
/// an unborn branch, created it), or its lock file is held.
fn branch_error(repo: &Repository, branch: &str, e: git2::Error) -> ChangeError {
    match e.code() {
        git2::ErrorCode::Modified | git2::ErrorCode::Exists => ChangeError::HeadMoved,
        git2::ErrorCode::Locked => {
            ChangeError::Locked(repo.commondir().join(format!("{branch}.lock")))
        }
        _ => e.into(),
    }
}

/// What [`write_files`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// The files now holding the new bytes (relative to the state directory).
    pub written: Vec<String>,
    /// The files someone changed while they were being written: kept as
    /// they were, not written.
    pub kept: Vec<String>,
}

/// Writes several files of the state directory without committing them
/// (`ripen fmt`, an import outside a repository), in one step or not at all
/// and never over a change made meanwhile: each file must still hold what
/// it was loaded with (else nothing is written); the new files are staged
/// in a journal (see [`crate::store::journal`]) and then put in place one by
/// one by compare-and-swap; a kill at any point is finished by the next
/// run's [`recover`]. `observe` sees [`Step::Checked`], [`Step::Staged`]
/// and [`Step::Written`].
pub fn write_files(
    state_dir: &Path,
    files: &[FileWrite<'_>],
    observe: &mut dyn FnMut(Step),
) -> Result<Written, ChangeError> {
    let _ = recover(state_dir);
    let mut seen = BTreeSet::new();
    for f in files {
        if !seen.insert(f.rel) {
            return Err(ChangeError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is listed twice", f.rel),
            )));
        }
        if read_optional(&state_dir.join(f.rel))?.as_deref() != f.expected {
            return Err(ChangeError::ChangedOnDisk(f.rel.to_owned()));
        }
    }
    if files.is_empty() {
        return Ok(Written::default());
    }
    observe(Step::Checked);
    let (root, base, prefix) = match locate(state_dir) {
        Ok(l) => match l.repo.workdir() {
            Some(w) if !l.repo.is_bare() => (
                l.repo.path().join(JOURNAL_DIR),
                w.to_path_buf(),
                if l.state_rel.is_empty() {
                    String::new()
                } else {
                    format!("{}/", l.state_rel)
                },
            ),
            _ => (
                state_dir.join(journal::PLAIN_DIR),
                state_dir.to_path_buf(),
                String::new(),
            ),
        },
        // Not a repository ripen may use: the journal goes next to the files.
        Err(GitError::NotARepository(_) | GitError::NotOwned(_) | GitError::Unsupported { .. }) => {
            (
                state_dir.join(journal::PLAIN_DIR),
                state_dir.to_path_buf(),
                String::new(),
            )
        }
        Err(e) => return Err(e.into()),
    };
    let rels: Vec<String> = files.iter().map(|f| format!("{prefix}{}", f.rel)).collect();
    let changes: Vec<Change<'_>> = files
        .iter()
        .zip(&rels)
        .map(|(f, rel)| Change {
            rel,
            old: f.expected,
            new: Some(f.new),
        })
        .collect();
    let staged = Journal::stage(&root, &base, None, &changes)?;
    observe(Step::Staged);
    let applied = staged.apply()?;
    observe(Step::Written);
    staged.finish();
    if root.ends_with(journal::PLAIN_DIR) {
        let _ = fs::remove_dir(&root);
    }
    let mut out = Written::default();
    for (f, (_, how)) in files.iter().zip(applied) {
        match how {
            Applied::Done => out.written.push(f.rel.to_owned()),
            Applied::Kept => out.kept.push(f.rel.to_owned()),
        }
    }
    Ok(out)
}
