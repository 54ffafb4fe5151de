//! `ripen import` and `ripen export`: reading files and writing them, around
//! the pure [`crate::import`] and [`crate::export`].

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::commands::{exit_code, load};
use super::output::{Env, fit};
use super::{Cli, Failure, Format};
use crate::git::commit::{self, FileWrite};
use crate::import::{self, Action, Mapping, Plan, Preset, Report};
use crate::model::Date;
use crate::register::{self, Severity};
use crate::text::sanitize;
use crate::{export, git, store};

type Outcome = Result<u8, Failure>;

/// The built-in mappings of `ripen import --preset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportPreset {
    /// The 2025 US federal AI use case inventory (OMB's consolidated CSV).
    #[value(name = "omb-2025")]
    Omb2025,
}

impl ImportPreset {
    fn preset(self) -> Preset {
        match self {
            ImportPreset::Omb2025 => Preset::Omb2025,
        }
    }
}

/// What `ripen export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One row per use case: fields, latest measurement, ROI, verdict and flags.
    Csv,
    /// The federal inventory's 36 columns, as far as the register holds them.
    #[value(name = "omb-2025")]
    Omb2025,
}

/// The arguments of `ripen import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The CSV file to import (UTF-8, with or without a byte-order mark).
    pub file: PathBuf,
    /// The mapping file (RON) that says which column fills which field; see docs/import.md.
    #[arg(
        long,
        value_name = "MAP.ron",
        required_unless_present = "preset",
        conflicts_with = "preset"
    )]
    pub mapping: Option<PathBuf>,
    /// A built-in mapping instead of a file.
    #[arg(long, value_enum)]
    pub preset: Option<ImportPreset>,
    /// Show what the import would do; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Skip the repository's pre-commit and commit-msg hooks, as `git commit --no-verify`.
    #[arg(long)]
    pub no_verify: bool,
}

/// The arguments of `ripen export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(value_enum)]
    pub to: ExportFormat,
    /// For `csv`: the columns, comma-separated, in order (default: all; see docs/import.md).
    #[arg(long, value_delimiter = ',', value_name = "COLUMN,...")]
    pub columns: Vec<String>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every value exactly, for programs: no `'` before cells that
    /// begin with = + - @ (a spreadsheet runs those as formulas), and
    /// control characters raw even to a terminal.
    #[arg(long)]
    pub raw: bool,
}

fn state_dir(cli: &Cli) -> PathBuf {
    cli.state.clone().unwrap_or_else(|| PathBuf::from("state"))
}

fn read_mapping(args: &ImportArgs) -> Result<Mapping, Failure> {
    match (&args.mapping, args.preset) {
        (Some(path), _) => {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path)
                .map_err(|e| Failure(format!("cannot read the mapping {shown}: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure(format!(
                    "{shown}: the mapping is not UTF-8 text; save it as UTF-8"
                ))
            })?;
            Mapping::parse(&shown, &text).map_err(|e| Failure(e.to_string()))
        }
        (None, Some(p)) => Ok(p.preset().mapping()),
        (None, None) => Err(Failure(
            "say how to read the file: --mapping MAP.ron or --preset omb-2025".to_owned(),
        )),
    }
}

/// Lists at most `max` items, then how many more there are.
fn some<T>(items: &[T], max: usize, show: impl Fn(&T) -> String) {
    for item in items.iter().take(max) {
        println!("  {}", show(item));
    }
    if items.len() > max {
        println!(
            "  … and {} more (`--format json` lists every row)",
            items.len() - max
        );
    }
}

fn print_report(r: &Report, env: &Env) {
    println!(
        "{} ({}): {}",
        sanitize(&r.file),
        sanitize(&r.system),
        r.counts()
    );
    let width = env.width.saturating_sub(4);
    let skipped: Vec<_> = r.with(Action::Skipped).collect();
    if !skipped.is_empty() {
        println!("\nSkipped rows:");
        some(&skipped, 50, |o| {
            fit(
                &format!(
                    "row {} (line {}): {}",
                    o.row,
                    o.line,
                    o.reason.as_deref().unwrap_or("")
                ),
                width,
            )
        });
    }
    if !r.unmapped.is_empty() {
        println!(
            "\nValues the mapping does not translate (add them to the mapping and import again):"
        );
        some(&r.unmapped, 100, |u| {
            fit(
                &format!(
                    "{} \"{}\" ({}): {} row(s)",
                    u.column,
                    u.value,
                    u.field.name(),
                    u.rows
                ),
                width,
            )
        });
    }
    let updated: Vec<_> = r.with(Action::Updated).collect();
    if !updated.is_empty() {
        println!("\nUpdated:");
        some(&updated, 200, |o| {
            fit(
                &format!(
                    "{}: {}",
                    o.id.as_deref().unwrap_or(""),
                    o.changes.join(", ")
                ),
                width,
            )
        });
    }
    let created: Vec<_> = r.with(Action::Created).collect();
    if !created.is_empty() {
        println!("\nCreated:");
        some(&created, 10, |o| {
            fit(
                &format!(
                    "{} (row {}, {})",
                    o.id.as_deref().unwrap_or(""),
                    o.row,
                    o.key.as_deref().unwrap_or("")
                ),
                width,
            )
        });
    }
    if !r.absent.is_empty() {
        println!(
            "\nNot in this file, left as they are ({} use case(s) from {}):",
            r.absent.len(),
            sanitize(&r.system)
        );
        some(&r.absent, 20, |id| id.clone());
    }
    if !r.dropped_columns.is_empty() {
        println!(
            "\nColumns not kept (the mapping neither maps them nor keeps them in notes): {}",
            sanitize(&r.dropped_columns.join(", "))
        );
    }
}

/// Writes the planned files: one commit inside a git repository, plain
/// atomic writes outside one. Returns the commit, if any.
fn apply(
    dir: &Path,
    plan: &Plan,
    head: Option<git2::Oid>,
    in_repo: bool,
    verify: bool,
) -> Result<Option<commit::Committed>, Failure> {
    std::fs::create_dir_all(dir.join(register::USE_CASES_DIR))?;
    if in_repo {
        let files: Vec<FileWrite<'_>> = plan
            .writes
            .iter()
            .map(|w| FileWrite {
                rel: &w.rel,
                expected: w.expected.as_deref(),
                new: &w.bytes,
            })
            .collect();
        let message = plan.report.commit_message();
        return Ok(Some(commit::commit_files_with(
            dir,
            &files,
            &message,
            head,
            &commit::CommitOptions { verify },
            &mut crate::testhooks::commit_observer(),
        )?));
    }
    let files: Vec<FileWrite<'_>> = plan
        .writes
        .iter()
        .map(|w| FileWrite {
            rel: &w.rel,
            expected: w.expected.as_deref(),
            new: &w.bytes,
        })
        .collect();
    let done = commit::write_files(dir, &files, &mut crate::testhooks::commit_observer()).map_err(
        |e| match e {
            commit::ChangeError::ChangedOnDisk(rel) => Failure(format!(
                "{} was changed on disk during the import; nothing was written: import again",
                dir.join(rel).display()
            )),
            e => e.into(),
        },
    )?;
    if !done.kept.is_empty() {
        return Err(Failure(format!(
            "{} was changed by someone else during the import: their version is kept and the import's is not written; import again",
            done.kept.join(", ")
        )));
    }
    Ok(None)
}

/// Reads the file to import: a regular file (or a link to one) of at most
/// [`import::MAX_INPUT_BYTES`]; a FIFO, a device or a folder is refused
/// before anything is read.
fn read_input(path: &Path, name: &str) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Failure(format!("cannot read {}: {e}", sanitize(name)));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a pipe, a device or a socket)"
        };
        return Err(Failure(format!(
            "{} is {what}: import reads a regular CSV file; nothing was imported",
            sanitize(name)
        )));
    }
    let too_large = |n: u64| {
        Failure(format!(
            "{} is {n} bytes, over the import limit of {} bytes (256 MiB); split it; nothing was imported",
            sanitize(name),
            import::MAX_INPUT_BYTES
        ))
    };
    if meta.len() > import::MAX_INPUT_BYTES {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(import::MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > import::MAX_INPUT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// `ripen import FILE (--mapping MAP | --preset NAME) [--dry-run]`.
pub fn import(cli: &Cli, today: Date, env: &Env, args: &ImportArgs) -> Outcome {
    if cli.rev.is_some() {
        return Err(Failure(
            "import writes to the working tree; it cannot take --rev".to_owned(),
        ));
    }
    let dir = state_dir(cli);
    if !dir.join(register::SETTINGS_FILE).is_file() {
        return Err(Failure(format!(
            "no register at {}: run `ripen init` to create one, or pass --state DIR (or set RIPEN_STATE)",
            dir.display()
        )));
    }
    let mapping = read_mapping(args)?;
    let csv_name = args.file.display().to_string();
    let bytes = read_input(&args.file, &csv_name)?;

    let in_repo = git::locate(&dir).is_ok();
    let head = if in_repo {
        if !args.dry_run {
            if let Some(reason) = commit::read_only_reason(&dir) {
                return Err(Failure(format!(
                    "cannot commit an import here: {reason}; nothing was written"
                )));
            }
        }
        commit::head_commit(&dir)?
    } else {
        None
    };
    let snapshot = store::snapshot(&dir)?;
    let reg = register::load(&snapshot, cli.as_of, today);
    let plan = match import::plan(&csv_name, &bytes, &mapping, &reg, &snapshot) {
        Ok(p) => p,
        Err(e) => {
            for p in &e.problems {
                eprintln!(
                    "{}: {}: {}",
                    sanitize(&p.location),
                    super::output::severity(Severity::Error, env.colour_err),
                    sanitize(&p.message)
                );
            }
            return Err(Failure(format!(
                "nothing was imported: {} problem(s) above",
                e.problems.len()
            )));
        }
    };
    if args.format == Format::Text {
        print_report(&plan.report, env);
    }
    let committed = if args.dry_run || plan.writes.is_empty() {
        None
    } else {
        apply(&dir, &plan, head, in_repo, !args.no_verify)?
    };
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "dry_run": args.dry_run,
                "written": if args.dry_run { 0 } else { plan.writes.len() },
                "commit": committed.as_ref().map(|c| c.id.to_string()),
                "report": plan.report,
            });
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            println!();
            if args.dry_run {
                println!("Dry run: nothing was written.");
            } else if plan.writes.is_empty() {
                println!("Nothing to change: the register already says what the file says.");
            } else if let Some(c) = &committed {
                println!(
                    "Wrote {} file(s) and committed them as {} on {}.",
                    plan.writes.len(),
                    &c.id.to_string()[..7],
                    sanitize(c.branch.strip_prefix("refs/heads/").unwrap_or(&c.branch))
                );
            } else {
                println!(
                    "Wrote {} file(s); {} is not in a git repository, so nothing was committed.",
                    plan.writes.len(),
                    sanitize(&dir.display().to_string())
                );
            }
        }
    }
    Ok(0)
}

/// `ripen export (csv | omb-2025) [--columns ...] [--output FILE]`.
pub fn export(cli: &Cli, today: Date, env: &Env, args: &ExportArgs) -> Outcome {
    if !args.columns.is_empty() && args.to != ExportFormat::Csv {
        return Err(Failure(
            "--columns applies to `ripen export csv` only".to_owned(),
        ));
    }
    let reg = load(cli, today)?;
    let cells = if args.raw {
        export::Cells::Exact
    } else {
        export::Cells::Spreadsheet
    };
    let mut bytes = match args.to {
        ExportFormat::Csv => export::csv(&reg, &args.columns, cells)?,
        ExportFormat::Omb2025 => export::omb_2025(&reg, cells)?,
    };
    // To a terminal, the register's text is untrusted like anywhere else.
    if args.output.is_none() && !args.raw && std::io::stdout().is_terminal() {
        bytes = crate::text::sanitize_lines(&String::from_utf8_lossy(&bytes)).into_bytes();
    }
    match &args.output {
        Some(path) => {
            store::write_atomic(path, &bytes)
                .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
            println!(
                "Wrote {} use case(s) to {}",
                reg.use_cases.len(),
                sanitize(&path.display().to_string())
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(exit_code(&reg, env, true))
}
