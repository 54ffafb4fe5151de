//! One function per command; each loads through the library and prints.

use std::path::{Path, PathBuf};

use super::output::{self, Env, fit, pad};
use super::{Cli, Command, Failure, Format};
use crate::model::{Date, Policy, Settings, UseCase, UseCaseId, canonical};
use crate::readiness::Verdict;
use crate::register::{self, Content, FileKind, Register, Severity};
use crate::report::{self, Selection};
use crate::text::sanitize;
use crate::{git, store};

type Outcome = Result<u8, Failure>;

fn state_dir(cli: &Cli) -> PathBuf {
    cli.state.clone().unwrap_or_else(|| PathBuf::from("state"))
}

fn no_register(dir: &Path) -> Failure {
    Failure(format!(
        "no register at {}: run `ripen init` to create one, or pass --state DIR (or set RIPEN_STATE)",
        dir.display()
    ))
}

/// Loads the register from the working tree or from `--rev`.
pub(super) fn load(cli: &Cli, today: Date) -> Result<Register, Failure> {
    let dir = state_dir(cli);
    let snapshot = match &cli.rev {
        Some(rev) => git::snapshot_at(&dir, rev)?,
        None => {
            if !dir.is_dir() {
                return Err(no_register(&dir));
            }
            store::snapshot(&dir)?
        }
    };
    Ok(register::load(&snapshot, cli.as_of, today))
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

fn json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs one parsed command line.
pub fn run(cli: Cli, today: Date, env: &Env) -> Outcome {
    match &cli.command {
        None => ui(&cli, today, env),
        Some(Command::Init { dir, name }) => {
            let dir = dir.clone().unwrap_or_else(|| state_dir(&cli));
            init(&dir, name)
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
        }) => new(&cli, id, title, owner, team),
        Some(Command::Validate { format }) => validate(&cli, today, env, *format),
        Some(Command::Ready { id, all, format }) => {
            ready(&cli, today, env, id.as_deref(), *all, *format)
        }
        Some(Command::List { format }) => list(&cli, today, env, *format),
        Some(Command::Fmt { check }) => fmt(&cli, env, *check),
        Some(Command::Move {
            id,
            stage,
            because,
            force,
        }) => move_stage(&cli, today, id, *stage, because, *force),
        Some(Command::Diff { from, to, format }) => {
            super::history::diff(&cli, today, env, from, to.as_deref(), *format)
        }
        Some(Command::History { id, format }) => super::history::history(&cli, env, id, *format),
        Some(Command::Import(args)) => super::import::import(&cli, today, env, args),
        Some(Command::Export(args)) => super::import::export(&cli, today, env, args),
        Some(Command::Proposals(args)) => super::proposals::run(&cli, today, env, args),
        Some(Command::Review(args)) => super::review::review(&cli, today, env, args),
        Some(Command::Report(args)) => super::review::report(&cli, today, env, args),
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
        return Err(no_register(&dir));
    }
    let source = crate::tui::Source {
        state_dir: dir,
        rev: cli.rev.clone(),
        as_of: cli.as_of,
        today,
    };
    crate::tui::run(source, !env.colour).map_err(Failure)?;
    Ok(0)
}

fn refuse_rev(cli: &Cli, what: &str) -> Result<(), Failure> {
    match cli.rev {
        Some(_) => Err(Failure(format!(
            "{what} writes to the working tree; it cannot take --rev"
        ))),
        None => Ok(()),
    }
}

fn init(dir: &Path, name: &str) -> Outcome {
    let settings_path = dir.join(register::SETTINGS_FILE);
    if settings_path.exists() {
        return Err(Failure(format!(
            "a register already exists at {}; nothing was changed",
            dir.display()
        )));
    }
    let cases = dir.join(register::USE_CASES_DIR);
    std::fs::create_dir_all(&cases)
        .map_err(|e| Failure(format!("cannot create {}: {e}", cases.display())))?;
    let policy_path = dir.join(register::POLICY_FILE);
    if !policy_path.exists() {
        store::write_atomic(
            &policy_path,
            canonical::policy(&Policy::default()).as_bytes(),
        )?;
    }
    store::write_atomic(
        &settings_path,
        canonical::settings(&Settings::new(name)).as_bytes(),
    )?;
    let keep = cases.join(".gitkeep");
    if !keep.exists() {
        store::write_atomic(&keep, b"")?;
    }
    let created_repo = git::init_if_needed(dir)?;
    println!(
        "Created a register at {}",
        sanitize(&dir.display().to_string())
    );
    if created_repo {
        println!(
            "Initialized a git repository in {}",
            sanitize(&dir.display().to_string())
        );
    }
    println!("Next: `ripen new <id>` to add a use case, then `ripen validate`.");
    Ok(0)
}

fn new(cli: &Cli, id: &str, title: &str, owner: &str, team: &str) -> Outcome {
    refuse_rev(cli, "new")?;
    let id = UseCaseId::new(id)?;
    let dir = state_dir(cli);
    if !dir.join(register::SETTINGS_FILE).is_file() {
        return Err(no_register(&dir));
    }
    let cases = dir.join(register::USE_CASES_DIR);
    std::fs::create_dir_all(&cases)?;
    let path = cases.join(format!("{id}.ron"));
    if path.exists() {
        return Err(Failure(format!(
            "{} already exists; choose another id or edit that file",
            path.display()
        )));
    }
    let text = canonical::use_case(&UseCase::scaffold(title, owner, team));
    store::write_atomic(&path, text.as_bytes())?;
    println!("Created {}", sanitize(&path.display().to_string()));
    println!("Fill in every field, then run `ripen fmt` and `ripen validate`.");
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
                println!(
                    "{}:{}:{}: {}: {}",
                    sanitize(&d.file),
                    d.line,
                    d.column,
                    output::severity(d.severity, env.colour),
                    sanitize(&d.message)
                );
            }
            println!(
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
            let id_w = rows
                .iter()
                .map(|r| r.id.len())
                .max()
                .unwrap_or(2)
                .clamp(2, 28);
            println!(
                "{}  {}  {}  {}  VERDICT",
                pad("ID", id_w),
                pad("STAGE", 8),
                pad("APPROACH", 9),
                pad("RISK", 12),
            );
            for r in &rows {
                println!(
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
                println!(
                    "    {flags}{}",
                    fit(&rest, env.width.saturating_sub(5 + flags.len()))
                );
            }
            // Three short lines, so that the summary fits 80 columns at any count.
            let s = report::summary(&assessments);
            println!("{} use case(s) at {}", s.use_cases, reg.as_of);
            println!(
                "  {} ready, {} almost, {} not-yet, {} not applicable",
                s.ready, s.almost, s.not_yet, s.not_applicable
            );
            println!("  {} stale, {} regression", s.stale, s.regression);
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
                return Err(Failure(format!(
                    "no use case `{}` in {}; `ripen list` shows the ids",
                    sanitize(id),
                    sanitize(&reg.root)
                )));
            }
        },
        None if all => report::ranked(&reg, &assessments, Selection::Applicable),
        None => report::ranked(&reg, &assessments, Selection::Candidates),
    };
    let rows: Vec<_> = indices
        .iter()
        .map(|&i| report::ready_row(&reg, &assessments, i))
        .collect();
    match format {
        Format::Json => json(&rows)?,
        Format::Text => {
            if rows.is_empty() {
                println!("No use case is ready or almost ready at {}.", reg.as_of);
                println!("`ripen ready --all` shows every applicable one.");
            }
            for (n, r) in rows.iter().enumerate() {
                if n > 0 {
                    println!();
                }
                let head = format!("{} · {}", r.id, sanitize(&r.title));
                println!(
                    "{}  {}",
                    pad(
                        &fit(&head, env.width.saturating_sub(18)),
                        env.width.saturating_sub(18)
                    ),
                    output::verdict(r.verdict, 0, env.colour).trim_end()
                );
                if let Some(why) = &r.not_applicable_because {
                    println!("  not applicable: {why}");
                }
                for c in &r.criteria {
                    let gate = if c.gate { "" } else { " (not gated)" };
                    println!(
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
                    println!("  + {name}  {}", fit(&s.detail, room));
                }
                if !r.flags.is_empty() {
                    let flags: Vec<_> = r.flags.iter().map(|f| f.label()).collect();
                    println!("  ! {}  {}", pad("watch", 12), flags.join(", "));
                }
            }
            if id.is_none() && !rows.is_empty() {
                let ready = rows.iter().filter(|r| r.verdict == Verdict::Ready).count();
                let almost = rows.iter().filter(|r| r.verdict == Verdict::Almost).count();
                println!();
                println!(
                    "{ready} ready, {almost} almost at {} (policy: {})",
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

fn fmt(cli: &Cli, env: &Env, check: bool) -> Outcome {
    refuse_rev(cli, "fmt")?;
    let dir = state_dir(cli);
    if !dir.is_dir() {
        return Err(no_register(&dir));
    }
    let snapshot = store::snapshot(&dir)?;
    let mut failed = 0usize;
    let mut changed = 0usize;
    for f in &snapshot.files {
        let Some(kind) = FileKind::of(&f.rel) else {
            continue;
        };
        let display = snapshot.display(&f.rel);
        let Content::Bytes(bytes) = &f.content else {
            eprintln!(
                "{}: {}: cannot format: not a readable file under 1 MiB",
                sanitize(&display),
                output::severity(Severity::Error, env.colour_err)
            );
            failed += 1;
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            eprintln!(
                "{}: {}: cannot format: not valid UTF-8",
                sanitize(&display),
                output::severity(Severity::Error, env.colour_err)
            );
            failed += 1;
            continue;
        };
        match register::canonical_form(kind, text) {
            Ok(canon) if canon == text => {}
            Ok(canon) => {
                changed += 1;
                if check {
                    println!("{}: not canonical", sanitize(&display));
                } else {
                    store::write_atomic(&dir.join(&f.rel), canon.as_bytes())?;
                    println!("formatted {}", sanitize(&display));
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!(
                    "{}:{}:{}: {}: {} (not formatted)",
                    sanitize(&display),
                    e.line,
                    e.column,
                    output::severity(Severity::Error, env.colour_err),
                    sanitize(&e.message)
                );
            }
        }
    }
    if check && changed > 0 {
        eprintln!("ripen: {changed} file(s) not canonical; run `ripen fmt` to rewrite them");
    }
    Ok(if failed > 0 || (check && changed > 0) {
        1
    } else {
        0
    })
}

fn move_stage(
    cli: &Cli,
    today: Date,
    id: &str,
    to: crate::model::Stage,
    because: &str,
    force: bool,
) -> Outcome {
    use crate::change::{self, Edit};
    use crate::git::commit::{self as commit, FileWrite};
    refuse_rev(cli, "move")?;
    if because.trim().is_empty() {
        return Err(Failure(
            "--because is empty: say in one line why the stage changes".to_owned(),
        ));
    }
    let dir = state_dir(cli);
    if !dir.is_dir() {
        return Err(no_register(&dir));
    }
    // The HEAD the change is prepared against, read before the files.
    let head = commit::head_commit(&dir)?;
    let reg = register::load(&store::snapshot(&dir)?, cli.as_of, today);
    let entry = reg.get(id).ok_or_else(|| {
        Failure(format!(
            "no use case `{}` in {}; `ripen list` shows the ids (a file with errors is left out: `ripen validate`)",
            sanitize(id),
            sanitize(&reg.root)
        ))
    })?;
    let assessment = crate::readiness::assess(&entry.use_case, &reg.effective_policy(), reg.as_of);
    let override_reason = change::override_needed(&entry.use_case, to, &assessment);
    if let (Some(why), false) = (&override_reason, force) {
        return Err(Failure(format!(
            "{id} is not ready to move to {}: {why}; pass --override to move it anyway (the override is recorded)",
            to.name()
        )));
    }
    let applied = change::apply(
        &entry.id,
        &entry.use_case,
        Edit::MoveStage(to),
        because,
        override_reason.as_deref(),
    )?;
    let file = FileWrite {
        rel: &entry.rel,
        expected: Some(&entry.original),
        new: applied.text.as_bytes(),
    };
    let done = commit::commit_files_observed(
        &dir,
        &[file],
        &applied.message,
        head,
        &mut crate::testhooks::commit_observer(),
    )?;
    println!(
        "committed {}: {}",
        &done.id.to_string()[..7],
        sanitize(applied.message.lines().next().unwrap_or(""))
    );
    Ok(0)
}
