//! The history of one use case: every commit that changed its file, newest
//! first, following renames, with the field-level changes of each.
//!
//! The walk follows `git log <path>` with its default history
//! simplification: a commit is listed when the file's blob differs from
//! its parent's; a merge is listed only when the blob differs from every
//! parent's, and a merge whose blob equals one parent's is followed down
//! that parent only (so a side branch whose changes the merge discarded is
//! not listed, just as git does not list it). The history is walked once;
//! each commit compares the blob ids at one path in its tree and its
//! parents' trees (no tree diffs), and each blob is parsed at most once.
//!
//! Renames are followed: when a commit adds the path and a parent lacks it,
//! the parent's `use-cases/` folder is searched for a file that the commit
//! removed with the same blob, or failing that, with the same title and the
//! fewest differing fields; the walk goes on with that path below the
//! commit. The rename shows as a change of field `id`; the commit that
//! created the file shows as `id` from `null` to the id, a deletion as `id`
//! from the id to `null`; in a shallow clone, the boundary commit (whose
//! parents the clone does not have) shows as a change of field
//! `shallow_boundary` instead, since who created the file is not known
//! there. A file that does not parse on one side shows as a
//! change of field `parse_error`. Field changes are taken against the first
//! parent. The commit time is the committer's time.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use git2::{ObjectType, Oid, Repository, Sort, Tree};
use serde::Serialize;

use super::{GitError, locate};
use crate::diff::{self, FieldChange, FieldValue};
use crate::model::{UseCase, UseCaseId};
use crate::register::{MAX_FILE_BYTES, USE_CASES_DIR, parse_use_case};

/// One commit that changed the use case's file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The full commit id.
    pub commit: String,
    /// The author's name.
    pub author: String,
    /// The author's e-mail address.
    pub email: String,
    /// The commit (committer) time with its offset, RFC 3339 in JSON.
    #[serde(serialize_with = "rfc3339")]
    pub time: DateTime<FixedOffset>,
    /// The first line of the commit message.
    pub summary: String,
    /// The rest of the commit message after the summary and the blank line
    /// that follows it: the justification, a readiness override, trailers
    /// (`Signed-off-by: ...`). Empty when the message is one line.
    pub body: String,
    /// What the commit changed, against its first parent.
    pub changes: Vec<FieldChange>,
}

impl HistoryEntry {
    /// The commit id abbreviated to 7 characters, as shown in text.
    pub fn short_id(&self) -> &str {
        super::short_hex(&self.commit)
    }
}

fn rfc3339<S: serde::Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A git time as a date-time with its offset.
pub fn time_of(t: git2::Time) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(t.offset_minutes() * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    DateTime::from_timestamp(t.seconds(), 0)
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// The path of use case `id`'s file inside the repository, given the state
/// directory's path inside it (empty for the root).
pub fn use_case_path(state_rel: &str, id: &UseCaseId) -> String {
    if state_rel.is_empty() {
        format!("{USE_CASES_DIR}/{id}.ron")
    } else {
        format!(
            "{}/{USE_CASES_DIR}/{id}.ron",
            state_rel.trim_end_matches('/')
        )
    }
}

/// The history of use case `id` of the register at `state_dir`, walking back
/// from revision `rev` (e.g. `HEAD`). Empty when no commit reachable from
/// `rev` ever held its file.
pub fn use_case_history(
    state_dir: &Path,
    id: &UseCaseId,
    rev: &str,
) -> Result<Vec<HistoryEntry>, GitError> {
    let located = locate(state_dir)?;
    let repo = &located.repo;
    let start = super::commit_of(repo, rev)?;
    let path = use_case_path(&located.state_rel, id);
    let (dir, _) = split_dir(&path);
    let file = repo.path().join(super::cache::DIR).join(INDEX_FILE);
    let mut index = ChangeIndex::read(&file, dir).unwrap_or_else(|| ChangeIndex::new(dir));
    let entries = walk(repo, start.id(), &path, Some(&mut index))?;
    if index.added {
        // Best effort: a git directory that cannot be written runs unindexed.
        let _ = index.write(&file);
    }
    Ok(entries)
}

/// The history index's file name inside the git directory's `ripen-cache/`.
pub const INDEX_FILE: &str = "history-v1";

const INDEX_MAGIC: &[u8] = b"ripen history index\n";
const INDEX_FORMAT: u32 = 2;

/// Which files of one folder each commit changed: the names whose entry
/// differs from at least one parent's (every name, for a root commit).
///
/// The facts are keyed by commit id, which names a commit and its parents
/// for good, so an entry can never go stale: new commits are added as a
/// walk meets them (the index grows from the last indexed commits on each
/// use), and a rewritten history simply brings new ids. A walk consults it
/// to skip the commits that did not touch the file it follows.
struct ChangeIndex {
    dir: String,
    changed: HashMap<Oid, Changed>,
    added: bool,
}

/// What the index knows of one commit.
struct Changed {
    /// Its first parent, if it has one: a walk that skips the commit goes
    /// on there without reading the commit.
    first_parent: Option<Oid>,
    /// The names of the folder it changed, sorted.
    names: Vec<Box<[u8]>>,
}

/// Raw tree objects read from the object database, the last few kept: a
/// commit's parent is usually the next commit walked.
struct Trees<'o> {
    odb: &'o git2::Odb<'o>,
    kept: HashMap<Oid, Rc<git2::OdbObject<'o>>>,
}

impl<'o> Trees<'o> {
    fn new(odb: &'o git2::Odb<'o>) -> Trees<'o> {
        Trees {
            odb,
            kept: HashMap::new(),
        }
    }

    /// The raw tree object `id`.
    fn get(&mut self, id: Oid) -> Option<Rc<git2::OdbObject<'o>>> {
        if let Some(t) = self.kept.get(&id) {
            return Some(t.clone());
        }
        let object = self.odb.read(id).ok()?;
        if object.kind() != ObjectType::Tree {
            return None;
        }
        let object = Rc::new(object);
        if self.kept.len() >= 8 {
            self.kept.clear();
        }
        self.kept.insert(id, object.clone());
        Some(object)
    }
}

impl ChangeIndex {
    fn new(dir: &str) -> ChangeIndex {
        ChangeIndex {
            dir: dir.to_owned(),
            changed: HashMap::new(),
            added: false,
        }
    }

    fn header(dir: &str) -> Vec<u8> {
        let mut out = INDEX_MAGIC.to_vec();
        out.extend_from_slice(&INDEX_FORMAT.to_le_bytes());
        for text in [env!("CARGO_PKG_VERSION"), dir] {
            out.extend_from_slice(&(text.len() as u32).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        out
    }

    /// The index of folder `dir` stored at `file`; `None` when missing,
    /// damaged, of another version or format, or of another folder.
    fn read(file: &Path, dir: &str) -> Option<ChangeIndex> {
        let data = std::fs::read(file).ok()?;
        let (body, sum) = data.split_at_checked(data.len().checked_sub(4)?)?;
        if crc32fast::hash(body).to_le_bytes() != sum {
            return None;
        }
        let mut r = body.strip_prefix(Self::header(dir).as_slice())?;
        let mut index = ChangeIndex::new(dir);
        let count = take_u32(&mut r)?;
        for _ in 0..count {
            let commit = Oid::from_bytes(take(&mut r, 20)?).ok()?;
            let first_parent = match take(&mut r, 1)? {
                [0] => None,
                [1] => Some(Oid::from_bytes(take(&mut r, 20)?).ok()?),
                _ => return None,
            };
            let n = take_u32(&mut r)?;
            let mut names = Vec::with_capacity((n as usize).min(r.len()));
            for _ in 0..n {
                let len = take_u32(&mut r)? as usize;
                names.push(Box::from(take(&mut r, len)?));
            }
            index.changed.insert(
                commit,
                Changed {
                    first_parent,
                    names,
                },
            );
        }
        r.is_empty().then_some(index)
    }

    /// Writes the index to `file` atomically (a temporary file renamed).
    fn write(&self, file: &Path) -> std::io::Result<()> {
        let mut out = Self::header(&self.dir);
        out.extend_from_slice(&(self.changed.len() as u32).to_le_bytes());
        let mut commits: Vec<_> = self.changed.iter().collect();
        commits.sort_unstable_by_key(|(id, _)| **id);
        for (commit, changed) in commits {
            out.extend_from_slice(commit.as_bytes());
            match changed.first_parent {
                Some(p) => {
                    out.push(1);
                    out.extend_from_slice(p.as_bytes());
                }
                None => out.push(0),
            }
            out.extend_from_slice(&(changed.names.len() as u32).to_le_bytes());
            for name in &changed.names {
                out.extend_from_slice(&(name.len() as u32).to_le_bytes());
                out.extend_from_slice(name);
            }
        }
        let sum = crc32fast::hash(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        let folder = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(folder)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".history-")
            .suffix(".tmp")
            .tempfile_in(folder)?;
        std::io::Write::write_all(&mut tmp, &out)?;
        tmp.persist(file).map_err(|e| e.error)?;
        Ok(())
    }

    /// Whether `commit` changed the file `name` of the index's folder,
    /// computing (and keeping) what the commit changed when not known.
    fn touches(
        &mut self,
        trees: &mut Trees<'_>,
        commit: &git2::Commit<'_>,
        name: &[u8],
    ) -> Option<bool> {
        if !self.changed.contains_key(&commit.id()) {
            let names = self.compute(trees, commit)?;
            let first_parent = commit.parent_ids().next();
            self.changed.insert(
                commit.id(),
                Changed {
                    first_parent,
                    names,
                },
            );
            self.added = true;
        }
        let changed = self.changed.get(&commit.id())?;
        Some(changed.names.binary_search_by(|n| (**n).cmp(name)).is_ok())
    }

    /// The first parent of `commit` when the index knows that the commit
    /// has one and did not change `name`: the walk goes on there.
    fn skip(&self, commit: Oid, name: &[u8]) -> Option<Oid> {
        let changed = self.changed.get(&commit)?;
        let first = changed.first_parent?;
        let touched = changed.names.binary_search_by(|n| (**n).cmp(name)).is_ok();
        (!touched).then_some(first)
    }

    /// The names of the folder that differ between `commit` and any of
    /// its parents (all of its names for a root commit), sorted.
    fn compute(
        &mut self,
        trees: &mut Trees<'_>,
        commit: &git2::Commit<'_>,
    ) -> Option<Vec<Box<[u8]>>> {
        let odb = trees.odb;
        let dir = self.dir.clone();
        let folder = |tree: Oid| -> Option<Oid> {
            if dir.is_empty() {
                Some(tree)
            } else {
                tree_at_id(odb, tree, &dir)
            }
        };
        let mine = folder(commit.tree_id());
        let mine_data = match mine {
            Some(id) => Some(trees.get(id)?),
            None => None,
        };
        let mine_bytes: &[u8] = mine_data.as_ref().map_or(&[], |t| t.data());
        let mut names: Vec<Box<[u8]>> = Vec::new();
        let parents: Vec<Oid> = commit.parent_ids().collect();
        if parents.is_empty() {
            diff_raw_trees(&[], mine_bytes, &mut names);
        }
        for parent in parents {
            let tree = odb_commit_tree(odb, parent)?;
            let theirs = folder(tree);
            if theirs == mine {
                continue;
            }
            let theirs_data = match theirs {
                Some(id) => Some(trees.get(id)?),
                None => None,
            };
            let theirs_bytes: &[u8] = theirs_data.as_ref().map_or(&[], |t| t.data());
            diff_raw_trees(theirs_bytes, mine_bytes, &mut names);
        }
        names.sort();
        names.dedup();
        Some(names)
    }
}

fn take<'a>(r: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = r.split_at_checked(n)?;
    *r = rest;
    Some(head)
}

fn take_u32(r: &mut &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(take(r, 4)?.try_into().ok()?))
}

/// The tree id a commit object names, read raw.
fn odb_commit_tree(odb: &git2::Odb<'_>, commit: Oid) -> Option<Oid> {
    let object = odb.read(commit).ok()?;
    let hex = object.data().strip_prefix(b"tree ")?.get(..40)?;
    Oid::from_str(std::str::from_utf8(hex).ok()?).ok()
}

/// The folder at `path` in the tree `tree`, reading raw tree objects.
fn tree_at_id(odb: &git2::Odb<'_>, tree: Oid, path: &str) -> Option<Oid> {
    let mut current = tree;
    for part in path.split('/') {
        let object = odb.read(current).ok()?;
        if object.kind() != ObjectType::Tree {
            return None;
        }
        let (folder, id) = raw_entry(object.data(), part.as_bytes())?;
        if !folder {
            return None;
        }
        current = id;
    }
    Some(current)
}

/// The entries of a raw tree object: mode, name and id, in stored order.
fn raw_entries(data: &[u8]) -> impl Iterator<Item = (&[u8], &[u8], &[u8])> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let space = i + data.get(i..)?.iter().position(|&b| b == b' ')?;
        let nul = space + 1 + data[space + 1..].iter().position(|&b| b == 0)?;
        let id = data.get(nul + 1..nul + 21)?;
        let entry = (&data[i..space], &data[space + 1..nul], id);
        i = nul + 21;
        Some(entry)
    })
}

/// The length of the raw tree entry at the start of `data` (mode, space,
/// name, NUL, 20-byte id), if one is there.
fn entry_len(data: &[u8]) -> Option<usize> {
    // Modes are `40000` (a folder) or six digits; check, else search.
    let space = match data.first()? {
        b'4' if data.get(5) == Some(&b' ') => 5,
        _ if data.get(6) == Some(&b' ') => 6,
        _ => data.iter().position(|&b| b == b' ')?,
    };
    let nul = space + 1 + data.get(space + 1..)?.iter().position(|&b| b == 0)?;
    (data.len() >= nul + 21).then_some(nul + 21)
}

/// The names of the entries that differ between two raw tree objects
/// (present in one only, or with another mode or id), in no set order.
pub(super) fn changed_entries(old: &[u8], new: &[u8]) -> Vec<Box<[u8]>> {
    let mut out = Vec::new();
    diff_raw_trees(old, new, &mut out);
    out
}

/// The length of the common start of two byte strings, compared a block
/// at a time.
fn common_len(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let mut k = 0;
    while k + BLOCK <= n && a[k..k + BLOCK] == b[k..k + BLOCK] {
        k += BLOCK;
    }
    k + common_prefix_len(a[k..n].iter(), b[k..n].iter())
}

/// The length of the common end of two byte strings, compared a block at
/// a time.
fn common_suffix_len(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let (x, y) = (a.len(), b.len());
    let mut k = 0;
    while k + BLOCK <= n && a[x - k - BLOCK..x - k] == b[y - k - BLOCK..y - k] {
        k += BLOCK;
    }
    k + common_prefix_len(a[..x - k].iter().rev(), b[..y - k].iter().rev())
}

/// How many items two sequences share from their start.
fn common_prefix_len<'a>(
    a: impl Iterator<Item = &'a u8>,
    b: impl Iterator<Item = &'a u8>,
) -> usize {
    a.zip(b).take_while(|(x, y)| x == y).count()
}

/// Pushes the names whose entries differ between two raw trees (present
/// in one only, or with another mode or id). Both are in git's order
/// (a folder sorts as if its name ended in `/`).
fn diff_raw_trees(old: &[u8], new: &[u8], out: &mut Vec<Box<[u8]>>) {
    fn key<'a>(e: &(&'a [u8], &'a [u8], &'a [u8])) -> (&'a [u8], u8) {
        (e.1, if e.0 == b"40000" { b'/' } else { 0 })
    }
    fn cmp(a: (&[u8], u8), b: (&[u8], u8)) -> std::cmp::Ordering {
        let n = a.0.len().min(b.0.len());
        a.0[..n].cmp(&b.0[..n]).then_with(|| {
            let ca = a.0.get(n).copied().unwrap_or(a.1);
            let cb = b.0.get(n).copied().unwrap_or(b.1);
            ca.cmp(&cb)
        })
    }
    type Entry<'a> = ((&'a [u8], &'a [u8], &'a [u8]), usize);
    fn entry(data: &[u8], at: usize) -> Option<Entry<'_>> {
        raw_entries(data.get(at..)?)
            .next()
            .map(|e| (e, entry_len(&data[at..]).unwrap_or(data.len() - at)))
    }
    // Two versions of a folder share almost every entry, byte for byte:
    // what lies before the first differing byte is stepped over entry by
    // entry without comparing, and once what is left of both is the same
    // (their common end, found once), nothing more differs.
    let suffix = common_suffix_len(old, new);
    let (mut i, mut j) = (0, 0);
    loop {
        if old.len() - i == new.len() - j && old.len() - i <= suffix {
            break;
        }
        let same = common_len(&old[i..], &new[j..]);
        let mut k = 0;
        while let Some(n) = entry_len(&old[i + k..]) {
            if k + n > same {
                break;
            }
            k += n;
        }
        i += k;
        j += k;
        if old.len() - i == new.len() - j && old.len() - i <= suffix {
            break;
        }
        match (entry(old, i), entry(new, j)) {
            (None, None) => break,
            (Some((x, n)), None) => {
                out.push(Box::from(x.1));
                i += n;
            }
            (None, Some((y, n))) => {
                out.push(Box::from(y.1));
                j += n;
            }
            (Some((x, n)), Some((y, m))) => match cmp(key(&x), key(&y)) {
                std::cmp::Ordering::Less => {
                    out.push(Box::from(x.1));
                    i += n;
                }
                std::cmp::Ordering::Greater => {
                    out.push(Box::from(y.1));
                    j += m;
                }
                std::cmp::Ordering::Equal => {
                    if x.0 != y.0 || x.2 != y.2 {
                        out.push(Box::from(x.1));
                    }
                    i += n;
                    j += m;
                }
            },
        }
    }
}

/// What a parsed blob holds: the use case, or why it does not parse.
type Parsed = Rc<Result<UseCase, String>>;

/// Where the walk looks in one commit: the path and the blob found there.
#[derive(Clone)]
struct Tracked {
    path: Rc<str>,
    blob: Option<Oid>,
}

struct Walker<'r> {
    repo: &'r Repository,
    parsed: HashMap<Oid, Parsed>,
}

/// The blob id at `path` in `tree`, if a file is there.
fn blob_at(tree: &Tree<'_>, path: &str) -> Option<Oid> {
    let entry = tree.get_path(Path::new(path)).ok()?;
    (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
}

/// The entry `name` of a raw tree object: whether it is a folder, and its id.
///
/// Scanning the raw bytes finds one entry without building the whole tree
/// (a register's `use-cases` folder holds thousands of entries, and a long
/// history looks one up in every commit).
fn raw_entry(data: &[u8], name: &[u8]) -> Option<(bool, Oid)> {
    let mut i = 0;
    while i < data.len() {
        let space = i + data[i..].iter().position(|&b| b == b' ')?;
        let nul = space + 1 + data[space + 1..].iter().position(|&b| b == 0)?;
        let id = data.get(nul + 1..nul + 21)?;
        if &data[space + 1..nul] == name {
            let folder = &data[i..space] == b"40000";
            return Oid::from_bytes(id).ok().map(|id| (folder, id));
        }
        i = nul + 21;
    }
    None
}

/// The blob at `path` in the tree `tree`, reading raw tree objects.
fn blob_at_id(odb: &git2::Odb<'_>, tree: Oid, path: &str) -> Option<Oid> {
    let mut current = tree;
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        let object = odb.read(current).ok()?;
        if object.kind() != ObjectType::Tree {
            return None;
        }
        let (folder, id) = raw_entry(object.data(), part.as_bytes())?;
        match (parts.peek().is_some(), folder) {
            (true, true) => current = id,
            (false, false) => return Some(id),
            _ => return None,
        }
    }
    None
}

/// The file stem of a `.../<id>.ron` path.
fn id_of(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".ron").unwrap_or(name)
}

fn split_dir(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

fn subtree<'r>(repo: &'r Repository, tree: &Tree<'r>, dir: &str) -> Option<Tree<'r>> {
    if dir.is_empty() {
        return Some(tree.clone());
    }
    let entry = tree.get_path(Path::new(dir)).ok()?;
    repo.find_tree(entry.id()).ok()
}

impl<'r> Walker<'r> {
    fn parse(&mut self, blob: Oid) -> Parsed {
        if let Some(p) = self.parsed.get(&blob) {
            return p.clone();
        }
        let result = match self.repo.find_blob(blob) {
            Ok(b) if b.size() as u64 > MAX_FILE_BYTES => {
                Err(format!("larger than {MAX_FILE_BYTES} bytes; not read"))
            }
            Ok(b) => match std::str::from_utf8(b.content()) {
                Ok(text) => parse_use_case(text)
                    .map_err(|e| format!("line {}, column {}: {}", e.line, e.column, e.message)),
                Err(_) => Err("not valid UTF-8".to_owned()),
            },
            Err(e) => Err(e.message().to_owned()),
        };
        let parsed = Rc::new(result);
        self.parsed.insert(blob, parsed.clone());
        parsed
    }

    /// The file that `child_tree` renamed into `path` (holding `blob`), as
    /// its path in `parent_tree`: a file of the same folder that the child
    /// no longer has, with the same blob, or else with the same title and
    /// the fewest differing fields.
    fn rename_source(
        &mut self,
        parent_tree: &Tree<'r>,
        child_tree: &Tree<'r>,
        path: &str,
        blob: Oid,
    ) -> Option<String> {
        let (dir, _) = split_dir(path);
        let old_dir = subtree(self.repo, parent_tree, dir)?;
        let new_dir = subtree(self.repo, child_tree, dir);
        let mut removed: Vec<(String, Oid)> = Vec::new();
        for e in old_dir.iter() {
            if e.kind() != Some(ObjectType::Blob) {
                continue;
            }
            let Ok(name) = std::str::from_utf8(e.name_bytes()) else {
                continue;
            };
            if !name.ends_with(".ron") {
                continue;
            }
            let still_there = new_dir.as_ref().is_some_and(|t| t.get_name(name).is_some());
            if !still_there {
                removed.push((name.to_owned(), e.id()));
            }
        }
        let join = |name: &str| {
            if dir.is_empty() {
                name.to_owned()
            } else {
                format!("{dir}/{name}")
            }
        };
        if let Some((name, _)) = removed.iter().find(|(_, id)| *id == blob) {
            return Some(join(name));
        }
        let new = self.parse(blob);
        let Ok(new) = new.as_ref() else {
            return None;
        };
        let mut best: Option<(usize, &str)> = None;
        for (name, id) in &removed {
            let old = self.parse(*id);
            let Ok(old) = old.as_ref() else {
                continue;
            };
            if old.title != new.title {
                continue;
            }
            let distance = diff::diff_use_cases(old, new).len();
            if best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, name));
            }
        }
        best.map(|(_, name)| join(name))
    }

    /// The field changes from `old` to `new` (either may be absent).
    fn changes(&mut self, old: Option<&Tracked>, new: &Tracked) -> Vec<FieldChange> {
        let old = old.and_then(|t| t.blob.map(|b| (t.path.clone(), b)));
        let new = new.blob.map(|b| (new.path.clone(), b));
        let mut out = Vec::new();
        let id = |p: &Option<(Rc<str>, Oid)>| match p {
            Some((path, _)) => FieldValue::Name(id_of(path).to_owned()),
            None => FieldValue::None,
        };
        let (old_id, new_id) = (id(&old), id(&new));
        if old_id != new_id {
            out.push(FieldChange::new("id", old_id, new_id));
        }
        let old_parsed = old.as_ref().map(|(_, b)| self.parse(*b));
        let new_parsed = new.as_ref().map(|(_, b)| self.parse(*b));
        let error = |p: &Option<Parsed>| match p.as_deref() {
            Some(Err(e)) => FieldValue::Text(e.clone()),
            _ => FieldValue::None,
        };
        let (old_error, new_error) = (error(&old_parsed), error(&new_parsed));
        if old_error != new_error {
            out.push(FieldChange::new("parse_error", old_error, new_error));
        }
        if let (Some(Ok(a)), Some(Ok(b))) = (old_parsed.as_deref(), new_parsed.as_deref()) {
            out.extend(diff::diff_use_cases(a, b));
        }
        out
    }
}

/// The boundary commits of a shallow clone (`.git/shallow`): they show no
/// parents although they have some. Empty for a full clone.
fn shallow_boundaries(repo: &Repository) -> Vec<Oid> {
    if !repo.is_shallow() {
        return Vec::new();
    }
    std::fs::read_to_string(repo.commondir().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Every commit reachable from `start` that changed the file at `path`
/// (relative to the repository's root, `/`-separated), newest first,
/// following renames; see the module documentation for the rules.
pub fn file_history(
    repo: &Repository,
    start: Oid,
    path: &str,
) -> Result<Vec<HistoryEntry>, git2::Error> {
    walk(repo, start, path, None)
}

/// [`file_history`], skipping with `index` the commits that did not touch
/// the followed file when it lies in the index's folder. The result is the
/// same with or without the index.
///
/// Along a line of history (the usual case: every commit the walk visits
/// has one parent, or is a merge the index steps over) the walk goes from
/// child to parent itself, and a commit the index knows did not touch the
/// file costs no object read at all. Only at a merge whose parents must
/// all be followed does it hand over to a revision walk from that merge.
fn walk(
    repo: &Repository,
    start: Oid,
    path: &str,
    index: Option<&mut ChangeIndex>,
) -> Result<Vec<HistoryEntry>, git2::Error> {
    let odb = repo.odb()?;
    let start_tree = repo.find_commit(start)?.tree()?;
    let mut w = Walk {
        repo,
        walker: Walker {
            repo,
            parsed: HashMap::new(),
        },
        odb: &odb,
        trees: Trees::new(&odb),
        index,
        tracked: HashMap::new(),
        shallow: shallow_boundaries(repo),
        out: Vec::new(),
    };
    // The path to look at in each commit still to be visited, set by the
    // first child that reached it (children come before parents).
    w.tracked.insert(
        start,
        Tracked {
            blob: blob_at(&start_tree, path),
            path: Rc::from(path),
        },
    );

    // Down the line while it is one.
    let mut at = start;
    while let Some(here) = w.tracked.remove(&at) {
        if let Some(here) = w.visit(at, here, true)? {
            w.tracked.insert(at, here); // a merge: the revision walk takes it
            break;
        }
        let mut next = w.tracked.keys();
        match (next.next(), next.next()) {
            (Some(&parent), None) => at = parent,
            _ => break,
        }
    }
    if w.tracked.is_empty() {
        return Ok(w.out);
    }

    let mut revwalk = repo.revwalk()?;
    for oid in w.tracked.keys() {
        revwalk.push(*oid)?;
    }
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    for oid in revwalk {
        let oid = oid?;
        let Some(here) = w.tracked.remove(&oid) else {
            continue; // pruned: no listed path leads here
        };
        w.visit(oid, here, false)?;
    }
    Ok(w.out)
}

/// One walk's state: what it follows in the commits still to visit, and
/// what it found.
struct Walk<'r, 'o, 'i> {
    repo: &'r Repository,
    walker: Walker<'r>,
    odb: &'o git2::Odb<'o>,
    trees: Trees<'o>,
    index: Option<&'i mut ChangeIndex>,
    tracked: HashMap<Oid, Tracked>,
    shallow: Vec<Oid>,
    out: Vec<HistoryEntry>,
}

impl Walk<'_, '_, '_> {
    /// Visits commit `oid`, where the walk looks at `here`: lists it when
    /// it changed the file, and passes `here` on to the parents to follow.
    /// With `linear`, a merge whose parents must all be followed is not
    /// visited but handed back, for a revision walk to order its history.
    fn visit(
        &mut self,
        oid: Oid,
        here: Tracked,
        linear: bool,
    ) -> Result<Option<Tracked>, git2::Error> {
        let repo = self.repo;
        // Known to the index, untouched: on without reading the commit
        // (unless a shallow clone cuts the history there).
        if let Some(ix) = self.index.as_deref() {
            let (dir, name) = split_dir(&here.path);
            if dir == ix.dir
                && !self.shallow.contains(&oid)
                && let Some(first) = ix.skip(oid, name.as_bytes())
            {
                self.tracked.entry(first).or_insert(here);
                return Ok(None);
            }
        }
        let commit = repo.find_commit(oid)?;
        if let Some(ix) = self.index.as_deref_mut() {
            let (dir, name) = split_dir(&here.path);
            if dir == ix.dir
                && commit.parent_count() > 0
                && let Some(false) = ix.touches(&mut self.trees, &commit, name.as_bytes())
            {
                // The same blob in every parent: followed down the first.
                let first = commit.parent_id(0)?;
                self.tracked.entry(first).or_insert(here);
                return Ok(None);
            }
        }
        let parents: Vec<git2::Commit<'_>> = commit.parents().collect();
        let parent_blobs: Vec<Option<Oid>> = parents
            .iter()
            .map(|p| blob_at_id(self.odb, p.tree_id(), &here.path))
            .collect();

        // A parent with the same blob: not listed, and followed alone.
        if let Some(k) = parent_blobs.iter().position(|b| *b == here.blob) {
            self.tracked.entry(parents[k].id()).or_insert(here);
            return Ok(None);
        }
        if linear && parents.len() > 1 {
            return Ok(Some(here));
        }

        let tree = commit.tree()?;
        let parent_trees = parents
            .iter()
            .map(|p| p.tree())
            .collect::<Result<Vec<_>, _>>()?;
        let mut olds = Vec::with_capacity(parents.len());
        for (k, parent) in parents.iter().enumerate() {
            let mut old = Tracked {
                path: here.path.clone(),
                blob: parent_blobs[k],
            };
            if let (None, Some(blob)) = (old.blob, here.blob)
                && let Some(source) =
                    self.walker
                        .rename_source(&parent_trees[k], &tree, &here.path, blob)
            {
                old.blob = blob_at(&parent_trees[k], &source);
                old.path = Rc::from(source);
            }
            self.tracked
                .entry(parent.id())
                .or_insert_with(|| old.clone());
            olds.push(old);
        }
        if here.blob.is_none() && olds.iter().all(|o| o.blob.is_none()) {
            return Ok(None); // never held the file (a root commit without it)
        }
        let changes = if parents.is_empty() && self.shallow.contains(&oid) {
            // Not the creator: the clone's history is cut here.
            vec![FieldChange::new(
                diff::SHALLOW_BOUNDARY,
                FieldValue::None,
                FieldValue::Name(id_of(&here.path).to_owned()),
            )]
        } else {
            self.walker.changes(olds.first(), &here)
        };
        let author = commit.author();
        self.out.push(HistoryEntry {
            commit: oid.to_string(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: time_of(commit.time()),
            summary: commit
                .summary_bytes()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default(),
            body: commit
                .body_bytes()
                .map(|b| String::from_utf8_lossy(b).trim_end().to_owned())
                .unwrap_or_default(),
            changes,
        });
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw tree of `entries` (name, mode, id byte), in git's order.
    fn raw(entries: &[(String, &str, u8)]) -> Vec<u8> {
        let mut sorted: Vec<_> = entries.to_vec();
        sorted.sort_by(|a, b| {
            let key = |e: &(String, &str, u8)| {
                let mut k = e.0.clone().into_bytes();
                if e.1 == "40000" {
                    k.push(b'/');
                }
                k
            };
            key(a).cmp(&key(b))
        });
        let mut out = Vec::new();
        for (name, mode, id) in sorted {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            // Ids full of NULs and spaces, as real ids may hold.
            out.extend_from_slice(&[
                id, 0, b' ', id, 0, 0, b' ', 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, id,
            ]);
        }
        out
    }

    /// The names whose entries differ, compared whole.
    fn reference(a: &[(String, &str, u8)], b: &[(String, &str, u8)]) -> Vec<Box<[u8]>> {
        let mut out: Vec<Box<[u8]>> = Vec::new();
        for e in a.iter().chain(b) {
            let (x, y) = (a.iter().find(|f| f.0 == e.0), b.iter().find(|f| f.0 == e.0));
            if x != y {
                out.push(Box::from(e.0.as_bytes()));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn folders_differ_in_the_entries_a_whole_comparison_finds() {
        let base: Vec<(String, &str, u8)> = (0..600)
            .map(|i| (format!("uc-{i:05}.ron"), "100644", (i % 251) as u8))
            .chain([("uc-00007".to_owned(), "40000", 9)])
            .collect();
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..300 {
            let mut changed = base.clone();
            for _ in 0..1 + next(4) {
                let k = next(changed.len());
                match next(5) {
                    0 => changed[k].2 = changed[k].2.wrapping_add(1),
                    1 => {
                        changed.remove(k);
                    }
                    2 => changed.push((format!("new-{}.ron", next(1000)), "100644", 3)),
                    3 => changed[k].1 = "100755",
                    _ => changed[k].0.push('x'),
                }
            }
            changed.dedup_by(|a, b| a.0 == b.0);
            for (a, b) in [(&base, &changed), (&changed, &base)] {
                let mut out = Vec::new();
                diff_raw_trees(&raw(a), &raw(b), &mut out);
                out.sort();
                out.dedup();
                assert_eq!(out, reference(a, b));
            }
        }
        let mut out = Vec::new();
        diff_raw_trees(&raw(&base), &raw(&base), &mut out);
        assert!(out.is_empty());
    }
}
