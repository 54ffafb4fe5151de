//! `ripen verify`: who signed each change to the register in a range of
//! commits, and whether their role allowed it.

use super::{Context, OpError};
use crate::text::sanitize;
use crate::verify::Finding;

/// The commits checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    /// The range as given (default `HEAD`).
    pub range: String,
    /// Each commit that changes the state directory, newest first.
    pub commits: Vec<Finding>,
}

impl Verified {
    /// How many commits break a rule.
    pub fn violations(&self) -> usize {
        self.commits
            .iter()
            .filter(|f| !f.violations.is_empty())
            .count()
    }

    /// One line per violation: `1a2b3c4 Name <email>: reason`.
    pub fn violation_lines(&self) -> Vec<String> {
        self.commits
            .iter()
            .flat_map(|f| {
                f.violations.iter().map(move |v| {
                    format!(
                        "{} {}: {}",
                        crate::git::short_hex(&f.commit),
                        sanitize(&f.author),
                        v
                    )
                })
            })
            .collect()
    }

    /// `12 commit(s) change the register: 11 verified, 1 violation(s)`.
    pub fn describe(&self) -> String {
        let ok = self.commits.len() - self.violations();
        format!(
            "{} commit(s) in {} change the register: {ok} fine, {} with violations",
            self.commits.len(),
            sanitize(&self.range),
            self.violations()
        )
    }
}

/// Checks every commit of `range` (`A..B`, a revision and its ancestors;
/// default `HEAD`) that changes the state directory.
pub fn verify(ctx: &Context, range: Option<&str>) -> Result<Verified, OpError> {
    let commits = crate::git::verify::verify(&ctx.state_dir, range)?;
    Ok(Verified {
        range: range.unwrap_or("HEAD").to_owned(),
        commits,
    })
}
