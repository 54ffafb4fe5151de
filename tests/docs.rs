//! The command examples of the documentation run as tests, so the docs
//! cannot drift from the program.
//!
//! Every fenced block marked `console` in `README.md` and `docs/*.md` is a
//! session: each `$ ` line is a command, run with `sh -c` by the real
//! binary (first on `PATH`), and the lines up to the next `$ ` are what it
//! prints (standard output, then standard error). In the expected text a
//! line `...` stands for any number of lines and `[..]` for any text within
//! a line (commit ids, temporary paths). A standalone `$ cd DIR` changes the
//! folder for the commands after it.
//!
//! Each block starts in a fresh sandbox, chosen by an HTML comment on the
//! line before the fence: by default a git repository holding a copy of the
//! shipped register in `state/` (one commit); `<!-- sandbox: empty -->`, an
//! empty folder outside any repository; `<!-- sandbox: demo -->`, the folder
//! made by `ripen demo`. After the kind, ` | COMMAND` runs a shell command
//! in the sandbox first, unseen by the reader (`<!-- sandbox: shipped |
//! sed -i ... -->` for an edit the text describes). Identity, time zone and
//! colour are fixed.
//!
//! After an intended change of output, regenerate the examples with
//! `RIPEN_DOCS=overwrite cargo test --test docs`, read `git diff docs
//! README.md`, and put back the `...` and `[..]` that stand for what varies.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: &[&str] = &[
    "README.md",
    "docs/cli.md",
    "docs/readiness.md",
    "docs/teams.md",
    "docs/import.md",
    "docs/review.md",
];

/// One `console` block of a file.
struct Block {
    /// The sandbox it runs in.
    sandbox: String,
    /// Line number of the opening fence (1-based), for messages.
    line: usize,
    /// Byte range of the block's content (between the fences).
    range: std::ops::Range<usize>,
    /// `(command, expected output lines)` in order.
    steps: Vec<(String, Vec<String>)>,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut previous = "";
    let mut open: Option<(String, usize, usize)> = None;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        match &open {
            None if trimmed == "```console" => {
                let sandbox = previous
                    .strip_prefix("<!-- sandbox: ")
                    .and_then(|s| s.strip_suffix(" -->"))
                    .unwrap_or("shipped")
                    .to_owned();
                open = Some((sandbox, n + 1, offset + line.len()));
            }
            Some((sandbox, at, start)) if trimmed == "```" => {
                let content = &text[*start..offset];
                let mut steps: Vec<(String, Vec<String>)> = Vec::new();
                for l in content.lines() {
                    match l.strip_prefix("$ ") {
                        Some(cmd) => steps.push((cmd.to_owned(), Vec::new())),
                        None => {
                            if let Some(last) = steps.last_mut() {
                                last.1.push(l.to_owned());
                            }
                        }
                    }
                }
                out.push(Block {
                    sandbox: sandbox.clone(),
                    line: *at,
                    range: *start..offset,
                    steps,
                });
                open = None;
            }
            _ => {}
        }
        if !trimmed.is_empty() {
            previous = trimmed;
        }
        offset += line.len();
    }
    out
}

/// Whether `actual` matches the `pattern` line, `[..]` matching any text.
fn line_matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == actual;
    }
    let (first, rest) = (parts[0], &parts[1..]);
    let Some(mut tail) = actual.strip_prefix(first) else {
        return false;
    };
    for (i, p) in rest.iter().enumerate() {
        if i == rest.len() - 1 {
            return tail.ends_with(p);
        }
        match tail.find(p) {
            Some(at) => tail = &tail[at + p.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the output lines match the expected ones, `...` matching any
/// number of lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((e, rest)) => {
            !actual.is_empty() && line_matches(e, actual[0]) && matches(rest, &actual[1..])
        }
    }
}

fn home() -> &'static Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| support::run::home_as("Eleanor Whitfield", "eleanor.whitfield@example.com"))
        .path()
}

/// A fresh sandbox of the given kind; returns it and the folder to start in.
fn sandbox(kind: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    match kind {
        "empty" => {}
        "shipped" => {
            support::data::copy_shipped(&root);
            let repo = support::repo::init(&root);
            let sig = support::repo::signature(
                "Eleanor Whitfield",
                "eleanor.whitfield@example.com",
                1_760_000_000,
            );
            support::repo::commit_paths(&repo, &["state"], "Register", &sig);
        }
        "demo" => {
            let out = run(&root, "ripen demo demo --no-tui");
            assert!(out.contains("Created a demo register"), "{out}");
            return (dir, root.join("demo"));
        }
        other => panic!("unknown sandbox `{other}`"),
    }
    (dir, root)
}

/// Runs `cmd` in `cwd` as a user would; returns standard output, then
/// standard error.
fn run(cwd: &Path, cmd_line: &str) -> String {
    let mut cmd = Command::new("sh");
    let out = support::run::hermetic(&mut cmd, home())
        .current_dir(cwd)
        .arg("-c")
        .arg(cmd_line)
        .env("PATH", support::run::path_with_ripen())
        .env("TZ", "UTC")
        .env_remove("VISUAL")
        .env_remove("EDITOR")
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// Runs every block of `file`; returns the failures, and the file with
/// every failing block's output replaced by what the program printed.
fn check(file: &str) -> (Vec<String>, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut rewritten = String::new();
    let mut copied = 0;
    for block in blocks(&text) {
        let (kind, setup) = match block.sandbox.split_once(" | ") {
            Some((kind, setup)) => (kind, Some(setup)),
            None => (block.sandbox.as_str(), None),
        };
        let (_guard, mut cwd) = sandbox(kind);
        if let Some(setup) = setup {
            run(&cwd, setup);
        }
        let mut fresh = String::new();
        let mut failed = false;
        for (cmd, expected) in &block.steps {
            fresh.push_str(&format!("$ {cmd}\n"));
            if let Some(dir) = cmd.strip_prefix("cd ").filter(|d| !d.contains(' ')) {
                cwd = cwd.join(dir);
                continue;
            }
            let actual = run(&cwd, cmd);
            let lines: Vec<&str> = actual.lines().collect();
            if matches(expected, &lines) {
                for e in expected {
                    fresh.push_str(e);
                    fresh.push('\n');
                }
            } else {
                failed = true;
                failures.push(format!(
                    "{file}:{}: `{cmd}` printed:\n{actual}\n--- the docs expect:\n{}\n",
                    block.line,
                    expected.join("\n")
                ));
                fresh.push_str(&actual);
            }
        }
        if failed {
            rewritten.push_str(&text[copied..block.range.start]);
            rewritten.push_str(&fresh);
            copied = block.range.end;
        }
    }
    rewritten.push_str(&text[copied..]);
    (failures, rewritten)
}

#[test]
fn the_examples_in_the_docs_are_what_ripen_prints() {
    let overwrite = std::env::var("RIPEN_DOCS").is_ok_and(|v| v == "overwrite");
    let mut all = Vec::new();
    let mut blocks_seen = 0;
    for file in FILES {
        let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        blocks_seen += blocks(&text).len();
        let (failures, rewritten) = check(file);
        if overwrite && !failures.is_empty() {
            fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join(file), rewritten).unwrap();
        }
        all.extend(failures);
    }
    assert!(blocks_seen >= 10, "only {blocks_seen} examples are tested");
    assert!(
        overwrite || all.is_empty(),
        "{} example(s) differ (regenerate with RIPEN_DOCS=overwrite cargo test --test docs):\n\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn the_matcher_honours_its_wildcards() {
    let e = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    assert!(matches(&e("a\n...\nz"), &["a", "b", "c", "z"]));
    assert!(matches(&e("a\n...\nz"), &["a", "z"]));
    assert!(!matches(&e("a\nz"), &["a", "b", "z"]));
    assert!(matches(
        &e("commit [..] on main"),
        &["commit 1a2b3c4 on main"]
    ));
    assert!(!matches(
        &e("commit [..] on main"),
        &["commit 1a2b3c4 on dev"]
    ));
    assert!(matches(&e("[..]: ok"), &["x: ok"]));
    assert!(!matches(&e("a"), &[]));
}
