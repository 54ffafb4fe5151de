//! The quarterly report's types: what [`super::build()`] computes and
//! [`super::render`] writes, serialized to JSON as they are.

use serde::Serialize;

use crate::diff::FieldChange;
use crate::model::{Date, Risk, RoiEntry, RoiKind, Stage};
use crate::readiness::Verdict;

/// A revision as the report names it (the caller resolved it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// How it was named: `review/2026-Q2`, `HEAD`, a commit id.
    pub label: String,
    /// Its full commit id, when it is a commit.
    pub commit: Option<String>,
    /// The commit's date (its committer date, in the committer's time zone).
    pub date: Option<Date>,
}

/// One side of the period: the revision and the register there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// How it was named: `review/2026-Q2`, `HEAD`, a commit id.
    pub label: String,
    /// Its full commit id, when it is a commit.
    pub commit: Option<String>,
    /// The commit's date.
    pub date: Option<Date>,
    /// The date the register was evaluated at.
    pub as_of: Date,
    /// Use cases that loaded.
    pub use_cases: usize,
    /// Error diagnostics (files with errors are left out of the report).
    pub errors: usize,
}

/// A count at each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count<K> {
    /// What is counted (a stage, an approach kind, a risk tier).
    pub key: K,
    /// How many at `since`.
    pub then: usize,
    /// How many at `until`.
    pub now: usize,
}

/// How many use cases moved from one stage to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Movement {
    /// The stage at `since`.
    pub from: Stage,
    /// The stage at `until`.
    pub to: Stage,
    /// How many use cases made that move.
    pub count: usize,
}

/// Which way a use case moved on the roadmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// To a later stage (not `Retired`).
    Forward,
    /// Back to an earlier stage.
    Back,
    /// To `Retired`.
    Retired,
    /// From `Retired` back to an active stage.
    Reinstated,
}

impl Direction {
    /// `forward`, `back`, `retired` or `reinstated`.
    pub fn label(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Back => "back",
            Direction::Retired => "retired",
            Direction::Reinstated => "reinstated",
        }
    }

    /// The direction of a move from `from` to `to` (which differ).
    pub fn of(from: Stage, to: Stage) -> Direction {
        match (from, to) {
            (_, Stage::Retired) => Direction::Retired,
            (Stage::Retired, _) => Direction::Reinstated,
            (f, t) if t > f => Direction::Forward,
            _ => Direction::Back,
        }
    }
}

/// One use case whose stage changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    /// Use-case id (at `until`).
    pub id: String,
    /// Title at `until`.
    pub title: String,
    /// Owning team at `until`.
    pub team: String,
    /// Owner at `until`.
    pub owner: String,
    /// Stage at `since`.
    pub from: Stage,
    /// Stage at `until`.
    pub to: Stage,
    /// Which way it moved.
    pub direction: Direction,
    /// For a move into FineTune: why readiness does not support it (the
    /// use case at `until`, at its `since` stage, under `until`'s policy),
    /// `None` when it does.
    pub unready: Option<String>,
    /// Whether a commit of the period records a readiness override for
    /// this use case (set by the git edge, which reads the messages).
    pub override_recorded: bool,
}

impl StageChange {
    /// Whether the report flags the move: into FineTune with an override,
    /// or without passing readiness.
    pub fn flagged(&self) -> bool {
        self.to == Stage::FineTune && (self.unready.is_some() || self.override_recorded)
    }
}

/// A use case named in a list (new, removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UseCaseRef {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owning team.
    pub team: String,
    /// Owner.
    pub owner: String,
    /// Stage (at `until` for a new one, at `since` for a removed one).
    pub stage: Stage,
}

/// A use case whose file was renamed (same content, new id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renamed {
    /// The old id.
    pub from: String,
    /// The new id.
    pub to: String,
}

/// A readiness candidate at `until` (verdict `ready` or `almost`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owning team.
    pub team: String,
    /// Verdict at `until`.
    pub verdict: Verdict,
    /// Verdict at `since`; `None` when the use case did not exist then.
    pub verdict_then: Option<Verdict>,
    /// The gating criteria that fail (`data`, `plateau`, ...).
    pub blockers: Vec<&'static str>,
    /// Measured ROI in the 365 days up to `until`'s as-of date.
    pub measured_roi_last_year: u64,
}

/// A use case whose readiness verdict changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// Use-case id (the new id for a rename, the old one for a removal).
    pub id: String,
    /// Title (at `until`, or at `since` for a removal).
    pub title: String,
    /// Verdict at `since`; `None` when it did not exist then.
    pub before: Option<Verdict>,
    /// Verdict at `until`; `None` when it no longer exists.
    pub after: Option<Verdict>,
}

/// ROI summed over one key (a kind, a team), measured and estimated apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoiSum<K> {
    /// What is summed over.
    pub key: K,
    /// Sum of measured entries.
    pub measured: u64,
    /// Sum of estimated entries.
    pub estimated: u64,
}

/// One ROI entry recorded in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiLine {
    /// Use-case id.
    pub id: String,
    /// Title at `until`.
    pub title: String,
    /// Owning team at `until`.
    pub team: String,
    /// The entry as recorded.
    #[serde(flatten)]
    pub entry: RoiEntry,
}

/// The ROI evidence recorded in the period (see the module documentation).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RoiInPeriod {
    /// Sum of measured entries.
    pub measured: u64,
    /// Sum of estimated entries.
    pub estimated: u64,
    /// Per kind, every kind in order.
    pub by_kind: Vec<RoiSum<RoiKind>>,
    /// Per team (at `until`), largest total first.
    pub by_team: Vec<RoiSum<String>>,
    /// Every entry, by date then id.
    pub entries: Vec<RoiLine>,
    /// Entries removed in the period (corrections or edits); not subtracted.
    pub withdrawn: usize,
}

/// Latest accuracy against target for a use case with an accuracy target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyTrend {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Target accuracy at `until`.
    pub target: f64,
    /// Latest accuracy up to `since`'s as-of date; `None` without one.
    pub then: Option<f64>,
    /// Latest accuracy up to `until`'s as-of date; `None` without one.
    pub now: Option<f64>,
    /// When the latest measurement was taken.
    pub measured_on: Option<Date>,
    /// Whether the latest accuracy meets the target (`None` without one).
    pub meets_target: Option<bool>,
    /// Whether the use case is flagged `regression` at `until`.
    pub regression: bool,
}

/// A use case flagged `regression` at `until`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owner.
    pub owner: String,
    /// The accuracy before the latest measurement.
    pub previous: f64,
    /// The latest accuracy.
    pub latest: f64,
    /// When the latest measurement was taken.
    pub date: Date,
}

/// A use case flagged `stale` at `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleEntry {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owner, who should measure it.
    pub owner: String,
    /// Owning team.
    pub team: String,
    /// The latest measurement's date, if any.
    pub last_measured: Option<Date>,
    /// Days from that measurement to `until`'s as-of date.
    pub days: Option<i64>,
    /// Whether it was already flagged `stale` at `since`.
    pub stale_then: bool,
}

/// The key numbers, for the summary paragraph and the UI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KeyNumbers {
    /// Use cases at `since`.
    pub use_cases_then: usize,
    /// Use cases at `until`.
    pub use_cases_now: usize,
    /// Active use cases (not `Retired`) at `since`.
    pub active_then: usize,
    /// Active use cases (not `Retired`) at `until`.
    pub active_now: usize,
    /// Use cases added.
    pub added: usize,
    /// Use cases moved to `Retired`.
    pub retired: usize,
    /// Use cases whose file was removed.
    pub removed: usize,
    /// Use cases that moved forward on the roadmap.
    pub forward: usize,
    /// Use cases that moved back.
    pub back: usize,
    /// Verdict `ready` at `since`.
    pub ready_then: usize,
    /// Verdict `ready` at `until`.
    pub ready_now: usize,
    /// Verdict `almost` at `since`.
    pub almost_then: usize,
    /// Verdict `almost` at `until`.
    pub almost_now: usize,
    /// Use cases whose verdict changed.
    pub verdicts_changed: usize,
    /// Measured ROI recorded in the period.
    pub roi_measured: u64,
    /// Estimated ROI recorded in the period.
    pub roi_estimated: u64,
    /// Measurements recorded in the period.
    pub measurements_added: usize,
    /// Use cases flagged `regression` at `until`.
    pub regressions: usize,
    /// Use cases flagged `stale` at `until`.
    pub stale: usize,
    /// Changes to `policy.ron`.
    pub policy_changes: usize,
}

/// Everything the quarterly report says. Serializes to the JSON of
/// `ripen report --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterlyReport {
    /// The register's name at `until`.
    pub register: String,
    /// The currency of money amounts, at `until`.
    pub currency: String,
    /// The start of the period.
    pub since: Side,
    /// The end of the period.
    pub until: Side,
    /// The key numbers.
    pub key_numbers: KeyNumbers,
    /// Use cases per stage, every stage in roadmap order.
    pub by_stage: Vec<Count<Stage>>,
    /// Use cases per approach kind, each kind present at either side.
    pub by_approach: Vec<Count<&'static str>>,
    /// Use cases per risk tier, every tier from lowest to highest.
    pub by_risk: Vec<Count<Risk>>,
    /// The from-to table of stage changes, by from then to.
    pub movements: Vec<Movement>,
    /// Every use case whose stage changed, by id.
    pub stage_changes: Vec<StageChange>,
    /// Use cases added in the period, by id.
    pub added: Vec<UseCaseRef>,
    /// Use cases moved to `Retired` in the period, by id.
    pub retired: Vec<StageChange>,
    /// Use cases whose file was removed in the period, by id.
    pub removed: Vec<UseCaseRef>,
    /// Use cases renamed in the period.
    pub renamed: Vec<Renamed>,
    /// Readiness candidates at `until`, best first (as `ripen ready` ranks them).
    pub candidates: Vec<Candidate>,
    /// Every verdict that changed, by id.
    pub verdict_changes: Vec<VerdictChange>,
    /// ROI evidence recorded in the period.
    pub roi: RoiInPeriod,
    /// Latest accuracy against target, for every active use case with a target.
    pub accuracy: Vec<AccuracyTrend>,
    /// Use cases flagged `regression` at `until`.
    pub regressions: Vec<Regression>,
    /// Use cases flagged `stale` at `until`, longest unmeasured first.
    pub stale: Vec<StaleEntry>,
    /// Changes to `policy.ron`, as the diff lists them.
    pub policy_changes: Vec<FieldChange>,
    /// Changes to `register.ron`, as the diff lists them.
    pub settings_changes: Vec<FieldChange>,
    /// The reviews recorded or changed in the period (`reviews/YYYY-Qn.ron`):
    /// chair, attendees, decisions, approvals and action items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<crate::model::review::Minutes>,
    /// Fine-tunes at `until` judged against their prompting baseline:
    /// predicted and realised (filled by [`super::fine_tunes`] from the
    /// history the caller reads; empty when none is known).
    pub fine_tunes: Vec<FineTune>,
}

/// When a use case's approach changed from prompting, and how it was
/// before: what the caller read from history.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The use case's id at `until`.
    pub id: String,
    /// The use case just before its approach changed (prompting), when known.
    pub before: Option<crate::model::UseCase>,
    /// The date of the change, when history shows one.
    pub changed_on: Option<crate::model::Date>,
}

/// One fine-tune, predicted and realised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FineTune {
    /// The use case.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `FineTuned` or `Hybrid`.
    pub approach: &'static str,
    /// Whether the approach changed in the period.
    pub in_period: bool,
    /// The comparison with the prompting baseline.
    pub realised: crate::economics::Realised,
}
