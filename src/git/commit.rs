//! Committing one changed file, safely.
//!
//! The protocol, in order: refuse when editing is not possible (no
//! repository, bare, detached HEAD, merge or rebase in progress, no identity);
//! take `.git/index.lock` so no other git process touches the index
//! meanwhile; check that the file on disk is still what was loaded, has no
//! uncommitted changes and nothing staged; write it atomically; build the
//! commit's tree from HEAD's tree plus that one file (never from the index,
//! so nothing the user staged for other files is included); move the branch
//! only if it still points where it did (compare-and-swap), else put the
//! file back; finally update that one file's index entry.

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
    /// Another git process holds the index lock, or a stale lock is left.
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
struct IndexLock(PathBuf);

impl IndexLock {
    fn take(git_dir: &Path) -> Result<IndexLock, ChangeError> {
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

/// The tree `base` with the blob at `path` set to `blob`.
fn tree_with(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    path: &[&str],
    blob: Oid,
    mode: i32,
) -> Result<Oid, git2::Error> {
    let mut builder = repo.treebuilder(base)?;
    match path {
        [] => Err(git2::Error::from_str("empty path")),
        [name] => {
            builder.insert(name, blob, mode)?;
            builder.write()
        }
        [dir, rest @ ..] => {
            let sub = match base.and_then(|t| t.get_name(dir)) {
                Some(e) if e.kind() == Some(ObjectType::Tree) => Some(repo.find_tree(e.id())?),
                _ => None,
            };
            let sub_id = tree_with(repo, sub.as_ref(), rest, blob, mode)?;
            builder.insert(dir, sub_id, i32::from(FileMode::Tree))?;
            builder.write()
        }
    }
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
fn index_entry(path: &Path, repo_rel: &str, id: Oid) -> io::Result<IndexEntry> {
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
fn index_entry(path: &Path, repo_rel: &str, id: Oid) -> io::Result<IndexEntry> {
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

/// Rewrites the index with one entry replaced, while we hold index.lock:
/// a copy is edited and renamed over `.git/index`.
fn update_index(git_dir: &Path, entry: &IndexEntry) -> Result<(), String> {
    let index_path = git_dir.join("index");
    let tmp = tempfile::Builder::new()
        .prefix("ripen-index-")
        .tempfile_in(git_dir)
        .map_err(|e| e.to_string())?;
    let tmp_path = tmp.path().to_path_buf();
    if index_path.exists() {
        fs::copy(&index_path, &tmp_path).map_err(|e| e.to_string())?;
    }
    let mut index = git2::Index::open(&tmp_path).map_err(|e| e.to_string())?;
    index.add(entry).map_err(|e| e.to_string())?;
    index.write().map_err(|e| e.to_string())?;
    drop(index);
    tmp.persist(&index_path).map_err(|e| e.error.to_string())?;
    Ok(())
}

/// Writes one file atomically and commits exactly that file on the current
/// branch. See the module documentation for the protocol.
pub fn commit_file(change: &FileChange<'_>) -> Result<Committed, ChangeError> {
    if let Some(reason) = read_only_reason(change.state_dir) {
        return Err(ChangeError::ReadOnly(reason));
    }
    let located = locate(change.state_dir)?;
    let repo = &located.repo;
    let signature = repo.signature().map_err(|_| ChangeError::NoIdentity)?;
    let repo_rel = if located.state_rel.is_empty() {
        change.rel.to_owned()
    } else {
        format!("{}/{}", located.state_rel, change.rel)
    };
    let display = repo_rel.clone();
    let file_path = change.state_dir.join(change.rel);

    // Where the branch points now; an unborn branch has no commit yet.
    let head_ref = repo.find_reference("HEAD")?;
    let branch = head_ref
        .symbolic_target()?
        .map(str::to_owned)
        .ok_or_else(|| ChangeError::ReadOnly("HEAD is detached".to_owned()))?;
    let old_commit = match repo.head() {
        Ok(h) => Some(h.peel_to_commit()?),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(e) => return Err(e.into()),
    };
    let old_tree = old_commit.as_ref().map(|c| c.tree()).transpose()?;

    let _lock = IndexLock::take(repo.path())?;

    let on_disk = read_optional(&file_path)?;
    if on_disk.as_deref() != change.expected {
        return Err(ChangeError::ChangedOnDisk(display));
    }
    let head_blob = old_tree
        .as_ref()
        .and_then(|t| t.get_path(Path::new(&repo_rel)).ok())
        .map(|e| e.id());
    if let (Some(head_id), Some(disk)) = (head_blob, on_disk.as_deref()) {
        if Oid::hash_object(ObjectType::Blob, disk)? != head_id {
            return Err(ChangeError::Uncommitted(display));
        }
    }
    let mut index = repo.index()?;
    index.read(true)?;
    if let Some(staged) = index.get_path(Path::new(&repo_rel), 0) {
        let clean = match (head_blob, on_disk.as_deref()) {
            (Some(head_id), _) => staged.id == head_id,
            (None, Some(disk)) => staged.id == Oid::hash_object(ObjectType::Blob, disk)?,
            (None, None) => false,
        };
        if !clean {
            return Err(ChangeError::Staged(display));
        }
    }

    crate::store::write_atomic(&file_path, change.new)?;
    let result = (|| -> Result<Oid, ChangeError> {
        let blob = repo.blob(change.new)?;
        let parts: Vec<&str> = repo_rel.split('/').collect();
        let tree_id = tree_with(
            repo,
            old_tree.as_ref(),
            &parts,
            blob,
            i32::from(FileMode::Blob),
        )?;
        let tree = repo.find_tree(tree_id)?;
        let parents: Vec<&git2::Commit<'_>> = old_commit.iter().collect();
        let id = repo.commit(
            None,
            &signature,
            &signature,
            change.message,
            &tree,
            &parents,
        )?;
        let summary = change.message.lines().next().unwrap_or("");
        let reflog = format!("commit (ripen): {summary}");
        let moved = match &old_commit {
            Some(old) => repo.reference_matching(&branch, id, true, old.id(), &reflog),
            None => repo.reference(&branch, id, false, &reflog),
        };
        moved.map_err(|_| ChangeError::HeadMoved)?;
        Ok(id)
    })();
    let id = match result {
        Ok(id) => id,
        Err(e) => {
            restore(&file_path, on_disk.as_deref());
            return Err(e);
        }
    };
    let blob = Oid::hash_object(ObjectType::Blob, change.new)?;
    let entry = index_entry(&file_path, &repo_rel, blob)?;
    update_index(repo.path(), &entry)
        .map_err(|why| ChangeError::IndexNotUpdated(id.to_string(), why))?;
    Ok(Committed { id, branch })
}
