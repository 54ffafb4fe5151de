//! The file-system edge: reading a state directory into a [`Snapshot`] and
//! writing files atomically.
//!
//! Nothing here interprets content; parsing happens in [`crate::register`].

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub mod journal;

use crate::register::{
    Content, MAX_FILE_BYTES, POLICY_FILE, SETTINGS_FILE, Snapshot, SourceFile, USE_CASES_DIR,
};

/// What a caller already knows of a use-case file: given its name (in
/// `use-cases/`) and its metadata, the bytes it is known to hold without
/// reading it, if the caller can vouch for them (see
/// [`crate::git::cache`]).
pub type Known<'a> = &'a (dyn Fn(&str, &fs::Metadata) -> Option<Vec<u8>> + Sync);

/// Reads one path, refusing links and files over [`MAX_FILE_BYTES`] unread.
fn read_entry(path: &Path) -> Content {
    read_entry_known(path, None)
}

/// [`read_entry`], taking the bytes from `known` instead of the file when
/// it vouches for a regular file named `name`.
fn read_entry_known(path: &Path, known: Option<(&str, Known<'_>)>) -> Content {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => return Content::Unreadable(e.to_string()),
    };
    if meta.is_file()
        && meta.len() <= MAX_FILE_BYTES
        && let Some(bytes) = known.and_then(|(name, known)| known(name, &meta))
    {
        return Content::Bytes(bytes);
    }
    if meta.file_type().is_symlink() {
        return Content::NotAFile("symbolic link");
    }
    if meta.is_dir() {
        return Content::NotAFile("folder");
    }
    if !meta.is_file() {
        return Content::NotAFile("special file");
    }
    if meta.len() > MAX_FILE_BYTES {
        return Content::TooLarge(meta.len());
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Content::Unreadable(e.to_string()),
    };
    // Read at most one byte past the limit, in case the file grew meanwhile.
    use std::io::Read;
    match file.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf) {
        Ok(n) if n as u64 > MAX_FILE_BYTES => Content::TooLarge(n as u64),
        Ok(_) => Content::Bytes(buf),
        Err(e) => Content::Unreadable(e.to_string()),
    }
}

/// Fails unless `dir/use-cases/` exists: a register always has it, even
/// empty, so a missing one is a wrong `--state` or a damaged register, not
/// a register of no use cases.
pub fn require_use_cases(dir: &Path) -> io::Result<()> {
    let cases = dir.join(USE_CASES_DIR);
    if fs::symlink_metadata(&cases).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} does not exist: a register keeps its use cases there (create the folder, even empty, or pass the right --state)",
                cases.display()
            ),
        ));
    }
    Ok(())
}

/// The error for a symbolic link where ripen reads or writes a folder.
pub fn symlink_error(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link; ripen does not follow links inside a register (as git does not): replace it with the folder itself",
            path.display()
        ),
    )
}

/// Reads the state directory `dir` from the working tree.
///
/// Fails when `dir` cannot be read and when `use-cases/` is a symbolic link
/// (never followed, as git does not follow one); a missing `register.ron`
/// or `policy.ron` becomes a diagnostic when loading, a missing
/// `use-cases/` reads as no use cases (commands that read a register check
/// it with [`require_use_cases`]). A file whose name is not UTF-8 is listed
/// as unreadable, never read or written under another name.
pub fn snapshot(dir: &Path) -> io::Result<Snapshot> {
    snapshot_known(dir, &|_, _| None)
}

/// [`snapshot`], taking the bytes of the use-case files that `known`
/// vouches for instead of reading them.
pub fn snapshot_known(dir: &Path, known: Known<'_>) -> io::Result<Snapshot> {
    let meta = fs::metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is not a directory", dir.display()),
        ));
    }
    let cases = dir.join(USE_CASES_DIR);
    if fs::symlink_metadata(&cases).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(symlink_error(&cases));
    }
    let mut files = Vec::new();
    for name in [SETTINGS_FILE, POLICY_FILE, crate::access::ACCESS_FILE] {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_ok() {
            files.push(SourceFile {
                rel: name.to_owned(),
                content: read_entry(&path),
            });
        }
    }
    let cases = dir.join(USE_CASES_DIR);
    if cases.is_dir() {
        let mut names: Vec<(String, PathBuf, bool)> = Vec::new();
        for entry in fs::read_dir(&cases)? {
            let entry = entry?;
            // A name that is not UTF-8 is shown lossily but never read or
            // written under that other name.
            let (name, utf8) = match entry.file_name().into_string() {
                Ok(n) => (n, true),
                Err(raw) => (raw.to_string_lossy().into_owned(), false),
            };
            names.push((name, entry.path(), utf8));
        }
        names.sort();
        // Ten thousand small files: read them on every core.
        let read = crate::register::parallel_map(&names, |(name, path, utf8)| SourceFile {
            rel: format!("{USE_CASES_DIR}/{name}"),
            content: if !utf8 {
                Content::Unreadable(
                    "its name is not valid UTF-8: rename the file (ripen neither reads nor writes it)"
                        .to_owned(),
                )
            } else if name.starts_with('.') {
                Content::NotAFile("hidden file")
            } else {
                read_entry_known(path, Some((name, known)))
            },
        });
        files.extend(read);
    }
    Ok(Snapshot {
        root: dir.display().to_string(),
        files,
    })
}

/// Removes the temporary files `.ripen-*.tmp` that an interrupted
/// [`write_atomic`] left in the state directory or its `use-cases/` (older
/// than a minute, so that a write under way keeps its file). Returns how
/// many were removed.
pub fn sweep_temporary_files(dir: &Path) -> usize {
    let mut removed = 0;
    for folder in [dir.to_path_buf(), dir.join(USE_CASES_DIR)] {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with(".ripen-") && name.ends_with(".tmp")) {
                continue;
            }
            let stale = fs::symlink_metadata(e.path())
                .ok()
                .filter(|m| m.is_file())
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 60);
            if stale && fs::remove_file(e.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the old file, then the
/// directory flushed. A crash leaves either the old or the new file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".ripen-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Keep the permissions the file had; a new file gets rw-r--r--
    // (temporary files are created private).
    let permissions = match fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(p) = permissions {
        tmp.as_file().set_permissions(p)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
pub(crate) fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
pub(crate) fn default_permissions() -> Option<fs::Permissions> {
    None
}
