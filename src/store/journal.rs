//! Writing several files so that they change in one step or not at all,
//! and never over a change someone else made.
//!
//! The protocol (the same for `ripen fmt`, an import and every commit):
//!
//! 1. **Stage.** A journal folder `txn-XXXX/` is made under a journal root
//!    (`.git/ripen/` in a repository, `.ripen/` in the state directory
//!    outside one), next to a lock file `txn-XXXX.lock` that the writing
//!    process holds (`flock`) for as long as it lives. Each new file is
//!    written there and flushed; then `manifest` is written and flushed. It
//!    names, per file, its path, the git blob id of the bytes ripen saw there
//!    (or none: the file must not exist) and of the new bytes. The manifest
//!    is the point of no return for a plain write; for a commit, the point of
//!    no return is the branch moving to the commit the manifest names.
//! 2. **Apply.** Per file, compare-and-swap on content: if the working file
//!    already holds the new bytes, nothing is done; if it holds anything but
//!    what ripen saw (an edit made meanwhile), it is kept and reported.
//!    Otherwise the staged file and the working file are swapped in one step
//!    (`renameat2(RENAME_EXCHANGE)` on Linux) and what was swapped out is
//!    checked: an edit saved in that instant is swapped back in. New files
//!    are linked into place (refused if anyone created one meanwhile);
//!    removed files are moved aside and checked the same way. ripen never
//!    overwrites or restores a file it did not last see.
//! 3. **Finish.** The journal folder and its lock file are removed.
//!
//! **Recovery** ([`recover`]) runs at the start of the next command: a
//! journal whose lock file is free belongs to a process that died. Without a
//! manifest the change never became visible: it is removed. With one, each
//! file whose change "landed" (always for a plain write; for a commit, when
//! the branch's tree holds the new blob) is applied by the same
//! compare-and-swap, and the journal is removed. A kill at any instant thus
//! leaves the whole change or none of it once the next command has run, and
//! no temporary file in the state directory.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid};

/// The journal root inside a state directory that is not in a repository.
pub const PLAIN_DIR: &str = ".ripen";

const MANIFEST: &str = "manifest";
const MAGIC: &str = "ripen-journal 1";

/// One file of a staged change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file, relative to the journal's base folder, `/`-separated.
    pub rel: String,
    /// The blob id of the bytes ripen saw there; `None`: it did not exist.
    pub old: Option<Oid>,
    /// The blob id of the new bytes; `None`: the file is removed.
    pub new: Option<Oid>,
    /// The staged copy's name inside the journal folder.
    staged: String,
}

/// What a journal changes, as read back from its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// The commit whose working-tree update this is, if any.
    pub commit: Option<Oid>,
    /// The branch that commit goes on (`refs/heads/main`).
    pub branch: Option<String>,
    /// The files.
    pub files: Vec<Entry>,
}

/// A file to stage: its path relative to the base, what ripen saw there
/// and the new bytes.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Relative to the journal's base folder, `/`-separated.
    pub rel: &'a str,
    /// The bytes ripen saw; `None`: the file must not exist.
    pub old: Option<&'a [u8]>,
    /// The new bytes; `None`: remove the file.
    pub new: Option<&'a [u8]>,
}

/// How applying one file went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The file now holds the new bytes.
    Done,
    /// The file held something ripen did not see (an edit made meanwhile);
    /// it was kept as it is.
    Kept,
}

/// A staged change, held by this process until [`Journal::finish`] or
/// [`Journal::discard`] (or the process's end).
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    lock_path: PathBuf,
    _lock: fs::File,
    base: PathBuf,
    manifest: Manifest,
}

/// The blob id git gives these bytes.
pub fn blob_id(bytes: &[u8]) -> Oid {
    Oid::hash_object(ObjectType::Blob, bytes).expect("hashing bytes in memory does not fail")
}

/// Takes an exclusive `flock` on `file`, waiting or not; `Ok(false)` when
/// another open file holds it.
#[cfg(unix)]
pub(crate) fn try_flock(file: &fs::File, wait: bool) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    let op = libc::LOCK_EX | if wait { 0 } else { libc::LOCK_NB };
    // SAFETY: flock on a descriptor this process owns.
    let r = unsafe { libc::flock(file.as_raw_fd(), op) };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
pub(crate) fn try_flock(_file: &fs::File, _wait: bool) -> io::Result<bool> {
    Ok(true)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Reads a file that may be missing; a symbolic link or a folder where a
/// file belongs counts as content nobody expected.
fn read_current(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not a regular file", path.display()),
        )),
        Ok(_) => fs::read(path).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Journal {
    /// Stages `changes` under `root` (created if needed), for files under
    /// `base`. `commit` names the commit and branch whose working-tree update
    /// this is, if any. On success the journal is complete (its manifest
    /// written and flushed) and locked by this process.
    pub fn stage(
        root: &Path,
        base: &Path,
        commit: Option<(Oid, &str)>,
        changes: &[Change<'_>],
    ) -> io::Result<Journal> {
        let (lock, lock_path) = locked_file(root, "txn-", ".lock")?;
        let name = lock_path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".lock"))
            .expect("named by us")
            .to_owned();
        let dir = root.join(name);
        let mut journal = Journal {
            dir: dir.clone(),
            lock_path,
            _lock: lock,
            base: base.to_path_buf(),
            manifest: Manifest {
                commit: commit.map(|c| c.0),
                branch: commit.map(|c| c.1.to_owned()),
                files: Vec::with_capacity(changes.len()),
            },
        };
        let staged = (|| -> io::Result<()> {
            fs::create_dir(&dir)?;
            for (i, c) in changes.iter().enumerate() {
                if c.rel.contains('\n') || c.rel.is_empty() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("cannot stage a file named {:?}", c.rel),
                    ));
                }
                // Every file goes into a folder that exists (never through
                // a symbolic link): checked before anything is visible.
                let target = base.join(c.rel);
                let parent = target.parent().unwrap_or(base);
                match fs::symlink_metadata(parent) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("{} is not a folder", parent.display()),
                        ));
                    }
                    Err(e) => {
                        return Err(io::Error::new(
                            e.kind(),
                            format!("cannot write {}: {e}", target.display()),
                        ));
                    }
                }
                journal.manifest.files.push(Entry {
                    rel: c.rel.to_owned(),
                    old: c.old.map(blob_id),
                    new: c.new.map(blob_id),
                    staged: i.to_string(),
                });
            }
            write_staged(&dir, base, &journal.manifest.files, changes)?;
            sync_dir(&dir);
            let text = journal.manifest.to_text();
            let tmp = dir.join("manifest.tmp");
            let mut f = fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, dir.join(MANIFEST))?;
            sync_dir(&dir);
            Ok(())
        })();
        match staged {
            Ok(()) => Ok(journal),
            Err(e) => {
                journal.discard();
                Err(e)
            }
        }
    }

    /// What this journal changes.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The working file of an entry.
    pub fn path_of(&self, entry: &Entry) -> PathBuf {
        self.base.join(&entry.rel)
    }

    /// The staged copy of an entry inside the journal folder (none is
    /// written for a removal).
    pub fn staged_path(&self, entry: &Entry) -> PathBuf {
        self.dir.join(&entry.staged)
    }

    /// Checks that every file still holds what ripen saw, without writing.
    /// Returns the files that changed meanwhile.
    pub fn changed_meanwhile(&self) -> Vec<String> {
        self.manifest
            .files
            .iter()
            .filter(|e| {
                let now = read_current(&self.path_of(e)).map(|b| b.as_deref().map(blob_id));
                !matches!(now, Ok(now) if now == e.old)
            })
            .map(|e| e.rel.clone())
            .collect()
    }

    /// Applies every file by compare-and-swap (see the module documentation).
    /// A failure to write stops at that file; the journal stays for the next
    /// run to finish.
    pub fn apply(&self) -> io::Result<Vec<(Entry, Applied)>> {
        apply_entries(&self.dir, &self.base, &self.manifest.files, |_| true)
    }

    /// Removes the journal: the change is complete.
    pub fn finish(self) {
        remove_journal(&self.dir, &self.lock_path);
    }

    /// Removes the journal without applying it: the change never happened.
    pub fn discard(self) {
        remove_journal(&self.dir, &self.lock_path);
    }
}

fn remove_journal(dir: &Path, lock_path: &Path) {
    let _ = fs::remove_dir_all(dir);
    let _ = fs::remove_file(lock_path);
    if let Some(root) = dir.parent() {
        sync_dir(root);
        remove_if_empty(root);
    }
}

/// Removes the journal root when nothing is left in it, so that a change
/// leaves no trace once complete.
pub(crate) fn remove_if_empty(root: &Path) {
    let _ = fs::remove_dir(root);
}

/// Creates a file `PREFIXxxxxSUFFIX` in `root` that this process holds
/// locked (`flock`) from the moment it has that name: it is made under a
/// name recovery ignores, locked, then renamed.
pub(crate) fn locked_file(
    root: &Path,
    prefix: &str,
    suffix: &str,
) -> io::Result<(fs::File, PathBuf)> {
    let (file, fresh) = create_in(root, |root| {
        tempfile::Builder::new().prefix("new-").tempfile_in(root)
    })?
    .keep()
    .map_err(|e| e.error)?;
    try_flock(&file, true)?;
    let named = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(suffix)
        .make_in(root, |path| fs::hard_link(&fresh, path))
        .inspect_err(|_| {
            let _ = fs::remove_file(&fresh);
        })?;
    let ((), path) = named.keep().map_err(|e| e.error)?;
    let _ = fs::remove_file(&fresh);
    Ok((file, path))
}

/// Runs `make` in `root`, creating `root` first; retried when another
/// process removed the empty root in between.
pub(crate) fn create_in<T>(root: &Path, make: impl Fn(&Path) -> io::Result<T>) -> io::Result<T> {
    let mut tries = 0;
    loop {
        fs::create_dir_all(root)?;
        match make(root) {
            Err(e) if e.kind() == io::ErrorKind::NotFound && tries < 5 => tries += 1,
            other => return other,
        }
    }
}

/// Writes the staged copies, many side by side: each waits for the disk,
/// and the file system flushes concurrent writes together. Each copy gets
/// the permissions of the file it replaces (new files rw-r--r--).
fn write_staged(
    dir: &Path,
    base: &Path,
    entries: &[Entry],
    changes: &[Change<'_>],
) -> io::Result<()> {
    const THREADS: usize = 32;
    let write_one = |e: &Entry, c: &Change<'_>| -> io::Result<()> {
        let Some(new) = c.new else {
            return Ok(()); // a removal stages nothing
        };
        let path = dir.join(&e.staged);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(new)?;
        let permissions = match fs::metadata(base.join(&e.rel)) {
            Ok(m) if m.is_file() => Some(m.permissions()),
            _ => super::default_permissions(),
        };
        if let Some(p) = permissions {
            f.set_permissions(p)?;
        }
        f.sync_all()
    };
    if entries.len() <= 1 {
        return entries
            .iter()
            .zip(changes)
            .try_for_each(|(e, c)| write_one(e, c));
    }
    let pairs: Vec<(&Entry, &Change<'_>)> = entries.iter().zip(changes).collect();
    let chunk = pairs.len().div_ceil(THREADS);
    let results: Vec<io::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                let write_one = &write_one;
                scope.spawn(move || part.iter().try_for_each(|(e, c)| write_one(e, c)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("a writing thread panicked")))
            })
            .collect()
    });
    results.into_iter().collect()
}

/// Applies `entries` whose `landed` is true, file by file, by
/// compare-and-swap on content (see [`apply_one`]).
fn apply_entries(
    dir: &Path,
    base: &Path,
    entries: &[Entry],
    landed: impl Fn(&Entry) -> bool,
) -> io::Result<Vec<(Entry, Applied)>> {
    let mut done = Vec::with_capacity(entries.len());
    let mut parents = std::collections::BTreeSet::new();
    for e in entries.iter().filter(|e| landed(e)) {
        let path = base.join(&e.rel);
        let outcome = apply_one(&path, &dir.join(&e.staged), e)?;
        if let Some(parent) = path.parent() {
            parents.insert(parent.to_path_buf());
        }
        done.push((e.clone(), outcome));
    }
    for p in parents {
        sync_dir(&p);
    }
    Ok(done)
}

/// What a path holds: `Some(None)` nothing, `Some(Some(id))` a regular
/// file with that blob id, `None` anything else (a folder, a link).
fn current(path: &Path) -> io::Result<Option<Option<Oid>>> {
    match read_current(path) {
        Ok(b) => Ok(Some(b.as_deref().map(blob_id))),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Ok(None),
        Err(e) => Err(e),
    }
}

/// Swaps two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`);
/// `Unsupported` elsewhere or on a file system without it.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that live across the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EXDEV) => {
            Err(io::Error::new(io::ErrorKind::Unsupported, e))
        }
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Puts `staged` in place of `path` without an atomic exchange: a rename,
/// or a copy when the journal is on another file system.
fn replace_plainly(staged: &Path, path: &Path) -> io::Result<()> {
    match fs::rename(staged, path) {
        Ok(()) => Ok(()),
        Err(_) => {
            let bytes = fs::read(staged)?;
            crate::store::write_atomic(path, &bytes)?;
            let _ = fs::remove_file(staged);
            Ok(())
        }
    }
}

/// Keeps a version someone wrote next to the file, under a name that says
/// so (`<file>.kept-by-ripen`, `<file>.kept-by-ripen-2`, ...), never over
/// anything.
fn keep_aside(from: &Path, path: &Path) -> io::Result<()> {
    for n in 1..1000 {
        let mut name = path.as_os_str().to_owned();
        name.push(if n == 1 {
            ".kept-by-ripen".to_owned()
        } else {
            format!(".kept-by-ripen-{n}")
        });
        match fs::hard_link(from, &name) {
            Ok(()) => return fs::remove_file(from),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "too many kept versions of {}",
        path.display()
    )))
}

/// Brings one working file to the entry's new content if, at the instant
/// it changes, it holds exactly what ripen saw (`old`).
///
/// An existing file is swapped with the staged copy in one step
/// (`renameat2(RENAME_EXCHANGE)`), so that whatever the file held at that
/// instant is in hand: if it is what ripen saw, it is dropped; if not (an
/// edit saved meanwhile), it is swapped back and the result is
/// [`Applied::Kept`]. A new file is linked into place, which fails if
/// anyone created it meanwhile; a removed file is first moved aside and
/// checked likewise. A staged copy left holding neither version (an
/// exchange cut short by a kill) is someone's edit: it is put back first.
/// Without an atomic exchange (another system or file system), the check
/// and the rename are two steps.
fn apply_one(path: &Path, staged: &Path, e: &Entry) -> io::Result<Applied> {
    let staged_now = current(staged)?;
    let now = current(path)?;
    // A staged copy holding an edit grabbed by an exchange cut short.
    if let Some(Some(held)) = staged_now
        && Some(held) != e.new
        && Some(held) != e.old
        && now == Some(e.new)
    {
        if e.new.is_none() {
            match fs::hard_link(staged, path) {
                Ok(()) => fs::remove_file(staged)?,
                Err(_) => keep_aside(staged, path)?,
            }
        } else if exchange(staged, path).is_err() || current(staged)? != Some(e.new) {
            // No exchange, or a newer version in place: keep this one.
            keep_aside(staged, path)?;
        }
        let _ = fs::remove_file(staged);
        return Ok(Applied::Kept);
    }
    if now == Some(e.new) {
        let _ = fs::remove_file(staged);
        return Ok(Applied::Done);
    }
    if now != Some(e.old) {
        return Ok(Applied::Kept);
    }
    let grabbed_is_old =
        |staged: &Path| -> io::Result<bool> { Ok(current(staged)? == Some(e.old)) };
    match (e.old, e.new) {
        // Remove: move the file aside, then look at what was moved.
        (_, None) => {
            fs::rename(path, staged)?;
            if grabbed_is_old(staged)? {
                fs::remove_file(staged)?;
                return Ok(Applied::Done);
            }
            match fs::hard_link(staged, path) {
                Ok(()) => fs::remove_file(staged)?,
                Err(_) => keep_aside(staged, path)?,
            }
            Ok(Applied::Kept)
        }
        // Create: a link fails if anyone created the file meanwhile.
        (None, Some(new)) => {
            if staged_now.is_none() || staged_now == Some(None) {
                return Ok(Applied::Kept); // applied before, then removed by someone
            }
            match fs::hard_link(staged, path) {
                Ok(()) => {
                    fs::remove_file(staged)?;
                    Ok(Applied::Done)
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    Ok(if current(path)? == Some(Some(new)) {
                        Applied::Done
                    } else {
                        Applied::Kept
                    })
                }
                Err(_) => {
                    replace_plainly(staged, path)?;
                    Ok(Applied::Done)
                }
            }
        }
        // Replace: swap in one step, then look at what was swapped out.
        (Some(_), Some(new)) => {
            if staged_now != Some(Some(new)) {
                return Ok(Applied::Kept); // applied before, then restored by someone
            }
            match exchange(staged, path) {
                Ok(()) => {
                    if grabbed_is_old(staged)? {
                        fs::remove_file(staged)?;
                        return Ok(Applied::Done);
                    }
                    // An edit saved meanwhile: it goes back in place.
                    exchange(staged, path)?;
                    if current(staged)? == Some(Some(new)) {
                        fs::remove_file(staged)?;
                    } else {
                        keep_aside(staged, path)?;
                    }
                    Ok(Applied::Kept)
                }
                Err(err) if err.kind() == io::ErrorKind::Unsupported => {
                    replace_plainly(staged, path)?;
                    Ok(Applied::Done)
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Applied::Kept),
                Err(err) => Err(err),
            }
        }
    }
}

impl Manifest {
    fn to_text(&self) -> String {
        let mut s = format!("{MAGIC}\n");
        if let (Some(c), Some(b)) = (self.commit, &self.branch) {
            s.push_str(&format!("commit {c} {b}\n"));
        }
        for e in &self.files {
            let old = e.old.map_or_else(|| "-".to_owned(), |o| o.to_string());
            let new = e.new.map_or_else(|| "-".to_owned(), |o| o.to_string());
            s.push_str(&format!("file {old} {new} {} {}\n", e.staged, e.rel));
        }
        s
    }

    fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let mut m = Manifest::default();
        for line in lines {
            let mut parts = line.splitn(2, ' ');
            match (parts.next()?, parts.next()?) {
                ("commit", rest) => {
                    let (id, branch) = rest.split_once(' ')?;
                    m.commit = Some(Oid::from_str(id).ok()?);
                    m.branch = Some(branch.to_owned());
                }
                ("file", rest) => {
                    let mut f = rest.splitn(4, ' ');
                    let old = match f.next()? {
                        "-" => None,
                        id => Some(Oid::from_str(id).ok()?),
                    };
                    let new = match f.next()? {
                        "-" => None,
                        id => Some(Oid::from_str(id).ok()?),
                    };
                    let staged = f.next()?.to_owned();
                    let rel = f.next()?.to_owned();
                    m.files.push(Entry {
                        rel,
                        old,
                        new,
                        staged,
                    });
                }
                _ => return None,
            }
        }
        Some(m)
    }
}

/// What recovery found in one journal left by a process that died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The journal's manifest (empty when it was never complete).
    pub manifest: Manifest,
    /// Each file whose change had landed, and how applying it went.
    pub applied: Vec<(Entry, Applied)>,
}

/// Finishes or removes every journal under `root` whose process died (see
/// the module documentation). `landed` says whether an entry of a complete
/// manifest belongs to a change that became visible; `after` runs once the
/// files are applied, before the journal is removed (an error keeps the
/// journal for the next run). Journals of live processes are left alone.
pub fn recover(
    root: &Path,
    base: &Path,
    landed: &dyn Fn(&Manifest, &Entry) -> bool,
    after: &mut dyn FnMut(&Recovered) -> io::Result<()>,
) -> io::Result<Vec<Recovered>> {
    let mut found = Vec::new();
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in &names {
        if let Some(stem) = name.strip_suffix(".lock").filter(|s| s.starts_with("txn-")) {
            let lock_path = root.join(name);
            let Ok(lock) = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&lock_path)
            else {
                continue;
            };
            if !try_flock(&lock, false)? {
                continue; // a live process
            }
            let dir = root.join(stem);
            let manifest = fs::read_to_string(dir.join(MANIFEST))
                .ok()
                .and_then(|t| Manifest::parse(&t));
            let recovered = match manifest {
                Some(m) => {
                    let applied = apply_entries(&dir, base, &m.files, |e| landed(&m, e))?;
                    Recovered {
                        manifest: m,
                        applied,
                    }
                }
                None => Recovered {
                    manifest: Manifest::default(),
                    applied: Vec::new(),
                },
            };
            after(&recovered)?;
            remove_journal(&dir, &lock_path);
            drop(lock);
            found.push(recovered);
        } else if name.starts_with("new-") {
            // A lock file cut short before it got its name: a process
            // creating one renames it within microseconds.
            let path = root.join(name);
            let old = fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 60);
            if old {
                let _ = fs::remove_file(path);
            }
        } else if name.starts_with("txn-") && !names.contains(&format!("{name}.lock")) {
            // A folder whose lock file is gone: a finish cut short.
            let _ = fs::remove_dir_all(root.join(name));
        }
    }
    remove_if_empty(root);
    Ok(found)
}

/// The files that journals of other live processes under `root` are
/// changing right now (relative to their base).
pub fn busy_files(root: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut busy = Vec::new();
    for e in entries.filter_map(|e| e.ok()) {
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".lock").filter(|s| s.starts_with("txn-")) else {
            continue;
        };
        let Ok(lock) = fs::File::open(root.join(&name)) else {
            continue;
        };
        if try_flock(&lock, false).unwrap_or(true) {
            continue; // nobody holds it
        }
        if let Some(m) = fs::read_to_string(root.join(stem).join(MANIFEST))
            .ok()
            .and_then(|t| Manifest::parse(&t))
        {
            busy.extend(m.files.into_iter().map(|f| f.rel));
        }
    }
    busy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written() {
        let m = Manifest {
            commit: Some(blob_id(b"c")),
            branch: Some("refs/heads/main".to_owned()),
            files: vec![
                Entry {
                    rel: "state/use-cases/a b.ron".to_owned(),
                    old: None,
                    new: Some(blob_id(b"x")),
                    staged: "0".to_owned(),
                },
                Entry {
                    rel: "register.ron".to_owned(),
                    old: Some(blob_id(b"y")),
                    new: None,
                    staged: "1".to_owned(),
                },
            ],
        };
        assert_eq!(Manifest::parse(&m.to_text()), Some(m));
    }

    #[test]
    fn apply_keeps_a_file_edited_meanwhile_and_writes_the_others() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("base");
        fs::create_dir_all(&base).unwrap();
        fs::write(base.join("a"), b"old a").unwrap();
        fs::write(base.join("b"), b"old b").unwrap();
        let j = Journal::stage(
            &d.path().join("journal"),
            &base,
            None,
            &[
                Change {
                    rel: "a",
                    old: Some(b"old a"),
                    new: Some(b"new a"),
                },
                Change {
                    rel: "b",
                    old: Some(b"old b"),
                    new: Some(b"new b"),
                },
                Change {
                    rel: "c",
                    old: None,
                    new: Some(b"new c"),
                },
            ],
        )
        .unwrap();
        fs::write(base.join("b"), b"hand edit").unwrap();
        assert_eq!(j.changed_meanwhile(), vec!["b".to_owned()]);
        let applied: Vec<Applied> = j.apply().unwrap().into_iter().map(|(_, a)| a).collect();
        assert_eq!(applied, vec![Applied::Done, Applied::Kept, Applied::Done]);
        j.finish();
        assert_eq!(fs::read(base.join("a")).unwrap(), b"new a");
        assert_eq!(fs::read(base.join("b")).unwrap(), b"hand edit");
        assert_eq!(fs::read(base.join("c")).unwrap(), b"new c");
        assert!(!d.path().join("journal").exists(), "nothing left");
    }

    /// A kill right after the exchange that grabbed someone's edit (before
    /// it was swapped back): the next run puts the edit back in place.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_exchange_cut_short_gives_the_grabbed_edit_back() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("base");
        let root = d.path().join("journal");
        fs::create_dir_all(&base).unwrap();
        fs::write(base.join("a"), b"old").unwrap();
        fs::write(base.join("gone"), b"old gone").unwrap();
        let j = Journal::stage(
            &root,
            &base,
            None,
            &[
                Change {
                    rel: "a",
                    old: Some(b"old"),
                    new: Some(b"new"),
                },
                Change {
                    rel: "gone",
                    old: Some(b"old gone"),
                    new: None,
                },
            ],
        )
        .unwrap();
        // Edits saved, then grabbed by an exchange and a move aside that
        // were cut short.
        fs::write(base.join("a"), b"hand").unwrap();
        let staged_a = j.dir.join(&j.manifest.files[0].staged);
        exchange(&staged_a, &base.join("a")).unwrap();
        fs::write(base.join("gone"), b"hand gone").unwrap();
        let staged_gone = j.dir.join(&j.manifest.files[1].staged);
        fs::rename(base.join("gone"), &staged_gone).unwrap();
        drop(j);
        let r = recover(&root, &base, &|_, _| true, &mut |_| Ok(())).unwrap();
        let how: Vec<Applied> = r[0].applied.iter().map(|(_, a)| *a).collect();
        assert_eq!(how, vec![Applied::Kept, Applied::Kept]);
        assert_eq!(fs::read(base.join("a")).unwrap(), b"hand");
        assert_eq!(fs::read(base.join("gone")).unwrap(), b"hand gone");
        assert!(!root.exists(), "nothing left");
    }

    #[test]
    fn recovery_finishes_a_complete_journal_and_drops_an_incomplete_one() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("base");
        let root = d.path().join("journal");
        fs::create_dir_all(&base).unwrap();
        fs::write(base.join("a"), b"old").unwrap();
        let j = Journal::stage(
            &root,
            &base,
            None,
            &[Change {
                rel: "a",
                old: Some(b"old"),
                new: Some(b"new"),
            }],
        )
        .unwrap();
        // A live journal is left alone (its lock is held by this handle;
        // flock locks conflict between open files, as between processes).
        let r = recover(&root, &base, &|_, _| true, &mut |_| Ok(())).unwrap();
        assert!(r.is_empty());
        assert_eq!(fs::read(base.join("a")).unwrap(), b"old");
        // As if the process died: its lock is released, the folder stays.
        drop(j);
        fs::create_dir(root.join("txn-orphan")).unwrap();
        let r = recover(&root, &base, &|_, _| true, &mut |_| Ok(())).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(fs::read(base.join("a")).unwrap(), b"new");
        assert!(!root.exists(), "nothing left");
    }
}
