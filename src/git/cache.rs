//! The parse cache: loading a working tree's register without reading or
//! parsing the use-case files that have not changed.
//!
//! Which files are unchanged is decided as `git status` decides it: a file
//! whose size, modification and change times and inode equal its git index
//! entry's holds the entry's blob. An entry is trusted only when it is not
//! *racily clean* (its modification time is older than the index file's
//! own), so a file edited within the same second as the index was written
//! is read again, however its times look. A file not in the index, changed
//! since, or not in the cache is read and parsed as always.
//!
//! The cache maps a blob id to the file's bytes and its parsed use case. It
//! lives in the repository's git directory (`.git/ripen-cache/parse-cache-v1`),
//! never in the working tree, so nothing of it can be committed. It records
//! ripen's version and its format, ends with a checksum, and is written
//! whole to a temporary file then renamed over the old one; a cache that is
//! missing, damaged or from another version is ignored and rebuilt. A
//! repository whose git directory cannot be written (read-only repository
//! or file system) simply runs without the cache. Repositories where git
//! may convert files on checkout (line-ending conversion, attributes) are
//! read without the cache, since a file's bytes may differ from its blob's.
//!
//! Deleting the cache changes no output, only the time it takes.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};

use crate::model::{Date, UseCase};
use crate::register::{self, Register, USE_CASES_DIR};
use crate::store;

/// The folder of ripen's own files inside a git directory.
pub const DIR: &str = "ripen-cache";
/// The parse cache's file name inside [`DIR`].
pub const FILE: &str = "parse-cache-v1";

const MAGIC: &[u8] = b"ripen parse cache\n";
const FORMAT: u32 = 1;

/// The stat data git keeps for one index entry, and its blob.
#[derive(Clone, Copy)]
struct Stat {
    size: u32,
    mtime: (i64, u32),
    ctime: (i64, u32),
    ino: u32,
    blob: Oid,
}

/// One cached file: its bytes and what they parse to.
#[derive(Clone)]
struct Cached {
    bytes: Vec<u8>,
    use_case: UseCase,
}

/// Loads the register of the working-tree state directory `dir`, as
/// [`register::load`] over [`store::snapshot`] does, reusing the parse
/// cache of its repository for the files that have not changed, and
/// refreshing the cache when some had.
pub fn load_working_tree(
    dir: &Path,
    explicit_as_of: Option<Date>,
    today: Date,
) -> io::Result<Register> {
    let Some(ctx) = Context::open(dir) else {
        return Ok(register::load(
            &store::snapshot(dir)?,
            explicit_as_of,
            today,
        ));
    };
    let cache = Mutex::new(read_cache(&ctx.cache_path).unwrap_or_default());
    let cached: HashSet<Oid> = cache
        .lock()
        .map(|c| c.keys().copied().collect())
        .unwrap_or_default();
    let vouched: Mutex<HashMap<String, (Oid, UseCase)>> = Mutex::new(HashMap::new());
    let known = |name: &str, meta: &fs::Metadata| -> Option<Vec<u8>> {
        let stat = ctx.unchanged(name, meta)?;
        // Files with the same content share one entry: copy it for them.
        let hit = if ctx.shared.contains(&stat.blob) {
            cache.lock().ok()?.get(&stat.blob).cloned()?
        } else {
            cache.lock().ok()?.remove(&stat.blob)?
        };
        vouched
            .lock()
            .ok()?
            .insert(name.to_owned(), (stat.blob, hit.use_case));
        Some(hit.bytes)
    };
    let snapshot = store::snapshot_known(dir, &known)?;
    let mut parsed: HashMap<String, UseCase> = HashMap::new();
    let mut blobs: HashMap<String, Oid> = HashMap::new();
    for (name, (blob, u)) in vouched.into_inner().unwrap_or_default() {
        parsed.insert(format!("{USE_CASES_DIR}/{name}"), u);
        blobs.insert(name, blob);
    }
    let vouched = blobs;
    let reg = register::load_preparsed(&snapshot, explicit_as_of, today, &parsed);

    // Refresh the cache when it does not hold exactly the blobs of this
    // register's use cases (a file parsed afresh, a cached one gone). Only
    // the files read afresh are hashed.
    let prefix = format!("{USE_CASES_DIR}/");
    let blobs = register::parallel_map(&reg.use_cases, |e| {
        let name = e.rel.strip_prefix(&prefix).unwrap_or(&e.rel);
        match vouched.get(name) {
            Some(blob) => Some(*blob),
            None => Oid::hash_object(ObjectType::Blob, &e.original).ok(),
        }
    });
    let used: HashSet<Oid> = blobs.iter().flatten().copied().collect();
    if used != cached {
        let entries: Vec<_> = reg
            .use_cases
            .iter()
            .zip(blobs)
            .filter_map(|(e, b)| b.map(|b| (b, &e.original, &e.use_case)))
            .collect();
        // Best effort: a git directory that cannot be written runs uncached.
        let _ = write_cache(&ctx.cache_path, &entries);
    }
    Ok(reg)
}

/// What deciding "unchanged" needs: the index's entries for `use-cases/`
/// and the index file's own modification time.
struct Context {
    entries: HashMap<String, Stat>,
    /// Blobs that more than one entry holds.
    shared: HashSet<Oid>,
    index_mtime: (i64, u32),
    cache_path: PathBuf,
}

impl Context {
    /// The context of the repository holding `dir`, or `None` when there
    /// is no usable one (no repository, no index, files git may convert).
    fn open(dir: &Path) -> Option<Context> {
        let located = super::locate(dir).ok()?;
        let repo = &located.repo;
        let root = repo.workdir()?.to_path_buf();
        if may_convert(repo, &root, &located.state_rel) {
            return None;
        }
        let index_meta = fs::metadata(repo.path().join("index")).ok()?;
        let index = repo.index().ok()?;
        let mut prefix = located.state_rel.clone();
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(USE_CASES_DIR);
        prefix.push('/');
        let mut entries = HashMap::new();
        for e in index.iter() {
            // Only stage 0 (no conflict) entries of regular files.
            if (e.flags >> 12) & 3 != 0 || e.mode & 0o170000 != 0o100000 {
                continue;
            }
            let Some(name) = e.path.strip_prefix(prefix.as_bytes()) else {
                continue;
            };
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            if name.contains('/') {
                continue;
            }
            entries.insert(
                name.to_owned(),
                Stat {
                    size: e.file_size,
                    mtime: (i64::from(e.mtime.seconds()), e.mtime.nanoseconds()),
                    ctime: (i64::from(e.ctime.seconds()), e.ctime.nanoseconds()),
                    ino: e.ino,
                    blob: e.id,
                },
            );
        }
        let mut seen = HashSet::new();
        let shared = entries
            .values()
            .filter(|s| !seen.insert(s.blob))
            .map(|s| s.blob)
            .collect();
        Some(Context {
            entries,
            shared,
            index_mtime: (index_meta.mtime(), index_meta.mtime_nsec() as u32),
            cache_path: repo.path().join(DIR).join(FILE),
        })
    }

    /// The index entry of use-case file `name` if the file is unchanged
    /// since: same stat data, and the entry not racily clean.
    fn unchanged(&self, name: &str, meta: &fs::Metadata) -> Option<Stat> {
        let stat = *self.entries.get(name)?;
        let mtime = (meta.mtime(), meta.mtime_nsec() as u32);
        let same = u64::from(stat.size) == meta.len()
            && stat.mtime == mtime
            && stat.ctime == (meta.ctime(), meta.ctime_nsec() as u32)
            && stat.ino == meta.ino() as u32;
        // git's racy-clean rule: an entry not older than the index itself
        // may have changed in the same tick as the index was written.
        (same && stat.mtime < self.index_mtime).then_some(stat)
    }
}

/// Whether git may convert files between the index and the working tree
/// in this repository (line endings, attributes), so that a file's bytes
/// need not be its blob's.
fn may_convert(repo: &Repository, root: &Path, state_rel: &str) -> bool {
    if let Ok(config) = repo.config() {
        for key in ["core.autocrlf", "core.eol", "core.attributesfile"] {
            if let Ok(v) = config.get_string(key) {
                let v = v.to_ascii_lowercase();
                if !(key == "core.autocrlf" && v == "false") {
                    return true;
                }
            }
        }
    }
    if repo.path().join("info").join("attributes").exists() {
        return true;
    }
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if xdg.is_some_and(|d| d.join("git").join("attributes").exists()) {
        return true;
    }
    let mut dir = root.to_path_buf();
    let parts = state_rel
        .split('/')
        .filter(|p| !p.is_empty())
        .chain(std::iter::once(USE_CASES_DIR));
    if dir.join(".gitattributes").exists() {
        return true;
    }
    for part in parts {
        dir.push(part);
        if dir.join(".gitattributes").exists() {
            return true;
        }
    }
    false
}

fn header() -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut out = Vec::with_capacity(MAGIC.len() + 8 + version.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(version.len() as u32).to_le_bytes());
    out.extend_from_slice(version);
    out
}

/// Reads the cache at `path`: `None` when it is missing, damaged, or was
/// written by another version or format.
fn read_cache(path: &Path) -> Option<HashMap<Oid, Cached>> {
    let data = fs::read(path).ok()?;
    let (body, sum) = data.split_at_checked(data.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != sum {
        return None;
    }
    let mut r = body.strip_prefix(header().as_slice())?;
    let count = take_u32(&mut r)? as usize;
    let mut raw = Vec::with_capacity(count.min(body.len() / 28));
    for _ in 0..count {
        let blob = Oid::from_bytes(take(&mut r, 20)?).ok()?;
        let n = take_u32(&mut r)? as usize;
        let bytes = take(&mut r, n)?;
        let n = take_u32(&mut r)? as usize;
        let json = take(&mut r, n)?;
        raw.push((blob, bytes, json));
    }
    if !r.is_empty() {
        return None;
    }
    let parsed = register::parallel_map(&raw, |(blob, bytes, json)| {
        let use_case: UseCase = serde_json::from_slice(json).ok()?;
        Some((
            *blob,
            Cached {
                bytes: bytes.to_vec(),
                use_case,
            },
        ))
    });
    parsed.into_iter().collect()
}

fn take<'a>(r: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = r.split_at_checked(n)?;
    *r = rest;
    Some(head)
}

fn take_u32(r: &mut &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(take(r, 4)?.try_into().ok()?))
}

/// Writes the cache at `path` atomically (a temporary file renamed over
/// it). An entry whose parsed form would not read back identical is left
/// out rather than stored inexactly.
fn write_cache(path: &Path, entries: &[(Oid, &Vec<u8>, &UseCase)]) -> io::Result<()> {
    let encoded = register::parallel_map(entries, |(blob, bytes, use_case)| {
        let json = serde_json::to_vec(use_case).ok()?;
        let back: UseCase = serde_json::from_slice(&json).ok()?;
        (back == **use_case).then_some((*blob, *bytes, json))
    });
    let encoded: Vec<_> = encoded.into_iter().flatten().collect();
    let mut out = header();
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    for (blob, bytes, json) in &encoded {
        out.extend_from_slice(blob.as_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(json);
    }
    let sum = crc32fast::hash(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".parse-cache-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    io::Write::write_all(&mut tmp, &out)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
