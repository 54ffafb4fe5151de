//! Semantic rules beyond parsing: ranges, date order, dates in the future,
//! control characters in text, placeholders left by `ripen new`, policy sanity.
//!
//! Pure: values and an as-of date in, findings out. Each finding carries the
//! field path it is about, which the loader turns into a line and column.

use crate::model::{Date, Measurement, Policy, RoiEntry, SCHEMA_VERSION, Settings, UseCase};
use crate::register::{Seg, Severity};

/// One problem found in a parsed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The field the finding is about.
    pub path: Vec<Seg>,
    /// What is wrong and what to do.
    pub message: String,
}

struct Checker {
    findings: Vec<Finding>,
}

impl Checker {
    fn push(&mut self, severity: Severity, path: Vec<Seg>, message: String) {
        self.findings.push(Finding {
            severity,
            path,
            message,
        });
    }

    fn fraction(&mut self, path: Vec<Seg>, name: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) {
            self.push(
                Severity::Error,
                path,
                format!("{name} must be a fraction between 0 and 1, found {v}"),
            );
        }
    }

    fn non_negative(&mut self, path: Vec<Seg>, name: &str, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.push(
                Severity::Error,
                path,
                format!("{name} must be a number of at least 0, found {v}"),
            );
        }
    }

    /// Control characters in text are shown escaped everywhere, but flagged
    /// because they are almost always an accident or an attack.
    fn text(&mut self, path: Vec<Seg>, name: &str, v: &str, multiline: bool) {
        let bad = v.chars().find(|&c| {
            crate::text::is_control_or_bidi(c) && !(multiline && (c == '\n' || c == '\t'))
        });
        if let Some(c) = bad {
            self.push(
                Severity::Warning,
                path,
                format!(
                    "{name} holds the control character U+{:04X}; it is shown escaped, remove it",
                    c as u32
                ),
            );
        }
    }

    fn future(&mut self, path: Vec<Seg>, what: &str, date: Date, as_of: Date) {
        if date > as_of {
            self.push(
                Severity::Warning,
                path,
                format!(
                    "{what} is dated {date}, after the as-of date {as_of}; it is ignored until then"
                ),
            );
        }
    }
}

fn ordered<T>(
    c: &mut Checker,
    list: &'static str,
    items: &[T],
    date: impl Fn(&T) -> Date,
    as_of: Date,
) {
    for (i, pair) in items.windows(2).enumerate() {
        let (a, b) = (date(&pair[0]), date(&pair[1]));
        if b < a {
            c.push(
                Severity::Warning,
                vec![Seg::Field(list), Seg::Index(i + 1), Seg::Field("date")],
                format!(
                    "{list} are not in date order: {b} comes after {a}; list them oldest first"
                ),
            );
        }
    }
    for (i, item) in items.iter().enumerate() {
        let what = if list == "measurements" {
            "measurement"
        } else {
            "ROI entry"
        };
        c.future(
            vec![Seg::Field(list), Seg::Index(i), Seg::Field("date")],
            what,
            date(item),
            as_of,
        );
    }
}

fn measurement(c: &mut Checker, i: usize, m: &Measurement) {
    let at = |f| vec![Seg::Field("measurements"), Seg::Index(i), Seg::Field(f)];
    c.fraction(at("accuracy"), "accuracy", m.accuracy);
    c.fraction(at("consistency"), "consistency", m.consistency);
    c.non_negative(at("cost_per_1k_usd"), "cost_per_1k_usd", m.cost_per_1k_usd);
    if !(1.0..=5.0).contains(&m.satisfaction) {
        c.push(
            Severity::Error,
            at("satisfaction"),
            format!(
                "satisfaction must be on the 1-5 scale, found {}",
                m.satisfaction
            ),
        );
    }
    c.text(at("source"), "source", &m.source, false);
}

fn roi_entry(c: &mut Checker, i: usize, r: &RoiEntry) {
    c.text(
        vec![Seg::Field("roi"), Seg::Index(i), Seg::Field("evidence")],
        "evidence",
        &r.evidence,
        false,
    );
}

/// Values that `ripen new` left in: warnings until someone replaces them.
fn placeholders(c: &mut Checker, u: &UseCase) {
    use crate::model::{
        Approach, PLACEHOLDER_MODEL, PLACEHOLDER_NOTES, PLACEHOLDER_OWNER, PLACEHOLDER_SUMMARY,
        PLACEHOLDER_TEAM, PLACEHOLDER_TITLE,
    };
    let model = match &u.approach {
        Approach::Prompting { model, .. } => Some(model.as_str()),
        _ => None,
    };
    let fields = [
        ("title", Some(u.title.as_str()), PLACEHOLDER_TITLE),
        ("summary", Some(u.summary.as_str()), PLACEHOLDER_SUMMARY),
        ("owner", Some(u.owner.as_str()), PLACEHOLDER_OWNER),
        ("team", Some(u.team.as_str()), PLACEHOLDER_TEAM),
        ("approach", model, PLACEHOLDER_MODEL),
        ("notes", Some(u.notes.as_str()), PLACEHOLDER_NOTES),
    ];
    for (field, value, placeholder) in fields {
        if value == Some(placeholder) {
            let name = if field == "approach" { "model" } else { field };
            c.push(
                Severity::Warning,
                vec![Seg::Field(field)],
                format!("{name} is still the placeholder that ripen new wrote; replace it"),
            );
        }
    }
}

/// Checks one use case against the rules of `docs/schema.md`.
/// Whether [`use_case`] finds exactly the same for `u` at dates `a` and
/// `b`. It depends on the date only through the measurements and ROI
/// entries dated after it (warned about, naming the date), so it does when
/// none is dated after the earlier of the two. Keep this in step with
/// every use of the date below: a cache of findings relies on it.
pub fn same_findings_at(u: &UseCase, a: Date, b: Date) -> bool {
    let earlier = a.min(b);
    a == b
        || u.measurements
            .iter()
            .map(|m| m.date)
            .chain(u.roi.iter().map(|r| r.date))
            .all(|d| d <= earlier)
}

pub fn use_case(u: &UseCase, as_of: Date) -> Vec<Finding> {
    let mut c = Checker {
        findings: Vec::new(),
    };
    if u.title.trim().is_empty() {
        c.push(
            Severity::Error,
            vec![Seg::Field("title")],
            "title is empty: give the use case a short name".to_owned(),
        );
    }
    placeholders(&mut c, u);
    c.text(vec![Seg::Field("title")], "title", &u.title, false);
    c.text(vec![Seg::Field("summary")], "summary", &u.summary, true);
    c.text(vec![Seg::Field("owner")], "owner", &u.owner, false);
    c.text(vec![Seg::Field("team")], "team", &u.team, false);
    c.text(vec![Seg::Field("notes")], "notes", &u.notes, true);
    match &u.approach {
        crate::model::Approach::Prompting { model, .. } => {
            c.text(vec![Seg::Field("approach")], "model", model, false)
        }
        crate::model::Approach::FineTuned {
            base_model,
            dataset,
            ..
        } => {
            c.text(
                vec![Seg::Field("approach")],
                "base_model",
                base_model,
                false,
            );
            c.text(vec![Seg::Field("approach")], "dataset", dataset, false);
        }
        crate::model::Approach::Hybrid {
            prompting,
            fine_tuned,
        } => {
            c.text(vec![Seg::Field("approach")], "prompting", prompting, true);
            c.text(vec![Seg::Field("approach")], "fine_tuned", fine_tuned, true);
        }
        crate::model::Approach::Other { description } => {
            c.text(
                vec![Seg::Field("approach")],
                "description",
                description,
                false,
            );
        }
    }
    if let Some(source) = &u.source {
        c.text(
            vec![Seg::Field("source")],
            "source.system",
            &source.system,
            false,
        );
        c.text(vec![Seg::Field("source")], "source.id", &source.id, false);
    }
    if let Some(a) = u.targets.accuracy {
        c.fraction(
            vec![Seg::Field("targets"), Seg::Field("accuracy")],
            "targets.accuracy",
            a,
        );
    }
    if let Some(v) = u.targets.cost_per_1k_usd {
        c.non_negative(
            vec![Seg::Field("targets"), Seg::Field("cost_per_1k_usd")],
            "targets.cost_per_1k_usd",
            v,
        );
    }
    for (i, m) in u.measurements.iter().enumerate() {
        measurement(&mut c, i, m);
    }
    for (i, r) in u.roi.iter().enumerate() {
        roi_entry(&mut c, i, r);
    }
    ordered(&mut c, "measurements", &u.measurements, |m| m.date, as_of);
    ordered(&mut c, "roi", &u.roi, |r| r.date, as_of);
    c.findings
}

/// Checks `register.ron`.
pub fn settings(s: &Settings) -> Vec<Finding> {
    let mut c = Checker {
        findings: Vec::new(),
    };
    if s.schema != SCHEMA_VERSION {
        c.push(
            Severity::Error,
            vec![Seg::Field("schema")],
            format!(
                "schema version {} is not supported by this ripen (it reads version {SCHEMA_VERSION}); upgrade ripen",
                s.schema
            ),
        );
    }
    if !(1..=12).contains(&s.fiscal_year_start_month) {
        c.push(
            Severity::Error,
            vec![Seg::Field("fiscal_year_start_month")],
            format!(
                "fiscal_year_start_month must be a month from 1 to 12, found {}",
                s.fiscal_year_start_month
            ),
        );
    }
    if s.currency.len() != 3 || !s.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        c.push(
            Severity::Warning,
            vec![Seg::Field("currency")],
            format!(
                "currency \"{}\" is not a three-letter ISO 4217 code such as USD",
                crate::text::sanitize(&s.currency)
            ),
        );
    }
    c.text(vec![Seg::Field("name")], "name", &s.name, false);
    c.findings
}

/// Checks `policy.ron`.
pub fn policy(p: &Policy) -> Vec<Finding> {
    let mut c = Checker {
        findings: Vec::new(),
    };
    if p.plateau_window < 2 {
        c.push(
            Severity::Error,
            vec![Seg::Field("plateau_window")],
            format!(
                "plateau_window must be at least 2 measurements, found {}",
                p.plateau_window
            ),
        );
    }
    c.fraction(
        vec![Seg::Field("plateau_max_gain")],
        "plateau_max_gain",
        p.plateau_max_gain,
    );
    c.fraction(
        vec![Seg::Field("regression_drop")],
        "regression_drop",
        p.regression_drop,
    );
    if p.stale_after_days == 0 {
        c.push(
            Severity::Error,
            vec![Seg::Field("stale_after_days")],
            "stale_after_days must be at least 1".to_owned(),
        );
    }
    if let Some(e) = &p.economics {
        for (name, v) in [
            ("fine_tuned_cost_fraction", e.fine_tuned_cost_fraction),
            ("expected_accuracy_uplift", e.expected_accuracy_uplift),
            ("min_realised_uplift", e.min_realised_uplift),
        ] {
            c.fraction(
                vec![Seg::Field("economics"), Seg::Field(name)],
                &format!("economics.{name}"),
                v,
            );
        }
    }
    // The distinct gates seen so far: few, however long the list.
    let mut seen = Vec::new();
    for (i, g) in p.gates.iter().enumerate() {
        if seen.contains(g) {
            c.push(
                Severity::Warning,
                vec![Seg::Field("gates"), Seg::Index(i)],
                format!("gate {g:?} is listed twice"),
            );
        } else {
            seen.push(*g);
        }
    }
    c.findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Measurement, RoiEntry};

    #[test]
    fn findings_are_the_same_at_two_dates_exactly_when_said() {
        let d = |s: &str| Date::parse(s).unwrap();
        let mut u = UseCase::scaffold("Invoice triage", "ada@example.com", "Finance");
        u.measurements.push(Measurement {
            date: d("2026-03-31"),
            accuracy: 0.8,
            consistency: 0.7,
            p95_latency_ms: 900,
            cost_per_1k_usd: 2.0,
            satisfaction: 4.0,
            source: "eval".to_owned(),
        });
        u.roi.push(RoiEntry {
            date: d("2026-05-31"),
            kind: crate::model::RoiKind::CostSaving,
            value_usd: 1000,
            period: crate::model::Period::Month,
            evidence: "dashboard".to_owned(),
            confidence: crate::model::Confidence::Measured,
        });
        let dates = [
            "2026-01-01",
            "2026-03-30",
            "2026-03-31",
            "2026-04-01",
            "2026-05-31",
            "2026-06-01",
            "2027-01-01",
        ];
        for a in dates {
            for b in dates {
                let (a, b) = (d(a), d(b));
                let same = use_case(&u, a) == use_case(&u, b);
                assert_eq!(same_findings_at(&u, a, b), same, "{a} and {b}");
            }
        }
    }
}
