//! A change made as a proposal: one commit on a new branch whose parent
//! is the commit the change was prepared against, touching neither the
//! served branch, the index nor the working tree.
//!
//! This is how a principal whose role is `Proposer` changes the register
//! (see [`crate::access`]): the commit is authored by them, the branch is
//! named after them and the use case, and `ripen proposals` lists it
//! beside everyone else's.
//!
//! Compare-and-swap as every write: the file at the parent must still hold
//! what the change was prepared from, and the branch is created only if no
//! branch of that name exists (a name that is taken, or being created by
//! another proposal at that instant, gets a number).

use git2::Oid;

use super::commit::{ChangeError, CommitOptions};
use super::locate;

/// A proposal committed on a branch of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    /// The commit.
    pub commit: Oid,
    /// The new branch's full name (`refs/heads/propose/ada/claims-triage`).
    pub branch: String,
}

/// The branch name for a proposal by `email` on `topic`:
/// `propose/<email's local part>/<topic>`, using only characters a branch
/// name and a shell word take as they are.
pub fn branch_name(email: &str, topic: &str) -> String {
    fn clean(s: &str) -> String {
        let out: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let out = out.trim_matches('-').to_owned();
        if out.is_empty() { "x".to_owned() } else { out }
    }
    let who = email.split('@').next().unwrap_or(email);
    format!("propose/{}/{}", clean(who), clean(topic))
}

/// One file's change, to be proposed.
#[derive(Debug, Clone, Copy)]
pub struct FileProposal<'a> {
    /// The file, relative to the state directory.
    pub rel: &'a str,
    /// What it held when the change was prepared (`None`: it did not exist).
    pub expected: Option<&'a [u8]>,
    /// Its new content.
    pub new: &'a [u8],
    /// The commit message.
    pub message: &'a str,
    /// The commit the change was prepared against; `None`: the current HEAD.
    pub base: Option<Oid>,
    /// The branch name wanted (see [`branch_name`]).
    pub name: &'a str,
}

/// Commits a [`FileProposal`] on a new branch on top of its base. Refused
/// when the file at the base no longer holds what was expected.
pub fn propose_file(
    state_dir: &std::path::Path,
    change: &FileProposal<'_>,
    options: &CommitOptions,
) -> Result<Proposed, ChangeError> {
    let FileProposal {
        rel,
        expected,
        new,
        message,
        base,
        name,
    } = *change;
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let committer = repo.signature().map_err(|_| ChangeError::NoIdentity)?;
    let author = match &options.author {
        Some(id) => id.signature_at(&committer.when())?,
        None => committer.clone(),
    };
    let parent = match base {
        Some(id) => repo.find_commit(id)?,
        None => repo.head()?.peel_to_commit()?,
    };
    let tree = parent.tree()?;
    let path = if located.state_rel.is_empty() {
        rel.to_owned()
    } else {
        format!("{}/{rel}", located.state_rel)
    };
    let old = tree.get_path(std::path::Path::new(&path)).ok();
    let old_bytes = match &old {
        Some(e) => Some(repo.find_blob(e.id())?.content().to_vec()),
        None => None,
    };
    if old_bytes.as_deref() != expected {
        return Err(ChangeError::ChangedOnDisk(
            crate::text::sanitize(&path).into_owned(),
        ));
    }
    let blob = repo.blob(new)?;
    let mode = old.as_ref().map_or(0o100644, |e| e.filemode());
    let tree_id = super::commit::tree_with_file(repo, &tree, &path, blob, mode)?;
    let new_tree = repo.find_tree(tree_id)?;
    let id = super::sign::write_commit(
        repo,
        &author,
        &committer,
        message,
        &new_tree,
        &[&parent],
        options,
    )?;
    // libgit2 checks that a branch name is free before it takes the
    // reference's lock, so two proposals at once could both "create" the
    // same branch, the second overwriting the first: names are chosen and
    // taken under the lock accepting holds.
    let _exclusive = super::proposals::ExclusiveAccept::take(repo.path())?;
    let first = format!("refs/heads/{name}");
    for n in 1..1000 {
        let candidate = if n == 1 {
            first.clone()
        } else {
            format!("{first}-{n}")
        };
        match repo.reference(&candidate, id, false, &format!("ripen: propose {name}")) {
            Ok(_) => {
                return Ok(Proposed {
                    commit: id,
                    branch: candidate,
                });
            }
            // Taken, or being taken this instant by another proposal
            // (its lock file is there): try the next name.
            Err(e) if matches!(e.code(), git2::ErrorCode::Exists | git2::ErrorCode::Locked) => {
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ChangeError::ReadOnly(format!(
        "a thousand branches named {name}-N exist already; accept or delete some"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_take_the_local_part_and_only_safe_characters() {
        assert_eq!(
            branch_name("Ada.Lovelace@example.com", "claims-triage"),
            "propose/ada-lovelace/claims-triage"
        );
        assert_eq!(branch_name("@x", "a b\u{1b}"), "propose/x/a-b");
    }
}
