//! Exports: the register as CSV for spreadsheets and BI tools, and back in
//! the format of a source it was imported from (`omb-2025`).
//!
//! Pure: a loaded [`Register`] in (from the working tree or any revision),
//! the file's bytes out. Text goes through the csv crate, quoted as RFC 4180
//! says (a field with a comma, a quote or a line break is put in double
//! quotes, and its quotes doubled). With [`Cells::Exact`], values are
//! written exactly as the register holds them, control characters
//! included: a CSV file is data, and the program that reads it decides how
//! to show it. With [`Cells::Spreadsheet`] (the command line's default), a
//! text cell that a spreadsheet would run as a formula (one beginning with
//! `=`, `+`, `-`, `@`, a tab or a carriage return, and not a number) gets
//! a `'` in front, as OWASP recommends against CSV injection. See
//! `docs/import.md`.

use std::fmt;

use crate::import::{self, Mapping, Preset};
use crate::model::{Approach, UseCase};
use crate::readiness::Assessment;
use crate::register::{Entry, Register};
use crate::report;

/// How cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cells {
    /// Exactly as the register holds them (`--raw`: for programs).
    Exact,
    /// Formula-leading text cells prefixed with `'` (for spreadsheets).
    Spreadsheet,
}

impl Cells {
    /// The cell to write for `value`.
    pub fn cell(self, value: String) -> String {
        if self == Cells::Spreadsheet && formula_leading(&value) {
            format!("'{value}")
        } else {
            value
        }
    }
}

/// Whether a spreadsheet would treat `value` as a formula: it begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return and is not a number.
pub fn formula_leading(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.trim().parse::<f64>().is_err()
}

/// A column of `ripen export csv`: its name and what it holds.
pub struct Column {
    /// The header name, e.g. `verdict`.
    pub name: &'static str,
    /// What it holds, for `--help` and the docs.
    pub about: &'static str,
    value: fn(&Entry, &Assessment, &Register) -> String,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn latest<'a>(e: &'a Entry, reg: &Register) -> Option<&'a crate::model::Measurement> {
    crate::readiness::measurements_until(&e.use_case, reg.as_of)
        .last()
        .copied()
}

fn model(u: &UseCase) -> String {
    match &u.approach {
        Approach::Prompting { model, .. } => model.clone(),
        Approach::FineTuned { base_model, .. } => base_model.clone(),
        Approach::Hybrid { .. } | Approach::Other { .. } => String::new(),
    }
}

fn approach_detail(u: &UseCase) -> String {
    match &u.approach {
        Approach::Prompting { technique, .. } => format!("{technique:?}"),
        Approach::FineTuned {
            method, dataset, ..
        } => format!("{method:?}; dataset: {dataset}"),
        Approach::Hybrid {
            prompting,
            fine_tuned,
        } => format!("prompting: {prompting}; fine-tuned: {fine_tuned}"),
        Approach::Other { description } => description.clone(),
    }
}

macro_rules! col {
    ($name:literal, $about:literal, |$e:ident, $a:ident, $r:ident| $body:expr) => {
        Column {
            name: $name,
            about: $about,
            value: |$e: &Entry, $a: &Assessment, $r: &Register| {
                let _ = (&$e, &$a, &$r);
                $body
            },
        }
    };
}

/// Every column of `ripen export csv`, in the default order.
pub const COLUMNS: &[Column] = &[
    col!("id", "the use case's id (its file name)", |e, a, r| e
        .id
        .to_string()),
    col!("title", "title", |e, a, r| e.use_case.title.clone()),
    col!("summary", "summary", |e, a, r| e.use_case.summary.clone()),
    col!("owner", "owner", |e, a, r| e.use_case.owner.clone()),
    col!("team", "team", |e, a, r| e.use_case.team.clone()),
    col!(
        "stage",
        "stage: Identify, Collect, FineTune, Evaluate or Retired",
        |e, a, r| e.use_case.stage.name().to_owned()
    ),
    col!(
        "approach",
        "approach: Prompting, FineTuned, Hybrid or Other",
        |e, a, r| e.use_case.approach.kind().to_owned()
    ),
    col!(
        "model",
        "the model prompted, or the base model fine-tuned",
        |e, a, r| model(&e.use_case)
    ),
    col!(
        "approach_detail",
        "the technique, the method and data set, the two halves of a hybrid, or what an Other approach is",
        |e, a, r| approach_detail(&e.use_case)
    ),
    col!(
        "risk",
        "risk tier: Minimal, Limited, High or Unacceptable",
        |e, a, r| e.use_case.risk.name().to_owned()
    ),
    col!(
        "specificity",
        "profile: General, Mixed or Narrow",
        |e, a, r| e.use_case.profile.specificity.name().to_owned()
    ),
    col!(
        "daily_volume",
        "profile: similar requests per day",
        |e, a, r| e.use_case.profile.daily_volume.to_string()
    ),
    col!(
        "curated_examples",
        "profile: curated examples",
        |e, a, r| e.use_case.profile.curated_examples.to_string()
    ),
    col!("ml_expertise", "profile: true or false", |e, a, r| e
        .use_case
        .profile
        .ml_expertise
        .to_string()),
    col!("budget_usd", "profile: approved budget", |e, a, r| e
        .use_case
        .profile
        .budget_usd
        .to_string()),
    col!("can_wait_weeks", "profile: true or false", |e, a, r| e
        .use_case
        .profile
        .can_wait_weeks
        .to_string()),
    col!("needs_consistency", "profile: true or false", |e, a, r| e
        .use_case
        .profile
        .needs_consistency
        .to_string()),
    col!(
        "target_accuracy",
        "target accuracy, empty when none",
        |e, a, r| opt(e.use_case.targets.accuracy)
    ),
    col!(
        "target_p95_latency_ms",
        "target latency, empty when none",
        |e, a, r| opt(e.use_case.targets.p95_latency_ms)
    ),
    col!(
        "target_cost_per_1k_usd",
        "target cost, empty when none",
        |e, a, r| opt(e.use_case.targets.cost_per_1k_usd)
    ),
    col!(
        "measurements",
        "how many measurements up to the as-of date",
        |e, a, r| crate::readiness::measurements_until(&e.use_case, r.as_of)
            .len()
            .to_string()
    ),
    col!(
        "latest_date",
        "the latest measurement up to the as-of date: its date",
        |e, a, r| opt(latest(e, r).map(|m| m.date))
    ),
    col!("latest_accuracy", "its accuracy", |e, a, r| opt(latest(
        e, r
    )
    .map(|m| m.accuracy))),
    col!("latest_consistency", "its consistency", |e, a, r| opt(
        latest(e, r).map(|m| m.consistency)
    )),
    col!("latest_p95_latency_ms", "its latency", |e, a, r| opt(
        latest(e, r).map(|m| m.p95_latency_ms)
    )),
    col!("latest_cost_per_1k_usd", "its cost", |e, a, r| opt(latest(
        e, r
    )
    .map(|m| m.cost_per_1k_usd))),
    col!("latest_satisfaction", "its satisfaction", |e, a, r| opt(
        latest(e, r).map(|m| m.satisfaction)
    )),
    col!(
        "measured_roi_last_year",
        "measured ROI in the 365 days up to the as-of date",
        |e, a, r| a.measured_roi_last_year.to_string()
    ),
    col!(
        "verdict",
        "ready, almost, underway (fine-tuning underway), not-yet or not-applicable",
        |e, a, r| a.verdict.label().to_owned()
    ),
    col!(
        "failing_gates",
        "the gating criteria that fail, separated by `;`",
        |e, a, r| a
            .blockers()
            .map(|c| c.criterion.key())
            .collect::<Vec<_>>()
            .join(";")
    ),
    col!(
        "flags",
        "watch flags (stale, regression), separated by `;`",
        |e, a, r| a
            .flags
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join(";")
    ),
    col!(
        "as_of",
        "the date everything was evaluated at",
        |e, a, r| r.as_of.to_string()
    ),
    col!(
        "source_system",
        "where the use case was imported from, if anywhere",
        |e, a, r| opt(e.use_case.source.as_ref().map(|s| &s.system))
    ),
    col!("source_id", "its id there", |e, a, r| opt(e
        .use_case
        .source
        .as_ref()
        .map(|s| &s.id))),
    col!("notes", "notes", |e, a, r| e.use_case.notes.clone()),
];

/// Why an export cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// A column name `ripen export csv` does not know.
    UnknownColumn(String),
    /// Writing the CSV failed.
    Csv(String),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::UnknownColumn(c) => write!(
                f,
                "unknown column `{}`; the columns are: {}",
                crate::text::sanitize(c),
                COLUMNS
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExportError::Csv(e) => write!(f, "cannot write the CSV: {e}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<csv::Error> for ExportError {
    fn from(e: csv::Error) -> Self {
        ExportError::Csv(e.to_string())
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, ExportError> {
    w.into_inner()
        .map_err(|e| ExportError::Csv(e.error().to_string()))
}

/// `ripen export csv`: a header, then one row per use case (in id order)
/// with the `columns` named (every column of [`COLUMNS`] when empty), lines
/// ending in CRLF as RFC 4180 says.
pub fn csv(register: &Register, columns: &[String], cells: Cells) -> Result<Vec<u8>, ExportError> {
    let chosen: Vec<&Column> = if columns.is_empty() {
        COLUMNS.iter().collect()
    } else {
        columns
            .iter()
            .map(|name| {
                COLUMNS
                    .iter()
                    .find(|c| c.name == name.trim())
                    .ok_or_else(|| ExportError::UnknownColumn(name.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let assessments = report::assess_all(register);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(chosen.iter().map(|c| c.name))?;
    for (e, a) in register.use_cases.iter().zip(&assessments) {
        w.write_record(chosen.iter().map(|c| cells.cell((c.value)(e, a, register))))?;
    }
    finish(w)
}

/// The register in the format of the source `mapping` reads: the mapping's
/// header, then one row per use case (in id order), filled by
/// [`import::export_row`]. Lines end in `\n`.
pub fn to_source(
    register: &Register,
    mapping: &Mapping,
    cells: Cells,
) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(import::export_header(mapping))?;
    for e in &register.use_cases {
        w.write_record(
            import::export_row(mapping, &e.use_case)
                .into_iter()
                .map(|v| cells.cell(v)),
        )?;
    }
    finish(w)
}

/// `ripen export omb-2025`: the federal inventory's 36 columns, with the
/// byte-order mark the inventory's own file has.
pub fn omb_2025(register: &Register, cells: Cells) -> Result<Vec<u8>, ExportError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(to_source(register, &Preset::Omb2025.mapping(), cells)?);
    Ok(out)
}
