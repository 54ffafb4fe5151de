//! `ripen demo`: create a demo register repository, then open it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::Failure;
use super::output::Env;
use crate::demo::{self, Plan};
use crate::model::Date;

/// What `ripen demo` was asked for.
pub(super) struct DemoArgs<'a> {
    pub dir: Option<&'a Path>,
    pub no_tui: bool,
    pub use_cases: Option<usize>,
    pub commits: Option<usize>,
    pub seed: u64,
}

/// A path as it can be pasted into a POSIX shell.
fn shell(p: &Path) -> String {
    let s = p.display().to_string();
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%".contains(&b));
    if plain {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Creates the repository (in a new temporary folder unless `dir` is
/// given), prints what was made, then opens the UI on it or prints the next
/// steps.
pub(super) fn demo(args: DemoArgs<'_>, today: Date, env: &Env) -> Result<u8, Failure> {
    let plan = match (args.use_cases, args.commits) {
        (None, None) => Plan::Northwind { seed: args.seed },
        (Some(n), m) => Plan::Synthetic {
            use_cases: n,
            commits: m.unwrap_or(n.saturating_mul(2)),
            seed: args.seed,
        },
        (None, Some(_)) => {
            return Err(Failure::new(
                "--commits needs --use-cases (the shipped demo has its own history)".to_owned(),
            ));
        }
    };
    let dir: PathBuf = match args.dir {
        Some(d) => d.to_path_buf(),
        None => tempfile::Builder::new()
            .prefix("ripen-demo-")
            .tempdir()
            .map_err(|e| Failure::new(format!("cannot create a temporary folder: {e}")))?
            .keep(),
    };
    let started = Instant::now();
    let made = demo::generate(&dir, &plan, today)?;
    let elapsed = started.elapsed();
    let state = shell(&made.state_dir);
    outln!(
        "Created a demo register at {} in {:.1} s: {} commits on main, {} review tags{}.",
        shell(&made.root),
        elapsed.as_secs_f64(),
        made.commits,
        made.tags.len(),
        if made.branches.is_empty() {
            String::new()
        } else {
            format!(", proposal branches {}", made.branches.join(" and "))
        }
    );

    use std::io::IsTerminal;
    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if !args.no_tui && interactive {
        let source = crate::tui::Source {
            state_dir: made.state_dir.clone(),
            rev: None,
            as_of: None,
            today,
            principal: None,
        };
        let exit = crate::tui::run(source, !env.colour).map_err(Failure::new)?;
        if exit != crate::tui::session::Exit::Quit {
            // Stopped by a signal: say nothing more, and say so in the status.
            return Ok(super::commands::exit_status(exit));
        }
        outln!("The demo register stays at {}.", shell(&made.root));
    }
    outln!("Next steps:");
    outln!("  ripen --state {state}                   # the terminal UI");
    outln!("  ripen --state {state} ready             # what is ripe for fine-tuning, and why");
    if matches!(plan, Plan::Northwind { .. }) {
        outln!("  ripen --state {state} history claims-triage");
        if let Some(tag) = made.tags.iter().rev().nth(4) {
            outln!("  ripen --state {state} diff {tag}");
        }
        outln!("  ripen --state {state} proposals");
        outln!("  ripen --state {state} --rev proposal/broken-translation validate");
    } else {
        outln!("  ripen --state {state} history uc-00000");
    }
    Ok(0)
}
