//! Untrusted text at the command line's edges: what a user typed or what a
//! file holds never reaches a terminal raw, and a spreadsheet never runs a
//! cell as a formula. The real binary, real files, real repositories.

mod support;

use std::path::Path;

use support::run::Run;

fn ripen(cwd: &Path, args: &[&str]) -> Run {
    support::run::ripen(args).cwd(cwd).run()
}

/// Whether `bytes` hold a character that must never reach a terminal raw
/// (newlines and tabs between lines aside).
fn has_unsafe(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes)
        .chars()
        .any(|c| c != '\n' && ripen::text::is_unsafe(c))
}

#[test]
fn a_mistyped_argument_is_quoted_escaped() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["\u{202e}lmth.exe\u{1b}]0;pwned\u{7}"],
        vec!["list", "--format", "\u{2066}json\u{feff}"],
        vec!["list", "--\u{9b}2J"],
    ] {
        let run = ripen(dir.path(), &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!has_unsafe(&run.raw_stderr), "{args:?}: {:?}", run.stderr);
        assert!(!has_unsafe(&run.raw_stdout), "{args:?}: {:?}", run.stdout);
        assert!(run.stderr.contains("\\u{"), "{args:?}: {}", run.stderr);
    }
    // Help is still help.
    let run = ripen(dir.path(), &["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Usage: ripen"), "{}", run.stdout);
}

#[test]
fn fmt_names_a_nan_where_it_is_instead_of_an_internal_error() {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(state.join("use-cases")).unwrap();
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-good");
    for f in ["register.ron", "policy.ron"] {
        std::fs::copy(good.join(f), state.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(good.join("invoice-triage.ron"))
        .unwrap()
        .replace("accuracy: 0.81", "accuracy: NaN")
        .replace("\"Finance\"", "\"Finance\"   ");
    assert!(text.contains("NaN"));
    let file = state.join("use-cases/nan.ron");
    std::fs::write(&file, &text).unwrap();
    let run = ripen(dir.path(), &["--state", "state", "fmt"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    let line = text.lines().position(|l| l.contains("NaN")).unwrap() + 1;
    let column = text.lines().nth(line - 1).unwrap().find("NaN").unwrap() + 1;
    assert!(
        run.stderr.contains(&format!(
            "state/use-cases/nan.ron:{line}:{column}: error: this number is NaN"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text,
        "left unchanged"
    );
}

/// A register repository with an identity, its register committed, and the
/// formula-bearing federal rows of `tests/data/omb-2025-formulas.csv`
/// imported (two real rows of the 2025 inventory whose cells begin with
/// `- `, and one made-up row with `=`, `@` and `+`).
fn imported_formulas() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = support::repo::init_as(dir.path(), "Ingrid Import", "ingrid@example.com");
    let state = dir.path().join("state");
    std::fs::create_dir_all(state.join("use-cases")).unwrap();
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-good");
    for f in ["register.ron", "policy.ron"] {
        std::fs::copy(good.join(f), state.join(f)).unwrap();
    }
    let sig = support::repo::signature("T", "t@example.com", 1_767_225_600);
    support::repo::commit_paths(&repo, &["state"], "Register", &sig);
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/omb-2025-formulas.csv");
    let run = ripen(
        dir.path(),
        &[
            "--state",
            "state",
            "import",
            csv.to_str().unwrap(),
            "--preset",
            "omb-2025",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    dir
}

fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn export_guards_cells_a_spreadsheet_would_run_as_formulas() {
    let dir = imported_formulas();
    let source = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/omb-2025-formulas.csv"),
    )
    .unwrap();
    let source_cells: Vec<String> = cells(&source).into_iter().skip(1).flatten().collect();
    let leading: Vec<&String> = source_cells
        .iter()
        .filter(|c| ripen::export::formula_leading(c))
        .collect();
    assert!(leading.len() >= 6, "{leading:?}");

    // By default: every formula-leading cell gets a `'`, nothing else does.
    let run = ripen(dir.path(), &["--state", "state", "export", "omb-2025"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Vec<String> = cells(&run.raw_stdout)
        .into_iter()
        .skip(1)
        .flatten()
        .collect();
    for c in &out {
        assert!(!ripen::export::formula_leading(c), "unguarded: {c:?}");
    }
    for l in &leading {
        assert!(out.contains(&format!("'{l}")), "{l:?} not exported guarded");
    }
    assert!(
        out.iter()
            .any(|c| c == "'=HYPERLINK(\"http://example.com/x\",\"Click\")")
    );
    // `ripen export csv` too (the title column).
    let run = ripen(
        dir.path(),
        &["--state", "state", "export", "csv", "--columns", "id,title"],
    );
    let out = cells(&run.raw_stdout);
    assert!(
        out.iter()
            .any(|r| r[1] == "'=HYPERLINK(\"http://example.com/x\",\"Click\")"),
        "{out:?}"
    );

    // --raw: the exact values, for programs.
    let run = ripen(
        dir.path(),
        &["--state", "state", "export", "omb-2025", "--raw"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let raw: Vec<String> = cells(&run.raw_stdout)
        .into_iter()
        .skip(1)
        .flatten()
        .collect();
    for l in &leading {
        assert!(raw.contains(l), "{l:?} not exported exactly");
    }
}

#[test]
fn paths_from_arguments_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let name = "reg\u{1b}]0;pwned\u{7}\u{202e}";
    let run = ripen(dir.path(), &["init", name]);
    assert!(!has_unsafe(&run.raw_stdout), "{:?}", run.stdout);
    assert!(!has_unsafe(&run.raw_stderr), "{:?}", run.stderr);
    assert!(
        run.stdout.contains("\\u{1b}") || run.stderr.contains("\\u{1b}"),
        "the path is shown, escaped: {} {}",
        run.stdout,
        run.stderr
    );
    // Export to a file named by the user.
    let run = ripen(
        dir.path(),
        &[
            "--state",
            "nowhere\u{1b}[2J",
            "export",
            "csv",
            "--output",
            "x\u{9b}.csv",
        ],
    );
    assert!(!has_unsafe(&run.raw_stdout), "{:?}", run.stdout);
    assert!(!has_unsafe(&run.raw_stderr), "{:?}", run.stderr);
}
