//! Closing a quarter's review: an annotated tag `review/YYYY-Qn`, tagged
//! by the context's identity (or the repository's).

use super::{Context, OpError};
use crate::git::review::{self, CloseOptions, ReviewTag};
use crate::text::sanitize;

/// A review closed.
#[derive(Debug, Clone)]
pub struct Closed {
    /// The tag.
    pub tag: ReviewTag,
    /// Whether the state directory had uncommitted changes (which the
    /// review does not cover).
    pub dirty: bool,
}

impl Closed {
    /// `Closed review 2026-Q3: tag review/2026-Q3 on commit 1a2b3c4`.
    pub fn describe(&self) -> String {
        format!(
            "Closed review {}: tag {} on commit {}",
            self.tag.quarter,
            sanitize(&self.tag.name),
            self.tag.short_commit()
        )
    }

    /// What to do next.
    pub fn next_step(&self) -> String {
        format!(
            "Share it with `git push origin {}`; reports on later commits start from it.",
            sanitize(&self.tag.name)
        )
    }

    /// A note when uncommitted changes were left out of the review.
    pub fn note(&self) -> Option<String> {
        self.dirty.then(|| {
            format!(
                "the state directory has uncommitted changes; the review covers commit {} only",
                self.tag.short_commit()
            )
        })
    }
}

/// Closes `quarter`'s review on `rev` (default HEAD) with `message` (default
/// a generated summary), evaluated at the context's as-of date.
pub fn close(
    ctx: &Context,
    quarter: &str,
    rev: Option<&str>,
    message: Option<String>,
) -> Result<Closed, OpError> {
    close_with(ctx, quarter, rev, message, false)
}

/// [`close`]; when the quarter's review was started (`ripen review
/// start`), its record must have every item decided and approved, unless
/// `allow_open` (they are recorded as carried over); the record is
/// committed as closed, then that commit is tagged, and the generated
/// message lists the decisions. Closing again after a failed tag finds the
/// record closed and only tags.
pub fn close_with(
    ctx: &Context,
    quarter: &str,
    rev: Option<&str>,
    message: Option<String>,
    allow_open: bool,
) -> Result<Closed, OpError> {
    ctx.require(crate::access::Act::Review)?;
    let q = review::Quarter::parse(quarter)?;
    if let Ok(located) = crate::git::locate(&ctx.state_dir)
        && located
            .repo
            .find_reference(&format!("refs/tags/{}", q.tag_name()))
            .is_ok()
    {
        // The tag exists: refused as ever, nothing recorded.
        return close_tag(ctx, quarter, rev, message, Vec::new());
    }
    if q > review::latest_quarter(ctx.today) {
        return close_tag(ctx, quarter, rev, message, Vec::new());
    }
    let decisions = super::meeting::close_record(ctx, quarter, allow_open)?.unwrap_or_default();
    close_tag(ctx, quarter, rev, message, decisions)
}

fn close_tag(
    ctx: &Context,
    quarter: &str,
    rev: Option<&str>,
    message: Option<String>,
    decisions: Vec<String>,
) -> Result<Closed, OpError> {
    let tagger = match &ctx.identity {
        Some(who) => Some(
            git2::Signature::now(&who.name, &who.email)
                .map_err(|e| OpError::Git(crate::git::GitError::Git(e)))?,
        ),
        None => None,
    };
    let options = CloseOptions {
        rev: rev.map(str::to_owned),
        message,
        as_of: ctx.as_of,
        tagger,
        today: Some(ctx.today),
        decisions,
    };
    let tag = review::close(&ctx.state_dir, quarter, options)?;
    let dirty = rev.is_none() && crate::git::status(&ctx.state_dir).dirty;
    Ok(Closed { tag, dirty })
}
