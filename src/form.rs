//! Validation of values typed into forms, field by field.
//!
//! Pure: text in, a value or a message out. The terminal UI checks every
//! keystroke with these, so a form can never be submitted invalid.

use crate::model::{Confidence, Date, Measurement, Period, RoiEntry, RoiKind};

/// What a form field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// An ISO date `YYYY-MM-DD`.
    Date,
    /// A fraction in [0, 1].
    Fraction,
    /// Whole milliseconds.
    Millis,
    /// A whole amount of money.
    Money,
    /// A non-negative cost with decimals.
    Cost,
    /// A score on the 1-5 scale.
    Satisfaction,
    /// One line of text, not empty.
    Text,
    /// One of a fixed set of names.
    Choice(&'static [&'static str]),
    /// A new use-case id: slug form (`claims-triage`), not taken.
    NewId,
}

/// What checking a field needs beyond its text: the dates (read by the
/// caller, never here) and the ids already taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Today: a date after it is refused.
    pub today: Option<Date>,
    /// The as-of date when it is pinned (in `register.ron` or by
    /// `--as-of`): a date after it is accepted with a warning.
    pub pinned_as_of: Option<Date>,
    /// What the form records ("measurements", "ROI evidence"), for the
    /// warning's wording.
    pub records: &'static str,
    /// Ids already in the register.
    pub taken: Vec<String>,
}

/// A field of a form: its name and what it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field name, as in the file.
    pub name: &'static str,
    /// What it accepts.
    pub kind: FieldKind,
}

const KINDS: &[&str] = &["CostSaving", "TimeSaved", "Revenue", "RiskReduction"];
const PERIODS: &[&str] = &["Month", "Quarter", "Year", "OneOff"];
const CONFIDENCES: &[&str] = &["Measured", "Estimated"];

/// The fields of a measurement, in order.
pub const MEASUREMENT: &[FieldSpec] = &[
    FieldSpec {
        name: "date",
        kind: FieldKind::Date,
    },
    FieldSpec {
        name: "accuracy",
        kind: FieldKind::Fraction,
    },
    FieldSpec {
        name: "consistency",
        kind: FieldKind::Fraction,
    },
    FieldSpec {
        name: "p95_latency_ms",
        kind: FieldKind::Millis,
    },
    FieldSpec {
        name: "cost_per_1k_usd",
        kind: FieldKind::Cost,
    },
    FieldSpec {
        name: "satisfaction",
        kind: FieldKind::Satisfaction,
    },
    FieldSpec {
        name: "source",
        kind: FieldKind::Text,
    },
];

/// The fields of an ROI entry, in order.
pub const ROI: &[FieldSpec] = &[
    FieldSpec {
        name: "date",
        kind: FieldKind::Date,
    },
    FieldSpec {
        name: "kind",
        kind: FieldKind::Choice(KINDS),
    },
    FieldSpec {
        name: "value_usd",
        kind: FieldKind::Money,
    },
    FieldSpec {
        name: "period",
        kind: FieldKind::Choice(PERIODS),
    },
    FieldSpec {
        name: "evidence",
        kind: FieldKind::Text,
    },
    FieldSpec {
        name: "confidence",
        kind: FieldKind::Choice(CONFIDENCES),
    },
];

fn number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("required".to_owned());
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("\"{}\" is not a number", crate::text::sanitize(t))),
    }
}

fn whole(text: &str, max: u64) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("required".to_owned());
    }
    let too_large = || format!("too large: at most {}", crate::text::thousands(max));
    match t.parse::<u64>() {
        Ok(v) if v <= max => Ok(v),
        Ok(_) => Err(too_large()),
        // Digits only, yet no u64: it is too large, not "not a number".
        Err(_) if t.bytes().all(|b| b.is_ascii_digit()) => Err(too_large()),
        Err(_) => Err("a whole number of at least 0".to_owned()),
    }
}

/// Checks one field's text; `Ok` when it would be accepted.
pub fn check(kind: FieldKind, text: &str) -> Result<(), String> {
    match kind {
        FieldKind::Date => Date::parse(text.trim()).map(|_| ()),
        FieldKind::Fraction => number(text).and_then(|v| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err("a fraction between 0 and 1".to_owned())
            }
        }),
        FieldKind::Millis => whole(text, u64::from(u32::MAX)).map(|_| ()),
        FieldKind::Money => whole(text, u64::MAX).map(|_| ()),
        FieldKind::Cost => number(text).and_then(|v| {
            if v >= 0.0 {
                Ok(())
            } else {
                Err("at least 0".to_owned())
            }
        }),
        FieldKind::Satisfaction => number(text).and_then(|v| {
            if (1.0..=5.0).contains(&v) {
                Ok(())
            } else {
                Err("on the 1-5 scale".to_owned())
            }
        }),
        FieldKind::Text => {
            if text.trim().is_empty() {
                Err("required".to_owned())
            } else if text.chars().any(crate::text::is_unsafe) {
                Err("no control characters".to_owned())
            } else {
                Ok(())
            }
        }
        FieldKind::Choice(options) => {
            if options.contains(&text) {
                Ok(())
            } else {
                Err(format!("one of {}", options.join(", ")))
            }
        }
        FieldKind::NewId => crate::model::UseCaseId::new(text.trim())
            .map(|_| ())
            .map_err(|_| {
                if text.trim().is_empty() {
                    "required".to_owned()
                } else {
                    "lower-case letters, digits and single hyphens (claims-triage)".to_owned()
                }
            }),
    }
}

/// Checks one field's text in `ctx`: as [`check`], and a date may not be
/// after today, a new id may not be taken.
pub fn check_in(kind: FieldKind, text: &str, ctx: &Context) -> Result<(), String> {
    check(kind, text)?;
    match kind {
        FieldKind::Date => {
            let date = Date::parse(text.trim())?;
            match ctx.today {
                Some(today) if date > today => Err(format!(
                    "after today ({today}): only what happened can be recorded"
                )),
                _ => Ok(()),
            }
        }
        FieldKind::NewId if ctx.taken.iter().any(|t| t == text.trim()) => {
            Err(format!("{} is taken: choose another id", text.trim()))
        }
        _ => Ok(()),
    }
}

/// A warning about a field's valid text in `ctx`: a date after a pinned
/// as-of date, which readiness does not see.
pub fn warning(kind: FieldKind, text: &str, ctx: &Context) -> Option<String> {
    let date = match kind {
        FieldKind::Date => Date::parse(text.trim()).ok()?,
        _ => return None,
    };
    let as_of = ctx.pinned_as_of?;
    (date > as_of).then(|| {
        format!(
            "readiness ignores {} after the as-of date {as_of}, which is pinned (as_of in \
             register.ron, or --as-of)",
            if ctx.records.is_empty() {
                "entries"
            } else {
                ctx.records
            }
        )
    })
}

/// The first invalid field of a form in `ctx`: its index and message.
pub fn first_error_in(
    specs: &[FieldSpec],
    values: &[String],
    ctx: &Context,
) -> Option<(usize, String)> {
    specs
        .iter()
        .zip(values)
        .enumerate()
        .find_map(|(i, (s, v))| check_in(s.kind, v, ctx).err().map(|e| (i, e)))
}

/// The fields of a new use case, in order: what `ripen new` asks for.
pub const NEW_USE_CASE: &[FieldSpec] = &[
    FieldSpec {
        name: "id",
        kind: FieldKind::NewId,
    },
    FieldSpec {
        name: "title",
        kind: FieldKind::Text,
    },
    FieldSpec {
        name: "owner",
        kind: FieldKind::Text,
    },
    FieldSpec {
        name: "team",
        kind: FieldKind::Text,
    },
];

/// The first invalid field of a form: its index and message.
pub fn first_error(specs: &[FieldSpec], values: &[String]) -> Option<(usize, String)> {
    specs
        .iter()
        .zip(values)
        .enumerate()
        .find_map(|(i, (s, v))| check(s.kind, v).err().map(|e| (i, e)))
}

fn ron_enum<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, String> {
    ron::from_str(name).map_err(|_| format!("unknown value {name}"))
}

/// Builds a measurement from the form's values (in [`MEASUREMENT`] order).
pub fn measurement(values: &[String]) -> Result<Measurement, (usize, String)> {
    if let Some(e) = first_error(MEASUREMENT, values) {
        return Err(e);
    }
    let num = |i: usize| {
        values[i]
            .trim()
            .parse::<f64>()
            .map_err(|e| (i, e.to_string()))
    };
    Ok(Measurement {
        date: Date::parse(values[0].trim()).map_err(|e| (0, e))?,
        accuracy: num(1)?,
        consistency: num(2)?,
        p95_latency_ms: values[3]
            .trim()
            .parse()
            .map_err(|_| (3, "invalid".to_owned()))?,
        cost_per_1k_usd: num(4)?,
        satisfaction: num(5)?,
        source: values[6].trim().to_owned(),
    })
}

/// Builds an ROI entry from the form's values (in [`ROI`] order).
pub fn roi(values: &[String]) -> Result<RoiEntry, (usize, String)> {
    if let Some(e) = first_error(ROI, values) {
        return Err(e);
    }
    Ok(RoiEntry {
        date: Date::parse(values[0].trim()).map_err(|e| (0, e))?,
        kind: ron_enum::<RoiKind>(&values[1]).map_err(|e| (1, e))?,
        value_usd: values[2]
            .trim()
            .parse()
            .map_err(|_| (2, "invalid".to_owned()))?,
        period: ron_enum::<Period>(&values[3]).map_err(|e| (3, e))?,
        evidence: values[4].trim().to_owned(),
        confidence: ron_enum::<Confidence>(&values[5]).map_err(|e| (5, e))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_reject_bad_input_as_typed() {
        assert!(check(FieldKind::Date, "2026-1").is_err());
        assert!(check(FieldKind::Date, "2026-12-31").is_ok());
        assert!(check(FieldKind::Fraction, "1.2").is_err());
        assert!(check(FieldKind::Fraction, "0.92").is_ok());
        assert!(check(FieldKind::Satisfaction, "0").is_err());
        assert!(check(FieldKind::Millis, "-5").is_err());
        assert!(check(FieldKind::Text, "  ").is_err());
        assert!(check(FieldKind::Text, "a\u{1b}b").is_err());
        assert!(check(FieldKind::Fraction, "NaN").is_err());
    }

    #[test]
    fn dates_after_today_are_refused_and_after_a_pinned_as_of_warned() {
        let d = |s| Date::parse(s).unwrap();
        let ctx = Context {
            today: Some(d("2026-12-01")),
            pinned_as_of: Some(d("2026-10-15")),
            records: "measurements",
            taken: vec!["claims-triage".to_owned()],
        };
        let err = check_in(FieldKind::Date, "2030-01-01", &ctx).unwrap_err();
        assert!(err.contains("after today (2026-12-01)"), "{err}");
        assert!(check_in(FieldKind::Date, "2026-12-01", &ctx).is_ok());
        let warn = warning(FieldKind::Date, "2026-11-02", &ctx).unwrap();
        assert!(
            warn.starts_with("readiness ignores measurements after the as-of date 2026-10-15"),
            "{warn}"
        );
        assert_eq!(warning(FieldKind::Date, "2026-10-15", &ctx), None);
        let unpinned = Context {
            pinned_as_of: None,
            ..ctx.clone()
        };
        assert_eq!(warning(FieldKind::Date, "2026-11-02", &unpinned), None);
        assert!(
            check_in(FieldKind::NewId, "claims-triage", &ctx)
                .unwrap_err()
                .contains("taken")
        );
        assert!(check_in(FieldKind::NewId, "Claims Triage", &ctx).is_err());
        assert!(check_in(FieldKind::NewId, "claims-triage-2", &ctx).is_ok());
    }

    #[test]
    fn a_number_too_large_for_its_field_says_so() {
        let err = check(FieldKind::Money, "99999999999999999999").unwrap_err();
        assert_eq!(err, "too large: at most 18,446,744,073,709,551,615");
        assert!(
            check(FieldKind::Millis, "5000000000")
                .unwrap_err()
                .starts_with("too large")
        );
        assert_eq!(
            check(FieldKind::Money, "-5").unwrap_err(),
            "a whole number of at least 0"
        );
    }

    #[test]
    fn a_complete_form_builds_values() {
        let v: Vec<String> = [
            "2026-12-31",
            "0.84",
            "0.8",
            "2100",
            "5.5",
            "4.1",
            "eval/2026-12",
        ]
        .map(String::from)
        .to_vec();
        let m = measurement(&v).unwrap();
        assert_eq!(m.accuracy, 0.84);
        assert_eq!(m.p95_latency_ms, 2100);
        let r: Vec<String> = [
            "2026-12-31",
            "Revenue",
            "9000",
            "Quarter",
            "crm/q4",
            "Estimated",
        ]
        .map(String::from)
        .to_vec();
        let e = roi(&r).unwrap();
        assert_eq!(e.kind, RoiKind::Revenue);
        assert_eq!(e.confidence, Confidence::Estimated);
        let mut bad = r.clone();
        bad[2] = "lots".to_owned();
        assert_eq!(roi(&bad).unwrap_err().0, 2);
    }
}
