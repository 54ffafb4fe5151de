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
//! [`accept`] brings one proposal into the current branch: a fast-forward
//! when the branch is ahead of HEAD, otherwise a merge commit whose message
//! summarises the change. It refuses, changing nothing, when editing is off
//! ([`super::commit::read_only_reason`]: bare repository, detached HEAD, a
//! merge in progress, ...), when no identity is configured, when the branch
//! moved since it was listed, when its register does not validate, when it
//! conflicts, when the merged register would not validate, when it changes
//! files outside the state directory (a governance tool does not merge
//! code: that is for git), when it holds anything but regular files under
//! the state directory, or when the working tree has uncommitted changes
//! under the state directory.
//!
//! Accepting takes `.git/index.lock` for its whole duration, as
//! [`super::commit`] does. Only the files under the state directory that
//! change between HEAD and the accepted tree are written to the working
//! tree and updated in the index; each is first checked to hold exactly
//! HEAD's content. The branch moves by compare-and-swap on the HEAD commit
//! read under the lock; if anything fails before the branch has moved,
//! every file written is put back as it was.
//!
//! Branch content is untrusted: it is read through
//! [`super::snapshot_of_tree`] (blobs over 1 MiB are refused unread) and
//! loaded by [`crate::register::load`], which turns anything broken into
//! diagnostics. Names and text from a branch reach people only through
//! [`crate::text::sanitize`].
//!
//! Both sides of a proposal's diff are evaluated at one date: the `as_of`
//! passed in, else HEAD's `register.ron` `as_of`, else `today`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, SecondsFormat};
use git2::{
    Commit, Delta, DiffOptions, ErrorCode, FileMode, ObjectType, Oid, ReferenceType, Repository,
    Sort, Tree,
};
use serde::Serialize;

use super::commit::{ChangeError, IndexLock, index_entry, read_only_reason};
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
    /// when it can be fast-forwarded).
    pub mergeable: bool,
    /// How many files the branch changes outside the state directory
    /// (a proposal that does cannot be accepted by ripen).
    pub files_outside_state: usize,
    /// What the branch changes: the merge base's register to the tip's.
    pub changes: RegisterDiff,
    /// The branch's tip, to pass to [`accept`] as the expected tip.
    #[serde(serialize_with = "oid")]
    pub tip: Oid,
    /// The merge base of the tip and HEAD.
    #[serde(serialize_with = "oid")]
    pub base: Oid,
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

/// What accepting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// The current branch was moved forward to the proposal's tip.
    FastForward {
        /// The tip it now points to.
        to: Oid,
    },
    /// A merge commit was made on the current branch.
    Merged {
        /// The merge commit.
        commit: Oid,
    },
}

/// Why a proposal could not be accepted. Nothing was changed in any case
/// except [`AcceptError::IndexNotUpdated`].
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
    id.to_string()[..7].to_owned()
}

fn describe(a: &Accepted) -> String {
    match a {
        Accepted::FastForward { to } => format!("fast-forwarded to {}", short(to)),
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
    register_cached(
        repo,
        tree,
        state_rel,
        label,
        date,
        &mut register::ParseCache::default(),
    )
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
    let display = format!("{label}:{state_rel}");
    let display = display.trim_end_matches(':');
    let snapshot = snapshot_of_tree(repo, tree, state_rel, display).unwrap_or_else(|| Snapshot {
        root: display.to_owned(),
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
    let head = register_of(repo, head_tree, state_rel, "HEAD", today);
    register::as_of(None, head.settings.as_ref(), today)
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

/// The files `from` and `to` differ in, outside the state directory.
fn outside_state(
    repo: &Repository,
    from: &Tree<'_>,
    to: &Tree<'_>,
    state_rel: &str,
) -> Result<Vec<String>, git2::Error> {
    if state_rel.is_empty() {
        return Ok(Vec::new());
    }
    let diff = repo.diff_tree_to_tree(Some(from), Some(to), None)?;
    let mut out = Vec::new();
    for delta in diff.deltas() {
        for p in delta_paths(&delta) {
            if !in_state(state_rel, &p) && !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
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
    list_with_progress(state_dir, as_of, today, &mut |_, _| {})
}

/// [`list`], calling `progress(done, total)` as each branch is examined
/// (once more at the end, with `done == total`).
pub fn list_with_progress(
    state_dir: &Path,
    as_of: Option<Date>,
    today: Date,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Proposal>, GitError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let state_rel = located.state_rel.as_str();
    let Some(head) = head_commit(repo)? else {
        return Ok(Vec::new());
    };
    let head_tree = head.tree()?;
    let date = evaluation_date(repo, &head_tree, state_rel, as_of, today);
    let current = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned));

    let mut names = Vec::new();
    for r in repo.references()? {
        let r = r?;
        if r.kind() != Some(ReferenceType::Direct) {
            continue; // refs/remotes/origin/HEAD and the like
        }
        // A name that is not UTF-8 could not be given back to `accept`.
        let Ok(name) = r.name() else { continue };
        if short_name(name).is_none() || current.as_deref() == Some(name) {
            continue;
        }
        names.push(name.to_owned());
    }
    names.sort();

    let mut out = Vec::new();
    let mut cache = register::ParseCache::default();
    let total = names.len();
    for (done, name) in names.into_iter().enumerate() {
        progress(done, total);
        let reference = repo.find_reference(&name)?;
        let Ok(tip) = reference.peel_to_commit() else {
            continue; // a branch pointing at something other than a commit
        };
        if let Some(p) = proposal(repo, &head, &tip, &name, state_rel, date, &mut cache)? {
            out.push(p);
        }
    }
    progress(total, total);
    Ok(out)
}

fn proposal(
    repo: &Repository,
    head: &Commit<'_>,
    tip: &Commit<'_>,
    reference: &str,
    state_rel: &str,
    date: Date,
    cache: &mut register::ParseCache,
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

    let short_base = short(&base);
    let before = register_cached(repo, &base_tree, state_rel, &short_base, date, cache);
    let after = register_cached(repo, &tip_tree, state_rel, &branch, date, cache);
    let mergeable = base == head.id() || !repo.merge_commits(head, tip, None)?.has_conflicts();
    let files_outside_state = outside_state(repo, &base_tree, &tip_tree, state_rel)?.len();
    Ok(Some(Proposal {
        branch,
        reference: reference.to_owned(),
        commits,
        authors,
        last_commit_time: time_of(tip.time()),
        valid: after.errors() == 0,
        mergeable,
        files_outside_state,
        changes: diff::diff(&before, &after),
        diagnostics: after.diagnostics,
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
    /// Whether it would be a fast-forward (else a merge commit).
    pub fast_forward: bool,
    /// The merge commit's message (empty for a fast-forward).
    pub message: String,
    /// The files that would change in the working tree and the index,
    /// relative to the repository.
    pub files: Vec<String>,
    /// What the proposal changes (merge base to tip).
    pub changes: RegisterDiff,
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
    /// The accepted tree (the tip's for a fast-forward, else the merge's).
    tree: Oid,
    updates: Vec<FileUpdate>,
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
    as_of: Option<Date>,
    today: Date,
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

    let outside = outside_state(repo, &base_tree, &tip_tree, state_rel)?;
    if !outside.is_empty() {
        return Err(AcceptError::OutsideState {
            branch: branch.to_owned(),
            state: state_rel.to_owned(),
            paths: outside,
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

    let fast_forward = base == head.id();
    let (tree, message) = if fast_forward {
        (tip_tree.id(), String::new())
    } else {
        let mut merged = repo.merge_commits(&head, &tip, None)?;
        if merged.has_conflicts() {
            let mut paths = Vec::new();
            for c in merged.conflicts()? {
                let c = c?;
                for e in [c.our, c.their, c.ancestor].into_iter().flatten() {
                    let p = String::from_utf8_lossy(&e.path).into_owned();
                    if !paths.contains(&p) {
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
        (tree, merge_message(label, into_short, &tip.id(), &changes))
    };

    // The files that change between HEAD and the accepted tree.
    let new_tree = repo.find_tree(tree)?;
    let mut opts = DiffOptions::new();
    opts.include_typechange(true);
    let diff = repo.diff_tree_to_tree(Some(&head_tree), Some(&new_tree), Some(&mut opts))?;
    let mut updates = Vec::new();
    for delta in diff.deltas() {
        let paths = delta_paths(&delta);
        let path = paths.first().cloned().unwrap_or_default();
        if paths.iter().any(|p| !in_state(state_rel, p)) {
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
            fast_forward,
            message,
            files: updates.iter().map(|u| u.repo_rel.clone()).collect(),
            changes,
        },
        tree,
        updates,
    })
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
        as_of,
        today,
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

/// A file as it was before accepting, to put back on failure.
struct Backup {
    path: PathBuf,
    before: Option<(Vec<u8>, fs::Permissions)>,
}

impl Backup {
    fn restore(&self) {
        let _ = match &self.before {
            Some((bytes, perms)) => crate::store::write_atomic(&self.path, bytes)
                .and_then(|()| fs::set_permissions(&self.path, perms.clone())),
            None => match fs::remove_file(&self.path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
        };
    }
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> io::Result<()> {
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

#[cfg(not(unix))]
fn set_executable(_: &Path, _: bool) -> io::Result<()> {
    Ok(())
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
    as_of: Option<Date>,
    today: Date,
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

    let _lock = IndexLock::take(repo.path())?;

    let now = repo.find_reference(&reference)?.peel_to_commit()?.id();
    if now != expected_tip {
        return Err(AcceptError::TipMoved {
            branch: branch.to_owned(),
            now,
        });
    }
    let plan = plan(repo, state_rel, branch, &reference, now, as_of, today)?;
    let dirty = uncommitted(repo, state_rel)?;
    if !dirty.is_empty() {
        return Err(AcceptError::Uncommitted {
            state: state_display(state_rel),
            paths: dirty,
        });
    }

    // Every file must hold HEAD's content before any is written.
    let mut backups = Vec::with_capacity(plan.updates.len());
    for u in &plan.updates {
        let before =
            check_on_disk(&root, &u.repo_rel, u.old).map_err(|why| AcceptError::Uncommitted {
                state: state_display(state_rel),
                paths: vec![format!("{} ({why})", u.repo_rel)],
            })?;
        backups.push(Backup {
            path: root.join(&u.repo_rel),
            before,
        });
    }

    let p = &plan.preview;
    let new_head = if p.fast_forward {
        p.tip
    } else {
        let tree = repo.find_tree(plan.tree)?;
        let head = repo.find_commit(p.head)?;
        let tip = repo.find_commit(p.tip)?;
        super::sign::write_commit(
            repo,
            &signature,
            &signature,
            &p.message,
            &tree,
            &[&head, &tip],
            &Default::default(),
        )?
    };

    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let mut written = 0usize;
    let result = (|| -> Result<(), AcceptError> {
        for (u, b) in plan.updates.iter().zip(&backups) {
            match u.new {
                Some((blob, mode)) => {
                    if let Some(parent) = b.path.parent() {
                        let mut missing = Vec::new();
                        let mut d = parent;
                        while !d.exists() {
                            missing.push(d.to_path_buf());
                            match d.parent() {
                                Some(p) => d = p,
                                None => break,
                            }
                        }
                        fs::create_dir_all(parent)?;
                        created_dirs.extend(missing.into_iter().rev());
                    }
                    let blob = repo.find_blob(blob)?;
                    written += 1;
                    crate::store::write_atomic(&b.path, blob.content())?;
                    set_executable(&b.path, mode == u32::from(FileMode::BlobExecutable))?;
                }
                None => {
                    written += 1;
                    fs::remove_file(&b.path)?;
                }
            }
        }
        let message = if p.fast_forward {
            format!("merge {}: Fast-forward (ripen)", sanitize(&p.branch))
        } else {
            format!("merge {} (ripen)", sanitize(&p.branch))
        };
        repo.reference_matching(&p.into, new_head, true, p.head, &message)
            .map_err(|e| match e.code() {
                ErrorCode::Modified | ErrorCode::Exists => AcceptError::HeadMoved,
                ErrorCode::Locked => {
                    AcceptError::Locked(repo.commondir().join(format!("{}.lock", p.into)))
                }
                _ => e.into(),
            })?;
        Ok(())
    })();
    if let Err(e) = result {
        for b in backups[..written].iter().rev() {
            b.restore();
        }
        for d in created_dirs.iter().rev() {
            let _ = fs::remove_dir(d);
        }
        return Err(e);
    }

    let accepted = if p.fast_forward {
        Accepted::FastForward { to: new_head }
    } else {
        Accepted::Merged { commit: new_head }
    };
    update_index(repo, &root, &plan.updates)
        .map_err(|why| AcceptError::IndexNotUpdated { accepted, why })?;
    Ok(accepted)
}

/// Brings the index entries of the updated files to the accepted state,
/// while we hold index.lock: a copy is edited in a private directory inside
/// `.git` and renamed over `.git/index`, as [`super::commit`] does.
fn update_index(repo: &Repository, root: &Path, updates: &[FileUpdate]) -> Result<(), String> {
    super::commit::edit_index(repo.path(), |index| {
        for u in updates {
            match u.new {
                Some((blob, mode)) => {
                    let mut entry = index_entry(&root.join(&u.repo_rel), &u.repo_rel, blob)
                        .map_err(|e| e.to_string())?;
                    entry.mode = mode;
                    index.add(&entry).map_err(|e| e.to_string())?;
                }
                None => index
                    .remove_path(Path::new(&u.repo_rel))
                    .map_err(|e| e.to_string())?,
            }
        }
        Ok(())
    })
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
    let field = sanitize(&c.field);
    if c.is_added_entry() {
        format!("+ {field} {}", c.to)
    } else if c.is_removed_entry() {
        format!("- {field} {}", c.from)
    } else {
        format!("{field} {} -> {}", c.from, c.to)
    }
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
    let mut seen: Vec<&str> = Vec::new();
    for p in &phrases {
        let key = p.split(':').next().unwrap_or(p);
        if !seen.contains(&key) {
            seen.push(key);
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
