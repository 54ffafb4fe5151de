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
        /// Close although items are undecided or pending; they are recorded as carried over.
        #[arg(long)]
        allow_open: bool,
    },
    /// The agenda: ready and almost-ready candidates, fine-tuned use cases, flags, proposals, action items.
    Agenda {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Start a quarter's review: write state/reviews/YYYY-Qn.ron with the agenda, in one commit.
    Start {
        /// The quarter, e.g. 2026-Q4.
        quarter: String,
        /// Someone attending (repeat for each); the chair is the git identity.
        #[arg(long = "attendee", value_name = "NAME")]
        attendees: Vec<String>,
    },
    /// Decide on an agenda item of the open review; a change it makes is committed with the record.
    #[command(
        long_about = "Decide on an agenda item of the open review: advance (to --to STAGE, default the next stage), hold, request-data, retire, accept or reject (a proposal), or defer. A decision that changes a use case (advance, retire) makes that change and records the decision in one commit authored by the decider. Moving into FineTune a use case that is not ready needs --override, as `ripen move` does. When policy.ron's `approvals` asks for approvals, the decision is pending and its change is made by the last approval (`ripen review approve`)."
    )]
    Decide {
        /// The item: a use case's id or a proposal's branch.
        item: String,
        /// advance, hold, request-data, retire, accept, reject or defer.
        #[arg(value_parser = parse_decision)]
        decision: crate::model::review::DecisionKind,
        /// Why: one line, recorded and in the commit's body.
        #[arg(long, short = 'm', value_name = "TEXT")]
        because: String,
        /// For advance: the stage to move to (default: the next one).
        #[arg(long, value_parser = super::parse_stage)]
        to: Option<crate::model::Stage>,
        /// A follow-up, "OWNER|YYYY-MM-DD|WHAT" (repeat for each).
        #[arg(long = "action", value_name = "OWNER|DATE|WHAT")]
        actions: Vec<String>,
        /// Advance into FineTune although readiness is not `ready` (recorded).
        #[arg(long = "override")]
        force: bool,
    },
    /// Approve a pending decision of the open review (not your own).
    Approve {
        /// The item whose decision to approve.
        item: String,
        /// Why: one line, recorded.
        #[arg(long, short = 'm', value_name = "TEXT")]
        because: String,
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

fn parse_decision(s: &str) -> Result<crate::model::review::DecisionKind, String> {
    crate::model::review::DecisionKind::parse(s).ok_or_else(|| {
        let words: Vec<&str> = crate::model::review::DecisionKind::ALL
            .iter()
            .map(|d| d.word())
            .collect();
        format!("unknown decision `{s}`; one of {}", words.join(", "))
    })
}

/// `ripen review ...`.
pub(super) fn review(cli: &Cli, today: Date, env: &Env, args: &ReviewArgs) -> Outcome {
    let ctx = super::commands::context(cli, today);
    let fail = |e| super::commands::op_failure(cli, e);
    match &args.action {
        ReviewAction::Close {
            quarter,
            message,
            allow_open,
            ..
        } => close(cli, today, env, quarter, message.clone(), *allow_open),
        ReviewAction::List { format } => list(cli, today, env, *format),
        ReviewAction::Agenda { format } => {
            let view = crate::ops::meeting::agenda(&ctx).map_err(fail)?;
            warn_ignored(&view.warnings, env);
            match format {
                Format::Json => {
                    #[derive(serde::Serialize)]
                    struct Out<'a> {
                        review: Option<&'a str>,
                        since: Option<&'a str>,
                        #[serde(flatten)]
                        agenda: &'a crate::agenda::Agenda,
                        decisions: &'a [crate::model::review::Decision],
                    }
                    outln!(
                        "{}",
                        serde_json::to_string_pretty(&Out {
                            review: view.open.as_deref(),
                            since: view.since.as_deref(),
                            agenda: &view.agenda,
                            decisions: &view.decisions,
                        })?
                    );
                }
                Format::Text => {
                    match &view.open {
                        Some(q) => outln!("Review {q} (open)"),
                        None => outln!(
                            "No review open; `ripen review start YYYY-Qn` starts one with this agenda."
                        ),
                    }
                    if let Some(s) = &view.since {
                        outln!("Since {}", sanitize(s));
                    }
                    for line in crate::agenda::text(&view.agenda).lines() {
                        let line = match (&view.open, line.strip_prefix("  ")) {
                            (Some(_), Some(rest)) if !rest.starts_with(char::is_numeric) => {
                                let id = rest.split("  ").next().unwrap_or("");
                                format!("  {rest}  [{}]", view.state_of(id))
                            }
                            _ => line.to_owned(),
                        };
                        outln!("{}", fit(&line, env.width));
                    }
                }
            }
            Ok(0)
        }
        ReviewAction::Start { quarter, attendees } => {
            let started = crate::ops::meeting::start(&ctx, quarter, attendees).map_err(fail)?;
            outln!("{}", started.describe());
            outln!(
                "Decide each item with `ripen review decide ID DECISION --because TEXT`; `ripen review agenda` shows where they stand."
            );
            Ok(0)
        }
        ReviewAction::Decide {
            item,
            decision,
            because,
            to,
            actions,
            force,
        } => {
            let args = crate::ops::meeting::Decide {
                item: item.clone(),
                decision: *decision,
                to: *to,
                because: because.clone(),
                actions: actions.clone(),
                force: *force,
            };
            let decided = crate::ops::meeting::decide(&ctx, &args).map_err(fail)?;
            outln!("{}", decided.describe());
            Ok(0)
        }
        ReviewAction::Approve { item, because } => {
            let approved = crate::ops::meeting::approve(&ctx, item, because).map_err(fail)?;
            outln!("{}", approved.describe());
            Ok(0)
        }
    }
}

fn close(
    cli: &Cli,
    today: Date,
    env: &Env,
    quarter: &str,
    message: Option<String>,
    allow_open: bool,
) -> Outcome {
    let ctx = super::commands::context(cli, today);
    let closed = match crate::ops::review::close_with(
        &ctx,
        quarter,
        cli.rev.as_deref(),
        message,
        allow_open,
    ) {
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
