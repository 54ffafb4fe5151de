//! Untrusted text at the command line's edges: what a user typed or what a
//! file holds never reaches a terminal raw, and a spreadsheet never runs a
//! cell as a formula. The real binary, real files, real repositories.

use std::path::Path;
use std::process::Command;

/// What one run of `ripen` produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    raw_stdout: Vec<u8>,
    raw_stderr: Vec<u8>,
}

fn ripen(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_ripen"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RIPEN_STATE")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("run ripen");
    Run {
        code: out.status.code().expect("ripen was killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        raw_stdout: out.stdout,
        raw_stderr: out.stderr,
    }
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
