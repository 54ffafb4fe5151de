//! Loading the register: from the working tree or a revision, alone (for a
//! command) or with what a screen shows beside it (branch, HEAD, whether
//! editing is possible).

use std::path::Path;

use super::{Context, OpError};
use crate::git::{self, RepoStatus};
use crate::register::{self, Register};
use crate::store;

/// The register of the working tree (`rev` `None`) or of a revision,
/// evaluated at the context's as-of date. A working tree reached through a
/// symbolic link inside its repository, or without its `use-cases/`
/// folder, is refused (reading and writing alike, as git does).
pub fn register(ctx: &Context, rev: Option<&str>) -> Result<Register, OpError> {
    let dir = &ctx.state_dir;
    let snapshot = match rev {
        Some(rev) => git::snapshot_at(dir, rev)?,
        None => {
            if !dir.is_dir() {
                return Err(OpError::NoRegister(dir.clone()));
            }
            refuse_links(dir)?;
            // Unchanged files come from the parse cache (see git::cache).
            return git::cache::load_working_tree(dir, ctx.as_of, ctx.today)
                .map_err(|e| OpError::Failed(e.to_string()));
        }
    };
    Ok(register::load(&snapshot, ctx.as_of, ctx.today))
}

/// Refuses a state directory reached through a symbolic link inside its
/// repository, or without its `use-cases/` folder.
pub fn refuse_links(dir: &Path) -> Result<(), OpError> {
    if let Err(e @ git::GitError::Symlink(_)) = git::locate(dir) {
        return Err(OpError::Failed(e.to_string()));
    }
    store::require_use_cases(dir).map_err(|e| OpError::Failed(e.to_string()))
}

/// What a screen shows: the register, the repository's state beside it,
/// and why editing is off, if it is.
#[derive(Debug)]
pub struct View {
    /// The register.
    pub register: Register,
    /// Branch, HEAD and whether the state directory is dirty; for a
    /// revision, that revision (never dirty).
    pub status: RepoStatus,
    /// Why changes cannot be made (a revision is viewed, HEAD is
    /// detached, ...); `None` when they can.
    pub read_only: Option<String>,
}

/// Loads the register with what a screen shows beside it.
pub fn view(ctx: &Context, rev: Option<&str>) -> Result<View, OpError> {
    let dir = &ctx.state_dir;
    let register = match rev {
        Some(rev) => register::load(&git::snapshot_at(dir, rev)?, ctx.as_of, ctx.today),
        // Unchanged files come from the parse cache (see git::cache).
        None => git::cache::load_working_tree(dir, ctx.as_of, ctx.today)
            .map_err(|e| OpError::Failed(format!("cannot read {}: {e}", dir.display())))?,
    };
    let mut status = git::status(dir);
    if let Some(rev) = rev {
        // What is shown is the revision, not the checkout.
        status.branch = Some(rev.to_owned());
        status.head = git::resolve_commit(dir, rev).ok();
        status.dirty = false;
    }
    let read_only = match rev {
        Some(rev) => Some(format!("viewing revision {}", crate::text::sanitize(rev))),
        None => git::commit::read_only_reason(dir),
    };
    Ok(View {
        register,
        status,
        read_only,
    })
}

/// `access.ron` as committed at HEAD, which is what decides who may sign
/// in and what they may do (an uncommitted edit changes nothing until it
/// is committed). `None` when HEAD has no `access.ron`; an error, located
/// as `path:line:col`, when it does not parse or has errors.
pub fn access_at_head(ctx: &Context) -> Result<Option<crate::access::Access>, OpError> {
    let rel = crate::access::ACCESS_FILE;
    let Some((_, bytes)) = git::file_at_head(&ctx.state_dir, rel)? else {
        return Ok(None);
    };
    let shown = format!("{}/{rel} at HEAD", ctx.state_dir.display());
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| OpError::Failed(format!("{shown}: error: the file is not UTF-8")))?;
    let access = register::parse_access(text).map_err(|e| {
        OpError::Failed(format!(
            "{shown}:{}:{}: error: {}",
            e.line, e.column, e.message
        ))
    })?;
    let errors: Vec<String> = crate::access::validate(&access)
        .into_iter()
        .filter(|f| f.severity == register::Severity::Error)
        .map(|f| {
            let (line, col) = register::locate(text, &f.path);
            format!("{shown}:{line}:{col}: error: {}", f.message)
        })
        .collect();
    if !errors.is_empty() {
        return Err(OpError::Failed(format!(
            "{}\nnobody can sign in until access.ron is fixed and committed",
            errors.join("\n")
        )));
    }
    Ok(Some(access))
}
