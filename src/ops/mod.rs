//! The operations layer: every change and every load a front end offers,
//! as one library function each, shared by the command line, the terminal
//! UI and any other front end (a server that runs them for someone else).
//!
//! Each operation takes an explicit [`Context`] (the state directory, who
//! to author commits as, today's date, the as-of date, whether to run the
//! hooks) and returns a typed outcome whose `describe()` is the one wording
//! every front end prints. The mechanics stay where they are
//! ([`crate::git::commit`], [`crate::git::proposals`], [`crate::git::review`],
//! [`crate::import`], [`crate::store`]): this layer orchestrates them, makes
//! the checks a change needs (the readiness override rule, an empty
//! justification, an unknown id), and words the results.
//!
//! - [`load`]: the register of the working tree or of a revision.
//! - [`change`]: move a stage, add a measurement or an ROI entry, commit an
//!   edited use case, or save a change a front end prepared.
//! - [`fmt`]: rewrite every file in canonical form.
//! - [`import`]: plan and write an import.
//! - [`review`]: close a quarter's review.
//! - [`meeting`]: the review as a recorded meeting: agenda, start, decide,
//!   approve, and the record's part of closing.
//! - [`verify`]: who signed each change to the register, and were they allowed.
//! - [`accept`]: accept a proposal branch.
//! - [`policy`]: commit a changed policy (`what-if --write`).
//! - [`create`]: `init` and `new`.

pub mod accept;
pub mod change;
pub mod create;
pub mod fmt;
pub mod import;
pub mod load;
pub mod meeting;
pub mod policy;
pub mod review;
pub mod verify;

use std::path::{Path, PathBuf};

pub use create::{
    CreateError, Created, INIT_MESSAGE, Initialized, init, new_message, new_use_case,
    new_use_case_with,
};

pub use crate::access::{Act, Permit, Role};
use crate::git::GitError;
pub use crate::git::commit::Identity;
use crate::git::commit::{ChangeError, CommitOptions};
use crate::model::Date;
use crate::register::SETTINGS_FILE;

/// What every operation needs to know besides its own arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The register's state directory.
    pub state_dir: PathBuf,
    /// Who commits are authored by; `None`: the repository's configured
    /// identity. The committer is always the repository's identity.
    pub identity: Option<Identity>,
    /// Today, read by the caller (the library reads no clock).
    pub today: Date,
    /// An explicit as-of date for readiness, instead of register.ron's or today.
    pub as_of: Option<Date>,
    /// Skip the repository's `pre-commit` and `commit-msg` hooks.
    pub no_verify: bool,
    /// The role of whoever asks (from `access.ron`, for a principal signed
    /// in through `ripen serve` or `--principal`); `None`: the local user,
    /// whom the file system and git already trust.
    pub role: Option<Role>,
}

impl Context {
    /// A context for `state_dir` on `today`: the repository's identity, no
    /// as-of date, hooks run.
    pub fn new(state_dir: impl Into<PathBuf>, today: Date) -> Context {
        Context {
            state_dir: state_dir.into(),
            identity: None,
            today,
            as_of: None,
            no_verify: false,
            role: None,
        }
    }

    /// Acts for `principal`: their name and email author commits, their
    /// role limits what may be done.
    pub fn act_as(&mut self, principal: &crate::access::Principal) {
        self.identity = Some(Identity {
            name: principal.name.clone(),
            email: principal.email.clone(),
        });
        self.role = Some(principal.role);
    }

    /// Whether (and how) whoever asks may do `act`: [`Permit::Yes`] for
    /// the local user; otherwise their role's rule.
    pub fn permit(&self, act: Act) -> Permit {
        match self.role {
            None => Permit::Yes,
            Some(role) => role.permits(act),
        }
    }

    /// [`Context::permit`], refusing only when the answer is [`Permit::No`]
    /// (a Proposer's change goes on, to become a proposal).
    pub fn forbid(&self, act: Act) -> Result<(), OpError> {
        match self.permit(act) {
            Permit::No(why) => Err(OpError::Refused(why)),
            _ => Ok(()),
        }
    }

    /// [`Context::permit`], refusing unless the answer is [`Permit::Yes`].
    pub fn require(&self, act: Act) -> Result<(), OpError> {
        match self.permit(act) {
            Permit::Yes => Ok(()),
            Permit::No(why) => Err(OpError::Refused(why)),
            Permit::AsProposal => Err(OpError::Refused(format!(
                "your role is {}: your changes become proposals, and this one cannot be proposed; ask a Reviewer",
                self.role.map_or("", |r| r.name())
            ))),
        }
    }

    /// The options of the commits this context makes.
    pub fn commit_options(&self) -> CommitOptions {
        CommitOptions {
            verify: !self.no_verify,
            author: self.identity.clone(),
        }
    }
}

/// Why an operation did nothing. Every variant changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// No register at the state directory.
    #[error("no register at {}", .0.display())]
    NoRegister(PathBuf),
    /// The use case is not in the register (or its file has errors).
    #[error(
        "no use case `{id}` in {root}; `ripen list` shows the ids (a file with errors is left out: `ripen validate`)"
    )]
    NoSuchUseCase {
        /// The id asked for, sanitized.
        id: String,
        /// The register's root as shown, sanitized.
        root: String,
    },
    /// The change was refused by a check; the message says why and what to do.
    #[error("{0}")]
    Refused(String),
    /// The commit was refused or failed.
    #[error("{0}")]
    Commit(#[from] ChangeError),
    /// Reading the repository failed.
    #[error("{0}")]
    Git(#[from] GitError),
    /// Closing a review was refused or failed.
    #[error("{0}")]
    Review(#[from] crate::git::review::ReviewError),
    /// Accepting a proposal was refused or failed.
    #[error("{0}")]
    Accept(#[from] crate::git::proposals::AcceptError),
    /// An import's input has problems (each with where it is); nothing was
    /// imported.
    #[error("nothing was imported: {} problem(s) above", .0.len())]
    ImportProblems(Vec<crate::import::Problem>),
    /// Another failure, worded.
    #[error("{0}")]
    Failed(String),
}

impl OpError {
    /// Whether the change failed because the register moved under it (a
    /// file changed on disk, the branch moved, another save is running):
    /// reloading and trying again may work.
    pub fn is_stale(&self) -> bool {
        matches!(
            self,
            OpError::Commit(
                ChangeError::ChangedOnDisk(_)
                    | ChangeError::HeadMoved
                    | ChangeError::Busy(_)
                    | ChangeError::KeptEdit { .. }
            )
        )
    }
}

/// The state directory's name inside a register repository.
pub const STATE_DIR: &str = "state";

/// Finds the register from `cwd` as git finds `.git`: the `state/` folder
/// (holding `register.ron`) of `cwd` or of the nearest ancestor, stopping
/// at the root of the repository that holds `cwd`. Returns the path
/// relative to `cwd` (`state`, `../state`, ...), or `None`.
pub fn discover_state(cwd: &Path) -> Option<PathBuf> {
    let mut rel = PathBuf::new();
    for dir in cwd.ancestors() {
        let candidate = dir.join(STATE_DIR);
        if candidate.join(SETTINGS_FILE).is_file() {
            return Some(rel.join(STATE_DIR));
        }
        if dir.join(".git").exists() {
            return None;
        }
        rel.push("..");
    }
    None
}

/// `s` quoted for a POSIX shell when it needs it, so that a printed command
/// works when pasted.
pub fn shell_word(s: &str) -> String {
    if s.chars().any(crate::text::is_unsafe) {
        // ANSI-C quoting (bash, zsh, ksh, and dash since 0.5.12): every
        // character that must not reach a terminal raw is written escaped,
        // and the word still pastes as the same bytes.
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                c if crate::text::is_unsafe(c) => {
                    if (c as u32) < 0x100 {
                        out.push_str(&format!("\\x{:02x}", c as u32));
                    } else {
                        out.push_str(&format!("\\u{:04x}", c as u32));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,%".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("reg/state"), "reg/state");
        assert_eq!(shell_word("my reg"), "'my reg'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("reg\u{1b}]0;x\u{7}"), r"$'reg\x1b]0;x\x07'");
        assert_eq!(shell_word("a\u{202e}'b"), r"$'a\u202e\'b'");
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let t = tempfile::tempdir().unwrap();
        let outer = t.path();
        std::fs::create_dir_all(outer.join("state")).unwrap();
        std::fs::write(outer.join("state/register.ron"), "").unwrap();
        let repo = outer.join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("a/b")).unwrap();
        assert_eq!(discover_state(&repo.join("a/b")), None);
        std::fs::create_dir_all(repo.join("state")).unwrap();
        std::fs::write(repo.join("state/register.ron"), "").unwrap();
        assert_eq!(
            discover_state(&repo.join("a/b")),
            Some(PathBuf::from("../../state"))
        );
        assert_eq!(discover_state(&repo), Some(PathBuf::from("state")));
    }
}
