//! `ripen review close`, `ripen review list` and `ripen report`: the
//! command-line glue over [`crate::git::review`] and
//! [`crate::report::quarterly`]. Loads, calls, prints.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::output::{self, Env, fit};
use super::{Cli, Failure, Format};
use crate::git::review::{self, ReviewError, ReviewTag};
use crate::model::Date;
use crate::register::Severity;
use crate::report::quarterly;
use crate::text::sanitize;

type Outcome = Result<u8, Failure>;

fn state_dir(cli: &Cli) -> PathBuf {
    cli.state.clone().unwrap_or_else(|| PathBuf::from("state"))
}

/// Arguments of `ripen review`.
#[derive(Debug, Args)]
#[command(
    after_help = "A review is an annotated git tag review/YYYY-Qn on the commit whose \
register was reviewed; its message is the review's summary. `ripen report` starts from the \
latest one by default. Share reviews with `git push origin review/YYYY-Qn`."
)]
pub struct ReviewArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: ReviewAction,
}

/// What to do with reviews.
#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// Close a quarter's review: tag HEAD (or --rev) as review/YYYY-Qn.
    #[command(
        long_about = "Close a quarter's review: create the annotated tag review/YYYY-Qn \
on HEAD, or on the commit given with --rev. The message is --message, or else a generated \
summary: counts by stage, the ready and almost-ready candidates, and the ROI recorded since \
the previous review. The tagger is the repository's git identity.\n\n\
Refused, changing nothing, when the name is not YYYY-Q1 to YYYY-Q4, when the tag exists, \
when the register at that commit has errors (they are listed), or when no git identity is \
configured. Only the commit counts: uncommitted changes are not part of the review."
    )]
    Close {
        /// The quarter, e.g. 2026-Q3.
        quarter: String,
        /// The tag's message (default: a generated summary).
        #[arg(long, short = 'm', value_name = "TEXT")]
        message: Option<String>,
        /// The commit to tag (default: HEAD).
        #[command(flatten)]
        rev: super::RevOpt,
    },
    /// List the reviews, newest first.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Output formats of `ripen report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Markdown, for a git forge, a wiki or plain reading.
    Md,
    /// JSON, the same data for programs.
    Json,
}

/// Arguments of `ripen report`.
#[derive(Debug, Args)]
#[command(
    after_help = "Without --since, the report starts at the latest review tag \
(an annotated tag review/YYYY-Qn) whose commit is an ancestor of --until, other than the \
--until commit itself, and comes last in history; with none, ripen says so and exits with code 2. \
Lightweight tags, other names and quarters that have not begun are ignored with a warning.\n\n\
\"Now\" (the --until side) is --as-of, else the as_of that version of register.ron pins, else \
today: never a commit's date. \"Then\" is as of the --since commit's date (never after today), \
unless that version of register.ron pins as_of. Exit code 1 when the --until register has errors (the report leaves those files out)."
)]
pub struct ReportArgs {
    /// Where the period starts: a revision (default: the latest review tag).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Where the period ends: a revision (default: HEAD).
    #[arg(long, value_name = "REV")]
    pub until: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
}

fn print_errors(diagnostics: &[crate::register::Diagnostic], env: &Env) {
    for d in diagnostics {
        eprintln!(
            "{}:{}:{}: {}: {}",
            sanitize(&d.file),
            d.line,
            d.column,
            output::severity(d.severity, env.colour_err),
            sanitize(&d.message)
        );
    }
}

/// One warning per tag under `review/` that is not a review.
fn warn_ignored(ignored: &[String], env: &Env) {
    for why in ignored {
        eprintln!(
            "ripen: {}: {}",
            output::severity(Severity::Warning, env.colour_err),
            sanitize(why)
        );
    }
}

/// `ripen review ...`.
pub(super) fn review(cli: &Cli, today: Date, env: &Env, args: &ReviewArgs) -> Outcome {
    match &args.action {
        ReviewAction::Close {
            quarter, message, ..
        } => close(cli, today, env, quarter, message.clone()),
        ReviewAction::List { format } => list(cli, today, env, *format),
    }
}

fn close(cli: &Cli, today: Date, env: &Env, quarter: &str, message: Option<String>) -> Outcome {
    let ctx = super::commands::context(cli, today);
    let closed = match crate::ops::review::close(&ctx, quarter, cli.rev.as_deref(), message) {
        Ok(closed) => closed,
        Err(crate::ops::OpError::Review(ReviewError::RegisterHasErrors { rev, diagnostics })) => {
            print_errors(&diagnostics, env);
            eprintln!(
                "ripen: {}: the register at {} has {} error(s); fix them and commit before closing the review; no tag was created",
                output::severity(Severity::Error, env.colour_err),
                sanitize(&rev),
                diagnostics.len()
            );
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(note) = closed.note() {
        eprintln!("ripen: note: {note}");
    }
    outln!("{}", closed.describe());
    for line in closed.tag.message.lines() {
        outln!("  {}", fit(line, env.width.saturating_sub(2)));
    }
    outln!("{}", closed.next_step());
    Ok(0)
}

fn list(cli: &Cli, today: Date, env: &Env, format: Format) -> Outcome {
    if cli.rev.is_some() {
        return Err(Failure::new(
            "review list shows every review tag; it cannot take --rev".to_owned(),
        ));
    }
    let found = review::reviews(&state_dir(cli), today)?;
    warn_ignored(&found.ignored, env);
    let tags: Vec<ReviewTag> = found.tags;
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&tags)?),
        Format::Text => {
            if tags.is_empty() {
                outln!("No review yet. Close one with `ripen review close YYYY-Qn`.");
            }
            for t in &tags {
                let who = t.tagger.as_deref().unwrap_or("(lightweight tag)");
                let head = format!(
                    "{}  {}  {}  {}",
                    t.quarter,
                    t.short_commit(),
                    t.time.format("%Y-%m-%d"),
                    who
                );
                outln!("{}", fit(&head, env.width));
                if !t.summary.is_empty() {
                    outln!("  {}", fit(&t.summary, env.width.saturating_sub(2)));
                }
            }
        }
    }
    Ok(0)
}

/// `ripen report`.
pub(super) fn report(cli: &Cli, today: Date, env: &Env, args: &ReportArgs) -> Outcome {
    if cli.rev.is_some() {
        return Err(Failure::new(
            "report takes its period as --since REV and --until REV; it cannot take --rev"
                .to_owned(),
        ));
    }
    let built = review::report(
        &state_dir(cli),
        args.since.as_deref(),
        args.until.as_deref(),
        cli.as_of,
        today,
    )?;
    warn_ignored(&built.ignored, env);
    let r = &built.report;
    for (side, what) in [(&r.since, "--since"), (&r.until, "--until")] {
        if side.errors > 0 {
            eprintln!(
                "ripen: {}: the register at {what} ({}) has {} error(s); use cases in files with errors are left out of the report",
                output::severity(Severity::Warning, env.colour_err),
                sanitize(&side.label),
                side.errors
            );
        }
    }
    match args.format {
        ReportFormat::Json => outln!("{}", serde_json::to_string_pretty(r)?),
        ReportFormat::Md => out!("{}", quarterly::markdown(r)),
    }
    Ok(u8::from(r.until.errors > 0))
}
