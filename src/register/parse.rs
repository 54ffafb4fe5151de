//! Parsing one file's bytes into a model value, with located diagnostics.

use serde::de::DeserializeOwned;

use super::{Content, Diagnostic, Severity, Snapshot, SourceFile, locate};
use crate::model::{Policy, Settings, UseCase};
use crate::text::sanitize;
use crate::validate::Finding;

/// A parse failure: a position and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// Parses the text of a use-case file.
pub fn parse_use_case(text: &str) -> Result<UseCase, ParseError> {
    parse_ron(text)
}

/// Parses the text of `register.ron`.
pub fn parse_settings(text: &str) -> Result<Settings, ParseError> {
    parse_ron(text)
}

/// Parses the text of `policy.ron`.
pub fn parse_policy(text: &str) -> Result<Policy, ParseError> {
    parse_ron(text)
}

fn at(pos: (usize, usize), message: String) -> ParseError {
    ParseError {
        line: pos.0,
        column: pos.1,
        message,
    }
}

/// Refuses `#![enable(...)]` headers: they change what the same bytes mean.
fn refuse_extensions(text: &str) -> Result<(), ParseError> {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = trimmed.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else {
            rest = trimmed;
            break;
        }
    }
    if rest.starts_with("#!") || rest.starts_with("#![") {
        let offset = text.len() - rest.len();
        return Err(at(
            super::locate::position_of(text, offset),
            "RON extensions (#![enable(...)]) are not allowed: the same bytes must always mean the same thing; remove the header and write values out in full".to_owned(),
        ));
    }
    Ok(())
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn message(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "unknown field `{}`{}; expected one of {}",
            sanitize(found),
            outer
                .as_deref()
                .map(|o| format!(" in {}", sanitize(o)))
                .unwrap_or_default(),
            list(expected)
        ),
        E::MissingStructField { field, outer } => format!(
            "missing field `{field}`{}; add it (see docs/schema.md)",
            outer
                .as_deref()
                .map(|o| format!(" in {}", sanitize(o)))
                .unwrap_or_default()
        ),
        E::DuplicateStructField { field, .. } => {
            format!("field `{field}` is given twice; keep one")
        }
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "unknown variant `{}`{}; expected one of {}",
            sanitize(found),
            outer
                .as_deref()
                .map(|o| format!(" for {}", sanitize(o)))
                .unwrap_or_default(),
            list(expected)
        ),
        E::ExceededRecursionLimit => {
            "nesting is too deep; a register file needs only a few levels".to_owned()
        }
        E::IntegerOutOfBounds => "number out of range for this field".to_owned(),
        E::Message(m) => sanitize(m).into_owned(),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => {
                    sanitize(&(c.to_lowercase().collect::<String>() + chars.as_str())).into_owned()
                }
                None => "syntax error".to_owned(),
            }
        }
    }
}

fn parse_ron<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    refuse_extensions(text)?;
    ron::Options::default()
        .with_recursion_limit(64)
        .from_str(text)
        .map_err(|e: ron::error::SpannedError| {
            at(
                (e.span.start.line.max(1), e.span.start.col.max(1)),
                message(&e.code),
            )
        })
}

/// Decodes bytes as UTF-8, locating the first bad byte.
fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        // The prefix is valid UTF-8 by definition.
        let good = std::str::from_utf8(good).unwrap_or("");
        at(
            super::locate::position_of(good, good.len()),
            "the file is not valid UTF-8 text; save it as UTF-8".to_owned(),
        )
    })
}

/// Parses one file of a snapshot, pushing its diagnostics. Returns the value
/// only when it parsed and has no errors.
pub(super) fn file<T>(
    snapshot: &Snapshot,
    f: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
    parse: impl FnOnce(&str) -> Result<(T, Vec<Finding>), ParseError>,
) -> Option<T> {
    let display = snapshot.display(&f.rel);
    let bytes = match &f.content {
        Content::Bytes(b) => b,
        Content::TooLarge(n) => {
            diagnostics.push(Diagnostic::file_level(
                Severity::Error,
                display,
                format!(
                    "file is {n} bytes, over the 1 MiB limit; it was not read (a use case needs a few kilobytes)"
                ),
            ));
            return None;
        }
        Content::NotAFile(what) => {
            diagnostics.push(Diagnostic::file_level(
                Severity::Error,
                display,
                format!("expected a file, found a {what}"),
            ));
            return None;
        }
        Content::Unreadable(why) => {
            diagnostics.push(Diagnostic::file_level(
                Severity::Error,
                display,
                format!("cannot read the file: {}", sanitize(why)),
            ));
            return None;
        }
    };
    let result =
        utf8(bytes).and_then(|text| parse(text).map(|(value, findings)| (value, findings, text)));
    match result {
        Ok((value, findings, text)) => {
            let mut ok = true;
            for finding in findings {
                ok &= finding.severity != Severity::Error;
                let (line, column) = locate(text, &finding.path);
                diagnostics.push(Diagnostic {
                    severity: finding.severity,
                    file: display.clone(),
                    line,
                    column,
                    message: finding.message,
                });
            }
            ok.then_some(value)
        }
        Err(e) => {
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                file: display,
                line: e.line,
                column: e.column,
                message: e.message,
            });
            None
        }
    }
}

/// What kind of register file a path (relative to the state directory) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `register.ron`.
    Settings,
    /// `policy.ron`.
    Policy,
    /// `use-cases/<id>.ron`.
    UseCase,
}

impl FileKind {
    /// The kind of `rel`, or `None` for a file ripen does not read.
    pub fn of(rel: &str) -> Option<FileKind> {
        match rel {
            super::SETTINGS_FILE => Some(FileKind::Settings),
            super::POLICY_FILE => Some(FileKind::Policy),
            _ => rel
                .strip_prefix("use-cases/")
                .filter(|n| n.ends_with(".ron") && !n.contains('/') && !n.starts_with('.'))
                .map(|_| FileKind::UseCase),
        }
    }
}

/// The canonical text of a register file, or why it cannot be parsed.
///
/// The result is checked to parse back to the same value, so a rewrite can
/// never change what a file means.
pub fn canonical_form(kind: FileKind, text: &str) -> Result<String, ParseError> {
    use crate::model::canonical;
    fn check<T: PartialEq>(
        value: T,
        out: String,
        reparse: impl Fn(&str) -> Result<T, ParseError>,
    ) -> Result<String, ParseError> {
        match reparse(&out) {
            Ok(again) if again == value => Ok(out),
            _ => Err(ParseError {
                line: 1,
                column: 1,
                message: "internal error: the canonical form would not read back the same; the file was left unchanged, please report this".to_owned(),
            }),
        }
    }
    match kind {
        FileKind::Settings => {
            let v = parse_settings(text)?;
            let out = canonical::settings(&v);
            check(v, out, parse_settings)
        }
        FileKind::Policy => {
            let v = parse_policy(text)?;
            let out = canonical::policy(&v);
            check(v, out, parse_policy)
        }
        FileKind::UseCase => {
            let v = parse_use_case(text)?;
            let out = canonical::use_case(&v);
            check(v, out, parse_use_case)
        }
    }
}
