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
//! The cache maps a blob id to what the file loads to: its parsed use case
//! and its diagnostics, in a compact binary form (postcard), at one as-of
//! date. Validation depends on the bytes and that date alone, and on the
//! date only through entries dated after it: at another date a cached use
//! case is taken only when none of its measurements or ROI entries is
//! dated after the earlier of the two (see
//! [`crate::validate::same_findings_at`]), and the cache is rewritten at
//! the new date. It keeps no file's bytes:
//! a use case loaded from it fetches them from the repository's object
//! database only when asked for (to edit the file, or as the expected
//! content of a write's compare-and-swap), so listing a register reads
//! none. Register-wide work (sorting, readiness) runs as always.
//!
//! The cache lives in the repository's git directory
//! (`.git/ripen-cache/parse-cache-v2`), never in the working tree, so
//! nothing of it can be committed. It records ripen's version, its format
//! and its date, ends with a checksum, and is written whole to a temporary
//! file then renamed over the old one; a cache that is missing, damaged or
//! from another version is ignored and rebuilt. A repository whose git
//! directory cannot be written (read-only repository or file system)
//! simply runs without the cache. Repositories where git may convert files
//! on checkout (line-ending conversion, attributes) are read without the
//! cache, since a file's bytes may differ from its blob's.
//!
//! Deleting the cache changes no output, only the time it takes.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use git2::{ObjectType, Oid, Repository};
use serde::{Deserialize, Serialize};

use crate::economics::Overrides;
use crate::model::{
    Approach, Confidence, Date, Measurement, Period, Profile, Risk, RoiEntry, RoiKind, Source,
    Stage, Targets, UseCase,
};
use crate::register::{
    self, Content, Diagnostic, MAX_FILE_BYTES, Original, Preparsed, Register, SETTINGS_FILE,
    Severity, Snapshot, SourceFile, USE_CASES_DIR,
};
use crate::store;

/// The folder of ripen's own files inside a git directory.
pub const DIR: &str = "ripen-cache";
/// The parse cache's file name inside [`DIR`]. The number changes with
/// the format, so that a cache of an older format is left alone unread.
pub const FILE: &str = "parse-cache-v2";

const MAGIC: &[u8] = b"ripen parse cache\n";
const FORMAT: u32 = 3;

/// The stat data git keeps for one index entry, and its blob.
#[derive(Clone, Copy)]
struct Stat {
    size: u32,
    mtime: (i64, u32),
    ctime: (i64, u32),
    ino: u32,
    blob: Oid,
}

/// Loads the register of the working-tree state directory `dir`, as
/// [`register::load`] over [`store::snapshot`] does, reusing the parse
/// cache of its repository for the files that have not changed, and
/// refreshing the cache when some had (or the as-of date changed).
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
    // The diagnostics kept are those at the cache's date: at another, a
    // use case is taken only if validation finds the same at both (and
    // the cache is rewritten at the new date).
    let as_of = as_of(dir, explicit_as_of, today);
    let cache = read_cache(&ctx.cache_path);
    let usable = cache.as_ref();
    let blobs = Arc::new(Blobs {
        git_dir: ctx.git_dir.clone(),
        repo: Mutex::new(None),
    });
    let folder = dir.join(USE_CASES_DIR);
    let vouched: Mutex<HashMap<String, (Oid, Preparsed)>> = Mutex::new(HashMap::new());
    let undecodable = AtomicBool::new(false);
    let known = |name: &str, meta: &fs::Metadata| -> Option<Vec<u8>> {
        let cache = usable?;
        let stat = ctx.unchanged(name, meta)?;
        let Some(record) = cache.record(&stat.blob) else {
            // Held but unreadable: the cache is rewritten.
            if cache.records.contains_key(&stat.blob) {
                undecodable.store(true, Ordering::Relaxed);
            }
            return None;
        };
        if !crate::validate::same_findings_at(&record.use_case, cache.as_of, as_of) {
            return None;
        }
        let blob = stat.blob;
        let (source, path) = (blobs.clone(), folder.join(name));
        let preparsed = Preparsed {
            use_case: record.use_case,
            as_of,
            diagnostics: record.diagnostics.into_iter().map(Found::into).collect(),
            original: Original::lazy(move || source.fetch(blob, &path)),
        };
        vouched
            .lock()
            .ok()?
            .insert(name.to_owned(), (blob, preparsed));
        // The bytes are not read: the snapshot's are not looked at.
        Some(Vec::new())
    };
    let snapshot = store::snapshot_known(dir, &known)?;
    // What is left to know of the cache; its bytes are freed here.
    let cached = cache.map(|c| (c.as_of, c.blobs()));
    let mut preparsed = HashMap::new();
    let mut vouched_blobs: HashMap<String, Oid> = HashMap::new();
    for (name, (blob, p)) in vouched.into_inner().unwrap_or_default() {
        preparsed.insert(format!("{USE_CASES_DIR}/{name}"), p);
        vouched_blobs.insert(name, blob);
    }
    let (reg, found) = register::load_preparsed(&snapshot, explicit_as_of, today, preparsed);

    // Refresh the cache when it does not hold exactly the blobs of this
    // register's use cases (a file parsed afresh, a cached one gone) at its
    // date. Only the files read afresh are hashed.
    let prefix = format!("{USE_CASES_DIR}/");
    let ids = register::parallel_map(&reg.use_cases, |e| {
        let name = e.rel.strip_prefix(&prefix).unwrap_or(&e.rel);
        match vouched_blobs.get(name) {
            Some(blob) => Some(*blob),
            None => Oid::hash_object(ObjectType::Blob, e.original.held()?).ok(),
        }
    });
    let used: HashSet<Oid> = ids.iter().flatten().copied().collect();
    let current = !undecodable.into_inner()
        && cached.is_some_and(|(as_of, blobs)| as_of == reg.as_of && blobs == used);
    if !current {
        let entries: Vec<_> = reg
            .use_cases
            .iter()
            .zip(ids)
            .zip(&found)
            .filter_map(|((e, b), d)| b.map(|b| (b, &e.use_case, d.as_slice())))
            .collect();
        // Best effort: a git directory that cannot be written runs uncached.
        let _ = write_cache(&ctx.cache_path, reg.as_of, &entries);
    }
    Ok(reg)
}

/// What the parse cache in the git directory `git_dir` holds for the
/// use-case files `files` (name in the `use-cases` folder, blob id), as
/// they load at `as_of`: the files it can vouch for, keyed by their path
/// in the state directory (`use-cases/<name>`), for
/// [`register::load_preparsed`]. Their bytes are not kept (an empty
/// [`Original`]): for registers read from git to be listed and compared,
/// never written. A file the cache lacks, or holds at a date where its
/// diagnostics could differ, is left out, to be read and parsed as always.
pub fn preparsed_blobs(
    git_dir: &Path,
    as_of: Date,
    files: &[(&str, Oid)],
) -> HashMap<String, Preparsed> {
    let Some(cache) = read_cache(&git_dir.join(DIR).join(FILE)) else {
        return HashMap::new();
    };
    let found = register::parallel_map(files, |(name, blob)| {
        let record = cache.record(blob)?;
        crate::validate::same_findings_at(&record.use_case, cache.as_of, as_of).then(|| {
            let preparsed = Preparsed {
                use_case: record.use_case,
                as_of,
                diagnostics: record.diagnostics.into_iter().map(Found::into).collect(),
                original: Original::default(),
            };
            (format!("{USE_CASES_DIR}/{name}"), preparsed)
        })
    });
    found.into_iter().flatten().collect()
}

/// The as-of date the register of `dir` will be evaluated at, as
/// [`register::load`] chooses it (`register.ron` read on its own).
fn as_of(dir: &Path, explicit: Option<Date>, today: Date) -> Date {
    if let Some(date) = explicit {
        return date;
    }
    let path = dir.join(SETTINGS_FILE);
    let bytes = fs::symlink_metadata(&path)
        .ok()
        .filter(|m| m.is_file() && m.len() <= MAX_FILE_BYTES)
        .and_then(|_| fs::read(&path).ok());
    let snapshot = Snapshot {
        root: String::new(),
        files: bytes
            .map(|b| SourceFile {
                rel: SETTINGS_FILE.to_owned(),
                content: Content::Bytes(b),
            })
            .into_iter()
            .collect(),
    };
    register::load(&snapshot, explicit, today).as_of
}

/// Where the bytes of a use case loaded from the cache are fetched from
/// when asked for: the repository's object database, which holds the blob
/// the index named for the unchanged file.
struct Blobs {
    git_dir: PathBuf,
    repo: Mutex<Option<Repository>>,
}

impl Blobs {
    /// The bytes of `blob`: from the object database, else from the file
    /// at `path` if it still holds exactly that blob; empty if neither
    /// has it (the repository lost the object and the file changed since),
    /// which no write's compare-and-swap accepts as the file's content.
    fn fetch(&self, blob: Oid, path: &Path) -> Vec<u8> {
        if let Ok(mut repo) = self.repo.lock() {
            if repo.is_none() {
                *repo = Repository::open(&self.git_dir).ok();
            }
            if let Some(found) = repo.as_ref().and_then(|r| r.find_blob(blob).ok()) {
                return found.content().to_vec();
            }
        }
        fs::read(path)
            .ok()
            .filter(|b| Oid::hash_object(ObjectType::Blob, b).ok() == Some(blob))
            .unwrap_or_default()
    }
}

/// What deciding "unchanged" needs: the index's entries for `use-cases/`
/// and the index file's own modification time.
struct Context {
    entries: HashMap<String, Stat>,
    index_mtime: (i64, u32),
    git_dir: PathBuf,
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
        Some(Context {
            entries,
            index_mtime: (index_meta.mtime(), index_meta.mtime_nsec() as u32),
            git_dir: repo.path().to_path_buf(),
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

fn header(as_of: Date) -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut out = Vec::with_capacity(MAGIC.len() + 18 + version.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(version.len() as u32).to_le_bytes());
    out.extend_from_slice(version);
    out.extend_from_slice(as_of.to_string().as_bytes());
    out
}

/// [`UseCase`] as the cache stores it: every field always written, in
/// order (the model leaves empty optional fields out of its files, which a
/// format without field names could not tell apart). A field added to
/// [`UseCase`] fails to compile here until it is added.
#[derive(Serialize, Deserialize)]
#[serde(remote = "UseCase")]
struct UseCaseDef {
    title: String,
    summary: String,
    owner: String,
    team: String,
    stage: Stage,
    approach: Approach,
    risk: Risk,
    profile: Profile,
    targets: Targets,
    #[serde(with = "measurements")]
    measurements: Vec<Measurement>,
    #[serde(with = "roi")]
    roi: Vec<RoiEntry>,
    notes: String,
    source: Option<Source>,
    economics: Option<Overrides>,
    baseline_until: Option<Date>,
}

/// A date as its day number (chrono's days from the common era), which
/// reads back without parsing text.
mod days {
    use chrono::{Datelike, NaiveDate};
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::model::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(d.0.num_days_from_ce())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let n = i32::deserialize(d)?;
        NaiveDate::from_num_days_from_ce_opt(n)
            .map(Date)
            .ok_or_else(|| serde::de::Error::custom("day number out of range"))
    }
}

/// [`Measurement`] as the cache stores it (its date as a day number).
#[derive(Serialize, Deserialize)]
#[serde(remote = "Measurement")]
struct MeasurementDef {
    #[serde(with = "days")]
    date: Date,
    accuracy: f64,
    consistency: f64,
    p95_latency_ms: u32,
    cost_per_1k_usd: f64,
    satisfaction: f64,
    source: String,
}

/// [`RoiEntry`] as the cache stores it (its date as a day number).
#[derive(Serialize, Deserialize)]
#[serde(remote = "RoiEntry")]
struct RoiEntryDef {
    #[serde(with = "days")]
    date: Date,
    kind: RoiKind,
    value_usd: u64,
    period: Period,
    evidence: String,
    confidence: Confidence,
}

/// Measurements through [`MeasurementDef`].
mod measurements {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::MeasurementDef;
    use crate::model::Measurement;

    struct Ref<'a>(&'a Measurement);

    impl Serialize for Ref<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            MeasurementDef::serialize(self.0, s)
        }
    }

    #[derive(Deserialize)]
    struct Owned(#[serde(with = "MeasurementDef")] Measurement);

    pub fn serialize<S: Serializer>(v: &[Measurement], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(Ref))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Measurement>, D::Error> {
        let v = Vec::<Owned>::deserialize(d)?;
        Ok(v.into_iter().map(|o| o.0).collect())
    }
}

/// ROI entries through [`RoiEntryDef`].
mod roi {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::RoiEntryDef;
    use crate::model::RoiEntry;

    struct Ref<'a>(&'a RoiEntry);

    impl Serialize for Ref<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            RoiEntryDef::serialize(self.0, s)
        }
    }

    #[derive(Deserialize)]
    struct Owned(#[serde(with = "RoiEntryDef")] RoiEntry);

    pub fn serialize<S: Serializer>(v: &[RoiEntry], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(Ref))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RoiEntry>, D::Error> {
        let v = Vec::<Owned>::deserialize(d)?;
        Ok(v.into_iter().map(|o| o.0).collect())
    }
}

/// One diagnostic of a cached file, without the file's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Found {
    error: bool,
    line: usize,
    column: usize,
    message: String,
}

impl From<&Diagnostic> for Found {
    fn from(d: &Diagnostic) -> Found {
        Found {
            error: d.severity == Severity::Error,
            line: d.line,
            column: d.column,
            message: d.message.clone(),
        }
    }
}

impl From<Found> for Diagnostic {
    fn from(f: Found) -> Diagnostic {
        Diagnostic {
            severity: if f.error {
                Severity::Error
            } else {
                Severity::Warning
            },
            file: String::new(),
            line: f.line,
            column: f.column,
            message: f.message,
        }
    }
}

/// What one cached file loads to: its use case and its diagnostics at the
/// cache's date.
#[derive(Deserialize)]
struct Record {
    #[serde(with = "UseCaseDef")]
    use_case: UseCase,
    diagnostics: Vec<Found>,
}

/// [`Record`] borrowed, to write it.
#[derive(Serialize)]
struct RecordRef<'a> {
    #[serde(serialize_with = "use_case_def")]
    use_case: &'a UseCase,
    diagnostics: Vec<Found>,
}

fn use_case_def<S: serde::Serializer>(u: &&UseCase, s: S) -> Result<S::Ok, S::Error> {
    UseCaseDef::serialize(u, s)
}

/// A cache file as read: its date, and where each blob's record lies in
/// its bytes (decoded only when a file asks for it).
struct CacheFile {
    as_of: Date,
    data: Vec<u8>,
    records: HashMap<Oid, (usize, usize)>,
}

impl CacheFile {
    /// The record of `blob`, if the cache holds one that decodes.
    fn record(&self, blob: &Oid) -> Option<Record> {
        let &(start, end) = self.records.get(blob)?;
        postcard::from_bytes(self.data.get(start..end)?).ok()
    }

    /// The blobs it holds.
    fn blobs(&self) -> HashSet<Oid> {
        self.records.keys().copied().collect()
    }
}

/// Reads the cache at `path`: `None` when it is missing, damaged, or was
/// written by another version or format.
fn read_cache(path: &Path) -> Option<CacheFile> {
    let data = fs::read(path).ok()?;
    let (body, sum) = data.split_at_checked(data.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != sum {
        return None;
    }
    let start = header(Date::from_ymd(2000, 1, 1)?).len() - 10;
    let (head, rest) = body.split_at_checked(start)?;
    let mut r = rest;
    let as_of = Date::parse(std::str::from_utf8(take(&mut r, 10)?).ok()?).ok()?;
    if head != &header(as_of)[..start] {
        return None;
    }
    let count = take_u32(&mut r)? as usize;
    let mut records = HashMap::with_capacity(count.min(body.len() / 24));
    for _ in 0..count {
        let blob = Oid::from_bytes(take(&mut r, 20)?).ok()?;
        let n = take_u32(&mut r)? as usize;
        let at = body.len() - r.len();
        take(&mut r, n)?;
        records.insert(blob, (at, at + n));
    }
    if !r.is_empty() {
        return None;
    }
    Some(CacheFile {
        as_of,
        data,
        records,
    })
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
/// it): for each blob, its use case and diagnostics at `as_of`. An entry
/// that would not read back identical is left out rather than stored
/// inexactly.
fn write_cache(
    path: &Path,
    as_of: Date,
    entries: &[(Oid, &UseCase, &[Diagnostic])],
) -> io::Result<()> {
    let encoded = register::parallel_map(entries, |(blob, use_case, diagnostics)| {
        let found: Vec<Found> = diagnostics.iter().map(Found::from).collect();
        let record = RecordRef {
            use_case,
            diagnostics: found,
        };
        let bytes = postcard::to_allocvec(&record).ok()?;
        let back: Record = postcard::from_bytes(&bytes).ok()?;
        (back.use_case == **use_case && back.diagnostics == record.diagnostics)
            .then_some((*blob, bytes))
    });
    let encoded: Vec<_> = encoded.into_iter().flatten().collect();
    let mut out = header(as_of);
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    for (blob, bytes) in &encoded {
        out.extend_from_slice(blob.as_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
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
    // The first format kept every file's bytes too (tens of megabytes).
    let _ = fs::remove_file(dir.join("parse-cache-v1"));
    Ok(())
}
