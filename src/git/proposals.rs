//! Proposals: branches that change the register, listed with what they
//! change, and accepted into the current branch safely.
//!
//! A team proposes a change by committing on a branch (local, or pushed to
//! the shared remote and fetched). [`list`] finds every local branch and
//! remote-tracking branch whose tip is not on HEAD and whose state directory
//! differs from the merge base's, and says what it changes (the semantic
//! diff from the merge base to the tip), who made it, whether its register
//! validates and whether it merges without conflict. Branches that share no
//! history with HEAD are not proposals and are left out.
//!
//! Every file a branch changes is classified ([`classify`]): a register
//! file (a use case, `register.ron`, `policy.ron`), another file inside
//! the state directory, or a file outside it; `.gitattributes`,
//! `.gitignore`, executables, symbolic links and submodules are named as
//! such. A proposal lists the ones that are not register files.
//!
//! [`accept`] brings one proposal into the current branch with a merge
//! commit, never a fast-forward, authored by the accepter, whose message
//! lists the changes. It refuses, changing nothing, when editing is off
//! ([`super::commit::read_only_reason`]: bare repository, detached HEAD, a
//! merge in progress, ...), when no identity is configured, when the
//! branch moved from the tip the user reviewed, when its register does not
//! validate, when it conflicts, when the merged register would not
//! validate, when it changes files other than register files (unless
//! [`AcceptOptions::allow_other_files`]), when it moves a use case into
//! FineTune that readiness does not support (unless an
//! [`AcceptOptions::override_reason`] is given, which the message records
//! as a stage move's override), when it holds anything but regular files,
//! or when the working tree or the index has changes to the files it
//! would write.
//!
//! Only the files that change between HEAD and the accepted tree are
//! written to the working tree and updated in the index. Each is checked
//! to hold exactly HEAD's content, behind no symbolic link, with nothing
//! staged, before anything is written; the merge commit then lands by the
//! commit protocol of [`super::commit`] ([`super::commit::land_commit`]):
//! the accepted files are staged in a journal, the branch moves by
//! compare-and-swap on the HEAD commit, each working file is exchanged in
//! one step only if it still holds what was checked (an edit made
//! meanwhile is kept, never overwritten), and the index entries follow
//! under a lock held only for that moment. A kill at any point leaves HEAD
//! and the working tree as they were, or a merge commit whose working
//! tree the next ripen command finishes: the whole accept or none of it.
//! One accept runs at a time per repository (a kernel lock on the `.git`
//! folder, released with the process).
//!
//! Branch content is untrusted: it is read through
//! [`super::snapshot_of_tree`] (blobs over 1 MiB are refused unread) and
//! loaded by [`crate::register::load`], which turns anything broken into
//! diagnostics. Names and text from a branch reach people only through
//! [`crate::text::sanitize`].
//!
//! Both sides of a proposal's diff are evaluated at one date: the `as_of`
//! passed in, else HEAD's `register.ron` `as_of`, else `today`.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, SecondsFormat};
use git2::{
    Commit, Delta, DiffOptions, ErrorCode, FileMode, ObjectType, Oid, ReferenceType, Repository,
    Sort, Tree,
};
use serde::Serialize;

use super::commit::{ChangeError, Landing, Step, land_commit, read_only_reason};
use super::history::time_of;
use super::{GitError, locate, snapshot_of_tree};
use crate::diff::{self, FieldChange, RegisterDiff, Status};
use crate::model::Date;
use crate::register::{self, Diagnostic, Register, Snapshot};
use crate::text::sanitize;

/// A branch that proposes changes to the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The branch's short name: `team/claims-update` for a local branch,
    /// `origin/team/claims-update` for a remote-tracking one.
    pub branch: String,
    /// The full reference name (`refs/heads/team/claims-update`).
    #[serde(rename = "ref")]
    pub reference: String,
    /// How many commits of the branch are not on HEAD.
    pub commits: usize,
    /// The distinct authors of those commits, `Name <email>`, newest first.
    pub authors: Vec<String>,
    /// The tip's commit (committer) time, RFC 3339 in JSON.
    #[serde(serialize_with = "rfc3339")]
    pub last_commit_time: DateTime<FixedOffset>,
    /// Whether the branch's register has no errors.
    pub valid: bool,
    /// Every diagnostic of the branch's register (files shown as
    /// `<branch>:<state dir>/...`).
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the branch merges into HEAD without conflict (always true
    /// when HEAD is the merge base).
    pub mergeable: bool,
    /// How many files the branch changes outside the state directory.
    pub files_outside_state: usize,
    /// Every file the branch changes (merge base to tip) that is not a
    /// register file: other files in the state directory, files outside
    /// it. Accepting such a proposal needs `--allow-other-files`.
    pub other_files: Vec<ChangedFile>,
    /// The moves into FineTune (HEAD's register to the tip's) that
    /// readiness does not support: accepting needs an override reason.
    pub overrides: Vec<Override>,
    /// What the branch changes: the merge base's register to the tip's.
    pub changes: RegisterDiff,
    /// The branch's tip, to pass to [`accept`] as the expected tip.
    #[serde(serialize_with = "oid")]
    pub tip: Oid,
    /// The merge base of the tip and HEAD.
    #[serde(serialize_with = "oid")]
    pub base: Oid,
}

/// Where a file a proposal changes stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileClass {
    /// A use-case file, `register.ron` or `policy.ron`.
    Register,
    /// Another file inside the state directory.
    InState,
    /// A file outside the state directory.
    Outside,
}

/// What makes a file a proposal changes worth a second look, beyond not
/// being a register file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFlag {
    /// `.gitattributes`: can hide later changes from `git diff` and `git
    /// log -p` (`-diff`), or change how files are checked out.
    Gitattributes,
    /// `.gitignore`: can hide new files (a new use case) from `git status`.
    Gitignore,
    /// An executable file.
    Executable,
    /// A symbolic link.
    Symlink,
    /// A submodule.
    Submodule,
}

impl FileFlag {
    /// How the flag is named to people.
    pub fn label(self) -> &'static str {
        match self {
            FileFlag::Gitattributes => ".gitattributes",
            FileFlag::Gitignore => ".gitignore",
            FileFlag::Executable => "executable",
            FileFlag::Symlink => "symbolic link",
            FileFlag::Submodule => "submodule",
        }
    }
}

/// One file a proposal changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    /// The path, relative to the repository.
    pub path: String,
    /// Register file, other file in the state directory, or outside it.
    pub class: FileClass,
    /// What kind of file it is, when that matters (empty for most).
    pub flags: Vec<FileFlag>,
}

impl ChangedFile {
    /// `path (not a register file; .gitignore, executable)`: how the file
    /// is named in lists, sanitized.
    pub fn describe(&self) -> String {
        let mut what = vec![match self.class {
            FileClass::Register => "register file",
            FileClass::InState => "not a register file",
            FileClass::Outside => "outside the state directory",
        }];
        what.extend(self.flags.iter().map(|f| f.label()));
        format!("{} ({})", sanitize(&self.path), what.join(", "))
    }
}

/// Classifies `path` (relative to the repository; `mode` its git mode in
/// the tip, if it is there) against the state directory `state_rel`.
pub fn classify(state_rel: &str, path: &str, mode: Option<FileMode>) -> ChangedFile {
    let in_state_dir = in_state(state_rel, path);
    let rel = if state_rel.is_empty() {
        path
    } else {
        path.strip_prefix(state_rel)
            .map_or(path, |r| r.trim_start_matches('/'))
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut flags = Vec::new();
    if name.eq_ignore_ascii_case(".gitattributes") {
        flags.push(FileFlag::Gitattributes);
    }
    if name.eq_ignore_ascii_case(".gitignore") {
        flags.push(FileFlag::Gitignore);
    }
    match mode {
        Some(FileMode::BlobExecutable) => flags.push(FileFlag::Executable),
        Some(FileMode::Link) => flags.push(FileFlag::Symlink),
        Some(FileMode::Commit) => flags.push(FileFlag::Submodule),
        _ => {}
    }
    let class = if !in_state_dir {
        FileClass::Outside
    } else if flags.is_empty() && register::FileKind::of(rel).is_some() {
        FileClass::Register
    } else {
        FileClass::InState
    };
    ChangedFile {
        path: path.to_owned(),
        class,
        flags,
    }
}

/// Every file `from` and `to` differ in that is not a register file,
/// classified, in path order.
fn other_files(
    repo: &Repository,
    from: &Tree<'_>,
    to: &Tree<'_>,
    state_rel: &str,
) -> Result<Vec<ChangedFile>, git2::Error> {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true);
    let diff = repo.diff_tree_to_tree(Some(from), Some(to), Some(&mut opts))?;
    let mut out: Vec<ChangedFile> = Vec::new();
    for delta in diff.deltas() {
        let mode = (delta.status() != Delta::Deleted).then(|| delta.new_file().mode());
        for p in delta_paths(&delta) {
            let f = classify(state_rel, &p, mode);
            if f.class != FileClass::Register && !out.iter().any(|o| o.path == f.path) {
                out.push(f);
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

impl Proposal {
    /// The number of error diagnostics.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == register::Severity::Error)
            .count()
    }
}

fn rfc3339<S: serde::Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn oid<S: serde::Serializer>(id: &Oid, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.to_string())
}

/// How to accept a proposal; the default refuses what needs a decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptOptions {
    /// Accept a proposal that changes files other than register files
    /// (the user has reviewed them).
    pub allow_other_files: bool,
    /// Why use cases that are not ready may move into FineTune (as `>`'s
    /// override confirmation); recorded in the merge commit.
    pub override_reason: Option<String>,
    /// Who the merge commit is authored by; `None`: the repository's
    /// configured identity (always the committer).
    pub author: Option<super::sign::Identity>,
    /// One more file the merge commit writes (a review's record of the
    /// decision to accept), so that the decision and the merge are one
    /// commit.
    pub also: Option<AlsoWrite>,
}

/// A file written by the merge commit besides the proposal's changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlsoWrite {
    /// The file, relative to the state directory.
    pub rel: String,
    /// What it holds at HEAD (compare-and-swap); `None`: it must not exist.
    pub expected: Option<Vec<u8>>,
    /// Its new content.
    pub new: Vec<u8>,
    /// Lines appended to the merge commit's message.
    pub note: String,
}

/// A move into FineTune that readiness does not support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    /// The use case.
    pub id: String,
    /// Why readiness does not support it (as [`crate::change::override_needed`] says).
    pub why: String,
}

/// What accepting did: the merge commit made on the current branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// A merge commit was made on the current branch (always, even when
    /// the branch could be fast-forwarded: the commit records who accepted
    /// the proposal, and when).
    Merged {
        /// The merge commit.
        commit: Oid,
    },
}

/// Why a proposal could not be accepted. Nothing was changed in any case
/// except [`AcceptError::KeptEdit`], [`AcceptError::WorkingTreeBehind`] and
/// [`AcceptError::IndexNotUpdated`], where the merge commit landed.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Editing is off for this repository, with the reason.
    #[error("cannot accept: {0}")]
    ReadOnly(String),
    /// No identity for the merge commit.
    #[error(
        "no git identity: set one with `git config user.name \"Your Name\"` and `git config user.email you@example.com`"
    )]
    NoIdentity,
    /// No such branch.
    #[error(
        "no branch `{}`: `ripen proposals` lists the branches that propose changes",
        sanitize(.0)
    )]
    UnknownBranch(String),
    /// The branch points elsewhere than when it was listed.
    #[error(
        "{} moved since it was listed (it is now at {}); review it again with `ripen proposals` before accepting",
        sanitize(.branch),
        short(.now)
    )]
    TipMoved {
        /// The branch.
        branch: String,
        /// Where it points now.
        now: Oid,
    },
    /// The current branch has no commit yet.
    #[error("the current branch has no commit yet; commit the register first")]
    NoCommit,
    /// Every commit of the branch is already on HEAD.
    #[error("{} is already part of the current branch; there is nothing to accept", sanitize(.0))]
    AlreadyMerged(String),
    /// The branch shares no history with HEAD.
    #[error(
        "{} has no history in common with the current branch; if that is intended, merge it with git",
        sanitize(.0)
    )]
    Unrelated(String),
    /// The branch changes files outside the state directory.
    #[error(
        "{} changes files outside {}: {}; a governance tool does not merge code: accept it with git",
        sanitize(.branch),
        sanitize(.state),
        list_paths(.paths)
    )]
    OutsideState {
        /// The branch.
        branch: String,
        /// The state directory, relative to the repository.
        state: String,
        /// The files, relative to the repository.
        paths: Vec<String>,
    },
    /// The branch changes files that are not register files, and
    /// `allow_other_files` was not given.
    #[error(
        "{} changes files that are not register files: {}; review them, then accept with --allow-other-files (or merge it with git)",
        sanitize(.branch),
        list_files(.files)
    )]
    OtherFiles {
        /// The branch.
        branch: String,
        /// The files.
        files: Vec<ChangedFile>,
    },
    /// The proposal moves use cases into FineTune that are not ready, and
    /// no override reason was given.
    #[error(
        "{} moves into FineTune what readiness does not support: {}; pass --override REASON to accept it anyway (the override and its reason are recorded)",
        sanitize(.branch),
        .moves.iter().map(|m| format!("{} ({})", sanitize(&m.id), m.why)).collect::<Vec<_>>().join("; ")
    )]
    NeedsOverride {
        /// The branch.
        branch: String,
        /// The moves that override readiness.
        moves: Vec<Override>,
    },
    /// The branch holds something other than regular files, or a name
    /// that cannot be written safely.
    #[error("{} {}; ripen writes only regular files: accept it with git", sanitize(.branch), sanitize(.what))]
    Unsupported {
        /// The branch.
        branch: String,
        /// What it holds, and where.
        what: String,
    },
    /// The branch's register has errors.
    #[error(
        "{} does not validate ({} error(s); the first: {}); fix it on the branch, then accept it",
        sanitize(.branch),
        .diagnostics.iter().filter(|d| d.severity == register::Severity::Error).count(),
        first_error(.diagnostics)
    )]
    Invalid {
        /// The branch.
        branch: String,
        /// Every diagnostic of the branch's register.
        diagnostics: Vec<Diagnostic>,
    },
    /// Merged, the register would have errors.
    #[error(
        "merging {} would give a register with {} error(s) (the first: {}); fix the current branch or rebase the proposal",
        sanitize(.branch),
        .diagnostics.iter().filter(|d| d.severity == register::Severity::Error).count(),
        first_error(.diagnostics)
    )]
    MergedInvalid {
        /// The branch.
        branch: String,
        /// Every diagnostic of the merged register.
        diagnostics: Vec<Diagnostic>,
    },
    /// The branch conflicts with HEAD.
    #[error(
        "{} conflicts with the current branch in {}; merge it with git, or rebase the branch and push it again",
        sanitize(.branch),
        list_paths(.paths)
    )]
    Conflicts {
        /// The branch.
        branch: String,
        /// The conflicting files, relative to the repository.
        paths: Vec<String>,
    },
    /// The working tree has uncommitted changes under the state directory.
    #[error(
        "uncommitted changes under {}: {}; commit or discard them first, so that accepting changes only what the proposal changes",
        sanitize(.state),
        list_paths(.paths)
    )]
    Uncommitted {
        /// The state directory, relative to the repository.
        state: String,
        /// The files, relative to the repository.
        paths: Vec<String>,
    },
    /// A file changed while accepting (someone edited it): it was left as
    /// they left it, and nothing was accepted.
    #[error(
        "{} changed while accepting ({}); it was left as it is and nothing was accepted: review it and try again",
        list_paths(.paths),
        sanitize(.why)
    )]
    ChangedMeanwhile {
        /// What happened.
        why: String,
        /// The files left alone.
        paths: Vec<String>,
    },
    /// The current branch moved while accepting.
    #[error(
        "the current branch moved while accepting (another commit landed); nothing was changed: review and try again"
    )]
    HeadMoved,
    /// Another git process holds a lock, or a stale lock is left.
    #[error(
        "{} exists: another git process is running, or one crashed; if none is running, remove that file and retry",
        .0.display()
    )]
    Locked(PathBuf),
    /// Accepted, but a file was edited by someone else while accepting:
    /// their version was kept in the working tree.
    #[error(
        "accepted ({}), but {} was edited while accepting: your edit is kept in the file (`git status` shows it), the accepted version is in the commit (`git show HEAD`)",
        describe(.accepted),
        list_paths(.files)
    )]
    KeptEdit {
        /// What was done.
        accepted: Accepted,
        /// The files whose edit was kept.
        files: Vec<String>,
    },
    /// Accepted, but the working tree could not be brought up to date;
    /// the next ripen command finishes it.
    #[error(
        "accepted ({}), but the working tree could not be updated ({}); the next ripen command finishes the update",
        describe(.accepted),
        sanitize(.why)
    )]
    WorkingTreeBehind {
        /// What was done.
        accepted: Accepted,
        /// What failed.
        why: String,
    },
    /// Accepted, but the index could not be updated.
    #[error(
        "accepted ({}), but the index could not be updated ({why}); `git status` may show files as changed until `git reset`",
        describe(.accepted)
    )]
    IndexNotUpdated {
        /// What was done.
        accepted: Accepted,
        /// What failed.
        why: String,
    },
    /// A file-system failure.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A git failure.
    #[error(transparent)]
    Git(#[from] GitError),
}

impl From<git2::Error> for AcceptError {
    fn from(e: git2::Error) -> Self {
        AcceptError::Git(GitError::Git(e))
    }
}

impl From<ChangeError> for AcceptError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Locked(p) => AcceptError::Locked(p),
            ChangeError::Io(e) => AcceptError::Io(e),
            ChangeError::Git(e) => AcceptError::Git(e),
            other => AcceptError::Io(io::Error::other(other.to_string())),
        }
    }
}

fn short(id: &Oid) -> String {
    super::short_id(*id)
}

fn describe(a: &Accepted) -> String {
    match a {
        Accepted::Merged { commit } => format!("merge commit {}", short(commit)),
    }
}

/// At most five paths, sanitized, then how many more.
fn list_paths(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|p| sanitize(p).into_owned())
        .collect();
    if paths.len() > SHOWN {
        out.push(format!("and {} more", paths.len() - SHOWN));
    }
    out.join(", ")
}

/// At most five files, described, then how many more.
fn list_files(files: &[ChangedFile]) -> String {
    const SHOWN: usize = 5;
    let mut out: Vec<String> = files
        .iter()
        .take(SHOWN)
        .map(ChangedFile::describe)
        .collect();
    if files.len() > SHOWN {
        out.push(format!("and {} more", files.len() - SHOWN));
    }
    out.join(", ")
}

fn first_error(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .find(|d| d.severity == register::Severity::Error)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// Whether `path` (relative to the repository) lies in the state directory.
fn in_state(state_rel: &str, path: &str) -> bool {
    state_rel.is_empty()
        || path
            .strip_prefix(state_rel)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The id of the state directory's entry in `tree` (the tree itself for the
/// repository's root).
fn state_entry(tree: &Tree<'_>, state_rel: &str) -> Option<Oid> {
    if state_rel.is_empty() {
        Some(tree.id())
    } else {
        tree.get_path(Path::new(state_rel)).ok().map(|e| e.id())
    }
}

/// The register held by `tree`, evaluated at `date`; an empty snapshot
/// (every file missing) when the state directory is not there.
fn register_of(
    repo: &Repository,
    tree: &Tree<'_>,
    state_rel: &str,
    label: &str,
    date: Date,
) -> Register {
    let display = root_display(label, state_rel);
    let snapshot = snapshot_of_tree(repo, tree, state_rel, &display).unwrap_or_else(|| Snapshot {
        root: display.clone(),
        files: Vec::new(),
    });
    register::load(&snapshot, Some(date), date)
}

/// [`register_of`], parsing only the files `cache` has not seen: the
/// proposals of one listing share almost every file.
fn register_cached(
    repo: &Repository,
    tree: &Tree<'_>,
    state_rel: &str,
    label: &str,
    date: Date,
    cache: &mut register::ParseCache,
) -> Register {
    let display = root_display(label, state_rel);
    let snapshot = snapshot_of_tree(repo, tree, state_rel, &display).unwrap_or_else(|| Snapshot {
        root: display.clone(),
        files: Vec::new(),
    });
    register::load_cached(&snapshot, Some(date), date, cache)
}

fn head_commit(repo: &Repository) -> Result<Option<Commit<'_>>, git2::Error> {
    match repo.head() {
        Ok(h) => Ok(Some(h.peel_to_commit()?)),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The evaluation date: `as_of`, else HEAD's `register.ron` `as_of`, else
/// `today`.
fn evaluation_date(
    repo: &Repository,
    head_tree: &Tree<'_>,
    state_rel: &str,
    as_of: Option<Date>,
    today: Date,
) -> Date {
    if let Some(d) = as_of {
        return d;
    }
    // `register.ron` alone decides it: no need to load the use cases.
    let settings = state_tree(repo, head_tree, state_rel).map(|state| {
        let snapshot = partial_snapshot(repo, &state, &BTreeSet::new(), "HEAD", &HashMap::new());
        register::load(&snapshot, None, today).settings
    });
    register::as_of(None, settings.flatten().as_ref(), today)
}

/// A path of a diff entry, as UTF-8 (lossy) for display and checks.
fn delta_paths(delta: &git2::DiffDelta<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for f in [delta.old_file(), delta.new_file()] {
        if let Some(p) = f.path_bytes() {
            let p = String::from_utf8_lossy(p).into_owned();
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The branch's short name for a reference, if it is a branch.
fn short_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("refs/heads/")
        .or_else(|| reference.strip_prefix("refs/remotes/"))
}

/// Every local and remote-tracking branch that proposes changes to the
/// register at `state_dir`: commits not on HEAD that change the state
/// directory relative to the merge base. Sorted by reference name (local
/// branches first). Empty while HEAD has no commit.
///
/// `as_of` is the `--as-of` date; without it HEAD's `register.ron` `as_of`,
/// else `today`, is used for both sides of every proposal.
pub fn list(state_dir: &Path, as_of: Option<Date>, today: Date) -> Result<Vec<Proposal>, GitError> {
    scan(state_dir, as_of, today).map(|l| l.proposals)
}

/// The proposals, and the references that were skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// As [`list`] returns them.
    pub proposals: Vec<Proposal>,
    /// One warning per reference that could not be read (an invalid name,
    /// a branch pointing at a missing commit or tree), as git warns and
    /// goes on.
    pub skipped: Vec<String>,
}

/// [`list`], also saying which references were skipped and why: one
/// broken reference never hides the others.
pub fn scan(state_dir: &Path, as_of: Option<Date>, today: Date) -> Result<Listing, GitError> {
    scan_with_progress(state_dir, as_of, today, &mut |_, _| {})
}

/// [`list`], calling `progress(done, total)` as each branch is examined
/// (once more at the end, with `done == total`).
pub fn list_with_progress(
    state_dir: &Path,
    as_of: Option<Date>,
    today: Date,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Proposal>, GitError> {
    scan_with_progress(state_dir, as_of, today, progress).map(|l| l.proposals)
}

/// [`scan`] with progress, as [`list_with_progress`] reports it.
pub fn scan_with_progress(
    state_dir: &Path,
    as_of: Option<Date>,
    today: Date,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Listing, GitError> {
    scan_reading(state_dir, (as_of, today), progress, true)
}

/// [`scan_with_progress`]; `in_part` false loads every register whole (the
/// reference the reading in part is checked against).
fn scan_reading(
    state_dir: &Path,
    (as_of, today): (Option<Date>, Date),
    progress: &mut dyn FnMut(usize, usize),
    in_part: bool,
) -> Result<Listing, GitError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let state_rel = located.state_rel.as_str();
    let mut skipped = Vec::new();
    let Some(head) = head_commit(repo)? else {
        return Ok(Listing {
            proposals: Vec::new(),
            skipped,
        });
    };
    let head_tree = head.tree()?;
    let date = evaluation_date(repo, &head_tree, state_rel, as_of, today);
    let current = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned));

    let mut names = Vec::new();
    for glob in ["refs/heads/*", "refs/remotes/*"] {
        let refs = match repo.references_glob(glob) {
            Ok(r) => r,
            Err(e) => {
                skipped.push(format!("cannot list {glob}: {}", e.message()));
                continue;
            }
        };
        for r in refs {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    skipped.push(format!("skipped a reference: {}", e.message()));
                    continue;
                }
            };
            if r.kind() != Some(ReferenceType::Direct) {
                continue; // refs/remotes/origin/HEAD and the like
            }
            // A name that is not UTF-8 could not be given back to `accept`.
            let Ok(name) = r.name() else {
                skipped.push(format!(
                    "skipped {}: the name is not UTF-8",
                    String::from_utf8_lossy(r.name_bytes())
                ));
                continue;
            };
            if short_name(name).is_none() || current.as_deref() == Some(name) {
                continue;
            }
            names.push(name.to_owned());
        }
    }
    names.sort();
    names.dedup();

    let mut out = Vec::new();
    let mut against = Against::head(repo, &head_tree, state_rel, date);
    if !in_part {
        against.cases = None;
    }
    let total = names.len();
    for (done, name) in names.into_iter().enumerate() {
        progress(done, total);
        let tip = repo
            .find_reference(&name)
            .and_then(|r| r.peel_to_commit())
            .and_then(|c| c.tree().map(|_| c));
        let tip = match tip {
            Ok(t) => t,
            Err(e) => {
                skipped.push(format!("skipped {name}: {}", e.message()));
                continue;
            }
        };
        match proposal(repo, &head, &mut against, &tip, &name, state_rel, date) {
            Ok(Some(p)) => out.push(p),
            Ok(None) => {}
            Err(e) => skipped.push(format!("skipped {name}: {}", e.message())),
        }
    }
    progress(total, total);
    Ok(Listing {
        proposals: out,
        skipped,
    })
}

/// The entries of a `use-cases` folder, by name: blob (or tree) id and mode.
type Entries = HashMap<String, (Oid, i32)>;

/// The registers of branches, read against HEAD's: a branch's register is
/// HEAD's plus the few use-case files its tree holds otherwise, so a branch
/// costs a comparison of two folders' entries and the parsing of the files
/// that differ, not a whole register.
struct Against {
    /// HEAD's register at the evaluation date (without the files' bytes).
    head: Register,
    /// The entries of HEAD's `use-cases` folder; `None` when HEAD has no
    /// state directory or a name that is not UTF-8 (every register is
    /// then loaded whole).
    cases: Option<Entries>,
    /// The id of HEAD's `use-cases` folder, if it has one.
    cases_id: Option<Oid>,
    /// The files parsed so far, for the registers loaded in part or whole.
    cache: register::ParseCache,
}

impl Against {
    fn head(repo: &Repository, head_tree: &Tree<'_>, state_rel: &str, date: Date) -> Against {
        let state = state_tree(repo, head_tree, state_rel);
        let cases = state.as_ref().and_then(|t| case_entries(repo, t));
        let head = match (&state, &cases) {
            (Some(state), Some(cases)) => {
                let root = root_display("HEAD", state_rel);
                register_lean(repo, (state, cases), &root, date, 1024)
            }
            _ => {
                let mut head = register_of(repo, head_tree, state_rel, "HEAD", date);
                for e in &mut head.use_cases {
                    e.original = Default::default();
                }
                head
            }
        };
        Against {
            head,
            cases,
            cases_id: state.as_ref().and_then(cases_id),
            cache: register::ParseCache::default(),
        }
    }
}

/// The register of a state tree whose `use-cases` folder holds `cases`,
/// as [`register_of`] loads it but without the files' bytes
/// ([`register::Entry::original`] left empty): loaded a slice of files at a
/// time (`slice` files), so that only one slice's bytes are held at once.
fn register_lean(
    repo: &Repository,
    (state, cases): (&Tree<'_>, &Entries),
    root: &str,
    date: Date,
    slice: usize,
) -> Register {
    let names: Vec<&String> = {
        let mut n: Vec<&String> = cases.keys().collect();
        n.sort();
        n
    };
    let prefix = format!("{}/", register::USE_CASES_DIR);
    // The files the working tree's parse cache knows by blob id are
    // neither read from the object database nor parsed.
    let files: Vec<(&str, Oid)> = names
        .iter()
        .map(|n| (n.as_str(), cases[n.as_str()].0))
        .collect();
    let mut known = super::cache::preparsed_blobs(repo.path(), date, &files);
    let mut whole: Option<Register> = None;
    let mut slices = names.chunks(slice.max(1));
    let first = slices.next().unwrap_or(&[]);
    for slice in std::iter::once(first).chain(slices) {
        let names: BTreeSet<String> = slice.iter().map(|n| (*n).clone()).collect();
        let preparsed: HashMap<String, register::Preparsed> = names
            .iter()
            .filter_map(|n| {
                let rel = format!("{prefix}{n}");
                known.remove(&rel).map(|p| (rel, p))
            })
            .collect();
        let snapshot = partial_snapshot(repo, state, &names, root, &preparsed);
        let (mut part, _) = register::load_preparsed(&snapshot, Some(date), date, preparsed);
        for e in &mut part.use_cases {
            e.original = Default::default();
        }
        match &mut whole {
            None => whole = Some(part),
            Some(w) => {
                // `register.ron` and `policy.ron` are in every slice: their
                // diagnostics are taken from the first.
                w.use_cases.append(&mut part.use_cases);
                let found = std::mem::take(&mut part.diagnostics);
                w.diagnostics.extend(found.into_iter().filter(|d| {
                    part.rel_of(&d.file)
                        .is_some_and(|rel| rel.starts_with(&prefix))
                }));
            }
        }
    }
    let mut reg = whole.unwrap_or_else(|| register::load(&Snapshot::default(), Some(date), date));
    reg.use_cases.sort_by(|a, b| a.id.cmp(&b.id));
    register::sort_diagnostics(&mut reg.diagnostics);
    reg
}

/// The state directory's tree in `tree` (`tree` itself for the root).
fn state_tree<'r>(repo: &'r Repository, tree: &Tree<'r>, state_rel: &str) -> Option<Tree<'r>> {
    if state_rel.is_empty() {
        return Some(tree.clone());
    }
    let entry = tree.get_path(Path::new(state_rel)).ok()?;
    repo.find_tree(entry.id()).ok()
}

/// The entries of the `use-cases` folder of a state tree (none when it has
/// no such folder), or `None` when a name is not UTF-8.
fn case_entries(repo: &Repository, state: &Tree<'_>) -> Option<Entries> {
    let mut out = HashMap::new();
    let Some(cases) = state
        .get_name(register::USE_CASES_DIR)
        .and_then(|e| repo.find_tree(e.id()).ok())
    else {
        return Some(out);
    };
    out.reserve(cases.len());
    for e in cases.iter() {
        let name = std::str::from_utf8(e.name_bytes()).ok()?;
        out.insert(name.to_owned(), (e.id(), e.filemode()));
    }
    Some(out)
}

/// The id of the `use-cases` folder of a state tree, if it has one.
fn cases_id(state: &Tree<'_>) -> Option<Oid> {
    state
        .get_name(register::USE_CASES_DIR)
        .filter(|e| e.kind() == Some(ObjectType::Tree))
        .map(|e| e.id())
}

/// The names whose entries differ between two `use-cases` folders (either
/// may be missing: no entries), compared as raw tree objects, the entries
/// they share stepped over; `None` when a name is not UTF-8 or a folder
/// cannot be read.
fn changed_between(
    odb: &git2::Odb<'_>,
    a: Option<Oid>,
    b: Option<Oid>,
) -> Option<BTreeSet<String>> {
    if a == b {
        return Some(BTreeSet::new());
    }
    let read = |id: Option<Oid>| match id {
        Some(id) => odb
            .read(id)
            .ok()
            .filter(|o| o.kind() == ObjectType::Tree)
            .map(Some),
        None => Some(None),
    };
    let (a, b) = (read(a)?, read(b)?);
    let a: &[u8] = a.as_ref().map_or(&[], |o| o.data());
    let b: &[u8] = b.as_ref().map_or(&[], |o| o.data());
    super::history::changed_entries(a, b)
        .into_iter()
        .map(|n| String::from_utf8(n.into_vec()).ok())
        .collect()
}

/// The snapshot of a state tree restricted to `register.ron`, `policy.ron`,
/// `access.ron` and the use-case files named `names` (those the tree has).
///
/// A file `known` holds is listed without its bytes (they are not read).
fn partial_snapshot(
    repo: &Repository,
    state: &Tree<'_>,
    names: &BTreeSet<String>,
    root: &str,
    known: &HashMap<String, register::Preparsed>,
) -> Snapshot {
    let mut files = Vec::new();
    for name in [
        register::SETTINGS_FILE,
        register::POLICY_FILE,
        crate::access::ACCESS_FILE,
    ] {
        if let Some(e) = state.get_name(name) {
            files.push(register::SourceFile {
                rel: name.to_owned(),
                content: super::blob_content(repo, &e),
            });
        }
    }
    let cases = state
        .get_name(register::USE_CASES_DIR)
        .and_then(|e| repo.find_tree(e.id()).ok());
    if let Some(cases) = cases {
        for name in names {
            if let Some(e) = cases.get_name(name) {
                let rel = format!("{}/{name}", register::USE_CASES_DIR);
                let content = if known.contains_key(&rel) {
                    register::Content::Bytes(Vec::new())
                } else {
                    super::blob_content(repo, &e)
                };
                files.push(register::SourceFile { rel, content });
            }
        }
    }
    Snapshot {
        root: root.to_owned(),
        files,
    }
}

/// How a register read from a tree under `label` is shown: `label:state`.
fn root_display(label: &str, state_rel: &str) -> String {
    format!("{label}:{state_rel}")
        .trim_end_matches(':')
        .to_owned()
}

/// What a branch changes, its register's diagnostics and the moves into
/// FineTune it asks for, read from the files that differ between HEAD,
/// the merge base and the tip; `None` when the trees do not allow it (no
/// state directory on a side, a name that is not UTF-8, a policy that
/// changes, so that every verdict may change), and the registers must be
/// loaded whole.
///
/// Every use-case file loads on its own at the one evaluation date, so a
/// file with the same bytes gives the same use case and diagnostics in any
/// register. Hence: the diff of the two registers restricted to the files
/// that differ somewhere (plus `register.ron` and `policy.ron`) is the
/// diff of the whole ones when the policy is the same on both sides (a
/// file the same on both sides adds nothing to it); the tip's diagnostics
/// are those of its files that differ from HEAD's plus HEAD's for the
/// others; and only a file that differs from HEAD's can move into
/// FineTune.
fn read_in_part(
    repo: &Repository,
    against: &mut Against,
    (base, base_tree): (Oid, &Tree<'_>),
    tip_tree: &Tree<'_>,
    (branch, state_rel): (&str, &str),
    date: Date,
) -> Option<(RegisterDiff, Vec<Diagnostic>, Vec<Override>)> {
    against.cases.as_ref()?;
    let base_state = state_tree(repo, base_tree, state_rel)?;
    let tip_state = state_tree(repo, tip_tree, state_rel)?;
    let policy = |t: &Tree<'_>| {
        t.get_name(register::POLICY_FILE)
            .map(|e| (e.id(), e.filemode()))
    };
    if policy(&base_state) != policy(&tip_state) {
        return None;
    }
    let odb = repo.odb().ok()?;
    let tip_cases = cases_id(&tip_state);
    let mut names = changed_between(&odb, against.cases_id, tip_cases)?;
    names.extend(changed_between(&odb, cases_id(&base_state), tip_cases)?);
    let before = register::load_cached(
        &partial_snapshot(
            repo,
            &base_state,
            &names,
            &root_display(&short(&base), state_rel),
            &HashMap::new(),
        ),
        Some(date),
        date,
        &mut against.cache,
    );
    let after = register::load_cached(
        &partial_snapshot(
            repo,
            &tip_state,
            &names,
            &root_display(branch, state_rel),
            &HashMap::new(),
        ),
        Some(date),
        date,
        &mut against.cache,
    );
    let changes = diff::diff(&before, &after);
    let overrides = overrides(&against.head, &after, date);
    let mut diagnostics = after.diagnostics.clone();
    let head = &against.head;
    let prefix = format!("{}/", register::USE_CASES_DIR);
    for d in &head.diagnostics {
        let Some(rel) = head.rel_of(&d.file) else {
            continue;
        };
        if rel
            .strip_prefix(&prefix)
            .is_some_and(|name| !names.contains(name))
        {
            let mut d = d.clone();
            d.file = after.display(rel);
            diagnostics.push(d);
        }
    }
    register::sort_diagnostics(&mut diagnostics);
    Some((changes, diagnostics, overrides))
}

/// The proposal of `tip` against HEAD (its commit and its register).
fn proposal(
    repo: &Repository,
    head: &Commit<'_>,
    against: &mut Against,
    tip: &Commit<'_>,
    reference: &str,
    state_rel: &str,
    date: Date,
) -> Result<Option<Proposal>, git2::Error> {
    let base = match repo.merge_base(head.id(), tip.id()) {
        Ok(b) => b,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if base == tip.id() {
        return Ok(None); // already on HEAD
    }
    let base_tree = repo.find_commit(base)?.tree()?;
    let tip_tree = tip.tree()?;
    if state_entry(&base_tree, state_rel) == state_entry(&tip_tree, state_rel) {
        return Ok(None); // does not touch the register
    }
    let branch = short_name(reference).unwrap_or(reference).to_owned();

    let mut walk = repo.revwalk()?;
    walk.push(tip.id())?;
    walk.hide(head.id())?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    let mut commits = 0;
    let mut authors: Vec<String> = Vec::new();
    for id in walk {
        let commit = repo.find_commit(id?)?;
        commits += 1;
        let a = commit.author();
        let who = format!(
            "{} <{}>",
            String::from_utf8_lossy(a.name_bytes()),
            String::from_utf8_lossy(a.email_bytes())
        );
        if !authors.contains(&who) {
            authors.push(who);
        }
    }

    let read = read_in_part(
        repo,
        against,
        (base, &base_tree),
        &tip_tree,
        (&branch, state_rel),
        date,
    );
    let (changes, diagnostics, overrides) = match read {
        Some(read) => read,
        None => {
            let cache = &mut against.cache;
            let before = register_cached(repo, &base_tree, state_rel, &short(&base), date, cache);
            let after = register_cached(repo, &tip_tree, state_rel, &branch, date, cache);
            let overrides = overrides(&against.head, &after, date);
            (diff::diff(&before, &after), after.diagnostics, overrides)
        }
    };
    let valid = !diagnostics
        .iter()
        .any(|d| d.severity == register::Severity::Error);
    let mergeable = base == head.id() || !repo.merge_commits(head, tip, None)?.has_conflicts();
    // One diff of the whole trees names both.
    let other_files = other_files(repo, &base_tree, &tip_tree, state_rel)?;
    let files_outside_state = other_files
        .iter()
        .filter(|f| f.class == FileClass::Outside)
        .count();
    Ok(Some(Proposal {
        branch,
        reference: reference.to_owned(),
        commits,
        authors,
        last_commit_time: time_of(tip.time()),
        valid,
        mergeable,
        files_outside_state,
        other_files,
        overrides,
        changes,
        diagnostics,
        tip: tip.id(),
        base,
    }))
}

/// What accepting a proposal would do, from [`preview`].
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The proposal's branch, as given.
    pub branch: String,
    /// The current branch (`refs/heads/main`).
    pub into: String,
    /// The commit the current branch points to.
    pub head: Oid,
    /// The proposal's tip.
    pub tip: Oid,
    /// The merge base.
    pub base: Oid,
    /// The merge commit's message.
    pub message: String,
    /// The files that would change in the working tree and the index,
    /// relative to the repository.
    pub files: Vec<String>,
    /// What the proposal changes (merge base to tip).
    pub changes: RegisterDiff,
    /// The files the proposal changes that are not register files
    /// (accepted only with [`AcceptOptions::allow_other_files`]).
    pub other_files: Vec<ChangedFile>,
    /// The moves into FineTune that override readiness (accepted only
    /// with [`AcceptOptions::override_reason`]).
    pub overrides: Vec<Override>,
}

/// One file to bring to its accepted state.
struct FileUpdate {
    repo_rel: String,
    /// HEAD's blob, if HEAD has the file.
    old: Option<Oid>,
    /// The accepted blob and its mode, if the accepted tree has the file.
    new: Option<(Oid, u32)>,
}

/// Everything accepting needs, checked.
struct Plan {
    preview: Preview,
    /// The accepted tree (the tip's when HEAD is the merge base, else the merge's).
    tree: Oid,
    updates: Vec<FileUpdate>,
}

/// `plan` with `also` written by the merge commit too: refused when the
/// proposal changes that file itself, or HEAD's copy is not what was
/// expected.
fn with_also(
    repo: &Repository,
    state_rel: &str,
    mut plan: Plan,
    also: Option<&AlsoWrite>,
) -> Result<Plan, AcceptError> {
    let Some(also) = also else {
        return Ok(plan);
    };
    let repo_rel = if state_rel.is_empty() {
        also.rel.clone()
    } else {
        format!("{state_rel}/{}", also.rel)
    };
    let branch = plan.preview.branch.clone();
    if plan.updates.iter().any(|u| u.repo_rel == repo_rel) {
        return Err(AcceptError::Unsupported {
            branch,
            what: format!(
                "changes {repo_rel}, which the decision records; accept it outside the review"
            ),
        });
    }
    let head_tree = repo.find_commit(plan.preview.head)?.tree()?;
    let old = head_tree
        .get_path(Path::new(&repo_rel))
        .ok()
        .map(|e| e.id());
    let old_bytes = match old {
        Some(id) => Some(repo.find_blob(id)?.content().to_vec()),
        None => None,
    };
    if old_bytes != also.expected {
        return Err(AcceptError::Uncommitted {
            state: state_display(state_rel),
            paths: vec![format!(
                "{repo_rel} (changed since the decision was prepared)"
            )],
        });
    }
    let blob = repo.blob(&also.new)?;
    let merged = repo.find_tree(plan.tree)?;
    plan.tree = super::commit::tree_with_file(repo, &merged, &repo_rel, blob, 0o100644)?;
    plan.updates.push(FileUpdate {
        repo_rel: repo_rel.clone(),
        old,
        new: Some((blob, 0o100644)),
    });
    plan.preview.files.push(repo_rel);
    let message = plan.preview.message.trim_end().to_owned();
    plan.preview.message = format!("{message}\n\n{}\n", also.note.trim());
    Ok(plan)
}

/// The reference a branch name given by the user resolves to.
fn resolve(repo: &Repository, branch: &str) -> Result<String, AcceptError> {
    let candidates = if branch.starts_with("refs/") {
        vec![branch.to_owned()]
    } else {
        vec![
            format!("refs/heads/{branch}"),
            format!("refs/remotes/{branch}"),
        ]
    };
    for c in candidates {
        if short_name(&c).is_some() && repo.find_reference(&c).is_ok() {
            return Ok(c);
        }
    }
    Err(AcceptError::UnknownBranch(branch.to_owned()))
}

/// Whether a path component can be written under the state directory.
fn safe_component(c: &str) -> bool {
    !(c.is_empty()
        || c == "."
        || c == ".."
        || c.eq_ignore_ascii_case(".git")
        || c.contains(['\\', '\0', ':'])
        || c.chars().any(crate::text::is_unsafe))
}

fn plan(
    repo: &Repository,
    state_rel: &str,
    branch: &str,
    reference: &str,
    tip: Oid,
    options: &AcceptOptions,
    (as_of, today): (Option<Date>, Date),
) -> Result<Plan, AcceptError> {
    let into = repo
        .find_reference("HEAD")?
        .symbolic_target()?
        .map(str::to_owned)
        .ok_or_else(|| {
            AcceptError::ReadOnly("HEAD is detached; check out a branch first".to_owned())
        })?;
    let head = head_commit(repo)?.ok_or(AcceptError::NoCommit)?;
    let tip = repo.find_commit(tip)?;
    let base = match repo.merge_base(head.id(), tip.id()) {
        Ok(b) => b,
        Err(e) if e.code() == ErrorCode::NotFound => {
            return Err(AcceptError::Unrelated(branch.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    if base == tip.id() {
        return Err(AcceptError::AlreadyMerged(branch.to_owned()));
    }
    let head_tree = head.tree()?;
    let base_tree = repo.find_commit(base)?.tree()?;
    let tip_tree = tip.tree()?;

    let other_files = other_files(repo, &base_tree, &tip_tree, state_rel)?;
    if !other_files.is_empty() && !options.allow_other_files {
        return Err(AcceptError::OtherFiles {
            branch: branch.to_owned(),
            files: other_files,
        });
    }

    let date = evaluation_date(repo, &head_tree, state_rel, as_of, today);
    let label = short_name(reference).unwrap_or(reference);
    let after = register_of(repo, &tip_tree, state_rel, label, date);
    if after.errors() > 0 {
        return Err(AcceptError::Invalid {
            branch: branch.to_owned(),
            diagnostics: after.diagnostics,
        });
    }
    let before = register_of(repo, &base_tree, state_rel, &short(&base), date);
    let changes = diff::diff(&before, &after);

    // Never a fast-forward: the merge commit records who accepted what.
    let ((tree, merged_reg), mut message) = if base == head.id() {
        let into_short = into.strip_prefix("refs/heads/").unwrap_or(&into);
        let merged_reg = register_of(repo, &tip_tree, state_rel, "merged", date);
        (
            (tip_tree.id(), merged_reg),
            merge_message(label, into_short, &tip.id(), &changes),
        )
    } else {
        let mut merged = repo.merge_commits(&head, &tip, None)?;
        if merged.has_conflicts() {
            let mut paths = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for c in merged.conflicts()? {
                let c = c?;
                for e in [c.our, c.their, c.ancestor].into_iter().flatten() {
                    let p = String::from_utf8_lossy(&e.path).into_owned();
                    if seen.insert(p.clone()) {
                        paths.push(p);
                    }
                }
            }
            return Err(AcceptError::Conflicts {
                branch: branch.to_owned(),
                paths,
            });
        }
        let tree = merged.write_tree_to(repo)?;
        let merged_tree = repo.find_tree(tree)?;
        let merged_reg = register_of(repo, &merged_tree, state_rel, "merged", date);
        if merged_reg.errors() > 0 {
            return Err(AcceptError::MergedInvalid {
                branch: branch.to_owned(),
                diagnostics: merged_reg.diagnostics,
            });
        }
        let into_short = into.strip_prefix("refs/heads/").unwrap_or(&into);
        (
            (tree, merged_reg),
            merge_message(label, into_short, &tip.id(), &changes),
        )
    };

    // Moves into FineTune, judged as `>` judges them, with HEAD's policy.
    let head_reg = register_of(repo, &head_tree, state_rel, "HEAD", date);
    let overrides = overrides(&head_reg, &merged_reg, date);
    if !overrides.is_empty() {
        let reason = options
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let Some(reason) = reason else {
            return Err(AcceptError::NeedsOverride {
                branch: branch.to_owned(),
                moves: overrides,
            });
        };
        message.push('\n');
        for o in &overrides {
            message.push_str(&override_line(&o.id, &o.why));
            message.push('\n');
        }
        message.push_str(&format!("Override reason: {}\n", sanitize(reason)));
    }

    // The files that change between HEAD and the accepted tree.
    let new_tree = repo.find_tree(tree)?;
    let mut opts = DiffOptions::new();
    opts.include_typechange(true);
    let diff = repo.diff_tree_to_tree(Some(&head_tree), Some(&new_tree), Some(&mut opts))?;
    let mut updates = Vec::new();
    for delta in diff.deltas() {
        let paths = delta_paths(&delta);
        let path = paths.first().cloned().unwrap_or_default();
        if !options.allow_other_files && paths.iter().any(|p| !in_state(state_rel, p)) {
            // Cannot happen: the branch changes nothing outside the state
            // directory, so neither does the accepted tree.
            return Err(AcceptError::OutsideState {
                branch: branch.to_owned(),
                state: state_rel.to_owned(),
                paths,
            });
        }
        let valid_name = delta
            .new_file()
            .path_bytes()
            .and_then(|b| std::str::from_utf8(b).ok())
            .is_some_and(|p| p.split('/').all(safe_component));
        if !valid_name {
            return Err(AcceptError::Unsupported {
                branch: branch.to_owned(),
                what: format!("has a file name that cannot be written safely: {path}"),
            });
        }
        for (f, exists) in [
            (delta.old_file(), delta.status() != Delta::Added),
            (delta.new_file(), delta.status() != Delta::Deleted),
        ] {
            let what = match f.mode() {
                FileMode::Link => "a symbolic link",
                FileMode::Commit => "a submodule",
                _ => continue,
            };
            if exists {
                return Err(AcceptError::Unsupported {
                    branch: branch.to_owned(),
                    what: format!("changes {path}, which is {what}"),
                });
            }
        }
        let old = (delta.status() != Delta::Added).then(|| delta.old_file().id());
        let new = (delta.status() != Delta::Deleted)
            .then(|| (delta.new_file().id(), u32::from(delta.new_file().mode())));
        updates.push(FileUpdate {
            repo_rel: path,
            old,
            new,
        });
    }

    Ok(Plan {
        preview: Preview {
            branch: branch.to_owned(),
            into,
            head: head.id(),
            tip: tip.id(),
            base,
            message,
            files: updates.iter().map(|u| u.repo_rel.clone()).collect(),
            changes,
            other_files,
            overrides,
        },
        tree,
        updates,
    })
}

/// The line a merge commit carries for each move that overrides
/// readiness; the quarterly report looks for it.
pub fn override_line(id: &str, why: &str) -> String {
    format!(
        "Readiness override: {} moved to FineTune although {why}.",
        sanitize(id)
    )
}

/// The use cases that are in FineTune in `merged` but not in `head`, and
/// whose readiness (their accepted content at their HEAD stage, under
/// HEAD's policy) is not `ready`.
fn overrides(head: &Register, merged: &Register, date: Date) -> Vec<Override> {
    use crate::model::Stage;
    let policy = head.effective_policy();
    let mut out = Vec::new();
    for e in &merged.use_cases {
        if e.use_case.stage != Stage::FineTune {
            continue;
        }
        let before = head.get(e.id.as_str()).map(|h| h.use_case.stage);
        if before == Some(Stage::FineTune) {
            continue;
        }
        let mut u = e.use_case.clone();
        u.stage = before.unwrap_or(Stage::Identify);
        let assessment = crate::readiness::assess(&u, &policy, date);
        if let Some(why) = crate::change::override_needed(&u, Stage::FineTune, &assessment) {
            out.push(Override {
                id: e.id.as_str().to_owned(),
                why,
            });
        }
    }
    out
}

/// The files under the state directory that `git status` would list.
fn uncommitted(repo: &Repository, state_rel: &str) -> Result<Vec<String>, git2::Error> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .map(|s| String::from_utf8_lossy(s.path_bytes()).into_owned())
        .filter(|p| in_state(state_rel, p))
        .collect())
}

/// The state-directory display of `state_rel` for messages.
fn state_display(state_rel: &str) -> String {
    if state_rel.is_empty() {
        "the state directory".to_owned()
    } else {
        state_rel.to_owned()
    }
}

/// Checks everything [`accept`] checks and says what it would do, changing
/// nothing (and taking no lock; one held by another process is reported).
pub fn preview(
    state_dir: &Path,
    branch: &str,
    options: &AcceptOptions,
    as_of: Option<Date>,
    today: Date,
) -> Result<Preview, AcceptError> {
    if let Some(reason) = read_only_reason(state_dir) {
        return Err(AcceptError::ReadOnly(reason));
    }
    let located = locate(state_dir)?;
    let repo = &located.repo;
    repo.signature().map_err(|_| AcceptError::NoIdentity)?;
    let reference = resolve(repo, branch)?;
    // Accepting would fail on the lock: say so now.
    let lock = repo.path().join("index.lock");
    if lock.exists() {
        return Err(AcceptError::Locked(lock));
    }
    let tip = repo.find_reference(&reference)?.peel_to_commit()?.id();
    let plan = plan(
        repo,
        &located.state_rel,
        branch,
        &reference,
        tip,
        options,
        (as_of, today),
    )?;
    let dirty = uncommitted(repo, &located.state_rel)?;
    if !dirty.is_empty() {
        return Err(AcceptError::Uncommitted {
            state: state_display(&located.state_rel),
            paths: dirty,
        });
    }
    Ok(plan.preview)
}

/// Checks that no folder between the working tree's root and `rel` is a
/// symbolic link, and that the file itself, if there, is a regular file
/// holding `expected`.
fn check_on_disk(
    root: &Path,
    rel: &str,
    expected: Option<Oid>,
) -> Result<Option<(Vec<u8>, fs::Permissions)>, String> {
    let parts: Vec<&str> = rel.split('/').collect();
    let mut dir = root.to_path_buf();
    for part in &parts[..parts.len().saturating_sub(1)] {
        dir.push(part);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
                return Err(format!("{} is not a folder", dir.display()));
            }
            _ => {}
        }
    }
    let path = root.join(rel);
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e.to_string()),
    };
    match (meta, expected) {
        (None, None) => Ok(None),
        (Some(m), Some(id)) if m.is_file() => {
            let bytes = fs::read(&path).map_err(|e| e.to_string())?;
            let same = Oid::hash_object(ObjectType::Blob, &bytes).map_err(|e| e.to_string())?;
            if same == id {
                Ok(Some((bytes, m.permissions())))
            } else {
                Err(format!("{rel} differs from HEAD"))
            }
        }
        (Some(_), _) => Err(format!("{rel} is in the way")),
        (None, Some(_)) => Err(format!("{rel} is missing")),
    }
}

/// Accepts the proposal on `branch` (a name as [`list`] gives it, or a full
/// reference name) into the current branch, provided the branch still
/// points at `expected_tip` (the [`Proposal::tip`] the user reviewed).
/// See the module documentation for what is checked and done; on any
/// refusal nothing is changed.
pub fn accept(
    state_dir: &Path,
    branch: &str,
    expected_tip: Oid,
    options: &AcceptOptions,
    as_of: Option<Date>,
    today: Date,
) -> Result<Accepted, AcceptError> {
    accept_observed(
        state_dir,
        branch,
        expected_tip,
        options,
        as_of,
        today,
        &mut |_| {},
    )
}

/// [`accept`], telling `observe` each step as it completes (the steps of
/// [`super::commit::Step`]: checked, committed, written, moved, indexed),
/// for the crash tests.
pub fn accept_observed(
    state_dir: &Path,
    branch: &str,
    expected_tip: Oid,
    options: &AcceptOptions,
    as_of: Option<Date>,
    today: Date,
    observe: &mut dyn FnMut(Step),
) -> Result<Accepted, AcceptError> {
    if let Some(reason) = read_only_reason(state_dir) {
        return Err(AcceptError::ReadOnly(reason));
    }
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let state_rel = located.state_rel.as_str();
    let signature = repo.signature().map_err(|_| AcceptError::NoIdentity)?;
    let reference = resolve(repo, branch)?;
    let root = repo
        .workdir()
        .ok_or_else(|| AcceptError::ReadOnly("the repository is bare".to_owned()))?
        .to_path_buf();

    // One accept at a time in this repository, waiting for another to
    // finish: the second then finds the proposal merged (or the branch
    // moved) instead of racing the first through the checks. The lock is
    // the kernel's, on the `.git` folder: it goes with the process,
    // however it ends, and leaves no file behind.
    let _exclusive = ExclusiveAccept::take(repo.path())?;
    // What a killed run left half done is finished or dropped first (a
    // long-running UI may not have started after it).
    let _ = super::commit::recover(state_dir);
    // Like a commit (see `super::commit`), index.lock is taken only to
    // update the index: a kill at any other moment leaves no lock behind.
    // One held by another git process is refused now, not at the end.
    let lock = repo.path().join("index.lock");
    if lock.exists() {
        return Err(AcceptError::Locked(lock));
    }

    let now = repo.find_reference(&reference)?.peel_to_commit()?.id();
    if now != expected_tip {
        return Err(AcceptError::TipMoved {
            branch: branch.to_owned(),
            now,
        });
    }
    let plan = plan(
        repo,
        state_rel,
        branch,
        &reference,
        now,
        options,
        (as_of, today),
    )?;
    let plan = with_also(repo, state_rel, plan, options.also.as_ref())?;
    let dirty = uncommitted(repo, state_rel)?;
    if !dirty.is_empty() {
        return Err(AcceptError::Uncommitted {
            state: state_display(state_rel),
            paths: dirty,
        });
    }

    // Every file must hold exactly HEAD's content (absent where HEAD has
    // none), behind no symbolic link.
    let mut seen = Vec::with_capacity(plan.updates.len());
    for u in &plan.updates {
        match check_on_disk(&root, &u.repo_rel, u.old) {
            Ok(before) => seen.push(before),
            Err(why) => {
                return Err(AcceptError::Uncommitted {
                    state: state_display(state_rel),
                    paths: vec![format!("{} ({why})", u.repo_rel)],
                });
            }
        }
    }

    // Nor may the index hold something else staged for them: it would be
    // replaced, or committed with the proposal.
    let index = repo.index()?;
    for u in &plan.updates {
        let staged = index.get_path(Path::new(&u.repo_rel), 0).map(|e| e.id);
        if staged != u.old {
            return Err(AcceptError::Uncommitted {
                state: state_display(state_rel),
                paths: vec![format!("{} (staged)", u.repo_rel)],
            });
        }
    }
    drop(index);
    observe(Step::Checked);

    let p = &plan.preview;
    let tree = repo.find_tree(plan.tree)?;
    let head = repo.find_commit(p.head)?;
    let tip = repo.find_commit(p.tip)?;
    let author = match &options.author {
        Some(who) => who.signature_at(&signature.when())?,
        None => signature.clone(),
    };
    let new_head = super::sign::write_commit(
        repo,
        &author,
        &signature,
        &p.message,
        &tree,
        &[&head, &tip],
        &Default::default(),
    )?;

    // The accepted content of each file, and the folders a new file needs
    // (empty folders are invisible to git; removed again if nothing lands).
    let mut contents = Vec::with_capacity(plan.updates.len());
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    for u in &plan.updates {
        let Some((blob, _)) = u.new else {
            contents.push(None);
            continue;
        };
        contents.push(Some(repo.find_blob(blob)?.content().to_vec()));
        if let Some(parent) = root.join(&u.repo_rel).parent() {
            let mut missing = Vec::new();
            let mut d = parent;
            while fs::symlink_metadata(d).is_err() {
                missing.push(d.to_path_buf());
                match d.parent() {
                    Some(up) => d = up,
                    None => break,
                }
            }
            for d in missing.into_iter().rev() {
                if let Err(e) = fs::create_dir(&d) {
                    remove_created(&created_dirs);
                    return Err(e.into());
                }
                created_dirs.push(d);
            }
        }
    }
    let landings: Vec<Landing<'_>> = plan
        .updates
        .iter()
        .zip(&seen)
        .zip(&contents)
        .map(|((u, seen), new)| Landing {
            repo_rel: &u.repo_rel,
            seen: seen.as_ref().map(|(bytes, _)| bytes.as_slice()),
            new: new.as_deref(),
            mode: u.new.map_or(i32::from(FileMode::Blob), |(_, m)| m as i32),
            staged: u.old,
        })
        .collect();

    // The commit protocol lands it: journal, compare-and-swap of the
    // branch, one-step exchange of each file, index; a kill at any point
    // is finished or dropped by the next run's recovery.
    let landed = land_commit(repo, &p.into, Some(p.head), new_head, &landings, observe);
    let accepted = Accepted::Merged { commit: new_head };
    let on_branch = head_commit(repo).ok().flatten().map(|c| c.id());
    if landed.is_err() && on_branch != Some(new_head) {
        remove_created(&created_dirs);
    }
    match landed {
        Ok(_) => {}
        Err(ChangeError::ChangedOnDisk(files)) => {
            return Err(AcceptError::ChangedMeanwhile {
                why: "edited while accepting".to_owned(),
                paths: files.split(", ").map(str::to_owned).collect(),
            });
        }
        Err(ChangeError::HeadMoved) => return Err(AcceptError::HeadMoved),
        Err(ChangeError::KeptEdit { files, .. }) => {
            return Err(AcceptError::KeptEdit {
                accepted,
                files: files.split(", ").map(str::to_owned).collect(),
            });
        }
        Err(ChangeError::WorkingTreeBehind { why, .. }) => {
            return Err(AcceptError::WorkingTreeBehind { accepted, why });
        }
        Err(ChangeError::IndexNotUpdated(_, why)) => {
            return Err(AcceptError::IndexNotUpdated { accepted, why });
        }
        Err(e) => return Err(e.into()),
    }
    // A change of mode alone (same content) is not a file to exchange.
    for u in &plan.updates {
        if let Some((blob, mode)) = u.new
            && u.old == Some(blob)
        {
            super::commit::set_executable(
                &root.join(&u.repo_rel),
                mode == u32::from(FileMode::BlobExecutable),
            )?;
        }
    }
    Ok(accepted)
}

/// Removes the folders accepting created (deepest first), where empty.
fn remove_created(dirs: &[PathBuf]) {
    for d in dirs.iter().rev() {
        let _ = fs::remove_dir(d);
    }
}

/// An exclusive advisory lock (`flock`) on the `.git` folder, held while
/// accepting or creating a proposal's branch; released when dropped or
/// when the process ends.
pub(crate) struct ExclusiveAccept {
    _dir: fs::File,
}

impl ExclusiveAccept {
    /// Waits for the lock on `git_dir`, then holds it.
    #[cfg(unix)]
    pub(crate) fn take(git_dir: &Path) -> io::Result<ExclusiveAccept> {
        use std::os::fd::AsRawFd;
        let dir = fs::File::open(git_dir)?;
        loop {
            // SAFETY: flock on a file descriptor this function owns.
            let rc = unsafe { libc::flock(dir.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(ExclusiveAccept { _dir: dir });
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Opens `git_dir` (no advisory locks on this system).
    #[cfg(not(unix))]
    pub(crate) fn take(git_dir: &Path) -> io::Result<ExclusiveAccept> {
        fs::File::open(git_dir).map(|dir| ExclusiveAccept { _dir: dir })
    }
}

/// `n use case(s)` the first time, a bare count after.
fn counted(parts: &mut Vec<String>, n: usize, what: &str) {
    if n == 0 {
        return;
    }
    let noun = if !parts.is_empty() {
        String::new()
    } else if n == 1 {
        "use case ".to_owned()
    } else {
        "use cases ".to_owned()
    };
    parts.push(format!("{n} {noun}{what}"));
}

fn change_phrase(c: &FieldChange) -> String {
    sanitize(&c.describe()).into_owned()
}

/// One phrase per change, for the summary and the body of the message.
fn change_phrases(d: &RegisterDiff) -> Vec<String> {
    let mut out = Vec::new();
    for c in &d.settings {
        out.push(format!("register.ron: {}", change_phrase(c)));
    }
    for c in &d.policy {
        out.push(format!("policy: {}", change_phrase(c)));
    }
    for u in &d.use_cases {
        let id = sanitize(&u.id);
        match u.status {
            Status::Added => out.push(format!("{id} added")),
            Status::Removed => out.push(format!("{id} removed")),
            Status::Renamed => out.push(format!(
                "{} renamed to {id}",
                sanitize(u.renamed_from.as_deref().unwrap_or("?"))
            )),
            Status::Changed => {
                for c in &u.changes {
                    out.push(format!("{id}: {}", change_phrase(c)));
                }
            }
            Status::Unchanged => {}
        }
    }
    out
}

/// The message of the merge commit that accepts `branch`: a subject that
/// counts what changed and names the first changes, then every change.
pub fn merge_message(branch: &str, into: &str, tip: &Oid, d: &RegisterDiff) -> String {
    const SUBJECT_MAX: usize = 150;
    const BODY_MAX: usize = 200;
    let branch = sanitize(branch);
    let mut parts = Vec::new();
    counted(&mut parts, d.count(Status::Changed), "changed");
    counted(&mut parts, d.count(Status::Added), "added");
    counted(&mut parts, d.count(Status::Removed), "removed");
    counted(&mut parts, d.count(Status::Renamed), "renamed");
    if !d.policy.is_empty() {
        parts.push("policy changed".to_owned());
    }
    if !d.settings.is_empty() {
        parts.push("register.ron changed".to_owned());
    }
    if parts.is_empty() {
        parts.push("no change to the register's content".to_owned());
    }
    let mut subject = format!("Accept proposal {branch}: {}", parts.join(", "));

    // The first change of each use case (and of the policy and settings).
    let phrases = change_phrases(d);
    let mut firsts: Vec<&String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in &phrases {
        let key = p.split(':').next().unwrap_or(p);
        if seen.insert(key) {
            firsts.push(p);
        }
    }
    if !firsts.is_empty() {
        let mut shown = String::new();
        let mut more = false;
        for p in &firsts {
            let next = if shown.is_empty() {
                (*p).clone()
            } else {
                format!("{shown}; {p}")
            };
            if subject.chars().count() + next.chars().count() + 3 > SUBJECT_MAX {
                more = true;
                break;
            }
            shown = next;
        }
        if firsts.len() < phrases.len() && !more {
            more = true;
        }
        match (shown.is_empty(), more) {
            (true, _) => subject.push_str(" (...)"),
            (false, true) => subject.push_str(&format!(" ({shown}; ...)")),
            (false, false) => subject.push_str(&format!(" ({shown})")),
        }
    }

    let mut body = format!(
        "{subject}\n\nMerges {branch} ({}) into {}.\n",
        short(tip),
        sanitize(into)
    );
    if !phrases.is_empty() {
        body.push('\n');
        for p in phrases.iter().take(BODY_MAX) {
            body.push_str(p);
            body.push('\n');
        }
        if phrases.len() > BODY_MAX {
            body.push_str(&format!("... and {} more\n", phrases.len() - BODY_MAX));
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = include_str!("../../tests/corpus-good/invoice-triage.ron");

    /// A use case titled `title`, at `stage`.
    fn case(title: &str, stage: &str) -> String {
        CASE.replacen("\"Invoice triage\"", &format!("{title:?}"), 1)
            .replacen("stage: Collect", &format!("stage: {stage}"), 1)
    }

    /// Commits `files` (path -> content, `None` removes) on `parent`'s tree
    /// to `reference`, returning the commit.
    fn commit(
        repo: &Repository,
        parent: Option<Oid>,
        files: &[(&str, Option<&str>)],
        reference: &str,
    ) -> Oid {
        let sig =
            git2::Signature::new("T", "t@example.com", &git2::Time::new(1_764_000_000, 0)).unwrap();
        let parent = parent.map(|p| repo.find_commit(p).unwrap());
        let base = match &parent {
            Some(p) => p.tree().unwrap(),
            None => repo
                .find_tree(repo.treebuilder(None).unwrap().write().unwrap())
                .unwrap(),
        };
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, content) in files {
            match content {
                Some(c) => {
                    let blob = repo.blob(c.as_bytes()).unwrap();
                    update.upsert(*path, blob, FileMode::Blob);
                }
                None => {
                    update.remove(*path);
                }
            }
        }
        let tree = repo
            .find_tree(update.create_updated(repo, &base).unwrap())
            .unwrap();
        let parents: Vec<&Commit<'_>> = parent.iter().collect();
        repo.commit(Some(reference), &sig, &sig, reference, &tree, &parents)
            .unwrap()
    }

    #[test]
    fn reading_in_part_lists_what_loading_whole_registers_lists() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        fs::create_dir_all(dir.path().join("state/use-cases")).unwrap();
        let register = include_str!("../../tests/corpus-good/register.ron");
        let policy = include_str!("../../tests/corpus-good/policy.ron");
        let (a, b, f) = (
            case("A", "Collect"),
            case("B", "FineTune"),
            case("F", "Collect"),
        );
        let broken = "UseCase(title: \"half";
        let c0 = commit(
            &repo,
            None,
            &[
                ("state/register.ron", Some(register)),
                ("state/policy.ron", Some(policy)),
                ("state/use-cases/a.ron", Some(&a)),
                ("state/use-cases/b.ron", Some(&b)),
                ("state/use-cases/c.ron", Some(broken)),
                ("state/use-cases/f.ron", Some(&f)),
                ("state/use-cases/notes.txt", Some("n")),
            ],
            "refs/heads/main",
        );
        let (a2, e) = (case("A two", "Collect"), case("E", "Identify"));
        commit(
            &repo,
            Some(c0),
            &[
                ("state/use-cases/a.ron", Some(&a2)),
                ("state/use-cases/e.ron", Some(&e)),
                ("state/use-cases/b.ron", None),
            ],
            "refs/heads/p1",
        );
        let fine = case("F", "FineTune");
        commit(
            &repo,
            Some(c0),
            &[
                ("state/use-cases/c.ron", None),
                ("state/use-cases/c2.ron", Some(broken)),
                ("state/use-cases/f.ron", Some(&fine)),
                ("state/use-cases/sub/z.ron", Some(&a)),
                ("README.md", Some("outside")),
            ],
            "refs/heads/p2",
        );
        // HEAD moves on: the merge base of p1 and p2 is no longer HEAD.
        let c1 = commit(
            &repo,
            Some(c0),
            &[
                ("state/use-cases/b.ron", Some(&case("B", "Collect"))),
                ("state/use-cases/y.ron", Some(broken)),
                ("state/use-cases/f.ron", Some(&fine)),
            ],
            "refs/heads/main",
        );
        commit(
            &repo,
            Some(c1),
            &[("state/policy.ron", Some(&policy.replacen("0.", "0.0", 1)))],
            "refs/heads/p3",
        );
        commit(
            &repo,
            Some(c1),
            &[
                ("state/use-cases/a.ron", Some(&case("A", "FineTune"))),
                ("state/use-cases/y.ron", Some(&b)),
            ],
            "refs/heads/p4",
        );
        repo.set_head("refs/heads/main").unwrap();
        let state = dir.path().join("state");
        let today = Date::parse("2026-11-29").unwrap();
        let read = |in_part| scan_reading(&state, (None, today), &mut |_, _| {}, in_part).unwrap();
        let (part, whole) = (read(true), read(false));
        // HEAD's register, read a slice at a time, is the whole one.
        let head = repo.head().unwrap().peel_to_tree().unwrap();
        let state_tree = state_tree(&repo, &head, "state").unwrap();
        let cases = case_entries(&repo, &state_tree).unwrap();
        let lean_and_whole_agree = || {
            for date in [today, Date::parse("2020-01-01").unwrap()] {
                let mut expected = register_of(&repo, &head, "state", "HEAD", date);
                for e in &mut expected.use_cases {
                    e.original = Default::default();
                }
                for slice in [1, 2, 1024] {
                    let lean =
                        register_lean(&repo, (&state_tree, &cases), "HEAD:state", date, slice);
                    assert!(!lean.diagnostics.is_empty());
                    assert_eq!(lean, expected);
                }
            }
        };
        lean_and_whole_agree();
        // Again with the working tree's parse cache, which HEAD's files are
        // then taken from by blob id: the same registers and proposals.
        repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap();
        super::super::cache::load_working_tree(&state, None, today).unwrap();
        let files: Vec<(&str, Oid)> = cases.iter().map(|(n, (id, _))| (n.as_str(), *id)).collect();
        let known = super::super::cache::preparsed_blobs(repo.path(), today, &files);
        assert!(
            known.len() >= 3,
            "the cache knows HEAD's use cases: {known:?}"
        );
        lean_and_whole_agree();
        assert_eq!(read(true), whole);
        assert_eq!(part.proposals.len(), 4);
        assert!(part.proposals.iter().any(|p| !p.diagnostics.is_empty()));
        assert!(part.proposals.iter().any(|p| !p.overrides.is_empty()));
        assert_eq!(part, whole);
    }
}
