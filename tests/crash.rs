//! Crash safety and racing writers: the process killed (SIGKILL, as a power
//! cut) right after each step of a commit (`ripen move`, `ripen import`,
//! `ripen proposals accept`) or of a multi-file write (`ripen fmt`); two
//! `ripen move` of the same use case, or two accepts, at once; an editor
//! saving during an accept. After a kill, the next run finishes or drops what was left:
//! `git fsck` is clean, `git status` is clean, every file parses, no lock,
//! journal or temporary file is left, and the change is there entirely or
//! not at all.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output};

use ripen::git::commit::Step;
use support::data::repo_with_shipped_state;
use support::repo::git;
use support::run::{BIN, ripen_env as ripen};

const FILE: &str = "use-cases/contract-review.ron";
const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/omb-2025-sample.csv"
);

fn head(dir: &Path) -> git2::Oid {
    let repo = git2::Repository::open(dir).unwrap();
    repo.head().unwrap().target().unwrap()
}

fn leftovers(dir: &Path, state: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if dir.join(".git/index.lock").exists() {
        found.push(".git/index.lock".to_owned());
    }
    for folder in [
        dir.join(".git"),
        dir.join(".git/ripen"),
        state.to_path_buf(),
        state.join("use-cases"),
    ] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for e in entries {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with(".ripen")
                || name.starts_with("ripen-index-")
                || name.ends_with(".lock")
                || folder.ends_with("ripen")
            {
                found.push(format!("{}/{name}", folder.display()));
            }
        }
    }
    found
}

const MOVE: [&str; 5] = [
    "move",
    "contract-review",
    "FineTune",
    "--because",
    "plateau confirmed",
];

/// What every state after a kill and one more run must satisfy.
fn assert_consistent(dir: &Path, state: &Path, label: &str) {
    let fsck = git(dir, &["fsck", "--full", "--strict", "--no-dangling"]);
    assert!(
        fsck.status.success(),
        "{label}: git fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    assert_eq!(leftovers(dir, state), Vec::<String>::new(), "{label}");
    let today = ripen::model::Date::parse("2026-10-15").unwrap();
    let reg = ripen::register::load(&ripen::store::snapshot(state).unwrap(), None, today);
    assert_eq!(reg.errors(), 0, "{label}: every file parses");
}

fn assert_status_clean(dir: &Path, label: &str) {
    let status = git(dir, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "{label}: git status is clean (nothing half written, no orphan)"
    );
}

#[test]
fn a_kill_at_any_step_of_a_commit_is_finished_or_dropped_by_the_next_run() {
    if !support::need::machine_has(
        "a_kill_at_any_step_of_a_commit_is_finished_or_dropped_by_the_next_run",
        &[support::need::Need::Git],
    ) {
        return;
    }
    for step in Step::ALL {
        let label = format!("move, killed after {}", step.name());
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let old = std::fs::read(state.join(FILE)).unwrap();
        let new_text = String::from_utf8(old.clone())
            .unwrap()
            .replace("stage: Collect,", "stage: FineTune,");
        let out = ripen(&state, &MOVE, &[("RIPEN_CRASH_AT", step.name())]);
        assert_eq!(out.status.signal(), Some(9), "{label}: killed at the step");
        let now = std::fs::read(state.join(FILE)).unwrap();
        assert!(
            now == old || now == new_text.as_bytes(),
            "{label}: the file is entirely old or entirely new"
        );

        // The next run, whatever it is, finishes what was left.
        let next = ripen(&state, &["list"], &[]);
        assert!(next.status.success(), "{label}: the next run works");
        assert_consistent(dir.path(), &state, &label);
        assert_status_clean(dir.path(), &label);

        let moved = head(dir.path()) != before_head;
        let now = std::fs::read(state.join(FILE)).unwrap();
        match step {
            Step::Checked | Step::Committed => {
                assert!(now == old && !moved, "{label}: nothing happened")
            }
            Step::Moved | Step::Written | Step::Indexed => {
                assert!(now == new_text.as_bytes() && moved, "{label}: committed");
                let repo = git2::Repository::open(dir.path()).unwrap();
                let commit = repo.head().unwrap().peel_to_commit().unwrap();
                assert_eq!(
                    commit.summary().unwrap(),
                    Some("contract-review: stage Collect -> FineTune")
                );
            }
            Step::Staged => unreachable!("not a step of a commit"),
        }
        if matches!(step, Step::Moved | Step::Written) {
            assert!(
                String::from_utf8_lossy(&next.stderr)
                    .contains("finished the working tree of commit"),
                "{label}: the next run says what it finished: {}",
                String::from_utf8_lossy(&next.stderr)
            );
        }
    }
}

fn use_case_files(state: &Path) -> usize {
    std::fs::read_dir(state.join("use-cases")).unwrap().count()
}

#[test]
fn a_kill_at_any_step_of_an_import_leaves_all_of_it_or_none() {
    for step in Step::ALL {
        let label = format!("import, killed after {}", step.name());
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let before_files = use_case_files(&state);
        let out = ripen(
            &state,
            &["import", SAMPLE, "--preset", "omb-2025"],
            &[("RIPEN_CRASH_AT", step.name())],
        );
        assert_eq!(out.status.signal(), Some(9), "{label}: killed at the step");

        let next = ripen(&state, &["list"], &[]);
        assert!(
            next.status.code() == Some(0) || next.status.code() == Some(1),
            "{label}: the next run works: {}",
            String::from_utf8_lossy(&next.stderr)
        );
        assert_consistent_import(dir.path(), &state, &label);
        assert_status_clean(dir.path(), &label);
        let moved = head(dir.path()) != before_head;
        let files = use_case_files(&state);
        match step {
            Step::Checked | Step::Committed => {
                assert!(!moved && files == before_files, "{label}: none of it")
            }
            _ => assert!(moved && files > before_files + 100, "{label}: all of it"),
        }
        // A later import agrees: everything is either new or unchanged and
        // committed, never "unchanged" but uncommitted.
        let again = ripen(&state, &["import", SAMPLE, "--preset", "omb-2025"], &[]);
        assert!(again.status.success(), "{label}: importing again works");
        assert_status_clean(dir.path(), &format!("{label}, imported again"));
        assert_eq!(
            use_case_files(&state),
            git2::Repository::open(dir.path())
                .unwrap()
                .head()
                .unwrap()
                .peel_to_tree()
                .unwrap()
                .get_path(Path::new("state/use-cases"))
                .and_then(|e| Ok(e
                    .to_object(&git2::Repository::open(dir.path()).unwrap())?
                    .peel_to_tree()?
                    .len()))
                .unwrap(),
            "{label}: every use case file is committed"
        );
    }
}

/// As [`assert_consistent`], without loading every imported file (the
/// sample's own warnings are not this test's subject).
fn assert_consistent_import(dir: &Path, state: &Path, label: &str) {
    let fsck = git(dir, &["fsck", "--full", "--strict", "--no-dangling"]);
    assert!(fsck.status.success(), "{label}: git fsck");
    assert_eq!(leftovers(dir, state), Vec::<String>::new(), "{label}");
}

/// The shipped register with three files rewritten out of canonical form
/// (and committed so).
fn repo_with_unformatted_files() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    support::data::repo_with_unformatted_files(&[
        "contract-review.ron",
        "kb-search.ron",
        "ticket-triage.ron",
    ])
}

#[test]
fn a_kill_at_any_step_of_fmt_leaves_every_file_formatted_or_none() {
    for step in [Step::Checked, Step::Staged, Step::Written] {
        let label = format!("fmt, killed after {}", step.name());
        let (dir, state, files) = repo_with_unformatted_files();
        let before: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(state.join(f)).unwrap())
            .collect();
        let out = ripen(&state, &["fmt"], &[("RIPEN_CRASH_AT", step.name())]);
        assert_eq!(out.status.signal(), Some(9), "{label}: killed at the step");
        let next = ripen(&state, &["list"], &[]);
        assert!(next.status.success(), "{label}: the next run works");
        assert_consistent(dir.path(), &state, &label);
        let after: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(state.join(f)).unwrap())
            .collect();
        let unchanged = before.iter().zip(&after).filter(|(b, a)| b == a).count();
        let check = ripen(&state, &["fmt", "--check"], &[]);
        match step {
            Step::Checked => {
                assert_eq!(unchanged, files.len(), "{label}: none formatted");
                assert_status_clean(dir.path(), &label);
            }
            _ => {
                assert_eq!(unchanged, 0, "{label}: all formatted");
                assert!(check.status.success(), "{label}: every file canonical");
            }
        }
    }
}

#[test]
fn without_a_crash_the_move_is_one_commit_of_one_line() {
    let (dir, state) = repo_with_shipped_state();
    let out = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args([
            "move",
            "contract-review",
            "FineTune",
            "--because",
            "plateau confirmed",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo = git2::Repository::open(dir.path()).unwrap();
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "index and tree clean"
    );
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let diff = repo
        .diff_tree_to_tree(
            Some(&head.parent(0).unwrap().tree().unwrap()),
            Some(&head.tree().unwrap()),
            None,
        )
        .unwrap();
    let stats = diff.stats().unwrap();
    assert_eq!(
        (stats.files_changed(), stats.insertions(), stats.deletions()),
        (1, 1, 1)
    );

    // Not ready: refused without --override, recorded with it.
    let refused = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args(["move", "kb-search", "FineTune", "-m", "skip ahead"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--override"));
    let forced = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args([
            "move",
            "kb-search",
            "FineTune",
            "-m",
            "skip ahead",
            "--override",
        ])
        .output()
        .unwrap();
    assert!(forced.status.success());
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert!(head.message().unwrap().contains("Readiness override"));
}

/// Case 1 of the hostile review: two `ripen move` of one use case at once.
/// Whoever loses says so and changes nothing; the winner's commit is never
/// undone in the working tree; nothing is lost.
#[test]
fn two_moves_of_one_use_case_racing_never_lose_a_commit() {
    let (dir, state) = repo_with_shipped_state();
    let repo = git2::Repository::open(dir.path()).unwrap();
    let targets = [("Retired", "Identify"), ("Evaluate", "Collect")];
    let mut won = 0;
    for i in 0..100 {
        let (a, b) = targets[i % 2];
        let spawn = |to: &str| {
            Command::new(BIN)
                .arg("--state")
                .arg(&state)
                .args(["move", "contract-review", to, "-m", &format!("race {i}")])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (pa, pb) = (spawn(a), spawn(b));
        let outs = [
            pa.wait_with_output().unwrap(),
            pb.wait_with_output().unwrap(),
        ];
        let label = format!("iteration {i}");

        // HEAD's file is the working file, and git status is clean.
        let blob = repo
            .head()
            .unwrap()
            .peel_to_tree()
            .unwrap()
            .get_path(Path::new(&format!("state/{FILE}")))
            .unwrap()
            .id();
        let work = std::fs::read(state.join(FILE)).unwrap();
        assert_eq!(
            blob,
            git2::Oid::hash_object(git2::ObjectType::Blob, &work).unwrap(),
            "{label}: HEAD's file is the working file"
        );
        assert_status_clean(dir.path(), &label);

        let head = repo.head().unwrap().target().unwrap();
        for out in &outs {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                // Every commit announced is in the branch's history.
                let short = stdout
                    .strip_prefix("committed ")
                    .and_then(|s| s.get(..7))
                    .unwrap_or_else(|| panic!("{label}: {stdout}"));
                let id = repo.revparse_single(short).unwrap().id();
                assert!(
                    id == head || repo.graph_descendant_of(head, id).unwrap(),
                    "{label}: commit {short} is not lost"
                );
                won += 1;
            } else {
                assert_eq!(out.status.code(), Some(2), "{label}: {stderr}");
                assert!(
                    stderr.contains("the branch moved")
                        || stderr.contains("another ripen is saving")
                        || stderr.contains("was changed on disk since it was loaded")
                        || stderr.contains("already in"),
                    "{label}: the loser says what happened: {stderr}"
                );
                assert!(stderr.contains("nothing was changed") || stderr.contains("already in"));
            }
        }
    }
    let commits = {
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        walk.count()
    };
    assert_eq!(
        commits,
        1 + won,
        "one commit per announced success, none lost"
    );
    assert_eq!(leftovers(dir.path(), &state), Vec::<String>::new());
}

/// A ripen killed while it held `.git/index.lock` (the instant of the
/// index update): the next run recognises the lock as its own (a link to a
/// private file nobody holds) and removes it, with any index copy left.
/// Anyone else's lock is left alone and reported.
#[test]
fn a_stale_index_lock_of_ripen_is_removed_and_a_foreign_one_is_left() {
    let (dir, state) = repo_with_shipped_state();
    let git_dir = dir.path().join(".git");
    std::fs::create_dir_all(git_dir.join("ripen/index-edit-x1")).unwrap();
    std::fs::write(git_dir.join("ripen/index-edit-x1/index"), b"partial").unwrap();
    std::fs::write(git_dir.join("ripen/index-lock-x1"), b"").unwrap();
    std::fs::hard_link(
        git_dir.join("ripen/index-lock-x1"),
        git_dir.join("index.lock"),
    )
    .unwrap();
    std::fs::create_dir_all(git_dir.join("ripen-index-old")).unwrap();
    let next = ripen(&state, &["list"], &[]);
    assert!(next.status.success());
    assert_eq!(leftovers(dir.path(), &state), Vec::<String>::new());
    assert!(!git_dir.join("ripen").exists());
    assert!(!git_dir.join("ripen-index-old").exists());
    let moved = ripen(&state, &MOVE, &[]);
    assert!(
        moved.status.success(),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );

    // Someone else's lock: reported, never removed.
    std::fs::write(git_dir.join("index.lock"), b"").unwrap();
    let before = head(dir.path());
    let out = ripen(
        &state,
        &["move", "contract-review", "Retired", "-m", "foreign lock"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("index.lock exists"));
    assert!(git_dir.join("index.lock").exists(), "left alone");
    assert_eq!(head(dir.path()), before);
}

/// Outside a repository the journal sits in the state directory
/// (`.ripen/`): a kill after staging is finished by the next run all the
/// same, and nothing of it is left.
#[test]
fn fmt_outside_a_repository_is_finished_after_a_kill() {
    let (dir, state) = repo_with_shipped_state();
    std::fs::remove_dir_all(dir.path().join(".git")).unwrap();
    let file = state.join(FILE);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("\n    ", "\n      ")).unwrap();
    let out = ripen(&state, &["fmt"], &[("RIPEN_CRASH_AT", "staged")]);
    assert_eq!(out.status.signal(), Some(9));
    assert!(
        state.join(".ripen").exists(),
        "the journal waits for the next run"
    );
    let next = ripen(&state, &["list"], &[]);
    assert!(next.status.success());
    assert!(String::from_utf8_lossy(&next.stderr).contains("finished a write"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert!(!state.join(".ripen").exists());
    assert_eq!(leftovers(dir.path(), &state), Vec::<String>::new());
}

/// A temporary file of an atomic write cut short (by this version's
/// plain writes or an older version's commits) is removed by the next run
/// once it is a minute old; a fresh one may belong to a write under way.
#[test]
fn stale_temporary_files_are_removed_by_the_next_run() {
    let (dir, state) = repo_with_shipped_state();
    let old = state.join("use-cases/.ripen-AbC123.tmp");
    let fresh = state.join(".ripen-XyZ789.tmp");
    std::fs::write(&old, b"half").unwrap();
    std::fs::write(&fresh, b"half").unwrap();
    let touched = Command::new("touch")
        .args(["-d", "2026-01-01 00:00:00"])
        .arg(&old)
        .status()
        .unwrap();
    assert!(touched.success());
    let next = ripen(&state, &["list"], &[]);
    assert!(next.status.success());
    assert!(String::from_utf8_lossy(&next.stderr).contains("removed 1 temporary file(s)"));
    assert!(!old.exists());
    assert!(fresh.exists(), "a fresh one is left for its writer");
    let _ = dir;
}

const SHEET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/spreadsheet.csv");
const SHEET_MAPPING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/spreadsheet-mapping.ron"
);

/// Two imports of one file at once, many times: one commits the files, the
/// other changes nothing and says why; never a half of each, never an
/// uncommitted file.
#[test]
fn two_imports_racing_commit_once_and_lose_nothing() {
    for i in 0..30 {
        let label = format!("round {i}");
        let (dir, state) = repo_with_shipped_state();
        let before = head(dir.path());
        let spawn = || {
            Command::new(BIN)
                .arg("--state")
                .arg(&state)
                .args(["import", SHEET, "--mapping", SHEET_MAPPING])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        assert_status_clean(dir.path(), &label);
        assert_eq!(
            leftovers(dir.path(), &state),
            Vec::<String>::new(),
            "{label}"
        );
        let repo = git2::Repository::open(dir.path()).unwrap();
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        let commits = walk.count();
        let succeeded = outs.iter().filter(|o| o.status.success()).count();
        // Both may succeed when one ran after the other (the second then
        // finds nothing to change); one commit holds the files either way.
        assert_eq!(commits, 2, "{label}: one import commit");
        assert!(succeeded >= 1, "{label}");
        assert_ne!(head(dir.path()), before);
        for o in outs.iter().filter(|o| !o.status.success()) {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("the branch moved")
                    || err.contains("another ripen is saving")
                    || err.contains("was changed on disk"),
                "{label}: the loser says what happened: {err}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Accepting a proposal

const BRANCH: &str = "team/titles";
/// The files the proposal changes (relative to the state directory): two
/// edits and one new use case.
const PROPOSED: [&str; 3] = [
    "use-cases/kb-search.ron",
    "use-cases/marketing-copy.ron",
    "use-cases/new-pilot.ron",
];

/// A branch off HEAD that retitles two use cases and adds a third.
fn propose_titles(dir: &Path, state: &Path) -> (git2::Oid, Vec<Vec<u8>>) {
    let repo = git2::Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let mut index = git2::Index::new().unwrap();
    index.read_tree(&head.tree().unwrap()).unwrap();
    let mut new = Vec::new();
    for (k, rel) in PROPOSED.iter().enumerate() {
        let base = if k < 2 {
            *rel
        } else {
            "use-cases/kb-search.ron"
        };
        let text = std::fs::read_to_string(state.join(base)).unwrap();
        let start = text.find("title: \"").unwrap() + 8;
        let end = start + text[start..].find('"').unwrap();
        let changed = format!("{}Retitled {k}{}", &text[..start], &text[end..]);
        let blob = repo.blob(changed.as_bytes()).unwrap();
        let mut entry = index
            .get_path(Path::new(&format!("state/{base}")), 0)
            .unwrap();
        entry.id = blob;
        entry.file_size = changed.len() as u32;
        entry.path = format!("state/{rel}").into_bytes();
        index.add(&entry).unwrap();
        new.push(changed.into_bytes());
    }
    let tree = repo.find_tree(index.write_tree_to(&repo).unwrap()).unwrap();
    let sig = support::repo::signature("Tia Titles", "tia@example.com", 1_760_100_000);
    let tip = repo
        .commit(
            Some(&format!("refs/heads/{BRANCH}")),
            &sig,
            &sig,
            "Retitle",
            &tree,
            &[&head],
        )
        .unwrap();
    (tip, new)
}

fn accept_run(state: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--state")
        .arg(state)
        .args(["proposals", "accept", BRANCH, "--yes"])
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn read_proposed(state: &Path) -> Vec<Option<Vec<u8>>> {
    PROPOSED
        .iter()
        .map(|rel| std::fs::read(state.join(rel)).ok())
        .collect()
}

/// SIGKILL right after each step of accepting (the steps of a commit:
/// checked, committed, moved, written, indexed). The next run, whatever
/// command it is, leaves the whole accept or none of it: every file old
/// or every file new, `git status` clean, `git fsck` clean, no journal,
/// lock or temporary file; then accepting again accepts, or says the
/// proposal is already merged.
#[test]
fn a_kill_at_any_step_of_accepting_leaves_a_state_the_next_run_handles() {
    for step in Step::ALL {
        let name = format!("accept, killed after {}", step.name());
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let old = read_proposed(&state);
        let (tip, new) = propose_titles(dir.path(), &state);
        let new: Vec<Option<Vec<u8>>> = new.into_iter().map(Some).collect();
        let out = accept_run(&state, &[("RIPEN_CRASH_AT", step.name())]);
        assert_eq!(out.status.signal(), Some(9), "{name}: killed at the step");
        let now = read_proposed(&state);
        for (k, rel) in PROPOSED.iter().enumerate() {
            assert!(
                now[k] == old[k] || now[k] == new[k],
                "{name}: {rel} is entirely old or entirely new"
            );
        }

        // The next run, whatever it is, finishes or drops what was left.
        let next = ripen(&state, &["list"], &[]);
        let next_err = String::from_utf8_lossy(&next.stderr).into_owned();
        assert!(
            next.status.success(),
            "{name}: the next run works: {next_err}"
        );
        assert_consistent(dir.path(), &state, &name);
        assert_status_clean(dir.path(), &name);
        let now = read_proposed(&state);
        let moved = head(dir.path()) != before_head;
        match step {
            Step::Checked | Step::Committed => {
                assert!(now == old && !moved, "{name}: none of it");
            }
            Step::Moved | Step::Written | Step::Indexed => {
                assert!(now == new && moved, "{name}: all of it");
                let repo = git2::Repository::open(dir.path()).unwrap();
                let merge = repo.head().unwrap().peel_to_commit().unwrap();
                assert_eq!(merge.parent_id(0).unwrap(), before_head, "{name}");
                assert_eq!(merge.parent_id(1).unwrap(), tip, "{name}");
            }
            Step::Staged => unreachable!("accepting makes no plain write"),
        }
        if matches!(step, Step::Moved | Step::Written) {
            assert!(
                next_err.contains("finished the working tree of commit"),
                "{name}: the next run says what it finished: {next_err}"
            );
        }

        let again = accept_run(&state, &[]);
        let again_err = String::from_utf8_lossy(&again.stderr).into_owned();
        if moved {
            assert_eq!(again.status.code(), Some(2), "{name}");
            assert!(
                again_err.contains("already part of the current branch"),
                "{name}: {again_err}"
            );
        } else {
            assert!(again.status.success(), "{name}: accepts: {again_err}");
            let repo = git2::Repository::open(dir.path()).unwrap();
            let merge = repo.head().unwrap().peel_to_commit().unwrap();
            assert_eq!(merge.parent_id(0).unwrap(), before_head, "{name}");
            assert_eq!(merge.parent_id(1).unwrap(), tip, "{name}");
            assert_eq!(read_proposed(&state), new, "{name}");
        }
        assert_consistent(dir.path(), &state, &name);
        assert_status_clean(dir.path(), &name);
    }
}

/// Starts `ripen proposals accept BRANCH --yes` paused two seconds after
/// `step` (`committed` or `moved`), edits `victim` once the step is
/// reached, and returns the edit and the output.
fn accept_with_an_edit_at(dir: &Path, state: &Path, step: &str, victim: &str) -> (String, Output) {
    let before = head(dir);
    let child = Command::new(BIN)
        .arg("--state")
        .arg(state)
        .args(["proposals", "accept", BRANCH, "--yes"])
        .env("NO_COLOR", "1")
        .env("RIPEN_PAUSE_AT", step)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the step is reached: the journal is staged, or the
    // branch moved.
    let reached = || match step {
        "committed" => std::fs::read_dir(dir.join(".git/ripen")).is_ok_and(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.path().join("manifest").exists())
        }),
        "moved" => head(dir) != before,
        _ => unreachable!("no way to see {step} from outside"),
    };
    let started = std::time::Instant::now();
    while !reached() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{step} never reached"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mine = format!(
        "// my edit during {step}\n{}",
        std::fs::read_to_string(state.join(victim)).unwrap()
    );
    std::fs::write(state.join(victim), &mine).unwrap();
    (mine, child.wait_with_output().unwrap())
}

/// A hand edit made while accepting, before the merge lands (the accept
/// paused after staging its files in the journal): the edit is kept,
/// nothing is accepted, no file changes.
#[test]
fn a_file_edited_while_accepting_is_kept_and_nothing_is_accepted() {
    for victim in PROPOSED.iter().take(2) {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let old = read_proposed(&state);
        propose_titles(dir.path(), &state);
        let (mine, out) = accept_with_an_edit_at(dir.path(), &state, "committed", victim);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{victim}: {err}");
        assert!(err.contains("changed while accepting"), "{err}");
        assert!(err.contains(victim), "{victim} is named: {err}");
        assert!(err.contains("nothing was accepted"), "{err}");
        assert_eq!(
            std::fs::read_to_string(state.join(victim)).unwrap(),
            mine,
            "kept"
        );
        assert_eq!(head(dir.path()), before_head, "nothing accepted");
        // Every other file is as it was: the new use case is not there.
        for (k, rel) in PROPOSED.iter().enumerate() {
            if rel != victim {
                assert_eq!(read_proposed(&state)[k], old[k], "{rel}");
            }
        }
        assert_eq!(leftovers(dir.path(), &state), Vec::<String>::new());
    }
}

/// A hand edit made after the merge landed but before the files were
/// written (the accept paused after moving the branch): the accept stays,
/// the edit is kept in the file and named, the other files are accepted.
#[test]
fn a_file_edited_after_the_merge_landed_is_kept_and_named() {
    for (k, victim) in PROPOSED.iter().enumerate().take(2) {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let (tip, new) = propose_titles(dir.path(), &state);
        let (mine, out) = accept_with_an_edit_at(dir.path(), &state, "moved", victim);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{victim}: {err}");
        assert!(
            err.contains("was edited while accepting: your edit is kept in the file"),
            "{err}"
        );
        assert!(err.contains(victim), "{victim} is named: {err}");
        assert_eq!(
            std::fs::read_to_string(state.join(victim)).unwrap(),
            mine,
            "kept"
        );
        let repo = git2::Repository::open(dir.path()).unwrap();
        let merge = repo.head().unwrap().peel_to_commit().unwrap();
        assert_eq!(merge.parent_id(0).unwrap(), before_head, "accepted");
        assert_eq!(merge.parent_id(1).unwrap(), tip);
        for (j, rel) in PROPOSED.iter().enumerate() {
            if j != k {
                assert_eq!(read_proposed(&state)[j].as_ref(), Some(&new[j]), "{rel}");
            }
        }
        let status = git(
            dir.path(),
            &["status", "--porcelain", "--untracked-files=all"],
        );
        assert_eq!(
            String::from_utf8_lossy(&status.stdout),
            format!(" M state/{victim}\n"),
            "only the edit shows"
        );
        assert_eq!(leftovers(dir.path(), &state), Vec::<String>::new());
    }
}

/// Two processes accepting the same proposal at once, many times: at most
/// one merge lands, and afterwards the working tree and the index agree
/// with the branch (the loser never undoes the winner's files), with no
/// journal, lock or temporary file left.
#[test]
fn two_accepts_of_one_proposal_at_once_leave_one_consistent_result() {
    const RUNS: usize = 40;
    let mut merged = 0;
    for run in 0..RUNS {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let (tip, _) = propose_titles(dir.path(), &state);
        let spawn = || {
            Command::new(BIN)
                .arg("--state")
                .arg(&state)
                .args(["proposals", "accept", BRANCH, "--yes"])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let wins = outs.iter().filter(|o| o.status.success()).count();
        assert!(wins <= 1, "run {run}: both accepted");
        for o in &outs {
            assert!(o.status.code().is_some(), "run {run}: killed by a signal");
        }
        let repo = git2::Repository::open(dir.path()).unwrap();
        let now = repo.head().unwrap().peel_to_commit().unwrap();
        if now.id() != before_head {
            merged += 1;
            assert_eq!(
                now.parent_id(0).unwrap(),
                before_head,
                "run {run}: one merge"
            );
            assert_eq!(now.parent_id(1).unwrap(), tip);
        }
        let tree = now.tree().unwrap();
        for rel in PROPOSED {
            let on_disk = std::fs::read(state.join(rel)).ok();
            let committed = tree
                .get_path(Path::new(&format!("state/{rel}")))
                .ok()
                .map(|e| repo.find_blob(e.id()).unwrap().content().to_vec());
            assert_eq!(
                on_disk, committed,
                "run {run}: {rel} agrees with the branch"
            );
        }
        let errs: Vec<String> = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        assert!(
            repo.statuses(None).unwrap().is_empty(),
            "run {run}: clean: {errs:?}"
        );
        assert_eq!(
            leftovers(dir.path(), &state),
            Vec::<String>::new(),
            "run {run}"
        );
    }
    assert!(merged > 0, "no run accepted at all");
}

/// A branch off HEAD named `branch` that retitles the first two proposed
/// use cases to `title`.
fn propose_retitle(dir: &Path, branch: &str, title: &str) -> git2::Oid {
    let repo = git2::Repository::open(dir).unwrap();
    let files: Vec<(String, String)> = PROPOSED[..2]
        .iter()
        .map(|rel| {
            let path = format!("state/{rel}");
            let text = String::from_utf8(support::repo::head_blob(&repo, &path)).unwrap();
            let start = text.find("title: \"").unwrap() + 8;
            let end = start + text[start..].find('"').unwrap();
            let changed = format!("{}{title}{}", &text[..start], &text[end..]);
            (path, changed)
        })
        .collect();
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    support::repo::commit_on_branch(
        &repo,
        branch,
        &files,
        title,
        &support::repo::signature("Tia Titles", "tia@example.com", 1_760_100_000),
    )
}

/// An editor saving a file (write a new file, rename it over) at a moment
/// spread over a whole accept, many rounds: the save always survives,
/// whether it lands before the checks (nothing accepted), between them and
/// the branch moving (nothing accepted), or after (accepted, the edit kept
/// in the file); the other file is always the whole accept or none of it.
#[test]
fn an_editor_saving_at_any_moment_of_an_accept_is_never_overwritten() {
    let (dir, state) = repo_with_shipped_state();
    let victim = state.join(PROPOSED[0]);
    let other = PROPOSED[1];
    // How long one accept takes here, to spread the saves over it.
    propose_retitle(dir.path(), "team/warm-up", "Warm up");
    let started = std::time::Instant::now();
    let warm = ripen(
        &state,
        &["proposals", "accept", "team/warm-up", "--yes"],
        &[],
    );
    // The longest accept seen so far: on a loaded machine one takes longer
    // than the warm-up did, and the saves must still reach past its end.
    let mut takes = started.elapsed();
    assert!(
        warm.status.success(),
        "{}",
        String::from_utf8_lossy(&warm.stderr)
    );
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..50u32 {
        let label = format!("round {i}");
        let branch = format!("team/round-{i}");
        let tip = propose_retitle(dir.path(), &branch, &format!("Round {i}"));
        let before = head(dir.path());
        let committed = std::fs::read_to_string(&victim).unwrap();
        let edit = format!("{committed}// saved by an editor in round {i}\n");
        let spawned = std::time::Instant::now();
        let child = Command::new(BIN)
            .arg("--state")
            .arg(&state)
            .args(["proposals", "accept", &branch, "--yes"])
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // From the start to a little after the end, in a scattered order.
        std::thread::sleep(takes * ((i * 7) % 50) / 40);
        let tmp = state.join(format!("use-cases/.editor-{i}.swp"));
        std::fs::write(&tmp, &edit).unwrap();
        std::fs::rename(&tmp, &victim).unwrap();
        let out = child.wait_with_output().unwrap();
        takes = takes.max(spawned.elapsed());
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            edit,
            "{label}: the editor's save survives ({err})"
        );
        assert!(out.status.code().is_some(), "{label}: {err}");
        let repo = git2::Repository::open(dir.path()).unwrap();
        let now = repo.head().unwrap().peel_to_commit().unwrap();
        if now.id() == before {
            refused += 1;
            assert_eq!(out.status.code(), Some(2), "{label}: {err}");
        } else {
            accepted += 1;
            assert_eq!(now.parent_id(0).unwrap(), before, "{label}");
            assert_eq!(now.parent_id(1).unwrap(), tip, "{label}");
        }
        // The other file, the index and every leftover agree with HEAD.
        let status = git(
            dir.path(),
            &["status", "--porcelain", "--untracked-files=all"],
        );
        assert_eq!(
            String::from_utf8_lossy(&status.stdout),
            format!(" M state/{}\n", PROPOSED[0]),
            "{label}: only the editor's save differs from HEAD ({err}); {other} is whole"
        );
        assert_eq!(
            leftovers(dir.path(), &state),
            Vec::<String>::new(),
            "{label}"
        );
        // Back to a clean file for the next round.
        let back = git(
            dir.path(),
            &["checkout", "--", &format!("state/{}", PROPOSED[0])],
        );
        assert!(back.status.success(), "{label}");
    }
    assert!(accepted > 0, "no round accepted (refused {refused})");
}
