//! Commit and tag objects written as git writes them: through the
//! repository's `pre-commit` and `commit-msg` hooks, and signed when the
//! repository asks for it.
//!
//! Every commit ripen makes is written by [`write_commit`], every annotated
//! tag by [`write_tag`]; nothing else creates those objects.
//!
//! - Hooks: unless [`CommitOptions::verify`] is off (`--no-verify`, as in
//!   git), `pre-commit` runs in the working tree's root with
//!   `GIT_INDEX_FILE` naming a temporary index that holds exactly the
//!   commit's tree (what `git commit <paths>` does), so the user's index
//!   and staged changes are never touched; then `commit-msg` runs with the
//!   message in a file, and the message it leaves is the one committed.
//!   Hooks live in `core.hooksPath` (relative to the working tree's root)
//!   or the repository's `hooks/`; a hook that is not executable is skipped,
//!   as git does. A hook that fails refuses the commit before any object is
//!   written; its output is part of the message.
//! - Signing: when `commit.gpgsign` (for tags, `tag.gpgsign`) is true, the
//!   object is signed through the configured program: `gpg.format=ssh` runs
//!   `gpg.ssh.program` (default `ssh-keygen`) as `-Y sign -n git -f KEY
//!   FILE` with `user.signingkey` (a key file, or a literal public key whose
//!   private half is in the agent); `openpgp` (the default) runs
//!   `gpg.program` (default `gpg`) as `--status-fd=2 -bsau KEY` and `x509`
//!   runs `gpg.x509.program` (default `gpgsm`) likewise, with
//!   `user.signingkey` or the committer's identity as the key. A signature
//!   that cannot be made refuses the commit with the program's words.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use git2::{Commit, ObjectType, Oid, Repository, Signature, Tree};

use super::commit::ChangeError;

/// How to write a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOptions {
    /// Run the `pre-commit` and `commit-msg` hooks (off with `--no-verify`).
    pub verify: bool,
    /// Who the commit is authored by; `None`: the repository's configured
    /// identity, which is always the committer.
    pub author: Option<Identity>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        CommitOptions {
            verify: true,
            author: None,
        }
    }
}

/// A person commits are authored by: a name and an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The name, as in `user.name`.
    pub name: String,
    /// The e-mail address, as in `user.email`.
    pub email: String,
}

impl Identity {
    /// The identity as a git signature at the moment `at` (the
    /// committer's, so that author and committer dates agree).
    pub fn signature_at(&self, at: &git2::Time) -> Result<Signature<'static>, git2::Error> {
        Signature::new(&self.name, &self.email, at)
    }
}

fn config_bool(repo: &Repository, key: &str) -> bool {
    repo.config().and_then(|c| c.get_bool(key)).unwrap_or(false)
}

fn config_string(repo: &Repository, key: &str) -> Option<String> {
    repo.config().and_then(|c| c.get_string(key)).ok()
}

/// Writes a commit object (no reference moves), running the hooks and
/// signing as the repository asks. See the module documentation.
pub fn write_commit(
    repo: &Repository,
    author: &Signature<'_>,
    committer: &Signature<'_>,
    message: &str,
    tree: &Tree<'_>,
    parents: &[&Commit<'_>],
    options: &CommitOptions,
) -> Result<Oid, ChangeError> {
    let mut message = message.to_owned();
    if options.verify {
        let workdir = repo.workdir().unwrap_or(repo.path()).to_path_buf();
        if let Some(hook) = hook_path(repo, "pre-commit") {
            let scratch = tempfile::tempdir()?;
            let index_path = scratch.path().join("index");
            let mut index = git2::Index::open(&index_path)?;
            index.read_tree(tree)?;
            index.write()?;
            run_hook(&hook, "pre-commit", &workdir, &[], Some(&index_path))?;
        }
        if let Some(hook) = hook_path(repo, "commit-msg") {
            let scratch = tempfile::tempdir()?;
            let file = scratch.path().join("COMMIT_EDITMSG");
            std::fs::write(&file, &message)?;
            run_hook(&hook, "commit-msg", &workdir, &[file.as_os_str()], None)?;
            message = std::fs::read_to_string(&file)?;
            if message.trim().is_empty() {
                return Err(ChangeError::HookFailed {
                    hook: "commit-msg".to_owned(),
                    output: "the hook left an empty commit message".to_owned(),
                });
            }
        }
    }
    if !config_bool(repo, "commit.gpgsign") {
        return Ok(repo.commit(None, author, committer, &message, tree, parents)?);
    }
    let buffer = repo.commit_create_buffer(author, committer, &message, tree, parents)?;
    let content = std::str::from_utf8(&buffer)
        .map_err(|_| ChangeError::Sign("the commit is not valid UTF-8".to_owned()))?;
    let signature = sign(repo, buffer.as_ref(), committer)?;
    Ok(repo.commit_signed(content, &signature, None)?)
}

/// Writes an annotated tag `refs/tags/NAME` on `target` (refused if it
/// exists, like [`Repository::tag`] without force), signed when
/// `tag.gpgsign` is true. A signing failure is a [`git2::Error`] carrying
/// the reason.
pub fn write_tag(
    repo: &Repository,
    name: &str,
    target: &git2::Object<'_>,
    tagger: &Signature<'_>,
    message: &str,
) -> Result<Oid, git2::Error> {
    if !config_bool(repo, "tag.gpgsign") {
        return repo.tag(name, target, tagger, message, false);
    }
    let refname = format!("refs/tags/{name}");
    if repo.find_reference(&refname).is_ok() {
        return Err(git2::Error::new(
            git2::ErrorCode::Exists,
            git2::ErrorClass::Tag,
            format!("tag '{name}' already exists"),
        ));
    }
    let kind = target.kind().unwrap_or(ObjectType::Commit).str();
    let when = tagger.when();
    let offset = when.offset_minutes();
    let sign_char = if offset < 0 { '-' } else { '+' };
    let mut body = format!(
        "object {}\ntype {kind}\ntag {name}\ntagger {} <{}> {} {sign_char}{:02}{:02}\n\n{message}",
        target.id(),
        String::from_utf8_lossy(tagger.name_bytes()),
        String::from_utf8_lossy(tagger.email_bytes()),
        when.seconds(),
        offset.abs() / 60,
        offset.abs() % 60,
    );
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let signature =
        sign(repo, body.as_bytes(), tagger).map_err(|e| git2::Error::from_str(&e.to_string()))?;
    body.push_str(&signature);
    let id = repo.odb()?.write(ObjectType::Tag, body.as_bytes())?;
    repo.reference(&refname, id, false, "tag (ripen)")?;
    Ok(id)
}

/// The hook's file if it exists and is executable.
fn hook_path(repo: &Repository, name: &str) -> Option<PathBuf> {
    let dir = match config_string(repo, "core.hooksPath") {
        Some(p) => {
            let p = expand_home(&p);
            if p.is_absolute() {
                p
            } else {
                repo.workdir().unwrap_or(repo.path()).join(p)
            }
        }
        None => repo.commondir().join("hooks"),
    };
    let path = dir.join(name);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return None; // git skips it too, with a hint
        }
    }
    Some(path)
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(p),
    }
}

fn run_hook(
    hook: &Path,
    name: &str,
    workdir: &Path,
    args: &[&std::ffi::OsStr],
    index: Option<&Path>,
) -> Result<(), ChangeError> {
    let mut cmd = Command::new(hook);
    cmd.args(args)
        .current_dir(workdir)
        .stdin(Stdio::null())
        .env("GIT_EDITOR", ":");
    if let Some(i) = index {
        cmd.env("GIT_INDEX_FILE", i);
    }
    let out = cmd.output().map_err(|e| ChangeError::HookFailed {
        hook: name.to_owned(),
        output: format!("cannot run {}: {e}", hook.display()),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stdout));
    let output = output.trim().to_owned();
    Err(ChangeError::HookFailed {
        hook: name.to_owned(),
        output: if output.is_empty() {
            format!("it exited with {}", out.status)
        } else {
            output
        },
    })
}

/// Signs `data` as git does for the configured `gpg.format`; returns the
/// armored signature.
fn sign(repo: &Repository, data: &[u8], signer: &Signature<'_>) -> Result<String, ChangeError> {
    let format = config_string(repo, "gpg.format").unwrap_or_else(|| "openpgp".to_owned());
    let key = config_string(repo, "user.signingkey");
    match format.as_str() {
        "ssh" => sign_ssh(repo, data, key),
        "openpgp" | "x509" => {
            let program = if format == "x509" {
                config_string(repo, "gpg.x509.program").unwrap_or_else(|| "gpgsm".to_owned())
            } else {
                config_string(repo, "gpg.openpgp.program")
                    .or_else(|| config_string(repo, "gpg.program"))
                    .unwrap_or_else(|| "gpg".to_owned())
            };
            let key = key.unwrap_or_else(|| {
                format!(
                    "{} <{}>",
                    String::from_utf8_lossy(signer.name_bytes()),
                    String::from_utf8_lossy(signer.email_bytes())
                )
            });
            sign_gpg(&program, data, &key)
        }
        other => Err(ChangeError::Sign(format!(
            "gpg.format `{other}` is not one ripen can sign with (ssh, openpgp, x509)"
        ))),
    }
}

fn sign_gpg(program: &str, data: &[u8], key: &str) -> Result<String, ChangeError> {
    let mut child = Command::new(program)
        .args(["--status-fd=2", "-bsau", key])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ChangeError::Sign(format!("cannot run `{program}`: {e}")))?;
    let mut stdin = child.stdin.take().expect("piped");
    let data = data.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| ChangeError::Sign(format!("`{program}` failed: {e}")))?;
    let _ = feeder.join();
    let status = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !status.contains("[GNUPG:] SIG_CREATED ") {
        return Err(ChangeError::Sign(format!(
            "`{program}` could not sign with key `{key}`: {}",
            status.trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| ChangeError::Sign(format!("`{program}` wrote a signature that is not text")))
}

fn sign_ssh(repo: &Repository, data: &[u8], key: Option<String>) -> Result<String, ChangeError> {
    let program = config_string(repo, "gpg.ssh.program").unwrap_or_else(|| "ssh-keygen".to_owned());
    let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
        return Err(ChangeError::Sign(
            "gpg.format is ssh but user.signingkey is not set: set it to your key's file (`git config user.signingkey ~/.ssh/id_ed25519.pub`)".to_owned(),
        ));
    };
    let scratch = tempfile::tempdir()?;
    let buffer = scratch.path().join("buffer");
    std::fs::write(&buffer, data)?;
    let literal = key
        .strip_prefix("key::")
        .map(str::to_owned)
        .or_else(|| key.starts_with("ssh-").then(|| key.clone()));
    let mut cmd = Command::new(&program);
    cmd.args(["-Y", "sign", "-n", "git", "-f"]);
    match &literal {
        Some(public) => {
            let file = scratch.path().join("key.pub");
            std::fs::write(&file, public)?;
            cmd.arg(&file).arg("-U");
        }
        None => {
            cmd.arg(expand_home(&key));
        }
    }
    let out = cmd
        .arg(&buffer)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ChangeError::Sign(format!("cannot run `{program}`: {e}")))?;
    if !out.status.success() {
        return Err(ChangeError::Sign(format!(
            "`{program}` could not sign with {key}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let sig = std::fs::read_to_string(scratch.path().join("buffer.sig"))
        .map_err(|e| ChangeError::Sign(format!("`{program}` left no signature: {e}")))?;
    Ok(sig)
}
