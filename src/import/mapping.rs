//! The mapping: which column fills which field, how source values become
//! our stages, risk tiers and approaches, how ids are made, and the defaults
//! for what the source lacks. Written in RON (see `docs/import.md`); the
//! `omb-2025` preset is such a file, built in.
//!
//! Pure: text in, a [`Mapping`] or a `path:line:col` error out.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::{Approach, Profile, Risk, Specificity, Stage};
use crate::register::{Seg, locate};
use crate::text::sanitize;

/// Source values and what each becomes, in the order the file lists them.
///
/// Written as a RON map, `{"Pilot": Collect, "Deployed": Evaluate}`; a value
/// listed twice is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMap<T>(pub Vec<(String, T)>);

impl<T> Default for ValueMap<T> {
    fn default() -> Self {
        ValueMap(Vec::new())
    }
}

impl<T: PartialEq> ValueMap<T> {
    /// What `value` becomes: an exact match first, else a match that
    /// ignores case and surrounding or repeated white space.
    pub fn get(&self, value: &str) -> Option<&T> {
        if let Some((_, t)) = self.0.iter().find(|(k, _)| k == value) {
            return Some(t);
        }
        let want = normalize(value);
        self.0
            .iter()
            .find(|(k, _)| normalize(k) == want)
            .map(|(_, t)| t)
    }

    /// The first source value (in file order) that becomes `target`.
    pub fn key_of(&self, target: &T) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, t)| t == target)
            .map(|(k, _)| k.as_str())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ValueMap<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = ValueMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of source values, e.g. {\"Pilot\": Collect}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!(
                            "source value \"{}\" is listed twice; keep one",
                            sanitize(&key)
                        )));
                    }
                    let value = map.next_value::<T>()?;
                    out.push((key, value));
                }
                Ok(ValueMap(out))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// Lowercase, with white space trimmed and runs of it made one space: how
/// source values are compared when they do not match exactly, and how
/// fallback keys are written.
pub fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn default_owner() -> String {
    "(no owner recorded)".to_owned()
}

fn default_team() -> String {
    "Unassigned".to_owned()
}

fn default_stage() -> Stage {
    Stage::Identify
}

fn default_risk() -> Risk {
    Risk::Limited
}

fn default_approach() -> Approach {
    Approach::Other {
        description: "not recorded".to_owned(),
    }
}

/// The decision profile of a use case nobody has assessed yet: a general
/// task with no volume, no examples, no budget and no expertise known.
pub fn unassessed_profile() -> Profile {
    Profile {
        specificity: Specificity::General,
        daily_volume: 0,
        curated_examples: 0,
        ml_expertise: false,
        budget_usd: 0,
        can_wait_weeks: false,
        needs_consistency: false,
    }
}

/// The note that an imported use case starts with.
pub const NOT_ASSESSED_NOTE: &str = "Decision profile not yet assessed: it was imported with placeholder values (General, no volume, no examples, no budget, no expertise), so the readiness verdict means nothing until someone fills it in.";

fn default_notes() -> String {
    NOT_ASSESSED_NOTE.to_owned()
}

fn yes() -> bool {
    true
}

/// Values for the fields that a row does not fill. Every field is optional.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// When the summary columns are empty (default: empty text).
    #[serde(default)]
    pub summary: String,
    /// When the owner columns are empty (default: `(no owner recorded)`).
    #[serde(default = "default_owner")]
    pub owner: String,
    /// When the team columns are empty (default: `Unassigned`).
    #[serde(default = "default_team")]
    pub team: String,
    /// When the stage columns are empty (default: `Identify`).
    #[serde(default = "default_stage")]
    pub stage: Stage,
    /// When the risk columns are empty (default: `Limited`).
    #[serde(default = "default_risk")]
    pub risk: Risk,
    /// When the approach columns are empty (default:
    /// `Other(description: "not recorded")`).
    #[serde(default = "default_approach")]
    pub approach: Approach,
    /// The decision profile of every new use case (default: not assessed,
    /// see [`unassessed_profile`]).
    #[serde(default = "unassessed_profile")]
    pub profile: Profile,
    /// The notes every new use case starts with (default:
    /// [`NOT_ASSESSED_NOTE`]).
    #[serde(default = "default_notes")]
    pub notes: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            summary: String::new(),
            owner: default_owner(),
            team: default_team(),
            stage: default_stage(),
            risk: default_risk(),
            approach: default_approach(),
            profile: unassessed_profile(),
            notes: default_notes(),
        }
    }
}

/// A mapping file's content. See `docs/import.md` for each field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename = "Mapping", deny_unknown_fields)]
pub struct Mapping {
    /// The source system, written to each use case's `source.system`.
    pub system: String,
    /// The source's columns in order, for exporting back to its format.
    #[serde(default)]
    pub header: Vec<String>,
    /// Columns whose values, joined with `/`, identify a row across
    /// imports (when all are filled).
    #[serde(default)]
    pub key: Vec<String>,
    /// Columns whose normalized values identify a row when a `key` column
    /// is empty (default: the title columns).
    #[serde(default)]
    pub key_fallback: Vec<String>,
    /// Columns whose values make the file name of a new use case (default:
    /// the title columns).
    #[serde(default)]
    pub id: Vec<String>,
    /// The title: the first of these columns that is filled. Required.
    pub title: Vec<String>,
    /// The summary columns.
    #[serde(default)]
    pub summary: Vec<String>,
    /// The owner columns.
    #[serde(default)]
    pub owner: Vec<String>,
    /// The team columns.
    #[serde(default)]
    pub team: Vec<String>,
    /// The stage columns; values are translated by `stages`.
    #[serde(default)]
    pub stage: Vec<String>,
    /// The risk columns; values are translated by `risks`.
    #[serde(default)]
    pub risk: Vec<String>,
    /// The approach columns; values are translated by `approaches`.
    #[serde(default)]
    pub approach: Vec<String>,
    /// Columns copied into the notes, first and in this order.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Whether every other column with a value is copied into the notes too.
    #[serde(default = "yes")]
    pub keep_other_columns: bool,
    /// Source values of the stage columns and the stage each becomes.
    #[serde(default)]
    pub stages: ValueMap<Stage>,
    /// Source values of the risk columns and the tier each becomes.
    #[serde(default)]
    pub risks: ValueMap<Risk>,
    /// Source values of the approach columns and the approach each becomes.
    #[serde(default)]
    pub approaches: ValueMap<Approach>,
    /// Values for what a row does not fill.
    #[serde(default)]
    pub defaults: Defaults,
    /// Where the mapping was read from, to locate its keys in messages.
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a mapping came from: its display path and text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The path as shown in messages (or `preset omb-2025`).
    pub path: String,
    /// The mapping's text.
    pub text: String,
}

/// A field of a use case that a mapping fills from columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// `title`.
    Title,
    /// `summary`.
    Summary,
    /// `owner`.
    Owner,
    /// `team`.
    Team,
    /// `stage`.
    Stage,
    /// `risk`.
    Risk,
    /// `approach`.
    Approach,
}

impl Field {
    /// Every field, in the order of a use-case file.
    pub const ALL: [Field; 7] = [
        Field::Title,
        Field::Summary,
        Field::Owner,
        Field::Team,
        Field::Stage,
        Field::Risk,
        Field::Approach,
    ];

    /// The field's name, as in the mapping and the use-case file.
    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Owner => "owner",
            Field::Team => "team",
            Field::Stage => "stage",
            Field::Risk => "risk",
            Field::Approach => "approach",
        }
    }

    /// Whether the field holds one line (line breaks and tabs in the source
    /// become spaces).
    pub fn single_line(self) -> bool {
        matches!(self, Field::Title | Field::Owner | Field::Team)
    }
}

/// A mapping that could not be read, at `path:line:col`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    /// The mapping file as shown.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            sanitize(&self.path),
            self.line,
            self.column,
            sanitize(&self.message)
        )
    }
}

impl std::error::Error for MappingError {}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ron_message(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::NoSuchStructField {
            expected, found, ..
        } => format!(
            "unknown key `{}`; expected one of {}",
            sanitize(found),
            list(expected)
        ),
        E::MissingStructField { field, outer } => format!(
            "missing key `{field}`{}; see docs/import.md",
            outer
                .as_deref()
                .map(|o| format!(" in {}", sanitize(o)))
                .unwrap_or_default()
        ),
        E::DuplicateStructField { field, .. } => format!("key `{field}` is given twice; keep one"),
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown {} `{}`; expected one of {}",
            outer.as_deref().map_or("value".to_owned(), |o| match o {
                "Stage" => "stage".to_owned(),
                "Risk" => "risk tier".to_owned(),
                "Approach" => "approach".to_owned(),
                other => sanitize(other).into_owned(),
            }),
            sanitize(found),
            list(expected)
        ),
        E::ExpectedArray => "expected a list of column names, e.g. [\"Name\"]".to_owned(),
        E::ExpectedMap => "expected a map of source values, e.g. {\"Pilot\": Collect}".to_owned(),
        E::ExpectedString => "expected a text in double quotes".to_owned(),
        E::Message(m) => sanitize(m).into_owned(),
        other => sanitize(&other.to_string()).into_owned(),
    }
}

impl Mapping {
    /// Reads a mapping file's text; `path` is how messages name it.
    pub fn parse(path: &str, text: &str) -> Result<Mapping, MappingError> {
        let err = |line: usize, column: usize, message: String| MappingError {
            path: path.to_owned(),
            line,
            column,
            message,
        };
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest,
            None => text,
        };
        let mut mapping: Mapping = ron::Options::default()
            .with_recursion_limit(64)
            .from_str(text)
            .map_err(|e: ron::error::SpannedError| {
                err(
                    e.span.start.line.max(1),
                    e.span.start.col.max(1),
                    ron_message(&e.code),
                )
            })?;
        mapping.origin = Origin {
            path: path.to_owned(),
            text: text.to_owned(),
        };
        mapping.check()?;
        Ok(mapping)
    }

    /// The columns of a field, in order of preference.
    pub fn columns(&self, field: Field) -> &[String] {
        match field {
            Field::Title => &self.title,
            Field::Summary => &self.summary,
            Field::Owner => &self.owner,
            Field::Team => &self.team,
            Field::Stage => &self.stage,
            Field::Risk => &self.risk,
            Field::Approach => &self.approach,
        }
    }

    /// The columns that make a new use case's id.
    pub fn id_columns(&self) -> &[String] {
        if self.id.is_empty() {
            &self.title
        } else {
            &self.id
        }
    }

    /// The columns of the fallback key.
    pub fn fallback_columns(&self) -> &[String] {
        if self.key_fallback.is_empty() {
            &self.title
        } else {
            &self.key_fallback
        }
    }

    /// Where the value at `path` stands in the mapping file.
    pub fn locate(&self, path: &[Seg]) -> (usize, usize) {
        locate(&self.origin.text, path)
    }

    /// An error about the value at `path`.
    pub fn error_at(&self, path: &[Seg], message: String) -> MappingError {
        let (line, column) = self.locate(path);
        MappingError {
            path: self.origin.path.clone(),
            line,
            column,
            message,
        }
    }

    /// Every column the mapping names, with the key it is named under
    /// (`title`, `team`, `notes`, ...) and its index there.
    pub fn named_columns(&self) -> Vec<(&'static str, usize, &str)> {
        let mut out = Vec::new();
        let lists: [(&'static str, &[String]); 12] = [
            ("key", &self.key),
            ("key_fallback", &self.key_fallback),
            ("id", &self.id),
            ("title", &self.title),
            ("summary", &self.summary),
            ("owner", &self.owner),
            ("team", &self.team),
            ("stage", &self.stage),
            ("risk", &self.risk),
            ("approach", &self.approach),
            ("notes", &self.notes),
            ("header", &self.header),
        ];
        for (key, cols) in lists {
            if key == "header" {
                continue;
            }
            for (i, c) in cols.iter().enumerate() {
                out.push((key, i, c.as_str()));
            }
        }
        out
    }

    fn check(&self) -> Result<(), MappingError> {
        if self.system.trim().is_empty() {
            return Err(self.error_at(
                &[Seg::Field("system")],
                "`system` is empty: name the source, e.g. \"hr-inventory\"; it is written to every imported use case's `source`".to_owned(),
            ));
        }
        if self.system.chars().any(crate::text::is_unsafe) {
            return Err(self.error_at(
                &[Seg::Field("system")],
                "`system` holds a control character; use plain text".to_owned(),
            ));
        }
        if self.title.is_empty() {
            return Err(self.error_at(
                &[Seg::Field("title")],
                "`title` names no column: every use case needs a title".to_owned(),
            ));
        }
        for (key, i, col) in self.named_columns() {
            if col.is_empty() {
                return Err(self.error_at(
                    &[Seg::Field(key), Seg::Index(i)],
                    format!("an empty column name in `{key}`"),
                ));
            }
        }
        let maps: [(&'static str, Vec<&str>); 3] = [
            (
                "stages",
                self.stages.0.iter().map(|(k, _)| k.as_str()).collect(),
            ),
            (
                "risks",
                self.risks.0.iter().map(|(k, _)| k.as_str()).collect(),
            ),
            (
                "approaches",
                self.approaches.0.iter().map(|(k, _)| k.as_str()).collect(),
            ),
        ];
        for (key, values) in maps {
            for (i, v) in values.iter().enumerate() {
                if let Some(other) = values[..i].iter().find(|o| normalize(o) == normalize(v)) {
                    return Err(self.error_at(
                        &[Seg::Field(key)],
                        format!(
                            "`{key}` lists \"{}\" and \"{}\", which match the same source values (case and spaces are ignored); keep one",
                            sanitize(other),
                            sanitize(v)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A mapping built into ripen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// The 2025 US federal AI use case inventory, as consolidated by OMB.
    Omb2025,
}

/// The text of the `omb-2025` preset.
pub const OMB_2025: &str = include_str!("omb-2025.ron");

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 1] = [Preset::Omb2025];

    /// Its name on the command line, e.g. `omb-2025`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Omb2025 => "omb-2025",
        }
    }

    /// The preset by name.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The preset's mapping text (a mapping file like any other).
    pub fn text(self) -> &'static str {
        match self {
            Preset::Omb2025 => OMB_2025,
        }
    }

    /// The preset's mapping.
    pub fn mapping(self) -> Mapping {
        match Mapping::parse(&format!("preset {}", self.name()), self.text()) {
            Ok(m) => m,
            // The presets are tested to parse; this cannot happen in a release.
            Err(e) => panic!("built-in preset does not parse: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse() {
        for p in Preset::ALL {
            let m = p.mapping();
            assert_eq!(m.system, p.name());
        }
    }

    #[test]
    fn value_maps_match_exactly_then_loosely() {
        let m: ValueMap<Stage> =
            ron::from_str("{\"Pilot\": Collect, \"Deployed\": Evaluate}").unwrap();
        assert_eq!(m.get("Pilot"), Some(&Stage::Collect));
        assert_eq!(m.get("  pilot "), Some(&Stage::Collect));
        assert_eq!(m.get("Piloted"), None);
        assert_eq!(m.key_of(&Stage::Evaluate), Some("Deployed"));
    }
}
