//! Quarterly reviews as git tags, and the report between two revisions.
//!
//! A review is an annotated tag `review/YYYY-Qn` on the commit whose
//! register was reviewed; its message is the review's summary and its
//! tagger who closed it. [`close`] creates one after checking that the name
//! is a quarter, that the tag does not exist and that the register at that
//! commit has no errors. [`reviews`] lists them, newest first. [`report`]
//! loads the register at two revisions and builds the
//! [`QuarterlyReport`](crate::report::quarterly::QuarterlyReport) between
//! them.
//!
//! # Which review a report starts from
//!
//! Without an explicit `since`, a report starts at the latest review (by
//! quarter, `2026-Q3` after `2026-Q2`) whose commit is an ancestor of the
//! `until` commit, other than the `until` commit itself. Reviews on another
//! branch are ignored, and so is a review of `until` itself, so that right
//! after `ripen review close 2026-Q3` on HEAD, `ripen report` (or
//! `ripen report --until review/2026-Q3`) is the report of that review:
//! from the one before it to it.
//!
//! # As-of dates
//!
//! Each side is evaluated at its commit's date (the committer date, in the
//! committer's time zone), so "then" is judged as it was on that day,
//! unless that version of `register.ron` pins `as_of`. An explicit as-of
//! date (`--as-of`) applies to the `until` side only: it says when "now"
//! is; "then" stays a fact of the `since` commit. No clock is read here.
//!
//! Tag names and messages read from the repository are untrusted text;
//! callers sanitize them for display.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use git2::{ObjectType, Oid, Repository, Signature};
use serde::Serialize;

use super::history::time_of;
use super::{GitError, Located, locate, snapshot_of_tree};
use crate::model::Date;
use crate::register::{self, Diagnostic, Register, Severity};
use crate::report::quarterly::{self, QuarterlyReport, Revision};

/// The namespace of review tags.
pub const TAG_PREFIX: &str = "review/";

/// A quarter, `YYYY-Qn`, as review tags are named.
///
/// The name is a label chosen by whoever closes the review (calendar or
/// fiscal quarter, as the organization counts them); ripen does not check
/// it against the commit's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The year, four digits.
    pub year: u16,
    /// The quarter, 1 to 4.
    pub quarter: u8,
}

impl Quarter {
    /// Parses `YYYY-Qn` (n from 1 to 4); a leading `review/` is accepted.
    pub fn parse(s: &str) -> Result<Quarter, ReviewError> {
        let bad = || ReviewError::BadName(s.to_owned());
        let name = s.strip_prefix(TAG_PREFIX).unwrap_or(s);
        let b = name.as_bytes();
        if b.len() != 7 || b[4] != b'-' || b[5] != b'Q' || !b[..4].iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let quarter = b[6].wrapping_sub(b'0');
        if !(1..=4).contains(&quarter) {
            return Err(bad());
        }
        let year = name[..4].parse().map_err(|_| bad())?;
        Ok(Quarter { year, quarter })
    }

    /// The tag's short name, `review/2026-Q3`.
    pub fn tag_name(self) -> String {
        format!("{TAG_PREFIX}{self}")
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

impl Serialize for Quarter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One review tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewTag {
    /// The tag's short name, `review/2026-Q3`.
    pub name: String,
    /// The quarter it names.
    pub quarter: Quarter,
    /// The full id of the commit it points to.
    pub commit: String,
    /// Whether it is an annotated tag (a lightweight one has no tagger and
    /// no message).
    pub annotated: bool,
    /// The tagger's name.
    pub tagger: Option<String>,
    /// The tagger's e-mail address.
    pub email: Option<String>,
    /// When it was tagged (for a lightweight tag, the commit's time), RFC
    /// 3339 in JSON.
    #[serde(serialize_with = "rfc3339")]
    pub time: DateTime<FixedOffset>,
    /// The first line of the message.
    pub summary: String,
    /// The whole message.
    pub message: String,
}

impl ReviewTag {
    /// The commit id abbreviated to 7 characters.
    pub fn short_commit(&self) -> &str {
        super::short_hex(&self.commit)
    }
}

fn rfc3339<S: serde::Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Why a review could not be closed or a report built.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The name is not `YYYY-Qn`.
    #[error("`{}` is not a quarter: write YYYY-Qn with n from 1 to 4, e.g. 2026-Q3", crate::text::sanitize(.0))]
    BadName(String),
    /// The review's tag exists already.
    #[error(
        "review {quarter} is already closed: tag {tag} exists (on commit {commit}); nothing was changed"
    )]
    Exists {
        /// The quarter.
        quarter: Quarter,
        /// The tag's name.
        tag: String,
        /// The commit it points to.
        commit: String,
    },
    /// The register at the commit has errors, listed.
    #[error("the register at {rev} has {} error(s); fix them and commit before closing the review; nothing was changed", .diagnostics.len())]
    RegisterHasErrors {
        /// The revision as given.
        rev: String,
        /// The error diagnostics.
        diagnostics: Vec<Diagnostic>,
    },
    /// `--message` was given but is empty.
    #[error("the message is empty; leave out --message to use the generated summary")]
    EmptyMessage,
    /// No tagger identity is configured.
    #[error(
        "no git identity to sign the tag with: set one with `git config user.name \"Your Name\"` and `git config user.email you@example.com`"
    )]
    NoIdentity,
    /// No review to start a report from.
    #[error(
        "no review tag (review/YYYY-Qn) on a commit before {until} (a review of {until} itself does not count): pass --since REV to choose where the report starts, or close a review with `ripen review close YYYY-Qn`"
    )]
    NoReview {
        /// The `until` revision as given.
        until: String,
    },
    /// A git failure.
    #[error(transparent)]
    Git(#[from] GitError),
}

impl From<git2::Error> for ReviewError {
    fn from(e: git2::Error) -> Self {
        ReviewError::Git(GitError::Git(e))
    }
}

/// A revision resolved to a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The revision as given.
    pub label: String,
    /// The commit.
    pub commit: Oid,
    /// The commit's committer time.
    pub time: DateTime<FixedOffset>,
}

impl Resolved {
    /// The commit's date, in the committer's time zone.
    pub fn date(&self) -> Date {
        Date(self.time.date_naive())
    }

    /// As the report names it.
    pub fn revision(&self) -> Revision {
        Revision {
            label: self.label.clone(),
            commit: Some(self.commit.to_string()),
            date: Some(self.date()),
        }
    }
}

/// Resolves `rev` (anything `git rev-parse` takes) to a commit.
pub fn resolve(repo: &Repository, rev: &str) -> Result<Resolved, GitError> {
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| GitError::BadRevision {
            rev: rev.to_owned(),
            reason: e.message().to_owned(),
        })?;
    Ok(Resolved {
        label: rev.to_owned(),
        commit: commit.id(),
        time: time_of(commit.time()),
    })
}

/// The register at a resolved commit, evaluated at `explicit_as_of`, else
/// its `register.ron`'s `as_of`, else the commit's date.
pub fn register_at(
    located: &Located,
    at: &Resolved,
    explicit_as_of: Option<Date>,
) -> Result<Register, GitError> {
    let repo = &located.repo;
    let tree = repo.find_commit(at.commit)?.tree()?;
    let display = format!("{}:{}", at.label, located.state_rel);
    let snapshot = snapshot_of_tree(
        repo,
        &tree,
        &located.state_rel,
        display.trim_end_matches(':'),
    )
    .ok_or_else(|| GitError::NoStateAtRevision {
        path: located.state_rel.clone(),
        rev: at.label.clone(),
    })?;
    Ok(register::load(&snapshot, explicit_as_of, at.date()))
}

/// Reads one review tag by its short name; `None` when the name is not a
/// quarter, the tag is missing, or it does not point to a commit.
fn read_tag(repo: &Repository, name: &str) -> Result<Option<ReviewTag>, git2::Error> {
    let Some(quarter) = name
        .strip_prefix(TAG_PREFIX)
        .and_then(|q| Quarter::parse(q).ok())
    else {
        return Ok(None);
    };
    let reference = match repo.find_reference(&format!("refs/tags/{name}")) {
        Ok(r) => r,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(target) = reference.target() else {
        return Ok(None);
    };
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if let Ok(tag) = repo.find_tag(target) {
        let Ok(commit) = tag.peel().and_then(|o| o.peel_to_commit()) else {
            return Ok(None);
        };
        let message = tag.message_bytes().map(lossy).unwrap_or_default();
        let tagger = tag.tagger();
        let time = tagger.as_ref().map_or_else(|| commit.time(), |t| t.when());
        return Ok(Some(ReviewTag {
            name: name.to_owned(),
            quarter,
            commit: commit.id().to_string(),
            annotated: true,
            tagger: tagger.as_ref().map(|t| lossy(t.name_bytes())),
            email: tagger.as_ref().map(|t| lossy(t.email_bytes())),
            time: time_of(time),
            summary: message.lines().next().unwrap_or("").to_owned(),
            message,
        }));
    }
    let Ok(commit) = repo
        .find_object(target, None)
        .and_then(|o| o.peel_to_commit())
    else {
        return Ok(None);
    };
    Ok(Some(ReviewTag {
        name: name.to_owned(),
        quarter,
        commit: commit.id().to_string(),
        annotated: false,
        tagger: None,
        email: None,
        time: time_of(commit.time()),
        summary: String::new(),
        message: String::new(),
    }))
}

/// Every review tag of `repo`, newest quarter first. Tags under `review/`
/// whose name is not a quarter, or that do not point to a commit, are
/// left out.
pub fn reviews_in(repo: &Repository) -> Result<Vec<ReviewTag>, git2::Error> {
    let names = repo.tag_names(Some("review/*"))?;
    let mut out = Vec::new();
    for name in names.iter().flatten().flatten() {
        if let Some(tag) = read_tag(repo, name)? {
            out.push(tag);
        }
    }
    out.sort_by(|a, b| b.quarter.cmp(&a.quarter).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// Every review of the register at `state_dir`: name, commit, tagger,
/// date and message, newest quarter first.
pub fn reviews(state_dir: &Path) -> Result<Vec<ReviewTag>, GitError> {
    let located = locate(state_dir)?;
    Ok(reviews_in(&located.repo)?)
}

/// The review a report up to `until` starts from: the latest by quarter
/// whose commit is an ancestor of `until`, other than `until` itself.
pub fn previous_review(repo: &Repository, until: Oid) -> Result<Option<ReviewTag>, git2::Error> {
    for tag in reviews_in(repo)? {
        let commit = Oid::from_str(&tag.commit)?;
        if commit != until && repo.graph_descendant_of(until, commit)? {
            return Ok(Some(tag));
        }
    }
    Ok(None)
}

/// How to close a review.
#[derive(Default)]
pub struct CloseOptions {
    /// The revision to tag (default `HEAD`).
    pub rev: Option<String>,
    /// The tag's message (default: the generated summary).
    pub message: Option<String>,
    /// Evaluate the register at this date instead of its pinned `as_of` or
    /// the commit's date.
    pub as_of: Option<Date>,
    /// Who closes it (default: the repository's configured identity).
    pub tagger: Option<Signature<'static>>,
}

/// The register at `rev` and its report from the previous review (or, with
/// none, from an empty register), for a review's generated message.
fn summary_message(
    located: &Located,
    quarter: Quarter,
    at: &Resolved,
    until: &Register,
) -> Result<String, ReviewError> {
    let repo = &located.repo;
    let (since, since_rev) = match previous_review(repo, at.commit)? {
        Some(prev) => {
            let resolved = resolve(repo, &format!("refs/tags/{}", prev.name))?;
            let resolved = Resolved {
                label: prev.name.clone(),
                ..resolved
            };
            (register_at(located, &resolved, None)?, resolved.revision())
        }
        None => (
            Register {
                root: String::new(),
                settings: None,
                policy: None,
                as_of: until.as_of,
                use_cases: Vec::new(),
                diagnostics: Vec::new(),
            },
            Revision {
                label: "the start of the register".to_owned(),
                commit: None,
                date: None,
            },
        ),
    };
    let r = quarterly::build(&since, until, since_rev, at.revision());
    Ok(quarterly::tag_message(&quarter.to_string(), &r))
}

/// Closes the review of `quarter` (`YYYY-Qn`): creates the annotated tag
/// `review/YYYY-Qn` on `options.rev` (default `HEAD`). Refuses, changing
/// nothing, when the name is not a quarter, the tag exists, the register at
/// that commit has errors, the message is empty or there is no identity.
pub fn close(
    state_dir: &Path,
    quarter: &str,
    options: CloseOptions,
) -> Result<ReviewTag, ReviewError> {
    let quarter = Quarter::parse(quarter)?;
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let name = quarter.tag_name();
    if let Some(existing) = read_tag(repo, &name)? {
        return Err(ReviewError::Exists {
            quarter,
            tag: name,
            commit: existing.short_commit().to_owned(),
        });
    }
    if repo.find_reference(&format!("refs/tags/{name}")).is_ok() {
        return Err(ReviewError::Exists {
            quarter,
            tag: name,
            commit: "(not a commit)".to_owned(),
        });
    }
    let rev = options.rev.as_deref().unwrap_or("HEAD");
    let at = resolve(repo, rev)?;
    let reg = register_at(&located, &at, options.as_of)?;
    let errors: Vec<Diagnostic> = reg
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(ReviewError::RegisterHasErrors {
            rev: rev.to_owned(),
            diagnostics: errors,
        });
    }
    let message = match options.message {
        Some(m) if m.trim().is_empty() => return Err(ReviewError::EmptyMessage),
        Some(m) => m,
        None => summary_message(&located, quarter, &at, &reg)?,
    };
    let message = git2::message_prettify(message, None)?;
    let tagger = match options.tagger {
        Some(t) => t,
        None => repo.signature().map_err(|_| ReviewError::NoIdentity)?,
    };
    let target = repo.find_object(at.commit, Some(ObjectType::Commit))?;
    super::sign::write_tag(repo, &name, &target, &tagger, &message).map_err(|e| {
        match e.code() {
            git2::ErrorCode::Exists => ReviewError::Exists {
                quarter,
                tag: name.clone(),
                commit: "(created meanwhile)".to_owned(),
            },
            _ => e.into(),
        }
    })?;
    read_tag(repo, &name)?.ok_or_else(|| {
        ReviewError::Git(GitError::Git(git2::Error::from_str(
            "the tag was created but cannot be read back",
        )))
    })
}

/// A report between two revisions, with what it was built from.
#[derive(Debug, Clone)]
pub struct Built {
    /// The report.
    pub report: QuarterlyReport,
    /// The register at `since`.
    pub since: Register,
    /// The register at `until`.
    pub until: Register,
}

/// Builds the report from `since` (default: the previous review, see the
/// module documentation) to `until` (default `HEAD`). `as_of` applies to
/// the `until` side only.
pub fn report(
    state_dir: &Path,
    since: Option<&str>,
    until: Option<&str>,
    as_of: Option<Date>,
) -> Result<Built, ReviewError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let until_label = until.unwrap_or("HEAD");
    let until_at = resolve(repo, until_label)?;
    let since_at = match since {
        Some(rev) => resolve(repo, rev)?,
        None => match previous_review(repo, until_at.commit)? {
            Some(tag) => Resolved {
                label: tag.name.clone(),
                ..resolve(repo, &format!("refs/tags/{}", tag.name))?
            },
            None => {
                return Err(ReviewError::NoReview {
                    until: until_label.to_owned(),
                });
            }
        },
    };
    let since_reg = register_at(&located, &since_at, None)?;
    let until_reg = register_at(&located, &until_at, as_of)?;
    let report = quarterly::build(
        &since_reg,
        &until_reg,
        since_at.revision(),
        until_at.revision(),
    );
    Ok(Built {
        report,
        since: since_reg,
        until: until_reg,
    })
}
