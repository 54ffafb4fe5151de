//! Importing use cases from a CSV file: a spreadsheet, a GRC tool's
//! export, or the US federal AI use case inventory (preset `omb-2025`).
//!
//! Pure: the CSV's bytes, a [`Mapping`] and the register as loaded in; a
//! [`Plan`] out, which lists the files to write (canonical text, and the
//! bytes each replaces) and a [`Report`] of what happens to every row. The
//! command line writes the files and commits them (one commit for the whole
//! import); nothing here touches the disk.
//!
//! How a row becomes a use case, and how a second import finds it again:
//!
//! - Each row has a key: the `key` columns' values joined with `/` (e.g.
//!   `DOC/DOC-0042`), or when one of them is empty the `key_fallback`
//!   columns' normalized values (`DOC/fisheries image triage`); a key met
//!   again in the same file gets `#2`, `#3`, ... in the order of the rows.
//!   The key is stored as the use case's `source`, so an import first looks
//!   the row up by `source`, never by file name.
//! - A new use case's file name is a slug of the `id` columns, made unique
//!   with `-2`, `-3`, ... against every file in `use-cases/`.
//! - An update changes only what the source holds: the mapped fields, the
//!   block of source columns in the notes, and `source`. The decision
//!   profile, targets, measurements, ROI and the team's own notes are kept.
//!   An empty cell never erases a value, and a stage, risk tier or approach
//!   refined in the register stays as long as the source's value for it is
//!   the same as at the last import.
//! - Rows without a title, or with a value the mapping does not translate,
//!   are skipped and listed with the reason; untranslated values are also
//!   counted, so the mapping can be completed in one pass.

pub mod block;
pub mod mapping;
pub mod slug;
pub mod table;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

pub use mapping::{Field, Mapping, MappingError, Preset};
pub use table::{Row, Table};

use crate::diff;
use crate::model::{Approach, Risk, Source, Stage, Targets, UseCase, UseCaseId, canonical};
use crate::register::{FileKind, Register, Seg, Snapshot, USE_CASES_DIR};
use crate::text::sanitize;

/// One problem that stops an import, with where it is: `file:line` or
/// `file:line:col` for the CSV, `path:line:col` for the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `data.csv:12`, `data.csv:3:7` or `map.ron:5:14`.
    pub location: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl Problem {
    /// A problem at `location`.
    pub fn new(location: String, message: String) -> Problem {
        Problem { location, message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            sanitize(&self.location),
            sanitize(&self.message)
        )
    }
}

/// Why an import cannot be planned. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Every problem found (up to a limit), in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

impl From<Problem> for ImportError {
    fn from(p: Problem) -> Self {
        ImportError { problems: vec![p] }
    }
}

impl From<Vec<Problem>> for ImportError {
    fn from(problems: Vec<Problem>) -> Self {
        ImportError { problems }
    }
}

impl From<MappingError> for ImportError {
    fn from(e: MappingError) -> Self {
        Problem::new(format!("{}:{}:{}", e.path, e.line, e.column), e.message).into()
    }
}

/// What happens to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A new use case.
    Created,
    /// An existing use case changes.
    Updated,
    /// An existing use case already says the same.
    Unchanged,
    /// Nothing is done with the row; see the reason.
    Skipped,
}

impl Action {
    /// `created`, `updated`, `unchanged` or `skipped`.
    pub fn label(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::Skipped => "skipped",
        }
    }
}

/// What happens to one row, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// 1-based data row (the header is row 0).
    pub row: usize,
    /// The line of the file where the row starts.
    pub line: u64,
    /// What happens.
    pub action: Action,
    /// The use case's id (none when skipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The row's key, stored as `source.id` (none when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Why it is skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an update, the fields that change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// A source value the mapping does not translate, and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmapped {
    /// The field: `stage`, `risk` or `approach`.
    pub field: Field,
    /// The column it was read from.
    pub column: String,
    /// The value, as in the file.
    pub value: String,
    /// How many rows hold it.
    pub rows: usize,
}

/// Everything an import does or would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The CSV file, as named on the command line.
    pub file: String,
    /// The mapping's `system`.
    pub system: String,
    /// Data rows read.
    pub rows: usize,
    /// Use cases created.
    pub created: usize,
    /// Use cases updated.
    pub updated: usize,
    /// Rows that match a use case that already says the same.
    pub unchanged: usize,
    /// Rows skipped.
    pub skipped: usize,
    /// One entry per row, in file order.
    pub outcomes: Vec<Outcome>,
    /// Values the mapping does not translate, most frequent first per field.
    pub unmapped: Vec<Unmapped>,
    /// Columns whose values go nowhere (neither mapped nor kept in notes).
    pub dropped_columns: Vec<String>,
    /// Use cases imported from this system before that the file no longer
    /// has (they are left as they are).
    pub absent: Vec<String>,
}

impl Report {
    /// The outcomes with `action`.
    pub fn with(&self, action: Action) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(move |o| o.action == action)
    }

    /// The one-line summary: `3611 rows: 3610 created, 0 updated, 0 unchanged, 1 skipped`.
    pub fn counts(&self) -> String {
        format!(
            "{} row(s): {} created, {} updated, {} unchanged, {} skipped",
            self.rows, self.created, self.updated, self.unchanged, self.skipped
        )
    }

    /// The message of the import's commit: the counts, then each skipped row
    /// (up to 50) with its reason.
    pub fn commit_message(&self) -> String {
        let file = self
            .file
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&self.file)
            .to_owned();
        let mut out = format!(
            "Import {} ({}): {} created, {} updated\n\n{}.\n",
            file,
            self.system,
            self.created,
            self.updated,
            self.counts()
        );
        const MAX: usize = 50;
        if self.skipped > 0 {
            out.push_str("\nSkipped:\n");
            for o in self.with(Action::Skipped).take(MAX) {
                out.push_str(&format!(
                    "- row {} (line {}): {}\n",
                    o.row,
                    o.line,
                    o.reason.as_deref().unwrap_or("")
                ));
            }
            if self.skipped > MAX {
                out.push_str(&format!("- and {} more\n", self.skipped - MAX));
            }
        }
        if !self.absent.is_empty() {
            out.push_str(&format!(
                "\n{} use case(s) from {} are not in this file and were left as they are.\n",
                self.absent.len(),
                self.system
            ));
        }
        out
    }
}

/// One file the import writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The use case's id.
    pub id: UseCaseId,
    /// The path relative to the state directory (`use-cases/<id>.ron`).
    pub rel: String,
    /// The bytes the file holds now (`None` for a new file), to check
    /// that nobody changed it meanwhile.
    pub expected: Option<Vec<u8>>,
    /// The use case written.
    pub use_case: UseCase,
    /// Its canonical text.
    pub bytes: Vec<u8>,
}

/// What an import would do: the files to write and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Files to write, created ones and updated ones, in row order.
    pub writes: Vec<Write>,
    /// What happens to every row.
    pub report: Report,
}

/// The mapping's columns resolved against the CSV header.
struct Columns {
    key: Vec<usize>,
    fallback: Vec<usize>,
    id: Vec<usize>,
    fields: BTreeMap<Field, Vec<usize>>,
    notes: Vec<usize>,
    /// The first column of each field.
    primaries: BTreeSet<usize>,
    /// Every column the mapping names.
    named: BTreeSet<usize>,
}

fn resolve(mapping: &Mapping, csv_name: &str, header: &[String]) -> Result<Columns, ImportError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if let Some(first) = index.insert(name.as_str(), i) {
            problems.push(Problem::new(
                format!("{csv_name}:1"),
                format!(
                    "column \"{}\" appears twice in the header (columns {} and {}); rename one",
                    sanitize(name),
                    first + 1,
                    i + 1
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let shown: Vec<String> = header
        .iter()
        .map(|h| format!("\"{}\"", sanitize(h)))
        .collect();
    for (key, i, col) in mapping.named_columns() {
        if index.contains_key(col) {
            continue;
        }
        let hint = header
            .iter()
            .find(|h| mapping::normalize(h) == mapping::normalize(col))
            .map(|h| format!(" (did you mean \"{}\"?)", sanitize(h)))
            .unwrap_or_default();
        let e = mapping.error_at(
            &[Seg::Field(key), Seg::Index(i)],
            format!(
                "column \"{}\" (in `{key}`) is not in the header of {}{hint}; the header has {}",
                sanitize(col),
                sanitize(csv_name),
                shown.join(", ")
            ),
        );
        problems.push(Problem::new(
            format!("{}:{}:{}", e.path, e.line, e.column),
            e.message,
        ));
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let cols =
        |names: &[String]| -> Vec<usize> { names.iter().map(|n| index[n.as_str()]).collect() };
    let fields: BTreeMap<Field, Vec<usize>> = Field::ALL
        .iter()
        .map(|&f| (f, cols(mapping.columns(f))))
        .collect();
    Ok(Columns {
        key: cols(&mapping.key),
        fallback: cols(mapping.fallback_columns()),
        id: cols(mapping.id_columns()),
        primaries: fields.values().filter_map(|v| v.first().copied()).collect(),
        named: mapping
            .named_columns()
            .iter()
            .map(|(_, _, c)| index[c])
            .collect(),
        fields,
        notes: cols(&mapping.notes),
    })
}

/// Runs of white space (line breaks, tabs) made one space, trimmed.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The first of `cols` whose value in `row` is not blank, with its column.
fn first_filled<'r>(row: &'r Row, cols: &[usize]) -> Option<(usize, &'r str)> {
    cols.iter()
        .map(|&c| (c, row.cells[c].as_str()))
        .find(|(_, v)| !v.trim().is_empty())
}

/// A field's value as a row gives it, before defaults.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Stage(Stage),
    Risk(Risk),
    Approach(Approach),
}

/// The value a row gives `field` (none when every column is blank), or the
/// column and value that the mapping does not translate.
fn read_field<'r>(
    mapping: &Mapping,
    field: Field,
    row: &'r Row,
    cols: &[usize],
) -> Result<Option<Value>, (usize, &'r str)> {
    let Some((c, v)) = first_filled(row, cols) else {
        return Ok(None);
    };
    let value = match field {
        Field::Stage => Value::Stage(*mapping.stages.get(v).ok_or((c, v))?),
        Field::Risk => Value::Risk(*mapping.risks.get(v).ok_or((c, v))?),
        Field::Approach => Value::Approach(mapping.approaches.get(v).ok_or((c, v))?.clone()),
        f if f.single_line() => Value::Text(one_line(v)),
        _ => Value::Text(v.to_owned()),
    };
    Ok(Some(value))
}

/// A field's value in a use case.
fn value_of(u: &UseCase, field: Field) -> Value {
    match field {
        Field::Title => Value::Text(u.title.clone()),
        Field::Summary => Value::Text(u.summary.clone()),
        Field::Owner => Value::Text(u.owner.clone()),
        Field::Team => Value::Text(u.team.clone()),
        Field::Stage => Value::Stage(u.stage),
        Field::Risk => Value::Risk(u.risk),
        Field::Approach => Value::Approach(u.approach.clone()),
    }
}

fn set(u: &mut UseCase, value: Value, field: Field) {
    match (field, value) {
        (Field::Title, Value::Text(t)) => u.title = t,
        (Field::Summary, Value::Text(t)) => u.summary = t,
        (Field::Owner, Value::Text(t)) => u.owner = t,
        (Field::Team, Value::Text(t)) => u.team = t,
        (Field::Stage, Value::Stage(s)) => u.stage = s,
        (Field::Risk, Value::Risk(r)) => u.risk = r,
        (Field::Approach, Value::Approach(a)) => u.approach = a,
        _ => {}
    }
}

fn default_of(mapping: &Mapping, field: Field) -> Value {
    let d = &mapping.defaults;
    match field {
        Field::Title => Value::Text(String::new()),
        Field::Summary => Value::Text(d.summary.clone()),
        Field::Owner => Value::Text(d.owner.clone()),
        Field::Team => Value::Text(d.team.clone()),
        Field::Stage => Value::Stage(d.stage),
        Field::Risk => Value::Risk(d.risk),
        Field::Approach => Value::Approach(d.approach.clone()),
    }
}

/// Whether the field translates its values through a map.
fn is_choice(field: Field) -> bool {
    matches!(field, Field::Stage | Field::Risk | Field::Approach)
}

/// What pass one learns of a row.
struct Scan {
    key: Option<String>,
    /// The fallback key, when the row's key is a `key` key (for finding a
    /// use case imported before the source gave the row an id).
    fallback: Option<String>,
    skip: Option<String>,
}

/// The largest CSV file `ripen import` reads (256 MiB); larger files are
/// refused unread.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Plans an import of `csv` (the file's bytes; `csv_name` is how messages
/// name it) into `register` (loaded from `snapshot`) with `mapping`.
///
/// Refuses, writing nothing, when the CSV cannot be read (encoding, an
/// unclosed quote, a row of the wrong width), when the mapping names a
/// column the file does not have, or when a use-case file of the register
/// does not load (a re-import could not find the use cases it holds).
/// A row whose use case would exceed the loader's limit of one file is
/// refused too, naming the row and its largest cell.
pub fn plan(
    csv_name: &str,
    csv: &[u8],
    mapping: &Mapping,
    register: &Register,
    snapshot: &Snapshot,
) -> Result<Plan, ImportError> {
    let text = table::decode(csv_name, csv)?;
    let table = table::read(csv_name, text)?;
    let cols = resolve(mapping, csv_name, &table.header)?;

    // Every use-case file must load, or its source could not be matched.
    let mut occupied: BTreeSet<String> = BTreeSet::new();
    let mut broken = Vec::new();
    let prefix = format!("{USE_CASES_DIR}/");
    for f in &snapshot.files {
        let Some(name) = f.rel.strip_prefix(&prefix) else {
            continue;
        };
        occupied.insert(name.strip_suffix(".ron").unwrap_or(name).to_owned());
        if FileKind::of(&f.rel) == Some(FileKind::UseCase) {
            let stem = name.trim_end_matches(".ron");
            if register.get(stem).is_none() {
                broken.push(Problem::new(
                    snapshot.display(&f.rel),
                    "this use case does not load (run `ripen validate`); fix it before importing, so that the import can tell whether a row is already in the register".to_owned(),
                ));
            }
        }
    }
    if !broken.is_empty() {
        return Err(broken.into());
    }
    let mut by_source: HashMap<&str, usize> = HashMap::new();
    for (i, e) in register.use_cases.iter().enumerate() {
        let Some(s) = e.use_case.source.as_ref() else {
            continue;
        };
        if s.system != mapping.system {
            continue;
        }
        if let Some(j) = by_source.insert(s.id.as_str(), i) {
            return Err(Problem::new(
                register.display(&e.rel),
                format!(
                    "this use case and {} both have source \"{}\" from {}; a source may stand in one use case only: remove or change one",
                    register.display(&register.use_cases[j].rel),
                    sanitize(&s.id),
                    sanitize(&s.system)
                ),
            )
            .into());
        }
    }

    // Pass one: keys, occurrence numbers, skip reasons, untranslated values.
    let mut unmapped: BTreeMap<(Field, usize, String), usize> = BTreeMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut scans = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let primary = (!cols.key.is_empty()
            && cols.key.iter().all(|&c| !row.cells[c].trim().is_empty()))
        .then(|| {
            cols.key
                .iter()
                .map(|&c| row.cells[c].trim())
                .collect::<Vec<_>>()
                .join("/")
        });
        let fallback = cols
            .fallback
            .iter()
            .any(|&c| !row.cells[c].trim().is_empty())
            .then(|| {
                cols.fallback
                    .iter()
                    .map(|&c| mapping::normalize(&row.cells[c]))
                    .collect::<Vec<_>>()
                    .join("/")
            });
        let (base, fallback) = match primary {
            Some(p) => (Some(p), fallback),
            None => (fallback, None),
        };
        let key = base.map(|b| {
            let n = seen.entry(b.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { b } else { format!("{b}#{n}") }
        });
        let mut reasons = Vec::new();
        if first_filled(row, &cols.fields[&Field::Title]).is_none() {
            let names: Vec<&str> = mapping.title.iter().map(String::as_str).collect();
            reasons.push(format!("no title ({} empty)", names.join(", ")));
        }
        for field in Field::ALL.into_iter().filter(|&f| is_choice(f)) {
            if let Err((c, v)) = read_field(mapping, field, row, &cols.fields[&field]) {
                reasons.push(format!(
                    "{} \"{}\" is not in the mapping's `{}`",
                    table.header[c],
                    v,
                    match field {
                        Field::Stage => "stages",
                        Field::Risk => "risks",
                        _ => "approaches",
                    }
                ));
                *unmapped.entry((field, c, v.to_owned())).or_insert(0) += 1;
            }
        }
        if key.is_none() && reasons.is_empty() {
            reasons.push("no key: the key columns are all empty".to_owned());
        }
        scans.push(Scan {
            key,
            fallback,
            skip: (!reasons.is_empty()).then(|| reasons.join("; ")),
        });
    }

    // Pass two: match rows to use cases by source, then by fallback key.
    let mut claimed: Vec<Option<usize>> = vec![None; table.rows.len()];
    let mut taken_entry = vec![false; register.use_cases.len()];
    for (r, s) in scans.iter().enumerate() {
        if s.skip.is_some() {
            continue;
        }
        if let Some(&e) = s.key.as_deref().and_then(|k| by_source.get(k)) {
            claimed[r] = Some(e);
            taken_entry[e] = true;
        }
    }
    for (r, s) in scans.iter().enumerate() {
        if s.skip.is_some() || claimed[r].is_some() {
            continue;
        }
        if let Some(&e) = s.fallback.as_deref().and_then(|k| by_source.get(k))
            && !taken_entry[e]
        {
            claimed[r] = Some(e);
            taken_entry[e] = true;
        }
    }

    // Pass three: build every use case.
    let kept_ok: Vec<bool> = table.header.iter().map(|h| block::can_hold(h)).collect();
    let mut dropped: BTreeSet<usize> = BTreeSet::new();
    let mut writes = Vec::new();
    let mut outcomes = Vec::with_capacity(table.rows.len());
    let (mut created, mut updated, mut unchanged, mut skipped) = (0, 0, 0, 0);
    let mut too_large = Vec::new();
    for ((row, scan), claim) in table.rows.iter().zip(&scans).zip(&claimed) {
        if let Some(reason) = &scan.skip {
            skipped += 1;
            outcomes.push(Outcome {
                row: row.number,
                line: row.line,
                action: Action::Skipped,
                id: None,
                key: scan.key.clone(),
                reason: Some(reason.clone()),
                changes: Vec::new(),
            });
            continue;
        }
        let key = scan.key.clone().unwrap_or_default();
        let existing = claim.map(|e| &register.use_cases[e]);
        let u = build(
            mapping,
            &cols,
            &table.header,
            row,
            &key,
            existing.map(|e| &e.use_case),
            &kept_ok,
            &mut dropped,
        );
        let (action, id, rel, expected, changes) = match existing {
            Some(e) => {
                if e.use_case == u {
                    unchanged += 1;
                    outcomes.push(Outcome {
                        row: row.number,
                        line: row.line,
                        action: Action::Unchanged,
                        id: Some(e.id.to_string()),
                        key: Some(key),
                        reason: None,
                        changes: Vec::new(),
                    });
                    continue;
                }
                updated += 1;
                let mut changes: Vec<String> = diff::diff_use_cases(&e.use_case, &u)
                    .into_iter()
                    .map(|c| c.field)
                    .collect();
                changes.dedup();
                (
                    Action::Updated,
                    e.id.clone(),
                    e.rel.clone(),
                    Some(e.original.to_vec()),
                    changes,
                )
            }
            None => {
                created += 1;
                let words: Vec<&str> = cols.id.iter().map(|&c| row.cells[c].as_str()).collect();
                let stem = slug::unique(&slug::slug(&words.join(" ")), &occupied);
                occupied.insert(stem.clone());
                let id = UseCaseId::new(&stem)
                    .map_err(|e| Problem::new(format!("{csv_name}:{}", row.line), e.to_string()))?;
                let rel = format!("{USE_CASES_DIR}/{stem}.ron");
                (Action::Created, id, rel, None, Vec::new())
            }
        };
        outcomes.push(Outcome {
            row: row.number,
            line: row.line,
            action,
            id: Some(id.to_string()),
            key: Some(key),
            reason: None,
            changes,
        });
        let bytes = canonical::use_case(&u).into_bytes();
        if bytes.len() as u64 > crate::register::MAX_FILE_BYTES {
            let (widest, width) = table
                .header
                .iter()
                .zip(&row.cells)
                .map(|(h, c)| (h.as_str(), c.len()))
                .max_by_key(|(_, n)| *n)
                .unwrap_or(("", 0));
            too_large.push(Problem::new(
                format!("{csv_name}:{}", row.line),
                format!(
                    "row {}: its use case would be {} bytes, over the {} byte limit of a use-case file; its largest cell is column \"{}\" ({width} bytes): shorten it",
                    row.number,
                    bytes.len(),
                    crate::register::MAX_FILE_BYTES,
                    sanitize(widest)
                ),
            ));
            continue;
        }
        writes.push(Write {
            id,
            rel,
            expected,
            use_case: u,
            bytes,
        });
    }
    if !too_large.is_empty() {
        return Err(too_large.into());
    }

    let absent = register
        .use_cases
        .iter()
        .zip(&taken_entry)
        .filter(|(e, taken)| {
            !**taken
                && e.use_case
                    .source
                    .as_ref()
                    .is_some_and(|s| s.system == mapping.system)
        })
        .map(|(e, _)| e.id.to_string())
        .collect();
    let mut unmapped: Vec<Unmapped> = unmapped
        .into_iter()
        .map(|((field, c, value), rows)| Unmapped {
            field,
            column: table.header[c].clone(),
            value,
            rows,
        })
        .collect();
    unmapped.sort_by(|a, b| {
        (a.field, std::cmp::Reverse(a.rows)).cmp(&(b.field, std::cmp::Reverse(b.rows)))
    });
    let report = Report {
        file: csv_name.to_owned(),
        system: mapping.system.clone(),
        rows: table.rows.len(),
        created,
        updated,
        unchanged,
        skipped,
        outcomes,
        unmapped,
        dropped_columns: dropped
            .into_iter()
            .map(|c| table.header[c].clone())
            .collect(),
        absent,
    };
    Ok(Plan { writes, report })
}

/// The use case a row gives, on top of `existing` when there is one.
#[allow(clippy::too_many_arguments)]
fn build(
    mapping: &Mapping,
    cols: &Columns,
    header: &[String],
    row: &Row,
    key: &str,
    existing: Option<&UseCase>,
    kept_ok: &[bool],
    dropped: &mut BTreeSet<usize>,
) -> UseCase {
    let last_block = existing.and_then(|u| block::split(&u.notes).1);
    let mut u = match existing {
        Some(e) => e.clone(),
        None => UseCase {
            title: String::new(),
            summary: String::new(),
            owner: String::new(),
            team: String::new(),
            stage: mapping.defaults.stage,
            approach: mapping.defaults.approach.clone(),
            risk: mapping.defaults.risk,
            profile: mapping.defaults.profile.clone(),
            targets: Targets::default(),
            measurements: Vec::new(),
            roi: Vec::new(),
            notes: String::new(),
            source: None,
            economics: None,
            baseline_until: None,
        },
    };
    // The columns to keep in the notes, by header index.
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    for field in Field::ALL {
        let fcols = &cols.fields[&field];
        // Mapping errors were caught in pass one: a value here translates.
        let read = read_field(mapping, field, row, fcols).ok().flatten();
        let Some(&primary) = fcols.first() else {
            if existing.is_none() {
                set(&mut u, default_of(mapping, field), field);
            }
            continue;
        };
        let original = row.cells[primary].as_str();
        if is_choice(field) {
            // Kept always: the next import compares it to tell a changed
            // source from a value refined in the register.
            keep.insert(primary);
            let same_as_last = last_block
                .as_ref()
                .and_then(|b| b.get(&header[primary]))
                .is_some_and(|last| last == original);
            match (existing.is_some(), same_as_last, read) {
                (true, true, _) | (true, false, None) => {}
                (_, _, Some(v)) => set(&mut u, v, field),
                (false, _, None) => set(&mut u, default_of(mapping, field), field),
            }
        } else {
            match read {
                Some(v) => set(&mut u, v, field),
                None if existing.is_none() => set(&mut u, default_of(mapping, field), field),
                None => {}
            }
            // Kept when the field does not hold the column's value exactly.
            if value_of(&u, field) != Value::Text(original.to_owned()) {
                keep.insert(primary);
            }
        }
    }
    let mut kept: Vec<(String, String)> = Vec::new();
    let mut listed: BTreeSet<usize> = BTreeSet::new();
    for &c in &cols.notes {
        listed.insert(c);
        if !row.cells[c].is_empty() && kept_ok[c] {
            kept.push((header[c].clone(), row.cells[c].clone()));
        } else if !kept_ok[c] && !row.cells[c].is_empty() {
            dropped.insert(c);
        }
    }
    for (c, value) in row.cells.iter().enumerate() {
        if listed.contains(&c) {
            continue;
        }
        let wanted = if cols.primaries.contains(&c) {
            keep.contains(&c)
        } else {
            mapping.keep_other_columns && !value.is_empty()
        };
        if wanted && kept_ok[c] {
            kept.push((header[c].clone(), value.clone()));
        } else if wanted || (!cols.named.contains(&c) && !value.is_empty()) {
            dropped.insert(c);
        }
    }
    let own = match existing {
        Some(e) => block::split(&e.notes).0.to_owned(),
        None => mapping.defaults.notes.clone(),
    };
    u.notes = block::render(&own, &mapping.system, &kept);
    u.source = Some(Source {
        system: mapping.system.clone(),
        id: key.to_owned(),
    });
    u
}

/// The nearest value to `at` in `order` for which `has` holds: `at`
/// itself, else the closest one before it, else the closest one after.
fn nearest<T: Copy + PartialEq>(order: &[T], at: T, has: impl Fn(T) -> bool) -> Option<T> {
    let i = order.iter().position(|&x| x == at)?;
    order[..=i]
        .iter()
        .rev()
        .chain(order[i + 1..].iter())
        .copied()
        .find(|&x| has(x))
}

/// The source value that a mapping writes for a field's value when the
/// notes do not hold the original: the first source value that becomes
/// exactly this value, else (for a value no source value becomes) the
/// nearest: an earlier stage, a lower risk tier, an approach of the same
/// kind (a fine-tuned or hybrid one as a prompting one); empty when the
/// mapping has none.
fn reverse(mapping: &Mapping, field: Field, u: &UseCase) -> String {
    let found = match field {
        Field::Title => Some(u.title.as_str()),
        Field::Summary => Some(u.summary.as_str()),
        Field::Owner => Some(u.owner.as_str()),
        Field::Team => Some(u.team.as_str()),
        Field::Stage => nearest(&Stage::ALL, u.stage, |s| {
            mapping.stages.key_of(&s).is_some()
        })
        .and_then(|s| mapping.stages.key_of(&s)),
        Field::Risk => nearest(&Risk::ALL, u.risk, |r| mapping.risks.key_of(&r).is_some())
            .and_then(|r| mapping.risks.key_of(&r)),
        Field::Approach => {
            let a = &u.approach;
            let entries = &mapping.approaches.0;
            mapping
                .approaches
                .key_of(a)
                .or_else(|| match a {
                    Approach::Other { description } => entries
                        .iter()
                        .find(|(k, _)| mapping::normalize(k) == mapping::normalize(description))
                        .map(|(k, _)| k.as_str()),
                    _ => None,
                })
                .or_else(|| {
                    entries
                        .iter()
                        .find(|(_, t)| t.kind() == a.kind())
                        .map(|(k, _)| k.as_str())
                })
                .or_else(|| match a {
                    Approach::FineTuned { .. } | Approach::Hybrid { .. } => entries
                        .iter()
                        .find(|(_, t)| matches!(t, Approach::Prompting { .. }))
                        .map(|(k, _)| k.as_str()),
                    _ => None,
                })
        }
    };
    found.unwrap_or("").to_owned()
}

/// What importing `original` (with the other columns as the block holds
/// them) would have set the field to; `None` for a value the mapping does
/// not translate.
fn forward(mapping: &Mapping, field: Field, original: &str, kept: &block::Block) -> Option<Value> {
    let others = mapping.columns(field).iter().skip(1);
    let filled = std::iter::once(original)
        .chain(others.map(|c| kept.get(c).unwrap_or("")))
        .find(|v| !v.trim().is_empty());
    let Some(v) = filled else {
        return Some(default_of(mapping, field));
    };
    Some(match field {
        Field::Stage => Value::Stage(*mapping.stages.get(v)?),
        Field::Risk => Value::Risk(*mapping.risks.get(v)?),
        Field::Approach => Value::Approach(mapping.approaches.get(v)?.clone()),
        f if f.single_line() => Value::Text(one_line(v)),
        _ => Value::Text(v.to_owned()),
    })
}

/// The columns of the source's format that `export_row` fills: the
/// mapping's `header`, else every column it names, in the order named.
pub fn export_header(mapping: &Mapping) -> Vec<String> {
    if !mapping.header.is_empty() {
        return mapping.header.clone();
    }
    let mut out: Vec<String> = Vec::new();
    for (_, _, c) in mapping.named_columns() {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_owned());
        }
    }
    out
}

/// A use case as a row of the source's format, one value per column of
/// [`export_header`]: the inverse of an import.
///
/// A field's column gets the original value kept in the notes when the
/// field still holds what importing that value gave (so an import then an
/// export gives every column back unchanged), else the source value the
/// field's value maps back to (see the mapping's value maps). Every other
/// column gets its value from the notes' block of source columns, or is
/// empty. A use case from another system (or none) fills only the fields.
pub fn export_row(mapping: &Mapping, u: &UseCase) -> Vec<String> {
    let kept = block::split(&u.notes)
        .1
        .filter(|b| b.system == mapping.system)
        .unwrap_or_default();
    let fields: Vec<(Field, &String)> = Field::ALL
        .iter()
        .filter_map(|&f| mapping.columns(f).first().map(|c| (f, c)))
        .collect();
    export_header(mapping)
        .iter()
        .map(|column| match fields.iter().find(|(_, c)| *c == column) {
            Some(&(field, _)) => match kept.get(column) {
                Some(original)
                    if forward(mapping, field, original, &kept) == Some(value_of(u, field)) =>
                {
                    original.to_owned()
                }
                _ => reverse(mapping, field, u),
            },
            None => kept.get(column).unwrap_or("").to_owned(),
        })
        .collect()
}
