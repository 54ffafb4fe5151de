//! Building the quarterly report from two registers and their diff, one
//! function per section. Pure: no clock, no git.

use std::collections::BTreeMap;

use super::model::*;
use crate::diff::{self, FieldValue, RegisterDiff, Status};
use crate::model::{Confidence, Risk, RoiEntry, RoiKind, Stage, UseCase};
use crate::readiness::{self, Assessment, Flag, Verdict};
use crate::register::Register;
use crate::report::{self, Selection};

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
    let sides = Sides {
        since,
        until,
        d,
        then: report::assess_all(since),
        now: report::assess_all(until),
    };
    let Portfolio {
        by_stage,
        by_approach,
        by_risk,
    } = portfolio(since, until);
    let mut changes = changes(&sides);
    let movements = movements(&changes.stage_changes);
    let retired = retired(&changes.stage_changes);
    let candidates = candidates(&sides);
    let roi_added = std::mem::take(&mut changes.roi_added);
    let roi = roi_in_period(until, roi_added, changes.withdrawn);
    let metrics = metrics(&sides);
    let key_numbers = key_numbers(&sides, &changes, &roi, &metrics);
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
        stage_changes: changes.stage_changes,
        added: changes.added,
        retired,
        removed: changes.removed,
        renamed: changes.renamed,
        candidates,
        verdict_changes: changes.verdict_changes,
        roi,
        accuracy: metrics.accuracy,
        regressions: metrics.regressions,
        stale: metrics.stale,
        policy_changes: d.policy.clone(),
        settings_changes: d.settings.clone(),
        reviews: Vec::new(),
        fine_tunes: Vec::new(),
    }
}

/// The fine-tunes of `until` judged against their prompting baselines:
/// one per decision whose use case is fine-tuned or hybrid at `until` and
/// whose baseline is known (a change date from history, or the use case's
/// `baseline_until`). `since` is the date the period starts, for
/// [`FineTune::in_period`]. In the order of the decisions.
pub fn fine_tunes(
    until: &Register,
    decisions: &[Decision],
    since: Option<crate::model::Date>,
) -> Vec<FineTune> {
    let policy = until.effective_policy();
    let model = crate::economics::cost_model(&policy);
    decisions
        .iter()
        .filter_map(|dc| {
            let e = until.get(&dc.id)?;
            let u = &e.use_case;
            if !matches!(
                u.approach,
                crate::model::Approach::FineTuned { .. } | crate::model::Approach::Hybrid { .. }
            ) {
                return None;
            }
            let cut = u.baseline_until.or(dc.changed_on)?;
            let before = dc.before.as_ref().unwrap_or(u);
            Some(FineTune {
                id: e.id.to_string(),
                title: u.title.clone(),
                approach: u.approach.kind(),
                in_period: since.is_none_or(|s| cut > s),
                realised: crate::economics::realised(before, u, cut, &model, until.as_of),
            })
        })
        .collect()
}

/// Both sides of the period, their diff and each side's assessments (in
/// the order of its use cases): what every section reads.
struct Sides<'a> {
    since: &'a Register,
    until: &'a Register,
    d: &'a RegisterDiff,
    then: Vec<Assessment>,
    now: Vec<Assessment>,
}

impl Sides<'_> {
    /// The id a use case had at `since` (renames followed).
    fn id_then(&self, id: &str) -> String {
        self.d
            .use_cases
            .iter()
            .find(|u| u.status == Status::Renamed && u.id == id)
            .and_then(|u| u.renamed_from.clone())
            .unwrap_or_else(|| id.to_owned())
    }

    /// The position at `since` of the use case `id` names at `until`.
    fn index_then(&self, id: &str) -> Option<usize> {
        let then = self.id_then(id);
        self.since
            .use_cases
            .iter()
            .position(|e| e.id.as_str() == then)
    }

    /// The verdict the use case `id` had at `since`.
    fn verdict_then(&self, id: &str) -> Option<Verdict> {
        match self
            .d
            .use_cases
            .iter()
            .find(|u| u.id == id && u.status != Status::Removed)
        {
            Some(u) => u.verdict.before,
            // Not in the diff: the verdict did not change.
            None => self
                .since
                .use_cases
                .iter()
                .position(|e| e.id.as_str() == id)
                .map(|i| self.then[i].verdict),
        }
    }
}

/// The portfolio section: counts by stage, approach and risk tier.
struct Portfolio {
    by_stage: Vec<Count<Stage>>,
    by_approach: Vec<Count<&'static str>>,
    by_risk: Vec<Count<Risk>>,
}

fn portfolio(since: &Register, until: &Register) -> Portfolio {
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
    Portfolio {
        by_stage,
        by_approach,
        by_risk,
    }
}

/// What changed in the period, read from the diff: the sections on stage
/// movements, new and retired use cases and verdict changes, and the ROI
/// and measurements added.
struct Changes {
    stage_changes: Vec<StageChange>,
    added: Vec<UseCaseRef>,
    removed: Vec<UseCaseRef>,
    renamed: Vec<Renamed>,
    verdict_changes: Vec<VerdictChange>,
    roi_added: Vec<(String, RoiEntry)>,
    withdrawn: usize,
    measurements_added: usize,
}

/// Reads the period's changes from the diff.
fn changes(s: &Sides) -> Changes {
    let (since, until) = (s.since, s.until);
    let mut c = Changes {
        stage_changes: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        renamed: Vec::new(),
        verdict_changes: Vec::new(),
        roi_added: Vec::new(),
        withdrawn: 0,
        measurements_added: 0,
    };
    for u in &s.d.use_cases {
        match u.status {
            Status::Added => {
                if let Some(r) = use_case_ref(until, &u.id) {
                    c.added.push(r);
                }
                if let Some(e) = until.get(&u.id) {
                    c.roi_added
                        .extend(e.use_case.roi.iter().map(|r| (u.id.clone(), r.clone())));
                    c.measurements_added += e.use_case.measurements.len();
                }
            }
            Status::Removed => {
                if let Some(r) = use_case_ref(since, &u.id) {
                    c.removed.push(r);
                }
            }
            Status::Renamed => c.renamed.push(Renamed {
                from: u.renamed_from.clone().unwrap_or_default(),
                to: u.id.clone(),
            }),
            Status::Changed | Status::Unchanged => {}
        }
        for f in &u.changes {
            match f.field.as_str() {
                "stage" => {
                    let (Some(from), Some(to), Some(e)) =
                        (stage_of(&f.from), stage_of(&f.to), until.get(&u.id))
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
                    c.stage_changes.push(StageChange {
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
                "roi" => match (&f.from, &f.to) {
                    (FieldValue::None, FieldValue::Roi(r)) => {
                        c.roi_added.push((u.id.clone(), r.clone()))
                    }
                    (FieldValue::Roi(_), FieldValue::None) => c.withdrawn += 1,
                    _ => {}
                },
                "measurements" if f.is_added_entry() => c.measurements_added += 1,
                _ => {}
            }
        }
        if u.verdict.changed() {
            let title = until
                .get(&u.id)
                .or_else(|| since.get(&u.id))
                .map(|e| e.use_case.title.clone())
                .unwrap_or_default();
            c.verdict_changes.push(VerdictChange {
                id: u.id.clone(),
                title,
                before: u.verdict.before,
                after: u.verdict.after,
            });
        }
    }
    c
}

/// The stage movements section's counts: how many moved from one stage to
/// another.
fn movements(stage_changes: &[StageChange]) -> Vec<Movement> {
    let mut movements: BTreeMap<(Stage, Stage), usize> = BTreeMap::new();
    for s in stage_changes {
        *movements.entry((s.from, s.to)).or_default() += 1;
    }
    movements
        .into_iter()
        .map(|((from, to), count)| Movement { from, to, count })
        .collect()
}

/// The use cases retired in the period.
fn retired(stage_changes: &[StageChange]) -> Vec<StageChange> {
    stage_changes
        .iter()
        .filter(|s| s.direction == Direction::Retired)
        .cloned()
        .collect()
}

/// The readiness section: the ready and almost-ready use cases at `until`,
/// best first, with their verdict at `since`.
fn candidates(s: &Sides) -> Vec<Candidate> {
    report::ranked(s.until, &s.now, Selection::Candidates)
        .into_iter()
        .map(|i| {
            let e = &s.until.use_cases[i];
            let a = &s.now[i];
            Candidate {
                id: e.id.to_string(),
                title: e.use_case.title.clone(),
                team: e.use_case.team.clone(),
                verdict: a.verdict,
                verdict_then: s.verdict_then(e.id.as_str()),
                blockers: a.blockers().map(|c| c.criterion.key()).collect(),
                measured_roi_last_year: a.measured_roi_last_year,
            }
        })
        .collect()
}

/// The accuracy and stale sections, read from each use case at `until`.
struct Metrics {
    accuracy: Vec<AccuracyTrend>,
    regressions: Vec<Regression>,
    stale: Vec<StaleEntry>,
}

/// Reads the metrics of every use case at `until`.
fn metrics(s: &Sides) -> Metrics {
    let (since, until) = (s.since, s.until);
    let mut m = Metrics {
        accuracy: Vec::new(),
        regressions: Vec::new(),
        stale: Vec::new(),
    };
    for (e, a) in until.use_cases.iter().zip(&s.now) {
        let u = &e.use_case;
        let id = e.id.as_str();
        let latest = report::latest(u, until.as_of);
        let then_i = s.index_then(id);
        let flagged = |f: Flag| a.flags.contains(&f);
        if let (Some(target), true) = (u.targets.accuracy, u.stage != Stage::Retired) {
            let then = then_i
                .and_then(|i| report::latest(&since.use_cases[i].use_case, since.as_of))
                .map(|l| l.accuracy);
            m.accuracy.push(AccuracyTrend {
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
                m.regressions.push(Regression {
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
            m.stale.push(StaleEntry {
                id: id.to_owned(),
                title: u.title.clone(),
                owner: u.owner.clone(),
                team: u.team.clone(),
                last_measured: latest.map(|l| l.date),
                days: latest.map(|l| l.age_days),
                stale_then: then_i.is_some_and(|i| s.then[i].flags.contains(&Flag::Stale)),
            });
        }
    }
    // Never measured first, then the longest unmeasured.
    m.stale
        .sort_by_key(|s| (s.days.map(std::cmp::Reverse), s.id.clone()));
    m
}

/// The key numbers: the counts the summary reads, from the other sections.
fn key_numbers(s: &Sides, c: &Changes, roi: &RoiInPeriod, m: &Metrics) -> KeyNumbers {
    let count = |a: &[Assessment], v: Verdict| a.iter().filter(|x| x.verdict == v).count();
    let active = |r: &Register| {
        r.use_cases
            .iter()
            .filter(|e| e.use_case.stage != Stage::Retired)
            .count()
    };
    let moved = |d: Direction| c.stage_changes.iter().filter(|s| s.direction == d).count();
    KeyNumbers {
        use_cases_then: s.since.use_cases.len(),
        use_cases_now: s.until.use_cases.len(),
        active_then: active(s.since),
        active_now: active(s.until),
        added: c.added.len(),
        retired: moved(Direction::Retired),
        removed: c.removed.len(),
        forward: moved(Direction::Forward),
        back: moved(Direction::Back),
        ready_then: count(&s.then, Verdict::Ready),
        ready_now: count(&s.now, Verdict::Ready),
        almost_then: count(&s.then, Verdict::Almost),
        almost_now: count(&s.now, Verdict::Almost),
        verdicts_changed: s.d.verdicts_changed(),
        roi_measured: roi.measured,
        roi_estimated: roi.estimated,
        measurements_added: c.measurements_added,
        regressions: m.regressions.len(),
        stale: m.stale.len(),
        policy_changes: s.d.policy.len(),
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
