//! Accepting a proposal branch: previewed, then merged into the current
//! branch with a merge commit, only if the branch still points where it did
//! when it was shown.
//!
//! The merge itself is [`crate::git::proposals::accept`]'s; its commit is
//! authored by the context's identity (else the repository's), and
//! committed by the repository's identity.

use git2::Oid;

use super::{Context, OpError};
use crate::git::proposals::{self, AcceptOptions, Accepted, Preview};
use crate::git::short_id;
use crate::text::sanitize;

/// What accepting `branch` would do: the files it changes, the field
/// changes, and whether it fast-forwards.
pub fn preview(ctx: &Context, branch: &str, options: &AcceptOptions) -> Result<Preview, OpError> {
    Ok(proposals::preview(
        &ctx.state_dir,
        branch,
        options,
        ctx.as_of,
        ctx.today,
    )?)
}

/// A proposal accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedProposal {
    /// The proposal's branch.
    pub branch: String,
    /// The branch it was accepted into, short (`main`).
    pub into: String,
    /// How: the merge commit.
    pub how: Accepted,
}

impl AcceptedProposal {
    /// `Accepted proposal/x: merge commit 1a2b3c4 on main.`
    pub fn describe(&self) -> String {
        let (branch, into) = (sanitize(&self.branch), sanitize(&self.into));
        let Accepted::Merged { commit } = self.how;
        format!(
            "Accepted {branch}: merge commit {} on {into}.",
            short_id(commit)
        )
    }
}

/// Accepts `branch`, whose tip must still be `expected_tip` (what the user
/// was shown), into the current branch, with `options` (other files
/// allowed, the reason for an override).
pub fn accept(
    ctx: &Context,
    branch: &str,
    expected_tip: Oid,
    options: &AcceptOptions,
) -> Result<AcceptedProposal, OpError> {
    ctx.require(crate::access::Act::Accept)?;
    let mut options = options.clone();
    if ctx.identity.is_some() {
        options.author = ctx.identity.clone();
    }
    let how = proposals::accept_observed(
        &ctx.state_dir,
        branch,
        expected_tip,
        &options,
        ctx.as_of,
        ctx.today,
        &mut crate::testhooks::commit_observer(),
    )?;
    // The branch HEAD names (accepting never detaches it).
    let located = crate::git::locate(&ctx.state_dir)?;
    let into = located
        .repo
        .find_reference("HEAD")
        .ok()
        .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_owned))
        .map(|t| t.strip_prefix("refs/heads/").unwrap_or(&t).to_owned())
        .unwrap_or_else(|| "HEAD".to_owned());
    Ok(AcceptedProposal {
        branch: branch.to_owned(),
        into,
        how,
    })
}
