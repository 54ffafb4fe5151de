//! Everything a refused change must leave alone, observed so that a test can
//! compare the repository before and after: HEAD, every ref, the index file's
//! bytes, `.git`'s top level and the whole working tree.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use git2::Repository;

/// The working tree, `.git`'s top level, HEAD, the refs and the index.
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    /// Where HEAD points (`-> refs/heads/main`, or a commit id).
    pub head: String,
    /// Every ref and its target.
    pub refs: BTreeMap<String, String>,
    /// The index file's bytes.
    pub index: Option<Vec<u8>>,
    /// Every file of the working tree by path (folders end with `/`).
    pub work: BTreeMap<String, Vec<u8>>,
    /// The files at `.git`'s top level (folders with no content).
    pub git_top: BTreeMap<String, Vec<u8>>,
}

/// Observes `repo`, whose working tree is `root`.
pub fn observe(repo: &Repository, root: &Path) -> Observed {
    let head = repo.find_reference("HEAD").unwrap();
    let head = match head.symbolic_target().unwrap() {
        Some(t) => format!("-> {t}"),
        None => head.target().unwrap().to_string(),
    };
    let mut refs = BTreeMap::new();
    for r in repo.references().unwrap() {
        let r = r.unwrap();
        refs.insert(
            r.name().unwrap().to_owned(),
            r.target().map(|t| t.to_string()).unwrap_or_default(),
        );
    }
    let mut work = BTreeMap::new();
    walk(root, root, &mut work);
    let mut git_top = BTreeMap::new();
    for e in fs::read_dir(repo.path()).unwrap() {
        let e = e.unwrap();
        let bytes = if e.file_type().unwrap().is_file() {
            fs::read(e.path()).unwrap()
        } else {
            Vec::new()
        };
        git_top.insert(e.file_name().to_string_lossy().into_owned(), bytes);
    }
    Observed {
        head,
        refs,
        index: fs::read(repo.path().join("index")).ok(),
        work,
        git_top,
    }
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let path = e.path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if e.file_type().unwrap().is_dir() {
            out.insert(format!("{rel}/"), Vec::new());
            walk(root, &path, out);
        } else {
            out.insert(rel, fs::read(&path).unwrap());
        }
    }
}
