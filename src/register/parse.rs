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
    parse_ron(text, "UseCase")
}

/// Parses the text of `register.ron`.
pub fn parse_settings(text: &str) -> Result<Settings, ParseError> {
    parse_ron(text, "Register")
}

/// Parses the text of `access.ron`.
pub fn parse_access(text: &str) -> Result<crate::access::Access, ParseError> {
    parse_ron(text, "Access")
}

/// Parses the text of a review file, `reviews/YYYY-Qn.ron`.
pub fn parse_minutes(text: &str) -> Result<crate::model::review::Minutes, ParseError> {
    parse_ron(text, "Review")
}

/// Parses the text of `policy.ron`.
pub fn parse_policy(text: &str) -> Result<Policy, ParseError> {
    parse_ron(text, "Policy")
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

fn parse_ron<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ParseError> {
    if text.starts_with('\u{feff}') {
        return Err(at(
            (1, 1),
            "the file starts with a byte-order mark (U+FEFF); save it as UTF-8 without BOM"
                .to_owned(),
        ));
    }
    refuse_extensions(text)?;
    ron::Options::default()
        .with_recursion_limit(64)
        .from_str(text)
        .map_err(|e: ron::error::SpannedError| explain(text, what, &e))
}

/// The token at `offset`, shortened, for "found `...`" in messages.
fn token_at(text: &str, offset: usize) -> String {
    const MAX: usize = 24;
    let rest = &text[offset.min(text.len())..];
    let end = match rest.chars().next() {
        None => return "end of file".to_owned(),
        Some('"') => {
            let mut escaped = false;
            rest.char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let close = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close || c == '\n'
                })
                .map_or(rest.len(), |(i, c)| i + c.len_utf8())
        }
        Some(c) if c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') => rest
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+')))
            .map_or(rest.len(), |(i, _)| i),
        Some(c) => c.len_utf8(),
    };
    let token = rest[..end].trim_end_matches('\n');
    let shown: String = if token.chars().count() > MAX {
        token
            .chars()
            .take(MAX)
            .chain(std::iter::once('…'))
            .collect()
    } else {
        token.to_owned()
    };
    format!("`{}`", sanitize(&shown))
}

/// Turns ron's error into a diagnostic that points at the offending token
/// and says what to do.
fn explain(text: &str, what: &str, e: &ron::error::SpannedError) -> ParseError {
    use ron::Error as E;
    let span = |p: &ron::error::Position| locate::offset_of(text, (p.line.max(1), p.col.max(1)));
    let start = span(&e.span.start);
    let pos = |offset: usize| locate::position_of(text, offset);
    // ron's span often starts before the white space that precedes the
    // token, or inside a string literal; point at the token itself.
    let mut token = locate::skip_trivia(text, start);
    if token == text.len() && start < text.len() {
        token = start;
    }
    if locate::skip_trivia(text, 0) == text.len() && !matches!(e.code, E::UnclosedBlockComment) {
        return at(
            (1, 1),
            format!("the file is empty: expected `{what}(...)`; see docs/schema.md"),
        );
    }
    match &e.code {
        E::Eof => match locate::unclosed_bracket(text) {
            Some(open) => {
                let (line, column) = pos(text.len());
                let bracket = &text[open..=open];
                at(
                    pos(open),
                    format!(
                        "this `{bracket}` is never closed: the file ends (at {line}:{column}) before its closing bracket"
                    ),
                )
            }
            None => at(
                pos(text.len()),
                "unexpected end of file: a value is missing".to_owned(),
            ),
        },
        E::ExpectedComma => {
            let prev = locate::previous_token_end(text, token);
            let number_goes_on = text[token..].starts_with('.')
                && text[..token].ends_with(|c: char| c.is_ascii_digit());
            if number_goes_on {
                let digits = text[..token]
                    .char_indices()
                    .rev()
                    .find(|&(_, c)| !(c.is_ascii_digit() || c == '_'))
                    .map_or(0, |(i, c)| i + c.len_utf8());
                let digits = if text[..digits].ends_with('-') {
                    digits - 1
                } else {
                    digits
                };
                at(
                    pos(digits),
                    format!("expected a whole number, found {}", token_at(text, digits)),
                )
            } else if prev < token && text[prev..token].contains('\n') {
                let (line, _) = pos(token);
                at(
                    pos(prev),
                    format!(
                        "expected `,` after this value (found {} on line {line}); a comma ends every field and list item",
                        token_at(text, token)
                    ),
                )
            } else {
                at(
                    pos(token),
                    format!(
                        "expected `,` or a closing bracket, found {}",
                        token_at(text, token)
                    ),
                )
            }
        }
        E::ExpectedStringEnd => at(
            pos(start),
            "this string is never closed: add the closing `\"`".to_owned(),
        ),
        E::TrailingCharacters => at(
            pos(token),
            format!(
                "unexpected {} after the end of `{what}(...)`; a file holds exactly one value",
                token_at(text, token)
            ),
        ),
        E::IntegerOutOfBounds => {
            if text[..start].ends_with('-') {
                at(
                    pos(start - 1),
                    format!(
                        "this field cannot be negative, found {}",
                        token_at(text, start - 1)
                    ),
                )
            } else {
                let start = if text[..start].ends_with('+') {
                    start - 1
                } else {
                    start
                };
                at(
                    pos(start),
                    format!(
                        "number {} is out of range for this field",
                        token_at(text, start)
                    ),
                )
            }
        }
        // Raised by a value's own parser (e.g. a date): ron points inside
        // the string; point at its opening quote.
        E::Message(_) if text[..start].ends_with('"') => at(pos(start - 1), message(&e.code)),
        E::InvalidEscape(_) => {
            // ron points at the start of the string; find the bad escape.
            let bad = text[start..]
                .char_indices()
                .take_while(|&(_, c)| c != '"')
                .scan(false, |escaped, (i, c)| {
                    let here = *escaped;
                    *escaped = c == '\\' && !*escaped;
                    Some((i, c, here))
                })
                .find(|&(_, c, escaped)| escaped && !"\\\"'nrt0bf/ux".contains(c))
                .map_or(start, |(i, _, _)| start + i - 1);
            at(
                pos(bad),
                format!(
                    "unknown escape `{}` in a string; write `\\\\` for a backslash",
                    sanitize(&text[bad..].chars().take(2).collect::<String>())
                ),
            )
        }
        E::UnclosedBlockComment => {
            let open = if text[..start].ends_with("/*") {
                start - 2
            } else {
                start
            };
            at(
                pos(open),
                "this comment is never closed: add `*/`".to_owned(),
            )
        }
        E::ExpectedInteger
        | E::ExpectedFloat
        | E::ExpectedBoolean
        | E::ExpectedOption
        | E::ExpectedString
        | E::ExpectedIdentifier
        | E::ExpectedArray
        | E::ExpectedStructLike
        | E::ExpectedUnit
        | E::ExpectedMapColon
        | E::ExpectedNamedStructLike(_)
        | E::ExpectedOptionEnd
        | E::ExpectedStructLikeEnd
        | E::ExpectedArrayEnd
        | E::ExpectedChar
        | E::ExpectedMap
        | E::ExpectedMapEnd => {
            let expected = match &e.code {
                E::ExpectedInteger => "a whole number".to_owned(),
                E::ExpectedFloat => "a number".to_owned(),
                E::ExpectedBoolean => "`true` or `false`".to_owned(),
                E::ExpectedOption => "`Some(...)` or `None`".to_owned(),
                E::ExpectedString => "a string in double quotes".to_owned(),
                E::ExpectedIdentifier => "a name (without quotes)".to_owned(),
                E::ExpectedArray => "a list `[...]`".to_owned(),
                E::ExpectedStructLike => "`(`".to_owned(),
                E::ExpectedUnit => "`()`".to_owned(),
                E::ExpectedMapColon => "`:` after the field name".to_owned(),
                E::ExpectedNamedStructLike(name) => format!("`(` to open a {name}"),
                E::ExpectedOptionEnd | E::ExpectedStructLikeEnd => "a closing `)`".to_owned(),
                E::ExpectedArrayEnd => "a closing `]`".to_owned(),
                E::ExpectedChar => "a character in single quotes".to_owned(),
                E::ExpectedMap => "`{`".to_owned(),
                _ => "a closing `}`".to_owned(),
            };
            at(
                pos(token),
                format!("expected {expected}, found {}", token_at(text, token)),
            )
        }
        _ => at(pos(token), message(&e.code)),
    }
}

/// Decodes bytes as UTF-8, locating the first bad byte.
fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        // The prefix is valid UTF-8 by definition.
        let good = std::str::from_utf8(good).unwrap_or("");
        at(
            super::locate::position_of(good, good.len()),
            format!(
                "the file is not valid UTF-8 text (byte 0x{:02X}); save it as UTF-8",
                bytes[e.valid_up_to()]
            ),
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
            let paths: Vec<&[super::Seg]> = findings.iter().map(|f| f.path.as_slice()).collect();
            let positions = locate::locate_all(text, &paths);
            for (finding, (line, column)) in findings.into_iter().zip(positions) {
                ok &= finding.severity != Severity::Error;
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
    /// `access.ron`.
    Access,
}

impl FileKind {
    /// The kind of `rel`, or `None` for a file ripen does not read.
    pub fn of(rel: &str) -> Option<FileKind> {
        match rel {
            super::SETTINGS_FILE => Some(FileKind::Settings),
            super::POLICY_FILE => Some(FileKind::Policy),
            crate::access::ACCESS_FILE => Some(FileKind::Access),
            _ => rel
                .strip_prefix("use-cases/")
                .filter(|n| n.ends_with(".ron") && !n.contains('/') && !n.starts_with('.'))
                .map(|_| FileKind::UseCase),
        }
    }
}

/// The offset of the first `NaN` token of a RON text (outside strings
/// and comments), if any.
fn nan_token(text: &str) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = locate::skip_trivia(text, from);
        if at >= text.len() {
            return None;
        }
        let rest = &text[at..];
        if rest.starts_with("NaN")
            && !rest[3..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            return Some(at);
        }
        from = locate::next_token(text, at);
    }
}

/// The canonical text of a register file, or why it cannot be parsed.
///
/// The result is checked to parse back to the same value, so a rewrite can
/// never change what a file means.
pub fn canonical_form(kind: FileKind, text: &str) -> Result<String, ParseError> {
    use crate::model::canonical;
    fn check_same<T: PartialEq>(
        text: &str,
        value: T,
        out: String,
        reparse: &dyn Fn(&str) -> Result<T, ParseError>,
    ) -> Result<String, ParseError> {
        match reparse(&out) {
            Ok(again) if again == value => Ok(out),
            // NaN is never equal to itself: a NaN value reads back as NaN
            // but compares unequal. Say where it is, as any other value
            // that cannot be formatted.
            Ok(_) if nan_token(text).is_some() => {
                let (line, column) = locate::position_of(text, nan_token(text).unwrap_or(0));
                Err(ParseError {
                    line,
                    column,
                    message: "this number is NaN (not a number); write a number, such as 0.85"
                        .to_owned(),
                })
            }
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
            check_same(text, v, out, &parse_settings)
        }
        FileKind::Policy => {
            let v = parse_policy(text)?;
            let out = canonical::policy(&v);
            check_same(text, v, out, &parse_policy)
        }
        FileKind::Access => {
            let v = parse_access(text)?;
            let out = canonical::access(&v);
            check_same(text, v, out, &parse_access)
        }
        FileKind::UseCase => {
            let v = parse_use_case(text)?;
            let out = canonical::use_case(&v);
            check_same(text, v, out, &parse_use_case)
        }
    }
}
