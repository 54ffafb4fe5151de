//! `ripen import` and `ripen export`: reading files and writing them, around
//! the pure [`crate::import`] and [`crate::export`].

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::commands::{exit_code, load};
use super::output::{Env, fit};
use super::{Cli, Failure, Format};
use crate::import::{self, Action, Mapping, Preset, Report};
use crate::model::Date;
use crate::register::{self, Severity};
use crate::text::sanitize;
use crate::{export, store};

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
    /// The CSV file to import (UTF-8, with or without a byte-order mark); `-` reads standard input.
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
                .map_err(|e| Failure::new(format!("cannot read the mapping {shown}: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure::new(format!(
                    "{shown}: the mapping is not UTF-8 text; save it as UTF-8"
                ))
            })?;
            Mapping::parse(&shown, &text).map_err(|e| Failure::new(e.to_string()))
        }
        (None, Some(p)) => Ok(p.preset().mapping()),
        (None, None) => Err(Failure::new(
            "say how to read the file: --mapping MAP.ron or --preset omb-2025".to_owned(),
        )),
    }
}

/// Lists at most `max` items, then how many more there are.
fn some<T>(items: &[T], max: usize, show: impl Fn(&T) -> String) -> Result<(), Failure> {
    for item in items.iter().take(max) {
        outln!("  {}", show(item));
    }
    if items.len() > max {
        outln!(
            "  … and {} more (`--format json` lists every row)",
            items.len() - max
        );
    }
    Ok(())
}

fn print_report(r: &Report, env: &Env) -> Result<(), Failure> {
    outln!(
        "{} ({}): {}",
        sanitize(&r.file),
        sanitize(&r.system),
        r.counts()
    );
    let width = env.width.saturating_sub(4);
    let skipped: Vec<_> = r.with(Action::Skipped).collect();
    if !skipped.is_empty() {
        outln!("\nSkipped rows:");
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
        })?;
    }
    if !r.unmapped.is_empty() {
        outln!(
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
        })?;
    }
    let updated: Vec<_> = r.with(Action::Updated).collect();
    if !updated.is_empty() {
        outln!("\nUpdated:");
        some(&updated, 200, |o| {
            fit(
                &format!(
                    "{}: {}",
                    o.id.as_deref().unwrap_or(""),
                    o.changes.join(", ")
                ),
                width,
            )
        })?;
    }
    let created: Vec<_> = r.with(Action::Created).collect();
    if !created.is_empty() {
        outln!("\nCreated:");
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
        })?;
    }
    if !r.absent.is_empty() {
        outln!(
            "\nNot in this file, left as they are ({} use case(s) from {}):",
            r.absent.len(),
            sanitize(&r.system)
        );
        some(&r.absent, 20, |id| id.clone())?;
    }
    if !r.dropped_columns.is_empty() {
        outln!(
            "\nColumns not kept (the mapping neither maps them nor keeps them in notes): {}",
            sanitize(&r.dropped_columns.join(", "))
        );
    }
    Ok(())
}

/// Reads the file to import: a regular file (or a link to one) of at most
/// [`import::MAX_INPUT_BYTES`]; a FIFO, a device or a folder is refused
/// before anything is read.
fn read_input(path: &Path, name: &str) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Failure::new(format!("cannot read {}: {e}", sanitize(name)));
    if path == Path::new("-") {
        // Standard input: how a CSV reaches a register over SSH.
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(import::MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() as u64 > import::MAX_INPUT_BYTES {
            return Err(Failure::new(format!(
                "standard input is over the import limit of {} bytes (256 MiB); split it; nothing was imported",
                import::MAX_INPUT_BYTES
            )));
        }
        return Ok(bytes);
    }
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a pipe, a device or a socket)"
        };
        return Err(Failure::new(format!(
            "{} is {what}: import reads a regular CSV file; nothing was imported",
            sanitize(name)
        )));
    }
    let too_large = |n: u64| {
        Failure::new(format!(
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
        return Err(Failure::new(
            "import writes to the working tree; it cannot take --rev".to_owned(),
        ));
    }
    let dir = state_dir(cli);
    if !dir.join(register::SETTINGS_FILE).is_file() {
        return Err(Failure::new(format!(
            "no register at {}: run `ripen init` to create one, or pass --state DIR (or set RIPEN_STATE)",
            dir.display()
        )));
    }
    let mapping = read_mapping(args)?;
    let csv_name = args.file.display().to_string();
    let bytes = read_input(&args.file, &csv_name)?;

    let mut ctx = super::commands::context(cli, today);
    ctx.no_verify = args.no_verify;
    let planned = match crate::ops::import::plan(&ctx, &csv_name, &bytes, &mapping, args.dry_run) {
        Ok(p) => p,
        Err(crate::ops::OpError::ImportProblems(problems)) => {
            for p in &problems {
                eprintln!(
                    "{}: {}: {}",
                    sanitize(&p.location),
                    super::output::severity(Severity::Error, env.colour_err),
                    sanitize(&p.message)
                );
            }
            return Err(crate::ops::OpError::ImportProblems(problems).into());
        }
        Err(e) => return Err(e.into()),
    };
    if args.format == Format::Text {
        print_report(&planned.plan.report, env)?;
    }
    let done = crate::ops::import::write(&ctx, &planned, args.dry_run)?;
    match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "dry_run": args.dry_run,
                "written": done.written(),
                "commit": done.commit().map(|c| c.to_string()),
                "report": planned.plan.report,
            });
            outln!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Text => {
            outln!();
            outln!("{}", done.describe());
        }
    }
    Ok(0)
}

/// `ripen export (csv | omb-2025) [--columns ...] [--output FILE]`.
pub fn export(cli: &Cli, today: Date, env: &Env, args: &ExportArgs) -> Outcome {
    if !args.columns.is_empty() && args.to != ExportFormat::Csv {
        return Err(Failure::new(
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
                .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
            outln!(
                "Wrote {} use case(s) to {}",
                reg.use_cases.len(),
                sanitize(&path.display().to_string())
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|()| out.flush())
                .map_err(Failure::output)?;
        }
    }
    Ok(exit_code(&reg, env, true))
}
