//! `ripen fmt`: every file of the register rewritten in canonical form, in
//! one step, each only if it still holds what was read.

use super::{Context, OpError};
use crate::git::commit::{self, ChangeError, FileWrite};
use crate::register::{self, Content, FileKind};
use crate::store;
use crate::text::sanitize;

/// A file that could not be formatted: shown as `location: error: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: the file, with `:line:col` when known (sanitized).
    pub location: String,
    /// What (sanitized).
    pub message: String,
}

/// What [`fmt`] did (or, with `check`, found).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Formatted {
    /// Whether only checked (nothing written).
    pub check: bool,
    /// Files that are not canonical (with `check`), sanitized.
    pub not_canonical: Vec<String>,
    /// Files that cannot be formatted (unreadable, not UTF-8, errors).
    pub problems: Vec<Problem>,
    /// Files rewritten, sanitized.
    pub formatted: Vec<String>,
    /// Files someone else changed while they were being formatted: their
    /// version is kept.
    pub kept: Vec<Problem>,
}

impl Formatted {
    /// The note after a check that found files to rewrite.
    pub fn check_note(&self) -> Option<String> {
        (self.check && !self.not_canonical.is_empty()).then(|| {
            format!(
                "{} file(s) not canonical; run `ripen fmt` to rewrite them",
                self.not_canonical.len()
            )
        })
    }

    /// The line for a file rewritten.
    pub fn formatted_line(display: &str) -> String {
        format!("formatted {display}")
    }

    /// The line for a file found not canonical.
    pub fn not_canonical_line(display: &str) -> String {
        format!("{display}: not canonical")
    }

    /// Whether everything was (or is) canonical and readable: exit code 0.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
            && self.kept.is_empty()
            && (!self.check || self.not_canonical.is_empty())
    }
}

/// Rewrites every file of the register in canonical form (with `check`,
/// only lists those that are not). All files are written in one step; a
/// file changed meanwhile stops the whole write, and one changed by
/// someone else at the last instant keeps their version.
pub fn fmt(ctx: &Context, check: bool) -> Result<Formatted, OpError> {
    if !check {
        ctx.require(crate::access::Act::Bulk)?;
    }
    let dir = &ctx.state_dir;
    if !dir.is_dir() {
        return Err(OpError::NoRegister(dir.clone()));
    }
    super::load::refuse_links(dir)?;
    let snapshot = store::snapshot(dir).map_err(|e| OpError::Failed(e.to_string()))?;
    let mut out = Formatted {
        check,
        ..Formatted::default()
    };
    let mut writes: Vec<(&str, &[u8], String)> = Vec::new();
    for f in &snapshot.files {
        let Some(kind) = FileKind::of(&f.rel) else {
            continue;
        };
        let display = sanitize(&snapshot.display(&f.rel)).into_owned();
        let unreadable = |why: String| Problem {
            location: display.clone(),
            message: format!("cannot format: {}", sanitize(&why)),
        };
        let bytes = match &f.content {
            Content::Bytes(bytes) => bytes,
            Content::Unreadable(why) => {
                out.problems.push(unreadable(why.clone()));
                continue;
            }
            Content::NotAFile(what) => {
                out.problems
                    .push(unreadable(format!("a {what}, not a file")));
                continue;
            }
            Content::TooLarge(n) => {
                out.problems
                    .push(unreadable(format!("{n} bytes, over the 1 MiB limit")));
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            out.problems.push(unreadable("not valid UTF-8".to_owned()));
            continue;
        };
        match register::canonical_form(kind, text) {
            Ok(canon) if canon == text => {}
            Ok(canon) => {
                if check {
                    out.not_canonical.push(display);
                } else {
                    writes.push((&f.rel, bytes, canon));
                }
            }
            Err(e) => out.problems.push(Problem {
                location: format!("{display}:{}:{}", e.line, e.column),
                message: format!("{} (not formatted)", sanitize(&e.message)),
            }),
        }
    }
    if writes.is_empty() {
        return Ok(out);
    }
    let files: Vec<FileWrite<'_>> = writes
        .iter()
        .map(|(rel, old, new)| FileWrite {
            rel,
            expected: Some(old),
            new: new.as_bytes(),
        })
        .collect();
    let done = commit::write_files(dir, &files, &mut crate::testhooks::commit_observer())
        .map_err(|e| match e {
            ChangeError::ChangedOnDisk(rel) => OpError::Refused(format!(
                "{} was changed while it was being formatted; nothing was written: run `ripen fmt` again",
                snapshot.display(&rel)
            )),
            e => e.into(),
        })?;
    out.formatted = done
        .written
        .iter()
        .map(|rel| sanitize(&snapshot.display(rel)).into_owned())
        .collect();
    out.kept = done
        .kept
        .iter()
        .map(|rel| Problem {
            location: sanitize(&snapshot.display(rel)).into_owned(),
            message: "changed by someone else while it was being formatted: their version is kept, not formatted".to_owned(),
        })
        .collect();
    Ok(out)
}
