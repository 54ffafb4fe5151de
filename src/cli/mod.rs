//! The command line: a thin shell over the library.
//!
//! Parses arguments with clap, reads the clock and the environment, calls the
//! library, and prints what it returns. It computes no domain result itself.
//! Exit codes: 0 fine, 1 the register has errors (or `fmt --check` found
//! changes), 2 usage or I/O failure.

mod commands;
mod demo;
mod history;
mod import;
mod output;
mod proposals;
mod review;

pub use proposals::{ProposalsAction, ProposalsArgs};
pub use review::{ReportArgs, ReportFormat, ReviewAction, ReviewArgs};

pub use import::{ExportArgs, ExportFormat, ImportArgs, ImportPreset};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::model::Date;

/// ripen: which AI use cases are ripe to move from prompting to fine-tuning, and why.
#[derive(Debug, Parser)]
#[command(name = "ripen", version, about, long_about = None)]
pub struct Cli {
    /// The register's state directory.
    #[arg(long, global = true, env = "RIPEN_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Read the register as it was at a git revision (a commit, branch or tag).
    #[arg(long, global = true, value_name = "REV")]
    pub rev: Option<String>,
    /// Evaluate at this date (YYYY-MM-DD) instead of register.ron's as_of or today.
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// What to do; without one, ripen opens the terminal UI (or lists the
    /// register when output is not a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
}

fn parse_stage(s: &str) -> Result<crate::model::Stage, String> {
    crate::model::Stage::ALL
        .into_iter()
        .find(|st| st.name().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let names: Vec<&str> = crate::model::Stage::ALL.iter().map(|s| s.name()).collect();
            format!("unknown stage `{s}`; one of {}", names.join(", "))
        })
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s)
}

/// Output formats for reading commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Text,
    /// JSON for programs.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new register (register.ron, policy.ron, use-cases/) and `git init` if needed.
    Init {
        /// Where to create it (default: --state, else ./state).
        dir: Option<PathBuf>,
        /// The register's name.
        #[arg(long, default_value = "AI Use Case Register")]
        name: String,
    },
    /// Create a demo register repository with two years of history, then open it.
    Demo {
        /// Where to create it: a new or empty folder (default: a new temporary folder).
        dir: Option<PathBuf>,
        /// Print the path and next steps instead of opening the terminal UI.
        #[arg(long)]
        no_tui: bool,
        /// Build a synthetic register of N use cases instead (benchmarks, tests).
        #[arg(long, value_name = "N")]
        use_cases: Option<usize>,
        /// With --use-cases: M commits, each changing one to three use cases (default 2N).
        #[arg(long, value_name = "M")]
        commits: Option<usize>,
        /// Seed of the pseudo-random choices: the same seed and date give the same repository.
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
    },
    /// Scaffold a new use-case file with placeholder values that validate.
    New {
        /// The id: lowercase letters, digits and single hyphens (e.g. contract-review).
        id: String,
        /// The title.
        #[arg(long, default_value = "New use case")]
        title: String,
        /// The owner's e-mail address.
        #[arg(long, default_value = "owner@example.com")]
        owner: String,
        /// The owning team.
        #[arg(long, default_value = "Unassigned")]
        team: String,
    },
    /// Check every file and print its diagnostics.
    Validate {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the use cases ready (or almost ready) to move to fine-tuning, best first.
    Ready {
        /// Show only this use case.
        id: Option<String>,
        /// Show every applicable use case, not only ready and almost.
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// One row per use case.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Move a use case to another roadmap stage and commit exactly that change.
    #[command(
        long_about = "Move a use case to another roadmap stage: one atomic write of its file and one \
git commit of exactly that file, with the justification as the commit body (the same change the \
terminal UI's < and > make). Moving into FineTune a use case whose readiness is not `ready` is \
refused unless --override is given; the override is recorded in the commit message. Refused, \
changing nothing, when the file changed since it was read, has uncommitted or staged changes, \
the branch moved, or the repository cannot be edited (detached HEAD, merge in progress, no \
identity)."
    )]
    Move {
        /// The use case's id.
        id: String,
        /// The stage to move to: Identify, Collect, FineTune, Evaluate or Retired.
        #[arg(value_parser = parse_stage)]
        stage: crate::model::Stage,
        /// Why: one line, the commit's body.
        #[arg(long, short = 'm', value_name = "TEXT")]
        because: String,
        /// Move into FineTune although the readiness verdict is not `ready`.
        #[arg(long = "override")]
        force: bool,
    },
    /// Rewrite every file in canonical form.
    Fmt {
        /// Change nothing; list the files that are not canonical and exit 1 if any.
        #[arg(long)]
        check: bool,
    },
    /// Compare two versions of the register field by field, with verdicts before and after.
    Diff {
        /// The older revision (a commit, branch or tag).
        from: String,
        /// The newer revision (default: the working tree).
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every commit that changed a use case, newest first, with its field changes.
    History {
        /// The use case's id (renames are followed back).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Import use cases from a CSV file through a mapping or a preset (see docs/import.md).
    Import(ImportArgs),
    /// Write the register as CSV: `csv` for spreadsheets, `omb-2025` for the federal inventory.
    Export(ExportArgs),
    /// Branches that propose changes to the register, and accepting one (`proposals accept`).
    Proposals(ProposalsArgs),
    /// Quarterly reviews as git tags: `review close YYYY-Qn`, `review list`.
    Review(ReviewArgs),
    /// The quarterly report: what changed since the last review, in Markdown or JSON.
    Report(ReportArgs),
}

/// A failure that ends the command with exit code 2.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// Runs the command line with the process's arguments; returns the exit code.
pub fn main() -> ExitCode {
    stop_quietly_on_a_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let today = Date(chrono::Local::now().date_naive());
    let env = output::Env::from_process();
    match commands::run(cli, today, &env) {
        Ok(code) => ExitCode::from(code),
        Err(Failure(msg)) => {
            // Standard error may be a terminal that is gone: never panic here.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "ripen: error: {}",
                crate::text::sanitize(&msg)
            );
            ExitCode::from(2)
        }
    }
}

/// Help and version as clap prints them; any other error in the arguments
/// (which quotes what was typed) as plain text with unsafe characters
/// escaped, line by line: an argument is untrusted text too.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    use std::io::Write;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        e.exit();
    }
    let text = e.render().to_string();
    let mut err = std::io::stderr().lock();
    for line in text.trim_end().split('\n') {
        let _ = writeln!(err, "{}", crate::text::sanitize(line));
    }
    ExitCode::from(e.exit_code().clamp(0, 255) as u8)
}

/// Output is often piped into `head` or a pager that exits early; printing
/// then fails and `println!` panics. Stop quietly with success instead (as
/// `git log | head` does) rather than print a panic and a backtrace.
fn stop_quietly_on_a_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
