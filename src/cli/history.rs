//! `ripen diff` and `ripen history`: the command-line glue over
//! [`crate::diff`] and [`crate::git::history`]. Loads, calls, prints.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::output::{Env, fit};
use super::{Cli, Failure, Format};
use crate::diff::{self, FieldChange, RegisterDiff, Status, UseCaseDiff};
use crate::git::history::{self as git_history, HistoryEntry};
use crate::model::{Date, UseCaseId};
use crate::readiness::Verdict;
use crate::register::{self, Register};
use crate::text::sanitize;
use crate::{git, store};

type Outcome = Result<u8, Failure>;

fn state_dir(cli: &Cli) -> PathBuf {
    cli.state.clone().unwrap_or_else(|| PathBuf::from("state"))
}

/// Loads the register at `rev`, or from the working tree when `None`.
fn load_at(
    cli: &Cli,
    dir: &Path,
    rev: Option<&str>,
    as_of: Option<Date>,
    today: Date,
) -> Result<Register, Failure> {
    let snapshot = match rev {
        Some(rev) => git::snapshot_at(dir, rev)?,
        None => {
            if !dir.is_dir() {
                return Err(super::no_register(cli));
            }
            store::snapshot(dir)?
        }
    };
    Ok(register::load(&snapshot, as_of, today))
}

fn warn_errors(reg: &Register, what: &str) {
    let errors = reg.errors();
    if errors > 0 {
        eprintln!(
            "ripen: warning: {what} ({}) has {errors} error(s); use cases in files with errors are left out of the comparison",
            sanitize(&reg.root)
        );
    }
}

/// `ripen diff` in JSON: the revisions compared, then the diff itself.
#[derive(Serialize)]
struct DiffJson<'a> {
    from: &'a str,
    /// `null` for the working tree.
    to: Option<&'a str>,
    #[serde(flatten)]
    diff: &'a RegisterDiff,
}

/// `ripen diff FROM [TO]`.
pub(super) fn diff(
    cli: &Cli,
    today: Date,
    env: &Env,
    from: &str,
    to: Option<&str>,
    format: Format,
) -> Outcome {
    if cli.rev.is_some() {
        return Err(Failure::new(
            "diff takes the revisions to compare as arguments (`ripen diff FROM [TO]`); it cannot take --rev".to_owned(),
        ));
    }
    let dir = state_dir(cli);
    let before = load_at(cli, &dir, Some(from), cli.as_of, today)?;
    let after = load_at(cli, &dir, to, cli.as_of, today)?;
    warn_errors(&before, from);
    warn_errors(&after, to.unwrap_or("the working tree"));
    let d = diff::diff(&before, &after);
    match format {
        Format::Json => {
            let value = DiffJson { from, to, diff: &d };
            outln!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => print_diff(&d, from, to.unwrap_or("working tree"), env.width)?,
    }
    Ok(0)
}

fn verdict_label(v: Option<Verdict>) -> &'static str {
    v.map_or("none", Verdict::label)
}

/// The lines that show one change, each at most `width` columns.
fn change_lines(c: &FieldChange, width: usize) -> Vec<String> {
    let line = sanitize(&c.describe()).into_owned();
    let plain = c.field != "id" && c.field != crate::diff::SHALLOW_BOUNDARY && !c.is_list();
    if !plain || unicode_width::UnicodeWidthStr::width(line.as_str()) <= width {
        return vec![fit(&line, width)];
    }
    // A long scalar change: the old value, then the new one below it.
    let field = sanitize(&c.field);
    vec![
        fit(&format!("{field}: {}", c.from), width),
        fit(&format!("  -> {}", c.to), width),
    ]
}

/// Prints a header with its detail lines: on the header's line when there
/// is exactly one and it fits, else indented below it.
fn block(header: &str, details: &[String], width: usize) -> Result<(), Failure> {
    const INDENT: &str = "    ";
    if let [only] = details {
        let inline = format!("{header}  {only}");
        if unicode_width::UnicodeWidthStr::width(inline.as_str()) <= width {
            outln!("{inline}");
            return Ok(());
        }
    }
    outln!("{header}");
    for d in details {
        outln!("{INDENT}{d}");
    }
    Ok(())
}

fn changes_details(changes: &[FieldChange], width: usize) -> Vec<String> {
    changes
        .iter()
        .flat_map(|c| change_lines(c, width.saturating_sub(4)))
        .collect()
}

fn use_case_block(u: &UseCaseDiff, width: usize) -> Result<(), Failure> {
    let id = sanitize(&u.id);
    let header = match u.status {
        Status::Added => format!("+ {id} (added)"),
        Status::Removed => format!("- {id} (removed)"),
        Status::Renamed => format!(
            "> {} -> {id} (renamed)",
            sanitize(u.renamed_from.as_deref().unwrap_or("?"))
        ),
        Status::Changed => format!("~ {id}"),
        Status::Unchanged => format!("= {id} (unchanged)"),
    };
    let mut details = changes_details(&u.changes, width);
    let v = &u.verdict;
    match (v.before, v.after) {
        (None, Some(after)) => details.push(format!("verdict: {}", after.label())),
        (Some(before), None) => details.push(format!("verdict: was {}", before.label())),
        _ if v.changed() => details.push(format!(
            "verdict: {} -> {}",
            verdict_label(v.before),
            verdict_label(v.after)
        )),
        _ => {}
    }
    block(&fit(&header, width), &details, width)?;
    Ok(())
}

pub(super) fn print_diff(
    d: &RegisterDiff,
    from: &str,
    to: &str,
    width: usize,
) -> Result<(), Failure> {
    outln!(
        "{}",
        fit(
            &format!(
                "{from} (as of {}) -> {to} (as of {})",
                d.as_of.before, d.as_of.after
            ),
            width
        )
    );
    if d.is_empty() {
        outln!("no differences");
        return Ok(());
    }
    if !d.settings.is_empty() {
        block(
            "settings (register.ron)",
            &changes_details(&d.settings, width),
            width,
        )?;
    }
    if !d.policy.is_empty() {
        block(
            "policy (policy.ron)",
            &changes_details(&d.policy, width),
            width,
        )?;
    }
    for u in &d.use_cases {
        use_case_block(u, width)?;
    }
    let mut counts = Vec::new();
    for status in [
        Status::Changed,
        Status::Added,
        Status::Removed,
        Status::Renamed,
    ] {
        let n = d.count(status);
        if n > 0 {
            counts.push(format!("{n} {}", status.label()));
        }
    }
    if counts.is_empty() {
        counts.push("no use case changed".to_owned());
    }
    outln!(
        "{}; {} verdict(s) changed",
        counts.join(", "),
        d.verdicts_changed()
    );
    Ok(())
}

/// `ripen history ID`, walking back from `--rev` or HEAD.
pub(super) fn history(cli: &Cli, env: &Env, id: &str, format: Format) -> Outcome {
    let id = UseCaseId::new(id)?;
    let dir = state_dir(cli);
    let rev = cli.rev.as_deref().unwrap_or("HEAD");
    let entries = git_history::use_case_history(&dir, &id, rev)?;
    if entries.is_empty() {
        let uncommitted = cli.rev.is_none()
            && dir
                .join(register::USE_CASES_DIR)
                .join(format!("{id}.ron"))
                .is_file();
        return Err(Failure::new(if uncommitted {
            format!("no use case `{id}` in the history of {rev}: its file is not committed yet")
        } else {
            format!("no use case `{id}` in the history of {rev}; `ripen list` shows the ids")
        }));
    }
    let ids: Vec<String> = entries.iter().map(|e| e.commit.clone()).collect();
    let signatures = crate::git::verify::states(&dir, &ids);
    match format {
        Format::Json => {
            /// An entry with its signature's state (`ripen verify`'s words).
            #[derive(Serialize)]
            struct Entry<'a> {
                #[serde(flatten)]
                entry: &'a HistoryEntry,
                signature: Option<&'a crate::verify::State>,
            }
            let list: Vec<Entry<'_>> = entries
                .iter()
                .map(|e| Entry {
                    entry: e,
                    signature: signatures.get(&e.commit),
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&list)?)
        }
        Format::Text => print_history(&entries, &signatures, env.width)?,
    }
    Ok(0)
}

fn print_history(
    entries: &[HistoryEntry],
    signatures: &std::collections::HashMap<String, crate::verify::State>,
    width: usize,
) -> Result<(), Failure> {
    for (n, e) in entries.iter().enumerate() {
        if n > 0 {
            outln!();
        }
        let mut head = format!(
            "{}  {}  {} <{}>",
            e.short_id(),
            e.time.format("%Y-%m-%d %H:%M %:z"),
            e.author,
            e.email
        );
        if let Some(s) = signatures.get(&e.commit) {
            head.push_str(&format!("  [{}]", s.label()));
        }
        outln!("{}", fit(&head, width));
        outln!("  {}", fit(&e.summary, width.saturating_sub(2)));
        // The rest of the message, in full: the justification, a readiness
        // override, trailers. Lines of it are never cut.
        // Its blank lines are left out: a blank line separates commits.
        for line in e.body.lines().filter(|l| !l.trim().is_empty()) {
            outln!("  {}", sanitize(line).trim_end());
        }
        if e.changes.is_empty() {
            outln!("    (no field changed: formatting only)");
        }
        for c in &e.changes {
            for line in change_lines(c, width.saturating_sub(4)) {
                outln!("    {line}");
            }
        }
    }
    Ok(())
}
