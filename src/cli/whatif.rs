//! `ripen what-if`: the register under a changed policy, and `--write` to
//! commit it.

use super::commands::{json, load, op_failure};
use super::output::{self, Env, fit, pad};
use super::{Cli, Failure, Format};
use crate::text::sanitize;
use crate::whatif::{self, WhatIf};

/// Prints the flips of a what-if as text.
fn print(w: &WhatIf, env: &Env) -> Result<(), Failure> {
    let what: Vec<String> = w.settings.iter().map(|s| s.describe()).collect();
    outln!("What if: {}", sanitize(&what.join(", ")));
    outln!("{}", w.headline());
    for f in &w.flips {
        outln!();
        let tail = format!("{} -> {}", f.before.phrase(), f.after.phrase());
        let room = env.width.saturating_sub(tail.chars().count() + 2).max(20);
        let head = format!("{} · {}", f.id, sanitize(&f.title));
        outln!(
            "{}  {} -> {}",
            pad(&fit(&head, room), room),
            output::verdict(f.before, 0, env.colour).trim_end(),
            output::verdict(f.after, 0, env.colour).trim_end()
        );
        for c in &f.criteria {
            outln!(
                "  {}  {} -> {}",
                pad(c.name, 12),
                c.before.label(),
                c.after.label()
            );
        }
    }
    Ok(())
}

/// `ripen what-if --set KEY=VALUE... [--write --because TEXT]`.
pub(super) fn what_if(
    cli: &Cli,
    today: crate::model::Date,
    env: &Env,
    sets: &[String],
    write: bool,
    because: Option<&str>,
    format: Format,
) -> Result<u8, Failure> {
    let sets = sets
        .iter()
        .map(|s| whatif::parse_assignment(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::new)?;
    if write {
        if cli.rev.is_some() {
            return Err(Failure::new(
                "what-if --write commits to the working tree; it cannot take --rev",
            ));
        }
        let ctx = super::commands::context(cli, today);
        let done = crate::ops::policy::change(&ctx, &sets, because.unwrap_or(""))
            .map_err(|e| op_failure(cli, e))?;
        match format {
            Format::Json => json(&serde_json::json!({
                "what_if": done.what_if,
                "commit": done.saved.commit.to_string(),
            }))?,
            Format::Text => {
                print(&done.what_if, env)?;
                outln!();
                outln!("{}", done.saved.describe());
            }
        }
        return Ok(0);
    }
    let reg = load(cli, today)?;
    if reg.policy.is_none() {
        return Err(Failure::new(format!(
            "{}/{} has errors; fix them first (`ripen validate` shows them)",
            sanitize(&reg.root),
            crate::register::POLICY_FILE
        )));
    }
    let policy = reg.effective_policy().into_owned();
    let (changed, settings) = whatif::changed(&policy, &sets).map_err(Failure::new)?;
    let before = crate::report::assess_all(&reg);
    let w = whatif::evaluate(&reg, &before, &changed, settings);
    match format {
        Format::Json => json(&w)?,
        Format::Text => print(&w, env)?,
    }
    Ok(super::commands::exit_code(&reg, env, true))
}
