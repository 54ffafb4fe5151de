//! The semantic diff: what changed between two versions of the register.
//!
//! Pure: two [`Register`] values in (any two revisions, or a revision and
//! the working tree, loaded by the caller), a [`RegisterDiff`] out. It says,
//! per use case, whether it was added, removed, renamed (the same content
//! under a new id) or changed, lists each changed field as a dotted path with
//! its old and new value, and gives the readiness verdict before and after
//! (each register assessed with its own policy and as-of date). The settings
//! (`register.ron`) and the policy (`policy.ron`) are compared field by field
//! too. History, proposals and reports are built from this module; it knows
//! nothing of git.
//!
//! # Field paths and values
//!
//! Scalars are named by their path: `title`, `stage`, `risk`,
//! `profile.curated_examples`, `targets.accuracy`, `approach.model`, and so
//! on. When the approach changes variant, the change is `approach` (the
//! variant names, e.g. `Prompting` to `FineTuned`) followed by one change per
//! inner field of either variant (`approach.technique` from `FewShot` to
//! none, `approach.method` from none to `Lora`, ...), so that every value is
//! a plain scalar.
//!
//! In JSON, `from` and `to` are strings for names and text, numbers, booleans,
//! or `null` for an absent value (a target set to `None`, a field of the
//! other approach variant).
//!
//! # List entries
//!
//! Measurements and ROI entries are identified by their date and compared
//! whole: an entry present on one side only is a change of field
//! `measurements` (or `roi`) with `from: null` when it was added or
//! `to: null` when it was removed, the entry itself being the other value,
//! as a JSON object with the file's fields (`{"date": "2026-03-31",
//! "accuracy": 0.8, ...}`); in text it is shown as its canonical one-line
//! form. An entry edited in place shows as the old one removed and the new
//! one added. Entries are listed by date, removals before additions. A mere
//! reordering of a list is not a change. Policy `gates` are treated the same
//! way (each gate added or removed, order ignored).
//!
//! Settings or a policy missing (or broken) on one side compare as if every
//! field were absent there.

use std::fmt;

use serde::Serialize;

use crate::model::{Approach, Date, Measurement, Policy, RoiEntry, Settings, UseCase, canonical};
use crate::readiness::Verdict;
use crate::register::Register;
use crate::report;
use crate::text::sanitize;

/// An old or new value of a field.
///
/// Serializes untagged: `null`, a boolean, a number, a string, or (for list
/// entries) an object with the entry's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Absent: a `None`, a field of another approach variant, or the missing
    /// side of an added or removed list entry.
    None,
    /// A yes/no field.
    Bool(bool),
    /// A whole number.
    Int(u64),
    /// A real number.
    Real(f64),
    /// An enum variant's name, e.g. `FineTune`.
    Name(String),
    /// Free text, e.g. a title.
    Text(String),
    /// A date.
    Date(Date),
    /// A measurement, added or removed.
    Measurement(Measurement),
    /// An ROI entry, added or removed.
    Roi(RoiEntry),
}

impl FieldValue {
    fn name(v: impl fmt::Debug) -> FieldValue {
        FieldValue::Name(format!("{v:?}"))
    }

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.to_owned())
    }

    fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> FieldValue) -> FieldValue {
        v.map_or(FieldValue::None, f)
    }

    /// Whether this is [`FieldValue::None`].
    pub fn is_none(&self) -> bool {
        matches!(self, FieldValue::None)
    }
}

/// Shown for people, always sanitized: names and numbers bare, text in
/// double quotes, list entries in their canonical one-line form, absent
/// values as `none`.
impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::None => f.write_str("none"),
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Int(n) => write!(f, "{n}"),
            FieldValue::Real(x) => write!(f, "{x:?}"),
            FieldValue::Name(n) => f.write_str(&sanitize(n)),
            FieldValue::Text(t) => write!(f, "\"{}\"", sanitize(t)),
            FieldValue::Date(d) => write!(f, "{d}"),
            FieldValue::Measurement(m) => f.write_str(&sanitize(&canonical::measurement(m))),
            FieldValue::Roi(r) => f.write_str(&sanitize(&canonical::roi_entry(r))),
        }
    }
}

/// The field of the one change a history lists for a shallow clone's
/// boundary commit: the file is there, but the commits before it (and so
/// who created it) are not in the clone.
pub const SHALLOW_BOUNDARY: &str = "shallow_boundary";

/// One changed field: its dotted path, old value and new value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted path, e.g. `profile.curated_examples`, or a list's name
    /// (`measurements`, `roi`, `gates`) for an added or removed entry.
    pub field: String,
    /// The old value ([`FieldValue::None`] for an added list entry).
    pub from: FieldValue,
    /// The new value ([`FieldValue::None`] for a removed list entry).
    pub to: FieldValue,
}

impl FieldChange {
    /// A change of `field` from `from` to `to`.
    pub fn new(field: impl Into<String>, from: FieldValue, to: FieldValue) -> FieldChange {
        FieldChange {
            field: field.into(),
            from,
            to,
        }
    }

    /// Whether `field` names a list whose entries are added or removed
    /// whole (`measurements`, `roi`, `gates`).
    pub fn is_list(&self) -> bool {
        matches!(self.field.as_str(), "measurements" | "roi" | "gates")
    }

    /// Whether this is a list entry added (`from` absent).
    pub fn is_added_entry(&self) -> bool {
        self.is_list() && self.from.is_none()
    }

    /// Whether this is a list entry removed (`to` absent).
    pub fn is_removed_entry(&self) -> bool {
        self.is_list() && self.to.is_none()
    }

    /// The change in one line, as people read it: `stage: Collect ->
    /// FineTune`, `+ measurements (...)`, `created as x`. Untrusted text is
    /// left as it is: sanitize before showing it on a terminal. Every front
    /// end words a change this way (the command line, the screens, the
    /// messages of merge commits).
    pub fn describe(&self) -> String {
        match self.labelled() {
            (Some(field), rest) => format!("{field}: {rest}"),
            (None, rest) => rest,
        }
    }

    /// [`describe`](Self::describe) in two parts, so that a screen can set
    /// the field's name apart: the field, when the line starts with it
    /// (`stage` and `Collect -> FineTune`), and the rest (the whole line
    /// for an entry added or removed, or an id created, renamed or deleted).
    pub fn labelled(&self) -> (Option<&str>, String) {
        let (field, from, to) = (&self.field, &self.from, &self.to);
        if field == SHALLOW_BOUNDARY {
            return (
                None,
                format!("shallow clone: earlier history of {to} is not here (not its creation)"),
            );
        }
        if field == "id" {
            return (
                None,
                match (from, to) {
                    (FieldValue::None, to) => format!("created as {to}"),
                    (from, FieldValue::None) => format!("deleted (was {from})"),
                    (from, to) => format!("renamed from {from} to {to}"),
                },
            );
        }
        if self.is_added_entry() {
            (None, format!("+ {field} {to}"))
        } else if self.is_removed_entry() {
            (None, format!("- {field} {from}"))
        } else {
            (Some(field), format!("{from} -> {to}"))
        }
    }
}

/// What happened to a use case between the two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
    /// The same content under a new id.
    Renamed,
    /// Some fields changed.
    Changed,
    /// The content is identical, but the verdict changed (through the
    /// policy or the as-of date).
    Unchanged,
}

impl Status {
    /// `added`, `removed`, `renamed`, `changed` or `unchanged`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Renamed => "renamed",
            Status::Changed => "changed",
            Status::Unchanged => "unchanged",
        }
    }
}

/// A readiness verdict before and after; `None` where the use case does not
/// exist on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// The verdict in the older version.
    pub before: Option<Verdict>,
    /// The verdict in the newer version.
    pub after: Option<Verdict>,
}

impl VerdictChange {
    /// Whether the verdict differs.
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// The difference for one use case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UseCaseDiff {
    /// The id: the new id for a rename, the old one for a removal.
    pub id: String,
    /// What happened.
    pub status: Status,
    /// The old id, for a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// Field by field (empty when added, removed, renamed or unchanged).
    pub changes: Vec<FieldChange>,
    /// The readiness verdict before and after.
    pub verdict: VerdictChange,
}

/// Two dates, before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AsOf {
    /// The older register's as-of date.
    pub before: Date,
    /// The newer register's as-of date.
    pub after: Date,
}

/// Everything that differs between two versions of a register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterDiff {
    /// The date each register was evaluated at.
    pub as_of: AsOf,
    /// Changes to `register.ron`.
    pub settings: Vec<FieldChange>,
    /// Changes to `policy.ron`.
    pub policy: Vec<FieldChange>,
    /// Every use case that was added, removed, renamed or changed, or whose
    /// verdict changed; sorted by id.
    pub use_cases: Vec<UseCaseDiff>,
}

impl RegisterDiff {
    /// Whether nothing differs (as-of dates aside).
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty() && self.policy.is_empty() && self.use_cases.is_empty()
    }

    /// How many use cases have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.use_cases.iter().filter(|u| u.status == status).count()
    }

    /// How many use cases' verdicts changed.
    pub fn verdicts_changed(&self) -> usize {
        self.use_cases
            .iter()
            .filter(|u| u.verdict.changed())
            .count()
    }
}

/// The first error of the file `rel` in `reg`, when the file is there but
/// did not load.
fn unloadable(reg: &Register, rel: &str) -> Option<String> {
    let file = reg.display(rel);
    reg.diagnostics
        .iter()
        .find(|d| d.severity == crate::register::Severity::Error && d.file == file)
        .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
}

/// Compares two versions of a register. Verdicts come from
/// [`report::assess_all`] on each register, so each is judged with its own
/// policy at its own as-of date (chosen by the caller when loading).
pub fn diff(before: &Register, after: &Register) -> RegisterDiff {
    let verdicts_before: Vec<Verdict> = report::assess_all(before)
        .iter()
        .map(|a| a.verdict)
        .collect();
    let verdicts_after: Vec<Verdict> = report::assess_all(after)
        .iter()
        .map(|a| a.verdict)
        .collect();

    let mut out = Vec::new();
    let mut removed = Vec::new(); // indices into before.use_cases
    let mut added = Vec::new(); // indices into after.use_cases
    // Both lists are sorted by id: merge them.
    let (mut i, mut j) = (0, 0);
    while i < before.use_cases.len() || j < after.use_cases.len() {
        let a = before.use_cases.get(i);
        let b = after.use_cases.get(j);
        match (a, b) {
            (Some(a), Some(b)) if a.id == b.id => {
                let changes = diff_use_cases(&a.use_case, &b.use_case);
                let verdict = VerdictChange {
                    before: Some(verdicts_before[i]),
                    after: Some(verdicts_after[j]),
                };
                if !changes.is_empty() || verdict.changed() {
                    out.push(UseCaseDiff {
                        id: b.id.to_string(),
                        status: if changes.is_empty() {
                            Status::Unchanged
                        } else {
                            Status::Changed
                        },
                        renamed_from: None,
                        changes,
                        verdict,
                    });
                }
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a.id < b.id => {
                removed.push(i);
                i += 1;
            }
            (Some(_), None) => {
                removed.push(i);
                i += 1;
            }
            _ => {
                added.push(j);
                j += 1;
            }
        }
    }

    // A removed id and an added id with identical content are a rename.
    let mut renamed_to: Vec<Option<usize>> = vec![None; removed.len()];
    let mut taken = vec![false; added.len()];
    for (r, &ri) in removed.iter().enumerate() {
        let old = &before.use_cases[ri].use_case;
        if let Some(k) =
            (0..added.len()).find(|&k| !taken[k] && after.use_cases[added[k]].use_case == *old)
        {
            taken[k] = true;
            renamed_to[r] = Some(k);
        }
    }
    for (r, &ri) in removed.iter().enumerate() {
        let old = &before.use_cases[ri];
        match renamed_to[r] {
            Some(k) => {
                let aj = added[k];
                out.push(UseCaseDiff {
                    id: after.use_cases[aj].id.to_string(),
                    status: Status::Renamed,
                    renamed_from: Some(old.id.to_string()),
                    changes: Vec::new(),
                    verdict: VerdictChange {
                        before: Some(verdicts_before[ri]),
                        after: Some(verdicts_after[aj]),
                    },
                });
            }
            None => {
                // Still there but broken: a changed file that does not load,
                // not a removal (its diagnostics say what is wrong).
                let broken = unloadable(after, old.rel.as_str());
                out.push(UseCaseDiff {
                    id: old.id.to_string(),
                    status: if broken.is_some() {
                        Status::Changed
                    } else {
                        Status::Removed
                    },
                    renamed_from: None,
                    changes: broken
                        .map(|msg| {
                            vec![FieldChange::new(
                                "parse_error",
                                FieldValue::None,
                                FieldValue::Text(msg),
                            )]
                        })
                        .unwrap_or_default(),
                    verdict: VerdictChange {
                        before: Some(verdicts_before[ri]),
                        after: None,
                    },
                });
            }
        }
    }
    for (k, &aj) in added.iter().enumerate() {
        if taken[k] {
            continue;
        }
        out.push(UseCaseDiff {
            id: after.use_cases[aj].id.to_string(),
            status: Status::Added,
            renamed_from: None,
            changes: Vec::new(),
            verdict: VerdictChange {
                before: None,
                after: Some(verdicts_after[aj]),
            },
        });
    }
    out.sort_by(|a, b| (&a.id, a.status).cmp(&(&b.id, b.status)));

    RegisterDiff {
        as_of: AsOf {
            before: before.as_of,
            after: after.as_of,
        },
        settings: diff_settings(before.settings.as_ref(), after.settings.as_ref()),
        policy: diff_policies(before.policy.as_ref(), after.policy.as_ref()),
        use_cases: out,
    }
}

fn scalar(out: &mut Vec<FieldChange>, field: &str, from: FieldValue, to: FieldValue) {
    if from != to {
        out.push(FieldChange::new(field, from, to));
    }
}

/// The inner fields of an approach, by path, as values.
fn approach_fields(a: &Approach) -> Vec<(&'static str, FieldValue)> {
    match a {
        Approach::Prompting { technique, model } => vec![
            ("approach.technique", FieldValue::name(technique)),
            ("approach.model", FieldValue::text(model)),
        ],
        Approach::FineTuned {
            method,
            base_model,
            dataset,
        } => vec![
            ("approach.method", FieldValue::name(method)),
            ("approach.base_model", FieldValue::text(base_model)),
            ("approach.dataset", FieldValue::text(dataset)),
        ],
        Approach::Hybrid {
            prompting,
            fine_tuned,
        } => vec![
            ("approach.prompting", FieldValue::text(prompting)),
            ("approach.fine_tuned", FieldValue::text(fine_tuned)),
        ],
        Approach::Other { description } => {
            vec![("approach.description", FieldValue::text(description))]
        }
    }
}

fn diff_approach(out: &mut Vec<FieldChange>, a: &Approach, b: &Approach) {
    if a == b {
        return;
    }
    if a.kind() != b.kind() {
        out.push(FieldChange::new(
            "approach",
            FieldValue::Name(a.kind().to_owned()),
            FieldValue::Name(b.kind().to_owned()),
        ));
        for (field, v) in approach_fields(a) {
            out.push(FieldChange::new(field, v, FieldValue::None));
        }
        for (field, v) in approach_fields(b) {
            out.push(FieldChange::new(field, FieldValue::None, v));
        }
        return;
    }
    for ((field, va), (_, vb)) in approach_fields(a).into_iter().zip(approach_fields(b)) {
        scalar(out, field, va, vb);
    }
}

/// Entries of `a` not matched by an equal entry of `b` (removed), and those
/// of `b` not matched in `a` (added), as a multiset difference.
fn unmatched<'x, T: PartialEq>(a: &'x [T], b: &'x [T]) -> (Vec<&'x T>, Vec<&'x T>) {
    let mut used = vec![false; b.len()];
    let mut removed = Vec::new();
    for x in a {
        match (0..b.len()).find(|&k| !used[k] && b[k] == *x) {
            Some(k) => used[k] = true,
            None => removed.push(x),
        }
    }
    let added = b
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(y, _)| y)
        .collect();
    (removed, added)
}

/// Adds one change per entry added or removed, by date, removals first.
fn diff_list<T: PartialEq>(
    out: &mut Vec<FieldChange>,
    field: &str,
    a: &[T],
    b: &[T],
    date: impl Fn(&T) -> Date,
    value: impl Fn(&T) -> FieldValue,
) {
    let (removed, added) = unmatched(a, b);
    let mut entries: Vec<(Date, u8, FieldChange)> = removed
        .into_iter()
        .map(|x| {
            (
                date(x),
                0,
                FieldChange::new(field, value(x), FieldValue::None),
            )
        })
        .chain(added.into_iter().map(|y| {
            (
                date(y),
                1,
                FieldChange::new(field, FieldValue::None, value(y)),
            )
        }))
        .collect();
    // Stable: entries of one date and kind keep their order in the file.
    entries.sort_by_key(|(d, k, _)| (*d, *k));
    out.extend(entries.into_iter().map(|(_, _, c)| c));
}

/// Every field that differs between two versions of a use case, in the
/// order of the file.
pub fn diff_use_cases(a: &UseCase, b: &UseCase) -> Vec<FieldChange> {
    use FieldValue as V;
    let mut out = Vec::new();
    let o = &mut out;
    scalar(o, "title", V::text(&a.title), V::text(&b.title));
    scalar(o, "summary", V::text(&a.summary), V::text(&b.summary));
    scalar(o, "owner", V::text(&a.owner), V::text(&b.owner));
    scalar(o, "team", V::text(&a.team), V::text(&b.team));
    scalar(o, "stage", V::name(a.stage), V::name(b.stage));
    diff_approach(o, &a.approach, &b.approach);
    scalar(o, "risk", V::name(a.risk), V::name(b.risk));

    let (p, q) = (&a.profile, &b.profile);
    scalar(
        o,
        "profile.specificity",
        V::name(p.specificity),
        V::name(q.specificity),
    );
    scalar(
        o,
        "profile.daily_volume",
        V::Int(p.daily_volume),
        V::Int(q.daily_volume),
    );
    scalar(
        o,
        "profile.curated_examples",
        V::Int(p.curated_examples),
        V::Int(q.curated_examples),
    );
    scalar(
        o,
        "profile.ml_expertise",
        V::Bool(p.ml_expertise),
        V::Bool(q.ml_expertise),
    );
    scalar(
        o,
        "profile.budget_usd",
        V::Int(p.budget_usd),
        V::Int(q.budget_usd),
    );
    scalar(
        o,
        "profile.can_wait_weeks",
        V::Bool(p.can_wait_weeks),
        V::Bool(q.can_wait_weeks),
    );
    scalar(
        o,
        "profile.needs_consistency",
        V::Bool(p.needs_consistency),
        V::Bool(q.needs_consistency),
    );

    let (s, t) = (&a.targets, &b.targets);
    scalar(
        o,
        "targets.accuracy",
        V::opt(s.accuracy, V::Real),
        V::opt(t.accuracy, V::Real),
    );
    scalar(
        o,
        "targets.p95_latency_ms",
        V::opt(s.p95_latency_ms, |v| V::Int(v.into())),
        V::opt(t.p95_latency_ms, |v| V::Int(v.into())),
    );
    scalar(
        o,
        "targets.cost_per_1k_usd",
        V::opt(s.cost_per_1k_usd, V::Real),
        V::opt(t.cost_per_1k_usd, V::Real),
    );

    diff_list(
        o,
        "measurements",
        &a.measurements,
        &b.measurements,
        |m| m.date,
        |m| V::Measurement(m.clone()),
    );
    diff_list(o, "roi", &a.roi, &b.roi, |r| r.date, |r| V::Roi(r.clone()));
    scalar(o, "notes", V::text(&a.notes), V::text(&b.notes));
    let source = |u: &UseCase| V::opt(u.source.as_ref(), |s| V::Name(canonical::source(s)));
    scalar(o, "source", source(a), source(b));
    let economics = |u: &UseCase| {
        V::opt(u.economics.as_ref(), |e| {
            V::Name(crate::economics::canonical_overrides(e))
        })
    };
    scalar(o, "economics", economics(a), economics(b));
    scalar(
        o,
        "baseline_until",
        V::opt(a.baseline_until, V::Date),
        V::opt(b.baseline_until, V::Date),
    );
    out
}

fn settings_fields(s: Option<&Settings>) -> Vec<(&'static str, FieldValue)> {
    use FieldValue as V;
    let get = |f: fn(&Settings) -> FieldValue| s.map_or(V::None, f);
    vec![
        ("name", get(|s| V::text(&s.name))),
        ("schema", get(|s| V::Int(s.schema.into()))),
        (
            "fiscal_year_start_month",
            get(|s| V::Int(s.fiscal_year_start_month.into())),
        ),
        ("currency", get(|s| V::text(&s.currency))),
        ("as_of", get(|s| V::opt(s.as_of, V::Date))),
    ]
}

/// Every field of `register.ron` that differs; a missing side counts as
/// every field absent.
pub fn diff_settings(a: Option<&Settings>, b: Option<&Settings>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for ((field, va), (_, vb)) in settings_fields(a).into_iter().zip(settings_fields(b)) {
        scalar(&mut out, field, va, vb);
    }
    out
}

fn policy_fields(p: Option<&Policy>) -> Vec<(&'static str, FieldValue)> {
    use FieldValue as V;
    let get = |f: fn(&Policy) -> FieldValue| p.map_or(V::None, f);
    vec![
        (
            "min_curated_examples",
            get(|p| V::Int(p.min_curated_examples)),
        ),
        ("min_daily_volume", get(|p| V::Int(p.min_daily_volume))),
        ("min_annual_roi_usd", get(|p| V::Int(p.min_annual_roi_usd))),
        ("plateau_window", get(|p| V::Int(p.plateau_window.into()))),
        ("plateau_max_gain", get(|p| V::Real(p.plateau_max_gain))),
        ("min_budget_usd", get(|p| V::Int(p.min_budget_usd))),
        (
            "stale_after_days",
            get(|p| V::Int(p.stale_after_days.into())),
        ),
        ("regression_drop", get(|p| V::Real(p.regression_drop))),
        (
            "economics",
            get(|p| {
                V::opt(p.economics.as_ref(), |e| {
                    V::Name(
                        crate::economics::canonical(e)
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
            }),
        ),
    ]
}

/// Every field of `policy.ron` that differs, then each gate added or
/// removed (field `gates`); a missing side counts as every field absent.
pub fn diff_policies(a: Option<&Policy>, b: Option<&Policy>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for ((field, va), (_, vb)) in policy_fields(a).into_iter().zip(policy_fields(b)) {
        scalar(&mut out, field, va, vb);
    }
    let gates = |p: Option<&Policy>| {
        let mut g = p.map(|p| p.gates.clone()).unwrap_or_default();
        g.sort();
        g.dedup();
        g
    };
    let (ga, gb) = (gates(a), gates(b));
    for g in ga.iter().filter(|g| !gb.contains(g)) {
        out.push(FieldChange::new(
            "gates",
            FieldValue::name(g),
            FieldValue::None,
        ));
    }
    for g in gb.iter().filter(|g| !ga.contains(g)) {
        out.push(FieldChange::new(
            "gates",
            FieldValue::None,
            FieldValue::name(g),
        ));
    }
    out
}

#[cfg(test)]
mod describe_tests {
    use super::{FieldChange, FieldValue as V};

    #[test]
    fn a_change_reads_as_one_line() {
        let stage = FieldChange::new(
            "stage",
            V::Name("Collect".into()),
            V::Name("FineTune".into()),
        );
        assert_eq!(stage.describe(), "stage: Collect -> FineTune");
        let created = FieldChange::new("id", V::None, V::Name("x".into()));
        assert_eq!(created.describe(), "created as x");
        let renamed = FieldChange::new("id", V::Name("a".into()), V::Name("b".into()));
        assert_eq!(renamed.describe(), "renamed from a to b");
    }
}
