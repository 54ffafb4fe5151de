//! The git edge: reading a register from any revision straight from the
//! object database (no checkout, nothing written).
//!
//! All git access goes through git2; ripen never shells out to `git`.

use std::path::{Path, PathBuf};

pub mod cache;
pub mod commit;
pub mod history;
pub mod payoff;
pub mod proposals;
pub mod propose;
pub mod review;
pub mod sign;
pub mod verify;

use git2::{ObjectType, Repository, Tree};

use crate::register::{
    Content, MAX_FILE_BYTES, POLICY_FILE, SETTINGS_FILE, Snapshot, SourceFile, USE_CASES_DIR,
};

/// A failure at the git edge, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository contains the state directory.
    #[error("{0} is not inside a git repository; run `git init` or `ripen init`")]
    NotARepository(String),
    /// The repository belongs to another user, and git refuses to use it
    /// until it is declared safe.
    #[error(
        "the git repository at {0} is owned by another user; if you trust it, run `git config --global --add safe.directory {0}`"
    )]
    NotOwned(String),
    /// The revision does not resolve to a commit.
    #[error("revision `{rev}` not found: {reason}")]
    BadRevision {
        /// The revision as given.
        rev: String,
        /// What git said.
        reason: String,
    },
    /// The state directory does not exist at that revision.
    #[error("`{path}` does not exist at revision `{rev}`")]
    NoStateAtRevision {
        /// The state directory, relative to the repository.
        path: String,
        /// The revision as given.
        rev: String,
    },
    /// A folder of the state directory's path inside the repository, or its
    /// `use-cases/`, is a symbolic link.
    #[error(
        "{0} is a symbolic link; ripen does not follow links inside a repository (as git does not): replace it with the folder itself"
    )]
    Symlink(String),
    /// The repository uses a format ripen's git library cannot read.
    #[error(
        "the git repository at {path} uses {what}, which ripen does not support yet; use a repository with SHA-1 objects and files refs (the default of `git init`)"
    )]
    Unsupported {
        /// The repository's folder.
        path: String,
        /// The format (`SHA-256 object names`, `reftable refs`, ...).
        what: String,
    },
    /// The index uses an extension libgit2 cannot read.
    #[error(
        "the git index uses a format ripen's git library cannot read ({0}): a split or sparse index; run `git update-index --no-split-index` (split) or `git sparse-checkout set --no-sparse-index` (sparse), then retry"
    )]
    IndexFormat(String),
    /// Any other git failure.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

impl GitError {
    /// A git failure, explained when it is a known limitation (an index
    /// extension libgit2 cannot read).
    pub fn explain(e: git2::Error) -> GitError {
        let m = e.message();
        if m.contains("extension") && (m.contains("index") || m.contains("mandatory")) {
            GitError::IndexFormat(m.to_owned())
        } else {
            GitError::Git(e)
        }
    }
}

/// What makes the repository at `git_dir` unreadable for ripen, if
/// anything: an object format or ref storage libgit2 does not support.
fn unsupported_format(git_dir: &Path) -> Option<String> {
    let config = std::fs::read_to_string(git_dir.join("config")).ok()?;
    let mut section = String::new();
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (
            key.trim().to_ascii_lowercase(),
            value.trim().to_ascii_lowercase(),
        );
        if section.starts_with("[extensions") {
            if key == "objectformat" && value != "sha1" {
                return Some(format!("{value} object names"));
            }
            if key == "refstorage" && value != "files" {
                return Some(format!("{value} refs"));
            }
        }
    }
    None
}

/// The nearest `.git` at or above `start` and its git directory.
fn enclosing_git(start: &Path) -> Option<(PathBuf, PathBuf)> {
    start.ancestors().find_map(|p| {
        let dot = p.join(".git");
        if dot.is_dir() {
            Some((p.to_path_buf(), dot))
        } else if dot.is_file() {
            let text = std::fs::read_to_string(&dot).ok()?;
            let dir = text.strip_prefix("gitdir:")?.trim();
            Some((p.to_path_buf(), p.join(dir)))
        } else {
            None
        }
    })
}

/// The first symbolic link among the folders from the repository's root
/// `root` (canonical) down to `state` (absolute, as given) and its
/// `use-cases/`.
fn symlink_below(root: &Path, state: &Path) -> Option<PathBuf> {
    let base = state
        .ancestors()
        .find(|a| a.canonicalize().is_ok_and(|c| c == root))?;
    let tail = state.strip_prefix(base).ok()?;
    let mut at = base.to_path_buf();
    for c in tail
        .components()
        .chain(std::iter::once(std::path::Component::Normal(
            USE_CASES_DIR.as_ref(),
        )))
    {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Some(at),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// A repository and where the state directory sits inside it.
pub struct Located {
    /// The repository.
    pub repo: Repository,
    /// The state directory relative to the repository's root, `/`-separated
    /// (empty when the state directory is the root).
    pub state_rel: String,
}

/// Reads objects the way git does: without hashing each one again.
///
/// libgit2 re-hashes every object it reads (with collision detection),
/// which is most of the time of walking a long history. git itself checks
/// objects when they enter the repository and in `git fsck`, not on every
/// read; ripen follows git.
fn read_objects_like_git() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Finds the repository holding `state_dir` (which need not exist in the
/// working tree) and the state directory's path inside it.
pub fn locate(state_dir: &Path) -> Result<Located, GitError> {
    read_objects_like_git();
    let absolute = absolute(state_dir);
    // Walk up to the nearest existing ancestor to discover from.
    let mut probe = absolute.as_path();
    while !probe.exists() {
        match probe.parent() {
            Some(p) => probe = p,
            None => break,
        }
    }
    let repo = Repository::discover(probe).map_err(|e| {
        if e.code() == git2::ErrorCode::Owner {
            // git's safe.directory check: say so, never suggest `git init`.
            let root = owned_root(probe);
            GitError::NotOwned(root.display().to_string())
        } else if let Some((root, git_dir)) = enclosing_git(probe) {
            match unsupported_format(&git_dir) {
                Some(what) => GitError::Unsupported {
                    path: root.display().to_string(),
                    what,
                },
                None => GitError::NotARepository(state_dir.display().to_string()),
            }
        } else {
            GitError::NotARepository(state_dir.display().to_string())
        }
    })?;
    let root = match repo.workdir() {
        Some(w) => w.canonicalize().unwrap_or_else(|_| w.to_path_buf()),
        None => repo.path().to_path_buf(),
    };
    if let Some(link) = symlink_below(&root, &absolute) {
        return Err(GitError::Symlink(link.display().to_string()));
    }
    let existing = probe.canonicalize().unwrap_or_else(|_| probe.to_path_buf());
    let missing_tail = absolute.strip_prefix(probe).unwrap_or(Path::new(""));
    let full = existing.join(missing_tail);
    let rel = full.strip_prefix(&root).unwrap_or(Path::new(""));
    let state_rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Ok(Located { repo, state_rel })
}

/// The folder holding `.git` at or above `start` (for messages).
fn owned_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|p| p.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// What a tree entry holds, as a snapshot gives it: a blob's bytes (at
/// most [`MAX_FILE_BYTES`]), or why it was not read.
pub(crate) fn blob_content(repo: &Repository, entry: &git2::TreeEntry<'_>) -> Content {
    match entry.kind() {
        Some(ObjectType::Blob) => {}
        Some(ObjectType::Tree) => return Content::NotAFile("folder"),
        Some(ObjectType::Commit) => return Content::NotAFile("submodule"),
        _ => return Content::NotAFile("special entry"),
    }
    if entry.filemode() == 0o120000 {
        return Content::NotAFile("symbolic link");
    }
    let size = match repo.odb().and_then(|odb| odb.read_header(entry.id())) {
        Ok((size, _)) => size as u64,
        Err(e) => return Content::Unreadable(e.message().to_owned()),
    };
    if size > MAX_FILE_BYTES {
        return Content::TooLarge(size);
    }
    match repo.find_blob(entry.id()) {
        Ok(b) => Content::Bytes(b.content().to_vec()),
        Err(e) => Content::Unreadable(e.message().to_owned()),
    }
}

/// Reads the state directory `state_rel` out of a commit's tree.
pub fn snapshot_of_tree(
    repo: &Repository,
    tree: &Tree<'_>,
    state_rel: &str,
    root_display: &str,
) -> Option<Snapshot> {
    let state_tree = if state_rel.is_empty() {
        tree.clone()
    } else {
        let entry = tree.get_path(Path::new(state_rel)).ok()?;
        repo.find_tree(entry.id()).ok()?
    };
    let mut files = Vec::new();
    for name in [SETTINGS_FILE, POLICY_FILE, crate::access::ACCESS_FILE] {
        if let Some(e) = state_tree.get_name(name) {
            files.push(SourceFile {
                rel: name.to_owned(),
                content: blob_content(repo, &e),
            });
        }
    }
    if let Some(cases) = state_tree.get_name(USE_CASES_DIR)
        && let Ok(cases) = repo.find_tree(cases.id())
    {
        for e in cases.iter() {
            let name = String::from_utf8_lossy(e.name_bytes()).into_owned();
            files.push(SourceFile {
                rel: format!("{USE_CASES_DIR}/{name}"),
                content: blob_content(repo, &e),
            });
        }
    }
    Some(Snapshot {
        root: root_display.to_owned(),
        files,
    })
}

/// The commit a revision names (a commit, branch, tag, `HEAD~3`, ...).
pub fn commit_of<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Commit<'r>, GitError> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| GitError::BadRevision {
            rev: rev.to_owned(),
            reason: e.message().to_owned(),
        })
}

/// Reads the state directory as it was at revision `rev`.
pub fn snapshot_at(state_dir: &Path, rev: &str) -> Result<Snapshot, GitError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let commit = commit_of(repo, rev)?;
    let tree = commit.tree()?;
    let display = format!("{rev}:{}", located.state_rel);
    snapshot_of_tree(
        repo,
        &tree,
        &located.state_rel,
        display.trim_end_matches(':'),
    )
    .ok_or(GitError::NoStateAtRevision {
        path: located.state_rel.clone(),
        rev: rev.to_owned(),
    })
}

/// Runs `git init` in `dir` unless it is already inside a repository.
/// Returns whether a repository was created.
pub fn init_if_needed(dir: &Path) -> Result<bool, GitError> {
    if Repository::discover(dir).is_ok() {
        return Ok(false);
    }
    // A repository ripen cannot read is still a repository: never nest a
    // second one inside it.
    if let Some((root, git_dir)) = enclosing_git(&absolute(dir))
        && let Some(what) = unsupported_format(&git_dir)
    {
        return Err(GitError::Unsupported {
            path: root.display().to_string(),
            what,
        });
    }
    Repository::init(dir)?;
    Ok(true)
}

/// What the status bar shows about the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoStatus {
    /// The checked-out branch's short name, if any.
    pub branch: Option<String>,
    /// HEAD's commit id, if there is a commit.
    pub head: Option<git2::Oid>,
    /// Whether the state directory has uncommitted changes (staged or not).
    pub dirty: bool,
    /// Whether a repository was found at all.
    pub in_repo: bool,
}

impl RepoStatus {
    /// HEAD's abbreviated id (7 hex digits), or `-`.
    pub fn short_head(&self) -> String {
        self.head.map(short_id).unwrap_or_else(|| "-".to_owned())
    }
}

/// A commit's (or any object's) abbreviated id as people read it: its
/// first 7 hex digits, as `git log --oneline` shows it.
pub fn short_id(id: git2::Oid) -> String {
    short_hex(&id.to_string()).to_owned()
}

/// [`short_id`] of an id already written in hex (as stored in an outcome
/// that is serialized): its first 7 characters, or all of a shorter one.
pub fn short_hex(hex: &str) -> &str {
    hex.get(..7).unwrap_or(hex)
}

/// Reads branch, HEAD and whether the state directory is dirty.
pub fn status(state_dir: &Path) -> RepoStatus {
    let Ok(located) = locate(state_dir) else {
        return RepoStatus::default();
    };
    let repo = &located.repo;
    let head = repo.head().ok();
    let branch = match repo.find_reference("HEAD") {
        Ok(r) => match r.symbolic_target() {
            Ok(Some(t)) => Some(t.strip_prefix("refs/heads/").unwrap_or(t).to_owned()),
            _ => Some("(detached)".to_owned()),
        },
        Err(_) => None,
    };
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    if !located.state_rel.is_empty() {
        opts.pathspec(&located.state_rel);
    }
    let dirty = !repo.is_bare()
        && repo
            .statuses(Some(&mut opts))
            .map(|s| !s.is_empty())
            .unwrap_or(false);
    RepoStatus {
        branch,
        head: head.and_then(|h| h.target()),
        dirty,
        in_repo: true,
    }
}

/// The commit a revision names in the repository holding `state_dir`.
pub fn resolve_commit(state_dir: &Path, rev: &str) -> Result<git2::Oid, GitError> {
    let located = locate(state_dir)?;
    Ok(commit_of(&located.repo, rev)?.id())
}

/// The bytes of file `rel` (relative to the state directory) in HEAD's
/// commit, with that commit; `None` when HEAD has no commit or no such
/// file. Reads one blob, whatever the size of the register.
pub fn file_at_head(state_dir: &Path, rel: &str) -> Result<Option<(git2::Oid, Vec<u8>)>, GitError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let head = match repo.head() {
        Ok(h) => h.peel_to_commit()?,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let path = if located.state_rel.is_empty() {
        rel.to_owned()
    } else {
        format!("{}/{rel}", located.state_rel)
    };
    let Ok(entry) = head.tree()?.get_path(Path::new(&path)) else {
        return Ok(None);
    };
    let blob = repo.find_blob(entry.id())?;
    Ok(Some((head.id(), blob.content().to_vec())))
}
