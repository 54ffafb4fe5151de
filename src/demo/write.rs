//! Writing a planned [`History`] into a new repository.
//!
//! Blobs, trees and commits go into one pack ([`super::pack`]); an
//! in-memory tree keeps every folder's entries and its id, so a commit
//! re-serializes only the folders on the path of a changed file and reuses
//! every other subtree. References, annotated tags and the single checkout
//! of `main` at the end go through git2.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use git2::{ObjectType, Oid, Repository, RepositoryInitOptions, Signature, Time};

use super::pack::{self, DeltaBuilder, Id, Kind, Pack};
use super::{DemoError, DemoRepo, History, Person, PlannedCommit};

/// Trees smaller than this are written whole: a delta would not pay.
const TREE_DELTA_MIN: usize = 1024;
/// Blobs smaller than this are written whole.
const BLOB_DELTA_MIN: usize = 256;

/// A folder: its entries by git's sort key (the name, plus `/` for a folder).
#[derive(Clone, Default)]
struct Dir {
    entries: BTreeMap<Vec<u8>, Node>,
    /// The id of the tree as last written; `None` once an entry changed.
    id: Option<Id>,
    /// Keys of the entries set since the tree was last written.
    dirty: BTreeSet<Vec<u8>>,
    /// The last written tree's bytes and entry spans, the base of the next
    /// version (patched where entries changed) and of its delta.
    last: Option<Written>,
}

#[derive(Clone)]
enum Node {
    File(Id),
    Dir(Box<Dir>),
}

#[derive(Clone)]
struct Written {
    id: Id,
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

/// Appends one tree entry: mode, name, NUL, id.
fn push_entry(out: &mut Vec<u8>, key: &[u8], node: &Node) {
    let (mode, name, id): (&[u8], &[u8], Id) = match node {
        Node::File(id) => (b"100644", key, *id),
        Node::Dir(d) => (b"40000", &key[..key.len() - 1], d.id.unwrap_or([0; 20])),
    };
    out.extend_from_slice(mode);
    out.push(b' ');
    out.extend_from_slice(name);
    out.push(0);
    out.extend_from_slice(&id);
}

impl Dir {
    /// Sets the file at `path` (`/`-separated) to the blob `id`.
    fn set(&mut self, path: &str, id: Id) {
        self.id = None;
        match path.split_once('/') {
            None => {
                let key = path.as_bytes().to_vec();
                self.dirty.insert(key.clone());
                self.entries.insert(key, Node::File(id));
            }
            Some((head, rest)) => {
                let mut key = head.as_bytes().to_vec();
                key.push(b'/');
                self.dirty.insert(key.clone());
                let node = self
                    .entries
                    .entry(key)
                    .or_insert_with(|| Node::Dir(Box::default()));
                if let Node::Dir(d) = node {
                    d.set(rest, id);
                }
            }
        }
    }

    /// Writes this folder's tree (and any changed subtree) and returns its id.
    fn write(&mut self, pack: &mut Pack) -> std::io::Result<Id> {
        if let Some(id) = self.id {
            return Ok(id);
        }
        for key in &self.dirty {
            if let Some(Node::Dir(d)) = self.entries.get_mut(key) {
                d.write(pack)?;
            }
        }
        let old = self.last.take();
        let Rebuilt {
            bytes,
            spans,
            delta,
        } = match &old {
            // A few entries changed: patch the last tree, copying the rest.
            Some(old) if !old.spans.is_empty() && self.dirty.len() * 8 <= self.entries.len() => {
                self.patch(old)
            }
            _ => {
                let capacity = old.as_ref().map_or(256, |w| w.bytes.len() + 64);
                let mut bytes = Vec::with_capacity(capacity);
                let mut spans = Vec::with_capacity(self.entries.len());
                for (key, node) in &self.entries {
                    let start = bytes.len();
                    push_entry(&mut bytes, key, node);
                    spans.push((start, bytes.len()));
                }
                let delta = old.as_ref().map(|o| tree_delta(o, &bytes, &spans));
                Rebuilt {
                    bytes,
                    spans,
                    delta,
                }
            }
        };
        let id = match (&old, delta) {
            (Some(old), Some(delta)) if bytes.len() >= TREE_DELTA_MIN => {
                pack.put_delta(Kind::Tree, &bytes, &old.id, &delta)?
            }
            _ => pack.put(Kind::Tree, &bytes)?,
        };
        self.id = Some(id);
        self.dirty.clear();
        self.last = Some(Written { id, bytes, spans });
        Ok(id)
    }

    /// The new tree as the old one with the dirty entries replaced or
    /// inserted (entries are never removed), its spans, and the delta.
    fn patch(&self, old: &Written) -> Rebuilt {
        // Each change: where it goes among the old entries, whether it
        // replaces the entry there, and its bytes.
        let mut changes = Vec::with_capacity(self.dirty.len());
        let mut new_len = old.bytes.len();
        for key in &self.dirty {
            let Some(node) = self.entries.get(key) else {
                continue;
            };
            let mut entry = Vec::with_capacity(key.len() + 28);
            push_entry(&mut entry, key, node);
            let k = entry_key(&entry);
            let old_key = |(s, e): (usize, usize)| entry_key(&old.bytes[s..e]);
            let at = old
                .spans
                .partition_point(|&span| key_cmp(old_key(span), k) == Ordering::Less);
            let replaces = old
                .spans
                .get(at)
                .is_some_and(|&span| key_cmp(old_key(span), k) == Ordering::Equal);
            if replaces {
                new_len -= old.spans[at].1 - old.spans[at].0;
            }
            new_len += entry.len();
            changes.push((at, replaces, entry));
        }
        let mut out = Patched {
            old,
            delta: DeltaBuilder::new(old.bytes.len(), new_len),
            bytes: Vec::with_capacity(new_len),
            spans: Vec::with_capacity(old.spans.len() + changes.len()),
        };
        let mut next = 0;
        for (at, replaces, entry) in &changes {
            out.copy_old(next, *at);
            let start = out.bytes.len();
            out.bytes.extend_from_slice(entry);
            out.spans.push((start, out.bytes.len()));
            out.delta.insert(entry);
            next = if *replaces { at + 1 } else { *at };
        }
        out.copy_old(next, old.spans.len());
        Rebuilt {
            bytes: out.bytes,
            spans: out.spans,
            delta: Some(out.delta.finish()),
        }
    }
}

/// A tree's new bytes and spans, and its delta from the last version.
struct Rebuilt {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
    delta: Option<Vec<u8>>,
}

/// A tree being rebuilt from the last one.
struct Patched<'a> {
    old: &'a Written,
    delta: DeltaBuilder,
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Patched<'_> {
    /// Copies the old entries `from..to` in one piece.
    fn copy_old(&mut self, from: usize, to: usize) {
        if from >= to {
            return;
        }
        let (start, end) = (self.old.spans[from].0, self.old.spans[to - 1].1);
        let base = self.bytes.len();
        self.delta.copy(start, end - start);
        self.bytes.extend_from_slice(&self.old.bytes[start..end]);
        self.spans.extend(
            self.old.spans[from..to]
                .iter()
                .map(|&(s, e)| (s - start + base, e - start + base)),
        );
    }
}

/// The sort key of a tree entry: its name, plus `/` for a folder.
fn entry_key(entry: &[u8]) -> (&[u8], bool) {
    let space = entry.iter().position(|&b| b == b' ').unwrap_or(0);
    let nul = entry.iter().position(|&b| b == 0).unwrap_or(entry.len());
    (&entry[space + 1..nul], entry[0] == b'4')
}

fn key_cmp(a: (&[u8], bool), b: (&[u8], bool)) -> Ordering {
    let sa: &[u8] = if a.1 { b"/" } else { b"" };
    let sb: &[u8] = if b.1 { b"/" } else { b"" };
    a.0.iter().chain(sa).cmp(b.0.iter().chain(sb))
}

/// A delta from the old tree to the new one, entry by entry: unchanged
/// entries are copied (runs of them in one instruction), others inserted.
fn tree_delta(old: &Written, new: &[u8], spans: &[(usize, usize)]) -> Vec<u8> {
    let mut d = DeltaBuilder::new(old.bytes.len(), new.len());
    let mut j = 0;
    let old_entry = |j: usize| old.spans.get(j).map(|&(os, oe)| (os, &old.bytes[os..oe]));
    for &(s, e) in spans {
        let entry = &new[s..e];
        // Most entries are unchanged: compare bytes first, keys only near a change.
        if let Some((os, bytes)) = old_entry(j)
            && bytes == entry
        {
            d.copy(os, bytes.len());
            j += 1;
            continue;
        }
        let key = entry_key(entry);
        while let Some((_, bytes)) = old_entry(j) {
            if key_cmp(entry_key(bytes), key) == Ordering::Less {
                j += 1; // removed from the tree
            } else {
                break;
            }
        }
        match old_entry(j) {
            Some((os, bytes)) if bytes == entry => {
                d.copy(os, bytes.len());
                j += 1;
            }
            _ => d.insert(entry),
        }
    }
    d.finish()
}

fn signature_line(role: &str, who: Person, time: i64) -> String {
    format!("{role} {} <{}> {time} +0000\n", who.name, who.email)
}

/// The bytes of a commit object.
fn commit_bytes(tree: &Id, parent: Option<&Id>, c: &PlannedCommit) -> Vec<u8> {
    let mut s = format!("tree {}\n", pack::hex(tree));
    if let Some(p) = parent {
        s.push_str(&format!("parent {}\n", pack::hex(p)));
    }
    s.push_str(&signature_line("author", c.author, c.time));
    s.push_str(&signature_line("committer", c.author, c.time));
    s.push('\n');
    s.push_str(&c.message);
    if !c.message.ends_with('\n') {
        s.push('\n');
    }
    s.into_bytes()
}

/// Writes commits one after another on top of `parent`, updating `root`.
struct Writer<'a> {
    pack: &'a mut Pack,
    /// The last content of each path, the base of the next version's delta.
    last_blob: HashMap<String, (Id, Vec<u8>)>,
}

impl Writer<'_> {
    fn commit(
        &mut self,
        root: &mut Dir,
        parent: Option<&Id>,
        c: &PlannedCommit,
    ) -> std::io::Result<Id> {
        for f in &c.files {
            let bytes = f.text.as_bytes();
            let id = match self.last_blob.get(&f.path) {
                Some((old_id, old)) if old.as_slice() == bytes => *old_id,
                Some((old_id, old)) if bytes.len() >= BLOB_DELTA_MIN => {
                    let delta = pack::prefix_suffix_delta(old, bytes);
                    self.pack.put_delta(Kind::Blob, bytes, old_id, &delta)?
                }
                _ => self.pack.put(Kind::Blob, bytes)?,
            };
            self.last_blob.insert(f.path.clone(), (id, bytes.to_vec()));
            root.set(&f.path, id);
        }
        let tree = root.write(self.pack)?;
        self.pack.put(Kind::Commit, &commit_bytes(&tree, parent, c))
    }
}

/// Writes every commit of `history` (main's, then each branch's) with
/// their trees and blobs; returns main's commit ids and each branch's head.
fn write_objects(objects: &mut Pack, history: &History) -> std::io::Result<(Vec<Id>, Vec<Id>)> {
    let mut root = Dir::default();
    let mut main_ids = Vec::with_capacity(history.main.len());
    let mut branch_heads = Vec::with_capacity(history.branches.len());
    let mut w = Writer {
        pack: objects,
        last_blob: HashMap::new(),
    };
    // Folders as they stood at each commit a branch starts from.
    let mut bases: HashMap<usize, Dir> = HashMap::new();
    for (i, c) in history.main.iter().enumerate() {
        let id = w.commit(&mut root, main_ids.last(), c)?;
        main_ids.push(id);
        if history.branches.iter().any(|b| b.base == i) {
            bases.insert(i, root.clone());
        }
    }
    for b in &history.branches {
        let mut tree = bases.get(&b.base).cloned().ok_or_else(|| {
            std::io::Error::other(format!("branch {} starts from a missing commit", b.name))
        })?;
        let mut head = main_ids[b.base];
        for c in &b.commits {
            head = w.commit(&mut tree, Some(&head), c)?;
        }
        branch_heads.push(head);
    }
    Ok((main_ids, branch_heads))
}

fn oid(id: &Id) -> Result<Oid, DemoError> {
    Ok(Oid::from_bytes(id)?)
}

/// Creates the repository at `dir` (which must not exist or be empty) and
/// writes `history` into it; `main` ends checked out and clean.
pub(super) fn write(dir: &Path, history: &History) -> Result<DemoRepo, DemoError> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| DemoError::Io(format!("cannot read {}: {e}", dir.display())))?
            .next()
            .is_none();
        if !empty {
            return Err(DemoError::NotEmpty(dir.to_path_buf()));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| DemoError::Io(format!("cannot create {}: {e}", dir.display())))?;
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main").mkpath(true);
    let repo = Repository::init_opts(dir, &opts)?;
    let io = |e: std::io::Error| DemoError::Io(format!("cannot write the pack: {e}"));

    let mut pack = Pack::create(&repo.path().join("objects").join("pack")).map_err(io)?;
    let (main_ids, branch_heads) = write_objects(&mut pack, history).map_err(io)?;
    pack.finish().map_err(io)?;

    // Reopen, so that the new pack is seen.
    drop(repo);
    let repo = Repository::open(dir)?;
    let head = main_ids
        .last()
        .ok_or_else(|| DemoError::Plan("the history has no commit".to_owned()))?;
    let head = oid(head)?;
    repo.reference("refs/heads/main", head, true, "ripen demo")?;
    let mut branches = Vec::new();
    for (b, id) in history.branches.iter().zip(&branch_heads) {
        repo.reference(
            &format!("refs/heads/{}", b.name),
            oid(id)?,
            true,
            "ripen demo",
        )?;
        branches.push(b.name.clone());
    }
    let mut tags = Vec::new();
    for t in &history.tags {
        let target = repo.find_object(oid(&main_ids[t.target])?, Some(ObjectType::Commit))?;
        let tagger = Signature::new(t.tagger.name, t.tagger.email, &Time::new(t.time, 0))?;
        repo.tag(&t.name, &target, &tagger, &t.message, false)?;
        tags.push(t.name.clone());
    }
    repo.set_head("refs/heads/main")?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    Ok(DemoRepo {
        state_dir: root.join(super::STATE_DIR),
        root,
        head,
        commits: history.main.len(),
        tags,
        branches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(n: u32) -> Id {
        pack::object_id(Kind::Blob, &n.to_le_bytes())
    }

    #[test]
    fn patched_trees_are_the_trees_written_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repository::init(tmp.path()).unwrap();
        let mut pack = Pack::create(&repo.path().join("objects/pack")).unwrap();
        let mut files: BTreeMap<String, Id> = (0..100)
            .map(|i| (format!("state/use-cases/uc-{i:03}.ron"), blob(i)))
            .collect();
        files.insert("state/register.ron".to_owned(), blob(1000));
        let mut patched = Dir::default();
        for (path, id) in &files {
            patched.set(path, *id);
        }
        patched.write(&mut pack).unwrap();
        // Replace, insert before, between and after, and add a folder.
        let mut ids = Vec::new();
        for (n, path) in [
            "state/use-cases/uc-050.ron",
            "state/use-cases/uc-050a.ron",
            "state/use-cases/a.ron",
            "state/use-cases/zz.ron",
            "state/use-cases/uc-007.ron",
            "state/z/x.ron",
        ]
        .into_iter()
        .enumerate()
        {
            files.insert(path.to_owned(), blob(2000 + n as u32));
            patched.set(path, blob(2000 + n as u32));
            ids.push(patched.write(&mut pack).unwrap());
        }
        let mut whole = Dir::default();
        for (path, id) in &files {
            whole.set(path, *id);
        }
        let whole_id = whole.write(&mut pack).unwrap();
        assert_eq!(*ids.last().unwrap(), whole_id);
        pack.finish().unwrap();

        // Every tree reads back (through its delta) as planned.
        let repo = Repository::open(tmp.path()).unwrap();
        let tree = repo.find_tree(oid(&whole_id).unwrap()).unwrap();
        let cases = tree
            .get_path(Path::new("state/use-cases"))
            .unwrap()
            .to_object(&repo)
            .unwrap()
            .peel_to_tree()
            .unwrap();
        assert_eq!(cases.len(), 103);
        for id in ids {
            repo.find_tree(oid(&id).unwrap()).unwrap();
        }
        for (path, id) in &files {
            let entry = tree.get_path(Path::new(path)).unwrap();
            assert_eq!(entry.id().as_bytes(), id, "{path}");
        }
    }
}
