//! Portfolio views built from a loaded register: the rows that `ripen list`,
//! `ripen ready` and the terminal UI show, ready to print or serialize.
//!
//! Pure: a [`Register`] in, plain values out. The CLI and the TUI only
//! format these; they compute nothing of their own. The quarterly review
//! report, built from two versions of the register, is [`quarterly`].

pub mod quarterly;

use serde::Serialize;

use crate::model::{Date, Risk, Stage, UseCase};
use crate::readiness::{self, Assessment, Check, Flag, Signal, Verdict};
use crate::register::Register;

/// Every use case's assessment, in the register's order.
pub fn assess_all(reg: &Register) -> Vec<Assessment> {
    let policy = reg.effective_policy();
    crate::register::parallel_map(&reg.use_cases, |e| {
        readiness::assess(&e.use_case, &policy, reg.as_of)
    })
}

/// The latest measurement on or before the as-of date, as shown in lists.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latest {
    /// When it was measured.
    pub date: Date,
    /// Days between it and the as-of date.
    pub age_days: i64,
    /// Its accuracy.
    pub accuracy: f64,
}

/// The latest measurement of `u` up to `as_of`.
pub fn latest(u: &UseCase, as_of: Date) -> Option<Latest> {
    readiness::measurements_until(u, as_of)
        .last()
        .map(|m| Latest {
            date: m.date,
            age_days: m.date.days_until(as_of),
            accuracy: m.accuracy,
        })
}

/// One row of `ripen list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRow {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owning team.
    pub team: String,
    /// Owner.
    pub owner: String,
    /// Roadmap stage.
    pub stage: Stage,
    /// Approach kind (`Prompting`, `FineTuned`, `Hybrid`).
    pub approach: &'static str,
    /// Risk tier.
    pub risk: Risk,
    /// Readiness verdict.
    pub verdict: Verdict,
    /// Watch flags.
    pub flags: Vec<Flag>,
    /// Latest measurement, if any.
    pub latest: Option<Latest>,
    /// Target accuracy, if set.
    pub target_accuracy: Option<f64>,
}

/// One row per use case, in id order.
pub fn list(reg: &Register, assessments: &[Assessment]) -> Vec<ListRow> {
    reg.use_cases
        .iter()
        .zip(assessments)
        .map(|(e, a)| {
            let u = &e.use_case;
            ListRow {
                id: e.id.to_string(),
                title: u.title.clone(),
                team: u.team.clone(),
                owner: u.owner.clone(),
                stage: u.stage,
                approach: u.approach.kind(),
                risk: u.risk,
                verdict: a.verdict,
                flags: a.flags.clone(),
                latest: latest(u, reg.as_of),
                target_accuracy: u.targets.accuracy,
            }
        })
        .collect()
}

/// One use case in `ripen ready`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadyRow {
    /// Use-case id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The roadmap stage.
    pub stage: Stage,
    /// Verdict.
    pub verdict: Verdict,
    /// Every criterion with value, threshold and result.
    pub criteria: Vec<Check>,
    /// Watch flags.
    pub flags: Vec<Flag>,
    /// Supporting signals.
    pub signals: Vec<Signal>,
    /// Measured ROI in the 365 days up to the as-of date.
    pub measured_roi_last_year: u64,
    /// Why not applicable, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable_because: Option<String>,
    /// What fine-tuning would cost and save (`null` when not applicable or
    /// when no measurement gives a cost to weigh).
    pub economics: Option<crate::economics::Summary>,
    /// Why there are no economics for an applicable use case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub economics_unknown: Option<&'static str>,
}

/// An amount of money as every screen and report shows it: the currency
/// (sanitized), then the amount with thousands separators: `USD 670,500`.
pub fn money(currency: &str, amount: u64) -> String {
    format!(
        "{} {}",
        crate::text::sanitize(currency),
        crate::text::thousands(amount)
    )
}

/// Which use cases `ripen ready` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// Only `ready` and `almost`: the decisions still to make.
    Candidates,
    /// The candidates, then those with fine-tuning underway (already moved
    /// to FineTune), shown as such so that no one takes them for open
    /// decisions: what `ripen ready` and the Readiness screen list.
    CandidatesAndUnderway,
    /// Every applicable use case.
    Applicable,
}

/// Indices into `reg.use_cases` ranked best first, as every view ranks them.
pub fn ranked(reg: &Register, assessments: &[Assessment], selection: Selection) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..reg.use_cases.len())
        .filter(|&i| match selection {
            Selection::Candidates => {
                matches!(assessments[i].verdict, Verdict::Ready | Verdict::Almost)
            }
            Selection::CandidatesAndUnderway => matches!(
                assessments[i].verdict,
                Verdict::Ready | Verdict::Almost | Verdict::Underway
            ),
            Selection::Applicable => assessments[i].verdict != Verdict::NotApplicable,
        })
        .collect();
    idx.sort_by_cached_key(|&i| {
        let e = &reg.use_cases[i];
        let a = &assessments[i];
        (
            a.verdict,
            a.failing_gates(),
            std::cmp::Reverse(a.measured_roi_last_year),
            std::cmp::Reverse(e.use_case.profile.daily_volume),
            e.id.clone(),
        )
    });
    idx
}

/// The row of `ripen ready` for use case `i`.
pub fn ready_row(reg: &Register, assessments: &[Assessment], i: usize) -> ReadyRow {
    let e = &reg.use_cases[i];
    let a = &assessments[i];
    ReadyRow {
        id: e.id.to_string(),
        title: e.use_case.title.clone(),
        stage: e.use_case.stage,
        verdict: a.verdict,
        criteria: a.criteria.clone(),
        flags: a.flags.clone(),
        signals: a.signals.clone(),
        measured_roi_last_year: a.measured_roi_last_year,
        not_applicable_because: a.not_applicable_because.clone(),
        economics: match &a.payback {
            Some(Ok(p)) => Some(crate::economics::Summary::of(p, &currency(reg))),
            _ => None,
        },
        economics_unknown: match &a.payback {
            Some(Err(why)) => Some(why.reason()),
            _ => None,
        },
    }
}

/// The register's currency as screens show it (`USD` when unknown).
pub fn currency(reg: &Register) -> String {
    reg.settings.as_ref().map_or("USD".to_owned(), |s| {
        crate::text::sanitize(&s.currency).into_owned()
    })
}

/// Counts over the whole portfolio, for summaries and the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Use cases loaded.
    pub use_cases: usize,
    /// Verdict `ready`.
    pub ready: usize,
    /// Verdict `almost`.
    pub almost: usize,
    /// Verdict `underway`.
    pub underway: usize,
    /// Verdict `not-yet`.
    pub not_yet: usize,
    /// Verdict `not-applicable`.
    pub not_applicable: usize,
    /// Flagged `stale`.
    pub stale: usize,
    /// Flagged `regression`.
    pub regression: usize,
}

/// Counts verdicts and flags.
pub fn summary(assessments: &[Assessment]) -> Summary {
    let mut s = Summary {
        use_cases: assessments.len(),
        ..Summary::default()
    };
    for a in assessments {
        match a.verdict {
            Verdict::Ready => s.ready += 1,
            Verdict::Almost => s.almost += 1,
            Verdict::Underway => s.underway += 1,
            Verdict::NotYet => s.not_yet += 1,
            Verdict::NotApplicable => s.not_applicable += 1,
        }
        s.stale += usize::from(a.flags.contains(&Flag::Stale));
        s.regression += usize::from(a.flags.contains(&Flag::Regression));
    }
    s
}

/// ROI summed over one fiscal period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodTotal {
    /// `FY2026 Q3` or `FY2026`.
    pub label: String,
    /// Sum of measured entries.
    pub measured: u64,
    /// Sum of estimated entries.
    pub estimated: u64,
}

/// ROI totals of one use case per fiscal quarter and per fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RoiTotals {
    /// Per fiscal quarter, oldest first.
    pub quarters: Vec<PeriodTotal>,
    /// Per fiscal year, oldest first.
    pub years: Vec<PeriodTotal>,
}

/// The fiscal year and quarter (1-4) of `date` for a fiscal year starting in
/// `start_month`. A fiscal year is named by the calendar year it ends in, so
/// with an October start, 2025-11-02 falls in FY2026 Q1.
pub fn fiscal_quarter(date: Date, start_month: u32) -> (i32, u32) {
    let start = start_month.clamp(1, 12);
    let offset = (date.month() + 12 - start) % 12;
    let year = if start > 1 && date.month() >= start {
        date.year() + 1
    } else {
        date.year()
    };
    (year, offset / 3 + 1)
}

/// Sums the ROI evidence of `u` per fiscal quarter and year, measured and
/// estimated apart. Entries are summed as recorded, whatever their period.
pub fn roi_totals(u: &UseCase, fiscal_start_month: u32) -> RoiTotals {
    use crate::model::Confidence;
    use std::collections::BTreeMap;
    let mut quarters: BTreeMap<(i32, u32), (u64, u64)> = BTreeMap::new();
    let mut years: BTreeMap<i32, (u64, u64)> = BTreeMap::new();
    for r in &u.roi {
        let (fy, q) = fiscal_quarter(r.date, fiscal_start_month);
        for slot in [
            quarters.entry((fy, q)).or_default(),
            years.entry(fy).or_default(),
        ] {
            match r.confidence {
                Confidence::Measured => slot.0 = slot.0.saturating_add(r.value_usd),
                Confidence::Estimated => slot.1 = slot.1.saturating_add(r.value_usd),
            }
        }
    }
    RoiTotals {
        quarters: quarters
            .into_iter()
            .map(|((fy, q), (m, e))| PeriodTotal {
                label: format!("FY{fy} Q{q}"),
                measured: m,
                estimated: e,
            })
            .collect(),
        years: years
            .into_iter()
            .map(|(fy, (m, e))| PeriodTotal {
                label: format!("FY{fy}"),
                measured: m,
                estimated: e,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_quarters_follow_the_start_month() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(fiscal_quarter(d("2026-03-31"), 1), (2026, 1));
        assert_eq!(fiscal_quarter(d("2026-12-01"), 1), (2026, 4));
        assert_eq!(fiscal_quarter(d("2025-10-01"), 10), (2026, 1));
        assert_eq!(fiscal_quarter(d("2026-09-30"), 10), (2026, 4));
        assert_eq!(fiscal_quarter(d("2026-04-15"), 4), (2027, 1));
    }
}
