//! `ripen completions SHELL` and `ripen man [COMMAND]`: shell completion
//! scripts and manual pages generated from the command line's own
//! definitions, so they never disagree with `--help`.

use std::io::Write;

use clap::CommandFactory;

use super::{Cli, Failure};

type Outcome = Result<u8, Failure>;

/// Prints the completion script for `shell` on standard output.
pub(super) fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "ripen", &mut out);
    std::io::stdout()
        .write_all(&out)
        .map_err(super::Failure::output)?;
    Ok(0)
}

/// Prints the manual page of ripen, or of one of its commands
/// (`ripen-init(1)`), in roff on standard output.
pub(super) fn man(command: Option<&str>) -> Outcome {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match command {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_owned())
                .collect();
            let sub = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                Failure::new(format!(
                    "no command `{}`; one of {}",
                    crate::text::sanitize(name),
                    names.join(", ")
                ))
            })?;
            // The process prints one page and exits: the name may live as long.
            let full: &'static str =
                Box::leak(format!("ripen-{}", sub.get_name()).into_boxed_str());
            sub.name(full)
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    std::io::stdout()
        .write_all(&out)
        .map_err(super::Failure::output)?;
    Ok(0)
}
