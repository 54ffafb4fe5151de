//! The quarterly review report: what changed in the portfolio between two
//! versions of the register, for a steering committee.
//!
//! Pure: two [`Register`] values (loaded by the caller, each at its own
//! as-of date) and their semantic diff ([`crate::diff::diff`]) in, a
//! [`QuarterlyReport`] out, which serializes to JSON as is and renders to
//! Markdown with [`markdown`]. Everything that changed (stage movements, new,
//! retired and removed use cases, ROI evidence added, verdict changes,
//! policy changes) comes from the diff; the state at either side (counts,
//! candidates, flags, latest measurements) from the library's report
//! functions on that side's register. Nothing here reads a clock or git.
//!
//! # What counts as "in the period"
//!
//! ROI evidence of the period is the ROI entries present at `until` and not
//! at `since`, as the diff lists them: entries added to use cases on both
//! sides, plus every entry of a use case added in the period. Their dates do
//! not matter (evidence recorded late still counts once, in the period it
//! was recorded). Amounts are summed as recorded, whatever period each one
//! covers, measured and estimated apart. Entries removed in the period (a
//! correction, or an entry edited in place, which shows as one removed and
//! one added) are counted in `withdrawn`, not subtracted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::diff::{self, FieldChange, FieldValue, RegisterDiff, Status};
use crate::model::{Confidence, Date, Period, Risk, RoiEntry, RoiKind, Stage, UseCase};
use crate::readiness::{self, Assessment, Flag, Verdict};
use crate::register::Register;
use crate::report::{self, Selection};
use crate::text::sanitize;

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

/// The flag a move into FineTune carries in the Markdown report.
fn flag_of(s: &StageChange) -> String {
    if !s.flagged() {
        return String::new();
    }
    let mut why = Vec::new();
    if s.override_recorded {
        why.push("made with a readiness override".to_owned());
    }
    if let Some(u) = &s.unready {
        why.push(format!("without passing readiness: {}", md(u)));
    }
    format!(" **FLAGGED: {}**", why.join("; "))
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
}

/// Builds the report of the period from `since` to `until`, computing
/// their diff with [`crate::diff::diff`].
pub fn build(
    since: &Register,
    until: &Register,
    since_rev: Revision,
    until_rev: Revision,
) -> QuarterlyReport {
    let d = diff::diff(since, until);
    from_diff(since, until, &d, since_rev, until_rev)
}

fn side(reg: &Register, rev: Revision) -> Side {
    Side {
        label: rev.label,
        commit: rev.commit,
        date: rev.date,
        as_of: reg.as_of,
        use_cases: reg.use_cases.len(),
        errors: reg.errors(),
    }
}

fn stage_of(v: &FieldValue) -> Option<Stage> {
    match v {
        FieldValue::Name(n) => Stage::ALL.into_iter().find(|s| s.name() == n),
        _ => None,
    }
}

fn use_case_ref(reg: &Register, id: &str) -> Option<UseCaseRef> {
    reg.get(id).map(|e| UseCaseRef {
        id: e.id.to_string(),
        title: e.use_case.title.clone(),
        team: e.use_case.team.clone(),
        owner: e.use_case.owner.clone(),
        stage: e.use_case.stage,
    })
}

fn count_by<K: Ord + Copy>(
    keys: &[K],
    then: impl Iterator<Item = K>,
    now: impl Iterator<Item = K>,
) -> Vec<Count<K>> {
    let mut rows: Vec<Count<K>> = keys
        .iter()
        .map(|&key| Count {
            key,
            then: 0,
            now: 0,
        })
        .collect();
    let mut slot = |k: K| {
        if let Some(i) = rows.iter().position(|r| r.key == k) {
            i
        } else {
            rows.push(Count {
                key: k,
                then: 0,
                now: 0,
            });
            rows.len() - 1
        }
    };
    let then: Vec<usize> = then.map(&mut slot).collect();
    let now: Vec<usize> = now.map(&mut slot).collect();
    for i in then {
        rows[i].then += 1;
    }
    for i in now {
        rows[i].now += 1;
    }
    rows
}

/// The approach kinds in the order reports list them; kinds not listed
/// here come after, in the order met.
const APPROACH_ORDER: [&str; 4] = ["Prompting", "Hybrid", "FineTuned", "Other"];

fn add_roi(sum: &mut (u64, u64), r: &RoiEntry) {
    match r.confidence {
        Confidence::Measured => sum.0 = sum.0.saturating_add(r.value_usd),
        Confidence::Estimated => sum.1 = sum.1.saturating_add(r.value_usd),
    }
}

/// Builds the report from the two registers and their diff (as computed by
/// [`crate::diff::diff`]`(since, until)`).
pub fn from_diff(
    since: &Register,
    until: &Register,
    d: &RegisterDiff,
    since_rev: Revision,
    until_rev: Revision,
) -> QuarterlyReport {
    let then_assessments = report::assess_all(since);
    let now_assessments = report::assess_all(until);
    let then_cases: Vec<&UseCase> = since.use_cases.iter().map(|e| &e.use_case).collect();
    let now_cases: Vec<&UseCase> = until.use_cases.iter().map(|e| &e.use_case).collect();

    let by_stage = count_by(
        &Stage::ALL,
        then_cases.iter().map(|u| u.stage),
        now_cases.iter().map(|u| u.stage),
    );
    let mut by_approach = count_by(
        &[],
        then_cases.iter().map(|u| u.approach.kind()),
        now_cases.iter().map(|u| u.approach.kind()),
    );
    by_approach.sort_by_key(|c| {
        APPROACH_ORDER
            .iter()
            .position(|k| *k == c.key)
            .unwrap_or(APPROACH_ORDER.len())
    });
    let by_risk = count_by(
        &Risk::ALL,
        then_cases.iter().map(|u| u.risk),
        now_cases.iter().map(|u| u.risk),
    );

    // What changed, from the diff.
    let mut stage_changes = Vec::new();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut renamed = Vec::new();
    let mut verdict_changes = Vec::new();
    let mut roi_added: Vec<(String, RoiEntry)> = Vec::new();
    let mut withdrawn = 0usize;
    let mut measurements_added = 0usize;
    for u in &d.use_cases {
        match u.status {
            Status::Added => {
                if let Some(r) = use_case_ref(until, &u.id) {
                    added.push(r);
                }
                if let Some(e) = until.get(&u.id) {
                    roi_added.extend(e.use_case.roi.iter().map(|r| (u.id.clone(), r.clone())));
                    measurements_added += e.use_case.measurements.len();
                }
            }
            Status::Removed => {
                if let Some(r) = use_case_ref(since, &u.id) {
                    removed.push(r);
                }
            }
            Status::Renamed => renamed.push(Renamed {
                from: u.renamed_from.clone().unwrap_or_default(),
                to: u.id.clone(),
            }),
            Status::Changed | Status::Unchanged => {}
        }
        for c in &u.changes {
            match c.field.as_str() {
                "stage" => {
                    let (Some(from), Some(to), Some(e)) =
                        (stage_of(&c.from), stage_of(&c.to), until.get(&u.id))
                    else {
                        continue;
                    };
                    let unready = (to == Stage::FineTune)
                        .then(|| {
                            let mut at_from = e.use_case.clone();
                            at_from.stage = from;
                            let a =
                                readiness::assess(&at_from, &until.effective_policy(), until.as_of);
                            crate::change::override_needed(&at_from, to, &a)
                        })
                        .flatten();
                    stage_changes.push(StageChange {
                        id: u.id.clone(),
                        title: e.use_case.title.clone(),
                        team: e.use_case.team.clone(),
                        owner: e.use_case.owner.clone(),
                        from,
                        to,
                        direction: Direction::of(from, to),
                        unready,
                        override_recorded: false,
                    });
                }
                "roi" => match (&c.from, &c.to) {
                    (FieldValue::None, FieldValue::Roi(r)) => {
                        roi_added.push((u.id.clone(), r.clone()))
                    }
                    (FieldValue::Roi(_), FieldValue::None) => withdrawn += 1,
                    _ => {}
                },
                "measurements" if c.is_added_entry() => measurements_added += 1,
                _ => {}
            }
        }
        if u.verdict.changed() {
            let title = until
                .get(&u.id)
                .or_else(|| since.get(&u.id))
                .map(|e| e.use_case.title.clone())
                .unwrap_or_default();
            verdict_changes.push(VerdictChange {
                id: u.id.clone(),
                title,
                before: u.verdict.before,
                after: u.verdict.after,
            });
        }
    }
    let mut movements: BTreeMap<(Stage, Stage), usize> = BTreeMap::new();
    for s in &stage_changes {
        *movements.entry((s.from, s.to)).or_default() += 1;
    }
    let movements: Vec<Movement> = movements
        .into_iter()
        .map(|((from, to), count)| Movement { from, to, count })
        .collect();
    let retired: Vec<StageChange> = stage_changes
        .iter()
        .filter(|s| s.direction == Direction::Retired)
        .cloned()
        .collect();

    // The id a use case had at `since` (renames followed).
    let id_then = |id: &str| -> String {
        d.use_cases
            .iter()
            .find(|u| u.status == Status::Renamed && u.id == id)
            .and_then(|u| u.renamed_from.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let verdict_then = |id: &str| -> Option<Verdict> {
        match d
            .use_cases
            .iter()
            .find(|u| u.id == id && u.status != Status::Removed)
        {
            Some(u) => u.verdict.before,
            // Not in the diff: the verdict did not change.
            None => since
                .use_cases
                .iter()
                .position(|e| e.id.as_str() == id)
                .map(|i| then_assessments[i].verdict),
        }
    };

    let candidates: Vec<Candidate> = report::ranked(until, &now_assessments, Selection::Candidates)
        .into_iter()
        .map(|i| {
            let e = &until.use_cases[i];
            let a = &now_assessments[i];
            Candidate {
                id: e.id.to_string(),
                title: e.use_case.title.clone(),
                team: e.use_case.team.clone(),
                verdict: a.verdict,
                verdict_then: verdict_then(e.id.as_str()),
                blockers: a.blockers().map(|c| c.criterion.key()).collect(),
                measured_roi_last_year: a.measured_roi_last_year,
            }
        })
        .collect();

    let roi = roi_in_period(until, roi_added, withdrawn);

    let then_index = |id: &str| {
        since
            .use_cases
            .iter()
            .position(|e| e.id.as_str() == id_then(id))
    };
    let mut accuracy = Vec::new();
    let mut regressions = Vec::new();
    let mut stale = Vec::new();
    for (e, a) in until.use_cases.iter().zip(&now_assessments) {
        let u = &e.use_case;
        let id = e.id.as_str();
        let latest = report::latest(u, until.as_of);
        let then_i = then_index(id);
        let flagged = |f: Flag| a.flags.contains(&f);
        if let (Some(target), true) = (u.targets.accuracy, u.stage != Stage::Retired) {
            let then = then_i
                .and_then(|i| report::latest(&since.use_cases[i].use_case, since.as_of))
                .map(|l| l.accuracy);
            accuracy.push(AccuracyTrend {
                id: id.to_owned(),
                title: u.title.clone(),
                target,
                then,
                now: latest.map(|l| l.accuracy),
                measured_on: latest.map(|l| l.date),
                meets_target: latest.map(|l| meets(l.accuracy, target)),
                regression: flagged(Flag::Regression),
            });
        }
        if flagged(Flag::Regression) {
            let ms = readiness::measurements_until(u, until.as_of);
            if let [.., prev, last] = ms.as_slice() {
                regressions.push(Regression {
                    id: id.to_owned(),
                    title: u.title.clone(),
                    owner: u.owner.clone(),
                    previous: prev.accuracy,
                    latest: last.accuracy,
                    date: last.date,
                });
            }
        }
        if flagged(Flag::Stale) {
            stale.push(StaleEntry {
                id: id.to_owned(),
                title: u.title.clone(),
                owner: u.owner.clone(),
                team: u.team.clone(),
                last_measured: latest.map(|l| l.date),
                days: latest.map(|l| l.age_days),
                stale_then: then_i
                    .is_some_and(|i| then_assessments[i].flags.contains(&Flag::Stale)),
            });
        }
    }
    // Never measured first, then the longest unmeasured.
    stale.sort_by_key(|s| (s.days.map(std::cmp::Reverse), s.id.clone()));

    let count = |a: &[Assessment], v: Verdict| a.iter().filter(|x| x.verdict == v).count();
    let active = |cs: &[&UseCase]| cs.iter().filter(|u| u.stage != Stage::Retired).count();
    let key_numbers = KeyNumbers {
        use_cases_then: since.use_cases.len(),
        use_cases_now: until.use_cases.len(),
        active_then: active(&then_cases),
        active_now: active(&now_cases),
        added: added.len(),
        retired: retired.len(),
        removed: removed.len(),
        forward: stage_changes
            .iter()
            .filter(|s| s.direction == Direction::Forward)
            .count(),
        back: stage_changes
            .iter()
            .filter(|s| s.direction == Direction::Back)
            .count(),
        ready_then: count(&then_assessments, Verdict::Ready),
        ready_now: count(&now_assessments, Verdict::Ready),
        almost_then: count(&then_assessments, Verdict::Almost),
        almost_now: count(&now_assessments, Verdict::Almost),
        verdicts_changed: d.verdicts_changed(),
        roi_measured: roi.measured,
        roi_estimated: roi.estimated,
        measurements_added,
        regressions: regressions.len(),
        stale: stale.len(),
        policy_changes: d.policy.len(),
    };

    QuarterlyReport {
        register: until.name().to_owned(),
        currency: until
            .settings
            .as_ref()
            .map_or_else(|| "USD".to_owned(), |s| s.currency.clone()),
        since: side(since, since_rev),
        until: side(until, until_rev),
        key_numbers,
        by_stage,
        by_approach,
        by_risk,
        movements,
        stage_changes,
        added,
        retired,
        removed,
        renamed,
        candidates,
        verdict_changes,
        roi,
        accuracy,
        regressions,
        stale,
        policy_changes: d.policy.clone(),
        settings_changes: d.settings.clone(),
    }
}

/// Whether `accuracy` meets `target`, ignoring floating-point noise.
fn meets(accuracy: f64, target: f64) -> bool {
    (accuracy * 1e9).round() >= (target * 1e9).round()
}

fn roi_in_period(
    until: &Register,
    added: Vec<(String, RoiEntry)>,
    withdrawn: usize,
) -> RoiInPeriod {
    let mut total = (0u64, 0u64);
    let mut kinds: BTreeMap<RoiKind, (u64, u64)> = [
        RoiKind::CostSaving,
        RoiKind::TimeSaved,
        RoiKind::Revenue,
        RoiKind::RiskReduction,
    ]
    .into_iter()
    .map(|k| (k, (0, 0)))
    .collect();
    let mut teams: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut entries = Vec::new();
    for (id, r) in added {
        let (title, team) = until
            .get(&id)
            .map(|e| (e.use_case.title.clone(), e.use_case.team.clone()))
            .unwrap_or_default();
        add_roi(&mut total, &r);
        add_roi(kinds.entry(r.kind).or_default(), &r);
        add_roi(teams.entry(team.clone()).or_default(), &r);
        entries.push(RoiLine {
            id,
            title,
            team,
            entry: r,
        });
    }
    entries.sort_by(|a, b| (a.entry.date, &a.id).cmp(&(b.entry.date, &b.id)));
    let mut by_team: Vec<RoiSum<String>> = teams
        .into_iter()
        .map(|(key, (measured, estimated))| RoiSum {
            key,
            measured,
            estimated,
        })
        .collect();
    by_team.sort_by_key(|t| {
        (
            std::cmp::Reverse(t.measured.saturating_add(t.estimated)),
            t.key.clone(),
        )
    });
    RoiInPeriod {
        measured: total.0,
        estimated: total.1,
        by_kind: kinds
            .into_iter()
            .map(|(key, (measured, estimated))| RoiSum {
                key,
                measured,
                estimated,
            })
            .collect(),
        by_team,
        entries,
        withdrawn,
    }
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn money(currency: &str, n: u64) -> String {
    super::money(currency, n)
}

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn signed(then: usize, now: usize) -> String {
    match now.cmp(&then) {
        std::cmp::Ordering::Greater => format!("+{}", now - then),
        std::cmp::Ordering::Less => format!("-{}", then - now),
        std::cmp::Ordering::Equal => "0".to_owned(),
    }
}

fn side_text(s: &Side) -> String {
    let mut out = sanitize(&s.label).into_owned();
    let mut detail = Vec::new();
    if let Some(c) = &s.commit {
        let label = s.label.to_ascii_lowercase();
        if !(label.len() >= 4 && c.starts_with(&label)) {
            detail.push(format!("commit {}", c.get(..7).unwrap_or(c)));
        }
    }
    if let Some(d) = s.date {
        detail.push(d.to_string());
    }
    if !detail.is_empty() {
        let _ = write!(out, " ({})", detail.join(", "));
    }
    out
}

/// The one-paragraph summary with the key numbers, as plain text (register
/// text sanitized, no Markdown).
pub fn summary(r: &QuarterlyReport) -> String {
    let k = &r.key_numbers;
    let mut s = format!(
        "Between {} and {}, the register went from {} to {} ({} active now)",
        side_text(&r.since),
        side_text(&r.until),
        k.use_cases_then,
        plural(k.use_cases_now, "use case", "use cases"),
        k.active_now,
    );
    let mut changes = Vec::new();
    if k.added > 0 {
        changes.push(format!("{} new", k.added));
    }
    if k.retired > 0 {
        changes.push(format!("{} retired", k.retired));
    }
    if k.removed > 0 {
        changes.push(format!("{} removed", k.removed));
    }
    if !changes.is_empty() {
        let _ = write!(s, ": {}", changes.join(", "));
    }
    s.push_str(". ");
    if k.forward + k.back == 0 {
        s.push_str("No use case moved forward or back on the roadmap. ");
    } else {
        let _ = write!(
            s,
            "{} moved forward on the roadmap and {} moved back. ",
            k.forward, k.back
        );
    }
    let _ = write!(
        s,
        "{} ready to move to fine-tuning and {} almost ready (then {} and {}). ",
        plural(k.ready_now, "use case is", "use cases are"),
        k.almost_now,
        k.ready_then,
        k.almost_then
    );
    let _ = write!(
        s,
        "ROI evidence recorded in the period: {} measured and {} estimated. ",
        money(&r.currency, k.roi_measured),
        money(&r.currency, k.roi_estimated)
    );
    let attention = match (k.regressions, k.stale) {
        (0, 0) => "No accuracy regression and no stale entry need attention.".to_owned(),
        (reg, st) => format!(
            "Needing attention: {} and {} (no recent measurement).",
            plural(reg, "accuracy regression", "accuracy regressions"),
            plural(st, "stale entry", "stale entries")
        ),
    };
    s.push_str(&attention);
    if k.policy_changes > 0 {
        let _ = write!(
            s,
            " The readiness policy changed ({}).",
            plural(k.policy_changes, "change", "changes")
        );
    }
    s
}

/// The message of a review tag: a subject line, then counts by stage, the
/// ready and almost-ready candidates, and the ROI recorded since the
/// previous review (the report's `since`). All register text sanitized.
pub fn tag_message(quarter: &str, r: &QuarterlyReport) -> String {
    let k = &r.key_numbers;
    let mut m = format!(
        "Review {}: {}, {} ready, {} almost\n\n",
        sanitize(quarter),
        plural(k.use_cases_now, "use case", "use cases"),
        k.ready_now,
        k.almost_now
    );
    let _ = writeln!(
        m,
        "Register: {} at {}, as of {}.",
        sanitize(&r.register),
        side_text(&r.until),
        r.until.as_of
    );
    let stages: Vec<String> = r
        .by_stage
        .iter()
        .map(|c| format!("{} {}", c.key.name(), c.now))
        .collect();
    let _ = writeln!(m, "By stage: {}.", stages.join(", "));
    for (verdict, label) in [(Verdict::Ready, "Ready"), (Verdict::Almost, "Almost")] {
        let ids: Vec<String> = r
            .candidates
            .iter()
            .filter(|c| c.verdict == verdict)
            .map(|c| sanitize(&c.id).into_owned())
            .collect();
        let list = if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        };
        let _ = writeln!(m, "{label}: {list}.");
    }
    let _ = writeln!(
        m,
        "ROI recorded since {}: {} measured, {} estimated.",
        sanitize(&r.since.label),
        money(&r.currency, k.roi_measured),
        money(&r.currency, k.roi_estimated)
    );
    if k.added + k.retired + k.forward + k.back > 0 {
        let _ = writeln!(
            m,
            "Since then: {} new, {} retired, {} forward, {} back.",
            k.added, k.retired, k.forward, k.back
        );
    }
    m
}

// ---------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------

/// Register text made safe for Markdown: sanitized (no control characters,
/// one line), and every character that could start Markdown structure
/// (emphasis, links, code, HTML, table cells) escaped with a backslash.
pub fn md(s: &str) -> String {
    let s = sanitize(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '#' => true,
            // `_` emphasises only at a word's edge.
            '_' => {
                let alnum = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                !(alnum(i.checked_sub(1)) && alnum(Some(i + 1)))
            }
            // Only an entity (`&amp;`, `&#27;`) needs it.
            '&' => {
                let rest = &chars[i + 1..];
                let body = rest.strip_prefix(&['#']).unwrap_or(rest);
                let n = body
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                n > 0 && body.get(n) == Some(&';')
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// A table with columns padded so that it also reads as plain text. Cells
/// are Markdown already (register text passed through [`md`]).
fn table(out: &mut String, header: &[&str], align: &[Align], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width().max(3)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = (usize, &str)>| {
        let mut l = String::from("|");
        for (i, cell) in cells {
            let pad = " ".repeat(widths[i].saturating_sub(cell.width()));
            match align[i] {
                Align::Left => {
                    let _ = write!(l, " {cell}{pad} |");
                }
                Align::Right => {
                    let _ = write!(l, " {pad}{cell} |");
                }
            }
        }
        l.push('\n');
        l
    };
    out.push_str(&line(&mut header.iter().copied().enumerate()));
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        let dashes = "-".repeat(w.saturating_sub(1));
        match align[i] {
            Align::Left => {
                let _ = write!(out, " :{dashes} |");
            }
            Align::Right => {
                let _ = write!(out, " {dashes}: |");
            }
        }
    }
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str).enumerate()));
    }
    out.push('\n');
}

fn heading(out: &mut String, level: usize, text: &str) {
    let _ = writeln!(out, "{} {text}\n", "#".repeat(level));
}

fn para(out: &mut String, text: &str) {
    let _ = writeln!(out, "{text}\n");
}

/// A use case as shown in lists and tables: its title and id.
fn named(id: &str, title: &str) -> String {
    format!("{} ({})", md(title), md(id))
}

fn verdict_text(v: Option<Verdict>) -> &'static str {
    v.map_or("(none)", Verdict::phrase)
}

fn counts_table(out: &mut String, what: &str, rows: Vec<(String, usize, usize)>) {
    let (then, now) = rows.iter().fold((0, 0), |(a, b), (_, t, n)| (a + t, b + n));
    let mut cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(k, t, n)| vec![k, t.to_string(), n.to_string(), signed(t, n)])
        .collect();
    cells.push(vec![
        "Total".to_owned(),
        then.to_string(),
        now.to_string(),
        signed(then, now),
    ]);
    table(
        out,
        &[what, "Then", "Now", "Change"],
        &[Align::Left, Align::Right, Align::Right, Align::Right],
        &cells,
    );
}

fn money_cell(r: &QuarterlyReport, n: u64) -> String {
    md(&money(&r.currency, n))
}

fn period_name(p: Period) -> &'static str {
    match p {
        Period::Month => "a month",
        Period::Quarter => "a quarter",
        Period::Year => "a year",
        Period::OneOff => "one-off",
    }
}

fn kind_name(k: RoiKind) -> &'static str {
    match k {
        RoiKind::CostSaving => "Cost saving",
        RoiKind::TimeSaved => "Time saved",
        RoiKind::Revenue => "Revenue",
        RoiKind::RiskReduction => "Risk reduction",
    }
}

/// Renders the report as Markdown that reads well on a git forge and as
/// plain text: headings, short tables padded into columns, no HTML. All
/// register text is sanitized and escaped ([`md`]), so the document holds
/// no control character but newlines.
pub fn markdown(r: &QuarterlyReport) -> String {
    let mut o = String::new();
    let k = &r.key_numbers;
    heading(&mut o, 1, &format!("Quarterly review: {}", md(&r.register)));
    let _ = writeln!(
        o,
        "- Period: from {} to {}\n- Evaluated as of: {} (then) and {} (now)\n",
        md(&side_text(&r.since)),
        md(&side_text(&r.until)),
        r.since.as_of,
        r.until.as_of
    );
    if r.since.errors + r.until.errors > 0 {
        para(
            &mut o,
            &format!(
                "Warning: the register has {} error(s) then and {} now; use cases in files with errors are left out of this report (`ripen validate` lists them).",
                r.since.errors, r.until.errors
            ),
        );
    }
    heading(&mut o, 2, "Summary");
    para(&mut o, &md(&summary(r)));

    // Portfolio.
    heading(&mut o, 2, "Portfolio");
    counts_table(
        &mut o,
        "Stage",
        r.by_stage
            .iter()
            .map(|c| (c.key.name().to_owned(), c.then, c.now))
            .collect(),
    );
    counts_table(
        &mut o,
        "Approach",
        r.by_approach
            .iter()
            .map(|c| (md(c.key), c.then, c.now))
            .collect(),
    );
    counts_table(
        &mut o,
        "Risk tier",
        r.by_risk
            .iter()
            .map(|c| (c.key.name().to_owned(), c.then, c.now))
            .collect(),
    );

    // Movements.
    heading(&mut o, 2, "Stage movements");
    if r.movements.is_empty() {
        para(&mut o, "No use case changed stage.");
    } else {
        table(
            &mut o,
            &["From", "To", "Use cases"],
            &[Align::Left, Align::Left, Align::Right],
            &r.movements
                .iter()
                .map(|m| {
                    vec![
                        m.from.name().to_owned(),
                        m.to.name().to_owned(),
                        m.count.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        for s in &r.stage_changes {
            let _ = writeln!(
                o,
                "- {}: {} to {}, {}{}",
                named(&s.id, &s.title),
                s.from.name(),
                s.to.name(),
                s.direction.label(),
                flag_of(s)
            );
        }
        o.push('\n');
    }

    // New, retired, removed.
    heading(&mut o, 2, "New and retired use cases");
    if r.added.is_empty() && r.retired.is_empty() && r.removed.is_empty() && r.renamed.is_empty() {
        para(&mut o, "No use case was added, retired or removed.");
    }
    if !r.added.is_empty() {
        para(&mut o, "New:");
        for u in &r.added {
            let _ = writeln!(
                o,
                "- {}: {}, owned by {} ({})",
                named(&u.id, &u.title),
                u.stage.name(),
                md(&u.owner),
                md(&u.team)
            );
        }
        o.push('\n');
    }
    if !r.retired.is_empty() {
        para(&mut o, "Retired:");
        for s in &r.retired {
            let _ = writeln!(
                o,
                "- {}: retired from {}, owned by {} ({})",
                named(&s.id, &s.title),
                s.from.name(),
                md(&s.owner),
                md(&s.team)
            );
        }
        o.push('\n');
    }
    if !r.removed.is_empty() {
        para(&mut o, "Removed from the register (file deleted):");
        for u in &r.removed {
            let _ = writeln!(
                o,
                "- {}: was {}, owned by {} ({})",
                named(&u.id, &u.title),
                u.stage.name(),
                md(&u.owner),
                md(&u.team)
            );
        }
        o.push('\n');
    }
    if !r.renamed.is_empty() {
        para(&mut o, "Renamed:");
        for n in &r.renamed {
            let _ = writeln!(o, "- {} is now {}", md(&n.from), md(&n.to));
        }
        o.push('\n');
    }

    // Readiness.
    heading(&mut o, 2, "Readiness for fine-tuning");
    if r.candidates.is_empty() {
        para(
            &mut o,
            &format!(
                "No use case is ready or almost ready as of {}.",
                r.until.as_of
            ),
        );
    } else {
        table(
            &mut o,
            &[
                "Use case",
                "Verdict",
                "Then",
                "Blocking",
                "Measured ROI, 365 days",
            ],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
            ],
            &r.candidates
                .iter()
                .map(|c| {
                    vec![
                        named(&c.id, &c.title),
                        c.verdict.label().to_owned(),
                        c.verdict_then.map_or("(new)", Verdict::label).to_owned(),
                        if c.blockers.is_empty() {
                            "-".to_owned()
                        } else {
                            c.blockers.join(", ")
                        },
                        money_cell(r, c.measured_roi_last_year),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    if r.verdict_changes.is_empty() {
        para(&mut o, "No readiness verdict changed.");
    } else {
        para(&mut o, "Verdicts that changed:");
        table(
            &mut o,
            &["Use case", "Then", "Now"],
            &[Align::Left, Align::Left, Align::Left],
            &r.verdict_changes
                .iter()
                .map(|v| {
                    vec![
                        named(&v.id, &v.title),
                        verdict_text(v.before).to_owned(),
                        verdict_text(v.after).to_owned(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }

    // ROI.
    heading(&mut o, 2, "ROI evidence recorded in the period");
    let withdrawn = if r.roi.withdrawn > 0 {
        format!(
            " {} removed or corrected in the period (not subtracted).",
            plural(r.roi.withdrawn, "entry was", "entries were")
        )
    } else {
        String::new()
    };
    if r.roi.entries.is_empty() {
        para(
            &mut o,
            &format!("No ROI evidence was added to the register in the period.{withdrawn}"),
        );
    } else {
        para(
            &mut o,
            &format!(
                "{} measured and {} estimated, in {} added to the register in the period (amounts summed as recorded, whatever period each covers).{withdrawn}",
                money_cell(r, r.roi.measured),
                money_cell(r, r.roi.estimated),
                plural(r.roi.entries.len(), "entry", "entries"),
            ),
        );
    }
    if !r.roi.entries.is_empty() {
        let sums = |rows: Vec<(String, u64, u64)>| -> Vec<Vec<String>> {
            rows.into_iter()
                .map(|(k, m, e)| vec![k, money_cell(r, m), money_cell(r, e)])
                .collect()
        };
        table(
            &mut o,
            &["Kind", "Measured", "Estimated"],
            &[Align::Left, Align::Right, Align::Right],
            &sums(
                r.roi
                    .by_kind
                    .iter()
                    .map(|s| (kind_name(s.key).to_owned(), s.measured, s.estimated))
                    .collect(),
            ),
        );
        table(
            &mut o,
            &["Team", "Measured", "Estimated"],
            &[Align::Left, Align::Right, Align::Right],
            &sums(
                r.roi
                    .by_team
                    .iter()
                    .map(|s| (md(&s.key), s.measured, s.estimated))
                    .collect(),
            ),
        );
        table(
            &mut o,
            &["Use case", "Date", "Kind", "Amount", "Covers", "Confidence"],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Left,
                Align::Left,
            ],
            &r.roi
                .entries
                .iter()
                .map(|l| {
                    vec![
                        named(&l.id, &l.title),
                        l.entry.date.to_string(),
                        kind_name(l.entry.kind).to_owned(),
                        money_cell(r, l.entry.value_usd),
                        period_name(l.entry.period).to_owned(),
                        match l.entry.confidence {
                            Confidence::Measured => "measured",
                            Confidence::Estimated => "estimated",
                        }
                        .to_owned(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }

    // Metrics.
    heading(&mut o, 2, "Accuracy against target");
    if r.accuracy.is_empty() {
        para(&mut o, "No active use case has an accuracy target.");
    } else {
        table(
            &mut o,
            &["Use case", "Target", "Then", "Now", "Status"],
            &[
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Left,
            ],
            &r.accuracy
                .iter()
                .map(|a| {
                    let status = match (a.now, a.meets_target) {
                        (None, _) => "no measurement".to_owned(),
                        (Some(_), Some(true)) => "meets target".to_owned(),
                        (Some(now), _) => {
                            format!("{:.1} pts below", (a.target - now) * 100.0)
                        }
                    };
                    let status = if a.regression {
                        format!("{status}, regression")
                    } else {
                        status
                    };
                    vec![
                        named(&a.id, &a.title),
                        percent(a.target),
                        a.then.map_or("-".to_owned(), percent),
                        a.now.map_or("-".to_owned(), percent),
                        status,
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    if r.regressions.is_empty() {
        para(&mut o, "No accuracy regression.");
    } else {
        para(
            &mut o,
            "Regressions (latest accuracy below the previous one by more than the policy allows):",
        );
        for g in &r.regressions {
            let _ = writeln!(
                o,
                "- {}: {} to {} on {}; owner {}",
                named(&g.id, &g.title),
                percent(g.previous),
                percent(g.latest),
                g.date,
                md(&g.owner)
            );
        }
        o.push('\n');
    }

    // Stale.
    heading(&mut o, 2, "Stale entries");
    if r.stale.is_empty() {
        para(&mut o, "Every active use case has a recent measurement.");
    } else {
        table(
            &mut o,
            &["Use case", "Owner", "Team", "Last measured", "Stale then"],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
            ],
            &r.stale
                .iter()
                .map(|s| {
                    vec![
                        named(&s.id, &s.title),
                        md(&s.owner),
                        md(&s.team),
                        match (s.last_measured, s.days) {
                            (Some(d), Some(n)) => format!("{d} ({n} days)"),
                            _ => "never".to_owned(),
                        },
                        if s.stale_then { "yes" } else { "no" }.to_owned(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }

    // Policy.
    heading(&mut o, 2, "Policy changes");
    let changes_rows = |cs: &[FieldChange]| -> Vec<Vec<String>> {
        cs.iter()
            .map(|c| {
                if c.field == "gates" {
                    // A gate added or removed: the criterion, gated or not.
                    let gated = |v: &FieldValue| if v.is_none() { "not gated" } else { "gated" };
                    let name = if c.from.is_none() { &c.to } else { &c.from };
                    vec![
                        format!("gate {}", md(&name.to_string())),
                        gated(&c.from).to_owned(),
                        gated(&c.to).to_owned(),
                    ]
                } else {
                    vec![md(&c.field), md(&c.from.to_string()), md(&c.to.to_string())]
                }
            })
            .collect()
    };
    if r.policy_changes.is_empty() {
        para(&mut o, "The readiness policy did not change.");
    } else {
        table(
            &mut o,
            &["Policy setting", "Then", "Now"],
            &[Align::Left, Align::Left, Align::Left],
            &changes_rows(&r.policy_changes),
        );
    }
    if !r.settings_changes.is_empty() {
        para(&mut o, "Register settings that changed:");
        table(
            &mut o,
            &["Setting", "Then", "Now"],
            &[Align::Left, Align::Left, Align::Left],
            &changes_rows(&r.settings_changes),
        );
    }

    let _ = writeln!(
        o,
        "---\n\nGenerated by ripen from the register's git history. Changes are those between the two commits; each side is evaluated at its own as-of date. {} recorded in the period.",
        plural(k.measurements_added, "measurement was", "measurements were")
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_is_escaped() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<b>x</b>"), "\\<b\\>x\\</b\\>");
        assert_eq!(md("Q&A and &amp;"), "Q&A and \\&amp;");
        assert_eq!(md("snake_case _em_"), "snake_case \\_em\\_");
        assert_eq!(md("esc\u{1b}[31m"), "esc\\\\u{1b}\\[31m");
        assert_eq!(md("two\nlines"), "two\\\\nlines");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn directions() {
        assert_eq!(
            Direction::of(Stage::Collect, Stage::FineTune),
            Direction::Forward
        );
        assert_eq!(
            Direction::of(Stage::FineTune, Stage::Collect),
            Direction::Back
        );
        assert_eq!(
            Direction::of(Stage::Evaluate, Stage::Retired),
            Direction::Retired
        );
        assert_eq!(
            Direction::of(Stage::Retired, Stage::Identify),
            Direction::Reinstated
        );
    }
}
