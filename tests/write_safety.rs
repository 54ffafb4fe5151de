//! Nothing lost, nothing smuggled (the write-safety cases of the hostile
//! review), each through the real binary on a real repository: hand edits
//! made during a save, names that are not UTF-8, symbolic links inside the
//! register, import limits, git's filters, repositories ripen cannot read,
//! and the repository's signing and hooks.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::data::repo_with_shipped_state;
use support::repo::{git, git_ok, rev_parse};
use support::run::{BIN, ripen_env};

const FILE: &str = "use-cases/contract-review.ron";
const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/omb-2025-sample.csv"
);
const SHEET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/spreadsheet.csv");
const SHEET_MAPPING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/spreadsheet-mapping.ron"
);

fn ripen(state: &Path, args: &[&str]) -> Output {
    ripen_env(state, args, &[])
}

fn head(dir: &Path) -> String {
    rev_parse(dir, "HEAD")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn move_args(to: &str) -> Vec<&str> {
    vec![
        "move",
        "contract-review",
        to,
        "--because",
        "write safety test",
    ]
}

/// Waits for a save paused by `RIPEN_PAUSE_AT` (two seconds) to have
/// staged its change; a version of ripen without a journal is given one
/// second to reach its pause instead.
fn wait_for_pause(dir: &Path) {
    let start = Instant::now();
    wait_until("the save paused", || {
        journal_staged(dir) || start.elapsed() > Duration::from_secs(1)
    });
}

/// Waits until `ready` holds, for at most 20 seconds.
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn journal_staged(dir: &Path) -> bool {
    std::fs::read_dir(dir.join(".git/ripen")).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|e| e.path().join("manifest").exists())
    })
}

fn spawn(state: &Path, args: &[&str], pause: &str) -> std::process::Child {
    Command::new(BIN)
        .arg("--state")
        .arg(state)
        .args(args)
        .env("NO_COLOR", "1")
        .env("RIPEN_PAUSE_AT", pause)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

// Case 2: a hand edit made during a save is never overwritten ------------

#[test]
fn a_hand_edit_before_the_commit_lands_stops_the_move() {
    let (dir, state) = repo_with_shipped_state();
    let before = head(dir.path());
    let child = spawn(&state, &move_args("Retired"), "committed");
    wait_for_pause(dir.path());
    let hand = b"UseCase( // edited by hand during the save\n".to_vec();
    std::fs::write(state.join(FILE), &hand).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was changed on disk since it was loaded")
            && stderr(&out).contains("nothing was changed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(state.join(FILE)).unwrap(),
        hand,
        "the edit is kept"
    );
    assert_eq!(head(dir.path()), before, "nothing committed");
    assert!(!dir.path().join(".git/ripen").exists(), "no journal left");
}

#[test]
fn a_hand_edit_after_the_commit_landed_is_kept_and_named() {
    let (dir, state) = repo_with_shipped_state();
    let before = head(dir.path());
    let child = spawn(&state, &move_args("Retired"), "moved");
    wait_until("the branch moved", || head(dir.path()) != before);
    let hand = b"UseCase( // edited by hand during the save\n".to_vec();
    std::fs::write(state.join(FILE), &hand).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "state/use-cases/contract-review.ron was edited while the change was being saved"
        ) && err.contains("your edit is kept"),
        "the user is told which file and where each version is: {err}"
    );
    assert_eq!(
        std::fs::read(state.join(FILE)).unwrap(),
        hand,
        "the edit is kept"
    );
    // Both versions survive: ripen's in the commit, the user's in the file,
    // shown by git as an ordinary unstaged change.
    let committed = git_ok(
        dir.path(),
        &["show", "HEAD:state/use-cases/contract-review.ron"],
    );
    assert!(committed.contains("stage: Retired,"));
    assert_eq!(
        git_ok(dir.path(), &["status", "--porcelain"]),
        " M state/use-cases/contract-review.ron\n"
    );
}

/// The shipped register with some files out of canonical form, committed.
fn repo_with_unformatted_files() -> (tempfile::TempDir, PathBuf, Vec<String>) {
    support::data::repo_with_unformatted_files(&[
        "claims-triage.ron",
        "clinical-coding.ron",
        "code-review-assistant.ron",
    ])
}

#[test]
fn fmt_never_writes_over_a_file_edited_while_it_formats() {
    let (dir, state, files) = repo_with_unformatted_files();
    let child = spawn(&state, &["fmt"], "staged");
    wait_for_pause(dir.path());
    let edited = state.join(&files[1]);
    let hand = format!(
        "{}// a note typed meanwhile\n",
        std::fs::read_to_string(&edited).unwrap()
    );
    std::fs::write(&edited, &hand).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&files[1])
            && stderr(&out).contains("changed by someone else while it was being formatted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&edited).unwrap(),
        hand,
        "the edit is kept"
    );
    for f in [&files[0], &files[2]] {
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains(&format!("formatted {}", state.join(f).display()))
                || String::from_utf8_lossy(&out.stdout).contains(f.as_str()),
            "{f} formatted: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            !std::fs::read_to_string(state.join(f))
                .unwrap()
                .contains("\n      title")
        );
    }
    assert!(!dir.path().join(".git/ripen").exists(), "no journal left");
}

#[test]
fn a_file_created_by_hand_during_an_import_stops_it_whole() {
    let (dir, state) = repo_with_shipped_state();
    let before = head(dir.path());
    let count = || std::fs::read_dir(state.join("use-cases")).unwrap().count();
    let before_count = count();
    let plan = ripen(
        &state,
        &[
            "import",
            SAMPLE,
            "--preset",
            "omb-2025",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let id = plan["report"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["action"] == "Created" || o["action"] == "created")
        .and_then(|o| o["id"].as_str())
        .expect("the sample creates use cases")
        .to_owned();
    let child = spawn(
        &state,
        &["import", SAMPLE, "--preset", "omb-2025"],
        "committed",
    );
    wait_for_pause(dir.path());
    let mine = state.join(format!("use-cases/{id}.ron"));
    std::fs::write(&mine, b"UseCase( // mine\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&id),
        "names the file: {}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&mine).unwrap(), b"UseCase( // mine\n");
    assert_eq!(head(dir.path()), before, "nothing committed");
    assert_eq!(count(), before_count + 1, "no imported file written");
}

// Case 4: fmt on a file whose name is not UTF-8 -----------------------------

#[test]
fn fmt_never_writes_a_file_under_another_name() {
    use std::os::unix::ffi::OsStrExt;
    let (_dir, state) = repo_with_shipped_state();
    let cases = state.join("use-cases");
    let original = std::fs::read_to_string(state.join(FILE)).unwrap();
    let odd = cases.join(std::ffi::OsStr::from_bytes(b"caf\xe9.ron"));
    let odd_text = original.replace("\n    ", "\n        ");
    std::fs::write(&odd, &odd_text).unwrap();
    // The name a lossy conversion gives it, holding something else.
    let lossy = cases.join("caf\u{FFFD}.ron");
    std::fs::write(&lossy, b"someone else's file\n").unwrap();

    let out = ripen(&state, &["fmt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("not valid UTF-8"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&lossy).unwrap(), b"someone else's file\n");
    assert_eq!(std::fs::read_to_string(&odd).unwrap(), odd_text);
}

// Case 5: symbolic links inside the register --------------------------------

#[test]
fn a_symlinked_use_cases_folder_is_refused_for_reading_and_writing() {
    let (dir, state) = repo_with_shipped_state();
    let outside = tempfile::tempdir().unwrap();
    std::fs::rename(state.join("use-cases"), outside.path().join("cases")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("cases"), state.join("use-cases")).unwrap();
    let snapshot = |p: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&outside.path().join("cases"));
    for args in [
        vec!["list"],
        vec!["validate"],
        vec!["fmt"],
        move_args("Retired"),
    ] {
        let out = ripen(&state, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("use-cases is a symbolic link"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        snapshot(&outside.path().join("cases")),
        before,
        "nothing written outside"
    );
    assert!(
        std::fs::symlink_metadata(state.join("use-cases"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let _ = dir;
}

#[test]
fn a_state_directory_reached_through_a_link_in_the_repository_is_refused() {
    let (dir, state) = repo_with_shipped_state();
    let link = dir.path().join("register-link");
    std::os::unix::fs::symlink(&state, &link).unwrap();
    let before = head(dir.path());
    let file_before = std::fs::read(state.join(FILE)).unwrap();
    for args in [vec!["list"], vec!["fmt"], move_args("Retired")] {
        let out = ripen(&link, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("register-link is a symbolic link"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(head(dir.path()), before);
    assert_eq!(std::fs::read(state.join(FILE)).unwrap(), file_before);
}

// Case 10: import has limits ---------------------------------------------------

fn import_refused(state: &Path, file: &Path, expect: &str) {
    let mut child = Command::new(BIN)
        .arg("--state")
        .arg(state)
        .arg("import")
        .arg(file)
        .args(["--mapping", SHEET_MAPPING])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("import of {} hangs", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}: {}",
        file.display(),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(expect),
        "{}: {}",
        file.display(),
        stderr(&out)
    );
}

#[test]
fn import_refuses_what_is_not_a_regular_file_of_sane_size() {
    let (dir, state) = repo_with_shipped_state();
    let before = head(dir.path());
    let scratch = tempfile::tempdir().unwrap();
    let fifo = scratch.path().join("pipe.csv");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: creates a FIFO at a path of our own temporary folder.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    import_refused(&state, &fifo, "not a regular file");
    import_refused(&state, Path::new("/dev/zero"), "not a regular file");
    import_refused(&state, scratch.path(), "is a folder");
    let huge = scratch.path().join("huge.csv");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(257 * 1024 * 1024).unwrap(); // sparse: no disk used
    import_refused(&state, &huge, "over the import limit of 268435456 bytes");
    assert_eq!(head(dir.path()), before);
}

#[test]
fn import_refuses_a_row_whose_use_case_would_not_load_before_writing_anything() {
    let (dir, state) = repo_with_shipped_state();
    let before = head(dir.path());
    let count = std::fs::read_dir(state.join("use-cases")).unwrap().count();
    let sheet = std::fs::read_to_string(SHEET).unwrap();
    let big = "x".repeat(2 * 1024 * 1024);
    let csv = sheet.replacen(
        "Saves 2 FTE, mostly in Q4.",
        &format!("Saves 2 FTE {big}"),
        1,
    );
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("big-cell.csv");
    std::fs::write(&file, csv).unwrap();
    import_refused(&state, &file, "row 1: its use case would be");
    let out = ripen(
        &state,
        &["import", file.to_str().unwrap(), "--mapping", SHEET_MAPPING],
    );
    assert!(
        stderr(&out).contains("column \"Benefits\""),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("big-cell.csv:2"),
        "names the line: {}",
        stderr(&out)
    );
    assert_eq!(head(dir.path()), before);
    assert_eq!(
        std::fs::read_dir(state.join("use-cases")).unwrap().count(),
        count
    );
}

// Case 11: git's filters ---------------------------------------------------------

/// A repository whose working files have CRLF line ends as git checks them
/// out under `setup`, committed by git itself; `git status` is clean.
fn crlf_repo(setup: impl Fn(&Path)) -> (tempfile::TempDir, PathBuf) {
    let (dir, state) = repo_with_shipped_state();
    setup(dir.path());
    git_ok(dir.path(), &["add", "-A"]);
    git_ok(
        dir.path(),
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "commit",
            "--allow-empty",
            "-qm",
            "line ends",
        ],
    );
    // Check the files out again, as git writes them under these settings.
    for e in std::fs::read_dir(state.join("use-cases")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    git_ok(dir.path(), &["checkout", "--", "state"]);
    let text = std::fs::read(state.join(FILE)).unwrap();
    assert!(
        text.windows(2).any(|w| w == b"\r\n"),
        "checked out with CRLF"
    );
    assert_eq!(git_ok(dir.path(), &["status", "--porcelain"]), "");
    (dir, state)
}

fn move_works_with_clean_status(dir: &Path, state: &Path) {
    let out = ripen(state, &move_args("Retired"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(git_ok(dir, &["status", "--porcelain"]), "");
    assert!(
        git_ok(dir, &["show", "HEAD:state/use-cases/contract-review.ron"])
            .contains("stage: Retired,")
    );
}

#[test]
fn a_clean_file_under_core_autocrlf_is_not_called_uncommitted() {
    let (dir, state) = crlf_repo(|d| {
        git_ok(d, &["config", "core.autocrlf", "true"]);
    });
    move_works_with_clean_status(dir.path(), &state);
}

#[test]
fn a_clean_file_under_an_eol_crlf_attribute_is_not_called_uncommitted() {
    let (dir, state) = crlf_repo(|d| {
        std::fs::write(d.join(".gitattributes"), "*.ron text eol=crlf\n").unwrap();
    });
    move_works_with_clean_status(dir.path(), &state);
}

// Case 15: repositories ripen cannot read, a missing use-cases/ ------------

fn repo_of_format(flag: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().unwrap();
    let init = git(dir.path(), &["init", "-q", flag]);
    if !init.status.success() {
        eprintln!("this git cannot make a {flag} repository; skipped");
        return None;
    }
    let state = dir.path().join("state");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("state");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(&shipped)
        .arg(&state)
        .status()
        .unwrap();
    assert!(copy.success());
    git_ok(dir.path(), &["add", "-A"]);
    git_ok(
        dir.path(),
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "r",
        ],
    );
    Some((dir, state))
}

#[test]
fn sha256_and_reftable_repositories_are_named_as_unsupported() {
    for (flag, words) in [
        ("--object-format=sha256", "sha256 object names"),
        ("--ref-format=reftable", "reftable refs"),
    ] {
        let Some((dir, state)) = repo_of_format(flag) else {
            continue;
        };
        let out = ripen(&state, &move_args("Retired"));
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(words) && stderr(&out).contains("does not support"),
            "{flag}: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("not inside a git repository"),
            "{flag}"
        );
        // `ripen init` never nests a second repository inside it.
        let nested = dir.path().join("nested");
        let out = Command::new(BIN)
            .args(["init"])
            .arg(&nested)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", stderr(&out));
        assert!(stderr(&out).contains(words), "{flag}: {}", stderr(&out));
        assert!(
            !nested.join(".git").exists(),
            "{flag}: no nested repository"
        );
    }
}

#[test]
fn a_split_index_is_explained_with_what_to_do() {
    let (dir, state) = repo_with_shipped_state();
    git_ok(dir.path(), &["update-index", "--split-index"]);
    let before = head(dir.path());
    let out = ripen(&state, &move_args("Retired"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("split or sparse index")
            && stderr(&out).contains("git update-index --no-split-index"),
        "{}",
        stderr(&out)
    );
    assert_eq!(head(dir.path()), before);
    // The advice works.
    git_ok(dir.path(), &["update-index", "--no-split-index"]);
    let out = ripen(&state, &move_args("Retired"));
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_sparse_index_is_explained_with_what_to_do() {
    let (dir, state) = repo_with_shipped_state();
    git_ok(
        dir.path(),
        &[
            "sparse-checkout",
            "set",
            "--cone",
            "--sparse-index",
            "state",
        ],
    );
    let before = head(dir.path());
    let out = ripen(&state, &move_args("Retired"));
    if out.status.success() {
        eprintln!("this git wrote a full index; nothing to explain");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("split or sparse index")
            && stderr(&out).contains("git sparse-checkout set --no-sparse-index"),
        "{}",
        stderr(&out)
    );
    assert_eq!(head(dir.path()), before);
    git_ok(
        dir.path(),
        &["sparse-checkout", "set", "--no-sparse-index", "state"],
    );
    let out = ripen(&state, &move_args("Retired"));
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_missing_use_cases_folder_is_an_error() {
    let (_dir, state) = repo_with_shipped_state();
    std::fs::remove_dir_all(state.join("use-cases")).unwrap();
    for args in [vec!["list"], vec!["validate"], vec!["fmt"]] {
        let out = ripen(&state, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("use-cases does not exist"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

// Case 8: the repository's signing and hooks -----------------------------------

fn ssh_signing_repo() -> Option<(tempfile::TempDir, PathBuf, tempfile::TempDir)> {
    if !support::need::machine_has("signing with an ssh key", &[support::need::Need::SshKeygen]) {
        return None;
    }
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("id_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "lead", "-f"])
        .arg(&key)
        .status();
    assert!(made.is_ok_and(|s| s.success()), "ssh-keygen made no key");
    let (dir, state) = repo_with_shipped_state();
    let public = std::fs::read_to_string(keys.path().join("id_ed25519.pub")).unwrap();
    let allowed = keys.path().join("allowed_signers");
    std::fs::write(&allowed, format!("lead@example.com {public}")).unwrap();
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("user.signingkey", key.to_str().unwrap()),
        ("commit.gpgsign", "true"),
        ("tag.gpgsign", "true"),
        ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
    ] {
        git_ok(dir.path(), &["config", k, v]);
    }
    Some((dir, state, keys))
}

#[test]
fn commits_and_review_tags_are_signed_when_the_repository_asks() {
    let Some((dir, state, _keys)) = ssh_signing_repo() else {
        return;
    };
    let out = ripen(&state, &move_args("Retired"));
    assert!(out.status.success(), "{}", stderr(&out));
    let verify = git(dir.path(), &["verify-commit", "HEAD"]);
    assert!(
        verify.status.success(),
        "git verify-commit: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let log = git_ok(dir.path(), &["log", "-1", "--show-signature"]);
    assert!(log.contains("Good \"git\" signature"), "{log}");

    let out = ripen(
        &state,
        &["review", "close", "2026-Q3", "--message", "Q3 review"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let verify = git(dir.path(), &["verify-tag", "review/2026-Q3"]);
    assert!(
        verify.status.success(),
        "git verify-tag: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn a_signature_that_cannot_be_made_refuses_the_commit() {
    let Some((dir, state, _keys)) = ssh_signing_repo() else {
        return;
    };
    git_ok(dir.path(), &["config", "gpg.ssh.program", "false"]);
    let before = head(dir.path());
    let file_before = std::fs::read(state.join(FILE)).unwrap();
    let out = ripen(&state, &move_args("Retired"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("commit.gpgsign is set but the commit cannot be signed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(head(dir.path()), before);
    assert_eq!(std::fs::read(state.join(FILE)).unwrap(), file_before);
}

fn hook(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_failing_pre_commit_hook_refuses_the_change_and_no_verify_skips_it() {
    let (dir, state) = repo_with_shipped_state();
    hook(
        &dir.path().join(".git/hooks"),
        "pre-commit",
        "echo 'policy: no, says the hook' >&2\nexit 1",
    );
    let before = head(dir.path());
    let index_before = std::fs::read(dir.path().join(".git/index")).unwrap();
    let file_before = std::fs::read(state.join(FILE)).unwrap();
    let out = ripen(&state, &move_args("Retired"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the pre-commit hook refused the commit")
            && stderr(&out).contains("policy: no, says the hook"),
        "{}",
        stderr(&out)
    );
    assert_eq!(head(dir.path()), before);
    assert_eq!(
        std::fs::read(dir.path().join(".git/index")).unwrap(),
        index_before
    );
    assert_eq!(std::fs::read(state.join(FILE)).unwrap(), file_before);

    let mut args = move_args("Retired");
    args.push("--no-verify");
    let out = ripen(&state, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(head(dir.path()), before);
}

#[test]
fn hooks_see_exactly_the_commit_and_may_edit_its_message() {
    let (dir, state) = repo_with_shipped_state();
    // The user has something else staged; the hook must not see it and it
    // must stay staged.
    std::fs::write(dir.path().join("NOTES.md"), "staged for later\n").unwrap();
    git_ok(dir.path(), &["add", "NOTES.md"]);
    git_ok(dir.path(), &["config", "core.hooksPath", "team-hooks"]);
    let seen = dir.path().join("seen.txt");
    hook(
        &dir.path().join("team-hooks"),
        "pre-commit",
        &format!("git diff --cached --name-only > '{}'", seen.display()),
    );
    hook(
        &dir.path().join("team-hooks"),
        "commit-msg",
        "echo 'Reviewed-by: Policy Bot' >> \"$1\"",
    );
    let out = ripen(&state, &move_args("Retired"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        "state/use-cases/contract-review.ron\n",
        "pre-commit saw the commit's change and nothing else"
    );
    let message = git_ok(dir.path(), &["log", "-1", "--format=%B"]);
    assert!(message.contains("Reviewed-by: Policy Bot"), "{message}");
    assert_eq!(
        git_ok(dir.path(), &["diff", "--cached", "--name-only"]),
        "NOTES.md\n",
        "the user's staged change is still staged, alone"
    );
}

/// gpg run as git runs it (`--status-fd=2 -bsau KEY`), with a key made for
/// the test in a private GNUPGHOME; git verifies the commit.
#[test]
fn commits_are_signed_with_openpgp_when_the_repository_asks() {
    if !support::need::machine_has(
        "commits_are_signed_with_openpgp_when_the_repository_asks",
        &[support::need::Need::Gpg],
    ) {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .env("GNUPGHOME", home.path())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
    };
    let made = gpg(&[
        "--quick-gen-key",
        "Review Lead <lead@example.com>",
        "ed25519",
        "sign",
        "never",
    ]);
    assert!(
        made.as_ref().is_ok_and(|o| o.status.success()),
        "gpg made no key: {made:?}"
    );
    let (dir, state) = repo_with_shipped_state();
    git_ok(dir.path(), &["config", "commit.gpgsign", "true"]);
    git_ok(
        dir.path(),
        &["config", "user.signingkey", "lead@example.com"],
    );
    let out = ripen_env(
        &state,
        &move_args("Retired"),
        &[("GNUPGHOME", home.path().to_str().unwrap())],
    );
    let verify = Command::new("git")
        .arg("-C")
        .arg(dir.path())
        .args(["verify-commit", "HEAD"])
        .env("GNUPGHOME", home.path())
        .output()
        .unwrap();
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", home.path())
        .status();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        verify.status.success(),
        "git verify-commit: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(String::from_utf8_lossy(&verify.stderr).contains("Good signature"));
}

#[test]
fn an_import_runs_the_hooks_and_no_verify_skips_them() {
    let (dir, state) = repo_with_shipped_state();
    hook(
        &dir.path().join(".git/hooks"),
        "commit-msg",
        "echo 'commit-msg: ticket number missing' >&2\nexit 1",
    );
    let before = head(dir.path());
    let count = || std::fs::read_dir(state.join("use-cases")).unwrap().count();
    let before_count = count();
    let out = ripen(&state, &["import", SHEET, "--mapping", SHEET_MAPPING]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the commit-msg hook refused the commit")
            && stderr(&out).contains("ticket number missing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(head(dir.path()), before);
    assert_eq!(count(), before_count, "nothing written");
    let out = ripen(
        &state,
        &["import", SHEET, "--mapping", SHEET_MAPPING, "--no-verify"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(head(dir.path()), before);
    assert_eq!(count(), before_count + 5);
}

/// `git::commit::land_commit`, the landing step any multi-file commit can
/// use (a merge of a proposal as well as an import): a file written, a file
/// removed, a removed file that was edited meanwhile kept and named; the
/// index follows the commit and `git status` shows only the kept edit.
#[test]
fn land_commit_writes_and_removes_files_and_keeps_an_edit() {
    use ripen::git::commit::{ChangeError, Landing, Step, land_commit};
    let (dir, state) = repo_with_shipped_state();
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let names: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(state.join("use-cases"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let (changed, removed, removed_edited) = (&names[0], &names[1], &names[2]);
    let rel = |n: &str| format!("state/use-cases/{n}");
    let read = |n: &str| std::fs::read(state.join("use-cases").join(n)).unwrap();
    let (old_changed, old_removed, old_edited) =
        (read(changed), read(removed), read(removed_edited));
    let new_changed = String::from_utf8(old_changed.clone()).unwrap().replacen(
        "title: \"",
        "title: \"Landed ",
        1,
    );

    // The commit: one file changed, two removed.
    let mut index = git2::Index::new().unwrap();
    index.read_tree(&head.tree().unwrap()).unwrap();
    let blob = repo.blob(new_changed.as_bytes()).unwrap();
    let mut entry = index.get_path(Path::new(&rel(changed)), 0).unwrap();
    entry.id = blob;
    entry.file_size = new_changed.len() as u32;
    index.add(&entry).unwrap();
    index.remove_path(Path::new(&rel(removed))).unwrap();
    index.remove_path(Path::new(&rel(removed_edited))).unwrap();
    let tree = repo.find_tree(index.write_tree_to(&repo).unwrap()).unwrap();
    let sig = repo.signature().unwrap();
    let commit = repo
        .commit(None, &sig, &sig, "land", &tree, &[&head])
        .unwrap();

    // Someone edits one of the files to remove, before the landing.
    let staged_id = |r: &str| {
        let mut i = repo.index().unwrap();
        i.read(true).unwrap();
        i.get_path(Path::new(r), 0).map(|e| e.id)
    };
    let files = [
        (
            changed,
            Some(old_changed.as_slice()),
            Some(new_changed.as_bytes()),
        ),
        (removed, Some(old_removed.as_slice()), None),
        (removed_edited, Some(old_edited.as_slice()), None),
    ];
    let rels: Vec<String> = files.iter().map(|(n, _, _)| rel(n)).collect();
    let landings: Vec<Landing<'_>> = files
        .iter()
        .zip(&rels)
        .map(|((_, seen, new), r)| Landing {
            repo_rel: r,
            seen: *seen,
            new: *new,
            mode: 0o100644,
            staged: staged_id(r),
        })
        .collect();
    let mut edited_at_moved = |step: Step| {
        if step == Step::Moved {
            std::fs::write(state.join("use-cases").join(removed_edited), b"my edit\n").unwrap();
        }
    };
    let branch = repo.head().unwrap().name().unwrap().to_owned();
    let result = land_commit(
        &repo,
        &branch,
        Some(head.id()),
        commit,
        &landings,
        &mut edited_at_moved,
    );
    match result {
        Err(ChangeError::KeptEdit { files, .. }) => assert_eq!(files, rel(removed_edited)),
        other => panic!("expected a kept edit, got {other:?}"),
    }
    assert_eq!(repo.head().unwrap().target(), Some(commit));
    assert_eq!(read(changed), new_changed.as_bytes());
    assert!(!state.join("use-cases").join(removed).exists());
    assert_eq!(read(removed_edited), b"my edit\n");
    assert_eq!(
        git_ok(dir.path(), &["status", "--porcelain"]),
        format!("?? {}\n", rel(removed_edited)),
        "only the kept edit shows, as a file the commit removed"
    );
}

/// Case 2 under load: an editor saves the file (write to a temporary file,
/// rename over: what editors do) at a moment spread over the whole life of a
/// `ripen move`, 80 times. Whatever the moment, the saved text is what the
/// file holds in the end: ripen either refused, or committed and kept the
/// edit, or wrote before the save; it never writes over it.
#[test]
fn an_editor_saving_at_any_moment_of_a_move_is_never_overwritten() {
    let (dir, state) = repo_with_shipped_state();
    let file = state.join(FILE);
    let targets = ["Retired", "Evaluate", "Identify", "Collect"];
    for i in 0..80u64 {
        let label = format!("round {i}");
        let committed = git_ok(
            dir.path(),
            &["show", "HEAD:state/use-cases/contract-review.ron"],
        );
        let edit = format!("{committed}// saved by an editor in round {i}\n");
        let child = Command::new(BIN)
            .arg("--state")
            .arg(&state)
            .args([
                "move",
                "contract-review",
                targets[i as usize % 4],
                "-m",
                &label,
            ])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros((i * 500) % 40_000));
        let tmp = state.join(format!("use-cases/.editor-{i}.swp"));
        std::fs::write(&tmp, &edit).unwrap();
        std::fs::rename(&tmp, &file).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            edit,
            "{label}: the editor's save survives ({})",
            stderr(&out)
        );
        // Back to a clean file for the next round.
        git_ok(
            dir.path(),
            &["checkout", "--", "state/use-cases/contract-review.ron"],
        );
        assert_eq!(
            git_ok(dir.path(), &["status", "--porcelain"]),
            "",
            "{label}"
        );
    }
}
