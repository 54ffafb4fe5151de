//! The architectural rule, checked: the core (model, register, validate,
//! readiness, diff, report, import, export, text, change, form) reaches no
//! file system, git, terminal, process or clock. Git and the file system
//! stay in `git/` and `store/`; the shells (`cli/`, `tui/`) and the
//! operations (`ops`) sit above the core, never under it.
//!
//! The test reads the core's source files and fails on any path that
//! reaches out (`std::fs`, `git2`, `crate::store`, `Utc::now`, ...), naming
//! the file and line. Comments are skipped: a doc comment may name the edge
//! that calls the core.

use std::fs;
use std::path::{Path, PathBuf};

/// The core modules, as paths under `src/`: a file, or a folder taken whole.
const CORE: &[&str] = &[
    "model",
    "register",
    "validate.rs",
    "readiness.rs",
    "economics.rs",
    "whatif.rs",
    "diff.rs",
    "report",
    "import",
    "export.rs",
    "text.rs",
    "change.rs",
    "form.rs",
    "access.rs",
    "agenda.rs",
    "minutes.rs",
    "principals.rs",
    "verify.rs",
];

/// Paths the core must not name, each with what it would reach.
const FORBIDDEN: &[(&str, &str)] = &[
    ("std::fs", "the file system"),
    ("std::path", "the file system"),
    ("std::process", "processes"),
    ("std::env", "the environment"),
    ("std::net", "the network"),
    ("std::time", "the clock"),
    ("io::stdin", "the terminal"),
    ("io::stdout", "the terminal"),
    ("io::stderr", "the terminal"),
    ("println!", "the terminal"),
    ("eprintln!", "the terminal"),
    ("print!", "the terminal"),
    ("eprint!", "the terminal"),
    ("dbg!", "the terminal"),
    ("git2", "git"),
    ("ratatui", "the terminal"),
    ("crossterm", "the terminal"),
    ("termina", "the terminal"),
    ("tempfile", "the file system"),
    ("chrono::Local", "the clock"),
    ("Local::now", "the clock"),
    ("Local::today", "the clock"),
    ("Utc::now", "the clock"),
    ("Utc::today", "the clock"),
    ("SystemTime", "the clock"),
    ("Instant::now", "the clock"),
    ("crate::git", "git (an edge)"),
    ("crate::store", "the file system (an edge)"),
    ("crate::tui", "the terminal UI (a shell)"),
    ("crate::cli", "the command line (a shell)"),
    ("crate::ops", "the operations layer (above the core)"),
    ("crate::demo", "the demo writer (an edge)"),
    ("crate::testhooks", "fault injection (read by the shells)"),
];

/// Modules the core must not import through a grouped `use crate::{...}`.
const FORBIDDEN_MODULES: &[&str] = &["git", "store", "tui", "cli", "ops", "demo", "testhooks"];

/// Known exceptions: (file under `src/`, forbidden path, why). Empty: the
/// core has none today. An entry here must say why the I/O cannot move to
/// the edge yet.
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of the core, sorted.
fn core_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for m in CORE {
        let p = src().join(m);
        assert!(p.exists(), "core module {m} not found under src/");
        let mut todo = vec![p];
        while let Some(p) = todo.pop() {
            if p.is_dir() {
                for e in fs::read_dir(&p).unwrap() {
                    todo.push(e.unwrap().path());
                }
            } else if p.extension().is_some_and(|e| e == "rs") {
                files.push(p);
            }
        }
    }
    // A module `x` written as `x.rs` next to a folder `x/`.
    for m in ["model", "register", "report", "import"] {
        let p = src().join(format!("{m}.rs"));
        if p.exists() {
            files.push(p);
        }
    }
    files.sort();
    files
}

/// The line without its comment (`//` outside a string literal).
fn code_of(line: &str) -> &str {
    let mut in_str = false;
    let mut escaped = false;
    let b = line.as_bytes();
    for i in 0..b.len() {
        let c = b[i];
        if in_str {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            return &line[..i];
        }
    }
    line
}

/// Whether `path` occurs in `code` as a whole path (not inside a longer
/// identifier: `crate::git` matches `crate::git::commit` but not
/// `crate::gitignore`, `print!` does not match `eprint!`).
fn names(code: &str, path: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(path).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + path.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The violations in one file's text: (line number, forbidden path, what).
fn violations(text: &str) -> Vec<(usize, String, &'static str)> {
    let mut out = Vec::new();
    // A grouped `use crate::{...};` may span lines: gather it whole.
    let mut group: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        let code = code_of(line);
        for (path, what) in FORBIDDEN {
            if names(code, path) {
                out.push((n, (*path).to_owned(), *what));
            }
        }
        if group.is_none() {
            if let Some(i) = code.find("crate::{") {
                group = Some((n, String::new()));
                let rest = &code[i + "crate::{".len()..];
                group.as_mut().unwrap().1.push_str(rest);
            }
        } else if let Some((_, g)) = group.as_mut() {
            g.push(' ');
            g.push_str(code);
        }
        if let Some((start, g)) = &group
            && (g.contains(';') || (code.contains(';') && *start == n))
        {
            let g = g.split(';').next().unwrap_or("");
            // Top-level names of the group only: `diff::{x, y}` names
            // `diff`, not `x`.
            let mut depth = 0;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in g.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {}
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(std::mem::take(&mut item)),
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for it in items {
                let head = it.trim().split("::").next().unwrap_or("").trim();
                let head = head.split_whitespace().next().unwrap_or("");
                if FORBIDDEN_MODULES.contains(&head) {
                    out.push((*start, format!("crate::{head}"), "an edge or a shell"));
                }
            }
            group = None;
        }
    }
    out
}

#[test]
fn the_core_reaches_no_file_system_git_terminal_process_or_clock() {
    let files = core_files();
    assert!(files.len() > 10, "too few core files found: {files:?}");
    let mut found = Vec::new();
    let mut used = vec![false; EXCEPTIONS.len()];
    for f in &files {
        let text = fs::read_to_string(f).unwrap();
        let rel = f
            .strip_prefix(src())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (line, path, what) in violations(&text) {
            let excused = EXCEPTIONS
                .iter()
                .position(|(file, p, _)| *file == rel && *p == path);
            if let Some(i) = excused {
                used[i] = true;
            } else {
                found.push(format!(
                    "src/{rel}:{line}: `{path}` reaches {what}; the core must stay pure (move it to git/, store/ or a shell)"
                ));
            }
        }
    }
    // An exception the code no longer needs goes from the list.
    for ((file, path, _), used) in EXCEPTIONS.iter().zip(used) {
        if !used {
            found.push(format!(
                "src/{file}: the known exception for `{path}` is no longer needed; remove it from EXCEPTIONS"
            ));
        }
    }
    assert!(
        found.is_empty(),
        "the core reaches outside itself:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_catches_each_kind_of_violation() {
    // Each of these lines must be caught, with its line number.
    let bad = "\
use std::fs;
let t = chrono::Utc::now();
use crate::{diff, git::Repository};
let x = std::process::id();
println!(\"hi\");
use crate::{
    model::UseCase,
    store,
};
";
    let mut lines: Vec<usize> = violations(bad).into_iter().map(|(n, _, _)| n).collect();
    lines.dedup();
    assert_eq!(lines, vec![1, 2, 3, 4, 5, 6], "{:?}", violations(bad));
}

#[test]
fn the_checker_leaves_comments_strings_and_lookalikes_alone() {
    let fine = "\
//! Read by [`crate::store`] from the working tree.
/// Never written raw to a terminal via std::io::stdout.
let s = \"a // not a comment\"; // but std::fs here is one
use crate::{diff::{self, FieldChange}, model::UseCase};
let gitignore = crate::model::gitish();
eprint_something();
";
    assert_eq!(violations(fine), vec![]);
}
