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
//! Without an explicit `since`, a report starts at the latest review
//! whose commit is an ancestor of the `until` commit, other than the
//! `until` commit itself: latest by the commit's place in history, not by
//! the quarter a tag names or a date a committer chose. Reviews on another
//! branch are ignored, and so is a review of `until` itself, so that right
//! after `ripen review close 2026-Q3` on HEAD, `ripen report` (or
//! `ripen report --until review/2026-Q3`) is the report of that review:
//! from the one before it to it.
//!
//! A review is an annotated tag: lightweight tags under `review/`, names
//! that are not `review/YYYY-Qn`, and quarters that cannot have begun by
//! today are ignored, each with a warning ([`Reviews::ignored`]).
//!
//! # As-of dates
//!
//! "Now" (the `until` side) is the explicit as-of date (`--as-of`), else
//! the `as_of` that version of `register.ron` pins, else today (passed in
//! by the caller, from the clock): never a commit's date, which whoever
//! made the commit chose. "Then" (the `since` side) is judged as it was on
//! its commit's date, but never after today, unless that version of
//! `register.ron` pins `as_of`. No clock is read here.
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
    /// The quarter has not begun (relative to today), however the
    /// organization counts its quarters.
    #[error(
        "{quarter} has not begun yet (today is {today}); close a review at the end of its quarter; nothing was changed"
    )]
    FutureQuarter {
        /// The quarter.
        quarter: Quarter,
        /// Today.
        today: Date,
    },
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
/// its `register.ron`'s `as_of`, else `otherwise`.
pub fn register_at(
    located: &Located,
    at: &Resolved,
    explicit_as_of: Option<Date>,
    otherwise: Date,
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
    Ok(register::load(&snapshot, explicit_as_of, otherwise))
}

/// Why a tag under `review/` is not a review, or `None` when it is one.
enum Tag {
    Review(ReviewTag),
    Ignored(String),
}

/// The latest quarter that can have begun by `today`, however the
/// organization counts its quarters: the calendar's, or a fiscal year
/// (named by the calendar year it ends in) starting in any month.
pub fn latest_quarter(today: Date) -> Quarter {
    (1..=12)
        .map(|m| {
            let (year, quarter) = crate::report::fiscal_quarter(today, m);
            Quarter {
                year: u16::try_from(year).unwrap_or(u16::MAX),
                quarter: quarter as u8,
            }
        })
        .max()
        .unwrap_or(Quarter {
            year: 0,
            quarter: 1,
        })
}

/// Reads one tag under `review/` by its short name.
fn read_tag(repo: &Repository, name: &str, today: Date) -> Result<Option<Tag>, git2::Error> {
    let ignored = |why: &str| Ok(Some(Tag::Ignored(format!("ignored tag {name}: {why}"))));
    let Some(quarter) = name
        .strip_prefix(TAG_PREFIX)
        .and_then(|q| Quarter::parse(q).ok())
    else {
        return ignored("the name is not review/YYYY-Qn");
    };
    if quarter > latest_quarter(today) {
        return ignored(&format!(
            "{quarter} has not begun yet (today is {today}); a review closes a quarter that has"
        ));
    }
    let reference = match repo.find_reference(&format!("refs/tags/{name}")) {
        Ok(r) => r,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(target) = reference.target() else {
        return ignored("it is a symbolic reference");
    };
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let Ok(tag) = repo.find_tag(target) else {
        return ignored(
            "it is a lightweight tag; a review is an annotated tag (`ripen review close` makes one)",
        );
    };
    let Ok(commit) = tag.peel().and_then(|o| o.peel_to_commit()) else {
        return ignored("it does not point to a commit");
    };
    let message = tag.message_bytes().map(lossy).unwrap_or_default();
    let tagger = tag.tagger();
    let time = tagger.as_ref().map_or_else(|| commit.time(), |t| t.when());
    Ok(Some(Tag::Review(ReviewTag {
        name: name.to_owned(),
        quarter,
        commit: commit.id().to_string(),
        annotated: true,
        tagger: tagger.as_ref().map(|t| lossy(t.name_bytes())),
        email: tagger.as_ref().map(|t| lossy(t.email_bytes())),
        time: time_of(time),
        summary: message.lines().next().unwrap_or("").to_owned(),
        message,
    })))
}

/// The reviews of a repository, and the tags under `review/` that are not
/// reviews.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reviews {
    /// The reviews, newest first (see [`reviews_in`]).
    pub tags: Vec<ReviewTag>,
    /// One warning per tag under `review/` that was ignored, and why.
    pub ignored: Vec<String>,
}

/// Every review of `repo`: annotated tags named `review/YYYY-Qn` of a
/// quarter that can have begun by `today`. Newest first by the tagged
/// commit's place in history (a commit after another in the history comes
/// first, whatever the dates its committers chose or the quarters the tags
/// name), then by quarter for tags of one commit or of commits on
/// diverging lines. Lightweight tags, names that are not a quarter,
/// future quarters and tags that do not point to a commit are ignored,
/// each with a warning.
pub fn reviews_in(repo: &Repository, today: Date) -> Result<Reviews, git2::Error> {
    let names = repo.tag_names(Some("review/*"))?;
    let mut out = Reviews::default();
    for name in names.iter().flatten() {
        match name {
            Some(name) => match read_tag(repo, name, today)? {
                Some(Tag::Review(t)) => out.tags.push(t),
                Some(Tag::Ignored(why)) => out.ignored.push(why),
                None => {}
            },
            None => out
                .ignored
                .push("ignored a tag under review/ whose name is not UTF-8".to_owned()),
        }
    }
    // Each tagged commit's place in a topological walk from all of them:
    // children before parents.
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL)?;
    for t in &out.tags {
        walk.push(Oid::from_str(&t.commit)?)?;
    }
    let mut place = std::collections::HashMap::new();
    for (i, id) in walk.enumerate() {
        place.entry(id?).or_insert(i);
    }
    let at = |t: &ReviewTag| {
        Oid::from_str(&t.commit)
            .ok()
            .and_then(|id| place.get(&id).copied())
            .unwrap_or(usize::MAX)
    };
    out.tags.sort_by(|a, b| {
        at(a)
            .cmp(&at(b))
            .then_with(|| b.quarter.cmp(&a.quarter))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}

/// Every review of the register at `state_dir` (see [`reviews_in`]).
pub fn reviews(state_dir: &Path, today: Date) -> Result<Reviews, GitError> {
    let located = locate(state_dir)?;
    Ok(reviews_in(&located.repo, today)?)
}

/// The review a report up to `until` starts from: among the reviews whose
/// commit is an ancestor of `until` (other than `until` itself), the one
/// whose commit comes last in history; of several on that commit, the
/// latest quarter.
pub fn previous_review(
    repo: &Repository,
    until: Oid,
    reviews: &[ReviewTag],
) -> Result<Option<ReviewTag>, git2::Error> {
    let mut best: Option<(&ReviewTag, Oid)> = None;
    for tag in reviews {
        let commit = Oid::from_str(&tag.commit)?;
        if commit == until || !repo.graph_descendant_of(until, commit)? {
            continue;
        }
        best = match best {
            None => Some((tag, commit)),
            Some((b, bc)) if bc == commit => Some(if tag.quarter > b.quarter {
                (tag, commit)
            } else {
                (b, bc)
            }),
            Some((_, bc)) if repo.graph_descendant_of(commit, bc)? => Some((tag, commit)),
            keep => keep,
        };
    }
    Ok(best.map(|(t, _)| t.clone()))
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
    /// Today (the clock), for the as-of date when neither `as_of` nor
    /// `register.ron` gives one, and to tell future quarters; `None`: the
    /// commit's date, and no quarter is in the future.
    pub today: Option<Date>,
    /// The review's decisions, one line each, added to the generated
    /// message under `Decisions:`.
    pub decisions: Vec<String>,
}

/// The register at `rev` and its report from the previous review (or, with
/// none, from an empty register), for a review's generated message.
fn summary_message(
    located: &Located,
    quarter: Quarter,
    at: &Resolved,
    until: &Register,
    today: Date,
) -> Result<String, ReviewError> {
    let repo = &located.repo;
    let reviews = reviews_in(repo, today)?.tags;
    let (since, since_rev) = match previous_review(repo, at.commit, &reviews)? {
        Some(prev) => {
            let resolved = resolve(repo, &format!("refs/tags/{}", prev.name))?;
            let resolved = Resolved {
                label: prev.name.clone(),
                ..resolved
            };
            let then = resolved.date().min(today);
            (
                register_at(located, &resolved, None, then)?,
                resolved.revision(),
            )
        }
        None => (
            Register {
                root: String::new(),
                settings: None,
                policy: None,
                access: None,
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
    if let Some(today) = options.today
        && quarter > latest_quarter(today)
    {
        return Err(ReviewError::FutureQuarter { quarter, today });
    }
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let name = quarter.tag_name();
    if let Ok(existing) = repo.find_reference(&format!("refs/tags/{name}")) {
        let commit = existing
            .peel_to_commit()
            .map(|c| c.id().to_string()[..7].to_owned())
            .unwrap_or_else(|_| "(not a commit)".to_owned());
        return Err(ReviewError::Exists {
            quarter,
            tag: name,
            commit,
        });
    }
    let rev = options.rev.as_deref().unwrap_or("HEAD");
    let at = resolve(repo, rev)?;
    let today = options.today.unwrap_or(FAR_FUTURE);
    let reg = register_at(
        &located,
        &at,
        options.as_of,
        options.today.unwrap_or(at.date()),
    )?;
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
        None => {
            let mut m = summary_message(&located, quarter, &at, &reg, today)?;
            if !options.decisions.is_empty() {
                m = format!(
                    "{}\n\nDecisions:\n{}\n",
                    m.trim_end(),
                    options.decisions.join("\n")
                );
            }
            m
        }
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
    match read_tag(repo, &name, FAR_FUTURE)? {
        Some(Tag::Review(t)) => Ok(t),
        _ => Err(ReviewError::Git(GitError::Git(git2::Error::from_str(
            "the tag was created but cannot be read back",
        )))),
    }
}

/// The ids of the use cases that commits after `since` up to `until`
/// record a readiness override for: a stage move's (`<id>: stage ...`
/// with a `Readiness override:` line) or an accepted proposal's
/// (`Readiness override: <id> moved to FineTune ...`).
fn overrides_between(
    repo: &Repository,
    since: Oid,
    until: Oid,
) -> Result<Vec<String>, git2::Error> {
    const MARK: &str = "Readiness override: ";
    let mut walk = repo.revwalk()?;
    walk.push(until)?;
    walk.hide(since)?;
    let mut ids = Vec::new();
    for id in walk {
        let commit = repo.find_commit(id?)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        if !message.contains(MARK) {
            continue;
        }
        let subject = message.lines().next().unwrap_or("");
        for line in message.lines() {
            let Some(rest) = line.strip_prefix(MARK) else {
                continue;
            };
            let id = match rest.split_once(" moved to FineTune") {
                Some((id, _)) if !id.is_empty() && !id.contains(' ') => id,
                _ if rest.starts_with("moved to ") => {
                    subject.split_once(": stage ").map_or("", |(id, _)| id)
                }
                _ => "",
            };
            if !id.is_empty() && !ids.iter().any(|i| i == id) {
                ids.push(id.to_owned());
            }
        }
    }
    Ok(ids)
}

/// The review files (`reviews/YYYY-Qn.ron`) of a commit that load, with
/// their bytes, oldest quarter first; files with errors are left out.
pub fn reviews_at(located: &Located, commit: Oid) -> Vec<(Vec<u8>, crate::model::review::Minutes)> {
    let repo = &located.repo;
    let Ok(tree) = repo.find_commit(commit).and_then(|c| c.tree()) else {
        return Vec::new();
    };
    let dir = if located.state_rel.is_empty() {
        crate::model::review::REVIEWS_DIR.to_owned()
    } else {
        format!(
            "{}/{}",
            located.state_rel,
            crate::model::review::REVIEWS_DIR
        )
    };
    let Some(sub) = tree
        .get_path(Path::new(&dir))
        .ok()
        .and_then(|e| repo.find_tree(e.id()).ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in sub.iter() {
        let Ok(name) = e.name() else { continue };
        let Some(quarter) = name.strip_suffix(".ron") else {
            continue;
        };
        let Ok(blob) = repo.find_blob(e.id()) else {
            continue;
        };
        if blob.size() as u64 > register::MAX_FILE_BYTES {
            continue;
        }
        let bytes = blob.content().to_vec();
        if let Ok(m) = crate::minutes::check(name, quarter, &bytes) {
            out.push((bytes, m));
        }
    }
    out.sort_by(|a, b| a.1.quarter.cmp(&b.1.quarter));
    out
}

/// A date after every quarter a tag can name.
const FAR_FUTURE: Date = Date(chrono::NaiveDate::MAX);

/// A report between two revisions, with what it was built from.
#[derive(Debug, Clone)]
pub struct Built {
    /// The tags under `review/` that were ignored, and why.
    pub ignored: Vec<String>,
    /// The report.
    pub report: QuarterlyReport,
    /// The register at `since`.
    pub since: Register,
    /// The register at `until`.
    pub until: Register,
}

/// Builds the report from `since` (default: the previous review, see the
/// module documentation) to `until` (default `HEAD`). `as_of` applies to
/// the `until` side only; without it, "now" is `until`'s pinned `as_of`,
/// else `today` (the clock): never a date a committer chose. The `since`
/// side is evaluated at its commit's date, but never after `today`.
pub fn report(
    state_dir: &Path,
    since: Option<&str>,
    until: Option<&str>,
    as_of: Option<Date>,
    today: Date,
) -> Result<Built, ReviewError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let until_label = until.unwrap_or("HEAD");
    let until_at = resolve(repo, until_label)?;
    let reviews = reviews_in(repo, today)?;
    let since_at = match since {
        Some(rev) => resolve(repo, rev)?,
        None => match previous_review(repo, until_at.commit, &reviews.tags)? {
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
    let since_reg = register_at(&located, &since_at, None, since_at.date().min(today))?;
    let until_reg = register_at(&located, &until_at, as_of, today)?;
    let report = quarterly::build(
        &since_reg,
        &until_reg,
        since_at.revision(),
        until_at.revision(),
    );
    let mut report = report;
    let before = reviews_at(&located, since_at.commit);
    report.reviews = reviews_at(&located, until_at.commit)
        .into_iter()
        .filter(|(bytes, _)| !before.iter().any(|(b, _)| b == bytes))
        .map(|(_, m)| m)
        .collect();
    let overridden = overrides_between(repo, since_at.commit, until_at.commit)?;
    for s in &mut report.stage_changes {
        s.override_recorded = overridden.contains(&s.id);
    }
    let decisions = super::payoff::decisions(state_dir, &until_at.commit.to_string(), &until_reg)?;
    report.fine_tunes = quarterly::fine_tunes(&until_reg, &decisions, Some(since_at.date()));
    Ok(Built {
        ignored: reviews.ignored,
        report,
        since: since_reg,
        until: until_reg,
    })
}
