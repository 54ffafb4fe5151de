//! What-if policy: the register evaluated under a changed policy, in
//! memory, and every use case whose verdict would change.
//!
//! Pure: a register, the policy in force and `KEY=VALUE` changes in; the
//! changed policy and the verdicts that flip, criterion by criterion, out.
//! Writing the changed `policy.ron` is an operation ([`crate::ops`]). The
//! evaluation reuses the assessments under the policy in force, so that a
//! front end can follow every keystroke ([`flips`] takes them as a value).

use serde::Serialize;

use crate::economics::CostModel;
use crate::model::{Criterion, Date, Method, Policy};
use crate::readiness::{self, Assessment, Verdict};
use crate::register::{Entry, Register};
use crate::report::Summary;

/// Every key `--set` understands, with what its value is.
pub const KEYS: &[(&str, &str)] = &[
    ("min_curated_examples", "whole number"),
    ("min_daily_volume", "whole number"),
    ("min_annual_roi_usd", "whole number"),
    ("plateau_window", "whole number, 2 or more"),
    ("plateau_max_gain", "fraction"),
    ("min_budget_usd", "whole number"),
    ("stale_after_days", "whole number, 1 or more"),
    ("regression_drop", "fraction"),
    (
        "gates",
        "criteria separated by commas (Data,Volume,...), or +Name / -Name to add or remove one",
    ),
    ("economics.method", "Full, Lora, Qlora or OtherPeft"),
    ("economics.one_off_usd.full", "whole number"),
    ("economics.one_off_usd.lora", "whole number"),
    ("economics.one_off_usd.qlora", "whole number"),
    ("economics.one_off_usd.other_peft", "whole number"),
    ("economics.monthly_hosting_usd", "whole number"),
    ("economics.fine_tuned_cost_fraction", "fraction"),
    ("economics.expected_accuracy_uplift", "fraction"),
    ("economics.max_payback_months", "whole number"),
    ("economics.max_price_age_days", "whole number"),
    ("economics.min_realised_uplift", "fraction"),
    ("economics.judge_after_measurements", "whole number"),
];

/// One `KEY=VALUE` applied: the key, and its value before and after, as
/// they read in a commit message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The key, e.g. `min_daily_volume`.
    pub key: String,
    /// The value before.
    pub before: String,
    /// The value after.
    pub after: String,
}

impl Setting {
    /// `min_daily_volume 1000 -> 2000`; for the gates, those added and
    /// removed: `gates +Payback -Timeline`.
    pub fn describe(&self) -> String {
        if self.key == "gates" {
            let names = |s: &str| -> Vec<String> {
                s.trim_matches(['[', ']'])
                    .split(", ")
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let (b, a) = (names(&self.before), names(&self.after));
            let mut parts: Vec<String> = a
                .iter()
                .filter(|n| !b.contains(n))
                .map(|n| format!("+{n}"))
                .collect();
            parts.extend(b.iter().filter(|n| !a.contains(n)).map(|n| format!("-{n}")));
            if parts.is_empty() {
                return "gates unchanged".to_owned();
            }
            return format!("gates {}", parts.join(" "));
        }
        format!("{} {} -> {}", self.key, self.before, self.after)
    }
}

/// The value of `key` in `policy`, as `--set` takes it (`gates` as a
/// comma-separated list); `None` for an unknown key.
pub fn value(policy: &Policy, key: &str) -> Option<String> {
    let e = &*crate::economics::cost_model(policy);
    Some(match key {
        "min_curated_examples" => policy.min_curated_examples.to_string(),
        "min_daily_volume" => policy.min_daily_volume.to_string(),
        "min_annual_roi_usd" => policy.min_annual_roi_usd.to_string(),
        "plateau_window" => policy.plateau_window.to_string(),
        "plateau_max_gain" => format!("{:?}", policy.plateau_max_gain),
        "min_budget_usd" => policy.min_budget_usd.to_string(),
        "stale_after_days" => policy.stale_after_days.to_string(),
        "regression_drop" => format!("{:?}", policy.regression_drop),
        "gates" => {
            let names: Vec<String> = policy.gates.iter().map(|c| format!("{c:?}")).collect();
            names.join(",")
        }
        "economics.method" => format!("{:?}", e.method),
        "economics.one_off_usd.full" => e.one_off_usd.full.to_string(),
        "economics.one_off_usd.lora" => e.one_off_usd.lora.to_string(),
        "economics.one_off_usd.qlora" => e.one_off_usd.qlora.to_string(),
        "economics.one_off_usd.other_peft" => e.one_off_usd.other_peft.to_string(),
        "economics.monthly_hosting_usd" => e.monthly_hosting_usd.to_string(),
        "economics.fine_tuned_cost_fraction" => format!("{:?}", e.fine_tuned_cost_fraction),
        "economics.expected_accuracy_uplift" => format!("{:?}", e.expected_accuracy_uplift),
        "economics.max_payback_months" => e.max_payback_months.to_string(),
        "economics.max_price_age_days" => e.max_price_age_days.to_string(),
        "economics.min_realised_uplift" => format!("{:?}", e.min_realised_uplift),
        "economics.judge_after_measurements" => e.judge_after_measurements.to_string(),
        _ => return None,
    })
}

/// Splits `KEY=VALUE`.
pub fn parse_assignment(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
        _ => Err(format!(
            "`{}` is not KEY=VALUE (for example min_daily_volume=2000)",
            crate::text::sanitize(s)
        )),
    }
}

fn whole<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.replace(['_', ','], "").parse().map_err(|_| {
        format!(
            "{key} takes a whole number, not `{}`",
            crate::text::sanitize(v)
        )
    })
}

fn fraction(key: &str, v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "{key} takes a fraction between 0 and 1, not `{}`",
            crate::text::sanitize(v)
        )),
    }
}

/// A criterion by its name in `policy.ron` (`ProvenValue`) or in output
/// (`proven_value`), in any case.
pub fn criterion(name: &str) -> Result<Criterion, String> {
    Criterion::ALL
        .iter()
        .chain(std::iter::once(&Criterion::Payback))
        .find(|c| {
            format!("{c:?}").eq_ignore_ascii_case(name.trim()) || c.key() == name.trim()
        })
        .copied()
        .ok_or_else(|| {
            format!(
                "unknown criterion `{}`; one of Data, Volume, Specificity, ProvenValue, Plateau, Expertise, Budget, Timeline, Payback",
                crate::text::sanitize(name)
            )
        })
}

fn method(v: &str) -> Result<Method, String> {
    [Method::Full, Method::Lora, Method::Qlora, Method::OtherPeft]
        .into_iter()
        .find(|m| format!("{m:?}").eq_ignore_ascii_case(v))
        .ok_or_else(|| {
            format!(
                "economics.method is one of Full, Lora, Qlora, OtherPeft, not `{}`",
                crate::text::sanitize(v)
            )
        })
}

fn gates_text(g: &[Criterion]) -> String {
    let names: Vec<String> = g.iter().map(|c| format!("{c:?}")).collect();
    format!("[{}]", names.join(", "))
}

/// Applies one `key = value` to `policy`; says what changed.
pub fn set(policy: &mut Policy, key: &str, value: &str) -> Result<Setting, String> {
    fn swap<T: ToString>(slot: &mut T, v: T) -> (String, String) {
        let before = slot.to_string();
        *slot = v;
        (before, slot.to_string())
    }
    fn float(slot: &mut f64, v: f64) -> (String, String) {
        let before = format!("{slot:?}");
        *slot = v;
        (before, format!("{slot:?}"))
    }
    let (before, after) = if let Some(rest) = key.strip_prefix("economics.") {
        let e = policy.economics.get_or_insert_with(CostModel::default);
        match rest {
            "method" => {
                let before = format!("{:?}", e.method);
                e.method = method(value)?;
                (before, format!("{:?}", e.method))
            }
            "one_off_usd.full" => swap(&mut e.one_off_usd.full, whole(key, value)?),
            "one_off_usd.lora" => swap(&mut e.one_off_usd.lora, whole(key, value)?),
            "one_off_usd.qlora" => swap(&mut e.one_off_usd.qlora, whole(key, value)?),
            "one_off_usd.other_peft" => swap(&mut e.one_off_usd.other_peft, whole(key, value)?),
            "monthly_hosting_usd" => swap(&mut e.monthly_hosting_usd, whole(key, value)?),
            "fine_tuned_cost_fraction" => {
                float(&mut e.fine_tuned_cost_fraction, fraction(key, value)?)
            }
            "expected_accuracy_uplift" => {
                float(&mut e.expected_accuracy_uplift, fraction(key, value)?)
            }
            "max_payback_months" => swap(&mut e.max_payback_months, whole(key, value)?),
            "max_price_age_days" => swap(&mut e.max_price_age_days, whole(key, value)?),
            "min_realised_uplift" => float(&mut e.min_realised_uplift, fraction(key, value)?),
            "judge_after_measurements" => swap(&mut e.judge_after_measurements, whole(key, value)?),
            _ => return Err(unknown(key)),
        }
    } else {
        match key {
            "min_curated_examples" => swap(&mut policy.min_curated_examples, whole(key, value)?),
            "min_daily_volume" => swap(&mut policy.min_daily_volume, whole(key, value)?),
            "min_annual_roi_usd" => swap(&mut policy.min_annual_roi_usd, whole(key, value)?),
            "min_budget_usd" => swap(&mut policy.min_budget_usd, whole(key, value)?),
            "plateau_window" => {
                let v: u32 = whole(key, value)?;
                if v < 2 {
                    return Err(format!("plateau_window must be at least 2, not {v}"));
                }
                swap(&mut policy.plateau_window, v)
            }
            "stale_after_days" => {
                let v: u32 = whole(key, value)?;
                if v < 1 {
                    return Err("stale_after_days must be at least 1".to_owned());
                }
                swap(&mut policy.stale_after_days, v)
            }
            "plateau_max_gain" => float(&mut policy.plateau_max_gain, fraction(key, value)?),
            "regression_drop" => float(&mut policy.regression_drop, fraction(key, value)?),
            "gates" => {
                let before = gates_text(&policy.gates);
                if let Some(name) = value.strip_prefix('+') {
                    let c = criterion(name)?;
                    if !policy.gates.contains(&c) {
                        policy.gates.push(c);
                    }
                } else if let Some(name) = value.strip_prefix('-') {
                    let c = criterion(name)?;
                    policy.gates.retain(|g| *g != c);
                } else {
                    let mut gates = Vec::new();
                    for name in value.split(',').filter(|n| !n.trim().is_empty()) {
                        let c = criterion(name)?;
                        if !gates.contains(&c) {
                            gates.push(c);
                        }
                    }
                    policy.gates = gates;
                }
                (before, gates_text(&policy.gates))
            }
            _ => return Err(unknown(key)),
        }
    };
    Ok(Setting {
        key: key.to_owned(),
        before,
        after,
    })
}

fn unknown(key: &str) -> String {
    let keys: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    format!(
        "unknown policy key `{}`; one of {}",
        crate::text::sanitize(key),
        keys.join(", ")
    )
}

/// How a criterion stands for one use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// It passes.
    Pass,
    /// It fails, and the policy gates on it.
    Fail,
    /// It fails, but the policy does not gate on it.
    NotGated,
    /// Not evaluated (the `payback` criterion where not gated).
    Absent,
}

impl Standing {
    /// `pass`, `fail`, `not-gated` or `absent`.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Pass => "pass",
            Standing::Fail => "fail",
            Standing::NotGated => "not-gated",
            Standing::Absent => "absent",
        }
    }

    fn of(a: &Assessment, c: Criterion) -> Standing {
        Standing::from_result(
            a.criteria
                .iter()
                .find(|x| x.criterion == c)
                .map(|x| (x.passed, x.gate)),
        )
    }

    fn from_result(r: Option<(bool, bool)>) -> Standing {
        match r {
            None => Standing::Absent,
            Some((true, _)) => Standing::Pass,
            Some((false, true)) => Standing::Fail,
            Some((false, false)) => Standing::NotGated,
        }
    }
}

/// A criterion whose standing changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriterionFlip {
    /// Its name in output (`proven_value`).
    pub name: &'static str,
    /// Under the policy in force.
    pub before: Standing,
    /// Under the changed policy.
    pub after: Standing,
}

/// A use case whose verdict changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The verdict under the policy in force.
    pub before: Verdict,
    /// The verdict under the changed policy.
    pub after: Verdict,
    /// The criteria whose standing changes.
    pub criteria: Vec<CriterionFlip>,
}

/// The register under a changed policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// The settings changed.
    pub settings: Vec<Setting>,
    /// The as-of date everything was evaluated at.
    pub as_of: Date,
    /// Use cases evaluated.
    pub use_cases: usize,
    /// Verdict counts under the policy in force.
    pub before: Summary,
    /// Verdict counts under the changed policy.
    pub after: Summary,
    /// Every use case whose verdict changes, in the register's order.
    pub flips: Vec<Flip>,
}

impl WhatIf {
    /// `2 verdict(s) change: ready 4 -> 3, almost 3 -> 2, not-yet 5 -> 7`
    /// (counts that do not change are left out).
    pub fn headline(&self) -> String {
        let (b, a) = (&self.before, &self.after);
        let counts: Vec<String> = [
            ("ready", b.ready, a.ready),
            ("almost", b.almost, a.almost),
            ("underway", b.underway, a.underway),
            ("not-yet", b.not_yet, a.not_yet),
        ]
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(n, x, y)| format!("{n} {x} -> {y}"))
        .collect();
        if counts.is_empty() {
            format!(
                "no verdict changes among {} use case(s) at {}",
                self.use_cases, self.as_of
            )
        } else {
            format!(
                "{} verdict(s) change among {} use case(s) at {}: {}",
                self.flips.len(),
                self.use_cases,
                self.as_of,
                counts.join(", ")
            )
        }
    }

    /// The commit message of writing the changed policy: the settings as
    /// the summary line, `because` as the body.
    pub fn commit_message(&self, because: &str) -> String {
        let what: Vec<String> = self.settings.iter().map(Setting::describe).collect();
        format!("policy: {}\n\n{}", what.join(", "), because.trim())
    }
}

/// The policy in force with every `(key, value)` applied, in order, and
/// checked as `policy.ron` is (an error in the result is refused).
pub fn changed(
    policy: &Policy,
    sets: &[(String, String)],
) -> Result<(Policy, Vec<Setting>), String> {
    let mut p = policy.clone();
    let mut settings = Vec::new();
    for (k, v) in sets {
        settings.push(set(&mut p, k, v)?);
    }
    let errors: Vec<String> = crate::validate::policy(&p)
        .into_iter()
        .filter(|f| f.severity == crate::register::Severity::Error)
        .map(|f| f.message)
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok((p, settings))
}

/// The use cases whose verdict differs between `before` (the assessments
/// under the policy in force, in the register's order) and `after` (the
/// changed policy), with the criteria that moved; and the counts under
/// `after`. Evaluates without the words ([`readiness::outcome`]), fast
/// enough to follow every keystroke.
pub fn flips(
    entries: &[Entry],
    before: &[Assessment],
    after: &Policy,
    as_of: Date,
) -> (Summary, Vec<Flip>) {
    let now =
        crate::register::parallel_map(entries, |e| readiness::outcome(&e.use_case, after, as_of));
    let mut counts = Summary {
        use_cases: now.len(),
        ..Summary::default()
    };
    for o in &now {
        match o.verdict {
            Verdict::Ready => counts.ready += 1,
            Verdict::Almost => counts.almost += 1,
            Verdict::Underway => counts.underway += 1,
            Verdict::NotYet => counts.not_yet += 1,
            Verdict::NotApplicable => counts.not_applicable += 1,
        }
        counts.stale += usize::from(o.stale);
        counts.regression += usize::from(o.regression);
    }
    let mut out = Vec::new();
    for ((e, b), a) in entries.iter().zip(before).zip(&now) {
        if b.verdict == a.verdict {
            continue;
        }
        let criteria = Criterion::ALL
            .iter()
            .chain(std::iter::once(&Criterion::Payback))
            .filter_map(|&c| {
                let x = Standing::of(b, c);
                let y = Standing::from_result(a.checks[readiness::outcome_index(c)]);
                (x != y).then_some(CriterionFlip {
                    name: c.key(),
                    before: x,
                    after: y,
                })
            })
            .collect();
        out.push(Flip {
            id: e.id.to_string(),
            title: e.use_case.title.clone(),
            before: b.verdict,
            after: a.verdict,
            criteria,
        });
    }
    (counts, out)
}

/// The register under the changed policy: `before` are the assessments
/// under the policy in force (as [`crate::report::assess_all`] gives them).
pub fn evaluate(
    reg: &Register,
    before: &[Assessment],
    after: &Policy,
    settings: Vec<Setting>,
) -> WhatIf {
    let (after, flips) = flips(&reg.use_cases, before, after, reg.as_of);
    WhatIf {
        settings,
        as_of: reg.as_of,
        use_cases: reg.use_cases.len(),
        before: crate::report::summary(before),
        after,
        flips,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_apply_and_say_what_changed() {
        let mut p = Policy::default();
        let s = set(&mut p, "min_daily_volume", "2_000").unwrap();
        assert_eq!(s.describe(), "min_daily_volume 1000 -> 2000");
        let s = set(&mut p, "gates", "+payback").unwrap();
        assert!(p.gates.contains(&Criterion::Payback));
        assert!(s.after.ends_with("Timeline, Payback]"), "{}", s.after);
        assert_eq!(s.describe(), "gates +Payback");
        let s = set(&mut p, "gates", "-Timeline").unwrap();
        assert_eq!(s.describe(), "gates -Timeline");
        assert!(!p.gates.contains(&Criterion::Timeline));
        let s = set(&mut p, "economics.max_payback_months", "9").unwrap();
        assert_eq!(s.describe(), "economics.max_payback_months 12 -> 9");
        assert_eq!(p.economics.as_ref().unwrap().max_payback_months, 9);
        set(&mut p, "economics.method", "qlora").unwrap();
        assert!(set(&mut p, "plateau_max_gain", "1.5").is_err());
        assert!(set(&mut p, "plateau_window", "1").is_err());
        assert!(
            set(&mut p, "min_volume", "1")
                .unwrap_err()
                .starts_with("unknown policy key")
        );
        assert!(set(&mut p, "gates", "Data,Nope").is_err());
        assert!(parse_assignment("min_daily_volume").is_err());
        // Every key reads back what it was set to.
        for (key, _) in KEYS {
            let v = value(&p, key).unwrap();
            let mut q = p.clone();
            set(&mut q, key, &v).unwrap();
            assert_eq!(value(&q, key).unwrap(), v, "{key}");
        }
        assert_eq!(
            parse_assignment(" a = b ").unwrap(),
            ("a".to_owned(), "b".to_owned())
        );
    }
}
