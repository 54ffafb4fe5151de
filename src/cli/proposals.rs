//! `ripen proposals` and `ripen proposals accept`: the command-line glue
//! over [`crate::git::proposals`]. Loads, calls, prints.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::{Env, fit};
use super::{Cli, Failure, Format};
use crate::git::proposals::{self, Proposal};
use crate::git::short_id;
use crate::model::Date;
use crate::text::sanitize;

type Outcome = Result<u8, Failure>;

/// Arguments of `ripen proposals`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "A proposal is a local or remote-tracking branch (fetch first to see your \
team's) with commits not on HEAD that change the state directory. Each is shown with its \
commits, authors, last commit time, whether its register validates, whether it merges \
cleanly, every file it changes that is not a register file (use-case files, register.ron and \
policy.ron are), and what it changes, field by field, from the merge base to its tip. A reference \
that cannot be read is skipped with a warning.\n\n\
Accept one with `ripen proposals accept <BRANCH>`: without --yes that only prints what \
would happen."
)]
pub struct ProposalsArgs {
    /// Accept a proposal instead of listing them.
    #[command(subcommand)]
    pub action: Option<ProposalsAction>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// What to do with a proposal.
#[derive(Debug, Subcommand)]
pub enum ProposalsAction {
    /// Bring a proposal into the current branch (prints what would happen unless --yes).
    #[command(
        long_about = "Bring a proposal into the current branch with a merge commit (never a \
fast-forward), authored by you, whose message lists the changes. Only the files the proposal \
changes are written, in the working tree and the index, each checked again just before it is \
replaced.\n\n\
Without --yes, nothing is changed and nothing is asked: ripen prints what accepting would do and \
exits with status 0, or prints why it would be refused and exits with status 2, as accepting would.\n\n\
Refused, changing nothing, when the branch moved from --tip, when its register does not validate, \
when it conflicts with the current branch, when it changes files other than register files \
(unless --allow-other-files), when it moves a use case into FineTune that readiness does not \
support (unless --override REASON), when \
there are uncommitted changes under the state directory, when HEAD is detached, a merge is in \
progress, the repository is bare, or no git identity is configured."
    )]
    Accept {
        /// The branch, as `ripen proposals` names it (e.g. team/claims-update or origin/team/claims-update).
        branch: String,
        /// Really accept it; without this flag, only print what would happen.
        #[arg(long)]
        yes: bool,
        /// The tip you reviewed (as `ripen proposals` shows it, 7 or more hex digits):
        /// refused if the branch now points elsewhere.
        #[arg(long, value_name = "SHA")]
        tip: Option<String>,
        /// Accept a branch that also changes files other than use cases,
        /// register.ron and policy.ron (review them first: they are listed).
        #[arg(long)]
        allow_other_files: bool,
        /// Why use cases that readiness does not support may move into FineTune;
        /// recorded in the merge commit (refused without it).
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
    },
}

fn state_dir(cli: &Cli) -> PathBuf {
    cli.state.clone().unwrap_or_else(|| PathBuf::from("state"))
}

/// `ripen proposals [accept BRANCH [--yes]]`.
pub(super) fn run(cli: &Cli, today: Date, env: &Env, args: &ProposalsArgs) -> Outcome {
    if cli.rev.is_some() {
        return Err(Failure::new(
            "proposals compares branches with HEAD; it cannot take --rev".to_owned(),
        ));
    }
    match &args.action {
        None => list(cli, today, env, args.format),
        Some(ProposalsAction::Accept {
            branch,
            yes,
            tip,
            allow_other_files,
            override_reason,
        }) => {
            let options = proposals::AcceptOptions {
                allow_other_files: *allow_other_files,
                override_reason: override_reason.clone(),
                author: None,
                also: None,
            };
            accept(cli, today, env, branch, tip.as_deref(), &options, *yes)
        }
    }
}

fn list(cli: &Cli, today: Date, env: &Env, format: Format) -> Outcome {
    let dir = state_dir(cli);
    let listing = proposals::scan(&dir, cli.as_of, today)?;
    for w in &listing.skipped {
        eprintln!("ripen: warning: {}", sanitize(w));
    }
    let found = listing.proposals;
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&found)?),
        Format::Text => print_list(&found, env.width)?,
    }
    Ok(0)
}

/// Untrusted text, sanitized and wrapped at spaces into lines of at most
/// `width` columns, each line after the first starting with `indent`
/// (a word too long for a line is cut with an ellipsis).
fn wrap(s: &str, width: usize, indent: &str) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let s = sanitize(s);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let prefix = if lines.is_empty() { "" } else { indent };
        let room = width.saturating_sub(prefix.width()).max(1);
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if candidate.width() <= room || line.is_empty() {
            line = candidate;
        } else {
            lines.push(format!("{prefix}{}", fit(&line, room)));
            line = word.to_owned();
        }
    }
    let prefix = if lines.is_empty() { "" } else { indent };
    lines.push(format!(
        "{prefix}{}",
        fit(&line, width.saturating_sub(prefix.width()).max(1))
    ));
    lines
}

fn print_list(found: &[Proposal], width: usize) -> Result<(), Failure> {
    const DIAGNOSTICS_SHOWN: usize = 10;
    if found.is_empty() {
        outln!("No proposals: no branch has commits that change the register and are not on HEAD.");
        return Ok(());
    }
    let inner = width.saturating_sub(2);
    for (n, p) in found.iter().enumerate() {
        if n > 0 {
            outln!();
        }
        outln!(
            "{}",
            fit(&format!("{} ({})", p.branch, short_id(p.tip)), width)
        );
        let by = format!(
            "{} by {}",
            crate::text::count(p.commits, "commit", "commits"),
            p.authors.join(", ")
        );
        outln!("  {}", fit(&by, inner));
        outln!(
            "  last commit {}",
            p.last_commit_time.format("%Y-%m-%d %H:%M %:z")
        );
        let mut state = vec![
            if p.valid {
                "valid".to_owned()
            } else {
                format!(
                    "INVALID ({})",
                    crate::text::count(p.errors(), "error", "errors")
                )
            },
            if p.mergeable {
                "merges cleanly".to_owned()
            } else {
                "CONFLICTS".to_owned()
            },
        ];
        if !p.other_files.is_empty() {
            state.push(format!(
                "CHANGES {} THAT ARE NOT REGISTER FILES",
                crate::text::count(p.other_files.len(), "FILE", "FILES")
            ));
        }
        outln!("  {}", fit(&state.join(", "), inner));
        for f in &p.other_files {
            outln!("    ! {}", fit(&f.describe(), width.saturating_sub(6)));
        }
        for d in p.diagnostics.iter().take(DIAGNOSTICS_SHOWN) {
            for line in wrap(&d.to_string(), width.saturating_sub(4), "  ") {
                outln!("    {line}");
            }
        }
        if p.diagnostics.len() > DIAGNOSTICS_SHOWN {
            outln!(
                "    ... and {} more",
                p.diagnostics.len() - DIAGNOSTICS_SHOWN
            );
        }
        let base = format!("base {}", short_id(p.base));
        super::history::print_diff(&p.changes, &base, &sanitize(&p.branch), width)?;
    }
    // A command that works when pasted: it names a real branch, one that
    // can be accepted when there is one.
    let example = found
        .iter()
        .find(|p| p.valid && p.mergeable && p.files_outside_state == 0)
        .unwrap_or(&found[0]);
    outln!();
    let branch = crate::ops::shell_word(&sanitize(&example.branch));
    if example.overrides.is_empty() {
        outln!("Accept one with `ripen proposals accept {branch}` (add --yes to do it).");
    } else {
        // Accepting it needs a reason: the hint carries one, so that it
        // works when pasted (a dry run), and says to write the real one.
        outln!(
            "Accept one with `ripen proposals accept {branch} --override 'the reason to accept it anyway'` (it moves a use case into FineTune that readiness does not support: write the real reason, and add --yes to do it)."
        );
    }
    Ok(())
}

fn accept(
    cli: &Cli,
    today: Date,
    env: &Env,
    branch: &str,
    tip: Option<&str>,
    options: &proposals::AcceptOptions,
    yes: bool,
) -> Outcome {
    super::commands::context(cli, today)
        .require(crate::access::Act::Accept)
        .map_err(|e| Failure::new(e.to_string()))?;
    if let Some(t) = tip
        && (t.len() < 7 || t.len() > 40 || !t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(Failure::new(format!(
            "--tip {}: give the tip's commit id (7 to 40 hex digits), as `ripen proposals` shows it",
            sanitize(t)
        )));
    }
    let ctx = super::commands::context(cli, today);
    let preview = crate::ops::accept::preview(&ctx, branch, options)?;
    if let Some(t) = tip
        && !preview.tip.to_string().starts_with(&t.to_ascii_lowercase())
    {
        return Err(proposals::AcceptError::TipMoved {
            branch: branch.to_owned(),
            now: preview.tip,
        }
        .into());
    }
    let into = preview
        .into
        .strip_prefix("refs/heads/")
        .unwrap_or(&preview.into);
    let tip_short = short_id(preview.tip);
    let what = if yes {
        format!(
            "Merging {} ({tip_short}) into {into} with a merge commit:",
            preview.branch
        )
    } else {
        format!(
            "Accepting would merge {} ({tip_short}) into {into} with a merge commit:",
            preview.branch
        )
    };
    for line in wrap(&what, env.width, "  ") {
        outln!("{line}");
    }
    let subject = preview.message.lines().next().unwrap_or("");
    for line in wrap(subject, env.width.saturating_sub(2), "  ") {
        outln!("  {line}");
    }
    if !preview.other_files.is_empty() {
        outln!(
            "{} NOT REGISTER FILES (accepted with --allow-other-files):",
            crate::text::count(preview.other_files.len(), "file is", "files are")
        );
        for f in &preview.other_files {
            outln!("  {}", fit(&f.describe(), env.width.saturating_sub(2)));
        }
    }
    for o in &preview.overrides {
        for line in wrap(&proposals::override_line(&o.id, &o.why), env.width, "  ") {
            outln!("{line}");
        }
    }
    outln!(
        "{} in the working tree and the index:",
        crate::text::count(preview.files.len(), "file changes", "files change")
    );
    for f in &preview.files {
        outln!("  {}", fit(&sanitize(f), env.width.saturating_sub(2)));
    }
    let base = format!("base {}", short_id(preview.base));
    super::history::print_diff(&preview.changes, &base, &sanitize(branch), env.width)?;
    if !yes {
        outln!("Nothing was changed. Run again with --yes to accept.");
        return Ok(0);
    }
    let done = crate::ops::accept::accept(&ctx, branch, preview.tip, options)?;
    outln!("{}", done.describe());
    Ok(0)
}
