//! One function per command; each loads through the library and prints.

use std::path::{Path, PathBuf};

use super::output::{self, Env, fit, pad};
use super::{Cli, Command, Failure, Format};
use crate::git;
use crate::model::{Date, UseCaseId};
use crate::readiness::Verdict;
use crate::register::{self, Register, Severity};
use crate::report::{self, Selection};
use crate::text::sanitize;

type Outcome = Result<u8, Failure>;

fn state_dir(cli: &Cli) -> PathBuf {
    cli.state.clone().unwrap_or_else(|| PathBuf::from("state"))
}

/// The operations' context for this command line.
pub(super) fn context(cli: &Cli, today: Date) -> crate::ops::Context {
    let mut ctx = crate::ops::Context::new(state_dir(cli), today);
    ctx.as_of = cli.as_of;
    if let Some(p) = &cli.acting {
        ctx.act_as(p);
    }
    ctx
}

/// An operation's failure as the command line reports it: a missing
/// register with advice for the options given, anything else as worded.
pub(super) fn op_failure(cli: &Cli, e: crate::ops::OpError) -> Failure {
    match e {
        crate::ops::OpError::NoRegister(_) => super::no_register(cli),
        e => Failure::new(e.to_string()),
    }
}

/// Loads the register from the working tree or from `--rev`.
pub(super) fn load(cli: &Cli, today: Date) -> Result<Register, Failure> {
    crate::ops::load::register(&context(cli, today), cli.rev.as_deref())
        .map_err(|e| op_failure(cli, e))
}

/// Refuses a state directory reached through a symbolic link inside its
/// repository (reading and writing alike, as git does), or without its
/// `use-cases/` folder.
fn refuse_links(dir: &Path) -> Result<(), Failure> {
    crate::ops::load::refuse_links(dir).map_err(|e| Failure::new(e.to_string()))
}

/// Tells on standard error that the register has errors; returns the exit code.
pub(super) fn exit_code(reg: &Register, env: &Env, print_hint: bool) -> u8 {
    let errors = reg.errors();
    if errors == 0 {
        return 0;
    }
    if print_hint {
        eprintln!(
            "ripen: {}: the register has {errors} error(s); files with errors are left out; run `ripen validate` to see them",
            output::severity(Severity::Error, env.colour_err)
        );
    }
    1
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs one parsed command line.
pub fn run(cli: Cli, today: Date, env: &Env) -> Outcome {
    if !matches!(
        cli.command,
        Some(Command::Init { .. } | Command::Demo { .. })
    ) {
        recover(&state_dir(&cli));
    }
    match &cli.command {
        None => ui(&cli, today, env),
        Some(Command::Init { dir, name }) => {
            if cli.rev.is_some() || cli.as_of.is_some() {
                return Err(Failure::new(
                    "init creates a new register; it takes neither --rev nor --as-of".to_owned(),
                ));
            }
            init(dir.as_deref().unwrap_or(Path::new(".")), name)
        }
        Some(Command::Demo {
            dir,
            no_tui,
            use_cases,
            commits,
            seed,
        }) => super::demo::demo(
            super::demo::DemoArgs {
                dir: dir.as_deref(),
                no_tui: *no_tui,
                use_cases: *use_cases,
                commits: *commits,
                seed: *seed,
            },
            today,
            env,
        ),
        Some(Command::New {
            id,
            title,
            owner,
            team,
            no_commit,
            ..
        }) => new(&cli, id, title, owner, team, !no_commit),
        Some(Command::Validate { format, .. }) => validate(&cli, today, env, *format),
        Some(Command::Ready {
            id, all, format, ..
        }) => ready(&cli, today, env, id.as_deref(), *all, *format),
        Some(Command::List { format, .. }) => list(&cli, today, env, *format),
        Some(Command::Fmt { check, .. }) => fmt(&cli, today, env, *check),
        Some(Command::Move {
            id,
            stage,
            because,
            force,
            no_verify,
            ..
        }) => move_stage(&cli, today, id, *stage, because, *force, *no_verify),
        Some(Command::Diff {
            from, to, format, ..
        }) => super::history::diff(&cli, today, env, from, to.as_deref(), *format),
        Some(Command::History { id, format, .. }) => {
            super::history::history(&cli, env, id, *format)
        }
        Some(Command::Import { args, .. }) => super::import::import(&cli, today, env, args),
        Some(Command::Export { args, .. }) => super::import::export(&cli, today, env, args),
        Some(Command::Proposals { args, .. }) => super::proposals::run(&cli, today, env, args),
        Some(Command::Review { args, .. }) => super::review::review(&cli, today, env, args),
        Some(Command::Report { args, .. }) => super::review::report(&cli, today, env, args),
        Some(Command::Verify { range, format, .. }) => {
            super::verify::verify(&cli, today, env, range.as_deref(), *format)
        }
        Some(Command::WhatIf {
            sets,
            write,
            because,
            format,
            ..
        }) => super::whatif::what_if(&cli, today, env, sets, *write, because.as_deref(), *format),
        Some(Command::Completions { shell }) => super::generate::completions(*shell),
        Some(Command::Man { command }) => super::generate::man(command.as_deref()),
        Some(Command::Serve {
            listen,
            host_key,
            max_sessions,
            idle_timeout,
            ..
        }) => serve(
            &cli,
            env,
            *listen,
            host_key.clone(),
            *max_sessions,
            *idle_timeout,
        ),
    }
}

/// `ripen serve`: runs until SIGTERM or SIGINT.
fn serve(
    cli: &Cli,
    env: &Env,
    listen: std::net::SocketAddr,
    host_key: Option<PathBuf>,
    max_sessions: usize,
    idle_timeout: std::time::Duration,
) -> Outcome {
    let dir = state_dir(cli);
    if !dir.join(register::SETTINGS_FILE).is_file() {
        return Err(super::no_register(cli));
    }
    let host_key = host_key
        .or_else(crate::serve::hostkey::default_path)
        .ok_or_else(|| {
            Failure::new("no home folder to keep the host key in; pass --host-key PATH")
        })?;
    let exe = std::env::current_exe()
        .map_err(|e| Failure::new(format!("cannot find the ripen executable: {e}")))?;
    let state_dir = std::path::absolute(&dir).unwrap_or(dir);
    crate::serve::run(crate::serve::Options {
        state_dir,
        listen,
        host_key,
        max_sessions: max_sessions.max(1),
        idle_timeout,
        no_color: !env.colour,
        exe,
    })
    .map_err(Failure::new)?;
    Ok(0)
}

/// Finishes what an interrupted run left half done (see
/// [`git::commit::recover`]) and says what it did on standard error.
fn recover(dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    let notes = match git::commit::recover(dir) {
        Ok(notes) => notes,
        Err(e) => vec![format!(
            "an interrupted write could not be finished yet: {e}"
        )],
    };
    for note in notes {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "ripen: note: {}", sanitize(&note));
    }
}

/// The terminal UI on a terminal; `list` when output is piped.
fn ui(cli: &Cli, today: Date, env: &Env) -> Outcome {
    use std::io::IsTerminal;
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        return list(cli, today, env, Format::Text);
    }
    let dir = state_dir(cli);
    if cli.rev.is_none() && !dir.is_dir() {
        return Err(super::no_register(cli));
    }
    if cli.rev.is_none() {
        refuse_links(&dir)?;
    }
    let source = crate::tui::Source {
        state_dir: dir,
        rev: cli.rev.clone(),
        as_of: cli.as_of,
        today,
        principal: cli.acting.clone(),
    };
    let exit = crate::tui::run(source, !env.colour).map_err(Failure::new)?;
    Ok(exit_status(exit))
}

fn refuse_rev(cli: &Cli, what: &str) -> Result<(), Failure> {
    match cli.rev {
        Some(_) => Err(Failure::new(format!(
            "{what} writes to the working tree; it cannot take --rev"
        ))),
        None => Ok(()),
    }
}

fn init(dir: &Path, name: &str) -> Outcome {
    let done = crate::ops::init(dir, name)?;
    let state = done.state_dir.display().to_string();
    let short = git::short_id(done.commit);
    if done.created_repo {
        outln!(
            "Initialized a git repository in {}",
            sanitize(&dir.display().to_string())
        );
    } else {
        outln!(
            "Using the git repository at {} (the folder is inside it)",
            sanitize(&done.repo_root.display().to_string())
        );
    }
    outln!(
        "Created the register in {} and committed it as {short} \"{}\"",
        sanitize(&state),
        crate::ops::INIT_MESSAGE
    );
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!(
            "cd {} && ",
            crate::ops::shell_word(&dir.display().to_string())
        )
    };
    outln!("Next: {cd}ripen new first-use-case --title 'My first use case'");
    Ok(0)
}

fn new(cli: &Cli, id: &str, title: &str, owner: &str, team: &str, commit: bool) -> Outcome {
    refuse_rev(cli, "new")?;
    let id = UseCaseId::new(id)?;
    let dir = state_dir(cli);
    if !dir.join(register::SETTINGS_FILE).is_file() {
        return Err(super::no_register(cli));
    }
    let done = crate::ops::new_use_case(&dir, &id, title, owner, team, commit)?;
    let path = done.path.display().to_string();
    match done.commit {
        Some(c) => outln!(
            "Created {} and committed it as {}",
            sanitize(&path),
            git::short_id(c)
        ),
        None => outln!("Created {} (not committed)", sanitize(&path)),
    }
    outln!(
        "Its placeholder values are warnings until you replace them: edit the file, or open the terminal UI (`ripen`) and press e."
    );
    if done.commit.is_none() {
        let word = crate::ops::shell_word(&path);
        outln!(
            "Next: git add {word} && git commit -m {}",
            crate::ops::shell_word(&crate::ops::new_message(&id, title))
        );
    } else {
        outln!("Next: ripen validate");
    }
    Ok(0)
}

fn validate(cli: &Cli, today: Date, env: &Env, format: Format) -> Outcome {
    let reg = load(cli, today)?;
    match format {
        Format::Json => json(&serde_json::json!({
            "ok": reg.errors() == 0,
            "use_cases": reg.use_cases.len(),
            "errors": reg.errors(),
            "warnings": reg.warnings(),
            "diagnostics": reg.diagnostics,
        }))?,
        Format::Text => {
            for d in &reg.diagnostics {
                outln!(
                    "{}:{}:{}: {}: {}",
                    sanitize(&d.file),
                    d.line,
                    d.column,
                    output::severity(d.severity, env.colour),
                    sanitize(&d.message)
                );
            }
            outln!(
                "{}: {} use case(s) loaded, {} error(s), {} warning(s)",
                sanitize(&reg.root),
                reg.use_cases.len(),
                reg.errors(),
                reg.warnings()
            );
        }
    }
    Ok(exit_code(&reg, env, false))
}

fn list(cli: &Cli, today: Date, env: &Env, format: Format) -> Outcome {
    let reg = load(cli, today)?;
    let assessments = report::assess_all(&reg);
    let rows = report::list(&reg, &assessments);
    match format {
        Format::Json => json(&rows)?,
        Format::Text => {
            use std::fmt::Write;
            let id_w = rows
                .iter()
                .map(|r| r.id.len())
                .max()
                .unwrap_or(2)
                .clamp(2, 28);
            // Written at once: ten thousand rows are not twenty thousand writes.
            let mut table = String::with_capacity(rows.len() * 120 + 64);
            let _ = writeln!(
                table,
                "{}  {}  {}  {}  VERDICT",
                pad("ID", id_w),
                pad("STAGE", 8),
                pad("APPROACH", 9),
                pad("RISK", 12),
            );
            for r in &rows {
                let _ = writeln!(
                    table,
                    "{}  {}  {}  {}  {}",
                    pad(&fit(&r.id, id_w), id_w),
                    pad(r.stage.name(), 8),
                    pad(r.approach, 9),
                    pad(r.risk.name(), 12),
                    output::verdict(r.verdict, 0, env.colour).trim_end()
                );
                let flags: String = r
                    .flags
                    .iter()
                    .map(|f| format!("[{}] ", f.label()))
                    .collect();
                let rest = format!("{} · {}", sanitize(&r.title), sanitize(&r.team));
                let _ = writeln!(
                    table,
                    "    {flags}{}",
                    fit(&rest, env.width.saturating_sub(5 + flags.len()))
                );
            }
            out!("{table}");
            // Three short lines, so that the summary fits 80 columns at any count.
            let s = report::summary(&assessments);
            outln!("{} use case(s) at {}", s.use_cases, reg.as_of);
            outln!(
                "  {} ready, {} almost, {} not-yet, {} not applicable",
                s.ready,
                s.almost,
                s.not_yet,
                s.not_applicable
            );
            if s.underway > 0 {
                outln!("  {} {}", s.underway, Verdict::Underway.phrase());
            }
            outln!("  {} stale, {} regression", s.stale, s.regression);
        }
    }
    Ok(exit_code(&reg, env, true))
}

fn ready(
    cli: &Cli,
    today: Date,
    env: &Env,
    id: Option<&str>,
    all: bool,
    format: Format,
) -> Outcome {
    let reg = load(cli, today)?;
    let assessments = report::assess_all(&reg);
    let indices = match id {
        Some(id) => match reg.use_cases.iter().position(|e| e.id.as_str() == id) {
            Some(i) => vec![i],
            None => {
                return Err(Failure::new(format!(
                    "no use case `{}` in {}; `ripen list` shows the ids",
                    sanitize(id),
                    sanitize(&reg.root)
                )));
            }
        },
        None if all => report::ranked(&reg, &assessments, Selection::Applicable),
        None => report::ranked(&reg, &assessments, Selection::CandidatesAndUnderway),
    };
    let rows: Vec<_> = indices
        .iter()
        .map(|&i| report::ready_row(&reg, &assessments, i))
        .collect();
    let cur = report::currency(&reg);
    match format {
        Format::Json => json(&rows)?,
        Format::Text => {
            if rows.is_empty() {
                outln!("No use case is ready or almost ready at {}.", reg.as_of);
                outln!("`ripen ready --all` shows every applicable one.");
            }
            for (n, r) in rows.iter().enumerate() {
                if n > 0 {
                    outln!();
                }
                // The stage and the verdict close the line; the title takes the rest.
                let tail = format!("{:<8}  {}", r.stage.name(), r.verdict.phrase());
                let room = env.width.saturating_sub(tail.chars().count() + 2).max(20);
                let head = format!("{} · {}", r.id, sanitize(&r.title));
                outln!(
                    "{}  {:<8}  {}",
                    pad(&fit(&head, room), room),
                    r.stage.name(),
                    output::verdict(r.verdict, 0, env.colour).trim_end()
                );
                if let Some(meaning) = r.verdict.explanation() {
                    outln!("  {meaning}");
                }
                if let Some(why) = &r.not_applicable_because {
                    outln!("  not applicable: {why}");
                }
                for c in &r.criteria {
                    let gate = if c.gate { "" } else { " (not gated)" };
                    outln!(
                        "  {} {}  {}",
                        output::mark(c.passed, c.gate, env.colour),
                        pad(c.criterion.key(), 12),
                        fit(&format!("{}{gate}", c.detail), env.width.saturating_sub(18))
                    );
                }
                for s in r.signals.iter().filter(|s| s.present) {
                    // A signal's name may be longer than the criteria column.
                    let name = pad(s.name, 12);
                    let room = env.width.saturating_sub(6 + name.chars().count());
                    outln!("  + {name}  {}", fit(&s.detail, room));
                }
                if let Some(e) = &r.economics {
                    let figures = format!(
                        "{}: prompting {cur} {}/month, fine-tuned {cur} {}/month, one-off {}",
                        e.headline,
                        crate::economics::usd(e.prompting_monthly_usd),
                        crate::economics::usd(e.fine_tuned_monthly_usd),
                        report::money(&cur, e.one_off_usd)
                    );
                    outln!(
                        "  $ {}  {}",
                        pad("economics", 12),
                        fit(&figures, env.width.saturating_sub(18))
                    );
                    // One use case: every figure with its inputs and formula.
                    if id.is_some() {
                        for line in &e.explain {
                            outln!("      {}", fit(line, env.width.saturating_sub(6)));
                        }
                    }
                } else if let Some(why) = r.economics_unknown {
                    outln!("  $ {}  {why}", pad("economics", 12));
                }
                if !r.flags.is_empty() {
                    let flags: Vec<_> = r.flags.iter().map(|f| f.label()).collect();
                    outln!("  ! {}  {}", pad("watch", 12), flags.join(", "));
                }
            }
            if id.is_none() && !rows.is_empty() {
                let ready = rows.iter().filter(|r| r.verdict == Verdict::Ready).count();
                let almost = rows.iter().filter(|r| r.verdict == Verdict::Almost).count();
                let underway = rows
                    .iter()
                    .filter(|r| r.verdict == Verdict::Underway)
                    .count();
                let underway = if underway > 0 {
                    format!(", {underway} {}", Verdict::Underway.phrase())
                } else {
                    String::new()
                };
                outln!();
                outln!(
                    "{ready} ready, {almost} almost{underway} at {} (policy: {})",
                    reg.as_of,
                    if reg.policy.is_some() {
                        "policy.ron"
                    } else {
                        "defaults, policy.ron has errors"
                    }
                );
            }
        }
    }
    Ok(exit_code(&reg, env, true))
}

fn fmt(cli: &Cli, today: Date, env: &Env, check: bool) -> Outcome {
    refuse_rev(cli, "fmt")?;
    let done = crate::ops::fmt::fmt(&context(cli, today), check).map_err(|e| op_failure(cli, e))?;
    let error = output::severity(Severity::Error, env.colour_err);
    for display in &done.not_canonical {
        outln!(
            "{}",
            crate::ops::fmt::Formatted::not_canonical_line(display)
        );
    }
    for p in &done.problems {
        eprintln!("{}: {error}: {}", p.location, p.message);
    }
    if let Some(note) = done.check_note() {
        eprintln!("ripen: {note}");
    }
    for display in &done.formatted {
        outln!("{}", crate::ops::fmt::Formatted::formatted_line(display));
    }
    for p in &done.kept {
        eprintln!("{}: {error}: {}", p.location, p.message);
    }
    Ok(if done.ok() { 0 } else { 1 })
}

fn move_stage(
    cli: &Cli,
    today: Date,
    id: &str,
    to: crate::model::Stage,
    because: &str,
    force: bool,
    no_verify: bool,
) -> Outcome {
    refuse_rev(cli, "move")?;
    let mut ctx = context(cli, today);
    ctx.no_verify = no_verify;
    let moved = crate::ops::change::move_stage(&ctx, id, to, because, force)
        .map_err(|e| op_failure(cli, e))?;
    outln!("{}", moved.describe());
    Ok(0)
}

/// The exit status for how the UI ended: 0 when the user quit, 128 plus
/// the signal's number when a signal stopped it (143 for SIGTERM, 129 for
/// SIGHUP), as a shell reports a process killed by it.
pub(crate) fn exit_status(exit: crate::tui::session::Exit) -> u8 {
    match exit {
        crate::tui::session::Exit::Quit => 0,
        crate::tui::session::Exit::Signal(sig) => u8::try_from(128 + sig).unwrap_or(u8::MAX),
    }
}
