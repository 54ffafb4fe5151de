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
                    stage_changes.push(StageChange {
                        id: u.id.clone(),
                        title: e.use_case.title.clone(),
                        team: e.use_case.team.clone(),
                        owner: e.use_case.owner.clone(),
                        from,
                        to,
                        direction: Direction::of(from, to),
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
