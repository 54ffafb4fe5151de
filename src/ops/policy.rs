//! Committing a changed policy: the what-if of [`crate::whatif`] made real,
//! `policy.ron` rewritten in canonical form as one commit whose body is the
//! justification.
//!
//! A compare-and-swap like every change: `policy.ron` must still hold the
//! bytes the what-if was evaluated against and the branch must not have
//! moved (see [`crate::git::commit`]).

use git2::Oid;

use super::change::{Prepared, Saved, save};
use super::{Context, OpError};
use crate::model::{Policy, canonical};
use crate::register::POLICY_FILE;
use crate::whatif::{self, WhatIf};

/// A changed policy committed.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChanged {
    /// The what-if it was evaluated as.
    pub what_if: WhatIf,
    /// The commit.
    pub saved: Saved,
}

impl PolicyChanged {
    /// `committed 1a2b3c4: policy: ...; 2 verdict(s) change ...`.
    pub fn describe(&self) -> String {
        format!("{}; {}", self.saved.describe(), self.what_if.headline())
    }
}

/// A policy change prepared against what was loaded: the policy in force,
/// the bytes of `policy.ron` and the HEAD they were read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The policy in force.
    pub policy: Policy,
    /// What `policy.ron` held.
    pub original: Vec<u8>,
    /// The commit HEAD pointed at when it was read.
    pub head: Option<Oid>,
}

/// Reads the policy in force for a change: refused when `policy.ron` is
/// missing or has errors (fix it first: a what-if needs a policy to change).
pub fn load(ctx: &Context) -> Result<(crate::register::Register, Loaded), OpError> {
    let dir = &ctx.state_dir;
    if !dir.is_dir() {
        return Err(OpError::NoRegister(dir.clone()));
    }
    super::load::refuse_links(dir)?;
    let head = crate::git::commit::head_commit(dir)?;
    let path = dir.join(POLICY_FILE);
    let original = std::fs::read(&path)
        .map_err(|e| OpError::Refused(format!("cannot read {}: {e}", path.display())))?;
    let reg = super::load::register(ctx, None)?;
    let Some(policy) = reg.policy.clone() else {
        return Err(OpError::Refused(format!(
            "{} has errors; fix them first (`ripen validate` shows them)",
            path.display()
        )));
    };
    Ok((
        reg,
        Loaded {
            policy,
            original,
            head,
        },
    ))
}

/// Commits `changed` (the policy a what-if evaluated, in place of
/// `loaded.policy`) with `because` as the commit's body.
pub fn commit(
    ctx: &Context,
    loaded: &Loaded,
    changed: &Policy,
    what_if: WhatIf,
    because: &str,
) -> Result<PolicyChanged, OpError> {
    if because.trim().is_empty() {
        return Err(OpError::Refused(
            "--because is empty: say in one line why the policy changes".to_owned(),
        ));
    }
    if *changed == loaded.policy {
        return Err(OpError::Refused(
            "nothing to change: the policy already has these values".to_owned(),
        ));
    }
    let saved = save(
        ctx,
        &Prepared {
            rel: POLICY_FILE.to_owned(),
            expected: Some(loaded.original.clone()),
            text: canonical::policy(changed),
            message: what_if.commit_message(because),
            head: loaded.head,
        },
    )?;
    Ok(PolicyChanged { what_if, saved })
}

/// `ripen what-if --write`: applies `sets` to the working tree's policy,
/// evaluates the register under it, and commits it.
pub fn change(
    ctx: &Context,
    sets: &[(String, String)],
    because: &str,
) -> Result<PolicyChanged, OpError> {
    ctx.require(crate::access::Act::Govern)?;
    let (reg, loaded) = load(ctx)?;
    let (changed, settings) = whatif::changed(&loaded.policy, sets).map_err(OpError::Refused)?;
    let before = crate::report::assess_all(&reg);
    let what_if = whatif::evaluate(&reg, &before, &changed, settings);
    commit(ctx, &loaded, &changed, what_if, because)
}

/// Commits `text` as `policy.ron` over the policy whose canonical text is
/// `base` (what a front end edited from) and HEAD `head` (where it loaded
/// the register): refused, changing nothing, when `policy.ron` now holds
/// another policy or the branch moved.
pub fn commit_over(
    ctx: &Context,
    base: &str,
    text: &str,
    message: &str,
    head: Option<Oid>,
) -> Result<Saved, OpError> {
    ctx.require(crate::access::Act::Govern)?;
    let dir = &ctx.state_dir;
    if !dir.is_dir() {
        return Err(OpError::NoRegister(dir.clone()));
    }
    super::load::refuse_links(dir)?;
    let path = dir.join(POLICY_FILE);
    let original = std::fs::read(&path)
        .map_err(|e| OpError::Refused(format!("cannot read {}: {e}", path.display())))?;
    let now = std::str::from_utf8(&original)
        .ok()
        .and_then(|t| crate::register::parse_policy(t).ok());
    if now.as_ref().map(canonical::policy).as_deref() != Some(base) {
        return Err(OpError::Refused(format!(
            "{} changed since the policy was opened; reload (r) and edit again",
            path.display()
        )));
    }
    save(
        ctx,
        &Prepared {
            rel: POLICY_FILE.to_owned(),
            expected: Some(original),
            text: text.to_owned(),
            message: message.to_owned(),
            head,
        },
    )
}
