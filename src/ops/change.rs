//! Changes to one use case, each one commit of exactly its file: moving a
//! stage, adding a measurement or an ROI entry, committing an edited file,
//! and saving a change a front end prepared against what it loaded.
//!
//! Each is a compare-and-swap: the file must still hold what was read and
//! the branch must not have moved (see [`crate::git::commit`]).

use git2::Oid;

use super::{Context, OpError};
use crate::change::{self, Edit};
use crate::git::commit::{self, FileWrite};
use crate::git::short_id;
use crate::model::{Measurement, RoiEntry, Stage, UseCase, UseCaseId};
use crate::register::{self, Entry, Register};
use crate::text::sanitize;

/// A change committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The commit.
    pub commit: Oid,
    /// The branch it is on (`refs/heads/main`).
    pub branch: String,
    /// The commit message's first line.
    pub summary: String,
    /// Whether the change was made as a proposal on a new branch (the
    /// asker's role is Proposer) instead of on the current branch.
    pub proposed: bool,
}

impl Saved {
    /// `committed 1a2b3c4: <summary>`, or `proposed 1a2b3c4 on branch
    /// propose/ada/x: <summary>`.
    pub fn describe(&self) -> String {
        if self.proposed {
            let branch = self
                .branch
                .strip_prefix("refs/heads/")
                .unwrap_or(&self.branch);
            return format!(
                "proposed {} on branch {}: {} (a Reviewer accepts it)",
                short_id(self.commit),
                sanitize(branch),
                sanitize(&self.summary)
            );
        }
        format!(
            "committed {}: {}",
            short_id(self.commit),
            sanitize(&self.summary)
        )
    }
}

/// A use case moved to another stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The use case.
    pub id: UseCaseId,
    /// The stage it was in.
    pub from: Stage,
    /// The stage it is in now.
    pub to: Stage,
    /// Why the move overrode the readiness verdict, if it did (recorded in
    /// the commit message).
    pub overridden: Option<String>,
    /// The commit.
    pub saved: Saved,
}

impl Moved {
    /// `committed 1a2b3c4: <summary>`, as for every change.
    pub fn describe(&self) -> String {
        self.saved.describe()
    }
}

/// A change a front end prepared against the register it loaded (for
/// example the terminal UI's forms and dialogs, through
/// [`change::apply`]): one file's new content and its commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The file relative to the state directory.
    pub rel: String,
    /// What the file held when loaded (`None`: it must not exist yet).
    pub expected: Option<Vec<u8>>,
    /// The new content.
    pub text: String,
    /// The commit message.
    pub message: String,
    /// The commit HEAD pointed at when the register was loaded.
    pub head: Option<Oid>,
}

/// Commits a prepared change: exactly its file, only if the file still
/// holds what was loaded and the branch has not moved.
pub fn save(ctx: &Context, change: &Prepared) -> Result<Saved, OpError> {
    let summary = change.message.lines().next().unwrap_or("").to_owned();
    let act = match register::FileKind::of(&change.rel) {
        Some(register::FileKind::UseCase) => crate::access::Act::ChangeUseCase,
        _ => crate::access::Act::Govern,
    };
    match ctx.permit(act) {
        crate::access::Permit::Yes => {}
        crate::access::Permit::No(why) => return Err(OpError::Refused(why)),
        crate::access::Permit::AsProposal => {
            let email = ctx
                .identity
                .as_ref()
                .map_or("proposal", |i| i.email.as_str());
            let topic = change
                .rel
                .rsplit('/')
                .next()
                .unwrap_or(&change.rel)
                .trim_end_matches(".ron");
            let name = crate::git::propose::branch_name(email, topic);
            let done = crate::git::propose::propose_file(
                &ctx.state_dir,
                &crate::git::propose::FileProposal {
                    rel: &change.rel,
                    expected: change.expected.as_deref(),
                    new: change.text.as_bytes(),
                    message: &change.message,
                    base: change.head,
                    name: &name,
                },
                &ctx.commit_options(),
            )?;
            return Ok(Saved {
                commit: done.commit,
                branch: done.branch,
                summary,
                proposed: true,
            });
        }
    }
    let file = FileWrite {
        rel: &change.rel,
        expected: change.expected.as_deref(),
        new: change.text.as_bytes(),
    };
    commit_files(ctx, &[file], &change.message, change.head)
}

/// Commits `files` on the current branch as the context's identity, only
/// if each still holds what it expects and the branch is still at `head`.
pub(crate) fn commit_files(
    ctx: &Context,
    files: &[FileWrite<'_>],
    message: &str,
    head: Option<Oid>,
) -> Result<Saved, OpError> {
    let done = commit::commit_files_with(
        &ctx.state_dir,
        files,
        message,
        head,
        &ctx.commit_options(),
        &mut crate::testhooks::commit_observer(),
    )?;
    Ok(Saved {
        commit: done.id,
        branch: done.branch,
        summary: message.lines().next().unwrap_or("").to_owned(),
        proposed: false,
    })
}

/// The working tree's register and the HEAD it is read against (read
/// before the files, so that a commit made meanwhile is noticed).
pub(super) fn load_for_change(ctx: &Context) -> Result<(Register, Option<Oid>), OpError> {
    ctx.forbid(crate::access::Act::ChangeUseCase)?;
    let dir = &ctx.state_dir;
    if !dir.is_dir() {
        return Err(OpError::NoRegister(dir.clone()));
    }
    super::load::refuse_links(dir)?;
    let head = commit::head_commit(dir)?;
    let reg = super::load::register(ctx, None)?;
    Ok((reg, head))
}

pub(super) fn entry<'r>(reg: &'r Register, id: &str) -> Result<&'r Entry, OpError> {
    reg.get(id).ok_or_else(|| OpError::NoSuchUseCase {
        id: sanitize(id).into_owned(),
        root: sanitize(&reg.root).into_owned(),
    })
}

/// The readiness override a change of `current` into `next_stage` needs;
/// refused when it needs one and `force` is off.
fn override_for(
    reg: &Register,
    e: &Entry,
    next_stage: Stage,
    force: bool,
) -> Result<Option<String>, OpError> {
    let assessment = crate::readiness::assess(&e.use_case, &reg.effective_policy(), reg.as_of);
    let reason = change::override_needed(&e.use_case, next_stage, &assessment);
    match (&reason, force) {
        (Some(why), false) => Err(OpError::Refused(format!(
            "{} is not ready to move to {}: {why}; pass --override to move it anyway (the override is recorded)",
            e.id,
            next_stage.name()
        ))),
        _ => Ok(reason),
    }
}

fn commit_edit(
    ctx: &Context,
    e: &Entry,
    head: Option<Oid>,
    edit: Edit,
    because: &str,
    overridden: Option<&str>,
) -> Result<Saved, OpError> {
    let applied = change::apply(&e.id, &e.use_case, edit, because, overridden)
        .map_err(|err| OpError::Refused(err.to_string()))?;
    save(
        ctx,
        &Prepared {
            rel: e.rel.clone(),
            expected: Some(e.original.to_vec()),
            text: applied.text,
            message: applied.message,
            head,
        },
    )
}

/// Moves use case `id` to stage `to` with the justification `because`
/// (the commit's body). A move into FineTune while the readiness verdict
/// is not `ready` is refused unless `force`; the override is then recorded
/// in the commit message.
pub fn move_stage(
    ctx: &Context,
    id: &str,
    to: Stage,
    because: &str,
    force: bool,
) -> Result<Moved, OpError> {
    if because.trim().is_empty() {
        return Err(OpError::Refused(
            "--because is empty: say in one line why the stage changes".to_owned(),
        ));
    }
    let (reg, head) = load_for_change(ctx)?;
    let e = entry(&reg, id)?;
    let overridden = override_for(&reg, e, to, force)?;
    let saved = commit_edit(
        ctx,
        e,
        head,
        Edit::MoveStage(to),
        because,
        overridden.as_deref(),
    )?;
    Ok(Moved {
        id: e.id.clone(),
        from: e.use_case.stage,
        to,
        overridden,
        saved,
    })
}

/// Records a measurement on use case `id` (kept in date order).
pub fn add_measurement(ctx: &Context, id: &str, m: Measurement) -> Result<Saved, OpError> {
    let (reg, head) = load_for_change(ctx)?;
    let e = entry(&reg, id)?;
    commit_edit(ctx, e, head, Edit::AddMeasurement(m), "", None)
}

/// Records an ROI entry on use case `id` (kept in date order).
pub fn add_roi(ctx: &Context, id: &str, roi: RoiEntry) -> Result<Saved, OpError> {
    let (reg, head) = load_for_change(ctx)?;
    let e = entry(&reg, id)?;
    commit_edit(ctx, e, head, Edit::AddRoi(roi), "", None)
}

/// What an edited copy of a use case's file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum EditCheck {
    /// The same use case: nothing to commit.
    Unchanged,
    /// A valid, different use case.
    Valid(Box<UseCase>),
    /// Errors, one line each (`path:line:col: error: message`).
    Invalid(Vec<String>),
}

impl EditCheck {
    /// The wording of a check that leads to no commit.
    pub const NO_CHANGE: &'static str = "no change: nothing to commit";
}

/// Checks the bytes of an edited copy of `e`'s file against the register
/// it came from.
pub fn check_edit(reg: &Register, e: &Entry, bytes: &[u8]) -> EditCheck {
    let display = reg.display(&e.rel);
    match register::check_use_case(&display, bytes, reg.as_of) {
        Ok((use_case, _warnings)) if use_case == e.use_case => EditCheck::Unchanged,
        Ok((use_case, _warnings)) => EditCheck::Valid(Box::new(use_case)),
        Err(diagnostics) => EditCheck::Invalid(diagnostics.iter().map(|d| d.to_string()).collect()),
    }
}

/// Commits new content for use case `id`'s file (an edited file), with
/// the justification `because`. Refused when the content has errors,
/// changes nothing, or moves the use case into FineTune without `force`
/// while it is not ready.
pub fn edit_use_case(
    ctx: &Context,
    id: &str,
    bytes: &[u8],
    because: &str,
    force: bool,
) -> Result<Saved, OpError> {
    if because.trim().is_empty() {
        return Err(OpError::Refused(
            "the justification is empty: say in one line why the use case changes".to_owned(),
        ));
    }
    let (reg, head) = load_for_change(ctx)?;
    let e = entry(&reg, id)?;
    let next = match check_edit(&reg, e, bytes) {
        EditCheck::Unchanged => return Err(OpError::Refused(EditCheck::NO_CHANGE.to_owned())),
        EditCheck::Invalid(problems) => {
            return Err(OpError::Refused(format!(
                "the edited file has errors; nothing was committed:\n{}",
                problems.join("\n")
            )));
        }
        EditCheck::Valid(next) => next,
    };
    let overridden = override_for(&reg, e, next.stage, force)?;
    commit_edit(
        ctx,
        e,
        head,
        Edit::Replace(next),
        because,
        overridden.as_deref(),
    )
}
