//! Committing changed files, safely: one file ([`commit_file_expecting`])
//! or several in one commit ([`commit_files`]), by the same protocol.
//!
//! The protocol, in order: refuse when editing is not possible (no
//! repository, bare, detached HEAD, merge or rebase in progress, no identity,
//! an `.git/index.lock` that someone holds, even a stale one: it is reported
//! and left alone); check that the branch still points where it did when the
//! change was prepared ([`commit_file_expecting`]); check that each file on
//! disk is still what was loaded, has no uncommitted changes (edits or a
//! deletion) and nothing staged (edits or a deletion); build the commit's
//! tree from HEAD's tree plus those files, keeping their modes (never from
//! the index, so nothing the user staged for other files is included), and
//! write the commit object; write the files atomically; move the branch only if it still points there
//! (compare-and-swap), else put every file back; finally, holding
//! `.git/index.lock` only for that moment, update those files' index entries
//! (creating the index on a branch's first commit) unless someone staged
//! them meanwhile.
//!
//! The lock is held only while the index is rewritten, so a process killed
//! at any [`Step`] leaves no lock behind; every earlier step leaves either
//! the old or the new file, and objects git can always read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use git2::{FileMode, IndexEntry, IndexTime, ObjectType, Oid, Repository, RepositoryState, Tree};

use super::{GitError, locate};

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
    #[error("{0} was changed on disk since it was loaded; reload and make the change again")]
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
        Err(e @ super::GitError::NotOwned(_)) => return Some(e.to_string()),
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
    /// The commit object exists (unreachable); the working tree is untouched.
    Committed,
    /// The files are written (atomically) in the working tree; the branch
    /// has not moved.
    Written,
    /// The branch points to the new commit; the index is not updated.
    Moved,
    /// The index is updated: the change is complete.
    Indexed,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [
        Step::Checked,
        Step::Committed,
        Step::Written,
        Step::Moved,
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
pub(crate) struct IndexLock(PathBuf);

impl IndexLock {
    pub(crate) fn take(git_dir: &Path) -> Result<IndexLock, ChangeError> {
        let path = git_dir.join("index.lock");
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => Ok(IndexLock(path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(ChangeError::Locked(path)),
            Err(e) => Err(e.into()),
        }
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// One blob to set in a tree: its path split at `/`, its id and its mode.
type TreeEntrySpec<'p> = (Vec<&'p str>, Oid, i32);

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

/// Puts back what the file held before (or removes it) after a failure.
fn restore(path: &Path, before: Option<&[u8]>) {
    let _ = match before {
        Some(b) => crate::store::write_atomic(path, b),
        None => fs::remove_file(path),
    };
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
    let work = tempfile::Builder::new()
        .prefix("ripen-index-")
        .tempdir_in(git_dir)
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

/// Replaces `entries` in the index (see [`edit_index`]).
fn update_index(git_dir: &Path, entries: &[IndexEntry]) -> Result<(), String> {
    edit_index(git_dir, |index| {
        entries
            .iter()
            .try_for_each(|entry| index.add(entry).map_err(|e| e.to_string()))
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
    if let Some(reason) = read_only_reason(state_dir) {
        return Err(ChangeError::ReadOnly(reason));
    }
    let invalid = |what: String| ChangeError::Io(io::Error::new(io::ErrorKind::InvalidInput, what));
    if files.is_empty() {
        return Err(invalid("no file to commit".to_owned()));
    }
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let signature = repo.signature().map_err(|_| ChangeError::NoIdentity)?;
    let mut seen = BTreeSet::new();
    let mut prepared = Vec::with_capacity(files.len());
    for f in files {
        let repo_rel = if located.state_rel.is_empty() {
            f.rel.to_owned()
        } else {
            format!("{}/{}", located.state_rel, f.rel)
        };
        if !seen.insert(repo_rel.clone()) {
            return Err(invalid(format!("{repo_rel} is listed twice in one commit")));
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

    let head_ref = repo.find_reference("HEAD")?;
    let branch = head_ref
        .symbolic_target()?
        .map(str::to_owned)
        .ok_or_else(|| ChangeError::ReadOnly("HEAD is detached".to_owned()))?;

    // Someone else's lock (or a stale one) stops the change before it starts.
    let lock_path = repo.path().join("index.lock");
    if lock_path.exists() {
        return Err(ChangeError::Locked(lock_path));
    }

    // The branch must still point where it did when the change was
    // prepared; the compare-and-swap below covers the moment after this.
    if current_head(repo)? != expected_head {
        return Err(ChangeError::HeadMoved);
    }
    let old_commit = expected_head.map(|id| repo.find_commit(id)).transpose()?;
    let old_tree = old_commit.as_ref().map(|c| c.tree()).transpose()?;

    let mut index = repo.index()?;
    index.read(true)?;
    for (p, f) in prepared.iter_mut().zip(files) {
        let display = p.repo_rel.clone();
        let on_disk = read_optional(&p.path)?;
        if on_disk.as_deref() != f.expected {
            return Err(ChangeError::ChangedOnDisk(display));
        }
        let head_entry = old_tree
            .as_ref()
            .and_then(|t| t.get_path(Path::new(&p.repo_rel)).ok());
        let head_blob = head_entry.as_ref().map(|e| e.id());
        match (head_blob, on_disk.as_deref()) {
            (Some(head_id), Some(disk)) => {
                if Oid::hash_object(ObjectType::Blob, disk)? != head_id {
                    return Err(ChangeError::Uncommitted(display));
                }
            }
            // In HEAD but gone from the working tree: an uncommitted deletion
            // that writing the file would silently undo.
            (Some(_), None) => return Err(ChangeError::Uncommitted(display)),
            (None, _) => {}
        }
        let clean = match index.get_path(Path::new(&p.repo_rel), 0) {
            Some(staged) => match (head_blob, on_disk.as_deref()) {
                (Some(head_id), _) => staged.id == head_id,
                (None, Some(disk)) => staged.id == Oid::hash_object(ObjectType::Blob, disk)?,
                (None, None) => false,
            },
            // Tracked in HEAD but not in the index: a staged deletion
            // (`git rm --cached`) that updating the index would undo.
            None => head_blob.is_none(),
        };
        if !clean {
            return Err(ChangeError::Staged(display));
        }
        p.staged = index.get_path(Path::new(&p.repo_rel), 0).map(|e| e.id);
        // Keep the mode HEAD has (an executable file stays executable).
        if let Some(m) = head_entry.as_ref().map(|e| e.filemode()) {
            if m == i32::from(FileMode::BlobExecutable) {
                p.mode = m;
            }
        }
        p.on_disk = on_disk;
    }
    drop(index);
    observe(Step::Checked);

    let mut written = vec![false; prepared.len()];
    let result = (|| -> Result<(Oid, Vec<Oid>), ChangeError> {
        // Objects first: if the disk is full or git's object store fails,
        // nothing in the working tree has changed yet.
        let mut blobs = Vec::with_capacity(prepared.len());
        let mut entries = Vec::with_capacity(prepared.len());
        for p in &prepared {
            let blob = repo.blob(p.new)?;
            blobs.push(blob);
            entries.push((p.repo_rel.split('/').collect::<Vec<_>>(), blob, p.mode));
        }
        let tree_id = tree_with(repo, old_tree.as_ref(), &entries)?;
        let tree = repo.find_tree(tree_id)?;
        let parents: Vec<&git2::Commit<'_>> = old_commit.iter().collect();
        let id = repo.commit(None, &signature, &signature, message, &tree, &parents)?;
        observe(Step::Committed);
        write_files(&prepared, &mut written)?;
        observe(Step::Written);
        let summary = message.lines().next().unwrap_or("");
        let reflog = format!("commit (ripen): {summary}");
        let moved = match &old_commit {
            Some(old) => repo.reference_matching(&branch, id, true, old.id(), &reflog),
            None => repo.reference(&branch, id, false, &reflog),
        };
        moved.map_err(|e| branch_error(repo, &branch, e))?;
        observe(Step::Moved);
        Ok((id, blobs))
    })();
    let (id, blobs) = match result {
        Ok(done) => done,
        Err(e) => {
            for (p, _) in prepared.iter().zip(&written).filter(|(_, w)| **w).rev() {
                restore(&p.path, p.on_disk.as_deref());
            }
            return Err(e);
        }
    };
    let mut entries = Vec::with_capacity(prepared.len());
    for (p, blob) in prepared.iter().zip(blobs) {
        let mut entry = index_entry(&p.path, &p.repo_rel, blob)
            .map_err(|e| ChangeError::IndexNotUpdated(id.to_string(), e.to_string()))?;
        entry.mode = p.mode as u32;
        entries.push(entry);
    }
    // The index lock, for just this moment; whatever was staged for these
    // files since the checks is left as the user staged it.
    let not_updated = |why: String| ChangeError::IndexNotUpdated(id.to_string(), why);
    let lock = IndexLock::take(repo.path()).map_err(|e| not_updated(e.to_string()))?;
    let mut index = repo.index()?;
    index.read(true)?;
    for p in &prepared {
        let now = index.get_path(Path::new(&p.repo_rel), 0).map(|e| e.id);
        if now != p.staged {
            return Err(not_updated(format!(
                "{} was staged meanwhile; the staged version was kept",
                p.repo_rel
            )));
        }
    }
    drop(index);
    update_index(repo.path(), &entries).map_err(not_updated)?;
    drop(lock);
    observe(Step::Indexed);
    Ok(Committed { id, branch })
}

/// Writes every prepared file atomically, marking each one written. Many
/// files are written side by side: each atomic write waits for the disk to
/// flush it, and the file system flushes concurrent writes together, so a
/// large import takes a second instead of a minute. Returns the first
/// failure, after every write has finished or failed.
fn write_files(prepared: &[Prepared<'_>], written: &mut [bool]) -> io::Result<()> {
    const THREADS: usize = 32;
    if prepared.len() <= 1 {
        for (p, w) in prepared.iter().zip(written.iter_mut()) {
            crate::store::write_atomic(&p.path, p.new)?;
            *w = true;
        }
        return Ok(());
    }
    let chunk = prepared.len().div_ceil(THREADS);
    // Per file: whether it may have been written, and how it went.
    let results: Vec<Vec<(bool, io::Result<()>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = prepared
            .chunks(chunk)
            .map(|files| {
                let handle = scope.spawn(move || {
                    files
                        .iter()
                        .map(|p| {
                            let r = crate::store::write_atomic(&p.path, p.new);
                            (r.is_ok(), r)
                        })
                        .collect::<Vec<_>>()
                });
                (files.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(n, h)| {
                // A panic leaves that chunk's files unknown: put them all back.
                h.join().unwrap_or_else(|_| {
                    (0..n)
                        .map(|_| (true, Err(io::Error::other("a writing thread panicked"))))
                        .collect()
                })
            })
            .collect()
    });
    let mut first = None;
    for ((maybe, r), w) in results.into_iter().flatten().zip(written.iter_mut()) {
        *w = maybe;
        if let Err(e) = r {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
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
