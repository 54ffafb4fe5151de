//! Importing a CSV file through a mapping: planned against the working
//! tree's register ([`plan`]), then written as one commit inside a git
//! repository, or as one atomic multi-file write outside one ([`write()`]).

use std::path::PathBuf;

use git2::Oid;

use super::{Context, OpError};
use crate::git::commit::{self, ChangeError, FileWrite};
use crate::git::{self, short_id};
use crate::import::{self, Mapping, Plan};
use crate::register::{self, USE_CASES_DIR};
use crate::store;
use crate::text::sanitize;

/// An import planned: what it would write, and what it was planned against.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The files to write and the report.
    pub plan: Plan,
    head: Option<Oid>,
    in_repo: bool,
}

/// Plans importing `csv` (named `csv_name`) through `mapping`. Unless
/// `dry_run`, refused when the repository cannot take a commit.
pub fn plan(
    ctx: &Context,
    csv_name: &str,
    csv: &[u8],
    mapping: &Mapping,
    dry_run: bool,
) -> Result<Planned, OpError> {
    let dir = &ctx.state_dir;
    if !dir.join(register::SETTINGS_FILE).is_file() {
        return Err(OpError::NoRegister(dir.clone()));
    }
    let in_repo = git::locate(dir).is_ok();
    let head = if in_repo {
        if !dry_run && let Some(reason) = commit::read_only_reason(dir) {
            return Err(OpError::Refused(format!(
                "cannot commit an import here: {reason}; nothing was written"
            )));
        }
        commit::head_commit(dir)?
    } else {
        None
    };
    let snapshot = store::snapshot(dir).map_err(|e| OpError::Failed(e.to_string()))?;
    let reg = register::load(&snapshot, ctx.as_of, ctx.today);
    let plan = import::plan(csv_name, csv, mapping, &reg, &snapshot)
        .map_err(|e| OpError::ImportProblems(e.problems))?;
    Ok(Planned {
        plan,
        head,
        in_repo,
    })
}

/// What [`write()`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A dry run: nothing was written.
    DryRun,
    /// The register already says what the file says.
    NothingToChange,
    /// The files were written and committed.
    Committed {
        /// How many files.
        files: usize,
        /// The commit.
        commit: Oid,
        /// The branch it is on (`refs/heads/main`).
        branch: String,
    },
    /// The files were written; not in a repository, so not committed.
    Written {
        /// How many files.
        files: usize,
        /// The state directory.
        dir: PathBuf,
    },
}

impl Imported {
    /// How many files were written.
    pub fn written(&self) -> usize {
        match self {
            Imported::DryRun | Imported::NothingToChange => 0,
            Imported::Committed { files, .. } | Imported::Written { files, .. } => *files,
        }
    }

    /// The commit, if one was made.
    pub fn commit(&self) -> Option<Oid> {
        match self {
            Imported::Committed { commit, .. } => Some(*commit),
            _ => None,
        }
    }

    /// The closing line of an import.
    pub fn describe(&self) -> String {
        match self {
            Imported::DryRun => "Dry run: nothing was written.".to_owned(),
            Imported::NothingToChange => {
                "Nothing to change: the register already says what the file says.".to_owned()
            }
            Imported::Committed {
                files,
                commit,
                branch,
            } => format!(
                "Wrote {files} file(s) and committed them as {} on {}.",
                short_id(*commit),
                sanitize(branch.strip_prefix("refs/heads/").unwrap_or(branch))
            ),
            Imported::Written { files, dir } => format!(
                "Wrote {files} file(s); {} is not in a git repository, so nothing was committed.",
                sanitize(&dir.display().to_string())
            ),
        }
    }
}

/// Writes a planned import (nothing when `dry_run` or nothing changes):
/// one commit inside a git repository, plain atomic writes outside one,
/// each file only if it still holds what the plan read.
pub fn write(ctx: &Context, planned: &Planned, dry_run: bool) -> Result<Imported, OpError> {
    if dry_run {
        return Ok(Imported::DryRun);
    }
    ctx.require(crate::access::Act::Bulk)?;
    let plan = &planned.plan;
    if plan.writes.is_empty() {
        return Ok(Imported::NothingToChange);
    }
    let dir = &ctx.state_dir;
    let cases = dir.join(USE_CASES_DIR);
    std::fs::create_dir_all(&cases)
        .map_err(|e| OpError::Failed(format!("cannot create {}: {e}", cases.display())))?;
    let files: Vec<FileWrite<'_>> = plan
        .writes
        .iter()
        .map(|w| FileWrite {
            rel: &w.rel,
            expected: w.expected.as_deref(),
            new: &w.bytes,
        })
        .collect();
    if planned.in_repo {
        let done = commit::commit_files_with(
            dir,
            &files,
            &plan.report.commit_message(),
            planned.head,
            &ctx.commit_options(),
            &mut crate::testhooks::commit_observer(),
        )?;
        return Ok(Imported::Committed {
            files: files.len(),
            commit: done.id,
            branch: done.branch,
        });
    }
    let done = commit::write_files(dir, &files, &mut crate::testhooks::commit_observer()).map_err(
        |e| match e {
            ChangeError::ChangedOnDisk(rel) => OpError::Refused(format!(
                "{} was changed on disk during the import; nothing was written: import again",
                dir.join(rel).display()
            )),
            e => e.into(),
        },
    )?;
    if !done.kept.is_empty() {
        return Err(OpError::Refused(format!(
            "{} was changed by someone else during the import: their version is kept and the import's is not written; import again",
            done.kept.join(", ")
        )));
    }
    Ok(Imported::Written {
        files: files.len(),
        dir: dir.clone(),
    })
}
