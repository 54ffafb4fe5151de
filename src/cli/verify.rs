//! `ripen verify`: prints each commit's signature state, then the
//! violations, over [`crate::ops::verify`].

use super::output::{self, Env, fit};
use super::{Cli, Failure, Format};
use crate::model::Date;
use crate::register::Severity;
use crate::text::sanitize;

/// `ripen verify [RANGE]`: exit code 1 when a commit breaks a rule.
pub(super) fn verify(
    cli: &Cli,
    today: Date,
    env: &Env,
    range: Option<&str>,
    format: Format,
) -> Result<u8, Failure> {
    if cli.rev.is_some() {
        return Err(Failure::new(
            "verify takes its commits as a range (A..B); it cannot take --rev".to_owned(),
        ));
    }
    let ctx = super::commands::context(cli, today);
    let done =
        crate::ops::verify::verify(&ctx, range).map_err(|e| super::commands::op_failure(cli, e))?;
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&done)?),
        Format::Text => {
            for f in &done.commits {
                let line = format!(
                    "{}  {:<28}  {}  {}",
                    crate::git::short_hex(&f.commit),
                    f.state.label(),
                    sanitize(&f.author),
                    sanitize(&f.summary)
                );
                outln!("{}", fit(&line, env.width));
            }
            outln!("{}", done.describe());
        }
    }
    for line in done.violation_lines() {
        eprintln!(
            "ripen: {}: {line}",
            output::severity(Severity::Error, env.colour_err)
        );
    }
    Ok(u8::from(done.violations() > 0))
}
