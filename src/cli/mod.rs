//! The command line: a thin shell over the library.
//!
//! Parses arguments with clap, reads the clock and the environment, calls the
//! library, and prints what it returns. It computes no domain result itself:
//! every change goes through [`crate::ops`], whose outcomes word themselves.
//! Standard output is written through `outln!`, which turns a failed
//! write into a [`Failure`] (quiet on a closed pipe) rather than a panic.
//! Exit codes: 0 fine, 1 the register has errors (or `fmt --check` found
//! changes), 2 usage or I/O failure.

/// Writes a line to standard output, as `println!`, but a failure to
/// write returns from the enclosing function with [`Failure::output`]
/// instead of panicking.
macro_rules! outln {
    () => {
        $crate::cli::output::emit(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::cli::output::emit(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// [`outln!`] without the newline, as `print!`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::emit(format_args!($($arg)*))?
    };
}

mod commands;
mod demo;
mod generate;
mod history;
mod import;
mod output;
pub mod principal;
mod proposals;
mod review;
mod verify;
mod whatif;

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
    /// The register's state directory (default: the state/ folder here or in
    /// the nearest folder above, up to the repository's root).
    #[arg(long, env = "RIPEN_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Read the register as it was at a git revision (a commit, branch or tag).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Evaluate at this date (YYYY-MM-DD) instead of register.ron's as_of or today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Act as this principal of access.ron (as committed at HEAD): their
    /// name and email author commits, their role limits what can be done.
    /// For an OpenSSH forced command: without a command here, the one in
    /// SSH_ORIGINAL_COMMAND runs (see docs/serve.md).
    #[arg(long, value_name = "EMAIL")]
    pub principal: Option<String>,
    /// The principal resolved from `--principal`.
    #[arg(skip)]
    pub acting: Option<crate::access::Principal>,
    /// What to do; without one, ripen opens the terminal UI (or lists the
    /// register when output is not a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The options that say which register to read: each command takes those
/// that apply to it, after its name; before the command, `ripen --state DIR
/// ready` works as well (the command's own value wins).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StateOpt {
    /// The register's state directory (default: RIPEN_STATE, else the
    /// state/ folder here or in the nearest folder above).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
}

/// `--rev`, for commands that read any revision.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RevOpt {
    /// Read the register as it was at a git revision (a commit, branch or tag).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

/// `--as-of`, for commands that evaluate readiness.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AsOfOpt {
    /// Evaluate at this date (YYYY-MM-DD) instead of register.ron's as_of or today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

/// `--state` and `--as-of` for a command and every subcommand of it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TreeOpts {
    /// The register's state directory (default: RIPEN_STATE, else the
    /// state/ folder here or in the nearest folder above).
    #[arg(long, global = true, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Evaluate at this date (YYYY-MM-DD) instead of register.ron's as_of or today.
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

pub(crate) fn parse_stage(s: &str) -> Result<crate::model::Stage, String> {
    crate::model::Stage::ALL
        .into_iter()
        .find(|st| st.name().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            let names: Vec<&str> = crate::model::Stage::ALL.iter().map(|s| s.name()).collect();
            format!("unknown stage `{s}`; one of {}", names.join(", "))
        })
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e}; write e.g. 90s, 30m or 2h"))
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
    /// Create a register in DIR/state and commit it; DIR becomes a git repository unless it is in one.
    #[command(
        long_about = "Create a register in DIR/state (register.ron, policy.ron, use-cases/) and commit \
exactly those files with the message \"Create the register\". When DIR is not inside a git \
repository, DIR becomes one; inside one, state/ is created and committed there. Other commands \
find the register as git finds .git: the state/ folder of the current folder or of the nearest \
one above it, up to the repository's root."
    )]
    Init {
        /// The folder to hold the register (default: the current folder).
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
    /// Scaffold a new use case with placeholder values and commit it.
    New {
        #[command(flatten)]
        state: StateOpt,
        /// The id: lowercase letters, digits and single hyphens (e.g. contract-review).
        id: String,
        /// The title.
        #[arg(long, default_value = crate::model::PLACEHOLDER_TITLE)]
        title: String,
        /// The owner's e-mail address.
        #[arg(long, default_value = crate::model::PLACEHOLDER_OWNER)]
        owner: String,
        /// The owning team.
        #[arg(long, default_value = crate::model::PLACEHOLDER_TEAM)]
        team: String,
        /// Only write the file; do not commit it.
        #[arg(long)]
        no_commit: bool,
    },
    /// Check every file and print its diagnostics.
    Validate {
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        rev: RevOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show the use cases ready (or almost ready) to move to fine-tuning, best first.
    Ready {
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        rev: RevOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
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
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        rev: RevOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
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
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
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
        /// Skip the repository's pre-commit and commit-msg hooks, as `git commit --no-verify`.
        #[arg(long)]
        no_verify: bool,
    },
    /// Rewrite every file in canonical form.
    Fmt {
        #[command(flatten)]
        state: StateOpt,
        /// Change nothing; list the files that are not canonical and exit 1 if any.
        #[arg(long)]
        check: bool,
    },
    /// Compare two versions of the register field by field, with verdicts before and after.
    Diff {
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
        /// The older revision: a commit, branch or tag (default: HEAD, so that
        /// `ripen diff` shows the working tree's changes, as `git diff` does).
        #[arg(default_value = "HEAD")]
        from: String,
        /// The newer revision (default: the working tree).
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every commit that changed a use case, newest first, with its field changes.
    History {
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        rev: RevOpt,
        /// The use case's id (renames are followed back).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Import use cases from a CSV file through a mapping or a preset (see docs/import.md).
    Import {
        #[command(flatten)]
        args: ImportArgs,
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
    },
    /// Write the register as CSV: `csv` for spreadsheets, `omb-2025` for the federal inventory.
    Export {
        #[command(flatten)]
        args: ExportArgs,
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        rev: RevOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
    },
    /// Branches that propose changes to the register, and accepting one (`proposals accept`).
    Proposals {
        #[command(flatten)]
        args: ProposalsArgs,
        #[command(flatten)]
        opts: TreeOpts,
    },
    /// Quarterly reviews: `review agenda`, `start`, `decide`, `approve`, `close YYYY-Qn`, `list`.
    Review {
        #[command(flatten)]
        args: ReviewArgs,
        #[command(flatten)]
        opts: TreeOpts,
    },
    /// Evaluate the register under a changed policy and list every verdict that would change.
    #[command(
        name = "what-if",
        long_about = "Evaluate the register under a changed policy, in memory, and list every use case \
whose verdict would change, with the criteria that move and the counts before and after. Each \
--set KEY=VALUE changes one field of policy.ron (economics.* for the cost model; gates=+Payback \
adds a gate, gates=-Timeline removes one). With --write --because TEXT, commit the changed \
policy.ron as one commit whose body is TEXT (refused, changing nothing, when policy.ron changed \
since it was read or the branch moved)."
    )]
    WhatIf {
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        rev: RevOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
        /// A policy field and its new value, e.g. min_daily_volume=2000 (repeat for several).
        #[arg(long = "set", value_name = "KEY=VALUE", required = true)]
        sets: Vec<String>,
        /// Commit the changed policy.ron (needs --because).
        #[arg(long, requires = "because")]
        write: bool,
        /// Why: one line, the commit's body (with --write).
        #[arg(long, short = 'm', value_name = "TEXT")]
        because: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a shell completion script: `ripen completions bash > ~/.local/share/bash-completion/completions/ripen`.
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `ripen man | man -l -`; `ripen man init` for one command's.
    Man {
        /// The command whose page to print (default: ripen's own, listing every command).
        command: Option<String>,
    },
    /// Serve the register over SSH: the terminal UI and every command, for the principals of access.ron.
    #[command(
        long_about = "Serve the register over SSH (a foreground process; see docs/serve.md). A key \
listed in state/access.ron as committed at HEAD signs in as that principal; any other key is \
refused. `ssh -t -p PORT HOST` opens the terminal UI; `ssh -p PORT HOST list --format json` runs \
one command. Commits are authored by the principal, limited by their role (Viewer, Proposer, \
Reviewer, Admin). Logs one line per event to standard error; SIGTERM lets open sessions finish \
their save, then exits."
    )]
    Serve {
        #[command(flatten)]
        state: StateOpt,
        /// Where to listen.
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:2222")]
        listen: std::net::SocketAddr,
        /// The host key file, made on first start (mode 0600) [default: $XDG_STATE_HOME/ripen/ssh_host_ed25519_key or ~/.local/state/ripen/ssh_host_ed25519_key].
        #[arg(long, value_name = "PATH")]
        host_key: Option<PathBuf>,
        /// The most terminal sessions open at once.
        #[arg(long, value_name = "N", default_value_t = 32)]
        max_sessions: usize,
        /// Close a connection that sends nothing for this long (e.g. 30m, 2h).
        #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
        idle_timeout: std::time::Duration,
    },
    /// Who signed each change to the register in a range, and whether their role allowed it.
    #[command(
        long_about = "Check every commit of REV-RANGE (A..B, or a revision and all its ancestors; \
default HEAD) that changes the state directory: is it signed, by which key, does the key belong \
to the commit's author (in state/access.ron as it was at the commit's parent; without one, in \
git's gpg.ssh.allowedSignersFile), and does the author's role allow the change (policy.ron and \
access.ron need Admin, the main line Reviewer, other branches Proposer). SSH signatures are \
verified by ripen itself; OpenPGP signatures are reported as not verified. Exit code 1 when any \
commit breaks a rule, each named with commit, author and reason."
    )]
    Verify {
        #[command(flatten)]
        state: StateOpt,
        /// The commits: A..B, or a revision and its ancestors (default: HEAD).
        range: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The quarterly report: what changed since the last review, in Markdown or JSON.
    Report {
        #[command(flatten)]
        args: ReportArgs,
        #[command(flatten)]
        state: StateOpt,
        #[command(flatten)]
        as_of: AsOfOpt,
    },
}

impl Command {
    /// The `--state`, `--rev` and `--as-of` given after the command's name.
    fn own_opts(&self) -> (Option<PathBuf>, Option<String>, Option<Date>) {
        match self {
            Command::Init { .. }
            | Command::Demo { .. }
            | Command::Completions { .. }
            | Command::Man { .. } => (None, None, None),
            Command::New { state, .. }
            | Command::Fmt { state, .. }
            | Command::Serve { state, .. } => (state.state.clone(), None, None),
            Command::Verify { state, .. } => (state.state.clone(), None, None),
            Command::Validate {
                state, rev, as_of, ..
            }
            | Command::Ready {
                state, rev, as_of, ..
            }
            | Command::List {
                state, rev, as_of, ..
            }
            | Command::Export {
                state, rev, as_of, ..
            }
            | Command::WhatIf {
                state, rev, as_of, ..
            } => (state.state.clone(), rev.rev.clone(), as_of.as_of),
            Command::Move { state, as_of, .. }
            | Command::Diff { state, as_of, .. }
            | Command::Import { state, as_of, .. }
            | Command::Report { state, as_of, .. } => (state.state.clone(), None, as_of.as_of),
            Command::History { state, rev, .. } => (state.state.clone(), rev.rev.clone(), None),
            Command::Proposals { opts, .. } => (opts.state.clone(), None, opts.as_of),
            Command::Review { args, opts } => {
                let rev = match &args.action {
                    ReviewAction::Close { rev, .. } => rev.rev.clone(),
                    _ => None,
                };
                (opts.state.clone(), rev, opts.as_of)
            }
        }
    }
}

/// Merges the options given after the command's name into those given
/// before it (the command's own win).
fn merge_opts(cli: &mut Cli) {
    if let Some(command) = &cli.command {
        let (state, rev, as_of) = command.own_opts();
        if state.is_some() {
            cli.state = state;
        }
        if rev.is_some() {
            cli.rev = rev;
        }
        if as_of.is_some() {
            cli.as_of = as_of;
        }
    }
}

/// Why a command stopped early.
#[derive(Debug)]
pub enum Failure {
    /// A failure, worded for standard error: exit code 2.
    Message(String),
    /// Standard output was closed by its reader (`ripen list | head`):
    /// stop quietly with success, as `git log | head` does.
    OutputClosed,
}

impl Failure {
    /// A failure worded `msg`.
    pub fn new(msg: impl Into<String>) -> Failure {
        Failure::Message(msg.into())
    }

    /// A failure to write standard output: quiet when its reader has gone
    /// (a closed pipe), else worded (a terminal that hung up answers EIO).
    pub fn output(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::OutputClosed
        } else {
            Failure::Message(format!("cannot write the output: {e}"))
        }
    }
}

/// The error for a missing register, with advice that works when pasted.
pub(crate) fn no_register(cli: &Cli) -> Failure {
    let Some(dir) = &cli.state else {
        return Failure::new(
            "no register found: no state/register.ron in this folder or the folders above it (up to the repository's root); run `ripen init` to create one here, or pass --state DIR (or set RIPEN_STATE)"
                .to_owned(),
        );
    };
    let init = match (dir.file_name(), dir.parent()) {
        (Some(name), Some(parent)) if name == crate::ops::STATE_DIR => {
            let parent = parent.display().to_string();
            if parent.is_empty() {
                "; run `ripen init` to create one".to_owned()
            } else {
                format!(
                    "; run `ripen init {}` to create one",
                    crate::ops::shell_word(&parent)
                )
            }
        }
        _ => String::new(),
    };
    Failure::new(format!(
        "no register at {} (no {}){init}; check --state or RIPEN_STATE",
        dir.display(),
        dir.join(crate::register::SETTINGS_FILE).display()
    ))
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Message(e.to_string())
    }
}

/// Runs the command line with the process's arguments; returns the exit code.
pub fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if cli.principal.is_some() && cli.command.is_none() {
        let original = std::env::var(principal::ORIGINAL_COMMAND).unwrap_or_default();
        if !original.trim().is_empty() {
            let own: Vec<String> = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let all = match principal::with_original(own, &original) {
                Ok(all) => all,
                Err(f) => return report(f),
            };
            cli = match Cli::try_parse_from(all) {
                Ok(cli) => cli,
                Err(e) => return usage_error(&e),
            };
        }
    }
    merge_opts(&mut cli);
    if cli.state.is_none() {
        // Found as git finds `.git`: here or in the nearest folder above.
        cli.state = std::env::current_dir()
            .ok()
            .and_then(|cwd| crate::ops::discover_state(&cwd));
    }
    let today = Date(chrono::Local::now().date_naive());
    if let Some(email) = cli.principal.clone() {
        let acting = principal::resolve(&commands::context(&cli, today), &email)
            .and_then(|p| principal::check(&cli, &p).map(|()| p));
        match acting {
            Ok(p) => cli.acting = Some(p),
            Err(f) => return report(f),
        }
    }
    let env = output::Env::from_process();
    report_code(commands::run(cli, today, &env))
}

fn report(f: Failure) -> ExitCode {
    report_code(Err(f))
}

/// The exit code of a finished command.
fn report_code(result: Result<u8, Failure>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader of the output has gone: nothing more to say to it.
        Err(Failure::OutputClosed) => ExitCode::SUCCESS,
        Err(Failure::Message(msg)) => {
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
