//! Creating a register (`ripen init`) and scaffolding a use case
//! (`ripen new`, the UI's `n`), each committed as one commit of exactly its
//! own files.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use super::{STATE_DIR, shell_word};
use crate::git::commit::{self, ChangeError, CommitOptions, FileWrite};
use crate::model::{Policy, Settings, UseCase, UseCaseId, canonical};
use crate::register::{POLICY_FILE, SETTINGS_FILE, USE_CASES_DIR};

/// The message of the commit that creates a register.
pub const INIT_MESSAGE: &str = "Create the register";

/// Why a register or a use case could not be created. Nothing was written
/// in any case, apart from an empty repository or folder made on the way.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// A register already exists there.
    #[error("a register already exists at {0}; nothing was changed")]
    RegisterExists(String),
    /// No register at the given state directory.
    #[error("no register at {0}")]
    NoRegister(String),
    /// The use case's file already exists.
    #[error("{0} already exists; choose another id or edit that file")]
    UseCaseExists(String),
    /// The state directory is not inside a git repository, so nothing can
    /// be committed.
    #[error(
        "{0} is not inside a git repository, so the new file cannot be committed; run `git init {1}` first, or add --no-commit to only write the file"
    )]
    NotInRepository(String, String),
    /// No git identity to commit with. Nothing was written; the advice
    /// works from any folder, as git's own does.
    #[error(
        "no git identity to commit with: set one with `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`, then run this command again (nothing was written)"
    )]
    NoIdentity,
    /// A file-system failure.
    #[error("cannot create {0}: {1}")]
    Io(String, std::io::Error),
    /// A git failure.
    #[error("{0}")]
    Git(#[from] crate::git::GitError),
    /// The commit was refused or failed.
    #[error("{0}")]
    Commit(ChangeError),
}

impl From<ChangeError> for CreateError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NoIdentity => CreateError::NoIdentity,
            e => CreateError::Commit(e),
        }
    }
}

/// What [`init`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// The new state directory (`DIR/state`).
    pub state_dir: PathBuf,
    /// The repository's working folder.
    pub repo_root: PathBuf,
    /// Whether a new repository was made (else an existing one was used).
    pub created_repo: bool,
    /// The commit that holds the new register.
    pub commit: Oid,
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> CreateError + '_ {
    move |e| CreateError::Io(path.display().to_string(), e)
}

/// Creates a register at `dir/state` (`register.ron` named `name`, the
/// default `policy.ron`, an empty `use-cases/`) and commits exactly those
/// files with the message [`INIT_MESSAGE`]. When `dir` is not inside a git
/// repository, `dir` becomes one; inside one, the register is committed
/// there (never a repository nested in another). Whatever the user staged
/// is left staged and out of the commit.
pub fn init(dir: &Path, name: &str) -> Result<Initialized, CreateError> {
    let state_dir = if dir == Path::new(".") {
        PathBuf::from(STATE_DIR)
    } else {
        dir.join(STATE_DIR)
    };
    if state_dir.join(SETTINGS_FILE).exists() {
        return Err(CreateError::RegisterExists(state_dir.display().to_string()));
    }
    std::fs::create_dir_all(dir).map_err(io_at(dir))?;
    // Never nests a repository inside one, even one ripen cannot read.
    let created_repo = crate::git::init_if_needed(dir)?;
    let repo = Repository::discover(dir).map_err(crate::git::GitError::Git)?;
    let repo_root = repo
        .workdir()
        .map(|w| w.components().collect::<PathBuf>())
        .unwrap_or_else(|| repo.path().to_path_buf());
    let cases = state_dir.join(USE_CASES_DIR);
    // The folders this call makes, removed again (when still empty) if the
    // commit is refused, so that a refusal leaves nothing behind.
    let made: Vec<PathBuf> = [&state_dir, &cases]
        .into_iter()
        .filter(|d| !d.exists())
        .cloned()
        .collect();
    std::fs::create_dir_all(&cases).map_err(io_at(&cases))?;
    let settings = canonical::settings(&Settings::new(name));
    // A policy.ron already there (from an earlier attempt, or written by
    // hand) is kept as it is and committed with the rest.
    let policy_path = state_dir.join(POLICY_FILE);
    let existing_policy = std::fs::read(&policy_path).ok();
    let policy = existing_policy
        .clone()
        .unwrap_or_else(|| canonical::policy(&Policy::default()).into_bytes());
    let keep_rel = format!("{USE_CASES_DIR}/.gitkeep");
    let existing_keep = std::fs::read(state_dir.join(&keep_rel)).ok();
    let files = [
        FileWrite {
            rel: SETTINGS_FILE,
            expected: None,
            new: settings.as_bytes(),
        },
        FileWrite {
            rel: POLICY_FILE,
            expected: existing_policy.as_deref(),
            new: &policy,
        },
        FileWrite {
            rel: &keep_rel,
            expected: existing_keep.as_deref(),
            new: existing_keep.as_deref().unwrap_or(b""),
        },
    ];
    let done = commit::head_commit(&state_dir)
        .map_err(CreateError::from)
        .and_then(|head| {
            Ok(commit::commit_files(
                &state_dir,
                &files,
                INIT_MESSAGE,
                head,
            )?)
        });
    let done = match done {
        Ok(done) => done,
        Err(e) => {
            for d in made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            return Err(e);
        }
    };
    Ok(Initialized {
        state_dir,
        repo_root,
        created_repo,
        commit: done.id,
    })
}

/// What [`new_use_case`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The new file.
    pub path: PathBuf,
    /// The commit that holds it; `None` when asked not to commit.
    pub commit: Option<Oid>,
}

/// The message of the commit that adds a scaffolded use case.
pub fn new_message(id: &UseCaseId, title: &str) -> String {
    format!("{id}: new use case \"{title}\"")
}

/// Writes `use-cases/<id>.ron` under `state_dir` with the scaffold's
/// placeholder values (see [`UseCase::placeholder`]) and, when `commit` is
/// true, commits exactly that file. Refused, writing nothing, when the file
/// exists, there is no register, or (with `commit`) the state directory is
/// not inside a repository that can be edited.
pub fn new_use_case(
    state_dir: &Path,
    id: &UseCaseId,
    title: &str,
    owner: &str,
    team: &str,
    commit: bool,
) -> Result<Created, CreateError> {
    new_use_case_with(
        state_dir,
        id,
        (title, owner, team),
        commit.then(CommitOptions::default).as_ref(),
    )
}

/// [`new_use_case`] committed with `options` (for example authored by a
/// principal: [`super::Context::commit_options`]); `None`: only written.
pub fn new_use_case_with(
    state_dir: &Path,
    id: &UseCaseId,
    (title, owner, team): (&str, &str, &str),
    options: Option<&CommitOptions>,
) -> Result<Created, CreateError> {
    if !state_dir.join(SETTINGS_FILE).is_file() {
        return Err(CreateError::NoRegister(state_dir.display().to_string()));
    }
    let rel = format!("{USE_CASES_DIR}/{id}.ron");
    let path = state_dir.join(&rel);
    if path.exists() {
        return Err(CreateError::UseCaseExists(path.display().to_string()));
    }
    let text = canonical::use_case(&UseCase::placeholder(title, owner, team));
    let cases = state_dir.join(USE_CASES_DIR);
    std::fs::create_dir_all(&cases).map_err(io_at(&cases))?;
    let Some(options) = options else {
        crate::store::write_atomic(&path, text.as_bytes()).map_err(io_at(&path))?;
        return Ok(Created { path, commit: None });
    };
    let head = match commit::head_commit(state_dir) {
        Ok(h) => h,
        Err(crate::git::GitError::NotARepository(_)) => {
            return Err(CreateError::NotInRepository(
                state_dir.display().to_string(),
                shell_word(&state_dir.display().to_string()),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let file = FileWrite {
        rel: &rel,
        expected: None,
        new: text.as_bytes(),
    };
    let done = commit::commit_files_with(
        state_dir,
        &[file],
        &new_message(id, title),
        head,
        options,
        &mut |_| {},
    )?;
    Ok(Created {
        path,
        commit: Some(done.id),
    })
}
