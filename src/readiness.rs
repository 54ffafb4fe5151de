//! The readiness engine: is a prompt-based use case ripe for fine-tuning?
//!
//! Pure: a use case, a policy and an as-of date in; an [`Assessment`] out
//! that explains itself criterion by criterion (the value seen, the
//! threshold, pass or fail) plus watch flags. See `docs/readiness.md`.

use serde::Serialize;

use crate::economics;
use crate::model::{
    Approach, Confidence, Criterion, Date, Measurement, Policy, Specificity, Stage, UseCase,
};

/// The overall answer for one use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every gate passes: move to fine-tuning.
    Ready,
    /// Exactly one gate fails.
    Almost,
    /// A prompting use case already moved to stage FineTune: the decision
    /// is made, so it is no longer a candidate, whatever its gates say.
    Underway,
    /// Two or more gates fail.
    NotYet,
    /// Not prompting, or retired: the question does not arise.
    NotApplicable,
}

impl Verdict {
    /// `ready`, `almost`, `underway`, `not-yet` or `not-applicable`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::Almost => "almost",
            Verdict::Underway => "underway",
            Verdict::NotYet => "not-yet",
            Verdict::NotApplicable => "not-applicable",
        }
    }

    /// The verdict in words for people: the label, except `fine-tuning
    /// underway`.
    pub fn phrase(self) -> &'static str {
        match self {
            Verdict::Underway => "fine-tuning underway",
            v => v.label(),
        }
    }

    /// A sentence that says what the verdict means, when the label alone
    /// could mislead.
    pub fn explanation(self) -> Option<&'static str> {
        match self {
            Verdict::Underway => Some(
                "Fine-tuning underway: the use case is already in stage FineTune, so the decision is made; the criteria show where it stands today.",
            ),
            _ => None,
        }
    }
}

/// A watch flag, raised for any approach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    /// No measurement within `stale_after_days` of the as-of date.
    Stale,
    /// The latest accuracy dropped below the previous by more than `regression_drop`.
    Regression,
    /// The payback rests on a vendor price or quote older than the
    /// policy's `economics.max_price_age_days`.
    StalePrices,
    /// A fine-tune whose accuracy uplift over its prompting baseline stays
    /// below `economics.min_realised_uplift` after
    /// `economics.judge_after_measurements` measurements.
    Underdelivering,
    /// A fine-tune whose accuracy fell below its prompting baseline.
    WorseThanPrompting,
}

impl Flag {
    /// `stale`, `regression`, `stale-prices`, `underdelivering` or
    /// `worse-than-prompting`.
    pub fn label(self) -> &'static str {
        match self {
            Flag::Stale => "stale",
            Flag::Regression => "regression",
            Flag::StalePrices => "stale-prices",
            Flag::Underdelivering => "underdelivering",
            Flag::WorseThanPrompting => "worse-than-prompting",
        }
    }
}

/// A value seen or a threshold, as shown and as put in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A whole number (examples, requests, money).
    Int(u64),
    /// A fraction or other real number.
    Real(f64),
    /// Yes or no.
    Bool(bool),
    /// A name, e.g. `Narrow`.
    Text(&'static str),
    /// Nothing to show (e.g. no measurements).
    None,
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Real(v) => write!(f, "{v:.3}"),
            Value::Bool(true) => f.write_str("yes"),
            Value::Bool(false) => f.write_str("no"),
            Value::Text(t) => f.write_str(t),
            Value::None => f.write_str("-"),
        }
    }
}

/// The result of one criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Which criterion.
    #[serde(rename = "name", serialize_with = "criterion_key")]
    pub criterion: Criterion,
    /// Whether the policy gates on it.
    pub gate: bool,
    /// Whether it passes.
    pub passed: bool,
    /// What was seen.
    pub value: Value,
    /// What it is compared with.
    pub threshold: Value,
    /// One sentence that explains the result.
    pub detail: String,
}

/// What an amount of a money criterion is: the words after the amount.
fn money_unit(c: Criterion) -> Option<&'static str> {
    match c {
        Criterion::ProvenValue => Some("measured ROI in 365 days"),
        Criterion::Budget => Some("budget approved"),
        _ => None,
    }
}

impl Check {
    /// The detail with amounts of money in `currency`, with thousands
    /// separators (`USD 42,500 measured ROI in 365 days (min USD 25,000)`),
    /// as screens show money; other criteria as [`Check::detail`].
    pub fn detail_in(&self, currency: &str) -> String {
        match (money_unit(self.criterion), &self.value, &self.threshold) {
            (Some(unit), Value::Int(seen), Value::Int(min)) => format!(
                "{} {unit} (min {})",
                crate::report::money(currency, *seen),
                crate::report::money(currency, *min)
            ),
            _ => self.detail.clone(),
        }
    }
}

fn criterion_key<S: serde::Serializer>(c: &Criterion, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.key())
}

/// A supporting signal: shown beside the verdict, never gating it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    /// Its name, e.g. `needs_consistency`.
    pub name: &'static str,
    /// Whether it is present.
    pub present: bool,
    /// One sentence on what it means here.
    pub detail: String,
}

/// Everything the engine says about one use case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is `not-applicable`, if it is.
    pub not_applicable_because: Option<String>,
    /// Every criterion (empty when not applicable).
    pub criteria: Vec<Check>,
    /// Watch flags.
    pub flags: Vec<Flag>,
    /// Supporting signals.
    pub signals: Vec<Signal>,
    /// Measured ROI in the 365 days up to the as-of date.
    pub measured_roi_last_year: u64,
    /// What fine-tuning would cost and save, for a prompt-based use case
    /// (`None` when not applicable; an [`economics::Unknown`] when there is
    /// no measured cost to weigh).
    #[serde(skip)]
    pub payback: Option<Result<economics::Payback, economics::Unknown>>,
}

impl Assessment {
    /// How many gating criteria fail.
    pub fn failing_gates(&self) -> usize {
        self.criteria.iter().filter(|c| c.gate && !c.passed).count()
    }

    /// The gating criteria that fail.
    pub fn blockers(&self) -> impl Iterator<Item = &Check> {
        self.criteria.iter().filter(|c| c.gate && !c.passed)
    }
}

/// Rounds away floating-point noise so that a gain of exactly the threshold
/// (0.82 - 0.80) compares as equal to it.
fn clean(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

/// Measurements dated on or before `as_of`, oldest first.
pub fn measurements_until(u: &UseCase, as_of: Date) -> Vec<&Measurement> {
    let mut ms: Vec<&Measurement> = u.measurements.iter().filter(|m| m.date <= as_of).collect();
    ms.sort_by_key(|m| m.date);
    ms
}

/// Sum of measured ROI dated within the 365 days up to and including `as_of`.
pub fn measured_roi_last_year(u: &UseCase, as_of: Date) -> u64 {
    let from = as_of.minus_days(365);
    u.roi
        .iter()
        .filter(|r| r.confidence == Confidence::Measured && r.date > from && r.date <= as_of)
        .fold(0u64, |sum, r| sum.saturating_add(r.value_usd))
}

fn at_least(criterion: Criterion, seen: u64, min: u64, unit: &str) -> Check {
    Check {
        criterion,
        gate: false,
        passed: seen >= min,
        value: Value::Int(seen),
        threshold: Value::Int(min),
        detail: format!("{seen} {unit} (min {min})"),
    }
}

fn yes(criterion: Criterion, seen: bool, if_yes: &str, if_no: &str) -> Check {
    Check {
        criterion,
        gate: false,
        passed: seen,
        value: Value::Bool(seen),
        threshold: Value::Bool(true),
        detail: if seen { if_yes } else { if_no }.to_owned(),
    }
}

fn plateau(ms: &[&Measurement], target: Option<f64>, policy: &Policy) -> Check {
    let window = policy.plateau_window.max(2) as usize;
    let fail = |value: Value, detail: String| Check {
        criterion: Criterion::Plateau,
        gate: false,
        passed: false,
        value,
        threshold: Value::Real(policy.plateau_max_gain),
        detail,
    };
    let Some(target) = target else {
        return fail(
            Value::None,
            "no accuracy target set, so no plateau below it can be shown".to_owned(),
        );
    };
    let Some(last) = ms.last() else {
        return fail(Value::None, "no measurements yet".to_owned());
    };
    if ms.len() < window {
        return fail(
            Value::None,
            format!("{} measurement(s), a plateau needs {window}", ms.len()),
        );
    }
    let first = ms[ms.len() - window];
    let gain = clean(last.accuracy - first.accuracy);
    if clean(last.accuracy) >= clean(target) {
        return fail(
            Value::Real(gain),
            format!(
                "accuracy {:.3} already meets target {target:.3}",
                last.accuracy
            ),
        );
    }
    let passed = gain < clean(policy.plateau_max_gain);
    Check {
        criterion: Criterion::Plateau,
        gate: false,
        passed,
        value: Value::Real(gain),
        threshold: Value::Real(policy.plateau_max_gain),
        detail: if passed {
            format!(
                "gain {gain:+.3} over {window} measurements (max {:.3}), below target {target:.3}",
                policy.plateau_max_gain
            )
        } else {
            format!(
                "still improving: {gain:+.3} over {window} measurements (max {:.3})",
                policy.plateau_max_gain
            )
        },
    }
}

/// Whether the `plateau` criterion passes: [`plateau`] without the words.
fn plateau_passes(ms: &[&Measurement], target: Option<f64>, policy: &Policy) -> bool {
    let window = policy.plateau_window.max(2) as usize;
    let (Some(target), Some(last)) = (target, ms.last()) else {
        return false;
    };
    if ms.len() < window || clean(last.accuracy) >= clean(target) {
        return false;
    }
    let gain = clean(last.accuracy - ms[ms.len() - window].accuracy);
    gain < clean(policy.plateau_max_gain)
}

/// How one use case stands, without the words: the verdict, each
/// criterion's result and the counted flags. What a what-if compares on
/// every keystroke; it agrees with [`assess`] (a property test holds it to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Per criterion, in the order of [`Criterion::ALL`] then
    /// [`Criterion::Payback`]: `(passed, gated)`, or `None` when it is not
    /// evaluated (not applicable; `payback` where not gated).
    pub checks: [Option<(bool, bool)>; 9],
    /// Flagged `stale`.
    pub stale: bool,
    /// Flagged `regression`.
    pub regression: bool,
}

/// The index of a criterion in [`Outcome::checks`].
pub fn outcome_index(c: Criterion) -> usize {
    Criterion::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(Criterion::ALL.len())
}

/// [`assess`] without the words: the verdict and each criterion's result.
pub fn outcome(u: &UseCase, policy: &Policy, as_of: Date) -> Outcome {
    let flags = flags(u, policy, as_of);
    let mut out = Outcome {
        verdict: Verdict::NotApplicable,
        checks: [None; 9],
        stale: flags.contains(&Flag::Stale),
        regression: flags.contains(&Flag::Regression),
    };
    if u.stage == Stage::Retired || !matches!(u.approach, Approach::Prompting { .. }) {
        return out;
    }
    let p = &u.profile;
    let ms = measurements_until(u, as_of);
    let mut passed = [
        p.curated_examples >= policy.min_curated_examples,
        p.daily_volume >= policy.min_daily_volume,
        p.specificity == Specificity::Narrow,
        measured_roi_last_year(u, as_of) >= policy.min_annual_roi_usd,
        plateau_passes(&ms, u.targets.accuracy, policy),
        p.ml_expertise,
        p.budget_usd >= policy.min_budget_usd,
        p.can_wait_weeks,
    ]
    .map(Some)
    .to_vec();
    if policy.gates.contains(&Criterion::Payback) {
        let model = &*economics::cost_model(policy);
        let months = model.max_payback_months;
        passed.push(Some(
            economics::payback(u, model, as_of).is_ok_and(|p| p.within(months)),
        ));
    } else {
        passed.push(None);
    }
    let mut failing = 0;
    for (i, c) in Criterion::ALL
        .iter()
        .chain(std::iter::once(&Criterion::Payback))
        .enumerate()
    {
        if let Some(ok) = passed[i] {
            let gate = policy.gates.contains(c);
            failing += usize::from(gate && !ok);
            out.checks[i] = Some((ok, gate));
        }
    }
    out.verdict = match failing {
        _ if u.stage == Stage::FineTune => Verdict::Underway,
        0 => Verdict::Ready,
        1 => Verdict::Almost,
        _ => Verdict::NotYet,
    };
    out
}

/// The watch flags of a use case, for any approach (none once retired).
pub fn flags(u: &UseCase, policy: &Policy, as_of: Date) -> Vec<Flag> {
    if u.stage == Stage::Retired {
        return Vec::new();
    }
    let ms = measurements_until(u, as_of);
    let mut flags = Vec::new();
    // Measuring starts after Identify: a new use case with no measurement
    // yet has nothing that could have gone stale.
    let stale = match ms.last() {
        Some(m) => m.date.days_until(as_of) > i64::from(policy.stale_after_days),
        None => u.stage != Stage::Identify,
    };
    if stale {
        flags.push(Flag::Stale);
    }
    if let [.., prev, last] = ms.as_slice()
        && clean(prev.accuracy - last.accuracy) > clean(policy.regression_drop)
    {
        flags.push(Flag::Regression);
    }
    // A fine-tune whose file says where its prompting baseline ends is
    // judged against it here; otherwise the baseline comes from history
    // (the quarterly report).
    if let (Some(cut), Approach::FineTuned { .. } | Approach::Hybrid { .. }) =
        (u.baseline_until, &u.approach)
    {
        let model = &*economics::cost_model(policy);
        match economics::realised(u, u, cut, model, as_of).judgement {
            economics::Judgement::Underdelivering => flags.push(Flag::Underdelivering),
            economics::Judgement::WorseThanPrompting => flags.push(Flag::WorseThanPrompting),
            _ => {}
        }
    }
    flags
}

/// Assesses one use case against `policy` at `as_of`.
pub fn assess(u: &UseCase, policy: &Policy, as_of: Date) -> Assessment {
    let flags = flags(u, policy, as_of);
    let measured_roi = measured_roi_last_year(u, as_of);
    let consistency = Signal {
        name: "needs_consistency",
        present: u.profile.needs_consistency,
        detail: if u.profile.needs_consistency {
            "compliance or brand voice demand consistent outputs, which fine-tuning gives more reliably".to_owned()
        } else {
            "no special demand for consistent outputs".to_owned()
        },
    };
    let not_applicable = match (&u.approach, u.stage) {
        (_, Stage::Retired) => Some("retired".to_owned()),
        (Approach::Prompting { .. }, _) => None,
        (Approach::Other { .. }, _) => {
            Some("not a language-model approach (neither prompting nor fine-tuning)".to_owned())
        }
        (a, _) => Some(format!("already {}", a.kind())),
    };
    if let Some(because) = not_applicable {
        return Assessment {
            verdict: Verdict::NotApplicable,
            not_applicable_because: Some(because),
            criteria: Vec::new(),
            flags,
            signals: vec![consistency],
            measured_roi_last_year: measured_roi,
            payback: None,
        };
    }
    let p = &u.profile;
    let ms = measurements_until(u, as_of);
    let mut criteria = vec![
        at_least(
            Criterion::Data,
            p.curated_examples,
            policy.min_curated_examples,
            "curated examples",
        ),
        at_least(
            Criterion::Volume,
            p.daily_volume,
            policy.min_daily_volume,
            "requests a day",
        ),
        Check {
            criterion: Criterion::Specificity,
            gate: false,
            passed: p.specificity == Specificity::Narrow,
            value: Value::Text(p.specificity.name()),
            threshold: Value::Text("Narrow"),
            detail: if p.specificity == Specificity::Narrow {
                "Narrow task".to_owned()
            } else {
                format!("{} task (needs Narrow)", p.specificity.name())
            },
        },
        at_least(
            Criterion::ProvenValue,
            measured_roi,
            policy.min_annual_roi_usd,
            money_unit(Criterion::ProvenValue).unwrap_or_default(),
        ),
        plateau(&ms, u.targets.accuracy, policy),
        yes(
            Criterion::Expertise,
            p.ml_expertise,
            "ML engineers available",
            "no ML engineers available",
        ),
        at_least(
            Criterion::Budget,
            p.budget_usd,
            policy.min_budget_usd,
            money_unit(Criterion::Budget).unwrap_or_default(),
        ),
        yes(
            Criterion::Timeline,
            p.can_wait_weeks,
            "timeline allows weeks of training",
            "timeline cannot wait for training",
        ),
    ];
    let model = &*economics::cost_model(policy);
    let payback = economics::payback(u, model, as_of);
    if policy.gates.contains(&Criterion::Payback) {
        criteria.push(payback_check(&payback, model.max_payback_months));
    }
    for c in &mut criteria {
        c.gate = policy.gates.contains(&c.criterion);
    }
    let mut flags = flags;
    if payback.as_ref().is_ok_and(|p| p.stale_prices()) {
        flags.push(Flag::StalePrices);
    }
    let mut signals = vec![consistency];
    let others_pass = criteria
        .iter()
        .all(|c| !c.gate || c.passed || c.criterion == Criterion::Specificity);
    if p.specificity == Specificity::Mixed && others_pass {
        signals.push(Signal {
            name: "hybrid",
            present: true,
            detail: "Mixed task with every other gate passing: consider a hybrid, general requests on prompting and the narrow, mission-critical part fine-tuned".to_owned(),
        });
    }
    let failing = criteria.iter().filter(|c| c.gate && !c.passed).count();
    let verdict = match failing {
        // Moved already: no longer a decision to make.
        _ if u.stage == Stage::FineTune => Verdict::Underway,
        0 => Verdict::Ready,
        1 => Verdict::Almost,
        _ => Verdict::NotYet,
    };
    Assessment {
        verdict,
        not_applicable_because: None,
        criteria,
        flags,
        signals,
        measured_roi_last_year: measured_roi,
        payback: Some(payback),
    }
}

/// The `payback` criterion: passes at a payback of at most `max_months`.
fn payback_check(
    payback: &Result<economics::Payback, economics::Unknown>,
    max_months: u32,
) -> Check {
    let (passed, value, detail) = match payback {
        Err(why) => (false, Value::None, why.reason().to_owned()),
        Ok(p) => match p.payback_months {
            Some(m) => (
                m <= f64::from(max_months),
                Value::Real(m),
                format!("pays back in {m:.1} months (max {max_months})"),
            ),
            None => (
                false,
                Value::None,
                format!("{} (max {max_months} months)", p.headline()),
            ),
        },
    };
    Check {
        criterion: Criterion::Payback,
        gate: false,
        passed,
        value,
        threshold: Value::Int(u64::from(max_months)),
        detail,
    }
}
