//! `ripen demo`: a complete register repository with a believable past.
//!
//! Two halves. Planning is pure: [`history`] turns a [`Plan`] and today's
//! date into a [`History`], every commit, review tag and proposal branch as
//! plain values (file texts, authors, times in seconds). The Northwind plan
//! walks the shipped register (`state/`, embedded) backwards: it is the
//! final state, and earlier quarters have fewer measurements and ROI
//! entries, earlier stages and fewer curated examples. Every date is shifted
//! by the same number of days, so that the latest data is about two weeks
//! old on `today` and the demo never goes stale. The synthetic plan grows
//! any number of use cases and commits from a seed, for benchmarks and tests.
//!
//! Writing ([`write`]) puts a History into a new repository through git2
//! and one pack file written directly (see [`pack`]): no checkout per
//! commit, unchanged subtrees reused, the working tree written once.
//! [`generate`] does both.

mod northwind;
mod pack;
mod reviews;
mod rng;
mod synthetic;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};

use crate::model::Date;

/// The state directory inside a demo repository.
pub const STATE_DIR: &str = "state";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The Northwind Group register shipped in `state/`, with two years of
    /// history, quarterly review tags and two open proposal branches.
    Northwind {
        /// Seed of the small choices (commit times, lags).
        seed: u64,
    },
    /// A synthetic register for benchmarks and tests.
    Synthetic {
        /// How many use cases (`uc-00000`, `uc-00001`, ...).
        use_cases: usize,
        /// How many commits after the first, each changing one to three use cases.
        commits: usize,
        /// Seed of every choice: the same seed and date give the same repository.
        seed: u64,
    },
}

/// Someone who commits or tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Person {
    /// Full name.
    pub name: &'static str,
    /// E-mail address (at example.com).
    pub email: &'static str,
}

/// The people of the demo: a governance lead, an ML platform engineer and
/// four people who look after use cases.
pub const PEOPLE: [Person; 6] = [
    Person {
        name: "Eleanor Whitfield",
        email: "eleanor.whitfield@example.com",
    },
    Person {
        name: "Kenji Watanabe",
        email: "kenji.watanabe@example.com",
    },
    Person {
        name: "James Okafor",
        email: "james.okafor@example.com",
    },
    Person {
        name: "Aisha Bello",
        email: "aisha.bello@example.com",
    },
    Person {
        name: "Samuel Adeyemi",
        email: "samuel.adeyemi@example.com",
    },
    Person {
        name: "Priya Raman",
        email: "priya.raman@example.com",
    },
];

/// The governance lead, who owns the policy and tags the reviews.
pub const GOVERNANCE_LEAD: Person = PEOPLE[0];

/// One file written by a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    /// Path from the repository's root, `/`-separated (`state/use-cases/x.ron`).
    pub path: String,
    /// The whole new content.
    pub text: String,
}

/// One planned commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCommit {
    /// Author and committer.
    pub author: Person,
    /// Author and committer time, seconds since the epoch (UTC).
    pub time: i64,
    /// The message: a subject line, optionally a blank line and a body.
    pub message: String,
    /// The files it adds or changes.
    pub files: Vec<FileWrite>,
}

/// One planned annotated tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTag {
    /// Tag name, e.g. `review/2026-Q3`.
    pub name: String,
    /// Index of the tagged commit in [`History::main`].
    pub target: usize,
    /// Who tagged.
    pub tagger: Person,
    /// When, seconds since the epoch (UTC).
    pub time: i64,
    /// One-line message.
    pub message: String,
}

/// One planned branch off `main`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBranch {
    /// Branch name, e.g. `proposal/claims-finetune`.
    pub name: String,
    /// Index in [`History::main`] of the commit it starts from.
    pub base: usize,
    /// Its own commits, oldest first.
    pub commits: Vec<PlannedCommit>,
}

/// A whole planned repository.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// The commits of `main`, oldest first, times strictly increasing.
    pub main: Vec<PlannedCommit>,
    /// Annotated tags on commits of `main`.
    pub tags: Vec<PlannedTag>,
    /// Branches off `main`.
    pub branches: Vec<PlannedBranch>,
}

impl History {
    /// Every file as it stands after main's commit `index`, by path.
    pub fn files_at(&self, index: usize) -> BTreeMap<&str, &str> {
        let mut files = BTreeMap::new();
        for c in self.main.iter().take(index + 1) {
            for f in &c.files {
                files.insert(f.path.as_str(), f.text.as_str());
            }
        }
        files
    }
}

/// What [`generate`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRepo {
    /// The repository's root (its working tree).
    pub root: PathBuf,
    /// The register's state directory, `<root>/state`.
    pub state_dir: PathBuf,
    /// The commit `main` points to.
    pub head: git2::Oid,
    /// Commits on `main`.
    pub commits: usize,
    /// Tags created, e.g. `review/2026-Q3`.
    pub tags: Vec<String>,
    /// Branches created besides `main`.
    pub branches: Vec<String>,
}

/// Why a demo could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The target folder has files in it.
    #[error("{} is not empty; give a new or empty folder", .0.display())]
    NotEmpty(PathBuf),
    /// A file-system failure, described.
    #[error("{0}")]
    Io(String),
    /// A git failure.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// The plan cannot be built (a bug, or arguments out of range).
    #[error("{0}")]
    Plan(String),
}

/// Plans the history of `plan` as of `today`. Pure and deterministic.
pub fn history(plan: &Plan, today: Date) -> Result<History, DemoError> {
    match *plan {
        Plan::Northwind { seed } => northwind::plan(today, seed),
        Plan::Synthetic {
            use_cases,
            commits,
            seed,
        } => synthetic::plan(use_cases, commits, 0, seed, today),
    }
}

/// Plans a synthetic history as [`Plan::Synthetic`] does (the same `main`
/// for the same arguments), plus `proposals` open `proposal/uc-NNNNN`
/// branches off main's last commit, each one commit changing one use case.
/// Pure and deterministic; at most one branch per use case.
pub fn synthetic_with_proposals(
    use_cases: usize,
    commits: usize,
    proposals: usize,
    seed: u64,
    today: Date,
) -> Result<History, DemoError> {
    synthetic::plan(use_cases, commits, proposals, seed, today)
}

/// Writes a planned history into a new repository at `dir` (created when
/// missing; refused when it holds anything), with `main` checked out.
pub fn write(dir: &Path, history: &History) -> Result<DemoRepo, DemoError> {
    write::write(dir, history)
}

/// Plans and writes: the whole of `ripen demo`, without the UI.
pub fn generate(dir: &Path, plan: &Plan, today: Date) -> Result<DemoRepo, DemoError> {
    let h = history(plan, today)?;
    write::write(dir, &h)
}

// ---------------------------------------------------------------------------
// Dates and times shared by both plans
// ---------------------------------------------------------------------------

/// `date` moved by `days` (either way), clamped to the calendar.
fn add_days(date: Date, days: i64) -> Date {
    Date(
        date.0
            .checked_add_signed(TimeDelta::days(days))
            .unwrap_or(if days < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            }),
    )
}

/// Seconds since the epoch at `minute` minutes past midnight (UTC) of `date`.
fn at(date: Date, minute: u32) -> i64 {
    date.0
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
        + i64::from(minute) * 60
}

/// The date of a time in seconds (UTC).
fn date_of(secs: i64) -> Date {
    Date(chrono::DateTime::from_timestamp(secs, 0).map_or(NaiveDate::MIN, |t| t.date_naive()))
}

/// The next working day on or after `date`.
fn weekday_on_or_after(date: Date) -> Date {
    match date.0.weekday() {
        Weekday::Sat => add_days(date, 2),
        Weekday::Sun => add_days(date, 1),
        _ => date,
    }
}

/// The calendar quarter (1-4) of a date.
fn quarter(date: Date) -> u32 {
    (date.month() - 1) / 3 + 1
}

/// The last day of a calendar quarter.
fn quarter_end(year: i32, q: u32) -> Date {
    let (y, m) = if q == 4 {
        (year + 1, 1)
    } else {
        (year, q * 3 + 1)
    };
    Date(NaiveDate::from_ymd_opt(y, m, 1).map_or(NaiveDate::MAX, |d| d.pred_opt().unwrap_or(d)))
}

/// Minute of the day at which reviews are tagged (18:00 UTC): after every
/// commit of the day, which land between 09:00 and 17:00.
const TAG_MINUTE: u32 = 18 * 60;

/// Makes commit times strictly increasing (a later commit never has an
/// earlier time than its parent), moving a clash by a minute.
fn strictly_increasing(commits: &mut [PlannedCommit]) {
    for i in 1..commits.len() {
        if commits[i].time <= commits[i - 1].time {
            commits[i].time = commits[i - 1].time + 60;
        }
    }
}

/// One annotated `review/YYYY-Qn` tag at the end of each calendar quarter
/// between main's first commit and `today`, on the last commit before it.
/// `message` gets the quarter's label, its last day, the files at that
/// commit and how many commits the quarter had.
fn review_tags(
    main: &[PlannedCommit],
    today: Date,
    mut message: impl FnMut(&str, Date, &BTreeMap<&str, &str>, usize) -> String,
) -> Vec<PlannedTag> {
    let Some(first) = main.first() else {
        return Vec::new();
    };
    let start = date_of(first.time);
    let mut ends = Vec::new();
    let (mut y, mut q) = (start.year(), quarter(start));
    loop {
        let end = quarter_end(y, q);
        if at(end, TAG_MINUTE) >= at(today, 0) {
            break;
        }
        if at(end, TAG_MINUTE) > first.time {
            ends.push((format!("{y}-Q{q}"), end));
        }
        (y, q) = if q == 4 { (y + 1, 1) } else { (y, q + 1) };
    }
    let mut tags = Vec::new();
    let mut files: BTreeMap<&str, &str> = BTreeMap::new();
    let mut next = 0;
    let mut in_quarter = 0;
    for (label, end) in ends {
        let time = at(end, TAG_MINUTE);
        while next < main.len() && main[next].time <= time {
            for f in &main[next].files {
                files.insert(&f.path, &f.text);
            }
            next += 1;
            in_quarter += 1;
        }
        let text = message(&label, end, &files, in_quarter);
        tags.push(PlannedTag {
            name: format!("review/{label}"),
            target: next - 1,
            tagger: GOVERNANCE_LEAD,
            time,
            message: text,
        });
        in_quarter = 0;
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(quarter_end(2026, 1), d("2026-03-31"));
        assert_eq!(quarter_end(2026, 4), d("2026-12-31"));
        assert_eq!(quarter(d("2026-09-30")), 3);
        assert_eq!(date_of(at(d("2026-09-30"), TAG_MINUTE)), d("2026-09-30"));
        assert_eq!(weekday_on_or_after(d("2026-11-28")), d("2026-11-30"));
    }
}
