//! Walking a range of commits for `ripen verify`: each commit that changes
//! the state directory, with its signature, author, the state files it
//! changes and whether it is on the main line, checked by
//! [`crate::verify`] against the principals of `access.ron` as it was at
//! the commit's parent (else git's `gpg.ssh.allowedSignersFile`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Tree};

use super::{GitError, Located, locate};
use crate::principals::{self, ACCESS_FILE, Principals};
use crate::verify::{self, Facts, Finding};

/// The principals of git's `gpg.ssh.allowedSignersFile`, when it is set and
/// readable (none otherwise).
pub fn allowed_signers(repo: &Repository) -> Principals {
    let Ok(config) = repo.config() else {
        return Principals::default();
    };
    let Ok(path) = config.get_path("gpg.ssh.allowedSignersFile") else {
        return Principals::default();
    };
    let path = expand_home(&path);
    match std::fs::read_to_string(&path) {
        Ok(text) => principals::parse_allowed_signers(&text),
        Err(_) => Principals::default(),
    }
}

fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// The state directory's subtree of a tree, if present.
fn state_tree<'r>(repo: &'r Repository, tree: &Tree<'r>, state_rel: &str) -> Option<Tree<'r>> {
    if state_rel.is_empty() {
        return Some(tree.clone());
    }
    let e = tree.get_path(Path::new(state_rel)).ok()?;
    repo.find_tree(e.id()).ok()
}

/// The entries of the state directory (files, and folders by their name
/// and a slash) that differ between two state trees.
///
/// The role a change needs depends only on which top-level files it
/// touches (`policy.ron`, `access.ron`), so the folders are not descended
/// into: an import that adds ten thousand use cases costs one comparison.
fn touched(old: Option<&Tree<'_>>, new: Option<&Tree<'_>>) -> Vec<String> {
    let name = |e: &git2::TreeEntry<'_>| {
        let mut n = String::from_utf8_lossy(e.name_bytes()).into_owned();
        if e.kind() == Some(git2::ObjectType::Tree) {
            n.push('/');
        }
        n
    };
    let mut out = Vec::new();
    for e in new.into_iter().flat_map(|t| t.iter()) {
        let before = old.and_then(|t| t.get_name_bytes(e.name_bytes()));
        if before.is_none_or(|b| b.id() != e.id() || b.filemode() != e.filemode()) {
            out.push(name(&e));
        }
    }
    for e in old.into_iter().flat_map(|t| t.iter()) {
        if new.is_none_or(|t| t.get_name_bytes(e.name_bytes()).is_none()) {
            out.push(name(&e));
        }
    }
    out
}

/// Checks every commit of `range` (`A..B`, or a revision and all its
/// ancestors; default `HEAD`) that changes the state directory, newest
/// first.
pub fn verify(state_dir: &Path, range: Option<&str>) -> Result<Vec<Finding>, GitError> {
    let located = locate(state_dir)?;
    verify_in(&located, range)
}

/// [`verify`] on a located repository.
pub fn verify_in(located: &Located, range: Option<&str>) -> Result<Vec<Finding>, GitError> {
    let repo = &located.repo;
    let range = range.unwrap_or("HEAD");
    let (hide, tip) = match range.split_once("..") {
        Some((a, b)) => (
            Some(if a.is_empty() { "HEAD" } else { a }),
            if b.is_empty() { "HEAD" } else { b },
        ),
        None => (None, range),
    };
    let tip = super::commit_of(repo, tip)?.id();
    let hidden = match hide {
        Some(rev) => Some(super::commit_of(repo, rev)?.id()),
        None => None,
    };
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL)?;
    walk.push(tip)?;
    if let Some(h) = hidden {
        walk.hide(h)?;
    }
    // The main line: first parents from the tip.
    let mut main: HashSet<Oid> = HashSet::new();
    let mut at = Some(tip);
    while let Some(id) = at {
        if Some(id) == hidden || !main.insert(id) {
            break;
        }
        at = repo.find_commit(id)?.parent_ids().next();
    }
    let mut checker = Checker::new(located);
    let mut out = Vec::new();
    for id in walk {
        let id = id?;
        if let Some(f) = checker.check(id, main.contains(&id))? {
            out.push(f);
        }
    }
    Ok(out)
}

/// Checks commits one at a time, keeping the principals of each version of
/// `access.ron` it has read.
pub struct Checker<'l> {
    located: &'l Located,
    signers: Principals,
    by_access: HashMap<Oid, Principals>,
}

impl<'l> Checker<'l> {
    /// A checker for the repository of `located`.
    pub fn new(located: &'l Located) -> Checker<'l> {
        Checker {
            located,
            signers: allowed_signers(&located.repo),
            by_access: HashMap::new(),
        }
    }

    /// Checks commit `id` (`on_main`: on the main line), or `None` when it
    /// does not change the state directory.
    pub fn check(&mut self, id: Oid, on_main: bool) -> Result<Option<Finding>, GitError> {
        let repo = &self.located.repo;
        let state_rel = &self.located.state_rel;
        let commit = repo.find_commit(id)?;
        let tree = commit.tree()?;
        let new_state = state_tree(repo, &tree, state_rel);
        let parent = commit.parents().next();
        let parent_tree = match &parent {
            Some(p) => Some(p.tree()?),
            None => None,
        };
        let old_state = parent_tree
            .as_ref()
            .and_then(|t| state_tree(repo, t, state_rel));
        if new_state.as_ref().map(Tree::id) == old_state.as_ref().map(Tree::id) {
            return Ok(None);
        }
        let touched = touched(old_state.as_ref(), new_state.as_ref());
        if touched.is_empty() {
            return Ok(None);
        }
        // Who may sign: access.ron as it was at the parent.
        let access = old_state
            .as_ref()
            .and_then(|t| t.get_name(ACCESS_FILE).map(|e| e.id()));
        let principals = match access {
            Some(blob) => &*self.by_access.entry(blob).or_insert_with(|| {
                let text = repo
                    .find_blob(blob)
                    .map(|b| String::from_utf8_lossy(b.content()).into_owned())
                    .unwrap_or_default();
                // A broken access.ron grants nothing.
                principals::parse_access(&text).unwrap_or(Principals {
                    from_access: true,
                    list: Vec::new(),
                })
            }),
            None => &self.signers,
        };
        let (signature, signed) = match repo.extract_signature(&id, None) {
            Ok((sig, data)) => (Some(sig.to_vec()), data.to_vec()),
            Err(_) => (None, Vec::new()),
        };
        let author = commit.author();
        let facts = Facts {
            commit: id.to_string(),
            summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            signature: signature.as_deref(),
            signed: &signed,
            touched,
            on_main,
        };
        Ok(Some(verify::check(&facts, principals)))
    }
}

/// The signature state of each of `commits` (full ids) of the repository
/// holding `state_dir`, as `ripen history` and the History tab show it;
/// commits that do not change the state directory are left out.
pub fn states(state_dir: &Path, commits: &[String]) -> HashMap<String, verify::State> {
    let Ok(located) = locate(state_dir) else {
        return HashMap::new();
    };
    let mut checker = Checker::new(&located);
    commits
        .iter()
        .filter_map(|c| {
            let id = Oid::from_str(c).ok()?;
            let f = checker.check(id, true).ok()??;
            Some((c.clone(), f.state))
        })
        .collect()
}
