//! A register loaded from a set of files, with every problem as a diagnostic.
//!
//! Pure: [`load`] takes the files' bytes (read by [`crate::store`] from the
//! working tree or by [`crate::git`] from a revision) and returns the valid
//! use cases plus `path:line:col` diagnostics for everything else. A broken
//! file never stops the rest from loading.

mod diagnostic;
mod locate;
mod original;
mod parse;

pub use diagnostic::{Diagnostic, Severity};
pub use locate::{Position, Seg, locate};
pub use original::Original;
pub use parse::{
    FileKind, ParseError, canonical_form, parse_access, parse_minutes, parse_policy,
    parse_settings, parse_use_case,
};

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::{Date, Policy, Settings, UseCase, UseCaseId};

/// Files larger than this are refused unread.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The register settings file, relative to the state directory.
pub const SETTINGS_FILE: &str = "register.ron";
/// The readiness policy file, relative to the state directory.
pub const POLICY_FILE: &str = "policy.ron";
/// The folder of use-case files, relative to the state directory.
pub const USE_CASES_DIR: &str = "use-cases";

/// What a source yielded for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The file's bytes (at most [`MAX_FILE_BYTES`]).
    Bytes(Vec<u8>),
    /// The file is larger than [`MAX_FILE_BYTES`]; it was not read.
    TooLarge(u64),
    /// Not a regular file (a folder, a link, a submodule), described.
    NotAFile(&'static str),
    /// Reading failed, with the reason.
    Unreadable(String),
}

/// One entry of a state directory, by its path relative to that directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the state directory, `/`-separated.
    pub rel: String,
    /// What was found there.
    pub content: Content,
}

/// Everything a source (working tree or revision) holds of a state directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// How the state directory is shown in diagnostics, e.g. `state`.
    pub root: String,
    /// `register.ron`, `policy.ron`, `access.ron` and every entry under `use-cases/`.
    pub files: Vec<SourceFile>,
}

impl Snapshot {
    /// The display path of a file of this snapshot.
    pub fn display(&self, rel: &str) -> String {
        display_path(&self.root, rel)
    }
}

fn display_path(root: &str, rel: &str) -> String {
    if root.is_empty() || root == "." {
        rel.to_owned()
    } else {
        format!("{}/{rel}", root.trim_end_matches('/'))
    }
}

/// A use case that loaded, with what it was loaded from.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its id, the file stem.
    pub id: UseCaseId,
    /// Its path relative to the state directory.
    pub rel: String,
    /// The parsed content.
    pub use_case: UseCase,
    /// The exact bytes it was parsed from, to detect changes made meanwhile.
    pub original: Original,
}

/// A loaded register: what parsed, and every problem found.
#[derive(Debug, Clone, PartialEq)]
pub struct Register {
    /// How the state directory is shown, e.g. `state`.
    pub root: String,
    /// `register.ron`, when it loaded.
    pub settings: Option<Settings>,
    /// `policy.ron`, when it loaded.
    pub policy: Option<Policy>,
    /// `access.ron`, when the register has one and it loaded.
    pub access: Option<crate::access::Access>,
    /// The date everything was evaluated at.
    pub as_of: Date,
    /// Use cases that parsed, sorted by id.
    pub use_cases: Vec<Entry>,
    /// Every diagnostic, sorted by file then position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Register {
    /// The policy to evaluate with: the register's, or the defaults when
    /// `policy.ron` is missing or broken (that is reported as an error).
    pub fn effective_policy(&self) -> Cow<'_, Policy> {
        match &self.policy {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(Policy::default()),
        }
    }

    /// The register's display name.
    pub fn name(&self) -> &str {
        self.settings
            .as_ref()
            .map_or("(unnamed register)", |s| &s.name)
    }

    /// A use case by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.use_cases
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.use_cases[i])
    }

    /// Number of error diagnostics.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warning diagnostics.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// The display path of a file of this register.
    pub fn display(&self, rel: &str) -> String {
        display_path(&self.root, rel)
    }

    /// The path relative to the state directory of a file shown as
    /// `display` (the inverse of [`Register::display`]).
    pub fn rel_of<'a>(&self, display: &'a str) -> Option<&'a str> {
        if self.root.is_empty() || self.root == "." {
            return Some(display);
        }
        display
            .strip_prefix(self.root.trim_end_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
    }
}

/// Chooses the as-of date: an explicit override, else `register.ron`'s
/// `as_of`, else `today`. The clock is read by the caller, never here.
pub fn as_of(explicit: Option<Date>, settings: Option<&Settings>, today: Date) -> Date {
    explicit
        .or_else(|| settings.and_then(|s| s.as_of))
        .unwrap_or(today)
}

/// Loads a register from a snapshot of its files.
///
/// `explicit_as_of` (the `--as-of` flag) wins over `register.ron`'s `as_of`,
/// which wins over `today`.
pub fn load(snapshot: &Snapshot, explicit_as_of: Option<Date>, today: Date) -> Register {
    load_with(snapshot, explicit_as_of, today, None, &HashMap::new(), None)
}

/// What a use-case file is known to load to, without reading or parsing
/// it (from a cache keyed by its content).
#[derive(Debug, Clone)]
pub struct Preparsed {
    /// What the file parses to.
    pub use_case: UseCase,
    /// The date `diagnostics` were found at.
    pub as_of: Date,
    /// The file's diagnostics at `as_of` (their `file` is not used).
    pub diagnostics: Vec<Diagnostic>,
    /// The file's bytes, fetched only if asked for.
    pub original: Original,
}

/// [`load`], taking the use-case files that `preparsed` holds (by path
/// relative to the state directory) as loading to what it says instead
/// of reading, parsing and validating them: their snapshot content is not
/// looked at. A file whose diagnostics were found at another date than the
/// register's is validated again from its bytes.
///
/// The caller vouches that each value is what loading the file's bytes
/// gives (a cache keyed by content). Returns the register and, beside each
/// of its use cases, that file's diagnostics (to keep in such a cache).
pub fn load_preparsed(
    snapshot: &Snapshot,
    explicit_as_of: Option<Date>,
    today: Date,
    preparsed: HashMap<String, Preparsed>,
) -> (Register, Vec<Vec<Diagnostic>>) {
    // Each is taken (not copied) by the one file it belongs to.
    let preparsed: HashMap<String, Mutex<Option<Preparsed>>> = preparsed
        .into_iter()
        .map(|(rel, p)| (rel, Mutex::new(Some(p))))
        .collect();
    let mut per_entry = Vec::new();
    let reg = load_with(
        snapshot,
        explicit_as_of,
        today,
        None,
        &preparsed,
        Some(&mut per_entry),
    );
    (reg, per_entry)
}

/// Use-case files already parsed, by path and content, so that loading many
/// registers that share most of their files (a merge base, branch tips,
/// merges) parses each file once. Valid for one evaluation date.
#[derive(Debug, Default)]
pub struct ParseCache {
    as_of: Option<Date>,
    files: HashMap<(String, Vec<u8>), LoadedFile>,
}

/// What loading one use-case file gave: the use case, and its diagnostics.
type LoadedFile = (Option<Entry>, Vec<Diagnostic>);

/// [`load`], reusing (and filling) `cache` for use-case files whose path
/// and bytes it has seen.
pub fn load_cached(
    snapshot: &Snapshot,
    explicit_as_of: Option<Date>,
    today: Date,
    cache: &mut ParseCache,
) -> Register {
    load_with(
        snapshot,
        explicit_as_of,
        today,
        Some(cache),
        &HashMap::new(),
        None,
    )
}

fn load_with(
    snapshot: &Snapshot,
    explicit_as_of: Option<Date>,
    today: Date,
    cache: Option<&mut ParseCache>,
    preparsed: &HashMap<String, Mutex<Option<Preparsed>>>,
    per_entry: Option<&mut Vec<Vec<Diagnostic>>>,
) -> Register {
    let mut diagnostics = Vec::new();
    let find = |rel: &str| snapshot.files.iter().find(|f| f.rel == rel);

    let settings = match find(SETTINGS_FILE) {
        Some(f) => parse::file(snapshot, f, &mut diagnostics, |text| {
            parse_settings(text).map(|s| {
                let findings = crate::validate::settings(&s);
                (s, findings)
            })
        }),
        None => {
            diagnostics.push(Diagnostic::file_level(
                Severity::Error,
                snapshot.display(SETTINGS_FILE),
                "register.ron is missing: run `ripen init` to create a register, or pass --state"
                    .to_owned(),
            ));
            None
        }
    };
    let as_of = as_of(explicit_as_of, settings.as_ref(), today);

    let policy = match find(POLICY_FILE) {
        Some(f) => parse::file(snapshot, f, &mut diagnostics, |text| {
            parse_policy(text).map(|p| {
                let findings = crate::validate::policy(&p);
                (p, findings)
            })
        }),
        None => {
            diagnostics.push(Diagnostic::file_level(
                Severity::Error,
                snapshot.display(POLICY_FILE),
                "policy.ron is missing: readiness uses the default policy; run `ripen init` in an empty folder to see one".to_owned(),
            ));
            None
        }
    };
    if policy.is_none() && find(POLICY_FILE).is_some() {
        diagnostics.push(Diagnostic::file_level(
            Severity::Warning,
            snapshot.display(POLICY_FILE),
            "readiness uses the default policy until policy.ron is fixed".to_owned(),
        ));
    }

    let access = find(crate::access::ACCESS_FILE).and_then(|f| {
        parse::file(snapshot, f, &mut diagnostics, |text| {
            parse_access(text).map(|a| {
                let findings = crate::access::validate(&a);
                (a, findings)
            })
        })
    });

    let prefix = format!("{USE_CASES_DIR}/");
    let files: Vec<&SourceFile> = snapshot
        .files
        .iter()
        .filter(|f| f.rel.starts_with(&prefix))
        .collect();
    let mut use_cases = Vec::with_capacity(files.len());
    let parse = |f: &&SourceFile| {
        let known = preparsed
            .get(&f.rel)
            .and_then(|p| p.lock().ok().and_then(|mut p| p.take()));
        use_case_file(snapshot, f, &prefix, as_of, known)
    };
    match cache {
        None => {
            let mut kept = Vec::new();
            for (entry, found) in parallel_map(&files, parse) {
                match (entry, per_entry.is_some()) {
                    (Some(entry), true) => kept.push((entry, found.clone())),
                    (Some(entry), false) => use_cases.push(entry),
                    (None, _) => {}
                }
                diagnostics.extend(found);
            }
            if let Some(per_entry) = per_entry {
                kept.sort_by(|a, b| a.0.id.cmp(&b.0.id));
                for (entry, found) in kept {
                    use_cases.push(entry);
                    per_entry.push(found);
                }
            }
        }
        Some(cache) => {
            if cache.as_of != Some(as_of) {
                *cache = ParseCache {
                    as_of: Some(as_of),
                    files: HashMap::new(),
                };
            }
            let key = |f: &SourceFile| match &f.content {
                Content::Bytes(b) => Some((f.rel.clone(), b.clone())),
                _ => None,
            };
            let missing: Vec<&SourceFile> = files
                .iter()
                .copied()
                .filter(|f| key(f).is_none_or(|k| !cache.files.contains_key(&k)))
                .collect();
            for (f, parsed) in missing.iter().zip(parallel_map(&missing, parse)) {
                if let Some(k) = key(f) {
                    cache.files.insert(k, parsed.clone());
                } else {
                    use_cases.extend(parsed.0);
                    diagnostics.extend(parsed.1);
                }
            }
            for f in &files {
                if let Some((entry, found)) = key(f).and_then(|k| cache.files.get(&k)) {
                    use_cases.extend(entry.clone());
                    // The same file may be shown under another root.
                    let display = snapshot.display(&f.rel);
                    diagnostics.extend(found.iter().cloned().map(|mut d| {
                        d.file = display.clone();
                        d
                    }));
                }
            }
        }
    }
    use_cases.sort_by(|a, b| a.id.cmp(&b.id));
    sort_diagnostics(&mut diagnostics);
    Register {
        root: snapshot.root.clone(),
        settings,
        policy,
        access,
        as_of,
        use_cases,
        diagnostics,
    }
}

/// Puts diagnostics in a register's order: by file, then position, then
/// severity; diagnostics that compare equal keep their order.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.severity).cmp(&(&b.file, b.line, b.column, b.severity))
    });
}

/// Loads one entry of `use-cases/`: the use case if it is a valid
/// `<id>.ron`, and its diagnostics.
fn use_case_file(
    snapshot: &Snapshot,
    f: &SourceFile,
    prefix: &str,
    as_of: Date,
    preparsed: Option<Preparsed>,
) -> (Option<Entry>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let Some(name) = f.rel.strip_prefix(prefix) else {
        return (None, diagnostics);
    };
    if name.starts_with('.') {
        return (None, diagnostics); // .gitkeep and editors' hidden files
    }
    let display = snapshot.display(&f.rel);
    if name.contains('/') || matches!(f.content, Content::NotAFile(_)) {
        let what = match f.content {
            Content::NotAFile(what) => what,
            _ => "nested file",
        };
        diagnostics.push(Diagnostic::file_level(
            Severity::Warning,
            display,
            format!("ignored: a {what} in use-cases/; only <id>.ron files belong there"),
        ));
        return (None, diagnostics);
    }
    let Some(stem) = name.strip_suffix(".ron") else {
        diagnostics.push(Diagnostic::file_level(
            Severity::Warning,
            display,
            "ignored: not a .ron file; use-cases/ holds only <id>.ron files".to_owned(),
        ));
        return (None, diagnostics);
    };
    let id = match UseCaseId::new(stem) {
        Ok(id) => Some(id),
        Err(e) => {
            diagnostics.push(Diagnostic::file_level(
                Severity::Error,
                display.clone(),
                format!("{e}; rename the file"),
            ));
            None
        }
    };
    let preparsed = match preparsed {
        Some(p) if p.as_of == as_of => {
            // Known with its diagnostics at this date: nothing to read.
            let mut ok = true;
            for d in p.diagnostics {
                ok &= d.severity != Severity::Error;
                diagnostics.push(Diagnostic {
                    file: display.clone(),
                    ..d
                });
            }
            let entry = id.filter(|_| ok).map(|id| Entry {
                id,
                rel: f.rel.clone(),
                use_case: p.use_case,
                original: p.original,
            });
            return (entry, diagnostics);
        }
        other => other,
    };
    // Known, but validated at another date: validate again from its bytes.
    let fetched;
    let (f, known) = match preparsed {
        Some(p) => {
            fetched = SourceFile {
                rel: f.rel.clone(),
                content: Content::Bytes(p.original.to_vec()),
            };
            (&fetched, Some((p.use_case, p.original)))
        }
        None => (f, None),
    };
    let (known_use_case, known_original) = known.unzip();
    let parsed = parse::file(snapshot, f, &mut diagnostics, |text| {
        let parsed = match known_use_case {
            Some(u) => Ok(u),
            None => parse_use_case(text),
        };
        parsed.map(|u| {
            let findings = crate::validate::use_case(&u, as_of);
            (u, findings)
        })
    });
    let entry = match (id, parsed, &f.content) {
        (Some(id), Some(use_case), Content::Bytes(bytes)) => Some(Entry {
            id,
            rel: f.rel.clone(),
            use_case,
            original: known_original.unwrap_or_else(|| Original::new(bytes.clone())),
        }),
        _ => None,
    };
    (entry, diagnostics)
}

/// `f` over `items` on every available core (in order; sequential for a
/// few items). Parsing ten thousand files is the bulk of loading a register.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || items.len() < 256 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Parses and validates the text of one use-case file on its own (for an
/// edited copy): the use case, or its diagnostics as `display` would show.
pub fn check_use_case(
    display: &str,
    bytes: &[u8],
    as_of: Date,
) -> Result<(UseCase, Vec<Diagnostic>), Vec<Diagnostic>> {
    let snapshot = Snapshot {
        root: String::new(),
        files: vec![SourceFile {
            rel: display.to_owned(),
            content: Content::Bytes(bytes.to_vec()),
        }],
    };
    let mut diagnostics = Vec::new();
    let parsed = parse::file(&snapshot, &snapshot.files[0], &mut diagnostics, |text| {
        parse_use_case(text).map(|u| {
            let findings = crate::validate::use_case(&u, as_of);
            (u, findings)
        })
    });
    match parsed {
        Some(u) => Ok((u, diagnostics)),
        None => Err(diagnostics),
    }
}
